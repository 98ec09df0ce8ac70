"""Directional validity: every policy lever moves the outcomes the way the policy expects.

docs/directions.toml holds, for every policy lever, the direction that the clause's
words give each headline outcome; analysis.directions runs every lever at its low
bound, the reference (sichuan-2020) value and its high bound on paired seeds, and
judges each paired difference by its t-interval, Bonferroni-corrected over every cell
so that the whole table's chance of one false verdict is at most 5%. Seeds are fixed:
the test is deterministic, and the interval, not a tuned threshold, is the tolerance.

A contradiction fails unless the table's [[exception]] list documents it (a finding
the ODD states with its mechanism); a documented exception that the runs no longer
show fails too, so that the ODD does not keep a finding the model has outgrown.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import directions as d
from sim.levers import LEVER_BY_NAME
from sim.scenario import load as load_scenario

from conftest import ROOT


@pytest.fixture(scope="module")
def table() -> d.DirectionTable:
    return d.load()


@pytest.fixture(scope="module")
def effects(table) -> pd.DataFrame:
    return d.lever_effects(table, d.run_pairs(table))


def test_every_policy_lever_has_a_row_with_every_headline_outcome(table):
    rows = [e.lever for e in table.levers]
    assert sorted(rows) == sorted(lv.name for lv in d.policy_levers()), (
        "docs/directions.toml must have one row per policy lever of sim/levers.py")
    assert len(rows) == len(set(rows))
    for e in table.levers:
        missing = [o for o in table.headline if o not in e.expect]
        assert not missing, f"{e.lever}: no expected direction for {missing} (write \"0\" where the policy says nothing)"
        assert e.words.strip() and e.english.strip(), f"{e.lever}: the clause's words are the reason"
        assert e.clause == LEVER_BY_NAME[e.lever].clause or e.clause in LEVER_BY_NAME[e.lever].source, (
            f"{e.lever}: the row cites clause {e.clause}, the lever table clause {LEVER_BY_NAME[e.lever].clause}")
        assert e.low != e.high


def test_reference_scenario_exists_and_lies_within_every_range(table):
    reference = load_scenario(table.scenario).levers()
    for e in table.levers:
        lv = LEVER_BY_NAME[e.lever]
        if lv.numeric:
            assert min(e.low, e.high) <= reference[e.lever] <= max(e.low, e.high), e.lever


def test_odd_table_of_expected_directions_is_the_toml(table):
    text = (ROOT / "docs" / "ODD.md").read_text()
    begin, end = d.EXPECTED_MARKERS
    assert begin in text and end in text, "docs/ODD.md lacks the directions markers"
    block = text.split(begin, 1)[1].split(end, 1)[0].strip()
    assert block == d.expected_markdown(table).strip(), (
        "the expected directions in docs/ODD.md are out of date: run `python benchmarks/lever_effects.py`")
    assert d.EFFECTS_MARKERS[0] in text and d.EFFECTS_MARKERS[1] in text


def test_a_bad_table_is_refused_with_file_and_key(tmp_path):
    bad = tmp_path / "directions.toml"
    text = d.TABLE.read_text().replace('expect = { resolution_rate = "-", escalation_rate = "+"',
                                       'expect = { resolution_rate = "up", escalation_rate = "+"', 1)
    bad.write_text(text)
    with pytest.raises(d.InputError) as e:
        d.load(bad)
    assert str(bad) in str(e.value) and "levers.households_per_grid.expect.resolution_rate" in str(e.value)
    assert "'up'" in str(e.value) or '"up"' in str(e.value)


def test_judging_flags_contradictions_and_inert_levers(table):
    """The verdicts on made-up runs: the test below can fail."""
    e = table.levers[2]  # households_per_grid: resolution expected to fall
    rows = []
    for side, shift in (("low", 0.0), ("reference", 0.05), ("high", 0.10)):
        for r in range(table.replicates):
            noise = 0.001 * ((r * 7919) % 11 - 5)
            rows.append({"lever": e.lever, "side": side, "replicate": r, "seed": r,
                         **{o: 0.5 + noise for o in d.OUTCOME_NAMES}, "resolution_rate": 0.5 + shift + noise})
    runs = pd.DataFrame(rows)
    one = d.DirectionTable(table.scenario, table.replicates, table.weeks, table.confidence,
                           table.headline, (e,))
    effects = d.lever_effects(one, runs)
    failures = d.verdicts(one, effects)
    assert "undocumented contradiction" in failures[e.lever][0] and "resolution_rate" in failures[e.lever][0]
    flat = runs.assign(resolution_rate=runs["escalation_rate"])
    failures = d.verdicts(one, d.lever_effects(one, flat))
    assert failures[e.lever] == ["moves no headline outcome beyond noise over its whole range (inert)"]


@pytest.mark.slow
def test_every_policy_lever_moves_a_headline_outcome_beyond_noise(table, effects):
    inert = [e.lever for e in table.levers if d.inert(table, effects[effects["lever"] == e.lever])
             and table.exception(e.lever, "*") is None]
    assert not inert, f"policy levers that move no headline outcome beyond noise: {inert}\n" + d.summary(
        effects[effects["lever"].isin(inert)])


@pytest.mark.slow
def test_no_lever_contradicts_the_expected_direction_unless_documented(table, effects):
    failures = {lever: [w for w in why if "contradiction" in w] for lever, why in d.verdicts(table, effects).items()}
    failures = {k: v for k, v in failures.items() if v}
    assert not failures, "contradictions of docs/directions.toml that the ODD does not document:\n" + "\n".join(
        f"  {lever}: {'; '.join(why)}" for lever, why in failures.items())


@pytest.mark.slow
def test_documented_exceptions_are_still_seen(table, effects):
    stale = d.stale_exceptions(table, effects)
    assert not stale, "documented contradictions the model no longer shows (remove them from docs/directions.toml " \
                      "and the ODD): " + ", ".join(f"{x.lever} {x.outcome} {x.observed}" for x in stale)
