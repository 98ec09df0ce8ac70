"""`govsim`: the front door. Parses arguments, calls one function, and turns user
errors into one line on stderr and exit status 2."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import analysis.commands
import sim
from sim.engine.lifecycle import describe, interruptible
from sim.errors import InputError


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line (and exit 2), pointing to --help."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def command_modules() -> list:
    mods = [importlib.import_module(f"analysis.commands.{m.name}")
            for m in pkgutil.iter_modules(analysis.commands.__path__)]
    return sorted((m for m in mods if hasattr(m, "NAME")), key=lambda m: (getattr(m, "ORDER", 100), m.NAME))


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="govsim", description=(
        "Agent-based simulation of urban and rural community governance under Sichuan's 2018 "
        "Implementation Opinions: scenarios, sweeps, sensitivity analysis and comparisons."))
    parser.add_argument("--version", action="version", version=f"govsim {sim.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for mod in command_modules():
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=getattr(mod, "DESCRIPTION", mod.HELP))
        mod.add_arguments(p)
        p.set_defaults(handler=mod.main)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        with interruptible():  # SIGTERM and SIGHUP end a command as Ctrl-C does
            return int(args.handler(args) or 0)
    except InputError as e:
        print(f"govsim {args.command}: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `govsim params | head`
        sys.stderr.close()
        return 0
    except OSError as e:  # a read-only or full disk, a vanished directory: one line, not a traceback
        print(f"govsim {args.command}: {os_error(e, args)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as e:
        print(f"govsim {args.command}: interrupted ({describe(e)})", file=sys.stderr)
        if getattr(args, "resume_command", None):
            print(f"the runs written so far are kept; continue with: {args.resume_command}", file=sys.stderr)
        return 128 + getattr(e, "signum", 2)


def os_error(e: OSError, args: argparse.Namespace) -> str:
    """An operating system's refusal as one line: the file, the reason, what to do next."""
    where = f"{e.filename}: " if e.filename else ""
    text = " ".join(f"{where}{e.strerror or e}".split())
    if getattr(args, "resume_command", None):  # a store was opened: it can be continued
        text += f"; the runs written so far are kept: once fixed, continue with: {args.resume_command}"
    return text


if __name__ == "__main__":
    sys.exit(main())
