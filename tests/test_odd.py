"""docs/ODD.md describes the model that runs: its parameter table is the lever table."""

from __future__ import annotations

import re

from sim.levers import LEVERS, markdown_table

from conftest import ROOT

BEGIN, END = "<!-- lever-table:begin -->", "<!-- lever-table:end -->"


def odd_text() -> str:
    return (ROOT / "docs" / "ODD.md").read_text()


def test_odd_parameter_table_is_the_lever_table():
    text = odd_text()
    assert BEGIN in text and END in text, "docs/ODD.md lacks the lever-table markers"
    table = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert table == markdown_table().strip(), (
        "the parameter table in docs/ODD.md is out of date: regenerate it with `govsim params --markdown`")


def test_every_lever_is_discussed_in_the_odd_text():
    """Beyond the table: each lever's name appears in the prose of a submodel."""
    text = odd_text()
    prose = text.split(BEGIN, 1)[0] + text.split(END, 1)[1]
    missing = [l.name for l in LEVERS if not re.search(rf"`{l.name}`", prose)]
    assert not missing, f"levers not described outside the table: {missing}"
