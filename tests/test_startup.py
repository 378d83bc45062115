"""The start-up savings of issue 31 that could cost something if they went wrong: the one TLS
context per process still verifies certificates, a run that no longer reads the global limits
still gets (and creates) them, and the server `lookup demo` leaves running is on loopback.

Real sockets on loopback (a TLS server with a self-signed certificate, Prefect's test API);
the demo's server, started by the wheel's `lookup demo` twice, is in tests/test_install.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from flows.cli.operations import stop_command
from flows.politeness.limiters import GlobalPoliteness
from flows.politeness.policy import search_limit
from flows.runtime import on_loopback
from lookup.errors import ServerError
from lookup.settings import load_settings
from lookup.web._client import make_client
from lookup.web.tls import httpx_context, system_context, unverified_context
from lookup.world._tls import self_signed_context

HOST = "www.acme.test"
ROOT = Path(__file__).resolve().parent.parent


def _python(code: str, **options: object) -> subprocess.CompletedProcess[str]:
    """``code`` run by this Python in a process of its own, from the repository's root."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, **options)  # type: ignore[call-overload]


async def _tls_server(context: ssl.SSLContext) -> asyncio.Server:
    """An HTTPS server on 127.0.0.1 that answers every request with 200 "ok"."""
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):  # a client that refuses the certificate hangs up
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            await writer.drain()
        writer.close()

    return await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)


async def _fetch_twice(settings_env: dict[str, str]) -> tuple[list[BaseException | int], set[int]]:
    """Two fetch clients (as two runs in one process build them) asking a self-signed HTTPS
    server on loopback for its page: what each got, and the ids of their pools' contexts."""
    server = await _tls_server(self_signed_context(HOST))
    port = server.sockets[0].getsockname()[1]

    async def resolve(host: str) -> list[str]:
        return ["127.0.0.1"]

    settings = load_settings(settings_env)
    clients = [make_client(settings, resolver=resolve, vet=lambda address: None)
               for _ in range(2)]
    got: list[BaseException | int] = []
    try:
        for client in clients:
            try:
                got.append((await client.get(f"https://{HOST}:{port}/")).status_code)
            except httpx.HTTPError as exc:
                got.append(exc)
        contexts = {id(client._transport._pool._ssl_context) for client in clients}  # noqa: SLF001
    finally:
        for client in clients:
            await client.aclose()
        server.close()
        await server.wait_closed()
    return got, contexts


def test_the_shared_tls_context_still_refuses_a_certificate_no_authority_signed() -> None:
    """Both fetch clients use the one context built for the process, and it refuses a
    self-signed certificate for the host: sharing a context turned no verification off."""
    got, contexts = asyncio.run(_fetch_twice({"LOOKUP_CONFIG": ""}))
    assert contexts == {id(system_context())}
    assert len(got) == 2
    for outcome in got:
        assert isinstance(outcome, httpx.ConnectError), outcome
        assert "CERTIFICATE_VERIFY_FAILED" in str(outcome)


def test_the_shared_contexts_check_certificates_and_host_names() -> None:
    """Both contexts (the system's, and httpx's default for the search engine's client and
    the look at the network) require a certificate and check the host name, built once."""
    for make in (system_context, httpx_context):
        context = make()
        assert context is make()
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_starttls_without_verification_has_a_context_of_its_own() -> None:
    """A mail server's unverified STARTTLS gets its own context, built once, so the shared
    verifying one is never loosened for it."""
    loose = unverified_context()
    assert loose is unverified_context() and loose is not system_context()
    assert loose.verify_mode == ssl.CERT_NONE and not loose.check_hostname
    assert system_context().verify_mode == ssl.CERT_REQUIRED and system_context().check_hostname


@pytest.mark.parametrize(("configured", "used"), [
    ("0.0.0.0", "127.0.0.1"), ("::", "127.0.0.1"), ("192.0.2.10", "127.0.0.1"),
    ("example.test", "127.0.0.1"), ("127.0.0.2", "127.0.0.2"), ("::1", "::1"),
    ("localhost", "localhost"),
])
def test_the_demo_s_server_listens_on_loopback_whatever_is_configured(configured: str,
                                                                        used: str) -> None:
    """A server the demo starts and leaves running is never reachable from the network: a
    wider (or unknown) listen address becomes 127.0.0.1; a loopback one is kept."""
    settings = load_settings({"LOOKUP_CONFIG": "", "LOOKUP_PREFECT__SERVER_HOST": configured})
    assert on_loopback(settings).prefect.server_host == used
    assert on_loopback(settings).data_dir == settings.data_dir


def test_the_stop_command_names_this_lookup_and_its_data_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's stop command is the `lookup` that ran (a checkout's .venv/bin/lookup when
    another or none is on PATH) with the data folder it used, quoted for a shell."""
    program = tmp_path / "my venv" / "bin" / "lookup"
    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\n", encoding="utf-8")
    monkeypatch.setattr("sys.argv", [str(program), "demo"])
    monkeypatch.setenv("PATH", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("LOOKUP_DATA_DIR", str(tmp_path / "my data"))
    monkeypatch.delenv("LOOKUP_CONFIG", raising=False)
    assert stop_command() == (f"LOOKUP_DATA_DIR='{tmp_path}/my data' '{program}' server stop")
    program.chmod(0o755)
    monkeypatch.setenv("PATH", str(program.parent))  # the same lookup is the one on PATH
    monkeypatch.delenv("LOOKUP_DATA_DIR")
    assert stop_command() == "lookup server stop"


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_a_global_limit_the_server_lacks_is_created_at_the_first_turn() -> None:
    """A run reads no list of limits before its first search: a limit the server lacks
    (never created, or deleted) is created when a turn at it is first asked for, and that
    turn and the next are granted; a name outside the policy is refused in a sentence."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    name = search_limit("ddgs")
    settings = load_settings({"LOOKUP_CONFIG": ""})

    async def turns() -> tuple[dict[str, int], int, str]:
        async with get_client() as client:
            with contextlib.suppress(ObjectNotFound):
                await client.delete_global_concurrency_limit_by_name(name)
        async with GlobalPoliteness(settings) as polite:
            for _ in range(2):
                lease = await polite.acquire(name, poll_s=0.05)
                assert lease is not None
                await polite.release(lease)
            with pytest.raises(ServerError) as refused:
                await polite.acquire("lookup-host-9999", poll_s=0.05)
            stats = dict(polite.stats)
        async with get_client() as client:
            made = await client.read_global_concurrency_limit_by_name(name)
        return stats, made.limit, str(refused.value)

    stats, slots, refusal = asyncio.run(turns())
    assert (stats["created"], stats["acquired"], stats["released"]) == (1, 2, 2)
    assert slots == 1
    assert refusal == "The global limit lookup-host-9999 is not one the politeness policy has."


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_the_policy_is_read_while_the_first_post_fetches_the_csrf_token(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A run's limiters read the policy (a GET) while their first POST is on its way, not
    after it: one round trip fewer before the first search; the POST still comes alone."""
    from prefect.client.orchestration import PrefectClient

    from flows.politeness import limiters

    said: list[str] = []
    posted = PrefectClient.read_global_concurrency_limits

    async def policy(client: object) -> None:
        said.append("policy asked")
        await asyncio.sleep(0.5)
        said.append("policy answered")

    async def post(self: PrefectClient, *args: object, **kwargs: object) -> object:
        said.append("post sent")
        try:
            return await posted(self, *args, **kwargs)
        finally:
            said.append("post answered")

    monkeypatch.setattr(limiters, "read_policy", policy)
    monkeypatch.setattr(PrefectClient, "read_global_concurrency_limits", post)

    async def enter() -> None:
        async with GlobalPoliteness(load_settings({"LOOKUP_CONFIG": ""})):
            pass

    asyncio.run(enter())
    assert said.count("post sent") == 1
    assert said.index("post sent") < said.index("policy answered")


def _compiled(templates_dir: Path) -> set[str]:
    """The template names the card's Jinja environment for ``templates_dir`` holds compiled."""
    from lookup.card.render import _environment

    return {name for _, name in _environment(templates_dir).cache.keys()}  # noqa: SIM118


def test_the_card_preload_compiles_the_card_templates_before_the_card_is_written(
        tmp_path: Path) -> None:
    """preload_card, given the templates folder, leaves the card's templates compiled."""
    from lookup.card.render import HISTORY_TEMPLATE, TEMPLATE_NAME
    from lookup.research.steps import preload_card

    assert TEMPLATE_NAME not in _compiled(tmp_path)
    preload_card(tmp_path).join(timeout=60)
    assert {TEMPLATE_NAME, HISTORY_TEMPLATE} <= _compiled(tmp_path)


def test_a_broken_user_template_is_still_reported_by_the_card_not_lost_in_the_preload(
        tmp_path: Path) -> None:
    """A template the preload cannot compile leaves no error in the thread; rendering says it."""
    from lookup.card.render import TEMPLATE_NAME, render_history
    from lookup.errors import ConfigError
    from lookup.research.steps import preload_card

    (tmp_path / "history.md.j2").write_text("{% if %}\n", encoding="utf-8")
    preload_card(tmp_path).join(timeout=60)
    assert TEMPLATE_NAME in _compiled(tmp_path)
    with pytest.raises(ConfigError, match="history.md.j2"):
        render_history([], templates_dir=tmp_path)


def test_the_checks_of_prefect_s_api_share_the_process_context_and_still_verify(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The health and access checks use the process's one context (not a new one each), and
    a server whose certificate no authority signed fails the health check all the same."""
    from flows.access import tls_verify
    from flows.server import health

    assert tls_verify({}) is httpx_context()
    assert tls_verify({"PREFECT_API_SSL_CERT_FILE": "/etc/ca.pem"}) == "/etc/ca.pem"
    assert tls_verify({"PREFECT_API_TLS_INSECURE_SKIP_VERIFY": "true"}) is False

    async def check() -> str | None:
        server = await _tls_server(self_signed_context("localhost"))
        port = server.sockets[0].getsockname()[1]
        try:
            return await asyncio.to_thread(health, f"https://localhost:{port}")
        finally:
            server.close()
            await server.wait_closed()

    monkeypatch.delenv("PREFECT_API_SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("PREFECT_API_TLS_INSECURE_SKIP_VERIFY", raising=False)
    assert asyncio.run(check()) == "ConnectError"
    monkeypatch.setenv("PREFECT_API_TLS_INSECURE_SKIP_VERIFY", "true")  # the same server reached
    assert asyncio.run(check()) == "HTTP 200 from /api/health"  # (it answers "ok", not "true")


def test_a_request_s_parameters_are_stored_as_prefect_stores_them_without_fastapi() -> None:
    """The research flow serialises a request's parameters as Prefect's own method does, in a
    process that never imports FastAPI for it; a value JSON lacks still goes to Prefect's."""
    import datetime as dt

    from prefect.flows import Flow

    from flows.research import research_interviewer
    from lookup.intake.request import ResearchRequest

    params = ResearchRequest(name="Dana Okafor", company="Brightwater Analytics",
                             panel=("Sam Lee", "Ana Costa"), smtp=True).to_params()
    assert research_interviewer.serialize_parameters(params) == Flow.serialize_parameters(
        research_interviewer, params)
    odd = {"when": dt.date(2026, 1, 2)}
    assert research_interviewer.serialize_parameters(odd) == {"when": "2026-01-02"}
    probe = ("import sys; from flows.research import research_interviewer as f; "
             "f.serialize_parameters({'name': 'Dana Okafor', 'panel': ['A B'], 'smtp': None}); "
             "print('fastapi' in sys.modules)")
    done = _python(probe, check=True)
    assert done.stdout.strip() == "False"


def test_the_run_s_prefect_sync_client_takes_the_process_context_only_when_prefect_s_is_alike(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The research flow's one sync Prefect client verifies with the process's TLS context
    when Prefect's CA file is httpx's (SSL_CERT_FILE) or none; a CA file of Prefect's own,
    or PREFECT_API_TLS_INSECURE_SKIP_VERIFY, leaves the client's context to Prefect."""
    from prefect.settings import (
        PREFECT_API_SSL_CERT_FILE,
        PREFECT_API_TLS_INSECURE_SKIP_VERIFY,
        PREFECT_API_URL,
        temporary_settings,
    )

    from flows.research import _sync_client

    def context(cafile: str | None, insecure: bool) -> ssl.SSLContext:
        with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api",
                                 PREFECT_API_SSL_CERT_FILE: cafile,
                                 PREFECT_API_TLS_INSECURE_SKIP_VERIFY: insecure}):
            return _sync_client().client._client._transport._pool._ssl_context  # noqa: SLF001

    system = ssl.get_default_verify_paths().openssl_cafile
    monkeypatch.setenv("SSL_CERT_FILE", system)
    assert context(system, False) is httpx_context()
    assert context(None, False) is httpx_context()
    assert context(certifi_bundle(), False) is not httpx_context()  # Prefect's own CA file
    assert context(None, True).verify_mode == ssl.CERT_NONE


def certifi_bundle() -> str:
    import certifi

    return certifi.where()


def test_a_request_s_language_is_checked_without_loading_the_card_s_modules(
        tmp_path: Path) -> None:
    """Filling and checking a request (before every run) lists the phrasebooks, the user's
    too, without importing Jinja: the card's modules load during the run (issue 31)."""

    (tmp_path / "draft.nl.toml").write_text("", encoding="utf-8")
    probe = (
        "import sys; from flows.runtime import with_settings; "
        "from lookup.intake.request import ResearchRequest; "
        "from lookup.settings import load_settings; "
        f"s = load_settings({{'LOOKUP_CONFIG': '', 'LOOKUP_TEMPLATES_DIR': {str(tmp_path)!r}}}); "
        "r = with_settings(ResearchRequest(name='Dana Okafor', company='B', language='nl'), s); "
        "print(r.language, 'jinja2' in sys.modules)"
    )
    done = _python(probe)
    assert done.stdout.strip() == "nl False", done.stderr[-2000:]


def test_searches_go_early_only_where_no_server_spaces_them_for_every_worker() -> None:
    """The first searches go out while Prefect loads without a server (the process's own
    limiter spaces them) and in a world running flat out; not when a server's global limits
    would have to know of them (a server, on the internet, or a world keeping its limits)."""
    from dataclasses import replace

    from flows.politeness.policy import global_limits
    from lookup.settings import WorldEndpoints

    internet = load_settings({})
    world = internet.in_world(WorldEndpoints(directory="w", http_port=1, dns_port=2, smtp_port=3,
                                             search_url="http://127.0.0.1:4"))
    limited = replace(world, general=replace(world.general, world_limits=True))
    assert [global_limits(s, server=True) for s in (internet, world, limited)] == [True, False, True]
    assert not any(global_limits(s, server=False) for s in (internet, world, limited))


def test_the_first_queries_are_the_pipeline_s_and_none_for_a_panel() -> None:
    """`lookup research` sends early what the run plans first (its interview's name, company
    and domain); nothing for a panel (its runs come one after another)."""
    from flows.cli._runs import first_queries
    from lookup.intake.request import ResearchRequest
    from lookup.web.queries import plan_queries

    one = ResearchRequest(name="Dr. Ada Quill", company="Quillworks", domain="quillworks.test")
    interview = one.interview()
    assert first_queries(one) == plan_queries(interview.name, interview.company, interview.domain)
    assert any(q.endswith(" site:quillworks.test") for q in first_queries(one))
    assert first_queries(ResearchRequest(name="Ada Quill", company="Quillworks",
                                         panel=("Ada Quill", "Bo Lind"))) == []


def test_loading_a_run_collects_nothing_and_freezes_what_it_built_in_the_command_s_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In the command's own process the collector is off while a run's start loads modules,
    on again afterwards with what was built frozen out of its sight; embedded (a test
    harness), the collector is left as it is."""
    import gc

    from flows import _gc

    before = gc.get_freeze_count()
    with _gc.loading():
        assert gc.isenabled()  # not the command's own process: untouched
    assert gc.get_freeze_count() == before
    monkeypatch.setattr(_gc, "_OWN", True)
    try:
        with _gc.loading():
            assert not gc.isenabled()
            built = [[n] for n in range(1000)]
        assert gc.isenabled() and gc.get_freeze_count() >= before + len(built)
    finally:
        gc.unfreeze()  # the test process's garbage is collected again


def test_the_command_s_last_exit_handler_freezes_what_is_left() -> None:
    """The console script's process ends with its objects frozen out of the final collection,
    after the other exit handlers ran, and its output whole."""

    code = ("import atexit, gc, sys\n"
            "atexit.register(lambda: print('frozen at the end:', gc.get_freeze_count() > 0))\n"
            "from flows.cli import main\n"
            "sys.argv = ['lookup', '--help']\n"
            "main()\n")
    done = _python(code)
    assert done.returncode == 0, done.stderr
    assert "research" in done.stdout and done.stdout.rstrip().endswith("frozen at the end: True")


def test_a_process_that_loads_the_research_flow_freezes_what_is_left_at_exit() -> None:
    """A worker's flow-run process imports the flow, not the console script: it too ends
    without the final collection walking Prefect's objects."""

    code = ("import atexit, gc\n"
            "atexit.register(lambda: print('frozen at the end:', gc.get_freeze_count() > 0))\n"
            "import flows.research\n")
    done = _python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "frozen at the end: True"


def test_the_command_turns_off_prefect_s_sdk_telemetry_before_prefect_loads() -> None:
    """The console script sets DO_NOT_TRACK before anything imports Prefect (its SDK sends
    usage events to Amplitude from interactive terminals otherwise); a user's own value is
    kept."""

    code = ("import os, sys\n"
            "from flows.cli import main\n"
            "assert 'prefect' not in sys.modules, 'Prefect loaded before the command ran'\n"
            "sys.argv = ['lookup', '--help']\n"
            "try:\n"
            "    main()\n"
            "finally:\n"
            "    print('DO_NOT_TRACK=' + os.environ.get('DO_NOT_TRACK', ''))\n")
    env = {k: v for k, v in os.environ.items() if k != "DO_NOT_TRACK"}
    for given, expected in ((None, "1"), ("0", "0")):
        done = _python(code, env=env if given is None else {**env, "DO_NOT_TRACK": given})
        assert done.returncode == 0, done.stderr
        assert done.stdout.rstrip().endswith(f"DO_NOT_TRACK={expected}")


SLOW_SEARCH = """
name = "A slow search engine"
[latency_ms]
search = 3000
"""


def test_searches_sent_early_are_cancelled_when_the_command_ends(tmp_path: Path) -> None:
    """A command that ends while its early searches are still out (a failure at once, say)
    cancels them rather than leaving them to the process's end: the stop returns well before
    the engine would have answered, and nothing is left for a run to take."""
    import threading
    import time

    from flows.cli._runs import _search_early
    from lookup.web.session import EARLY
    from lookup.world import serve_world
    from tests.worldkit import write_world

    world = write_world(tmp_path / "world", SLOW_SEARCH,
                        [{"title": "Acme", "url": "https://acme.test/", "snippet": "Acme"}])
    with serve_world(world) as running:
        settings = load_settings({"LOOKUP_DATA_DIR": str(tmp_path / "data")}).in_world(
            running.endpoints)
        stop = _search_early(settings, ['"Jane Roe" "Acme"'], server=False)
        time.sleep(0.3)  # the query is in the engine's 3 s latency (logged once answered)
        assert len(EARLY) == 1 and not running.search_log
        began = time.monotonic()
        stop()
        took = time.monotonic() - began
    assert took < 1.0, took  # not the engine's 3 s
    assert len(EARLY) == 0
    assert not any(t.name == "search-early" and t.is_alive() for t in threading.enumerate())
