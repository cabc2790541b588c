"""The API reference builds offline with no warning, and documents the public functions."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_sphinx_reference_builds_without_warnings(tmp_path):
    r = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", str(ROOT / "docs"), str(tmp_path)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    api = (tmp_path / "api.html").read_text(encoding="utf-8")
    for name in ("load_territory", "read_programme", "cantons_without_site", "access_by_commune", "suggest_sites",
                 "write_maps", "to_geopackage", "StraightLineRouter", "OSRMRouter"):
        assert name in api, name


def test_public_functions_have_docstrings():
    import inspect

    import territoires
    from territoires import analysis, exports, maps

    missing = []
    for mod in (territoires, analysis, maps, exports):
        for name in getattr(mod, "__all__", [n for n in dir(mod) if not n.startswith("_")]):
            obj = getattr(mod, name)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__.startswith("territoires") and not inspect.getdoc(obj):
                missing.append(f"{mod.__name__}.{name}")
    assert missing == []
