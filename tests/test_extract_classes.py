"""Extraction on the page shapes issue 11 found missing: titles with commas, people in
framework data, addresses beside a given name only, talks on speaker pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from lookup.web._owners import attach_emails, name_for, name_near
from lookup.web._people import Person
from lookup.web._words import clean_title
from lookup.web.extract import extract

PAGES = Path(__file__).parent / "pages"

TITLES = [
    ("VP, Marketing", "VP, Marketing"),
    ("Director, Customer Success at Acme, said", "Director, Customer Success"),
    ("General Manager, Overseas Sales", "General Manager, Overseas Sales"),
    ("Senior Vice President, EMEA", "Senior Vice President, EMEA"),
    ("Head of Sales & Partnerships", "Head of Sales & Partnerships"),
    # a comma that ends the title: an organisation or a place follows
    ("Director of Sales, Acme Corp", "Director of Sales"),
    ("Director, Acme Inc.", "Director"),
    ("Managing Director, Hamburg", "Managing Director"),
    ("Chief Executive Officer, Fernhill Robotics", "Chief Executive Officer"),
]


@pytest.mark.parametrize(("text", "title"), TITLES, ids=[t[0] for t in TITLES])
def test_titles_keep_the_function_after_a_comma(text: str, title: str | None) -> None:
    """A bare rank keeps the function or region its comma introduces; nothing else does."""
    assert clean_title(text) == title


@pytest.mark.parametrize("markup", [
    "<dl><dt>Rosa Delgado</dt><dd>VP, Customer Success</dd></dl>",
    "<table><tr><th>Name</th><th>Title</th></tr><tr><td>Rosa Delgado</td><td>VP, Customer Success</td></tr></table>",
    '<div class="card"><h3>Rosa Delgado</h3><p class="role">VP, Customer Success</p></div>',
    "<p>“Uptime is the product,” said Rosa Delgado, VP, Customer Success at Alderpoint, on Monday.</p>",
])
def test_a_comma_title_survives_in_every_page_shape(markup: str) -> None:
    """Lists, tables, cards and press-release sentences all keep "VP, Customer Success"."""
    page = extract(f"<html><body>{markup}</body></html>", "https://www.alderpoint.test/x")
    assert [(p.name, p.title) for p in page.people] == [("Rosa Delgado", "VP, Customer Success")]


def test_people_in_next_js_data_are_read_like_markup() -> None:
    """An empty <div id="__next"> page: names, roles and addresses come from __NEXT_DATA__."""
    page = extract((PAGES / "nextjs-team.html").read_text(), "https://www.fernhill.test/team")
    assert {(p.name, p.title, p.email) for p in page.people} == {
        ("Priya Raman", "Chief Executive Officer", "priya.raman@fernhill.test"),
        ("Tomás Lindqvist", "VP, Engineering", None),
        ("Grace Obi", "Head of People & Culture", "grace.obi@fernhill.test"),
    }
    assert {(e.address, e.name) for e in page.emails} == {
        ("priya.raman@fernhill.test", "Priya Raman"), ("grace.obi@fernhill.test", "Grace Obi")}


def test_people_in_nuxt_3_devalue_data_are_read() -> None:
    """Nuxt 3's __NUXT_DATA__ refers to its entries by index; the people come back whole."""
    page = extract((PAGES / "nuxt3-team.html").read_text(), "https://www.quellwerk.test/team")
    assert [p.name for p in page.people] == ["Jonas Weber", "Lea Hoffmann"]
    assert page.people[1].title == "Leiterin Marketing"


def test_json_ld_employees_without_a_type_are_people() -> None:
    """An Organization's employee array of plain {name, jobTitle} objects lists people."""
    data = {"@context": "https://schema.org", "@type": "Organization", "name": "Acme",
            "employee": [{"name": "Jane Roe", "jobTitle": "Head of Finance"}]}
    html = f'<script type="application/ld+json">{json.dumps(data)}</script><p>Acme</p>'
    page = extract(html, "https://acme.test/about")
    assert [(p.name, p.title) for p in page.people] == [("Jane Roe", "Head of Finance")]


def test_hostile_framework_data_is_bounded() -> None:
    """Deeply nested or huge JSON neither crashes extraction nor holds the CPU."""
    deep = "[" * 5000 + "]" * 5000
    wide = json.dumps({"items": [{"name": f"Person {i}", "role": "x"} for i in range(200_000)]})
    html = (f'<script id="__NEXT_DATA__" type="application/json">{deep}</script>'
            f'<script type="application/json">{wide}</script>'
            '<script type="application/json" id="__NUXT_DATA__">[[0,0],[1,1]]</script>')
    page = extract(html, "https://acme.test/")
    assert page.people == ()


def test_an_address_beside_a_given_name_is_the_one_full_name_that_spells_it() -> None:
    """"Ask Daniel (dchen@…)": Daniel Chen, named in full on the page, owns it."""
    html = """<div class="card"><h3>Daniel Chen</h3><p class="role">Head of Platform</p></div>
      <div class="card"><h3>Maya Lindgren</h3><p class="role">Staff Engineer</p></div>
      <p>Questions? Ask Daniel (dchen@acme.test), or write to Maya: mlindgren@acme.test.</p>"""
    page = extract(html, "https://acme.test/blog/api")
    assert {(e.address, e.name) for e in page.emails} == {
        ("dchen@acme.test", "Daniel Chen"), ("mlindgren@acme.test", "Maya Lindgren")}


def test_an_ambiguous_given_name_stays_nobody_s() -> None:
    """Two Daniels whose names both fit the address: the address is attributed to nobody."""
    html = """<div class="card"><h3>Daniel Chen</h3><p class="role">Head of Platform</p></div>
      <div class="card"><h3>Daniel Cho</h3><p class="role">Engineer</p></div>
      <p>Ask Daniel (dc@acme.test).</p>"""
    page = extract(html, "https://acme.test/blog/api")
    assert [(e.address, e.name) for e in page.emails] == [("dc@acme.test", None)]


def test_a_speaker_card_and_a_schedule_row_name_the_talk() -> None:
    """Name, company and talk title in separate elements, or in a schedule's columns."""
    card = """<div class="speaker"><h3>Ines Carvalho</h3><p class="speaker__company">Tidewell</p>
      <h4 class="speaker__talk-title">Balancing an island grid</h4></div>"""
    table = """<table><tr><th>Time</th><th>Speaker</th><th>Title</th></tr>
      <tr><td>11:00</td><td>Julia Hartmann (Kestrel Valves)</td><td>Smart actuators</td></tr></table>"""
    for html, name, talk in ((card, "Ines Carvalho", "Balancing an island grid"),
                             (table, "Julia Hartmann", "Smart actuators")):
        page = extract(html, "https://summit.test/speakers")
        assert [(p.name, p.talk) for p in page.people] == [(name, talk)]


# -- whose address, exactly (issue 18: mutation testing) ----------------------------

ADA_CARD = Person("Ada Quill", "CTO", "Ada Quill, CTO, ada.quill@quillworks.test", "card")


def _owner(line: str, address: str, people=()) -> str | None:
    return name_for(address, line, line.lower().index(address), list(people))


@pytest.mark.parametrize(("line", "owner"), [
    ("Alan Quint and Ada Quill: aq@quillworks.test", "Ada Quill"),  # the nearest name before
    ("Write aq@quillworks.test to reach Ada Quill, or Alan Quint", "Ada Quill"),  # ... or after
    ("Bram Vance: aq@quillworks.test, says Ada Quill", "Ada Quill"),  # Bram Vance is not aq
    ("x" * 250 + " Ada Quill: aq@quillworks.test", "Ada Quill"),
    ("Ada Quill " + "y " * 110 + "aq@quillworks.test", None),  # 200 characters back at most
    ("aq@quillworks.test " + "z " * 60 + "Ada Quill", None),  # 120 characters ahead at most
])
def test_an_address_belongs_to_the_nearest_name_it_spells(line: str, owner: str | None) -> None:
    """Names before the address, nearest first, then names after it."""
    assert _owner(line, "aq@quillworks.test") == owner


def test_a_card_holding_the_address_decides_first() -> None:
    """The smallest card holding the address whose person it spells."""
    wide = Person("Ada Quill", "CTO", "Ada Quill, CTO at Quillworks: ada.quill@quillworks.test "
                  "and more", "card")
    other = Person("Bram Vance", "CEO", "Bram Vance, CEO: ada.quill@quillworks.test", "card")
    assert _owner("no names here: ada.quill@quillworks.test", "ada.quill@quillworks.test",
                  [other, wide, ADA_CARD]) == "Ada Quill"
    too_long = Person("Ada Quill", None, "Ada Quill " + "w " * 200 + "ada.quill@quillworks.test",
                      "card")
    assert _owner("no names here: ada.quill@quillworks.test", "ada.quill@quillworks.test",
                  [too_long]) == "Ada Quill"  # not the card (over 400), but the only match


def test_a_given_name_right_before_the_address() -> None:
    """"Daniel (dchen@…)": the one person named Daniel whose name the address spells."""
    daniel = Person("Daniel Chen", "Lead", "Daniel Chen, Lead", "card")
    dana = Person("Dana Chen", "Lead", "Dana Chen", "card")
    assert _owner("Ask Daniel (dchen@quillworks.test)", "dchen@quillworks.test",
                  [daniel, dana]) == "Daniel Chen"
    assert _owner("Ask us (dchen@quillworks.test)", "dchen@quillworks.test",
                  [daniel, dana]) is None  # two people it could equally be
    assert _owner("Ask us (dchen@quillworks.test)", "dchen@quillworks.test",
                  [daniel]) == "Daniel Chen"  # the one person on the page it spells


def test_name_near_a_link() -> None:
    """The person whose card or paragraph holds the link."""
    tree = LexborHTMLParser(
        '<div><h3>Ada Quill</h3><p>CTO</p><a href="mailto:ada@quillworks.test">Mail</a></div>'
        "<div><p>Bram Vance and Cleo Marsh</p>"
        '<p><a href="mailto:cmarsh@quillworks.test">cmarsh@quillworks.test</a></p></div>'
        '<section><a href="mailto:x@quillworks.test">x@quillworks.test</a></section>')
    ada_link, cleo_link, nobody = tree.css("a")
    assert name_near(ada_link, "ada@quillworks.test", [ADA_CARD]) == "Ada Quill"
    assert name_near(cleo_link, "cmarsh@quillworks.test", []) == "Cleo Marsh"
    assert name_near(nobody, "x@quillworks.test", [ADA_CARD]) is None


def test_attach_emails_by_name() -> None:
    """A person without an address gets the one the page links to their name (any case)."""
    class Found:
        def __init__(self, address: str, name: str | None) -> None:
            self.address, self.name = address, name

    cleo = Person("Cleo Marsh", None, "Cleo Marsh", "text", email="cleo@quillworks.test")
    out = attach_emails([ADA_CARD, cleo], [Found("aq@quillworks.test", "ada quill"),
                                           Found("x@quillworks.test", None),
                                           Found("cm@quillworks.test", "Cleo Marsh")])
    assert [p.email for p in out] == ["aq@quillworks.test", "cleo@quillworks.test"]
