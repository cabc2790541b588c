"""Import graph of the ``territoires`` package: cycles, room order, module sizes.

Reads every module with :mod:`ast` (nothing is imported), keeps the imports
that run (module level and inside functions; ``if TYPE_CHECKING:`` blocks
are left out: they never run) and reports:

- the strongly connected components of more than one module (= import cycles);
- imports going up the room order sources → territory → analysis → maps → cli;
- the size of every module above a line limit.

Usage: ``python docs/import_graph.py [--edges] [--dot graph.dot]``; exit code 1
when there is a cycle or an upward import.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "territoires"
#: rooms in data-flow order: a module may import from its own room or earlier ones
ROOMS = ["sources", "territory", "analysis", "maps", "report", "cli"]
LIMIT = 400


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules ``name`` imports when it runs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    out: set[str] = set()

    def resolve(node: ast.ImportFrom) -> str:
        if node.level == 0:
            return node.module or ""
        base = name.split(".") if is_package else name.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name in known:
                    out.add(a.name)
        elif isinstance(node, ast.ImportFrom):
            mod = resolve(node)
            for a in node.names:
                sub = f"{mod}.{a.name}"
                if sub in known:
                    out.add(sub)  # "from territoires.sources import datafrance"
                elif mod in known:
                    out.add(mod)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    out.discard(name)
    return out


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(10_000)

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            strong(v)
    return out


def room(name: str) -> int | None:
    parts = name.split(".")
    if len(parts) > 1:
        key = parts[1]
        if key in ROOMS:
            return ROOMS.index(key)
    return None


def upward(g: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Imports from a later room into an earlier one (``sources`` importing ``territory``…)."""
    bad = []
    for a, targets in g.items():
        ra = room(a)
        for b in targets:
            rb = room(b)
            if ra is not None and rb is not None and rb > ra:
                bad.append((a, b))
    return sorted(bad)


def sizes() -> dict[str, int]:
    return {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules().items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edges", action="store_true", help="print every edge")
    ap.add_argument("--dot", help="write the graph in Graphviz dot format")
    args = ap.parse_args(argv)
    g = graph()
    n_edges = sum(len(v) for v in g.values())
    cyc = cycles(g)
    up = upward(g)
    sz = sizes()
    print(f"{len(g)} modules, {n_edges} imports (module level and lazy; TYPE_CHECKING blocks left out)")
    if args.edges:
        for a in sorted(g):
            for b in sorted(g[a]):
                print(f"  {a} -> {b}")
    print(f"cycles: {len(cyc)}")
    for c in cyc:
        print("  " + " <-> ".join(c))
    print(f"upward imports (room order {' -> '.join(ROOMS)}): {len(up)}")
    for a, b in up:
        print(f"  {a} -> {b}")
    big = {k: v for k, v in sz.items() if v > LIMIT}
    top = max(sz, key=sz.get)
    print(f"largest module: {top} ({sz[top]} lines); above {LIMIT} lines: {len(big)}")
    for k, v in sorted(big.items(), key=lambda kv: -kv[1]):
        print(f"  {k}: {v}")
    if args.dot:
        lines = ["digraph territoires {", "  rankdir=LR;"]
        lines += [f'  "{a}" -> "{b}";' for a in sorted(g) for b in sorted(g[a])]
        Path(args.dot).write_text("\n".join([*lines, "}"]) + "\n", encoding="utf-8")
    return 1 if cyc or up else 0


if __name__ == "__main__":
    sys.exit(main())
