"""Extraction: metadata, people, addresses and links from fictional pages in tests/pages/."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lookup.models import PageFacts
from lookup.web._addresses import Address, cloudflare, mailto, normalise_address, parse_address
from lookup.web.extract import classify_link, decode_html, extract, find_addresses, looks_like_name

PAGES = Path(__file__).parent / "pages"
DEMO_SITES = Path(__file__).resolve().parent.parent / "data" / "demo" / "sites"


def page(name: str, url: str = "https://www.example.test/page") -> PageFacts:
    return extract(decode_html((PAGES / name).read_bytes(), "text/html"), url)


def people_of(facts: PageFacts) -> dict[str, str | None]:
    return {p.name: p.title for p in facts.people}


def emails_of(facts: PageFacts) -> dict[str, tuple[str, str | None]]:
    return {e.address: (e.how, e.name) for e in facts.emails}


# ------------------------------------------------------------------ metadata


def test_metadata_from_head():
    """Title, description, absolute canonical URL and og:site_name come from the head."""
    facts = page("team-cards.html", "https://www.larkspur.test/team")
    assert facts.title == "Our people | Larkspur Robotics"
    assert facts.description == "The people who build Larkspur's warehouse robots."
    assert facts.canonical == "https://www.larkspur.test/people"
    assert facts.organization == "Larkspur Robotics"
    assert ("og:site_name", "Larkspur Robotics") in facts.opengraph


def test_published_date_from_article_meta():
    """article:published_time becomes an ISO date."""
    assert page("blog-byline.html").published == "2026-03-12"


def test_published_date_from_time_element():
    """A <time datetime> is used when the head says nothing."""
    html = '<p>Posted <time datetime="2025-07-01T10:00">1 July</time></p>'
    facts = extract(html, "https://a.test/")
    assert facts.published == "2025-07-01"


def test_jsonld_graph_unrolled_and_broken_blocks_skipped():
    """@graph and list blocks are unrolled; a block of broken JSON is ignored, not fatal."""
    facts = page("speaker-jsonld.html")
    types = [obj.get("@type") for obj in facts.jsonld]
    assert types == ["ProfilePage", "Event", "Organization"]
    assert facts.organization == "DataCon Europe"


def test_visible_text_leaves_out_scripts_styles_and_templates():
    """Script, style, noscript and template content never reaches the visible text."""
    facts = page("hostile.html")
    for hidden in ("style@fake.test", "script@fake.test", "owner@fake.test",
                   "noscript@fake.test", "template@fake.test"):
        assert hidden not in facts.text
        assert hidden not in emails_of(facts)
    assert "Wen Yildiz Lead Engineer" in facts.text


def test_visible_text_keeps_blocks_apart_and_inline_words_together():
    """Block elements are separated by a space; inline markup does not split words."""
    html = "<div>Dana</div><div>Okafor</div><p>dok<b>afor</b>@x.test</p>"
    facts = extract(html, "https://a.test/")
    assert facts.text == "Dana Okafor dokafor@x.test"


def test_visible_text_is_capped():
    """Visible text is capped so a huge page cannot blow up the records."""
    facts = extract("<p>" + "word " * 50_000 + "</p>", "https://a.test/")
    assert len(facts.text) <= 20_000


# ------------------------------------------------------------------ people


def test_team_cards():
    """Cards give each person's name and title; navigation text is not a person."""
    people = people_of(page("team-cards.html"))
    assert people == {
        "Mira Castellanos": "Chief Executive Officer",
        "Tomasz Wren": "Head of Perception",
        "Élodie Fairbanks": "Staff Robotics Engineer",
    }


def test_leadership_table():
    """Table columns Name/Position become people with titles; the location joins the snippet."""
    facts = page("leadership-table.html")
    assert people_of(facts) == {"Harriet Vance": "Publisher", "Osei Bamford": "Managing Editor"}
    assert facts.people[0].source.snippet == "Harriet Vance, Publisher, based in Leeds"
    assert facts.people[0].how == "table"


def test_people_list_forms():
    """List items written "Name, Title", "Name — Title" and "Name (Title)" are all read."""
    assert people_of(page("people-list.html")) == {
        "Ravi Anand": "Chair of the Board",
        "Greta Solberg": "Treasurer",
        "Noor Haddad": "Secretary",
    }


def test_byline_names_the_author():
    """A "By Name, Title" byline makes the author a person marked as the byline."""
    (author,) = page("blog-byline.html").people
    assert (author.name, author.title, author.how) == (
        "Dana Okafor", "Director of Data Platform", "byline")


def test_meta_author_is_a_byline():
    """<meta name="author"> names the author when the body has no byline."""
    facts = extract('<head><meta name="author" content="Dana Okafor"></head><p>Text.</p>',
                    "https://a.test/post")
    assert [(p.name, p.how) for p in facts.people] == [("Dana Okafor", "byline")]


def test_jsonld_person_with_employer_in_snippet():
    """A JSON-LD Person gives name, jobTitle, email and profile; worksFor goes in the snippet."""
    facts = page("speaker-jsonld.html")
    dana = next(p for p in facts.people if p.name == "Dana Okafor")
    assert dana.title == "Director of Data Platform"
    assert dana.email == "dokafor@brightwater.test"
    assert dana.url == "https://github.com/dokafor"
    assert "Brightwater Analytics" in dana.source.snippet


def test_person_source_carries_page_and_snippet():
    """Every person keeps the page URL, page title and the words around them."""
    facts = page("people-list.html", "https://fenwick.test/board")
    ravi = facts.people[0]
    assert ravi.source.url == "https://fenwick.test/board"
    assert ravi.source.title == "Board | Fenwick Cooperative"
    assert "Chair of the Board" in ravi.source.snippet


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Dana Okafor", True),
        ("Jean-Luc Picard", True),
        ("Maria de la Cruz", True),
        ("Seán O'Neill", True),
        ("Ronald McDonald", True),
        ("J. R. Tolkien", True),
        ("Dr. Ada Lovelace", True),
        ("Contact Us", False),
        ("Read More", False),
        ("Senior Data Engineer", False),
        ("Brightwater Analytics", False),
        ("Privacy Policy", False),
        ("Okafor", False),
        ("dana okafor", False),
        ("Jacob YorkMarch", False),
        ("Jane Roe Jane Roe", False),
        ("Room 101", False),
        ("The Very Long Name Of Something", False),
    ],
)
def test_looks_like_name(text, expected):
    """Only 2-4 capitalised, non-common words look like a person's name."""
    assert looks_like_name(text) is expected


# ------------------------------------------------------------------ addresses


@pytest.mark.parametrize(
    "text, address, how",
    [
        ("mail dana@example.test today", "dana@example.test", "text"),
        ("Dana.Okafor@Example.TEST.", "dana.okafor@example.test", "text"),
        ("dana [at] example [dot] test", "dana@example.test", "obfuscated"),
        ("dana[at]example[dot]co[dot]uk", "dana@example.co.uk", "obfuscated"),
        ("dana(at)example.test", "dana@example.test", "obfuscated"),
        ("dana (at) example (dot) test", "dana@example.test", "obfuscated"),
        ("dana {at} example {dot} test", "dana@example.test", "obfuscated"),
        ("dana <at> example <dot> test", "dana@example.test", "obfuscated"),
        ("dana AT example DOT test", "dana@example.test", "obfuscated"),
        ("dana [@] example [.] test", "dana@example.test", "obfuscated"),
        ("d.okafor [at] example.test", "d.okafor@example.test", "obfuscated"),
    ],
)
def test_address_forms(text, address, how):
    """Plain and obfuscated spellings all normalise to one lower-case address."""
    found = find_addresses(text)
    assert [(a.address, a.how) for a in found] == [(address, how)]


@pytest.mark.parametrize(
    "text",
    [
        "logo@2x.png",
        "icon@3x.webp and sprite@2x.jpg",
        "She writes occasionally at example.test",
        "meet at noon dot com",
        "jquery@3.6.0",
        "@media screen",
        "user@localhost",
    ],
)
def test_not_addresses(text):
    """Image names, prose with "at" and version strings are not addresses."""
    assert find_addresses(text) == []


def test_addresses_and_their_owners():
    """Every form on the page is found, said how, and linked to the person it belongs to."""
    found = emails_of(page("obfuscated.html"))
    assert found == {
        "praman@marrowfield.test": ("mailto", "Priya Raman"),
        "tlindqvist@marrowfield.test": ("obfuscated", "Tobias Lindqvist"),
        "sales@marrowfield.test": ("mailto", None),
        "jweber@marrowfield.test": ("entity", "Jonas Weber"),
        "abrennan@marrowfield.test": ("entity", "Aiko Brennan"),
        "rkowalski@marrowfield.test": ("obfuscated", "Rafael Kowalski"),
        "moyelaran@marrowfield.test": ("obfuscated", "Marcus Oyelaran"),
        "sdelgado@marrowfield.test": ("obfuscated", "Sofia Delgado"),
        "icarvalho@marrowfield.test": ("obfuscated", "Ines Carvalho"),
    }


def test_card_links_obfuscated_address_to_its_person():
    """An obfuscated address inside a card belongs to that card's person."""
    facts = page("team-cards.html")
    assert emails_of(facts)["efairbanks@larkspur.test"] == ("obfuscated", "Élodie Fairbanks")
    assert emails_of(facts)["twren@larkspur.test"] == ("mailto", "Tomasz Wren")
    assert "logo@2x.png" not in emails_of(facts)


def test_person_gets_the_address_linked_to_them():
    """A person's mention carries the address the page links to them."""
    facts = page("people-list.html")
    assert {p.name: p.email for p in facts.people}["Greta Solberg"] == "gsolberg@fenwick.test"


def test_address_not_linked_to_an_unrelated_name():
    """A name whose spelling does not fit the local part is not made its owner."""
    facts = extract("<p>Ask Harriet Vance or write to bookings@quill.test.</p>", "https://q.test/")
    assert emails_of(facts) == {"bookings@quill.test": ("text", None)}


def test_email_source_snippet():
    """Each address keeps the page and the words around it."""
    facts = page("obfuscated.html", "https://marrowfield.test/contact")
    email = next(e for e in facts.emails if e.address == "jweber@marrowfield.test")
    assert email.source.url == "https://marrowfield.test/contact"
    assert "Head of Customer Success" in email.source.snippet


# ------------------------------------------------------------------ links


@pytest.mark.parametrize(
    "url, kind",
    [
        ("https://github.com/dokafor", "github"),
        ("https://gitlab.com/dokafor/backfill-kit", "github"),
        ("https://github.com/features", "other"),
        ("https://gitforge.test/dokafor", "github"),
        ("https://www.linkedin.com/in/dana-okafor/", "linkedin"),
        ("https://prolink.test/in/dana-okafor", "other"),
        ("https://www.linkedin.com/company/brightwater", "other"),
        ("https://www.youtube.com/watch?v=abc", "talk"),
        ("https://speakerdeck.com/dokafor/backfills", "talk"),
        ("https://datacon.test/2026/talks/backfills", "talk"),
        ("https://doi.org/10.1234/x", "paper"),
        ("https://arxiv.org/abs/2601.01234", "paper"),
        ("https://scholar.google.com/citations?user=x", "paper"),
        ("https://medium.com/@dokafor/backfills-123", "post"),
        ("https://www.brightwater.test/blog/backfills-without-tears", "post"),
        ("https://www.brightwater.test/blog/", "other"),
        ("https://www.brightwater.test/about", "other"),
    ],
)
def test_classify_link(url, kind):
    """Links are classified by a table of host and path patterns."""
    assert classify_link(url) == kind


def test_links_absolute_http_only_deduplicated():
    """Kept links are absolute http(s), deduplicated, with no fragments or javascript:."""
    facts = page("blog-byline.html", "https://www.brightwater.test/blog/backfills")
    kinds = {link.url: link.kind for link in facts.links}
    assert kinds == {
        "https://github.com/dokafor/backfill-kit": "github",
        "https://www.youtube.com/watch?v=abc123": "talk",
        "https://speakerdeck.com/dokafor/backfills": "talk",
        "https://doi.org/10.1234/example.5678": "paper",
        "https://arxiv.org/abs/2601.01234": "paper",
    }


def test_rel_me_link_is_personal():
    """A rel="me" or "Website" link is the person's own site."""
    facts = extract('<a rel="me" href="https://dana.test/">dana.test</a>'
                    '<a href="https://okafor.test/">Website</a>', "https://a.test/")
    assert [(link.url, link.kind) for link in facts.links] == [
        ("https://dana.test/", "personal"), ("https://okafor.test/", "personal")]


# ------------------------------------------------------------------ robustness and decoding


def test_hostile_page_with_five_megabytes_of_nesting():
    """Unclosed tags, fake addresses in scripts and 5 MB of nested divs still extract."""
    html = (PAGES / "hostile.html").read_text().replace("<!-- NESTED -->", "<div>" * 1_000_000)
    assert len(html) > 5_000_000
    facts = extract(html, "https://hostile.test/")
    assert people_of(facts) == {"Wen Yildiz": "Lead Engineer"}
    assert set(emails_of(facts)) == {"wyildiz@hostile.test"}


def test_deep_nesting_is_flattened_not_lost():
    """Text inside 400,000 nested divs is still read (the nesting is flattened before parsing)."""
    html = "<body>" + "<div>" * 400_000 + "<p>Write to deep@hostile.test</p>" + "</div>" * 400_000
    facts = extract(html, "https://hostile.test/")
    assert emails_of(facts) == {"deep@hostile.test": ("text", None)}


def test_windows_1252_page_declared_in_meta():
    """A windows-1252 page declared in <meta http-equiv> decodes without mojibake."""
    facts = page("cp1252.html")
    assert facts.title == "Über uns – Grünwald Kaffee"
    assert people_of(facts) == {"Zoë Müller": "Managing Director"}
    assert "“Café” für alle" in facts.text


@pytest.mark.parametrize(
    "body, content_type, expected",
    [
        ("Grüße".encode("cp1252"), "text/html; charset=windows-1252", "Grüße"),
        ("Grüße".encode("cp1252"), "text/html; charset=ISO-8859-1", "Grüße"),
        ("Grüße".encode(), "text/html; charset=utf-8", "Grüße"),
        (b"\xef\xbb\xbf" + "Grüße".encode(), "text/html; charset=windows-1252", "Grüße"),
        ('<meta charset="koi8-r">Привет'.encode("koi8-r"), "", '<meta charset="koi8-r">Привет'),
        ("Grüße".encode("cp1252"), "", "Grüße"),
        (b"ok \xff\xfe", "text/html; charset=utf-8", "ok \ufffd\ufffd"),
        ("Grüße".encode(), "text/html; charset=no-such-charset", "Grüße"),
    ],
)
def test_decode_html(body, content_type, expected):
    """The BOM wins, then the header charset, then <meta>; bad bytes become U+FFFD."""
    assert decode_html(body, content_type) == expected


def test_empty_and_garbage_input():
    """Empty or non-HTML input gives empty facts, not an exception."""
    for html in ("", "\x00\x01\x02", "<", "<<<>>>", "<html><body></html>"):
        facts = extract(html, "https://a.test/")
        assert facts.url == "https://a.test/"
        assert facts.people == () and facts.emails == ()


# ------------------------------------------------------------------ the demo world


@pytest.mark.skipif(not DEMO_SITES.is_dir(), reason="the demo world is not in the tree")
def test_demo_world_colleague_addresses():
    """Across the demo world's pages, the colleagues' published addresses are found and named."""
    named: dict[str, str | None] = {}
    for path in sorted(DEMO_SITES.rglob("*.html")):
        url = "https://" + path.relative_to(DEMO_SITES).as_posix()
        for email in extract(decode_html(path.read_bytes(), ""), url).emails:
            named[email.address] = named.get(email.address) or email.name
    assert named["praman@brightwater.test"] == "Priya Raman"
    assert named["jweber@brightwater.test"] == "Jonas Weber"
    assert named["moyelaran@brightwater.test"] == "Marcus Oyelaran"
    assert named["rkowalski@brightwater.test"] == "Rafael Kowalski"
    assert named["abrennan@brightwater.test"] == "Aiko Brennan"
    assert named["dana@okafor-reyes.test"] == "Dana Okafor"


# ------------------------------------------------------------------ invariants

_MARKUP = st.lists(st.sampled_from(
    ["<div>", "</div>", "<p>", "<b>", "</i>", "<a href='mailto:x@y.test'>", "</a>", "<li>",
     "Dana Okafor", ", ", "Head of Data", " [at] ", " dot ", "@", ".test", "&#64;", "<script>",
     "</script>", "<table><tr><th>Name</th><th>Title</th></tr>", "<td>", "é", "\x00", "<!--"]),
    max_size=60).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.one_of(_MARKUP, st.text(max_size=300)))
def test_extract_never_raises(html):
    """Any text at all, markup soup included, extracts without an exception."""
    facts = extract(html, "https://soup.test/")
    assert len(facts.text) <= 20_000


@settings(max_examples=150, deadline=None)
@given(st.one_of(_MARKUP, st.text(max_size=300)))
def test_found_addresses_are_well_formed(text):
    """Every address found is lower-case local@domain with a dotted, alphabetic-TLD domain."""
    for found in find_addresses(text):
        local, _, domain = found.address.partition("@")
        assert local and "." in domain and domain == domain.lower()
        assert domain.rsplit(".", 1)[-1].isalpha()


@pytest.mark.parametrize("soup", ["<script>" * 20_000, "<!--" * 20_000, "<title>" * 20_000,
                                  "<div" * 50_000, '<a b="' * 50_000])
def test_unclosed_tag_soup_is_linear(soup):
    """Thousands of unclosed scripts, comments or tags extract (they once took 10 s per 160 kB)."""
    facts = extract("<p>Write to start@soup.test</p>" + soup, "https://soup.test/")
    assert [e.address for e in facts.emails] == ["start@soup.test"]


# -- addresses in text, exactly (issue 18: mutation testing) ------------------------

ADDRESS_TEXT = ("Mail ada@quillworks.test or bram [at] quillworks [dot] test, cleo (at) quillworks "
                "(dot) test; dana AT quillworks DOT test; eli at quillworks.test; logo@2x.png; "
                "finn [@] quillworks.test; gus{at}quillworks{dot}test")


def test_find_addresses_exactly() -> None:
    """Plain and obfuscated addresses with where they sit; bare lower-case 'at' is prose,
    an image name is no address, a plain address is not found twice."""
    found = find_addresses(ADDRESS_TEXT)
    assert [(a.address, a.how) for a in found] == [
        ("ada@quillworks.test", "text"), ("bram@quillworks.test", "obfuscated"),
        ("cleo@quillworks.test", "obfuscated"), ("dana@quillworks.test", "obfuscated"),
        ("finn@quillworks.test", "obfuscated"), ("gus@quillworks.test", "obfuscated")]
    assert [ADDRESS_TEXT[a.start:a.end] for a in found] == [
        "ada@quillworks.test", "bram [at] quillworks [dot] test", "cleo (at) quillworks (dot) test",
        "dana AT quillworks DOT test", "finn [@] quillworks.test", "gus{at}quillworks{dot}test"]
    assert found[0] == Address("ada@quillworks.test", "text", 5, 24)


@pytest.mark.parametrize(("local", "domain", "address"), [
    ("'Ada.", "Quillworks.TEST.", "ada@quillworks.test"),  # quotes, dots and case go
    ("-ada-", "-quillworks.test-", "ada@quillworks.test"),
    ("a..b", "quillworks.test", None),
    ("", "quillworks.test", None),
    ("ada", "localhost", None),  # no dot
    ("logo", "2x.png", None),  # a file name
    ("ada", "quillworks.123", None),  # a number is no top-level domain
])
def test_normalise_address(local: str, domain: str, address: str | None) -> None:
    """Lower-cased and trimmed, or None when it cannot be an address."""
    assert normalise_address(local, domain) == address


def _protected(text: bytes, key: int = 0x42) -> str:
    return bytes([key, *(b ^ key for b in text)]).hex()


@pytest.mark.parametrize(("hexed", "address"), [
    (_protected(b"Ada@Quillworks.test"), "ada@quillworks.test"),
    (_protected(b" ada@quillworks.test ", key=7), "ada@quillworks.test"),
    (_protected(b"not an address"), None),
    ("zz", None),  # not hex
    ("", None),  # no key
    (_protected(b"\xff"), None),  # not UTF-8 once decoded
])
def test_cloudflare(hexed: str, address: str | None) -> None:
    """The first byte is the XOR key of the rest; anything else is no address."""
    assert cloudflare(hexed) == address


@pytest.mark.parametrize(("href", "address"), [
    ("mailto:Ada%40Quillworks.test?subject=Hi", "ada@quillworks.test"),
    ("MAILTO:ada@quillworks.test,bram@quillworks.test", "ada@quillworks.test"),
    ("mailto: ada@quillworks.test ", "ada@quillworks.test"),
    ("mailto:", None), ("mailto:ada", None),
])
def test_mailto(href: str, address: str | None) -> None:
    """The first address of the link, decoded, without its query."""
    assert mailto(href) == address


@pytest.mark.parametrize(("text", "address"), [
    ("Email: ADA@quillworks.test", "ada@quillworks.test"),
    ("ada%40quillworks.test", "ada@quillworks.test"),
    ("none here", None),
])
def test_parse_address(text: str, address: str | None) -> None:
    """The first plain address in a field's text, percent-decoded."""
    assert parse_address(text) == address
