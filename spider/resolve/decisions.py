"""A person's decisions about resolution: merge, split, keep apart, review answers, stored by
stable record keys so no rebuild or refresh loses them; and the records audit trail.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from spider.db import (
    Database,
    execute_in,
    insert_rows,
    records_changed,
    rows_in,
    table,
    transaction,
    update_row,
)
from spider.errors import ResolveError
from spider.settings import Settings
from spider.text import now_iso


def _record_keys(db: Database, record_ids: Iterable[int]) -> dict[int, str]:
    ids = list(record_ids)
    if not ids:
        return {}
    found = dict(rows_in(db, "select id, record_key from records where id in ({marks})", ids))
    missing = [i for i in ids if i not in found]
    if missing:
        raise ResolveError(f"no record with id {missing[0]}; `spider records` lists the ids")
    return found


def add_decision(
    db: Database, kind: str, key_a: str, key_b: str, note: str = ""
) -> None:
    """Store one user decision (merge, keep_apart or split) between two records, by stable key."""
    if kind not in ("merge", "keep_apart", "split"):
        raise ValueError(f"unknown decision {kind!r}")
    insert_rows(db, "decisions", [{"kind": kind, "record_key_a": key_a, "record_key_b": key_b,
                                   "note": note, "decided_at": now_iso()}])
    records_changed(db)  # the companies are behind this decision until they are resolved again
    # Its records are re-resolved by the next update in place if this decision is not applied
    # now (an interrupted `spider merge`).
    db.execute("insert or ignore into dirty_records select id from records where record_key in "
               "(?, ?)", [key_a, key_b])


@dataclass
class Change:
    """What a decision did: its message, and the companies whose records it moved (to be
    re-formed in place, `spider.pipeline.apply_change`) or left empty."""

    message: str
    changed: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message


def company_records(db: Database, company_id: int) -> list[int]:
    ids = [r[0] for r in db.execute(
        "select record_id from record_links where company_id = ? order by record_id", [company_id])]  # fmt: skip
    if not ids:
        raise ResolveError(f"no company with id {company_id}; `spider records` shows company ids")
    return ids


def merge_companies(
    db: Database, company_a: int, company_b: int, note: str = ""
) -> Change:
    """Two companies are one: a merge decision between their anchor records, and the records
    of the smaller company moved to the larger (whose id, as in a rebuild, the merged one keeps)."""
    if company_a == company_b:
        raise ResolveError(f"company {company_a} given twice; name two different companies")
    ids_a, ids_b = company_records(db, company_a), company_records(db, company_b)
    keys = _record_keys(db, [ids_a[0], ids_b[0]])
    target, other = ((company_a, company_b) if (len(ids_a), -company_a) >= (len(ids_b), -company_b)
                     else (company_b, company_a))
    with transaction(db):
        add_decision(db, "merge", keys[ids_a[0]], keys[ids_b[0]], note)
        # Undo earlier keep-apart/split decisions between these two companies.
        keys_a = list(_record_keys(db, ids_a).values())
        keys_b = list(_record_keys(db, ids_b).values())
        _delete_apart(db, keys_a, keys_b)
        db.execute("update record_links set company_id = ?, rule = 'decision' where company_id = ?",
                   [target, other])
        # A pair waiting for review inside the merged company has its answer.
        db.execute("delete from review_queue where status = 'pending' and record_a in (select "
                   "record_id from record_links where company_id = ?) and record_b in (select "
                   "record_id from record_links where company_id = ?)", [target, target])
    return Change(f"companies {company_a} and {company_b} are one company now (#{target})",
                  changed=[target], removed=[other])


def _delete_apart(db: Database, keys_a: list[str], keys_b: list[str]) -> None:
    for ka in keys_a:
        for kb in keys_b:
            db.execute(
                "delete from decisions where kind in ('keep_apart', 'split') and "
                "((record_key_a = ? and record_key_b = ?) or (record_key_a = ? and record_key_b = ?))",
                [ka, kb, kb, ka],
            )


def split_company(db: Database, company_id: int, record_ids: Sequence[int],
                  note: str = "") -> Change:  # fmt: skip
    """Take records out of a company: split decisions keep them apart from the rest, for good.

    The records taken out stay together (merge decisions among them) as a new company, whose
    id is its smallest record id no company has.
    """
    members = company_records(db, company_id)
    outside = [r for r in record_ids if r not in members]
    if outside:
        raise ResolveError(
            f"record {outside[0]} is not in company {company_id}; see `spider records`"
        )
    rest = [r for r in members if r not in record_ids]
    if not rest:
        raise ResolveError(
            f"that would take every record out of company {company_id}; leave one in"
        )
    keys = _record_keys(db, members)
    taken = {cid for cid, in db.execute("select id from companies")}
    new_id = next((r for r in sorted(record_ids) if r not in taken), None)
    if new_id is None:
        top = db.execute("select max(max(coalesce((select max(id) from records), 0)), "
                         "coalesce((select max(id) from companies), 0))").fetchone()[0]
        new_id = top + 1
    with transaction(db):
        for r in record_ids:
            for m in rest:
                add_decision(db, "split", keys[r], keys[m], note)
        for a, b in zip(record_ids, record_ids[1:], strict=False):
            add_decision(db, "merge", keys[a], keys[b], note)
        # Earlier merge decisions across the cut would fight the split: drop them. What they
        # joined on the side that stays stays joined (two clients merged through the record
        # taken out are still one company, as the person saw it): each record of the rest
        # that such a merge named is merged with the rest's first record instead, so a full
        # rebuild keeps the rest whole, as the update in place does.
        joined: list[int] = []
        for r in record_ids:
            for m in rest:
                dropped = db.execute(
                    "delete from decisions where kind = 'merge' and ((record_key_a = ? and "
                    "record_key_b = ?) or (record_key_a = ? and record_key_b = ?))",
                    [keys[r], keys[m], keys[m], keys[r]],
                ).rowcount
                if dropped and m not in joined:
                    joined.append(m)
        anchor = min(rest)
        for m in joined:
            if m != anchor:
                add_decision(db, "merge", keys[anchor], keys[m], note)
        execute_in(db, "update record_links set company_id = ?, rule = 'decision' where "
                   "record_id in ({marks})", list(record_ids), before=[new_id])
    return Change(f"{len(record_ids)} record(s) taken out of company {company_id} "
                  f"(now company #{new_id})", changed=[company_id, new_id])


def pending_reviews(db: Database, settings: Settings | None = None, *,
                    source: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Pending review pairs in the queue's order (those joining the most records first, then
    the best scored), each with both records and the score's breakdown, worked out now from
    the two records and the last resolution's token weights (never stored per pair). SOURCE:
    only pairs with a record from a source whose name holds it ("clinics.csv", a directory's
    host); LIMIT: the first so many (the breakdown is worked out for those alone)."""
    sql = "select q.* from review_queue q where q.status = 'pending'"
    params: list[Any] = []
    if source:
        sql += (" and exists (select 1 from records r where r.id in (q.record_a, q.record_b) "
                "and r.source like ? escape '\\')")
        params.append("%" + source.replace("\\", "\\\\").replace("%", "\\%")
                      .replace("_", "\\_") + "%")
    sql += " order by q.id"
    if limit:
        sql += f" limit {int(limit)}"
    rows = [dict(r) for r in db.query(sql, params)]
    for row in rows:
        row["a"] = table(db, "records").get(row["record_a"])
        row["b"] = table(db, "records").get(row["record_b"])
        row["breakdown"] = {**explain_pair(db, row["a"], row["b"], settings),
                            **json.loads(row["breakdown"] or "{}")}
        # The company each record is in and how many records it holds: a merge joins the
        # whole companies, which the reviewer should see before answering.
        for side in ("a", "b"):
            found = db.execute(
                "select l.company_id, (select count(*) from record_links m where m.company_id = "
                "l.company_id) from record_links l where l.record_id = ?",
                [row[f"record_{side}"]]).fetchone()
            row[f"company_{side}"], row[f"size_{side}"] = found if found else (None, 0)
    return rows


def explain_pair(db: Database, a: dict[str, Any], b: dict[str, Any],
                 settings: Settings | None = None) -> dict[str, Any]:
    """How two records score against each other, field by field, as the resolver scores them
    (with the token weights the last full resolution counted, where it kept them)."""
    from spider.resolve.incremental import has_state, stored_weights
    from spider.resolve.prepare import Weights, prepare_records
    from spider.resolve.score import score_pair
    from spider.resolve.stage import score_config

    pair = prepare_records([a, b])
    weights = stored_weights(db, pair, []) if has_state(db) else Weights(pair)
    return score_pair(pair[0], pair[1], weights, score_config(settings or Settings()))[1]


def decide_review(db: Database, review_id: int, verdict: str) -> Change:
    """Apply a review verdict: 'merge' or 'keep_apart' store a decision ('merge' also joins the
    two companies); 'skip' leaves the pair pending."""
    if verdict == "skip":
        return Change("skipped")
    if verdict not in ("merge", "keep_apart"):
        raise ResolveError(f"unknown verdict {verdict!r}; use merge, keep_apart or skip")
    row = db.execute(
        "select record_a, record_b from review_queue where id = ?", [review_id]
    ).fetchone()
    if row is None:
        raise ResolveError(f"no review pair {review_id}; run `spider dedupe` to refill the queue")
    keys = _record_keys(db, row)
    with transaction(db):
        add_decision(db, verdict, keys[row[0]], keys[row[1]], "review")
        update_row(db, "review_queue", "id", review_id,
                   {"status": verdict, "decided_at": now_iso()})
        companies = [db.execute("select company_id from record_links where record_id = ?",
                                [r]).fetchone() for r in row]
        if verdict == "merge" and all(companies) and companies[0][0] != companies[1][0]:
            return merge_companies(db, companies[0][0], companies[1][0], "review")
    return Change(f"pair {review_id}: {verdict.replace('_', ' ')}")


RECORD_COLUMNS = ("id", "company_id", "source", "source_row", "name", "name_en", "legal_name",
                  "corporate_number", "category", "phone", "website", "city", "score", "rule",
                  "status", "stale_since", "identity")  # fmt: skip


def list_records(db: Database) -> Iterator[dict[str, Any]]:
    """Every ingested record with its source, its row in that source and its company (audit trail)."""
    sql = (
        "select r.id, l.company_id, r.source, r.source_row, r.name, r.name_en, r.legal_name, "
        "r.corporate_number, r.category, r.phone, r.website, r.city, l.score, l.rule, "
        "coalesce(r.status, 'active'), r.stale_since, r.identity "
        "from records r left join record_links l on l.record_id = r.id order by r.id"
    )
    for row in db.execute(sql):
        yield dict(zip(RECORD_COLUMNS, row, strict=True))
