"""First run: an empty database path fills itself from the shipped seeds, once; --empty stays empty."""

from __future__ import annotations

import tomllib

from conftest import SEEDS

from spider.db import get_meta, open_db
from spider.pipeline import ensure_built
from spider.resolve.normalize import NORMALIZE_VERSION
from spider.seeds import read_manifest, seeds_dir
from spider.settings import Settings


def test_seeds_dir_ships_the_checkout_seeds():
    # Installed (pip install .) the seeds live inside the package; in a checkout, at the top.
    # Either way they must be the same files.
    shipped = seeds_dir()
    for path in SEEDS.rglob("*"):
        if path.is_file():
            twin = shipped / path.relative_to(SEEDS)
            assert twin.is_file(), f"{twin} missing from the shipped seeds"
            assert twin.read_bytes() == path.read_bytes()
    manifest = read_manifest()
    assert manifest == tomllib.loads((SEEDS / "manifest.toml").read_text(encoding="utf-8"))
    assert [s["file"] for s in manifest["source"]] == [
        "jpx_listed_companies.csv",
        "sp500.csv",
        "tokyo_hotels_osm.geojson",
        "tokyo_hotel_lists.csv",
    ]


def test_first_use_builds_from_seeds_then_never_again(tmp_path):
    db = open_db(tmp_path / "first.db")
    messages: list[str] = []
    assert ensure_built(db, Settings(), echo=messages.append) is True
    assert get_meta(db, "seeded") and get_meta(db, "built_at")
    assert any(str(tmp_path / "first.db") in m for m in messages)  # says where it is
    sources = dict(db.execute("select source, count(*) from records group by source").fetchall())
    assert set(sources) == {f"seeds/{s['file']}" for s in read_manifest()["source"]}
    assert sources["seeds/sp500.csv"] >= 500 and sources["seeds/tokyo_hotels_osm.geojson"] >= 300
    counts = [
        db.execute(f"select count(*) from {t}").fetchone()[0]
        for t in ("records", "companies", "record_links", "signals", "company_signals")
    ]
    assert all(counts) and counts[0] == counts[2]  # every record linked to a company
    before = counts
    assert ensure_built(db, Settings()) is False
    again = [
        db.execute(f"select count(*) from {t}").fetchone()[0]
        for t in ("records", "companies", "record_links", "signals", "company_signals")
    ]
    assert again == before
    confidence = dict(db.execute("select location, confidence from sources").fetchall())
    assert confidence["seeds/jpx_listed_companies.csv"] == 0.95
    assert confidence["seeds/tokyo_hotel_lists.csv"] == 0.7


def test_the_manifest_constants_reach_the_osm_records(seeded_db):
    # [source.set] fills what a row lacks; a row's own value (addr:province "Tokyo") stays.
    rows = seeded_db.execute(
        "select region, country, count(*) from records "
        "where source = 'seeds/tokyo_hotels_osm.geojson' group by region, country"
    ).fetchall()
    regions = {region: n for region, _, n in rows}
    assert set(regions) <= {"東京都", "Tokyo"} and regions["東京都"] > 300
    assert {country for _, country, _ in rows} == {"JP"}


def test_a_database_marked_empty_is_not_seeded_later(tmp_path):
    from spider.db import set_meta

    db = open_db(tmp_path / "team.db")
    set_meta(db, "empty", "1")
    assert ensure_built(db, Settings()) is False
    assert db.execute("select count(*) from records").fetchone()[0] == 0


def test_a_database_with_records_of_its_own_is_not_seeded(tmp_path):
    from conftest import FIXTURES

    from spider.ingest import ingest_file

    db = open_db(tmp_path / "own.db")
    ingest_file(db, FIXTURES / "members.csv")
    ensure_built(db, Settings())  # builds the graph of its own records, never with the seeds
    assert db.execute("select count(*) from records").fetchone()[0] == 3
    assert get_meta(db, "seeded") is None
    assert db.execute("select count(*) from companies").fetchone()[0] == 3
    assert ensure_built(db, Settings()) is False


def test_open_db_is_idempotent(seeded_path, tmp_path):
    from conftest import copy_db

    db = copy_db(seeded_path, tmp_path / "again.db")
    tables = set(db.table_names())
    db.conn.close()
    db = open_db(tmp_path / "again.db")
    assert set(db.table_names()) == tables
    assert {"records", "companies", "company_signals", "won_clients", "prospects", "runs"} <= tables


def test_a_database_from_another_normalizer_is_rebuilt_keeping_decisions(seeded_path, tmp_path):
    """Name keys folded by another version of spider.resolve.normalize: the next use rebuilds."""
    from conftest import copy_db

    from spider.db import set_meta

    db = copy_db(seeded_path, tmp_path / "old.db")
    companies = db.execute("select count(*) from companies").fetchone()[0]
    set_meta(db, "normalize_version", "an older one")
    db.conn.close()
    db = open_db(tmp_path / "old.db")
    messages: list[str] = []
    ensure_built(db, Settings(), echo=messages.append)
    assert messages[0].startswith("Rebuilding")
    assert get_meta(db, "needs_rebuild") == "0"
    assert get_meta(db, "normalize_version") == NORMALIZE_VERSION
    assert db.execute("select count(*) from companies").fetchone()[0] == companies


def _as_of_schema(seeded_path, path, version: int, *changes: str):
    """A copy of the seeds' database as an older version left it (CHANGES undone by SQL),
    opened again as the current version opens it."""
    from conftest import copy_db

    from spider.db import set_meta

    db = copy_db(seeded_path, path)
    for sql in changes:
        db.execute(sql)
    set_meta(db, "schema_version", str(version))
    db.execute(f"pragma user_version = {0 if version < 8 else version}")
    db.conn.commit()
    db.conn.close()
    return open_db(path)


def test_a_database_from_an_older_schema_is_rebuilt_with_its_query_vocabulary(seeded_path, tmp_path):
    """A database set up before the query vocabulary existed gains it on next use, and answers."""
    from spider.expand import expand

    db = _as_of_schema(seeded_path, tmp_path / "v1.db", 1, "drop table query_phrases",
                       "drop table query_terms")
    assert get_meta(db, "needs_rebuild") == "1"
    ensure_built(db, Settings())
    assert db.execute("select count(*) from query_phrases").fetchone()[0] > 1000
    assert expand(db, Settings(), "Tokyo five-star hotel", limit=3, save=False).prospects


def test_a_database_of_the_last_schema_gains_the_covering_index_without_a_rebuild(seeded_path,
                                                                                   tmp_path):
    """Version 9 only serves a signal's holders from one index: a version-8 database gets it
    on next use, keeps its graph (no rebuild) and reads holders from the index alone."""
    db = _as_of_schema(seeded_path, tmp_path / "v8.db", 8,
                       "drop index idx_company_signals_signal_company_id_weight",
                       "create index idx_company_signals_signal on company_signals (signal)")
    assert get_meta(db, "needs_rebuild") == "0"
    names = {n for n, in db.execute("select name from sqlite_master where type = 'index' and "
                                    "tbl_name = 'company_signals'")}
    assert "idx_company_signals_signal" not in names
    plan = " ".join(str(row[-1]) for row in db.execute(
        "explain query plan select company_id, weight from company_signals where signal = ?",
        ["category:hotel"]))
    assert "COVERING INDEX idx_company_signals_signal_company_id_weight" in plan


def test_a_rebuild_in_forked_workers_writes_what_one_process_writes(private_db, monkeypatch):
    """A large directory's companies, signal passes and name keys are worked out in forked
    workers (the parent reads and writes): the tables are the same, row for row and in the
    same order, as one process writes them (the seeds, with forking forced)."""
    from spider import pipeline
    from spider.resolve import parallel

    tables = {"companies": "id", "company_signals": "rowid", "signals": "signal",
              "company_weights": "company_id", "company_names": "rowid"}

    def dump() -> dict[str, list[tuple]]:
        return {t: private_db.execute(f"select * from {t} order by {o}").fetchall()
                for t, o in tables.items()}

    monkeypatch.setattr(parallel, "worth_forking", lambda *a, **k: False)
    pipeline.rebuild(private_db, Settings(workers=2))
    alone = dump()
    forked: list[int] = []
    real_map = parallel.map_chunks

    def counted(func, chunks, workers, state=None):
        for out in real_map(func, chunks, workers, state):
            forked.append(workers)
            yield out

    monkeypatch.setattr(parallel, "worth_forking", lambda *a, **k: True)
    monkeypatch.setattr(parallel, "map_chunks", counted)
    pipeline.rebuild(private_db, Settings(workers=2))
    assert len(forked) > 5 and set(forked) == {2}
    together = dump()
    for name in tables:
        assert together[name] == alone[name], name
    assert len(alone["companies"]) > 4000 and len(alone["company_names"]) > 10000
