"""An update in place against a full rebuild, the way a user runs both: whole CLI processes.

    python bench/bench_incremental.py [--rows 100000] [--add 1000] [--edit 0.01]
                                      [--mix en|ja] [--seed 7] [--work DIR]

Writes a directory of --rows rows with bench/make_companies.py (seeded, with its truth) and
holds --add of them out, at random, as a second file. Then, on one database:

1. `spider init --empty; spider ingest base.csv`: the first, full build;
2. `spider ingest more.csv`: the --add records resolved in place (only the companies they
   could join are resolved again; their signals and names rewritten);
3. with --edit F: `spider ingest base.csv` again with a share F of its rows edited (a new
   phone and street, a letter of the name dropped), the way a directory's next edition
   reads; also in place;
4. `spider dedupe`: a full rebuild of the same records, the baseline.

It prints each step's wall time, CPU and peak memory (process tree), the ratio of each update
to the full rebuild, how far the companies of the update differ from the full rebuild's
(pairwise precision and recall of one against the other, over record pairs), and B-cubed
and pairwise F1 of both against the truth. Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_er import pairwise_counts  # noqa: E402
from bench_ingest import quality, run  # noqa: E402
from make_companies import write  # noqa: E402


def split(path: Path, add: int, seed: int, work: Path) -> tuple[Path, Path, list[dict], list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    held = set(random.Random(seed).sample(range(len(rows)), add))
    base, more = work / "base.csv", work / "more.csv"
    kept = [row for i, row in enumerate(rows) if i not in held]
    for target, part in ((base, kept), (more, [row for i, row in enumerate(rows) if i in held])):
        with open(target, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(part)
    return base, more, kept, fields


def edit(rows: list[dict], fields: list[str], share: float, seed: int, target: Path) -> int:
    """The next edition of a directory: a share of rows with a new phone and street, and a
    letter of the name dropped in a third of them."""
    rng = random.Random(seed + 1)
    chosen = rng.sample(range(len(rows)), int(len(rows) * share))
    out = [dict(row) for row in rows]
    for i in chosen:
        row = out[i]
        if row.get("phone"):
            row["phone"] = row["phone"][:-4] + f"{rng.randrange(10_000):04d}"
        if row.get("address"):
            row["address"] = f"{rng.randrange(1, 999)} " + row["address"].split(" ", 1)[-1]
        name = row.get("name") or ""
        if len(name) > 8 and rng.random() < 1 / 3:
            at = rng.randrange(1, len(name) - 1)
            row["name"] = name[:at] + name[at + 1:]
    with open(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(out)
    return len(chosen)


def links(db: Path) -> dict[int, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("select record_id, company_id from record_links"))


def agreement(update: dict[int, int], full: dict[int, int]) -> tuple[float, float, float]:
    """Pairwise precision, recall, F1 of the update's companies against the full rebuild's."""
    records = sorted(full)
    return pairwise_counts([update[r] for r in records], [full[r] for r in records])


def line(label: str, r: dict, full: dict | None = None) -> str:
    ratio = f"  {r['wall'] / full['wall']:.3f}x the full rebuild" if full else ""
    return (f"{label:<28} {r['wall']:7.1f} s wall {r['cpu']:7.1f} s CPU "
            f"{r['pss'] / 2**30:5.2f} GiB{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--add", type=int, default=1000)
    parser.add_argument("--edit", type=float, default=0.0, help="share of rows edited, 0..1")
    parser.add_argument("--mix", choices=["en", "ja"], default="en")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--spider", default=shutil.which("spider") or "spider")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="spider-incr-"))
    work.mkdir(parents=True, exist_ok=True)
    path, truth = work / f"all-{args.rows}-{args.mix}-{args.seed}.csv", work / "truth.csv"
    write(path, rows=args.rows, seed=args.seed, mix=args.mix, truth=truth)
    base, more, kept, fields = split(path, args.add, args.seed, work)
    db = work / "bench.db"
    for old in work.glob("bench.db*"):
        old.unlink()
    spider = [args.spider, "--db", str(db)]
    run([*spider, "init", "--empty"])
    print(f"{args.rows} rows ({args.mix}, seed {args.seed}); {args.add} held out as a second file")
    first = run([*spider, "ingest", str(base)])
    print(line("first build (full)", first))
    added = run([*spider, "ingest", str(more)])
    print(added["out"].splitlines()[-1][:160])
    after_add = links(db)
    edited = None
    if args.edit:
        count = edit(kept, fields, args.edit, args.seed, base)
        edited = run([*spider, "ingest", str(base)])
        print(f"{count} rows edited: " + edited["out"].splitlines()[-1][:140])
    after_update = links(db)
    update_quality = quality(db, truth)
    full = run([*spider, "dedupe"])
    full_quality = quality(db, truth)
    after_full = links(db)
    print()
    print(line(f"add {args.add} (in place)", added, full))
    if edited:
        print(line(f"edit {args.edit:.1%} (in place)", edited, full))
    print(line("full rebuild (dedupe)", full))
    if not edited:
        p, r, f = agreement(after_add, after_full)
        print(f"companies after the add vs the full rebuild: pairwise P {p:.4f} R {r:.4f} F1 {f:.4f}")
    p, r, f = agreement(after_update, after_full)
    print(f"companies after the updates vs the full rebuild: pairwise P {p:.4f} R {r:.4f} F1 {f:.4f}")
    for label, q in (("updates in place", update_quality), ("full rebuild", full_quality)):
        print(f"{label:<18} vs truth: B-cubed F1 {q['bcubed'][2]:.4f}, pairwise F1 "
              f"{q['pairwise'][2]:.4f} ({q['companies']} companies, {q['review']} to review)")


if __name__ == "__main__":
    main()
