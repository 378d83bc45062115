"""Shipped files and the data folder: found from the imported package, never the current folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lookup
from flows.cli import app
from flows.demo import DEMO_INTERVIEW, demo_request
from lookup import resources
from lookup.errors import ConfigError
from lookup.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_a_checkout_provides_its_config_templates_demo_world_and_data_folder() -> None:
    """Run from this checkout, the shipped files are its config/ and data/demo/, and the
    default data folder is its data/."""
    assert resources.checkout() == ROOT
    assert resources.config_dir() == ROOT / "config"
    assert resources.templates_dir() == ROOT / "config" / "templates"
    assert resources.demo_world() == ROOT / "data" / "demo"
    assert resources.default_data_dir() == ROOT / "data"


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The package as a wheel lays it out (lookup/_shipped/…), in a folder beside a decoy
    config/ that an installed tool must not take for a checkout."""
    package = tmp_path / "site-packages" / "lookup"
    for name, marker in (("config", "lookup.toml"), ("demo", "world.toml")):
        (package / "_shipped" / name).mkdir(parents=True)
        (package / "_shipped" / name / marker).write_text("", encoding="utf-8")
    (tmp_path / "site-packages" / "config").mkdir()
    (tmp_path / "site-packages" / "config" / "lookup.toml").write_text("", encoding="utf-8")
    monkeypatch.setattr(resources, "_package", lambda: package)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    return package


def test_an_installed_wheel_uses_its_shipped_files_and_the_platform_data_folder(
    installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With lookup/_shipped present, nothing outside the package is used: the config and the
    demo world come from it, and the data folder is the platform's (here ~/.local/share)."""
    monkeypatch.chdir(tmp_path / "site-packages")  # a config/ right here changes nothing
    assert resources.checkout() is None
    assert resources.config_dir() == installed / "_shipped" / "config"
    assert resources.demo_world() == installed / "_shipped" / "demo"
    home = Path.home()  # conftest points HOME at the test's own folder
    assert resources.default_data_dir() == home / ".local" / "share" / "interviewer-lookup"


def test_a_package_missing_its_shipped_files_says_to_reinstall(
    installed: Path,
) -> None:
    """A damaged install is a ConfigError naming the missing file and the fix."""
    (installed / "_shipped" / "demo" / "world.toml").unlink()
    with pytest.raises(ConfigError) as error:
        resources.demo_world()
    assert str(error.value).startswith("The shipped file demo/world.toml is missing from ")
    assert str(error.value).endswith(
        "reinstall interviewer-lookup (its wheel carries it in lookup/_shipped/demo).")


def test_the_data_folder_is_the_default_unless_named(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """No data_dir setting: the default folder; a relative one is the user's, from the cwd."""
    monkeypatch.chdir(tmp_path)
    assert load_settings(env={}).data_dir == resources.default_data_dir()
    named = load_settings(env={"LOOKUP_DATA_DIR": "mine"})
    assert named.data_dir == tmp_path / "mine"


def test_the_version_is_defined_once_and_named_by_the_user_agent_and_the_cli() -> None:
    """lookup.__version__ is the version: the default User-Agent and `lookup --version` say it."""
    settings = load_settings(env={})
    assert settings.general.user_agent.startswith(f"interviewer-lookup/{lookup.__version__} (+")
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"interviewer-lookup {lookup.__version__} (Prefect 3.")


def test_the_demo_researches_the_shipped_world_with_smtp_on_the_given_day() -> None:
    """`lookup demo`'s request: the demo interview, on the shipped world, SMTP on, that day."""
    request = demo_request(dt.date(2026, 11, 25))
    assert request.world == str(resources.demo_world()) and request.smtp is True
    assert request.interview_date == "2026-11-25"
    assert {k: getattr(request, k) for k in DEMO_INTERVIEW} == DEMO_INTERVIEW
    assert request.domain is None and request.language is None


def test_lookup_demo_path_prints_the_shipped_world() -> None:
    """`lookup demo --path` prints the demo world's folder and nothing else."""
    result = CliRunner().invoke(app, ["demo", "--path"])
    assert result.exit_code == 0
    assert result.stdout == f"{resources.demo_world()}\n"
