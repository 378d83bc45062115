"""Reading a world directory: the records it yields and the errors that name file and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from worldkit import SMALL_DOCS, SMALL_SITES, SMALL_WORLD, write_world

from lookup.errors import WorldError
from lookup.world import load_world
from lookup.world.format import DnsRecords, Fault, Latency, MailDomain, Redirect

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return write_world(tmp_path, SMALL_WORLD, SMALL_DOCS, SMALL_SITES)


def test_loads_name_and_latency(small: Path) -> None:
    """name and [latency_ms] are read."""
    world = load_world(small)
    assert world.name == "Acme Test World"
    assert world.latency == Latency(http=5, search=5, dns=5, smtp=5)


def test_latency_ranges_draw_each_wait_from_the_range(tmp_path: Path) -> None:
    """A [low, high] latency draws each request's wait from the range, the same way each time."""
    path = write_world(tmp_path, 'name = "r"\n[latency_ms]\nsearch = [300, 800]\nhttp = 0\n')
    world = load_world(path)
    assert world.latency.search == (300, 800)
    assert world.latency.waiter("http") is None
    draws = [world.latency.waiter("search", seed="r")() for _ in range(1)]
    waiter = world.latency.waiter("search", seed="r")
    many = [waiter() for _ in range(400)]
    assert all(0.3 <= w <= 0.8 for w in many)
    assert max(many) - min(many) > 0.4  # spread over the range, not one value
    assert many[0] == draws[0]  # seeded: a world's run is repeatable


def test_loads_dns_records(small: Path) -> None:
    """MX strings become (preference, host) pairs and TTL defaults to 300."""
    records = load_world(small).dns["acme.test"]
    assert records == DnsRecords(
        a=("127.0.0.1",), aaaa=("::1",), mx=((10, "mx1.acme.test"), (20, "mx2.acme.test")),
        txt=("v=spf1 -all",), ttl=300,
    )


def test_loads_null_mx(small: Path) -> None:
    """"0 ." is kept as the RFC 7505 null MX."""
    assert load_world(small).dns["nomail.test"].mx == ((0, "."),)


def test_loads_mail_domains(small: Path) -> None:
    """[mail.<domain>] becomes a MailDomain with defaults."""
    assert load_world(small).mail["grey.test"] == MailDomain(
        domain="grey.test", mailboxes=frozenset({"jane.doe"}), greylist=True, greylist_seconds=0.0
    )


def test_loads_faults_and_redirects(small: Path) -> None:
    """[[fault]] and [[redirect]] keep their order and default to service http and 301."""
    world = load_world(small)
    expected = Fault(service="http", host="www.acme.test", path="/broken", status=503)
    assert world.faults[0] == expected
    assert world.redirects == (Redirect("acme.test", "/", "https://www.acme.test/", 301),)


def test_loads_documents_and_site_hosts(small: Path) -> None:
    """search.jsonl lines become documents; folders under sites/ become hosts."""
    world = load_world(small)
    assert len(world.documents) == len(SMALL_DOCS)
    assert world.site_hosts == {"www.acme.test", "blog.acme.test"}
    assert world.http_hosts == {"www.acme.test", "blog.acme.test", "acme.test"}


def test_max_results_defaults_to_ten(small: Path) -> None:
    """Without [search] max_results the engine returns up to 10 results."""
    assert load_world(small).max_results == 10


def test_missing_directory(tmp_path: Path) -> None:
    """A directory that does not exist is reported."""
    with pytest.raises(WorldError, match="does not exist"):
        load_world(tmp_path / "nowhere")


def test_missing_world_toml(tmp_path: Path) -> None:
    """A directory without world.toml is reported with the expected path."""
    with pytest.raises(WorldError, match="has no world.toml"):
        load_world(tmp_path)


def test_broken_toml_names_file_and_line(tmp_path: Path) -> None:
    """A TOML syntax error names world.toml and the line."""
    path = write_world(tmp_path, 'name = "x"\n[latency_ms\nhttp = 1\n')
    with pytest.raises(WorldError, match=r"world\.toml is not valid TOML: .*line 2"):
        load_world(path)


@pytest.mark.parametrize(("toml", "message"), [
    ('[dns]\n"acme.test" = "10 mx1.acme.test"\n', r'\[dns\."acme\.test"\] must be a table of records'),
    ('[mail]\n"acme.test" = ["jane.doe"]\n', r'\[mail\."acme\.test"\] must be a table\.'),
    ('[mail."acme.test"]\nboxes = ["jane.doe"]\n', r'\[mail\."acme\.test"\]'),
    ('[dns."bad host!"]\na = ["127.0.0.1"]\n', r"the DNS name 'bad host!'"),
])
def test_a_bad_dns_or_mail_entry_is_named(tmp_path: Path, toml: str, message: str) -> None:
    """A [dns."…"] or [mail."…"] entry that is not a table, has unknown keys or a bad name is named."""
    path = write_world(tmp_path, f'name = "x"\n{toml}')
    with pytest.raises(WorldError, match=message):
        load_world(path)


def test_broken_search_line_names_file_and_line(tmp_path: Path) -> None:
    """A bad JSON line in search.jsonl names the file and its line number."""
    path = write_world(tmp_path, 'name = "x"\n', SMALL_DOCS[:1])
    with (path / "search.jsonl").open("a") as handle:
        handle.write('{"title": "oops"\n')
    with pytest.raises(WorldError, match=r"search\.jsonl line 2 is not valid JSON"):
        load_world(path)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"title": "T", "snippet": "s"}', "line 1: url must be a non-empty string"),
        ('{"title": "T", "url": "ftp://x.test/", "snippet": ""}', "an absolute http(s) URL"),
        ('{"title": "T", "url": "https://x.test/", "body": ""}', "unknown key 'body'"),
        ('["not", "an", "object"]', "line 1 must be a JSON object"),
    ],
)
def test_bad_search_documents(tmp_path: Path, line: str, message: str) -> None:
    """Each malformed document is named with its line and what is wrong."""
    path = write_world(tmp_path, 'name = "x"\n')
    (path / "search.jsonl").write_text(line + "\n")
    with pytest.raises(WorldError, match=re.escape(message)):
        load_world(path)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('colour = "red"', "unknown key 'colour' in the top level"),
        ("[latency_ms]\nftp = 3", "unknown key 'ftp' in [latency_ms]"),
        ('[dns."a.test"]\ncname = ["b.test"]', """unknown key 'cname' in [dns."a.test"]"""),
        ('[mail."a.test"]\ncatchall = true', """unknown key 'catchall' in [mail."a.test"]"""),
        ('[dns."a.test"]\nmx = ["mx.a.test"]', 'write "PREFERENCE HOST"'),
        ('[dns."a.test"]\na = ["::1"]', "which is not an IPv4 address"),
        ('[mail."a.test"]\ngreylist = "yes"', "greylist must be a bool"),
        ("[latency_ms]\nhttp = -1", "latency_ms.http must not be negative"),
        ("[latency_ms]\nsearch = [300]", "must be a number or [low, high]"),
        ("[latency_ms]\nsearch = [800, 300]", "is a range [low, high]; 800 is above 300"),
        ("[latency_ms]\nsearch = [0, -1]", "latency_ms.search must not be negative"),
        ('[[fault]]\nservice = "ftp"\nhost = "a.test"', "use one of http, search, dns, smtp"),
        ('[[fault]]\nhost = "a.test"\npath = "/"', "[[fault]] number 1 does nothing"),
        ('[[fault]]\nstatus = 503', "[[fault]] number 1 needs a host"),
        ('[[fault]]\nhost = "a.test"\nrcode = "SERVFAIL"', "unknown key 'rcode' in [[fault]]"),
        ('[[fault]]\nservice = "dns"\nrcode = "BROKEN"', "rcode is 'BROKEN'; use one of"),
        ('[[fault]]\nservice = "smtp"\nhost = "a.test"\nstage = "banner"\nreset = true',
         'can only act at stage "rcpt"'),
        ('[[redirect]]\nhost = "a.test"', "[[redirect]] number 1 needs to"),
        ('[[redirect]]\nhost = "a.test"\nto = "https://b.test/"\nstatus = 200', "must be 301, 302"),
        ("[search]\nmax_results = 0", "max_results must be at least 1"),
        ('[mail.acme.test]\nmailboxes = ["x"]', 'in double quotes: [mail."acme.test"]'),
        ('[dns.www.acme.test]\na = ["127.0.0.1"]', '[dns."www.acme.test"]'),
    ],
)
def test_world_toml_mistakes_are_named(tmp_path: Path, toml: str, message: str) -> None:
    """Each mistake in world.toml raises WorldError naming the file and the key."""
    path = write_world(tmp_path, toml + "\n")
    with pytest.raises(WorldError, match=re.escape(message)) as caught:
        load_world(path)
    assert str(path / "world.toml") in str(caught.value)


def test_site_folder_must_be_lower_case(tmp_path: Path) -> None:
    """A site folder with capitals is refused, since host names are compared in lower case."""
    path = write_world(tmp_path, 'name = "x"\n', sites={"WWW.Acme.test/index.html": "<p>"})
    with pytest.raises(WorldError, match="must be written in lower case"):
        load_world(path)


@pytest.mark.skipif(not DEMO.is_dir(), reason="data/demo is not written yet")
def test_demo_world_loads() -> None:
    """The committed demo world follows the format and has sites, documents and mail."""
    world = load_world(DEMO)
    assert world.site_hosts
    assert world.documents
    assert world.mail


def test_every_world_toml_key_is_documented() -> None:
    """docs/world.md mentions every key the loader accepts."""
    from lookup.world import format as fmt

    docs = (Path(__file__).resolve().parent.parent / "docs" / "world.md").read_text()
    keys = {*fmt.TOP_KEYS, *fmt.LATENCY_KEYS, *fmt.DNS_KEYS, *fmt.MAIL_KEYS, *fmt.REDIRECT_KEYS,
            *fmt.SEARCH_KEYS, *fmt.SMTP_KEYS, *(k for ks in fmt.FAULT_KEYS.values() for k in ks)}
    missing = sorted(k for k in keys if not any(f in docs for f in (f"`{k}", f"{k} =", f"[{k}")))
    assert missing == []


def test_smtp_reply_must_look_like_a_reply(tmp_path: Path) -> None:
    """An smtp fault reply that is not "CODE text" is refused."""
    path = write_world(tmp_path, '[[fault]]\nservice = "smtp"\nreply = "mailbox full"\n')
    with pytest.raises(WorldError, match="must be an SMTP reply line"):
        load_world(path)


WORLDS = Path(__file__).resolve().parent / "worlds"
SHIPPED = sorted(p.parent for p in WORLDS.glob("*/world.toml"))


@pytest.mark.parametrize("directory", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_test_worlds_load(directory: Path) -> None:
    """Every world under tests/worlds/ follows the format."""
    assert load_world(directory).site_hosts
