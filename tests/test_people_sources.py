"""People on a page, source by source: exactly who, with which title, found how.

``find_people`` (lookup.web._people) reads JSON-LD, app data, cards, tables, bylines and
lines of text; each test gives it one kind of source (fictional people) and checks every
field of what it finds, then how duplicates merge.
"""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from lookup.web._markup import tame
from lookup.web._people import Person, context_of, find_people, jsonld_types, walk_jsonld

EMPTY = "<html><body></body></html>"


def people(html: str = EMPTY, lines: tuple[str, ...] = (), jsonld=(), author=None,
           records=()) -> list[Person]:
    tree = LexborHTMLParser(tame(html))  # as extract() parses a page
    return find_people(tree, list(lines), list(jsonld), author, list(records))


def test_jsonld_people_with_their_title_employer_address_and_link() -> None:
    """Authors and creators are bylines, other Person objects jsonld; one-word names are not
    people; mailto: goes, whatever its case."""
    article = {
        "@type": "NewsArticle",
        "author": [{"@type": "https://schema.org/Person", "name": "Ada Quill",
                    "jobTitle": "Staff Writer", "email": "MAILTO:Ada.Quill@Quillworks.test",
                    "sameAs": ["https://social.test/ada"]}],
        "creator": {"@type": ["Person"], "name": "Bram Vance", "affiliation": {"name": "Quillworks"}},
    }
    staff = {"@type": "Person", "name": "Cleo Marsh", "jobTitle": "Head of Data",
             "worksFor": {"@type": "Organization", "name": "Quillworks"},
             "url": "https://quillworks.test/cleo", "sameAs": "https://social.test/cleo"}
    assert people(jsonld=[article, staff, {"@type": "Person", "name": "Plato"}]) == [
        Person("Ada Quill", "Staff Writer", "Ada Quill, Staff Writer", "byline",
               "ada.quill@quillworks.test", "https://social.test/ada"),
        Person("Bram Vance", None, "Bram Vance, Quillworks", "byline"),
        Person("Cleo Marsh", "Head of Data", "Cleo Marsh, Head of Data, Quillworks", "jsonld",
               None, "https://quillworks.test/cleo"),
    ]


@pytest.mark.parametrize(("obj", "types"), [
    ({"@type": "https://schema.org/Person"}, {"Person"}),
    ({"@type": ["Person", 3, "http://schema.org/Organization"]}, {"Person", "Organization"}),
    ({"@type": "Person"}, {"Person"}),
    ({"@type": 5}, set()),
    ({}, set()),
])
def test_jsonld_types(obj: dict, types: set[str]) -> None:
    """Types without their schema.org prefix; anything not a string is ignored."""
    assert jsonld_types(obj) == types


def test_walk_jsonld_goes_six_levels_deep() -> None:
    """Nested objects are walked to depth 6 (the top is depth 0), lists included."""
    chain: dict = {"level": 8}
    for level in range(7, -1, -1):
        chain = {"level": level, "child": [chain] if level % 2 else chain}
    assert [o["level"] for o in walk_jsonld([chain])] == [0, 1, 2, 3, 4, 5, 6]


def test_app_data_records() -> None:
    """A record needs a name that looks like one and a title or an address."""
    records = [
        {"name": "Ada Quill", "title": "Head of Platform", "email": " MAILTO:Ada@Quillworks.test ",
         "url": "https://quillworks.test/ada"},
        {"name": "Bram Vance", "title": None, "email": "bram@quillworks.test"},
        {"name": "Cleo Marsh", "title": None, "email": None},
        {"name": None, "title": "Head of Data"},
        {"name": "support team", "title": "Help"},
    ]
    assert people(records=records) == [
        Person("Ada Quill", "Head of Platform", "Ada Quill, Head of Platform, ada@quillworks.test",
               "data", "ada@quillworks.test", "https://quillworks.test/ada"),
        Person("Bram Vance", None, "Bram Vance, bram@quillworks.test", "data",
               "bram@quillworks.test"),
    ]


def test_cards_with_a_title_element_beside_the_name() -> None:
    """A card: the name, the title beside it (a class or itemprop says so), its first absolute
    link."""
    html = """<div class="team">
      <div class="member"><h3>Ada Quill</h3><p class="role">Head of Platform</p>
        <a href="/ada">more</a> <a href="https://quillworks.test/ada">Profile</a></div>
      <div class="member"><h3>Bram Vance</h3><span itemprop="jobTitle">Lead</span></div>
    </div>"""
    assert people(html) == [
        Person("Ada Quill", "Head of Platform", "Ada Quill Head of Platform more Profile", "card",
               url="https://quillworks.test/ada"),
        Person("Bram Vance", "Lead", "Bram Vance Lead", "card"),
    ]


def test_a_speaker_card_with_a_talk() -> None:
    """No title but a talk classed as such: a speaker, with the talk's title."""
    html = """<div class="speaker"><h4>Cleo Marsh</h4>
      <div class="talk-title">Forecasting water demand at scale</div>
      <div class="session-note">Please arrive ten minutes early.</div>
      <a href="http://talks.test/cleo">Talk page</a></div>"""
    assert people(html) == [Person(
        "Cleo Marsh", None,
        "Cleo Marsh Forecasting water demand at scale Please arrive ten minutes early. Talk page",
        "card", url="http://talks.test/cleo", talk="Forecasting water demand at scale")]


@pytest.mark.parametrize(("talk", "kept"), [
    ("Pipes!!!", True),  # 8 characters
    ("Pipes!!", False),
    ("P" * 160, True),
    ("P" * 161, False),
    (" ".join(["word"] * 16), True),
    (" ".join(["word"] * 17), False),
    ("Forecasting water demand.", False),  # a sentence, not a title
    ("Cleo Marsh on forecasting", False),  # the name itself
])
def test_what_counts_as_a_talk_title(talk: str, kept: bool) -> None:
    """8 to 160 characters, at most 16 words, no full stop, not the speaker's name."""
    html = f'<div><h4>Cleo Marsh</h4><div class="talk">{talk}</div></div>'
    found = people(html)
    assert [p.talk for p in found] == ([talk] if kept else [])


def test_tables_of_people_and_of_talks() -> None:
    """Name, title and place columns; in a schedule (a time column) the Title is the talk's."""
    html = """<table>
      <tr><th>Name</th><th>Role</th><th>Office</th></tr>
      <tr><td>Ada Quill (Quillworks)</td><td>CTO</td><td>Berlin</td></tr>
      <tr><td>not a name</td><td>Intern</td><td></td></tr>
      <tr><td>Bram Vance</td></tr>
    </table>
    <table><tr><th>Time</th><th>Speaker</th><th>Title</th></tr>
      <tr><td>10:00</td><td>Cleo Marsh</td><td>Pipes and prophecy</td></tr></table>
    <table><tr><th>Name</th><th>Office</th></tr><tr><td>Dana Holt</td><td>Oslo</td></tr></table>"""
    assert people(html) == [
        Person("Ada Quill", "CTO", "Ada Quill (Quillworks), CTO, based in Berlin", "table"),
        Person("Bram Vance", None, "Bram Vance", "table"),
        Person("Cleo Marsh", None, "Cleo Marsh: Pipes and prophecy", "table",
               talk="Pipes and prophecy"),
    ]


def test_bylines_from_elements_lines_and_the_author_meta() -> None:
    """Byline elements (class, rel), "By …" lines with a title after a separator, <meta author>."""
    html = """<p class="byline">Ada Quill, Staff Writer</p>
      <a rel="author" href="/b">Bram Vance</a><span class="author">Written by Cleo Marsh</span>"""
    lines = ("By Dana Holt — Editor", "Posted by Eli Stone", "by Finn Lowe | Reporter",
             "By Gus Ward " + "and others " * 20)  # 200 characters or more: not a byline
    assert people(html, lines, author="Hana Ito") == [
        Person("Ada Quill", "Staff Writer", "Ada Quill, Staff Writer", "byline"),
        Person("Bram Vance", None, "Bram Vance", "byline"),
        Person("Cleo Marsh", None, "Cleo Marsh", "byline"),
        Person("Dana Holt", "Editor", "Dana Holt — Editor", "byline"),
        Person("Eli Stone", None, "Eli Stone", "byline"),
        Person("Finn Lowe", "Reporter", "Finn Lowe | Reporter", "byline"),
        Person("Hana Ito", None, "Hana Ito", "byline"),
    ]


def test_a_long_author_element_counts_only_when_it_starts_like_a_byline() -> None:
    """Over 80 characters, an author element is a byline only if it starts "By"."""
    tail = " wrote this piece about pipes, water and the people who forecast their demand"
    html = (f'<div class="author">Ada Quill{tail}</div>'
            f'<div class="author">By Bram Vance{tail}</div>')
    assert [p.name for p in people(html)] == ["Bram Vance"]


def test_people_in_lines_of_text() -> None:
    """"Name – Title" lines are a list; "Name, Title" inside prose is text, with its window."""
    prose = "We spoke to Ivo Lund, VP, Marketing at Quillworks, about pipes."
    lines = ("Gus Ward – Head of Data", "Hana Ito is the Chief Executive Officer of Quillworks",
             prose, "Jo Park – Head of Sales " + "x" * 600)  # over 600 characters: skipped
    assert people(lines=lines) == [
        Person("Gus Ward", "Head of Data", "Gus Ward – Head of Data", "list"),
        Person("Hana Ito", "Chief Executive Officer of Quillworks",
               "Hana Ito is the Chief Executive Officer of Quillworks", "list"),
        Person("Ivo Lund", "VP, Marketing", prose, "text"),
    ]


def test_a_long_line_is_read_as_prose_only() -> None:
    """Over 250 characters, the "Name – Title" reading is not tried; "Name, Title" still is."""
    line = "Gus Ward – Head of Data; " + "the team grew " * 16 + "with Ivo Lund, Head of Sales."
    assert len(line) > 250
    found = people(lines=(line,))
    assert [(p.name, p.title, p.how) for p in found] == [("Ivo Lund", "Head of Sales", "text")]
    assert found[0].context == line[line.index("Ivo Lund") - 120:]  # 120 characters before


def test_mentions_of_one_person_merge() -> None:
    """A titled mention replaces an untitled one; the best source kind and every link stay."""
    html = '<div><h4>Ada Quill</h4><div class="talk">Pipes and prophecy</div></div>'
    records = [{"name": "Ada Quill", "title": None, "email": "ada@quillworks.test",
                "url": "https://quillworks.test/ada"}]
    (ada,) = people(html, lines=("Ada Quill – Head of Platform",), records=records)
    assert ada == Person("Ada Quill", "Head of Platform", "Ada Quill – Head of Platform", "data",
                         "ada@quillworks.test", "https://quillworks.test/ada",
                         "Pipes and prophecy")


def test_a_byline_mention_keeps_the_person_a_byline() -> None:
    """Found as an author and in a list: still a byline, with the list's title."""
    (ada,) = people(lines=("By Ada Quill", "Ada Quill – Staff Writer"))
    assert (ada.how, ada.title) == ("byline", "Staff Writer")


def test_context_of_climbs_to_a_block_with_enough_to_say() -> None:
    """The nearest enclosing block of at least 40 characters, at most four levels up."""
    tree = LexborHTMLParser(tame("<div><section><p>Intro words that make this block long.</p>"
                                 "<p><b>Ada</b></p></section></div>"))
    bold = tree.css_first("b")
    assert context_of(bold) == "Intro words that make this block long. Ada"
    assert context_of(bold, minimum=3) == "Ada"
    deep = LexborHTMLParser("<div>" + "x" * 50 + "<i><i><i><u>Ada</u></i></i></i></div>")
    assert context_of(deep.css_first("u")) == "Ada"  # four levels: the long div is too far


# -- the limits of each source (issue 18: mutation testing) -----------------------

FILLER = "Head of Data, " + "x" * 106  # 120 characters; the title is its first part


@pytest.mark.parametrize(("title_element", "found"), [
    (f"<p>{FILLER}</p>", "Head of Data"),  # 120 characters: a title beside the name
    (f"<p>{FILLER}x</p>", None),  # 121, unmarked: a paragraph, not a title
    (f'<p class="role">{FILLER}x</p>', "Head of Data"),  # ... unless classed as one
    (f'<p itemprop="jobTitle">{FILLER}x</p>', "Head of Data"),  # ... or marked up as one
    ("<span>a</span><span>b</span><p class=\"role\">CTO</p>", "CTO"),  # the third sibling
    ("<span>a</span><span>b</span><span>c</span><p class=\"role\">CTO</p>", None),  # the 4th
])
def test_how_far_a_card_looks_for_a_title(title_element: str, found: str | None) -> None:
    """Up to three element siblings; long text only when marked as a title."""
    got = people(f"<div><h3>Ada Quill</h3>{title_element}</div>")
    assert [p.title for p in got] == ([found] if found else [])


def test_a_card_name_may_end_with_a_colon() -> None:
    """"Ada Quill:" in a heading is Ada Quill."""
    assert [p.name for p in people('<div><h3>Ada Quill:</h3><p class="role">CTO</p></div>')] == [
        "Ada Quill"]


def test_tables_without_rows_or_columns_are_skipped() -> None:
    """An empty table and one without a name column do not stop the tables after them."""
    html = ("<table></table><table><tr><th>Office</th><th>Role</th></tr>"
            "<tr><td>Oslo</td><td>CTO</td></tr></table>"
            "<table><tr><th>Name</th><th>Role</th></tr><tr><td>Ada Quill</td><td>CTO</td></tr>"
            "</table>")
    assert people(html) == [Person("Ada Quill", "CTO", "Ada Quill, CTO", "table")]


def test_byline_limits() -> None:
    """An element of 80 characters is a byline, 81 only if it starts "By"; a "By" line must
    be under 200; one without a name does not stop the others; no separator, no title."""
    eighty = "Ada Quill " + "w" * 70
    html = (f'<span class="author">Staff</span><span class="author">{eighty}</span>'
            f'<span class="author">Bram Vance {"w" * 70}</span>')
    lines = ("By Cleo Marsh " + "m" * 185, "By Dana Holt " + "m" * 187,
             "By Jo Park lead reporter")
    assert len(eighty) == 80 and [len(line) for line in lines[:2]] == [199, 200]
    assert [(p.name, p.title) for p in people(html, lines)] == [
        ("Ada Quill", None), ("Cleo Marsh", None), ("Jo Park", None)]


def test_line_limits() -> None:
    """"Name – Title" is read in lines up to 250 characters; prose up to 600; a line past
    the limit does not stop the lines after it."""
    def padded(text: str, size: int) -> str:
        return text + "; " + "z" * (size - len(text) - 2)

    lines = (padded("Gus Ward – Head of Data", 250), padded("Hana Ito – Head of Sales", 251),
             padded("We met Ivo Lund, Head of Product", 600),
             padded("We met Jo Park, Head of Legal", 601), "Kai Berg – Staff Engineer")
    assert [len(line) for line in lines[:4]] == [250, 251, 600, 601]
    assert [(p.name, p.title, p.how) for p in people(lines=lines)] == [
        ("Gus Ward", "Head of Data", "list"), ("Ivo Lund", "Head of Product", "text"),
        ("Kai Berg", "Staff Engineer", "list")]


def test_app_data_after_a_record_without_a_name() -> None:
    """A nameless record is skipped, not the end of the list."""
    records = [{"name": None, "title": "Head of Data"},
               {"name": "Ada Quill", "title": "CTO", "email": None}]
    assert [p.name for p in people(records=records)] == ["Ada Quill"]


def test_a_jsonld_name_that_is_no_text() -> None:
    """A list of numbers as a name names nobody."""
    assert people(jsonld=[{"@type": "Person", "name": [1, 2]}]) == []
