"""Relevance on directories Spider has never been tuned on, against what a rep would do without it.

    python bench/bench_relevance.py [--work DIR] [--only NAME,...] [--split dev|held-out|both]
                                    [--show N]

Each directory in bench/data/relevance (real public lists of museums, colleges, airports and
Japanese high schools; see its README.md) is ingested the way the README teaches, with
`spider init --empty` + `spider ingest FILE --map ...`, and again into a database that holds
the shipped seeds (`spider init` + the same ingest). Two kinds of query run against each:

- won client: `spider expand '#ID'` for a row of the directory; its direct competitors are
  the rows that share its business and its market, defined from the directory's own columns
  (the same discipline and state for a museum; the same sector and state for an active
  college; the same type and state or province for an airport; the same founder type and
  prefecture for a Japanese school);
- segment: the words a rep would type ("children's museum in Texas", "東京都の私立高校"), with
  the rows that answer them defined from the columns.

`--modes names` ingests each directory with its category column dropped (a member list of
names and places): the answers are still judged by that column, which Spider never saw, and
the filter baseline still uses it (the list a person who had the column would make).

Score: precision at 10 out of what can be found (hits in the first 10 / min(10, rows that
qualify)). Beside Spider, two baselines computed exactly (no sampling):
- random: a random order among the rows in the right place (the client's state, the
  segment's place): the share of them that qualify;
- filter: a spreadsheet filter on "same city + same value in the category column" for a won
  client (a short list counts short), and on the segment's place and category values (the
  values a person would pick from the filter drop-downs) for a segment.

The queries of each directory are split once, by a fixed seed, into a development half and
a held-out half; tune on dev, report held-out.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "relevance"
SPIDER = [sys.executable, "-m", "spider"]
K = 10
SPLIT_SEED = 20261130  # fixed before any tuning: which queries are dev and which held-out
CLIENTS = 24  # won-client queries per directory

Row = dict[str, str]


@dataclass
class Segment:
    text: str
    wanted: Callable[[Row], bool]  # the rows that answer it
    place: Callable[[Row], bool]  # the rows in its place (the random baseline's pool)
    filter: Callable[[Row], bool]  # what a spreadsheet filter on place + category keeps


@dataclass
class Directory:
    name: str
    file: str
    id_column: str
    maps: dict[str, str]
    sets: dict[str, str]
    category: str
    city: str
    market: Callable[[Row], tuple[str, ...]]  # a won client's market: its peers share it
    active: Callable[[Row], bool] = lambda row: True
    segments: list[Segment] = field(default_factory=list)


def _eq(column: str, value: str) -> Callable[[Row], bool]:
    return lambda row: row[column] == value


def _all(*tests: Callable[[Row], bool]) -> Callable[[Row], bool]:
    return lambda row: all(test(row) for test in tests)


def _museum(state: str, discipline: str | None = None) -> Callable[[Row], bool]:
    return _all(_eq("State", state), *([_eq("Discipline", discipline)] if discipline else []))


def _college_active(row: Row) -> bool:
    return row["Status"] == "active"


def _big(row: Row) -> bool:
    return row["Size"] in ("10,000 - 19,999", "20,000 and above")


def _airport(kind: str, country: str, subd: str) -> Callable[[Row], bool]:
    """Airports of a type (any type when empty) in a country and, when given, a subdivision."""
    return _all(*([_eq("type", kind)] if kind else []), _eq("country", country),
                *([_eq("subd", subd)] if subd else []))


DIRECTORIES = [
    Directory(
        "us_museums", "us_museums.csv", "MID",
        {"name": "Museum", "category": "Discipline", "city": "City", "region": "State",
         "postal_code": "ZIP", "phone": "Phone", "website": "Website", "lat": "Latitude",
         "lon": "Longitude", "source_id": "MID"},
        {"country": "US"}, "Discipline", "City",
        market=lambda r: (r["Discipline"], r["State"]),
        segments=[
            Segment(text, _museum(state, discipline), _museum(state), _museum(state, discipline))
            for text, state, discipline in (
                ("children's museum in Texas", "TX", "Children's Museum"),
                ("art museums in Ohio", "OH", "Art Museum"),
                ("zoo or aquarium in California", "CA", "Zoo, Aquarium or Wildlife Conservation"),
                ("history museum in Florida", "FL", "History Museum"),
                ("botanical garden in New York", "NY",
                 "Arboretum, Botanical Garden or Nature Center"),
                ("science museum in Pennsylvania", "PA",
                 "Science and Technology Museum or Planetarium"),
                ("natural history museum in Colorado", "CO", "Natural History Museum"),
                ("planetarium in Illinois", "IL", "Science and Technology Museum or Planetarium"),
                ("nature center in Michigan", "MI", "Arboretum, Botanical Garden or Nature Center"),
                ("art museum in Montana", "MT", "Art Museum"),
                ("children's museums in Massachusetts", "MA", "Children's Museum"),
                ("aquarium in Washington", "WA", "Zoo, Aquarium or Wildlife Conservation"),
            )]),
    Directory(
        "us_colleges", "us_colleges.csv", "UNITID",
        {"name": "Institution", "category": "Sector", "address": "Address", "city": "City",
         "region": "State", "postal_code": "ZIP", "phone": "Phone", "website": "Website",
         "lat": "Latitude", "lon": "Longitude", "source_id": "UNITID"},
        {"country": "US"}, "Sector", "City",
        market=lambda r: (r["Sector"], r["State"]), active=_college_active,
        segments=[
            Segment(f"{words} in {state_name}",
                    _all(_college_active, _eq("State", state), _eq("Sector", sector),
                         *([_big] if big else [])),
                    _eq("State", state), _all(_eq("State", state), _eq("Sector", sector)))
            for words, state, state_name, sector, big in (
                ("public university", "TX", "Texas", "Public, 4-year or above", False),
                ("community college", "CA", "California", "Public, 2-year", False),
                ("private nonprofit college", "MA", "Massachusetts",
                 "Private not-for-profit, 4-year or above", False),
                ("large public university", "FL", "Florida", "Public, 4-year or above", True),
                ("public 2-year college", "NC", "North Carolina", "Public, 2-year", False),
                ("for-profit college", "NY", "New York", "Private for-profit, 4-year or above",
                 False),
                ("private nonprofit university", "PA", "Pennsylvania",
                 "Private not-for-profit, 4-year or above", False),
                ("public university", "OH", "Ohio", "Public, 4-year or above", False),
                ("community college", "IL", "Illinois", "Public, 2-year", False),
                ("large public university", "CA", "California", "Public, 4-year or above", True),
                ("beauty school (private for-profit, less than 2 years)", "TX", "Texas",
                 "Private for-profit, less-than 2-year", False),
                ("public university", "GA", "Georgia", "Public, 4-year or above", False),
            )]),
    Directory(
        "world_airports", "world_airports.csv", "icao",
        {"name": "name", "category": "type", "city": "city", "region": "subd",
         "country": "country", "lat": "latitude", "lon": "longitude", "website": "website",
         "source_id": "icao"},
        {}, "type", "city",
        market=lambda r: (r["type"], r["country"], r["subd"]),
        segments=[
            Segment(f"{words} in {place}", _airport(kind, country, subd),
                    _airport("", country, subd), _airport(kind, country, subd))
            for words, place, kind, country, subd in (
                ("large airport", "Texas", "large_airport", "US", "Texas"),
                ("large airports", "Germany", "large_airport", "DE", ""),
                ("medium airport", "Queensland", "medium_airport", "AU", "Queensland"),
                ("large airport", "Japan", "large_airport", "JP", ""),
                ("seaplane base", "Alaska", "seaplane_base", "US", "Alaska"),
                ("small airport", "Bavaria", "small_airport", "DE", "Bavaria"),
                ("medium airport", "Ontario", "medium_airport", "CA", "Ontario"),
                ("large airport", "Brazil", "large_airport", "BR", ""),
                ("large airport", "California", "large_airport", "US", "California"),
                ("medium airports", "France", "medium_airport", "FR", ""),
                ("small airport", "Montana", "small_airport", "US", "Montana"),
                ("large airport", "United Kingdom", "large_airport", "GB", ""),
            )]),
    Directory(
        "jp_high_schools", "jp_high_schools.csv", "学校コード",
        {"name": "学校名", "category": "設置者", "region": "都道府県", "city": "市区町村",
         "source_id": "学校コード"},
        {"country": "JP"}, "設置者", "市区町村",
        market=lambda r: (r["設置者"], r["都道府県"]),
        segments=[
            Segment(text, _all(_eq("都道府県", pref), _eq("設置者", kind)), _eq("都道府県", pref),
                    _all(_eq("都道府県", pref), _eq("設置者", kind)))
            for text, pref, kind in (
                ("東京都の私立高校", "東京都", "私立"), ("大阪府 公立高校", "大阪府", "公立"),
                ("private high school in Osaka", "大阪府", "私立"),
                ("public high school in Hokkaido", "北海道", "公立"),
                ("神奈川県の私立高等学校", "神奈川県", "私立"), ("福岡 私立 高校", "福岡県", "私立"),
                ("private high school in Kyoto", "京都府", "私立"),
                ("愛知県 公立高校", "愛知県", "公立"), ("public high schools in Hiroshima", "広島県", "公立"),
                ("兵庫県の私立高校", "兵庫県", "私立"), ("private school in Saitama", "埼玉県", "私立"),
                ("静岡県 私立", "静岡県", "私立"),
            )]),
]


# ------------------------------------------------------------------ known only by a description

JPX = HERE.parent / "seeds" / "jpx_listed_companies.csv"
DESCRIPTION_QUERIES = 300  # won clients, half dev, half held-out


def description_case(work: Path, splits: list[str], show: int) -> list[tuple[str, float, float]]:
    """Listed Japanese companies known only by their name, place and 事業概要 (the industry
    columns withheld): does a won client's list hold its own JPX 33-industry? Beside Spider,
    TF-IDF over character 1-3-grams of the descriptions (cosine, the usual baseline for short
    Japanese text) and a random pick."""
    with open(JPX, encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["description"].strip()]
    path = work / "jpx_descriptions.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["コード", "銘柄名", "住所", "事業概要"])
        out.writerows([r["securities_code"], r["name"], r["address"], r["description"]] for r in rows)
    db = work / "jpx_descriptions.db"
    for old in work.glob(f"{db.name}*"):
        old.unlink()
    for command in ([*SPIDER, "--db", str(db), "init", "--empty"],
                    [*SPIDER, "--db", str(db), "ingest", str(path), "--map", "source_id=コード"]):
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"{' '.join(command)} failed: {done.stderr.strip()[-400:]}")
    industry = {r["securities_code"]: r["industry_code"] for r in rows}
    by_industry: dict[str, set[str]] = defaultdict(set)
    for code, ind in industry.items():
        by_industry[ind].add(code)
    rng = random.Random(f"{SPLIT_SEED}:jpx:clients")
    clients = rng.sample(sorted(c for c in industry if len(by_industry[industry[c]]) >= 6),
                         DESCRIPTION_QUERIES)
    halves = {"dev": clients[0::2], "held-out": clients[1::2]}
    tfidf = _TfIdf({r["securities_code"]: r["description"] for r in rows})
    directory = Directory("jpx_descriptions", path.name, "コード", {}, {}, "", "",
                          market=lambda r: ())
    ident_of, company_of = directory_ids(db, directory)
    results = []
    for name in splits:
        queries = [Query("client", c, by_industry[industry[c]] - {c}, set(industry) - {c}, set(),
                         client=c) for c in halves[name]]
        answers = spider_answers(db, queries, ident_of, company_of)
        s = [precision(found, q.wanted) for q, (found, _) in zip(queries, answers, strict=True)]
        t = [precision(tfidf.nearest(q.client, K), q.wanted) for q in queries]
        r = [min(K * len(q.wanted) / len(q.place_pool), len(q.wanted)) / min(K, len(q.wanted))
             for q in queries]
        mean = [sum(x) / len(x) for x in (s, t, r)]
        print(f"{'jpx_descriptions':16} {'empty':8} {name:9} {'client':8} {len(queries):>3} "
              f"{mean[0]:7.3f} {'-':>7} {mean[2]:7.3f}   tf-idf {mean[1]:.3f} "
              f"(spider/tf-idf {mean[0] / mean[1]:.2f}x)")
        for q, a, b in sorted(zip(queries, s, t, strict=True), key=lambda x: x[1] - x[2])[:show]:
            print(f"    {a:.2f} vs tf-idf {b:.2f}: {q.client} "
                  f"{next(r['name'] for r in rows if r['securities_code'] == q.client)}")
        results.append((name, mean[0], mean[1]))
    return results


class _TfIdf:
    """Cosine over TF-IDF vectors of character 1-3-grams, through an inverted index."""

    def __init__(self, texts: dict[str, str]) -> None:
        import math
        from collections import Counter

        grams = {key: Counter(_grams(text)) for key, text in texts.items()}
        df = Counter(g for counts in grams.values() for g in counts)
        n = len(texts)
        self.vectors: dict[str, dict[str, float]] = {}
        self.postings: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for key, counts in grams.items():
            vec = {g: (1 + math.log(c)) * math.log(n / df[g]) for g, c in counts.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            vec = {g: v / norm for g, v in vec.items() if v}
            self.vectors[key] = vec
            for g, v in vec.items():
                self.postings[g].append((key, v))

    def nearest(self, key: str, k: int) -> list[str]:
        score: dict[str, float] = defaultdict(float)
        for g, v in self.vectors[key].items():
            for other, w in self.postings[g]:
                score[other] += v * w
        score.pop(key, None)
        return sorted(score, key=lambda o: -score[o])[:k]


def _grams(text: str) -> list[str]:
    text = "".join(text.split())
    return [text[i:i + n] for n in (1, 2, 3) for i in range(len(text) - n + 1)]


def read_rows(directory: Directory) -> list[Row]:
    with open(DATA / directory.file, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def build(directory: Directory, db: Path, seeds: bool, names_only: bool = False) -> float:
    """The README's way: init (with or without the seeds), then ingest with --map. NAMES_ONLY:
    the category column left out (`--map category=` unset and the column dropped from the
    file), as a member list of names and places that never says what each one is."""
    started = time.perf_counter()
    init = [*SPIDER, "--db", str(db), "init"] + ([] if seeds else ["--empty"])
    source = DATA / directory.file
    maps = dict(directory.maps)
    if names_only:
        hidden = maps.pop("category")
        source = db.parent / directory.file  # the same file name: the same row ids
        with open(DATA / directory.file, encoding="utf-8", newline="") as fh, \
                open(source, "w", encoding="utf-8", newline="") as out:
            reader = csv.DictReader(fh)
            fields = [f for f in reader.fieldnames or [] if f != hidden]
            writer = csv.DictWriter(out, fields, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(reader)
    ingest = [*SPIDER, "--db", str(db), "ingest", str(source)]
    for fld, column in maps.items():
        ingest += ["--map", f"{fld}={column}"]
    for fld, value in directory.sets.items():
        ingest += ["--set", f"{fld}={value}"]
    for command in (init, ingest):
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"{' '.join(command)} failed: {done.stderr.strip()[-400:]}")
    return time.perf_counter() - started


@dataclass
class Query:
    kind: str  # "client" or "segment"
    text: str  # what the rep types (a won client: its name)
    wanted: set[str]  # row ids that qualify
    place_pool: set[str]  # row ids in the right place
    filtered: set[str]  # row ids a spreadsheet filter keeps
    client: str = ""  # the won client's row id


def make_queries(directory: Directory, rows: list[Row]) -> list[Query]:
    ident = directory.id_column
    by_market: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for row in rows:
        if directory.active(row):
            by_market[directory.market(row)].add(row[ident])
    rng = random.Random(f"{SPLIT_SEED}:{directory.name}:clients")
    # A client whose market is fully known (an airport with no state or province is left
    # out: its peers could not be told from the columns).
    candidates = [r for r in rows if directory.active(r) and r[directory.city]
                  and all(directory.market(r)) and len(by_market[directory.market(r)]) >= 6]
    queries: list[Query] = []
    for row in rng.sample(candidates, min(CLIENTS, len(candidates))):
        me = row[ident]
        state = directory.market(row)[1:]  # the market's place part
        pool = {r[ident] for r in rows if directory.market(r)[1:] == state} - {me}
        same_city = {r[ident] for r in rows if r[directory.city].lower() == row[directory.city].lower()
                     and directory.market(r) == directory.market(row)} - {me}
        queries.append(Query("client", row[next(iter(directory.maps.values()))],
                             by_market[directory.market(row)] - {me}, pool, same_city, client=me))
    for seg in directory.segments:
        queries.append(Query("segment", seg.text, {r[ident] for r in rows if seg.wanted(r)},
                             {r[ident] for r in rows if seg.place(r)},
                             {r[ident] for r in rows if seg.filter(r)}))
    return queries


def split(queries: list[Query], directory: Directory) -> dict[str, list[Query]]:
    """Half of each kind to dev, half to held-out, by a seed fixed before any tuning."""
    out: dict[str, list[Query]] = {"dev": [], "held-out": []}
    for kind in ("client", "segment"):
        these = [q for q in queries if q.kind == kind]
        random.Random(f"{SPLIT_SEED}:{directory.name}:{kind}").shuffle(these)
        for n, q in enumerate(these):
            out["dev" if n % 2 == 0 else "held-out"].append(q)
    return out


def precision(found: list[str], wanted: set[str]) -> float:
    if not wanted:
        return 0.0
    return len({f for f in found[:K] if f in wanted}) / min(K, len(wanted))


def spider_answers(db_path: Path, queries: list[Query], ident_of: dict[int, list[str]],
                   company_of: dict[str, int]) -> list[tuple[list[str], str]]:
    """Each query's first K prospects as directory row ids (a prospect holding several rows
    counts as one hit if any of them qualifies), and a short note."""
    from spider.db import open_db
    from spider.errors import SpiderError
    from spider.expand import expand
    from spider.settings import load_settings

    db = open_db(db_path)
    settings = load_settings()
    out = []
    for q in queries:
        text = f"#{company_of[q.client]}" if q.kind == "client" else q.text
        try:
            expansion = expand(db, settings, text, limit=K, save=False)
        except SpiderError as error:
            out.append(([], f"error: {str(error)[:80]}"))
            continue
        rows: list[str] = []
        for p in expansion.prospects[:K]:
            ids = ident_of.get(p.company_id, [])
            hit = next((i for i in ids if i in q.wanted), None)
            rows.append(hit or (ids[0] if ids else f"seed:{p.company_id}"))
        facets = "; ".join(f.label for f in expansion.query.facets)
        out.append((rows, facets + (f" | ignored {expansion.query.ignored}"
                                    if expansion.query.ignored else "")))
    return out


def directory_ids(db_path: Path, directory: Directory) -> tuple[dict[int, list[str]], dict[str, int]]:
    import sqlite3

    conn = sqlite3.connect(db_path)
    ident_of: dict[int, list[str]] = defaultdict(list)
    company_of: dict[str, int] = {}
    for source_id, company_id in conn.execute(
            "select r.source_id, l.company_id from records r join record_links l on "
            "l.record_id = r.id where r.source like ?", [f"%{directory.file}"]):
        ident = source_id or ""
        ident_of[company_id].append(ident)
        company_of[ident] = company_id
    conn.close()
    return ident_of, company_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", help="where databases go (default: a temp dir)")
    parser.add_argument("--only", help="directory names, comma-separated")
    parser.add_argument("--split", choices=["dev", "held-out", "both"], default="both")
    parser.add_argument("--show", type=int, default=0, help="print the N worst queries per set")
    parser.add_argument("--modes", default="empty,seeds",
                        help="empty, seeds, names (an empty database, the category column "
                        "hidden: what the names alone say); comma-separated")
    args = parser.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="spider-relevance-"))
    work.mkdir(parents=True, exist_ok=True)
    chosen = [d for d in DIRECTORIES if not args.only or d.name in args.only.split(",")]
    splits = ["dev", "held-out"] if args.split == "both" else [args.split]
    print(f"P@{K} out of what can be found; queries split dev/held-out by seed {SPLIT_SEED}")
    print(f"{'directory':16} {'database':8} {'split':9} {'kind':8} {'n':>3} "
          f"{'spider':>7} {'filter':>7} {'random':>7}")
    totals: dict[tuple[str, str], list[tuple[float, float, float]]] = defaultdict(list)
    for directory in chosen:
        rows = read_rows(directory)
        queries = split(make_queries(directory, rows), directory)
        for mode in args.modes.split(","):
            db = work / f"{directory.name}-{mode}.db"
            for old in work.glob(f"{db.name}*"):
                old.unlink()
            build(directory, db, seeds=(mode == "seeds"), names_only=(mode == "names"))
            ident_of, company_of = directory_ids(db, directory)
            for name in splits:
                qs = queries[name]
                answers = spider_answers(db, qs, ident_of, company_of)
                scored = []
                for q, (found, note) in zip(qs, answers, strict=True):
                    s = precision(found, q.wanted)
                    f = min(K, len(q.filtered & q.wanted)) / min(K, len(q.wanted)) if q.wanted else 0
                    r = len(q.place_pool & q.wanted) / len(q.place_pool) if q.place_pool else 0.0
                    scored.append((q, s, f, min(r * K, len(q.wanted)) / min(K, len(q.wanted))
                                   if q.wanted else 0.0, note))
                for kind in ("client", "segment"):
                    these = [x for x in scored if x[0].kind == kind]
                    if not these:
                        continue
                    mean = [sum(x[i] for x in these) / len(these) for i in (1, 2, 3)]
                    totals[(mode, name)].extend((x[1], x[2], x[3]) for x in these)
                    print(f"{directory.name:16} {mode:8} {name:9} {kind:8} {len(these):>3} "
                          f"{mean[0]:7.3f} {mean[1]:7.3f} {mean[2]:7.3f}")
                for q, s, f, _r, note in sorted(scored, key=lambda x: x[1] - x[2])[:args.show]:
                    print(f"    {s:.2f} vs filter {f:.2f}: {q.text!r} -> {note}")
    if not args.only or "jpx_descriptions" in args.only.split(","):
        description_case(work, splits, args.show)
    print()
    for (mode, name), values in sorted(totals.items()):
        mean = [sum(v[i] for v in values) / len(values) for i in range(3)]
        print(f"all directories, {mode:5} database, {name:8}: spider {mean[0]:.3f}  "
              f"filter {mean[1]:.3f}  random {mean[2]:.3f}  (spider/filter {mean[0] / mean[1]:.2f}x, "
              f"{len(values)} queries)")
    print(json.dumps({"work": str(work)}))


if __name__ == "__main__":
    main()
