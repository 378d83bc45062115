"""Team pages and address shapes copied from real organisations' pages (issue 26).

Each function writes fictional people into the markup *structure* one real site uses; the
real pages stay in ../shared/real-worlds (never copied here). Which real world each copies:

- ``board_cards``: Dutch board cards, titles in Dutch, addresses in Gmail compose links
  (a Dutch non-profit's world, contact page);
- ``pos_cards``: German contact cards, the role line (functions joined by " | ") before the
  name, capitalised ``First.Last@`` mailto links (a German haulier's world, Ansprechpartner);
- ``dash_headings``: one ``<h2>`` per person, "NAME — TITLE" and the theme's "#" anchor
  (a training firm's world, about/team);
- ``wowchemy_people``: people cards "ROLE @ University", an icon-only mailto (a university group's world);
- ``staff_index`` and ``person_page``: a staff list linking to one page per person, ``<h1>``
  name, ``<h2>`` title, "Email:" with a placeholder mailto whose text is the address (a university institute's world);
- ``joined_person_page``: name and title in one ``<h3>``, the address as plain text in a table
  cell beside an ``<em>email</em>`` label cell, from a staff table (the shape issue 26
  describes from the private real-page worlds).
"""

from __future__ import annotations

import html
import re

__all__ = ["board_cards", "capitalised", "compose_link", "dash_headings", "joined_person_page",
           "person_page", "pos_cards", "slug", "staff_index", "staff_table", "teams_chat",
           "wowchemy_people"]

esc = html.escape


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower().translate(
        str.maketrans("äöüßøåæé", "aousoaae"))).strip("-")


def capitalised(address: str) -> str:
    """``Jonas.Haberl@`` as German cards write the local part."""
    local, _, domain = address.partition("@")
    return ".".join(p[:1].upper() + p[1:] for p in local.split(".")) + "@" + domain


def compose_link(address: str) -> str:
    """A Gmail compose link in place of a mailto (a Dutch non-profit's world)."""
    return (f'<a href="https://mail.google.com/mail/?view=cm&amp;fs=1&amp;tf=1&amp;to={address}" '
            f'target="_blank">{address}</a>')


def teams_chat(address: str) -> str:
    """A Teams chat link (issue 26: seen beside the mailto, sometimes with an older address)."""
    return (f'<a href="https://teams.microsoft.com/l/chat/0/0?users={address}" '
            f'class="chat-link">Chat on Teams</a>')


def board_cards(people: list[tuple[str, str, str | None]], heading: str) -> str:
    cards = "".join(
        f'<div class="contact-card"><img src="../images/{slug(n).split("-")[0]}.png" />'
        f'<h1 class="section-header">{esc(n)}</h1><p class="contact-card-position">{esc(t)}</p>'
        f'<p class="contact-card-email">\n\t\t\t\t\t\tEmail:\n\t\t\t\t\t\t'
        f'{compose_link(a) if a else ""}\n\t\t\t\t\t</p></div>\n' for n, t, a in people)
    return (f'<div class="contact-header"><h1>{esc(heading)}</h1></div>'
            f'<div class="cards">{cards}</div>')


def pos_cards(people: list[tuple[str, str, str | None]]) -> str:
    cards = "".join(
        f'<div class="apl ape"><div class=pos>{esc(t)}</div><div class=name>{esc(n)}</div>'
        f'<div class=tel>+49 (0) 30 / 55 01 - {20 + 10 * i}</div><div class=fax></div>'
        f'<div class=email>'
        + (f'<a href=mailto:{capitalised(a)}>{capitalised(a)}</a>' if a else "")
        + "</div></div>" for i, (n, t, a) in enumerate(people))
    return ('<div class=titlesec><h1><blockquote><h1>Unsere Spezialisten</h1></blockquote></h1>'
            f'</div><div class="grey aplist"><div class="ui container">{cards}</div></div>')


def dash_headings(people: list[tuple[str, str, str | None]], company: str) -> str:
    rows = "".join(
        f'<h2 id="{slug(n)}">{esc(n)} — {esc(t)}<a hidden class="anchor" aria-hidden="true" '
        f'href="#{slug(n)}">#</a></h2>\n<p>{esc(n.split()[0])} has worked with clients of '
        f"{esc(company)} for many years, running workshops and projects.</p>\n"
        for n, t, _ in people)
    return f'<header class="post-header"><h1 class="post-title">Our Team</h1></header>{rows}'


def wowchemy_people(people: list[tuple[str, str, str | None]], org: str) -> str:
    cards = "".join(
        f'<div class="col-12 col-sm-auto people-person"><a href="/author/{slug(n)}/">'
        f'<img width="270" height="270" loading="lazy" class="avatar avatar-circle" '
        f'src="/author/{slug(n)}/avatar.jpg" alt="Avatar"></a><div class="portrait-title">'
        f'<h2><a href="/author/{slug(n)}/">{esc(n)}</a></h2><h3>{esc(t)} @ {esc(org)}</h3>'
        f'<ul class="network-icon" aria-hidden="true">'
        + (f'<li><a href="mailto:{a}" ><i class="fas fa-envelope"></i></a></li>' if a else "")
        + "</ul></div></div>\n" for n, t, a in people)
    return (f'<div class="col-md-12 section-heading"><h1>Our Team</h1></div>'
            f'<div class="row justify-content-center people-widget">{cards}</div>')


def staff_index(names: list[str], folder: str) -> str:
    items = "".join(f'<li><a href="{folder}{slug(n)}/">{esc(n)}</a></li>' for n in names)
    return f"<div><h1>Staff List</h1><ul>{items}</ul></div>"


def staff_table(rows: list[tuple[str, str]], folder: str) -> str:
    body = "".join(f'<tr><td><a href="{folder}{slug(n)}/">{esc(n)}</a></td><td>{esc(d)}</td></tr>'
                   for n, d in rows)
    return ('<h1>Staff</h1><table class="staff"><thead><tr><th>Name</th><th>Department</th>'
            f"</tr></thead><tbody>{body}</tbody></table>")


def person_page(name: str, title: str, address: str | None, bio: str) -> str:
    text = esc(address) if address else ""
    return (f'<div><h1 class="f5 f4-ns fw6 black-70">{esc(name)}</h1>'
            f'<h2 class="f6 black-70 fw2 ttu tracked">{esc(title)}</h2><p>{esc(bio)}</p>'
            f'<ul><li>Email: <a href="mailto:{{data.airtable.data.staff_email}}">{text}</a> </li>'
            f"<li>Phone: <!-- -->(555) 287-4405</li></ul></div>")


def joined_person_page(name: str, title: str, address: str | None, team: str) -> str:
    return (f'<div class="person"><h3>{esc(name)} {esc(title)}</h3>'
            f'<table class="contact"><tr><th><em>email</em></th><th>{esc(address or "")}</th></tr>'
            f"<tr><th><em>phone</em></th><th>+46 8 555 012 34</th></tr>"
            f"<tr><th><em>department</em></th><th>{esc(team)}</th></tr></table></div>")
