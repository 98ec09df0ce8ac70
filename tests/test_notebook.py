"""docs/walkthrough.ipynb runs from top to bottom (so it cannot rot)."""

from __future__ import annotations

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow

NOTEBOOK = ROOT / "docs" / "walkthrough.ipynb"


def test_walkthrough_notebook_runs(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    outputs = {i: c.outputs for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    figures = [o for outs in outputs.values() for o in outs if "image/png" in o.get("data", {})]
    assert figures, "the fan chart should be drawn"
