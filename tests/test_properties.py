"""Hotel-property identity (spider.properties): gold-labelled floor, named pairs, properties, end to end."""

from __future__ import annotations

import csv
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spider.resolve.properties import SCORE_MAYBE, property_links
from spider.resolve.records import resolve_records
from spider.settings import Settings

GOLD = Path(__file__).resolve().parent / "fixtures" / "properties" / "tokyo_hotels_gold.csv"


def hotel(name: str, **fields) -> dict:
    return {"name": name, "category": "hotel", "city": "Tokyo", **fields}


def linked(*rows: dict) -> set[frozenset[int]]:
    """Connected groups (of two or more row indexes) that property_links makes."""
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, j, score, _ in property_links(list(rows)):
        assert 0 <= score <= 100
        if score >= 90:  # below, a pair for a person to review, not a link
            parent[find(i)] = find(j)
    groups = defaultdict(set)
    for i in range(len(rows)):
        groups[find(i)].add(i)
    return {frozenset(g) for g in groups.values() if len(g) > 1}


def same(a: dict, b: dict, *context: dict) -> bool:
    return any({0, 1} <= g for g in linked(a, b, *context))


# ---------------------------------------------------------------------------------------------
# The gold set: every hotel row of seeds/tokyo_hotel_lists.csv and the OSM nodes they meet


@pytest.fixture(scope="module")
def seed_rows(seeded_db) -> list[dict]:
    return [dict(r) for r in seeded_db.query(
        "select * from records where coalesce(status, 'active') = 'active' order by id")]  # fmt: skip


@pytest.fixture(scope="module")
def labels(seed_rows) -> dict[int, str]:
    with open(GOLD, encoding="utf-8", newline="") as handle:
        gold = {(r["source"], r["source_row"]): r["property_id"] for r in csv.DictReader(handle)}
    out = {}
    for i, row in enumerate(seed_rows):
        key = (Path(str(row["source"])).name, str(row["source_row"]))
        if key in gold:
            out[i] = gold[key]
    assert len(out) == len(gold), "every gold row names a seed record"
    return out


def _pairwise(clusters, labels) -> tuple[float, float]:
    by_pid = defaultdict(list)
    for i, pid in labels.items():
        by_pid[pid].append(i)
    gold = {p for g in by_pid.values() for p in combinations(sorted(g), 2)}
    pred = {p for c in clusters for p in combinations(sorted(i for i in c if i in labels), 2)}
    tp = len(pred & gold)
    return (tp / len(pred) if pred else 1.0), (tp / len(gold) if gold else 1.0)


@pytest.fixture(scope="module")
def measured(seed_rows, labels) -> dict[str, float]:
    s = Settings()
    links = property_links(seed_rows)
    out = {}
    for name, extra in (("alone", []), ("linked", links)):
        result = resolve_records(seed_rows, match_threshold=s.match_threshold,
                                 review_threshold=s.review_threshold,
                                 extra_scores=[(a, b, v) for a, b, v, _ in extra])  # fmt: skip
        out[f"{name} precision"], out[f"{name} recall"] = _pairwise(result.clusters, labels)
    # The links on their own, closed transitively: what this module claims, before clustering.
    groups = [set(g) for g in linked(*seed_rows)]
    out["links precision"], _ = _pairwise(groups, labels)
    return out


@pytest.mark.parametrize(
    ("metric", "floor"),
    [("linked precision", 0.98), ("linked recall", 0.80), ("links precision", 0.98)],
)
def test_gold_floor(measured, metric, floor):
    """A regression floor on the whole gold set (bench/bench_properties.py reports the halves)."""
    assert measured[metric] >= floor, measured


def test_links_add_recall_without_losing_precision(measured):
    assert measured["linked recall"] >= measured["alone recall"] + 0.10
    assert measured["linked precision"] >= measured["alone precision"]


# ---------------------------------------------------------------------------------------------
# Named pairs


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("パレスホテル東京", "Palace Hotel Tokyo"),
        ("パレスホテル", "Palace Hotel Tokyo"),
        ("ザ・ペニンシュラ", "The Peninsula Tokyo"),
        ("ザ・ペニンシュラ東京", "The Peninsula Tokyo"),
        ("ザ・リッツカールトン", "The Ritz-Carton Tokyo"),
        ("The Ritz-Carton Tokyo", "The Ritz-Carlton, Tokyo"),
        ("キャピトルホテル東急", "The Capitol Hotel Tokyu"),
        ("フォーシーズンズホテル丸の内東京", "Four Seasons Tokyo at Marunouchi"),
        ("Four Seasons Marunouchi", "Four Seasons Tokyo at Marunouchi"),
        ("フォーシーズンズホテル東京 大手町", "Four Seasons Hotel Tokyo at Otemachi"),
        ("Conrad", "コンラッド東京"),
        ("Conrad Tokyo", "コンラッド東京"),
        ("グランドハイアット", "Grand Hyatt Tokyo"),
        (
            "ホテルニューオータニ エグゼクティブハウス禅",
            "Executive House Zen (Hotel New Otani Tokyo)",
        ),
        ("ホテルオークラ東京", "The Okura Tokyo"),
        ("丸の内ホテル", "Marunouchi Hotel"),
        ("ヒルトン東京", "Hilton Tokyo"),
    ],
)
def test_same_property(a, b):
    assert same(hotel(a), hotel(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Hilton Tokyo", "Hilton Tokyo Odaiba"),
        ("ヒルトン東京", "Hilton Tokyo Odaiba"),
        ("アパホテル〈新宿御苑前〉", "アパホテル<東新宿 歌舞伎町タワー>"),
        ("アパホテル<新宿 歌舞伎町タワー>", "アパホテル<東新宿 歌舞伎町タワー>"),
        ("Four Seasons Hotel Tokyo at Otemachi", "Four Seasons Tokyo at Marunouchi"),
        ("フォーシーズンズホテル東京 大手町", "フォーシーズンズホテル丸の内 東京"),
        ("フォーシーズンズホテル椿山荘 東京", "Four Seasons Marunouchi"),
        ("ザ・プリンス パークタワー東京", "ザ・プリンス さくらタワー東京"),
        ("Hotel Zen Tokyo", "Executive House Zen (Hotel New Otani Tokyo)"),
        ("ホテルニューオータニ エグゼクティブハウス禅", "ホテルニューオータニ ザ・メイン"),
        ("東横イン 大塚駅北口1", "東横INN 山手線大塚駅北口2"),
        ("The Palace Hotel", "Hotel Palace Japan"),
        ("Hotel Sunny", "Hotel Zen"),
        ("東京ステーションホテル", "ウェスティンホテル東京"),
        ("Nine Hours Akasaka", "ナインアワーズ北新宿"),
        ("First Cabin Tsukiji", "ファーストキャビン市ヶ谷"),
    ],
)
def test_different_properties(a, b):
    assert not same(hotel(a), hotel(b))


def test_bare_brand_links_only_when_the_brand_has_one_property():
    conrad = [hotel("Conrad"), hotel("コンラッド東京")]
    assert same(*conrad)
    first_cabins = [hotel("First Cabin"), hotel("ファーストキャビン"),
                    hotel("First Cabin Tsukiji"), hotel("ファーストキャビン市ヶ谷")]  # fmt: skip
    assert not same(*first_cabins)


def test_list_area_names_the_property():
    """A bare list name whose area is the brand's one place there meets the placed name."""
    a = hotel("ホテルメトロポリタン", district="Ikebukuro")
    b = hotel("Hotel Metropolitan Marunouchi", lat=35.6837, lon=139.7685)
    assert not same(a, b)


def test_map_nodes_with_different_names_stay_apart():
    a = hotel("アパホテル", lat=35.6980, lon=139.7052)
    b = hotel("APA Hotel Higashi-Shinjuku", lat=35.6981, lon=139.7048)
    assert not same(a, b)


def test_different_cities_stay_apart():
    assert not same(hotel("パレスホテル"), hotel("Palace Hotel", city="Osaka"))


def test_latin_names_that_only_sound_alike_are_not_one_property():
    """The transliteration rule is for a Japanese name and its Latin spelling. In a hotel
    directory with no Japanese at all it links nothing: names that share a consonant skeleton
    (Aurora Suites and Royal Suites, Quer Suites and Qua Suites, a hotel and an inn of one
    word) are the resolver's to compare letter by letter."""
    rows = [hotel("Aurora Suites", city="Ni Park"), hotel("Royal Suites", city=None),
            hotel("Quer Suites", city="Pine Springs"), hotel("Qua Suites", city=None),
            hotel("Summit Hotel", city="North Springs"), hotel("Summit Inn", city=None),
            hotel("Oak Hotel Group", city="Chios Ridge"), hotel("Oak Inn Group", city=None),
            hotel("Mission Suites", city="Vex Ridge"), hotel("Missin Suites", city=None)]
    assert property_links(rows) == []


# ---------------------------------------------------------------------------------------------
# Properties

POOL = [
    hotel("パレスホテル東京"), hotel("Palace Hotel Tokyo", district="Marunouchi"),
    hotel("The Palace Hotel"), hotel("Hotel Palace Japan", lat=35.728, lon=139.800),
    hotel("Conrad"), hotel("コンラッド東京"), hotel("Conrad Tokyo", lat=35.663, lon=139.761),
    hotel("Four Seasons Tokyo at Marunouchi"), hotel("フォーシーズンズホテル東京 大手町"),
    hotel("Four Seasons Hotel Tokyo at Otemachi"), hotel("Four Seasons", district="Ginza"),
    hotel("Hilton Tokyo"), hotel("Hilton Tokyo Odaiba"), hotel("ヒルトン東京"),
    hotel("アパホテル〈新宿御苑前〉"), hotel("アパホテル", lat=35.698, lon=139.705),
    hotel("APA Hotel Shinjuku Gyoemmae"), hotel("ザ・リッツカールトン"),
    hotel("The Ritz-Carton Tokyo"), hotel("The Ritz-Carlton", lat=35.666, lon=139.731),
    hotel("ホテルニューオタータニ"), hotel("ホテルニューオータニ ザ・メイン"),
    {"name": "Palace Hotel Co., Ltd.", "corporate_number": "1010001008826"},
    {"name": "Hilton Worldwide Holdings Inc.", "category": "", "industry_scheme": "gics"},
    {"name": "パレスホテル東京", "category": "", "legal_name": "株式会社パレスホテル"},
]  # fmt: skip
for _n, _row in enumerate(POOL):
    _row["record_key"] = f"pool:{_n}"


def _components(rows: list[dict]) -> set[frozenset[str]]:
    return {frozenset(rows[i]["record_key"] for i in g) for g in linked(*rows)}


@settings(max_examples=60, deadline=None)
@given(st.permutations(POOL))
def test_links_do_not_depend_on_row_order(rows):
    assert _components(rows) == _components(POOL)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(range(len(POOL))), min_size=2, max_size=12, unique=True))
def test_never_links_non_hotels(picks):
    rows = [POOL[i] for i in picks]
    for i, j, score, why in property_links(rows):
        assert i < j and why
        assert 95 <= score <= 100 or (score == SCORE_MAYBE and "maybe" in why)
        for k in (i, j):
            assert rows[k].get("category") == "hotel"


def test_no_hotels_no_links():
    assert property_links([{"name": "Toyota Motor Corporation"}, {"name": "トヨタ自動車"}]) == []


# ---------------------------------------------------------------------------------------------
# End to end


def test_seeded_database_resolves_palace_hotel_tokyo_to_one_company(seeded_db):
    """The database built from the seeds (open_db + build_from_seeds, Settings()) links both names."""
    companies = {
        name: {
            c
            for (c,) in seeded_db.execute(
                "select l.company_id from records r join record_links l on l.record_id = r.id "
                "where r.name = ?",
                [name],
            )
        }  # fmt: skip
        for name in ("Palace Hotel Tokyo", "パレスホテル東京")
    }
    assert len(companies["Palace Hotel Tokyo"]) == 1
    assert companies["Palace Hotel Tokyo"] == companies["パレスホテル東京"]
