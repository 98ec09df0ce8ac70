"""Shared helpers for the test suite. Every stochastic test uses fixed seeds."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

# the suite must not compete with itself for the machine's 2 cores
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture
def govsim(tmp_path, monkeypatch):
    """Run the CLI in-process from tmp_path; returns (exit status, stdout, stderr)."""
    from analysis.cli import main

    def call(*argv: str, cwd: Path | None = None):
        monkeypatch.chdir(cwd or tmp_path)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main(list(argv))
            except SystemExit as e:  # argparse usage errors, --version
                status = e.code if isinstance(e.code, int) else 1
        return status, out.getvalue(), err.getvalue()

    return call


# ---- the browser test ----------------------------------------------------------------
# Tests marked `browser` drive the page in Chromium. They run wherever a Chromium is
# found (tests/pagedriver.py: GOVSIM_CHROMIUM, chromium, chromium-browser), and where
# one must be there — with --browser, or in CI (CI=true; .ci/run installs it) — a
# missing browser is a failure, not a skip. Elsewhere they are reported as skipped,
# with the reason, so the suite runs where no browser can be installed.
def pytest_addoption(parser):
    parser.addoption("--browser", action="store_true",
                     help="require the tests that drive the page in Chromium (marked `browser`)")


def pytest_collection_modifyitems(config, items):
    from pagedriver import chromium_path

    required = config.getoption("--browser") or os.environ.get("CI", "").lower() == "true"
    if required or chromium_path():
        return
    skip = pytest.mark.skip(reason="browser test: no Chromium found (apt-get install chromium; CI installs it)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)
