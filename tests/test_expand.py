"""Expand on the seeded database: the judged queries, reasons, priorities, exclusions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spider.clients import record_won
from spider.expand import expand
from spider.resolve.normalize import spoken_name
from spider.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures" / "spine"

LOW_TIERS = {"tier:business", "tier:budget", "tier:capsule"}
HOTEL_SIGNALS = {
    "concept:hotels_lodging",
    "concept:hotel_operator",
    "concept:hotel_reit",
    "category:hotel",
    "industry:gics:hotels, resorts & cruise lines",
    "industry:gics:hotel & resort reits",
}
JUDGED = ["Tokyo five-star hotel", "Toyota Motor", "Marriott International", "Palace Hotel Tokyo"]


def top(expanded, query: str, n: int = 10):
    prospects = expanded(query).prospects[:n]
    assert len(prospects) == n, f"{query!r} gave only {len(prospects)} prospects"
    return prospects


def test_tokyo_five_star_hotel_top_10_are_five_star_or_luxury_tokyo_hotels(
    seeded_db, expanded, signals_of
):
    for p in top(expanded, "Tokyo five-star hotel"):
        signals = signals_of(seeded_db, p.company_id)
        assert "category:hotel" in signals, p.name
        assert signals & {"tier:five-star", "tier:luxury"}, p.name
        assert not signals & LOW_TIERS, (p.name, signals & LOW_TIERS)
        assert "place:region:JP-13" in signals, p.name
        assert p.priority in ("A", "B")


def test_tokyo_five_star_hotel_in_japanese_gives_the_same_list(expanded):
    english = [p.company_id for p in top(expanded, "Tokyo five-star hotel")]
    japanese = [p.company_id for p in top(expanded, "東京 5つ星ホテル")]
    assert english == japanese


def test_no_budget_business_or_capsule_hotel_anywhere_in_the_first_25(
    seeded_db, expanded, signals_of
):
    for p in top(expanded, "Tokyo five-star hotel", 25):
        assert not signals_of(seeded_db, p.company_id) & LOW_TIERS, p.name


def test_toyota_motor_top_10_are_automakers_and_transport_equipment(
    seeded_db, expanded, signals_of
):
    for p in top(expanded, "Toyota Motor"):
        signals = signals_of(seeded_db, p.company_id)
        assert signals & {
            "industry:jpx33:3700",
            "concept:automobiles_transport_equipment",
            "industry:gics:automobile manufacturers",
        }, (p.name, signals)


def test_toyota_motor_finds_the_big_japanese_automakers(seeded_db, expanded, names_of):
    names = set()
    for p in top(expanded, "Toyota Motor", 25):
        names |= names_of(seeded_db, p.company_id)
    assert {"本田技研工業", "マツダ"} & names or {"HONDA MOTOR CO., LTD."} & names


def test_marriott_international_top_10_are_hotel_and_lodging_companies(
    seeded_db, expanded, signals_of
):
    for p in top(expanded, "Marriott International"):
        signals = signals_of(seeded_db, p.company_id)
        assert signals & HOTEL_SIGNALS, (p.name, sorted(signals))


def test_marriott_international_puts_hotel_peers_first(seeded_db, expanded, names_of):
    first = top(expanded, "Marriott International", 3)
    names = set().union(*(names_of(seeded_db, p.company_id) for p in first))
    assert names & {"Hilton Worldwide", "Host Hotels & Resorts", "Hyatt Hotels"}


@pytest.mark.parametrize("query", JUDGED)
def test_every_prospect_is_explained_and_callable(expanded, query):
    prospects = expanded(query).prospects
    assert prospects
    assert [p.rank for p in prospects] == list(range(1, len(prospects) + 1))
    assert (
        all(a.score >= b.score for a, b in zip(prospects, prospects[1:], strict=False))
        or expanded(query).query.kind == "segment"
    )
    for p in prospects:
        assert p.reasons, p.name
        assert all(r.evidence.strip() for r in p.reasons), p.name
        assert all(r.text().strip() for r in p.reasons)
        assert p.priority in ("A", "B", "C")
        assert p.opening_line.strip() and spoken_name(p.name) in p.opening_line
        assert p.ask_for.strip().endswith("?")
        assert p.segment.strip() and p.sources
    assert prospects[0].priority == "A"


@pytest.mark.parametrize("query", ["Palace Hotel Tokyo", "Toyota Motor"])
def test_company_seed_reasons_are_signals_shared_with_the_seed(
    seeded_db, expanded, signals_of, query
):
    expansion = expanded(query)
    seed = signals_of(seeded_db, expansion.query.company_id)
    for p in expansion.prospects[:10]:
        assert p.reasons[0].shared_with_seed and p.reasons[0].signal in seed, p.name


def test_segment_reasons_name_the_query_facets(expanded):
    for p in top(expanded, "Tokyo five-star hotel"):
        signals = {r.signal for r in p.reasons}
        assert signals & {"tier:five-star", "tier:luxury", "category:hotel"}, p.name


@pytest.mark.parametrize("query", JUDGED)
def test_the_seed_itself_never_appears(expanded, query):
    expansion = expanded(query, limit=200)
    ids = [p.company_id for p in expansion.prospects]
    assert len(ids) == len(set(ids))
    if expansion.query.kind == "company":
        assert expansion.query.company_id not in ids


# Marriott: a listed group and its Tokyo properties; The Prince Gallery: a property whose
# operator (Prince Hotels) runs other Tokyo hotels too.
@pytest.mark.parametrize("query", ["Marriott International", "The Prince Gallery Tokyo Kioicho"])
def test_the_seeds_own_group_is_left_out(seeded_db, expanded, query):
    expansion = expanded(query, limit=200)
    seed = expansion.query.company_id
    groups = [
        s
        for (s,) in seeded_db.execute(
            "select signal from company_signals where company_id = ? and signal like 'group:%'",
            [seed],
        )
    ]
    assert groups
    same_group = {
        cid
        for (cid,) in seeded_db.execute(
            f"select company_id from company_signals where signal in ({','.join('?' * len(groups))})",
            groups,
        )
    } - {seed}
    assert same_group, "the seed's group has other members in the seeds"
    assert not same_group & {p.company_id for p in expansion.prospects}
    assert any("own group" in note for note in expansion.notes)


def record_two_won(db, query: str) -> tuple[int, int]:
    before = expand(db, Settings(), query, limit=10, save=False)
    first, second = before.prospects[0].company_id, before.prospects[3].company_id
    record_won(db, f"#{first}", referenceable=True, story="+18% MICE leads")
    record_won(db, f"#{second}")
    return first, second


def test_won_clients_never_appear_for_a_company_seed(private_db):
    won = record_two_won(private_db, "Palace Hotel Tokyo")
    after = expand(private_db, Settings(), "Palace Hotel Tokyo", limit=500, save=False)
    assert not set(won) & {p.company_id for p in after.prospects}
    assert any("existing clients" in note for note in after.notes)


def test_won_clients_never_appear_for_a_segment(private_db):
    won = record_two_won(private_db, "Tokyo five-star hotel")
    after = expand(private_db, Settings(), "Tokyo five-star hotel", limit=500, save=False)
    assert not set(won) & {p.company_id for p in after.prospects}


def test_the_run_is_saved_in_runs_and_prospects(private_db):
    settings = Settings()
    expansion = expand(private_db, settings, "Toyota Motor", limit=15)
    run = private_db.execute(
        "select query, seeds, settings from runs where id = ?", [expansion.run_id]
    ).fetchone()
    assert run[0] == "Toyota Motor"
    assert json.loads(run[1]) == [["c", str(expansion.query.company_id)]]
    assert json.loads(run[2])["push_epsilon"] == settings.push_epsilon
    rows = list(
        private_db.query(
            "select * from prospects where run_id = ? order by rank", [expansion.run_id]
        )
    )
    assert [r["company_id"] for r in rows] == [p.company_id for p in expansion.prospects]
    assert [r["rank"] for r in rows] == list(range(1, 16))
    for row, p in zip(rows, expansion.prospects, strict=True):
        assert json.loads(row["reasons"]) == [r.text() for r in p.reasons]
        assert (row["priority"], row["opening_line"], row["angle"]) == (
            p.priority,
            p.opening_line,
            p.angle,
        )


def test_limit_is_respected(expanded):
    assert len(expanded("Toyota Motor", limit=5).prospects) == 5


def test_priority_bands_follow_the_score(expanded):
    prospects = expanded("Palace Hotel Tokyo", limit=200).prospects
    bands = [p.priority for p in prospects]
    assert bands == sorted(bands)  # A before B before C
    assert "C" in bands


def test_a_directory_of_restaurants_ranks_by_its_own_categories_and_cities(private_db):
    # Nothing about restaurants is in the seeds: the directory's own "type" and "city"
    # columns must carry the ranking.
    from spider.ingest import ingest_file
    from spider.pipeline import rebuild

    ingest_file(private_db, FIXTURES / "fodors_restaurants_sample.csv", constants={"country": "US"})
    rebuild(private_db, Settings())
    # "steakhouses" meets the directory's "steak houses" written apart.
    steak = expand(private_db, Settings(), "steakhouses", limit=10, save=False)
    assert steak.query.kind == "segment" and not steak.query.ignored
    assert steak.prospects and all("steak houses" in p.segment for p in steak.prospects)
    # Arnie Morton's (Fodor's type "american", Los Angeles): its lookalikes share its type,
    # and those in its own city come first.
    peers = expand(private_db, Settings(), "arnie mortons of chicago", limit=8, save=False)
    assert peers.prospects and all(p.segment.startswith("american") for p in peers.prospects)
    in_city = ["Los Angeles" in p.segment for p in peers.prospects]
    assert in_city[0] and in_city == sorted(in_city, reverse=True)


def test_a_prospect_known_only_from_old_lists_carries_a_caution(seeded_db):
    from spider.explain import evidence_of
    from spider.query import resolve_query

    def stale_evidence(db, cid, today):
        return evidence_of(db, [cid], today=today)[cid].caution

    # Hotel Seiyo Ginza is only on the 2008/2011 Michelin lists in the seeds (it closed in 2013).
    seiyo = resolve_query(seeded_db, "ホテル西洋銀座").company_id
    assert "2011" in stale_evidence(seeded_db, seiyo, today="2026-11-25")
    # Mandarin Oriental is also an OpenStreetMap node (2023): current.
    mandarin = resolve_query(seeded_db, "Mandarin Oriental, Tokyo").company_id
    assert stale_evidence(seeded_db, mandarin, today="2026-11-25") == ""


def test_toyota_group_companies_are_not_toyotas_competitors(seeded_db, expanded):
    expansion = expanded("Toyota Motor", limit=100)
    group = {
        cid
        for (cid,) in seeded_db.execute(
            "select company_id from company_signals where signal = 'group:toyota group'"
        )
    }
    assert len(group) == 10  # the listed members of the Toyota Group, Toyota included
    assert not group & {p.company_id for p in expansion.prospects}
    assert any("Toyota Group" in note for note in expansion.notes)
