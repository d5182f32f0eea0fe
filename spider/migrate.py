"""Bring a database written by an older version of Spider up to date, keeping every decision.

Versions before schema 3 keyed a record by its source and row number. `rekey_records` gives
every record its identity key (spider.identity) instead, and moves the merge, split and review
decisions (which name records by key) with it. Where the source file is still there it is read
again, so the keys are exactly those the next ingest of it will compute; otherwise the key is
computed from the stored record. Won clients and exclusions name records by id: untouched.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spider import seeds
from spider.db import Database, get_meta, set_meta, transaction
from spider.errors import InputError
from spider.identity import Identities, content_identity, record_key
from spider.ingest import read_seed_file


def _old_key(source: str, source_row: str) -> str:
    return record_key(source, source_row)  # the old scheme hashed (source, row) the same way


def _source_file(location: str) -> tuple[Path, dict[str, str]] | None:
    """The file a source was read from, and the constants it was read with, if still there."""
    if location.startswith(seeds.SEEDS + "/"):
        try:
            for entry in seeds.seed_sources():
                if entry["source"] == location:
                    return entry["path"], entry["constants"]
        except InputError:
            return None
        return None
    path = Path(location)
    return (path, {}) if path.is_file() else None


def rekey_records(db: Database) -> int:
    """Key every record by its identity in its source; returns how many keys changed."""
    moved: dict[str, str] = {}
    by_source: dict[str, list[dict[str, Any]]] = {}
    for row in db.query("select * from records order by id"):
        by_source.setdefault(row["source"] or "", []).append(dict(row))
    mappings = {loc: json.loads(m) if m else None for loc, m in db.execute(
        "select location, mapping from sources")}
    for source, records in by_source.items():
        found = _source_file(source)
        fresh: dict[str, tuple[str, str, str]] = {}  # old key -> (new key, identity, content)
        if found is not None:
            path, constants = found
            identities = Identities()
            try:
                for rec in read_seed_file(path, mapping=mappings.get(source), constants=constants,
                                          source=source):
                    identity = identities(rec)
                    fresh[_old_key(source, str(rec["source_row"]))] = (
                        record_key(source, identity), identity, content_identity(rec))
            except InputError:
                fresh = {}
        identities = Identities()
        for rec in records:
            found_row = fresh.get(rec["record_key"])
            # The file may have been edited since: its row of that number must still be this one.
            if found_row is not None and found_row[2] == content_identity(rec):
                new = found_row[:2]
            else:
                identity = identities(rec)
                new = (record_key(source, identity), identity)
            if new[0] != rec["record_key"]:
                moved[rec["record_key"]] = new[0]
            rec["_new"] = new
    with transaction(db):
        # Two steps, so that no new key collides with an old one still in place.
        db.execute("update records set record_key = 'rekey:' || id")
        db.conn.executemany("update records set record_key = ?, identity = ? where id = ?",
                            [(r["_new"][0], r["_new"][1], r["id"])
                             for records in by_source.values() for r in records])
        for column in ("record_key_a", "record_key_b"):
            db.conn.executemany(f"update decisions set {column} = 'rekey:' || ? where {column} = ?",
                                [(new, old) for old, new in moved.items()])
            db.execute(f"update decisions set {column} = substr({column}, 7) "
                       f"where {column} like 'rekey:%'")
        set_meta(db, "needs_rekey", "0")
    return len(moved)


def upgrade(db: Database) -> list[str]:
    """Every data migration this database still needs; what was done, in words."""
    done = []
    if get_meta(db, "needs_rekey") == "1":
        moved = rekey_records(db)
        done.append(f"records keyed by their identity in their source ({moved} keys changed; "
                    "decisions moved with them)")
    return done
