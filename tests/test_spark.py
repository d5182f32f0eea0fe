"""The Spark engine (spider.resolve.spark) in local mode: the same candidate pairs, scores,
companies and signals as the embedded engine on the test sets, through the library and the CLI."""

from __future__ import annotations

import csv
import os
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("pyspark")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Spark's local mode needs Java 17 (java on the PATH or JAVA_HOME)",
                allow_module_level=True)

from spider.errors import SpiderError  # noqa: E402
from spider.resolve.prepare import prepare_records  # noqa: E402
from spider.resolve.records import resolve_prepared  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures" / "dedupe"
BENCH = Path(__file__).resolve().parents[1] / "bench"


def read_csv(name: str) -> list[dict[str, str]]:
    with open(FIXTURES / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def engine():
    from spider.resolve.spark import SparkEngine

    spark = SparkEngine("local[2]", partitions=3)
    yield spark
    spark.stop()


def restaurants() -> list[dict[str, str]]:
    return [{"name": r["name"], "address": r["addr"], "city": r["city"], "phone": r["phone"]}
            for r in read_csv("fodors_zagats_slice.csv")]


def listed_names() -> list[dict[str, str]]:
    rows = []
    for r in read_csv("jp_listed_names.csv"):
        rows += [{"name": r["ticker_name"]}, {"name": r["legal_name"], "name_kana": r["reading"]},
                 {"name": r["english_name"]}]
    return rows


def applicants() -> list[dict[str, str]]:
    return [{"name": r["name"]} for r in read_csv("patstat_slice.csv")]


def generated(tmp_path: Path) -> list[dict[str, str]]:
    """A Japanese-and-English directory from the bench's seeded generator (3,000 rows)."""
    sys.path.insert(0, str(BENCH))
    try:
        from make_companies import write
    finally:
        sys.path.remove(str(BENCH))
    path = tmp_path / "mix.csv"
    write(path, rows=3000, seed=3, mix="ja")
    with open(path, encoding="utf-8", newline="") as handle:
        return [{k: v for k, v in row.items() if k != "listing_id"} for row in csv.DictReader(handle)]


@pytest.mark.parametrize("rows", ["restaurants", "listed_names", "applicants", "generated"])
@pytest.mark.parametrize("join", ["broadcast", "shuffle"])
def test_spark_proposes_scores_and_clusters_as_the_embedded_engine(engine, rows, join,
                                                                   tmp_path) -> None:
    engine.broadcast_records = 10**9 if join == "broadcast" else 0
    data = generated(tmp_path) if rows == "generated" else globals()[rows]()
    embedded = resolve_prepared(prepare_records(data), workers=1)
    half = len(data) // 2
    prepared = engine.prepare([data[:half], data[half:]])
    assert [p.index for p in prepared] == list(range(len(data)))
    on_spark = resolve_prepared(prepared, engine=engine)
    assert len(on_spark.pairs) == len(embedded.pairs) > 0
    assert (on_spark.pairs.codes == embedded.pairs.codes).all()
    assert (on_spark.pairs.rules == embedded.pairs.rules).all()
    assert on_spark.scores == embedded.scores
    assert on_spark.clusters == embedded.clusters
    assert on_spark.review == embedded.review


def test_cli_dedupe_on_spark_writes_the_same_companies(engine, tmp_path) -> None:
    from spider.cli import main

    path = tmp_path / "s.db"
    rows = restaurants()
    source = tmp_path / "guides.csv"
    with open(source, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    runner = CliRunner()
    assert runner.invoke(main, ["--db", str(path), "init", "--empty"]).exit_code == 0
    assert runner.invoke(main, ["--db", str(path), "ingest", str(source)]).exit_code == 0

    def snapshot() -> tuple[dict, set, set, set]:
        with sqlite3.connect(path) as conn:
            return (dict(conn.execute("select record_id, company_id from record_links")),
                    set(conn.execute("select * from companies")),
                    set(conn.execute("select record_a, record_b, score from review_queue")),
                    set(conn.execute("select * from company_signals")))

    before = snapshot()
    result = runner.invoke(main, ["--db", str(path), "dedupe", "--engine", "spark",
                                  "--spark-master", "local[2]"])
    assert result.exit_code == 0, result.output
    assert "on SparkEngine" in result.output and "records resolved into" in result.output
    assert snapshot() == before


def test_a_missing_pyspark_is_a_one_line_error(monkeypatch) -> None:
    from spider.resolve import spark

    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(SpiderError, match=r"pip install 'spider\[spark\]'"):
        spark.session("local[1]")
