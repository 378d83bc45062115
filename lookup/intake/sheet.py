"""A spreadsheet saved as CSV → its rows, each with the physical line it starts on. Pure.

Files come as spreadsheet and calendar apps write them, not as RFC 4180 says:

- Excel's "CSV UTF-8" starts with a byte-order mark; its plain "CSV" is Windows-1252
  (read as such, with a note); "Unicode Text" is UTF-16 with tabs between cells;
- where the decimal mark is a comma (most of Europe), Excel and LibreOffice separate
  cells with ``;``; a first line ``sep=;`` (Excel's own hint) names the separator;
- Windows line ends (CRLF), and line breaks inside quoted cells (notes);
- empty trailing columns (cells once touched), and dates in the locale's form when the
  column was formatted as dates ("20.11.2026", "11/20/2026", "20/11/2026").

The separator is the one that splits the header into known columns. Rows keep the
physical line they start on (a quoted cell may span lines), so an error names the
line a text editor shows. ``read_sheet`` returns the header's known columns and the
rows as ``{column: value}``; ``BadInputError`` says what is wrong, with the line.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from lookup.errors import BadInputError

__all__ = ["MAX_ROWS", "Row", "Sheet", "read_sheet"]

MAX_ROWS = 10_000
SEPARATORS = (",", ";", "\t")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")  # 20.11.2026: day first, always
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")  # 11/20/2026 or 20/11/2026
_SECONDS = re.compile(r"(\b\d{1,2}:\d{2}):00\b")  # a time cell: 14:00:00


@dataclass(frozen=True, slots=True)
class Row:
    """One row under the header: its cells by column, and the line it starts on."""

    line: int
    values: dict[str, str | None]


@dataclass(frozen=True, slots=True)
class Sheet:
    """The rows of a file, and sentences about how it was read (an encoding guessed)."""

    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = field(default=())


def read_sheet(
    data: bytes, *, name: str, columns: Collection[str], required: Sequence[str],
    date_columns: Collection[str] = (), time_columns: Collection[str] = (),
) -> Sheet:
    """The rows of ``data`` (a file called ``name``) under a header of ``columns``.

    Header cells are folded (case, spaces and dashes stand for underscores); blank
    header cells are ignored; every column in ``required`` must be there. Cells of
    ``date_columns`` become YYYY-MM-DD and of ``time_columns`` lose ":00" seconds.
    """
    text, notes = _decode(data, name)
    first, _, rest = text.partition("\n")
    skipped, separator = 0, None
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:
        skipped, separator, text = 1, first.strip()[4], rest  # Excel's "sep=;" line
    separator = separator or _separator(text.partition("\n")[0], columns)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        header = [_column(h) for h in next(reader, [])]
    except csv.Error as exc:
        raise BadInputError(f"The header of {name} could not be read as CSV: {exc}.") from exc
    _check_header(header, columns, required, name)
    rows: list[Row] = []
    end = reader.line_num
    while True:
        start = skipped + end + 1
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            raise BadInputError(f"Line {start} of {name} could not be read as CSV: {exc}.") from exc
        if cells is None:
            break
        end = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        rows.append(Row(start, _values(header, cells, start, name, date_columns, time_columns)))
        if len(rows) > MAX_ROWS:
            raise BadInputError(f"The file {name} has more than {MAX_ROWS:,} rows; split it.")
    return Sheet(tuple(h for h in header if h), tuple(rows), notes)


def _decode(data: bytes, name: str) -> tuple[str, tuple[str, ...]]:
    """The file's text: by its byte-order mark, else UTF-8, else Windows-1252 (with a note)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding).lstrip("\ufeff"), ()
            except UnicodeDecodeError as exc:
                raise BadInputError(f"The file {name} could not be read as {encoding}: {exc}.") from exc
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise BadInputError(
            f"The file {name} is neither UTF-8 nor Windows-1252 text; save it as "
            "\"CSV UTF-8\" and try again."
        ) from exc
    return text, (f"{name} is not UTF-8; it was read as Windows-1252 (Excel's plain CSV). "
                  "Check the names with accents, or save it as \"CSV UTF-8\".",)


def _column(cell: str) -> str:
    return cell.strip().lower().replace("-", "_").replace(" ", "_")


def _separator(header: str, columns: Collection[str]) -> str:
    """The separator that splits the header into the most known columns (a comma on a tie)."""
    def known(sep: str) -> int:
        cells = next(csv.reader([header], delimiter=sep), [])
        return sum(_column(c) in columns for c in cells)

    return max(SEPARATORS, key=lambda sep: (known(sep), sep == ","))


def _check_header(
    header: list[str], columns: Collection[str], required: Sequence[str], name: str
) -> None:
    unknown = [h for h in header if h and h not in columns]
    if unknown or not set(required) <= set(header):
        wanted = " and ".join(required)
        optional = ", ".join(c for c in columns if c not in required)
        raise BadInputError(
            f"The file {name} needs a header row with the columns {wanted} "
            f"(and optionally {optional}); "
            + (f"it has unknown column(s): {', '.join(unknown)}." if unknown else
               f"it has: {', '.join(h for h in header if h) or 'nothing'}.")
        )


def _values(
    header: list[str], cells: list[str], line: int, name: str,
    date_columns: Collection[str], time_columns: Collection[str],
) -> dict[str, str | None]:
    extra = [c for c in cells[len(header):] if c.strip()]
    if extra:
        raise BadInputError(f"Line {line} of {name} has more cells than the header has columns.")
    values: dict[str, str | None] = {}
    for column, cell in zip(header, cells, strict=False):
        if not column:
            continue
        value = cell.strip() or None
        if value and column in date_columns:
            value = _iso_date(value, line, name)
        if value and column in time_columns:
            value = _SECONDS.sub(r"\1", value)
        values[column] = value
    return values


def _iso_date(value: str, line: int, name: str) -> str:
    """A date cell as YYYY-MM-DD: ISO stays; 20.11.2026 is day first; a slashed date is
    read only when one of its numbers is over 12 (else it could be either)."""
    dotted = _DOTTED.match(value)
    if dotted:
        return _date(int(dotted.group(3)), int(dotted.group(2)), int(dotted.group(1)), value)
    slashed = _SLASHED.match(value)
    if not slashed:
        return value  # ISO, or wrong: the interview's own check says so
    first, second, year = (int(g) for g in slashed.groups())
    if first > 12 >= second:
        return _date(year, second, first, value)
    if second > 12 >= first:
        return _date(year, first, second, value)
    raise BadInputError(
        f"Line {line} of {name}: the date {value} could be day/month or month/day; write it "
        "as YYYY-MM-DD (format the column as text in your spreadsheet)."
    )


def _date(year: int, month: int, day: int, given: str) -> str:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return given  # not a date: the interview's check says so in its own words
    return f"{year:04d}-{month:02d}-{day:02d}"
