"""Updates in place (spider.resolve.incremental): records added, edited or gone stale after the
first build are resolved with only the companies they could join, and the companies come out
as a full rebuild of the same records makes them; what a person decided holds throughout."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from spider import pipeline
from spider.db import open_db, set_meta
from spider.ingest import ingest_file
from spider.resolve.decisions import merge_companies
from spider.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "dedupe"


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    fields = list(dict.fromkeys(k for row in rows for k in row))
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def state(db) -> tuple[dict[int, int], dict[int, tuple], set[tuple[int, int]], set[tuple[int, str]]]:
    """Record -> company, company -> its fields, pending review pairs, company-signal links."""
    links = dict(db.execute("select record_id, company_id from record_links"))
    companies = {row[0]: tuple(row[1:]) for row in db.execute(
        "select id, name, name_en, phone, address, city, record_count, status from companies")}
    review = set(db.execute("select record_a, record_b from review_queue where status = 'pending'"))
    # Description terms are chosen against the whole corpus's statistics: an update keeps them
    # as the last full build chose them (spider.signals.refresh_signals), so they are left out.
    signals = set(db.execute("select company_id, signal from company_signals where signal "
                             "not like 'term:%'"))
    signals |= set(db.execute("select -1, signal || ' held by ' || companies from signals "
                              "where signal not like 'term:%'"))
    return links, companies, review, signals


def assert_same_as_full_rebuild(db) -> None:
    links, companies, review, signals = state(db)
    pipeline.rebuild(db, Settings())
    full_links, full_companies, full_review, full_signals = state(db)
    assert links == full_links
    assert companies == full_companies
    assert review == full_review
    assert signals == full_signals


def restaurant_files(tmp_path: Path) -> tuple[Path, Path, list[dict[str, str]]]:
    """The Fodor's and Zagat guides' restaurants (real, with the true matches), as two files."""
    rows = read_csv(FIXTURES / "fodors_zagats_slice.csv")
    fodors = [{"name": r["name"], "address": r["addr"], "city": r["city"], "phone": r["phone"],
               "country": "US", "category": "restaurant"} for r in rows if r["table"] == "fodors"]
    zagat = [{"name": r["name"], "address": r["addr"], "city": r["city"], "phone": r["phone"],
              "country": "US", "category": "restaurant"} for r in rows if r["table"] != "fodors"]
    return write_csv(tmp_path / "fodors.csv", fodors), write_csv(tmp_path / "zagat.csv", zagat), rows


def company_of(db, source: Path, row: int) -> int:
    return db.execute("select l.company_id from records r join record_links l on "
                      "l.record_id = r.id where r.source = ? and r.source_row = ?",
                      [str(source.resolve()), str(row)]).fetchone()[0]


def test_a_second_guide_is_resolved_in_place_as_a_full_rebuild_would(tmp_path) -> None:
    db = open_db(tmp_path / "s.db")
    set_meta(db, "empty", "1")
    fodors, zagat, rows = restaurant_files(tmp_path)
    ingest_file(db, fodors)
    assert "records resolved into" in pipeline.update(db, Settings())  # the first build: full
    ingest_file(db, zagat)
    summary = pipeline.update(db, Settings())
    assert "resolved in place" in summary, summary
    # The true matches between the guides are found in place (Zagat rows follow Fodor's).
    fodor_rows = [r for r in rows if r["table"] == "fodors"]
    zagat_rows = [r for r in rows if r["table"] != "fodors"]
    by_entity = {r["entity"]: i for i, r in enumerate(fodor_rows, start=2)}
    matched = [(by_entity[r["entity"]], i) for i, r in enumerate(zagat_rows, start=2)
               if r["entity"] in by_entity]
    assert len(matched) >= 20
    same = sum(company_of(db, fodors, a) == company_of(db, zagat, b) for a, b in matched)
    assert same >= 0.9 * len(matched)
    assert_same_as_full_rebuild(db)


def test_edits_and_rows_gone_are_resolved_in_place(tmp_path) -> None:
    db = open_db(tmp_path / "s.db")
    set_meta(db, "empty", "1")
    fodors, zagat, _ = restaurant_files(tmp_path)
    ingest_file(db, fodors)
    ingest_file(db, zagat)
    pipeline.update(db, Settings())
    rows = read_csv(zagat)
    gone = rows.pop(3)
    rows[0]["phone"] = "310/555-0199"  # moved its line
    # A row without an id, renamed: its phone says it is the same row (spider.ingest).
    rows[1]["name"] = rows[1]["name"] + " restaurant"
    write_csv(zagat, rows)
    report = ingest_file(db, zagat)
    assert (report.updated, report.added, report.stale, report.renamed) == (2, 0, 1, 1)
    summary = pipeline.update(db, Settings())
    assert "3 changed records resolved in place" in summary, summary
    status = db.execute("select status from records where name = ?", [gone["name"]]).fetchall()
    assert ("stale",) in status
    assert_same_as_full_rebuild(db)


def seed_relisting(tmp_path: Path) -> Path:
    """A member list that lists shipped companies again, the way another directory writes
    them (S&P 500 names with a legal form, JPX companies under their English names with the
    corporate number, hotels from a ranking by name only), among firms the seeds lack."""
    sp500 = read_csv(ROOT / "seeds" / "sp500.csv")[::25]
    jpx = read_csv(ROOT / "seeds" / "jpx_listed_companies.csv")[::60]
    hotels = read_csv(ROOT / "seeds" / "tokyo_hotel_lists.csv")[::7]
    restaurants = read_csv(FIXTURES / "fodors_zagats_slice.csv")[:30]
    rows = [{"name": f"{r['name']} Inc.", "city": r["city"], "country": r["country"]} for r in sp500]
    rows += [{"name": r["name_en"], "corporate_number": r["corporate_number"], "country": "JP"}
             for r in jpx if r["name_en"]]
    rows += [{"name": r["name"], "city": r["city"], "country": "JP", "category": "hotel"}
             for r in hotels]
    rows += [{"name": r["name"], "address": r["addr"], "city": r["city"], "phone": r["phone"],
              "country": "US"} for r in restaurants]
    return write_csv(tmp_path / "members.csv", rows)


def test_a_member_list_over_the_seeds_is_resolved_in_place(private_db, tmp_path) -> None:
    db = private_db
    # What a person decided before the update holds through it and through a full rebuild.
    a, b = (row[0] for row in db.execute(
        "select id from companies where country = 'US' and status = 'active' order by id limit 2"))
    merge_companies(db, a, b)
    pipeline.update(db, Settings())
    merged = db.execute("select company_id from record_links where record_id = "
                        "(select min(record_id) from record_links where company_id = ?)",
                        [min(a, b)]).fetchone()[0]
    before = db.execute("select count(*) from companies").fetchone()[0]
    path = seed_relisting(tmp_path)
    report = ingest_file(db, path)
    summary = pipeline.update(db, Settings())
    assert "resolved in place" in summary, summary
    relisted = db.execute(
        "select count(distinct l.company_id) from records r join record_links l on "
        "l.record_id = r.id where r.source = ? and l.company_id in (select company_id from "
        "record_links group by company_id having count(*) > 1)", [str(path.resolve())]).fetchone()[0]
    assert relisted >= 20  # the shipped companies among them were met, not added again
    after = db.execute("select count(*) from companies").fetchone()[0]
    assert after < before + report.added
    assert db.execute("select count(distinct company_id) from record_links where company_id = ?",
                      [merged]).fetchone()[0] == 1
    assert_same_as_full_rebuild(db)


def test_an_update_falls_back_to_a_full_rebuild_when_it_cannot_stand_on_a_last_one(tmp_path) -> None:
    db = open_db(tmp_path / "s.db")
    set_meta(db, "empty", "1")
    fodors, zagat, _ = restaurant_files(tmp_path)
    ingest_file(db, fodors)
    pipeline.update(db, Settings())
    assert pipeline.update(db, Settings()).startswith("No record changed")
    set_meta(db, "resolve_state", "")  # a database whose last build kept no state
    ingest_file(db, zagat)
    assert "records resolved into" in pipeline.update(db, Settings())
    assert not db.execute("select count(*) from dirty_records").fetchone()[0]


def test_a_decision_not_yet_applied_is_applied_by_the_next_update(tmp_path) -> None:
    db = open_db(tmp_path / "s.db")
    set_meta(db, "empty", "1")
    fodors, _, _ = restaurant_files(tmp_path)
    ingest_file(db, fodors)
    pipeline.update(db, Settings())
    a, b = (row[0] for row in db.execute("select id from companies order by id limit 2"))
    merge_companies(db, a, b)  # and the command stopped before applying it
    assert db.execute("select count(*) from dirty_records").fetchone()[0] == 2
    assert "resolved in place" in pipeline.update(db, Settings())
    assert db.execute("select count(distinct l.company_id) from record_links l where "
                      "l.record_id in (?, ?)", [a, b]).fetchone()[0] == 1
    assert_same_as_full_rebuild(db)


def test_an_ingest_interrupted_before_its_update_is_resolved_in_place_by_the_next_command(
        tmp_path) -> None:
    path = tmp_path / "s.db"
    fodors, zagat, _ = restaurant_files(tmp_path)
    runner = CliRunner()
    from spider.cli import main

    assert runner.invoke(main, ["--db", str(path), "init", "--empty"]).exit_code == 0
    result = runner.invoke(main, ["--db", str(path), "ingest", str(fodors)])
    assert "records resolved into" in result.output, result.output
    db = open_db(path)
    ingest_file(db, zagat)  # saved; the update never ran
    db.conn.close()
    result = runner.invoke(main, ["--db", str(path), "expand", "arnie mortons of chicago"])
    assert result.exit_code == 0, result.output
    assert "resolved in place" in result.output
    with sqlite3.connect(path) as conn:
        assert conn.execute("select count(*) from dirty_records").fetchone()[0] == 0
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    result = runner.invoke(main, ["--db", str(path), "ingest", str(zagat)])
    assert "No record changed" in result.output


@pytest.mark.parametrize("text", ["Hotel Okura", "ホテルオークラ", ""])
def test_key_hash_is_stable_and_signed_64_bit(text) -> None:
    from spider.resolve.incremental import key_hash

    value = key_hash(text)
    assert -(1 << 63) <= value < (1 << 63)
    assert value == key_hash(text)
    assert value != key_hash(text + " ")


def test_an_update_looks_up_only_the_selective_keys_a_full_run_blocks_on() -> None:
    from spider.resolve.block import STORED_RULES, BlockLimits, block_keys
    from spider.resolve.prepare import Weights, prepare_records

    rows = [{"name": "Harbor View Hotel Ltd", "city": "Boise", "phone": "+1 208 555 0100",
             "address": "100 Main St", "website": "harborview.example", "lat": 43.6, "lon": -116.2},
            {"name": "ホテルオークラ東京", "corporate_number": "1010401033225", "city": "港区",
             "lat": 35.66, "lon": 139.74}]
    prepared = prepare_records(rows)
    weights = Weights(prepared)
    for rec in prepared:
        every = {rule for rule, _, _ in block_keys(rec, weights, BlockLimits())}
        kept = {rule for rule, _, _ in block_keys(rec, weights, BlockLimits(), selective=True)}
        assert kept == every & STORED_RULES
        assert "near" in every and "near" not in kept


def test_the_keys_blocking_keeps_are_the_keys_an_update_looks_up(monkeypatch) -> None:
    """A full run works out the kept keys while blocking (each record's keys read once), in
    one process and in forked slices alike: the same hashes, record by record, as an update
    in place looks up (`kept_keys`)."""
    import numpy as np

    from spider.resolve import parallel
    from spider.resolve.block import BlockLimits, block
    from spider.resolve.incremental import kept_keys
    from spider.resolve.prepare import Weights, prepare_records

    rows = [*read_csv(Path("seeds/tokyo_hotel_lists.csv"))[:150],
            {"name": "Summit Dental", "city": "Boise", "address": "100 Main St",
             "phone": "+1 208 555 0100", "website": "summitdental.example"},
            {"name": "Summit Dental PLLC", "city": "Boise", "address": "100 Main Street"}]
    prepared = prepare_records(rows)
    weights = Weights(prepared)
    limits = BlockLimits.for_size(len(prepared))
    expected = [h for rec in prepared for h, _ in kept_keys(rec, weights, limits)]
    counts = [len(kept_keys(rec, weights, limits)) for rec in prepared]
    for forked in (False, True):
        if forked:
            monkeypatch.setattr(parallel, "worth_forking", lambda *a, **k: True)
        found = block(prepared, weights, workers=2, kept=True).kept
        assert found is not None
        assert found[0].tolist() == expected and found[1].tolist() == counts
        assert int(np.sum(found[1])) > 3 * len(prepared)
    assert block(prepared, weights).kept is None


def test_hotels_listed_again_by_another_name_meet_their_property_in_place(tmp_path) -> None:
    """From a review: the property rules (brand and place, a name read across scripts) leave
    no block key, so a hotel listed again under its Japanese name stayed apart in place."""
    db = open_db(tmp_path / "s.db")
    set_meta(db, "empty", "1")
    english = write_csv(tmp_path / "guide.csv", [
        {"name": name, "city": "Tokyo", "country": "JP", "category": "hotel"}
        for name in ("Grand Hyatt Tokyo", "The Ritz-Carlton, Tokyo",
                     "Four Seasons Hotel Tokyo at Marunouchi",
                     "Four Seasons Hotel Tokyo at Otemachi", "Park Hyatt Tokyo",
                     "Hotel Okura Tokyo")])
    ingest_file(db, english)
    pipeline.update(db, Settings())
    path = write_csv(tmp_path / "ranking.csv", [
        {"name": name, "city": "Tokyo", "country": "JP", "category": "hotel"}
        for name in ("グランドハイアット", "ザ・リッツカールトン", "フォーシーズンズホテル丸の内東京",
                     "フォーシーズンズホテル東京 大手町")])
    ingest_file(db, path)
    summary = pipeline.update(db, Settings())
    assert "resolved in place" in summary, summary
    assert_same_as_full_rebuild(db)
