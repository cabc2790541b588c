"""The library's own exceptions.

Every error a user can cause says what was wrong and, where it can, what to do.
Errors about a file name the file, and where relevant the line and the column.
"""

from __future__ import annotations

from collections.abc import Iterable
from os import PathLike

__all__ = ["CRSError", "InputError", "MissingLayerError", "RoutingError", "TerritoiresError", "UnknownDepartementError",
           "UnknownProgrammeError"]


class TerritoiresError(Exception):
    """Base class of every error raised on purpose by territoires.

    Examples
    --------
    >>> import territoires
    >>> issubclass(territoires.InputError, territoires.TerritoiresError)
    True
    """


class UnknownDepartementError(TerritoiresError, ValueError):
    """A département code that the boundary source does not know.

    Examples
    --------
    >>> str(UnknownDepartementError("7", ["79", "86"]))
    "unknown département code '7'; valid codes are: 79, 86 (or 'all' for the whole of France)"
    """

    def __init__(self, code: str, valid: Iterable[str]):
        self.code = code
        self.valid = sorted(valid, key=_dep_sort_key)
        super().__init__(
            f"unknown département code {code!r}; valid codes are: {', '.join(self.valid)} "
            "(or 'all' for the whole of France)"
        )


class UnknownProgrammeError(TerritoiresError, KeyError):
    """A programme name the registry does not know (a ``KeyError``, as before).

    Examples
    --------
    >>> UnknownProgrammeError("xyz", ["france_services", "pvd"]).french()
    'programme inconnu « xyz » ; programmes : france-services, pvd'
    """

    def __init__(self, name: str, known: Iterable[str]):
        self.name = name
        self.known = list(known)
        super().__init__(f"unknown programme {name!r}; known programmes: {', '.join(self.known)}")

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])

    def french(self) -> str:
        """The one French line the CLI prints."""
        return f"programme inconnu « {self.name} » ; programmes : {', '.join(k.replace('_', '-') for k in self.known)}"


class MissingLayerError(TerritoiresError, ValueError):
    """A boundary file lacks a layer the reader needs.

    Examples
    --------
    >>> MissingLayerError("ae.gpkg", "CANTON", ["COMMUNE"]).layer
    'CANTON'
    """

    def __init__(self, path: str | PathLike[str], layer: str, available: Iterable[str]):
        self.path = str(path)
        self.layer = layer
        self.available = list(available)
        super().__init__(
            f"{self.path}: layer {layer!r} not found (layers present: "
            f"{', '.join(self.available) or 'none'}); an IGN ADMIN EXPRESS COG edition "
            "has the layers COMMUNE, CANTON, EPCI and DEPARTEMENT"
        )


class InputError(TerritoiresError, ValueError):
    """A data file the library cannot read, with where the problem is.

    Parameters
    ----------
    path : file the problem is in
    message : what is wrong
    line : 1-based line number in the file (the header is line 1), if known
    column : column name, if known

    Examples
    --------
    >>> str(InputError("liste.csv", "not a date: '31/13/2021'", line=4, column="date_label"))
    "liste.csv, line 4, column 'date_label': not a date: '31/13/2021'"
    """

    def __init__(self, path: str | PathLike[str] | None, message: str, line: int | None = None, column: str | None = None):
        self.path = str(path) if path is not None else "<input>"
        self.line = line
        self.column = column
        self.reason = message
        where = self.path
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")


class CRSError(TerritoiresError, ValueError):
    """A metric operation was asked of geometries in a geographic CRS."""


class RoutingError(TerritoiresError, RuntimeError):
    """A routing engine could not answer."""


def _dep_sort_key(code: str) -> tuple[int, str]:
    digits = code.replace("2A", "20.1").replace("2B", "20.2")
    try:
        return (0, f"{float(digits):08.2f}")
    except ValueError:
        return (1, code)
