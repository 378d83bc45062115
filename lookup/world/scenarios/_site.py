"""The pages, search documents and DNS of one generated company (and the pages about it)."""

from __future__ import annotations

import html
import json
import random
from dataclasses import dataclass, field

from lookup.world.scenarios import _shapes as shapes
from lookup.world.scenarios._company import FORMATS, NICKNAMES_IN_SLOT, Company, Member
from lookup.world.scenarios._documents import add_pdfs, add_sitemap, vcard_links
from lookup.world.scenarios._identity import add_bot_wall, add_old_company
from lookup.world.scenarios._markup import page, team_markup

__all__ = ["Site", "build_site"]

TEAM_PATHS = ["/team/", "/about/team/", "/company/leadership/", "/en/about-us/leadership/",
              "/people/"]
THIRD_PARTY = {"fair": "expo-hall.test", "directory": "company-register.test",
               "news": "trade-journal.test", "network": "prolink.test", "namesake": "other-firm.test"}


@dataclass(slots=True)
class Site:
    """What one company adds to the world."""

    files: dict[str, str | bytes] = field(default_factory=dict)  # "host/path" -> content
    docs: list[dict] = field(default_factory=list)  # search.jsonl, best first
    first_docs: list[dict] = field(default_factory=list)  # ranked before everything else
    dns: dict[str, dict] = field(default_factory=dict)
    mail: dict[str, dict] = field(default_factory=dict)
    redirects: list[dict] = field(default_factory=list)
    faults: list[dict] = field(default_factory=list)
    root_files: dict[str, str] = field(default_factory=dict)  # beside world.toml (fault bodies)


def _publish(style: str, member: Member, address: str) -> str:
    """One colleague's address, written the way ``style`` says."""
    name, esc = member.name.written, html.escape
    user, _, domain = address.partition("@")
    if style == "publish_mailto":
        return f'<a href="mailto:{address}">{esc(name)}</a>, {esc(member.title)}'
    if style == "publish_at":
        return f"{esc(name)}, {esc(member.title)}: {user} [at] {domain.replace('.', ' [dot] ')}"
    if style == "publish_entity":
        return f"{esc(name)} ({esc(member.title)}) &ndash; {user}&#64;{domain}"
    if style == "publish_given":
        return f"ask {esc(member.name.given)} ({address})"
    if style == "publish_compose":  # a Dutch non-profit's world: a Gmail compose link, no mailto
        return f"{esc(name)}, {esc(member.title)}: {shapes.compose_link(address)}"
    if style == "publish_chat":  # a mailto and a Teams chat link; the chat may be older
        old = address if member.name.family[:1] < "M" else f"{user.split('.')[0]}.old@{domain}"
        return (f'{esc(name)}, {esc(member.title)}: <a href="mailto:{address}">{address}</a> '
                f"{shapes.teams_chat(old)}")
    return f"{esc(name)}, {esc(member.title)}, {address}"


SHAPED_TEAMS = ("team_board", "team_pos", "team_dash", "team_wowchemy", "team_index",
                "team_index_joined")


def _shaped_team(c: Company, kind: str, path: str, nav: list[tuple[str, str]]
                 ) -> tuple[dict[str, str], list[dict]]:
    """The team page (and per-person pages) of a real-page shape (``_shapes``): files by path
    under the site's host, and the search documents they add besides the team page's."""
    brand, host = c.brand, c.site
    slot = NICKNAME_SLOT if "title_imprint" in c.traits else None
    rows = [(m.name.written, slot(i) if slot else m.title, c.address(m) if i else None)
            for i, m in enumerate(c.staff)]
    files: dict[str, str] = {}
    docs: list[dict] = []
    if kind == "team_board":
        body = shapes.board_cards(rows, "Dagelijks bestuur")
        files[path] = page(f"{brand}", body, org=brand, nav=nav, lang="nl")
    elif kind == "team_pos":
        files[path] = page(f"{brand} | Ansprechpartner", shapes.pos_cards(rows), org=brand,
                           nav=nav, lang="de")
    elif kind == "team_dash":
        files[path] = page(f"Our Team | {brand}", shapes.dash_headings(rows, c.name), org=brand,
                           nav=nav)
    elif kind == "team_wowchemy":
        files[path] = page(f"{brand}", shapes.wowchemy_people(rows, c.name), org=brand, nav=nav)
    elif kind == "team_index":
        files[path] = page(f"Staff List | {brand}", shapes.staff_index([r[0] for r in rows], path),
                           org=brand, nav=nav)
        for (name, title, address), member in zip(rows, c.staff, strict=True):
            bio = f"{member.name.given} joined {c.name} in 2016 and works across its projects."
            files[f"{path}{shapes.slug(name)}/"] = page(
                f"{name} | {brand}", shapes.person_page(name, title, address, bio), org=brand,
                nav=nav)
            docs.append({"title": f"{name} | {brand}", "url": f"https://{host}{path}"
                         f"{shapes.slug(name)}/", "snippet": f"{name} {title} {bio}"})
    else:  # team_index_joined: only the staff table is known to search
        teams = ["Operations", "Research", "Finance", "Sales"]
        files[path] = page(f"Staff | {brand}", shapes.staff_table(
            [(r[0], teams[i % 4]) for i, r in enumerate(rows)], path), org=brand, nav=nav)
        for i, (name, title, address) in enumerate(rows):
            files[f"{path}{shapes.slug(name)}/"] = page(
                f"{brand}", shapes.joined_person_page(name, title, address, teams[i % 4]),
                org=brand, nav=nav)
    return files, docs


def NICKNAME_SLOT(i: int) -> str:  # noqa: N802 - a table, read like one
    return NICKNAMES_IN_SLOT[i % len(NICKNAMES_IN_SLOT)]


def _team_page(c: Company, kind: str, path: str, nav: list[tuple[str, str]],
               extra: list[str] | None = None) -> str:
    slot = NICKNAME_SLOT if "title_imprint" in c.traits else None
    rows = [(m.name.written, slot(i) if slot else m.title, None) for i, m in enumerate(c.staff)]
    extra = extra or [""] * len(c.staff)
    if kind in ("team_cards", "team_dl", "team_table"):
        return page(f"Team | {c.legal}", team_markup(kind, rows, extra), org=c.legal, nav=nav)
    people = [{"@type": "Person", "name": m.name.written, "jobTitle": m.title} for m in c.staff]
    if kind == "team_jsonld":
        ld = {"@context": "https://schema.org", "@type": "Organization", "name": c.legal,
              "url": f"https://{c.site}/", "employee": people}
        names = "".join(f"<li>{html.escape(m.name.written)}{x}</li>" for m, x in zip(c.staff, extra, strict=True))
        return page(f"Team | {c.legal}", f"<h1>Team</h1><ul class=\"team-names\">{names}</ul>",
                    org=c.legal, nav=nav, jsonld=ld)
    data = {"props": {"pageProps": {"team": [{"fullName": m.name.written, "role": m.title,
                                              "photo": {"url": f"/img/{i}.jpg"}}
                                             for i, m in enumerate(c.staff)],
                                    "page": {"slug": path.strip("/")}}},
            "page": path, "query": {}, "buildId": "b1d2e3"}
    return ('<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/>'
            f"<title>Team | {html.escape(c.legal)}</title>"
            '<script src="/_next/static/chunks/main-a1b2c3.js" defer=""></script></head>'
            '<body><div id="__next"></div><script id="__NEXT_DATA__" type="application/json">'
            f"{json.dumps(data)}</script></body></html>")


def build_site(c: Company, rng: random.Random, index: int) -> Site:
    s = Site()
    kind = next((t for t in c.traits if t.startswith("team_")), None)  # None: pdf_only
    style = next((t for t in c.traits if t.startswith("publish_")), None)  # None: in documents
    pre = "/en" if "en_subpath" in c.traits else "/management" if "unit_company" in c.traits \
        else ""
    team_path = rng.choice(TEAM_PATHS) if kind else "/about/"
    team_path = team_path if team_path.startswith(f"{pre}/") else f"{pre}{team_path}"
    team_link = (team_path, "Team" if kind else "About")
    nav = [(f"{pre}/", "Home"), team_link, (f"{pre}/news/", "News"), (f"{pre}/contact/", "Contact")]
    if "sitemap_only" in c.traits:  # only the sitemap knows the page with the people
        nav.remove(team_link)
    if "robots_bait" in c.traits:
        nav.append(("/internal/directory/", "Staff directory"))
    if "title_imprint" in c.traits:
        nav.append((f"{pre}/imprint/", "Imprint"))
    if kind == "team_dash":
        nav.append((f"{pre}/about/", "About"))
    host, me = c.site, c.interviewer
    url = lambda path: f"https://{host}{path}"  # noqa: E731
    name = f"School of Management | {c.brand}" if "unit_company" in c.traits else c.brand
    colleagues = c.staff[1:3]
    org_ld = {"@context": "https://schema.org", "@type": "Organization", "name": c.brand,
              "url": url("/")}
    hero = (f"We are a {c.brand.split(' ', 1)[-1].lower()} research group at the {c.name}."
            if "unit_site" in c.traits else
            f"{html.escape(c.name)} has served customers since {2000 + index % 20}.")
    home = f"{name} | {c.name.split()[-1]} for a changing world"
    s.files[f"{host}{pre}/index.html"] = page(
        home, f"<section class=\"hero\"><h1>Welcome to {html.escape(c.brand)}</h1>"
        f"<p>{hero}</p></section>", org=c.brand, nav=nav, jsonld=org_ld)
    if pre:
        _root_homepage(c, s, pre)
    person_docs: list[dict] = []
    if kind in SHAPED_TEAMS:
        files, person_docs = _shaped_team(c, kind, team_path, nav)
        for path, content in files.items():
            s.files[f"{host}{path}index.html"] = content
    elif kind:
        s.files[f"{host}{team_path}index.html"] = _team_page(
            c, kind, team_path, nav, vcard_links(c, s, rng) if "vcard_only" in c.traits else None)
    quote = (f"<p>&ldquo;This is a big step for our customers,&rdquo; said "
             f"{html.escape(me.name.written)}, {html.escape(me.title)} at {html.escape(c.name)}.</p>"
             if "press_quote" in c.traits else "")
    if "title_function" in c.traits:  # the news writes the title as a phrase, lower case
        phrase = me.title.replace(", ", " of ").lower()
        quote += (f"<p>&ldquo;Our programs grow with our students,&rdquo; said "
                  f"{html.escape(me.name.written)}, {html.escape(phrase)}.</p>")
    contacts = "; ".join(_publish(style, m, c.address(m)) if style else
                         f"{html.escape(m.name.written)} ({html.escape(m.title)})" for m in colleagues)
    if style == "publish_guide":
        contacts = f"press@{c.mail}"
        _guide(c, s, pre, nav)
    s.files[f"{host}{pre}/news/expansion/index.html"] = page(
        f"{c.name} opens a new office | News | {name}",
        f"<article class=\"post\"><h1 class=\"entry-title\">{html.escape(c.name)} opens a new office"
        f"</h1><time datetime=\"2026-10-{10 + index % 18:02d}\">October 2026</time>{quote}"
        f"<p>Media contacts: {contacts}.</p></article>", org=c.brand, nav=nav)
    s.files[f"{host}{pre}/news/index.html"] = page(
        f"News | {name}", f"<h1>News</h1><ul class=\"posts\"><li><a href=\"{pre}/news/expansion/\">"
        f"{html.escape(c.name)} opens a new office</a></li></ul>", org=c.brand, nav=nav)
    s.files[f"{host}{pre}/contact/index.html"] = page(
        f"Contact | {name}", f"<h1>Contact</h1><p>General enquiries: "
        f"<a href=\"mailto:info@{c.mail}\">info@{c.mail}</a>. Press: press@{c.mail}</p>",
        org=c.brand, nav=nav)
    if "title_imprint" in c.traits:  # the real titles: only here (issue 26)
        holders = "".join(f"<p>{html.escape(m.title)}: {html.escape(m.name.written)}</p>"
                          for m in c.staff)
        s.files[f"{host}{pre}/imprint/index.html"] = page(
            f"Imprint | {name}", f"<h1>Imprint</h1><p>{html.escape(c.legal)}</p>{holders}",
            org=c.brand, nav=nav)
    if kind == "team_dash":  # the title again in prose, the company after it (a training firm's world)
        s.files[f"{host}{pre}/about/index.html"] = page(
            f"About Us | {name}", f"<h1>About Us</h1><p>{html.escape(me.name.written)} is the "
            f"{html.escape(me.title)} of {html.escape(c.legal)}, Inc.</p>", org=c.brand, nav=nav)
    robots = "User-agent: *\nDisallow: /wp-admin/\n"
    if "crawl_delay" in c.traits:  # issue 26: a site asking for seconds between requests
        robots += f"Crawl-delay: {CRAWL_DELAY_S}\n"
    if "robots_bait" in c.traits:  # wrong-format addresses where no polite crawler reads
        wrong = next(f for f in FORMATS if f != c.fmt)
        bait = "".join(f"<li>{html.escape(m.name.written)}: "
                       f"{FORMATS[wrong](m.name.first, m.name.last)}@{c.mail}</li>" for m in c.staff)
        s.files[f"{host}/internal/directory/index.html"] = page(
            f"Staff directory | {name}", f"<ul>{bait}</ul>", org=c.brand, nav=nav)
        robots += "Disallow: /internal/\n"
    s.files[f"{host}/robots.txt"] = robots
    about = f" at the {c.name}" if "unit_site" in c.traits else ""
    own = [
        {"title": home, "url": url(f"{pre}/"),
         "snippet": f"{c.brand}{about}: official site. About us, team, news and contact."},
        {"title": f"Team | {name}", "url": url(team_path),
         "snippet": f"Meet the people of {c.brand}{about}."} if kind else {},
        {"title": f"{c.name} opens a new office | News | {name}",
         "url": url(f"{pre}/news/expansion/"),
         "snippet": f"{c.name} opens a new office. Media contacts: "
                    f"{', '.join(m.name.written for m in colleagues)}."},
        *person_docs,
    ]
    if "nav_only" in c.traits or "sitemap_only" in c.traits:
        own = [d for d in own if d.get("url") != url(team_path)]
    own = [d for d in own if d]
    if "third_party" in c.traits:  # only other sites' pages point at the company
        own = []
        _third_party(c, s, index)
    s.docs.extend(own)
    if "pdf_only" in c.traits:
        add_pdfs(c, s, rng, nav, pre)
    if "sitemap_only" in c.traits:
        add_sitemap(c, s, rng, team_path, pre)
    _network_profile(c, s, rng)
    if "namesake" in c.traits:
        _namesake(c, s, index)
    _dns(c, s)
    if "renamed" in c.traits:
        add_old_company(c, s, rng, index)
    if "bot_wall" in c.traits:
        add_bot_wall(c, s, rng, index)
    return s


CRAWL_DELAY_S = 2


def _root_homepage(c: Company, s: Site, pre: str) -> None:
    """The site's root: a homepage in Japanese whose English pages live under /en/ (issue 26),
    or a university's homepage above its school's pages (unit_company)."""
    if pre == "/en":
        s.files[f"{c.site}/index.html"] = page(
            "ホーム | 株式会社ノースブリッジ", "<h1>ようこそ</h1><p>私たちは世界中のお客様に"
            "サービスを提供しています。</p>", org="株式会社ノースブリッジ",
            nav=[("/", "ホーム"), ("/en/", "English")], lang="ja")
        return
    s.files[f"{c.site}/index.html"] = page(
        c.brand, f"<h1>{html.escape(c.brand)}</h1><p>Schools: <a href=\"{pre}/\">School of "
        f"Management</a>.</p>", org=c.brand, nav=[("/", "Home"), (f"{pre}/", "Management")])


def _guide(c: Company, s: Site, pre: str, nav: list[tuple[str, str]]) -> None:
    """Long guides by two colleagues whose addresses are only in their last paragraphs, in
    their own voice (a consultancy's world: the speaker guides)."""
    for number, author in enumerate(c.staff[1:3], start=1):
        _one_guide(c, s, pre, nav, author, f"keynote-guide-{number}" if number > 1 else
                   "keynote-guide")


def _one_guide(c: Company, s: Site, pre: str, nav: list[tuple[str, str]], author: Member,
               slug: str) -> None:
    steps = "".join(f"<h2>Step {i}: rehearse part {i}</h2><p>{'Practise the opening and the ' * 12}"
                    f"close until they feel natural.</p>" for i in range(1, 7))
    s.files[f"{c.site}{pre}/guides/{slug}/index.html"] = page(
        f"How to prepare a keynote: a guide | {c.brand}",
        f"<article><h1>How to prepare a keynote: a guide</h1><p class=\"byline\">By "
        f"{html.escape(author.name.written)}</p>{steps}<p>Questions about this guide? Send them "
        f"to me at <a href=\"mailto:{c.address(author)}\">{c.address(author)}</a>.</p></article>",
        org=c.brand, nav=nav)
    s.docs.append({"title": f"How to prepare a keynote: a guide | {c.brand}",
                   "url": f"https://{c.site}{pre}/guides/{slug}/",
                   "snippet": "How to prepare a keynote: a guide. Step 1: rehearse part 1."})


def _third_party(c: Company, s: Site, index: int) -> None:
    fair, directory = THIRD_PARTY["fair"], THIRD_PARTY["directory"]
    slug = c.name.lower().replace("&", "and").replace(" ", "-")
    s.files[f"{fair}/exhibitors/{slug}.html"] = page(
        f"{c.legal} – Exhibitor – Expo Hall 2026",
        f"<div class=\"exhibitor\"><h1>{html.escape(c.legal)}</h1><p>Hall {index % 9 + 1}</p>"
        f"<dl><dt>Website</dt><dd><a href=\"https://{c.site}/\">{c.site}</a></dd></dl></div>",
        org="Expo Hall", nav=[("/", "Home")])
    s.files[f"{directory}/company/{slug}.html"] = page(
        f"{c.legal} – Company Register", f"<h1>{html.escape(c.legal)}</h1><p>Registered company.</p>",
        org="Company Register", nav=[("/", "Home")])
    s.docs += [
        {"title": f"{c.legal} – Exhibitor – Expo Hall 2026",
         "url": f"https://{fair}/exhibitors/{slug}",
         "snippet": f"{c.legal}, Hall {index % 9 + 1}. Website: {c.site}"},
        {"title": f"{c.legal} – Company Register", "url": f"https://{directory}/company/{slug}",
         "snippet": f"{c.legal}: registered company, {c.name.split()[-1].lower()}."},
    ]


def _network_profile(c: Company, s: Site, rng: random.Random) -> None:
    me = c.interviewer
    s.docs.append({"title": f"{me.name.written} - {me.title} - {c.name} | ProLink",
                   "url": f"https://{THIRD_PARTY['network']}/in/{me.local}-{rng.randrange(10**6)}",
                   "snippet": f"{me.title} at {c.name} · 500+ connections on ProLink."})


def _namesake(c: Company, s: Site, index: int) -> None:
    """Someone else with the interviewer's name, at another firm, ranked first for the name."""
    other, me = THIRD_PARTY["namesake"], c.interviewer
    path = f"/people/{me.local}-{index}"
    s.files[f"{other}{path}.html"] = page(
        f"{me.name.written} | Partner | Other Firm LLP",
        f"<h1>{html.escape(me.name.written)}</h1><p class=\"role\">Partner</p>"
        f"<p>Contact: {me.name.first}@{other}</p>", org="Other Firm LLP", nav=[("/", "Home")])
    s.first_docs.append({"title": f"{me.name.written} | Partner | Other Firm LLP",
                         "url": f"https://{other}{path}",
                         "snippet": f"{me.name.written} is a partner at Other Firm LLP."})


def _dns(c: Company, s: Site) -> None:
    web: dict = {}
    if c.apex_a:
        web["a"] = ["127.0.0.1"]
    if c.mail == c.web:
        web["mx"] = [f"10 mx.{c.mail}"]
    s.dns[c.web] = web
    if c.site != c.web:
        s.dns[c.site] = {"a": ["127.0.0.1"]}
        if c.apex_a:
            s.redirects.append({"host": c.web, "path": "/", "to": f"https://{c.site}/"})
    if c.mail != c.web:
        s.dns[c.mail] = {"mx": [f"10 mx.{c.mail}"]}
    s.dns[f"mx.{c.mail}"] = {"a": ["127.0.0.1"]}
    s.mail[c.mail] = {"mailboxes": [m.local for m in c.staff] + ["info", "press", "postmaster"],
                      "catch_all": c.catch_all}
