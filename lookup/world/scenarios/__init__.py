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
- the web around it: ``namesake`` (someone else with the name ranks first),
  ``third_party`` (only a fair's and a register's pages point at the site),
  ``nav_only`` (the team page is linked from the menu, never from search),
  ``robots_bait`` (a robots-disallowed directory holds wrong-format addresses).

Every person, company and domain is fictional (``.test``); every name resolves to
127.0.0.1. The pages copy real sites' markup (``_markup``), not our extractor's taste.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from lookup.world.scenarios._company import Company, make_company
from lookup.world.scenarios._site import THIRD_PARTY, Site, build_site

__all__ = ["TRAITS", "GeneratedInterview", "generate"]

TEAM_KINDS = ("team_cards", "team_dl", "team_table", "team_jsonld", "team_nextjs")
PUBLISH = ("publish_mailto", "publish_text", "publish_at", "publish_entity", "publish_given")
NAMES = ("name_german", "name_spanish", "name_family_first", "name_dutch", "nickname")
OPTIONAL = ("legal_suffix", "ampersand", "initialism", "mail_domain", "www_only", "catch_all",
            "title_comma", "press_quote", "namesake", "third_party", "nav_only", "robots_bait")
# Where the evidence is kept and who the company is now (issue 29); drawn like OPTIONAL.
PLACES = ("vcard_only", "pdf_only", "sitemap_only", "renamed", "bot_wall")
TRAITS = (*TEAM_KINDS, *PUBLISH, *NAMES, *OPTIONAL, *PLACES)
OPTIONAL_SHARE = 0.25  # each optional trait is drawn independently this often
NAME_SHARE = 0.5
# Traits a trait leaves no room for: behind a bot wall nothing on the site can be read (its
# documents, menus, published mail domain); a renamed company's old name is what others'
# pages carry, so "only third parties point at the site" is a different world; PDFs
# replace the team page that vCards hang on. A forced trait is never dropped.
EXCLUDES = {
    "bot_wall": ("vcard_only", "pdf_only", "sitemap_only", "nav_only", "robots_bait",
                 "mail_domain", "third_party", "renamed"),
    "renamed": ("third_party",),
    "pdf_only": ("vcard_only",),
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
    for trait in [t for t in traits if t in EXCLUDES]:
        if trait in traits:
            traits = [t for t in traits if t not in EXCLUDES[trait] or t in forced]
    if "vcard_only" in traits or "pdf_only" in traits:  # the addresses are in documents
        traits = [t for t in traits if not t.startswith("publish_")]
    if "pdf_only" in traits:  # and the people too: no team page
        traits = [t for t in traits if not t.startswith("team_")]
    elif "vcard_only" in traits and "team_nextjs" in traits:  # a vCard link needs markup
        traits[traits.index("team_nextjs")] = rng.choice(TEAM_KINDS[:4])
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
