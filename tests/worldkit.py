"""Helpers for tests that need a small offline world written into a temporary folder."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["SMALL_DOCS", "SMALL_SITES", "SMALL_WORLD", "write_world"]


def write_world(
    tmp_path: Path,
    world_toml: str,
    search_docs: Sequence[Mapping[str, str]] = (),
    sites: Mapping[str, str | bytes] = {},  # noqa: B006 - read only
) -> Path:
    """Write a world directory and return its path.

    ``sites`` maps ``"host/relative/path"`` to file content, e.g.
    ``{"www.acme.test/index.html": "<h1>Acme</h1>"}``.
    """
    root = tmp_path / "world"
    root.mkdir(parents=True, exist_ok=True)
    (root / "world.toml").write_text(textwrap.dedent(world_toml), encoding="utf-8")
    lines = [json.dumps(dict(doc), ensure_ascii=False) for doc in search_docs]
    (root / "search.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    for relative, content in sites.items():
        file = root / "sites" / relative
        file.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            file.write_bytes(content)
        else:
            file.write_text(content, encoding="utf-8")
    return root


SMALL_WORLD = """
name = "Acme Test World"

[latency_ms]
http = 5
search = 5
dns = 5
smtp = 5

[dns."acme.test"]
mx = ["10 mx1.acme.test", "20 mx2.acme.test"]
a = ["127.0.0.1"]
aaaa = ["::1"]
txt = ["v=spf1 -all"]

[dns."mx1.acme.test"]
a = ["127.0.0.1"]

[dns."nomail.test"]
mx = ["0 ."]

[mail."acme.test"]
mailboxes = ["jane.doe", "info"]

[mail."catchall.test"]
mailboxes = ["a.person"]
catch_all = true

[mail."grey.test"]
mailboxes = ["jane.doe"]
greylist = true

[[redirect]]
host = "acme.test"
path = "/"
to = "https://www.acme.test/"

[[fault]]
host = "www.acme.test"
path = "/broken"
status = 503

[[fault]]
host = "www.acme.test"
path = "/slow"
delay_ms = 5000

[[fault]]
host = "www.acme.test"
path = "/reset"
reset = true

[[fault]]
host = "www.acme.test"
path = "/flaky"
status = 503
times = 1
"""

SMALL_DOCS = [
    {"title": "Jane Doe - Director of Engineering - Acme", "url": "https://www.acme.test/team",
     "snippet": "Jane Doe leads robotics engineering at Acme."},
    {"title": "Acme Robotics blog: warehouse robots", "url": "https://blog.acme.test/robots",
     "snippet": "Notes on robots by the engineering team."},
    {"title": "Jane Doe speaks at RoboConf", "url": "https://roboconf.test/speakers/jane",
     "snippet": "Jane Doe of Acme on warehouse robotics."},
    {"title": "Unrelated cooking recipes", "url": "https://food.test/pasta",
     "snippet": "Pasta with tomatoes."},
]

SMALL_SITES = {
    "www.acme.test/index.html": "<html><title>Acme</title><h1>Acme Robotics</h1></html>",
    "www.acme.test/team.html": "<html><h1>Team</h1><p>Jane Doe, Director of Engineering</p></html>",
    "www.acme.test/about/index.html": "<html><h1>About</h1></html>",
    "www.acme.test/robots.txt": "User-agent: *\nDisallow: /private\n",
    "www.acme.test/data.json": '{"ok": true}',
    "www.acme.test/flaky.html": "<html><p>works the second time</p></html>",
    "blog.acme.test/index.html": "<html><h1>Blog</h1></html>",
}
