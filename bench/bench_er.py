"""Entity-resolution benchmarks on the real labelled data in ../shared/data.

    python bench/bench_er.py [DATASET ...] [--data ../shared/data]

DATASET is any of fodors, chicago, patstat, pairs, japanese, tokyo, readings, synthetic
(default: all but synthetic; run synthetic alone to time the whole process). tokyo runs the
CLI on three generated lists of the OSM Tokyo hotels (bench/tokyo_lists.py; --half dev or
held-out, --seed for other jitters); readings measures the kanji reader. Each prints precision, recall
and F1 (pairwise, and B-cubed for clusters), pair counts, blocking recall, time and peak
memory. Gold labels are read only to score the result, never by the matcher.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import resource
import sys
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from spider.resolve.block import explain_blocking  # noqa: E402
from spider.resolve.prepare import Weights, prepare_record  # noqa: E402
from spider.resolve.records import resolve_records  # noqa: E402
from spider.resolve.score import score_pair  # noqa: E402

# ---------------------------------------------------------------------------------------------
# Metrics


def pairs_of(groups: dict[str, list[int]]) -> set[tuple[int, int]]:
    return {(a, b) for g in groups.values() for a, b in combinations(sorted(g), 2)}


def _dense(labels: list) -> np.ndarray:
    """Labels of any type → 0..k-1."""
    ids: dict = {}
    return np.array([ids.setdefault(x, len(ids)) for x in labels], dtype=np.int64)


def pairwise_counts(pred_of: list, gold_of: list) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 from cluster sizes, without listing the pairs."""
    pred, gold = _dense(pred_of), _dense(gold_of)
    _, cells = np.unique(pred.astype(np.int64) * (gold.max() + 1) + gold, return_counts=True)

    def pairs(counts: np.ndarray) -> int:
        return int((counts * (counts - 1) // 2).sum())

    tp = pairs(cells)
    n_pred, n_gold = pairs(np.bincount(pred)), pairs(np.bincount(gold))
    p = tp / n_pred if n_pred else 1.0
    r = tp / n_gold if n_gold else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def pairwise(pred: set, gold: set) -> tuple[float, float, float]:
    tp = len(pred & gold)
    p = tp / len(pred) if pred else 1.0
    r = tp / len(gold) if gold else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def bcubed(pred_of: list, gold_of: list) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1: per record, the share of its predicted cluster that is
    truly its entity, and of its entity that was put in its cluster."""
    pred, gold = _dense(pred_of), _dense(gold_of)
    cells, inverse, counts = np.unique(
        pred.astype(np.int64) * (gold.max() + 1) + gold, return_inverse=True, return_counts=True
    )
    overlap = counts[inverse]  # per record: |its cluster ∩ its entity|
    precision = float((overlap / np.bincount(pred)[pred]).mean())
    recall = float((overlap / np.bincount(gold)[gold]).mean())
    return precision, recall, 2 * precision * recall / (precision + recall)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(name: str, rows: list[dict], truth: list, elapsed: float, *, cross=None, **kw) -> dict:
    """Resolve, then print every figure. `cross` limits pairwise scoring to pairs across tables."""
    t0 = time.perf_counter()
    result = resolve_records(rows, **kw)
    elapsed += time.perf_counter() - t0
    owner = result.cluster_of()
    gold_groups: dict = defaultdict(list)
    pred_groups: dict = defaultdict(list)
    for i, (g, p) in enumerate(zip(truth, owner, strict=True)):
        gold_groups[g].append(i)
        pred_groups[p].append(i)
    gold, pred = pairs_of(gold_groups), pairs_of(pred_groups)
    if cross is not None:
        gold = {p for p in gold if cross(*p)}
        pred = {p for p in pred if cross(*p)}
    block_recall = sum(result.proposed(a, b) for a, b in gold) / len(gold) if gold else 1.0
    p, r, f = pairwise(pred, gold)
    bp, br, bf = bcubed(owner, truth)
    print(f"== {name}: {len(rows)} records, {len(gold)} true pairs")
    print(
        f"  blocking: {len(result.reps)} distinct records, {len(result.pairs)} candidate pairs, "
        f"recall {block_recall:.4f}"
    )
    print(
        f"  pairwise  P {p:.4f}  R {r:.4f}  F1 {f:.4f}  (predicted {len(pred)}, correct {len(pred & gold)})"
    )
    print(f"  B-cubed   P {bp:.4f}  R {br:.4f}  F1 {bf:.4f}")
    print(
        f"  review queue {len(result.review)} pairs; time {elapsed:.2f} s; peak RSS {peak_mib():.0f} MiB"
    )
    return {"f1": f, "bcubed_f1": bf, "result": result, "rows": rows, "truth": truth}


# ---------------------------------------------------------------------------------------------
# Datasets


def bench_fodors(data: Path, **kw) -> dict:
    t0 = time.perf_counter()
    rows, truth, table = [], [], []
    folder = data / "fodors_zagats"
    gold = {}
    with open(folder / "matches_fodors_zagats.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            gold[("z", row["zagats_id"])] = ("f", row["fodors_id"])
    for tag, file in (("f", "fodors.csv"), ("z", "zagats.csv")):
        with open(folder / file, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                rows.append(
                    {
                        "id": len(rows) + 1,
                        "name": row["name"],
                        "address": row["addr"],
                        "city": row["city"],
                        "phone": row["phone"],
                        "category": row["type"],
                    }
                )
                key = (tag, row["id"])
                truth.append(":".join(gold.get(key, key)))
                table.append(tag)
    # "type" is cuisine, not a company class: do not let it split hotels from companies here.
    for row in rows:
        row.pop("category")
    return report(
        "Fodors-Zagats (fodors.csv x zagats.csv)",
        rows,
        truth,
        time.perf_counter() - t0,
        cross=lambda a, b: table[a] != table[b],
        **kw,
    )


def bench_chicago(data: Path, half: str = "all", **kw) -> dict:
    """All sites, or one half of them by true id (weights were set on the dev half); each
    record carries the directory it came from, as a user's nine ingested files would."""
    t0 = time.perf_counter()
    rows, truth = [], []
    path = data / "dedupe_examples" / "chicago_early_childhood_sites_with_true_ids.csv"
    with open(path, encoding="utf-8", errors="replace") as fh:
        for row in csv.DictReader(fh):
            if half != "all" and held_out(row["True Id"]) != (half == "held-out"):
                continue
            rows.append(
                {
                    "id": len(rows) + 1,
                    "name": row["Site name"],
                    "address": row["Address"],
                    "postal_code": row["Zip"],
                    "phone": row["Phone"],
                    "website": row["Website"] if "." in row["Website"] else "",
                    # each directory is a file a user ingests: one list names each site once
                    "source": row["Source"],
                }
            )
            truth.append(row["True Id"])
    return report(
        f"Chicago early-childhood sites (9 directories; {half})",
        rows,
        truth,
        time.perf_counter() - t0,
        **kw,
    )


def bench_patstat(data: Path, **kw) -> dict:
    t0 = time.perf_counter()
    folder = data / "dedupe_examples"
    with open(folder / "patstat_reference.csv", encoding="utf-8") as fh:
        reference = list(csv.DictReader(fh))
    # The raw person_name is the name as filed; leuven_id (the label) is read only to score.
    names = {r["person_id"]: r["person_name"] for r in reference}
    leuven = {r["person_id"]: r["leuven_id"] for r in reference}
    rows, truth = [], []
    with open(folder / "patstat_input.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            lat, lon = float(row["Lat"] or 0), float(row["Lng"] or 0)
            rows.append(
                {
                    "id": len(rows) + 1,
                    "name": names[row["person_id"]],
                    "lat": lat if lat or lon else None,
                    "lon": lon if lat or lon else None,
                }
            )
            truth.append(leuven[row["person_id"]])
    return report("PATSTAT company names (leuven ids)", rows, truth, time.perf_counter() - t0, **kw)


def bench_pairs(data: Path, **kw) -> dict:
    """Labelled company-name pairs: score each pair alone, a match when score >= threshold."""
    threshold = kw.get("match_threshold", 90.0)
    folder = data / "company_name_pairs"
    pairs = []
    with open(folder / "easonanalytica_test_data.csv", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            pairs.append(
                (row["Name_x"], row["Name_y"], row["Targets"].strip() in ("1", "True", "1.0"))
            )
    with open(folder / "ing_emm_unittest_sample_namepairs.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            pairs.append((row["gt_name"], row["name"], row["correct"].strip() == "True"))
    names = [{"name": n} for a, b, _ in pairs for n in (a, b)]
    prepared = [prepare_record(i, r) for i, r in enumerate(names)]
    weights = Weights(prepared)
    t0 = time.perf_counter()
    tp = fp = fn = 0
    for k, (_, _, label) in enumerate(pairs):
        score, _ = score_pair(prepared[2 * k], prepared[2 * k + 1], weights)
        hit = score >= threshold
        tp += hit and label
        fp += hit and not label
        fn += (not hit) and label
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    print(
        f"== Company-name pairs (easonanalytica 127 + ING emm 201): {len(pairs)} pairs, "
        f"{tp + fn} matches"
    )
    print(
        f"  P {p:.4f}  R {r:.4f}  F1 {f:.4f} at threshold {threshold}; "
        f"time {time.perf_counter() - t0:.2f} s"
    )
    return {"f1": f}


def _ditto_record(text: str) -> dict:
    fields = {}
    for part in text.split("COL ")[1:]:
        name, _, value = part.partition(" VAL ")
        fields[name.strip()] = value.strip().strip("`' ").replace("\\'", "'")
    fields.pop("class", None)  # the match-cluster id: a label, never a feature
    return {
        "name": fields.get("name", ""),
        "address": fields.get("addr", ""),
        "city": fields.get("city", ""),
        "phone": fields.get("phone", "").replace(" ", ""),
    }


def bench_ditto(data: Path, **kw) -> dict:
    """The tuning set: Ditto's Fodors-Zagats train+valid pairs, scored pair by pair."""
    threshold = kw.get("match_threshold", 90.0)
    pairs = []
    for split in ("train", "valid"):
        with open(
            data / "er_magellan_ditto" / "Fodors-Zagats" / f"{split}.txt", encoding="utf-8"
        ) as fh:
            for line in fh:
                left, right, label = line.rstrip("\n").split("\t")
                pairs.append((_ditto_record(left), _ditto_record(right), label.strip() == "1"))
    prepared = [prepare_record(i, r) for i, r in enumerate(x for a, b, _ in pairs for x in (a, b))]
    weights = Weights(prepared)
    tp = fp = fn = 0
    for k, (_, _, label) in enumerate(pairs):
        hit = score_pair(prepared[2 * k], prepared[2 * k + 1], weights)[0] >= threshold
        tp += hit and label
        fp += hit and not label
        fn += (not hit) and label
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    print(
        f"== Ditto Fodors-Zagats train+valid (the tuning set): {len(pairs)} pairs, {tp + fn} matches"
    )
    print(f"  P {p:.4f}  R {r:.4f}  F1 {f:.4f} at threshold {threshold}")
    return {"f1": f}


def held_out(corporate_number: str) -> bool:
    """The held-out half: the dictionary and thresholds were never tuned on these companies."""
    return int(hashlib.sha1(corporate_number.encode()).hexdigest(), 16) % 2 == 1


def bench_japanese(data: Path, half: str = "held-out", **kw) -> dict:
    """Ticker name vs legal name (+ reading) vs EDINET English name, joined by corporate number."""
    t0 = time.perf_counter()
    folder = data / "jp_listed_companies_code4fukui"
    english: dict[str, str] = {}
    with open(folder / "edinetcode_entities_only.csv", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            if row["提出者法人番号"] and row["提出者名（英字）"]:
                english[row["提出者法人番号"]] = row["提出者名（英字）"]
    rows, truth = [], []
    with open(folder / "listed_company.csv", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            jcn = row["法人番号"]
            if not jcn or held_out(jcn) != (half == "held-out"):
                continue
            en = english.get(jcn) or row["法人名英語"]
            variants = [
                {"name": row["銘柄名"]},
                {"name": row["法人名"], "name_kana": row["法人名ふりがな"]},
            ]
            if en:
                variants.append({"name": en})
            for v in variants:
                v["id"] = len(rows) + 1
                v["category"] = "listed company"
                rows.append(v)
                truth.append(jcn)
    return report(
        f"Japanese cross-script ({half} half: ticker name, legal name + reading, English name)",
        rows,
        truth,
        time.perf_counter() - t0,
        **kw,
    )


def bench_synthetic(data: Path, **kw) -> dict:
    t0 = time.perf_counter()
    folder = data / "synthetic_companies"
    rows = []
    with open(folder / "synth_companies_100k.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            rows.append(
                {
                    "id": int(row["unique_id"]) + 1,
                    "source_row": row["unique_id"],
                    "name": row["name"],
                    "city": row["city"],
                    "phone": row["phone"],
                }
            )
    load = time.perf_counter() - t0
    result = resolve_records(rows, **kw)
    elapsed = time.perf_counter() - t0
    # Truth is read only now, to score.
    with open(folder / "synth_truth.csv", encoding="utf-8") as fh:
        next(fh)
        entity = dict(line.rstrip("\n").split(",") for line in fh)
    truth = [int(entity[r["source_row"]]) for r in rows]
    owner = result.cluster_of()
    gold_groups: dict = defaultdict(list)
    for i, g in enumerate(truth):
        gold_groups[g].append(i)
    rep_of = result.rep_of
    gold_codes = np.array(
        [min(rep_of[a], rep_of[b]) * result.pairs.n + max(rep_of[a], rep_of[b])
         for g in gold_groups.values() for a, b in combinations(g, 2)], dtype=np.int64)  # fmt: skip
    same_rep = np.array([rep_of[a] == rep_of[b] for g in gold_groups.values()
                         for a, b in combinations(g, 2)], dtype=bool)  # fmt: skip
    proposed = same_rep | np.isin(gold_codes, result.pairs.codes)
    block_recall = proposed.mean()
    p, r, f = pairwise_counts(owner, truth)
    bp, br, bf = bcubed(owner, truth)
    gold = gold_codes
    checked = time.perf_counter() - t0 - elapsed
    print(f"== Synthetic 100k: {len(rows)} records, {len(gold)} true pairs")
    print(f"  blocking: {len(result.pairs)} candidate pairs, recall {block_recall:.4f}")
    print(f"  pairwise  P {p:.4f}  R {r:.4f}  F1 {f:.4f}")
    print(f"  B-cubed   P {bp:.4f}  R {br:.4f}  F1 {bf:.4f}")
    print(
        f"  time: read {load:.2f} s, resolve {elapsed - load:.2f} s, score against the truth "
        f"{checked:.2f} s; peak RSS {peak_mib():.0f} MiB"
    )
    return {"bcubed_f1": bf}


def bench_tokyo(data: Path, half: str = "held-out", seed: int = 0, **kw) -> dict:
    """Three lists of the same Tokyo hotels (local names, English, Japanese headers) through the
    CLI a user runs: `spider init --empty`, then `spider ingest` of the three files."""
    import sqlite3
    import subprocess
    import tempfile

    from tokyo_lists import write

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        paths = write(work, data, half, seed)
        with open(paths["truth"], encoding="utf-8") as handle:
            truth = {row["record"]: row["osm_id"] for row in csv.DictReader(handle)}
        ids: dict[tuple[str, int], str] = {}
        for name in ("a", "b", "c"):
            with open(paths[name], encoding="utf-8") as handle:
                for n, row in enumerate(csv.reader(handle)):
                    if n:
                        ids[(paths[name].name, n)] = row[0]
        db = work / "tokyo.db"
        spider = [sys.executable, "-m", "spider", "--db", str(db)]
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        t0 = time.perf_counter()
        for cmd in (["init", "--empty"], ["ingest", *(str(paths[n]) for n in ("a", "b", "c"))]):
            done = subprocess.run([*spider, *cmd], capture_output=True, text=True, env=env)
            if done.returncode:
                raise SystemExit(f"spider {' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
        elapsed = time.perf_counter() - t0
        con = sqlite3.connect(db)
        got = con.execute(
            "select r.source, r.source_row, l.company_id, coalesce(r.name, '') from records r "
            "join record_links l on l.record_id = r.id").fetchall()
        review = con.execute("select count(*) from review_queue where status = 'pending'").fetchone()[0]
        con.close()
    pred, gold, names = [], [], []
    for source, row, company, name in got:
        rid = ids.get((Path(source).name, int(row)))
        if rid is None:
            continue
        pred.append(company)
        gold.append(truth[rid])
        names.append(name)
    p, r, f = pairwise_counts(pred, gold)
    bp, br, bf = bcubed(pred, gold)
    members: dict = defaultdict(list)
    for i, company in enumerate(pred):
        members[company].append(i)
    wrong = [(names[i], names[j]) for group in members.values() for i, j in combinations(group, 2)
             if gold[i] != gold[j]]
    branches = [(a, b) for a, b in wrong if _folded(a) == _folded(b)]
    print(f"== Tokyo hotels in three lists ({half} half{f', seed {seed}' if seed else ''}; local names, English, Japanese headers; "
          f"coordinates jittered up to 25 m): {len(pred)} records, {len(set(gold))} hotels")
    print(f"  pairwise  P {p:.4f}  R {r:.4f}  F1 {f:.4f}")
    print(f"  B-cubed   P {bp:.4f}  R {br:.4f}  F1 {bf:.4f}")
    print(f"  wrong merges {len(wrong)} pairs, of which chain branches (same name, two sites) "
          f"{len(branches)}; review queue {review} pairs; CLI time {elapsed:.1f} s")
    if os.environ.get("SPIDER_BENCH_SHOW"):
        for a, b in wrong:
            print(f"    wrongly merged: {a!r} ~ {b!r}")
        by_gold: dict = defaultdict(list)
        for i, g in enumerate(gold):
            by_gold[g].append(i)
        for group in by_gold.values():
            for i, j in combinations(group, 2):
                if pred[i] != pred[j]:
                    print(f"    missed: {names[i]!r} ~ {names[j]!r}")
    return {"f1": f, "bcubed_f1": bf, "precision": p, "recall": r, "branches": len(branches)}


def bench_readings(data: Path, **kw) -> dict:
    """How well and how fast kanji names are read: the analyser's reading of each listed
    company's name (legal form off) against the reading the exchange publishes (法人名ふりがな),
    the names a second, and the dictionary's size on disk."""
    import importlib.util
    import unicodedata

    from rapidfuzz.distance import Indel

    from spider.resolve.kana import kana_to_romaji
    from spider.resolve.normalize import normalize_name
    from spider.resolve.readings import reading, reading_kana

    spec = importlib.util.find_spec("sudachidict_small")
    folder = Path(spec.origin).parent if spec and spec.origin else None
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder else 0
    pairs = []
    with open(data / "jp_listed_companies_code4fukui" / "listed_company.csv",
              encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            name, kana = normalize_name(row["法人名"]), row["法人名ふりがな"]
            if name and kana and any("\u4e00" <= c <= "\u9fff" for c in name):
                pairs.append((name, kana))
    t0 = time.perf_counter()
    reading_kana("東京")  # the dictionary loads on first use
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    got = [reading(name).replace(" ", "") for name, _ in pairs]
    elapsed = time.perf_counter() - t0

    def roman(kana: str) -> str:
        return kana_to_romaji(unicodedata.normalize("NFKC", kana)).replace(" ", "")

    want = [roman(kana) for _, kana in pairs]
    exact = sum(g == w for g, w in zip(got, want, strict=True))
    close = sum(Indel.normalized_similarity(g, w) >= 0.85 for g, w in zip(got, want, strict=True))
    print(f"== Readings of kanji names (SudachiPy, sudachidict_small {size / 1e6:.0f} MB on disk): "
          f"{len(pairs)} listed-company names with kanji against their published reading")
    print(f"  exact {exact / len(pairs):.3f}, within 15% of the letters {close / len(pairs):.3f}; "
          f"{len(pairs) / elapsed:,.0f} names a second (dictionary load {load * 1000:.0f} ms)")
    return {"exact": exact / len(pairs), "close": close / len(pairs)}


def _folded(name: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKC", name).casefold() if c.isalnum())


DATASETS = {
    "tokyo": bench_tokyo,
    "readings": bench_readings,
    "ditto": bench_ditto,
    "fodors": bench_fodors,
    "chicago": bench_chicago,
    "patstat": bench_patstat,
    "pairs": bench_pairs,
    "japanese": bench_japanese,
    "synthetic": bench_synthetic,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("datasets", nargs="*", help=", ".join(DATASETS))
    parser.add_argument(
        "--data", default=str(Path(__file__).resolve().parent.parent.parent / "shared" / "data")
    )
    parser.add_argument("--match-threshold", type=float, default=90.0)
    parser.add_argument("--review-threshold", type=float, default=75.0)
    parser.add_argument(
        "--half",
        choices=("held-out", "dev"),
        default="held-out",
        help="Japanese set: report on the held-out half (default) or the dev half",
    )
    parser.add_argument(
        "--chicago-half",
        choices=("all", "held-out", "dev"),
        default="all",
        help="Chicago: all sites (default), or one half by true id",
    )
    parser.add_argument("--explain", action="store_true", help="print blocking per rule too")
    parser.add_argument("--seed", type=int, default=0,
                        help="tokyo: other jitters and spreads of the same features")
    args = parser.parse_args()
    data = Path(args.data)
    kw = {"match_threshold": args.match_threshold, "review_threshold": args.review_threshold}
    for name in args.datasets or ["ditto", "fodors", "chicago", "patstat", "pairs", "japanese",
                                  "tokyo", "readings"]:
        if name not in DATASETS:
            parser.error(f"unknown dataset {name!r}; choose from {', '.join(DATASETS)}")
        extra = {"half": args.half} if name in ("japanese", "tokyo") else {}
        if name == "tokyo" and args.seed:
            extra["seed"] = args.seed
        if name == "chicago":
            extra = {"half": args.chicago_half}
        out = DATASETS[name](data, **kw, **extra)
        if args.explain and "result" in out:
            result = out["result"]
            for row in explain_blocking(result.reps, result.weights):
                print("   ", row)


if __name__ == "__main__":
    main()
