"""Drive the interactive page in a real browser: start `govsim view` on a free
loopback port, open it in Debian's Chromium through Playwright, and record every
request that fails, leaves the machine, or any console error.

Used by tests/test_page_browser.py, benchmarks/bench_page.py and
bin/page-screenshot (which makes the README's screenshot).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# flags that work here, as root, in a container without a GPU or a session bus
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    """Debian's Chromium (Playwright's own downloads are not available here);
    GOVSIM_CHROMIUM names another."""
    return os.environ.get("GOVSIM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(scenario: str = "sichuan-2020", seed: int = 1, timeout: float = 90.0) -> Iterator[str]:
    """`govsim view SCENARIO` on a free loopback port; yields its URL."""
    port = free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from analysis.cli import main; sys.exit(main(sys.argv[1:]))",
         "view", scenario, "--seed", str(seed), "--port", str(port), "--no-open"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"govsim view exited with {proc.returncode}:\n{log.read().decode()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"govsim view did not answer at {url} within {timeout:.0f} s")
            time.sleep(0.3)
        yield url
    finally:
        # the server and the solara process it started share a new session: end both
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
        log.close()


@dataclass
class Problems:
    """What went wrong in the browser: failed requests (including any that tried to
    leave the machine, which are blocked), HTTP errors, console errors, page errors."""

    failed: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    requests: int = 0

    def __bool__(self) -> bool:
        return bool(self.failed or self.console)

    def __str__(self) -> str:
        return "\n".join(["failed requests:", *self.failed, "console errors:", *self.console])


class PageSession:
    """One browser tab on the page, with the few actions a user takes."""

    def __init__(self, page, problems: Problems) -> None:
        self.page = page
        self.problems = problems

    def week(self) -> int:
        return int(self.page.locator(".govsim-week").inner_text(timeout=30_000))

    def outcomes(self) -> list[float]:
        return [float(x) for x in self.page.locator(".govsim-outcomes").inner_text().split()]

    def wait_week(self, week: int, timeout: float = 30_000) -> None:
        self.page.wait_for_function(
            "w => { const e = document.querySelector('.govsim-week'); return e && e.textContent.trim() === String(w); }",
            arg=week, timeout=timeout)

    def images(self) -> list[str]:
        """The page's figures (their data URLs): what is plotted."""
        return self.page.eval_on_selector_all("main img, .v-main img, img", "els => els.map(e => e.src)")

    def images_change_from(self, before: list[str], timeout: float = 30_000) -> bool:
        """Wait until the figures differ from `before` (they are redrawn a moment after
        the week counter moves); True, or a TimeoutError if they never do."""
        self.page.wait_for_function(
            "b => { const now = Array.from(document.querySelectorAll('main img, .v-main img, img'))"
            ".map(e => e.src); return JSON.stringify(now) !== JSON.stringify(b); }",
            arg=before, timeout=timeout)
        return True

    def button(self, label: str):
        return self.page.get_by_role("button", name=label, exact=True)

    def step(self, times: int = 1) -> None:
        for _ in range(times):
            week = self.week()
            self.button("Step").click()
            self.wait_week(week + 1)

    def reset(self) -> None:
        self.button("Reset").click()
        self.wait_week(0)

    def lever(self, name: str):
        """The block of one lever in the lever panel: its label, control and meaning."""
        return self.page.locator(f".govsim-lever-{name}").first

    def lever_label(self, name: str) -> str:
        return self.lever(name).locator(".govsim-lever-label").inner_text()

    def wait_lever(self, name: str, starts: str) -> None:
        """Until the lever's label starts with `starts` (the panel re-renders meanwhile)."""
        self.page.wait_for_function(
            "([n, s]) => { const e = document.querySelector('.govsim-lever-' + n + ' .govsim-lever-label');"
            " return e && e.textContent.startsWith(s); }", arg=[name, starts], timeout=30_000)

    def choose(self, name: str, option: str) -> None:
        """Pick an option of a choice lever (a select)."""
        self.lever(name).locator(".v-select").click()
        self.page.get_by_role("option", name=option, exact=True).click()
        self.wait_lever(name, f"{name.replace('_', ' ')}: {option}")

    def set_lever_to_max(self, name: str) -> None:
        """Move a lever's slider to its top with the keyboard, as a user can."""
        before = self.lever_label(name)
        self.lever(name).locator("[role=slider]").focus()
        self.page.keyboard.press("End")
        self.page.wait_for_function(
            "([n, b]) => { const e = document.querySelector('.govsim-lever-' + n + ' .govsim-lever-label');"
            " return e && e.textContent !== b; }", arg=[name, before], timeout=30_000)


@contextlib.contextmanager
def browse(url: str, width: int = 1500, height: int = 1100) -> Iterator[PageSession]:
    """The page in headless Chromium with a fresh profile. Any request to another host
    is blocked (and recorded as failed): the page must work offline."""
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if not exe:
        raise RuntimeError("no Chromium found: apt-get install chromium (or set GOVSIM_CHROMIUM)")
    problems = Problems()
    host = url.split("/")[2]
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(profile, executable_path=exe, args=CHROMIUM_FLAGS,
                                                   headless=True, viewport={"width": width, "height": height})
        try:
            def route(r):
                if r.request.url.split("/")[2] == host or r.request.url.startswith("data:"):
                    r.continue_()
                else:
                    problems.failed.append(f"left the machine: {r.request.url}")
                    r.abort()

            ctx.route("**/*", route)
            page = ctx.new_page()

            def on_request(r):
                problems.requests += 1

            def on_failed(r):
                # a widget's image swapped out while loading is not a failure of the page
                if not (r.url.startswith("blob:") or r.url.startswith("data:")):
                    problems.failed.append(f"{r.url}: {r.failure}")

            def on_response(r):
                if r.status >= 400:
                    problems.failed.append(f"{r.url}: HTTP {r.status}")

            def on_console(m):
                if m.type == "error":
                    problems.console.append(m.text)
                elif m.type == "warning":
                    problems.warnings.append(m.text)

            page.on("request", on_request)
            page.on("requestfailed", on_failed)
            page.on("response", on_response)
            page.on("console", on_console)
            page.on("pageerror", lambda e: problems.console.append(f"page error: {e}"))
            page.goto(url)
            session = PageSession(page, problems)
            session.wait_week(0, timeout=90_000)
            page.get_by_role("button", name="Step", exact=True).wait_for(timeout=30_000)
            yield session
        finally:
            ctx.close()
