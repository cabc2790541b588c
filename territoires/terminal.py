"""One sanitiser for anything from data echoed to a terminal.

Column names, file names, commune names and reasons in reports come from
files a user did not write. Printed raw, an ANSI or OSC escape sequence in
them could recolour, retitle or rewrite the user's terminal (OSC 8 links,
OSC 52 clipboard writes). :func:`clean` removes every escape sequence and
every other control character but the newline and the tab.
"""

from __future__ import annotations

import re

__all__ = ["clean"]

# CSI (ESC [ … final), OSC (ESC ] … BEL or ST), other ESC sequences, and the
# 8-bit C1 forms (CSI \x9b, OSC \x9d, DCS \x90, ST \x9c…).
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?"
    r"|\x1b[@-Z\\-_]?"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x9d[^\x07\x9c]*(?:\x07|\x9c)?"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text) -> str:
    """``text`` without escape sequences or control characters (``\\n`` and ``\\t`` kept).

    >>> clean("Niort\\x1b[31m rouge\\x1b[0m")
    'Niort rouge'
    >>> clean("a\\x1b]0;titre\\x07b")
    'ab'
    """
    return _CONTROLS.sub("", _ESCAPES.sub("", str(text)))
