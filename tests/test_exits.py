"""Policies that hold at every exit: a won client who has not agreed to be named is named in no
file, table or terminal line; an excluded company reaches no exit, even one written after the
list was made; and a query's SQL does not grow with the graph."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from spider.cli import main
from spider.clients import record_won
from spider.expand import expand
from spider.export import to_csv, to_json, to_table, write_export
from spider.ingest import ingest_file
from spider.pipeline import rebuild
from spider.settings import Settings
from spider.text import now_iso

ANONYMOUS = "The Peninsula Tokyo"


def spider(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_an_anonymous_client_is_named_at_no_exit(private_db_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = str(private_db_path)
    assert spider("--db", db, "won", ANONYMOUS).exit_code == 0
    (client,) = sqlite3.connect(db).execute(
        "select l.company_id from won_clients w join record_links l on l.record_id = w.record_id"
    ).fetchone()
    outputs = []
    for fmt in ("table", "csv", "json"):
        result = spider("--db", db, "expand", "Tokyo five-star hotel", "--format", fmt,
                        "-o", str(tmp_path / f"calls.{fmt}"), "-n", "30")
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    table = spider("--db", db, "expand", "Palace Hotel Tokyo", "-n", "30")
    outputs.append(table.output)
    files = [p.read_text(encoding="utf-8-sig") for p in sorted(tmp_path.glob("calls.*"))]
    assert len(files) == 6  # three call lists and the settings beside each
    conn = sqlite3.connect(db)
    rows = [json.dumps(r, ensure_ascii=False) for r in conn.execute(
        "select reference, opening_line, ask_for, reasons from prospects")]
    rows += [r[0] for r in conn.execute("select settings from runs")]
    # The client is cited (as a reference) somewhere, so the test means something ...
    cited = conn.execute("select count(*) from prospects where reference_company_id = ?",
                         [client]).fetchone()[0]
    assert cited >= 10
    assert f"anonymous: won client #{client} (not to be named)" in "".join(outputs)
    # ... yet its name appears in no exit: terminal, CSV, JSON, table file, settings, table rows.
    for text in (*outputs, *files, *rows):
        assert "Peninsula" not in text and "ペニンシュラ" not in text


def _exclude(db, company_id: int, kind: str = "do_not_call") -> None:
    (record_id,) = db.execute("select min(record_id) from record_links where company_id = ?",
                              [company_id]).fetchone()
    db["exclusions"].insert({"record_id": record_id, "kind": kind, "reason": "asked not to be called",
                             "expires_at": None, "created_at": now_iso()})
    db.conn.commit()


def test_an_exclusion_made_after_the_list_still_keeps_the_company_out_of_every_file(
        private_db, tmp_path):
    expansion = expand(private_db, Settings(), "Tokyo five-star hotel", limit=10, save=False)
    banned = expansion.prospects[2]
    _exclude(private_db, banned.company_id)
    texts = [to_csv(private_db, expansion), to_json(private_db, expansion),
             to_table(private_db, expansion)]
    for fmt in ("csv", "json", "table"):
        path = write_export(private_db, expansion, Settings(), fmt, tmp_path / f"list.{fmt}")
        texts.append(path.read_text(encoding="utf-8-sig"))
    for text in texts:
        assert banned.name not in text
        assert expansion.prospects[1].name in text  # the others are still there
    doc = json.loads(to_json(private_db, expansion))
    assert banned.company_id not in {p["company_id"] for p in doc["prospects"]}
    # Ranks are kept, so the gap shows a company was taken out.
    assert [p["rank"] for p in doc["prospects"]] == [1, 2, *range(4, 11)]
    # The next list leaves it out from the start, and says so.
    again = expand(private_db, Settings(), "Tokyo five-star hotel", limit=10, save=False)
    assert banned.company_id not in {p.company_id for p in again.prospects}
    assert any("left out" in note for note in again.notes)


def test_an_expired_exclusion_no_longer_excludes(private_db):
    expansion = expand(private_db, Settings(), "Toyota Motor", limit=5, save=False)
    target = expansion.prospects[0]
    (record_id,) = private_db.execute("select min(record_id) from record_links where company_id = ?",
                                      [target.company_id]).fetchone()
    private_db["exclusions"].insert({"record_id": record_id, "kind": "do_not_call",
                                     "expires_at": "2001-01-01T00:00:00+00:00",
                                     "created_at": "2000-01-01T00:00:00+00:00"})
    assert target.name in to_csv(private_db, expansion)


def test_a_won_client_is_never_on_a_list(private_db):
    record_won(private_db, "Mandarin Oriental, Tokyo", referenceable=True)
    expansion = expand(private_db, Settings(), "Tokyo five-star hotel", limit=40, save=False)
    assert "Mandarin Oriental, Tokyo" not in {p.name for p in expansion.prospects}


def _cost(db, func):
    """(statements, SQLite virtual-machine steps in thousands) that func() runs on db."""
    statements: list[str] = []
    steps = [0]

    def step() -> int:
        steps[0] += 1
        return 0

    db.conn.set_trace_callback(lambda sql: statements.append(sql) if not sql.startswith("--") else None)
    db.conn.set_progress_handler(step, 1000)
    try:
        result = func()
    finally:
        db.conn.set_trace_callback(None)
        db.conn.set_progress_handler(None, 0)
    return result, len(statements), steps[0]


def test_reading_a_query_costs_the_same_however_many_signals(private_db, tmp_path):
    """The query vocabulary is compiled per build and read by the phrases a query holds, not
    re-read from every signal label: 3,000 new industries, categories and cities cost the
    reading of a segment query no statement and no work. (Only a word read as a typo of a
    phrase reads the phrases of about its length.)"""
    from spider.query import parse_segment

    queries = ("Tokyo five-star hotel", "大阪 銀行", "Japanese automaker", "luxury hotel in Ginza")
    typo = "Tokyo five-star hotle"
    for q in (*queries, typo):  # first use of a connection reads SQLite's own settings
        parse_segment(private_db, q)
    small = [_cost(private_db, lambda q=q: parse_segment(private_db, q))[1:] for q in queries]
    _, typo_statements, _ = _cost(private_db, lambda: parse_segment(private_db, typo))
    vocabulary = private_db.execute("select count(*) from query_phrases").fetchone()[0]
    rows = ["name,category,industry,city,region,country"]
    rows += [f"Widget Maker {i},widget kind {i},gizmo industry {i},Town {i},State {i % 50},XX"
             for i in range(1000)]
    path = tmp_path / "makers.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    ingest_file(private_db, path)
    rebuild(private_db, Settings())
    assert private_db.execute("select count(*) from query_phrases").fetchone()[0] > vocabulary + 3000
    large = [_cost(private_db, lambda q=q: parse_segment(private_db, q))[1:] for q in queries]
    for (statements, steps), (statements_after, steps_after) in zip(small, large, strict=True):
        assert statements_after == statements, (small, large)
        assert steps_after <= steps + 1, (small, large)
    assert _cost(private_db, lambda: parse_segment(private_db, typo))[1] == typo_statements
    # and a word of the new vocabulary is understood at once
    assert expand(private_db, Settings(), "widget kind 7", limit=1, save=False).prospects[0].name \
        == "Widget Maker 7"
