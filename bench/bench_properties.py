"""Hotel-property identity on the shipped Tokyo seeds, against hand-labelled gold.

    python bench/bench_properties.py [--gold tests/fixtures/properties/tokyo_hotels_gold.csv]
                                     [--scale N] [--show-errors]

Prints pairwise precision, recall and F1 of the resolver (a) without and (b) with
spider.properties' links, on the dev and held-out halves of the gold (split by property id,
so a property is wholly in one half), and the time property_links takes. Pairs are counted
between gold-labelled rows only; labelled rows that share a company with unlabelled ones are
counted apart, so a merge the gold cannot judge is seen, not hidden.

--scale N also times property_links on the hotel rows copied N times (names varied so copies
are not identical), to show how the cost grows.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import sys
import tempfile
import time
import zlib
from collections import defaultdict
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spider.db import open_db  # noqa: E402
from spider.pipeline import ingest_seeds  # noqa: E402
from spider.resolve import cluster as clustering  # noqa: E402
from spider.resolve.prepare import prepare_records  # noqa: E402
from spider.resolve.properties import is_hotel, property_links  # noqa: E402
from spider.resolve.records import collapse, resolve_records  # noqa: E402
from spider.settings import Settings  # noqa: E402

GOLD = Path(__file__).resolve().parent.parent / "tests/fixtures/properties/tokyo_hotels_gold.csv"


def split_of(property_id: str) -> str:
    """'dev' or 'held-out': a stable half of the properties (CRC32 of the id)."""
    return "dev" if zlib.crc32(property_id.encode()) % 2 == 0 else "held-out"


def read_gold(path: Path) -> dict[tuple[str, str], str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {(r["source"], r["source_row"]): r["property_id"] for r in csv.DictReader(handle)}


def seed_rows() -> list[dict]:
    """Active records of the shipped seeds, in the resolver's order (by id)."""
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(str(Path(tmp) / "bench.db"))
        ingest_seeds(db)
        rows = [dict(r) for r in db.query(
            "select * from records where coalesce(status, 'active') = 'active' order by id")]  # fmt: skip
        db.conn.close()
    return rows


def label_rows(rows: list[dict], gold: dict[tuple[str, str], str]) -> dict[int, str]:
    """Row index → property id, for rows in the gold file."""
    out = {}
    for i, row in enumerate(rows):
        key = (Path(str(row.get("source") or "")).name, str(row.get("source_row") or ""))
        if key in gold:
            out[i] = gold[key]
    missing = len(gold) - len(out)
    if missing:
        raise SystemExit(f"{missing} gold rows are not among the seed records; check the gold file")
    return out


def evaluate(clusters: list[list[int]], labels: dict[int, str], split: str) -> dict:
    """Pairwise precision/recall/F1 over labelled rows of one split."""
    keep = {i for i, pid in labels.items() if split_of(pid) == split}
    by_pid: dict[str, list[int]] = defaultdict(list)
    for i in keep:
        by_pid[labels[i]].append(i)
    gold = {(a, b) for g in by_pid.values() for a, b in combinations(sorted(g), 2)}
    pred, mixed = set(), []
    for members in clusters:
        mine = sorted(i for i in members if i in keep)
        pred.update(combinations(mine, 2))
        if mine and any(i not in labels for i in members):
            mixed.append(members)
    tp = len(pred & gold)
    p = tp / len(pred) if pred else 1.0
    r = tp / len(gold) if gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": p, "r": r, "f": f, "pred": len(pred), "gold": len(gold), "tp": tp,
            "rows": len(keep), "properties": len(by_pid), "mixed": mixed,
            "fp": sorted(pred - gold), "fn": sorted(gold - pred)}  # fmt: skip


@contextlib.contextmanager
def trusted_links(rows: list[dict], links: list[tuple[int, int, float, str]]):
    """Make the clustering score a property-linked pair with the link's score (a what-if)."""
    _, rep_of = collapse(prepare_records(rows))
    trusted = {(min(rep_of[a], rep_of[b]), max(rep_of[a], rep_of[b])): s for a, b, s, _ in links}
    original = clustering.score_pair

    def score_pair(a, b, weights, *args):
        value, breakdown = original(a, b, weights, *args)
        key = (min(a.index, b.index), max(a.index, b.index))
        if key in trusted and trusted[key] > value:
            return trusted[key], {**breakdown, "names_compared": "property"}
        return value, breakdown

    clustering.score_pair = score_pair
    try:
        yield
    finally:
        clustering.score_pair = original


def scaled(rows: list[dict], n: int) -> list[dict]:
    """The hotel rows n times over, each copy's names made its own (a suffix number)."""
    hotels = [r for r in rows if is_hotel(r)]
    out = []
    for k in range(n):
        for r in hotels:
            copy = dict(r)
            for f in ("name", "name_local", "name_en"):
                if copy.get(f):
                    copy[f] = f"{copy[f]} {k}"
            out.append(copy)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--scale", type=int, default=0)
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    rows = seed_rows()
    labels = label_rows(rows, read_gold(args.gold))
    hotels = sum(1 for r in rows if is_hotel(r))
    started = time.perf_counter()
    links = property_links(rows)
    took = time.perf_counter() - started
    print(f"{len(rows)} records, {hotels} hotel rows, {len(labels)} labelled "
          f"({len(set(labels.values()))} properties); property_links: {len(links)} pairs "
          f"in {took * 1000:.0f} ms")  # fmt: skip
    runs = {}
    for name, extra, trust in (("resolver alone", [], False), ("with property links", links, False),
                               ("links, trusted (*)", links, True)):  # fmt: skip
        started = time.perf_counter()
        with trusted_links(rows, extra) if trust else contextlib.nullcontext():
            result = resolve_records(
                rows, match_threshold=settings.match_threshold,
                review_threshold=settings.review_threshold,
                extra_scores=[(a, b, s) for a, b, s, _ in extra],
            )  # fmt: skip
        runs[name] = (result.clusters, time.perf_counter() - started)
    print(f"\n{'':<22}{'split':<10}{'rows':>6}{'props':>7}{'gold pairs':>12}{'found':>8}"
          f"{'precision':>11}{'recall':>8}{'F1':>8}{'mixed':>7}{'resolve s':>11}")  # fmt: skip
    for name, (clusters, secs) in runs.items():
        for split in ("dev", "held-out"):
            m = evaluate(clusters, labels, split)
            print(f"{name:<22}{split:<10}{m['rows']:>6}{m['properties']:>7}{m['gold']:>12}"
                  f"{m['pred']:>8}{m['p']:>11.3f}{m['r']:>8.3f}{m['f']:>8.3f}{len(m['mixed']):>7}"
                  f"{secs:>11.2f}")  # fmt: skip
            if args.show_errors and name != "resolver alone":

                def show(i: int) -> str:
                    r = rows[i]
                    name = r.get("name") or r.get("name_en")
                    return f"{r['source_row']} {name} [{labels.get(i, 'unlabelled')}]"

                for members in m["mixed"]:
                    print("    MIXED " + "  |  ".join(show(i) for i in members))
                for a, b in m["fp"]:
                    print(f"    FP  {show(a)}  ~  {show(b)}")
                for a, b in m["fn"]:
                    print(f"    FN  {show(a)}  ~  {show(b)}")
    print("\n(mixed: clusters joining labelled rows of this split with unlabelled rows)")
    print(
        "(*) what if the resolver's average-link check took a linked pair's property score\n"
        "    instead of re-scoring its names (a proposed change to spider.resolve.cluster)"
    )
    if args.scale:
        big = scaled(rows, args.scale)
        started = time.perf_counter()
        found = property_links(big)
        print(f"\nscale x{args.scale}: {len(big)} hotel rows, {len(found)} pairs, "
              f"{time.perf_counter() - started:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
