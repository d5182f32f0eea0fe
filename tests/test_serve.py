"""The web app (`spider serve`) through Flask's test client: sessions, CSRF, roles, what a rep
may reach by URL, and every page's work on the seeds database. Browser tests (headless
Chromium) are in tests/test_browser.py."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import callbacks_due_now

from spider.routing import add_rep, ensure_routing_schema
from spider.serve.app import create_app
from spider.serve.users import add_user

PASSWORD = "correct horse"


@pytest.fixture
def web(private_db, tmp_path: Path) -> dict[str, Any]:
    db = private_db
    for name, role in (("mgr", "manager"), ("sato", "rep"), ("suzuki", "rep"), ("ops", "ops")):
        add_user(db, name, role, PASSWORD)
    path = Path(db.conn.execute("pragma database_list").fetchone()[2])
    app = create_app(path)
    app.config["TESTING"] = True
    return {"app": app, "db": db, "path": path}


def token(client: Any, page: str = "/login") -> str:
    body = client.get(page).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', body)
    assert found, body[:500]
    return found.group(1)


def login(app: Any, name: str) -> Any:
    client = app.test_client()
    resp = client.post("/login", data={"name": name, "password": PASSWORD,
                                       "csrf_token": token(client)})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return client


def test_nothing_but_the_login_page_answers_without_a_session(web: dict[str, Any]) -> None:
    app = web["app"]
    client = app.test_client()
    for rule in app.url_map.iter_rules():
        url = re.sub(r"<int:\w+>", "1", re.sub(r"<\w+>", "x", rule.rule))
        if rule.endpoint in ("login", "static"):
            continue
        if "GET" in rule.methods:
            resp = client.get(url)
            assert resp.status_code == 302 and "/login" in resp.headers["Location"], url
        if "POST" in rule.methods:
            assert client.post(url, data={"x": "1"}).status_code == 401, url
    assert client.get("/login").status_code == 200
    assert client.get("/static/app.css").status_code == 200


def test_passwords_are_hashed_and_a_wrong_one_is_refused(web: dict[str, Any]) -> None:
    stored = [h for h, in web["db"].execute("select password_hash from serve_users")]
    assert stored and all(PASSWORD not in h and h.startswith(("scrypt:", "pbkdf2:"))
                          for h in stored)
    client = web["app"].test_client()
    resp = client.post("/login", data={"name": "sato", "password": "wrong password",
                                       "csrf_token": token(client)})
    assert resp.status_code == 200 and "Wrong name or password" in resp.get_data(as_text=True)
    assert client.get("/today").status_code == 302


def test_every_form_needs_its_csrf_token(web: dict[str, Any]) -> None:
    client = login(web["app"], "sato")
    cid = web["db"].execute("select min(id) from companies").fetchone()[0]
    resp = client.post("/log", data={"company_id": cid, "outcome": "no-answer"})
    assert resp.status_code == 400
    resp = client.post("/log", data={"company_id": cid, "outcome": "no-answer",
                                     "csrf_token": "forged"})
    assert resp.status_code == 400
    assert web["db"].execute("select count(*) from call_log").fetchone()[0] == 0
    # Nor does the login form take a post from another site.
    other = web["app"].test_client()
    assert other.post("/login", data={"name": "sato", "password": PASSWORD}).status_code == 400


def test_search_shows_prospects_and_a_click_logs_the_outcome(web: dict[str, Any]) -> None:
    client = login(web["app"], "sato")
    page = client.get("/?q=Tokyo+five-star+hotel").get_data(as_text=True)
    assert "Prospects for" in page and 'href="tel:' in page and "Would you transfer me" in page
    assert page.count('name="outcome" value="gatekeeper-message"') >= 10
    cid = int(re.search(r'name="company_id" value="(\d+)"', page).group(1))
    resp = client.post("/log", data={"company_id": cid, "outcome": "gatekeeper-message",
                                     "note": "sales manager out", "next": "/?q=x",
                                     "spoke_with": "Ms Ito (front desk)",
                                     "csrf_token": token(client, "/today")})
    assert resp.status_code == 302 and resp.headers["Location"] == "/?q=x"
    row = web["db"].execute("select outcome, note, rep, callback_at from call_log").fetchone()
    assert row[:3] == ("gatekeeper-message", "sales manager out", "sato") and row[3]
    # The day's queue carries the callback (once due); the company page its history.
    callbacks_due_now(web["db"])
    today = client.get("/today").get_data(as_text=True)
    assert "sales manager out" in today and "Ms Ito (front desk)" in today
    assert "gatekeeper: message left" in client.get(f"/company/{cid}").get_data(as_text=True)
    # A redirect never leaves the site.
    resp = client.post("/log", data={"company_id": cid, "outcome": "no-answer",
                                     "next": "https://evil.example/", "csrf_token":
                                     token(client, "/today")})
    assert resp.headers["Location"] == f"/company/{cid}"


def test_a_rep_reaches_no_company_of_another_rep_by_any_url(web: dict[str, Any]) -> None:
    db = web["db"]
    ensure_routing_schema(db)
    add_rep(db, "suzuki", places="Tokyo", capacity=100)
    found = login(web["app"], "mgr").get("/?q=Tokyo+five-star+hotel").get_data(as_text=True)
    theirs = int(re.search(r'name="company_id" value="(\d+)"', found).group(1))
    record = db.execute("select record_id from record_links where company_id = ?",
                        [theirs]).fetchone()[0]
    db.execute("insert into assignments (record_id, rep, assigned_at) values (?, 'suzuki', "
               "'2026-12-01T00:00:00+00:00')", [record])
    sato = login(web["app"], "sato")
    assert sato.get(f"/company/{theirs}").status_code == 404
    resp = sato.post("/log", data={"company_id": theirs, "outcome": "no-answer",
                                   "csrf_token": token(sato, "/today")})
    assert resp.status_code == 404
    page = sato.get("/?q=Tokyo+five-star+hotel").get_data(as_text=True)
    assert f'value="{theirs}"' not in page and f"/company/{theirs}\"" not in page
    web_page = sato.get("/web?q=Tokyo+five-star+hotel").get_data(as_text=True)
    assert f"/company/{theirs}\"" not in web_page
    # Their owner, and a manager, do reach it.
    assert login(web["app"], "suzuki").get(f"/company/{theirs}").status_code == 200
    assert login(web["app"], "mgr").get(f"/company/{theirs}").status_code == 200
    # A rep may not plan, change sources or merge.
    for url in ("/plan", "/sources", "/review", "/users"):
        assert sato.get(url).status_code == 403, url


def test_manager_plans_and_reports_with_charts(web: dict[str, Any]) -> None:
    client = login(web["app"], "mgr")
    resp = client.post("/plan", data={"target": "30000000", "deal_size": "1000000",
                                      "period": "year", "csrf_token": token(client, "/plan")})
    assert resp.status_code == 302
    page = client.get("/plan").get_data(as_text=True)
    assert "30 deals" in page and "7,500 dials" in page and "<svg" in page
    report = client.get("/report").get_data(as_text=True)
    assert "<svg" in report and "Ratios" in report


def test_ops_merges_a_pair_and_reads_a_refresh_diff(web: dict[str, Any], tmp_path: Path) -> None:
    db = web["db"]
    client = login(web["app"], "ops")
    page = client.get("/review").get_data(as_text=True)
    pair = int(re.search(r'action="/review/(\d+)"', page).group(1))
    a, b = db.execute("select record_a, record_b from review_queue where id = ?",
                      [pair]).fetchone()
    resp = client.post(f"/review/{pair}", data={"verdict": "merge",
                                                "csrf_token": token(client, "/review")})
    assert resp.status_code == 302
    conn = sqlite3.connect(web["path"])
    try:
        ca, cb = (conn.execute("select company_id from record_links where record_id = ?",
                               [r]).fetchone()[0] for r in (a, b))
        assert ca == cb
        assert conn.execute("select count(*) from decisions where kind = 'merge'").fetchone()[0]
    finally:
        conn.close()
    # A refresh of a source, and its diff, from the sources page.
    members = tmp_path / "members.csv"
    members.write_text("name,city,country\nKanda Precision,Tokyo,JP\n", encoding="utf-8")
    from spider.ingest import ingest_file
    from spider.pipeline import update
    from spider.settings import Settings

    ingest_file(db, members)
    update(db, Settings())
    members.write_text("name,city,country\nKanda Precision,Tokyo,JP\nOkachi Tools,Tokyo,JP\n",
                       encoding="utf-8")
    source = db.execute("select id from sources where location like '%members.csv'"
                        ).fetchone()[0]
    resp = client.post(f"/sources/{source}/refresh", data={"csrf_token": token(client,
                                                                               "/sources")})
    assert resp.status_code == 302 and "/refresh/" in resp.headers["Location"]
    diff = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Okachi Tools" in diff and ">new<" in diff


def test_japanese_interface_and_the_web_picture(web: dict[str, Any]) -> None:
    client = login(web["app"], "mgr")
    client.post("/lang", data={"lang": "ja", "csrf_token": token(client, "/today")})
    page = client.get("/?q=Tokyo+five-star+hotel").get_data(as_text=True)
    assert "見込み先" in page and "受付: 伝言" in page and 'lang="ja"' in page
    picture = client.get("/web?q=Tokyo+five-star+hotel").get_data(as_text=True)
    assert "<svg" in picture and 'class="node"' in picture


def test_a_website_from_a_file_cannot_run_script_in_the_page(web: dict[str, Any]) -> None:
    db = web["db"]
    cid = db.execute("select min(id) from companies").fetchone()[0]
    db.execute("update companies set website = 'javascript:alert(1)', name = "
               "'<script>alert(2)</script>' where id = ?", [cid])
    page = login(web["app"], "mgr").get(f"/company/{cid}")
    body = page.get_data(as_text=True)
    assert "javascript:alert" not in body.split("</h1>")[1].split("href=")[1][:40]
    assert "<script>alert(2)" not in body
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


# -- from a review of the app (issue 16): each of these failed before it was mended --------


def test_login_never_sends_the_user_to_another_site(web: dict[str, Any]) -> None:
    for target in ("/%09/evil.example", "//evil.example", "/\\evil.example",
                   "https://evil.example/", "/%0d%0aX:%201"):
        client = web["app"].test_client()
        resp = client.post(f"/login?next={target}", data={
            "name": "sato", "password": PASSWORD, "csrf_token": token(client)})
        assert resp.status_code == 302, target
        where = resp.headers["Location"]
        assert where == "/" or (where.startswith("/") and not where.startswith("//")
                                and "evil" not in where), (target, where)
    client = login(web["app"], "sato")
    resp = client.post("/lang", data={"lang": "en", "next": "/\r\nX: 1",
                                      "csrf_token": token(client, "/today")})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


def test_a_login_without_a_session_token_is_refused(web: dict[str, Any]) -> None:
    client = web["app"].test_client()  # no page read first: the session holds no token
    for forged in ("-", "", "x"):
        resp = client.post("/login", data={"name": "sato", "password": PASSWORD,
                                           "csrf_token": forged})
        assert resp.status_code == 400, forged
    assert client.get("/today").status_code == 302


def test_a_session_ends_at_logout_at_a_new_password_and_at_removal(web: dict[str, Any]) -> None:
    from spider.serve.users import remove_user, set_password

    app = web["app"]

    def replay(cookie: str) -> int:
        other = app.test_client()
        other.set_cookie("session", cookie)
        return other.get("/today").status_code

    client = login(app, "sato")
    kept = client.get_cookie("session").value
    assert replay(kept) == 200
    client.post("/logout", data={"csrf_token": token(client, "/today")})
    assert replay(kept) == 302  # the copied cookie names a session that is over
    client = login(app, "sato")
    kept = client.get_cookie("session").value
    set_password(web["db"], "sato", "a new password")
    assert replay(kept) == 302
    client = app.test_client()
    client.post("/login", data={"name": "sato", "password": "a new password",
                                "csrf_token": token(client)})
    kept = client.get_cookie("session").value
    assert replay(kept) == 200
    remove_user(web["db"], "sato")
    assert replay(kept) == 302
    # Removed, then added back: a new password, the calls kept.
    add_user(web["db"], "sato", "rep", "back again!")
    login_back = app.test_client()
    resp = login_back.post("/login", data={"name": "sato", "password": "back again!",
                                           "csrf_token": token(login_back)})
    assert resp.status_code == 302


def test_failed_logins_are_throttled_without_hashing(web: dict[str, Any]) -> None:
    client = web["app"].test_client()
    t = token(client)
    for _ in range(5):
        resp = client.post("/login", data={"name": "sato", "password": "guess", "csrf_token": t})
        assert resp.status_code == 200
    resp = client.post("/login", data={"name": "sato", "password": PASSWORD, "csrf_token": t})
    assert resp.status_code == 429 and "Too many failed logins" in resp.get_data(as_text=True)
    # Another name from another address is not held up by it.
    other = web["app"].test_client()
    resp = other.post("/login", data={"name": "suzuki", "password": PASSWORD,
                                      "csrf_token": token(other)},
                      environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert resp.status_code == 302


def test_an_unknown_name_hashes_no_more_than_a_known_one(monkeypatch: Any) -> None:
    from spider.serve import users

    calls = []
    real = users.generate_password_hash
    monkeypatch.setattr(users, "generate_password_hash",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    users._no_such_user_hash.cache_clear()
    import sqlite3 as sq

    from spider.db import Database

    db = Database(sq.connect(":memory:"))
    users.add_user(db, "known", "rep", PASSWORD)
    calls.clear()
    for _ in range(3):
        assert users.check_login(db, "nobody", "wrong") is None
        assert users.check_login(db, "known", "wrong") is None
    assert len(calls) <= 1  # the stand-in hash, made once


@pytest.mark.parametrize("method,url,data", [
    ("get", "/?q=hotel&n=abc", None),
    ("get", "/?q=hotel&n=-5", None),
    ("get", "/company/99999999999999999999", None),
    ("get", "/refresh/99999999999999999999", None),
    ("post", "/log", {"company_id": "abc", "outcome": "no-answer"}),
    ("post", "/log", {"company_id": "99999999999999999999", "outcome": "no-answer"}),
    ("post", "/company/1/split", {"record_id": "abc"}),
    ("post", "/company/99999999999999999999/split", {"record_id": "1"}),
    ("post", "/review/99999999999999999999", {"verdict": "merge"}),
    ("post", "/sources/99999999999999999999/refresh", {}),
    ("post", "/plan", {"target": "nan", "deal_size": "1"}),
    ("post", "/plan", {"target": "inf", "deal_size": "1"}),
    ("post", "/plan", {"target": "1e400", "deal_size": "1"}),
    ("post", "/plan", {"target": "-5", "deal_size": "1"}),
])
def test_bad_input_is_a_message_never_a_500(web: dict[str, Any], method: str, url: str,
                                            data: dict[str, str] | None) -> None:
    ensure_routing_schema(web["db"])  # the huge id reaches SQLite once assignments exist
    name = "mgr" if url.startswith("/plan") else ("ops" if url.startswith(
        ("/company/1/", "/company/9", "/review", "/sources", "/refresh")) else "sato")
    client = login(web["app"], name)
    if data is not None:
        data = {**data, "csrf_token": token(client, "/today")}
    resp = getattr(client, method)(url, data=data)
    assert resp.status_code < 500, (url, resp.status_code)
    if url == "/?q=hotel&n=-5":
        assert resp.get_data(as_text=True).count('class="card prospect"') <= 200


def test_a_rep_claims_a_search_into_their_queue_and_logs_with_a_callback(
        web: dict[str, Any]) -> None:
    client = login(web["app"], "sato")
    assert "add the results to your queue" in client.get("/today").get_data(as_text=True)
    page = client.get("/?q=Tokyo+five-star+hotel").get_data(as_text=True)
    assert 'action="/claim"' in page
    ids = re.findall(r'<input type="hidden" name="company_id" value="(\d+)">\s*(?=<input|<button)',
                     page.split('action="/claim"')[1].split("</form>")[0])
    assert ids
    resp = client.post("/claim", data={"company_id": ids, "next": "/today",
                                       "csrf_token": token(client, "/today")})
    assert resp.status_code == 302
    today = client.get("/today").get_data(as_text=True)
    assert today.count('class="card prospect"') >= 1
    # Another rep no longer sees what sato took.
    suzuki = login(web["app"], "suzuki")
    assert suzuki.get(f"/company/{ids[0]}").status_code == 404
    # A callback time the rep names, shown in the company's own time zone.
    resp = client.post("/log", data={"company_id": ids[0], "outcome": "gatekeeper-message",
                                     "callback": "2030-01-08 10:00", "note": "x" * 3000,
                                     "csrf_token": token(client, "/today")})
    assert resp.status_code == 302
    note, at = web["db"].execute("select note, callback_at from call_log").fetchone()
    assert len(note) == 2000 and at.startswith("2030-01-08T01:00")  # 10:00 JST
    history = client.get(f"/company/{ids[0]}").get_data(as_text=True)
    assert "Tue 8 Jan 2030 10:00 JST" in history


def test_the_japanese_pages_say_their_own_words(web: dict[str, Any]) -> None:
    client = login(web["app"], "mgr")
    client.post("/lang", data={"lang": "ja", "csrf_token": token(client, "/today")})
    report = client.get("/report").get_data(as_text=True)
    assert "集計開始" in report and "架電" in report and ">dial<" not in report
    sources = client.get("/sources").get_data(as_text=True)
    assert "最終取得" in sources and ">last read<" not in sources
    assert "マネージャー" in client.get("/users").get_data(as_text=True)
    missing = client.get("/company/99999")
    assert missing.status_code == 404 and "見つかりません" in missing.get_data(as_text=True)


def test_the_web_picture_links_no_company_the_rep_may_not_see(web: dict[str, Any]) -> None:
    db = web["db"]
    ensure_routing_schema(db)
    theirs = db.execute("select l.company_id from record_links l join records r on r.id = "
                        "l.record_id where r.name like 'Conrad Tokyo%' limit 1").fetchone()
    assert theirs
    record = db.execute("select record_id from record_links where company_id = ?",
                        [theirs[0]]).fetchone()[0]
    db.execute("insert into assignments (record_id, rep, assigned_at) values (?, 'suzuki', "
               "'2026-12-01T00:00:00+00:00')", [record])
    page = login(web["app"], "sato").get("/web?q=Conrad+Tokyo").get_data(as_text=True)
    assert "<svg" in page and f"/company/{theirs[0]}\"" not in page


def test_a_phone_field_gives_one_number_to_dial() -> None:
    from spider.serve.app import tel_href

    assert tel_href("03-3211-5211") == "tel:0332115211"
    assert tel_href("+81 3-3211-5211 (代表)") == "tel:+81332115211"
    assert tel_href("03-1234-5678 / 03-1234-5679") == "tel:0312345678"
    assert tel_href("03-1234-5678 javascript:alert(1)") == "tel:0312345678"
    assert tel_href("ask at the desk") == ""


# -- from a second look at the mended app --------------------------------------------------


def test_two_workers_starting_at_once_sign_with_one_key(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from spider.db import open_db
    from spider.serve.users import secret_key

    path = tmp_path / "fresh.db"
    open_db(path).conn.close()

    def key(_: int) -> str:
        db = open_db(path)
        try:
            return secret_key(db)
        finally:
            db.conn.close()

    with ThreadPoolExecutor(8) as pool:
        assert len(set(pool.map(key, range(16)))) == 1


@pytest.mark.parametrize("callback", ["tomorrow 25:00", "+99999999h", "9999-12-31 23:59",
                                      "0001-01-01 00:00", "someday"])
def test_a_callback_that_is_no_time_is_a_message(web: dict[str, Any], callback: str) -> None:
    client = login(web["app"], "sato")
    cid = web["db"].execute("select min(id) from companies").fetchone()[0]
    resp = client.post("/log", data={"company_id": cid, "outcome": "no-answer",
                                     "callback": callback, "csrf_token": token(client, "/today")})
    assert resp.status_code == 400, (callback, resp.status_code)
    assert web["db"].execute("select count(*) from call_log").fetchone()[0] == 0


def test_a_plan_needs_a_deal_no_larger_than_the_target(web: dict[str, Any]) -> None:
    client = login(web["app"], "mgr")
    for target, deal in (("1e14", "1e-300"), ("1000", "0.0001"), ("1000", "5000")):
        resp = client.post("/plan", data={"target": target, "deal_size": deal,
                                          "csrf_token": token(client, "/plan")})
        assert resp.status_code == 302 and "above zero" in client.get("/plan").get_data(
            as_text=True), (target, deal)


def test_failures_from_one_address_lock_no_one_else_at_first(web: dict[str, Any]) -> None:
    client = web["app"].test_client()
    t = token(client)
    for _ in range(5):
        client.post("/login", data={"name": "ghost", "password": "x" * 8, "csrf_token": t})
    resp = client.post("/login", data={"name": "sato", "password": PASSWORD, "csrf_token": t})
    assert resp.status_code == 302  # the same office address, another person


def test_only_a_rep_claims_and_never_company_zero_or_an_excluded_one(web: dict[str, Any]) -> None:
    from spider.exclusions import add_exclusion

    db = web["db"]
    first, second = (r[0] for r in db.execute("select id from companies order by id limit 2"))
    add_exclusion(db, f"#{second}", "do-not-call")
    mgr = login(web["app"], "mgr")
    assert mgr.post("/claim", data={"company_id": [first], "csrf_token": token(
        mgr, "/today")}).status_code == 403
    sato = login(web["app"], "sato")
    sato.post("/claim", data={"company_id": ["0", "-5", str(second)],
                              "csrf_token": token(sato, "/today")})
    ensure_routing_schema(db)
    assert db.execute("select count(*) from assignments").fetchone()[0] == 0


def test_full_width_and_two_line_numbers_dial_one_number() -> None:
    from spider.serve.app import tel_href

    assert tel_href("０３－３２１１－５２１１") == "tel:0332115211"
    assert tel_href("03-1234-5678\n03-9999-0000") == "tel:0312345678"


def test_a_callback_late_in_the_month_keeps_its_hour(web: dict[str, Any]) -> None:
    client = login(web["app"], "sato")
    cid = web["db"].execute("select id from companies where country = 'JP' limit 1").fetchone()[0]
    client.post("/log", data={"company_id": cid, "outcome": "gatekeeper-message",
                              "callback": "2030-01-18 09:05", "csrf_token": token(client,
                                                                                  "/today")})
    page = client.get(f"/company/{cid}").get_data(as_text=True)
    assert "Fri 18 Jan 2030 09:05 JST" in page


def test_a_manager_looking_at_the_days_queue_hands_nothing_out(web: dict[str, Any]) -> None:
    from spider.expand import expand
    from spider.settings import Settings

    db = web["db"]
    expand(db, Settings(), "Tokyo five-star hotel", limit=10)  # a saved expansion
    before = db.execute("select count(*) from handed_out").fetchone()[0]
    page = login(web["app"], "mgr").get("/today").get_data(as_text=True)
    assert "Callbacks, the next 12 hours" in page and 'class="card prospect"' in page
    # (a manager opening /today had queued the prospects to themself)
    assert db.execute("select count(*) from handed_out").fetchone()[0] == before
