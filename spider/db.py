"""Where the database lives and its schema: one idempotent set-up, safe to call on every start.

And the helpers every stage uses to touch it: `table(db, name)` (a typed table for the schema),
`rows_in(db, sql, values)` (one query over any number of ids, in chunks SQLite accepts),
`transaction(db)` (writes that commit together or not at all) and `insert_rows` /
`upsert_row` / `update_row` (plain SQL writes: they never commit on their own, so a stage's
writes land in one transaction, and bulk rows go through `executemany`).

The connection runs in autocommit mode: a statement outside `transaction()` commits at once;
inside, nothing is visible to other readers until the whole block commits.
"""

from __future__ import annotations

import itertools
import operator
import os
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spider.errors import DatabaseError
from spider.fields import FIELDS, PROVENANCE

if TYPE_CHECKING:
    from sqlite_utils.db import Table

class Database:
    """A Spider database: the connection, and the calls the stages make on it.

    Reads and Spider's own writers go straight to sqlite3; sqlite-utils' table API (schema
    set-up, `table(db, name)`) is imported only when a table is asked for, so a command that
    only reads (`expand`) never pays for importing it.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._tables: Any = None
        self.defaulted: dict[str, frozenset[str]] = {}  # per table, columns with a DEFAULT
        conn.execute("PRAGMA recursive_triggers=on")

    def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, parameters)

    def query(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()
              ) -> Iterator[dict[str, Any]]:
        """Rows of SQL as dicts."""
        cursor = self.conn.execute(sql, parameters)
        keys = [d[0] for d in cursor.description or ()]
        for row in cursor:
            yield dict(zip(keys, row, strict=True))

    def table(self, name: str) -> Table:
        if self._tables is None:
            import sqlite_utils  # a schema change or a table's own API: rare, and heavy to import

            self._tables = sqlite_utils.Database(self.conn)
        return self._tables.table(name)

    def __getitem__(self, name: str) -> Table:
        return self.table(name)

    def table_names(self) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "select name from sqlite_master where type = 'table' order by name")]

    def execute_returning_dicts(self, sql: str, parameters: Sequence[Any] = ()
                                ) -> list[dict[str, Any]]:
        return list(self.query(sql, parameters))

    def close(self) -> None:
        self.conn.close()


# Bumped whenever a table or column is added: a database set up by an older version runs the
# set-up again on open (and rebuilds its derived tables); a current one skips it.
SCHEMA_VERSION = 10
# The last version whose new derived tables need a rebuild to fill (9 changed an index, 10
# added a column to the call log).
REBUILD_VERSION = 8
# The columns of the index that serves a signal's holders (spider.signals rebuilds it in bulk).
SIGNAL_HOLDERS = ("signal", "company_id", "weight")
# How many values one `IN (...)` takes: well under SQLite's limit on bound parameters.
CHUNK = 500

# Extra schema set-ups registered by stages that own tables (crawl cache, ...). Each is
# idempotent and runs after the core tables exist.
_SCHEMA_HOOKS: list[Callable[[Database], None]] = []


def register_schema(hook: Callable[[Database], None]) -> Callable:
    """Let a stage module add its own tables to `ensure_schema`."""
    if hook not in _SCHEMA_HOOKS:
        _SCHEMA_HOOKS.append(hook)
    return hook


def user_data_dir() -> Path:
    """The per-user data directory (XDG on Linux, Application Support on macOS, LOCALAPPDATA)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "spider"


def default_db_path() -> Path:
    """`SPIDER_DB` if set, else spider.db in the user's data directory."""
    env = os.environ.get("SPIDER_DB")
    return Path(env).expanduser() if env else user_data_dir() / "spider.db"


CACHE_KIB = 131_072


def writable(path: Path) -> bool:
    """Whether the database file (and its folder, for the WAL files) can be written."""
    folder = path.parent if str(path.parent) else Path(".")
    return os.access(folder, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))


def open_db(path: str | Path) -> Database:
    """Open (creating if needed) a Spider database and make sure its schema is current.

    A database on a read-only mount (or a file you may not write) opens read-only: every
    command that only reads works; one that writes says so.
    """
    path = Path(path)
    if path.exists() and not writable(path):
        return _open_read_only(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        # A page cache of up to 128 MiB, filled only as pages are read (the default is 2 MiB):
        # a million records' unique keys and links are inserted at random places in their
        # indexes, and with 2 MiB nearly every insert reads its page back in (1.28 million
        # rows with a unique key: 18-22 s against 11-12 s, bench/README.md "Scale").
        conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        conn.execute(f"PRAGMA temp.cache_size=-{CACHE_KIB}")
        db = Database(conn)
        ensure_schema(db)
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(
            f"{path}: cannot open as a Spider database ({exc}); point --db or SPIDER_DB at another file"
        ) from None
    except OSError as exc:
        raise DatabaseError(f"{path}: {exc.strerror}; point --db or SPIDER_DB at a writable path") from None
    return db


def _open_read_only(path: Path) -> Database:
    try:
        # immutable: nobody can change a file on a read-only mount, so SQLite need not lock it
        # (and cannot create the WAL's shared-memory file beside it anyway).
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True,
                               isolation_level=None)
        conn.execute("pragma query_only = 1")
        version = conn.execute("pragma user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{path}: cannot open as a Spider database ({exc}); point --db or "
                            "SPIDER_DB at another file") from None
    if version != SCHEMA_VERSION:
        raise DatabaseError(f"{path}: read-only, and made by another version of Spider; copy it "
                            "somewhere writable so it can be brought up to date")
    return Database(conn)


def is_read_only(db: Database) -> bool:
    """Whether the database was opened read-only (it lives where it cannot be written)."""
    return bool(db.execute("pragma query_only").fetchone()[0])


def table(db: Database, name: str) -> Table:
    """The table NAME (sqlite-utils' `db[name]` may also be a view; Spider's never are)."""
    return db.table(name)


_SAVEPOINTS = itertools.count(1)


@contextmanager
def transaction(db: Database) -> Iterator[None]:
    """Writes that commit together or not at all (an interrupt or error rolls them back).

    Takes SQLite's write lock at once (BEGIN IMMEDIATE); nested, it is a savepoint. Never call
    sqlite-utils' own writers inside: they commit whatever transaction is open.
    """
    conn = db.conn
    if conn.in_transaction:
        name = f"spider_{next(_SAVEPOINTS)}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            raise
        conn.execute(f"RELEASE {name}")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def bulk_load(db: Database, name: str, *indexes: tuple[str, ...]) -> Iterator[None]:
    """Fill table NAME in bulk without keeping up the given secondary indexes (the ones
    `ensure_schema` makes, by their columns) row by row: they are dropped, then built again
    from the loaded rows, which is several times faster. Use inside a transaction, so an
    interruption leaves the indexes as they were."""
    names = [(f"idx_{name}_{'_'.join(cols)}", cols) for cols in indexes]
    for index, _ in names:
        db.execute(f"drop index if exists {_quoted(index)}")
    yield
    for index, cols in names:
        db.execute(f"create index if not exists {_quoted(index)} on {_quoted(name)} "
                   f"({', '.join(_quoted(c) for c in cols)})")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def insert_rows(db: Database, name: str, rows: Iterable[dict[str, Any]], *,
                columns: Sequence[str] | None = None, conflict: str = "",
                batch: int = 5000) -> int:
    """Insert dict rows with `executemany` (columns: those given, else the first row's keys;
    a missing key is NULL). `conflict` is "" (fail), "replace" or "ignore". Returns the count."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    cols = list(columns or first)
    count = 0
    pending = itertools.chain([first], rows)
    while chunk := list(itertools.islice(pending, batch)):
        insert_values(db, name, cols, [[row.get(c) for c in cols] for row in chunk],
                      conflict=conflict)
        count += len(chunk)
    return count


def insert_values(db: Database, name: str, columns: Sequence[str],
                  rows: Sequence[Sequence[Any]], *, conflict: str = "") -> None:
    """Insert positional ROWS of COLUMNS, in order, naming in the statement only the columns
    some row fills. Python's sqlite3 binds a None through its adapter look-up (about a
    microsecond, an ignored AttributeError each), a string or number directly, and a
    directory's records leave most of their 41 columns empty in every row (no kana, no
    corporate number, no brand): those are left to be NULL. A column with a DEFAULT in the
    schema is always bound (left out, it would take the default, not NULL)."""
    if not rows:
        return
    verb = {"": "insert", "replace": "insert or replace", "ignore": "insert or ignore"}[conflict]
    bound = _defaulted(db, name)
    filled = [i for i, c in enumerate(columns)
              if c in bound or any(values[i] is not None for values in rows)] or [0]
    sql = (f"{verb} into {_quoted(name)} ({', '.join(_quoted(columns[i]) for i in filled)}) "
           f"values ({', '.join('?' * len(filled))})")
    if len(filled) == len(columns):
        db.conn.executemany(sql, rows)
    else:
        pick = operator.itemgetter(*filled)
        db.conn.executemany(sql, [pick(values) for values in rows] if len(filled) > 1
                            else [(pick(values),) for values in rows])


def _defaulted(db: Database, name: str) -> frozenset[str]:
    """The columns of table NAME declared with a DEFAULT (kept per connection)."""
    if name not in db.defaulted:
        db.defaulted[name] = frozenset(row[1] for row in db.conn.execute(
            f"pragma table_info({_quoted(name)})") if row[4] is not None)
    return db.defaulted[name]


def upsert_row(db: Database, name: str, row: dict[str, Any], pk: str) -> None:
    """Insert ROW, or update the columns it gives where its primary key `pk` exists."""
    cols = list(row)
    updates = ", ".join(f"{_quoted(c)} = excluded.{_quoted(c)}" for c in cols if c != pk)
    db.conn.execute(
        f"insert into {_quoted(name)} ({', '.join(_quoted(c) for c in cols)}) values "
        f"({', '.join('?' * len(cols))}) on conflict({_quoted(pk)}) do "
        + (f"update set {updates}" if updates else "nothing"),
        [row[c] for c in cols])


def update_row(db: Database, name: str, pk: str, key: Any,
               values: dict[str, Any]) -> None:
    """Set the columns VALUES gives on the row whose `pk` is KEY."""
    if values:
        db.conn.execute(
            f"update {_quoted(name)} set {', '.join(f'{_quoted(c)} = ?' for c in values)} "
            f"where {_quoted(pk)} = ?", [*values.values(), key])


def _cursors_in(db: Database, sql: str, values: Iterable[Any],
                before: Sequence[Any], after: Sequence[Any]) -> Iterator[sqlite3.Cursor]:
    values = list(values)
    for start in range(0, len(values), CHUNK):
        chunk = values[start:start + CHUNK]
        yield db.execute(sql.replace("{marks}", ",".join("?" * len(chunk))),
                         [*before, *chunk, *after])


def rows_in(db: Database, sql: str, values: Iterable[Any], *,
            before: Sequence[Any] = (), after: Sequence[Any] = ()) -> Iterator[tuple]:
    """Rows of SQL run once per chunk of VALUES; `{marks}` in SQL stands for the chunk's
    placeholders, `before` and `after` are the parameters on either side of them."""
    for cursor in _cursors_in(db, sql, values, before, after):
        yield from cursor


def execute_in(db: Database, sql: str, values: Iterable[Any], *,
               before: Sequence[Any] = (), after: Sequence[Any] = ()) -> int:
    """Run a write once per chunk of VALUES (`{marks}` as in rows_in); the rows it changed."""
    return sum(cursor.rowcount for cursor in _cursors_in(db, sql, values, before, after))


def dicts_in(db: Database, sql: str, values: Iterable[Any], *,
             before: Sequence[Any] = (), after: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
    """`rows_in`, each row a dict by column name."""
    for cursor in _cursors_in(db, sql, values, before, after):
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(names, row, strict=True))


def _columns(names: tuple[str, ...], kind: type = str) -> dict[str, type]:
    return {name: kind for name in names}


def ensure_schema(db: Database) -> None:
    """Create every core table and index if missing. Never drops or rewrites data.

    A database already at SCHEMA_VERSION (PRAGMA user_version) is left alone: one read.
    """
    if db.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION:
        return
    record_columns: dict[str, type] = {"id": int, "record_key": str}
    record_columns.update(_columns(PROVENANCE))
    record_columns.update(_columns(FIELDS))
    record_columns.update({"lat": float, "lon": float, "extra": str, "content_hash": str,
                           "status": str, "ingested_at": str, "updated_at": str,
                           "identity": str, "read_id": str, "stale_since": str})
    table(db, "records").create(record_columns, pk="id", if_not_exists=True)
    table(db, "records").create_index(["record_key"], unique=True, if_not_exists=True)
    table(db, "records").create_index(["source"], if_not_exists=True)

    table(db, "sources").create(
        {"id": int, "location": str, "kind": str, "recipe": str, "mapping": str, "schedule": str,
         "confidence": float, "added_at": str, "last_read_at": str, "records": int,
         "skipped": int},
        pk="id", if_not_exists=True,
    )
    table(db, "sources").create_index(["location"], unique=True, if_not_exists=True)

    # Written by the resolve stage (spider.resolve.stage); company ids are stable because a
    # company takes the id of its oldest record.
    table(db, "companies").create(
        {"id": int, "name": str, "name_local": str, "name_en": str, "name_kana": str,
         "legal_name": str, "corporate_number": str, "category": str, "brand": str, "group": str,
         "address": str, "district": str, "city": str, "region": str, "country": str,
         "postal_code": str, "lat": float, "lon": float, "phone": str, "website": str,
         "description": str, "employees": str, "record_count": int, "status": str,
         "stale_since": str},
        pk="id", if_not_exists=True,
    )
    table(db, "record_links").create(
        {"record_id": int, "company_id": int, "score": float, "rule": str},
        pk="record_id", if_not_exists=True,
    )
    table(db, "record_links").create_index(["company_id"], if_not_exists=True)
    table(db, "review_queue").create(
        {"id": int, "record_a": int, "record_b": int, "score": float, "breakdown": str,
         "status": str, "decided_at": str},
        pk="id", if_not_exists=True,
    )
    table(db, "review_queue").create_index(["record_a", "record_b"], unique=True, if_not_exists=True)
    # User decisions (merge/split/keep-apart) keyed by stable record keys: never touched
    # by a rebuild or refresh.
    table(db, "decisions").create(
        {"id": int, "kind": str, "record_key_a": str, "record_key_b": str, "note": str,
         "decided_at": str},
        pk="id", if_not_exists=True,
    )

    table(db, "signals").create(
        {"signal": str, "kind": str, "label": str, "companies": int, "idf": float,
         "weight_sum": float},
        pk="signal", if_not_exists=True,
    )
    # Weighted degrees of company nodes, so ranking never sums a neighbour list twice.
    table(db, "company_weights").create({"company_id": int, "weight_sum": float}, pk="company_id",
                                 if_not_exists=True)
    table(db, "company_signals").create(
        {"company_id": int, "signal": str, "weight": float, "confidence": float,
         "evidence": str, "source": str},
        pk=("company_id", "signal"), if_not_exists=True,
    )
    # The holders of a signal with their weights, read from the index alone (a broad signal's
    # tens of thousands of holders in one range, not a table row each).
    db.execute("drop index if exists idx_company_signals_signal")
    table(db, "company_signals").create_index(list(SIGNAL_HOLDERS), if_not_exists=True)

    # User data: won clients point at a record (stable) rather than a company id.
    table(db, "won_clients").create(
        {"id": int, "record_id": int, "name": str, "referenceable": int, "story": str,
         "won_at": str, "source": str},
        pk="id", if_not_exists=True,
    )
    table(db, "won_clients").create_index(["record_id"], unique=True, if_not_exists=True)
    # Seam for the exclusions issue: do-not-call, existing customers, competitors, partners.
    table(db, "exclusions").create(
        {"id": int, "record_id": int, "kind": str, "reason": str, "expires_at": str,
         "created_at": str},
        pk="id", if_not_exists=True,
    )
    table(db, "prospects").create(
        {"run_id": str, "rank": int, "company_id": int, "score": float, "priority": str,
         "segment": str, "reasons": str, "reference_company_id": int, "reference": str,
         "angle": str, "opening_line": str, "ask_for": str, "sources": str},
        pk=("run_id", "rank"), if_not_exists=True,
    )
    table(db, "runs").create(
        {"id": str, "query": str, "seeds": str, "settings": str, "created_at": str},
        pk="id", if_not_exists=True,
    )
    table(db, "meta").create({"key": str, "value": str}, pk="key", if_not_exists=True)
    table(db, "company_names").create({"company_id": int, "name": str, "key": str},
                               pk=("company_id", "key"), if_not_exists=True)
    table(db, "company_names").create_index(["key"], if_not_exists=True)
    # The query vocabulary of this build (spider.query): every phrase a segment query may
    # use, and the signals each term names, so a query reads only the phrases it contains.
    table(db, "query_terms").create(
        {"id": int, "label": str, "facet": str, "patterns": str, "signals": str,
         "implies": str, "vocabulary": int, "user": int},
        pk="id", if_not_exists=True,
    )
    table(db, "query_terms").create_index(["label"], if_not_exists=True)
    table(db, "query_phrases").create(
        {"phrase": str, "term_id": int, "seq": int, "length": int, "single": int},
        pk="phrase", if_not_exists=True,
    )
    table(db, "query_phrases").create_index(["single", "length"], if_not_exists=True)
    table(db, "query_phrases").create_index(["length"], if_not_exists=True)
    # The words of each category and industry label, with their rarity among labels: a query
    # word meets every label it is part of ("planetarium" meets "Science and Technology Museum
    # or Planetarium").
    table(db, "query_words").create({"word": str, "term_id": int, "weight": float, "words": int},
                                    if_not_exists=True)
    table(db, "query_words").create_index(["word"], if_not_exists=True)
    _resolve_state_tables(db)
    # What each `spider refresh` did (spider.refresh): its sources and summary, and the
    # companies it changed, how and which fields.
    table(db, "refresh_runs").create(
        {"id": int, "started_at": str, "finished_at": str, "sources": str, "summary": str,
         "dry_run": int, "changes": int},
        pk="id", if_not_exists=True,
    )
    table(db, "refresh_changes").create(
        {"run_id": int, "company_id": int, "change": str, "name": str, "fields": str,
         "detail": str},
        if_not_exists=True,
    )
    table(db, "refresh_changes").create_index(["run_id"], if_not_exists=True)
    # User data: every call a rep logged (spider.calls), append-only, pinned to a record.
    table(db, "call_log").create(
        {"id": int, "record_id": int, "outcome": str, "note": str, "contact": str, "rep": str,
         "logged_at": str, "callback_at": str, "attempt": int, "source": str,
         "spoke_with": str},
        pk="id", if_not_exists=True,
    )
    table(db, "call_log").create_index(["record_id"], if_not_exists=True)
    # Companies handed to a rep (a call list written, a day's queue shown): `expand --more`
    # never hands them out again. Pinned to a record, as every piece of user data.
    table(db, "handed_out").create(
        {"record_id": int, "how": str, "at": str, "file": str}, if_not_exists=True)
    table(db, "handed_out").create_index(["record_id"], if_not_exists=True)
    table(db, "call_log").create_index(["callback_at"], if_not_exists=True)
    _add_missing_columns(db)
    for hook in _SCHEMA_HOOKS:
        hook(db)
    before = get_meta(db, "schema_version")
    if before is not None and int(before) < REBUILD_VERSION:
        # Derived tables this version adds are filled by a rebuild (decisions kept).
        if db.execute("select exists(select 1 from records)").fetchone()[0]:
            set_meta(db, "needs_rebuild", "1")
            if int(before) < 3:  # records were keyed by row number: key them by identity
                set_meta(db, "needs_rekey", "1")
    set_meta(db, "schema_version", str(SCHEMA_VERSION))
    db.execute(f"pragma user_version = {SCHEMA_VERSION}")


def _resolve_state_tables(db: Database) -> None:
    """What an update in place stands on (spider.resolve.incremental): the records changed
    since the graph was built, and what the last full resolution knew of the others."""
    # Every record added, edited, gone stale or named by a decision since the graph was last
    # built; `graph_built` empties it. Filled by triggers, so every writer (file ingest, the
    # crawler, a repair by hand in sqlite3) is seen.
    db.execute("create table if not exists dirty_records (record_id integer primary key)")
    db.execute("create trigger if not exists records_dirty_insert after insert on records "
               "begin insert or ignore into dirty_records values (new.id); end")
    db.execute("create trigger if not exists records_dirty_update after update of content_hash, "
               "status on records when old.content_hash is not new.content_hash or "
               "old.status is not new.status "
               "begin insert or ignore into dirty_records values (new.id); end")
    # The selective block keys of every resolved record (a stable 64-bit hash of rule and
    # key), the name-token document frequencies and the brands the last full resolution
    # counted: a new record meets its candidates here without preparing a million others.
    db.execute("create table if not exists resolve_keys (key integer not null, record_id "
               "integer not null, primary key (key, record_id)) without rowid")
    db.execute("create table if not exists resolve_tokens (token text primary key, "
               "df integer not null) without rowid")
    db.execute("create table if not exists resolve_brands (brand text primary key) without rowid")
    table(db, "records").create_index(["lat"], if_not_exists=True)


# Columns added after a table first shipped: (table, column, type). A database made by an
# older version gains them on open; if a derived table changed, the graph is rebuilt.
_LATER_COLUMNS: tuple[tuple[str, str, type], ...] = (
    ("signals", "weight_sum", float),
    ("sources", "confidence", float),
    ("records", "source_id", str),
    ("records", "identity", str),
    ("records", "read_id", str),
    ("records", "stale_since", str),
    ("companies", "status", str),
    ("companies", "stale_since", str),
    ("query_terms", "user", int),
    ("records", "operating_status", str),
    ("sources", "constants", str),
    ("sources", "options", str),
    ("sources", "encoding", str),
    ("sources", "status", str),
    ("call_log", "spoke_with", str),  # who answered (a gatekeeper's name, "receptionist")
    ("sources", "retired_at", str),
    ("sources", "last_error", str),
    # where the company kept its hours when the call was logged (a country or region code):
    # its callback keeps its zone once its list drops it
    ("call_log", "zone", str),
)
_DERIVED = frozenset({"signals", "company_signals", "company_weights"})


def _add_missing_columns(db: Database) -> None:
    for name, column, kind in _LATER_COLUMNS:
        if column not in table(db, name).columns_dict:
            table(db, name).add_column(column, kind)
            if name in _DERIVED:
                set_meta(db, "needs_rebuild", "1")


def records_changed(db: Database) -> None:
    """Note that records (or decisions about them) changed: the graph is behind until rebuilt.
    Call inside the transaction that changes them, so both land or neither does."""
    db.conn.execute(
        "insert into meta (key, value) values ('records_version', '1') on conflict(key) do "
        "update set value = cast(cast(value as integer) + 1 as text)")


def graph_built(db: Database) -> None:
    """Note that the graph now reflects every record (inside the rebuild's transaction)."""
    set_meta(db, "built_version", get_meta(db, "records_version") or "0")
    db.execute("delete from dirty_records")


def graph_is_current(db: Database) -> bool:
    """Whether the graph was built from the records as they are now."""
    return (get_meta(db, "built_version") or "0") == (get_meta(db, "records_version") or "0")


def has_table(db: Database, name: str) -> bool:
    """Whether the table (or view, or index) NAME exists: a command that only reads never
    creates the tables of a feature not used yet."""
    return db.execute("select 1 from sqlite_master where name = ?", [name]).fetchone() \
        is not None


def company_count(db: Database) -> int:
    """How many companies there are, as the last build's ANALYZE counted them (a count(*) of a
    million companies takes 0.2 s, and a share of them is all a query needs), else counted;
    at least 1."""
    if has_table(db, "sqlite_stat1"):
        row = db.execute("select stat from sqlite_stat1 where tbl = 'companies' "
                         "order by idx is not null limit 1").fetchone()
        if row and str(row[0]).split()[0].isdigit():
            return max(1, int(str(row[0]).split()[0]))
    return db.execute("select count(*) from companies").fetchone()[0] or 1


def get_meta(db: Database, key: str, default: str | None = None) -> str | None:
    row = db.execute("select value from meta where key = ?", [key]).fetchone()
    return row[0] if row else default


def set_meta(db: Database, key: str, value: str) -> None:
    db.conn.execute("insert or replace into meta (key, value) values (?, ?)", [key, value])


def _stale_normalizer(db: Database) -> bool:
    """Whether the graph was built by another version of spider.resolve.normalize, whose name
    keys the index and the resolution would not meet (every rebuild stamps its version)."""
    from spider.resolve.normalize import NORMALIZE_VERSION

    stamp = get_meta(db, "normalize_version")
    return stamp is not None and stamp != NORMALIZE_VERSION


def build_needed(db: Database) -> str | None:
    """Why the graph must be built before it can answer, or None when it is current:
    "seeds" (a new database), "upgrade" (made by another version of Spider) or "behind"
    (records changed after the last build finished: an ingest or a rebuild was interrupted)."""
    has_records = db.execute("select exists(select 1 from records)").fetchone()[0]
    if not has_records:
        return None if get_meta(db, "seeded") or get_meta(db, "empty") == "1" else "seeds"
    if get_meta(db, "needs_rebuild") == "1" or _stale_normalizer(db):
        return "upgrade"
    if not graph_is_current(db):
        return "behind"
    return None
