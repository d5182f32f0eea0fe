"""Enrich: who to ask for and how to reach them, read from each company's own pages, served
from 127.0.0.1 (tests/fixtures/enrich: a Shift_JIS 会社概要 table with a robots.txt that
forbids the staff page, a definition list with a 代表挨拶, an English hotel with schema.org
markup, team cards and a contact page behind a link)."""

from __future__ import annotations

import functools
import re
import sqlite3
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import callbacks_due_now

from spider.cli import main
from spider.contact_facts import buyer_order
from spider.crawl.contacts import link_kind, read_page
from spider.people import drop_bare_family_names, en_name, ja_name, role_of

SITES = Path(__file__).parent / "fixtures" / "enrich"


class _Quiet(SimpleHTTPRequestHandler):
    hits: list[str]

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.hits.append(self.path)
        super().do_GET()


@pytest.fixture
def serve() -> Iterator[Any]:
    """serve(folder) -> (base URL, the paths requested), one server (one host) per site."""
    servers = []

    def start(folder: Path) -> tuple[str, list[str]]:
        hits: list[str] = []
        handler = functools.partial(type("H", (_Quiet,), {"hits": hits}), directory=str(folder))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/", hits

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", str(db), *args])
    return result.exit_code, result.output


@pytest.fixture
def firms(tmp_path: Path, serve: Any) -> dict[str, Any]:
    """A database of the three companies, each with its website on its own local host."""
    sites = {name: serve(SITES / name) for name in ("kaisha", "dl_site", "eng")}
    rows = [("株式会社三河精工", sites["kaisha"][0], "岡崎市", "JP", "precision parts maker"),
            ("青葉税理士事務所", sites["dl_site"][0], "仙台市", "JP", "tax accountant"),
            ("The Harbour Hotel", sites["eng"][0], "Bristol", "GB", "hotel"),
            ("Quay Cafe", "https://www.facebook.com/quaycafe", "Bristol", "GB", "cafe")]
    csv_path = tmp_path / "firms.csv"
    csv_path.write_text("name,website,city,country,category\n"
                        + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    db = tmp_path / "spider.db"
    assert run(db, "init", "--empty")[0] == 0
    assert run(db, "ingest", str(csv_path))[0] == 0
    (tmp_path / "spider.toml").write_text("delay = 0\n", encoding="utf-8")
    return {"db": db, "sites": sites, "config": tmp_path / "spider.toml"}


def facts(db: Path, kind: str | None = None) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "select c.name, f.kind, f.value, f.role, f.url from contact_facts f join record_links "
            "l on l.record_id = f.record_id join companies c on c.id = l.company_id"
            + (" where f.kind = ?" if kind else ""), [kind] if kind else []).fetchall()
    finally:
        conn.close()


def enrich(firms: dict[str, Any], *args: str) -> tuple[int, str]:
    return run(firms["db"], "--config", str(firms["config"]), "enrich", *args)


def test_enrich_reads_each_shape_and_obeys_robots(firms: dict[str, Any]) -> None:
    code, out = enrich(firms, "--company", "1", "--company", "2", "--company", "3")
    assert code == 0, out
    assert "3 visited" in out and "3 phones" in out
    by = {(name, kind): value for name, kind, value, _, _ in facts(firms["db"])
          if kind != "person"}
    # The switchboard, never the fax, the recruiting line or the free reservations number.
    assert by[("株式会社三河精工", "phone")] == "0564-21-3456"
    assert by[("青葉税理士事務所", "phone")] == "022-265-7788"
    assert by[("The Harbour Hotel", "phone")] == "0117 496 0321"  # schema.org's +44 117 496 0321
    assert by[("株式会社三河精工", "postal_code")] == "444-0001"
    assert by[("青葉税理士事務所", "postal_code")] == "980-0811"
    assert by[("The Harbour Hotel", "postal_code")] == "BS1 4SP"
    assert by[("株式会社三河精工", "address")].startswith("愛知県岡崎市明大寺町")
    assert by[("青葉税理士事務所", "address")].startswith("宮城県仙台市青葉区一番町2-3-4")
    people = {(name, value): role for name, _, value, role, _ in facts(firms["db"], "person")}
    assert people[("株式会社三河精工", "伊藤 真理子")] == "取締役営業部長"
    assert people[("株式会社三河精工", "鈴木 一郎")] == "代表取締役社長"
    assert "所長" in people[("青葉税理士事務所", "高橋 美咲")]
    assert people[("The Harbour Hotel", "Daniel Okafor")] == "Director of Sales & Marketing"
    assert people[("The Harbour Hotel", "Claire Hughes")] == "General Manager"
    names = {value for _, value in people}
    # Forbidden by robots.txt, on a recruiting page, a customer, a guest quoting a review.
    assert not names & {"渡辺 健太", "山本 大輔", "田中", "Peter Clark"}
    kaisha_hits = firms["sites"]["kaisha"][1]
    assert "/robots.txt" in kaisha_hits and "/staff/" not in kaisha_hits
    assert "/recruit.html" not in kaisha_hits and "/company/" in kaisha_hits
    # Every fact carries the page it came from.
    assert all(url.startswith("http://127.0.0.1:") for *_, url in facts(firms["db"]))


def test_call_list_today_and_opener_ask_for_the_person_nearest_the_buyer(
        firms: dict[str, Any], tmp_path: Path) -> None:
    assert enrich(firms, "--company", "1", "--company", "3")[0] == 0
    out_csv = tmp_path / "hotels.csv"
    code, out = run(firms["db"], "--config", str(firms["config"]), "expand", "hotel",
                    "-o", str(out_csv))
    assert code == 0, out
    import csv

    rows = list(csv.DictReader(out_csv.open(encoding="utf-8-sig")))
    hotel = next(r for r in rows if r["company"] == "The Harbour Hotel")
    assert hotel["contact"] == "Daniel Okafor" and hotel["contact_role"].startswith("Director")
    assert "Daniel Okafor" in hotel["ask_for"] and hotel["contact_source"].endswith("/team/")
    assert hotel["phone"] == "0117 496 0321"  # none in the file; read from the site
    # A CRM's lead is the person, with their title.
    leads = tmp_path / "leads.csv"
    assert run(firms["db"], "--config", str(firms["config"]), "expand", "hotel", "--profile",
               "salesforce", "-o", str(leads))[0] == 0
    lead = next(r for r in csv.DictReader(leads.open(encoding="utf-8-sig"))
                if r["Company"] == "The Harbour Hotel")
    assert (lead["First Name"], lead["Last Name"], lead["Title"]) == (
        "Daniel", "Okafor", "Director of Sales & Marketing")
    # Another buyer, another person: the general manager.
    code, out = run(firms["db"], "--config", str(firms["config"]), "expand", "hotel",
                    "--format", "json")
    assert "Daniel Okafor" in out
    (tmp_path / "gm.toml").write_text('delay = 0\nbuyer = "general manager"\n', encoding="utf-8")
    code, out = run(firms["db"], "--config", str(tmp_path / "gm.toml"), "expand", "hotel",
                    "--format", "json")
    assert code == 0 and "Claire Hughes" in out and "Daniel Okafor" not in out.split(
        '"ask_for"')[1].split("\n")[0]
    # In Japanese, the opener asks for 役職の氏名様.
    code, out = run(firms["db"], "--config", str(firms["config"]), "expand",
                    "precision parts maker", "--lang", "ja")
    assert code == 0 and "取締役営業部長の伊藤 真理子様におつなぎ" in out, out
    # spider today shows the name and the number found.
    code, out = run(firms["db"], "--config", str(firms["config"]), "today")
    assert "伊藤 真理子, 取締役営業部長" in out and "0564-21-3456" in out


def test_no_people_keeps_no_names(firms: dict[str, Any]) -> None:
    code, out = enrich(firms, "--company", "3", "--no-people")
    assert code == 0, out
    assert facts(firms["db"], "person") == []
    assert {kind for _, kind, *_ in facts(firms["db"])} == {"phone", "address", "postal_code"}


def test_forget_removes_a_person_everywhere_and_for_good(firms: dict[str, Any]) -> None:
    db = firms["db"]
    assert enrich(firms, "--company", "1")[0] == 0
    assert run(db, "log", "1", "gatekeeper", "--contact", "伊藤 真理子",
               "--note", "伊藤 真理子様は外出中")[0] == 0
    code, out = run(db, "forget", "伊藤 真理子", "--yes")
    assert code == 0 and "1 facts" in out, out
    conn = sqlite3.connect(db)
    try:
        kept = conn.execute("select contact, note from call_log").fetchall()
        pages = conn.execute("select body from http_cache").fetchall()
    finally:
        conn.close()
    assert kept and all("伊藤" not in (c or "") + (n or "") for c, n in kept)
    needle = "伊藤 真理子".encode("cp932")
    assert pages and not any(needle in bytes(body) for body, in pages)
    assert all(value != "伊藤 真理子" for _, _, value, _, _ in facts(db, "person"))
    # Visiting the site again does not bring her back.
    assert enrich(firms, "--company", "1", "--again")[0] == 0
    names = {value for _, _, value, _, _ in facts(db, "person")}
    assert "伊藤 真理子" not in names and "鈴木 一郎" in names


def test_a_recent_visit_is_not_repeated_and_an_interrupted_run_resumes(
        firms: dict[str, Any]) -> None:
    from spider.db import open_db
    from spider.enrich import enrich as run_enrich
    from spider.settings import Settings

    db = open_db(firms["db"])
    settings = Settings(delay=0)
    seen: list[int] = []

    def stop_after_first(site: Any, number: int, total: int) -> None:
        seen.append(site.company_id)
        if number == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_enrich(db, settings, [1, 2], progress=stop_after_first)
    hits = firms["sites"]["kaisha"][1]
    before = len(hits)
    report = run_enrich(db, settings, [1, 2])
    assert report.resumed
    assert [s.status for s in report.sites] == ["skipped", "done"]
    assert len(hits) == before  # the first company's site was not asked again
    again = run_enrich(db, settings, [1, 2])
    assert [s.status for s in again.sites] == ["skipped", "skipped"] and again.requests == 0
    db.conn.close()


def test_the_website_is_found_through_the_directory_detail_page(
        tmp_path: Path, serve: Any) -> None:
    own, _ = serve(SITES / "eng")
    directory = tmp_path / "dir"
    directory.mkdir()
    (directory / "index.html").write_text(
        "<html><head><title>Hotels in Bristol</title></head><body><ul>"
        "<li class='hotel'><a href='/harbour.html'>The Harbour Hotel</a> Bristol</li>"
        "<li class='hotel'><a href='/quay.html'>Quay Lodge</a> Bristol</li>"
        "<li class='hotel'><a href='/dock.html'>Dock Inn</a> Bristol</li></ul></body></html>",
        encoding="utf-8")
    for page, name in (("harbour.html", "The Harbour Hotel"), ("quay.html", "Quay Lodge"),
                       ("dock.html", "Dock Inn")):
        link = f"<a href='{own}'>Official website</a>" if page == "harbour.html" else ""
        (directory / page).write_text(f"<html><body><h1>{name}</h1><p>Bristol</p>{link}"
                                      "</body></html>", encoding="utf-8")
    base, _ = serve(directory)
    db = tmp_path / "spider.db"
    assert run(db, "init", "--empty")[0] == 0
    code, out = run(db, "crawl", base, "--delay", "0")
    assert code == 0, out
    code, out = run(db, "enrich", "--company", "The Harbour Hotel", "--delay", "0")
    assert code == 0, out
    assert "0117 496 0321" in out and "Daniel Okafor" in out


def test_a_social_network_page_is_not_the_company_s_own_site(firms: dict[str, Any]) -> None:
    code, out = enrich(firms, "--company", "Quay Cafe")
    assert code == 0 and "1 without a website" in out and "0 requests" in out, out
    code, out = run(firms["db"], "contacts", "Quay Cafe")
    assert "facebook.com, not a site of its own" in out


def test_a_property_on_its_chain_s_site_is_read_under_its_own_path(
        tmp_path: Path, serve: Any) -> None:
    chain = tmp_path / "chain"
    (chain / "hotels" / "bristol").mkdir(parents=True)
    (chain / "about").mkdir()
    (chain / "hotels" / "bristol" / "index.html").write_text(
        "<html><body><h1>Harbourside Bristol</h1><p>TEL 0117 496 0555</p>"
        "<a href='/hotels/bristol/team.html'>Our team</a> <a href='/about/'>About the group</a>"
        "</body></html>", encoding="utf-8")
    (chain / "hotels" / "bristol" / "team.html").write_text(
        "<html><body><p>General Manager: Ruth Ellis</p></body></html>", encoding="utf-8")
    (chain / "about" / "index.html").write_text(
        "<html><body><p>Group Director of Sales: Mark Bloom</p></body></html>", encoding="utf-8")
    base, hits = serve(chain)
    listing = tmp_path / "hotels.csv"
    listing.write_text(f"name,website,city,country\nHarbourside Bristol,{base}hotels/bristol/,"
                       "Bristol,GB\n", encoding="utf-8")
    db = tmp_path / "spider.db"
    assert run(db, "init", "--empty")[0] == 0 and run(db, "ingest", str(listing))[0] == 0
    code, out = run(db, "enrich", "--company", "1", "--delay", "0")
    assert code == 0 and "Ruth Ellis" in out and "0117 496 0555" in out, out
    assert "/about/" not in hits and "Mark Bloom" not in out


def test_bad_requests_get_one_line_errors(firms: dict[str, Any]) -> None:
    code, out = enrich(firms)
    assert code == 1 and "say what to enrich" in out and "Traceback" not in out
    code, out = enrich(firms, "--company", "1", "--buyer", "astronaut")
    assert code == 1 and "buyer" in out and "Traceback" not in out
    code, out = run(firms["db"], "contacts")
    assert code == 0 and "Nothing read yet" in out


# -- the reading rules, one shape at a time -------------------------------------------------


def page(body: str, url: str = "http://example.jp/company/", charset: str = "utf-8",
         own: tuple[str, ...] | list[str] = ()) -> Any:
    html = f"<html><head><meta charset='{charset}'><title>t</title></head><body>{body}</body></html>"
    return read_page(html.encode(charset), url, own=own)


def named(body: str, **kwargs: Any) -> dict[str, str]:
    return {p.name: p.role for p in page(body, **kwargs).people}


def test_role_titles_and_the_buyer() -> None:
    assert role_of("取締役営業部長") == ("sales", 3)
    assert role_of("代表取締役社長")[0] == "ceo"  # type: ignore[index]
    assert role_of("Vice President of Sales")[0] == "sales"  # type: ignore[index]
    assert role_of("President and CEO")[0] == "ceo"  # type: ignore[index]
    assert role_of("人事部 部長")[0] == "hr"  # type: ignore[index]
    assert role_of("Thank you for visiting") is None
    assert buyer_order("director of sales")[:2] == ("sales", "marketing")
    assert buyer_order("人事")[0] == "hr"


def test_names_look_like_names() -> None:
    assert ja_name("山田 太郎") and ja_name("山田太郎氏") and ja_name("阿部 寛")
    assert ja_name("中村 浩二") and ja_name("望月 衣塑子") and ja_name("山田 はな")
    assert not ja_name("営業部") and not ja_name("東京都港区") and not ja_name("お客様")
    # A company writes its customers with 様; an unspaced run of kanji with nothing saying it
    # is a name must start with a common family name; hiragana runs on into a sentence.
    assert not ja_name("田中様") and not ja_name("石田による秋")
    assert ja_name("伊藤真理子", strict=True) and not ja_name("記帳代行", strict=True)
    assert en_name("Dr. Jane Q. Doe") and en_name("Taro Yamada")
    assert en_name("Karen Lindqvist, RDH") == "Karen Lindqvist"
    assert en_name("Michael Porter") and not en_name("Night Porter")
    assert not en_name("Contact Us") and not en_name("Privacy Policy") and not en_name(
        "Grand Hotel")


def test_label_lines_sentences_and_cards() -> None:
    people = named("<p>営業部長：山田 太郎</p><p>佐藤 花子（人事部長）</p>"
                   "<p>本日、営業本部長の田中 健が新製品を発表しました。</p>"
                   "<p>Director of Sales: Jane Doe</p><p>Mark Lee, Purchasing Manager</p>"
                   "<p>\"We grew 20%,\" said John Smith, Vice President of Sales.</p>"
                   "<div><h3>Emma Stone</h3><p>HR Manager</p></div>")
    assert people == {"山田 太郎": "営業部長", "佐藤 花子": "人事部長", "田中 健": "営業本部長",
                      "Jane Doe": "Director of Sales", "Mark Lee": "Purchasing Manager",
                      "John Smith": "Vice President of Sales", "Emma Stone": "HR Manager"}


def test_officer_tables_and_microdata() -> None:
    people = named("<table><tr><th>役職</th><th>氏名</th></tr><tr><td>代表取締役</td>"
                   "<td>中村 浩二</td></tr><tr><td>常務取締役</td><td>小川 恵</td></tr></table>"
                   "<div itemscope itemtype='https://schema.org/Person'><span itemprop='name'>"
                   "Alice Brown</span><span itemprop='jobTitle'>Chief Financial Officer</span>"
                   "</div>")
    assert people == {"中村 浩二": "代表取締役", "小川 恵": "常務取締役",
                      "Alice Brown": "Chief Financial Officer"}


def test_titles_in_compounds_customers_and_bare_family_names() -> None:
    people = named("<p>東京税理士会 麻布支部</p><p>税務顧問・記帳代行</p>"
                   "<p>お客様の声：代表取締役 田中様より</p><p>社外取締役 岡部 修一</p>"
                   "<p>料理長 石田による秋の膳</p><p>料理長　石田 誠</p>"
                   "<div><h3>森本 拓也 Takuya Morimoto</h3><p>代表取締役CEO</p></div>")
    assert people == {"岡部 修一": "社外取締役", "石田 誠": "料理長", "森本 拓也": "代表取締役CEO"}
    kept = drop_bare_family_names([type("P", (), {"name": n})() for n in ("石田", "石田 誠")])
    assert [p.name for p in kept] == ["石田 誠"]


def test_a_footer_gives_the_telephone_not_the_fax() -> None:
    found = page("<footer><p>株式会社サンプル 〒100-0005 東京都千代田区丸の内1-1-1</p>"
                 "<p>TEL 03-1234-5678 / FAX 03-1234-5679</p></footer>")
    best = max(found.phones, key=lambda p: p.score)
    assert best.number == "03-1234-5678" and ("100-0005", "text") in found.postal_codes
    assert found.addresses[0][0].startswith("東京都千代田区丸の内1-1-1")


def test_noise_is_no_person_and_no_phone() -> None:
    found = page("<p>営業部長候補を募集しています</p><p>お客様の声 田中様</p><h2>Sales Team</h2>"
                 "<p>Contact Us | Privacy Policy</p><p>型番 MX-2000-1234</p>"
                 "<p>FAX 03-1234-5679</p><p>採用専用ダイヤル 03-1234-9999</p>")
    assert found.people == []
    assert all(p.score < 0 for p in found.phones)


def test_links_worth_opening() -> None:
    assert link_kind("会社概要", "http://x.jp/about/")[0] == "profile"  # type: ignore[index]
    assert link_kind("Meet the Team", "http://x.com/t")[0] == "team"  # type: ignore[index]
    assert link_kind("お問い合わせ", "http://x.jp/inquiry")[0] == "contact"  # type: ignore[index]
    assert link_kind("", "http://x.jp/company/profile.html")[0] == "profile"  # type: ignore[index]
    assert link_kind("採用情報", "http://x.jp/recruit/") is None
    assert link_kind("Privacy Policy", "http://x.com/privacy") is None


# -- what a review of the first version found -------------------------------------------------


def test_forget_reaches_cached_pages_saved_lists_and_every_spelling(firms: dict[str, Any],
                                                                    ) -> None:
    import zlib

    db = firms["db"]
    assert enrich(firms, "--company", "1", "--company", "2", "--company", "3")[0] == 0
    assert run(db, "--config", str(firms["config"]), "list", "save", "hotels", "hotel")[0] == 0
    assert run(db, "log", "3", "gatekeeper", "--contact", "Daniel Okafor",
               "--note", "daniel okafor out")[0] == 0
    assert run(db, "log", "2", "gatekeeper", "--contact", "小林誠",
               "--note", "小林誠さんは不在")[0] == 0
    # Typed in lower case, the name goes everywhere it was written in any case.
    code, out = run(db, "forget", "daniel okafor", "--yes")
    assert code == 0, out
    conn = sqlite3.connect(db)
    try:
        bodies = [zlib.decompress(b) for b, in conn.execute("select body from http_cache")]
        calls = conn.execute("select contact, note from call_log").fetchall()
        rows = [r for r, in conn.execute("select row from saved_list_members")]
    finally:
        conn.close()
    assert bodies and not any(b"Daniel Okafor" in body for body in bodies)
    assert not any("okafor" in (c or "").lower() + (n or "").lower() for c, n in calls)
    assert rows and not any("Okafor" in row for row in rows)
    code, out = run(db, "list", "export", "hotels", "--format", "json")
    assert "Okafor" not in out
    # A name inside another is not it: forgetting 林 誠 leaves 小林誠 alone.
    assert run(db, "forget", "林 誠", "--yes")[0] == 0
    conn = sqlite3.connect(db)
    try:
        assert ("小林誠", "小林誠さんは不在") in conn.execute(
            "select contact, note from call_log").fetchall()
    finally:
        conn.close()
    code, out = run(db, "forget", "  ", "--yes")
    assert code == 1 and "Traceback" not in out


def test_forget_at_one_company_leaves_the_namesake_at_another(firms: dict[str, Any]) -> None:
    db = firms["db"]
    assert enrich(firms, "--company", "3")[0] == 0
    assert run(db, "log", "3", "gatekeeper", "--contact", "Tom Reed")[0] == 0
    code, out = run(db, "forget", "Tom Reed", "--company", "1", "--yes")
    assert code == 0 and "0 facts" in out and "0 calls" in out, out
    assert enrich(firms, "--company", "3", "--again")[0] == 0
    assert "Tom Reed" in {v for _, _, v, _, _ in facts(db, "person")}


def test_a_new_website_replaces_the_old_site_s_facts_and_a_removed_one_clears_them(
        tmp_path: Path, serve: Any) -> None:
    first, _ = serve(SITES / "eng")
    second_root = tmp_path / "second"
    second_root.mkdir()
    (second_root / "index.html").write_text(
        "<html><body><p>Tel: 0161 496 1111</p><p>Director of Sales: Mary Major</p></body></html>",
        encoding="utf-8")
    second, _ = serve(second_root)
    listing = tmp_path / "firm.csv"
    db = tmp_path / "spider.db"
    assert run(db, "init", "--empty")[0] == 0
    for site in (first, second, ""):
        listing.write_text(f"id,name,website,city\n1,Harbour Hotel,{site},Bristol\n",
                           encoding="utf-8")
        assert run(db, "ingest", str(listing))[0] == 0
        code, out = run(db, "enrich", "--company", "1", "--delay", "0")
        assert code == 0, out
        people = {v for _, _, v, _, _ in facts(db, "person")}
        phones = {v for _, _, v, _, _ in facts(db, "phone")}
        if site == first:
            assert "Daniel Okafor" in people
        elif site == second:
            assert people == {"Mary Major"} and phones == {"0161 496 1111"}
        else:
            assert people == set() and phones == set()


def test_a_recruiting_or_direct_line_behind_a_tel_link_is_not_the_switchboard() -> None:
    from spider.enrich import _phone_pick

    found = page("<p>TEL 0564-21-3456</p><p>採用専用ダイヤル <a href='tel:0564219000'>"
                 "0564-21-9000</a></p><p>直通 <a href='tel:0312349999'>03-1234-9999</a></p>")
    assert _phone_pick([("home", found)])[0] == "0564-21-3456"  # type: ignore[index]


def test_customers_and_other_organisations_people_are_not_the_company_s() -> None:
    people = named("<section class='testimonials'><p>Tom Hill, Sales Manager, Fabrikam</p>"
                   "</section><h2>お客様の声</h2><p>株式会社ABC 購買部長 中村 健一 氏</p>"
                   "<h2>会社概要</h2><p>講師：株式会社XYZ 代表取締役 佐藤 一郎</p>"
                   "<p>Mary Jones, Purchasing Manager, Big Corp</p>"
                   "<p>\"Great,\" said Mark Twain, Chief Executive Officer of Partner Inc.</p>"
                   "<p>株式会社サンプル 代表取締役 鈴木 一郎</p><p>Jane Roe, Director of Sales</p>",
                   own=["株式会社サンプル"])
    assert people == {"鈴木 一郎": "代表取締役", "Jane Roe": "Director of Sales"}


def test_a_family_keeps_both_its_names_and_a_former_title_is_no_one_to_ask() -> None:
    people = named("<table><tr><th>代表取締役社長</th><td>田中 健</td></tr>"
                   "<tr><th>営業部長</th><td>田中 健太</td></tr></table>")
    assert set(people) == {"田中 健", "田中 健太"}
    assert role_of("Former Chief Executive Officer")[0] == "other"  # type: ignore[index]
    assert role_of("Non-Executive Director")[0] == "other"  # type: ignore[index]
    assert role_of("Assistant General Manager")[1] < role_of("General Manager")[1]  # type: ignore[index]


def test_a_redirect_home_narrows_nothing_and_broken_or_missing_pages_cost_little(
        tmp_path: Path, serve: Any) -> None:
    root = tmp_path / "site"
    (root / "company").mkdir(parents=True)
    links = "".join(f"<a href='/page{i}.html'>page {i}</a>" for i in range(40))
    (root / "top.html").write_text(f"<html><body><a href='/company/'>会社概要</a>{links}"
                                   "<p>TEL 06-6541-3321</p></body></html>", encoding="utf-8")
    (root / "index.html").write_text("<html><head><meta http-equiv='refresh' content='0'></head>"
                                     "<body><a href='/top.html'>top</a></body></html>",
                                     encoding="utf-8")
    (root / "company" / "index.html").write_text(
        "<html><body><table><tr><th>代表者</th><td>代表取締役 山本 和夫</td></tr></table>"
        "</body></html>", encoding="utf-8")
    base, hits = serve(root)
    listing = tmp_path / "firm.csv"
    listing.write_text(f"name,website,city,country\n浪速工業,{base}top.html,大阪市,JP\n",
                       encoding="utf-8")
    db = tmp_path / "spider.db"
    assert run(db, "init", "--empty")[0] == 0 and run(db, "ingest", str(listing))[0] == 0
    code, out = run(db, "enrich", "--company", "1", "--delay", "0")
    assert code == 0 and "山本 和夫" in out and "06-6541-3321" in out, out
    # 40 links to pages that are not there: the cap (8 pages) bounds the requests too.
    assert len([h for h in hits if h.startswith("/page")]) <= 16
    code, out = run(db, "contacts", "--csv", str(tmp_path / "no" / "such" / "dir.csv"))
    assert code == 1 and "Traceback" not in out


def test_an_excluded_company_is_called_back_no_more(firms: dict[str, Any]) -> None:
    db = firms["db"]
    assert enrich(firms, "--company", "3")[0] == 0
    assert run(db, "log", "3", "gatekeeper")[0] == 0
    callbacks_due_now(db)
    assert "The Harbour Hotel" in run(db, "today")[1]
    assert run(db, "exclude", "add", "3", "--kind", "do-not-call")[0] == 0
    code, out = run(db, "today")
    assert code == 0 and "The Harbour Hotel" not in out, out


# -- from a new user's trial on their own dental and accounting directory -----------------


def test_the_buyer_given_to_enrich_is_kept_for_every_call_list(firms: dict[str, Any],
                                                               tmp_path: Path) -> None:
    code, out = enrich(firms, "--company", "3", "--buyer", "general manager")
    assert code == 0 and "Buyer kept" in out, out
    code, out = run(firms["db"], "--config", str(firms["config"]), "expand", "hotel",
                    "--format", "json")
    ask = out.split('"ask_for"')[1].split("\n")[0]
    assert code == 0 and "Claire Hughes" in ask, ask  # the general manager, not sales
    # A buyer in the settings file wins over the kept one, and enrich says so.
    sales = tmp_path / "sales.toml"
    sales.write_text('delay = 0\nbuyer = "sales"\n', encoding="utf-8")
    code, out = run(firms["db"], "--config", str(sales), "expand", "hotel", "--format", "json")
    assert "Daniel Okafor" in out.split('"ask_for"')[1].split("\n")[0]
    code, out = run(firms["db"], "--config", str(sales), "enrich", "--company", "3",
                    "--buyer", "hr")
    assert code == 0 and "for this run only" in out


def test_with_no_one_named_the_switchboard_is_asked_for_the_buyer(firms: dict[str, Any],
                                                                 tmp_path: Path) -> None:
    # No site read: the generic ask follows the buyer, not a sales manager.
    for buyer, lang, expected in (("院長", "ja", "院長様におつなぎ"),
                                  ("hr", "en", "your HR manager"),
                                  ("office manager", "en", "your office manager"),
                                  ("sales", "en", "your Director of Sales")):
        config = tmp_path / f"{buyer}.toml"
        config.write_text(f'delay = 0\nbuyer = "{buyer}"\nlanguage = "{lang}"\n',
                          encoding="utf-8")
        code, out = run(firms["db"], "--config", str(config), "expand", "hotel", "-n", "5")
        assert code == 0 and expected in out, (buyer, out)


def test_compound_titles_old_menus_and_a_new_patients_line() -> None:
    assert role_of("Owner & Lead Dentist") == ("ceo", 5)  # both titles: the senior one
    assert role_of("Vice President of Sales") == ("sales", 5)  # one title, not a president
    assert role_of("Practice Administrator")[0] == "gm"
    # An old table layout: a menu cell beside the content cell is no label.
    page = read_page("""<table><tr><td><a href="/">トップ</a><br><a href="/annai">医院案内</a><br>
        <a href="/doctor">院長紹介</a><br><a href="/access">アクセス</a></td><td>
        <p><b>院長　中村 健二</b></p><p><b>歯科医師　中村 美由紀</b></p></td></tr></table>
        """.encode(), "http://127.0.0.1/doctor.html")
    roles = {p.name: p.role for p in page.people}
    assert roles == {"中村 健二": "院長", "中村 美由紀": "歯科医師"}, roles
    # A line for new patients is not the switchboard the main office answers.
    page = read_page(b"""<div>New Patients: <a href="tel:6145550190">(614) 555-0190</a> |
        Current Patients: <a href="tel:6145550188">(614) 555-0188</a></div>
        <ul><li>Main office: (614) 555-0188</li><li>Fax: (614) 555-0189</li></ul>""",
                     "http://127.0.0.1/contact.html")
    best = max(page.phones, key=lambda p: p.score)
    assert re.sub(r"\D", "", best.number).endswith("5550188"), page.phones
