"""A scenario generator: complete offline worlds of fictional companies, from a seed and traits.

``generate(directory, seed=S, count=N)`` writes a world folder (world.toml, search.jsonl,
sites/, expected.toml) holding N fictional companies, one interview each. Each company
is shaped by independent *traits*, so a new failure class found on the web becomes one
new knob here:

- company naming: ``legal_suffix`` ("GmbH" on the site, not in the name given),
  ``ampersand`` ("Quill & Vance"), ``initialism`` (the domain abbreviates the name);
- domains and DNS: ``mail_domain`` (the site's domain has no MX; every address is at
  another domain), ``www_only`` (the apex has only MX, the site is on www);
- mail: ``catch_all`` (every recipient accepted: the best verdict is "risky");
- where the team is: one of ``team_cards``, ``team_dl``, ``team_table``, ``team_jsonld``
  (titles only in a JSON-LD employee array), ``team_nextjs`` (only in ``__NEXT_DATA__``);
- how colleagues' addresses are published: one of ``publish_mailto``, ``publish_text``,
  ``publish_at`` ("[at]" / "[dot]"), ``publish_entity`` (``&#64;``), ``publish_given``
  ("ask Daniel (dchen@…)", the full name only on the team page);
- titles: ``title_comma`` ("VP, Customer Success"), ``press_quote`` (the person quoted
  with their title in a press release);
- names: ``name_german`` (ü -> ue), ``name_spanish`` (two surnames, the first used),
  ``name_family_first`` (the site writes "TANAKA Hiroshi"), ``name_dutch`` ("van der"),
  ``nickname`` (the user says Bob, the company writes Robert);
- shapes of real organisations' pages (issue 26; each copies the markup of one world in
  ../shared/real-worlds, with fictional people, or a shape the issue names from the private
  real-page worlds): teams ``team_board`` (Dutch board cards, a Dutch non-profit's world), ``team_pos``
  (German cards, role line before the name, a German haulier's world), ``team_dash`` ("NAME — TITLE"
  headings, a training firm's world), ``team_wowchemy`` ("ROLE @ University", icon-only mailto,
  a university group's world), ``team_index`` (a staff list and one page per person, a university institute's world), ``team_index_joined``
  (name and title in one heading, the address in a labelled table cell; issue 26);
  addresses ``publish_compose`` (Gmail compose links, a Dutch non-profit's world), ``publish_chat`` (Teams
  chat links beside the mailto, one with an older address; issue 26), ``publish_guide``
  (only inside a colleague's long guide, a consultancy's world); names ``name_middle`` (a second
  given name as an initial, Nordic letters folded; issue 26), ``name_two_given`` ("Anna
  Lena" written apart, anna-lena@; issue 26), ``name_umlaut`` (ö -> oe shown by no colleague,
  a German haulier's world); domains ``abbrev_domain`` ("tl-haberl" for Translogistik Haberl GmbH, a German
  haulier's world), ``unit_site`` (a research group's site on a hosting provider, mail at the
  university's domain, a university group's world), ``unit_company`` (a university's school given as the company;
  issue 26), ``en_subpath`` (apex with MX only, a Japanese homepage, English under /en/;
  issue 26); titles ``title_multi_role``, ``title_for``, ``title_function`` (a rank and its
  function, written lower case in the news), ``title_imprint`` (the card's role slot holds a
  nickname, the title is in the imprint); ``crawl_delay`` (robots.txt asks for seconds
  between requests; issue 26);
- the web around it: ``namesake`` (someone else with the name ranks first),
  ``third_party`` (only a fair's and a register's pages point at the site),
  ``nav_only`` (the team page is linked from the menu, never from search),
  ``robots_bait`` (a robots-disallowed directory holds wrong-format addresses).
- where the evidence is kept and who the company is now (issue 29): ``vcard_only``
  (addresses only in each person's vCard), ``pdf_only`` (people only in an annual report
  and a press kit PDF), ``sitemap_only`` (the team page listed only in a sitemap),
  ``renamed`` (the user gives the old name; the old domain redirects or says "now part of"),
  ``bot_wall`` (every path of the site answers a challenge page).

Every person, company and domain is fictional (``.test``); every name resolves to
127.0.0.1. The pages copy real sites' markup (``_markup``), not our extractor's taste.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from lookup.world.scenarios._company import Company, make_company
from lookup.world.scenarios._site import SHAPED_TEAMS, THIRD_PARTY, Site, build_site

__all__ = ["TRAITS", "GeneratedInterview", "generate"]

TEAM_KINDS = ("team_cards", "team_dl", "team_table", "team_jsonld", "team_nextjs",
              *SHAPED_TEAMS)
PUBLISH = ("publish_mailto", "publish_text", "publish_at", "publish_entity", "publish_given",
           "publish_compose", "publish_chat", "publish_guide")
NAMES = ("name_german", "name_spanish", "name_family_first", "name_dutch", "nickname",
         "name_middle", "name_two_given", "name_umlaut")
# Team pages a vCard link can sit beside (the others are script data or real-page shapes).
MARKUP_TEAMS = ("team_cards", "team_dl", "team_table", "team_jsonld")
# At most one of these: they decide what the company is called and where its site lives.
DOMAIN_SHAPES = ("abbrev_domain", "unit_site", "unit_company")
# At most one of these: they decide the interviewer's title.
TITLE_SHAPES = ("title_comma", "title_multi_role", "title_for", "title_function",
                "title_imprint")
OPTIONAL = ("legal_suffix", "ampersand", "initialism", "mail_domain", "www_only", "catch_all",
            "press_quote", "namesake", "third_party", "nav_only", "robots_bait", "en_subpath")
# Where the evidence is kept and who the company is now (issue 29); drawn like OPTIONAL.
PLACES = ("vcard_only", "pdf_only", "sitemap_only", "renamed", "bot_wall")
RARE = ("crawl_delay",)  # slow by design (seconds per page): drawn less often
TRAITS = (*TEAM_KINDS, *PUBLISH, *NAMES, *OPTIONAL, *PLACES, *DOMAIN_SHAPES, *TITLE_SHAPES,
          *RARE)
OPTIONAL_SHARE = 0.25  # each optional trait is drawn independently this often
RARE_SHARE = 0.05
NAME_SHARE = 0.5
# Traits a trait leaves no room for, or makes meaningless (its own names, domains or titles
# win): behind a bot wall nothing on the site can be read (its documents, menus, published
# mail domain, a unit's or abbreviation's homepage saying whose site it is); a renamed
# company's old name is what others' pages carry, so "only third parties point at the site"
# is a different world, and its new name is an ordinary one; PDFs replace the team page that
# vCards hang on. A forced trait is never dropped, and two that exclude each other cannot be
# forced together.
EXCLUDES = {
    "bot_wall": ("vcard_only", "pdf_only", "sitemap_only", "nav_only", "robots_bait",
                 "mail_domain", "third_party", "renamed", *DOMAIN_SHAPES, "en_subpath",
                 "crawl_delay"),
    "renamed": ("third_party", *DOMAIN_SHAPES),
    "pdf_only": ("vcard_only",),
    "abbrev_domain": ("legal_suffix", "ampersand", "initialism", "unit_site", "unit_company"),
    "unit_site": ("legal_suffix", "ampersand", "initialism", "mail_domain", "www_only",
                  "en_subpath", "unit_company", "third_party", "nav_only"),
    "unit_company": ("legal_suffix", "ampersand", "initialism", "mail_domain", "en_subpath"),
    "en_subpath": ("www_only",),
    # which of ü/ue is right, or whether two given names are hyphenated ("karl-heinz"), is
    # known only from the server refusing the other spellings: not at a catch-all
    "name_umlaut": ("catch_all",),
    "name_two_given": ("catch_all",),
    "team_board": TITLE_SHAPES + ("press_quote",),
    "team_pos": TITLE_SHAPES + ("press_quote", "nickname", "name_two_given"),
}


@dataclass(frozen=True, slots=True)
class GeneratedInterview:
    name: str
    company: str
    traits: tuple[str, ...]


def _draw_traits(rng: random.Random, forced: tuple[str, ...]) -> list[str]:
    pick = lambda group: next((t for t in forced if t in group), None) or rng.choice(group)  # noqa: E731
    traits = [pick(TEAM_KINDS), pick(PUBLISH)]
    name = next((t for t in forced if t in NAMES), None)
    if name is None and rng.random() < NAME_SHARE:
        name = rng.choice(NAMES)
    traits += [name] if name else []
    traits += [t for t in (*OPTIONAL, *PLACES) if t in forced or rng.random() < OPTIONAL_SHARE]
    for group in (DOMAIN_SHAPES, TITLE_SHAPES):  # one of a group as often as one optional
        shape = next((t for t in forced if t in group), None)
        if shape is None and rng.random() < OPTIONAL_SHARE:
            shape = rng.choice(group)
        traits += [shape] if shape else []
    traits += [t for t in RARE if t in forced or rng.random() < RARE_SHARE]
    for trait in [t for t in traits if t in EXCLUDES]:  # what a drawn trait leaves no room for
        if trait in traits:
            traits = [t for t in traits if t not in EXCLUDES[trait] or t in forced]
    if "vcard_only" in traits or "pdf_only" in traits:  # the addresses are in documents
        traits = [t for t in traits if not t.startswith("publish_")]
    if "pdf_only" in traits:  # and the people too: no team page
        traits = [t for t in traits if not t.startswith("team_")]
    elif "vcard_only" in traits:  # a vCard link needs a team page of markup beside it
        team = next(i for i, t in enumerate(traits) if t in TEAM_KINDS)
        if traits[team] not in MARKUP_TEAMS:
            traits[team] = rng.choice(MARKUP_TEAMS)
    if "third_party" in traits and "nav_only" not in traits:
        traits.append("nav_only")  # the site is reached through the pointer, then its menu
    return traits


def _check_forced(forced: tuple[str, ...]) -> None:
    for trait in forced:
        clash = sorted(set(EXCLUDES.get(trait, ())) & set(forced))
        if clash:
            raise ValueError(f"The traits {trait} and {', '.join(clash)} cannot be forced "
                             "together: one leaves no room for the other.")


def generate(directory: str | Path, *, seed: int, count: int,
             traits: tuple[str, ...] = ()) -> list[GeneratedInterview]:
    """Write a world of ``count`` companies into ``directory``; the same seed, the same world.

    ``traits`` forces those traits on every company (others are still drawn at random).
    """
    unknown = sorted(set(traits) - set(TRAITS))
    if unknown:
        raise ValueError(f"Unknown trait(s) {', '.join(unknown)}; known: {', '.join(TRAITS)}.")
    _check_forced(traits)
    rng = random.Random(seed)
    taken: set[str] = set()
    companies: list[Company] = []
    sites: list[Site] = []
    for index in range(count):
        company = make_company(rng, _draw_traits(rng, traits), taken)
        companies.append(company)
        sites.append(build_site(company, rng, index))
    _write(Path(directory), seed, companies, sites)
    return [GeneratedInterview(c.interviewer.name.given_to_tool, c.asked, tuple(c.traits))
            for c in companies]


def _toml_value(value: object) -> str:
    if isinstance(value, dict):  # an inline table: { "Server" = "cloudflare" }
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, bool) else str(value).lower()


def _write(root: Path, seed: int, companies: list[Company], sites: list[Site]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    lines = [f'name = "Generated world, seed {seed}"',
             "[latency_ms]", "http = 2", "search = 3", "dns = 1", "smtp = 2", ""]
    dns: dict[str, dict] = {host: {"a": ["127.0.0.1"]} for host in THIRD_PARTY.values()}
    for site in sites:
        dns.update(site.dns)
    for name, records in dns.items():
        lines.append(f'[dns."{name}"]')
        lines += [f"{k} = {_toml_value(v)}" for k, v in records.items()]
    for site in sites:
        for domain, mail in site.mail.items():
            lines.append(f'[mail."{domain}"]')
            lines += [f"{k} = {_toml_value(v)}" for k, v in mail.items()]
    for site in sites:
        for redirect in site.redirects:
            lines.append("[[redirect]]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in redirect.items()]
    for site in sites:
        for fault in site.faults:
            lines.append("[[fault]]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in fault.items()]
        for name, content in site.root_files.items():
            (root / name).write_text(content, encoding="utf-8")
    (root / "world.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    docs = [d for s in sites for d in s.first_docs] + [d for s in sites for d in s.docs]
    (root / "search.jsonl").write_text(
        "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    (root / "sites" / THIRD_PARTY["network"]).mkdir(parents=True, exist_ok=True)
    (root / "sites" / THIRD_PARTY["network"] / "robots.txt").write_text("User-agent: *\nDisallow: /\n")
    for site in sites:
        for relative, content in site.files.items():
            path = root / "sites" / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
    expected = []
    for c in companies:
        me = c.interviewer
        expected += [
            "[[interview]]", f"name = {_toml_value(me.name.given_to_tool)}",
            f"company = {_toml_value(c.asked)}", f"traits = {_toml_value(list(c.traits))}",
            "[interview.expect]", f"domain = {_toml_value(c.mail)}",
            f"email = {_toml_value(c.address(me))}",
            f"email_status = {_toml_value('risky' if c.catch_all else 'deliverable')}",
            f"title = {_toml_value(me.title)}", ""]
    (root / "expected.toml").write_text("\n".join(expected), encoding="utf-8")
