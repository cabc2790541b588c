"""One language for the user: every option's help in French with its default; argparse's texts translated."""

import argparse
import re

import pytest

from territoires.cli import main, parser
from territoires.clitext import FrenchHelpFormatter, french_argparse, frenchify

ENGLISH = re.compile(r"\b(the|default|file|with|show|write|number|between|unknown|not)\b", re.I)


def _parsers():
    with french_argparse():  # as main() builds it
        p = frenchify(parser())
    out = [("territoires", p)]
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            out += [(f"territoires {name}", sp) for name, sp in action.choices.items()]
    return out


PARSERS = _parsers()


def test_every_command_is_listed_with_a_french_help():
    top = PARSERS[0][1]
    sub = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    helps = {c.dest: c.help for c in sub._choices_actions}
    assert set(helps) == set(sub.choices) and all(helps.values()), helps
    assert not [h for h in helps.values() if ENGLISH.search(h)]


@pytest.mark.parametrize("name,sp", PARSERS, ids=[n for n, _ in PARSERS])
def test_every_option_has_a_french_help_line_and_a_default(name, sp):
    fmt = FrenchHelpFormatter(name)
    problems = []
    for action in sp._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        label = "/".join(action.option_strings) or action.dest
        text = fmt._get_help_string(action) if action.option_strings else (action.help or "")
        if not action.help:
            problems.append(f"{label}: no help")
        elif ENGLISH.search(action.help):
            problems.append(f"{label}: English? {action.help!r}")
        elif action.option_strings and not isinstance(action, argparse._VersionAction) and not re.search(r"défaut|obligatoire", text):
            problems.append(f"{label}: no default stated: {text!r}")
    assert problems == [], f"{name}: " + "; ".join(problems)
    help_text = sp.format_help()
    assert "usage" in help_text and "%(" not in help_text


def test_argparse_speaks_french_and_is_restored(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["gap"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("territoires : erreur : commande : choix invalide : 'gap' (choisir parmi 'boundaries'") and err.count("\n") == 1
    with pytest.raises(SystemExit):
        main(["gaps", "cantons", "--unknown"])
    assert "arguments non reconnus : --unknown" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "afficher cette aide et quitter" in out and "arguments" in out
    assert argparse._("usage: ") == "usage: "  # argparse left as it was for other programs
