"""The page in a real browser (Debian's Chromium through Playwright), offline.

Runs with `pytest --browser` (CI: .ci/run); without the flag it is reported as
skipped. Any request that fails or tries to leave the machine, and any console
error, fails the test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pagedriver import ROOT, browse, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

def same(a: list[float], b: list[float]) -> bool:
    return np.allclose(a, b, equal_nan=True, rtol=0, atol=1e-9)


SCREENSHOT = ROOT / "results" / "browser-test" / "page.png"  # results/ is kept out of git


def test_page_steps_responds_to_a_lever_and_resets():
    with serve("sichuan-2020", seed=1) as url, browse(url) as page:
        assert page.week() == 0
        start = page.outcomes()
        images_at_start = page.images()
        assert len(images_at_start) >= 2, "the outcomes figure and the map should be on the first tab"

        page.step(10)
        assert page.week() == 10
        default_week10 = page.outcomes()
        assert not same(default_week10, start)
        assert page.images_change_from(images_at_start), "stepping must redraw the figures"

        page.reset()
        assert page.week() == 0
        assert same(page.outcomes(), start), "reset rebuilds the same community (same levers, same seed)"

        # a lever that matters: with 95% of their time on paperwork, workers settle
        # fewer cases; the same seed, so the difference is the lever's
        page.set_lever_to_max("admin_burden_share")
        assert page.lever_label("admin_burden_share").startswith("admin burden share: 0.95")
        page.reset()
        page.step(10)
        moved_week10 = page.outcomes()
        assert not same(moved_week10, default_week10)
        images_moved = page.images()

        page.reset()
        assert page.week() == 0
        assert page.images_change_from(images_moved), "reset must redraw the figures"

        # the second tab: the case pipeline and the workers' load
        page.page.get_by_role("tab", name="Page 1").click()
        page.page.wait_for_function("() => document.querySelectorAll('img').length >= 2", timeout=60_000)
        page.page.get_by_role("tab", name="Page 0").click()
        page.wait_week(0)

        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.step(10)
        page.page.screenshot(path=str(SCREENSHOT))
        assert SCREENSHOT.stat().st_size > 10_000

        assert not page.problems, str(page.problems)
        assert page.problems.requests > 10  # it did load its assets, from the server itself


def test_page_starts_from_a_scenario_file(tmp_path: Path):
    """`govsim view FILE` starts from a scenario outside scenarios/, named as the file says."""
    f = tmp_path / "small.toml"
    f.write_text('name = "small-town"\nextends = "%s"\n[levers]\nhouseholds = 400\n'
                 % (ROOT / "scenarios" / "town.toml").as_posix())
    with serve(str(f), seed=2) as url, browse(url) as page:
        assert page.page.get_by_text("govsim · small-town").count() >= 1
        page.step(2)
        assert page.week() == 2
        assert page.lever_label("households").startswith("households: 400")
        assert page.lever_label("households_per_grid").startswith("households per grid: 250")
        # a new settlement brings its own defaults, but not over the scenario's own values
        page.choose("settlement", "rural")
        page.wait_lever("households_per_grid", "households per grid: 200")
        assert page.lever_label("households").startswith("households: 400")
        page.reset()
        page.step(1)
        assert not page.problems, str(page.problems)
