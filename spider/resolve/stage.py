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
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import sqlite_utils

from spider.db import dicts_in, execute_in, insert_rows, transaction
from spider.errors import InputError
from spider.resolve.block import explain_blocking
from spider.resolve.prepare import Prepared, prepare_records
from spider.resolve.properties import property_links
from spider.resolve.records import Resolution, resolve_records
from spider.resolve.score import score_pair
from spider.resolve.survive import survive
from spider.resolve.words import COMPANY_FIELDS
from spider.settings import Settings

COMPANY_COLUMNS = ("id", *COMPANY_FIELDS, "record_count", "status", "stale_since")
ACTIVE_RECORDS = "select * from records where coalesce(status, 'active') = 'active' order by id"


def _decision_pairs(db: sqlite_utils.Database, index_of: dict[str, int],
                    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    must: list[tuple[int, int]] = []
    cannot: list[tuple[int, int]] = []
    for kind, ka, kb in db.execute(
        "select kind, record_key_a, record_key_b from decisions order by id"
    ):
        a, b = index_of.get(ka), index_of.get(kb)
        if a is None or b is None or a == b:
            continue
        (must if kind == "merge" else cannot).append((a, b))
    return must, cannot


def resolve_companies(db: sqlite_utils.Database, settings: Settings) -> str:
    """Cluster active records into companies; rewrite companies, record_links and pending review.

    A company keeps its id from one run to the next: a cluster takes the id of the company
    most of its records belonged to (a new one, its smallest record id). Decisions (merge /
    split / keep_apart, by record key) are respected on every run. Stale records (gone from
    their source) take no part in clustering; each stays with the company its old companions
    are in, so what a person said about it stays with what it named; a company left with only
    stale records is kept as gone (`status`), never listed, never moved onto another company.
    """
    rows = [dict(r) for r in db.query(ACTIVE_RECORDS)]
    index_of = {r["record_key"]: i for i, r in enumerate(rows)}
    must, cannot = _decision_pairs(db, index_of)
    result = resolve_records(
        rows, match_threshold=settings.match_threshold, review_threshold=settings.review_threshold,
        link_threshold=settings.link_threshold, must_link=must, cannot_link=cannot,
        extra_scores=[(a, b, score) for a, b, score, _why in property_links(rows)],
        max_block=settings.max_block, workers=settings.workers,
    )  # fmt: skip
    previous = dict(db.execute("select record_id, company_id from record_links").fetchall())
    ids = _CompanyIds(previous, db)
    trust = settings.source_trust
    companies, links = [], []
    reps, rep_of = result.reps, result.rep_of
    # Biggest clusters first: they have the best claim to the id their records had.
    for members in sorted(result.clusters, key=lambda m: (-len(m), rows[m[0]]["id"])):
        recs = [rows[i] for i in members]
        company_id = ids.assign([r["id"] for r in recs])
        company = survive(recs, trust)
        company.update(id=company_id, status="active", stale_since=None)
        companies.append(company)
        anchor = min(members, key=lambda i: rows[i]["id"])
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
            links.append({"record_id": rows[i]["id"], "company_id": company_id,
                          "score": round(score, 1), "rule": rule})  # fmt: skip
    gone, stale_links = _place_stale(db, previous, ids, trust)
    companies += gone
    links += stale_links
    companies.sort(key=lambda c: c["id"])
    decided = {
        (a, b) for a, b in db.execute(
            "select record_a, record_b from review_queue where status != 'pending'")
    }  # fmt: skip
    first_record: dict[int, int] = {}
    for i, rep in enumerate(rep_of):
        first_record.setdefault(rep, i)
    queue = []
    for a, b, s in result.review:
        ra, rb = first_record[a], first_record[b]
        ida, idb = sorted((rows[ra]["id"], rows[rb]["id"]))
        if (ida, idb) in decided:
            continue
        _, breakdown = score_pair(reps[a], reps[b], result.weights)
        queue.append({"record_a": ida, "record_b": idb, "score": round(s, 1),
                      "breakdown": json.dumps(breakdown, ensure_ascii=False), "status": "pending"})  # fmt: skip
    with transaction(db):
        db.execute("delete from record_links")
        db.execute("delete from companies")
        db.execute("delete from review_queue where status = 'pending'")
        insert_rows(db, "companies", companies, columns=COMPANY_COLUMNS)
        insert_rows(db, "record_links", links)
        insert_rows(db, "review_queue", queue, conflict="ignore")
    active = [c for c in companies if c["status"] == "active"]
    merged = sum(1 for c in active if c["record_count"] > 1)
    line = (f"{len(rows)} records resolved into {len(active)} companies "
            f"({merged} from several records; {len(queue)} pairs to review)")  # fmt: skip
    if gone:
        line += f"; {len(gone)} companies gone from every source (kept, not listed)"
    return line


class _CompanyIds:
    """Company ids that last: a cluster takes the id most of its records had (if no bigger
    cluster took it first), else its smallest record id, else a number no record or company
    has used."""

    def __init__(self, previous: dict[int, int], db: sqlite_utils.Database) -> None:
        self.previous = previous
        self.old_ids = set(previous.values())
        self.used: set[int] = set()
        top = db.execute("select max(id) from records").fetchone()[0] or 0
        self.next_free = max(top, max(previous.values(), default=0)) + 1

    def assign(self, record_ids: list[int]) -> int:
        counts = Counter(self.previous[r] for r in record_ids if r in self.previous)
        for candidate, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            if candidate not in self.used:
                return self._take(candidate)
        for candidate in sorted(record_ids):
            if candidate not in self.used and candidate not in self.old_ids:
                return self._take(candidate)
        while self.next_free in self.used:
            self.next_free += 1
        return self._take(self.next_free)

    def _take(self, company_id: int) -> int:
        self.used.add(company_id)
        return company_id


def _place_stale(db: sqlite_utils.Database, previous: dict[int, int], ids: _CompanyIds,
                 trust: dict[str, int]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Link each stale record to the company its old company's id went to, or keep the stale
    records of a company that is gone altogether as a gone company."""
    taken = ids.used.copy()
    gone_groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    links = []
    for rec in db.query("select * from records where status = 'stale' order by id"):
        old = previous.get(rec["id"])
        if old is not None and old in taken:
            links.append({"record_id": rec["id"], "company_id": old, "score": None,
                          "rule": "stale"})
        else:
            gone_groups[old if old is not None else -rec["id"]].append(dict(rec))
    gone = []
    for old, recs in gone_groups.items():
        company_id = ids.assign([r["id"] for r in recs]) if old < 0 else (
            ids._take(old) if old not in ids.used else ids.assign([r["id"] for r in recs]))
        company = survive(recs, trust)
        company.update(id=company_id, status="gone",
                       stale_since=max(r["stale_since"] or "" for r in recs) or None)
        gone.append(company)
        links += [{"record_id": r["id"], "company_id": company_id, "score": None, "rule": "stale"}
                  for r in recs]
    return gone, links


def reform_companies(db: sqlite_utils.Database, settings: Settings, changed: list[int],
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
    db: sqlite_utils.Database, settings: Settings, truth_path: str | None = None
) -> list[dict[str, Any]]:
    """`spider dedupe --explain-blocking` on the records in the database."""
    rows = [dict(r) for r in db.query(ACTIVE_RECORDS)]
    prepared = prepare_records(rows)
    truth = read_truth(truth_path, prepared, rows) if truth_path else None
    return explain_blocking(prepared, truth=truth, max_block=settings.max_block)
