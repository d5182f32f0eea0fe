"""The source registry: every file and directory Spider has read, with how it was read (mapping,
constants, recipe), how far to trust it, and when and what it last gave. A later `spider
refresh` re-reads sources from here; the signal builder weighs their records by `confidence`.
"""

from __future__ import annotations

import json
from typing import Any

from spider.db import Database, insert_rows, update_row
from spider.text import now_iso


def register_source(db: Database, location: str, kind: str, *,
                    mapping: dict[str, str] | None = None, recipe: str | None = None,
                    records: int | None = None, skipped: int | None = None,
                    confidence: float | None = None, constants: dict[str, str] | None = None,
                    options: dict[str, Any] | None = None, encoding: str | None = None,
                    schedule: str | None = None) -> None:
    """Remember a source so a later `spider refresh` can re-read it the same way: its mapping,
    constants (`--set`), encoding, recipe and crawl options, schedule, and how many records
    (and skipped rows) its last read gave. Reading a retired source again brings it back."""
    row: dict[str, Any] = {"location": location, "kind": kind, "last_read_at": now_iso(),
                           "status": "active", "retired_at": None}
    # As the last read gave them, none included: a refresh reads the source as it was last
    # read, not as it was first.
    for column, value in (("constants", constants), ("options", options)):
        row[column] = json.dumps(value, ensure_ascii=False, sort_keys=True) if value else None
    if encoding:
        row["encoding"] = encoding
    if schedule is not None:
        row["schedule"] = schedule
    if mapping is not None:
        row["mapping"] = json.dumps(mapping, ensure_ascii=False)
    if recipe is not None:
        row["recipe"] = recipe
    if confidence is not None:
        row["confidence"] = confidence
    if records is not None:
        row["records"] = records
    if skipped is not None:
        row["skipped"] = skipped
    existing = db.execute("select id from sources where location = ?", [location]).fetchone()
    if existing:
        update_row(db, "sources", "id", existing[0], row)
    else:
        row["added_at"] = row["last_read_at"]
        insert_rows(db, "sources", [row])


def source_confidence(db: Database) -> dict[str, float]:
    """How far each source with a stated confidence is trusted (0..1), by location."""
    return {location: confidence for location, confidence in db.execute(
        "select location, confidence from sources where confidence is not null")}
