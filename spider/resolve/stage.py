"""The resolve stage: reads `records` and `decisions`, writes `companies`, `record_links` and
the pending part of `review_queue`.

    prepare   rows -> `Prepared` (normalized names in every script, hard keys, place)
    block     candidate pairs from rare name tokens, n-grams and hard keys (rule per pair)
    score     rapidfuzz on names plus phone/address/domain/place evidence, with a breakdown
    cluster   merge in score order, never through a bridge, never across a cannot-link
    survive   each company's fields by explicit survivorship rules

Hard keys win over names: one corporate number (法人番号) decides a match and two different
ones forbid it. A hotel property never merges with a registered company (its operator): that
link is a `group:` signal, made elsewhere. Hotel property links across scripts come from
`spider.resolve.properties` and face the same clustering checks.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
import json
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from spider.db import (
    Database,
    bulk_load,
    dicts_in,
    execute_in,
    insert_rows,
    insert_values,
    transaction,
)
from spider.errors import InputError
from spider.fields import NAME_FIELDS, REGISTERED_NAME, REGISTERED_NAME_SQL
from spider.resolve import parallel
from spider.resolve.block import BlockLimits, explain_blocking
from spider.resolve.groups import Groups
from spider.resolve.incremental import save_state
from spider.resolve.prepare import Prepared, prepare_records, prepare_stream
from spider.resolve.properties import hotel_town, is_hotel, property_links
from spider.resolve.records import Resolution, resolve_prepared
from spider.resolve.score import DEFAULT_SCORE, ScoreConfig, score_pair
from spider.resolve.survive import survive
from spider.resolve.words import COMPANY_FIELDS
from spider.settings import Settings
from spider.text import plural

COMPANY_COLUMNS = ("id", *COMPANY_FIELDS, "record_count", "status", "stale_since")
ACTIVE_RECORDS = "select * from records where coalesce(status, 'active') = 'active' order by id"
ACTIVE = "coalesce(r.status, 'active') = 'active'"
# What preparing, blocking, scoring and the property rules read of a record (not its
# description or extra columns): a million of these pass through, a few thousand at a time.
RESOLVE_COLUMNS = ("id", "record_key", "source", "source_row", "list_title", *NAME_FIELDS,
                   "name_kana", "brand", "category", "corporate_number", "industry_scheme",
                   "address", "district", "city", "region", "country", "postal_code", "lat", "lon",
                   "phone", "website", REGISTERED_NAME)  # fmt: skip
CHUNK = 5000

Progress = Callable[[str], None]


class _Read:
    """The active records as the resolver needs them, read in one pass in id order."""

    def __init__(self) -> None:
        self.prepared: list[Prepared] = []
        self.ids = array("q")  # record index -> record id
        self.previous = array("q")  # record index -> the company it was in, or -1
        self.hotels: list[dict[str, Any]] = []  # rows the property rules look at
        self.hotel_index: list[int] = []  # their record indexes
        self.key_index: dict[str, int] = {}  # record keys a decision names -> record index


def _read_active(db: Database, workers: int | None, named: set[str],
                 only: str = "", engine: Any = None) -> _Read:
    """The active records, or those of them whose ids table ONLY holds (an update in place)."""
    read = _Read()
    columns = ", ".join(f'r."{c}"' for c in RESOLVE_COLUMNS[:-1]) + f", {REGISTERED_NAME_SQL}"
    where = f"{ACTIVE} and r.id in (select id from {only})" if only else ACTIVE
    total = db.execute(f"select count(*) from records r where {where}").fetchone()[0]
    cursor = db.conn.execute(
        f"select {columns}, l.company_id from records r left join record_links l "
        f"on l.record_id = r.id where {where} order by r.id")

    def chunks() -> Iterator[list[dict[str, Any]]]:
        while batch := cursor.fetchmany(CHUNK):
            rows = []
            for values in batch:
                row = dict(zip(RESOLVE_COLUMNS, values, strict=False))
                index = len(read.ids)
                read.ids.append(row["id"])
                read.previous.append(values[-1] if values[-1] is not None else -1)
                if row["record_key"] in named:
                    read.key_index[row["record_key"]] = index
                if is_hotel(row):
                    read.hotels.append(row)
                    read.hotel_index.append(index)
                rows.append(row)
            yield rows

    if engine is not None:
        read.prepared = engine.prepare(chunks())
        return read
    workers = parallel.default_workers() if workers is None else max(1, workers)
    for part in prepare_stream(chunks(), total=total, workers=workers):
        read.prepared.extend(part)
    return read


def _decision_pairs(decisions: list[tuple[str, str, str]], index_of: dict[str, int],
                    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Must-link and cannot-link pairs of active record indexes.

    Merges are taken as a whole: records joined through a chain of merge decisions stay one
    company even when a record in the middle of the chain has left its source (merge A with B,
    then C with that company: C and B still belong together when A's row is deleted).
    """
    chains: Groups[str] = Groups()
    cannot: list[tuple[int, int]] = []
    for kind, ka, kb in decisions:
        if kind == "merge":
            chains.join(ka, kb)
            continue
        a, b = index_of.get(ka), index_of.get(kb)
        if a is not None and b is not None and a != b:
            cannot.append((a, b))
    first: dict[str, int] = {}  # a chain's first active record
    must: list[tuple[int, int]] = []
    for key in sorted(chains):
        index = index_of.get(key)
        if index is None:
            continue
        root = chains.find(key)
        if root not in first:
            first[root] = index
        elif first[root] != index:
            must.append((first[root], index))
    return must, cannot


def resolve_companies(db: Database, settings: Settings, *,
                      progress: Progress | None = None, engine: Any = None) -> str:
    """Cluster active records into companies; rewrite companies, record_links and pending review.

    A company keeps its id from one run to the next: a cluster takes the id of the company
    most of its records belonged to (a new one, its smallest record id). Decisions (merge /
    split / keep_apart, by record key) are respected on every run. Stale records (gone from
    their source) take no part in clustering; each stays with the company its old companions
    are in, so what a person said about it stays with what it named; a company left with only
    stale records is kept as gone (`status`), never listed, never moved onto another company.

    Memory stays near one compact prepared record per record: rows are read a few thousand
    at a time, and companies are written from records streamed back in company order.
    `engine` (spider.resolve.spark.SparkEngine) prepares, blocks and scores elsewhere.
    """
    say = progress or (lambda what: None)
    decisions = db.execute(
        "select kind, record_key_a, record_key_b from decisions order by id").fetchall()
    named = {key for _, a, b in decisions for key in (a, b)}
    say("preparing records")
    read = _read_active(db, settings.workers, named, engine=engine)
    hotel_towns = _hotel_towns(read)
    n = len(read.ids)
    result, links, cannot = _resolve_read(read, decisions, settings, progress=say,
                                          workers=settings.workers, engine=engine, keep_keys=True)
    say("writing companies")
    stale = db.execute("select r.id, l.company_id from records r left join record_links l on "
                       "l.record_id = r.id where r.status = 'stale' order by r.id").fetchall()
    ids = _CompanyIds(db, read.previous)
    record_ids = read.ids
    with transaction(db):
        db.execute("delete from record_links")
        db.execute("delete from companies")
        db.execute("delete from review_queue where status = 'pending'")
        with bulk_load(db, "record_links", ("company_id",)):
            _write_links(db, result, ids, record_ids, stale)
        queued, left_out = _queue_reviews(db, result, record_ids, links, cannot, settings,
                                          limit=settings.review_limit)
        active_count, gone = _write_companies(db, settings.source_trust, settings.workers)
        say("keeping block keys for updates in place")
        save_state(db, result.reps, result.rep_of, record_ids, result.weights, settings.max_block,
                   hotels=hotel_towns, kept=result.pairs.kept)
    line = (f"{plural(n, 'record', 'records')} resolved into "
            f"{plural(active_count, 'company', 'companies')} "
            f"({sum(len(m) > 1 for m in result.clusters)} from several records; "
            f"{plural(queued, 'pair', 'pairs')} to review)") + _left_out_note(left_out, settings)  # fmt: skip
    if gone:
        line += f"; {plural(gone, 'company', 'companies')} gone from every source (kept, not listed)"
    return line


# An update in place re-resolves at most this many records (the changed ones, their
# candidates' companies whole); past it, a full resolution costs little more.
UPDATE_MAX_RECORDS = 100_000


@dataclasses.dataclass
class Update:
    """What an update in place did: its summary, and the companies it rewrote or emptied."""

    summary: str
    changed: list[int]
    removed: list[int]


def update_companies(db: Database, settings: Settings, *, progress: Progress | None = None,
                     watch: Any = None) -> Update | None:
    """Bring companies up to the records changed since the graph was built (spider.resolve.
    incremental), rewriting only the companies they touch; None when a full resolution is
    needed instead (no state kept, or too much changed). `watch` sees the companies it is
    about to rewrite (spider.refresh.Watch)."""
    from spider.resolve import incremental as inc

    say = progress or (lambda what: None)
    dirty = inc.dirty(db)
    if not dirty or not inc.has_state(db):
        return None
    total = db.execute("select count(*) from records").fetchone()[0]
    if len(dirty) > min(UPDATE_MAX_RECORDS, max(1000, total // 10)):
        return None
    decisions = db.execute(
        "select kind, record_key_a, record_key_b from decisions order by id").fetchall()
    named = {key for _, a, b in decisions for key in (a, b)}
    say(f"preparing {len(dirty)} changed records")
    inc.fill_temp(db, "_dirty", dirty)
    first = _read_active(db, 1, set(), only="temp._dirty")
    changed = first.prepared
    fresh = [rec for rec, before in zip(changed, first.previous, strict=True) if before < 0]
    weights = inc.stored_weights(db, changed, fresh)
    limits = BlockLimits.for_size(weights.n, settings.max_block)
    say("finding their candidates")
    near = inc.candidates(db, changed, weights, limits)
    if first.hotels:  # a hotel changed: every hotel of its town, as the property rules see
        towns = _hotel_towns(first)
        near |= inc.hotel_records(db, [town for _, town in towns])
        inc.add_hotels(db, towns)
    touched = inc.companies_of(db, [*dirty, *near])
    affected = set(inc.records_of(db, touched)) | set(dirty)
    if len(affected) > UPDATE_MAX_RECORDS:
        return None
    inc.fill_temp(db, "_affected", affected)
    read = _read_active(db, 1, named, only="temp._affected")
    weights = inc.stored_weights(db, read.prepared, fresh)
    say(f"resolving {len(read.ids)} records of {len(touched)} companies again")
    result, links, cannot = _resolve_read(read, decisions, settings, workers=1,
                                          weights=weights, size=weights.n)
    stale = db.execute(
        "select r.id, l.company_id from records r left join record_links l on l.record_id = r.id "
        "where r.status = 'stale' and r.id in (select id from temp._affected)").fetchall()
    ids = _CompanyIds(db, read.previous)
    if watch is not None:  # what the companies were, for a refresh's diff
        watch.see_before(db, sorted(touched))
    with transaction(db):
        execute_in(db, "delete from record_links where record_id in ({marks})", sorted(affected))
        _write_links(db, result, ids, read.ids, stale)
        now = inc.companies_of(db, affected)
        inc.delete_pending_reviews(db, "temp._dirty", "temp._affected")
        pending = db.execute(
            "select count(*) from review_queue where status = 'pending'").fetchone()[0]
        queued, left_out = _queue_reviews(db, result, read.ids, links, cannot, settings,
                                          limit=max(0, settings.review_limit - pending))
        # A company a decision emptied before it was applied (an interrupted `spider merge`)
        # has no record left to find it by.
        orphans = {c for c, in db.execute("select id from companies c where not exists (select 1 "
                                          "from record_links l where l.company_id = c.id)")}
        touched |= orphans
        reform_companies(db, settings, sorted(now), sorted(touched - now))
        inc.add_state(db, changed, fresh, weights, limits)
    line = (f"{plural(len(dirty), 'changed record', 'changed records')} resolved in place: "
            f"{plural(len(read.ids), 'record', 'records')} of "
            f"{plural(len(touched), 'company', 'companies')} resolved again into "
            f"{plural(len(now), 'company', 'companies')} ({plural(queued, 'pair', 'pairs')} "
            "to review)") + _left_out_note(left_out, settings)
    return Update(line, sorted(now), sorted(touched - now))


Link = tuple[int, int, float, str]  # a property rule's pair: record indexes, score, its words


def _hotel_towns(read: _Read) -> list[tuple[int, str]]:
    """(record id, town) of the hotels read, before the property pass clears them."""
    return [(read.ids[i], hotel_town(row))
            for i, row in zip(read.hotel_index, read.hotels, strict=True)]


def _resolve_read(read: _Read, decisions: list[tuple[str, str, str]], settings: Settings, *,
                  progress: Progress | None = None, workers: int | None = None,
                  engine: Any = None, weights: Any = None, size: int | None = None,
                  keep_keys: bool = False,
                  ) -> tuple[Resolution, list[Link], list[tuple[int, int]]]:
    """Resolve the records READ holds with the decisions naming them and the hotel property
    rules over them: the resolution, the property rules' pairs, and the pairs a person keeps
    apart (record indexes). Clears the hotel rows READ kept for the property pass."""
    must, cannot = _decision_pairs(decisions, read.key_index)
    links = [(read.hotel_index[a], read.hotel_index[b], score, why)
             for a, b, score, why in property_links(read.hotels)]
    read.hotels.clear()
    result = resolve_prepared(
        read.prepared, match_threshold=settings.match_threshold,
        review_threshold=settings.review_threshold, link_threshold=settings.link_threshold,
        must_link=must, cannot_link=cannot, extra_scores=[(a, b, s) for a, b, s, _ in links],
        config=score_config(settings), max_block=settings.max_block, workers=workers,
        progress=progress, weights=weights, size=size, engine=engine, keep_keys=keep_keys,
    )  # fmt: skip
    return result, links, cannot


def _queue_reviews(db: Database, result: Resolution, record_ids: Sequence[int],
                   links: list[Link], cannot: list[tuple[int, int]], settings: Settings, *,
                   limit: int) -> tuple[int, int]:
    """Put the resolution's uncertain pairs up for review (at most LIMIT, `_review_queue`),
    with what a property rule saw in a pair (a former name, a misspelt brand: shown in
    `spider review`, and a call list lists such a pair once). (Pairs queued, pairs left out.)"""
    whys = {(min(ra, rb), max(ra, rb)): why for a, b, score, why in links
            if score < settings.match_threshold
            and (ra := result.rep_of[a]) != (rb := result.rep_of[b])}
    queue, left_out = _review_queue(db, result, record_ids, whys, limit=limit, apart=cannot)
    insert_rows(db, "review_queue", queue, conflict="ignore")
    return len(queue), left_out


def _left_out_note(left_out: int, settings: Settings) -> str:
    return (f"; {left_out} more uncertain pairs not queued (review_limit "
            f"{settings.review_limit} in spider.toml)") if left_out else ""


def _write_links(db: Database, result: Resolution, ids: _CompanyIds,
                 record_ids: Sequence[int], stale: list[tuple[int, int | None]]) -> None:
    """Link every record to its company: a cluster's records (biggest clusters first, with
    the score and rule that joined each), then the stale records (`_place_stale`)."""
    sql = "insert into record_links (record_id, company_id, score, rule) values (?, ?, ?, ?)"
    links: list[tuple[int, int, float | None, str]] = []
    reps, rep_of = result.reps, result.rep_of
    # Biggest clusters first: they have the best claim to the id their records had.
    for members in sorted(result.clusters, key=lambda m: (-len(m), record_ids[m[0]])):
        company_id = ids.assign(members, record_ids)
        anchor = members[0]  # the smallest record id: records are in id order
        for i in members:
            if i == anchor:
                score, rule = 100.0, "anchor" if len(members) > 1 else "single"
            elif rep_of[i] == rep_of[anchor]:
                score, rule = 100.0, "identical"
            else:
                key = (min(rep_of[i], rep_of[anchor]), max(rep_of[i], rep_of[anchor]))
                known = result.scores.get(key)
                score = known if known is not None else score_pair(
                    reps[key[0]], reps[key[1]], result.weights)[0]
                rule = _link_rule(result, rep_of[i], {rep_of[m] for m in members})
            links.append((record_ids[i], company_id, round(score, 1), rule))
        if len(links) >= CHUNK:
            db.conn.executemany(sql, links)
            links.clear()
    db.conn.executemany(sql, links)
    db.conn.executemany(sql, _place_stale(stale, ids))


def score_config(settings: Settings) -> ScoreConfig:
    """The scoring evidence with the user's place settings (metres) in it."""
    return dataclasses.replace(DEFAULT_SCORE, site_near_km=settings.same_spot_m / 1000,
                               site_apart_km=settings.chain_apart_m / 1000)


def _review_queue(db: Database, result: Resolution, record_ids: Sequence[int],
                  whys: dict[tuple[int, int], str] | None = None, *, limit: int | None = None,
                  apart: Sequence[tuple[int, int]] = ()) -> tuple[list[dict[str, Any]], int]:
    """The uncertain pairs not yet answered, each as its records' smallest ids, and how many
    more were left out. One pair per two companies (the best scored, carrying what a property
    rule saw in any of their pairs), none between two companies a person keeps apart (APART:
    record indexes), those whose merge would join the most records first, at most LIMIT of
    them and every pair a property rule put up (a call list shows such a pair once); the
    score breakdown is not stored, but worked out when a pair is shown."""
    decided = {
        (a, b) for a, b in db.execute(
            "select record_a, record_b from review_queue where status != 'pending'")
    }  # fmt: skip
    first_record: dict[int, int] = {}
    for i, rep in enumerate(result.rep_of):
        first_record.setdefault(rep, i)
    cluster_of = [0] * len(result.rep_of)  # record index -> its cluster's number
    for number, members in enumerate(result.clusters):
        for i in members:
            cluster_of[i] = number
    kept_apart = {(min(cluster_of[a], cluster_of[b]), max(cluster_of[a], cluster_of[b]))
                  for a, b in apart}
    best: dict[tuple[int, int], tuple[int, int, float, int, int]] = {}
    seen_by_rule: dict[tuple[int, int], str] = {}  # company pair -> a property rule's words
    for a, b, s in result.review:  # best score first
        ia, ib = first_record[a], first_record[b]
        ida, idb = sorted((record_ids[ia], record_ids[ib]))
        if (ida, idb) in decided:
            continue
        key = (min(cluster_of[ia], cluster_of[ib]), max(cluster_of[ia], cluster_of[ib]))
        if key in kept_apart:
            continue
        if whys and (why := whys.get((min(a, b), max(a, b)))):
            seen_by_rule.setdefault(key, why)
        best.setdefault(key, (a, b, s, ida, idb))
    joined = {key: len(result.clusters[key[0]]) + len(result.clusters[key[1]]) for key in best}
    ranked = sorted(best, key=lambda key: (-joined[key], -best[key][2], best[key][3]))
    left_out = 0
    if limit is not None and len(ranked) > limit:
        kept = ranked[:limit] + [key for key in ranked[limit:] if key in seen_by_rule]
        left_out = len(ranked) - len(kept)
        ranked = kept
    queue = []
    for key in ranked:
        _a, _b, s, ida, idb = best[key]
        # Only what a property rule saw is kept (a call list reads it); the score's breakdown
        # is worked out when the pair is shown (spider.resolve.decisions.pending_reviews).
        note = {"property": seen_by_rule[key]} if key in seen_by_rule else None
        queue.append({"record_a": ida, "record_b": idb, "score": round(s, 1),
                      "breakdown": json.dumps(note, ensure_ascii=False) if note else None,
                      "status": "pending"})
    return queue, left_out


def _write_companies(db: Database, trust: dict[str, int], workers: int | None = None
                     ) -> tuple[int, int]:
    """Write every linked company from its records, streamed in company order: its fields by
    survivorship over its active records, or, when all are stale, over those (a gone
    company). A large directory's companies are worked out in `workers` forked processes
    (this one reads and writes). Returns (active companies, gone companies)."""
    cursor = db.execute("select r.*, l.company_id as _company from records r join record_links "
                        "l on l.record_id = r.id order by l.company_id, r.id")
    names = [d[0] for d in cursor.description]
    size = db.execute("select count(*) from record_links").fetchone()[0]
    active = gone = 0
    for rows, live, dead in parallel.map_chunks(_companies_of, parallel.row_chunks(cursor, CHUNK),
                                                parallel.pool_size(size, workers), (names, trust)):
        insert_values(db, "companies", COMPANY_COLUMNS, rows)
        active, gone = active + live, gone + dead
    return active, gone


def _companies_of(state: tuple[list[str], dict[str, int]], _start: int,
                  chunk: list[tuple[Any, ...]]) -> tuple[list[tuple[Any, ...]], int, int]:
    """The companies of CHUNK (raw rows of whole companies, in company order; STATE: their
    column names and the source trust) as rows in COMPANY_COLUMNS order, and how many are
    active and gone."""
    names, trust = state
    out: list[tuple[Any, ...]] = []
    active = gone = 0
    rows = (dict(zip(names, row, strict=True)) for row in chunk)
    for company_id, group in itertools.groupby(rows, key=lambda row: row["_company"]):
        recs = list(group)
        live = [r for r in recs if (r.get("status") or "active") == "active"]
        company = survive(live or recs, trust)
        if live:
            company.update(id=company_id, status="active", stale_since=None)
            active += 1
        else:
            company.update(id=company_id, status="gone",
                           stale_since=max(r["stale_since"] or "" for r in recs) or None)
            gone += 1
        out.append(tuple(company.get(c) for c in COMPANY_COLUMNS))
    return out, active, gone


class _CompanyIds:
    """Company ids that last: a cluster takes the id most of its records had (if no bigger
    cluster took it first), else its smallest record id, else a number no record or company
    has used. Ids are marked in bitmaps, not sets: a million companies cost a few megabytes."""

    def __init__(self, db: Database, previous: Sequence[int]) -> None:
        self.previous = previous
        top_record = db.execute("select max(id) from records").fetchone()[0] or 0
        top_company = db.execute("select max(company_id) from record_links").fetchone()[0] or 0
        self.next_free = max(top_record, top_company) + 1
        self.old = bytearray(self.next_free + 1)
        for (company,) in db.execute("select distinct company_id from record_links"):
            self.old[company] = 1
        self.used = bytearray(self.next_free + 1)

    def taken(self, company_id: int) -> bool:
        return company_id < len(self.used) and bool(self.used[company_id])

    def assign(self, members: Sequence[int], record_ids: Sequence[int]) -> int:
        """The id for a cluster of record indexes."""
        if len(members) == 1:  # most clusters: no vote to count
            before = self.previous[members[0]]
            if before >= 0 and not self.taken(before):
                return self.take(before)
            return self.fresh([record_ids[members[0]]])
        counts = Counter(self.previous[i] for i in members if self.previous[i] >= 0)
        for candidate, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            if not self.taken(candidate):
                return self.take(candidate)
        return self.fresh([record_ids[i] for i in members])

    def fresh(self, record_ids: Sequence[int]) -> int:
        """A record's id no company had, else the next unused number."""
        for candidate in sorted(record_ids):
            if not self.taken(candidate) and not (candidate < len(self.old) and self.old[candidate]):
                return self.take(candidate)
        while self.taken(self.next_free):
            self.next_free += 1
        return self.take(self.next_free)

    def take(self, company_id: int) -> int:
        if company_id >= len(self.used):
            self.used.extend(bytearray(company_id + 1 - len(self.used) + 1024))
        self.used[company_id] = 1
        return company_id


def _place_stale(stale: list[tuple[int, int | None]],
                 ids: _CompanyIds) -> list[tuple[int, int, None, str]]:
    """Link each stale record to the company its old company's id went to, or keep the stale
    records of a company that is gone altogether together, under that company's id if no
    cluster took it (a gone company)."""
    taken = ids.used.copy()
    groups: dict[int, list[int]] = defaultdict(list)
    links = []
    for record_id, old in stale:
        if old is not None and old < len(taken) and taken[old]:
            links.append((record_id, old, None, "stale"))
        else:
            groups[old if old is not None else -record_id].append(record_id)
    for old, record_ids in groups.items():
        if old >= 0 and not ids.taken(old):
            company_id = ids.take(old)
        else:
            company_id = ids.fresh(record_ids)
        links += [(r, company_id, None, "stale") for r in record_ids]
    return links


def reform_companies(db: Database, settings: Settings, changed: list[int],
                     removed: list[int]) -> None:
    """Rewrite the `companies` rows of companies whose records a decision moved (CHANGED),
    and drop those left with none (REMOVED), without resolving anything else."""
    with transaction(db):
        execute_in(db, "delete from companies where id in ({marks})", [*changed, *removed])
        by_company: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in dicts_in(db, "select r.*, l.company_id as _company from records r join "
                            "record_links l on l.record_id = r.id where l.company_id in ({marks}) "
                            "order by r.id", changed):
            by_company[row.pop("_company")].append(row)
        companies = []
        for company_id, recs in sorted(by_company.items()):
            active = [r for r in recs if (r.get("status") or "active") == "active"]
            company = survive(active or recs, settings.source_trust)
            company.update(id=company_id, status="active" if active else "gone",
                           stale_since=None if active else max(r["stale_since"] or "" for r in recs))
            companies.append(company)
        insert_rows(db, "companies", companies, columns=COMPANY_COLUMNS)


def _link_rule(result: Resolution, rep: int, members: set[int]) -> str:
    """The blocking rule of this record's strongest pair inside its cluster, for the audit trail."""
    best, rule = -1.0, "decision"
    for other in members:
        if other == rep:
            continue
        key = (min(rep, other), max(rep, other))
        score = result.scores.get(key)
        if score is not None and score > best:
            best, rule = score, result.pairs.get(key) or "decision"
    return rule


def read_truth(
    path: str, prepared: Sequence[Prepared], rows: Sequence[dict[str, Any]]
) -> dict[int, str]:
    """A labelled file (record id or source row, entity) → prepared index → entity, for explain."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            names = list(reader.fieldnames or [])
            fields = [f.casefold() for f in names]
            id_col = next(
                (c for c in ("record_id", "id", "source_row", "unique_id") if c in fields), None
            )
            ent_col = next(
                (
                    c
                    for c in ("entity_id", "entity", "true_id", "true id", "cluster")
                    if c in fields
                ),
                None,
            )
            if not id_col or not ent_col:
                raise InputError(f"{path}: needs a record id column (id, record_id or source_row) "
                                 "and an entity column (entity_id)")  # fmt: skip
            id_name, ent_name = names[fields.index(id_col)], names[fields.index(ent_col)]
            labels = {row[id_name]: row[ent_name] for row in reader}
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the --truth path") from None
    key = "source_row" if id_col in ("source_row", "unique_id") else "id"
    return {p.index: labels[str(rows[p.index].get(key))] for p in prepared
            if str(rows[p.index].get(key)) in labels}  # fmt: skip


def explain_db_blocking(
    db: Database, settings: Settings, truth_path: str | None = None
) -> list[dict[str, Any]]:
    """`spider dedupe --explain-blocking` on the records in the database."""
    rows = [dict(r) for r in db.query(ACTIVE_RECORDS)]
    prepared = prepare_records(rows)
    truth = read_truth(truth_path, prepared, rows) if truth_path else None
    return explain_blocking(prepared, truth=truth, max_block=settings.max_block)
