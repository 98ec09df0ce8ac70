"""`govsim params`: the lever table."""

from __future__ import annotations

import argparse
import json
import sys

from sim.levers import LEVERS, markdown_table, table_rows

NAME = "params"
HELP = "list every lever: type, default, bounds, unit, clause and meaning"
ORDER = 30


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="the table as JSON")
    p.add_argument("--markdown", action="store_true", help="the table as docs/ODD.md carries it")
    p.add_argument("--kind", choices=("policy", "context", "behaviour"), help="only levers of this kind")


def main(args: argparse.Namespace) -> int:
    if args.markdown:
        print(markdown_table())
        return 0
    rows = [r for r in table_rows() if args.kind in (None, r["kind"])]
    if args.json:
        json.dump(rows, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    by_name = {l.name: l for l in LEVERS}
    for kind in ("policy", "context", "behaviour"):
        group = [r for r in rows if r["kind"] == kind]
        if not group:
            continue
        print(f"\n{kind} levers")
        print(f"  {'name':40s} {'default':>9s}  {'allowed':28s} {'unit':28s} clause  meaning")
        for r in group:
            l = by_name[r["name"]]
            default = _cell(l.default) + ("*" if l.by_settlement else "")
            print(f"  {l.name:40s} {default:>9s}  {l.allowed():28s} {l.unit:28s} {l.clause:6s}  {l.meaning}")
    print("\n* differs by settlement (see --json: by_settlement)")
    return 0


def _cell(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return f"{v:g}" if isinstance(v, float) else str(v)
