"""Where generated companies keep evidence besides HTML: vCards, PDFs and sitemaps.

- ``vcard_only``: the team page links each person's vCard (versions 2.1, 3.0 or 4.0, as
  firms' CMS plug-ins write them); the work addresses are only there, and the interviewer's
  own card has an address only half the time.
- ``pdf_only``: no team page; the About page links an annual report PDF whose management
  page lists everyone's title, and the news links a press kit PDF with "Media contacts".
- ``sitemap_only``: the page with the people is linked from no menu and no search result;
  robots.txt names a sitemap (an index with a gzipped page sitemap, or a plain one), or
  only ``/sitemap.xml`` lists it.
"""

from __future__ import annotations

import gzip
import html
import quopri
import random
import unicodedata

from lookup.world.scenarios._company import Company, Member
from lookup.world.scenarios._markup import page
from lookup.world.scenarios._pdf import Contact, annual_report, press_kit

__all__ = ["add_pdfs", "add_sitemap", "vcard_links"]

VCARD_PATHS = ("/people/vcard/{slug}.vcf", "/vcard/{slug}.vcf",
               "/wp-content/uploads/vcards/{slug}.vcf")
VCARD_TEXT = ("vCard", "Download vCard", "Add to contacts", "")
YOAST_XSL = ('<?xml version="1.0" encoding="UTF-8"?><?xml-stylesheet type="text/xsl" '
             'href="/main-sitemap.xsl"?>\n')


def _slug(text: str) -> str:
    """"Jürgen Müller" -> "jurgen-muller", as CMS slugs are written."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if ch.isascii())
    return "-".join("".join(ch for ch in w.lower() if ch.isalnum()) for w in plain.split())


def _vcard(c: Company, m: Member, version: str, email: bool) -> str:
    """One person's card as a CMS plug-in writes it in ``version``."""
    n = f"{m.name.family};{m.name.given};;;"
    work = c.address(m) if email else None
    if version == "2.1":
        def qp(value: str) -> str:
            if value.isascii():
                return f":{value}"
            return ";CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:" + quopri.encodestring(
                value.encode()).decode().replace("=\n", "")
        lines = ["BEGIN:VCARD", "VERSION:2.1", f"N{qp(n)}", f"FN{qp(m.name.written)}",
                 f"ORG{qp(c.legal)}", f"TITLE{qp(m.title)}", "TEL;WORK;VOICE:+44 20 7946 0000"]
        lines += [f"EMAIL;PREF;INTERNET;WORK:{work}"] if work else []
    else:
        kind = "INTERNET,WORK" if version == "3.0" else "work"
        lines = ["BEGIN:VCARD", f"VERSION:{version}", f"N:{n}", f"FN:{m.name.written}",
                 f"ORG:{c.legal}", f"TITLE:{m.title}", f"TEL;TYPE={kind.split(',')[-1]}:+44 20 7946 0000"]
        lines += [f"EMAIL;TYPE={kind}:{work}"] if work else []
        lines += [f"URL:https://{c.site}/"]
    return "\r\n".join([*lines, "END:VCARD"]) + "\r\n"


def vcard_links(c: Company, s, rng: random.Random) -> list[str]:  # noqa: ANN001 - the Site
    """Write each person's vCard; the link markup to put beside each, in staff order."""
    version = rng.choice(["3.0", "3.0", "4.0", "2.1"])
    where = rng.choice(VCARD_PATHS)
    text = rng.choice(VCARD_TEXT)
    own_email = rng.random() < 0.5
    links = []
    for i, m in enumerate(c.staff):
        path = where.format(slug=_slug(m.name.written))
        s.files[f"{c.site}{path}"] = _vcard(c, m, version, email=own_email or i > 0)
        label = html.escape(text) or '<span class="icon-vcard" aria-hidden="true"></span>'
        links.append(f' <a class="vcard-link" href="{path}" download>{label}</a>')
    return links


def add_pdfs(c: Company, s, rng: random.Random, nav: list[tuple[str, str]],  # noqa: ANN001
             pre: str = "") -> None:
    """An About page linking the annual report, and the news linking the press kit (the
    site's pages under ``pre``: /en for an English site beside a homepage in another script)."""
    year, name = 2025, c.name.split()[0]
    report = rng.choice([f"/investors/annual-report-{year}.pdf",
                         f"/wp-content/uploads/2026/03/{name}-Annual-Report-{year}.pdf",
                         f"/downloads/AR{year}.pdf"])
    kit = rng.choice([f"/media/{_slug(c.name)}-press-kit-2026.pdf",
                      f"/wp-content/uploads/2026/02/Press-Kit-{name}.pdf", "/press/presskit.pdf"])
    team = [Contact(m.name.written, m.title) for m in c.staff]
    contacts = [Contact(m.name.written, m.title, c.address(m), "+44 20 7946 0000")
                for m in c.staff[1:3]]
    letter = [f"{c.name} grew in every market this year, and our teams delivered more "
              "projects than ever. " * 3] * 4
    about = [f"{c.name} serves customers in twelve countries from three offices. " * 4] * 4
    s.files[f"{c.site}{report}"] = annual_report(c.legal, year=year, letter=letter, team=team,
                                                 signed_by=team[-1])
    s.files[f"{c.site}{kit}"] = press_kit(c.legal, date="2 February 2026", about=about,
                                          facts=["Founded 2004", "Offices in three countries"],
                                          contacts=contacts, inline_contacts=rng.random() < 0.5)
    s.files[f"{c.site}{pre}/about/index.html"] = page(
        f"About us | {c.legal}", f"<h1>About {html.escape(c.legal)}</h1><p>{html.escape(c.name)} "
        f"was founded in 2004.</p><p>Our management team and results are in our "
        f'<a href="{report}">Annual Report {year}</a> (PDF).</p>', org=c.legal, nav=nav)
    news = s.files[f"{c.site}{pre}/news/index.html"]
    s.files[f"{c.site}{pre}/news/index.html"] = str(news).replace(
        "</ul>", f'</ul><p class="press-kit"><a href="{kit}">Press kit (PDF)</a></p>', 1)


def _urlset(urls: list[str]) -> str:
    rows = "\n".join(f"\t<url>\n\t\t<loc>{u}</loc>\n\t\t<lastmod>2026-01-12T10:00:00+00:00"
                     "</lastmod>\n\t</url>" for u in urls)
    return (YOAST_XSL + '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{rows}\n</urlset>\n")


def add_sitemap(c: Company, s, rng: random.Random, team_path: str,  # noqa: ANN001
                pre: str = "") -> None:
    """List the hidden page in a sitemap, found the way ``variant`` says."""
    base = f"https://{c.site}"
    pages = [*(f"{pre}{p}" for p in ("/", "/news/", "/news/expansion/", "/contact/")), team_path]
    if "robots_bait" in c.traits:
        pages.insert(3, "/internal/directory/")  # listed, but robots.txt still forbids it
    urls = [base + p for p in pages]
    variant = rng.choice(["index_gz", "plain", "fallback"])
    robots_key = f"{c.site}/robots.txt"
    if variant == "index_gz":
        s.files[f"{c.site}/sitemap_index.xml"] = YOAST_XSL + (
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + "".join(
                f"\t<sitemap>\n\t\t<loc>{base}/{name}</loc>\n\t</sitemap>\n"
                for name in ("post-sitemap.xml", "page-sitemap.xml.gz", "category-sitemap.xml"))
            + "</sitemapindex>\n")
        s.files[f"{c.site}/post-sitemap.xml"] = _urlset([f"{base}{pre}/news/expansion/"])
        s.files[f"{c.site}/category-sitemap.xml"] = _urlset([base + "/category/news/"])
        s.files[f"{c.site}/page-sitemap.xml.gz"] = gzip.compress(_urlset(urls).encode(), mtime=0)
        s.files[robots_key] = f"{s.files[robots_key]}\nSitemap: {base}/sitemap_index.xml\n"
    else:
        s.files[f"{c.site}/sitemap.xml"] = _urlset(urls)
        if variant == "plain":
            s.files[robots_key] = f"{s.files[robots_key]}\nSitemap: {base}/sitemap.xml\n"
