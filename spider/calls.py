"""The rep's call desk: the call log, callbacks that persist past the gatekeeper, and the
day's queue.

Every call is one append-only row of `call_log`, pinned to a record of the company (so no
rebuild loses it). A gatekeeper's "not here" schedules the next attempt a few hours on,
inside the prospect's business hours in its own time zone, never on a weekend or a public
holiday of its country (Japan's included), until the decision maker answers or the attempts
run out (settings `callback_hours`, `business_hours`, `callback_attempts`). `today` puts the
callbacks that are due first, then prospects never called, best first.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import TZPATH, ZoneInfo, ZoneInfoNotFoundError

from spider.db import Database, has_table, insert_rows, transaction
from spider.errors import InputError
from spider.settings import Settings
from spider.text import now_iso

# The outcomes of a call, in the words of the method, and the stage of the funnel each
# reaches (dial < contact < meeting < deal). A gatekeeper outcome, or no answer, asks for
# another attempt.
OUTCOMES: dict[str, tuple[str, str]] = {
    "no-answer": ("dial", "dialled, no answer"),
    "gatekeeper-message": ("dial", "gatekeeper: message left"),
    "gatekeeper-refused-transfer": ("dial", "gatekeeper: transfer refused"),
    "gatekeeper-refused-name": ("dial", "gatekeeper: would not give the name"),
    "reached": ("contact", "reached the decision maker"),
    "meeting-booked": ("meeting", "meeting booked"),
    "meeting-held": ("meeting", "meeting held"),
    "proposal": ("meeting", "proposal sent"),
    "won": ("deal", "won"),
    "lost": ("contact", "lost"),
    "not-now": ("contact", "not now (nurture)"),
    "not-interested": ("contact", "not interested"),
    "do-not-call": ("contact", "asked not to be called"),
}
RETRY = frozenset({"no-answer", "gatekeeper-message", "gatekeeper-refused-transfer",
                   "gatekeeper-refused-name"})  # fmt: skip
_ALIASES = {"dialled": "no-answer", "dialed": "no-answer", "noanswer": "no-answer",
            "message": "gatekeeper-message", "message-left": "gatekeeper-message",
            "gatekeeper": "gatekeeper-message", "transfer-refused": "gatekeeper-refused-transfer",
            "name-refused": "gatekeeper-refused-name", "decision-maker": "reached",
            "contact": "reached", "meeting": "meeting-booked", "booked": "meeting-booked",
            "held": "meeting-held", "dnc": "do-not-call",
            # as CRMs write call outcomes (HubSpot's call outcomes, common Salesforce results)
            "busy": "no-answer", "no-response": "no-answer", "left-voicemail": "gatekeeper-message",
            "left-live-message": "gatekeeper-message", "voicemail": "gatekeeper-message",
            "left-message": "gatekeeper-message", "connected": "reached",
            "meeting-scheduled": "meeting-booked", "meeting-set": "meeting-booked",
            "closed-won": "won", "closed-lost": "lost", "not-ready": "not-now",
            "call-back-later": "not-now", "do-not-contact": "do-not-call"}  # fmt: skip
# The columns a CRM's call export names what a call log row needs by (lower case).
_IMPORT_COLUMNS = {
    "company": ("company", "company name", "account name", "account", "associated company",
                "organization"),
    "company_id": ("company_id",),
    "outcome": ("outcome", "call outcome", "call result", "disposition", "result"),
    "logged_at": ("logged_at", "activity date", "call date", "date", "created date",
                  "create date", "timestamp"),
    "note": ("note", "notes", "call notes", "description", "comments", "body"),
    "contact": ("contact", "contact name", "name", "who"),
    "spoke_with": ("spoke_with", "spoke with", "answered by", "who answered", "talked to"),
    "rep": ("rep", "activity assigned to", "assigned to", "owner", "activity owner", "call owner"),
    "callback_at": ("callback_at", "callback", "follow-up date"),
    "attempt": ("attempt",),
}


def outcome_of(text: str) -> str:
    key = re.sub(r"[\s_]+", "-", text.strip().lower())
    key = _ALIASES.get(key, key)
    if key not in OUTCOMES:
        raise InputError(f"{text!r}: not an outcome; say one of {', '.join(OUTCOMES)}")
    return key


# ---------------------------------------------------------------------------------------------
# Time zones, business hours, holidays


@lru_cache(maxsize=1)
def _country_zones() -> dict[str, str]:
    """Country code -> its first time zone in the tz database's zone.tab (the capital's for
    most; a country of several zones is read at its first)."""
    zones: dict[str, str] = {}
    for folder in TZPATH:
        path = Path(folder) / "zone.tab"
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            break
    else:
        try:
            from importlib.resources import files

            text = (files("tzdata") / "zoneinfo" / "zone.tab").read_text(encoding="utf-8")
        except (ModuleNotFoundError, FileNotFoundError):
            return {"JP": "Asia/Tokyo"}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            parts = line.split("\t")
            if len(parts) >= 3:
                zones.setdefault(parts[0], parts[2])
    return zones


# Countries of several time zones: the zone most of each first-level region keeps (IANA),
# by ISO 3166-2 code. A region not here keeps its country's first zone in zone.tab.
_REGION_ZONES = {
    **{f"US-{s}": "America/New_York" for s in (
        "CT DE DC FL GA IN KY ME MD MA MI NH NJ NY NC OH PA RI SC VT VA WV").split()},
    **{f"US-{s}": "America/Chicago" for s in (
        "AL AR IL IA KS LA MN MS MO NE ND OK SD TN TX WI").split()},
    **{f"US-{s}": "America/Denver" for s in "CO ID MT NM UT WY".split()},
    "US-AZ": "America/Phoenix", "US-CA": "America/Los_Angeles", "US-NV": "America/Los_Angeles",
    "US-OR": "America/Los_Angeles", "US-WA": "America/Los_Angeles",
    "US-AK": "America/Anchorage", "US-HI": "Pacific/Honolulu", "US-PR": "America/Puerto_Rico",
    "CA-BC": "America/Vancouver", "CA-AB": "America/Edmonton", "CA-SK": "America/Regina",
    "CA-MB": "America/Winnipeg", "CA-ON": "America/Toronto", "CA-QC": "America/Toronto",
    "CA-NB": "America/Halifax", "CA-NS": "America/Halifax", "CA-PE": "America/Halifax",
    "CA-NL": "America/St_Johns", "CA-YT": "America/Whitehorse", "CA-NT": "America/Yellowknife",
    "CA-NU": "America/Iqaluit",
    "AU-NSW": "Australia/Sydney", "AU-ACT": "Australia/Sydney", "AU-VIC": "Australia/Melbourne",
    "AU-QLD": "Australia/Brisbane", "AU-SA": "Australia/Adelaide", "AU-WA": "Australia/Perth",
    "AU-TAS": "Australia/Hobart", "AU-NT": "Australia/Darwin",
    "BR-AM": "America/Manaus", "BR-MT": "America/Cuiaba", "BR-MS": "America/Campo_Grande",
    "BR-RO": "America/Porto_Velho", "BR-RR": "America/Boa_Vista", "BR-AC": "America/Rio_Branco",
    "MX-BCN": "America/Tijuana", "MX-SON": "America/Hermosillo", "MX-BCS": "America/Mazatlan",
    "MX-SIN": "America/Mazatlan", "MX-NAY": "America/Mazatlan", "MX-ROO": "America/Cancun",
}
# Countries whose first zone in zone.tab is an island or an edge, not where most of their
# businesses keep their hours (Brazil's is Fernando de Noronha, an hour ahead of São Paulo;
# Canada's Newfoundland; Australia's Lord Howe Island; Russia's Kaliningrad).
_COUNTRY_ZONES = {"BR": "America/Sao_Paulo", "CA": "America/Toronto", "AU": "Australia/Sydney",
                  "RU": "Europe/Moscow", "UA": "Europe/Kyiv", "UZ": "Asia/Tashkent"}


@lru_cache(maxsize=1024)
def _place_code(country: str | None) -> str:
    """A country or region as its ISO code: 'US-TX', 'JP' as they are; a country's name in any
    language a list writes it ('Germany', 'Schweiz', 'Japan', 日本) as its code ('Germany' had
    been read as GE, Georgia: callbacks four hours off)."""
    text = (country or "").strip()
    if re.fullmatch(r"[A-Za-z]{2}(?:-[A-Za-z0-9]{1,3})?", text):
        return text.upper()
    from spider.places import country_code

    return country_code(text) or text.upper()


def zone_of(country: str | None) -> ZoneInfo:
    """The time zone a company keeps its hours in: its region's where its country has several
    ('US-TX': Chicago), else its country's (UTC when unknown). COUNTRY: an ISO country code,
    a region's ISO 3166-2 code, or a country's name."""
    code = _place_code(country)
    name = _REGION_ZONES.get(code) or _COUNTRY_ZONES.get(code[:2]) or \
        _country_zones().get(code[:2], "UTC")
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:
        return ZoneInfo("UTC")


@lru_cache(maxsize=64)
def _holidays(country: str, year: int, subdivision: str = "") -> frozenset[date]:
    try:
        import holidays
    except ImportError:  # pragma: no cover - a dependency; weekends still hold
        return frozenset()
    try:
        return frozenset(holidays.country_holidays(country, subdiv=subdivision or None, years=year))
    except NotImplementedError:  # a country the library does not know, or its region
        return _holidays(country, year) if subdivision else frozenset()


def is_working_day(day: date, country: str | None) -> bool:
    """A weekday that is no public holiday of the country, nor of its region where one is
    given ('CA-QC': the Fête nationale on 24 June)."""
    code = _place_code(country)
    country_part, _, region = code.partition("-")
    return day.weekday() < 5 and (not country_part or
                                  day not in _holidays(country_part[:2], day.year, region))


def parse_hours(text: str) -> tuple[time, time]:
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text or "")
    if not match:
        raise InputError(f"business_hours {text!r}: say 09:00-18:00")
    start = time(int(match.group(1)), int(match.group(2)))
    end = time(int(match.group(3)), int(match.group(4)))
    if end <= start:
        raise InputError(f"business_hours {text!r}: the end comes before the start")
    return start, end


def within_hours(moment: datetime, country: str | None, hours: tuple[time, time],
                 closed: frozenset[int] = frozenset()) -> datetime:
    """MOMENT, or the first moment after it inside the prospect's business hours on a working
    day of its country (in UTC), not on a weekday the business closes (CLOSED: 0 Monday ..
    6 Sunday, as its own list says: 定休日 火曜日)."""
    zone = zone_of(country)
    local = moment.astimezone(zone)
    start, end = hours
    for _ in range(40):  # a long holiday run is a couple of weeks at most
        opens = datetime.combine(local.date(), start, zone)
        closes = datetime.combine(local.date(), end, zone)
        if (is_working_day(local.date(), country) and local.weekday() not in closed
                and local < closes):
            return max(local, opens).astimezone(UTC)
        local = datetime.combine(local.date() + timedelta(days=1), start, zone)
    return local.astimezone(UTC)


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


_JA_WEEKDAYS = {"月": "monday", "火": "tuesday", "水": "wednesday", "木": "thursday",
                "金": "friday", "土": "saturday", "日": "sunday"}


# Callback words of German, French, Spanish, Italian and Portuguese, as `parse_when` reads
# them: "sabato alle 11", "morgen um 15 Uhr", "lundi à 10h", "mañana a las 11", "amanhã às 9".
_EUROPEAN_WHEN = {
    **dict.fromkeys(("montag", "lundi", "lunes", "lunedì", "lunedi", "segunda", "segunda-feira"), "monday"),
    **dict.fromkeys(("dienstag", "mardi", "martes", "martedì", "martedi", "terça", "terça-feira"), "tuesday"),
    **dict.fromkeys(("mittwoch", "mercredi", "miércoles", "miercoles", "mercoledì", "mercoledi",
                     "quarta", "quarta-feira"), "wednesday"),
    **dict.fromkeys(("donnerstag", "jeudi", "jueves", "giovedì", "giovedi", "quinta-feira"), "thursday"),
    **dict.fromkeys(("freitag", "vendredi", "viernes", "venerdì", "venerdi", "sexta", "sexta-feira"), "friday"),
    **dict.fromkeys(("samstag", "samedi", "sábado", "sabado", "sabato"), "saturday"),
    **dict.fromkeys(("sonntag", "dimanche", "domingo", "domenica"), "sunday"),
    **dict.fromkeys(("morgen", "demain", "mañana", "manana", "domani", "amanhã", "amanha"), "tomorrow"),
    **dict.fromkeys(("heute", "aujourd'hui", "hoy", "oggi", "hoje"), "today"),
    **dict.fromkeys(("um", "à", "a", "las", "la", "alle", "ore", "às", "as", "gegen", "vers",
                     "verso", "uhr", "el", "le", "il", "o", "prochain", "prochaine",
                     "próximo", "proximo", "próxima", "proxima", "nächsten", "naechsten",
                     "nächster", "prossimo", "prossima",
                     # the verb a rep writes before the time ("rappeler demain à 10h",
                     # "llamar el lunes", "richiamare domani")
                     "rappeler", "rappel", "llamar", "volver", "richiamare", "chiamare",
                     "anrufen", "zurückrufen", "ligar", "de", "nuevo", "na", "no", "em",
                     "next", "this", "on", "call", "back", "ring", "retornar", "llamarle",
                     "volver a llamar", "richiamo", "zurück"), ""),
    **dict.fromkeys(("ce", "cet", "cette", "esta", "este", "heute", "stasera"), "today"),
}
# A part of the day said for the hour ("lundi après-midi", "el lunes por la tarde",
# "tomorrow morning"): the hour a rep would call in it.
_DAY_PARTS = (
    (re.compile(r"\b(?:por la|de la|en la|a la) mañana\b|\bmatin(?:ée)?\b|\bmorning\b|"
                r"\bvormittags?\b|\bmorgens\b|\bmattin(?:a|o)\b|\bmanhã\b"), 10),
    (re.compile(r"\b(?:por la|de la|en la|a la) tarde\b|\baprès-midi\b|\bapres-midi\b|"
                r"\bafternoon\b|\bnachmittags?\b|\bpomeriggio\b|\btarde\b"), 15),
    (re.compile(r"\bsoir(?:ée)?\b|\bevening\b|\babends?\b|\bsera\b|\bnoche\b|tonight"), 17),
)
# The day after tomorrow, said in a European language (明後日 is read below).
_AFTER_TOMORROW = re.compile(r"\bpasado mañana\b|\baprès-demain\b|\bapres-demain\b|"
                             r"\bübermorgen\b|\bdopodomani\b|\bday after tomorrow\b|"
                             r"\bdepois de amanhã\b")
_EUROPEAN_WORD = re.compile(r"[a-zà-ÿ'-]+")


def _said_in_english(value: str, weekday: int) -> str:
    """A callback said in Japanese or a European language as `parse_when` reads it: 明日
    10:00 -> tomorrow 10:00, 明日10時半 -> tomorrow 10:30, 午後3時 -> 3pm, 月曜 10時 -> monday
    10:00, 3時間後 -> +3h, 2日後 -> +2d, 明後日 -> the weekday after tomorrow (WEEKDAY: today's,
    0 for Monday); "sabato alle 11" -> saturday 11, "lundi à 10h30" -> monday 10:30."""
    value = _AFTER_TOMORROW.sub(" " + _WEEKDAYS[(weekday + 2) % 7] + " ", value)
    value = _short_day().sub(lambda m: _WEEKDAYS[_LATIN_DAYS[m.group(1)]], value)  # sat 10:00
    value = re.sub(r"\bam\s+(?=\w+tag\b|mittwoch\b)", " ", value)  # ("am Montag", not 9 am)
    if not re.search(r"\d", value):  # "Thurs pm", "tomorrow am": the part of the day
        value = re.sub(r"\bpm\b", " afternoon ", re.sub(r"\bam\b", " morning ", value))
    for part, at_hour in _DAY_PARTS:
        if part.search(value):
            value = part.sub(" ", value)
            if not re.search(r"\d", value):
                value += f" {at_hour}:00"
            elif not re.search(r"\d\s*(?:[:.h]|am|pm)", value) and at_hour >= 15:
                value = re.sub(r"\b(\d{1,2})\b", lambda m: f"{m.group(1)}pm"
                               if int(m.group(1)) < 12 else m.group(1), value, count=1)
            break
    # (15h, 10h30; not +3h, three hours from now)
    value = re.sub(r"(?<![+\d])(\d{1,2})\s*h\s*(\d{2})?\b",
                   lambda m: f"{m.group(1)}:{m.group(2) or '00'}", value)
    words = _EUROPEAN_WORD.findall(value)
    if words and any(w in _EUROPEAN_WHEN for w in words):
        value = _EUROPEAN_WORD.sub(lambda m: _EUROPEAN_WHEN.get(m.group(0), m.group(0)), value)
        value = " ".join(value.split())
    if value.isascii():
        return " ".join(value.split())
    ago = re.fullmatch(r"(\d+)\s*(時間|日)後", value)
    if ago:
        return f"+{ago.group(1)}{'h' if ago.group(2) == '時間' else 'd'}"
    # (the words around the time: 明日の15時に折り返し, 来週月曜にお電話)
    value = re.sub(r"折り?返し|お?電話|かけ直し|掛け直し|再度|来週|今度|の|で", " ", value)
    value = re.sub(r"明後日|あさって", " " + _WEEKDAYS[(weekday + 2) % 7] + " ", value)
    value = re.sub(r"明日|あした|あす", " tomorrow ", value)
    value = re.sub(r"今日|本日|きょう", " today ", value)
    value = re.sub(r"([月火水木金土日])曜(?:日)?", lambda m: " " + _JA_WEEKDAYS[m.group(1)] + " ",
                   value)
    # 午後3 (no 時): 3pm; 10時, 10時半, 15時30分, 午後3時: 10:00, 10:30, 15:30, 15:00
    value = re.sub(r"(午前|午後)\s*(\d{1,2})(?![\d:：]|\s*時)",
                   lambda m: f"{m.group(2)}{'am' if m.group(1) == '午前' else 'pm'}", value)

    def hour(m: re.Match[str]) -> str:
        half, h = m.group(1), int(m.group(2))
        minute = "30" if m.group(3) == "半" else (m.group(4) or "00")
        if half == "午後" and h < 12:
            h += 12
        return f" {h}:{int(minute):02d} "
    value = re.sub(r"(午前|午後)?\s*(\d{1,2})\s*時\s*(半)?(?:(\d{1,2})\s*分)?", hour, value)
    # 午後 or 午前中 with no hour: the part of the day's calling hour (明日の午後: 14:00)
    value = re.sub(r"午前中?|朝", " 10:00 ", value)
    value = re.sub(r"午後|夕方", lambda m: " 14:00 " if m.group(0) == "午後" else " 17:00 ", value)
    value = re.sub(r"[にごろ頃、,]|中", " ", value)
    return " ".join(value.split())


# "Next week", said in the languages reps write callbacks in (with a weekday: that day of
# next week; alone: its Monday).
_NEXT_WEEK = re.compile(r"\bnext week\b|\bnächste woche\b|\bnaechste woche\b|"
                        r"\bkommende woche\b|\b(?:la )?semaine prochaine\b|"
                        r"\b(?:la )?próxima semana\b|\b(?:la )?proxima semana\b|"
                        r"\bsemana que vem\b|\b(?:la )?settimana prossima\b|"
                        r"\bprossima settimana\b|来週")
_MONTH_DAY_JA = re.compile(r"(\d{1,2})月(\d{1,2})日")
# A day and month with no year ("14.01.", "10/12", "12/8" in Japan and the US, month first)
_DAY_MONTH = re.compile(r"(?<![\d/.:-])(\d{1,2})[./](\d{1,2})(?:\.|(?![\d/.:]))")
_DAY_OF_MONTH = re.compile(r"\b(?:dia|día|el día|le|am|il giorno|giorno)\s+(\d{1,2})\b(?![:.h/])")


def _dates_said(value: str, today: date, country: str | None) -> str:
    """The days a callback names by date or week, as ISO dates parse_when reads: "nächste
    Woche Dienstag", "semana que vem", 来週月曜, "12月8日", "14.01.", "10/12" (day first,
    but month first in the US and Japan), "dia 10" (the next such day of the month)."""
    def ahead(month: int, day: int) -> str:
        for year in (today.year, today.year + 1):
            try:
                found = date(year, month, day)
            except ValueError:
                raise InputError(f"--callback: {day}/{month} is no date") from None
            if found >= today:
                break
        return f" {found.isoformat()} "  # (next year's is never before today)

    if _NEXT_WEEK.search(value):
        value = _NEXT_WEEK.sub(" ", value)
        monday = today + timedelta(days=7 - today.weekday())
        said = next((day for word, day in {**_LATIN_DAYS, **{w: _WEEKDAYS.index(e) for w, e in
                     _EUROPEAN_WHEN.items() if e in _WEEKDAYS}}.items()
                     if re.search(rf"(?<![a-zà-ÿ]){re.escape(word)}(?![a-zà-ÿ])", value)), None)
        ja = re.search(r"([月火水木金土日])曜", value)
        if said is None and ja:
            said = _WEEKDAYS.index(_JA_WEEKDAYS[ja.group(1)])
            value = value.replace(ja.group(0) + ("日" if ja.group(0) + "日" in value else ""), " ")
        elif said is not None:
            value = re.sub(r"[a-zà-ÿ-]+", lambda m: " " if (
                m.group(0) in _LATIN_DAYS or _EUROPEAN_WHEN.get(m.group(0)) in _WEEKDAYS)
                else m.group(0), value)
        value = f" {(monday + timedelta(days=said or 0)).isoformat()} {value}"
    value = _MONTH_DAY_JA.sub(lambda m: ahead(int(m.group(1)), int(m.group(2))), value)
    month_first = (country or "").upper()[:2] in ("US", "JP")
    if not re.search(r"\d{4}", value):
        value = _DAY_MONTH.sub(lambda m: ahead(*(
            (int(m.group(1)), int(m.group(2))) if month_first else
            (int(m.group(2)), int(m.group(1))))), value, count=1)
    found = _DAY_OF_MONTH.search(value)
    if found and not re.search(r"\d{4}-\d{2}-\d{2}", value):
        day = int(found.group(1))
        month = today.month if day >= today.day else today.month % 12 + 1
        value = value[:found.start()] + ahead(month, day) + value[found.end():]
    return " ".join(value.split())


def _hour_of_day(hour: int, minute: str | None, half: str | None) -> int:
    """The hour a rep said, on a 24-hour clock: "3pm" 15, "12am" 0, and a bare hour of 1 to 7
    ("a las 5", "at 3") a business day's afternoon, not dawn."""
    if half and half.startswith("p") and hour < 12:
        return hour + 12
    if half and half.startswith("a") and hour == 12:
        return 0
    return hour + 12 if not half and not minute and 1 <= hour <= 7 else hour


def parse_when(text: str, now: datetime, country: str | None) -> datetime:
    """A callback time the rep gave: "+3h", "+2d", "tomorrow 10:00", "tomorrow 3pm", "monday
    10:00", "15:00", "2026-12-03 14:00" (in the prospect's local time); a date and a week as
    reps write them (`_dates_said`)."""
    zone = zone_of(country)
    said_text = unicodedata.normalize("NFKC", text).strip().lower()
    said_text = _dates_said(said_text, now.astimezone(zone).date(), country)
    value = _said_in_english(said_text, now.astimezone(zone).weekday())
    dated_time = re.fullmatch(r"(\d{4}-\d{2}-\d{2})\s+(?:at\s+)?(\d{1,2})(?:[:.](\d{2}))?\s*"
                              r"(am|pm)?", value)
    if dated_time:
        # (a date and an hour said loosely: "2027-01-14 10", "2026-12-10 2pm")
        day_said, hour, minute, half = dated_time.groups()
        value = f"{day_said} {_hour_of_day(int(hour), minute, half):02d}:{int(minute or 0):02d}"
    match = re.fullmatch(r"\+\s*(\d+)\s*([hd])", value)
    if match:
        count = int(match.group(1))
        return now + (timedelta(hours=count) if match.group(2) == "h" else timedelta(days=count))
    local_now = now.astimezone(zone)
    # "tomorrow 10:00", "tomorrow 3pm", "monday 10:00", "15:00", "3pm" (today, or tomorrow
    # once the hour has passed)
    match = re.fullmatch(r"(?:(today|tomorrow|" + "|".join(_WEEKDAYS) + r")\s*)?(?:(?:at\s+)?"
                         r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?)?", value)
    if match and value and (match.group(1) or match.group(3) or match.group(4)):
        said, hour, minute, half = match.groups()
        hour_of_day = _hour_of_day(int(hour), minute, half) if hour else 10
        if hour_of_day > 23 or int(minute or 0) > 59:
            raise InputError(f"--callback {text!r}: no such time; say 15:00 or 3pm")
        at = time(hour_of_day, int(minute or 0))
        if said in _WEEKDAYS:
            ahead = (_WEEKDAYS.index(said) - local_now.weekday()) % 7 or 7  # the next one
            day = local_now.date() + timedelta(days=ahead)
        else:
            day = local_now.date() + timedelta(days=1 if said == "tomorrow" else 0)
            if said is None and datetime.combine(day, at, zone) <= local_now:
                day += timedelta(days=1)  # "3pm" said at 4pm: tomorrow's
        return datetime.combine(day, at, zone).astimezone(UTC)
    # A date as a European or an American writes it (15/11/2027, 01.03.2027; 11/15/2027 in
    # the US), with or without a time.
    dated = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?:\s+(\d{1,2})[:.h](\d{2}))?", value)
    if dated:
        first, second, year, hour, minute = dated.groups()
        month, day_of = (first, second) if (country or "").upper()[:2] == "US" else (second, first)
        try:
            value = f"{int(year):04d}-{int(month):02d}-{int(day_of):02d}" + (
                f" {int(hour):02d}:{minute}" if hour else "")
        except ValueError:
            pass
    try:
        moment = datetime.fromisoformat(value.replace(" ", "T"))
    except ValueError:
        raise InputError(f"--callback {text!r}: say +3h, 15:00, tomorrow 3pm, monday 10:00 "
                         "or 2026-12-03 14:00") from None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        # A day with no hour ("call back on 2027-03-01"): that day, at the hour a day's calls
        # start, not its midnight (shown the day before on a clock west of it).
        moment = moment.replace(hour=10)
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC)


# A list's column of the days a business closes (定休日 火曜日, "Closed Mondays", Ruhetag Montag).
_CLOSED_DAY_HEADERS = ("定休日", "休業日", "休診日", "休館日", "closed on", "closed", "closing day",
                       "closed days", "day off", "ruhetag", "ruhetage", "fermeture",
                       "jour de fermeture", "día de cierre", "giorno di chiusura")
_JA_DAYS = {"月": 0, "火": 1, "水": 2, "木": 3, "金": 4, "土": 5, "日": 6}
# Weekdays as English, German and French lists write them, whole or cut to three letters (not
# two: "so", "do" and "mi" are words too).
_LATIN_DAYS = {word: day for day, words in enumerate((
    ("mon", "monday", "mondays", "montag", "montags", "lundi", "lundis"),
    ("tue", "tues", "tuesday", "tuesdays", "dienstag", "dienstags", "mardi", "mardis"),
    ("wed", "weds", "wednesday", "wednesdays", "mittwoch", "mittwochs", "mercredi", "mercredis"),
    ("thu", "thur", "thurs", "thursday", "thursdays", "donnerstag", "donnerstags", "jeudi",
     "jeudis"),
    ("fri", "friday", "fridays", "freitag", "freitags", "vendredi", "vendredis"),
    ("sat", "saturday", "saturdays", "samstag", "samstags", "samedi", "samedis"),
    ("sun", "sunday", "sundays", "sonntag", "sonntags", "dimanche", "dimanches")))
    for word in words} | {word: day for day, words in enumerate((
        ("lunedì", "lunedi", "lunes"), ("martedì", "martedi", "martes"),
        ("mercoledì", "mercoledi", "miércoles", "miercoles"), ("giovedì", "giovedi", "jueves"),
        ("venerdì", "venerdi", "viernes"), ("sabato", "sábado", "sabado"),
        ("domenica", "domingo"))) for word in words}


@lru_cache(maxsize=1)
def _short_day() -> re.Pattern[str]:
    """A weekday cut short as a list or a rep writes it ("sat 10:00", "Tue.", "thurs"): the
    English abbreviations of _LATIN_DAYS."""
    short = sorted((w for w, day in _LATIN_DAYS.items()
                    if _WEEKDAYS[day].startswith(w) and w != _WEEKDAYS[day]), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(short) + r")\.?(?=\s|$)")


def closed_weekdays(value: str) -> frozenset[int]:
    """The weekdays a closing-day value names: '火曜日' -> {1}; '月・火曜' -> {0, 1};
    'Closed Mondays' -> {0}; 'Ruhetag: Dienstag' -> {1}; '年中無休', '不定休' -> none. A
    week of the month only ('第3火曜') is no weekly closing day."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    days: set[int] = set()
    if re.search(r"[月火水木金土日]", text):
        for found in re.finditer(r"(?<!第\d)(?<!第\d[・,、])([月火水木金土日](?:[・,、/]?[月火水木金土日])*)"
                                 r"(?:曜日?|曜)", text):
            days |= {_JA_DAYS[ch] for ch in found.group(1) if ch in _JA_DAYS}
        if days:
            return frozenset(days)
    return frozenset(_LATIN_DAYS[word] for word in re.findall(r"[a-zà-ÿ]+", text.lower())
                     if word in _LATIN_DAYS)


# A list's column of a business's opening hours (営業時間 10:00～20:00, "Opening hours 9-17").
_HOURS_HEADERS = ("営業時間", "受付時間", "診療時間", "opening hours", "opening times", "hours",
                  "business hours", "öffnungszeiten", "horaires", "horaires d'ouverture",
                  "horario", "orario", "orari")
_SPAN = re.compile(r"(\d{1,2})(?:[:：時](\d{2})?分?)?\s*(?:[~〜～\-–—]|to|bis|à|a)\s*"
                   r"(\d{1,2})(?:[:：時](\d{2})?分?)?")


def opening_hours(value: str) -> tuple[time, time] | None:
    """The first span of opening hours a value gives: '10:00～20:00' -> 10:00-20:00,
    '9-17', '10時～19時'; None when it gives none (or a span past midnight)."""
    found = _SPAN.search(unicodedata.normalize("NFKC", value or ""))
    if not found:
        return None
    start_h, start_m, end_h, end_m = (int(g) if g else 0 for g in found.groups())
    if not (0 <= start_h < 24 and 0 < end_h <= 24 and start_m < 60 and end_m < 60):
        return None
    start, end = time(start_h, start_m), time(min(end_h, 23), end_m if end_h < 24 else 59)
    return (start, end) if end > start else None


def company_schedule(db: Database, company_id: int) -> tuple[tuple[time, time] | None,
                                                             frozenset[int]]:
    """When the company's own lists say it is open, read from its records' extra columns in
    one pass: the first opening hours given (a column such as 営業時間), if any, and the
    weekdays it closes (定休日), from any of its records; none where no list says."""
    from spider.fields import fold_header

    hours: tuple[time, time] | None = None
    days: set[int] = set()
    for extra, in db.execute("select r.extra from records r join record_links l on l.record_id "
                             "= r.id where l.company_id = ? and r.extra is not null",
                             [company_id]):
        try:
            columns = json.loads(extra)
        except ValueError:
            continue
        for header, value in columns.items() if isinstance(columns, dict) else ():
            if not isinstance(value, str):
                continue
            said = fold_header(header)
            if hours is None and said in _HOURS_HEADERS:
                hours = opening_hours(value)
            if said in _CLOSED_DAY_HEADERS:
                days |= closed_weekdays(value)
    return hours, frozenset(days) if len(days) < 7 else frozenset()


# ---------------------------------------------------------------------------------------------
# The log


@dataclass
class Logged:
    id: int
    company_id: int
    name: str
    outcome: str
    attempt: int
    callback_at: str | None
    local_callback: str  # the callback in the prospect's own time, for the rep to read
    note: str
    caution: str = ""  # a callback given for a time its list or our hours say is shut


# Where a company keeps its hours: the region its records place it in where its country has
# several time zones ('US-TX'), else its own country column, else the country its records
# place it in (a Japanese directory with only an address column: the graph's
# place:country:JP), so its callbacks keep its hours and holidays (zone_of, is_working_day).
_MANY_ZONES = ", ".join(f"'{c}'" for c in sorted({code[:2] for code in _REGION_ZONES}))
COMPANY_COUNTRY = ("coalesce(nullif(co.country, ''), (select substr(cs.signal, 15) from "
                   "company_signals cs where cs.company_id = co.id and cs.signal like "
                   "'place:country:%' order by cs.weight desc limit 1))")
# (a company gone from every list has no place left: the zone its last call was logged in)
COMPANY_ZONE = (
    "coalesce((select substr(cs.signal, 14) from company_signals cs where cs.company_id = co.id "
    f"and cs.signal like 'place:region:%' and substr(cs.signal, 14, 2) in ({_MANY_ZONES}) "
    f"order by cs.weight desc limit 1), {COMPANY_COUNTRY}, (select c9.zone from call_log c9 "
    "join record_links l9 on l9.record_id = c9.record_id where l9.company_id = co.id and "
    "c9.zone is not null order by c9.id desc limit 1))")


def _company(db: Database, company_id: int) -> dict[str, Any]:
    row = next(iter(db.query(f"select co.id, co.name, {COMPANY_ZONE} as country, co.phone "
                             "from companies co where co.id = ?", [company_id])), None)
    if row is None:
        raise InputError(f"no company #{company_id}")
    return row


def attempts_since_contact(db: Database, company_id: int, before: str | None = None) -> int:
    """Calls since the decision maker was last reached (or ever); BEFORE: among those logged
    before that time (an imported call of last week counts the calls before it)."""
    n = 0
    for outcome, in db.execute(
            "select c.outcome from call_log c join record_links l on l.record_id = c.record_id "
            "where l.company_id = ? and (? is null or c.logged_at < ?) "
            "order by c.logged_at desc, c.id desc", [company_id, before, before]):
        if outcome not in RETRY:
            break
        n += 1
    return n


def log_call(db: Database, settings: Settings, name: str, outcome: str, *,
             note: str | None = None, contact: str | None = None, callback: str | None = None,
             rep: str | None = None, spoke_with: str | None = None,
             now: datetime | None = None) -> Logged:
    """Log one call to the company NAME (#id, or a name as `expand` finds it). CONTACT: whom
    to ask for next time; SPOKE_WITH: who answered this time (the receptionist's name, so
    the next call greets her by it)."""
    from spider.clients import named_record, resolve_company

    key = outcome_of(outcome)
    now = now or datetime.now(UTC)
    company_id = resolve_company(db, name, command="spider log")
    company = _company(db, company_id)
    # the business's own hours where its list gives them (a salon's 10:00～20:00), else ours
    hours, closed = company_schedule(db, company_id)
    hours = hours or parse_hours(settings.business_hours)
    attempt = attempts_since_contact(db, company_id) + 1 if key in RETRY else 0
    when: datetime | None = None
    caution = ""
    if callback:
        try:
            said = parse_when(callback, now, company["country"])
            # A day or an hour the prospect named ("土曜の15時なら大将がいます") is kept as
            # said, a restaurant's Saturday too; a span from now ("+3h") falls within hours.
            relative = re.fullmatch(r"\+\s*\d+\s*[hd]",
                                    unicodedata.normalize("NFKC", callback).strip().lower())
            when = within_hours(said, company["country"], hours, closed) if relative else said
        except (ValueError, OverflowError):  # 'tomorrow 25:00', '+99999999h', year 9999
            raise InputError(f"--callback {callback!r}: not a time to call back; say +3h, "
                             "tomorrow 10:00 or 2026-12-03 14:00") from None
        if when < now - timedelta(minutes=1):
            raise InputError(f"--callback {callback!r} is in the past; give a time to come")
        if when > now + timedelta(days=10 * 366):
            raise InputError(f"--callback {callback!r} is more than ten years ahead; give a "
                             "nearer time (a prospect not ready for years: log it not-now)")
        if not relative:
            caution = _shut_then(when, company["country"], hours, closed)
    elif key in RETRY and attempt < settings.callback_attempts:
        when = _next_try(settings, now, company["country"], hours, closed)
    row: dict[str, Any] = {"record_id": named_record(db, company_id, name), "outcome": key,
           "note": note,
           "contact": contact, "spoke_with": (spoke_with or "").strip() or None, "rep": rep,
           "logged_at": now.isoformat(timespec="seconds"),
           "callback_at": when.isoformat(timespec="seconds") if when else None,
           "attempt": attempt, "source": "cli", "zone": company["country"]}
    with transaction(db):
        insert_rows(db, "call_log", [row])
        row_id = db.execute("select max(id) from call_log").fetchone()[0]
        _what_it_means(db, key, company_id, name, note)
    local = when.astimezone(zone_of(company["country"])).strftime("%a %Y-%m-%d %H:%M %Z") \
        if when else ""
    return Logged(row_id, company_id, company["name"] or name, key, attempt, row["callback_at"],
                  local, note or "", caution)


def _next_try(settings: Settings, after: datetime, country: str | None,
              hours: tuple[time, time], closed: frozenset[int]) -> datetime:
    """When a missed call is tried again: `callback_hours` after it, within the business's
    hours (HOURS, CLOSED: `company_schedule`, ours where its list gives none)."""
    return within_hours(after + timedelta(hours=settings.callback_hours), country, hours, closed)


def _what_it_means(db: Database, key: str, company_id: int, name: str, note: str | None) -> None:
    """What a call's outcome decides beyond the log: "do not call" excludes the company, a
    deal makes it a won client (whether logged by hand or imported)."""
    from spider.clients import record_won

    if key == "do-not-call":
        from spider.exclusions import add_exclusion

        add_exclusion(db, f"#{company_id}", "do-not-call",
                      reason=note or "asked not to be called (call log)")
    elif key == "won":
        record_won(db, f"#{company_id}", entered=name if not name.startswith("#") else None)


def _shut_then(moment: datetime, country: str | None, hours: tuple[time, time],
               closed: frozenset[int]) -> str:
    """Why MOMENT may find the prospect shut ('' if it should not): its list's closing day,
    a public holiday, or outside the hours (its own, else ours)."""
    local = moment.astimezone(zone_of(country))
    if local.weekday() in closed:
        return f"its list says it closes on {_WEEKDAYS[local.weekday()].title()}s"
    if local.weekday() < 5 and not is_working_day(local.date(), country):
        return "a public holiday there"
    start, end = hours
    if not start <= local.time() <= end:
        return f"outside the hours {start:%H:%M}-{end:%H:%M}"
    return ""


def history(db: Database, company_id: int | None = None) -> list[dict[str, Any]]:
    """The call log, oldest first, each row with its company and where it keeps its hours
    (`zone`: a country, or a region of a country of several time zones)."""
    sql = (f"select c.*, l.company_id, co.name, {COMPANY_ZONE} as zone from call_log c "
           "left join record_links l on l.record_id = c.record_id left join companies co on "
           "co.id = l.company_id")
    params: list[Any] = []
    if company_id is not None:
        sql += " where l.company_id = ?"
        params.append(company_id)
    return list(db.query(sql + " order by c.logged_at, c.id", params))


def local_time(stamp: str, zone: str | None) -> str:
    """A stored UTC time as the company's own clock says it ('Thu 2026-12-03 10:00 JST')."""
    when = datetime.fromisoformat(stamp)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(zone_of(zone)).strftime("%a %Y-%m-%d %H:%M %Z")


LOG_COLUMNS = ("logged_at", "company_id", "company", "outcome", "spoke_with", "contact", "note",
               "callback_at", "attempt", "rep")


def export_log(db: Database, path: Path) -> int:
    rows = history(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=LOG_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({"company": row.get("name"), **{k: row.get(k) for k in LOG_COLUMNS
                                                           if k != "company"}})
    return len(rows)


def import_log(db: Database, settings: Settings, path: Path) -> tuple[int, list[str]]:
    """Calls from a CSV (company or company_id, outcome, optional logged_at, contact,
    spoke_with, note, callback_at, rep): how many were logged, and why each row left out was."""
    from spider.clients import named_record, resolve_company
    from spider.errors import QueryError

    if not path.is_file():
        raise InputError(f"{path}: no such file")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        found = {name.strip().lower(): name for name in reader.fieldnames or []}
        pick = {field: next((found[c] for c in names if c in found), None)
                for field, names in _IMPORT_COLUMNS.items()}
        rows = [{field: raw.get(column) if column else None for field, column in pick.items()}
                for raw in reader]
    if pick["company"] is None and pick["company_id"] is None or pick["outcome"] is None:
        raise InputError(f"{path}: needs a company column (company, account name...) and an "
                         f"outcome column (outcome, call result, disposition); it has "
                         f"{', '.join(found.values()) or 'none'}")
    added, skipped = 0, []
    with transaction(db):
        # Read every row first, then log them oldest first: a CRM export lists the newest
        # call first, and each call's attempt, and which call is a company's latest, follow
        # the order they were made in.
        read: list[tuple[str, int, int, str | None, str, str, str | None, int, dict[str, Any]]] = []
        for number, row in enumerate(rows, start=2):
            name = (row.get("company") or "").strip() or (
                f"#{row['company_id']}" if (row.get("company_id") or "").strip() else "")
            try:
                if not name:
                    raise InputError("no company named")
                company_id = resolve_company(db, name, command="spider calls import")
                outcome = outcome_of(row.get("outcome") or "")
                country = _company(db, company_id)["country"]
                # (a time without its zone in the prospect's own, as `spider log --callback`
                # reads it: a CRM export writes the rep's wall-clock time; so is when the
                # call was made, as `spider calls` shows it)
                logged = _iso(row.get("logged_at"), zone_of(country)) or now_iso()
                back = _iso(row.get("callback_at"), zone_of(country)) \
                    if (row.get("callback_at") or "").strip() else None
                given = int(row.get("attempt") or 0)
            except (InputError, QueryError, ValueError) as exc:
                skipped.append(f"row {number}: {exc}")
                continue
            if db.execute(
                    "select 1 from call_log c join record_links l on l.record_id = c.record_id "
                    "where l.company_id = ? and c.outcome = ? and c.logged_at = ? limit 1",
                    [company_id, outcome, logged]).fetchone():
                # (the same export read again, or a call logged by hand and then exported)
                skipped.append(f"row {number}: already logged ({outcome}, {logged})")
                continue
            read.append((logged, number, company_id, country, name, outcome, back, given, row))
        for logged, _, company_id, country, name, outcome, back, given, row in sorted(
                read, key=lambda r: (r[0], r[1])):
            # A missed call counts as `spider log` counts it (the calls before it), and one
            # with no callback of its own is tried again as a logged one would be: an
            # imported "no answer" had read as a lead given up after 0 attempts.
            attempt = given or (
                attempts_since_contact(db, company_id, before=logged) + 1
                if outcome in RETRY else 0)
            if back is None and outcome in RETRY and attempt < settings.callback_attempts:
                hours, closed = company_schedule(db, company_id)
                back = _next_try(settings, datetime.fromisoformat(logged), country,
                                 hours or parse_hours(settings.business_hours),
                                 closed).isoformat(timespec="seconds")
            insert_rows(db, "call_log", [{
                "record_id": named_record(db, company_id, name), "outcome": outcome,
                "note": row.get("note") or None, "contact": row.get("contact") or None,
                "spoke_with": row.get("spoke_with") or None,
                "rep": row.get("rep") or None, "logged_at": logged,
                "callback_at": back or None, "attempt": attempt, "source": str(path.name)}])
            _what_it_means(db, outcome, company_id, name, row.get("note") or None)
            added += 1
    return added, skipped


def _iso(text: str | None, zone: Any = UTC) -> str | None:
    """A CRM's date or date-time as ISO (2026-11-30, 2026-11-30 14:05, 11/30/2026 2:05 PM),
    one without its zone read in ZONE, in UTC."""
    value = (text or "").strip()
    if not value:
        return None
    for parse in (lambda v: datetime.fromisoformat(v.replace("Z", "+00:00")),
                  lambda v: datetime.strptime(v, "%m/%d/%Y %I:%M %p"),
                  lambda v: datetime.strptime(v, "%m/%d/%Y %H:%M"),
                  lambda v: datetime.strptime(v, "%m/%d/%Y"),
                  lambda v: datetime.strptime(v, "%Y/%m/%d %H:%M"),
                  lambda v: datetime.strptime(v, "%Y/%m/%d")):
        try:
            moment = parse(value)
        except ValueError:
            continue
        return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(
            UTC).isoformat(timespec="seconds")
    raise InputError(f"{value!r}: not a date Spider reads (2026-11-30 14:05 or 11/30/2026)")


# ---------------------------------------------------------------------------------------------
# The day's queue


# Each company's latest call: what decides whether it is waiting for a callback or nurtured.
LATEST_CALL = ("c.id in (select max(c2.id) from call_log c2 join record_links l2 on "
               "l2.record_id = c2.record_id group by l2.company_id)")


def due_callbacks(db: Database, until: datetime) -> list[dict[str, Any]]:
    """Each company's latest call, where it asked for a callback due by UNTIL and nothing
    was logged after it."""
    out = []
    for row in db.query(
            f"select c.*, l.company_id, co.name, co.phone, co.status as company_status, "
            f"{COMPANY_COUNTRY} as country, "
            f"{COMPANY_ZONE} as zone_place from "
            "call_log c join record_links l on l.record_id = c.record_id join companies co on "
            f"co.id = l.company_id where {LATEST_CALL} and c.callback_at is not null and "
            "c.callback_at <= ? order by c.callback_at", [until.isoformat()]):
        out.append(row)
    return out


# ---------------------------------------------------------------------------------------------
# Nurture: not now, not pushed


def nurture_list(db: Database, settings: Settings, now: datetime | None = None,
                 ) -> list[dict[str, Any]]:
    """Prospects to nurture rather than call now, each with why and its next touch: those who
    said "not now" (next touch when they said, or `nurture_days` after), those whose
    callbacks ran out without reaching the decision maker (`nurture_days` after), then
    prospects never called that no saved list ranks above C (touched by marketing now). A
    company excluded since is left out; one gone from its list is flagged."""
    from spider.exclusions import excluded_companies

    now = now or datetime.now(UTC)
    wait = timedelta(days=settings.nurture_days)
    excluded = excluded_companies(db, recent_days=0, nurtured=False)
    out: dict[int, dict[str, Any]] = {}
    for row in db.query(
            "select c.outcome, c.attempt, c.logged_at, c.callback_at, l.company_id, co.name, "
            f"co.phone, co.website, co.address, co.city, {COMPANY_COUNTRY} as country, "
            "co.status from call_log c join record_links l on l.record_id = c.record_id join "
            f"companies co on co.id = l.company_id where {LATEST_CALL}"):
        exhausted = row["outcome"] in RETRY and not row["callback_at"]
        if row["outcome"] != "not-now" and not exhausted:
            continue
        # ("not until the budget in April": the date they gave, where the rep logged one)
        said = row["outcome"] == "not-now" and row["callback_at"]
        touch = datetime.fromisoformat(row["callback_at"]) if said else \
            datetime.fromisoformat(row["logged_at"]) + wait
        why = "said not now" if row["outcome"] == "not-now" else \
            f"no decision maker after {row['attempt']} attempts"
        if row.pop("status", None) == "gone":
            why += "; gone from its list: check it still trades"
        out[row["company_id"]] = {**row, "why": why, "first": 0,
                                  "next_touch": touch.isoformat(timespec="seconds")}
    called = {c for c, in db.execute("select distinct l.company_id from call_log c join "
                                     "record_links l on l.record_id = c.record_id")}
    for row in db.query(
            "select p.company_id, co.name, co.phone, co.website, co.address, co.city, "
            f"{COMPANY_COUNTRY} as country from prospects p join companies co on co.id = "
            "p.company_id where p.priority = 'C' and coalesce(co.status, 'active') = 'active' "
            # (a C of one query that another ranks A or B is a lead to call, not to nurture)
            "and not exists (select 1 from prospects p2 where p2.company_id = p.company_id and "
            "p2.priority in ('A', 'B')) order by p.rank"):
        if row["company_id"] not in called and row["company_id"] not in out:
            out[row["company_id"]] = {**row, "why": "low priority (C)", "first": 1,
                                      "next_touch": now.isoformat(timespec="seconds")}
    from spider.expand import client_sites

    sites = client_sites(db, list(out))  # (a won client's own site is reached through it)
    # (what a prospect said first, by its next touch; the never-called C leads after)
    ordered = sorted((r for r in out.values() if r["company_id"] not in excluded
                      and r["company_id"] not in sites),
                     key=lambda r: (r["first"], r["next_touch"], r["company_id"]))
    for row in ordered:
        del row["first"]
        # (its day on the prospect's own clock: "2027-03-01 10:00" in Madrid is not the
        # 28th, as it is in UTC)
        row["next_touch_local"] = datetime.fromisoformat(row["next_touch"]).astimezone(
            zone_of(row.get("country"))).isoformat(timespec="minutes")
    return ordered


NURTURE_COLUMNS = ("company_id", "company", "phone", "website", "address", "city", "country",
                   "why", "next_touch")


def export_nurture(rows: list[dict[str, Any]], path: Path, delimiter: str = ",") -> None:
    """The nurture list as CSV, for a marketing tool (each next touch on the prospect's own
    clock, with its offset; a value a spreadsheet would run as a formula made safe)."""
    from spider.export import safe_cell, safe_phone

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=NURTURE_COLUMNS, extrasaction="ignore",
                                delimiter=delimiter)
        writer.writeheader()
        for row in rows:
            writer.writerow({**{k: safe_cell(v) for k, v in row.items()}, "company": safe_cell(row.get("name")),
                             "phone": safe_phone(row.get("phone") or ""),
                             "next_touch": row.get("next_touch_local") or row["next_touch"]})


# ---------------------------------------------------------------------------------------------
# What a rep has been handed


def mark_handed_out(db: Database, company_ids: list[int], how: str, file: str = "") -> None:
    """Note that these companies were handed to a rep (exported, queued), each by its oldest
    record. Waits a few seconds at most for another writer, as saving a run does."""
    if not company_ids:
        return
    from spider.db import rows_in

    anchors = [r for _, r in rows_in(db, "select company_id, min(record_id) from record_links "
                                     "where company_id in ({marks}) group by company_id",
                                     sorted(set(company_ids)))]
    timeout = db.execute("pragma busy_timeout").fetchone()[0]
    db.execute("pragma busy_timeout = 3000")
    try:
        with transaction(db):
            insert_rows(db, "handed_out", ({"record_id": r, "how": how, "at": now_iso(),
                                            "file": file} for r in anchors))
    finally:
        db.execute(f"pragma busy_timeout = {int(timeout)}")


def handed_out_companies(db: Database) -> set[int]:
    """Companies ever handed to a rep or called: `expand --more` leaves them out."""
    if not has_table(db, "handed_out"):
        return set()
    return {c for c, in db.execute(
        "select distinct l.company_id from handed_out h cross join record_links l on "
        "l.record_id = h.record_id union select distinct l.company_id from call_log c cross "
        "join record_links l on l.record_id = c.record_id")}
