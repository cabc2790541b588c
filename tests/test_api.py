"""The public API documents and checks itself: docstrings, examples, type hints, mypy, __all__."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

import territoires

ROOT = Path(__file__).resolve().parents[1]
#: the namespaces users import from
PUBLIC = ["territoires", "territoires.analysis", "territoires.maps"]
#: the files mypy checks: the public API and the modules behind its signatures
MYPY_FILES = [
    "territoires/__init__.py",
    "territoires/dates.py",
    "territoires/errors.py",
    "territoires/exports.py",
    "territoires/territory/",
    "territoires/analysis/",
    "territoires/maps/__init__.py",
    "territoires/sources/boundaries.py",
    "territoires/sources/raw.py",
    "territoires/sources/programmes/__init__.py",
    "territoires/sources/programmes/model.py",
    "territoires/sources/programmes/side_tables.py",
]


def all_modules() -> list[str]:
    names = ["territoires"]
    for info in pkgutil.walk_packages(territoires.__path__, "territoires."):
        if info.name != "territoires.__main__":
            names.append(info.name)
    return sorted(names)


def public_callables() -> list[tuple[str, object]]:
    """Functions and classes in the public namespaces' ``__all__``, with the public methods of those classes."""
    out = []
    for m in PUBLIC:
        mod = importlib.import_module(m)
        for n in mod.__all__:
            obj = getattr(mod, n)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            out.append((f"{m}.{n}", obj))
            if inspect.isclass(obj):
                for mn, mo in vars(obj).items():
                    f = mo.fget if isinstance(mo, property) else mo
                    if not mn.startswith("_") and inspect.isfunction(f):
                        out.append((f"{m}.{n}.{mn}", f))
    return out


def test_every_public_module_declares_all():
    missing, broken = [], []
    for name in all_modules():
        mod = importlib.import_module(name)
        if not hasattr(mod, "__all__"):
            missing.append(name)
        else:
            broken += [f"{name}.{n}" for n in mod.__all__ if not hasattr(mod, n)]
    assert missing == [] and broken == []


def test_every_public_callable_has_a_docstring():
    items = public_callables()
    assert len(items) > 40
    undocumented = [n for n, o in items if not (o.__doc__ or "").strip()]
    assert undocumented == []


def test_every_public_function_and_class_has_an_examples_section():
    # methods of the routers are documented by their class's example
    top = [(n, o) for n, o in public_callables() if n.count(".") == (2 if n.startswith("territoires.") and n.split(".")[1] in ("analysis", "maps") else 1)]
    assert len(top) > 30
    assert [n for n, o in top if "Examples\n" not in (o.__doc__ or "")] == []


def test_public_signatures_are_fully_annotated():
    unannotated = []
    for name, obj in public_callables():
        fn = obj.__init__ if inspect.isclass(obj) else obj
        if fn is object.__init__ or not inspect.isfunction(fn) or fn.__module__ == "typing":
            continue  # inherited constructors, Protocol's
        sig = inspect.signature(fn)
        for p in sig.parameters.values():
            if p.name not in ("self", "cls") and p.annotation is inspect.Parameter.empty:
                unannotated.append(f"{name}({p.name})")
        if not inspect.isclass(obj) and sig.return_annotation is inspect.Signature.empty:
            unannotated.append(f"{name} -> ?")
    assert unannotated == []


def test_mypy_is_clean_on_the_public_api():
    api = pytest.importorskip("mypy.api")
    stdout, stderr, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), *[str(ROOT / f) for f in MYPY_FILES]])
    assert status == 0, stdout + stderr


def test_the_package_is_typed_and_runs_as_a_module():
    assert (Path(territoires.__file__).parent / "py.typed").exists()
    assert territoires.__version__ == version("territoires")
    r = subprocess.run([sys.executable, "-m", "territoires", "--version"], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == f"territoires {territoires.__version__}"
