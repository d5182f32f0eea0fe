"""One place under a Japanese and an English name, in lists Spider has never seen: readings for
kanji, katakana that sounds like its English, place as evidence and as a veto, Japanese
headers, and one property called once.

The lists are shaped like the ones new users brought: a local-name list with English headers,
an English list with a city column, a list with Japanese headers (名称, 緯度, 経度, 都道府県),
each giving the same hotels at points a few tens of metres apart.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from spider.cli import main
from spider.cli.output import format_review
from spider.db import open_db
from spider.expand import expand
from spider.ingest import ingest_file
from spider.pipeline import rebuild
from spider.resolve.decisions import pending_reviews
from spider.resolve.readings import reading, reading_words, sound_scores
from spider.settings import Settings

# (local name, English name, Japanese-header name, lat, lon): real central-Tokyo hotels.
HOTELS = [
    ("マンダリンオリエンタル東京", "Mandarin Oriental, Tokyo", "マンダリン オリエンタル 東京",
     35.68660, 139.77270),
    ("三井ガーデンホテル上野", "Mitsui Garden Hotel Ueno", "三井ガーデンホテル上野", 35.71216, 139.77748),
    ("旅館 澤の屋", "Ryokan Sawanoya", "澤の屋旅館", 35.72180, 139.76470),
    ("ホテルメッツ渋谷", "Hotel Mets Shibuya", "ホテルメッツ渋谷", 35.65660, 139.70020),
    ("ドーミーイン上野・御徒町", "Dormy Inn Ueno Okachimachi", "ドーミーイン上野御徒町",
     35.70830, 139.77530),
]  # fmt: skip
# Metres as degrees at Tokyo's latitude (for moving a point a known distance north).
NORTH = 1 / 111_320


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _three_lists(tmp_path: Path, extra_a: list[str] = (), extra_b: list[str] = (),
                 extra_c: list[str] = ()) -> list[Path]:  # fmt: skip
    a = [f"{local},hotel,{lat + 20 * NORTH:.6f},{lon:.6f}" for local, _, _, lat, lon in HOTELS]
    b = [f'"{en}",Tokyo,{lat - 15 * NORTH:.6f},{lon + 0.0001:.6f}' for _, en, _, lat, lon in HOTELS]
    c = [f"{ja},ホテル,東京都,{lat:.6f},{lon - 0.0002:.6f}" for _, _, ja, lat, lon in HOTELS]
    return [_write(tmp_path / "local.csv", "name,tourism,lat,lon", [*a, *extra_a]),
            _write(tmp_path / "english.csv", "Hotel,City,Latitude,Longitude", [*b, *extra_b]),
            _write(tmp_path / "japanese.csv", "名称,業種,都道府県,緯度,経度", [*c, *extra_c])]


def _ingest(tmp_path: Path, paths: list[Path]):
    db = open_db(tmp_path / "spider.db")
    for path in paths:
        ingest_file(db, path)
    rebuild(db, Settings())
    return db


def _company_of(db, name: str, source: str) -> int:
    row = db.execute("select l.company_id from records r join record_links l on l.record_id = "
                     "r.id where r.name = ? and r.source like ?", [name, f"%{source}"]).fetchone()
    assert row, f"{name} from {source} is not in the database"
    return row[0]


def test_kanji_names_are_read_in_latin_letters():
    assert reading_words("三井ガーデンホテル上野")[0] == "mitsui"
    assert reading_words("三井ガーデンホテル上野")[-1] == "ueno"
    assert reading("澤の屋").replace(" ", "") == "sawanoya"
    assert reading("ホテル ザ ミツイ キョウト").split() == ["hoteru", "za", "mitsui", "kyouto"]


def test_katakana_loanwords_sound_like_their_english():
    def sounds(ja: str, en: str) -> float:
        return sound_scores(reading_words(ja), en.casefold().replace(",", "").split())[0]

    assert sounds("マンダリンオリエンタル", "Mandarin Oriental") >= 90
    assert sounds("メッツ", "Mets") == 100  # ッ: a doubled consonant, and the vowel katakana adds
    assert sounds("ドーミーイン", "Dormy Inn") >= 90  # long vowels and ー
    assert sounds("ロイヤルパーク", "Royal Park") >= 90  # l/r
    assert sounds("ヴィラフォンテーヌ", "Villa Fontaine") >= 85  # v/b
    assert sounds("赤坂グランベルホテル", "Granbell Hotel Akasaka") >= 90  # word order
    assert sounds("アパホテル", "Hotel Sunroute") < 70
    assert sounds("ハニーズホールディングス", "Answer Holdings") < 70  # alike only as holdings


def test_three_lists_of_the_same_hotels_in_two_scripts_resolve_to_one_company_each(tmp_path):
    db = _ingest(tmp_path, _three_lists(tmp_path))
    for local, en, ja, _, _ in HOTELS:
        companies = {_company_of(db, local, "local.csv"), _company_of(db, en, "english.csv"),
                     _company_of(db, ja, "japanese.csv")}  # fmt: skip
        assert len(companies) == 1, (local, en, ja)
    assert db.execute("select count(*) from companies").fetchone()[0] == len(HOTELS)


def test_branches_of_one_chain_with_one_name_never_merge(tmp_path):
    # Two APA hotels 1.2 km apart, each in the local and the Japanese-header list under the
    # bare brand name, and one in the English list: the two sites stay two companies.
    lat, lon = 35.69450, 139.76210
    far = lat + 1200 * NORTH
    paths = _three_lists(
        tmp_path,
        extra_a=[f"アパホテル,hotel,{lat:.6f},{lon:.6f}", f"アパホテル,hotel,{far:.6f},{lon:.6f}"],
        extra_b=[f"APA Hotel,Tokyo,{lat + 20 * NORTH:.6f},{lon:.6f}"],
        extra_c=[f"アパホテル,ホテル,東京都,{lat - 10 * NORTH:.6f},{lon:.6f}",
                 f"アパホテル,ホテル,東京都,{far + 15 * NORTH:.6f},{lon:.6f}"],
    )  # fmt: skip
    db = _ingest(tmp_path, paths)
    rows = db.execute("select r.lat, l.company_id from records r join record_links l on "
                      "l.record_id = r.id where r.name in ('アパホテル', 'APA Hotel')").fetchall()
    near = {company for at, company in rows if abs(at - lat) < 0.001}
    away = {company for at, company in rows if abs(at - far) < 0.001}
    assert len(near) == 1 and len(away) == 1 and near != away


def test_two_entries_of_one_list_a_street_apart_stay_two_places(tmp_path):
    # Two APA hotels 40 m apart, each once in every list, every list's points a few metres off
    # (the local list's two rows stand 23 m apart). One list names each place once: however
    # the other lists link them, its two rows stay two companies.
    lat, lon = 35.69450, 139.76210
    other = lat + 40 * NORTH
    paths = _three_lists(
        tmp_path,
        extra_a=[f"アパホテル,hotel,{lat + 9 * NORTH:.6f},{lon:.6f}",
                 f"アパホテル,hotel,{other - 8 * NORTH:.6f},{lon:.6f}"],
        extra_b=[f"APA Hotel,Tokyo,{lat + 12 * NORTH:.6f},{lon:.6f}",
                 f"APA Hotel,Tokyo,{other + 10 * NORTH:.6f},{lon:.6f}"],
        extra_c=[f"アパホテル,ホテル,東京都,{lat - 10 * NORTH:.6f},{lon:.6f}",
                 f"アパホテル,ホテル,東京都,{other:.6f},{lon:.6f}"],
    )  # fmt: skip
    db = _ingest(tmp_path, paths)
    for source in ("local.csv", "english.csv", "japanese.csv"):
        companies = {company for (company,) in db.execute(
            "select l.company_id from records r join record_links l on l.record_id = r.id "
            "where r.name in ('アパホテル', 'APA Hotel') and r.source like ?", [f"%{source}"])}
        assert len(companies) == 2, source
    total = db.execute("select count(distinct l.company_id) from records r join record_links l "
                       "on l.record_id = r.id where r.name in ('アパホテル', 'APA Hotel')").fetchone()
    assert total[0] == 2
    # and no person is asked whether one list's two rows are one place
    assert not [p for p in pending_reviews(db)
                if p["a"]["source"] == p["b"]["source"]]  # fmt: skip


def test_one_name_a_short_walk_apart_is_for_a_person_to_decide(tmp_path):
    lat, lon = 35.70000, 139.78000
    db = _ingest(tmp_path, [_write(tmp_path / "a.csv", "name,tourism,lat,lon",
                                   [f"ホテルサクラ,hotel,{lat:.6f},{lon:.6f}"]),
                            _write(tmp_path / "b.csv", "Hotel,City,Latitude,Longitude",
                                   [f"Hotel Sakura,Tokyo,{lat + 150 * NORTH:.6f},{lon:.6f}"])])
    a, b = _company_of(db, "ホテルサクラ", "a.csv"), _company_of(db, "Hotel Sakura", "b.csv")
    assert a != b
    items = pending_reviews(db)
    assert len(items) == 1
    shown = format_review(items[0])
    assert "reads as" in shown and "hoterusakura" in shown.replace(" ", "")
    assert "apart            150 m" in shown  # the distance, for a decision in one keystroke
    assert json.loads(json.dumps(items[0]["breakdown"]))["spot"] == "unsure"
    # The distances are settings: sites of one name more than 100 m apart are two branches.
    rebuild(db, Settings(chain_apart_m=100))
    assert pending_reviews(db) == []


def test_japanese_headers_are_read_and_the_mapping_is_printed(tmp_path):
    path = _write(tmp_path / "list.csv", "店名,所在地,電話番号,業種,評価,郵便番号,市区町村",
                  ["鮨 さいとう,東京都港区六本木1-4-5,03-3589-4412,寿司,3つ星,106-0032,港区"])
    runner = CliRunner()
    db = str(tmp_path / "t.db")
    assert runner.invoke(main, ["--db", db, "init", "--empty"]).exit_code == 0
    result = runner.invoke(main, ["--db", db, "ingest", str(path)])
    assert result.exit_code == 0, result.output
    for pair in ("店名 → name", "所在地 → address", "電話番号 → phone", "業種 → category",
                 "評価 → rating", "郵便番号 → postal_code", "市区町村 → city"):  # fmt: skip
        assert pair in result.output
    row = open_db(tmp_path / "t.db").execute(
        "select name, category, rating, city, phone from records").fetchone()
    assert tuple(row) == ("鮨 さいとう", "寿司", "3つ星", "港区", "03-3589-4412")


def test_a_renamed_or_misspelt_property_is_called_once(seeded_db):
    # The seeds list ホテル椿山荘東京 and its former name フォーシーズンズホテル椿山荘, a
    # misspelt ホテルニューオタータニ, and Andaz Tokyo as アンダーズ東京 虎ノ門ヒルズ too.
    result = expand(seeded_db, Settings(), "Tokyo luxury hotel", limit=40, save=False)
    names = [p.name for p in result.prospects] + [p.name_local for p in result.prospects]
    assert not ({"ホテル椿山荘東京", "フォーシーズンズホテル椿山荘"} <= set(names))
    assert "ホテルニューオタータニ" not in names
    assert sum("アンダーズ" in n or "Andaz" in n for n in names if n) <= 2  # one row, two names
    assert any("spider review" in note for note in result.notes)
    # Pairs only alike by name stay two rows: Four Seasons Otemachi and Marunouchi.
    assert sum("Four Seasons" in n or "フォーシーズンズ" in n for n in names if n) >= 2


def test_japanese_descriptions_give_the_analysers_words():
    from spider.signals import description_terms

    terms = description_terms("自動車用ワイヤーハーネスおよび電子部品の開発・製造")
    # Words as the analyser splits them, not only whole runs of kanji and their character pairs.
    assert {"ワイヤ", "ハーネス", "電子", "部品"} <= terms  # ワイヤーハーネス is two words
    assert "開発" not in terms  # a word every description uses


def test_an_address_in_two_scripts_meets_on_its_numbers(tmp_path):
    # No coordinates: the Japanese address (with its 〒 code inside) and the English one share
    # the block numbers 5-5-6; the code's digits are not a house number.
    ja = _write(tmp_path / "ja.csv", "名称,住所", [
        "ホテルマイステイズ上野イースト,〒110-0015 東京都台東区東上野5-5-6",
        "ホテルサクラ上野,〒110-0015 東京都台東区東上野1-2-3"])
    en = _write(tmp_path / "en.csv", "Hotel,Address", [
        '"Hotel Mystays Ueno East","5-5-6 Higashiueno, Taito-ku, Tokyo 110-0015"',
        '"Hotel Sakura Ueno","2-7-1 Higashiueno, Taito-ku, Tokyo 110-0015"'])
    db = _ingest(tmp_path, [ja, en])
    assert (_company_of(db, "ホテルマイステイズ上野イースト", "ja.csv")
            == _company_of(db, "Hotel Mystays Ueno East", "en.csv"))
    # One name, two blocks: two hotels.
    assert _company_of(db, "ホテルサクラ上野", "ja.csv") != _company_of(db, "Hotel Sakura Ueno", "en.csv")
    assert db.execute("select postal_code from companies where name = 'ホテルマイステイズ上野イースト'"
                      ).fetchone()[0] in (None, "", "110-0015")


# One place in three lists: Japanese, an English translation, a romanization; and a chain's
# branches (Ichiran) a short walk apart. Modelled on a new user's Osaka lists.
OSAKA_JA = ("名称,住所,電話番号,業種,緯度,経度", [
    "大阪城天守閣,〒540-0002 大阪府大阪市中央区大阪城1-1,06-6941-3044,博物館,34.6873,135.5259",
    "一蘭,〒542-0084 大阪府大阪市中央区宗右衛門町7-18,,ラーメン,34.6689,135.5027",
    "一蘭,〒542-0071 大阪府大阪市中央区道頓堀1-4-16,,ラーメン,34.6686,135.5018",
    "一蘭,〒530-0017 大阪府大阪市北区角田町9-6,,ラーメン,34.7044,135.5006"])
OSAKA_EN = ("Name,Address,City,Lat,Lon,Phone,Category", [
    'Osaka Castle Main Tower,"1-1 Osakajo, Chuo-ku",Osaka,34.6872,135.5258,+81 6-6941-3044,Museum',
    'Ichiran,"7-18 Soemoncho, Chuo-ku",Osaka,34.6688,135.5026,,Ramen',
    'Ichiran,"1-4-16 Dotonbori, Chuo-ku",Osaka,34.6685,135.5017,,Ramen'])
OSAKA_ROMAJI = ("name,location,type,latitude,longitude", [
    'Osaka-jo Tenshukaku,"Chuo-ku, Osaka",museum,34.6873,135.5259',
    'Ichiran Umeda-ten,"Umeda, Osaka",ramen,34.7044,135.5006'])


def _groups(db) -> set[frozenset[str]]:
    by: dict[int, set[str]] = {}
    for name, source, row, company in db.execute(
            "select r.name, r.source, r.source_row, l.company_id from records r join record_links "
            "l on l.record_id = r.id"):  # fmt: skip
        by.setdefault(company, set()).add(f"{name}@{source.rsplit('/', 1)[-1]}:{row}")
    return {frozenset(v) for v in by.values()}


def test_one_place_in_three_lists_whatever_the_order_they_come_in(tmp_path):
    results = []
    for order in (("ja", "en", "romaji"), ("romaji", "en", "ja")):
        folder = tmp_path / "-".join(order)
        folder.mkdir()
        files = {"ja": OSAKA_JA, "en": OSAKA_EN, "romaji": OSAKA_ROMAJI}
        paths = [_write(folder / f"{name}.csv", *files[name]) for name in order]
        db = _ingest(folder, paths)
        groups = _groups(db)
        castle = next(g for g in groups if any(n.startswith("大阪城") for n in g))
        # The translation and the romanization share no word; the Japanese name and the
        # phone and the spot hold all three together.
        assert {n.split("@")[0] for n in castle} == {
            "大阪城天守閣", "Osaka Castle Main Tower", "Osaka-jo Tenshukaku"}
        umeda = next(g for g in groups if any(n.startswith("Ichiran Umeda") for n in g))
        assert {n.split("@")[0] for n in umeda} == {"一蘭", "Ichiran Umeda-ten"}
        # Three Ichiran branches, each its own company.
        assert sum(1 for g in groups if any("一蘭" in n for n in g)) == 3
        results.append(groups)
    assert results[0] == results[1]


def test_a_chains_other_branches_are_not_its_competitors(tmp_path):
    files = {"ja": OSAKA_JA, "en": OSAKA_EN, "romaji": OSAKA_ROMAJI}
    db = _ingest(tmp_path, [_write(tmp_path / f"{n}.csv", *files[n]) for n in files])
    umeda = _company_of(db, "Ichiran Umeda-ten", "romaji.csv")
    result = expand(db, Settings(), f"#{umeda}", limit=10, save=False)
    names = {p.name for p in result.prospects} | {p.name_local for p in result.prospects}
    assert not names & {"一蘭", "Ichiran"}, names  # the same name: the seed's own operator
    assert any("own operator" in note for note in result.notes)


def test_a_place_named_by_its_kind_meets_its_translation_and_its_romaji():
    from spider.resolve.concepts import latin_forms
    from spider.resolve.normalize import normalize_name

    def forms(name: str) -> list[tuple[str, ...]]:
        return latin_forms(normalize_name(name))

    museum = forms("京都国立博物館")[0]
    assert museum in forms("Kyoto National Museum") and museum in forms(
        "Kyoto Kokuritsu Hakubutsukan")
    assert forms("阪急うめだ本店")[0] in forms("Hankyu Umeda Main Store")
    assert set(forms("大阪赤十字病院")[0]) <= set(forms("Japanese Red Cross Osaka Hospital")[0])
    # An English word keeps its own sense: a cafe is no kissaten, a restaurant no diner.
    assert forms("Cafe Bleu") == [("cafe", "bleu")] and "restaurant" in forms("Le Restaurant")[0]


def test_a_leading_the_is_no_legal_form_and_the_site_rules_hold(tmp_path):
    # "The Starbucks Coffee" is a site on a map like "Starbucks Coffee": 780 m apart, two.
    db = _ingest(tmp_path, [
        _write(tmp_path / "a.csv", "name,category,lat,lon", ["Starbucks Coffee,cafe,34.7000,135.5000"]),
        _write(tmp_path / "b.csv", "name,category,lat,lon",
               ["The Starbucks Coffee,cafe,34.7070,135.5000"])])  # fmt: skip
    assert _company_of(db, "Starbucks Coffee", "a.csv") != _company_of(db, "The Starbucks Coffee",
                                                                       "b.csv")


def test_a_bare_chain_name_with_no_place_is_for_a_person_whatever_the_order(tmp_path):
    # Two 一蘭 branches with points; a third list names 一蘭 and Ichiran in Osaka with no point,
    # address or phone. Either could be either branch: held for review, in any file order,
    # and the third list's two rows are two places, never one.
    branches = _write(tmp_path / "branches.csv", "name,category,lat,lon",
                      ["一蘭,ramen,34.668300,135.501000", "一蘭,ramen,34.704700,135.500200"])
    bare = _write(tmp_path / "bare.csv", "name,category,city",
                  ["一蘭,ramen,大阪市", "Ichiran,ramen,大阪市"])
    for order in ([branches, bare], [bare, branches]):
        folder = tmp_path / str(len(list(tmp_path.iterdir())))
        folder.mkdir()
        db = _ingest(folder, order)
        companies = {_company_of(db, name, "bare.csv") for name in ("一蘭", "Ichiran")}
        assert len(companies) == 2
        sites = {row[0] for row in db.execute(
            "select l.company_id from records r join record_links l on l.record_id = r.id "
            "where r.source like '%branches.csv'")}
        assert len(sites) == 2 and not companies & sites
        assert any({p["a"]["source"], p["b"]["source"]} == {str(branches), str(bare)}
                   for p in pending_reviews(db))  # fmt: skip


def test_a_persons_merge_never_undoes_what_the_resolver_joined():
    # A person merged 帝国ホテル大阪 with "Teikoku Hotel Osaka"; the resolver matches
    # "Imperial Hotel Osaka" to the kanji name (100) but not to the romaji one (60). What the
    # person joined counts once, by its best name, so the rebuild keeps all three together.
    from spider.resolve.cluster import cluster
    from spider.resolve.prepare import Weights, prepare_records

    rows = [{"name": "帝国ホテル大阪", "category": "hotel"},
            {"name": "Imperial Hotel Osaka", "category": "hotel"},
            {"name": "Teikoku Hotel Osaka", "category": "hotel"}]
    prepared = prepare_records(rows)
    scored = {(0, 1): 100.0, (1, 2): 60.0}
    joined = cluster(prepared, scored, Weights(prepared), threshold=90, link_threshold=82.5,
                     must_link=[(0, 2)])
    assert joined == [[0, 1, 2]]
    # without the person's merge the romaji name stays out (its only link is the bridge)
    assert cluster(prepared, scored, Weights(prepared), threshold=90,
                   link_threshold=82.5) == [[0, 1], [2]]


def test_review_says_a_merge_joins_the_whole_companies():
    item = {"id": 7, "score": 88.0, "breakdown": {"name": 88.0},
            "a": {"id": 100, "name": "Ichiran", "source": "en.csv"},
            "b": {"id": 195, "name": "一蘭", "source": "mix.csv"},
            "company_a": 42, "size_a": 3, "company_b": 195, "size_b": 1}
    shown = format_review(item)
    assert "#42 (3 records)" in shown and "#195 (1 record)" in shown
    assert "m joins both companies: 4 records in one" in shown


def test_a_persons_keep_apart_holds_against_what_they_merged():
    # Merge A with B, keep B apart from C: the resolver must not join A and C, since the
    # person's merge, applied last, would then put B with C.
    from spider.resolve.records import resolve_records

    rows = [{"name": "Blue Harbor Hotel", "category": "hotel", "city": "Tokyo"},
            {"name": "Blue Harbour Inn Co", "category": "hotel", "city": "Tokyo"},
            {"name": "Blue Harbor Hotel", "category": "hotel", "city": "Tokyo",
             "phone": "03-1111-2222"}]
    result = resolve_records(rows, must_link=[(0, 1)], cannot_link=[(1, 2)])
    assert sorted(result.clusters) == [[0, 1], [2]]
