"""Pages of generated worlds, written the way real sites write them.

The boilerplate copies the shapes of the saved real pages (/work/shared data, e.g. a
WordPress theme's masthead, menu, sidebar search form, footer and cookie banner; a
Next.js page that ships an empty ``<div id="__next">`` and its data as JSON): the
extractor has to find people inside that, not in tidy fixtures.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

__all__ = ["page", "team_markup"]


def page(title: str, body: str, *, org: str, nav: Sequence[tuple[str, str]], lang: str = "en",
         jsonld: dict | None = None) -> str:
    """A WordPress-like page: masthead, menu, main column, sidebar, footer, cookie banner."""
    menu = "\n".join(f'<li class="menu-item menu-item-type-post_type"><a href="{h}">{html.escape(t)}'
                     f"</a></li>" for h, t in nav)
    ld = (f'<script type="application/ld+json">{json.dumps(jsonld)}</script>' if jsonld else "")
    esc = html.escape
    return f"""<!DOCTYPE html>
<html lang="{lang}" class="no-js">
<head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<meta property="og:site_name" content="{esc(org)}">
<link rel="stylesheet" id="theme-css" href="/wp-content/themes/corp/style.min.css?ver=6.2" media="all">
<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments);}}gtag('js',new Date());</script>
{ld}
</head>
<body class="page-template-default page wp-custom-logo">
<div id="page" class="site"><a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<header id="masthead" class="site-header"><div class="container"><div class="row">
<div class="col-md-3"><a href="/" class="custom-logo-link" rel="home"><img src="/wp-content/uploads/logo.svg" class="custom-logo" alt="{esc(org)}"></a></div>
<div class="col-md-9"><nav id="site-navigation" class="main-navigation" aria-label="Primary">
<button class="menu-toggle" aria-controls="primary-menu" aria-expanded="false">Menu</button>
<ul id="primary-menu" class="menu nav-menu">
{menu}
</ul></nav></div></div></div></header>
<div id="content" class="site-content"><div class="container"><div class="row">
<main id="main" class="site-main col-lg-8">
{body}
</main>
<aside id="secondary" class="widget-area col-lg-4"><section class="widget widget_search"><form role="search" method="get" class="search-form" action="/"><label><span class="screen-reader-text">Search for:</span><input type="search" class="search-field" placeholder="Search &hellip;" name="s"></label><input type="submit" class="search-submit" value="Search"></form></section></aside>
</div></div></div>
<footer id="colophon" class="site-footer"><div class="container"><div class="site-info">&copy; 2026 {esc(org)}. All rights reserved. <a href="/privacy-policy/">Privacy Policy</a> | <a href="/cookies/">Cookie settings</a></div></div></footer>
</div>
<div id="cookie-law-info-bar" data-nosnippet="true"><span>We use cookies to improve your experience. <a role="button" class="cli_settings_button">Cookie Settings</a> <a role="button" id="cookie_action_close_header">Accept</a></span></div>
<script src="/wp-includes/js/jquery/jquery.min.js?ver=3.6.4" id="jquery-core-js"></script>
</body></html>
"""


def team_markup(kind: str, staff: Sequence[tuple[str, str, str | None]],
                extra: Sequence[str] = ()) -> str:
    """The team as a page of ``kind`` lays it out: (name as written, title, address or None).

    ``extra`` is markup added after each member's address (a vCard link), in staff order.
    """
    esc = html.escape
    more = list(extra) + [""] * (len(staff) - len(extra))
    staff = [(n, t, a, more[i]) for i, (n, t, a) in enumerate(staff)]  # type: ignore[misc]
    mail = lambda a, x="": (f' <a href="mailto:{a}" class="team__mail">E-mail</a>' if a else "") + x  # noqa: E731
    if kind == "team_cards":
        cards = "\n".join(
            f'<div class="elementor-column elementor-col-33"><div class="team-member">'
            f'<figure><img src="/wp-content/uploads/p{i}.jpg" alt=""></figure>'
            f'<h3 class="team-member__name">{esc(n)}</h3><p class="team-member__position">{esc(t)}</p>'
            f"{mail(a, x)}</div></div>" for i, (n, t, a, x) in enumerate(staff))
        return f'<h1 class="entry-title">Our team</h1>\n<div class="elementor-row">{cards}</div>'
    if kind == "team_dl":
        rows = "\n".join(f"<dt>{esc(n)}</dt><dd>{esc(t)}{mail(a, x)}</dd>" for n, t, a, x in staff)
        return f'<h1>Leadership</h1>\n<dl class="leadership-list">\n{rows}\n</dl>'
    if kind == "team_table":
        rows = "\n".join(f"<tr><td>{esc(n)}</td><td>{esc(t)}</td><td>{esc(a or '')}{x}</td></tr>"
                         for n, t, a, x in staff)
        return ("<h1>Contacts</h1>\n<table class=\"tablepress\"><thead><tr><th>Name</th><th>Position"
                f"</th><th>E-mail</th></tr></thead><tbody>\n{rows}\n</tbody></table>")
    raise ValueError(f"no team markup of kind {kind!r}")
