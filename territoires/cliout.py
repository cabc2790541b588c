"""What every command shares: the territory its arguments name, and one way to print or write a table."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from territoires.terminal import clean

if TYPE_CHECKING:
    import pandas as pd

    from territoires.territory.core import Territory

__all__ = ["territory_of", "write_table"]


def territory_of(args: Any) -> Territory:
    """The territory of ``--dept``, ``--source`` and ``--path``."""
    from territoires import load_territory

    return load_territory(args.dept, source=args.source, path=args.path)


def write_table(df: pd.DataFrame, args: Any, columns: dict[str, str] | None = None, empty: str | None = None) -> None:
    """Print ``df`` as a French table, or CSV / JSON (one writer, :mod:`territoires.exports`) to stdout or ``--out``.

    ``empty`` says why a table has no row (printed instead of the table; on stderr beside CSV or JSON).
    """
    out = df.rename(columns=columns or {})
    fmt = getattr(args, "format", "table")
    if fmt in ("csv", "json"):
        from territoires.exports import write_table

        write_table(out, args.out, fmt, sep=args.sep, bom=args.bom)
        if args.out:
            print(f"écrit : {args.out}")
        if not len(out) and empty:
            print(f"aucune ligne : {empty}", file=sys.stderr)
    else:
        import pandas as pd

        from territoires.clitext import screen_table

        with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200, "display.max_colwidth", 60):
            print(clean(screen_table(out).to_string(index=False)) if len(out) else f"(aucune ligne{' : ' + empty if empty else ''})")
