"""The web app in a real browser: Debian's headless Chromium driven through its chromedriver
(selenium), against `spider serve`'s app under Waitress on 127.0.0.1: a rep searches, logs
an outcome with one click and finds the callback in the day's queue; sales ops merges a
duplicate and reads a refresh diff; the pages fit a phone's screen. Screenshots go to
$SPIDER_SCREENSHOTS when it is set (docs/screenshots holds the ones looked at).

Skipped where Chromium is not installed: `apt-get install chromium chromium-driver`
(.ci/run installs them).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import callbacks_due_now

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                reason="needs Debian's chromium and chromium-driver")
PASSWORD = "correct horse"


@pytest.fixture
def server(private_db, tmp_path: Path) -> Iterator[dict[str, Any]]:
    from waitress import create_server

    from spider.serve.app import create_app
    from spider.serve.users import add_user

    db = private_db
    for name, role in (("sato", "rep"), ("ops", "ops"), ("mgr", "manager")):
        add_user(db, name, role, PASSWORD)
    path = Path(db.conn.execute("pragma database_list").fetchone()[2])
    served = create_server(create_app(path), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{served.effective_port}", "db": db, "path": path}
    served.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--lang=en-US"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def shot(driver: Any, name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.png"
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000  # a page was drawn, not a blank
    keep = os.environ.get("SPIDER_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)


def log_in(driver: Any, url: str, name: str) -> None:
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()
    driver.get(url + "/login")
    driver.find_element(By.NAME, "name").send_keys(name)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert driver.find_element(By.CSS_SELECTOR, "header .who").text.startswith(name)


def test_a_rep_searches_logs_with_one_click_and_finds_the_callback(
        server: dict[str, Any], browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    url = server["url"]
    browser.get(url + "/today")
    assert "/login" in browser.current_url  # nothing without a session
    log_in(browser, url, "sato")
    box = browser.find_element(By.NAME, "q")
    box.send_keys("Tokyo five-star hotel")
    box.submit()
    cards = browser.find_elements(By.CSS_SELECTOR, "li.prospect")
    assert len(cards) >= 10
    first = next(c for c in cards if c.find_elements(By.CSS_SELECTOR, "a.phone"))
    name = first.find_element(By.CSS_SELECTOR, "a.name").text.split(". ", 1)[1]
    assert first.find_element(By.CSS_SELECTOR, "a.phone").get_attribute("href").startswith("tel:")
    assert "Would you transfer me" in first.text
    shot(browser, "search", tmp_path)
    first.find_element(By.CSS_SELECTOR, "button[value=gatekeeper-message]").click()
    flash = browser.find_element(By.CSS_SELECTOR, ".flash").text
    assert "Logged" in flash and "gatekeeper: message left" in flash and "call back" in flash
    count = server["db"].execute("select count(*) from call_log where rep = 'sato'").fetchone()[0]
    assert count == 1
    callbacks_due_now(server["db"])  # at some hours, the callback falls tomorrow morning
    browser.find_element(By.LINK_TEXT, "Today").click()
    callbacks = browser.find_elements(By.CSS_SELECTOR, "li.callback")
    assert any(name in c.text for c in callbacks)
    shot(browser, "today", tmp_path)
    # On a phone's screen the page fits its width, buttons and all.
    browser.set_window_size(390, 844)
    browser.get(url + "/?q=Tokyo+five-star+hotel")
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 400
    shot(browser, "search-phone", tmp_path)


def test_ops_merges_a_duplicate_and_reads_a_refresh_diff(
        server: dict[str, Any], browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from spider.ingest import ingest_file
    from spider.pipeline import update
    from spider.settings import Settings

    db = server["db"]
    members = tmp_path / "members.csv"
    members.write_text("name,city,country\nKanda Precision,Tokyo,JP\n", encoding="utf-8")
    ingest_file(db, members)
    update(db, Settings())
    members.write_text("name,city,country\nKanda Precision,Tokyo,JP\nOkachi Tools,Tokyo,JP\n",
                       encoding="utf-8")
    url = server["url"]
    log_in(browser, url, "ops")
    browser.find_element(By.LINK_TEXT, "Duplicates").click()
    pairs = browser.find_elements(By.CSS_SELECTOR, "section.pair")
    assert pairs
    merged = pairs[0].get_attribute("id")
    shot(browser, "review", tmp_path)
    pairs[0].find_element(By.CSS_SELECTOR, "button[value=merge]").click()
    asked = browser.switch_to.alert  # a merge asks first
    assert "Merge" in asked.text
    asked.accept()
    assert browser.find_element(By.CSS_SELECTOR, ".flash").text
    assert merged not in [p.get_attribute("id") for p in
                          browser.find_elements(By.CSS_SELECTOR, "section.pair")]
    review_id = int(merged.removeprefix("pair"))
    assert db.execute("select status from review_queue where id = ?",
                      [review_id]).fetchone()[0] == "merge"
    browser.find_element(By.LINK_TEXT, "Sources").click()
    row = next(r for r in browser.find_elements(By.CSS_SELECTOR, "tbody tr")
               if "members.csv" in r.text)
    row.find_element(By.TAG_NAME, "button").click()
    WebDriverWait(browser, 30).until(lambda d: "/refresh/" in d.current_url)
    diff = browser.find_element(By.CSS_SELECTOR, "table.diff").text
    assert "Okachi Tools" in diff and "new" in diff
    shot(browser, "refresh-diff", tmp_path)
    # The spider web: companies are links to their pages.
    browser.get(url + "/web?q=Tokyo+five-star+hotel")
    nodes = browser.find_elements(By.CSS_SELECTOR, ".web a.node")
    assert len(nodes) >= 10
    shot(browser, "web", tmp_path)


def test_the_japanese_interface(server: dict[str, Any], browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url = server["url"]
    log_in(browser, url, "mgr")
    browser.find_element(By.CSS_SELECTOR, "button[name=lang]").click()
    WebDriverWait(browser, 10).until(
        lambda d: d.execute_script("return document.documentElement.lang") == "ja")
    browser.get(url + "/?q=東京 五つ星ホテル")
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "li.prospect"))
    assert "見込み先" in browser.find_element(By.TAG_NAME, "h1").text
    assert browser.find_elements(By.CSS_SELECTOR, "button[value=gatekeeper-message]")[0].text \
        == "受付: 伝言"
    shot(browser, "search-ja", tmp_path)


def test_enter_in_a_note_logs_nothing_and_the_web_zooms_by_button(
        server: dict[str, Any], browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url = server["url"]
    log_in(browser, url, "sato")
    browser.get(url + "/?q=Tokyo+five-star+hotel")
    card = browser.find_elements(By.CSS_SELECTOR, "li.prospect")[0]
    card.find_element(By.CSS_SELECTOR, "details summary").click()
    contact = card.find_element(By.NAME, "contact")
    contact.send_keys("Mr Tanaka" + Keys.ENTER)  # a rep's reflex: type, press Enter
    card.find_element(By.NAME, "note").send_keys("out until 3pm" + Keys.ENTER)
    assert server["db"].execute("select count(*) from call_log").fetchone()[0] == 0
    card.find_element(By.CSS_SELECTOR, "button[value=gatekeeper-message]").click()
    assert "Logged" in browser.find_element(By.CSS_SELECTOR, ".flash").text  # the page came
    row = server["db"].execute("select outcome, contact, note from call_log").fetchone()
    assert row == ("gatekeeper-message", "Mr Tanaka", "out until 3pm")
    # The spider web on a phone: the + button zooms in (no wheel, no pinch needed).
    browser.set_window_size(390, 844)
    browser.get(url + "/web?q=Tokyo+five-star+hotel")
    width = browser.execute_script("return document.querySelector('.web svg').viewBox.baseVal"
                                   ".width")
    browser.find_element(By.CSS_SELECTOR, "[data-zoom=in]").click()
    after = browser.execute_script("return document.querySelector('.web svg').viewBox.baseVal"
                                   ".width")
    assert after < width * 0.8
