"""The HTML report: one file, parseable, nothing fetched from anywhere, the whole story in it."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import pytest

from analysis import report
from sim.errors import InputError
from synthstore import make_store

EXTERNAL = re.compile(r"^\s*(https?:)?//", re.I)


class Collect(HTMLParser):
    """Every start tag with its attributes, and the text, of a document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in ("meta", "img", "br"):
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else None}>"
        self.open.pop()

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    store = make_store(root / "store", [("baseline", {}),
                                        ("policy", {"joint_meeting": False, "legal_advisor_hours_per_week": 0.0})],
                       replicates=4, weeks=10, failed=[3])
    path = report.write_report(store, outcomes="satisfaction,resolution_rate")
    return store, path, path.read_text(encoding="utf-8")


def parse(text: str) -> Collect:
    p = Collect()
    p.feed(text)
    p.close()
    assert not p.open, f"unclosed tags: {p.open}"
    return p


def test_report_is_written_where_documented(written):
    store, path, _ = written
    assert path == store / "report.html"
    assert not [f for f in store.iterdir() if f.name.startswith(".")]  # no temporary left behind


def test_report_parses_and_references_nothing_external(written):
    _, _, text = written
    doc = parse(text)
    tags = [t for t, _ in doc.tags]
    assert "script" not in tags and "link" not in tags and "iframe" not in tags
    for tag, attrs in doc.tags:
        for key in ("src", "href", "srcset", "data", "poster", "action"):
            value = attrs.get(key)
            if value is not None:
                assert not EXTERNAL.match(value), f"<{tag} {key}={value[:60]}> is external"
                assert value.startswith(("data:", "#")), f"<{tag} {key}> points at a file: {value[:60]}"
    assert "@import" not in text and "url(" not in text


def test_report_embeds_every_figure_as_svg(written):
    _, _, text = written
    imgs = [a for t, a in parse(text).tags if t == "img"]
    # two fan charts, distributions, forest, households
    assert len(imgs) == 5
    for a in imgs:
        assert a["src"].startswith("data:image/svg+xml;base64,") and a.get("alt")
        svg = base64.b64decode(a["src"].split(",", 1)[1])
        assert b"<svg" in svg and b"http://www.w3.org" in svg  # the namespace is an identifier, not a fetch
        assert not re.search(rb'(href|src)="https?://', svg)


def test_report_tells_levers_outcomes_effects_and_provenance(written):
    _, _, text = written
    words = " ".join(parse(text).text)
    # only the levers that differ, each with its clause
    assert "joint_meeting" in words and "legal_advisor_hours_per_week" in words
    assert "households_per_grid" not in words and "budget_per_household" not in words
    assert "十五" in words and "十" in words
    assert "satisfaction" in words and "resolution_rate" in words and "trust" not in words.split()
    assert "Hedges" in words and "paired" in words and "BCa" in words
    assert "git_revision" in words and "pytest synthetic" in words and "master_seed" in words
    assert "1 failed run(s) left out" in words


def test_existing_report_is_kept_unless_overwrite(written):
    store, path, _ = written
    before = path.read_bytes()
    with pytest.raises(InputError, match="--overwrite"):
        report.write_report(store, outcomes="satisfaction")
    assert path.read_bytes() == before


def test_report_shows_a_point_whose_runs_all_failed(tmp_path):
    store = make_store(tmp_path / "s", [("a", {}), ("b", {"households_per_grid": 200}),
                                        ("c", {"households_per_grid": 300})], replicates=3, failed=[3, 4, 5])
    text = report.write_report(store, outcomes="satisfaction").read_text(encoding="utf-8")
    parse(text)
    assert "failed point" in text
    assert "all 3 runs failed (first error: RuntimeError: planted)" in text
    assert "b: all 3 runs failed" in text                            # among the notes read first
    assert "<th>c</th>" in text                                      # the other points as usual


def test_overwrite_replaces_only_a_report_govsim_wrote(tmp_path, written):
    store, path, text = written
    assert '<meta name="generator" content="govsim ' in text
    assert report.is_report(path)
    for name, content in [("notes.html", b"<html>my own notes</html>"), ("data.bin", b"\x00\xff" * 100),
                          ("empty.html", b"")]:
        other = tmp_path / name
        other.write_bytes(content)
        with pytest.raises(InputError, match="is not a report govsim wrote"):
            report.write_report(store, other, outcomes="satisfaction", overwrite=True)
        assert other.read_bytes() == content                        # left untouched
    again = report.write_report(store, path, outcomes="satisfaction", overwrite=True)
    assert again == path and report.is_report(path)


def test_report_cli_refuses_to_overwrite_a_foreign_file(govsim, tmp_path, written):
    store, _, _ = written
    other = tmp_path / "mine.html"
    other.write_text("hello\n")
    status, _, err = govsim("report", str(store), "--out", str(other), "--overwrite")
    assert status == 2 and err.count("\n") == 1 and "--overwrite" in err, err
    assert other.read_text() == "hello\n"
