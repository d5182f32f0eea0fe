"""Won clients, references and opening lines: named only with consent, never to the client's group."""

from __future__ import annotations

import re

import pytest
from conftest import FIXTURES

from spider.angles import closest_reference, load_templates
from spider.clients import import_won, record_won, won_clients
from spider.errors import InputError, QueryError
from spider.expand import expand
from spider.pipeline import rebuild
from spider.resolve.normalize import spoken_name
from spider.settings import Settings
from spider.signals import signals_of

STORY = "+18% corporate bookings in a year"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def company_id(db, query: str) -> int:
    from spider.query import resolve_query

    return resolve_query(db, query).company_id


def _built(tmp_path, **files: str):
    """A database of these lists (file name -> CSV text), ingested in order and built."""
    from spider.db import open_db
    from spider.ingest import ingest_file

    db = open_db(tmp_path / "s.db")
    for name, text in files.items():
        path = tmp_path / name.replace("_csv", ".csv")
        path.write_text(text, encoding="utf-8")
        ingest_file(db, path)
    rebuild(db, Settings())
    return db


def test_no_won_clients_means_segment_openers(expanded):
    for query in ("Tokyo five-star hotel", "Palace Hotel Tokyo", "Toyota Motor"):
        for p in expanded(query).prospects:
            assert p.angle == "segment" and p.reference is None
            assert p.opening_line.startswith("We help ") and spoken_name(p.name) in p.opening_line


def test_segment_opener_speaks_to_the_segment(expanded):
    first = expanded("Tokyo five-star hotel").prospects[0]
    assert "five-star hotels" in first.opening_line
    assert first.ask_for == "Would you transfer me to your Director of Sales?"
    toyota = expanded("Toyota Motor").prospects[0]
    assert "automotive & transport equipment" in toyota.opening_line


def test_referenceable_client_is_named_with_its_story(private_db, names_of, signals_of):
    ritz = record_won(private_db, "ザ・リッツ・カールトン東京", referenceable=True, story=STORY)
    ritz_names = names_of(private_db, ritz["company_id"])
    ritz_groups = {s for s in signals_of(private_db, ritz["company_id"]) if s.startswith("group:")}
    assert ritz_groups == {"group:marriott international"}
    expansion = expand(private_db, Settings(), "Palace Hotel Tokyo", limit=25, save=False)
    assert ritz["company_id"] not in {p.company_id for p in expansion.prospects}
    named = [p for p in expansion.prospects if p.angle == "named_reference"]
    assert len(named) >= 15
    for p in named:
        assert p.reference["company_id"] == ritz["company_id"]
        assert p.reference["name"] in ritz_names and p.reference["referenceable"]
        assert p.reference["name"] in p.opening_line and STORY in p.opening_line
        assert p.opening_line.startswith(
            f"We have been working with {p.reference['name']}, another "
        )
        assert spoken_name(p.name) in p.opening_line
        assert p.reference["shared"]
    # Never pitch a client's name to a company in its own group (Bulgari is Marriott's too).
    same_group = [
        p for p in expansion.prospects if signals_of(private_db, p.company_id) & ritz_groups
    ]
    assert same_group, "Bulgari Hotel Tokyo (Marriott) should be among Palace Hotel Tokyo's peers"
    for p in same_group:
        assert p.reference is None and p.angle == "segment"
        assert not any(name in p.opening_line for name in ritz_names)


def test_non_referenceable_client_is_never_named(private_db, names_of):
    aman = record_won(private_db, "Aman Tokyo", referenceable=False, story="kept confidential")
    names = names_of(private_db, aman["company_id"]) | {"Aman Tokyo", "アマン東京"}
    for settings in (Settings(), Settings(language="ja")):
        expansion = expand(private_db, settings, "Palace Hotel Tokyo", limit=40, save=False)
        anonymous = [p for p in expansion.prospects if p.reference]
        assert len(anonymous) >= 20
        for p in expansion.prospects:
            assert not any(name in p.opening_line or name in p.ask_for for name in names), p
            assert "kept confidential" not in p.opening_line
        for p in anonymous:
            assert p.angle == "anonymous_peer"
            assert p.reference["company_id"] == aman["company_id"]
            assert not p.reference["referenceable"]
    english = expand(private_db, Settings(), "Palace Hotel Tokyo", limit=5, save=False)
    # One won client (Aman Tokyo) among the prospect's competitors: "one of", not "several".
    assert "one of your direct competitors" in english.prospects[0].opening_line


def test_record_won_updates_consent_and_lists(private_db):
    first = record_won(private_db, "Aman Tokyo")
    again = record_won(private_db, "Aman Tokyo", referenceable=True, story=STORY)
    assert first["company_id"] == again["company_id"]
    clients = won_clients(private_db)
    assert len(clients) == 1
    assert clients[0]["referenceable"] == 1 and clients[0]["story"] == STORY


def test_record_won_rejects_unknown_and_ambiguous_names(private_db, ambiguous_db):
    with pytest.raises(QueryError, match="is not in the database"):
        record_won(private_db, "Zzyzx Qwerty Holdings")
    with pytest.raises(QueryError, match=r"matches \d+ companies") as info:
        record_won(ambiguous_db, "Sakura Corporation")
    assert len(info.value.candidates) == 2
    with pytest.raises(QueryError, match="no company #999999"):
        record_won(private_db, "#999999")


def test_closest_reference_is_the_client_sharing_the_rarest_signals(seeded_db):
    conrad = company_id(seeded_db, "Conrad Tokyo")
    toyoko = company_id(seeded_db, "東横イン 日本橋人形町")
    ritz = company_id(seeded_db, "ザ・リッツ・カールトン東京")
    apa = company_id(seeded_db, "APA Hotel Asakusa Kaminarimon")
    clients = [
        {"company_id": cid, "name": f"#{cid}", "referenceable": 1, "story": None}
        for cid in (ritz, apa)
    ]
    signals = signals_of(seeded_db, [conrad, toyoko, ritz, apa])
    best, shared = closest_reference(signals[conrad], clients, signals, conrad)
    assert best["company_id"] == ritz and "tier:five-star" in shared
    best, shared = closest_reference(signals[toyoko], clients, signals, toyoko)
    assert best["company_id"] == apa and "tier:business" in shared
    # A client is never its own reference, nor one of its group's.
    assert closest_reference(signals[ritz], clients[:1], signals, ritz) is None


def test_japanese_templates_give_japanese_openers(private_db):
    record_won(
        private_db, "ザ・リッツ・カールトン東京", referenceable=True, story="法人宿泊が18%増"
    )
    settings = Settings(language="ja")
    named = expand(private_db, settings, "Palace Hotel Tokyo", limit=10, save=False)
    segment = expand(private_db, settings, "Toyota Motor", limit=10, save=False)
    for p in named.prospects + segment.prospects:
        assert JAPANESE.search(p.opening_line) and "様" in p.opening_line
        assert p.ask_for.endswith("おつなぎいただけますでしょうか。")
        assert spoken_name(p.name) in p.opening_line
    lines = [p.opening_line for p in named.prospects if p.angle == "named_reference"]
    assert lines and all("法人宿泊が18%増" in line for line in lines)
    assert not any("We have been" in line or "We help" in line for line in lines)
    assert segment.prospects[0].opening_line.endswith("共通の課題です。")


def test_a_user_template_overrides_one_line_and_keeps_the_rest(expanded, seeded_db):
    settings = Settings(templates=str(FIXTURES / "templates_override.toml"))
    templates = load_templates(settings)
    assert templates["angle"]["segment"]["text"].startswith("Hello {company}")
    assert (
        templates["angle"]["anonymous_peer"]
        == load_templates(Settings())["angle"]["anonymous_peer"]
    )
    expansion = expand(seeded_db, settings, "Tokyo five-star hotel", limit=5, save=False)
    for p in expansion.prospects:
        assert (
            p.opening_line == f"Hello {p.name}: we work with {p.opening_line.split('with ', 1)[1]}"
        )
        assert p.opening_line.endswith("across the city.")
        assert p.ask_for == "Would you transfer me to your Director of Sales?"


@pytest.mark.parametrize(
    ("content", "message"), [(None, "no such templates file"), ("[angle\n", "not valid TOML")]
)
def test_a_broken_user_template_is_an_input_error(tmp_path, content, message):
    path = tmp_path / "openers.toml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_templates(Settings(templates=str(path)))


def test_unknown_language_is_an_input_error():
    with pytest.raises(InputError, match="no opener templates for language 'it'; use en, ja, de"):
        load_templates(Settings(language="it"))


def test_crm_import_marks_clients_won_and_they_become_references(private_db, signals_of):
    result = import_won(private_db, Settings(), FIXTURES / "crm_won.csv")
    assert (result.report.read, result.recorded, len(result.report.skipped)) == (2, 2, 0)
    clients = {c["entered"]: c for c in won_clients(private_db)}
    mandarin, chinzanso = clients["Mandarin Oriental, Tokyo"], clients["Hotel Chinzanso Tokyo"]
    assert mandarin["referenceable"] == 1
    assert mandarin["story"] == "+22% corporate room nights in two quarters"
    assert chinzanso["referenceable"] == 0 and chinzanso["story"] is None
    won_at = dict(private_db.execute("select name, won_at from won_clients").fetchall())
    assert won_at == {
        "Mandarin Oriental, Tokyo": "2026-09-30",
        "Hotel Chinzanso Tokyo": "2026-10-12",
    }
    # The CRM's "Mandarin Oriental, Tokyo" is the seeded five-star hotel, not a new stub.
    assert "tier:five-star" in signals_of(private_db, mandarin["company_id"])
    expansion = expand(private_db, Settings(), "Palace Hotel Tokyo", limit=10, save=False)
    assert mandarin["company_id"] not in {p.company_id for p in expansion.prospects}
    named = [p for p in expansion.prospects if p.angle == "named_reference"]
    assert named and all(p.reference["company_id"] == mandarin["company_id"] for p in named)
    assert all("+22% corporate room nights" in p.opening_line for p in named)
    # Re-importing the same export adds nothing.
    again = import_won(private_db, Settings(), FIXTURES / "crm_won.csv")
    assert again.added == [] and len(won_clients(private_db)) == 2


def test_crm_file_without_a_name_column_is_an_input_error(private_db, tmp_path):
    path = tmp_path / "crm.csv"
    path.write_text("Owner,Stage\nk.sato,Closed Won\n", encoding="utf-8")
    with pytest.raises(InputError, match="no usable rows"):
        import_won(private_db, Settings(), path)


@pytest.mark.parametrize(
    "query",
    [
        "Tokyo five-star hotel",
        "Toyota Motor",
        "Marriott International",
        "Palace Hotel Tokyo",
        "Japanese automaker",
    ],
)
def test_english_openers_have_no_japanese_beyond_the_company_name(expanded, query):
    for p in expanded(query).prospects[:25]:
        assert not JAPANESE.search(p.opening_line.replace(spoken_name(p.name), "")), p.opening_line
        assert not JAPANESE.search(p.ask_for)


def test_crm_import_skips_deals_that_were_not_won(private_db, tmp_path):
    path = tmp_path / "opportunities.csv"
    path.write_text(
        "Account Name,Stage,Referenceable,Result story\n"
        'The Okura Tokyo,Closed Lost,Yes,"+12% MICE"\n'
        "Hilton Worldwide,Negotiation,Yes,\n"
        'Park Hyatt Tokyo,Closed Won,Yes,"+9% weekday occupancy"\n',
        encoding="utf-8",
    )
    result = import_won(private_db, Settings(), path)
    assert [stage for _, stage in result.not_won] == ["Closed Lost", "Negotiation"]
    assert result.matched == ["Park Hyatt Tokyo"] and result.added == []
    named = {c["entered"] for c in won_clients(private_db)}
    assert named == {"Park Hyatt Tokyo"}


def test_crm_import_reads_japanese_headers_in_cp932(private_db, tmp_path):
    path = tmp_path / "商談.csv"
    path.write_bytes(
        "取引先名,フェーズ,事例公開可\nコンラッド東京,受注,可\nホテルオークラ東京,失注,可\n".encode(
            "cp932"
        )
    )
    result = import_won(private_db, Settings(), path)
    assert result.recorded == 1 and len(result.not_won) == 1
    (client,) = won_clients(private_db)
    assert client["referenceable"] == 1


@pytest.mark.parametrize(
    "query", ["US pharmaceutical", "Japanese bank", "semiconductor", "Toyota Motor"]
)
def test_openers_read_aloud_in_any_industry(expanded, query):
    import re

    for p in expanded(query).prospects:
        line = p.opening_line
        assert not re.search(r"(?<!\.)\.\.(?!\.)", line), line  # "Co., Ltd.." read as two stops
        assert " in United States" not in line, line  # "in the United States"
        assert not re.search(r"\b(pharmaceuticals|semiconductors) in\b", line), line
        assert "another banks" not in line, line


def test_noun_forms_for_kinds_of_business():
    from spider.text import noun_forms

    assert noun_forms("banks") == ("bank", "banks")
    assert noun_forms("pharmaceuticals") == ("pharmaceutical company", "pharmaceutical companies")
    assert noun_forms("Hotel & Resort REITs") == ("Hotel & Resort REIT", "Hotel & Resort REITs")
    assert noun_forms("utilities") == ("utility", "utilities")
    assert noun_forms("electronics") == ("electronics company", "electronics companies")
    # a register's code list is no adjective: the list's own noun alone
    assert noun_forms("Public, 4-year or above", "college") == ("college", "colleges")
    # (an -es plural: "another planetary gearbox company", not "gearboxe"; churches)
    assert noun_forms("Planetary gearboxes") == ("planetary gearbox company",
                                                 "planetary gearbox companies")
    assert noun_forms("Churches") == ("church", "churches")


@pytest.mark.parametrize(
    ("stage", "won"),
    [
        ("Closed Won", True),
        ("受注", True),
        ("成約", True),
        ("受注見込み", False),
        ("未受注", False),
        ("Not Won", False),
        ("Won't proceed", False),
        ("Closed Lost", False),
    ],
)
def test_only_a_won_stage_is_a_win(stage, won):
    from spider.clients import is_won_stage

    assert is_won_stage(stage) is won


def test_recording_a_client_again_keeps_its_consent(private_db):
    record_won(
        private_db, "Palace Hotel Tokyo", referenceable=True, story="+18%", won_at="2026-01-05"
    )
    record_won(private_db, "パレスホテル東京")  # the same hotel, named again without a flag
    (client,) = won_clients(private_db)
    assert client["referenceable"] == 1 and client["story"] == "+18%"
    assert private_db.execute("select won_at from won_clients").fetchone()[0] == "2026-01-05"


def test_a_crm_name_close_to_known_companies_is_left_to_resolve(private_db, tmp_path):
    path = tmp_path / "crm.csv"
    path.write_text("Account Name,Stage\nPalace Hotl Tokyo,Closed Won\n", encoding="utf-8")
    result = import_won(private_db, Settings(), path)
    assert result.recorded == 0 and [name for name, _ in result.unresolved] == ["Palace Hotl Tokyo"]
    assert won_clients(private_db) == []


def test_one_anonymous_entry_keeps_a_merged_company_anonymous(private_db):
    # Two won clients, one named and one anonymous, become one company by a person's merge:
    # the company may be named only if every entry agreed, so it is cited anonymously.
    from spider.clients import citable_clients
    from spider.resolve.decisions import merge_companies

    named = record_won(private_db, "Palace Hotel Tokyo", referenceable=True, story="+18%")
    hidden = record_won(private_db, "The Peninsula Tokyo", referenceable=False)
    merge_companies(private_db, named["company_id"], hidden["company_id"])
    rebuild(private_db, Settings())
    cited = citable_clients(private_db)
    assert len(cited) == 1 and not cited[0]["referenceable"]
    result = expand(private_db, Settings(), "Tokyo five-star hotel", limit=25, save=False)
    for prospect in result.prospects:
        assert "Peninsula" not in prospect.opening_line and "Palace" not in prospect.opening_line
        assert not (prospect.reference or {}).get("referenceable")


def test_a_directory_heading_noun_first_reads_as_a_person_says_it() -> None:
    from spider.text import noun_forms

    assert noun_forms("Accountants-Certified Public")[1] == "certified public accountants"
    assert noun_forms("Attorneys-Personal Injury")[1] == "personal injury attorneys"
    assert noun_forms("Self-Storage")[1] == "self-storage companies"  # one word, not a heading


def test_a_registers_service_label_and_a_french_kind_read_as_nouns():
    from spider.text import noun_forms

    # (openers had said "Care home service without nursing homes", "Bouchon lyonnai companies")
    assert noun_forms("Care home service without nursing") == ("care home", "care homes")
    assert noun_forms("Restaurant with rooms") == ("restaurant", "restaurants")
    assert noun_forms("Bouchon lyonnais")[1] == "bouchon lyonnais companies"
    assert noun_forms("Bistrot") == ("bistrot", "bistrots")
    assert noun_forms("pharmaceuticals") == ("pharmaceutical company", "pharmaceutical companies")


def test_an_anonymous_line_counts_only_the_clients_it_speaks_of(tmp_path):
    db = _built(tmp_path, stays_csv="name,category,city,region,country\n"
                "Hotel Okura Kyoto,Hotel,Kyoto,Kyoto,JP\n"
                "Kyoto Hotel Granvia,Hotel,Kyoto,Kyoto,JP\n"
                "Hotel Kanra Kyoto,Hotel,Kyoto,Kyoto,JP\n"
                "Fujiya Hotel,Hotel,Hakone,Kanagawa,JP\n"
                "Gora Kadan,Hotel,Hakone,Kanagawa,JP\n")
    record_won(db, "Hotel Okura Kyoto", referenceable=False)
    record_won(db, "Fujiya Hotel", referenceable=False)
    lines = {p.name: p.opening_line for p in expand(db, Settings(), "Kyoto Hotel Granvia",
                                                     limit=10, save=False).prospects}
    # one client among hotels in Kyoto (the Hakone one is no hotel in Kyoto)
    assert "one of your direct competitors among hotels in Kyoto" in lines["Hotel Kanra Kyoto"]
    record_won(db, "Kyoto Hotel Granvia", referenceable=False)
    lines = {p.name: p.opening_line for p in expand(db, Settings(), "Gora Kadan",
                                                     limit=10, save=False).prospects}
    assert "several of your direct competitors among hotels in Kyoto" in lines["Hotel Kanra Kyoto"]


def test_a_care_home_asks_for_its_manager_and_a_ryokan_for_its_okami(tmp_path):
    db = _built(tmp_path,
                homes_csv="Location ID,Location Name,Location City,Location Postal Code,"
                "Service types\n"
                "1-1,Grove Park Care Home,Leeds,LS6 2AS,Care home service with nursing\n"
                "1-2,Aire View Care Home,Leeds,LS12 1AA,Care home service with nursing\n"
                "1-3,Mill Lodge,Leeds,LS7 4ES,Care home service without nursing\n",
                inns_csv="名称,種別,所在地\n"
                "強羅花壇,旅館,神奈川県足柄下郡箱根町強羅1300\n"
                "箱根吟遊,旅館,神奈川県足柄下郡箱根町宮ノ下100-1\n"
                "富士屋ホテル,ホテル,神奈川県足柄下郡箱根町宮ノ下359\n")
    homes_asked = {p.name: p.ask_for for p in expand(db, Settings(), "Grove Park Care Home",
                                                     limit=5, save=False).prospects}
    assert homes_asked["Aire View Care Home"] == "Would you transfer me to the home manager?"
    inns_asked = {p.name: p.ask_for for p in expand(db, Settings(), "強羅花壇", limit=5,
                                                    save=False).prospects}
    assert "okami" in inns_asked["箱根吟遊"]  # not the Director of Sales of a hotel
    assert "Director of Sales" in inns_asked["富士屋ホテル"]


def test_openers_in_german_french_and_spanish(tmp_path):
    db = _built(tmp_path, handwerk_csv="Firma;Gewerk;Straße;PLZ;Ort;Telefon\n"
                "Elektro Huber GmbH;Elektriker;Oranienstraße 12;10999;Berlin;030 6123456\n"
                "Elektro Schmidt;Elektriker;Bergmannstraße 5;10961;Berlin;030 6945321\n"
                "Licht & Kraft Elektrotechnik;Elektriker;Wiener Straße 20;10999;Berlin;"
                "030 6187654\n"
                "Elektro Maier;Elektriker;Leopoldstraße 50;80802;München;089 3456789\n")

    def first(language: str, query: str = "Elektriker in Berlin"):
        return expand(db, Settings(language=language), query, limit=5, save=False).prospects[0]

    german = first("de")
    assert german.opening_line.startswith("Wir unterstützen Betriebe wie ")
    assert "(Elektriker in Berlin)" in german.opening_line
    assert german.ask_for == ("Könnten Sie mich bitte mit dem Inhaber oder der Geschäftsführung "
                              "verbinden?")
    assert first("fr").opening_line.startswith("Nous aidons des commerces comme ")
    assert first("es").ask_for == "¿Podría pasarme con el dueño o el encargado, por favor?"
    assert first("pt").opening_line.startswith("Ajudamos negócios como ")
    assert first("pt").ask_for == "Poderia me transferir para o dono ou o gerente, por favor?"
    record_won(db, "Elektro Huber GmbH", referenceable=True)
    named = {p.name: p.opening_line for p in expand(
        db, Settings(language="de"), "Elektro Schmidt", limit=5, save=False).prospects}
    assert named["Licht & Kraft Elektrotechnik"].startswith(
        "Wir arbeiten bereits mit Elektro Huber (Elektriker in Berlin) zusammen")
    assert "another" not in named["Licht & Kraft Elektrotechnik"]


def test_a_licence_registers_class_code_is_never_read_out(tmp_path):
    db = _built(tmp_path, cslb_csv="Business Name,City,State,License Type\n"
                "Delta Plumbing,Stockton,CA,C36 - PLUMBING\n"
                "River City Plumbing,Stockton,CA,C36 - PLUMBING\n"
                "Natomas General Contracting,Sacramento,CA,B - GENERAL BUILDING CONTRACTOR\n"
                "Pacific Coast Builders,Sacramento,CA,B - GENERAL BUILDING CONTRACTOR\n")
    lines = [p.opening_line for p in expand(db, Settings(), "Delta Plumbing", limit=5,
                                            save=False).prospects]
    lines += [p.opening_line for p in expand(db, Settings(), "Natomas General Contracting",
                                             limit=5, save=False).prospects]
    assert lines and not any("C36" in line or "B - " in line or "PLUMBING" in line
                             for line in lines), lines
    assert any("general building contractors" in line for line in lines), lines


def test_an_opener_names_a_town_with_accented_letters():
    from spider.angles import peer_phrase

    signals = {"category:zahnarzt": {"signal": "category:zahnarzt", "kind": "category",
                                     "label": "Zahnarzt", "idf": 1.4},
               "place:city:DE/münchen": {"signal": "place:city:DE/münchen", "kind": "city",
                                         "label": "München", "idf": 0.8},
               "place:country:DE": {"signal": "place:country:DE", "kind": "country",
                                    "label": "Germany", "idf": 0.0}}
    # (it had said "dentists in Germany" of two practices in München)
    assert peer_phrase(signals, "en") == "dentists in München"


def test_an_office_business_is_asked_for_sales_and_solicitors_for_the_partner(tmp_path):
    db = _built(tmp_path, ch_csv="CompanyName,SICCode.SicText_1,RegAddress.PostTown\n"
                "ALPHA SOFT LTD,62012 - Business and domestic software development,LEEDS\n"
                "BETA SOFT LTD,62012 - Business and domestic software development,LEEDS\n"
                "GAMMA CAFE LTD,56102 - Unlicensed restaurants and cafes,LEEDS\n"
                "DELTA CAFE LTD,56102 - Unlicensed restaurants and cafes,LEEDS\n"
                "SMITH & CO SOLICITORS,69102 - Solicitors,LEEDS\n"
                "JONES LEGAL LLP,Legal services,LEEDS\n")

    def first(name: str):
        return expand(db, Settings(), name, limit=1, save=False).prospects[0]

    # (a software house had been told of "the competitor down the street" and asked for the
    # owner or manager, as a cafe is)
    soft = first("Alpha Soft Ltd")
    assert "down the street" not in soft.opening_line and "sales manager" in soft.ask_for
    cafe = first("Gamma Cafe Ltd")
    assert "down the street" in cafe.opening_line and "owner or manager" in cafe.ask_for
    assert "managing partner" in first("Smith & Co Solicitors").ask_for
