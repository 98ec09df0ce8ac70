"""`govsim view`: the interactive page (Mesa's SolaraViz) in a browser."""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import subprocess
import sys

from sim.errors import InputError
from sim.scenario import load

NAME = "view"
HELP = "open the interactive page: step a community, move its levers, watch it (needs govsim[viz])"
ORDER = 15
INSTALL = "pip install 'govsim[viz]' (in a checkout: pip install -e '.[viz]')"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", nargs="?", default="sichuan-2020", metavar="SCENARIO",
                   help="scenario file or name in scenarios/ to start from (default: sichuan-2020)")
    p.add_argument("--seed", type=int, default=1, help="seed of the first model (default 1)")
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--no-open", action="store_true", help="do not open a browser (e.g. on a login node: "
                   "forward the port with ssh -L 8765:localhost:8765)")


def missing_viz() -> list[str]:
    """What the page lacks: packages of the viz extra, or an ipyvue of 3 or later (with
    which solara asks for a Vue 3 app that solara-assets does not ship, and the page
    stays blank without a network)."""
    missing = [m for m in ("solara", "solara_assets", "ipyvuetify") if importlib.util.find_spec(m) is None]
    try:
        if int(importlib.metadata.version("ipyvue").split(".")[0]) >= 3:
            missing.append("ipyvue<3")
    except importlib.metadata.PackageNotFoundError:
        missing.append("ipyvue")
    return missing


def server_command(args: argparse.Namespace) -> list[str]:
    """solara's server on the page module, in production mode (no version check
    against solara.dev: the page must work without a network)."""
    cmd = [sys.executable, "-m", "solara", "run", "analysis.page", "--production",
           "--host", args.host, "--port", str(args.port)]
    if args.no_open:
        cmd.append("--no-open")
    return cmd


def server_env(scenario: str, seed: int) -> dict[str, str]:
    from analysis.page import SCENARIO_ENV, SEED_ENV
    env = dict(os.environ)
    env[SCENARIO_ENV] = scenario
    env[SEED_ENV] = str(seed)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")  # nothing leaves the machine
    return env


def main(args: argparse.Namespace) -> int:
    missing = missing_viz()
    if missing:
        raise InputError(f"the page needs the viz extra (missing: {', '.join(missing)}); install it with {INSTALL}")
    if not 0 <= args.seed < 2**32:
        raise InputError(f"must be a non-negative integer below 2**32, got {args.seed}", key="--seed")
    if not 0 < args.port < 65536:
        raise InputError(f"must be a port number in [1, 65535], got {args.port}", key="--port")
    scenario = load(args.scenario)  # a bad scenario stops here, with the usual one line
    ref = str(scenario.path) if scenario.path else args.scenario
    print(f"govsim view: {scenario.name} at http://{args.host}:{args.port} (Ctrl-C stops)", file=sys.stderr)
    try:
        return subprocess.call(server_command(args), env=server_env(ref, args.seed))
    except KeyboardInterrupt:
        return 0
