"""What a run submitted through Prefect may ask of a worker: each refusal's sentence, what passes,
and a refused run of the real flow ending Failed with that sentence as its state message."""

from __future__ import annotations

import asyncio

import pytest

from lookup.errors import BadInputError
from lookup.intake.policy import refusal
from lookup.intake.request import ResearchRequest, check_proxy_choice
from lookup.settings import load_settings
from tests.conftest import DEMO_WORLD

SMTP_OFF = ("This worker's settings keep SMTP probing off (smtp.enabled = false), so a submitted "
            "run cannot turn it on; set LOOKUP_SMTP__ENABLED=true on the workers to allow it.")
M365_OFF = ("This worker's settings keep the OneDrive check off (m365.enabled = false), so a "
            "submitted run cannot turn it on; set LOOKUP_M365__ENABLED=true on the workers to "
            "allow it.")


def worker(**env: str):
    """A worker's settings from its environment only."""
    return load_settings(env=env, user_file=None)


def options(**given):
    return {"smtp": None, "smtp_proxy": None, "m365_https": None, "world": None, **given}


def test_nothing_asked_nothing_refused():
    """A run that asks for no option runs with whatever the worker's settings say."""
    assert refusal(options(), worker()) is None


def test_smtp_cannot_be_turned_on_where_the_worker_keeps_it_off():
    """smtp=true on a worker with smtp.enabled = false is refused in one sentence."""
    assert refusal(options(smtp=True), worker()) == SMTP_OFF


def test_smtp_can_be_turned_off_or_asked_where_the_worker_allows_it():
    """A run may narrow (smtp=false) anywhere, and ask for probing where settings turn it on."""
    on = worker(LOOKUP_SMTP__ENABLED="true")
    assert refusal(options(smtp=True), on) is None
    assert refusal(options(smtp=False), worker()) is None


def test_a_proxy_turns_smtp_on_so_it_needs_smtp_allowed_first():
    """Naming a proxy asks for probing: refused where probing is off, before the proxy is read."""
    assert refusal(options(smtp_proxy="office"), worker()) == SMTP_OFF


def test_a_proxy_must_be_one_the_worker_names():
    """A proxy the worker's smtp.proxies does not list, or any address, is refused; a listed
    name passes (its URL and password stay the worker's own)."""
    on = worker(LOOKUP_SMTP__ENABLED="true",
                LOOKUP_SMTP__PROXIES__OFFICE="socks5://probe:${PW}@127.0.0.1:1080", PW="x")
    assert refusal(options(smtp_proxy="office"), on) is None
    assert refusal(options(smtp_proxy="OFFICE"), on) is None
    assert refusal(options(smtp_proxy="lab"), on) == (
        "The SMTP proxy 'lab' is not one this worker's settings name (smtp.proxies: office); a "
        "submitted run picks a proxy by its name.")
    assert refusal(options(smtp_proxy="socks5://10.0.0.8:25"), on) == (
        "The SMTP proxy 'socks5://10.0.0.8:25' is not one this worker's settings name "
        "(smtp.proxies: office); a submitted run picks a proxy by its name.")
    bare = worker(LOOKUP_SMTP__ENABLED="true")
    assert "(smtp.proxies: none)" in refusal(options(smtp_proxy="office"), bare)


def test_m365_cannot_be_turned_on_where_the_worker_keeps_it_off():
    """m365_https=true on a worker with m365.enabled = false is refused; allowed where on."""
    assert refusal(options(m365_https=True), worker()) == M365_OFF
    assert refusal(options(m365_https=True), worker(LOOKUP_M365__ENABLED="1")) is None


def test_no_world_for_submitted_runs_by_default():
    """runs.worlds is empty by default: any world is refused, saying how to allow one."""
    assert refusal(options(world="/srv/worlds/demo"), worker()) == (
        "This worker runs no world for a submitted run (runs.worlds is empty), so "
        "/srv/worlds/demo is refused; list the folder holding it in runs.worlds "
        "(LOOKUP_RUNS__WORLDS) on the workers to allow it.")


@pytest.mark.parametrize("world, allowed", [
    ("/srv/worlds/demo", True),
    ("/srv/worlds", True),
    ("/srv/worlds/../secrets/demo", False),
    ("/srv/worldsx/demo", False),
    ("worlds/demo", False),
    ("/etc", False),
])
def test_a_world_only_from_under_an_allowed_folder(world, allowed):
    """A world passes only as an absolute path under a folder of runs.worlds ('..' resolved)."""
    said = refusal(options(world=world), worker(LOOKUP_RUNS__WORLDS="/srv/worlds"))
    if allowed:
        assert said is None
    else:
        assert said == (f"The world {world} is not under a folder this worker allows "
                        "(runs.worlds: /srv/worlds); a submitted run names a world by its "
                        "absolute path there.")


def test_a_proxy_with_credentials_is_never_an_option():
    """A password in --smtp-proxy (or a run's parameter) is refused before anything records it,
    and the sentence shows the proxy without it."""
    with pytest.raises(BadInputError) as caught:
        ResearchRequest(name="Dana Okafor", company="Brightwater",
                        smtp_proxy="socks5://alice:S3cretPW@127.0.0.1:1080")
    assert "S3cretPW" not in str(caught.value) and "alice" not in str(caught.value)
    assert "socks5://…@127.0.0.1:1080 carries a user name or password" in str(caught.value)
    check_proxy_choice("office")
    check_proxy_choice("socks5://127.0.0.1:1080")


def test_a_named_proxy_takes_its_password_from_the_environment():
    """${NAME} in a proxy URL is the environment variable NAME, percent-encoded; one missing
    is a sentence naming it."""
    from flows.runtime import with_proxy
    from lookup.errors import ConfigError

    settings = worker(LOOKUP_SMTP__PROXIES__OFFICE="socks5://probe:${PW}@127.0.0.1:1080",
                      PW="p@ss:word")
    assert with_proxy(settings, "office").smtp.proxy == "socks5://probe:p%40ss%3Aword@127.0.0.1:1080"
    with pytest.raises(BadInputError, match=r"No SMTP proxy is named 'lab' .*smtp.proxies: office"):
        with_proxy(settings, "lab")
    with pytest.raises(ConfigError, match=r"uses \$\{PW\}, but the environment variable PW is not set"):
        worker(LOOKUP_SMTP__PROXY="socks5://probe:${PW}@127.0.0.1:1080")


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_a_refused_submitted_run_ends_failed_with_the_sentence(monkeypatch, data_dir):
    """The research flow, run as a deployment's run, ends Failed with the refusal as its state
    message and writes nothing."""
    from flows.research import research_interviewer

    monkeypatch.setenv("PREFECT__RUNTIME__DEPLOYMENT__ID", "0b6a3b6e-8a43-4c40-9d8d-8b6b1c0d8e21")
    request = ResearchRequest(name="Dana Okafor", company="Brightwater Analytics",
                              world=str(DEMO_WORLD), smtp=True)
    state = asyncio.run(research_interviewer(**request.to_params(), return_state=True))
    assert state.is_failed()
    assert state.message == SMTP_OFF
    assert not (data_dir / "briefings").exists()


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_a_run_of_a_deployment_is_told_from_a_local_run_by_its_context():
    """deployment_id reads the deployment of a run created from one (as a worker runs it)
    from the run's context, and None for a flow called here: the policy applies to the first."""
    from prefect import flow, get_client
    from prefect.flow_engine import run_flow_async

    from flows.research import deployment_id

    @flow(name="which-deployment")
    async def which() -> str | None:
        return deployment_id()

    async def both() -> tuple[str | None, str, str | None]:
        async with get_client() as client:
            made = await client.create_deployment(flow_id=await client.create_flow(which),
                                                  name="policy-check")
            run = await client.create_flow_run_from_deployment(made)
        return await run_flow_async(which, flow_run=run), str(made), await which()

    submitted, made, local = asyncio.run(both())
    assert submitted == made
    assert local is None
