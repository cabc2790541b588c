"""Every notebook runs, top to bottom, on the embedded data (so none can rot)."""

import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))

pytestmark = pytest.mark.integration


def test_the_four_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == [
        "01-prise-en-main.ipynb", "02-france-services.ipynb", "03-programmes.ipynb", "04-autre-departement.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_and_shows_its_maps_inline(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "outputs must be stripped in git"
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    elapsed = time.perf_counter() - start
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    errors = [o for o in outputs if o.output_type == "error"]
    assert errors == []
    data = [o.get("data", {}) for o in outputs if o.output_type in ("display_data", "execute_result")]
    images = [d for d in data if d.get("image/png", "").startswith("iVBORw0KGgo")]  # base64 of a PNG signature
    maps = [d for d in data if "leaflet" in d.get("text/html", "").lower() or "folium" in d.get("text/html", "").lower()]
    assert images, f"{path.name}: no static map shown inline"
    assert maps, f"{path.name}: no interactive map shown inline"
    assert not any("srcdoc" in c.source for c in nb.cells), "maps display themselves: no iframe workaround"
    print(f"{path.name}: {len(images)} image(s), {len(maps)} interactive map(s), {elapsed:.1f} s")
