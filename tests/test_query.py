"""Query resolution on the seeded database: company names in any script, segments, unknown words."""

from __future__ import annotations

import pytest

from spider.errors import QueryError
from spider.names import find_companies
from spider.query import parse_segment, resolve_query


def facet_signals(query) -> dict[str, set[str]]:
    return {f.label: set(f.signals) for f in query.facets}


@pytest.mark.parametrize(
    ("text", "expected_name"),
    [
        ("Palace Hotel Tokyo", "Palace Hotel Tokyo"),
        ("パレスホテル東京", "パレスホテル東京"),
        ("Toyota Motor", "トヨタ自動車"),
        ("トヨタ自動車", "トヨタ自動車"),
        ("TOYOTA MOTOR CORPORATION", "トヨタ自動車"),
        ("Marriott International", "Marriott International"),
        ("marriott international, inc.", "Marriott International"),
    ],
)
def test_company_names_resolve_in_any_script(seeded_db, names_of, text, expected_name):
    query = resolve_query(seeded_db, text)
    assert query.kind == "company"
    assert expected_name in names_of(seeded_db, query.company_id)
    assert query.seeds() == {("c", query.company_id): 1.0}


def test_english_and_japanese_names_of_toyota_are_one_company(seeded_db):
    ids = {
        resolve_query(seeded_db, t).company_id
        for t in ("Toyota Motor", "トヨタ自動車", "Toyota Motor Corporation")
    }
    assert len(ids) == 1


def test_the_same_hotel_in_two_scripts_is_one_company(seeded_db):
    english = resolve_query(seeded_db, "Palace Hotel Tokyo").company_id
    japanese = resolve_query(seeded_db, "パレスホテル東京").company_id
    assert english == japanese


def test_property_and_listed_group_of_one_name_pick_the_property(seeded_db, signals_of):
    # 帝国ホテル is both a hotel and the listed firm that runs it: a rep means the hotel.
    query = resolve_query(seeded_db, "帝国ホテル")
    assert query.kind == "company"
    signals = signals_of(seeded_db, query.company_id)
    assert "category:hotel" in signals and not any(s.startswith("industry:") for s in signals)
    assert any("operating group" in note for note in query.notes)


def test_company_id_query(seeded_db):
    cid = resolve_query(seeded_db, "Toyota Motor").company_id
    assert resolve_query(seeded_db, f"#{cid}").company_id == cid


def test_find_companies_ranks_exact_names_first(seeded_db):
    found = find_companies(seeded_db, "トヨタ自動車")
    assert found[0]["score"] == 100.0 and found[0]["name"] == "トヨタ自動車"
    assert all(a["score"] >= b["score"] for a, b in zip(found, found[1:], strict=False))
    assert "トヨタ自動車" in found[0]["label"]


SEGMENTS = {
    "Tokyo five-star hotel": {"tier:five-star", "category:hotel", "place:region:JP-13"},
    "東京 5つ星ホテル": {"tier:five-star", "category:hotel", "place:region:JP-13"},
    "Japanese automaker": {
        "concept:automobiles_transport_equipment",
        "industry:jpx33:3700",
        "place:country:JP",
    },
    "US hotel REIT": {"industry:gics:hotel & resort reits", "place:country:US"},
}


@pytest.mark.parametrize("text", sorted(SEGMENTS))
def test_segments_parse_into_facets(seeded_db, text):
    query = resolve_query(seeded_db, text)
    assert query.kind == "segment"
    assert query.ignored == []
    seeded = {signal for (_, signal) in query.seeds()}
    assert SEGMENTS[text] <= seeded
    assert sum(query.seeds().values()) == pytest.approx(1.0)
    places = [f for f in query.facets if f.place]
    assert len(places) == 1 and len(query.facets) >= 2  # a "what" and a "where"


def test_english_and_japanese_segments_are_the_same_query(seeded_db):
    english = resolve_query(seeded_db, "Tokyo five-star hotel")
    japanese = resolve_query(seeded_db, "東京 5つ星ホテル")
    assert facet_signals(english) == facet_signals(japanese)
    assert english.seeds() == japanese.seeds()


def test_five_star_seeds_luxury_at_a_lower_weight(seeded_db):
    seeds = resolve_query(seeded_db, "Tokyo five-star hotel").seeds()
    assert seeds[("s", "tier:five-star")] > seeds[("s", "tier:luxury")] > 0
    assert ("s", "tier:business") not in seeds and ("s", "tier:capsule") not in seeds


def test_unknown_words_are_reported_not_dropped(seeded_db):
    query = resolve_query(seeded_db, "Tokyo five-star hotel zzzqx")
    assert query.kind == "segment"
    assert query.ignored == ["zzzqx"]
    assert facet_signals(query) == facet_signals(resolve_query(seeded_db, "Tokyo five-star hotel"))


def test_parse_segment_splits_known_filler_and_unknown(seeded_db):
    found, fillers, unknown = parse_segment(seeded_db, "hotels in Tokyo like qwxzv")
    assert [term.label for _, term in found] == ["hotel", "Tokyo"]
    assert set(fillers) == {"in", "like"}
    assert unknown == ["qwxzv"]


def test_a_typo_is_read_as_the_word_and_said_so(seeded_db):
    query = resolve_query(seeded_db, "Tokyo five-star hottel")
    assert "category:hotel" in {s for (_, s) in query.seeds()}
    assert any("hottel" in note and "hotel" in note for note in query.notes)


@pytest.mark.parametrize("text", ["zzzqx qqqv", "xkcdq", "!!!", ""])
def test_nonsense_is_a_query_error(seeded_db, text):
    with pytest.raises(QueryError):
        resolve_query(seeded_db, text)


def test_nonsense_error_says_what_to_try(seeded_db):
    with pytest.raises(QueryError, match="matches no company and no segment word"):
        resolve_query(seeded_db, "zzzqx qqqv")


def test_two_unrelated_companies_with_one_name_are_ambiguous(ambiguous_db):
    with pytest.raises(QueryError, match="is the name of 2 companies") as info:
        resolve_query(ambiguous_db, "Sakura Corporation")
    candidates = info.value.candidates
    assert len(candidates) == 2
    assert {c["name"] for c in candidates} == {"Sakura Corporation"}
    labels = " ".join(c["label"] for c in candidates)
    assert "hotel" in labels and "steel" in labels
    # Either id given back resolves without ambiguity.
    for cand in candidates:
        assert (
            resolve_query(ambiguous_db, f"#{cand['company_id']}").company_id == cand["company_id"]
        )


def test_a_unique_name_in_the_small_db_is_not_ambiguous(ambiguous_db):
    query = resolve_query(ambiguous_db, "Minato Bank Tower Hotel")
    assert query.kind == "company" and query.company_name == "Minato Bank Tower Hotel"


@pytest.mark.parametrize(
    ("said", "registered"),
    [
        ("Sony", "ソニーグループ"),
        ("ソニー", "ソニーグループ"),
        ("Panasonic", "パナソニック"),
        ("Hilton", "Hilton Worldwide"),
        ("三菱UFJ", "三菱UFJフィナンシャル"),
    ],
)
def test_names_as_people_say_them_find_the_registered_company(seeded_db, said, registered):
    # Generic words (group, holdings, ホールディングス) and trailing words are dropped in speech.
    found = find_companies(seeded_db, said)
    assert found and found[0]["name"].startswith(registered) and found[0]["score"] >= 90


def test_a_prefix_must_end_at_a_word():
    from spider.names import _starts_with_words

    assert _starts_with_words("Hilton Worldwide", "hilton")
    assert not _starts_with_words("TOYO TANSO CO., LTD.", "toyota")


def test_a_query_made_only_of_segment_words_is_a_segment_even_if_a_hotel_has_that_name(seeded_db):
    query = resolve_query(seeded_db, "Tokyo business hotel")
    assert query.kind == "segment"
    assert any("also the name of" in note for note in query.notes)


def test_a_brand_and_a_place_name_a_property(seeded_db):
    query = resolve_query(seeded_db, "Conrad Tokyo")
    assert query.kind == "company" and "Conrad" in query.company_name


def test_a_register_label_in_english_is_read_by_its_own_words():
    """A Spanish or Portuguese register's phrase names its kind by the word for it inside;
    an English label's words are its own: a dental instruments wholesaler is no dentist, and
    a building cleaner (Gebäudereinigung) no laundry."""
    from spider.query import english_noun

    assert english_noun("Consultorios dentales del sector privado") == "dentist"
    assert english_noun("Fabricação de produtos de padaria") == "bakery"
    assert english_noun("Textilreinigung") == "laundry"
    assert english_noun("Wholesale of dental instruments") is None
    assert english_noun("Gebäudereinigung") == "cleaning service"
    assert english_noun("Coding dojo") is None
