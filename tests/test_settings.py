"""Settings load once from defaults, a user file and LOOKUP_* variables, into one frozen object."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from lookup.errors import ConfigError
from lookup.settings import WorldEndpoints, load_settings


def test_defaults_come_from_config_lookup_toml() -> None:
    """Without overrides the shipped defaults apply (SMTP probing off, 2 s between searches)."""
    s = load_settings({})
    assert s.smtp.enabled is False
    assert s.search.min_interval_s == 2.0
    assert s.fetch.max_bytes == 2_000_000
    assert s.reverify.cron == "0 8 * * 1"


def test_user_file_then_environment_override(tmp_path: Path) -> None:
    """A user file overrides the defaults and LOOKUP_* variables override the file."""
    user = tmp_path / "mine.toml"
    user.write_text('[search]\nmax_results = 7\nregion = "de-de"\n[smtp]\nenabled = true\n')
    s = load_settings(
        {
            "LOOKUP_CONFIG": str(user),
            "LOOKUP_SEARCH__MAX_RESULTS": "3",
            "LOOKUP_DATA_DIR": str(tmp_path / "d"),
            "LOOKUP_DNS__NAMESERVERS": "127.0.0.1,::1",
        }
    )
    assert (s.search.max_results, s.search.region, s.smtp.enabled) == (3, "de-de", True)
    assert s.data_dir == (tmp_path / "d").resolve()
    assert s.dns.nameservers == ("127.0.0.1", "::1")
    assert s.database_url == f"sqlite:///{(tmp_path / 'd' / 'lookup.db').resolve()}"


def test_settings_are_immutable() -> None:
    """The settings object cannot be changed after loading."""
    s = load_settings({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.search.max_results = 99  # type: ignore[misc]


@pytest.mark.parametrize(
    ("env", "words"),
    [
        (
            {"LOOKUP_SEARCH__MAX_RESULTS": "many"},
            "search.max_results has a value of the wrong type",
        ),
        ({"LOOKUP_SMTP__ENABLED": "perhaps"}, "smtp.enabled has a value of the wrong type"),
        ({"LOOKUP_SEARCH__COLOUR": "blue"}, "Unknown setting"),
        ({"LOOKUP_NOPE__X": "1"}, "Unknown settings section"),
        ({"LOOKUP_CONFIG": "/nonexistent/lookup.toml"}, "does not exist"),
    ],
)
def test_wrong_settings_say_what_is_wrong(env: dict[str, str], words: str) -> None:
    """Wrong values, unknown keys and a missing user file raise ConfigError with a sentence."""
    with pytest.raises(ConfigError, match=words):
        load_settings(env)


def test_world_mode_points_every_edge_at_the_world() -> None:
    """in_world() sends search, DNS and SMTP to the world's loopback servers."""
    ends = WorldEndpoints(
        "/w", http_port=1001, dns_port=1002, smtp_port=1003, search_url="http://127.0.0.1:1004"
    )
    s = load_settings({}).in_world(ends)
    assert s.world_mode
    assert (s.search.backend, s.search.searxng_url) == ("searxng", "http://127.0.0.1:1004")
    assert (s.dns.nameservers, s.dns.port, s.smtp.port) == (("127.0.0.1",), 1002, 1003)


def test_the_user_s_time_zone_is_the_setting_then_tz_then_the_machine_s() -> None:
    """followup.timezone wins, then $TZ (its ':' prefix dropped), then the machine's zone as
    tzlocal reads it: always a name zoneinfo knows."""
    import zoneinfo

    from lookup.settings import local_timezone

    assert local_timezone("Asia/Kolkata", env={"TZ": "Europe/Berlin"}) == "Asia/Kolkata"
    assert local_timezone("", env={"TZ": ":Europe/Berlin"}) == "Europe/Berlin"
    assert zoneinfo.ZoneInfo(local_timezone("", env={})).key
