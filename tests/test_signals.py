"""Signals on the seeded database: tiers, lists, industries, groups, rarity weights."""

from __future__ import annotations

import csv

import pytest
from conftest import SEEDS

from spider.names import find_companies
from spider.signals import TIERS, Curated, brand_of, description_terms, tier_from_rating

LOW_TIERS = {"tier:business", "tier:budget", "tier:capsule"}
HIGH_TIERS = {"tier:five-star", "tier:luxury"}


def company_named(db, name: str) -> int:
    found = find_companies(db, name)
    assert found and found[0]["score"] >= 90, (name, found[:3])
    return found[0]["company_id"]


def hotel_list_rows() -> list[dict[str, str]]:
    with open(SEEDS / "tokyo_hotel_lists.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def curated():
    return Curated.load(SEEDS / "curated")


@pytest.mark.parametrize("name", ["Palace Hotel Tokyo", "パレスホテル東京"])
def test_palace_hotel_tokyo_is_five_star_and_on_award_lists(seeded_db, signals_of, name):
    signals = signals_of(seeded_db, company_named(seeded_db, name))
    assert "tier:five-star" in signals
    assert not signals & LOW_TIERS
    assert any(s.startswith("list:") for s in signals)
    assert {"category:hotel", "place:region:JP-13"} <= signals
    evidence = seeded_db.execute(
        "select evidence from company_signals where company_id = ? and signal = 'tier:five-star'",
        [company_named(seeded_db, name)],
    ).fetchone()[0]
    assert "Forbes 5-star" in evidence or "Michelin Keys" in evidence


@pytest.mark.parametrize(
    ("brand", "allowed"),
    [
        ("brand:apa hotel", {"tier:business", "tier:budget"}),
        ("brand:toyoko inn", {"tier:business", "tier:budget"}),
        ("brand:dormy inn", {"tier:business", "tier:budget"}),
        ("brand:first cabin", {"tier:capsule", "tier:budget"}),
    ],
)
def test_budget_and_capsule_brands_are_never_five_star(seeded_db, signals_of, brand, allowed):
    hotels = [
        cid
        for (cid,) in seeded_db.execute(
            "select company_id from company_signals where signal = ?", [brand]
        )
    ]
    # At least two: several branches of each brand are in the seeds (once a list row and the
    # OSM node of the same branch merge, they count once).
    assert len(hotels) >= 2, f"expected several {brand} hotels in the OSM and list seeds"
    for cid in hotels:
        tiers = {s for s in signals_of(seeded_db, cid) if s.startswith("tier:")}
        assert tiers and tiers <= allowed, (cid, tiers)


def test_no_capsule_or_budget_list_hotel_is_tiered_high(seeded_db, signals_of):
    # A hotel named only on capsule, budget or business lists stays below luxury. (One named
    # on a luxury round-up too, like Claska, is a real disagreement between sources.)
    kinds: dict[str, str] = {r["list_url"]: r["list_kind"] for r in hotel_list_rows()}
    low = {
        f"list:{u}"
        for u, k in kinds.items()
        if k in ("capsule", "budget_hotels", "business_hotels")
    }
    checked = 0
    for (cid,) in seeded_db.execute(
        f"select distinct company_id from company_signals where signal in "
        f"({','.join('?' * len(low))})",
        sorted(low),
    ):
        signals = signals_of(seeded_db, cid)
        lists = {s for s in signals if s.startswith("list:")}
        if lists <= low:
            assert not signals & HIGH_TIERS, (cid, signals)
            checked += 1
    assert checked >= 20


@pytest.mark.parametrize("name", ["トヨタ自動車", "Toyota Motor", "本田技研工業"])
def test_automakers_carry_the_jpx_transport_equipment_industry(seeded_db, signals_of, name):
    signals = signals_of(seeded_db, company_named(seeded_db, name))
    assert "industry:jpx33:3700" in signals
    assert "concept:automobiles_transport_equipment" in signals
    label = seeded_db.execute(
        "select label from signals where signal = 'industry:jpx33:3700'"
    ).fetchone()[0]
    assert "輸送用機器" in label


def test_marriott_is_a_hotel_operator_linked_to_its_properties(seeded_db, signals_of):
    marriott = company_named(seeded_db, "Marriott International")
    signals = signals_of(seeded_db, marriott)
    assert {"concept:hotel_operator", "group:marriott international"} <= signals
    assert "industry:gics:hotels, resorts & cruise lines" in signals
    properties = [
        cid
        for (cid,) in seeded_db.execute(
            "select company_id from company_signals where signal = 'group:marriott international' "
            "and company_id != ?",
            [marriott],
        )
    ]
    assert len(properties) >= 3  # Ritz-Carlton, Bulgari, EDITION, Westin ... in Tokyo
    for cid in properties:
        assert "category:hotel" in signals_of(seeded_db, cid)
        assert "concept:hotel_operator" not in signals_of(seeded_db, cid)


def test_signal_idf_decreases_with_frequency(seeded_db):
    rows = seeded_db.execute("select companies, idf from signals order by companies").fetchall()
    assert len(rows) > 1000
    by_count: dict[int, set[float]] = {}
    for count, idf in rows:
        by_count.setdefault(count, set()).add(idf)
    assert all(len(v) == 1 for v in by_count.values())  # same frequency, same rarity
    idfs = [by_count[c].pop() for c in sorted(by_count)]
    assert all(a > b for a, b in zip(idfs, idfs[1:], strict=False))
    country = seeded_db.execute(
        "select idf from signals where signal = 'place:country:JP'"
    ).fetchone()[0]
    five = seeded_db.execute("select idf from signals where signal = 'tier:five-star'").fetchone()[
        0
    ]
    assert five > 2 * country  # "Forbes five-star" says far more than "Japan"


def test_every_link_has_positive_weight_and_evidence(seeded_db):
    bad = seeded_db.execute(
        "select count(*) from company_signals where weight <= 0 or evidence is null "
        "or evidence = ''"
    ).fetchone()[0]
    assert bad == 0
    kinds = {k for (k,) in seeded_db.execute("select distinct kind from signals")}
    assert {
        "industry",
        "country",
        "region",
        "city",
        "district",
        "tier",
        "list",
        "brand",
        "group",
        "term",
        "concept",
        "category",
    } <= kinds


def test_list_signal_outweighs_country_for_the_same_company(seeded_db):
    cid = company_named(seeded_db, "Palace Hotel Tokyo")
    weights = dict(
        seeded_db.execute(
            "select signal, weight from company_signals where company_id = ?", [cid]
        ).fetchall()
    )
    lists = [w for s, w in weights.items() if s.startswith("list:")]
    assert min(lists) > weights["place:country:JP"]


# The real rating strings of seeds/tokyo_hotel_lists.csv and the tier each must give.
RATINGS = [
    ("Forbes 5-star", "five_star_award", "five-star"),
    ("Forbes 5-star (2021 newcomer)", "five_star_award", "five-star"),
    ("Forbes 5-star (2nd straight year)", "five_star_award", "five-star"),
    ("Forbes 4-star", "five_star_award", "luxury"),
    ("Forbes Recommended", "five_star_award", "upscale"),
    ("3 Michelin Keys", "five_star_award", "five-star"),
    ("2 Michelin Keys", "five_star_award", "luxury"),
    ("1 Michelin Key", "five_star_award", "luxury"),
    ("Michelin Key", "five_star_award", "luxury"),
    ("Michelin 5 pavilions (red)", "five_star_award", "five-star"),
    ("Michelin 4 pavilions (black)", "five_star_award", "luxury"),
    ("Michelin 3 pavilions (black)", "five_star_award", "upscale"),
    ("5-star (as described)", "luxury_roundup", "five-star"),
    ("5つ星 (blog's own grade)", "luxury_roundup", "five-star"),
    ("御三家", "luxury_roundup", "five-star"),
    ("rank #1", "luxury_roundup", "luxury"),
    ("", "luxury_roundup", "luxury"),
    ("rank #1", "capsule", "capsule"),
    ("women only", "capsule", "capsule"),
    ("capsule", "budget_hotels", "capsule"),
    ("1泊4980円", "budget_hotels", "budget"),
    ("from ¥2500", "budget_hotels", "budget"),
    ("chain rank #1 (東横イン, 353票)", "business_hotels", "business"),
    ("970 rooms", "business_hotels", "business"),
    ("business hotel", "other", "business"),
    ("hostel", "other", "budget"),
    ("top-end", "other", None),
]


@pytest.mark.parametrize(("rating", "kind", "tier"), RATINGS)
def test_tier_from_rating_on_real_strings(rating, kind, tier):
    assert (rating, kind) in {(r["rating"], r["list_kind"]) for r in hotel_list_rows()}
    assert tier_from_rating(rating, kind)[0] == tier


def test_tier_from_rating_evidence_kind():
    assert tier_from_rating("Forbes 5-star", "five_star_award") == ("five-star", "award")
    assert tier_from_rating("", "capsule") == ("capsule", "list")


def test_every_real_rating_maps_within_its_list_kind():
    high = {"five-star", "luxury", "upscale"}
    for row in hotel_list_rows():
        tier, _ = tier_from_rating(row["rating"], row["list_kind"])
        assert tier is None or tier in TIERS
        if row["list_kind"] == "five_star_award":
            assert tier in high, row
        if row["list_kind"] in ("capsule", "budget_hotels", "business_hotels"):
            assert tier in {"capsule", "budget", "business"}, row


@pytest.mark.parametrize(
    ("names", "brand"),
    [
        (["APA Hotel Asakusa Kaminarimon"], "APA Hotel"),
        (["アパホテル〈人形町駅東〉"], "APA Hotel"),
        (["東横INN池袋北口1"], "Toyoko Inn"),
        (["ファーストキャビン市ヶ谷"], "First Cabin"),
        (["ザ・リッツ・カールトン東京"], "The Ritz-Carlton"),
        (["Hyatt Centric Ginza Tokyo"], "Hyatt Centric"),  # longest pattern beats "Hyatt"
        (["パレスホテル東京"], "Palace Hotel Tokyo"),
    ],
)
def test_brand_of_real_names(curated, names, brand):
    found = brand_of(names, curated)
    assert found is not None and found["brand"] == brand


def test_brand_patterns_stay_specific(curated):
    found = brand_of(["Hotel Palace Japan"], curated)
    assert found is None or found["brand"] != "Palace Hotel Tokyo"
    assert brand_of(["Yamanoue Hotel"], curated) is None


def test_description_terms_from_a_real_gbizinfo_summary():
    text = "水産物の輸出入・加工・販売。冷凍食品、缶詰・珍味類の製造・販売。Seafood processing and frozen foods."
    terms = description_terms(text)
    assert {"水産物", "冷凍食品", "seafood", "processing", "frozen", "foods"} <= terms
    # "and" and 販売 (sales) say nothing about which business: every description has them.
    assert "and" not in terms and "販売" not in terms


def test_a_large_name_index_looks_up_the_rarer_trigrams_and_finds_the_same(seeded_db,
                                                                             monkeypatch) -> None:
    """Past LARGE_INDEX names a lookup reads only the names sharing the rarer half of its
    trigrams: the company it finds first, and every near-certain match, typo or not, must be
    those a full read finds (weak candidates further down may differ)."""
    from spider import names

    typed = ["Palace Hotel Tokyo", "Mandarin Oriental Tokyo", "Marriott Internatonal",
             "Toyota Motor", "Hotel New Otani Tokyo", "Imperial Hotel", "Park Hyatt Tokyo",
             # junk words and swapped letters: trigrams no name holds must not crowd out
             # the ones that find the company
             "はるやまホールディングス Zqxv Kjwpy", "Palace Hotel Tokyo Qzxw Vbnj", "Marirott Intrenational"]
    def strong(text: str) -> tuple[int, set[int]]:  # the best, and every near-certain match
        found = find_companies(seeded_db, text)
        return found[0]["company_id"], {c["company_id"] for c in found if c["score"] >= 85}

    full = {t: strong(t) for t in typed}
    monkeypatch.setattr(names, "LARGE_INDEX", 0)
    grams = sorted({"marriottinternatonal"[i:i + 3] for i in range(18)})
    assert len(names._rarer_half(seeded_db, grams)[0]) == max(names.RARE_TRIGRAMS, len(grams) // 2)
    assert {t: strong(t) for t in typed} == full
    # the trigram counts the build keeps are the index's own (the view counts them per lookup)
    kept = dict(seeded_db.execute("select term, docs from company_names_grams"))
    assert kept and kept == dict(seeded_db.execute("select term, doc from company_names_vocab"))
    assert sum(len(ids) for _, ids in full.values()) >= 5


def test_a_kind_is_read_from_a_name_with_accented_letters():
    from spider.signals import _kinds_in_name

    # (a name with one accent had been read as no kind at all)
    assert _kinds_in_name("Bodegas Bilbaínas")[0][0] == "winery"
    assert _kinds_in_name("Zahnarztpraxis Dr. Müller")[0][0] == "dentist"
    assert _kinds_in_name("Boulangerie Poilâne")[0][0] == "bakery"
    assert _kinds_in_name("Panaderia Lopez")[0][0] == "bakery"  # written without its accent
    assert _kinds_in_name("José Dental Clinic")[0][0] == "clinic"


def test_a_capacity_is_read_in_every_number_shape_and_never_fails():
    from spider.signals import _capacity

    assert _capacity({"Capacity": "1.200.000"}) == ("places", "300+")
    assert _capacity({"Number of Rooms": "1.234"}) == ("rooms", "300+")
    assert _capacity({"Betten": "12,5"}) == ("beds", "10-29")
    assert _capacity({"客室数": "２８室"}) == ("rooms", "10-29")
    assert _capacity({"Total Capacity": "n/a"}) is None
    # A CRM account's "Seats" are the licences it bought, not its size.
    assert _capacity({"Seats": "250"}) is None


def test_an_employees_cell_is_read_by_its_first_count():
    from spider.signals import _employee_band

    # (every digit had been joined: "10-49" read as 1049 people, "1.234,5" as 12345)
    assert _employee_band("10-49") == "1-49"
    assert _employee_band("1,000 to 4,999") == "1,000-4,999"
    assert _employee_band("1.234,5") == "1,000-4,999"
    assert _employee_band("約１，２００名") == "1,000-4,999"
    assert _employee_band(250) == "50-299"
    assert _employee_band("20000+") == "20,000+"
    assert _employee_band("") is None
    assert _employee_band("unknown") is None


def test_a_classification_code_is_read_as_its_kind_by_its_shape_and_country():
    from spider.signals import classified_kind

    def kind(code: str, country: str | None = None) -> str | None:
        found = classified_kind(code, country)
        return found[0] if found else None

    assert kind("86.23Z", "FR") == "dentist"  # NAF
    assert kind("56.10C", "FR") == "takeaway"  # a NAF subclass finer than its NACE class
    assert kind("56.10.11", "IT") == kind("5610", "ES") == kind("56101", "NL") == "restaurant"
    assert kind("56102", "GB") == "cafe"  # UK SIC's own fifth digit
    assert kind("722511") == kind("722511", "US") == "restaurant"  # NAICS
    assert kind("621211", "MX") == "dentist"  # SCIAN's sixth digit within NAICS 621210
    assert kind("5611-2/01") == kind("5611201", "BR") == "restaurant"  # CNAE
    assert kind("8630-5/04") == "dentist"
    # A US SIC of 1987 is not a NACE class (5812 is eating places there, publishing here);
    # a code the table does not know, or no code, says nothing.
    assert kind("5812", "US") is None and kind("58.29", "FR") is None and kind("A51") is None
    assert "Dental practice activities" in classified_kind("86.23Z", "FR")[1]
