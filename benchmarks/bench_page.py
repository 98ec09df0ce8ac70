"""How responsive the interactive page is: a week's step plus redraw, at default size.

    python benchmarks/bench_page.py [--weeks N] [--browser]

Server side: the default community (3,000 households), stepped week by week; each
week the first tab's figures (outcomes, map) and the second tab's (pipeline,
workload) are brought up to date and encoded as PNG, as the page does. Prints the
minimum and median wall and CPU time of the step and of each tab's redraw.

With --browser (needs Chromium and the viz/dev extras): the page itself, served by
`govsim view` and driven in headless Chromium; times a click on Step until the week
and both figures have changed in the browser (what a user waits for), over N clicks.

Target (issue 11): a week's step plus redraw under ~0.3 s on the 2-core machine.
The machine's load average is printed: on a shared machine wall times grow with it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from analysis import drawing  # noqa: E402
from sim import snapshot  # noqa: E402


def timed(f):
    w, c = time.perf_counter(), time.process_time()
    f()
    return time.perf_counter() - w, time.process_time() - c


def summary(name: str, values: list[tuple[float, float]]) -> None:
    wall, cpu = zip(*values)
    print(f"{name:<34} wall min {min(wall) * 1000:7.1f} ms  median {statistics.median(wall) * 1000:7.1f} ms"
          f"   cpu min {min(cpu) * 1000:7.1f} ms  median {statistics.median(cpu) * 1000:7.1f} ms")


def server_side(weeks: int) -> None:
    model = snapshot.WatchedModel.from_scenario("sichuan-2020", seed=1)
    layout = snapshot.map_layout(model)
    tab0 = [drawing.OutcomesPanel(model), drawing.MapPanel(model, "satisfaction", layout)]
    tab1 = [drawing.PipelinePanel(model), drawing.WorkloadPanel(model)]
    for p in tab0 + tab1:
        p.png()  # warm-up: fonts, first layout
    steps, first, second, total = [], [], [], []
    for _ in range(weeks):
        s = timed(model.step)
        a = timed(lambda: [p.png() for p in tab0])
        b = timed(lambda: [p.png() for p in tab1])
        steps.append(s)
        first.append(a)
        second.append(b)
        total.append((s[0] + a[0], s[1] + a[1]))
    print(f"server side, {model.households.n} households, {weeks} weeks:")
    summary("step", steps)
    summary("redraw tab 1 (outcomes, map)", first)
    summary("redraw tab 2 (pipeline, workload)", second)
    summary("step + redraw tab 1", total)


def in_browser(clicks: int) -> None:
    from pagedriver import browse, serve

    with serve("sichuan-2020", seed=1) as url, browse(url) as page:
        page.step(2)  # warm-up
        times = []
        for _ in range(clicks):
            week, images = page.week(), page.images()
            start = time.perf_counter()
            page.button("Step").click()
            page.wait_week(week + 1)
            page.page.wait_for_function(
                "old => { const now = Array.from(document.querySelectorAll('img')).map(e => e.src);"
                " return now.length >= 2 && now.filter(s => !old.includes(s)).length >= 2; }",
                arg=images, timeout=60_000)
            times.append(time.perf_counter() - start)
        if page.problems:
            print(page.problems)
    print(f"in the browser, {clicks} clicks on Step (click until week and both figures updated):")
    print(f"{'step + redraw':<34} wall min {min(times) * 1000:7.1f} ms  median "
          f"{statistics.median(times) * 1000:7.1f} ms")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--browser", action="store_true")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    server_side(args.weeks)
    if args.browser:
        in_browser(min(args.weeks, 20))
    print(f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
