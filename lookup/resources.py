"""The files that ship with the tool, found through ``importlib.resources``.

What ships: the default settings (``config/lookup.toml``), the card templates and
draft phrasebooks (``config/templates/``) and the demo world (``data/demo/``); the
tables, priors and calibration live in ``lookup/data/`` and are read where they are
used (``lookup.mail.rules``, ``lookup.address``).

The repository keeps ``config/`` and ``data/demo/`` at its top level, where users and
the README expect them. A wheel carries them inside the package, at
``lookup/_shipped/config`` and ``lookup/_shipped/demo`` (``force-include`` in
pyproject.toml). A source checkout (``make``, an editable install) has no
``_shipped`` folder; there the package's own checkout provides them. Either way the
place is found from the imported package, never from the current directory.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from lookup import __version__
from lookup.errors import ConfigError

__all__ = [
    "PROJECT",
    "checkout",
    "config_dir",
    "default_data_dir",
    "demo_world",
    "templates_dir",
    "user_agent",
    "version",
]

PROJECT = "interviewer-lookup"
_SHIPPED = "_shipped"  # inside the package, in a wheel: see pyproject.toml's force-include


def version() -> str:
    """The tool's version (defined once, in ``lookup/__init__.py``; the wheel reads it there)."""
    return __version__


def user_agent(template: str) -> str:
    """``template`` with ``{version}`` replaced: the User-Agent names the running version."""
    return template.replace("{version}", __version__)


def checkout() -> Path | None:
    """The source checkout this package was imported from, or None for an installed wheel.

    A checkout is the folder holding the ``lookup`` package beside ``config/lookup.toml``;
    an installed wheel has ``lookup/_shipped`` instead and is never taken for one, whatever
    sits next to it in site-packages.
    """
    package = _package()
    if (package / _SHIPPED).is_dir():
        return None
    root = package.parent
    if (root / "config" / "lookup.toml").is_file():
        return root
    return None


def config_dir() -> Path:
    """The folder holding the default ``lookup.toml`` and ``templates/``."""
    return _shipped("config", "lookup.toml")


def templates_dir() -> Path:
    """The shipped card templates and draft phrasebooks."""
    return config_dir() / "templates"


def demo_world() -> Path:
    """The demo world's folder (Brightwater Analytics), for ``lookup demo`` and ``--world``."""
    return _shipped("demo", "world.toml")


def default_data_dir() -> Path:
    """Where runs keep their state when the user names no data folder.

    From a checkout, its ``data/`` (as ``make demo`` and the README show); from an
    installed tool, the platform's data folder for the user (``platformdirs``:
    ``~/.local/share/interviewer-lookup`` on Linux, ``~/Library/Application
    Support/interviewer-lookup`` on macOS, ``%LOCALAPPDATA%\\interviewer-lookup`` on Windows).
    """
    root = checkout()
    if root is not None:
        return root / "data"
    import platformdirs  # only an installed tool needs it

    return Path(platformdirs.user_data_dir(PROJECT, appauthor=False))


# -- finding the files -----------------------------------------------------------------


def _package() -> Path:
    found = resources.files("lookup")
    if not isinstance(found, Path):  # e.g. imported from a zip file
        raise ConfigError(
            f"{PROJECT} must be installed as files on disk (pip, pipx or uv do that); "
            f"it was imported from {found}, which it cannot serve its demo world from."
        )
    return found


def _shipped(name: str, marker: str) -> Path:
    """``name`` (``config`` or ``demo``) inside the wheel, else in the checkout."""
    package = _package()
    candidates = [package / _SHIPPED / name]
    root = checkout()
    if root is not None:
        candidates.append(root / ("config" if name == "config" else "data/demo"))
    for folder in candidates:
        if (folder / marker).is_file():
            return folder
    raise ConfigError(
        f"The shipped file {name}/{marker} is missing from {package}; "
        f"reinstall {PROJECT} (its wheel carries it in lookup/{_SHIPPED}/{name})."
    )
