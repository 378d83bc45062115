"""vCards read like pages: people, titles, work addresses and the organisation, bounded."""

from __future__ import annotations

import pytest

from lookup.web import vcard
from lookup.web.vcard import read_vcards, vcard_facts

V3 = (b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Thale;Imogen;;;\r\nFN:Imogen Thale\r\n"
      b"ORG:Ashdown Pryce LLP;Banking\r\nTITLE:Partner\r\n"
      b"EMAIL;TYPE=INTERNET,HOME:imogen@mailbox.test\r\n"
      b"EMAIL;TYPE=INTERNET,WORK:ithale@ashdownpryce.test\r\n"
      b"ADR;TYPE=WORK:;;14 Carrick Street;London;;EC2A 4PX;United Kingdom\r\nEND:VCARD\r\n")
V4 = (b"BEGIN:VCARD\nVERSION:4.0\nFN:Marcus Oyelaran\nTITLE:Counsel\n"
      b"EMAIL;TYPE=work;PREF=1:moyelaran@ashdownpryce.test\nEND:VCARD\n")
# vCard 2.1: bare parameter types and a quoted-printable name
V21 = (b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;"
       b"J=C3=BCrgen\r\nTITLE:Associate\r\nEMAIL;INTERNET;WORK:j.mueller@ashdownpryce.test\r\n"
       b"EMAIL;HOME:jm@home.test\r\nEND:VCARD\r\n")


@pytest.mark.parametrize(("data", "name", "title", "emails"), [
    (V3, "Imogen Thale", "Partner", ("ithale@ashdownpryce.test",)),
    (V4, "Marcus Oyelaran", "Counsel", ("moyelaran@ashdownpryce.test",)),
    (V21, "Jürgen Müller", "Associate", ("j.mueller@ashdownpryce.test",)),
])
def test_each_version_gives_the_person_title_and_work_address(data, name, title, emails) -> None:
    """vCard 3.0, 4.0 and 2.1 each give FN (or N), TITLE and only the work addresses."""
    (card,) = read_vcards(data)
    assert (card.name, card.title, card.emails) == (name, title, emails)


def test_a_home_address_is_never_kept() -> None:
    """An EMAIL typed HOME is private: it is neither a person's address nor a found email."""
    facts = vcard_facts(V3, "https://www.ashdownpryce.test/people/vcard/imogen-thale.vcf")
    assert [e.address for e in facts.emails] == ["ithale@ashdownpryce.test"]


def test_facts_carry_the_file_as_their_source_and_org_as_organisation() -> None:
    """Every mention and address cites the .vcf URL; ORG's first part is the organisation."""
    url = "https://www.ashdownpryce.test/people/vcard/imogen-thale.vcf"
    facts = vcard_facts(V3, url)
    (person,) = facts.people
    assert (person.name, person.title, person.how) == ("Imogen Thale", "Partner", "vcard")
    assert person.source.url == url and facts.emails[0].source.url == url
    assert facts.emails[0].name == "Imogen Thale"
    assert facts.organization == "Ashdown Pryce LLP"
    assert facts.title == "Imogen Thale (vCard)"
    assert "based in London" in person.source.snippet


def test_a_broken_card_loses_only_itself() -> None:
    """A card vobject cannot read is skipped; the cards around it are kept."""
    broken = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:\r\nEMAIL;TYPE=WORK:\r\nEND:VCARD\r\n"
    names = [c.name for c in read_vcards(V3 + broken + V4)]
    assert names == ["Imogen Thale", "Marcus Oyelaran"]


def test_a_card_without_a_person_s_name_is_not_a_person() -> None:
    """A company's own card (FN "Reception") names nobody."""
    data = b"BEGIN:VCARD\nVERSION:3.0\nFN:Reception\nEMAIL:london@ashdownpryce.test\nEND:VCARD\n"
    assert vcard_facts(data, "https://a.test/x.vcf").people == ()


def test_reading_stops_at_the_size_and_card_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_CARDS cards, or MAX_BYTES bytes, nothing more is read."""
    monkeypatch.setattr(vcard, "MAX_CARDS", 2)
    assert len(list(read_vcards(V3 + V4 + V21))) == 2
    monkeypatch.setattr(vcard, "MAX_BYTES", len(V3) + 10)
    assert [c.name for c in read_vcards(V3 + V4)] == ["Imogen Thale"]


def test_garbage_gives_no_people_and_no_error() -> None:
    """Bytes that are no vCard give empty facts, not an exception."""
    facts = vcard_facts(b"\x00\xffnot a card at all", "https://a.test/x.vcf")
    assert (facts.people, facts.emails, facts.title) == ((), (), "vCard")
