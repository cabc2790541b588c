"""The committee's file: every programme of a département on a date, in HTML, PDF and Python.

The top room: it calls the analysis and maps rooms and nothing imports it
but the command line (``territoires rapport``) and :func:`territoires.rapport`.

>>> r = territoires.rapport("79", as_of="2021-09-14", depuis="2021-07-13")   # doctest: +SKIP
>>> r["france_services"]                                                    # doctest: +SKIP
"""

from territoires.report.build import rapport
from territoires.report.model import KeyFigure, LeftOut, Report, Section, Table

__all__ = ["KeyFigure", "LeftOut", "Report", "Section", "Table", "rapport"]
