"""PDFs read like text pages: press kits' media contacts, annual reports' teams; bounded."""

from __future__ import annotations

import itertools

import pytest

from lookup.web import pdf
from lookup.web.pdf import pdf_facts, pdf_text
from lookup.web.textdoc import contact_blocks, text_facts

pytest.importorskip("reportlab", reason="writing test PDFs needs reportlab (the test extra)")
from lookup.world.scenarios._pdf import Contact, annual_report, press_kit  # noqa: E402

ABOUT = ["Harrow Rail designs signalling for regional railways. " * 8] * 4
CONTACTS = [Contact("Clara Bennett", "Head of Communications", "clara_bennett@harrowrail.test",
                    "+44 113 496 0000"),
            Contact("Owen Hale", "Press Officer", "owen_hale@harrowrail.test")]
TEAM = [Contact("Iris Nash", "Chief Executive Officer"), Contact("Leo Walsh", "Head of Sales"),
        Contact("Nora Keane", "Director of Engineering"), Contact("Adam Yates", "Head of People")]


def clock(step: float = 0.0):  # noqa: ANN201 - a fake monotonic clock
    ticks = itertools.count()
    return lambda: next(ticks) * step


def facts_of(data: bytes):  # noqa: ANN201
    return pdf_facts(data, "https://www.harrowrail.test/media/press-kit.pdf", clock=clock())[0]


@pytest.mark.parametrize("inline", [False, True])
def test_a_press_kit_s_media_contacts_are_people_with_addresses(inline: bool) -> None:
    """Block ("Name / Title / address") or one line each: names, titles and owners come out."""
    facts = facts_of(press_kit("Harrow Rail Ltd", date="1 March 2026", about=ABOUT,
                               facts=["Founded 1990"], contacts=CONTACTS, inline_contacts=inline))
    people = {p.name: p.title for p in facts.people}
    assert people == {"Clara Bennett": "Head of Communications", "Owen Hale": "Press Officer"}
    assert {(e.address, e.name) for e in facts.emails} == {
        ("clara_bennett@harrowrail.test", "Clara Bennett"), ("owen_hale@harrowrail.test", "Owen Hale")}


def test_an_annual_report_s_team_grid_gives_every_title() -> None:
    """The management page's grid of name-over-title cells gives each person's title."""
    facts = facts_of(annual_report("Harrow Rail Ltd", year=2025, letter=["A good year. " * 30] * 3,
                                   team=TEAM, signed_by=TEAM[0]))
    assert {p.name: p.title for p in facts.people} == {c.name: c.title for c in TEAM}


def test_a_long_title_in_the_grid_is_read_whole_even_wrapped() -> None:
    """A title with "for" or "in" ("Director for Nordic and Baltic Relationships"), whole on
    its line or wrapped over two by the layout, is the title, not cut as a sentence is."""
    team = [Contact("Iris Nash", "Director for Nordic and Baltic Relationships"),
            Contact("Leo Walsh", "PhD Student in Applied Cryptography"), TEAM[1]]
    facts = facts_of(annual_report("Harrow Rail Ltd", year=2025, letter=["A good year. " * 30],
                                   team=team, signed_by=team[2]))
    assert {p.name: p.title for p in facts.people} == {c.name: c.title for c in team}
    wrapped = text_facts("Management team\nIris Nash\nDirector for Nordic and Baltic\n"
                         "Relationships\nLeo Walsh\nHead of Sales\n", "https://a.test/r.pdf", "r")
    assert {p.name: p.title for p in wrapped.people} == {
        "Iris Nash": "Director for Nordic and Baltic Relationships", "Leo Walsh": "Head of Sales"}


def test_the_pdf_s_own_title_names_the_source() -> None:
    """The source is titled by the PDF's metadata title, marked (PDF), with the PDF's URL."""
    facts = facts_of(press_kit("Harrow Rail Ltd", date="1 March 2026", about=ABOUT, facts=[],
                               contacts=CONTACTS))
    assert facts.title == "Harrow Rail Ltd press kit (PDF)"
    assert {p.source.url for p in facts.people} == {"https://www.harrowrail.test/media/press-kit.pdf"}


def test_only_the_first_pages_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_PAGES pages reading stops, and the note says how much was left."""
    monkeypatch.setattr(pdf, "MAX_PAGES", 1)
    data = annual_report("Harrow Rail Ltd", year=2025, letter=["x"], team=TEAM, signed_by=TEAM[0])
    read = pdf_text(data, clock=clock())
    assert (read.pages_read, read.pages) == (1, 3)
    assert read.note == "only the first 1 of 3 pages were read"
    assert "Management team" not in read.text  # the third page's heading


def test_reading_stops_when_the_time_is_up() -> None:
    """A clock past MAX_SECONDS between pages stops the reading, with a note."""
    data = annual_report("Harrow Rail Ltd", year=2025, letter=["x"], team=TEAM, signed_by=TEAM[0])
    read = pdf_text(data, clock=clock(step=pdf.MAX_SECONDS / 2 + 0.1))
    assert read.pages_read == 1 and read.note.startswith("reading stopped after")


def test_a_password_protected_pdf_is_not_read() -> None:
    """A PDF that needs a password to open gives no text and says why."""
    import io

    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0))
    page.drawString(72, 720, "Clara Bennett, Head of Communications")
    page.save()
    read = pdf_text(buffer.getvalue(), clock=clock())
    assert (read.text, read.note) == ("", "the PDF is encrypted with a password")


@pytest.mark.parametrize("damage", [lambda b: b[: len(b) // 3], lambda b: b"%PDF-1.4\n" + b"\0" * 500,
                                    lambda b: b"not a pdf at all"])
def test_a_broken_pdf_gives_a_note_not_an_exception(damage) -> None:
    """Truncated or garbage bytes are reported in the note; nothing raises."""
    data = damage(press_kit("Harrow Rail Ltd", date="1 March 2026", about=ABOUT, facts=[],
                            contacts=CONTACTS))
    facts, note = pdf_facts(data, "https://a.test/x.pdf", clock=clock())
    assert facts.people == () and note


@pytest.mark.parametrize(("lines", "joined"), [
    (["Media contact:", "Jane Roe", "Head of Press", "jane.roe@a.test", "+44 20 7946 0000"],
     ["Media contact:", "Jane Roe, Head of Press, jane.roe@a.test, +44 20 7946 0000"]),
    (["Media contacts: Jane Roe, Press Officer, jr@a.test; Tom Ash, Analyst, ta@a.test"],
     ["Media contacts:", "Jane Roe, Press Officer, jr@a.test", "Tom Ash, Analyst, ta@a.test"]),
    (["Iris Nash", "Chief Executive Officer", "Leo Walsh", "Head of Sales"],
     ["Iris Nash, Chief Executive Officer", "Leo Walsh, Head of Sales"]),
    (["Facts and figures", "Founded 1990", "", "About Us", "We build trains."],
     ["Facts and figures", "Founded 1990", "", "About Us", "We build trains."]),
    (["Iris Nash", "", "Chief Executive Officer"], ["Iris Nash", "", "Chief Executive Officer"]),
])
def test_contact_blocks_become_one_line(lines: list[str], joined: list[str]) -> None:
    """A name followed by its title, address and phone lines is joined; other lines stay."""
    assert [", ".join(block) for block in contact_blocks(lines)] == joined
