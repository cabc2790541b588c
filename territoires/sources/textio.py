"""Reading the text files ANCT and others publish: encodings, separators, dates.

Every reader in ``sources.programmes`` goes through :func:`read_rows`, so
every file gets the same treatment: only regular files up to
:data:`MAX_FILE_BYTES`; UTF-8 with or without BOM, or cp1252;
comma, semicolon, tab or pipe (lines that are not UTF-8 in a UTF-8 file are
reported one by one, never the whole file re-read in another encoding); every value kept as text (INSEE codes and
postcodes keep their leading zeros); each row knows its line number.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from datetime import date, datetime

from territoires.errors import InputError

__all__ = [
    "DateError",
    "ENCODINGS",
    "MAX_FIELD",
    "Rows",
    "SEPARATORS",
    "as_date",
    "decode",
    "parse_date",
    "parse_float",
    "read_rows",
    "sniff_separator",
]

ENCODINGS = ("utf-8-sig", "cp1252")
SEPARATORS = (",", ";", "\t", "|")
#: Largest field accepted (bytes); larger ones are rejected row by row.
MAX_FIELD = 1_000_000
#: Largest input file accepted (bytes): national lists are a few MB.
MAX_FILE_BYTES = 200_000_000


class Rows:
    """A parsed delimited file: header, rows as dicts, and their line numbers.

    ``rows`` (one dict per row), ``lines`` (the file line of each row),
    ``malformed`` ((line, reason) of the rows that could not be split) and
    ``notes`` ((line, doubt) of rows kept with a warning). :func:`read_rows`
    gives the rows as lists of values in header order (``records``): the
    dicts are made only when ``rows`` is first read, and :meth:`column`
    gives a column's values without them.
    """

    def __init__(self, path: str, encoding: str, separator: str, header: list[str], rows: list[dict] | None,
                 lines: list[int], malformed: list[tuple[int, str]], notes: list[tuple[int, str]] | None = None,
                 records: list[list[str]] | None = None) -> None:
        if rows is None and records is None:
            raise ValueError("rows or records are needed")
        self.path, self.encoding, self.separator, self.header = path, encoding, separator, header
        self._rows, self.records = rows, records
        self.lines, self.malformed, self.notes = lines, malformed, notes if notes is not None else []
        self._columns: dict[str, list] = {}

    @property
    def rows(self) -> list[dict]:
        """One dict per row (header → value), made from ``records`` at the first read."""
        if self._rows is None:
            header = self.header
            self._rows = [dict(zip(header, r, strict=True)) for r in self.records or []]
        return self._rows

    @rows.setter
    def rows(self, value: list[dict]) -> None:
        self._rows, self.records, self._columns = value, None, {}

    def column(self, name: str) -> list:
        """The value of column ``name`` on every row (None where a row lacks it): ``[r.get(name) for r in rows]``.

        The list is shared: do not change it.
        """
        col = self._columns.get(name)
        if col is None:
            if self.records is not None and self._rows is None:
                if name in self.header:
                    if not self._columns:
                        self._columns = dict(zip(self.header, map(list, zip(*self.records, strict=True)), strict=True)) \
                            if self.records else {h: [] for h in self.header}
                    col = self._columns[name]
                else:
                    col = [None] * len(self.records)
            else:
                col = self._columns[name] = [r.get(name) for r in self.rows]
        return col

    def __len__(self) -> int:
        return (len(self._rows) if self._rows is not None else len(self.records or [])) + len(self.malformed)

    def __repr__(self) -> str:
        return f"Rows({self.path!r}, {len(self.lines)} rows, {len(self.malformed)} malformed)"


def _cp1252_bytes(exc: UnicodeDecodeError) -> tuple[str, int]:
    """Decode the bytes UTF-8 refused as cp1252 (valid UTF-8 around them stays UTF-8)."""
    return exc.object[exc.start : exc.end].decode("cp1252", errors="replace"), exc.end


_FALLBACK = "territoires-cp1252"
codecs.register_error(_FALLBACK, _cp1252_bytes)


def decode(data: bytes, path) -> tuple[str, str]:
    """Decode ``data``: UTF-8 (BOM or not), or cp1252 when no line is UTF-8.

    Returns (text, encoding). See :func:`decode_lines` for files mixing both.
    """
    text, enc, _ = decode_lines(data, path)
    return text, enc


def decode_lines(data: bytes, path) -> tuple[str, str, list[tuple[int, str]]]:
    """Decode ``data`` line by line; return (text, encoding, notes).

    A file that is valid UTF-8 is read as UTF-8. A file where no line with
    accented letters is valid UTF-8 is a cp1252 file (older ANCT exports) and
    is read as such. A UTF-8 file with a few lines that are not (a stray
    cp1252 byte) is read as UTF-8, and only the bytes UTF-8 refuses are read
    as cp1252: each such line is listed in ``notes`` as ``(line, reason)``, and the encoding reads
    ``"utf-8 (+ cp1252 lines)"``. One bad byte never switches the whole file.
    A NUL byte in the first 4 KB means a binary file (unless UTF-16 with BOM).
    """
    if b"\x00" in data[:4096]:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            try:
                return data.decode("utf-16"), "utf-16", []
            except UnicodeDecodeError:
                pass
        raise InputError(path, "fichier binaire, pas un fichier texte (CSV)")
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    try:
        return body.decode("utf-8"), ("utf-8-sig" if bom else "utf-8"), []
    except UnicodeDecodeError:
        pass
    lines = body.split(b"\n")
    good_utf8, bad = 0, []
    for i, raw in enumerate(lines):
        if raw.isascii():
            continue
        try:
            raw.decode("utf-8")
            good_utf8 += 1
        except UnicodeDecodeError as exc:
            bad.append((i, exc))
    if not good_utf8 and not bom:
        return body.decode("cp1252", errors="replace"), "cp1252", []
    out, notes = [], []
    bad_at = dict(bad)
    for i, raw in enumerate(lines):
        if i in bad_at:
            exc = bad_at[i]
            out.append(raw.decode("utf-8", errors=_FALLBACK))
            notes.append((i + 1, f"UTF-8 invalide (octet 0x{raw[exc.start]:02x} en position {exc.start + 1}) : "
                                 "ces octets ont été lus en cp1252"))
        else:
            out.append(raw.decode("utf-8"))
    return "\n".join(out), ("utf-8-sig" if bom else "utf-8") + " (+ cp1252 lines)", notes


def open_input(path, limit: int | None = None) -> bytes:
    """The bytes of the regular file ``path``, refusing what would hang or exhaust memory.

    FIFOs, devices, sockets and folders are refused before being opened; a
    file larger than ``limit`` (default :data:`MAX_FILE_BYTES`) is refused
    with its size.
    """
    import os
    import stat

    limit = MAX_FILE_BYTES if limit is None else limit
    try:
        st = os.stat(path)
    except FileNotFoundError as exc:
        raise InputError(path, "fichier introuvable") from exc
    except OSError as exc:
        raise InputError(path, f"illisible ({exc.strerror})") from exc
    if stat.S_ISDIR(st.st_mode):
        raise InputError(path, "est un dossier, pas un fichier")
    if not stat.S_ISREG(st.st_mode):
        kind = "un tube nommé (FIFO)" if stat.S_ISFIFO(st.st_mode) else "un périphérique ou un fichier spécial"
        raise InputError(path, f"est {kind}, pas un fichier ordinaire : copier d'abord les données dans un fichier")
    if st.st_size > limit:
        raise InputError(path, f"fait {st.st_size / 1e6:.0f} Mo, au-delà de la limite de {limit / 1e6:.0f} Mo pour un fichier d'entrée")
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise InputError(path, f"illisible ({exc.strerror})") from exc
    if len(data) > limit:
        raise InputError(path, f"a dépassé la limite de {limit / 1e6:.0f} Mo pendant la lecture")
    return data


def sniff_separator(text: str) -> str:
    """The separator that splits the header line into the most fields."""
    first = ""
    for line in text.splitlines():
        if line.strip():
            first = line
            break
    counts = {sep: len(next(csv.reader([first], delimiter=sep), [])) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda s: (counts[s], s == ","))
    return best if counts[best] > 1 else ","


def read_rows(path_or_bytes, name: str | None = None, separator: str | None = None) -> Rows:
    """Read a delimited text file into :class:`Rows`.

    Raises :class:`InputError` for an empty file or a file with no header;
    rows whose field count differs from the header's are listed in
    ``malformed`` with their line number rather than raised.
    """
    if isinstance(path_or_bytes, bytes | bytearray):
        data, path = bytes(path_or_bytes), name or "<bytes>"
    else:
        path = str(path_or_bytes)
        data = open_input(path)
    if not data.strip():
        raise InputError(path, "fichier vide (ni en-tête, ni ligne)", line=1)
    text, enc, notes = decode_lines(data, path)
    nul_lines = {i + 1 for i, ln in enumerate(text.split("\n")) if "\x00" in ln} if "\x00" in text else set()
    sep = separator or sniff_separator(text)
    csv.field_size_limit(max(MAX_FIELD * 4, 131072))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header: list[str] | None = None
    rows, lines, malformed = [], [], []
    start = 1
    strip = str.strip
    may_be_big = len(text) > MAX_FIELD  # a shorter text has no field over MAX_FIELD characters
    try:
        for raw in reader:
            line = start
            start = reader.line_num + 1
            has_nul = bool(nul_lines) and any(n in nul_lines for n in range(line, start))
            stripped = list(map(strip, raw))
            blank = not any(stripped)  # no field with anything but spaces ("".join(raw).strip() empty)
            if header is not None and not has_nul and len(raw) == len(header) and not may_be_big and not blank:
                rows.append(stripped)  # the common row: kept as below
                lines.append(line)
                continue
            if header is None:
                if blank:
                    continue
                if has_nul:
                    raise InputError(path, "octet NUL dans la ligne d'en-tête : pas un fichier texte (CSV)", line=line)
                header = [h.strip().strip("\ufeff") for h in raw]
                if len(set(header)) != len(header):
                    dup = sorted({h for h in header if header.count(h) > 1})
                    raise InputError(path, f"nom(s) de colonne en double dans l'en-tête : {', '.join(dup)}", line=line)
                continue
            if blank:
                continue
            if has_nul:
                malformed.append((line, "contient un octet NUL (données binaires dans un fichier texte)"))
                continue
            if len(raw) != len(header):
                malformed.append((line, f"{len(raw)} champs alors que l'en-tête en a {len(header)}"))
                continue
            if max(map(len, raw)) > MAX_FIELD:
                too_big = [h for h, v in zip(header, raw, strict=True) if len(v) > MAX_FIELD]
                malformed.append((line, f"champ {too_big[0]!r} de plus de {MAX_FIELD} caractères"))
                continue
            rows.append(stripped)
            lines.append(line)
    except csv.Error as exc:
        raise InputError(path, f"pas un fichier délimité valide ({exc})", line=reader.line_num) from exc
    if header is None:
        raise InputError(path, "pas de ligne d'en-tête", line=1)
    kept = set(lines) if notes else set()
    return Rows(path, enc, sep, header, None, lines, malformed, [n for n in notes if n[0] in kept], records=rows)


_FR_MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
}
_PREFIX = re.compile(r"^(espace\s+labellis[ée]e?|labellis[ée]e?\s+le|labellisation\s*:?)\s*", re.I)
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_MY = re.compile(r"(\d{1,2})[/.-](\d{4})")
_D_MONTH_Y = re.compile(r"(\d{1,2})(?:er)?\s+([a-zéû]+)\s+(\d{4})")


class DateError(ValueError):
    pass


def parse_date(value: str | None) -> date | None:
    """Parse the date forms the programme files use; None for an empty value.

    >>> parse_date("Espace labellisé 01/09/2020")
    datetime.date(2020, 9, 1)
    >>> parse_date("01/2020")
    datetime.date(2020, 1, 1)
    >>> parse_date("16 juillet 2018")
    datetime.date(2018, 7, 16)
    >>> parse_date("2021-09-16")
    datetime.date(2021, 9, 16)

    Month-only forms ("01/2020") give the first of the month. Raises
    :class:`DateError` for text that is not a date or an impossible date.
    """
    if value is None:
        return None
    text = str(value).strip()
    if text == "" or text.lower() in {"na", "nan", "null", "none", "\\n", "indefini", "indéfini"}:
        return None
    text = _PREFIX.sub("", text).strip()
    try:
        m = _ISO.fullmatch(text)
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
        m = _DMY.fullmatch(text)
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
        m = _MY.fullmatch(text)
        if m:
            return date(int(m[2]), int(m[1]), 1)
        m = _D_MONTH_Y.fullmatch(text.lower())
        if m and m[2] in _FR_MONTHS:
            return date(int(m[3]), _FR_MONTHS[m[2]], int(m[1]))
    except ValueError as exc:
        raise DateError(f"date impossible {value!r} ({exc})") from exc
    raise DateError(f"pas une date : {value!r} (attendu JJ/MM/AAAA, AAAA-MM-JJ, MM/AAAA ou « 16 juillet 2018 »)")


def parse_float(value: str | None) -> float | None:
    """Parse a decimal number, accepting a French decimal comma; None if empty."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    return float(text)


def as_date(value) -> date | None:
    """Coerce ``None``, ``date``, ``datetime`` or ISO text to a date."""
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    return parse_date(str(value))
