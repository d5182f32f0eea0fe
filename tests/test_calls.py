"""The call desk: the call log, callbacks that persist past the gatekeeper within the
prospect's business hours and holidays, the day's queue, and the log in and out as CSV."""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from conftest import built_db, callbacks_due_now

from spider.calls import is_working_day, log_call, within_hours, zone_of
from spider.cli import main
from spider.settings import Settings

TOKYO = ZoneInfo("Asia/Tokyo")


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", str(db), *args])
    return result.exit_code, result.output


def test_a_callback_waits_for_business_hours_weekends_and_japanese_holidays() -> None:
    assert zone_of("JP").key == "Asia/Tokyo" and zone_of("US").key.startswith("America/")
    hours = (datetime(2027, 1, 1, 9).time(), datetime(2027, 1, 1, 18).time())
    # Friday 8 January 2027, 16:30 in Tokyo, plus three hours: after closing; Saturday and
    # Sunday are no working days and Monday the 11th is Coming of Age Day (成人の日).
    friday = datetime(2027, 1, 8, 16, 30, tzinfo=TOKYO) + (datetime(2027, 1, 1, 3) -
                                                           datetime(2027, 1, 1, 0))
    assert not is_working_day(datetime(2027, 1, 11).date(), "JP")
    assert is_working_day(datetime(2027, 1, 11).date(), "US")
    when = within_hours(friday.astimezone(UTC), "JP", hours).astimezone(TOKYO)
    assert (when.date().isoformat(), when.hour, when.minute) == ("2027-01-12", 9, 0)
    # Early on a working morning: the same day, at opening time.
    early = within_hours(datetime(2027, 1, 13, 6, 0, tzinfo=TOKYO), "JP", hours)
    assert early.astimezone(TOKYO).hour == 9 and early.astimezone(TOKYO).day == 13


def test_callbacks_persist_until_the_decision_maker_answers(private_db) -> None:
    db = private_db
    settings = Settings(callback_attempts=3)
    start = datetime(2027, 1, 13, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo, a Wednesday
    first = log_call(db, settings, "Palace Hotel Tokyo", "gatekeeper-message",
                     note="sales manager out", now=start)
    assert first.attempt == 1
    assert datetime.fromisoformat(first.callback_at or "").astimezone(TOKYO).hour == 13
    second = log_call(db, settings, "Palace Hotel Tokyo", "transfer refused", now=start)
    third = log_call(db, settings, "Palace Hotel Tokyo", "no answer", now=start)
    assert (second.attempt, third.attempt) == (2, 3)
    assert second.callback_at and third.callback_at is None  # the attempts ran out
    reached = log_call(db, settings, "パレスホテル東京", "reached", contact="佐藤 営業部長",
                       now=start)
    assert reached.callback_at is None and reached.company_id == first.company_id
    again = log_call(db, settings, "Palace Hotel Tokyo", "gatekeeper-message", now=start)
    assert again.attempt == 1 and again.callback_at  # a new round after the contact
    chosen = log_call(db, settings, "Palace Hotel Tokyo", "gatekeeper-message",
                      callback="tomorrow 15:30", now=start)
    local = datetime.fromisoformat(chosen.callback_at or "").astimezone(TOKYO)
    assert (local.day, local.hour, local.minute) == (14, 15, 30)


def test_the_log_drives_exclusions_won_clients_and_the_days_queue(private_db_path,
                                                                  tmp_path) -> None:
    db = private_db_path
    assert run(db, "expand", "Tokyo five-star hotel", "-n", "10")[0] == 0
    code, out = run(db, "log", "Palace Hotel Tokyo", "gatekeeper-message", "--note",
                    "sales manager out", "--contact", "Mr Sato, sales manager",
                    "--spoke-with", "receptionist, Ms Ito", "--callback", "+0h")
    assert code == 0, out
    assert "gatekeeper: message left (attempt 1)" in out and "call back" in out
    assert run(db, "log", "Conrad Tokyo", "do-not-call")[0] == 0
    assert "Conrad Tokyo" in run(db, "exclude", "list")[1]
    assert run(db, "log", "The Peninsula Tokyo", "won")[0] == 0
    assert "The Peninsula Tokyo" in run(db, "won", "--list")[1]
    callbacks_due_now(db)  # '+0h' is tomorrow morning after the prospect's hours
    code, out = run(db, "today", "-n", "5")
    assert code == 0, out
    callbacks, _, fresh = out.partition("New prospects")
    assert "Callbacks due now (1)" in callbacks and "sales manager out" in callbacks
    assert "ask for Mr Sato" in callbacks and "receptionist, Ms Ito answered" in callbacks
    assert "Palace Hotel" not in fresh and "Conrad" not in fresh and "Peninsula" not in fresh
    assert fresh.count("[A]") + fresh.count("[B]") + fresh.count("[C]") == 5
    # A company called lately is no new prospect of expand either.
    assert "Palace Hotel Tokyo" not in run(db, "expand", "Tokyo five-star hotel", "-n", "25")[1]
    # Out as CSV and into another database.
    exported = tmp_path / "calls.csv"
    assert run(db, "calls", "export", str(exported))[0] == 0
    with open(exported, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["outcome"] for r in rows] == ["gatekeeper-message", "do-not-call", "won"]
    assert rows[0]["spoke_with"] == "receptionist, Ms Ito"
    other = tmp_path / "other.db"
    run(other, "graph", "stats")  # built from the seeds
    exported.write_text(exported.read_text(encoding="utf-8-sig").replace(
        ",won,", ",sometimes,", 1) + "2026-12-01T00:00:00+00:00,,No Such Hotel,reached,,,,,\n",
        encoding="utf-8")
    code, out = run(other, "calls", "import", str(exported))
    assert code == 0, out
    assert "2 calls logged, 2 rows left out" in out
    assert "not an outcome" in out and "not in the database" in out
    assert "message left (receptionist, Ms Ito answered)" in run(other, "calls")[1]
    assert run(db, "log", "Palace Hotel Tokyo", "sometimes")[1].startswith("Error: 'sometimes'")


def test_not_now_goes_to_nurture_and_comes_back_when_due(private_db_path, tmp_path) -> None:
    from spider.db import open_db

    db_path = private_db_path
    # (hotels outside Osaka match in part: C)
    assert run(db_path, "expand", "hotel Osaka", "-n", "80")[0] == 0
    db = open_db(db_path)
    long_ago = datetime(2026, 1, 15, 2, 0, tzinfo=UTC)
    log_call(db, Settings(), "Palace Hotel Tokyo", "not-now", note="budget next year",
             now=long_ago)
    spent = Settings(callback_attempts=1)
    log_call(db, spent, "Conrad Tokyo", "gatekeeper-refused-name", now=datetime.now(UTC))
    db.conn.close()
    code, out = run(db_path, "nurture")
    assert code == 0, out
    assert "said not now" in out and "no decision maker after 1 attempts" in out
    assert "low priority (C)" in out  # C prospects are nurtured, not called
    code, out = run(db_path, "nurture", "--due")
    assert "Palace" in out or "パレスホテル" in out
    assert "Conrad" not in out  # its next touch is three months away
    exported = tmp_path / "nurture.csv"
    assert run(db_path, "nurture", "--export", str(exported))[0] == 0
    with open(exported, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {"company", "phone", "website", "why", "next_touch"} <= set(rows[0])
    code, out = run(db_path, "today", "-n", "5")
    back, _, fresh = out.partition("New prospects")
    assert "Back from nurture (1)" in back and "said not now" in back
    assert "[C]" not in fresh


def test_expand_more_never_hands_out_a_company_twice(private_db_path, tmp_path) -> None:
    db = private_db_path
    query = "Tokyo five-star hotel"

    def companies(*args: str) -> list[int]:
        code, out = run(db, "expand", query, "--format", "json", *args)
        assert code == 0, out
        doc = out[out.index("{"):]
        import json

        return [p["company_id"] for p in json.loads(doc)["prospects"]]

    first = companies("-n", "5")
    assert run(db, "expand", query, "-n", "5", "-o", str(tmp_path / "calls.csv"))[0] == 0
    assert run(db, "log", f"#{companies('-n', '6')[5]}", "no-answer")[0] == 0
    code, out = run(db, "today", "-n", "2")  # queues two more
    assert code == 0, out
    queued = {int(line.split("#")[1].split()[0]) for line in
              out.partition("New prospects")[2].splitlines() if "#" in line}
    assert len(queued) == 2
    more = companies("-n", "10", "--more")
    assert not set(first) & set(more)
    assert not queued & set(more)
    assert len(more) == 10
    # (and says so: an empty answer had claimed no other company shares the kind)
    code, out = run(db, "expand", query, "-n", "3", "--more")
    assert "already handed out or called (--more)" in out, out
    assert run(db, "log", "--callback", "sat 10:00", f"#{more[0]}", "gatekeeper-message")[0] == 0


def test_the_plan_works_back_from_the_target_with_ratios_learned_from_the_log(
        private_db_path, tmp_path) -> None:
    from spider.db import open_db
    from spider.plan import make_plan

    db_path = private_db_path
    code, out = run(db_path, "plan", "--target", "30000000", "--deal-size", "1000000")
    assert code == 0, out
    assert "30 deals <- 150 meetings <- 750 contacts <- 7,500 dials" in out
    assert "default: 0 dials logged" in out
    # Forty dials to hotels: eight reach the decision maker, two of those book a meeting.
    code, out = run(db_path, "expand", "hotel", "-n", "40", "--format", "json")
    import json

    ids = [p["company_id"] for p in json.loads(out[out.index("{"):])["prospects"]]
    db = open_db(db_path)
    now = datetime.now(UTC)
    for n, company in enumerate(ids):
        outcome = "reached" if n < 8 else "no-answer"
        log_call(db, Settings(), f"#{company}", outcome, now=now)
    for company in ids[:2]:
        log_call(db, Settings(), f"#{company}", "meeting-booked", now=now)
    made = make_plan(db, 30_000_000, 1_000_000)
    by_step = {r.step: r for r in made.ratios}
    assert by_step["dial"].learned and abs(by_step["dial"].value - 8 / 42) < 1e-9
    assert not by_step["contact"].learned  # 8 contacts: 10 needed
    assert made.dials == -(-made.contacts * 42 // 8)  # contacts / (8 of 42 dials)
    db.conn.close()
    ics = tmp_path / "calls.ics"
    code, out = run(db_path, "--config", str(_ja_config(tmp_path)), "plan", "--target",
                    "30000000", "--deal-size", "1000000", "--ics", str(ics), "--weeks", "8")
    assert code == 0, out
    text = ics.read_text(encoding="utf-8")
    days = [datetime.strptime(line[8:16], "%Y%m%d").date() for line in text.splitlines()
            if line.startswith("DTSTART:")]
    assert days and all(is_working_day(day, "JP") for day in days)
    assert text.count("BEGIN:VEVENT") == len(days) <= 40
    # each block ends the day it starts, by the end of the working day (a month's 500 dials
    # a day had made blocks of 25 hours, each over the next)
    from datetime import date

    from spider.plan import write_ics

    busy = tmp_path / "busy.ics"
    write_ics(make_plan(open_db(db_path), 60_000, 1_500, "month"), busy, start=date(2026, 12, 7),
              weeks=1, country="US")
    lines = busy.read_text(encoding="utf-8").splitlines()
    starts = [line for line in lines if line.startswith("DTSTART:")]
    ends = [line for line in lines if line.startswith("DTEND:")]
    assert starts and all(end[6:14] == start[8:16] and end[15:17] <= "18"
                          for start, end in zip(starts, ends, strict=True)), ends
    code, out = run(db_path, "report", "--week")
    assert code == 0, out
    assert "dials: 42 of" in out and "meetings: 2 of" in out
    # the month's meetings against the plan's own number, not a rule of thumb beside it
    assert re.search(r"Meetings this month: \d+ of \d+(\.\d)? planned", out), out
    assert "a good month is about twenty" not in out
    assert "This month" in run(db_path, "report", "--month")[1]
    assert "Leads handed out and never called" in out


def _ja_config(folder: Path) -> Path:
    path = folder / "spider.toml"
    path.write_text('[spider]\nlanguage = "ja"\n', encoding="utf-8")
    return path


def test_leads_are_routed_by_territory_then_in_turn_and_carry_their_owner(private_db_path,
                                                                          tmp_path) -> None:
    db = private_db_path
    assert run(db, "reps", "add", "Sato", "--places", "Tokyo", "--industries", "hotel",
               "--capacity", "6")[0] == 0
    assert run(db, "reps", "add", "Suzuki", "--capacity", "50")[0] == 0
    assert run(db, "reps", "add", "Tanaka", "--capacity", "50")[0] == 0
    assert run(db, "expand", "Tokyo five-star hotel", "-n", "20")[0] == 0
    code, out = run(db, "assign")
    assert code == 0, out
    assert "Sato: 6 leads" in out  # the territory first, up to the rep's capacity
    assert "Suzuki: 7 leads" in out and "Tanaka: 7 leads" in out  # the rest in turn
    code, out = run(db, "reps")
    assert "6 of 6 open leads" in out and "tokyo; hotel" in out
    assert "Nothing to assign" in run(db, "assign")[1]
    path = tmp_path / "calls.csv"
    assert run(db, "expand", "Tokyo five-star hotel", "-n", "20", "-o", str(path))[0] == 0
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["owner"] for row in rows} == {"Sato", "Suzuki", "Tanaka"}
    code, out = run(db, "today", "--rep", "Sato", "-n", "40")
    fresh = out.partition("New prospects")[2]
    import sqlite3

    with sqlite3.connect(db) as conn:
        sato = {c for c, in conn.execute(
            "select l.company_id from assignments a join record_links l on "
            "l.record_id = a.record_id where a.rep = 'Sato'")}
    shown = {int(line.split("#")[1].split()[0]) for line in fresh.splitlines()
             if line.strip().startswith("[")}
    assert len(sato) == 6 and shown == sato


def test_the_desk_survives_a_full_rebuild_and_a_refresh(private_db_path) -> None:
    """Calls, callbacks, exclusions, assignments and what was handed out are user data: a
    rebuild or a refresh moves none of them off the company they named."""
    db = private_db_path
    assert run(db, "reps", "add", "Sato", "--places", "Tokyo")[0] == 0
    assert run(db, "expand", "Tokyo five-star hotel", "-n", "8")[0] == 0
    assert run(db, "assign")[0] == 0
    assert run(db, "log", "Palace Hotel Tokyo", "gatekeeper-message", "--note", "out")[0] == 0
    assert run(db, "log", "Conrad Tokyo", "do-not-call")[0] == 0

    def desk() -> tuple[str, str, str]:
        return run(db, "calls")[1], run(db, "exclude", "list")[1], run(db, "reps")[1]

    before = desk()
    assert run(db, "dedupe")[0] == 0
    assert desk() == before
    assert run(db, "refresh")[0] == 0
    assert desk() == before
    assert any(said in run(db, "today")[1] for said in ("Callbacks due now", "Callbacks later",
                                                        "No callbacks due"))


def test_a_crm_call_export_reads_back_into_the_log(private_db_path, tmp_path) -> None:
    db = private_db_path
    path = tmp_path / "hubspot-calls.csv"
    path.write_text("Activity date,Associated Company,Call outcome,Call notes,Activity assigned to\n"
                    "11/30/2026 2:05 PM,Palace Hotel Tokyo,Left voicemail,asked for sales,Sato\n"
                    "2026-11-30 15:10,The Peninsula Tokyo,Connected,,Sato\n"
                    "2026-11-30,Hotel Okura Tokyo,Busy,,Suzuki\n"
                    "2026-11-30,Conrad Tokyo,Wrong number,,Suzuki\n", encoding="utf-8")
    code, out = run(db, "calls", "import", str(path))
    assert code == 0, out
    assert "3 calls logged, 1 rows left out" in out and "row 5:" in out
    log = run(db, "calls")[1]
    assert "2026-11-30 14:05" in log and "gatekeeper: message left — asked for sales" in log
    assert "reached the decision maker" in log and "dialled, no answer" in log
    bad = tmp_path / "bad.csv"
    bad.write_text("when,who\n2026-11-30,x\n", encoding="utf-8")
    code, out = run(db, "calls", "import", str(bad))
    assert code == 1 and "needs a company column" in out


def test_the_call_log_shows_a_callback_in_the_prospects_own_time(private_db_path) -> None:
    """`spider log` says the callback in the prospect's time; `spider calls` said UTC."""
    code, logged = run(private_db_path, "log", "Conrad Tokyo", "gatekeeper-message",
                       "--callback", "tomorrow 10:00")
    assert code == 0 and " JST" in logged
    shown = logged.split("call back ", 1)[1].strip()
    code, listed = run(private_db_path, "calls")
    assert code == 0 and f"call back {shown}" in listed and "UTC" not in listed


HANDWERK = """Firma;Gewerk;Straße;PLZ;Ort;Status
Elektro-Huber & Söhne;Elektriker;Leopoldstraße 12;80802;München;aktiv
Dachdeckerei Huber;Dachdecker;Dachauer Str. 5;80335;München;Betrieb eingestellt
Huber Malermeister;Maler;Lindwurmstr. 9;80337;München;aktiv
Elektro Kaminski;Elektriker;Oranienstr. 20;10999;Berlin;aktiv
Elektro Nord;Elektriker;Osterstr. 3;20259;Hamburg;aktiv
Elektro Alster;Elektriker;Mühlenkamp 8;22303;Hamburg;aktiv
"""


def test_a_word_several_names_hold_is_asked_about_and_territories_route_by_place(tmp_path) -> None:
    db = tmp_path / "handwerk.db"
    path = tmp_path / "handwerk.csv"
    path.write_text(HANDWERK, encoding="utf-8")
    assert run(db, "init", "--empty")[0] == 0
    code, out = run(db, "ingest", str(path), "--set", "country=DE")
    assert code == 0 and "Gewerk → category" in out, out
    # "Huber" is a word in three names: the call is not logged to one of them at random
    code, out = run(db, "log", "Huber", "no-answer")
    assert code != 0 and "is a word in the names of 3 companies" in out, out
    assert run(db, "log", "Huber Malermeister", "no-answer")[0] == 0
    # the closed roofer is no prospect
    code, out = run(db, "expand", "Dachdecker in München")
    assert "Dachdeckerei Huber" not in out
    # a Hamburg electrician goes to the Hamburg rep though she sells to plumbers, not in turn
    for name, places, trades in (("Anna", "Berlin", "Elektriker"), ("Jonas", "München", ""),
                                 ("Mia", "Hamburg", "Sanitär/Heizung")):
        args = ["reps", "add", name, "--places", places] + (["--industries", trades] if trades else [])
        assert run(db, *args)[0] == 0
    assert run(db, "expand", "Elektriker", "-n", "10")[0] == 0
    code, out = run(db, "assign")
    assert code == 0 and "Mia: 2 leads" in out and "Anna: 1 lead\n" in out, out
    # a lead assigned is handed out: the manager's "none lies uncalled" counts it before any
    # call list is exported (the report had said 0 beside the reps' open leads)
    assert "Leads handed out to Mia and never called: 2" in run(db, "report", "--rep", "Mia")[1]
    # one rep's report lists that rep's leads only (all four were handed out in a call list)
    assert run(db, "expand", "Elektriker", "-n", "10", "-o", str(tmp_path / "calls.csv"))[0] == 0
    assert "never called: 4" in run(db, "report")[1]
    code, out = run(db, "report", "--rep", "Anna")
    assert "Leads handed out to Anna and never called: 1" in out, out
    # each rep's share of the team's plan, not the whole plan once per rep
    assert run(db, "plan", "--target", "120000", "--deal-size", "2400")[0] == 0
    team = re.search(r"dials: \d+ of (\d+) planned", run(db, "report")[1])
    anna = re.search(r"dials: \d+ of (\d+) planned", run(db, "report", "--rep", "Anna")[1])
    assert team and anna and abs(int(anna.group(1)) * 3 - int(team.group(1))) <= 3
    code, out = run(db, "report", "--rep", "Nobody")
    assert code != 0 and "no such rep" in out


def test_a_plan_reads_amounts_as_people_write_them(tmp_path) -> None:
    db = tmp_path / "plan.db"
    assert run(db, "init", "--empty")[0] == 0
    code, out = run(db, "plan", "--target", "120.000", "--deal-size", "4.000")
    assert code == 0 and "120,000" in out.replace(" ", "") or "120000" in out.replace(",", ""), out
    code, out = run(db, "plan", "--target", "zwölf", "--deal-size", "4000")
    assert code != 0 and "is not an amount" in out


def test_a_callback_skips_the_day_the_business_says_it_closes(tmp_path) -> None:
    db = built_db(tmp_path, "salons.csv",
                  "店舗名,業種,住所,電話番号,定休日\n"
                  "ヘアサロン ルミエール,美容室,東京都港区北青山3-5-12,03-5411-2233,火曜日\n"
                  "Coral 表参道店,美容室,東京都港区南青山5-1-1,03-5411-9999,年中無休\n")
    # Monday 7 December 2026, 17:30 in Tokyo: three hours on is after closing; Tuesday is
    # the salon's closing day, so Wednesday at opening
    monday = datetime(2026, 12, 7, 17, 30, tzinfo=TOKYO)
    done = log_call(db, Settings(), "ヘアサロン ルミエール", "gatekeeper-message", now=monday)
    assert done.callback_at is not None
    assert datetime.fromisoformat(done.callback_at).astimezone(TOKYO).date().isoformat() == "2026-12-09"
    other = log_call(db, Settings(), "Coral 表参道店", "gatekeeper-message", now=monday)
    assert datetime.fromisoformat(other.callback_at).astimezone(TOKYO).date().isoformat() == "2026-12-08"


def test_a_callback_the_prospect_named_is_kept_as_said(tmp_path) -> None:
    """A sushi bar's owner is in "Saturday at three": the callback had been moved to Monday
    09:00 (our office week), the bar's closing day, without a word. A day and hour said are
    kept (a closing day named with a caution); "+3h" still falls within hours."""
    db = built_db(tmp_path, "guide.csv",
                  "店名,ジャンル,所在地,電話番号,定休日\n"
                  "天王寺 すし清,寿司,大阪府大阪市天王寺区悲田院町8-1,06-6771-0005,月曜\n")
    thursday = datetime(2026, 12, 3, 14, 0, tzinfo=TOKYO)
    done = log_call(db, Settings(), "天王寺 すし清", "gatekeeper-message", callback="土曜 15時",
                    now=thursday)
    assert datetime.fromisoformat(done.callback_at).astimezone(TOKYO) == \
        datetime(2026, 12, 5, 15, 0, tzinfo=TOKYO)
    assert not done.caution
    monday = log_call(db, Settings(), "天王寺 すし清", "gatekeeper-message",
                      callback="月曜 10時", now=thursday)
    assert datetime.fromisoformat(monday.callback_at).astimezone(TOKYO).date().isoformat() == \
        "2026-12-07"
    assert "closes on Mondays" in monday.caution
    later = log_call(db, Settings(), "天王寺 すし清", "no-answer", callback="+3h",
                     now=datetime(2026, 12, 3, 17, 30, tzinfo=TOKYO))
    assert datetime.fromisoformat(later.callback_at).astimezone(TOKYO).date().isoformat() == \
        "2026-12-04"


def test_a_callback_waits_for_the_opening_hours_the_list_gives(tmp_path) -> None:
    db = built_db(tmp_path, "salons.csv",
                  "店舗名,業種,住所,電話番号,営業時間\n"
                  "ヘアサロン ルミエール,美容室,東京都港区北青山3-5-12,03-5411-2233,10:00～20:00\n"
                  "Coral 表参道店,美容室,東京都港区南青山5-1-1,03-5411-9999,\n")
    # Wednesday 9 December 2026, 06:00 in Tokyo: three hours on is 09:00, before the salon
    # opens at ten; the other salon keeps the default hours (09:00-18:00)
    early = datetime(2026, 12, 9, 6, 0, tzinfo=TOKYO)
    done = log_call(db, Settings(), "ヘアサロン ルミエール", "no-answer", now=early)
    assert datetime.fromisoformat(done.callback_at).astimezone(TOKYO).strftime("%H:%M") == "10:00"
    other = log_call(db, Settings(), "Coral 表参道店", "no-answer", now=early)
    assert datetime.fromisoformat(other.callback_at).astimezone(TOKYO).strftime("%H:%M") == "09:00"


def test_every_weekday_a_closing_day_column_says_is_read() -> None:
    from spider.calls import closed_weekdays

    said = {"Closed Mondays": {0}, "Tues": {1}, "Weds": {2}, "Thursday": {3}, "Closed Thursdays": {3},
            "Fri": {4}, "Saturday and Sunday": {5, 6}, "Ruhetag: Donnerstag": {3}, "jeudi": {3},
            "木曜日": {3}, "月・木曜": {0, 3}, "第3木曜": set(), "so wie immer": set(), "年中無休": set()}
    assert {text: set(closed_weekdays(text)) for text in said} == said


def test_todays_queue_tells_callbacks_due_now_from_those_later_today(tmp_path) -> None:
    import sqlite3

    built_db(tmp_path, "salons.csv",
             "店舗名,業種,住所,電話番号\n"
             "ヘアサロン ルミエール,美容室,東京都港区北青山3-5-12,03-5411-2233\n"
             "Coral 表参道店,美容室,東京都港区南青山5-1-1,03-5411-9999\n")
    path = tmp_path / "spider.db"
    assert run(path, "log", "ヘアサロン ルミエール", "no-answer")[0] == 0
    assert run(path, "log", "Coral 表参道店", "gatekeeper-message")[0] == 0
    now = datetime.now(UTC)
    conn = sqlite3.connect(path)
    with conn:
        for name, when in (("ヘアサロン ルミエール", now - timedelta(minutes=5)),
                           ("Coral 表参道店", now + timedelta(hours=3))):
            conn.execute("update call_log set callback_at = ? where record_id in (select id from "
                         "records where name = ?)", [when.isoformat(timespec="seconds"), name])
    conn.close()
    out = run(path, "today")[1]
    due, _, later = out.partition("Callbacks later (1")
    assert "Callbacks due now (1)" in due and "ルミエール" in due and "Coral" not in due
    assert "Coral 表参道店" in later.partition("New prospects")[0]


def test_a_business_closed_since_it_was_listed_leaves_the_days_queue(tmp_path) -> None:
    from spider.expand import expand
    from spider.queue import day_queue
    from spider.routing import add_rep, assign, open_leads

    rows = ("店舗名,業種,住所,電話番号,状態\n"
            "ヘアサロン ルミエール,美容室,東京都港区北青山3-5-12,03-5411-2233,{}\n"
            "Coral 表参道店,美容室,東京都港区南青山5-1-1,03-5411-9999,営業中\n"
            "Hair Make Earth 青山,美容室,東京都港区南青山3-1-1,03-5411-1111,営業中\n")
    db = built_db(tmp_path, "salons.csv", rows.format("営業中"))
    expansion = expand(db, Settings(), "美容室 港区", limit=10)
    add_rep(db, "Alice", places="", industries="", capacity=10)
    assign(db, [p.company_id for p in expansion.prospects])
    log_call(db, Settings(), "Coral 表参道店", "no-answer")
    assert open_leads(db) == {"Alice": 2}
    # The list comes again: the salon has closed since.
    built_db(tmp_path, "salons.csv", rows.format("閉店"), db=db)
    queue = day_queue(db, Settings(), now=datetime.now(UTC), hand_out=False)
    assert "ヘアサロン ルミエール" not in {row["name"] for row in queue.fresh}
    assert "Hair Make Earth 青山" in {row["name"] for row in queue.fresh}
    assert open_leads(db) == {"Alice": 1}
    # A callback to a business that closed is dropped too.
    built_db(tmp_path, "salons.csv", rows.format("営業中").replace(
        "Coral 表参道店,美容室,東京都港区南青山5-1-1,03-5411-9999,営業中",
        "Coral 表参道店,美容室,東京都港区南青山5-1-1,03-5411-9999,閉店"), db=db)
    later = datetime.now(UTC) + timedelta(days=3)
    assert "Coral 表参道店" not in {row["name"] for row in day_queue(
        db, Settings(), now=later, hand_out=False).callbacks}


def test_a_business_gone_from_its_list_is_flagged_on_its_callback_and_no_lead_left(tmp_path):
    """A row deleted from the list: its callback (a promise a rep made) stays, said to be gone;
    it is no lead handed out and never called, no open lead of its rep, and not back from
    nurture."""
    from spider.expand import expand
    from spider.plan import never_called
    from spider.queue import day_queue
    from spider.routing import add_rep, assign, open_leads

    rows = ("Name,Category,Address,City,Country,Phone\n"
            "Le Cinq,Restaurant,31 Avenue George V,Paris,FR,+33 1 49 52 71 54\n"
            "Epicure,Restaurant,112 Rue du Faubourg Saint-Honoré,Paris,FR,+33 1 53 43 43 40\n"
            "Le Meurice,Restaurant,228 Rue de Rivoli,Paris,FR,+33 1 44 58 10 55\n"
            "Le Grand Véfour,Restaurant,17 Rue de Beaujolais,Paris,FR,+33 1 42 96 56 27\n")
    db = built_db(tmp_path, "guide.csv", rows)
    expansion = expand(db, Settings(), "restaurant Paris", limit=10)
    add_rep(db, "Camille", places="", industries="", capacity=10)
    assign(db, [p.company_id for p in expansion.prospects])
    from spider.calls import mark_handed_out

    mark_handed_out(db, [p.company_id for p in expansion.prospects], "queued", "today")
    log_call(db, Settings(), "Le Cinq", "no-answer")
    log_call(db, Settings(), "Le Meurice", "not-now")
    built_db(tmp_path, "guide.csv", "\n".join(
        line for line in rows.splitlines() if not line.startswith(("Le Cinq", "Le Meurice", "Le G"))
    ) + "\n", db=db)
    assert open_leads(db) == {"Camille": 1}
    assert [name for _, name, _ in never_called(db)] == ["Epicure"]
    later = datetime.now(UTC) + timedelta(days=400)
    queue = day_queue(db, Settings(), now=later, hand_out=False)
    assert [(row["name"], row["gone"]) for row in queue.callbacks] == [("Le Cinq", True)]
    assert "Le Meurice" not in {row["name"] for row in queue.back}


def test_a_callback_of_a_company_gone_from_its_list_keeps_its_time_zone(tmp_path):
    """Three new users saw a gone company's callback switch to UTC (Fri 09:00 JST shown as
    Fri 00:00 UTC): its place had gone with its list's row."""
    from spider.calls import history
    from spider.queue import day_queue

    rows = ("店名,ジャンル,所在地,電話番号\n"
            "梅田 鮨 まつもと,寿司,大阪府大阪市北区梅田1-1-3,06-6341-0002\n"
            "鮨 はらだ,寿司,大阪府大阪市北区曽根崎新地1-2-8,06-6341-0001\n")
    db = built_db(tmp_path, "guide.csv", rows)
    log_call(db, Settings(), "梅田 鮨 まつもと", "gatekeeper-message", callback="+2d")
    built_db(tmp_path, "guide.csv", "\n".join(rows.splitlines()[::2]) + "\n", db=db)
    assert [row["zone"] for row in history(db)] == ["JP"]
    later = datetime.now(UTC) + timedelta(days=30)
    queue = day_queue(db, Settings(), now=later, hand_out=False)
    assert [(row["name"], row["gone"], row["local"].strftime("%Z")) for row in queue.callbacks] \
        == [("梅田 鮨 まつもと", True, "JST")]


def test_the_funnel_counts_dials_not_the_deals_later_steps(tmp_path) -> None:
    from spider.plan import funnel_counts

    db = built_db(tmp_path, "salons.csv",
                  "店舗名,業種,住所,電話番号\n"
                  "ヘアサロン ルミエール,美容室,東京都港区北青山3-5-12,03-5411-2233\n"
                  "Coral 表参道店,美容室,東京都港区南青山5-1-1,03-5411-9999\n")
    for outcome in ("no-answer", "gatekeeper-message", "reached", "meeting-booked",
                    "meeting-held", "proposal", "won"):
        log_call(db, Settings(), "ヘアサロン ルミエール", outcome)
    log_call(db, Settings(), "Coral 表参道店", "no-answer")
    # five calls placed; a meeting held, a proposal sent and a deal won are no dials
    assert funnel_counts(db) == {"dial": 5, "contact": 1, "meeting": 1, "deal": 1}


def test_today_reads_a_callback_imported_without_a_time_zone(tmp_path) -> None:
    built_db(tmp_path, "salons.csv",
             "店舗名,業種,住所,電話番号\n"
             "ヘアサロン ルミエール,美容室,東京都港区北青山3-5-12,03-5411-2233\n")
    log = tmp_path / "calls.csv"
    log.write_text("company,outcome,callback_at\nヘアサロン ルミエール,no-answer,2024-01-02 10:00\n",
                   encoding="utf-8")
    assert run(tmp_path / "spider.db", "calls", "import", str(log))[0] == 0
    code, out = run(tmp_path / "spider.db", "today")
    # (it had raised: can't compare offset-naive and offset-aware datetimes)
    assert code == 0 and "Traceback" not in out, out


def test_a_country_of_several_zones_is_called_in_its_main_one():
    """Brazil's first zone in zone.tab is Fernando de Noronha (an hour ahead of São Paulo,
    where Campinas and Rio keep their hours); Canada's is Newfoundland, Australia's Lord Howe
    Island. A state with its own zone keeps it."""
    from spider.calls import zone_of

    assert {c: zone_of(c).key for c in ("BR", "BR-RJ", "BR-AM", "CA", "AU", "RU", "MX-BCN")} == {
        "BR": "America/Sao_Paulo", "BR-RJ": "America/Sao_Paulo", "BR-AM": "America/Manaus",
        "CA": "America/Toronto", "AU": "Australia/Sydney", "RU": "Europe/Moscow",
        "MX-BCN": "America/Tijuana"}


def test_today_takes_each_company_as_its_latest_expansion_ranks_it(tmp_path):
    """A segment query had ranked two homes A with a generic opener; the won client's
    lookalikes, run later, rank one C and the other A citing the client. `spider today`
    had served both from the older run (A first, whatever the run)."""
    from conftest import built_db

    from spider.queue import day_queue
    from spider.settings import Settings

    db = built_db(tmp_path, "homes.csv", "name,category,city,region,country\n"
                  "Arbors at Columbus,Nursing Home,Columbus,OH,US\n"
                  "Whetstone Gardens,Nursing Home,Columbus,OH,US\n"
                  "Maple Knoll Village,Nursing Home,Cincinnati,OH,US\n")
    ids = dict(db.execute("select name, id from companies").fetchall())
    db.execute("insert into runs (id, query, created_at) values "
               "('old', 'nursing home in Ohio', '2026-12-01T09:00:00+00:00'), "
               "('new', 'Maple Knoll Village', '2026-12-02T09:00:00+00:00')")
    rows = [("old", 1, ids["Arbors at Columbus"], "A", "generic"),
            ("old", 2, ids["Whetstone Gardens"], "A", "generic"),
            ("new", 1, ids["Whetstone Gardens"], "A", "like Maple Knoll Village"),
            ("new", 2, ids["Arbors at Columbus"], "C", "like Maple Knoll Village")]
    db.conn.executemany("insert into prospects (run_id, rank, company_id, priority, opening_line) "
                        "values (?, ?, ?, ?, ?)", rows)
    queue = day_queue(db, Settings(), hand_out=False)
    assert [(r["name"], r["priority"], r["opener"]) for r in queue.fresh] == [
        ("Whetstone Gardens", "A", "like Maple Knoll Village")]


def test_a_call_to_a_closed_business_says_so_and_schedules_nothing_to_serve(tmp_path):
    from click.testing import CliRunner
    from conftest import built_db

    from spider.cli import main

    built_db(tmp_path, "permits.csv", "施設名称,施設所在地,電話番号,営業種別,廃止年月日\n"
             "祇園 畑中,京都市東山区祇園町南側５０５番地,075-541-5315,旅館・ホテル営業,\n"
             "ホステル 四条烏丸,京都市下京区四条通烏丸東入ル長刀鉾町２０番地,075-200-3000,簡易宿所営業,令和3年3月31日\n")
    runner = CliRunner()
    closed = runner.invoke(main, ["--db", str(tmp_path / "spider.db"), "log", "ホステル 四条烏丸",
                                  "no-answer"])
    assert closed.exit_code == 0 and "marks it closed" in closed.output
    assert "call back" not in closed.output
    open_one = runner.invoke(main, ["--db", str(tmp_path / "spider.db"), "log", "祇園 畑中",
                                    "no-answer"])
    assert "call back" in open_one.output and "marks it closed" not in open_one.output


ACCOUNTANTS = """Firm,Address 1,Town,Postcode,Tel,Website,Category
Hartley Moss Accountants Ltd,12 King Street,Leeds,LS1 2HL,0113 245 1100,www.hartleymoss.co.uk,Accountants
Hartley Moss Accountants,3 Market Place,Wetherby,LS22 6LQ,01937 580 200,www.hartleymoss.co.uk,Accountants
Kirkstall Chartered Accountants,201 Kirkstall Road,Leeds,LS4 2AJ,0113 278 9000,kirkstallca.co.uk,Accountants
Horsforth Accountants,60 Town Street,Leeds,LS18 4AP,0113 258 7000,,Accountants
Roundhay Accountants,14 Street Lane,Leeds,LS8 1BW,0113 266 1200,,Accountants
Leeds Accountancy Services,3 Park Row,Leeds,LS1 5HD,0113 244 0000,,
Aire Valley Bookkeeping Ltd,45 Main Street,Leeds,LS1 4AP,0113 256 0000,,
Otley Road Accountants,8 Otley Road,Leeds,LS6 2AD,0113 230 4411,,Accountants
"""


def test_a_settled_call_keeps_the_company_off_every_cold_list_for_good(tmp_path):
    """A meeting, a proposal, "not interested" logged two months ago: no new prospect after
    the 30 days of a recent call; "not now" is nurtured; the client's own branch (one web
    domain) is never a cold lead of the day; the firm's two branches are named apart by
    their very names."""
    db = built_db(tmp_path, "accountants.csv", ACCOUNTANTS, constants={"country": "GB"})
    path = tmp_path / "spider.db"
    db.conn.commit()
    assert run(path, "won", "Hartley Moss Accountants Ltd", "--referenceable")[0] == 0
    calls = tmp_path / "calls.csv"
    calls.write_text("company,outcome,logged_at,note\n"
                     "Kirkstall Chartered Accountants,meeting-booked,2026-10-20 10:00,Peter\n"
                     "Horsforth Accountants,not-interested,2026-10-20 11:00,happy\n"
                     "Roundhay Accountants,not-now,2026-10-22 11:00,after tax season\n",
                     encoding="utf-8")
    assert run(path, "calls", "import", str(calls))[0] == 0
    code, out = run(path, "expand", "Hartley Moss Accountants Ltd")
    assert code == 0
    for name in ("Kirkstall", "Horsforth", "Roundhay", "Wetherby"):
        assert f"] {name}" not in out and f"{name} Chartered" not in out.split("Note")[-1]
    assert "in the pipeline" in out and "said not interested" in out
    code, out = run(path, "expand", "accountants in Wetherby", "-n", "3")
    code, today = run(path, "today")
    assert code == 0 and "01937 580 200" not in today.split("New prospects")[-1]
    assert "Kirkstall" not in today and "Horsforth" not in today
    code, nurture = run(path, "nurture")
    assert "Roundhay Accountants" in nurture
    assert "their sales team" not in out  # (a firm of accountants is told of new clients)
    # The names a member list's firms go by: accountancy and bookkeeping are accounting.
    members = built_db(tmp_path / "members", "members.csv",
                       "\n".join(line.rsplit(",", 1)[0] for line in ACCOUNTANTS.splitlines()))
    members.conn.commit()
    code, out = run(tmp_path / "members" / "spider.db", "expand", "accountancy")
    assert "Leeds Accountancy Services" in out and "Aire Valley Bookkeeping" in out


def test_a_callback_said_in_japanese():
    from spider.calls import parse_when

    tokyo = ZoneInfo("Asia/Tokyo")
    now = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)  # Thursday, 10:00 in Tokyo

    def local(text: str) -> str:
        return parse_when(text, now, "JP").astimezone(tokyo).strftime("%a %d %H:%M")

    assert local("明日 10:00") == local("明日10時") == local("あした１０時") == "Fri 04 10:00"
    assert local("明日10時半") == "Fri 04 10:30" and local("15時30分") == "Thu 03 15:30"
    assert local("午後3時") == local("今日15時") == "Thu 03 15:00"
    assert local("月曜10時") == local("月曜日 10:00") == "Mon 07 10:00"
    assert local("明後日 9時") == "Sat 05 09:00" and local("3時間後") == "Thu 03 13:00"


def test_callbacks_are_said_as_reps_say_them_and_imported_in_local_time(tmp_path):
    from spider.calls import parse_when

    madrid = ZoneInfo("Europe/Madrid")
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # Thursday, 10:00 in Madrid

    def local(text: str) -> str:
        return parse_when(text, now, "ES").astimezone(madrid).strftime("%a %d %H:%M")

    assert local("15:00") == local("3pm") == "Thu 03 15:00"
    assert local("tomorrow 3pm") == "Fri 04 15:00" and local("monday 10:00") == "Mon 07 10:00"
    assert local("9am") == "Fri 04 09:00"  # (passed today: tomorrow's)
    db = built_db(tmp_path, "escuelas.csv", "Nombre;Municipio;Teléfono;Actividad\n"
                  "Autoescuela Retiro;Madrid;914 00 11 22;Autoescuela\n"
                  "Autoescuela Chamberí;Madrid;914 47 88 12;Autoescuela\n",
                  constants={"country": "ES"})
    db.conn.commit()
    calls = tmp_path / "calls.csv"
    calls.write_text("company,outcome,callback_at\nAutoescuela Retiro,gatekeeper-message,"
                     "2027-03-10 09:30\n", encoding="utf-8")
    assert run(tmp_path / "spider.db", "calls", "import", str(calls))[0] == 0
    stored = db.execute("select callback_at from call_log").fetchone()[0]
    assert datetime.fromisoformat(stored).astimezone(madrid).hour == 9


def test_a_lead_waits_for_its_territorys_rep_and_never_goes_to_another_territory(tmp_path):
    """The Paris-and-Lyon restaurant rep is full: the Lyon restaurants wait for her (counted),
    never handed to the Oregon dental rep who has room."""
    built_db(tmp_path, "guide.csv", "Name,Category,Address,City,Country,Phone\n" + "".join(
        f"Bouchon {i},Restaurant,{i} rue Mercière,Lyon,FR,+33 4 78 37 00 {i:02d}\n"
        for i in range(1, 7)))
    path = tmp_path / "spider.db"
    assert run(path, "reps", "add", "Camille", "--places", "Paris, Lyon", "--industries",
               "restaurant", "--capacity", "4")[0] == 0
    assert run(path, "reps", "add", "Jake", "--places", "Oregon", "--industries",
               "dentist, dental", "--capacity", "40")[0] == 0
    assert run(path, "expand", "restaurant Lyon", "-n", "10")[0] == 0
    code, out = run(path, "assign")
    assert code == 0 and "Camille: 4 leads" in out and "Jake" not in out, out
    assert "Left unassigned: 2 leads" in out


def test_a_territory_is_whole_place_words_bury_is_not_dewsbury(tmp_path):
    """A new user's care-home team: the rep for "Bury" was given the Dewsbury homes (a place
    word inside another town's name) before Priya, whose patch is Kirklees."""
    built_db(tmp_path, "homes.csv", "Name,Category,City,Region,Country,Phone\n"
             "Fernlea,Care home,Dewsbury,West Yorkshire,GB,01924 000001\n"
             "Inglewood Care Home,Care home,Dewsbury,West Yorkshire,GB,01924 000002\n"
             "Bury Lodge,Care home,Bury,Greater Manchester,GB,0161 000003\n")
    path = tmp_path / "spider.db"
    assert run(path, "reps", "add", "Tom", "--places", "Bury")[0] == 0
    assert run(path, "reps", "add", "Priya", "--places", "Dewsbury, Huddersfield")[0] == 0
    assert run(path, "expand", "care home", "-n", "10")[0] == 0
    code, out = run(path, "assign")
    assert code == 0 and "Tom: 1 lead" in out and "Priya: 2 leads" in out, out


def test_a_call_logged_for_a_rep_not_in_the_team_is_refused_with_the_closest_name(tmp_path):
    """A typo ("Sara Colins") had been logged as a rep of its own: the call counted for no
    one, and `today --rep` answered "nothing to do"."""
    built_db(tmp_path, "homes.csv", "Name,Category,City,Country,Phone\n"
             "Fernlea,Care home,Dewsbury,GB,01924 000001\n"
             "Bury Lodge,Care home,Bury,GB,0161 000003\n")
    path = tmp_path / "spider.db"
    assert run(path, "reps", "add", "Sarah Collins")[0] == 0
    code, out = run(path, "log", "Fernlea", "no-answer", "--rep", "Sara Colins")
    assert code == 1 and "did you mean 'Sarah Collins'" in out and "Traceback" not in out, out
    assert run(path, "today", "--rep", "Sara Colins")[0] == 1
    assert run(path, "log", "Fernlea", "no-answer", "--rep", "sarah collins")[0] == 0
    from spider.db import open_db

    db = open_db(path)
    assert db.execute("select rep from call_log").fetchall() == [("Sarah Collins",)]


def test_the_days_queue_shows_a_full_width_number_as_it_is_dialled(tmp_path):
    from spider.expand import expand
    from spider.queue import day_queue

    db = built_db(tmp_path, "takken.csv", "商号又は名称,事務所所在地,電話番号,業種\n"
                  "株式会社湘南不動産,神奈川県横浜市西区高島2-19-12,０４５－４５１－１２３４,不動産業\n"
                  "有限会社みどり住宅,神奈川県横浜市西区北幸1-2-3,０４５－３１７－３１３１,不動産業\n")
    expand(db, Settings(), "横浜市の不動産業", limit=5)
    queue = day_queue(db, Settings(), now=datetime.now(UTC), hand_out=False)
    assert {row["phone"] for row in queue.fresh} == {"045-451-1234", "045-317-3131"}


def test_nurture_keeps_the_date_a_prospect_gave_and_flags_one_gone(tmp_path):
    """"Not until next budget in April", logged with --callback 2027-04-01: nurture had shown
    the default 90 days; a home closed since stayed on it unflagged; a C of one query that
    another ranks A was nurtured while `today` served it as A."""
    from spider.calls import nurture_list
    from spider.expand import expand

    rows = ("Name,Category,City,Country,Phone\n"
            "Hallmark Weald House,Care home,Maidstone,GB,01622 100001\n"
            "Victoria House,Care home,Weybridge,GB,01932 100002\n"
            "Oak Lodge,Care home,Reigate,GB,01737 100003\n")
    db = built_db(tmp_path, "homes.csv", rows)
    now = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    log_call(db, Settings(), "Hallmark Weald House", "not-now", callback="2027-04-01 10:00",
             now=now)
    log_call(db, Settings(), "Victoria House", "not-now", now=now)
    built_db(tmp_path, "homes.csv", "\n".join(rows.splitlines()[:2] + rows.splitlines()[3:]) + "\n",
             db=db)
    expand(db, Settings(), "care home", limit=5)
    listed = {r["name"]: r for r in nurture_list(db, Settings(), now)}
    assert listed["Hallmark Weald House"]["next_touch"].startswith("2027-04-01")
    assert "gone from its list" in listed["Victoria House"]["why"]


def test_a_territory_word_no_company_is_in_is_said_when_the_rep_is_added(tmp_path):
    """"Travis Cnty" was accepted in silence and matched nothing: `assign` left the rep's
    leads waiting without a word."""
    built_db(tmp_path, "tx.csv", "Business Name,License Type,City,County,State,Phone\n"
             "Fox Service Company,Air Conditioning and Refrigeration Contractor,Austin,Travis,TX,512-555-0001\n"
             "AC Express Austin,Air Conditioning and Refrigeration Contractor,Austin,Travis,TX,512-555-0002\n")
    path = tmp_path / "spider.db"
    code, out = run(path, "reps", "add", "Kim", "--places", "Travis Cnty, Travis County",
                    "--industries", "hvac")
    assert code == 0 and "no company here is in 'travis cnty'" in out, out
    assert "'travis county'" not in out and "'hvac'" not in out, out
    code, out = run(path, "expand", "AC contractor Travis County", "-n", "3")
    assert code == 0 and "Not understood" not in out and "Fox Service Company" in out, out


def test_today_works_from_one_saved_list_when_asked(tmp_path):
    """The day's new prospects came from every query ever run: a rep's test queries for Como
    and Turin came before the won client's Milan trattorias. `today --list` takes them from
    one saved list."""
    built_db(tmp_path, "guide.csv", "Name,Category,City,Country,Phone\n"
             "Trattoria Trippa,Trattoria,Milano,IT,02 100001\n"
             "Trattoria Milanese,Trattoria,Milano,IT,02 100002\n"
             "I Tigli in Theoria,Ristorante stellato,Como,IT,031 100003\n"
             "Del Cambio,Ristorante stellato,Torino,IT,011 100004\n")
    path = tmp_path / "spider.db"
    assert run(path, "list", "save", "mi", "trattoria Milano", "-n", "2")[0] == 0
    assert run(path, "expand", "ristorante stellato", "-n", "5")[0] == 0
    code, out = run(path, "today", "--list", "mi")
    assert code == 0 and "Trattoria Trippa" in out and "Del Cambio" not in out, out
    code, out = run(path, "today", "--list", "nope")
    assert code == 1 and "no list named 'nope'" in out


def test_callbacks_as_french_spanish_and_japanese_reps_write_them_and_a_day_without_an_hour():
    """"rappeler demain à 10h", "el lunes por la tarde", "après-demain 11h", "15/11/2027",
    明日の15時に折り返し: as a rep writes them in the log (each had been refused). A day with no
    hour is that day when calls start, not its midnight (shown the day before in UTC)."""
    from spider.calls import parse_when

    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # Thursday

    def local(text: str, country: str, zone: str) -> str:
        return parse_when(text, now, country).astimezone(ZoneInfo(zone)).strftime("%a %d %H:%M")

    paris, madrid, tokyo = ("FR", "Europe/Paris"), ("ES", "Europe/Madrid"), ("JP", "Asia/Tokyo")
    assert local("rappeler demain à 10h", *paris) == "Fri 04 10:00"
    assert local("lundi après-midi", *paris) == "Mon 07 15:00"
    assert local("après-demain 11h", *paris) == "Sat 05 11:00"
    assert local("ce soir 18h", *paris) == "Thu 03 18:00"
    assert local("el lunes por la tarde", *madrid) == "Mon 07 15:00"
    assert local("llamar mañana a las 10", *madrid) == "Fri 04 10:00"
    assert local("mañana por la mañana", *madrid) == "Fri 04 10:00"
    assert local("15/11/2027", *madrid) == "Mon 15 10:00"
    assert local("2027-03-01", *madrid) == "Mon 01 10:00"
    assert local("11/15/2027", "US-OR", "America/Los_Angeles") == "Mon 15 10:00"
    assert local("明日の15時に折り返し", *tokyo) == "Fri 04 15:00"
    assert local("+3h", *paris) == "Thu 03 13:00"


def test_callbacks_by_date_and_week_and_part_of_day_as_reps_write_them():
    """A German rep's "nächste Woche Dienstag" and "14.01. um 10 Uhr", a Brazilian's "dia 10
    às 14h", "10/12 às 14h", "na segunda de manhã" and "semana que vem", a Japanese 明日の午後,
    12月8日 15時 and 月曜日の午前中, an English "Thurs pm" and "next Thursday afternoon" (each
    had been refused), and "a las 5" is five in the afternoon, not at dawn."""
    from spider.calls import parse_when

    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # Thursday

    def local(text: str, country: str, zone: str) -> str:
        return parse_when(text, now, country).astimezone(ZoneInfo(zone)).strftime(
            "%a %Y-%m-%d %H:%M")

    berlin, sao_paulo = ("DE", "Europe/Berlin"), ("BR", "America/Sao_Paulo")
    tokyo, london, mexico = ("JP", "Asia/Tokyo"), ("GB", "Europe/London"), ("MX", "America/Mexico_City")
    assert local("nächste Woche Dienstag", *berlin) == "Tue 2026-12-08 10:00"
    assert local("14.01. um 10 Uhr", *berlin) == "Thu 2027-01-14 10:00"
    assert local("dia 10 às 14h", *sao_paulo) == "Thu 2026-12-10 14:00"
    assert local("10/12 às 14h", *sao_paulo) == "Thu 2026-12-10 14:00"
    assert local("na segunda de manhã", *sao_paulo) == "Mon 2026-12-07 10:00"
    assert local("semana que vem", *sao_paulo) == "Mon 2026-12-07 10:00"
    assert local("明日の午後", *tokyo) == "Fri 2026-12-04 14:00"
    assert local("12月8日 15時", *tokyo) == "Tue 2026-12-08 15:00"
    assert local("12/8 15:00", *tokyo) == "Tue 2026-12-08 15:00"  # month first in Japan
    assert local("月曜日の午前中", *tokyo) == "Mon 2026-12-07 10:00"
    assert local("Thurs pm", *london) == "Thu 2026-12-10 15:00"
    assert local("next Thursday afternoon", *london) == "Thu 2026-12-10 15:00"
    assert local("llamar mañana a las 5", *mexico) == "Fri 2026-12-04 17:00"


def test_a_nurture_date_is_the_prospects_own_day(tmp_path):
    """A "not before 1 March" logged for a Madrid bodega is the 1st in `nurture` and in its
    export (it had been the 28th February, the UTC day), and the export's phone is no formula."""
    db = built_db(tmp_path, "bodegas.csv", "Nombre;Municipio;Teléfono;Tipo\n"
                  "Bodegas Muga;Haro;+34 941 31 04 98;Bodega\n"
                  "Bodegas Bilbaínas;Haro;+34 941 31 01 47;Bodega\n",
                  constants={"country": "ES"})
    db.conn.commit()
    code, out = run(tmp_path / "spider.db", "log", "Bodegas Muga", "not-now", "--callback", "2027-03-01")
    assert code == 0 and "10:00" in out, out
    code, out = run(tmp_path / "spider.db", "nurture")
    assert "2027-03-01  #" in out, out
    code, _ = run(tmp_path / "spider.db", "nurture", "--export", str(tmp_path / "n.csv"))
    row = next(csv.DictReader(open(tmp_path / "n.csv", encoding="utf-8-sig")))
    assert row["next_touch"].startswith("2027-03-01T10:00") and not row["phone"].startswith("+"), row


def test_a_call_is_logged_by_the_number_the_rep_dialled(tmp_path):
    """`spider log "503-232-3456" no-answer`: the company with that phone, however the list
    wrote it (5032323456); a number no company has is a one-line error, not a guess."""
    db = built_db(tmp_path, "dentists.csv", "Name,City,State,Phone,Category\n"
                  "Burnside Dental Care,Portland,OR,5032323456,Dentist\n"
                  "Pearl Dental,Portland,OR,(503) 222-0001,Dentist\n")
    db.conn.commit()
    code, out = run(tmp_path / "spider.db", "log", "503-232-3456", "no-answer")
    assert code == 0 and "Burnside Dental Care" in out, out
    code, out = run(tmp_path / "spider.db", "log", "+1 503 222 0001", "gatekeeper-message")
    assert code == 0 and "Pearl Dental" in out, out
    code, out = run(tmp_path / "spider.db", "log", "503-999-0000", "no-answer")
    assert code != 0 and "no company here has that phone number" in out, out


def test_a_reps_day_holds_the_c_leads_their_manager_assigned_them(tmp_path):
    """After "dentist Portland" is routed by state, the Washington rep's leads are all C
    (partial matches: another state's): `today --rep` lists them after any A and B (it had
    said "No new prospects" beside 3 leads of theirs); the whole team's `today` still lists
    A and B only."""
    built_db(tmp_path, "dentists.csv", "Name,City,State,Phone,Category\n"
             "Hawthorne Dental,Portland,OR,503-000-0001,Dentist\n"
             "Pearl Dental,Portland,OR,503-000-0002,Dentist\n"
             "Sellwood Dental,Portland,OR,503-000-0003,Dentist\n"
             "Capitol Hill Dental,Seattle,WA,206-000-0001,Dentist\n"
             "Ballard Dental,Seattle,WA,206-000-0002,Dentist\n"
             "Spokane Smiles,Spokane,WA,509-000-0001,Dentist\n")
    path = tmp_path / "spider.db"
    assert run(path, "won", "Hawthorne Dental")[0] == 0
    assert run(path, "reps", "add", "Maria", "--places", "OR")[0] == 0
    assert run(path, "reps", "add", "Jake", "--places", "WA")[0] == 0
    code, out = run(path, "expand", "dentist Portland", "-n", "10")
    assert code == 0 and "[C] Capitol Hill Dental" in out, out
    assert run(path, "assign")[0] == 0
    code, out = run(path, "today", "--rep", "Jake")
    assert code == 0 and all(n in out for n in ("Capitol Hill Dental", "Ballard Dental",
                                                  "Spokane Smiles")), out
    code, out = run(path, "today")
    assert "Capitol Hill Dental" not in out, out


def test_a_deal_logged_without_its_call_still_counts_the_dial_that_reached_it(tmp_path):
    """A rep logs only "won" for a practice: the funnel shows one dial beside the contact,
    meeting and deal it reached (it had shown 0 dials beside 1 contact); a dial logged for
    another is counted once."""
    from spider.calls import log_call
    from spider.plan import funnel_counts

    db = built_db(tmp_path, "d.csv", "Name,City,State,Phone,Category\n"
                  "Alberta Smiles,Portland,OR,503-000-0001,Dentist\n"
                  "Pearl Dental,Portland,OR,503-000-0002,Dentist\n")
    log_call(db, Settings(), "Alberta Smiles", "won")
    log_call(db, Settings(), "Pearl Dental", "no-answer")
    assert funnel_counts(db) == {"dial": 2, "contact": 1, "meeting": 1, "deal": 1}


def test_a_callback_keeps_the_hours_of_a_country_written_out_in_full():
    """An exhibitor list writes its countries "Germany", "Schweiz", "China", 日本, "Korea,
    Republic of": each is its own country's clock (Germany had been read as GE, Georgia,
    four hours ahead; China as Switzerland; 日本 as UTC). Quebec's Fête nationale is no
    working day there."""
    from datetime import date

    assert zone_of("Germany").key == zone_of("Deutschland").key == "Europe/Berlin"
    assert zone_of("Schweiz").key == "Europe/Zurich" and zone_of("China").key == "Asia/Shanghai"
    assert zone_of("日本").key == zone_of("Japan").key == "Asia/Tokyo"
    assert zone_of("Korea, Republic of").key == "Asia/Seoul"
    assert not is_working_day(date(2027, 6, 24), "CA-QC") and is_working_day(date(2027, 6, 24), "CA")


def test_a_rep_of_places_and_industries_is_given_nothing_outside_the_places(tmp_path):
    """`reps add Anna --places Germany --places Austria --industries Gears`: German and
    Austrian gear makers, then other German firms; never a Chinese gear maker (an industry
    had been enough outside the rep's places), and both --places count (the last had been
    kept alone)."""
    built_db(tmp_path, "exhibitors.csv", "Exhibitor,Country,City,Product categories\n"
             "Neugart GmbH,Germany,Kippenheim,Gears\n"
             "Wittenstein alpha GmbH,Germany,Igersheim,Gears\n"
             "Miba AG,Austria,Laakirchen,Gears\n"
             "Jiangsu Guomao,China,Changzhou,Gears\n"
             "Festo SE,Germany,Esslingen,Pneumatics\n")
    path = tmp_path / "spider.db"
    code, out = run(path, "reps", "add", "Anna", "--places", "Germany", "--places", "Austria",
                    "--industries", "Gears")
    assert code == 0 and "germany" in out.lower() and "austria" in out.lower(), out
    assert run(path, "expand", "Gears", "-n", "10")[0] == 0
    code, out = run(path, "assign")
    assert code == 0 and "Anna: 3 leads" in out, out
    code, out = run(path, "today", "--rep", "Anna", "-n", "10")
    assert "Jiangsu Guomao" not in out and "Miba AG" in out, out


def test_a_call_logged_on_a_company_barred_from_calls_says_so(tmp_path):
    """A rep logs "no answer" on a practice that asked not to be called: the call is kept (it
    happened), and the rep is told it is excluded (it had been scheduled for a callback
    without a word)."""
    built_db(tmp_path, "d.csv", "Name,City,State,Phone,Category\n"
             "Mile End Dentists,Montreal,QC,514-555-0101,Dentist\n"
             "Plateau Dental,Montreal,QC,514-555-0102,Dentist\n")
    path = tmp_path / "spider.db"
    assert run(path, "log", "Mile End Dentists", "do-not-call")[0] == 0
    code, out = run(path, "log", "Mile End Dentists", "no-answer")
    assert code == 0 and "excluded (do_not_call)" in out, out


def test_a_crm_export_that_says_a_won_client_is_lost_is_said(tmp_path):
    """A CRM's next export marks a won client "Closed Lost": the import says so and how to take
    it off (it stayed a won client without a word); it stays won until the manager says."""
    built_db(tmp_path, "gyms.csv", "Name,Suburb,State,Category\n"
             "Anytime Fitness Fortitude Valley,Fortitude Valley,QLD,24/7 gym\n"
             "Jetts Toowong,Toowong,QLD,24/7 gym\n")
    path = tmp_path / "spider.db"
    crm = tmp_path / "crm.csv"
    crm.write_text("Account Name,Stage\nAnytime Fitness Fortitude Valley,Closed Won\n",
                   encoding="utf-8")
    assert run(path, "won", "--from", str(crm))[0] == 0
    crm.write_text("Account Name,Stage\nAnytime Fitness Fortitude Valley,Closed Lost\n",
                   encoding="utf-8")
    code, out = run(path, "won", "--from", str(crm))
    assert code == 0 and "is a won client here, and this file says 'Closed Lost'" in out, out
    assert "Anytime Fitness Fortitude Valley" in run(path, "won", "--list")[1]
