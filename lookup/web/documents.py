"""Documents besides HTML pages that carry people and addresses: vCards, PDFs, sitemaps. Pure.

``kind_of`` says what a fetched body is, from its media type and its first bytes;
``select_documents`` picks, from a company page's links, the vCards and PDFs worth a
request of the run's small budget: the interviewer's own vCard and a few colleagues'
(their addresses show the format), and PDFs whose link text or path says people, press,
report or contact (a press kit's "Media contact", an annual report's management team).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import unquote, urlsplit

from lookup.models import Link
from lookup.text import fold

__all__ = [
    "DOCUMENT_LIMITS",
    "DOCUMENT_TYPES",
    "PDF_WORDS",
    "is_document_url",
    "kind_of",
    "select_documents",
]

# Media types by kind, as servers send them (text/directory is vCard's old RFC 2425 type).
DOCUMENT_TYPES: dict[str, frozenset[str]] = {
    "vcard": frozenset({"text/vcard", "text/x-vcard", "text/directory", "text/x-vcalendar"}),
    "pdf": frozenset({"application/pdf", "application/x-pdf", "application/acrobat"}),
    "sitemap": frozenset({"application/xml", "text/xml", "application/gzip",
                          "application/x-gzip", "text/plain"}),
}
# Bytes read per document kind: a vCard file is small; press kits and annual reports carry
# photos (8 MB covers most without reading a brochure's 50); a sitemap file may hold 50,000
# URLs (sitemaps.org) but the first 2 MB are plenty to find a team page.
DOCUMENT_LIMITS = {"vcard": 256 * 1024, "pdf": 8_000_000, "sitemap": 2_000_000}
VCARD_COLLEAGUES = 3  # colleagues' vCards read besides the interviewer's: enough for a format
PDFS_PER_RUN = 2  # e.g. a press kit and an annual report
# Words in a PDF link's text or path that say it lists people or contacts, after accents are
# folded; "report" catches annual/sustainability reports and their management pages.
PDF_WORDS = frozenset(
    """people team staff management leadership board directors executive executives officers
    press media presse prensa pers kit presskit pressekit newsroom contact contacts kontakt
    report reports annual jahresbericht geschaeftsbericht rapport informe jaarverslag
    factsheet fact brochure about ueber impressum""".split()
)
_WORDS = re.compile(r"[a-z0-9]+")
_VCARD_TEXT = re.compile(r"\bv-?card\b|\bvcf\b|\bcontact card\b|\badd to contacts\b", re.I)
_PDF_TEXT = re.compile(r"\bpdf\b", re.I)


def kind_of(content_type: str, body: bytes = b"", url: str = "") -> str | None:
    """"vcard", "pdf" or "sitemap" for a document body, else None (HTML or unknown)."""
    media = content_type.split(";")[0].strip().lower()
    head = body[:1024].lstrip()
    if head.startswith(b"%PDF-") or media in DOCUMENT_TYPES["pdf"]:
        return "pdf"
    if head[:11].upper() == b"BEGIN:VCARD" or media in DOCUMENT_TYPES["vcard"]:
        return "vcard"
    if head.startswith(b"\x1f\x8b") or b"<urlset" in head or b"<sitemapindex" in head:
        return "sitemap"
    if media in DOCUMENT_TYPES["sitemap"] and "sitemap" in url.lower():
        return "sitemap"
    return None


def _path(url: str) -> str:
    return unquote(urlsplit(url).path).lower()


def is_document_url(url: str, text: str = "") -> str | None:
    """The kind a link points to by its path or text ("vcard", "pdf"), or None."""
    path = _path(url)
    if path.endswith((".vcf", ".vcard")) or _VCARD_TEXT.search(text or ""):
        return "vcard"
    if path.endswith(".pdf") or _PDF_TEXT.search(text or ""):
        return "pdf"
    return None


def _words(text: str) -> set[str]:
    return set(_WORDS.findall(fold(text)))


def _names_person(url: str, text: str, name_words: set[str]) -> bool:
    """True when the link's path or text holds the person's family name and another part."""
    words = _words(f"{_path(url)} {text}")
    return len(name_words) >= 2 and len(name_words & words) >= 2


def select_documents(links: Iterable[Link], *, name: str, already: Sequence[str],
                     pdfs_taken: int = 0, vcards_taken: int = 0, limit: int) -> list[str]:
    """The vCards and PDFs among ``links`` worth fetching, best first, at most ``limit``.

    vCards: the interviewer's own first (its path or text spells their name), then up to
    VCARD_COLLEAGUES others. PDFs: those whose link text or path says people, press,
    report or contact (PDF_WORDS), at most PDFS_PER_RUN a run; ``*_taken`` count those
    queued by earlier pages of the same run.
    """
    seen = set(already)
    name_words = {w for w in _words(name) if len(w) > 1}
    own: list[str] = []
    colleagues: list[str] = []
    pdfs: list[str] = []
    for link in links:
        url = link.url.split("#", 1)[0]
        if url in seen:
            continue
        kind = is_document_url(url, link.text)
        if kind == "vcard":
            (own if _names_person(url, link.text, name_words) else colleagues).append(url)
        elif kind == "pdf" and _words(f"{_path(url)} {link.text}") & PDF_WORDS:
            pdfs.append(url)
        seen.add(url)
    room_vcards = max(0, VCARD_COLLEAGUES + 1 - vcards_taken - len(own))
    room_pdfs = max(0, PDFS_PER_RUN - pdfs_taken)
    chosen = [*own, *pdfs[:room_pdfs], *colleagues[:room_vcards]]
    return chosen[: max(limit, 0)]
