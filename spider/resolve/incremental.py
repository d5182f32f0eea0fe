"""Resolve in place: bring the companies up to a few changed records without resolving the rest.

A full resolution (spider.resolve.stage) keeps what an update needs (`save_state`): the
selective block keys of every record it resolved (a stable 64-bit hash of rule and key), and
the name-token document frequencies and brands it counted. An update (`update_companies`):

1. prepares the records changed since the graph was built (`dirty_records`: added, edited,
   gone stale, or named by a decision);
2. finds the records they could match: those sharing a kept key (corporate number, phone,
   domain, exact name, street address, rare word, word pair, sound), skipping a key too
   common to block on as the full run does, and those within one `near` cell of them;
3. takes every company those records and the changed ones belong to, whole, and resolves
   their records again: the same blocking, scoring and clustering, with the full run's token
   weights and block limits, and the decisions and property rules that name them;
4. rewrites those companies only (ids kept as a full run keeps them), their review pairs,
   signals and names.

What it does not see, and a full rebuild (`spider dedupe`) does: a match whose only key is a
typo key (`fuzzy_token`, `place_word`: one-letter variants, too many to keep), and the small
drift of token weights as records change. Keys of edited records are kept until the next
full rebuild (an old key only adds a candidate); a stale record's keys are not counted.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Sequence

import numpy as np

from spider.db import Database, get_meta, rows_in, set_meta, transaction
from spider.resolve.block import (
    NEAR_CELL_KM,
    BlockLimits,
    block_keys,
    kept_of,
    key_hash,
)
from spider.resolve.prepare import Prepared, Weights

NEAR_CAP = 200  # records within one `near` cell of a changed one, at most
STATE_VERSION = "4"  # what `save_state` writes; another value means: build in full
_KM_PER_DEGREE = 111.32


def kept_keys(rec: Prepared, weights: Weights, limits: BlockLimits) -> list[tuple[int, int]]:
    """(hash, cap) of each key of REC an update looks its candidates up under: CAP is how many
    holders a key may have and still block, as in a full run of this size."""
    return list(kept_of(rec, block_keys(rec, weights, limits, selective=True), limits).items())


# Every hotel record is kept under one more key, its town's: the property rules (brand and
# place, a name read across scripts) leave no block key behind and work within a town, so a
# changed hotel is resolved again with every hotel of its town, as a full run sees them.
def hotel_key(town: str) -> int:
    return key_hash(f"\x1fhotel property\x1f{town}")


def save_state(db: Database, reps: Sequence[Prepared], rep_of: Sequence[int],
               record_ids: Sequence[int], weights: Weights, max_block: int,
               hotels: Sequence[tuple[int, str]] = (),
               kept: tuple[np.ndarray, np.ndarray] | None = None) -> None:
    """Keep what an update in place needs of a full resolution: every record's kept keys (in
    key order, so the table is written by appending), the token counts and the brands.
    KEPT: the representatives' kept keys and their counts, in index order, as blocking
    worked them out (`block(kept=True)`); else they are worked out here."""
    if kept is None:
        limits = BlockLimits.for_size(len(reps), max_block)
        flat = array("q")  # 8 bytes a key, not a Python int's 36: 15 million at 1M records
        counts_of = array("q")
        for rep in reps:
            mine = kept_keys(rep, weights, limits)
            flat.extend(h for h, _ in mine)
            counts_of.append(len(mine))
        kept = (np.frombuffer(flat, np.int64) if len(flat) else np.zeros(0, np.int64),
                np.frombuffer(counts_of, np.int64) if len(counts_of) else np.zeros(0, np.int64))
    keys, per_rep = kept
    offsets = np.zeros(len(reps) + 1, np.int64)
    offsets[1:] = np.cumsum(per_rep)
    of = np.asarray(rep_of, np.int64)
    counts = (offsets[1:] - offsets[:-1])[of]  # keys per record: its representative's
    # Each record's keys are its representative's (unique per record already): their
    # positions in `keys`, record by record, then sorted by key and record.
    ends = np.cumsum(counts)
    at = np.repeat(offsets[:-1][of] - (ends - counts), counts)
    at += np.arange(len(at))
    hashes = keys[at]
    del at
    ids = np.repeat(np.asarray(record_ids, np.int64), counts)
    order = np.lexsort((ids, hashes))
    hashes, ids = hashes[order], ids[order]
    del order
    with transaction(db):
        for name in ("resolve_keys", "resolve_tokens", "resolve_brands"):
            db.execute(f"delete from {name}")
        sql = "insert into resolve_keys (key, record_id) values (?, ?)"
        step = 200_000
        for start in range(0, len(ids), step):
            db.conn.executemany(sql, zip(hashes[start:start + step].tolist(),
                                         ids[start:start + step].tolist(), strict=True))
        add_hotels(db, hotels)
        db.conn.executemany("insert into resolve_tokens (token, df) values (?, ?)",
                            sorted(weights.df.items()))
        db.conn.executemany("insert into resolve_brands (brand) values (?)",
                            [(b,) for b in sorted(weights.brands)])
        set_meta(db, "resolve_n", str(weights.n))
        set_meta(db, "resolve_state", STATE_VERSION)


def has_state(db: Database) -> bool:
    """Whether the last full resolution kept what an update in place needs."""
    return get_meta(db, "resolve_state") == STATE_VERSION


def stored_weights(db: Database, prepared: Iterable[Prepared], new: Iterable[Prepared]) -> Weights:
    """The full run's token weights for the tokens of PREPARED, with the records in NEW (never
    resolved before) counted in."""
    tokens: set[str] = set()
    names: set[str] = set()
    records = list(prepared)
    for rec in records:
        tokens |= rec.tokens()
        names.update(rec.brands)
    df = dict(rows_in(db, "select token, df from resolve_tokens where token in ({marks})",
                      sorted(tokens)))
    n = int(get_meta(db, "resolve_n") or "1")
    brands = {b for b, in db.execute("select brand from resolve_brands")}
    weights = Weights.from_counts(df, n, brands)
    for rec in new:
        weights.df.update(rec.tokens())
        weights.brands.update(rec.brands)
        weights.n += 1
    return weights


ANY_TOWN = "\x1fany"  # every hotel is kept under this key too: a hotel with no town meets all


def hotel_records(db: Database, towns: Iterable[str]) -> set[int]:
    """The active hotel records of these towns, and those with no town (a hotel with no town
    itself: every hotel)."""
    wanted = set(towns)
    keys = {hotel_key(town) for town in wanted | {""}}
    if "" in wanted:
        keys.add(hotel_key(ANY_TOWN))
    return {r for r, in rows_in(
        db, "select k.record_id from resolve_keys k join records r on r.id = k.record_id where "
        "coalesce(r.status, 'active') = 'active' and k.key in ({marks})", sorted(keys))}


def add_hotels(db: Database, hotels: Iterable[tuple[int, str]]) -> None:
    """Keep hotel records, each under its town's hotel key (and the any-town key)."""
    hotels = list(hotels)
    rows = {(hotel_key(town), r) for r, town in hotels} | {(hotel_key(ANY_TOWN), r)
                                                          for r, _ in hotels}
    db.conn.executemany("insert or ignore into resolve_keys (key, record_id) values (?, ?)",
                        sorted(rows))


def candidates(db: Database, changed: Sequence[Prepared], weights: Weights,
               limits: BlockLimits) -> set[int]:
    """Active records that could match a changed one: sharing a kept key no more common than
    its cap, or lying within one `near` cell of it."""
    found: set[int] = set()
    # Only active holders count: a key held by stale records (a retired directory) must not
    # read as too common to block on, where a full run never sees those records.
    lookup = ("select k.record_id from resolve_keys k join records r on r.id = k.record_id "
              "where k.key = ? and coalesce(r.status, 'active') = 'active' limit ?")
    for rec in changed:
        for key, cap in kept_keys(rec, weights, limits):
            holders = [r for r, in db.execute(lookup, [key, cap + 1])]
            if len(holders) <= cap:
                found.update(holders)
        if rec.lat is not None and rec.lon is not None:
            dlat = NEAR_CELL_KM / _KM_PER_DEGREE
            dlon = dlat / max(math.cos(math.radians(rec.lat)), 0.01)
            found.update(r for r, in db.execute(
                "select id from records where lat between ? and ? and lon between ? and ? "
                "and coalesce(status, 'active') = 'active' limit ?",
                [rec.lat - dlat, rec.lat + dlat, rec.lon - dlon, rec.lon + dlon, NEAR_CAP]))
    return found


def add_state(db: Database, changed: Sequence[Prepared], new: Sequence[Prepared],
              weights: Weights, limits: BlockLimits) -> None:
    """Keep the keys of the changed records, and count the new ones' tokens and brands."""
    rows = sorted({(key, rec.id) for rec in changed for key, _ in kept_keys(rec, weights, limits)})
    db.conn.executemany("insert or ignore into resolve_keys (key, record_id) values (?, ?)", rows)
    counts: dict[str, int] = {}
    for rec in new:
        for token in rec.tokens():
            counts[token] = counts.get(token, 0) + 1
    db.conn.executemany("insert into resolve_tokens (token, df) values (?, ?) on conflict (token) "
                        "do update set df = df + excluded.df", sorted(counts.items()))
    db.conn.executemany("insert or ignore into resolve_brands (brand) values (?)",
                        sorted({(b,) for rec in new for b in rec.brands}))
    n = int(get_meta(db, "resolve_n") or "0")
    set_meta(db, "resolve_n", str(n + len(new)))


def companies_of(db: Database, record_ids: Iterable[int]) -> set[int]:
    return {c for c, in rows_in(db, "select distinct company_id from record_links where "
                                "record_id in ({marks})", sorted(set(record_ids)))}


def records_of(db: Database, company_ids: Iterable[int]) -> list[int]:
    return [r for r, in rows_in(db, "select record_id from record_links where company_id in "
                                "({marks})", sorted(set(company_ids)))]


def delete_pending_reviews(db: Database, dirty: str, affected: str) -> None:
    """Drop the pending review pairs an update finds again: those with a changed record (in
    temporary table DIRTY), or with both records resolved again (in AFFECTED). A pair between
    a record resolved again and one that was not still stands. Answered pairs are kept."""
    db.execute(f"delete from review_queue where status = 'pending' and ("
               f"record_a in (select id from {dirty}) or record_b in (select id from {dirty}) or "
               f"(record_a in (select id from {affected}) and "
               f"record_b in (select id from {affected})))")


def dirty(db: Database) -> list[int]:
    return [r for r, in db.execute("select record_id from dirty_records order by record_id")]


def fill_temp(db: Database, name: str, ids: Iterable[int]) -> None:
    """A temporary table NAME of ids (for joins a long IN list would not do)."""
    db.execute(f"create temp table if not exists {name} (id integer primary key)")
    db.execute(f"delete from {name}")
    db.conn.executemany(f"insert or ignore into {name} (id) values (?)", [(i,) for i in ids])
