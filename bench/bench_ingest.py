"""Time and memory of ingesting a large directory the way a user does: the whole CLI, as
processes, on files made by bench/make_companies.py (with their ground truth).

    python bench/bench_ingest.py [--mb 20,200 | --rows 100000] [--mix en|ja]
                                 [--against OTHER_SPIDER] [--splink PEER_PYTHON]
                                 [--work DIR] [--seed 7]
    python bench/bench_ingest.py --mb 200 --expand-db BIG.db [--expand-runs 5]

For each size it writes the file once (kept in --work), then runs
`spider --db DB init --empty` and `spider --db DB ingest FILE` and prints the wall time, the
peak memory summed over the process and every worker it started (RSS, and PSS, which counts
pages shared by forked workers once), how long each stage took (from the lines the CLI prints
as it goes), and how well the records were resolved (B-cubed and pairwise F1 of
record → company against the truth). `--against` runs another `spider` executable (an older
checkout's venv, say) on the same file for the ratio. `--splink` runs the peer,
bench/splink_peer.py (Splink 5 on DuckDB: `pip install '.[bench]'` into another environment
and give its python), on the same file under the same clock and memory sampler, and prints
the ratio of Spider's whole CLI path to Splink's whole process (Splink resolves only: it
writes no database, signals or name index). `--expand-db` times `spider expand` (whole
processes, median of --expand-runs after one warm-up) on a database already built from the
file, for a name and two segments drawn from its first row, against a fresh database of the
shipped seeds, and prints the ratios. Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_er import bcubed, pairwise_counts  # noqa: E402
from make_companies import write  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        out[ppid].append(int(entry))
    return out


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in bytes; zeros if it has gone."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            rss = int(handle.read().split()[1]) * PAGE
        pss = 0
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
                    break
        return rss, pss
    except (OSError, ValueError, IndexError):
        return 0, 0


class TreeSampler:
    """Peak RSS and PSS summed over a process and its descendants, sampled every 0.2 s."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_rss = self.peak_pss = 0
        self.peak_processes = 1
        self.stage_pss = 0  # peak PSS since the last `mark`
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        tree: list[int] = [self.pid]
        tick = 0
        while not self._stop.is_set():
            if tick % 5 == 0:  # finding workers walks /proc: once a second is enough
                tree, todo = [], [self.pid]
                children = _children()
                while todo:
                    pid = todo.pop()
                    tree.append(pid)
                    todo.extend(children.get(pid, ()))
            tick += 1
            rss = pss = 0
            for pid in tree:
                r, p = _memory(pid)
                rss, pss = rss + r, pss + p
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.stage_pss = max(self.stage_pss, pss)
            self.peak_processes = max(self.peak_processes, len(tree))
            self._stop.wait(0.2)

    def mark(self) -> int:
        """The peak PSS since the last mark; starts a new stage."""
        peak, self.stage_pss = self.stage_pss, 0
        return peak

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


STAGE = re.compile(r"^\s+([^\d(][^(]*?) \.\.\. \(")


def run(cmd: list[str]) -> dict:
    """Run one command; wall time, peak memory of its process tree, stage times, output."""
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    sampler = TreeSampler(proc.pid)
    stages: list[tuple[str, float]] = [("ingest", 0.0)]
    peaks: list[int] = []
    err_lines: list[str] = []

    def read_err() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            err_lines.append(line.rstrip("\n"))
            match = STAGE.match(line)
            if match:
                stages.append((match.group(1), time.perf_counter() - started))
                peaks.append(sampler.mark())

    reader = threading.Thread(target=read_err, daemon=True)
    reader.start()
    out = proc.stdout.read() if proc.stdout else ""
    proc.wait()
    reader.join()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the process and every worker it reaped
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    sampler.stop()
    peaks.append(sampler.mark())
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n" + "\n".join(err_lines[-10:]))
    durations = [(name, (stages[i + 1][1] if i + 1 < len(stages) else wall) - at, peaks[i])
                 for i, (name, at) in enumerate(stages)]
    return {"wall": wall, "cpu": cpu, "rss": sampler.peak_rss, "pss": sampler.peak_pss,
            "processes": sampler.peak_processes, "stages": durations, "out": out.strip(),
            "err": "\n".join(err_lines)}


def quality(db_path: Path, truth_path: Path) -> dict:
    """B-cubed and pairwise F1 of record → company against listing_id → entity_id."""
    with open(truth_path, encoding="utf-8", newline="") as handle:
        truth = {row["listing_id"]: row["entity_id"] for row in csv.DictReader(handle)}
    db = sqlite3.connect(db_path)
    columns = {r[1] for r in db.execute("pragma table_info(records)")}
    if "source_id" in columns:
        got = db.execute("select r.source_id, l.company_id from records r join record_links l "
                         "on l.record_id = r.id").fetchall()
    else:  # an older Spider kept the row's columns in `extra`
        got = db.execute("select json_extract(r.extra, '$.listing_id'), l.company_id from records r "
                         "join record_links l on l.record_id = r.id").fetchall()
    pred, gold = [], []
    for listing, company in got:
        if listing in truth:
            pred.append(company)
            gold.append(truth[listing])
    bp, br, bf = bcubed(pred, gold)
    pp, pr, pf = pairwise_counts(pred, gold)
    review = db.execute("select count(*) from review_queue where status = 'pending'").fetchone()[0]
    return {"records": len(pred), "companies": len(set(pred)), "entities": len(set(gold)),
            "bcubed": (bp, br, bf), "pairwise": (pp, pr, pf), "review": review}


def bench_one(spider: str, path: Path, truth: Path, work: Path) -> dict:
    db = work / f"bench-{os.getpid()}.db"
    for stale in work.glob(db.name + "*"):
        stale.unlink()
    init = run([spider, "--db", str(db), "init", "--empty"])
    result = run([spider, "--db", str(db), "ingest", str(path)])
    result["init"] = init["wall"]
    result["size"] = db.stat().st_size
    result.update(quality(db, truth))
    for stale in work.glob(db.name + "*"):
        stale.unlink()
    return result


def bench_splink(python: str, path: Path, truth: Path) -> dict:
    """The peer's whole process on the same file: wall, peak memory, and its quality line."""
    result = run([python, str(HERE / "splink_peer.py"), str(path), "--truth", str(truth)])
    result["summary"] = next((line for line in result["out"].splitlines()
                              if line.startswith("splink:")), result["out"][-300:])
    return result


def expand_p50(spider: str, db: Path, queries: list[str], runs: int) -> dict[str, float]:
    """Median wall seconds of `spider expand QUERY --limit 10` as a process, per query."""
    out = {}
    for query in queries:
        times = []
        for _ in range(runs + 1):  # the first run warms the page cache and is not counted
            started = time.perf_counter()
            done = subprocess.run([spider, "--db", str(db), "expand", query, "--limit", "10"],
                                  capture_output=True, text=True)
            times.append(time.perf_counter() - started)
            if done.returncode:
                raise SystemExit(f"expand {query!r} on {db} failed:\n{done.stderr[-500:]}")
        out[query] = statistics.median(times[1:])
    return out


def expand_ratio(spider: str, big: Path, path: Path, work: Path, runs: int) -> None:
    """`expand` on the big database (a name and two segments drawn from its file) against the
    shipped seeds' database (a name and a segment), whole processes, p50 each."""
    with open(path, encoding="utf-8", newline="") as handle:
        first = next(csv.DictReader(handle))
    kind, town = first.get("category") or "company", first.get("city") or ""
    queries = [first["name"], f"{kind} in {town}" if town else kind, kind]
    seeds_db = work / f"seeds-{os.getpid()}.db"
    for stale in work.glob(seeds_db.name + "*"):
        stale.unlink()
    run([spider, "--db", str(seeds_db), "init"])
    small = expand_p50(spider, seeds_db, ["Palace Hotel Tokyo", "Tokyo five-star hotel"], runs)
    large = expand_p50(spider, big, queries, runs)
    base = statistics.median(small.values())
    print(f"  expand p50 (whole process, {runs} runs each): seeds database " + "; ".join(
        f"{q!r} {t:.3f} s" for q, t in small.items()))
    print(f"    {big.name}: " + "; ".join(f"{q!r} {t:.3f} s ({t / base:.1f}x)"
                                          for q, t in large.items()))
    for stale in work.glob(seeds_db.name + "*"):
        stale.unlink()


def resolve_only(path: Path) -> None:
    """The resolver alone on the file, as one process (`--resolve-only`): read the rows,
    prepare, block, score and cluster them (forked workers as the CLI uses them), nothing
    written. What Splink's whole process does, for the CPU ratio."""
    from spider.resolve.records import resolve_records

    with open(path, encoding="utf-8", newline="") as handle:
        rows = [{k: v or None for k, v in row.items()} for row in csv.DictReader(handle)]
    for n, row in enumerate(rows):
        row.update(id=n + 1, source="directory", source_row=n + 2)
    result = resolve_records(rows)
    print(f"resolved {len(rows)} rows into {len(result.clusters)} companies")


def show(label: str, r: dict) -> None:
    gib = 1024**3
    bp, br, bf = r["bcubed"]
    pp, pr, pf = r["pairwise"]
    print(f"  {label}: {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU (init {r['init']:.1f} s); peak {r['rss'] / gib:.2f} GiB "
          f"RSS, {r['pss'] / gib:.2f} GiB PSS over {r['processes']} processes; database "
          f"{r['size'] / 1e6:.0f} MB")
    print(f"    {r['records']} records -> {r['companies']} companies ({r['entities']} true); "
          f"B-cubed P {bp:.4f} R {br:.4f} F1 {bf:.4f}; pairwise P {pp:.4f} R {pr:.4f} "
          f"F1 {pf:.4f}; {r['review']} pairs to review")
    print("    stages (time, peak PSS): " + "; ".join(
        f"{name} {secs:.1f} s {pss / gib:.2f} GiB" for name, secs, pss in r["stages"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", default="20,200", help="file sizes in MB, comma-separated")
    parser.add_argument("--mix", choices=["en", "ja"], default="en")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--against", help="another spider executable to run on the same files")
    parser.add_argument("--work", type=Path, help="where files and databases go (default: a temp dir)")
    parser.add_argument("--resolve-only", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--expand-db", type=Path, metavar="DB",
                        help="time expand on DB (built from the --mb/--rows file) against the seeds' "
                             "database, and do nothing else")
    parser.add_argument("--expand-runs", type=int, default=5)
    parser.add_argument("--rows", type=int, help="one file of this many rows instead of --mb sizes")
    parser.add_argument("--splink", metavar="PYTHON",
                        help="a python with splink>=5 installed: run the peer on the same files")
    args = parser.parse_args()
    if args.resolve_only:
        resolve_only(args.resolve_only)
        return
    work = args.work or Path(tempfile.gettempdir()) / "spider-bench-ingest"
    work.mkdir(parents=True, exist_ok=True)
    spider = shutil.which("spider") or str(Path(sys.executable).with_name("spider"))
    print(f"machine: {os.cpu_count()} cores; spider {spider}")
    sizes: list[tuple[str, dict]] = (
        [(f"{args.rows}rows", {"rows": args.rows})] if args.rows else
        [(f"{float(x):g}mb", {"mb": float(x)}) for x in args.mb.split(",")])
    for tag, size in sizes:
        path = work / f"companies-{tag}-{args.mix}-seed{args.seed}.csv"
        truth = path.with_suffix(".truth.csv")
        if not (path.exists() and truth.exists()):
            rows = write(path, **size, seed=args.seed, mix=args.mix, truth=truth)
        else:
            rows = sum(1 for _ in open(path, encoding="utf-8")) - 1
        print(f"== {path.name}: {rows} rows, {path.stat().st_size / 1e6:.1f} MB")
        if args.expand_db:
            expand_ratio(spider, args.expand_db, path, work, args.expand_runs)
            continue
        mine = bench_one(spider, path, truth, work)
        show("this spider", mine)
        if args.against:
            other = bench_one(args.against, path, truth, work)
            show(f"against {args.against}", other)
            print(f"  ratio this/against: time {mine['wall'] / other['wall']:.2f}, peak RSS "
                  f"{mine['rss'] / other['rss']:.2f}, peak PSS {mine['pss'] / other['pss']:.2f}")
        if args.splink:
            alone = run([sys.executable, str(Path(__file__).resolve()), "--resolve-only", str(path)])
            print(f"  spider's resolver alone (read, prepare, block, score, cluster; one process "
                  f"and its workers): {alone['wall']:.1f} s wall, {alone['cpu']:.1f} s CPU, peak "
                  f"{alone['pss'] / 1024**3:.2f} GiB PSS")
            peer = bench_splink(args.splink, path, truth)
            gib = 1024**3
            print(f"  splink (peer, resolution only): {peer['wall']:.1f} s wall, {peer['cpu']:.1f} s "
                  f"CPU; peak "
                  f"{peer['rss'] / gib:.2f} GiB RSS, {peer['pss'] / gib:.2f} GiB PSS")
            print(f"    {peer['summary']}")
            resolving = sum(secs for name, secs, _ in mine["stages"]
                            if name.split()[0] in ("preparing", "blocking", "scoring", "clustering"))
            print(f"  ratio spider/splink: time {mine['wall'] / peer['wall']:.1f}x, CPU "
                  f"{mine['cpu'] / peer['cpu']:.1f}x, peak PSS {mine['pss'] / peer['pss']:.2f}x; "
                  f"Spider's resolving stages alone (prepare, block, score, cluster) "
                  f"{resolving:.1f} s wall; the resolver alone: CPU {alone['cpu'] / peer['cpu']:.2f}x, "
                  f"wall {alone['wall'] / peer['wall']:.2f}x Splink's whole process")


if __name__ == "__main__":
    main()
