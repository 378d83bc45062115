"""Format hints read from directory sites' search snippets, and how inference weighs them."""

from __future__ import annotations

import pytest

from lookup.address.hints import (
    FormatHint,
    claims,
    example_format,
    pattern_format,
    read_hints,
    snippet_hints,
    typed_hint,
)
from lookup.address.inference import HINT_TRUST, hinted
from lookup.address.patterns import DEFAULT_PRIOR, explain, predict
from lookup.models import Evidence, SearchHit, Source

DOMAIN = "quillworks.test"
COMPANY = "Quillworks"


@pytest.mark.parametrize(
    ("written", "spelling"),
    [
        ("first.last", "{first}.{last}"),
        ("{first}.{last}", "{first}.{last}"),
        ("[first].[last]", "{first}.{last}"),
        ("first name . last name", "{first}.{last}"),
        ("firstname.lastname", "{first}.{last}"),
        ("first_initial+last", "{f}{last}"),
        ("[first_initial][last]", "{f}{last}"),
        ("first initial last name", "{f}{last}"),
        ("FirstInitialLastName", "{f}{last}"),
        ("flast", "{f}{last}"),
        ("f.last", "{f}.{last}"),
        ("first_last", "{first}_{last}"),
        ("first-last", "{first}-{last}"),
        ("firstlast", "{first}{last}"),
        ("lastfirst", "{last}{first}"),
        ("last.first", "{last}.{first}"),
        ("firstl", "{first}{l}"),
        ("first", "{first}"),
        ("first.middle.last", "{first}.{middle}.{last}"),
    ],
)
def test_a_written_pattern_becomes_a_format(written, spelling):
    """Patterns written in braces, brackets, words or shorthand read as the grammar's format."""
    assert pattern_format(written) == spelling


@pytest.mark.parametrize("text", ["the", "last year", "first.first", "press", "jsmith", ""])
def test_words_that_are_no_pattern_give_none(text):
    """Ordinary words, a part used twice and example addresses are not written patterns."""
    assert pattern_format(text) is None


@pytest.mark.parametrize(
    ("local", "spelling"),
    [("jsmith", "{f}{last}"), ("john.smith", "{first}.{last}"), ("jane.doe", "{first}.{last}"),
     ("smithj", "{last}{f}"), ("j.smith", "{f}.{last}"), ("johns", "{first}{l}"),
     ("press", None), ("jane.roe", None)],
)
def test_an_example_address_of_a_placeholder_person_gives_its_format(local, spelling):
    """Directories write examples for John Smith or Jane Doe; the format is read back from them."""
    assert example_format(local) == spelling


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Quillworks email format. Most common pattern: first.last@quillworks.test (83%). "
         "Other patterns: flast@quillworks.test (12%).",
         [("{first}.{last}", 0.83), ("{f}{last}", 0.12)]),
        ("The email format of Quillworks is {first}.{last}", [("{first}.{last}", None)]),
        ("The most common Quillworks email format is first_initial last (ex. "
         "jsmith@quillworks.test), used 62% of the time.", [("{f}{last}", 0.62)]),
        ("Quillworks uses 2 email formats: 1. first_initial+last@quillworks.test (62.3%). "
         "2. first@quillworks.test (20%)", [("{f}{last}", 0.623), ("{first}", 0.2)]),
        ("quillworks.test email pattern - 74% of employees use firstname.lastname; "
         "15% use f.lastname", [("{first}.{last}", 0.74), ("{f}.{last}", 0.15)]),
        ("Email addresses at Quillworks follow the pattern jsmith@quillworks.test",
         [("{f}{last}", None)]),
    ],
)
def test_snippets_in_several_phrasings_give_formats_and_shares(text, expected):
    """Each real-world phrasing gives its formats, with the share the site gives each."""
    found = [(s, share) for s, share, _ in snippet_hints(text, DOMAIN, COMPANY)]
    assert found == [(s, pytest.approx(v) if v else None) for s, v in expected]


@pytest.mark.parametrize(
    "text",
    [
        "Quillworks Pools email format: first@quillworkspools.test (92%)",  # another company
        "Quillworks had a record last year: 83% growth, first in its class",  # no format word
        "The email format of Bellmont is first.last (90%)",  # another company, no domain
    ],
)
def test_snippets_about_other_companies_or_no_format_give_nothing(text):
    """A look-alike company's domain, text with no format word, or another company: no hint."""
    assert snippet_hints(text, DOMAIN, COMPANY) == []


def _hit(url: str, title: str, snippet: str) -> SearchHit:
    return SearchHit(title=title, url=url, snippet=snippet)


def test_read_hints_keeps_the_source_and_skips_the_companys_own_pages():
    """A hint carries its search result as source; the company's own pages are no claim."""
    hits = [
        _hit("https://formats.test/c/quillworks", "Quillworks email format | Formats",
             "Most common pattern: flast@quillworks.test (71%)"),
        _hit("https://www.quillworks.test/contact", "Contact | Quillworks",
             "Our email format is first.last@quillworks.test for every employee."),
    ]
    hints = read_hints(hits, DOMAIN, COMPANY)
    assert [(h.format, h.share, h.site) for h in hints] == [("{f}{last}", 0.71, "formats.test")]
    assert hints[0].source.url == "https://formats.test/c/quillworks"
    assert hints[0].source.kind == "search"


def test_claims_keep_one_format_per_site_the_one_with_the_biggest_share():
    """A site listing several formats claims the one it gives the biggest share."""
    source = Source("https://formats.test/q", "t", "s", "search")
    other = Source("https://other.test/q", "t", "s", "search")
    hints = [FormatHint("{first}", 0.2, "first", source), FormatHint("{f}{last}", 0.6, "flast", source),
             FormatHint("{first}.{last}", None, "first.last", other)]
    assert [h.format for h in claims(hints)] == ["{f}{last}", "{first}.{last}"]


def test_one_claim_alone_puts_the_main_format_near_its_trust():
    """After one claim, P(main = F) is trust + (1 - trust)·q_F, for a common or a rare F."""
    for spelling in ("{f}{last}", "{last}{f}"):
        q = max(DEFAULT_PRIOR.main.get(spelling, 0.0), DEFAULT_PRIOR.novel_main)
        prior = hinted(DEFAULT_PRIOR, [spelling])
        assert sum(prior.main.values()) == pytest.approx(1.0)
        assert prior.main[spelling] == pytest.approx(HINT_TRUST + (1 - HINT_TRUST) * q, rel=0.02)


def _typed(text: str) -> list[FormatHint]:
    return typed_hint(text, DOMAIN, Source("", "given by the user", text, "user"))


def test_a_hint_decides_the_format_when_no_colleague_is_known():
    """With no colleague known, a directory's claim of {f}{last} puts that format first."""
    cold = predict("Ada Quill", DOMAIN, test_environment=True)[0]
    hinted_top = predict("Ada Quill", DOMAIN, hints=_typed("first_initial+last"),
                         test_environment=True)[0]
    assert cold.address == "ada.quill@quillworks.test"
    assert hinted_top.address == "aquill@quillworks.test"
    assert "weak evidence" in hinted_top.explanation


def test_colleagues_outweigh_a_hint_that_contradicts_them():
    """Two colleagues' addresses in {first}.{last} beat a directory's claim of {f}{last}."""
    known = [Evidence("Bram Oster", "bram.oster@quillworks.test"),
             Evidence("Cleo Varga", "cleo.varga@quillworks.test")]
    top = predict("Ada Quill", DOMAIN, known, hints=_typed("flast@quillworks.test (80%)"),
                  test_environment=True)[0]
    assert top.address == "ada.quill@quillworks.test"


def test_explain_shows_each_piece_of_evidence_moving_the_probabilities():
    """One step per piece (none, the hint, each colleague), each ranked with all so far."""
    known = [Evidence("Bram Oster", "boster@quillworks.test")]
    steps = explain("Ada Quill", DOMAIN, known, hints=_typed("flast"), test_environment=True)
    assert [s.evidence for s in steps][:2] == ["", "your hint \u201cflast\u201d: the format is {f}{last}"]
    assert steps[2].evidence == "Bram Oster <boster@quillworks.test>"
    assert [s.source for s in steps] == ["", "given by the user", ""]
    top = [s.candidates[0] for s in steps]
    assert top[0].address == "ada.quill@quillworks.test"
    assert top[1].address == top[2].address == "aquill@quillworks.test"
    assert top[0].probability < top[1].probability < top[2].probability


def test_the_research_analysis_reads_hints_from_snippets_and_cites_them():
    """analyse() reads the directory's snippet (no page), ranks by it, and finish() puts the
    claim first among the address's reasons with its search result among the sources."""
    import datetime as dt

    from lookup.intake.interview import make_interview
    from lookup.research import analysis

    interview = make_interview("Ada Quill", COMPANY)
    hits = (
        _hit("https://formats.test/c/quillworks", "Quillworks email format | Formats",
             "The most common Quillworks email format is first_initial+last "
             "(ex. jsmith@quillworks.test), used 71% of the time."),
        _hit("https://formats.test/c/quillworks-pools", "Quillworks Pools email format",
             "Quillworks Pools email format: first@quillworkspools.test (92%)"),
    )
    facts = analysis.analyse(interview, DOMAIN, (), hits, today=dt.date(2026, 5, 1),
                             test_environment=True)
    assert [(h.format, h.site) for h in facts.hints] == [("{f}{last}", "formats.test")]
    assert facts.candidates[0].address == "aquill@quillworks.test"
    result = analysis.finish(interview, domain=DOMAIN, domain_reasons=(), analysis=facts,
                             verifications=(), pages=())
    assert "formats.test" in result.candidates[0].reasons[0]
    assert "weak evidence" in result.candidates[0].reasons[0]
    assert "https://formats.test/c/quillworks" in [s.url for s in result.sources]
    assert [s.url for s in result.candidates[0].claimed_by] == ["https://formats.test/c/quillworks"]
    assert not any(c.claimed_by for c in result.candidates[1:])  # they are not its format


def test_the_card_cites_the_search_result_behind_a_format_claim():
    """On the card the claim's reason ends with the numbered link to its search result."""
    import datetime as dt

    from lookup.card.render import render_card
    from lookup.intake.interview import make_interview
    from lookup.research import analysis
    from tests.conftest import ROOT

    interview = make_interview("Ada Quill", COMPANY)
    url = "https://formats.test/c/quillworks"
    hits = (_hit(url, "Quillworks email format | Formats",
                 "The email format of Quillworks is {f}{last} (ex. jsmith@quillworks.test)."),)
    facts = analysis.analyse(interview, DOMAIN, (), hits, today=dt.date(2026, 5, 1),
                             test_environment=True)
    result = analysis.finish(interview, domain=DOMAIN, domain_reasons=(), analysis=facts,
                             verifications=(), pages=())
    card = render_card(result, templates_dir=ROOT / "config" / "templates",
                       generated_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    number = [s.url for s in result.sources].index(url) + 1
    why = card.split("Why:", 1)[1].strip().splitlines()[0]
    assert "A search result from `formats.test` says" in why
    assert why.endswith(f"weak evidence. [[{number}]({url})]")
    assert f"{number}. [Quillworks email format | Formats]({url})" in card
