"""The Spark engine against the embedded one, whole CLI processes, and what 100M records
would take on a cluster, worked out from the measured per-core costs.

    python bench/bench_spark.py [--rows 100000] [--mix en|ja] [--seed 7]
                                [--master local[2]] [--target 100000000] [--work DIR]

Writes a directory with bench/make_companies.py, builds a database from it
(`spider init --empty; spider ingest`), then on two copies runs `spider dedupe` (embedded)
and `spider dedupe --engine spark --spark-master MASTER`, and prints both wall times, CPU and
peak memory, whether the two wrote the same companies, review pairs and signals, and the
Spark jobs' cost per item and core (prepare per record, block-and-score per candidate pair,
the signal pass per company). From those it estimates --target records on clusters of 16 to
512 cores: the Spark stages divided over the cores, plus the driver's share (clustering,
writing SQLite, the signal passes over every company, the name index), which does not
divide and is scaled from the embedded run's stage times. An estimate on paper, linear in
records (blocking keeps pairs near linear: bench/README.md); not a measurement of a cluster.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_ingest import run  # noqa: E402
from make_companies import write  # noqa: E402

SPARK_LINE = re.compile(r"^\s+spark (.+?): (\d+) in ([\d.]+) s on (\d+) cores \((\d+) µs")
DRIVER_STAGES = ("clustering", "writing companies", "keeping block keys for updates in place",
                 "indexing names")  # fmt: skip


def copy_db(source: Path, target: Path) -> None:
    """A consistent copy (SQLite's backup: the write-ahead log's pages included)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def snapshot(db: Path) -> tuple:
    with sqlite3.connect(db) as conn:
        return (dict(conn.execute("select record_id, company_id from record_links")),
                set(conn.execute("select * from companies")),
                set(conn.execute("select record_a, record_b, score from review_queue")),
                set(conn.execute("select company_id, signal, weight from company_signals")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--mix", choices=["en", "ja"], default="en")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--target", type=int, default=100_000_000)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--spider", default=shutil.which("spider") or "spider")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="spider-spark-"))
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"dir-{args.rows}-{args.mix}-{args.seed}.csv"
    write(path, rows=args.rows, seed=args.seed, mix=args.mix)
    base, embedded_db, spark_db = work / "base.db", work / "embedded.db", work / "spark.db"
    for old in [*work.glob("*.db"), *work.glob("*.db-*"), *work.glob("*.db.lock")]:
        old.unlink()
    run([args.spider, "--db", str(base), "init", "--empty"])
    run([args.spider, "--db", str(base), "ingest", str(path)])
    for target in (embedded_db, spark_db):
        copy_db(base, target)
    embedded = run([args.spider, "--db", str(embedded_db), "dedupe"])
    spark = run([args.spider, "--db", str(spark_db), "dedupe", "--engine", "spark",
                 "--spark-master", args.master])
    same = snapshot(embedded_db) == snapshot(spark_db)
    print(f"{args.rows} rows ({args.mix}, seed {args.seed}); Spark master {args.master}")
    for label, r in (("dedupe, embedded", embedded), (f"dedupe, spark {args.master}", spark)):
        print(f"{label:<28} {r['wall']:7.1f} s wall {r['cpu']:7.1f} s CPU (tree) "
              f"{r['pss'] / 2**30:5.2f} GiB")
    print(f"spark / embedded wall: {spark['wall'] / embedded['wall']:.2f}x; same companies, "
          f"review pairs and signals: {'yes' if same else 'NO'}")
    err = (spark.get("err") or "").splitlines()
    costs: dict[str, tuple[int, float, int, int]] = {}
    for line in err:
        m = SPARK_LINE.match(line)
        if m:
            costs[m.group(1)] = (int(m.group(2)), float(m.group(3)), int(m.group(4)),
                                 int(m.group(5)))
            print(line.strip())
    stages = {name: seconds for name, seconds, _ in embedded["stages"]}
    driver = sum(stages.get(name, 0.0) for name in DRIVER_STAGES)
    # The signal build's passes after the per-company one (rarity, terms, groups, writing)
    # stay on the driver: its stage minus what the per-company pass cost on Spark.
    company_pass = next((v for k, v in costs.items() if k.startswith("_company_pass")), None)
    signals = stages.get("linking signals", 0.0)
    if company_pass:
        signals = max(0.0, signals - company_pass[1])
    driver += signals
    scale = args.target / args.rows
    print(f"\nOn paper, {args.target:,} records (x{scale:,.0f} of this run, linear):")
    print(f"  driver (clustering, SQLite writes, signal passes over all companies, name "
          f"index): {driver * scale / 3600:.1f} h on one core, whatever the cluster")
    per_core = sum(items * scale * micros / 1e6 for items, _, _, micros in costs.values())
    for cores in (16, 64, 256, 512):
        spark_hours = per_core / cores / 3600
        print(f"  {cores:>4} cores: Spark stages {spark_hours:5.2f} h + driver "
              f"{driver * scale / 3600:.1f} h = {spark_hours + driver * scale / 3600:.1f} h")


if __name__ == "__main__":
    main()
