"""What `spider refresh` of one source costs against a full rebuild: whole CLI processes.

    python bench/bench_refresh.py [--rows 100000] [--source 1000] [--edit 0.01] [--seed 7]

Writes a directory of --rows rows (bench/make_companies.py), holds --source of them out as a
second source (a member list: some of its companies are in the directory too), builds a
database from both (`spider init --empty; spider ingest base.csv; spider ingest members.csv`),
then times `spider refresh members.csv` with the file unchanged, again with a share --edit of
its rows edited (a new phone and street), and `spider dedupe` (a full rebuild) as the
baseline, and prints the ratios and the changes each refresh reported.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_incremental import edit, split  # noqa: E402
from bench_ingest import run  # noqa: E402
from make_companies import write  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--source", type=int, default=1000)
    parser.add_argument("--edit", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--spider", default=shutil.which("spider") or "spider")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="spider-refresh-"))
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"all-{args.rows}-{args.seed}.csv"
    write(path, rows=args.rows, seed=args.seed)
    base, members, _kept, fields = split(path, args.source, args.seed, work)
    member_rows = _rows(members)
    db = work / "bench.db"
    for old in work.glob("bench.db*"):
        old.unlink()
    spider = [args.spider, "--db", str(db)]
    run([*spider, "init", "--empty"])
    built = run([*spider, "ingest", str(base)])
    added = run([*spider, "ingest", str(members)])
    unchanged = run([*spider, "refresh", str(members)])
    count = edit(member_rows, fields, args.edit, args.seed, members)
    changed = run([*spider, "refresh", str(members)])
    full = run([*spider, "dedupe"])
    print(f"{args.rows} rows ({args.rows - args.source} in one file, {args.source} in a second "
          f"source), seed {args.seed}")
    for label, r in ((f"first build ({args.rows - args.source} rows)", built),
                     (f"ingest the {args.source}-row source", added),
                     ("refresh it, unchanged", unchanged),
                     (f"refresh it, {count} rows edited", changed),
                     ("full rebuild (dedupe)", full)):
        ratio = f"  {r['wall'] / full['wall']:.3f}x the full rebuild" if r is not full else ""
        print(f"{label:<36} {r['wall']:7.2f} s wall {r['cpu']:7.2f} s CPU "
              f"{r['pss'] / 2**30:5.2f} GiB{ratio}")
    for label, r in (("unchanged", unchanged), ("edited", changed)):
        said = [line for line in r["out"].splitlines() if line.startswith("Changes:")
                or line.startswith("No company changed")]
        print(f"refresh, {label}: {said[0] if said else r['out'].splitlines()[0]}")


def _rows(path: Path) -> list[dict]:
    import csv

    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


if __name__ == "__main__":
    main()
