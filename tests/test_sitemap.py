"""Sitemaps: page lists, indexes, gzip and text files read within bounds; people pages first."""

from __future__ import annotations

import gzip

import pytest

from lookup.web import sitemap
from lookup.web.sitemap import pick_children, rank_listed, read_sitemap

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?><?xml-stylesheet type="text/xsl" href="/s.xsl"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://www.acme.test/</loc><lastmod>2026-01-01</lastmod></url>
  <url><loc> https://www.acme.test/company/our-people/ </loc></url>
  <url><loc>https://www.acme.test/news/?a=1&amp;b=2</loc></url>
  <url><loc>javascript:alert(1)</loc></url>
</urlset>"""
INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://www.acme.test/post-sitemap.xml</loc></sitemap>
<sitemap><loc>https://www.acme.test/image-sitemap.xml</loc></sitemap>
<sitemap><loc>https://www.acme.test/page-sitemap.xml.gz</loc></sitemap>
</sitemapindex>"""


def test_a_urlset_gives_its_http_urls_in_order() -> None:
    """<loc> values, trimmed and unescaped; anything but http(s) is dropped."""
    assert read_sitemap(URLSET).urls == ("https://www.acme.test/",
                                         "https://www.acme.test/company/our-people/",
                                         "https://www.acme.test/news/?a=1&b=2")


def test_an_index_gives_children_and_the_people_pages_child_comes_first() -> None:
    """An index lists sitemaps; pages before posts, and image sitemaps never."""
    found = read_sitemap(INDEX)
    assert found.urls == () and len(found.children) == 3
    assert pick_children(found.children) == ["https://www.acme.test/page-sitemap.xml.gz",
                                             "https://www.acme.test/post-sitemap.xml"]


def test_a_gzipped_sitemap_is_inflated() -> None:
    """sitemap.xml.gz bytes read as the XML inside them."""
    assert read_sitemap(gzip.compress(URLSET)).urls == read_sitemap(URLSET).urls


def test_a_gzip_bomb_is_inflated_only_up_to_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A small file that inflates hugely stops at MAX_INFLATED, and says so."""
    monkeypatch.setattr(sitemap, "MAX_INFLATED", 10_000)
    bomb = gzip.compress(URLSET + b" " * 5_000_000)
    found = read_sitemap(bomb)
    assert found.note.startswith("inflated only up to") and len(found.urls) == 3


def test_a_text_sitemap_lists_one_url_a_line() -> None:
    """sitemaps.org's plain text form: one URL per line."""
    text = b"https://www.acme.test/\nhttps://www.acme.test/team/\n\nnot a url\n"
    assert read_sitemap(text).urls == ("https://www.acme.test/", "https://www.acme.test/team/")


def test_damaged_gzip_and_html_give_a_note_not_an_exception() -> None:
    """A broken gzip stream or an HTML error page is no sitemap: empty, with the reason."""
    corrupt = bytearray(gzip.compress(URLSET))
    corrupt[12:20] = b"\xff" * 8
    assert read_sitemap(bytes(corrupt)).note == "the gzip data is damaged"
    assert read_sitemap(gzip.compress(URLSET)[:40]).note == "the gzip data is cut short"
    assert read_sitemap(b"<html><body>Not found</body></html>").urls == ()


def test_at_most_max_urls_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """A huge sitemap is cut at MAX_URLS URLs."""
    monkeypatch.setattr(sitemap, "MAX_URLS", 2)
    assert len(read_sitemap(URLSET).urls) == 2


def test_the_interviewer_s_own_page_ranks_first_then_people_pages() -> None:
    """A path spelling the person's name first; then team pages as menu links rank; other
    sites' pages and plain pages are not taken."""
    urls = ["https://www.acme.test/", "https://www.acme.test/blog/hello/",
            "https://www.acme.test/company/our-people/", "https://other.test/team/",
            "https://www.acme.test/people/jane-doe/", "https://www.acme.test/about/"]
    assert rank_listed(urls, name="Jane Doe", domain="acme.test", already=[], limit=3) == [
        "https://www.acme.test/people/jane-doe/", "https://www.acme.test/company/our-people/",
        "https://www.acme.test/about/"]
