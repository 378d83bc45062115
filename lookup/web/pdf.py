"""Text out of a PDF (press kits, annual reports), bounded, for the same reading as a page.

``pdf_text(data, clock=...)`` extracts the text of the first ``MAX_PAGES`` pages with pypdf,
stopping once ``MAX_SECONDS`` have passed (checked between pages), and ``pdf_facts`` reads
it as ``lookup.web.textdoc`` reads any text document: people beside their titles,
addresses beside their owners, "Media contact:" blocks. pypdf was chosen over pdfminer.six
by measurement (``bench/pdf.py``, two runs on the 2-core machine: 7 real manuals in 14.1 s
against 19.4 s and 13.5 s against 27.1 s in total, the slowest 3.1 s against 6.0 s, medians
close and noisy; 20 generated press kits and reports in a third of the time; the same people
found; a wrong ``startxref`` repaired fully, where pdfminer.six kept 0.81 of the text); it is
pure Python with no dependencies of its own.

What a PDF can ask for is never done: pypdf runs no JavaScript, opens no URLs, launches
nothing and fetches no external streams; an encrypted PDF is read only when it opens with
the empty password (owner-password-only files, as brochures often are). The bytes are
capped by the fetcher (``documents.DOCUMENT_LIMITS``). A single pathological page can
overrun ``MAX_SECONDS`` (the check is between pages): that limit is named, not hidden.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass

from lookup.models import PageFacts
from lookup.web.textdoc import text_facts

__all__ = ["MAX_CHARS", "MAX_PAGES", "MAX_SECONDS", "PdfText", "pdf_facts", "pdf_text"]

MAX_PAGES = 30  # people pages sit early: a press kit's last page, a report's first dozen
MAX_SECONDS = 8.0  # per document; this machine's dense 30-page manuals took 2-3 s
MAX_CHARS = 400_000
# pypdf logs every repair it makes to a broken file; those are the publisher's problems.
logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass(frozen=True, slots=True)
class PdfText:
    """The text read from a PDF, its own title, and what was left unread and why."""

    text: str
    title: str = ""
    pages_read: int = 0
    pages: int = 0
    note: str = ""  # "" when the whole document was read


def pdf_text(data: bytes, *, clock: Callable[[], float]) -> PdfText:
    """The text of the first MAX_PAGES pages, until MAX_SECONDS pass (``clock`` is monotonic)."""
    from pypdf import PdfReader  # imported on first use: most runs read no PDF
    from pypdf.errors import PdfReadError

    started = clock()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return PdfText("", note="the PDF is encrypted with a password")
        title = _title(reader)
        total = len(reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, NotImplementedError) as exc:
        return PdfText("", note=f"the PDF could not be read ({type(exc).__name__})")
    texts: list[str] = []
    note = f"only the first {MAX_PAGES} of {total} pages were read" if total > MAX_PAGES else ""
    size = 0
    for number, page in enumerate(reader.pages[:MAX_PAGES]):
        if clock() - started > MAX_SECONDS:
            note = f"reading stopped after {MAX_SECONDS:g} s, at page {number + 1} of {total}"
            break
        try:
            text = page.extract_text() or ""
        except Exception:  # noqa: BLE001 - pypdf raises many kinds on a broken page; skip it
            text = ""
        texts.append(text)
        size += len(text)
        if size > MAX_CHARS:
            note = f"reading stopped after {MAX_CHARS:,} characters, at page {number + 1}"
            break
    return PdfText("\n\n".join(texts)[:MAX_CHARS], title, len(texts), total, note)


def _title(reader: object) -> str:
    try:
        meta = reader.metadata  # type: ignore[attr-defined]
        title = str(meta.title or "") if meta is not None else ""
    except Exception:  # noqa: BLE001 - broken metadata is no reason to skip the text
        return ""
    return " ".join(title.split())[:200]


def pdf_facts(data: bytes, url: str, *, clock: Callable[[], float]) -> tuple[PageFacts, str]:
    """The facts of a PDF, read as a text document, and a note on what was left unread."""
    read = pdf_text(data, clock=clock)
    name = url.rstrip("/").rsplit("/", 1)[-1]
    title = f"{read.title} (PDF)" if read.title else f"{name} (PDF)"
    return text_facts(read.text, url, title), read.note
