"""A data folder shared by workers on several machines: the day's port-25 answer is kept per
machine and written under a lock; a SQLite store used from two machines is refused."""

from __future__ import annotations

import json
import threading

import pytest

from lookup.errors import StoreError
from lookup.mail.dayfile import read_entries, write_entry
from lookup.mail.portcheck import REACH_FILE, PortAnswer, PortCheck
from lookup.ratelimit import FakeClock
from lookup.settings import load_settings
from lookup.store import Store


def test_one_machine_s_blocked_port_is_not_another_s(tmp_path):
    """A block found on one machine is that machine's: another one sharing the folder checks
    for itself; the first still reads its own block."""
    day, clock = tmp_path / REACH_FILE, FakeClock(epoch=1_800_000_000.0)
    PortCheck(port=25, timeout_s=1, cache_file=day, clock=clock, machine="worker-a").remember(
        PortAnswer(True, "refused", clock.time()))
    assert PortCheck(port=25, timeout_s=1, cache_file=day, clock=clock,
                     machine="worker-b").cached() is None
    mine = PortCheck(port=25, timeout_s=1, cache_file=day, clock=clock, machine="worker-a")
    assert mine.cached() is not None and mine.cached().blocked
    assert all(key.startswith("worker-a ") for key in json.loads(day.read_text()))


def test_writers_of_the_day_file_at_once_keep_each_other_s_answers(tmp_path):
    """Eight writers, each writing its own entry many times at once: every entry is there at
    the end (a read-modify-write without the lock loses some)."""
    day = tmp_path / REACH_FILE
    start = threading.Barrier(8)

    def writer(n: int) -> None:
        start.wait()
        for i in range(25):
            write_entry(day, f"machine-{n}", {"blocked": False, "round": i})

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    entries = read_entries(day)
    assert sorted(entries) == [f"machine-{n}" for n in range(8)]
    assert {e["round"] for e in entries.values()} == {24}


def _on(machine: str, data):
    return load_settings(env={}, overrides={"general": {"data_dir": str(data),
                                                        "machine": machine}})


def test_a_sqlite_store_used_from_two_machines_is_refused(tmp_path):
    """Workers on two machines opening one SQLite file (a shared folder): the second machine is
    refused in a sentence naming LOOKUP_DATABASE_URL; the first goes on, and one machine
    opening it again and again is never refused."""
    data = tmp_path / "shared"
    for _ in range(2):
        Store.for_settings(_on("worker-a", data)).close()
    with pytest.raises(StoreError) as refused:
        Store.for_settings(_on("worker-b", data))
    said = str(refused.value)
    assert "is used from several machines (worker-b and worker-a, in the last 15 minutes)" in said
    assert "give every worker LOOKUP_DATABASE_URL=postgresql+psycopg://" in said
    Store.for_settings(_on("worker-a", data)).close()
