"""Sales ops keeping the graph fresh: registered sources, `spider refresh` with its diff,
schedules, retiring a source, and what a person decided surviving all of it."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from spider.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "dedupe"


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", str(db), *args])
    return result.exit_code, result.output


def write_guide(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def guide_rows() -> list[list[str]]:
    """The Fodor's and Zagat restaurants (real), with the guides' own ids."""
    with open(FIXTURES / "fodors_zagats_slice.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [["id", "name", "address", "city", "phone"]] + [
        [r["table"] + r["id"], r["name"], r["addr"], r["city"], r["phone"]] for r in rows]


@pytest.fixture
def guide_db(tmp_path: Path) -> tuple[Path, Path, list[list[str]]]:
    db = tmp_path / "s.db"
    rows = guide_rows()
    guide = write_guide(tmp_path / "guide.csv", rows)
    assert run(db, "init", "--empty")[0] == 0
    code, out = run(db, "ingest", str(guide), "--set", "country=US", "--set",
                    "category=restaurant", "--schedule", "weekly")
    assert code == 0, out
    return db, guide, rows


def query(db: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def test_a_source_is_registered_with_how_it_was_read(guide_db) -> None:
    db, guide, _ = guide_db
    code, out = run(db, "sources")
    assert code == 0
    assert str(guide.resolve()) in out and "1w" in out and "150" in out
    code, out = run(db, "sources", "--json")
    row = json.loads(out.splitlines()[0])
    assert json.loads(row["constants"]) == {"category": "restaurant", "country": "US"}
    assert row["encoding"] == "utf-8" and row["schedule"] == "1w" and row["active"] == 150


def test_refresh_shows_what_changed_and_a_dry_run_keeps_nothing(guide_db, tmp_path) -> None:
    db, guide, rows = guide_db
    assert "No company changed." in run(db, "refresh")[1]
    arnie = rows[1]
    rows[1] = [arnie[0], arnie[1], arnie[2], arnie[3], "310/555-0100"]  # a new phone
    gone = rows.pop(4)
    rows.append(["new1", "Brand New Bistro", "1 Main St", "los angeles", "310/555-0199"])
    write_guide(guide, rows)
    before = query(db, "select id, phone, status from records order by id")
    runs = query(db, "select count(*) from refresh_runs")  # the refresh that found nothing

    code, out = run(db, "refresh", "--dry-run")
    assert code == 0, out
    assert "changed   #1 arnie mortons of chicago: phone: 310/246-1501 -> 310/555-0100" in out
    assert "Brand New Bistro" in out and "Dry run: nothing was kept." in out
    assert query(db, "select id, phone, status from records order by id") == before
    assert query(db, "select count(*) from refresh_runs") == runs == [(1,)]

    diff = tmp_path / "changes.csv"
    code, out = run(db, "refresh", "--diff", str(diff))
    assert code == 0, out
    with open(diff, encoding="utf-8-sig", newline="") as handle:
        changes = list(csv.DictReader(handle))
    kinds = {(c["change"], c["name"]) for c in changes}
    assert ("changed", "arnie mortons of chicago") in kinds
    assert ("new", "Brand New Bistro") in kinds
    phone = next(c for c in changes if c["name"] == "arnie mortons of chicago")
    assert phone["fields"] == "phone"
    # The constants given at the first ingest hold for the rows a refresh adds.
    assert query(db, "select country, category from records where name = 'Brand New Bistro'") \
        == [("US", "restaurant")]
    assert query(db, "select name from records where status = 'stale'") == [(gone[1],)]
    assert query(db, "select count(*), sum(changes) from refresh_runs") == [(2, len(changes))]
    assert query(db, "select count(*) from refresh_changes") == [(len(changes),)]


def test_retiring_a_source_keeps_its_records_and_what_a_person_decided(guide_db) -> None:
    db, guide, _ = guide_db
    code, out = run(db, "won", "arnie mortons of chicago", "--referenceable")
    assert code == 0, out
    won_record = query(db, "select record_id from won_clients")[0][0]
    code, out = run(db, "sources", "remove", str(guide))
    assert code == 0, out
    assert "retired; 150 records marked stale" in out and "gone" in out
    assert query(db, "select count(*) from records where status = 'stale'") == [(150,)]
    assert query(db, "select record_id from won_clients") == [(won_record,)]
    assert query(db, "select status from sources") == [("retired",)]
    code, out = run(db, "won", "--list")
    assert "gone from every source" in out
    code, out = run(db, "sources", "remove", str(guide))
    assert code == 1 and "already retired" in out
    # Reading the file again brings the source and its companies back.
    code, out = run(db, "ingest", str(guide))
    assert code == 0, out
    assert query(db, "select status from sources") == [("active",)]
    assert query(db, "select count(*) from records where status = 'stale'") == [(0,)]


def test_refresh_due_reads_only_the_sources_whose_schedule_came_round(guide_db, tmp_path) -> None:
    db, guide, rows = guide_db
    other = write_guide(tmp_path / "other.csv", [rows[0], *rows[100:]])
    assert run(db, "ingest", str(other))[0] == 0
    assert "No source is due." in run(db, "refresh", "--due")[1]
    week_ago = (datetime.now(UTC) - timedelta(days=8)).isoformat(timespec="seconds")
    with sqlite3.connect(db) as conn:
        conn.execute("update sources set last_read_at = ?", [week_ago])
    code, out = run(db, "refresh", "--due")
    assert code == 0, out
    read = dict(query(db, "select location, last_read_at from sources"))
    assert read[str(guide.resolve())] > week_ago  # weekly: due, read
    assert read[str(other.resolve())] == week_ago  # no schedule: left alone
    code, out = run(db, "sources", "schedule", str(other), "12h")
    assert code == 0 and "every 12h" in out
    assert run(db, "sources", "schedule", "1", "sometimes")[1].startswith("Error: 'sometimes'")


def test_a_missing_file_fails_its_source_only_with_a_one_line_error(guide_db, tmp_path) -> None:
    db, guide, rows = guide_db
    other = write_guide(tmp_path / "other.csv", [rows[0], *rows[100:]])
    assert run(db, "ingest", str(other))[0] == 0
    rows.append(["new1", "Brand New Bistro", "1 Main St", "los angeles", "310/555-0199"])
    write_guide(guide, rows)
    other.unlink()
    code, out = run(db, "refresh")
    assert code == 1
    assert f"{other.resolve()}: the file is not there any more" in out
    assert "Traceback" not in out
    assert "Brand New Bistro" in out  # the other source was refreshed
    assert "error" in run(db, "sources")[1]


def test_a_refresh_killed_mid_way_leaves_the_database_whole_and_the_next_one_finishes(
        guide_db, tmp_path) -> None:
    db, guide, rows = guide_db
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    try:
        from make_companies import write
    finally:
        sys.path.pop(0)
    big = tmp_path / "big.csv"
    write(big, rows=30_000, seed=5)
    assert run(db, "ingest", str(big))[0] == 0
    count = query(db, "select count(*) from records")[0][0]
    with open(big, encoding="utf-8") as handle:
        text = handle.read()
    big.write_text(text.replace(" Inc\n", " Incorporated\n"), encoding="utf-8")  # many edits
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "spider", "--db", str(db), "refresh"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    time.sleep(1.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert query(db, "pragma integrity_check") == [("ok",)]
    code, out = run(db, "refresh")
    assert code == 0, out
    assert query(db, "pragma integrity_check") == [("ok",)]
    assert query(db, "select count(*) from records")[0][0] == count  # edited in place, not added
    assert query(db, "select count(*) from records where name like '% Incorporated'")[0][0] > 0
    assert query(db, "select count(*) from dirty_records") == [(0,)]


def test_saved_lists_static_and_dynamic_follow_a_refresh(guide_db, tmp_path) -> None:
    db, guide, rows = guide_db
    code, out = run(db, "list", "save", "la", "arnie mortons of chicago", "-n", "8")
    assert code == 0 and "8 prospects" in out and "dynamic" in out, out
    code, out = run(db, "list", "save", "la-frozen", "arnie mortons of chicago", "-n", "8",
                    "--static")
    assert code == 0 and "static" in out
    first = [r for r, in query(db, "select company_id from saved_list_members where list = 'la' "
                                   "order by rank")]
    frozen = query(db, "select company_id, row from saved_list_members where list = 'la-frozen'")
    # The next edition of the guide drops the list's first member.
    top = query(db, "select r.name from records r join record_links l on l.record_id = r.id "
                    "where l.company_id = ?", first[0])
    names = {n for n, in top}
    write_guide(guide, [row for row in rows if row[1] not in names])
    code, out = run(db, "refresh")
    assert code == 0, out
    assert "list 'la': 1 entered, 1 left" in out
    code, out = run(db, "list", "diff", "la")
    assert code == 0
    assert f"- #{first[0]} " in out and "gone from every source" in out
    assert "+ #" in out and "same city" in out
    assert query(db, "select company_id, row from saved_list_members where list = 'la-frozen'") \
        == frozen  # a static list keeps its companies
    assert "is static" in run(db, "list", "diff", "la-frozen", "--now")[1]
    # Export: the call list, never a company excluded since the list was saved.
    second = first[1]
    with sqlite3.connect(db) as conn:
        anchor = conn.execute("select min(record_id) from record_links where company_id = ?",
                              [second]).fetchone()[0]
        conn.execute("insert into exclusions (record_id, kind, reason) values (?, 'do_not_call', "
                     "'asked us not to call')", [anchor])
    out_csv = tmp_path / "la.csv"
    code, out = run(db, "list", "export", "la", "-o", str(out_csv))
    assert code == 0, out
    with open(out_csv, encoding="utf-8-sig", newline="") as handle:
        exported = list(csv.DictReader(handle))
    assert len(exported) == 7 and exported[0]["opening_line"] and exported[0]["phone"]
    excluded_name = json.loads(query(db, "select row from saved_list_members where list = 'la' "
                                         "and company_id = ?", second)[0][0])["company"]
    assert excluded_name not in {r["company"] for r in exported}
    code, out = run(db, "list", "export", "nope")
    assert code == 1 and "no list named 'nope'" in out


def test_the_spider_web_exports_for_gephi_and_networkx_and_draws(seeded_path, tmp_path) -> None:
    import networkx as nx

    db = seeded_path
    gexf, graphml, doc = tmp_path / "t.gexf", tmp_path / "all.graphml", tmp_path / "t.json"
    code, out = run(db, "graph", "export", "Tokyo five-star hotel", "-o", str(gexf))
    assert code == 0, out
    web = nx.read_gexf(gexf)
    prospects = [n for n, d in web.nodes(data=True) if d.get("type") == "prospect"]
    assert len(prospects) == 25
    kinds = {d.get("kind") for _, _, d in web.edges(data=True)}
    assert {"tier", "category"} <= kinds
    assert all(d.get("weight", 0) > 0 for _, _, d in web.edges(data=True))
    code, out = run(db, "graph", "export", "-o", str(graphml))
    assert code == 0
    whole = nx.read_graphml(graphml)
    companies = query(db, "select count(*) from companies where status = 'active'")[0][0]
    assert sum(d.get("type") == "company" for _, d in whole.nodes(data=True)) == companies
    assert whole.number_of_edges() == query(db, "select count(*) from company_signals")[0][0]
    assert run(db, "graph", "export", "Palace Hotel Tokyo", "-o", str(doc))[0] == 0
    loaded = nx.node_link_graph(json.loads(doc.read_text(encoding="utf-8")), edges="edges")
    assert any(d.get("type") == "seed" for _, d in loaded.nodes(data=True))
    svg = tmp_path / "web.svg"
    code, out = run(db, "graph", "draw", "Palace Hotel Tokyo", "--lang", "ja", "-o", str(svg))
    assert code == 0 and "Drew 20 prospects" in out
    text = svg.read_text(encoding="utf-8")
    assert text.startswith("<svg") and text.count("<circle") >= 21
    assert "パレスホテル東京" in text  # the centre, labelled in the user's language
    code, out = run(db, "graph", "draw", "Palace Hotel Tokyo", "-o", str(tmp_path / "web.png"))
    assert code == 1 and "write a .svg or an .html picture" in out


def test_the_shipped_seeds_refresh_from_where_spider_keeps_them(private_db_path) -> None:
    code, out = run(private_db_path, "refresh")
    assert code == 0, out
    assert "seeds/sp500.csv: 503 rows read, 0 added, 0 updated, 503 unchanged" in out
    assert "No company changed." in out


def test_what_a_trial_user_broke_stays_mended(guide_db, tmp_path) -> None:
    """Found by a new user: a list whose query stops matching blocked every refresh; a diff
    into a missing folder was lost; odd schedules crashed `sources`; a moved file could not
    be named; a retired source lost its schedule."""
    db, guide, rows = guide_db
    assert run(db, "list", "save", "spago", "spago", "-n", "5")[0] == 0
    write_guide(guide, [row for row in rows if row[1] != "spago"])
    diff = tmp_path / "not" / "yet" / "changes.json"
    code, out = run(db, "refresh", "--diff", str(diff))
    assert code == 0, out
    assert "list 'spago': 0 entered, 5 left" in out
    assert "the query no longer matches" in run(db, "list", "diff", "spago")[1]
    kept = json.loads(diff.read_text(encoding="utf-8"))
    assert any(c["change"] == "gone" and c["name"] == "spago" for c in kept)
    run_id = query(db, "select max(id) from refresh_runs")[0][0]
    assert "gone" in run(db, "refresh", "--show", str(run_id))[1]
    assert run(db, "list", "delete", "spago")[0] == 0
    for odd in ("0h", "99999999999d", "99999999d"):
        code, out = run(db, "sources", "schedule", "1", odd)
        assert code == 1 and "between every hour and every ten years" in out
    assert run(db, "sources")[0] == 0 and run(db, "refresh", "--due")[0] == 0
    moved = tmp_path / "elsewhere.csv"
    guide.rename(moved)
    code, out = run(db, "sources", "remove", "guide.csv")  # named by its file name alone
    assert code == 0, out
    assert "1w" in run(db, "sources")[1]  # the schedule is kept with the retired source


def test_a_row_renamed_in_a_file_without_ids_stays_the_same_record(tmp_path) -> None:
    """Without an id column a row is known by what it says: renamed with its phone kept, it is
    still the row a won client and a merge named, not a new company to cold-call."""
    db = tmp_path / "s.db"
    rows = [[name, address, city, phone] for _, name, address, city, phone in guide_rows()]
    guide = write_guide(tmp_path / "guide.csv", rows)
    assert run(db, "init", "--empty")[0] == 0
    assert run(db, "ingest", str(guide), "--set", "country=US")[0] == 0
    phones = ["".join(c for c in row[3] if c.isdigit()) for row in rows]
    at = next(i for i in range(1, len(rows)) if phones.count(phones[i]) == 1)
    code, out = run(db, "won", rows[at][0])  # a restaurant one guide lists
    assert code == 0, out
    won = query(db, "select record_id from won_clients")[0][0]
    other = next(i for i in range(1, len(rows)) if phones.count(phones[i]) == 1 and i != at)
    a, b = (query(db, "select l.company_id from records r join record_links l on "
                      "l.record_id = r.id where r.name = ? limit 1", rows[i][0])[0][0]
            for i in (at, other))
    assert run(db, "merge", str(a), str(b))[0] == 0
    rows[at] = ["Arnie Morton's Steakhouse", *rows[at][1:]]  # renamed, same phone
    write_guide(guide, rows)
    code, out = run(db, "refresh")
    assert code == 0, out
    assert "1 of the updated renamed or moved" in out
    assert "changed" in out and "new " not in out and "gone " not in out
    assert query(db, "select name, status from records where id = ?", won) == \
        [("Arnie Morton's Steakhouse", "active")]
    assert query(db, "select count(*) from records") == [(150,)]
    merged = query(db, "select l.company_id from records r join record_links l on "
                       "l.record_id = r.id where r.id = ? or r.name = ?", won, rows[other][0])
    assert len({c for c, in merged}) == 1  # the merge still holds through the new name
    code, out = run(db, "expand", "steakhouse in los angeles")
    assert "Arnie Morton's Steakhouse" not in out  # a won client is never a prospect


def test_a_new_row_is_not_taken_for_a_gone_one_on_a_shared_page_or_another_company(
        tmp_path) -> None:
    """From a review: a page on a shared host, another corporate number, or a phone passed on
    to a firm in another town is no rename."""
    from spider.db import open_db
    from spider.ingest import ingest_file

    db = open_db(tmp_path / "s.db")
    path = tmp_path / "list.csv"
    path.write_text("name,city,website,phone,corporate_number\n"
                    "Cafe Aoi,Kyoto,https://facebook.com/cafeaoi,,\n"
                    "Acme Trading,Tokyo,,03-1111-2222,1010001000001\n"
                    "Maple Dental,Boise,,208-555-0100,\n", encoding="utf-8")
    ingest_file(db, path)
    path.write_text("name,city,website,phone,corporate_number\n"
                    "Sushi Tanaka,Osaka,https://facebook.com/sushitanaka,,\n"
                    "Zeta Holdings,Tokyo,,03-1111-2222,1010001999999\n"
                    "Harbor Books,Leeds,,208-555-0100,\n", encoding="utf-8")
    report = ingest_file(db, path)
    assert (report.renamed, report.added, report.stale) == (0, 3, 3)
