"""The follow-up drafts: greetings, rounds, panels, recruiter notes, phrasebooks and mailto: links."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from lookup.card.draft import compose_draft, compose_recruiter_note, mailto, research_line
from lookup.card.render import phrasebook
from lookup.errors import ConfigError
from lookup.intake.interview import make_interview
from lookup.models import Source, TalkingPoint
from tests.card_fixtures import dana_result

SHIPPED = Path(__file__).resolve().parent.parent / "config" / "templates"
EN = phrasebook(SHIPPED, "en")
DE = phrasebook(SHIPPED, "de")
ADDRESS = "dokafor@brightwater.test"


def interview(name: str = "Dana Okafor", **kwargs):
    kwargs.setdefault("role", "Senior Data Engineer")
    kwargs.setdefault("interview_date", "2026-03-02")
    return make_interview(name, "Brightwater Analytics", **kwargs)


def draft(i, book=EN, **kwargs):
    kwargs.setdefault("profile", None)
    kwargs.setdefault("address", ADDRESS)
    return compose_draft(i, book=book, **kwargs)


def decoded(url: str) -> tuple[list[str], dict[str, list[str]]]:
    """A mailto: URL parsed back: the recipients and every header field."""
    parts = urlsplit(url)
    assert parts.scheme == "mailto"
    to = [unquote(a) for a in parts.path.split(",") if a]
    return to, parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)


# -- greetings ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "options", "greeting"),
    [
        ("Dana Okafor", {}, "Dear Dana,"),
        ("Dana Okafor", {"tone": "formal"}, "Dear Dana Okafor,"),
        ("Dana Okafor", {"tone": "formal", "honorific": "Ms."}, "Dear Ms. Okafor,"),
        ("Dr. Dana Okafor", {"tone": "formal"}, "Dear Dr. Okafor,"),
        ("TANAKA Hiroshi", {}, "Dear Hiroshi,"),
        ("TANAKA Hiroshi", {"tone": "formal", "honorific": "Mr"}, "Dear Mr. Tanaka,"),
        ("TANAKA Hiroshi", {"tone": "formal"}, "Dear Tanaka Hiroshi,"),
        ("Okafor, Dana", {"tone": "formal"}, "Dear Dana Okafor,"),
        ("Marie-Claire van der Berg", {"tone": "formal", "honorific": "Ms"},
         "Dear Ms. van der Berg,"),
        # The order of "Wang Wei" cannot be told: the whole name, never a guessed half.
        ("Wang Wei", {}, "Dear Wang Wei,"),
        ("Wang Wei", {"tone": "formal", "honorific": "Mr."}, "Dear Mr. Wang Wei,"),
    ],
)
def test_greetings_never_guess(name: str, options: dict, greeting: str) -> None:
    """Formal greetings use an honorific only when given or written; family-first names work."""
    assert draft(interview(name, **options)).body[0] == greeting


@pytest.mark.parametrize(
    ("options", "greeting"),
    [
        ({}, "Hallo Dana,"),
        ({"tone": "formal"}, "Guten Tag Dana Okafor,"),
        ({"tone": "formal", "honorific": "Frau"}, "Sehr geehrte Frau Okafor,"),
        ({"tone": "formal", "honorific": "Ms. Dr."}, "Sehr geehrte Frau Dr. Okafor,"),
        ({"tone": "formal", "honorific": "Dr."}, "Guten Tag Dr. Okafor,"),
    ],
)
def test_german_greetings(options: dict, greeting: str) -> None:
    """German: "Sehr geehrte Frau …" only with a given honorific, "Guten Tag …" otherwise."""
    body = draft(interview(language="de", **options), DE).body
    assert body[0] == greeting
    assert body[2].startswith(("vielen Dank", "herzlichen Dank"))  # lower case after the comma


# -- the body --------------------------------------------------------------------


def test_notes_become_the_personal_line() -> None:
    """The issue's example: the notes, rephrased by rules, are the draft's third paragraph."""
    d = draft(interview(notes="We discussed migrating their batch jobs to Flink and the "
                              "on-call rotation"))
    assert d.body[4] == ("I especially enjoyed discussing migrating your batch jobs to Flink "
                         "and the on-call rotation.")
    assert d.note is not None and d.note.shifted
    assert not any("enjoyed our conversation and learning more" in line for line in d.body)


def test_without_notes_the_draft_asks_for_one_specific_thing() -> None:
    """No notes: a bracketed request to fill in, not a generic compliment."""
    d = draft(interview())
    assert d.note is None
    assert d.body[4] == "[One specific thing you discussed with Dana, in your own words.]"


def test_a_second_round_thanks_for_speaking_again() -> None:
    """Round 2: the thank-you says "again" and names the latest date."""
    d = draft(interview(interview_date="2026-03-16"), round_number=2)
    assert d.body[2].startswith("Thank you for speaking with me again on Monday 16 March 2026")


def test_a_panel_gets_no_sentence_twice() -> None:
    """Three panelists with the same notes: no body sentence is repeated across their drafts."""
    panel = ["Dana Okafor", "Lee Park", "Ana Silva"]
    notes = "We discussed migrating their batch jobs to Flink"
    bodies = [draft(interview(n, panel=panel, notes=notes)).body for n in panel]
    sentences = [line for body in bodies for line in body[2:7] if line]
    assert len(sentences) == len(set(sentences)) == 9


def test_research_line_is_about_the_person_and_optional() -> None:
    """A talk or post becomes the optional line; a press release quote never does."""
    press = TalkingPoint("Quoted in the press release: “Severn Vale Water selects Brightwater”",
                         Source("https://www.brightwater.test/press/x"), "2026-09-22")
    talk = TalkingPoint("Talk “Six weeks of dual-running” at DataCon Europe 2026 (8 Oct 2026)",
                        Source("https://datacon-europe.test/2026/speakers/dana-okafor"))
    assert research_line([press], EN) is None
    line, source = research_line([press, talk], EN)
    assert line == ("I also came across your talk “Six weeks of dual-running” at DataCon Europe "
                    "2026 and would enjoy hearing more about it.")
    assert source == talk.source
    line_de, _ = research_line([talk], DE)
    assert line_de == ("Außerdem bin ich auf Ihren Vortrag “Six weeks of dual-running” gestoßen "
                       "und würde gern mehr darüber hören.")
    d = draft(interview(), profile=replace(dana_result().profile, talking_points=(press, talk)))
    assert d.optional == line and line not in d.body


# -- the recruiter ---------------------------------------------------------------


def test_recruiter_with_an_address_is_copied_and_asked_first() -> None:
    """The interviewer's mailto: copies the recruiter; the recruiter's note has its own link."""
    i = interview(recruiter="Sam Lee <sam@agency.test>")
    d = draft(i)
    to, fields = decoded(d.mailto)
    assert (to, fields["cc"]) == ([ADDRESS], ["sam@agency.test"])
    note = compose_recruiter_note(i, book=EN)
    to, fields = decoded(note.mailto)
    assert to == ["sam@agency.test"] and set(fields) == {"subject", "body"}
    assert fields["body"][0].startswith("Hi Sam,\r\n\r\nThank you for arranging my interview with "
                                        "Dana Okafor at Brightwater Analytics")


def test_recruiter_without_an_address_gets_a_note_but_no_cc() -> None:
    """A name only: no cc, and the note's link has no recipient."""
    i = interview(recruiter="Sam Lee")
    assert "cc" not in decoded(draft(i).mailto)[1]
    to, fields = decoded(compose_recruiter_note(i, book=EN).mailto)
    assert to == [] and fields["subject"] == ["Thank-you note to Dana Okafor"]
    assert compose_recruiter_note(interview(), book=EN) is None


# -- mailto: links ----------------------------------------------------------------


def test_mailto_parses_back_to_exactly_the_intended_fields() -> None:
    """to, cc, subject and body decode to exactly what the draft holds (CRLF between lines)."""
    i = interview(recruiter="Sam Lee <sam@agency.test>", notes="We discussed backfills")
    d = draft(i, sender="Alex Kim")
    to, fields = decoded(d.mailto)
    assert to == [ADDRESS]
    assert fields == {"cc": ["sam@agency.test"], "subject": [d.subject],
                      "body": ["\r\n".join(d.body)]}


HOSTILE = [
    "x\r\nBcc: evil@evil.test",
    "x&cc=evil@evil.test&bcc=evil@evil.test",
    "x?to=evil@evil.test",
    "%0D%0ABcc:%20evil@evil.test",
    "x,evil@evil.test",
    "x\u2028Bcc: evil@evil.test",
    "#fragment",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_notes_and_names_add_no_recipient_or_header(hostile: str) -> None:
    """Notes, names, role and company with CR/LF, &, ?, %, commas stay inside the body."""
    i = interview(recruiter="Sam Lee <sam@agency.test>")
    i = replace(i, notes=f"We discussed {hostile}", name=f"Dana {hostile}",
                role=hostile, company=hostile, recruiter=hostile)
    for url in (draft(i, sender=hostile).mailto, compose_recruiter_note(i, book=EN).mailto):
        to, fields = decoded(url)
        assert to in ([ADDRESS], ["sam@agency.test"])
        assert set(fields) <= {"cc", "subject", "body"}
        assert all(len(values) == 1 for values in fields.values())
        assert fields.get("cc", ["sam@agency.test"]) == ["sam@agency.test"]
        assert "\r" not in fields["subject"][0] and "\n" not in fields["subject"][0]
        assert all("\r" not in line and "\n" not in line
                   for line in fields["body"][0].split("\r\n"))
        assert re.fullmatch(r"mailto:[A-Za-z0-9@.%,_-]*\?[A-Za-z0-9%=&@,._~-]*", url), url


def test_mailto_encodes_every_reserved_character() -> None:
    """Only unreserved characters stay literal, so no field can end early (RFC 6068)."""
    url = mailto(["a+b@x.test"], [], "a&b=c?d#e", ["line one", "line two"])
    assert url == ("mailto:a%2Bb@x.test?subject=a%26b%3Dc%3Fd%23e&body=line%20one%0D%0Aline%20two")


# -- phrasebooks --------------------------------------------------------------------


def test_a_user_phrasebook_overrides_the_shipped_one(tmp_path: Path) -> None:
    """A draft.en.toml in the user's templates changes one phrase; the rest is shipped."""
    (tmp_path / "draft.en.toml").write_text('[closing]\nfriendly = "Cheers,"\n', encoding="utf-8")
    d = compose_draft(interview(), profile=None, address=ADDRESS, book=phrasebook(tmp_path, "en"))
    assert d.body[-2] == "Cheers," and d.body[0] == "Dear Dana,"


def test_phrasebook_mistakes_are_config_errors(tmp_path: Path) -> None:
    """An unknown placeholder, a broken file and a missing language each get a sentence."""
    (tmp_path / "draft.en.toml").write_text('[closing]\nfriendly = "Bye {nickname},"\n',
                                            encoding="utf-8")
    with pytest.raises(ConfigError, match=r"uses \{nickname\}, which that phrase does not have"):
        compose_draft(interview(), profile=None, address=None, book=phrasebook(tmp_path, "en"))
    (tmp_path / "draft.en.toml").write_text("[closing\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="could not be read"):
        phrasebook(tmp_path, "en")
    with pytest.raises(ConfigError, match="no draft phrasebook for the language 'fr'"):
        phrasebook(tmp_path, "fr")


def test_dates_follow_the_phrasebook() -> None:
    """English "Monday 2 March 2026", German "Montag, 2. März 2026"."""
    assert "on Monday 2 March 2026" in draft(interview()).body[2]
    assert "am Montag, 2. März 2026" in draft(interview(language="de"), DE).body[2]
    assert dt.date(2026, 3, 2).weekday() == 0
