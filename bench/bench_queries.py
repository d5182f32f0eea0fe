"""What one `spider expand` costs in SQL statements, and what it answers, over a fixed set of
queries: each query runs as its own process through the CLI, as a user runs it.

    python bench/bench_queries.py [--out DIR] [--compare DIR] [--spider-root PATH]

Builds a scratch database from the shipped seeds, records won clients (named and anonymous),
then runs every query of QUERIES in a fresh process with a trace on every SQLite connection,
and prints per query: exit code, statements Spider ran (of them reads and writes), the
statements SQLite ran inside the full-text name index on its own, and wall time. With --out,
each query's stdout and stderr are written to DIR (the random run id blanked), so two
versions of the code can be compared byte for byte with --compare: the statement counts of
the other run are printed beside these and any answer that differs is named.

--spider-root runs another checkout's code (its package directory on sys.path), so the same
script measures the code before and after a change.

Last, the cost of reading segment queries as the graph's vocabulary grows: the same queries
parsed on the seeds database and after ingesting GROW companies that each bring a new
category, industry and city (--grow, default 2000): statements and SQLite virtual-machine
steps (thousands) per query, before and after growth.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Won clients recorded before the queries: (name, flags). Named and anonymous, hotels, JPX, S&P.
CLIENTS = [
    ("Palace Hotel Tokyo", ["--referenceable", "--story", "+18% corporate bookings in six months"]),
    ("The Peninsula Tokyo", []),
    ("Honda Motor", ["--referenceable"]),
    ("Marriott International", []),
    ("みずほフィナンシャルグループ", ["--referenceable", "--story", "2x meetings per rep"]),
]

# (arguments after `spider`) - at least 20 expand queries: hotels, JPX, S&P; English and
# Japanese; names and segments; typos, unknown words, ambiguity; every output format.
QUERIES: list[list[str]] = [
    ["expand", "Tokyo five-star hotel", "--format", "json"],
    ["expand", "Palace Hotel Tokyo", "--format", "json"],
    ["expand", "東京 5つ星ホテル", "--lang", "ja", "--format", "json"],
    ["expand", "帝国ホテル", "--format", "json"],
    ["expand", "Toyota Motor", "--format", "json"],
    ["expand", "トヨタ自動車", "--lang", "ja", "--format", "json", "-n", "10"],
    ["expand", "Marriott International", "--format", "json"],
    ["expand", "US hotel REIT", "--format", "json"],
    ["expand", "Japanese automaker", "--format", "json"],
    ["expand", "banks in Saitama", "--format", "json"],
    ["expand", "Sony", "--format", "json"],
    ["expand", "Hilton", "--format", "json"],
    ["expand", "Tokyo business hotel", "--format", "json"],
    ["expand", "Conrad Tokyo", "--format", "json"],
    ["expand", "Shinjuku capsule hotel", "--format", "json"],
    ["expand", "luxury hotel in Ginza", "--format", "json"],
    ["expand", "Tokyo five-star hotle", "--format", "json"],
    ["expand", "semiconductor companies", "--format", "json", "-n", "40"],
    ["expand", "大阪 銀行", "--lang", "ja", "--format", "json"],
    ["expand", "pharmaceuticals", "--format", "json"],
    ["expand", "Apple", "--format", "json"],
    ["expand", "Mandarin Oriental Tokyo", "--format", "json"],
    ["expand", "Tokyo five-star hotel", "--format", "csv", "-n", "10"],
    ["expand", "Palace Hotel Tokyo", "--format", "table", "-n", "5"],
    ["expand", "Toyota Motor", "--format", "csv", "--lang", "ja", "-n", "8"],
    ["expand", "APA Hotel", "--format", "json"],
    ["expand", "frobnicator widgets", "--format", "json"],
]

# Runs spider's CLI in this process with every SQLite statement counted.
HARNESS = r"""
import json, sqlite3, sys, time
root = sys.argv[1]
if root:
    sys.path.insert(0, root)
counts = {"statements": 0, "reads": 0, "writes": 0, "nested": 0}
_connect = sqlite3.connect
def traced(*args, **kwargs):
    conn = _connect(*args, **kwargs)
    def trace(sql):
        if sql.startswith("--"):  # run by SQLite itself (the full-text index's own reads)
            counts["nested"] += 1
            return
        counts["statements"] += 1
        head = sql.lstrip().split(None, 1)[0].lower() if sql.strip() else ""
        if head in ("select", "with", "pragma"):
            counts["reads"] += 1
        elif head in ("insert", "update", "delete", "replace", "create", "drop"):
            counts["writes"] += 1
    conn.set_trace_callback(trace)
    return conn
sqlite3.connect = traced
started = time.perf_counter()
from spider.cli import main
code = 0
try:
    main(sys.argv[2:], prog_name="spider", standalone_mode=False)
except SystemExit as exc:
    code = exc.code or 0
except Exception as exc:  # click exceptions in non-standalone mode
    print(f"Error: {exc}", file=sys.stderr)
    code = 2
counts["seconds"] = round(time.perf_counter() - started, 3)
counts["exit"] = code
sys.stderr.write("\n@@COUNTS@@" + json.dumps(counts) + "\n")
"""


# Parses segment queries before and after the vocabulary grows; prints JSON.
GROWTH = r"""
import json, sys, time
root, db_path, csv_path = sys.argv[1:4]
queries = json.loads(sys.argv[4])
if root:
    sys.path.insert(0, root)
from spider.db import open_db
from spider.ingest import ingest_file
from spider.query import parse_segment
from spider.settings import Settings
try:
    from spider.pipeline import rebuild
except ImportError:  # the layout before spider.pipeline
    from spider.build import rebuild
db = open_db(db_path)
def cost(q):
    statements, steps = [0], [0]
    def step():
        steps[0] += 1
        return 0
    db.conn.set_trace_callback(lambda s: None if s.startswith("--") else statements.__setitem__(0, statements[0] + 1))
    db.conn.set_progress_handler(step, 1000)
    started = time.perf_counter()
    parse_segment(db, q)
    elapsed = time.perf_counter() - started
    db.conn.set_trace_callback(None)
    db.conn.set_progress_handler(None, 0)
    return statements[0], steps[0], round(elapsed * 1000, 1)
for q in queries:
    parse_segment(db, q)
before = [cost(q) for q in queries]
signals = db.execute("select count(*) from signals").fetchone()[0]
ingest_file(db, csv_path)
rebuild(db, Settings())
after = [cost(q) for q in queries]
grown = db.execute("select count(*) from signals").fetchone()[0]
print(json.dumps({"before": before, "after": after, "signals": [signals, grown]}))
"""
GROWTH_QUERIES = ["Tokyo five-star hotel", "大阪 銀行", "Japanese automaker", "luxury hotel in Ginza",
                  "Tokyo five-star hotle"]


def vocabulary_growth(db: Path, root: str, grow: int) -> None:
    """Print what parsing segment queries costs before and after GROW new labelled companies."""
    rows = ["name,category,industry,city,region,country"]
    rows += [f"Widget Maker {i},widget kind {i},gizmo industry {i},Town {i},State {i % 50},XX"
             for i in range(grow)]
    path = db.parent / "grow.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", GROWTH, root, str(db), str(path),
                           json.dumps(GROWTH_QUERIES)], capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"growth run failed:\n{proc.stderr}")
    doc = json.loads(proc.stdout.strip().splitlines()[-1])
    small, large = doc["signals"]
    print(f"reading segment queries as the vocabulary grows ({small} -> {large} signals):")
    print(f"  {'query':<26} {'statements':>16} {'VM steps (k)':>16} {'ms':>18}")
    for q, (s0, v0, t0), (s1, v1, t1) in zip(GROWTH_QUERIES, doc["before"], doc["after"],
                                             strict=True):
        print(f"  {q:<26} {s0:>7} -> {s1:<6} {v0:>7} -> {v1:<6} {t0:>8} -> {t1:<7}")


def spider(db: Path, root: str, *args: str) -> tuple[str, str, dict]:
    env = dict(os.environ, SPIDER_DB=str(db), COLUMNS="120")
    env.pop("SPIDER_SEEDS", None)
    proc = subprocess.run([sys.executable, "-c", HARNESS, root, *args], env=env,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          cwd=str(db.parent))
    err, _, tail = proc.stderr.rpartition("\n@@COUNTS@@")
    if not tail:
        raise SystemExit(f"spider {' '.join(args)} crashed:\n{proc.stderr}")
    return proc.stdout, err, json.loads(tail)


def blank_run_ids(text: str) -> str:
    return re.sub(r'"run_id": "[0-9a-f]+"', '"run_id": "-"', text)


def slug(index: int, args: list[str]) -> str:
    text = "-".join(args[1:]).lower()
    text = re.sub(r"[^0-9a-z\u3040-\u9fff]+", "-", text).strip("-")
    return f"{index:02d}-{text[:60]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, help="write each answer to this folder")
    parser.add_argument("--compare", type=Path, help="a folder written by an earlier --out")
    parser.add_argument("--spider-root", default="", help="run the spider package found here")
    parser.add_argument("--grow", type=int, default=2000,
                        help="companies with new labels added for the vocabulary growth run")
    args = parser.parse_args()
    root = str(Path(args.spider_root).resolve()) if args.spider_root else ""
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    earlier = {}
    if args.compare:
        earlier = json.loads((args.compare / "counts.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        started = time.perf_counter()
        _, err, counts = spider(db, root, "init")
        print(f"build from seeds: {time.perf_counter() - started:.1f} s, "
              f"{counts['statements']} statements")
        for name, flags in CLIENTS:
            _, err, counts = spider(db, root, "won", name, *flags)
            if counts["exit"]:
                raise SystemExit(f"won {name!r} failed: {err}")
        totals: dict[str, dict] = {}
        differ: list[str] = []
        width = max(len(" ".join(q[1:])) for q in QUERIES[:1]) + 40
        print(f"{'query':<{width}} {'exit':>4} {'stmts':>6} {'reads':>6} {'writes':>6} "
              f"{'fts':>6} {'seconds':>8}" + (f" {'before':>7}" if earlier else ""))
        for index, query in enumerate(QUERIES, 1):
            out, err, counts = spider(db, root, *query)
            name = slug(index, query)
            totals[name] = counts
            if args.out:
                (args.out / f"{name}.out").write_text(blank_run_ids(out), encoding="utf-8")
                (args.out / f"{name}.err").write_text(err, encoding="utf-8")
            before = earlier.get(name, {}).get("statements")
            if args.compare:
                for ext, text in (("out", blank_run_ids(out)), ("err", err)):
                    other = args.compare / f"{name}.{ext}"
                    if not other.exists() or other.read_text(encoding="utf-8") != text:
                        differ.append(f"{name}.{ext}")
            label = " ".join(query[1:])[: width - 1]
            print(f"{label:<{width}} {counts['exit']:>4} {counts['statements']:>6} "
                  f"{counts['reads']:>6} {counts['writes']:>6} {counts['nested']:>6} "
                  f"{counts['seconds']:>8.3f}"
                  + (f" {before if before is not None else '-':>7}" if earlier else ""))
        statements = sorted(c["statements"] for c in totals.values())
        print(f"{len(QUERIES)} queries: statements per query median {statements[len(statements) // 2]}, "
              f"max {statements[-1]}, total {sum(statements)}")
        if earlier:
            before_total = sum(c.get("statements", 0) for c in earlier.values() if isinstance(c, dict))
            print(f"before: total {before_total}; ratio now/before {sum(statements) / before_total:.3f}")
        if args.out:
            (args.out / "counts.json").write_text(json.dumps(totals, indent=1), encoding="utf-8")
        if args.grow:
            vocabulary_growth(db, root, args.grow)
        if args.compare:
            if differ:
                print(f"answers that differ from {args.compare}: {len(differ)}")
                for name in differ:
                    print(f"  {name}")
            else:
                print(f"every answer (stdout and stderr of {len(QUERIES)} queries) is byte-identical "
                      f"to {args.compare}, run ids blanked")


if __name__ == "__main__":
    main()
