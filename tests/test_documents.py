"""Which vCards and PDFs a run fetches, and what a fetched body is."""

from __future__ import annotations

import pytest

from lookup.models import Link
from lookup.web.documents import PDFS_PER_RUN, VCARD_COLLEAGUES, kind_of, select_documents

SITE = "https://www.acme.test"


@pytest.mark.parametrize(("content_type", "body", "url", "kind"), [
    ("application/pdf", b"", "", "pdf"),
    ("application/octet-stream", b"%PDF-1.7\n...", "", "pdf"),
    ("text/x-vcard; charset=utf-8", b"", "", "vcard"),
    ("text/plain", b"BEGIN:VCARD\r\nVERSION:3.0", "", "vcard"),
    ("application/gzip", b"\x1f\x8b\x08", "", "sitemap"),
    ("text/xml", b"<?xml version='1.0'?><urlset>", "", "sitemap"),
    ("text/plain", b"https://a.test/\n", "https://a.test/sitemap.txt", "sitemap"),
    ("text/html", b"<html>", "", None),
    ("text/plain", b"hello", "https://a.test/notes.txt", None),
])
def test_kind_of_a_body(content_type: str, body: bytes, url: str, kind: str | None) -> None:
    """The media type, else the first bytes, say whether a body is a vCard, PDF or sitemap."""
    assert kind_of(content_type, body, url) == kind


def links(*pairs: tuple[str, str]) -> list[Link]:
    return [Link(SITE + path, text, "site") for path, text in pairs]


def test_the_interviewer_s_vcard_first_then_a_few_colleagues() -> None:
    """Own card (its path spells the name) first, then VCARD_COLLEAGUES others, never more."""
    found = links(("/people/ann-lee.vcf", "vCard"), ("/people/bo-kim.vcf", "vCard"),
                  ("/people/jane-doe.vcf", "Download vCard"), ("/people/cy-ott.vcf", "vCard"),
                  ("/people/di-roy.vcf", "vCard"), ("/people/ed-fox.vcf", "vCard"))
    chosen = select_documents(found, name="Jane Doe", already=[], limit=10)
    assert chosen[0] == SITE + "/people/jane-doe.vcf"
    assert len(chosen) == 1 + VCARD_COLLEAGUES


def test_pdfs_only_when_link_text_or_path_says_people_press_report_or_contact() -> None:
    """A press kit and an annual report yes; a price list or a manual no."""
    found = links(("/downloads/AR2025.pdf", "Annual Report 2025 (PDF)"),
                  ("/media/press-kit.pdf", ""), ("/files/price-list.pdf", "Prices (PDF)"),
                  ("/docs/manual.pdf", "User manual"), ("/team/leadership.pdf", "PDF"))
    chosen = select_documents(found, name="Jane Doe", already=[], limit=10)
    assert chosen == [SITE + "/downloads/AR2025.pdf", SITE + "/media/press-kit.pdf"][:PDFS_PER_RUN]


def test_documents_already_taken_count_against_the_limits() -> None:
    """PDFs and vCards queued by earlier pages of the run leave less room; the budget caps all."""
    found = links(("/media/press-kit.pdf", ""), ("/people/ann-lee.vcf", "vCard"))
    assert select_documents(found, name="Jane Doe", already=[], pdfs_taken=PDFS_PER_RUN,
                            vcards_taken=VCARD_COLLEAGUES + 1, limit=10) == []
    assert len(select_documents(found, name="Jane Doe", already=[], limit=1)) == 1
