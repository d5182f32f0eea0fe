"""The manager's funnel: dials -> contacts -> meetings -> deals -> revenue, worked back from a
sales target to the calls needed each week, with the ratios learned from the call log (and
stated defaults, marked as such, while the log is thin); call blocks for the calendar; and
a report of activity against the plan.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from spider.calls import OUTCOMES, is_working_day
from spider.db import Database, get_meta, has_table, set_meta, transaction
from spider.errors import InputError
from spider.text import plural

STAGES = ("dial", "contact", "meeting", "deal")
NOT_DIALS = frozenset({"meeting-held", "proposal", "won", "lost"})
_RANK = {stage: n for n, stage in enumerate(STAGES)}
# Each step's ratio when the log is too thin to learn it: 1 dial in 10 reaches the decision
# maker, 1 contact in 5 books a meeting, 1 meeting in 5 becomes a deal (a good month for a
# rep is about twenty meetings).
DEFAULTS = {"dial": 0.10, "contact": 0.20, "meeting": 0.20}
# A ratio is learned once its step has this many events behind it.
LEARN_FROM = {"dial": 30, "contact": 10, "meeting": 5}
PERIODS = {"week": 1, "month": 52 / 12, "quarter": 13, "year": 52}
WORKING_WEEKS_A_YEAR = 48


@dataclass
class Ratio:
    step: str  # dial (-> contact), contact (-> meeting), meeting (-> deal)
    value: float
    learned: bool
    events: int
    given: bool = False  # the manager's own rate (spider plan --reach/--book/--close)

    def text(self) -> str:
        later = STAGES[_RANK[self.step] + 1]
        said = plural(self.events, self.step, self.step + "s")
        how = f"your rate; the log has {said}" if self.given else \
            f"learned from {said}" if self.learned else \
            f"default: {said} logged, {LEARN_FROM[self.step]} needed to learn it"
        return f"1 {self.step} in {1 / self.value:.1f} becomes a {later} ({how})"


def parse_rate(text: str, option: str) -> float:
    """A conversion rate as a manager writes it: 15%, 0.15, 1/7 or "1 in 7"."""
    said = text.strip().lower().replace(" in ", "/").replace(" ", "")
    try:
        if said.endswith("%"):
            value = float(said[:-1].replace(",", ".")) / 100
        elif "/" in said:
            top, bottom = said.split("/", 1)
            value = float(top) / float(bottom)
        else:
            value = float(said.replace(",", "."))
    except (ValueError, ZeroDivisionError):
        raise InputError(f"{option} {text!r}: say a rate, as 15%, 0.15 or 1/7") from None
    if not 0 < value <= 1:
        raise InputError(f"{option} {text!r}: a rate above 0 and at most 100%")
    return value


def _n(count: int, noun: str) -> str:
    """'1 deal', '12 deals', '25,000 dials'."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def funnel_counts(db: Database, *, rep: str | None = None, since: str | None = None,
                  ) -> dict[str, int]:
    """Dials, and the companies that reached each later stage, from the call log."""
    sql = ("select l.company_id, c.outcome from call_log c join record_links l on "
           "l.record_id = c.record_id where 1 = 1")
    params: list[Any] = []
    if rep:
        sql += " and c.rep = ?"
        params.append(rep)
    if since:
        sql += " and c.logged_at >= ?"
        params.append(since)
    dials = 0
    dialled: set[int] = set()
    reached: dict[str, set[int]] = {stage: set() for stage in STAGES[1:]}
    for company_id, outcome in db.execute(sql, params):
        # (a meeting held, a proposal sent, a deal won or lost is a step of the deal, logged
        # for the funnel, not a call placed: counted as dials it had lowered every ratio)
        if outcome not in NOT_DIALS:
            dials += 1
            dialled.add(company_id)
        stage = OUTCOMES.get(outcome, ("dial", ""))[0]
        for later in STAGES[1:_RANK[stage] + 1]:
            reached[later].add(company_id)
    # A company reached with no call logged before its meeting or deal (the rep logged only
    # "won") was dialled once all the same: never fewer dials than contacts.
    dials += len(reached["contact"] - dialled)
    return {"dial": dials, **{stage: len(ids) for stage, ids in reached.items()}}


def ratios(db: Database, rep: str | None = None) -> list[Ratio]:
    counts = funnel_counts(db, rep=rep)
    out = []
    for step in STAGES[:-1]:
        later = STAGES[_RANK[step] + 1]
        events = counts[step]
        learned = events >= LEARN_FROM[step] and counts[later] > 0
        value = counts[later] / events if learned else DEFAULTS[step]
        out.append(Ratio(step, value, learned, events))
    return out


@dataclass
class Plan:
    target: float
    deal_size: float
    period: str
    deals: int
    meetings: int
    contacts: int
    dials: int
    weeks: float
    ratios: list[Ratio]
    made_at: str

    def per_week(self, stage: str) -> float:
        return getattr(self, f"{stage}s") / self.weeks

    def lines(self) -> list[str]:
        out = [f"Target {self.target:,.0f} over a {self.period} at {self.deal_size:,.0f} a deal:",
               f"  {_n(self.deals, 'deal')} <- {_n(self.meetings, 'meeting')} <- "
               f"{_n(self.contacts, 'contact')} <- {_n(self.dials, 'dial')}"]
        out += [f"  {r.text()}" for r in reversed(self.ratios)]
        out.append(f"  a week ({self.weeks:g} working weeks): {self.per_week('deal'):.1f} deals, "
                   f"{self.per_week('meeting'):.1f} meetings, {self.per_week('contact'):.1f} "
                   f"contacts, {self.per_week('dial'):.0f} dials; a working day "
                   f"{math.ceil(self.per_week('dial') / 5)} dials")
        return out


def make_plan(db: Database, target: float, deal_size: float, period: str = "year", *,
              rep: str | None = None, given: dict[str, float] | None = None) -> Plan:
    """Work back from TARGET (revenue over PERIOD) to the deals, meetings, contacts and dials
    it takes, and keep the plan for `spider report`. GIVEN: the manager's own rate for a
    step (dial, contact, meeting), over what the log has learned or the default."""
    if target <= 0 or deal_size <= 0:
        raise InputError("--target and --deal-size are amounts above zero")
    if period not in PERIODS:
        raise InputError(f"--period {period!r}: say week, month, quarter or year")
    own = given or {}
    found = [Ratio(r.step, own[r.step], r.learned, r.events, True) if r.step in own else r
             for r in ratios(db, rep)]
    by_step = {r.step: r.value for r in found}
    deals = math.ceil(target / deal_size)
    meetings = math.ceil(deals / by_step["meeting"])
    contacts = math.ceil(meetings / by_step["contact"])
    dials = math.ceil(contacts / by_step["dial"])
    weeks = PERIODS[period] * WORKING_WEEKS_A_YEAR / 52
    plan = Plan(target, deal_size, period, deals, meetings, contacts, dials, round(weeks, 2),
                found, datetime.now(UTC).isoformat(timespec="seconds"))
    with transaction(db):
        set_meta(db, "plan", json.dumps(asdict(plan)))
    return plan


def saved_plan(db: Database) -> Plan | None:
    text = get_meta(db, "plan")
    if not text:
        return None
    data = json.loads(text)
    data["ratios"] = [Ratio(**r) for r in data["ratios"]]
    return Plan(**data)


DAY_ENDS_AT = 18  # the hour a day's call blocks end by


def write_ics(plan: Plan, path: Path, *, start: date, weeks: int, country: str,
              at: str = "10:00", minutes_per_dial: float = 3.0) -> int:
    """Daily call blocks for the calendar (iCalendar), one per working day of the coming
    WEEKS (weekends and COUNTRY's public holidays skipped), long enough for the day's dials.
    Times are floating local time, as a calendar shows them where the rep is."""
    dials = math.ceil(plan.per_week("dial") / 5)
    minutes = max(30, math.ceil(dials * minutes_per_dial / 15) * 15)
    hour, minute = (int(x) for x in at.split(":"))
    # (a block never runs past the working day into the next: 500 dials a day had made
    # blocks of 25 hours, each over the next; what one day cannot hold is said)
    day_left = max(30, (DAY_ENDS_AT - hour) * 60 - minute)
    over = minutes > day_left
    minutes = min(minutes, day_left)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Spider//call blocks//EN",
             "CALSCALE:GREGORIAN"]
    count = 0
    for offset in range(weeks * 7):
        day = start + timedelta(days=offset)
        if not is_working_day(day, country):
            continue
        begin = datetime(day.year, day.month, day.day, hour, minute)
        end = begin + timedelta(minutes=minutes)
        lines += ["BEGIN:VEVENT", f"UID:{uuid.uuid4()}@spider", f"DTSTAMP:{stamp}",
                  f"DTSTART:{begin:%Y%m%dT%H%M%S}", f"DTEND:{end:%Y%m%dT%H%M%S}",
                  f"SUMMARY:Call block: {dials} dials",
                  f"DESCRIPTION:spider today - {dials} dials a day toward {plan.meetings} "
                  f"meetings and {plan.deals} deals this {plan.period}"
                  + (" (more than one day holds: share them across the team)" if over else ""),
                  "END:VEVENT"]
        count += 1
    lines.append("END:VCALENDAR")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return count


def never_called(db: Database, limit: int | None = None) -> list[tuple[int, str, str]]:
    """Leads handed out (exported, queued or assigned to a rep) and never called, oldest
    first: (company id, name, first handed out).
    The hand-outs and the calls drive their joins (CROSS JOIN): left to itself SQLite walks
    every record link of a national register to meet them. A company closed since, or gone
    from every source, is no lead left uncalled."""
    from spider.db import has_table
    from spider.exclusions import excluded_companies
    from spider.signals import not_open

    # (a won client, a do-not-call, is no lead left uncalled)
    shut = not_open(db) | excluded_companies(db, 0, nurtured=False).keys()
    # A lead a manager assigned is handed out as much as one exported or queued: "none lies
    # uncontacted" counts both (the report had said 9 where the reps held 75).
    given = ("(select record_id, at from handed_out union all select record_id, assigned_at "
             "from assignments)" if has_table(db, "assignments") else "handed_out")
    out = []
    for row in db.execute(
            f"select l.company_id, co.name, min(h.at) from {given} h cross join record_links l "
            "on l.record_id = h.record_id join companies co on co.id = l.company_id where "
            "coalesce(co.status, 'active') = 'active' and l.company_id not in (select "
            "l2.company_id from call_log c cross join record_links l2 on l2.record_id = "
            "c.record_id) group by l.company_id order by min(h.at)"):
        if row[0] not in shut:
            out.append(tuple(row))
            if limit and len(out) >= limit:
                break
    return out


def _of_planned(planned: float) -> str:
    """' of 9 planned'; a fraction said as one (' of 0.2 planned': '1 of 0 planned' reads as
    no plan); nothing planned, nothing said."""
    if planned >= 1:
        return f" of {planned:.0f} planned"
    return f" of {planned:.1f} planned" if planned > 0 else ""


def report(db: Database, *, rep: str | None = None, period: str = "week",
           now: datetime | None = None) -> list[str]:
    """Activity this week (or month) against the plan, the funnel's ratios, meetings this
    month, and the leads handed out but never called, oldest first."""
    now = now or datetime.now(UTC)
    if period == "week":
        since = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0,
                                                              microsecond=0)
    else:
        since = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    done = funnel_counts(db, rep=rep, since=since.isoformat())
    plan = saved_plan(db)
    who = f" ({rep})" if rep else ""
    # One rep's share of the team's plan: the plan split evenly over the team (a rep's
    # report of the whole team's 260 dials, twice over for two reps, added up to 520).
    share = 1.0
    if rep:
        from spider.routing import reps as team
        from spider.routing import team_rep

        names = [member.name for member in team(db)]
        rep = team_rep(db, rep)
        if rep in names:
            share = 1 / len(names)
        elif not names and not (has_table(db, "call_log") and db.execute(
                "select 1 from call_log where rep = ? limit 1", [rep]).fetchone()):
            raise InputError(f"--rep {rep!r}: no such rep; `spider reps` lists them")
    out = [f"This {period}{who}, since {since:%Y-%m-%d}"
           + (f" (a {len(names)}-rep team's plan, split evenly):" if share < 1 else ":")]
    month_weeks = PERIODS["month"] * WORKING_WEEKS_A_YEAR / 52
    weeks = 1 if period == "week" else month_weeks
    for stage in STAGES:
        goal = _of_planned(plan.per_week(stage) * weeks * share) if plan else ""
        out.append(f"  {stage}s: {done[stage]}{goal}")
    out.append("Ratios:")
    out += [f"  {r.text()}" for r in ratios(db, rep)]
    month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0).isoformat()
    # (the plan's own monthly meetings where there is one: it is what the rep works to)
    monthly = _of_planned(plan.per_week("meeting") * month_weeks * share) if plan else ""
    out.append(f"Meetings this month: {funnel_counts(db, rep=rep, since=month)['meeting']}"
               + (monthly or " (a good month is about twenty)"))
    stale = never_called(db)
    if rep:
        # (one rep's report: the leads routed to that rep, not everyone's)
        from spider.routing import owners

        owned = owners(db, [company_id for company_id, _, _ in stale])
        stale = [row for row in stale if owned.get(row[0]) == rep]
    out.append(f"Leads handed out{f' to {rep}' if rep else ''} and never called: {len(stale)}")
    for company_id, name, at in stale[:15]:
        age = (now - datetime.fromisoformat(at)).days
        out.append(f"  #{company_id} {name}: {age} days")
    if not plan:
        out.append("No plan yet: `spider plan --target AMOUNT --deal-size AMOUNT`.")
    return out
