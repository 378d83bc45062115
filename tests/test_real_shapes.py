"""The page shapes of real organisations' sites (issue 26), on fictional people and .test sites.

Each markup below copies the *structure* of a real site in ../shared/real-worlds (named in
the test) or a shape issue 26 describes from the private real-page worlds; the people,
titles and addresses are made up.
"""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from lookup.address.names import parse_name
from lookup.address.patterns import predict
from lookup.address.variants import spellings_in_format, with_variants
from lookup.models import Candidate, Evidence, Link, PageFacts
from lookup.web._addresses import link_addresses
from lookup.web._fields import label_kind, page_fields
from lookup.web._people import split_heading
from lookup.web._words import field_title
from lookup.web.company import (
    _label_match,
    _names_company,
    company_key,
    english_version,
    rank_domains,
)
from lookup.web.extract import extract
from lookup.web.plan import person_pages
from lookup.web.suffixes import country_suffix, public_suffix, registrable_domain
from lookup.world.format import SearchDocument
from lookup.world.search_engine import SearchIndex, page_words


def _page(body: str, title: str = "Team | Alder Freight") -> str:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


def _people(html: str, url: str = "https://www.alderfreight.test/team/") -> set[tuple]:
    return {(p.name, p.title, p.email) for p in extract(html, url).people}


# ------------------------------------------------------------------ titles read whole

@pytest.mark.parametrize(("text", "trusted", "title"), [
    ("PhD Student in Applied Cryptography @ University of Eastmoor", False,
     "PhD Student in Applied Cryptography"),  # the organisation after @ goes, "in" stays
    ("Director for Nordic and Baltic Relationships", False,
     "Director for Nordic and Baltic Relationships"),
    ("Cloud Consultant, Trainer (MCT)", False, "Cloud Consultant, Trainer (MCT)"),
    ("Senior Vice President, Educational Programs", False,
     "Senior Vice President, Educational Programs"),
    ("Prokura | Buchhaltung | Lagerleitung", True, "Prokura | Buchhaltung | Lagerleitung"),
    ("Ondervoorzitter", True, "Ondervoorzitter"),
    ("Managing Director, Hamburg", False, "Managing Director"),  # a place ends it
    ("Director, Alder Freight Inc.", False, "Director"),  # so does a company
    ("Head of Data - Alder Freight", False, "Head of Data"),
    ("CEO and Principal Consultant#", False, "CEO and Principal Consultant"),  # a heading's anchor
    ("Email: ada@alderfreight.test", False, None),
    ("+49 (0) 30 / 55 01 - 20", True, None),
    ("Our Weekly Reading Circle", True, None),  # capitalised, but no role
])
def test_a_title_field_is_read_whole(text: str, trusted: bool, title: str | None) -> None:
    """An element holding a title keeps "for", "in", "|" and a second role; an organisation
    after @, at, a dash or a comma goes."""
    assert field_title(text, trusted=trusted) == title


# ------------------------------------------------------------------ cards

def test_dutch_board_cards_with_compose_links() -> None:
    """A Dutch non-profit's world: contact-card-position titles, addresses only in Gmail compose links."""
    card = ('<div class="contact-card"><h1 class="section-header">{0}</h1>'
            '<p class="contact-card-position">{1}</p><p class="contact-card-email">Email: {2}</p>'
            "</div>")
    compose = ('<a href="https://mail.google.com/mail/?view=cm&amp;fs=1&amp;tf=1&amp;'
               'to=bram@alderhoeve.test" target="_blank">bram@alderhoeve.test</a>')
    html = _page(card.format("Bram Velde", "Penningmeester", compose)
                 + card.format("Lotte Meers", "Secretaris", ""), "Alder Hoeve")
    page = extract(html, "https://www.alderhoeve.test/contact/")
    assert {(p.name, p.title, p.email) for p in page.people} == {
        ("Bram Velde", "Penningmeester", "bram@alderhoeve.test"),
        ("Lotte Meers", "Secretaris", None)}
    assert [(e.address, e.how, e.name) for e in page.emails] == [
        ("bram@alderhoeve.test", "link", "Bram Velde")]


def test_a_title_beside_a_download_link_leaves_the_link_s_words_out() -> None:
    """A definition list whose titles sit beside "Add to contacts" vCard links (and a PDF
    download): the titles are the words before the links; an address shown stays out too."""
    row = ('<dt>{0}</dt><dd>{1} <a class="vcard-link" href="/vcards/{2}.vcf" download>Add to '
           'contacts</a></dd>')
    html = _page('<dl class="leadership-list">' + row.format("Mira Holt", "Head of Finance", "mh")
                 + row.format("Oskar Lind", "Sales Director", "ol")
                 + '<dt>Ada Quill</dt><dd>Chief Counsel <a href="/cv/ada-quill.pdf">Download '
                   "CV</a></dd></dl>")
    assert _people(html) == {("Mira Holt", "Head of Finance", None),
                             ("Oskar Lind", "Sales Director", None),
                             ("Ada Quill", "Chief Counsel", None)}


def test_german_cards_with_the_role_line_before_the_name() -> None:
    """A German haulier's world: pos / name / tel / email, functions joined by " | ", First.Last@ mailto."""
    card = ("<div class=\"apl ape\"><div class=pos>{1}</div><div class=name>{0}</div>"
            "<div class=tel>+49 (0) 30 / 55 01 - 20</div><div class=email>{2}</div></div>")
    mail = "<a href=mailto:Jonas.Haberl@fl-haberl.test>Jonas.Haberl@fl-haberl.test</a>"
    html = _page(card.format("Jonas Haberl", "Geschäftsführung", mail)
                 + card.format("Greta Köster", "Disposition | Lagerleitung", ""))
    assert _people(html) == {("Jonas Haberl", "Geschäftsführung", "jonas.haberl@fl-haberl.test"),
                             ("Greta Köster", "Disposition | Lagerleitung", None)}


def test_research_cards_with_an_icon_only_mailto() -> None:
    """A university group's world: "ROLE @ University" under the name, the address only in an icon's mailto."""
    card = ('<div class="people-person"><div class="portrait-title"><h2><a href="/author/x/">'
            '{0}</a></h2><h3>{1} @ University of Eastmoor</h3><ul class="network-icon">{2}</ul>'
            "</div></div>")
    icon = '<li><a href="mailto:ines.calder@uniea.test"><i class="fas fa-envelope"></i></a></li>'
    html = _page(card.format("Ines Calder", "Cryptography PhD Student", icon)
                 + card.format("Tomas Brandt", "Junior Researcher", ""))
    assert _people(html) == {("Ines Calder", "Cryptography PhD Student", "ines.calder@uniea.test"),
                             ("Tomas Brandt", "Junior Researcher", None)}


@pytest.mark.parametrize(("text", "known", "split"), [
    ("Ada Quill — Lead Consultant/Trainer", (), ("Ada Quill", "Lead Consultant/Trainer")),
    ("Ada Quill Deputy Head of System Development", (),
     ("Ada Quill", "Deputy Head of System Development")),
    ("Ada Marie Quill Head of Finance", ("Ada Marie Quill",), ("Ada Marie Quill", "Head of Finance")),
    ("Ada Quill", (), None),
    ("Welcome to our new office", (), None),
])
def test_a_name_and_title_in_one_heading(text: str, known: tuple, split: tuple | None) -> None:
    """Split at a name the page announces, at a dash, or where a title word starts."""
    assert split_heading(text, known) == split


# ------------------------------------------------------------------ per-person pages

def test_a_per_person_page_with_a_labelled_table() -> None:
    """Issue 26: name and title in one <h3>, the address in a cell beside <em>email</em>."""
    html = _page('<div class="person"><h3>Sigrid J. Haugen Head of Payroll Systems</h3>'
                 "<table><tr><th><em>email</em></th><th>sigrid.j.haugen@nordvik.test</th></tr>"
                 "<tr><th><em>department</em></th><th>Finance</th></tr>"
                 "<tr><th><em>office</em></th><th>Bergen</th></tr></table></div>", "Nordvik")
    page = extract(html, "https://www.nordvik.test/about/staff/sigrid-haugen/")
    assert [(p.name, p.title, p.email, p.team, p.location) for p in page.people] == [
        ("Sigrid J. Haugen", "Head of Payroll Systems", "sigrid.j.haugen@nordvik.test",
         "Finance", "Bergen")]


def test_a_per_person_page_whose_mailto_is_a_template_placeholder() -> None:
    """A university institute's world: <h1> name, <h2> title, "Email:" with an unfilled mailto whose text is the address."""
    html = _page('<h1 class="f5">Nora Pruitt</h1><h2 class="ttu">Outreach Associate/Program '
                 'Coordinator</h2><ul><li>Email: <a href="mailto:{data.staff_email}">'
                 "nora.pruitt@harbor-u.test</a></li></ul>", "Nora Pruitt | Harbor Institute")
    assert _people(html, "https://www.harbor.test/nora-pruitt/") == {
        ("Nora Pruitt", "Outreach Associate/Program Coordinator", "nora.pruitt@harbor-u.test")}


def test_a_drupal_profile_s_unlabelled_fields() -> None:
    """Issue 26: a title in a CMS field named only by its class (field--name-field-job-title)."""
    html = _page('<h1 class="page-title">Mara Lind</h1><div class="field field--name-field-job-'
                 'title"><div class="field__item">Senior Lecturer in Marine Biology</div></div>'
                 '<div class="field field--name-field-department"><div class="field__item">'
                 "School of Ocean Sciences</div></div>", "Mara Lind | Eastmoor University")
    page = extract(html, "https://www.eastmoor.test/people/mara-lind")
    assert [(p.name, p.title, p.team) for p in page.people] == [
        ("Mara Lind", "Senior Lecturer in Marine Biology", "School of Ocean Sciences")]


@pytest.mark.parametrize(("markup", "fields"), [
    ("<dl><dt>E-Mail</dt><dd>a@x.test</dd><dt>Abteilung</dt><dd>Einkauf</dd></dl>",
     {"email": "a@x.test", "team": "Einkauf"}),
    ('<ul><li><i class="fa fa-map-marker"></i> Lisbon</li></ul>', {"location": "Lisbon"}),
    ("<p>Position: Head of Data</p><p>Position: Head of Sales</p>", {}),  # two: a listing
])
def test_labelled_fields(markup: str, fields: dict) -> None:
    """dl pairs, icon cells and "Label: value" lines; a label given twice is nobody's."""
    tree = LexborHTMLParser(_page(markup))
    lines = [" ".join(t.split()) for t in (tree.body.text(separator="\n") or "").split("\n")]
    assert page_fields(tree, [line for line in lines if line]) == fields


@pytest.mark.parametrize(("label", "kind"), [
    ("E-Mail:", "email"), ("Abteilung", "team"), ("Job title", "title"), ("Standort", "location"),
    ("Phone", None)])
def test_label_words(label: str, kind: str | None) -> None:
    """Labels in several languages name a kind of field."""
    assert label_kind(label) == kind


def test_an_imprint_names_the_formal_title() -> None:
    """A legal notice's "Role: Name" line (the team card's slot may hold a nickname)."""
    html = _page("<h1>Imprint</h1><p>Alder Freight GmbH</p><p>Managing Director: Ines Calder</p>")
    page = extract(html, "https://www.alderfreight.test/imprint/")
    assert [(p.name, p.title, p.how) for p in page.people] == [
        ("Ines Calder", "Managing Director", "imprint")]


# ------------------------------------------------------------------ addresses in links

@pytest.mark.parametrize(("href", "addresses"), [
    ("https://mail.google.com/mail/?view=cm&fs=1&tf=1&to=ada@quill.test", ["ada@quill.test"]),
    ("https://teams.microsoft.com/l/chat/0/0?users=ada@quill.test,bo@quill.test",
     ["ada@quill.test", "bo@quill.test"]),
    ("https://teams.microsoft.com/l/meeting/new?attendees=ada@quill.test", ["ada@quill.test"]),
    ("https://calendar.google.com/calendar/render?action=TEMPLATE&add=ada@quill.test",
     ["ada@quill.test"]),
    ("https://www.quill.test/contact?topic=sales", []),
    ("javascript:mail('ada@quill.test')", []),
])
def test_addresses_in_compose_chat_meeting_and_calendar_links(href: str, addresses: list) -> None:
    """The recipients a web link sends to."""
    assert link_addresses(href) == addresses


def test_the_mailto_wins_over_an_older_chat_address() -> None:
    """A chat link still carrying a changed surname is not the person's address."""
    html = _page('<div class="card"><h3>Ada Quill</h3><p class="role">Head of Data</p>'
                 '<a href="mailto:ada.quill@quill.test">ada.quill@quill.test</a> '
                 '<a href="https://teams.microsoft.com/l/chat/0/0?users=ada.stone@quill.test">'
                 "Chat</a></div>")
    page = extract(html, "https://www.quill.test/team/")
    assert [(e.address, e.name) for e in page.emails] == [("ada.quill@quill.test", "Ada Quill")]


# ------------------------------------------------------------------ index pages

def _links(*pairs: tuple[str, str]) -> list[Link]:
    return [Link(f"https://www.quill.test{path}", text, "site") for path, text in pairs]


def test_the_interviewer_s_page_then_two_colleagues_from_an_index() -> None:
    """Links named after people: the interviewer's first, then colleagues in the same folder."""
    links = _links(("/about/", "About us"), ("/staff/bo-lind/", "Bo Lind"),
                   ("/staff/ada-quill/", "Ada Quill"), ("/staff/cy-moss/", "Cy Moss"),
                   ("/staff/di-roe/", "Di Roe"), ("/news/eve-ash/", "Eve Ash"))
    assert person_pages(links, name="Ada Quill", domain="quill.test", already=[],
                        colleagues=2) == ["https://www.quill.test/staff/ada-quill/",
                                          "https://www.quill.test/staff/bo-lind/",
                                          "https://www.quill.test/staff/cy-moss/"]


def test_a_page_with_few_names_is_no_index() -> None:
    """Two name links (a byline, a quote) bring the interviewer's page, no colleagues'."""
    links = _links(("/staff/ada-quill/", "Ada Quill"), ("/staff/bo-lind/", "Bo Lind"))
    assert person_pages(links, name="Ada Quill", domain="quill.test", already=[],
                        colleagues=2) == ["https://www.quill.test/staff/ada-quill/"]


# ------------------------------------------------------------------ domains

@pytest.mark.parametrize(("host", "domain"), [
    ("firma.co.at", "firma.co.at"),  # the 42-suffix table read this as co.at
    ("www.shop.alder.com.co", "alder.com.co"),
    ("groupname.github.io", "groupname.github.io"),  # a hosting tenant
    ("groupname.github.test", "groupname.github.test"),  # ... as a world names it
    ("www.github.test", "github.test"),
    ("mail.alder.test", "alder.test"),
])
def test_registrable_domains_from_the_public_suffix_list(host: str, domain: str) -> None:
    """The Public Suffix List (bundled), .test a suffix, a world's provider read as github.io."""
    assert registrable_domain(host) == domain


def test_public_and_country_suffixes() -> None:
    """co.at and com.co are a country's; io and a hosting tenant are not."""
    assert public_suffix("www.firma.co.at") == "co.at"
    assert [country_suffix(d) for d in ("firma.co.at", "alder.com.co", "alder.io",
                                        "x.github.io", "alder.de")] == [True, True, False, False,
                                                                        True]


@pytest.mark.parametrize(("domain", "company", "match"), [
    ("tl-haberl.test", "Translogistik Haberl GmbH", "prefix"),  # a German haulier's world's shape
    ("fl-haberl.test", "Fernlogistik Haberl GmbH", "prefix"),
    ("xl-haberl.test", "Fernlogistik Haberl GmbH", ""),  # X starts no word
    ("harborview.test", "Harborview University School of Management", "prefix"),
    ("harborview.test", "Harborview Analytics", "prefix"),  # as before: the first word
])
def test_domains_that_abbreviate_or_name_the_parent(domain: str, company: str, match: str) -> None:
    """Each hyphenated part spells one word; a unit's domain spells its organisation."""
    assert _label_match(domain, company_key(company)) == match


@pytest.mark.parametrize(("title", "company", "how"), [
    ("Haberl Fernlogistik | Ansprechpartner", "Fernlogistik Haberl GmbH", "exact"),
    ("People | School of Management | Harborview University",
     "Harborview University School of Management", "exact"),
    ("Haberl Logistik | Home", "Fernlogistik Haberl GmbH", ""),
])
def test_titles_naming_the_company_in_another_order(title: str, company: str, how: str) -> None:
    """The company's words in another order, or split over adjacent parts, name it."""
    assert _names_company(title, company_key(company)) == how


def _facts(url: str, title: str = "", text: str = "", links: tuple = ()) -> PageFacts:
    return PageFacts(url=url, title=title, text=text, site_links=links)


def test_a_research_group_s_site_is_a_unit_of_the_university() -> None:
    """A university group's world: a group's site on a hosting provider says it is a group at the university."""
    from lookup.models import SearchHit
    hits = [SearchHit(f"{who} | Eastmoor Crypto", f"https://eastcrypto.github.test/author/{i}/",
                      f"{who} PhD Student @ University of Eastmoor", rank=i)
            for i, who in enumerate(["Ines Calder", "Tomas Brandt"])]
    first = rank_domains("University of Eastmoor", hits)
    assert [c.domain for c in first] == ["eastcrypto.github.test"]
    home = _facts("https://eastcrypto.github.test/", "Eastmoor Crypto",
                  "We are an applied cryptography research group at the University of Eastmoor.")
    (confirmed,) = rank_domains("University of Eastmoor", hits,
                                {"eastcrypto.github.test": home})
    assert confirmed.confirmed
    assert "a unit of University of Eastmoor" in " ".join(confirmed.reasons)


def test_a_homepage_without_a_name_is_confirmed_by_the_site_s_titles() -> None:
    """A university institute's world: an empty <title> on the homepage; the site's pages carry the name where sites do."""
    from lookup.models import SearchHit
    hits = [SearchHit(f"{page} | Harbor Institute", f"https://www.harborinst.test/{page}/", "",
                      rank=i) for i, page in enumerate(["Staff", "About", "Mission"])]
    (candidate,) = rank_domains("Harbor Institute", hits,
                                {"harborinst.test": _facts("https://www.harborinst.test/")})
    assert candidate.confirmed


def test_a_homepage_in_another_script_points_to_its_english_version() -> None:
    """Issue 26: a Japanese homepage at the root, the English site under /en/."""
    home = _facts("https://www.kaito.test/", "ホーム | 株式会社カイト",
                  links=(Link("https://www.kaito.test/en/", "English", "site"),))
    assert english_version(home, "Kaito Robotics") == "https://www.kaito.test/en/"
    named = _facts("https://www.kaito.test/", "Kaito Robotics | Home",
                   links=(Link("https://www.kaito.test/en/", "English", "site"),))
    assert english_version(named, "Kaito Robotics") is None


# ------------------------------------------------------------------ name spellings

def test_a_two_part_given_name_may_be_hyphenated_in_the_address() -> None:
    """ "Anna Lena Roth" on the page: anna-lena among the spellings, after the joined one."""
    kinds = {f.first: f.kind for f in parse_name("Anna Lena Roth").forms}
    assert kinds["anna-lena"] == "double given name hyphenated"
    assert kinds["annalena"] == "double given name"


def test_the_top_format_s_other_spellings_come_right_after_the_first_three() -> None:
    """A second given name's initial, then the whole of it, then other spellings."""
    parsed = parse_name("Lars Erik Ødegård")
    spellings = spellings_in_format(parsed, "{first}.{last}")
    assert spellings[:2] == ["lars.e.odegard", "lars.erik.odegard"]
    assert {"lars.oedegaard", "larserik.odegard", "lars-erik.odegard"} <= set(spellings)
    ranked = predict("Lars Erik Ødegård", "nordvik.test",
                     [Evidence("Ingrid Dahl", "ingrid.dahl@nordvik.test"),
                      Evidence("Anders Lunde", "anders.lunde@nordvik.test")],
                     limit=8, test_environment=True)
    walked = [c.address.split("@")[0] for c in with_variants(ranked, "Lars Erik Ødegård",
                                                             after=3, keep=8)]
    assert walked[0] == "lars.odegard" and "lars.e.odegard" in walked[3:6]
    assert len(walked) == 8


def test_a_known_address_keeps_its_place() -> None:
    """An address given for this very name is not reordered."""
    known = [Candidate("ada@q.test", 0.9, "known")]
    assert with_variants(known, "Ada Marie Quill", after=3, keep=8) == known


# ------------------------------------------------------------------ the world's search engine

def test_the_search_engine_indexes_the_page_s_own_words() -> None:
    """A name deep in a page is found; the snippet shows the words around it."""
    doc = SearchDocument("Contacts | Alder Freight", "https://www.alderfreight.test/contacts/",
                         "Our specialists")
    page = _page("<h1>Our specialists</h1>" + "<p>Trucks and routes.</p>" * 50
                 + "<div>Greta Köster, Disposition</div>")
    index = SearchIndex([doc], {doc.url: page_words(page)})
    (hit,) = index.search('"Greta Köster"', limit=5)
    assert hit.document == doc and "Greta Köster, Disposition" in hit.snippet
    assert SearchIndex([doc]).search('"Greta Köster"', limit=5) == []
    assert page_words("<html><head><title>T</title><script>x()</script></head>"
                      "<body><h2>Head</h2> text</body></html>") == "T Head text"
