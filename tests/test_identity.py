"""A company's identity over time: moved domains, 'now part of' pages, and old evidence as history."""

from __future__ import annotations

from lookup.models import Evidence, FetchResult, PageFacts, Source
from lookup.web.company import DomainCandidate
from lookup.web.history import walled_notes, weigh
from lookup.web.identity import announced_move, apply_moves, redirect_moves

HOME = "https://www.northwindlabs.test/"
NEW = "https://www.vireo.test/"


def fetched(url: str, final: str, *hops: tuple[int, str]) -> FetchResult:
    return FetchResult(url, final, True, 200, "<html></html>", "text/html", hops=hops)


def test_a_permanent_redirect_to_another_domain_is_a_move() -> None:
    """A 301 home page and another page landing on the same new domain: every page moved."""
    home = fetched(HOME, NEW, (301, NEW))
    probe = fetched("https://www.northwindlabs.test/about/team/", NEW, (301, NEW))
    (move,) = redirect_moves("Northwind Labs", [home], [probe])
    assert (move.old, move.new, move.how) == ("northwindlabs.test", "vireo.test", "redirect")
    assert move.sentence == ("Northwind Labs now answers at vireo.test: every page of "
                             "northwindlabs.test redirects there (HTTP 301, a permanent move).")


def test_without_a_second_page_only_the_home_page_is_claimed() -> None:
    """With no other page checked, the sentence says only the home page redirects."""
    (move,) = redirect_moves("Northwind Labs", [fetched(HOME, NEW, (308, NEW))])
    assert move.how == "homepage" and "the home page of northwindlabs.test" in move.sentence


def test_temporary_and_same_domain_redirects_are_not_moves() -> None:
    """A 302 is "for now"; apex to www stays on the registrable domain."""
    temporary = fetched(HOME, NEW, (302, NEW))
    same = fetched("https://northwindlabs.test/", HOME, (301, HOME))
    assert redirect_moves("Northwind Labs", [temporary, same]) == []


def test_a_home_page_saying_now_part_of_names_the_new_site() -> None:
    """"X is now part of Y" with Y's site written on the page is a move, quoted cleanly."""
    page = PageFacts(HOME, title="Northwind Labs", text="Skip to content Northwind Labs is now "
                     "part of Vireo Systems Northwind Labs is now part of Vireo Systems. Visit "
                     "www.vireo.test for support.")
    move = announced_move("Northwind Labs", page)
    assert move is not None and (move.old, move.new, move.how) == (
        "northwindlabs.test", "vireo.test", "notice")
    assert "says “Northwind Labs is now part of Vireo Systems”" in move.sentence


def test_now_part_of_without_a_site_or_about_itself_is_no_move() -> None:
    """No host spelling the new name, or the company's own name: nothing to follow."""
    vague = PageFacts(HOME, text="Northwind Labs is now part of Vireo Systems.")
    itself = PageFacts(HOME, text="Acme is now Northwind Labs, see northwindlabs.test.")
    assert announced_move("Northwind Labs", vague) is None
    assert announced_move("Northwind Labs", itself) is None


def test_the_new_domain_takes_the_old_one_s_place() -> None:
    """The moved candidate becomes the new domain, confirmed, with the move's sentence first;
    a candidate lost once home pages were read comes back from the first ranking."""
    old = DomainCandidate("northwindlabs.test", 5.0, ("Spells the name.",), Source(HOME))
    other = DomainCandidate("northwind.test", 4.0, ("Starts like it.",), Source("https://northwind.test/"))
    (move,) = redirect_moves("Northwind Labs", [fetched(HOME, NEW, (301, NEW))])
    ranked = apply_moves([other], [move], before=[old, other])
    assert [c.domain for c in ranked] == ["vireo.test", "northwind.test"]
    assert ranked[0].confirmed and ranked[0].reasons[0] == move.sentence
    assert ranked[0].score == 5.5


def test_old_domain_evidence_is_history_when_current_evidence_exists() -> None:
    """Current addresses win; the old ones are named, dated, and not used."""
    old_page = PageFacts("https://news.test/2021/x", published="2021-05-04")
    current = (Evidence("Ann Lee", "ann.lee@vireo.test"),)
    past = {"northwindlabs.test": (Evidence("Ann Lee", "a.lee@northwindlabs.test",
                                            Source("https://news.test/2021/x")),)}
    used, remarks = weigh(current, past, [old_page], "vireo.test")
    assert used == current
    assert remarks == ("Addresses at northwindlabs.test, the company's former domain (1, e.g. "
                       "a.lee@northwindlabs.test, on pages dated 2021-05-04), are history: they "
                       "were not used for the address at vireo.test.",)


def test_old_domain_evidence_counts_only_when_nothing_current_is_known() -> None:
    """With no address at the new domain, the old ones give the format, with a warning."""
    past = {"northwindlabs.test": (Evidence("Ann Lee", "a.lee@northwindlabs.test"),)}
    used, remarks = weigh((), past, [], "vireo.test")
    assert used == past["northwindlabs.test"]
    assert remarks[0].startswith("No colleague's address at vireo.test was found")


def test_a_walled_company_site_is_named_with_where_the_facts_came_from() -> None:
    """The card's note names the walled host, the wall, and the other sources' hosts."""
    blocked = {"www.fenwick.test": "blocked by a bot challenge: www.fenwick.test answered with "
               "Cloudflare's challenge page (HTTP 403) instead of the site",
               "elsewhere.test": "blocked by a bot challenge: …"}
    sources = [Source("https://summit.test/speakers", kind="page"),
               Source("https://prolink.test/in/x", kind="search")]
    (note,) = walled_notes(blocked, ("fenwick.test", None), sources)
    assert note == ("www.fenwick.test could not be read: it answers with a bot challenge instead "
                    "of its pages (Cloudflare's challenge page, HTTP 403). What this card says "
                    "comes from elsewhere: search results, summit.test.")
