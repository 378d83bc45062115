"""Companies whose own site cannot be used as it stands: renamed ones and walled ones.

- ``renamed``: the user knows the company by its old name. Its old domain either redirects
  every path permanently to the new site (``move = redirect``) or still shows one page
  saying it is now part of the new company (``move = notice``); the old domain's mail
  server refuses everyone. A 2021 trade story still shows old-format addresses at the old
  domain and the interviewer's old title.
- ``bot_wall``: every path of the company's site, robots.txt included, answers 403 (or 503,
  429) with a bot-management challenge page; the title is in a network profile's snippet
  and a conference's speaker page, colleagues' addresses in a trade story.
"""

from __future__ import annotations

import html
import random

from lookup.world.scenarios._company import FORMATS, Company
from lookup.world.scenarios._markup import page

__all__ = ["CHALLENGES", "add_bot_wall", "add_old_company"]

NEWS, EVENTS = "trade-journal.test", "summit-events.test"
# Challenge pages as bot-management services send them (their shapes, fictional tokens):
# (file, status, headers).
CHALLENGES: dict[str, tuple[str, dict[str, str]]] = {
    "challenge-cloudflare.html": ("""<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><meta name="robots" content="noindex,nofollow"><meta name="viewport" content="width=device-width,initial-scale=1"></head><body class="no-js"><div class="main-wrapper" role="main"><div class="main-content"><noscript><div class="h2"><span id="challenge-error-text">Enable JavaScript and cookies to continue</span></div></noscript></div></div><script>(function(){window._cf_chl_opt={cvId: '3',cType: 'managed',cRay: '8e1d22a4bd7f41c9'};var cpo = document.createElement('script');cpo.src = '/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8e1d22a4bd7f41c9';document.getElementsByTagName('head')[0].appendChild(cpo);}());</script></body></html>""",
                                  {"Server": "cloudflare", "cf-mitigated": "challenge"}),
    "challenge-imperva.html": ("""<html style="height:100%"><head><META NAME="ROBOTS" CONTENT="NOINDEX, NOFOLLOW"><meta name="format-detection" content="telephone=no"><meta name="viewport" content="initial-scale=1.0"><title>Pardon Our Interruption</title></head><body style="margin:0px;height:100%"><iframe id="main-iframe" src="/_Incapsula_Resource?CWUDNSAI=24&xinfo=11-48211830-0%200NNN%20RT%281767081600%20117%29&incident_id=0-2315540291&edet=12" frameborder=0 width="100%" height="100%" marginheight="0px" marginwidth="0px">Request unsuccessful. Incapsula incident ID: 0-2315540291</iframe></body></html>""",
                               {"X-Iinfo": "11-48211830-0 0NNN RT(1767081600 117) q(0 -1 -1 0)"}),
    "challenge-generic.html": ("""<!DOCTYPE html><html><head><title>Security check</title></head><body><h1>Checking your browser before accessing the site.</h1><p>This process is automatic. Your browser will redirect to your requested content shortly.</p><p>Please verify you are human.</p><div class="g-recaptcha" data-sitekey="6Lc_fictional"></div></body></html>""",
                               {}),
}


def _old_hosts(c: Company) -> tuple[str, str]:
    old = c.extra["old_web"]
    return old, f"www.{old}"


def add_old_company(c: Company, s, rng: random.Random, index: int) -> None:  # noqa: ANN001 - Site
    """The old domain (redirecting, or announcing the move), its dead mail, and 2021 news."""
    old, www = _old_hosts(c)
    old_name = c.extra["old_name"]
    s.dns[old] = {"a": ["127.0.0.1"], "mx": [f"10 mx.{old}"]}
    s.dns[www] = {"a": ["127.0.0.1"]}
    s.dns[f"mx.{old}"] = {"a": ["127.0.0.1"]}
    s.mail[old] = {"mailboxes": [], "catch_all": False}  # the old server refuses everyone
    new_home = f"https://{c.site}/"
    if c.extra["move"] == "redirect":
        for host in (old, www):
            s.redirects.append({"host": host, "path": "/*", "to": new_home, "status": 301})
    else:
        s.redirects.append({"host": old, "path": "/*", "to": f"https://{www}{{path}}", "status": 301})
        s.files[f"{www}/index.html"] = page(
            f"{old_name} | Now part of {c.legal}",
            f"<section class=\"notice\"><h1>{html.escape(old_name)} is now part of "
            f"{html.escape(c.legal)}</h1><p>{html.escape(old_name)} is now part of "
            f"{html.escape(c.name)}. Our products, people and support continue there. Visit "
            f'<a href="{new_home}">{c.site}</a>.</p></section>', org=old_name, nav=[("/", "Home")])
        s.files[f"{www}/robots.txt"] = "User-agent: *\nDisallow:\n"
    s.docs.insert(0, {"title": f"{old_name} | Solutions for a changing world",
                      "url": f"https://{www}/", "snippet": f"{old_name}: official site."})
    if c.extra["move"] == "redirect":
        s.docs.insert(1, {"title": f"Team | {old_name}", "url": f"https://{www}/about/team/",
                          "snippet": f"Meet the people of {old_name}."})
    s.docs.append({"title": f"{c.legal} | {c.name.split()[-1]} for a changing world",
                   "url": new_home, "snippet": f"{c.name}, formerly {old_name}."})
    _old_news(c, s, rng, index)


def _old_news(c: Company, s, rng: random.Random, index: int) -> None:  # noqa: ANN001
    """A 2021 story quoting the interviewer under the old name, with old-format addresses."""
    old, old_name, me = c.extra["old_web"], c.extra["old_name"], c.interviewer
    fmt = FORMATS[c.extra["old_fmt"]]
    was = rng.choice(["Senior Engineer", "Project Lead", "Account Manager", "Team Lead"])
    slug = f"{old_name.lower().replace('&', 'and').replace(' ', '-')}-{index}"
    contacts = "; ".join(f"{html.escape(m.name.written)}, {fmt(m.name.first, m.name.last)}@{old}"
                         for m in c.staff[:3] if m is not me or rng.random() < 0.5)
    s.files[f"{NEWS}/2021/{slug}.html"] = page(
        f"{old_name} wins regional award | Trade Journal",
        f"<article><h1>{html.escape(old_name)} wins regional award</h1>"
        f"<time datetime=\"2021-0{1 + index % 9}-14\">2021</time>"
        f"<p>&ldquo;We are proud of the team,&rdquo; said {html.escape(me.name.written)}, "
        f"{was} at {html.escape(old_name)}.</p><p>Contacts: {contacts}.</p></article>",
        org="Trade Journal", nav=[("/", "Home")])
    s.docs.append({"title": f"{old_name} wins regional award | Trade Journal",
                   "url": f"https://{NEWS}/2021/{slug}",
                   "snippet": f"{me.name.written}, {was} at {old_name}, said the team was proud."})


def add_bot_wall(c: Company, s, rng: random.Random, index: int) -> None:  # noqa: ANN001 - Site
    """Wall every path of the site; put the facts on a conference page and a trade story."""
    name = rng.choice(sorted(CHALLENGES))
    body, headers = CHALLENGES[name]
    s.root_files[name] = body
    status = rng.choice([403, 403, 503, 429]) if name == "challenge-cloudflare.html" else 403
    hosts = {c.site, c.web} if c.apex_a else {c.site}
    for host in sorted(hosts):
        s.faults.append({"host": host, "path": "/*", "status": status, "body_file": name,
                         "headers": headers})
    me, colleagues = c.interviewer, c.staff[1:3]
    slug = f"{me.local.replace('.', '-').replace('_', '-')}-{index}"
    s.files[f"{EVENTS}/2026/speakers/{slug}.html"] = page(
        f"{me.name.written} – Speakers – Industry Summit 2026",
        f"<div class=\"speaker-card\"><h3 class=\"speaker-name\">{html.escape(me.name.written)}</h3>"
        f"<p class=\"speaker-role\">{html.escape(me.title)}, {html.escape(c.name)}</p>"
        f"<p class=\"speaker-session\">Lessons from ten years of customer projects</p></div>",
        org="Industry Summit", nav=[("/", "Home")])
    contacts = ", ".join(f"{html.escape(m.name.written)}, {html.escape(m.title)}, {c.address(m)}"
                         for m in colleagues)
    story = f"{c.name.lower().replace('&', 'and').replace(' ', '-')}-contract-{index}"
    s.files[f"{NEWS}/2026/{story}.html"] = page(
        f"{c.name} wins a new contract | Trade Journal",
        f"<article><h1>{html.escape(c.name)} wins a new contract</h1>"
        f"<time datetime=\"2026-0{1 + index % 9}-02\">2026</time>"
        f"<p>{html.escape(c.name)} will deliver the project next year. For more information "
        f"contact {contacts}.</p></article>", org="Trade Journal", nav=[("/", "Home")])
    first = colleagues[0]
    s.docs += [
        {"title": f"{me.name.written} – Speakers – Industry Summit 2026",
         "url": f"https://{EVENTS}/2026/speakers/{slug}",
         "snippet": f"{me.name.written}, {me.title}, {c.name}."},
        {"title": f"{c.name} wins a new contract | Trade Journal",
         "url": f"https://{NEWS}/2026/{story}",
         "snippet": f"For more information contact {first.name.written}, {c.address(first)}."},
    ]
