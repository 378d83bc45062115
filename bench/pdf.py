"""Which PDF text extractor to ship: pypdf or pdfminer.six, measured on the same documents.

`python bench/pdf.py [--real DIR ...] [--repeat N]`

Documents:
- real PDFs found on this machine (by default the manuals under /usr/share/doc, .pdf and
  .pdf.gz: LaTeX, DocBook and groff output, 10 to 300 pages), or the folders given;
- generated press kits and annual reports (lookup.world.scenarios._pdf: two columns, a
  running header, a "Media contact" block, a management-team grid), where the people are known;
- damaged copies of each: cut at 60 % of its bytes, 64 bytes overwritten in the middle,
  and the pointer to the cross-reference table wrong, as broken uploads and bad generators
  leave them.

For each library it prints: documents read without an exception, text recovered from the
damaged copies (as a share of what the intact copy gave), seconds per document (median and
total, the first MAX_PAGES pages, as lookup.web.pdf reads them), and on the generated
documents how many people come out as "Name" then "Title" on consecutive lines (what the
extractor needs) and how many addresses survive. Both libraries run on the same bytes in
the same process, one after the other, so the ratio is fair.
"""

from __future__ import annotations

import argparse
import gzip
import io
import logging
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MAX_PAGES = 30  # as lookup.web.pdf


def with_pypdf(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    return "\n".join(page.extract_text() or "" for page in reader.pages[:MAX_PAGES])


def with_pdfminer(data: bytes) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(io.BytesIO(data), maxpages=MAX_PAGES)


LIBRARIES: dict[str, Callable[[bytes], str]] = {"pypdf": with_pypdf, "pdfminer.six": with_pdfminer}


def installed() -> dict[str, Callable[[bytes], str]]:
    """The libraries importable here; pdfminer.six is not a dependency (pip install it)."""
    found = {}
    for name, read in LIBRARIES.items():
        try:
            __import__("pypdf" if name == "pypdf" else "pdfminer")
        except ImportError:
            print(f"{name} is not installed here: pip install {name} to compare it.")
            continue
        found[name] = read
    return found


def real_pdfs(folders: list[Path]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*.pdf*")):
            if path.suffix == ".pdf":
                found[path.name] = path.read_bytes()
            elif path.name.endswith(".pdf.gz"):
                found[path.name] = gzip.decompress(path.read_bytes())
    return found


def generated(count: int) -> tuple[dict[str, bytes], dict[str, list[tuple[str, str, str | None]]]]:
    """Press kits and annual reports of fictional companies, and the people each holds."""
    from lookup.world.scenarios._names import company_words, make_name
    from lookup.world.scenarios._pdf import Contact, annual_report, press_kit

    rng = random.Random(7)
    docs: dict[str, bytes] = {}
    people: dict[str, list[tuple[str, str, str | None]]] = {}
    titles = ["Head of Communications", "Press Officer", "Chief Executive Officer",
              "Chief Financial Officer", "Director of Engineering", "Head of People"]
    for i in range(count):
        company = company_words(rng, ampersand=False)
        team = [make_name(rng, "plain") for _ in range(5)]
        contacts = [Contact(n.written, titles[j], f"{n.first}_{n.last}@x{i}.test", "+44 20 7946 0000")
                    for j, n in enumerate(team[:2])]
        about = [f"{company} designs and builds equipment for customers in twelve countries. " * 5] * 5
        docs[f"press-{i}.pdf"] = press_kit(company, date="3 March 2026", about=about,
                                           facts=["Founded 2004", "240 staff"], contacts=contacts,
                                           inline_contacts=i % 2 == 1)
        people[f"press-{i}.pdf"] = [(c.name, c.title, c.email) for c in contacts]
        board = [Contact(n.written, titles[j + 2 if j < 4 else 0]) for j, n in enumerate(team)]
        docs[f"report-{i}.pdf"] = annual_report(company, year=2025, letter=["A good year. " * 40] * 4,
                                                team=board, signed_by=board[0])
        people[f"report-{i}.pdf"] = [(c.name, c.title, None) for c in board]
    return docs, people


def damaged(data: bytes) -> dict[str, bytes]:
    middle = len(data) // 2
    start = data.rfind(b"startxref")
    wrong = data[:start] + b"startxref\n17\n%%EOF\n" if start > 0 else data
    return {
        "cut at 60%": data[: int(len(data) * 0.6)],
        "64 bytes overwritten": data[:middle] + b"\x00" * 64 + data[middle + 64:],
        "startxref points elsewhere": wrong,
    }


def run(read: Callable[[bytes], str], data: bytes) -> tuple[str | None, float]:
    began = time.perf_counter()
    try:
        text = read(data)
    except Exception:  # noqa: BLE001 - counting failures is the point
        text = None
    return text, time.perf_counter() - began


def people_found(text: str, people: list[tuple[str, str, str | None]]) -> tuple[int, int]:
    """(people whose name line is followed by their title line, addresses present)."""
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    paired = sum(any(lines[k] == name and lines[k + 1].startswith(title.split(",")[0])
                     for k in range(len(lines) - 1)) or f"{name}, {title}" in text
                 for name, title, _ in people)
    addresses = sum(email is not None and email in text for _, _, email in people)
    return paired, addresses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, action="append", default=[])
    parser.add_argument("--generated", type=int, default=10)
    args = parser.parse_args()
    real = real_pdfs(args.real or [Path("/usr/share/doc")])
    made, people = generated(args.generated)
    print(f"documents: {len(real)} real (this machine's manuals), {len(made)} generated; "
          f"each also damaged 3 ways; first {MAX_PAGES} pages read")
    logging.disable(logging.WARNING)  # both libraries log every repair they make
    for name, read in installed().items():
        times: dict[str, list[float]] = {"real": [], "generated": []}
        failed = 0
        recovered: dict[str, list[float]] = {}
        pairs = addresses = wanted_pairs = wanted_addresses = 0
        for title, data in {**real, **made}.items():
            text, seconds = run(read, data)
            times["generated" if title in people else "real"].append(seconds)
            failed += text is None
            if title in people and text is not None:
                got = people_found(text, people[title])
                pairs, addresses = pairs + got[0], addresses + got[1]
            if title in people:
                wanted_pairs += len(people[title])
                wanted_addresses += sum(e is not None for _, _, e in people[title])
            for how, broken in damaged(data).items():
                part, _ = run(read, broken)
                whole = len(text or "") or 1
                recovered.setdefault(how, []).append(min(1.0, len(part or "") / whole))
        print(f"{name}:")
        print(f"  intact documents read without an exception: "
              f"{len(real) + len(made) - failed}/{len(real) + len(made)}")
        for kind, spent in times.items():
            if spent:
                print(f"  {kind:<9} {statistics.median(spent) * 1000:8.1f} ms median, "
                      f"{max(spent):6.2f} s slowest, {sum(spent):6.2f} s total ({len(spent)} docs)")
        print("  damaged copies, text recovered (mean share of the intact copy's): " + ", ".join(
            f"{how} {statistics.mean(shares):.2f}" for how, shares in recovered.items()))
        print(f"  generated: name then title {pairs}/{wanted_pairs}, "
              f"addresses {addresses}/{wanted_addresses}")


if __name__ == "__main__":
    main()
