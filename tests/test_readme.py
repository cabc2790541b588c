"""The README's examples run and answer: every `territoires …` command and the Python block."""

import ast
import re
import shlex
from pathlib import Path

import pytest

from territoires.cli import main

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parent.parent / "README.md"


#: README commands this test cannot run, each with why (every other one runs).
NOT_RUN = {
    "territoires donnees telecharger [france-services pvd acv crte]":
        "downloads from data.gouv.fr (no network in tests; the brackets are notation): test_national replays it",
    "territoires gaps cantons --dept all --as-of 2024-08-01":
        "needs ANCT's national list, downloaded by the command above",
}


def readme_commands() -> list[str]:
    """The commands of the README's first code block and of its command table."""
    text = README.read_text(encoding="utf-8")
    found = re.findall(r"bin/(territoires [^&\n`]+?)\s*(?:&&|$)", text, flags=re.M)
    found += re.findall(r"^\| `(territoires [^`]+)`", text, flags=re.M)
    return [c for c in dict.fromkeys(c.strip() for c in found) if c not in NOT_RUN]


def test_the_readme_has_commands():
    text = README.read_text(encoding="utf-8")
    assert len(readme_commands()) >= 10
    assert all(c in text for c in NOT_RUN)  # the exceptions are still in the README, and only those


def _official_list(path: Path) -> None:
    """A small official France Services list (2024 layout) for `territoires import`."""
    path.write_text(
        "id_fs,insee_dep,lib_fs,insee_com,lib_com,latitude,longitude,labellisation_fs\n"  # a synthetic row
        "1,79,France Services de Melle,79174,Melle,46.2225,-0.1420,Espace labellisé 01/01/2020\n",
        encoding="utf-8",
    )


@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_gives_a_non_empty_answer(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    argv = shlex.split(command)[1:]
    if argv[0] == "import":
        _official_list(tmp_path / argv[-1])
    assert main(argv) == 0, command
    out = capsys.readouterr().out
    assert out.strip(), f"{command}: nothing printed"
    assert "(aucune ligne)" not in out, f"{command}: empty answer"
    if "--out" in argv:
        target = tmp_path / argv[argv.index("--out") + 1]
        written = [p for p in target.rglob("*") if p.is_file()] if target.is_dir() else [target]
        assert written and all(p.stat().st_size > 0 for p in written), command


def test_readme_python_block_answers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    block = re.search(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S).group(1)
    env: dict = {}
    for node in ast.parse(block).body:
        code = ast.unparse(node)
        if isinstance(node, ast.Expr):
            value = eval(compile(code, "README", "eval"), env)  # noqa: S307 - the README's own example
            assert value is not None and (not hasattr(value, "__len__") or len(value) > 0), code
        else:
            exec(compile(code, "README", "exec"), env)  # noqa: S102
    assert any((tmp_path / "maps").iterdir())
