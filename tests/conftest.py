"""Shared fixtures: one database built from the shipped seeds per session, private copies of it
for tests that change it, and small fixture databases built from tests/fixtures/spine."""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path

import pytest

from spider.db import open_db
from spider.expand import expand
from spider.ingest import ingest_file
from spider.pipeline import build_from_seeds, rebuild
from spider.prospects import Expansion
from spider.settings import Settings

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "spine"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _company_signals(db, company_id: int) -> set[str]:
    """Every signal a company carries, from the `company_signals` table."""
    return {
        s
        for (s,) in db.execute(
            "select signal from company_signals where company_id = ?", [company_id]
        )
    }


def _company_names(db, company_id: int) -> set[str]:
    """Every name a company goes by (all its records, any script)."""
    names = {
        n
        for (n,) in db.execute("select name from company_names where company_id = ?", [company_id])
    }
    row = db.execute(
        "select name, name_local, name_en, legal_name from companies where id = ?", [company_id]
    ).fetchone()
    return (names | set(row or ())) - {None, ""}


def copy_db(source_path: Path, target_path: Path):
    """A private copy of a database (sqlite backup, WAL-safe), opened as a Spider database."""
    src = sqlite3.connect(str(source_path))
    dst = sqlite3.connect(str(target_path))
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return open_db(target_path)


@pytest.fixture(scope="session")
def seeded_path(tmp_path_factory) -> Path:
    """The path of ONE database built from seeds/ (about 3 s), shared read-only by the session."""
    path = tmp_path_factory.mktemp("seeded") / "spider.db"
    db = open_db(path)
    build_from_seeds(db, Settings())
    db.conn.close()
    return path


@pytest.fixture(scope="session")
def seeded_db(seeded_path):
    """The shared seeded database. Do not write to it: use `private_db` for that."""
    db = open_db(seeded_path)
    yield db
    db.conn.close()


@pytest.fixture
def private_db(seeded_path, tmp_path):
    """A private copy of the seeded database, for tests that record won clients, ingest, ..."""
    db = copy_db(seeded_path, tmp_path / "private.db")
    yield db
    db.conn.close()


@pytest.fixture
def private_db_path(seeded_path, tmp_path) -> Path:
    """A private copy of the seeded database as a path (for CLI runs with --db / SPIDER_DB)."""
    path = tmp_path / "cli.db"
    copy_db(seeded_path, path).conn.close()
    return path


@pytest.fixture(scope="session")
def expanded(seeded_db):
    """Expand a query on the shared database once per session (not saved); tests get a copy."""
    cache: dict[tuple[str, int], Expansion] = {}

    def run(query: str, *, limit: int = 50) -> Expansion:
        key = (query, limit)
        if key not in cache:
            cache[key] = expand(seeded_db, Settings(), query, limit=limit, save=False)
        return copy.deepcopy(cache[key])

    return run


@pytest.fixture
def ambiguous_db(tmp_path):
    """A small database where two unrelated companies share the name 'Sakura Corporation'."""
    db = open_db(tmp_path / "ambiguous.db")
    ingest_file(db, FIXTURES / "ambiguous.csv")
    rebuild(db, Settings())
    yield db
    db.conn.close()


@pytest.fixture(scope="session")
def signals_of():
    """signals_of(db, company_id): the set of signals a company carries."""
    return _company_signals


@pytest.fixture(scope="session")
def names_of():
    """names_of(db, company_id): every name a company goes by."""
    return _company_names


def built_db(tmp_path: Path, name: str, text: str, *, db=None, mapping=None, constants=None):
    """DB (or a new database at TMP_PATH/spider.db) with TEXT ingested as the list file NAME
    and the graph rebuilt: a small list written as a user's directory comes."""
    db = db if db is not None else open_db(tmp_path / "spider.db")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    ingest_file(db, path, mapping=mapping, constants=constants)
    rebuild(db, Settings())
    return db


def callbacks_due_now(db) -> None:
    """Move every scheduled callback to a minute ago, so a test reads the day's queue the same
    at any hour: a callback falls inside the prospect's business hours, which at some hours of
    the day is tomorrow, beyond the queue's next twelve hours. DB: a path, a connection or a
    Spider Database."""
    from datetime import UTC, datetime, timedelta

    when = (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="seconds")
    conn = sqlite3.connect(db) if isinstance(db, str | Path) else getattr(db, "conn", db)
    try:
        with conn:
            conn.execute("update call_log set callback_at = ? where callback_at is not null",
                         [when])
    finally:
        if isinstance(db, str | Path):
            conn.close()
