"""Batch files as spreadsheet apps save them: every file in tests/sheets/ gives the same rows.

The files are written byte for byte as Excel (CSV UTF-8; the German "CSV" in Windows-1252 with
semicolons and date cells; "Unicode Text"; the "sep=" line), LibreOffice Calc (semicolons,
every text cell quoted, LF line ends) and Google Sheets (CRLF, no final line end) write them,
with fictional people. Errors name the physical line a text editor shows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.batch import COLUMNS, read_batch
from lookup.errors import BadInputError
from lookup.intake.sheet import read_sheet
from lookup.settings import load_settings

SHEETS = Path(__file__).resolve().parent / "sheets"
FILES = sorted(SHEETS.iterdir())


def _read(data: bytes):
    return read_sheet(data, name="f.csv", columns=COLUMNS, required=("name", "company"),
                      date_columns=("interview_date",), time_columns=("interview_time",))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_app_s_file_gives_the_same_two_interviews(path: Path) -> None:
    """Names with accents, companies, roles and ISO dates come out the same from every app."""
    rows, notes = read_batch(path, settings=load_settings())
    got = [(r.name, r.company, r.role, r.interview_date) for r in rows]
    assert got == [("Ada Quill", "Brightwater Analytics", "Data Engineer", "2026-11-20"),
                   ("Björn Ærøe", "Harbor Lane Logistics", "Fleet Analyst", "2026-11-21")]
    assert bool(notes) == (path.name == "excel-de.csv")  # only the Windows-1252 file is noted


@pytest.mark.parametrize("name", ["excel-utf8.csv", "libreoffice.csv", "google-sheets.csv"])
def test_a_line_break_inside_a_quoted_cell_stays_in_the_notes(name: str) -> None:
    """A notes cell spanning two lines keeps both, and the next row starts on its own line."""
    sheet = _read((SHEETS / name).read_bytes())
    assert sheet.rows[0].values["notes"].splitlines() == [
        "We discussed Flink", "and the on-call rotation"]
    assert [r.line for r in sheet.rows] == [2, 4]


def test_german_excel_dates_times_and_semicolons_inside_quotes() -> None:
    """20.11.2026 is read day first, 14:00:00 loses its seconds, a quoted ';' is text."""
    sheet = _read((SHEETS / "excel-de.csv").read_bytes())
    first = sheet.rows[0].values
    assert (first["interview_date"], first["interview_time"]) == ("2026-11-20", "14:00")
    assert first["notes"] == "Über Flink; und Rufbereitschaft"
    assert "Windows-1252" in sheet.notes[0]


def test_a_us_date_is_read_when_it_cannot_be_the_other_way() -> None:
    """11/20/2026 can only be 20 November: no month 20."""
    assert _read((SHEETS / "excel-utf8.csv").read_bytes()).rows[0].values["interview_date"] == (
        "2026-11-20")


def test_an_ambiguous_date_names_its_line_and_how_to_write_it() -> None:
    """03/04/2026 could be March or April: the error says so, with the physical line."""
    data = b'name,company,notes,interview_date\r\nAda Quill,B,"two\nlines",2026-11-20\r\n' \
           b"Jo Park,B,,03/04/2026\r\n"
    with pytest.raises(BadInputError, match=r"Line 4 of f\.csv: the date 03/04/2026 could be "
                                            r"day/month or month/day; write it as YYYY-MM-DD"):
        _read(data)


def test_a_bad_row_after_a_multi_line_cell_is_named_by_its_physical_line(tmp_path: Path) -> None:
    """The row after a two-line notes cell starts on line 4, and its error says line 4."""
    path = tmp_path / "batch.csv"
    path.write_bytes(b'name,company,notes\r\nAda Quill,B,"two\nlines"\r\n,B,\r\n')
    with pytest.raises(BadInputError, match=r"^Line 4 of .*batch\.csv: The interviewer's name is empty"):
        read_batch(path, settings=load_settings())


def test_a_separator_that_names_no_column_is_said(tmp_path: Path) -> None:
    """A header split by no known separator lists what it found."""
    with pytest.raises(BadInputError, match="needs a header row with the columns name and company"):
        _read(b"name|company\nAda|B\n")


def test_empty_trailing_columns_are_ignored_but_extra_cells_are_not() -> None:
    """Cells touched once leave empty columns: fine; a value beyond the header is an error."""
    assert _read(b"name,company,,\nAda Quill,B,,\n").rows[0].values == {
        "name": "Ada Quill", "company": "B"}
    with pytest.raises(BadInputError, match="Line 2 of f.csv has more cells"):
        _read(b"name,company\nAda Quill,B,stray\n")
