"""Bad analysis files: exit 2, one line naming the file, the key, the value and what
is allowed, and nothing written."""

from __future__ import annotations

import pytest

GOOD = """
method = "sobol"
scenario = "sichuan-2020"
weeks = 10
n = 4
replicates = 1
outcomes = ["resolution_rate"]
levers = ["admin_burden_share", "households_per_grid"]
[bounds]
households_per_grid = [100, 400]
"""

CASES = [
    # (what, replace this, with this, fragments the message must hold)
    ("unknown key", 'method = "sobol"', 'method = "sobol"\nsamples = 4', ["samples", "unknown key"]),
    ("typo of a key", "replicates = 1", "replicate = 1", ["replicate", "did you mean 'replicates'"]),
    ("lever at top level", "replicates = 1", "replicates = 1\nadmin_burden_share = 0.3", ["admin_burden_share", "levers = [...]"]),
    ("missing key", "n = 4\n", "", ["n: missing"]),
    ("unknown method", '"sobol"', '"sobolev"', ["method", '"sobolev"', "allowed: sobol, morris, fast, rbd_fast, delta, pawn"]),
    ("n not a power of two", "n = 4", "n = 100", ["n: got 100", "power of two"]),
    ("n of the wrong type", "n = 4", 'n = "4"', ["n: expected an integer", '"4"']),
    ("fast n too small", 'method = "sobol"', 'method = "fast"', ["n: got 4", "more than 4·M² = 64"]),
    ("unknown outcome", '["resolution_rate"]', '["resolution"]', ["resolution", "unknown outcome", "did you mean 'resolution_rate'"]),
    ("outcomes wrong type", '["resolution_rate"]', "3", ["outcomes", "expected a list of outcome names, got 3"]),
    ("unknown lever", '"admin_burden_share", ', '"admin_burden", ', ["admin_burden", "unknown lever", "admin_burden_share"]),
    ("too few levers", '"admin_burden_share", "households_per_grid"', '"households_per_grid"', ["levers", "got 1 lever", "at least 2"]),
    ("lever twice", '"admin_burden_share", "households_per_grid"', '"households_per_grid", "households_per_grid"', ["levers", "listed twice"]),
    ("categorical lever", '"admin_burden_share", ', '"settlement", "admin_burden_share", ', ["levers", "'settlement' is categorical", "one analysis per value", "govsim run"]),
    ("bool lever in FAST", 'method = "sobol"\n', 'method = "fast"\n', None),  # replaced below
    ("bounds outside the lever's", "[100, 400]", "[10, 400]", ["bounds.households_per_grid", "out of bounds: 10", "an integer in [30, 3000]"]),
    ("bounds low >= high", "[100, 400]", "[400, 100]", ["bounds.households_per_grid", "[400, 100]", "low < high"]),
    ("bounds not a pair", "[100, 400]", "[100]", ["bounds.households_per_grid", "expected [low, high], got [100]"]),
    ("int bounds not integers", "[100, 400]", "[100.5, 400]", ["bounds.households_per_grid", "expected an integer, got 100.5"]),
    ("bounds of an unlisted lever", "[100, 400]", "[100, 400]\nbudget_per_household = [0, 10]", ["bounds.budget_per_household", "not in levers"]),
    ("bounds of a bool lever", '"households_per_grid"]', '"households_per_grid", "joint_meeting"]\n', None),  # replaced below
    ("unknown option", "[bounds]", "[options]\nsecond = true\n[bounds]", ["options.second", "unknown option 'second' for method sobol"]),
    ("option of the wrong type", "[bounds]", "[options]\nsecond_order = 1\n[bounds]", ["options.second_order", "expected true or false, got 1"]),
    ("missing scenario", '"sichuan-2020"', '"sichuan-2030"', ["scenario", '"sichuan-2030"', "sichuan-2020"]),
    ("weeks out of range", "weeks = 10", "weeks = 0", ["weeks: out of bounds: 0", "an integer from 1 to 10,000"]),
    ("bad seed", "replicates = 1", "replicates = 1\nseed = -1", ["seed: out of bounds: -1"]),
    ("common random numbers not a bool", "replicates = 1", 'replicates = 1\ncommon_random_numbers = "yes"', ["common_random_numbers", '"yes"', "true or false"]),
    ("TOML syntax error", "n = 4", "n = = 4", ["TOML syntax error", "line"]),
]


def _text(what: str, old: str, new: str) -> tuple[str, list[str]]:
    if what == "bool lever in FAST":
        text = GOOD.replace('"sobol"', '"fast"').replace("n = 4", "n = 65").replace(
            '"households_per_grid"]', '"households_per_grid", "joint_meeting"]')
        return text, ["levers", "'joint_meeting' is true/false", "extended FAST cannot analyse", 'method = "sobol"']
    if what == "bounds of a bool lever":
        text = GOOD.replace('"households_per_grid"]', '"households_per_grid", "joint_meeting"]') + "joint_meeting = [0, 1]\n"
        return text, ["bounds.joint_meeting", "takes no bounds"]
    assert old in GOOD, what
    return GOOD.replace(old, new, 1), []


@pytest.mark.parametrize("what,old,new,fragments", CASES, ids=[c[0] for c in CASES])
def test_bad_analysis_file(govsim, tmp_path, what, old, new, fragments):
    text, extra = _text(what, old, new)
    f = tmp_path / "bad.toml"
    f.write_text(text)
    status, out, err = govsim("sensitivity", str(f), "--out", "o")
    assert status == 2, (what, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("govsim sensitivity: ") and "bad.toml" in lines[0]
    for fragment in (fragments or []) + extra:
        assert fragment in lines[0], (what, fragment, lines[0])
    assert not (tmp_path / "o").exists()


def test_good_file_is_accepted_by_the_validator(tmp_path):
    from analysis.sensitivity.file import read
    f = tmp_path / "good.toml"
    f.write_text(GOOD)
    a = read(f)
    assert a.bounds["households_per_grid"] == (100, 400)
    assert a.design_bounds["households_per_grid"] == (99.5, 400.5)
    assert a.bounds["admin_burden_share"] == (0.0, 0.95)  # the lever table's bounds


def test_missing_file_and_bad_options(govsim, tmp_path):
    status, _, err = govsim("sensitivity", "nowhere.toml")
    assert status == 2 and "nowhere.toml: no such analysis file" in err
    f = tmp_path / "good.toml"
    f.write_text(GOOD)
    for argv, fragment in ((["--tolerance", "0.05"], "--tolerance: only with --converge"),
                           (["--converge", "--converge-on", "mu"], "--converge-on: got 'mu'; allowed for Sobol': S1, ST, S2"),
                           (["--converge", "--max-runs", "5"], "--max-runs: got 5; the first N=4 alone needs 24 runs"),
                           (["--resume"], "--resume: needs --out"),
                           (["--workers", "0"], "--workers: out of bounds: 0")):
        status, _, err = govsim("sensitivity", str(f), *argv)
        assert status == 2 and fragment in err, (argv, err)
    assert not (tmp_path / "results").exists()


def test_shipped_examples_are_valid():
    from pathlib import Path

    from analysis.sensitivity.file import read
    from sim.levers import LEVER_BY_NAME
    root = Path(__file__).resolve().parent.parent / "scenarios" / "sensitivity"
    screening = read(root / "policy-screening.toml")
    numeric_policy = {l.name for l in LEVER_BY_NAME.values() if l.kind == "policy" and l.numeric}
    assert screening.method == "morris" and set(screening.levers) == numeric_policy
    sobol = read(root / "policy-sobol.toml")
    assert sobol.method == "sobol" and set(sobol.levers) <= set(screening.levers)
    assert set(sobol.outcomes) == set(screening.outcomes) == {"resolution_rate", "satisfaction"}
    behaviour = read(root / "behaviour-screening.toml")
    numeric_behaviour = {l.name for l in LEVER_BY_NAME.values() if l.kind == "behaviour" and l.numeric}
    assert behaviour.method == "morris" and set(behaviour.levers) == numeric_behaviour
    assert {"trust", "participation"} <= set(behaviour.outcomes)
