"""Extractors on saved pages: HTML in, record dicts out (no network, no database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from spider.crawl.decode import decode_html
from spider.crawl.extract import extract_detail, extract_page, merge_detail
from spider.crawl.html import strip_page_number
from spider.crawl.recipes import load_recipe, parse_recipe, recipes_dir
from spider.crawl.schemaorg import extract_microdata
from spider.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures" / "crawl"
SCHEMAORG = sorted((FIXTURES / "schemaorg").glob("*.html"))
PAGES = FIXTURES / "pages"


@pytest.mark.parametrize("path", SCHEMAORG, ids=lambda p: p.stem)
def test_microdata_matches_extruct_expected_output(path: Path):
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert extract_microdata(soup, "http://example.com/") == expected


def test_microdata_records_in_field_vocabulary():
    page = extract_page(
        (FIXTURES / "schemaorg" / "LocalBusiness.002.html").read_bytes(), "http://x/r.html"
    )
    [rec] = page.records
    assert rec["name"] == "GreatFood" and rec["category"] == "Restaurant"
    assert rec["phone"] == "(408) 714-1489" and rec["website"] == "http://www.dishdash.com"
    assert (rec["address"], rec["city"], rec["region"], rec["postal_code"]) == (
        "1901 Lemur Ave",
        "Sunnyvale",
        "CA",
        "94086",
    )
    assert rec["servesCuisine"] == "Middle Eastern; Mediterranean"  # unknown keys kept (as extra)
    # A LocalBusiness nested inside an Invoice (its broker) is still a company; the Person is not.
    page = extract_page(
        (FIXTURES / "schemaorg" / "LocalBusiness.003.html").read_bytes(), "http://x/i.html"
    )
    assert [r["name"] for r in page.records] == ["ACME Home Heating"]


def test_jsonld_item_list_graph_and_a_malformed_block():
    page = extract_page(
        (PAGES / "award_list_jsonld.html").read_bytes(), "https://guide.example/awards/tokyo"
    )
    by_name = {r["name"]: r for r in page.records}
    assert set(by_name) == {
        "Hotel Aurora Marunouchi",
        "The Kioi Garden Tokyo",
        "Example Travel Guide K.K.",
        "Hotel Sakura Ginza",
    }
    aurora = by_name["Hotel Aurora Marunouchi"]
    assert aurora["rating"] == "5" and aurora["brand"] == "Aurora" and aurora["lat"] == 35.681
    assert (
        aurora["city"] == "Chiyoda-ku"
        and aurora["country"] == "JP"
        and aurora["postal_code"] == "100-0005"
    )
    assert aurora["source_row"] == "https://guide.example/hotels/aurora"
    assert by_name["The Kioi Garden Tokyo"]["address"] == "4-1 Kioicho, Chiyoda-ku, Tokyo"
    assert by_name["Example Travel Guide K.K."]["group"] == "Example Holdings"
    # The page title already holds both the heading and the section.
    assert by_name["Hotel Sakura Ginza"]["list_title"] == (
        "Star Awards 2026: Five-Star Hotels in Tokyo | Example Travel Guide"
    )
    # The broken block is reported and loses only itself.
    assert len(page.errors) == 1 and page.errors[0].startswith("JSON-LD block 3: not valid JSON")
    assert "Broken Block Hotel" not in by_name
    assert len({r["source_row"] for r in page.records}) == len(page.records)


def test_repeated_cards_skip_navigation_and_a_broken_item():
    page = extract_page(
        (PAGES / "members_cards.html").read_bytes(), "https://assoc.example/members/?page=2"
    )
    assert [r["name"] for r in page.records] == ["Harbor Inn Shinagawa", "Kanda Stay", "Ueno Lodge"]
    assert page.errors == ["item 4: no name where the other items have theirs"]
    harbor, _, ueno = page.records
    assert harbor["phone"] == "03-0000-2001" and harbor["address"] == "2-2-2 Konan, Minato-ku"
    assert (
        harbor["detail_url"] == harbor["source_row"] == "https://assoc.example/members/harbor-inn"
    )
    assert ueno["phone"] == "03-0000-2003" and ueno["website"] == "https://uenolodge.example/"
    assert harbor["list_title"] == "Member hotels — Business hotels"  # heading and section
    assert page.next_links == [
        "https://assoc.example/members/?page=1",
        "https://assoc.example/members/?page=3",
    ]


def test_table_header_detection_key_column_and_layout_tables():
    html = """<html><head><title>Members</title></head><body>
    <table><tr><td><table><tr><td>layout</td></tr></table></td></tr></table>
    <table><tr><th>Company</th><th>Code</th><th colspan="2">Industry</th></tr>
      <tr><td>Alpha K.K.</td><td>1301</td><td>Fishery</td><td><a href="https://alpha.example/">site</a></td></tr>
      <tr><td>Beta Corp</td><td>1332</td><td colspan="2">Foods</td></tr>
      <tr><td></td><td>9999</td><td>no name</td><td></td></tr>
    </table>
    <table><tr><td>会社名</td><td>所在地</td></tr><tr><td>ガンマ株式会社</td><td>大阪市北区</td></tr>
      <tr><td>デルタ株式会社</td><td>札幌市中央区</td></tr></table>
    </body></html>"""
    page = extract_page(html, "http://x/members.html")
    first, second, third, fourth = page.records
    assert (first["name"], first["source_row"], first["industry_label"]) == (
        "Alpha K.K.",
        "1301",
        "Fishery",
    )
    assert first["column 4"] == "site"
    assert second["industry_label"] == "Foods" and "website" not in second  # colspan: first column
    assert (third["name"], third["address"]) == ("ガンマ株式会社", "大阪市北区")
    assert fourth["source_row"] == "table4:row2"  # no key column: table and row number


def test_a_table_row_with_its_own_page_is_known_by_that_page():
    # (a rename on the directory made a new record and left merges and won clients on the
    # old one: the row was known by its content)
    html = """<html><body><table><tr><th>Name</th><th>Address</th><th>Phone</th></tr>
      <tr><td><a href="venue/sushi-sho.html">Sushi Sho Yotsuya</a></td><td>1-11 Yotsuya</td>
          <td>03-3351-6387</td></tr>
      <tr><td><a href="venue/den.html">Den</a></td><td>2-3-18 Jingumae</td><td>03-6455-5433</td></tr>
    </table></body></html>"""
    first, second = extract_page(html, "http://127.0.0.1:8702/restaurants/index.html").records
    assert first["source_row"] == "http://127.0.0.1:8702/restaurants/venue/sushi-sho.html"
    assert second["source_row"] == "http://127.0.0.1:8702/restaurants/venue/den.html"


def test_detail_page_fields_and_merge():
    html = """<html><body><nav><a href="tel:0120-000-000">call us</a></nav><main>
    <h1>Harbor Inn</h1><dl><dt>住所</dt><dd>〒108-0075 東京都港区港南2-2-2</dd><dt>TEL</dt><dd>03-0000-2001</dd></dl>
    <a href="https://harbor.example/">公式サイト</a></main></body></html>"""
    detail = extract_detail(html, "https://assoc.example/members/harbor-inn")
    assert detail == {
        "address": "東京都港区港南2-2-2",
        "phone": "03-0000-2001",
        "website": "https://harbor.example/",
        "postal_code": "108-0075",
    }
    merged = merge_detail({"name": "Harbor Inn", "phone": "03-1111-1111"}, detail)
    assert merged["phone"] == "03-1111-1111" and merged["website"] == "https://harbor.example/"


JP_TEXT = "東京ホテルガイド：池袋のビジネスホテル一覧、ホテル髙砂と①番館（電話 03-0000-0101）"


@pytest.mark.parametrize("codec", ["cp932", "euc_jp", "utf-8"])
@pytest.mark.parametrize("where", ["header", "meta", "none"])
def test_charsets_decode_from_header_meta_or_sniffing(codec: str, where: str):
    text = JP_TEXT if codec == "cp932" else JP_TEXT.replace("髙", "高").replace("①", "1")
    label = {"cp932": "Shift_JIS", "euc_jp": "EUC-JP", "utf-8": "UTF-8"}[codec]
    meta = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={label}">'
        if where == "meta"
        else ""
    )
    body = f"<html><head>{meta}<title>一覧</title></head><body><p>{text}</p></body></html>".encode(
        codec
    )
    ctype = f"text/html; charset={label}" if where == "header" else "text/html"
    decoded, used = decode_html(body, ctype)
    assert text in decoded


def test_charset_header_wins_and_a_wrong_label_is_sniffed():
    body = "<meta charset='utf-8'><p>帝国ホテル</p>".encode("cp932")
    assert "帝国ホテル" in decode_html(body, "text/html; charset=Shift_JIS")[0]
    assert "帝国ホテル" in decode_html(body, None)[0]  # meta says utf-8, bytes are not: sniffed


@given(st.binary(max_size=400))
def test_decode_html_never_raises(data: bytes):
    text, codec = decode_html(data, None)
    assert isinstance(text, str) and codec


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Business hotels in Ikebukuro (page 2)", "Business hotels in Ikebukuro"),
        ("Members - Page 3 of 12 | Assoc", "Members | Assoc"),
        ("池袋のビジネスホテル（2ページ目） | ガイド", "池袋のビジネスホテル | ガイド"),
        ("新宿のシティホテル - 2/5 | ガイド", "新宿のシティホテル | ガイド"),
        ("Forbes Five-Star 2024", "Forbes Five-Star 2024"),
    ],
)
def test_list_titles_lose_page_numbers(title: str, expected: str):
    assert strip_page_number(title) == expected
    assert strip_page_number(expected) == expected


def test_shipped_recipes_load_and_bad_recipes_say_why(tmp_path: Path):
    names = sorted(p.stem for p in recipes_dir().glob("*.toml"))
    assert names == ["fdic_failed_banks", "hotel_guide_cards"]
    for name in names:
        assert load_recipe(name).fields["name"].css
    with pytest.raises(InputError, match="bad selector"):
        parse_recipe({"item": "li", "fields": {"name": "h3[", "phone": "x"}}, "r.toml")
    with pytest.raises(InputError, match="name selector"):
        parse_recipe({"item": "li", "fields": {"phone": ".tel"}}, "r.toml")
    with pytest.raises(InputError, match="unknown keys"):
        parse_recipe({"item": "li", "fields": {"name": "h3"}, "itme": "x"}, "r.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("item = [", encoding="utf-8")
    with pytest.raises(InputError, match="not valid TOML"):
        load_recipe(bad)


def test_the_last_page_of_two_cards_is_a_list_and_a_detail_table_is_no_list():
    # (the last page's two shops had been lost, and a shop's own page read as a list of
    # companies named ジャンル, 住所, 電話番号)
    last = """<html><head><title>東京 グルメガイド (3ページ目)</title></head><body>
    <h1>東京都のおすすめレストラン</h1><div class="shop-list">
      <div class="shop-card"><h3 class="shop-name"><a href="shop/1011.html">NARISAWA</a></h3>
        <p class="shop-meta"><span class="area">青山一丁目</span> /
        <span class="genre">イノベーティブ・フュージョン</span></p></div>
      <div class="shop-card"><h3 class="shop-name"><a href="shop/1012.html">らーめん 弁天</a></h3>
        <p class="shop-meta"><span class="area">早稲田</span> / <span class="genre">ラーメン</span></p>
      </div></div>
    <div class="pager"><a href="index.html">1</a> <a href="list2.html">2</a> <span>3</span></div>
    </body></html>"""
    page = extract_page(last, "http://127.0.0.1:8701/gourmet/tokyo/list3.html")
    assert [(r["name"], r.get("category")) for r in page.records] == [
        ("NARISAWA", "イノベーティブ・フュージョン"), ("らーめん 弁天", "ラーメン")]
    detail = """<html><head><title>NARISAWA</title></head><body><h1>NARISAWA</h1><table>
      <tr><th>店名</th><td>NARISAWA</td></tr><tr><th>ジャンル</th><td>フレンチ</td></tr>
      <tr><th>住所</th><td>東京都港区南青山2-6-15</td></tr>
      <tr><th>電話番号</th><td>03-5785-0799</td></tr><tr><th>定休日</th><td>日曜</td></tr>
    </table></body></html>"""
    assert extract_page(detail, "http://127.0.0.1:8701/gourmet/tokyo/shop/1011.html").records == []


def test_a_detail_pages_map_link_is_no_part_of_the_address():
    """A Japanese guide's 所在地 cell ends in a link 「地図を見る」: it went into the address,
    the call list and a CRM's import; an English one's "(View map)" likewise."""
    html = """<html><body><h1>鮨 はらだ</h1><dl>
    <dt>所在地</dt><dd>大阪府大阪市北区曽根崎新地1-2-8 北新地センタービル4F
      <a href="https://maps.google.com/?q=34.69,135.49">地図を見る</a></dd>
    <dt>電話番号</dt><dd>06-6341-0001</dd></dl>
    <table><tr><th>Website</th><td><a href="https://sushi-harada.example.jp/">sushi-harada.example.jp</a></td></tr></table>
    </body></html>"""
    detail = extract_detail(html, "https://guide.example/shop/s001.html")
    assert detail["address"] == "大阪府大阪市北区曽根崎新地1-2-8 北新地センタービル4F", detail
    english = extract_detail("<html><body><table><tr><th>Address</th><td>12 High Street, Leeds "
                             "LS1 4AP <a href='/map/12'>(View map)</a></td></tr><tr><th>Phone</th>"
                             "<td>0113 496 0000</td></tr></table></body></html>",
                             "https://guide.example/venue/12")
    assert english["address"] == "12 High Street, Leeds LS1 4AP", english
