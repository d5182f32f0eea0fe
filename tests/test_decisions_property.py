"""A property: whatever sequence of edited re-ingests and refreshes (the graph updated in place),
source removals, merges, splits, won clients and exclusions a team goes through, every
decision still names the thing it named when it was made, and the companies are the ones a
full rebuild makes.

Each generated row carries its true company in a column Spider does not know (`truth`, kept
as extra). A decision names records; after every step, each of those records must still hold
the company it held when the decision was made, or have gone stale (its row left the file).
A decision is never moved onto another company.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from spider.clients import record_won
from spider.db import insert_rows, open_db
from spider.ingest import ingest_file
from spider.pipeline import apply_change, rebuild, update
from spider.refresh import find_source, refresh, retire
from spider.resolve.decisions import merge_companies, split_company
from spider.settings import Settings

COMPANIES = [(f"{word} {kind}", city) for word, kind, city in (
    ("Alder", "Hotel", "Tokyo"), ("Birch", "Hotel", "Tokyo"), ("Cedar", "Inn", "Tokyo"),
    ("Dogwood", "Hotel", "Osaka"), ("Elm", "Ryokan", "Kyoto"), ("Fir", "Hotel", "Osaka"),
    ("Ginkgo", "Hostel", "Tokyo"), ("Hazel", "Hotel", "Kyoto"), ("Ivy", "Inn", "Osaka"),
    ("Juniper", "Hotel", "Tokyo"))]
# More examples for a long search: SPIDER_EXAMPLES=2000 pytest tests/test_decisions_property.py
EXAMPLES = int(os.environ.get("SPIDER_EXAMPLES", "60"))

# One step of a team's work: ("ingest", rows), ("refresh", rows) (the file edited, then
# `spider refresh`), ("retire",) (`spider sources remove`), ("won", pick), ("exclude", pick),
# ("merge", pick, pick), ("split", pick). A pick chooses among the records active then.
rows = st.lists(st.tuples(st.sampled_from(range(len(COMPANIES))), st.booleans()),
                min_size=1, max_size=len(COMPANIES), unique_by=lambda r: r[0])
steps = st.lists(st.one_of(
    st.tuples(st.just("ingest"), rows),
    st.tuples(st.just("refresh"), rows),
    st.tuples(st.just("retire")),
    st.tuples(st.just("won"), st.integers(0, 99)),
    st.tuples(st.just("exclude"), st.integers(0, 99)),
    st.tuples(st.just("merge"), st.integers(0, 99), st.integers(0, 99)),
    st.tuples(st.just("split"), st.integers(0, 99)),
), min_size=2, max_size=9)


def write_file(path: Path, chosen: list[tuple[int, bool]], with_ids: bool) -> None:
    """The directory as the team last exported it: some companies, in some order, some renamed
    (with an id column, a renamed row is still that row; without one, it is a new row)."""
    header = "ID,name,city,category,truth" if with_ids else "name,city,category,truth"
    lines = [header]
    for index, renamed in chosen:
        name, city = COMPANIES[index]
        name = f"{name} Annex" if renamed else name
        fields = [name, city, "hotel", f"company-{index}"]
        lines.append(",".join([f"M-{index * 37 + 11}", *fields] if with_ids else fields))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def truth_of(db, record_id: int) -> tuple[str, str]:
    """(the company a record holds, its status)."""
    extra, status = db.execute("select extra, status from records where id = ?",
                               [record_id]).fetchone()
    return json.loads(extra)["truth"], status


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps, with_ids=st.booleans())
# Found by this test in CI: a merge made through a record whose row is later deleted.
@example(plan=[("merge", 1, 6), ("merge", 0, 76), ("ingest", [(0, False), (6, False)])],
         with_ids=False)
# Found by this test (2026-12-02): two merges through one record, then that record split out;
# a full rebuild had parted the two it had joined, which the update in place kept together.
@example(plan=[("merge", 23, 4), ("ingest", [(0, False)]),
               ("ingest", [(i, False) for i in range(10)]), ("merge", 0, 53), ("split", 43)],
         with_ids=False)
def test_every_decision_keeps_naming_what_it_named(tmp_path_factory, plan, with_ids):
    folder = tmp_path_factory.mktemp("team")
    db = open_db(folder / "spider.db")
    path = folder / "directory.csv"
    write_file(path, [(i, False) for i in range(len(COMPANIES))], with_ids)
    ingest_file(db, path)
    rebuild(db, Settings())
    # (what the decision names, the records it names, what each held when it was made)
    made: list[tuple[str, list[int], list[str]]] = []

    def active() -> list[tuple[int, int]]:
        return db.execute("select r.id, l.company_id from records r join record_links l on "
                          "l.record_id = r.id where r.status = 'active' order by r.id").fetchall()

    def remember(what: str, record_ids: list[int]) -> None:
        made.append((what, record_ids, [truth_of(db, r)[0] for r in record_ids]))

    for step in plan:
        live = active()
        if step[0] == "ingest":
            write_file(path, step[1], with_ids)
            ingest_file(db, path)
            update(db, Settings())  # in place, as `spider ingest` does
        elif step[0] == "refresh":
            write_file(path, step[1], with_ids)
            source = find_source(db, str(path))
            if source.get("status") != "retired":
                refresh(db, Settings(), [source])
        elif step[0] == "retire":
            source = find_source(db, str(path))
            if source.get("status") != "retired":
                retire(db, Settings(), source)
        elif not live:
            continue
        elif step[0] == "won":
            record_id, company_id = live[step[1] % len(live)]
            row = record_won(db, f"#{company_id}")
            remember("won client", [row["record_id"]])
        elif step[0] == "exclude":
            record_id, _ = live[step[1] % len(live)]
            insert_rows(db, "exclusions", [{"record_id": record_id, "kind": "do_not_call"}])
            remember("exclusion", [record_id])
        elif step[0] == "merge":
            (ra, ca), (rb, cb) = live[step[1] % len(live)], live[step[2] % len(live)]
            if ca != cb:
                apply_change(db, Settings(), merge_companies(db, ca, cb))
                remember("merge", [ra, rb])
        elif step[0] == "split":
            record_id, company_id = live[step[1] % len(live)]
            members = [r for r, c in live if c == company_id]
            if len(members) > 1:
                apply_change(db, Settings(), split_company(db, company_id, [record_id]))
                remember("split", [record_id])
        # Every decision so far still names what it named, or what it named has gone.
        for what, record_ids, held in made:
            for record_id, was in zip(record_ids, held, strict=True):
                now, status = truth_of(db, record_id)
                assert now == was, f"{what} moved from {was} to {now} after {step}"
                assert status in ("active", "stale")
        for (company_id,) in db.execute(
                "select l.company_id from won_clients w join record_links l "
                "on l.record_id = w.record_id"):
            holder = db.execute("select status from companies where id = ?",
                                [company_id]).fetchone()
            assert holder is not None  # a won client's company always exists, gone or not
        # A merge holds while both its records are in a source, unless a later split took one
        # of them out.
        for n, (what, record_ids, _held) in enumerate(made):
            later_splits = {r for w, ids, _ in made[n + 1:] if w == "split" for r in ids}
            if what != "merge" or later_splits & set(record_ids):
                continue
            if [truth_of(db, r)[1] for r in record_ids] == ["active", "active"]:
                (a,), (b,) = (db.execute("select company_id from record_links where record_id = ?",
                                         [r]).fetchone() for r in record_ids)
                assert a == b, f"the merge of {record_ids} came apart after {step}"
    # The graph updated in place is the graph a full rebuild makes of the same records.
    links = db.execute("select record_id, company_id from record_links order by 1").fetchall()
    rebuild(db, Settings())
    assert db.execute("select record_id, company_id from record_links order by 1").fetchall() \
        == links
