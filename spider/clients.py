"""Won clients: record them one by one or import a CRM export; they become references.

Won clients are user data: they point at a stable record (not a company id), so no rebuild
or refresh ever loses them. Whether a client may be named to anyone else is decided here,
once, by `cite`: every exit (terminal, CSV, JSON, the prospects table) shows what it returns.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spider.db import Database, insert_rows, table, transaction, update_row, upsert_row
from spider.errors import InputError, QueryError
from spider.fields import account_relation, fold_header
from spider.names import find_companies, name_keys, named_as_typed, named_within
from spider.runtime import lazy_pattern
from spider.settings import Settings
from spider.text import now_iso, plural

if TYPE_CHECKING:
    from spider.ingest import IngestReport

_YES = {"1", "y", "yes", "true", "ok", "consent", "consented", "agreed", "referenceable", "可", "はい", "○", "◯"}
REFERENCEABLE_HEADERS = {"referenceable", "reference", "can name", "can be named", "consent",
                         "named reference", "reference ok", "実名可", "実名紹介", "事例公開可",
                         "事例公開", "社名公開可"}
STORY_HEADERS = {"story", "result", "results", "outcome", "result story", "notes", "成果", "導入効果"}
SUGGEST_SCORE = 80.0  # below this a name is no useful suggestion
STAGE_HEADERS = {"stage", "opportunity stage", "deal stage", "status", "phase", "フェーズ",
                 "ステージ", "商談フェーズ", "商談ステージ", "ステータス", "etapa", "fase",
                 "étape", "phase de vente", "verkaufsphase", "stufe",
                 # a Leads export's status (Open - Not Contacted, Closed - Converted): no lead
                 # is a won client, a converted one neither (it became an opportunity)
                 "lead status", "lead stage", "hs lead status", "deal status",
                 "opportunity status", "pipeline stage", "sales stage", "statut du lead",
                 "estado del lead", "status do lead", "lead-status"}
WON_AT_HEADERS = {"won_at", "won at", "close date", "closed", "won date", "closed date", "受注日"}


def cite(client: dict[str, Any]) -> str:
    """How a won client may be named in anything made for another person: by its name only
    if it agreed to be named; else as an anonymous won client, never by name."""
    if client.get("referenceable"):
        return str(client["name"])
    return f"anonymous: won client #{client['company_id']} (not to be named)"


def won_clients(db: Database) -> list[dict[str, Any]]:
    """Every won client with its company and the names that company goes by."""
    return list(db.query(
        "select w.id, w.name as entered, w.referenceable, w.story, l.company_id, c.name, c.name_local, "
        "c.name_en, c.legal_name, coalesce(c.status, 'active') as status, c.stale_since "
        "from won_clients w join record_links l on l.record_id = w.record_id "
        "join companies c on c.id = l.company_id order by w.id"))


def citable_clients(db: Database) -> list[dict[str, Any]]:
    """Won clients one per company, as they may be cited: a company that several won entries
    name (two records a person merged, each recorded) may be named only if every entry
    agreed; one "anonymous" keeps the whole company anonymous."""
    by_company: dict[int, dict[str, Any]] = {}
    for client in won_clients(db):
        seen = by_company.get(client["company_id"])
        if seen is None:
            by_company[client["company_id"]] = dict(client)
            continue
        seen["referenceable"] = bool(seen["referenceable"]) and bool(client["referenceable"])
        seen["story"] = seen["story"] or client["story"]
    return list(by_company.values())


def _anchor_record(db: Database, company_id: int) -> int:
    row = db.execute("select min(record_id) from record_links where company_id = ?", [company_id]).fetchone()
    if not row or row[0] is None:
        raise QueryError(f"company #{company_id} has no records; check the id with `spider records`")
    return row[0]


def record_won(db: Database, name: str, *, referenceable: bool | None = None,
               story: str | None = None, won_at: str | None = None, source: str = "cli",
               strict: bool = False, entered: str | None = None) -> dict[str, Any]:
    """Mark the company NAME (or #ID) as a won client. Raises QueryError if unknown/ambiguous.

    `strict` (CRM imports) accepts only a name that matches one company exactly after
    normalization, so an import never pins a win on a merely similar company.
    """
    text = name.strip()
    company_id = resolve_company(db, text, strict=strict, command="spider won")
    # ENTERED: the name as the user's file gives it, when the company was found another way
    text = entered or text
    record_id = _named_record(db, company_id, text)
    row = {"record_id": record_id, "name": text, "source": source,
           "referenceable": None if referenceable is None else int(referenceable),
           "story": story, "won_at": won_at}
    # One won entry per company, however many of its records a CRM has named.
    existing = db.execute(
        "select w.id from won_clients w join record_links l on l.record_id = w.record_id "
        "where l.company_id = ? or w.record_id = ?", [company_id, record_id]).fetchone()
    if existing:
        # Recording a client again changes only what was given: consent and the won date stay.
        # (its source stays the first: undoing a later import never takes a win made by hand)
        update_row(db, "won_clients", "id", existing[0],
                   {k: v for k, v in row.items()
                    if v is not None and k not in ("record_id", "source")})
        row = dict(table(db, "won_clients").get(existing[0]))
    else:
        row["referenceable"] = row["referenceable"] or 0
        row["won_at"] = row["won_at"] or now_iso()[:10]
        insert_rows(db, "won_clients", [row])
    return {"company_id": company_id, **row}


def remove_won(db: Database, *, name: str | None = None,
               from_file: str | Path | None = None) -> list[str]:
    """Take a won client off the list (recorded by mistake), or every one an import of
    FROM_FILE recorded; their companies stay, now prospects again. Returns their names."""

    if from_file is not None:
        source = str(Path(from_file).resolve())
        rows = db.execute("select w.id, w.name from won_clients w where w.source = ? order by w.id",
                          [source]).fetchall()
        if not rows:
            raise InputError(f"{from_file}: no won clients were recorded from this file; "
                             "see them with `spider won --list`")
    else:
        company_id = resolve_company(db, str(name).strip(), command="spider won")
        rows = db.execute(
            "select w.id, w.name from won_clients w join record_links l on l.record_id = w.record_id "
            "where l.company_id = ? order by w.id", [company_id]).fetchall()
        if not rows:
            raise QueryError(f"{name!r} is not a won client; see them with `spider won --list`")
    with transaction(db):
        for won_id, _ in rows:
            db.execute("delete from won_clients where id = ?", [won_id])
    return [str(called) for _, called in rows]


def _by_phone(db: Database, text: str) -> list[int] | None:
    """The companies a phone number typed for a company names ("503-245-1999", "+81 3 3211
    5211": the last nine digits, or all of a shorter number, alike); None when TEXT is no
    phone number."""
    digits = re.sub(r"\D", "", text)
    if len(digits) < 7 or not re.fullmatch(r"[\d\s()+.\-/]+", text):
        return None
    key = digits[-9:]
    out: list[int] = []
    for company_id, phone in db.execute(
            "select distinct l.company_id, r.phone from records r join record_links l on "
            "l.record_id = r.id where r.phone like ? and coalesce(r.status, 'active') = 'active'",
            [f"%{digits[-2:]}%"]):
        theirs = re.sub(r"\D", "", str(phone or ""))
        if theirs and theirs[-len(key):] == key and len(theirs) >= len(key) \
                and company_id not in out:
            out.append(int(company_id))
    return out


def _won_client_named(db: Database, name: str) -> str | None:
    """The won client NAME names exactly, as recorded; None where it names none."""
    if not name.strip():
        return None
    try:
        company_id = resolve_company(db, name, strict=True)
    except QueryError:
        return None
    row = db.execute("select w.name from won_clients w join record_links l on l.record_id = "
                     "w.record_id where l.company_id = ? limit 1", [company_id]).fetchone()
    return str(row[0]) if row else None


def resolve_company(db: Database, text: str, *, strict: bool = False,
                    command: str = "spider won") -> int:
    """The one company TEXT names (#ID, or a name in any script, as `expand` finds it); a
    QueryError with the candidates when it names none or several. `strict` accepts only a
    name that matches one company exactly after normalization."""
    text = text.strip()
    if text.lstrip("#").isdigit() and len(text.lstrip("#")) <= 18:
        company_id = int(text.lstrip("#"))
        if not db.execute("select 1 from companies where id = ?", [company_id]).fetchone():
            raise QueryError(f"no company #{company_id}; find ids with `spider records`")
        return company_id
    by_phone = _by_phone(db, text)
    if by_phone is not None:
        if len(by_phone) == 1:
            return by_phone[0]
        if by_phone:
            raise QueryError(f"{text!r} is the phone of {len(by_phone)} companies; rerun with "
                             f"the #id of one (e.g. {command} '#{by_phone[0]}')")
        raise QueryError(f"{text!r}: no company here has that phone number; name the company "
                         "or give its #id")
    # (every company of a chain's name, not the first eight: "matches 12 companies")
    found = [c for c in find_companies(db, text, limit=100) if c["score"] >= SUGGEST_SCORE]
    strong = [c for c in found if c["score"] >= (100 if strict else 90)]
    if not strict and (not strong or strong[0]["score"] < 100):
        # A chain's one site by its name and where it is ("Chuy's Austin", "Chuy's 1333 Main
        # St"): the name's companies there.
        placed = _named_at(db, text)
        if len(placed) == 1:
            return placed[0]["company_id"]
        if placed:
            raise QueryError(f"{text!r} names {len(placed)} companies; rerun with the #id of "
                             f"one (e.g. {command} '#{placed[0]['company_id']}')",
                             candidates=placed[:8])
    if not strong and not strict:
        # A client by its own word ("Hoffmann" of Elektrotechnik Hoffmann & Sohn), as
        # `expand` finds it: one such company is the one meant; several, a choice.
        within = named_within(db, text, score=90)
        if len(within) == 1:
            return int(within[0]["company_id"])
        if within:
            raise QueryError(f"{text!r} is a word in the names of {len(within)} companies; "
                             f"rerun with the #id of one (e.g. {command} "
                             f"'#{within[0]['company_id']}')", candidates=within[:8])
    if not strong:
        if found:
            raise QueryError(f"no company is called {text!r}; if it is one of these, rerun with "
                             f"its #id (e.g. {command} '#" + str(found[0]["company_id"]) + "')",
                             candidates=found[:5])
        raise QueryError(f"{text!r} is not in the database; add it with `spider ingest` or "
                         "`spider won --from crm.csv`")
    exact = [c for c in strong if c["score"] >= 100] or strong
    typed = named_as_typed(exact, text) if len(exact) > 1 else None
    if typed is not None:
        return int(typed["company_id"])
    if len(exact) > 1 and exact[1]["score"] >= exact[0]["score"] - 3:
        raise QueryError(f"{text!r} matches {len(exact)} companies"
                         + (" (the first 8 below)" if len(exact) > 8 else "")
                         + f"; rerun with the #id of one, or add its town or street "
                         f"({command} \"{text} TOWN\")", candidates=exact[:8])
    if exact[0]["score"] < 100 and not strict:
        # No name is exactly this: a word several names hold ("Huber" of Huber Malermeister,
        # Dachdeckerei Huber, Elektro-Huber) names none of them more than the others, though
        # one begins with it. A call logged to the wrong one is worse than a question.
        within = named_within(db, text, score=90)
        if len(within) > 1:
            raise QueryError(f"{text!r} is a word in the names of {len(within)} companies; "
                             f"rerun with the #id of one (e.g. {command} "
                             f"'#{within[0]['company_id']}')", candidates=within[:8])
    return int(exact[0]["company_id"])


def _named_at(db: Database, text: str) -> list[dict[str, Any]]:
    """The companies TEXT names by a name and, after it, where the company is: a town, a
    district or words of its address ("Chuy's Austin", "Chuy's South Lamar")."""
    from spider.resolve.normalize import fold

    words = text.split()
    for cut in range(len(words) - 1, 0, -1):
        name, where = " ".join(words[:cut]), fold(" ".join(words[cut:]))
        if len(where) < 3:
            continue
        named = [c for c in find_companies(db, name, limit=100) if c["score"] >= 95]
        if not named:
            continue
        marks = ",".join("?" * len(named))
        rows = db.execute(f"select id, coalesce(city, ''), coalesce(address, ''), "
                          f"coalesce(district, '') from companies where id in ({marks})",
                          [c["company_id"] for c in named]).fetchall()
        at = {cid for cid, *place in rows
              if any(where == fold(p) or f" {where} " in f" {fold(p)} " for p in place if p)}
        if at:
            return [c for c in named if c["company_id"] in at]
    return []


def named_record(db: Database, company_id: int, text: str) -> int:
    """The company's record whose name TEXT gives (else its oldest): what a decision about
    the company is pinned to, so a later split keeps it with the record it names."""
    return _named_record(db, company_id, text)


def _named_record(db: Database, company_id: int, text: str) -> int:
    """The company's record whose name the user gave (so a later split keeps the client with
    the record it names); the oldest record when no name matches."""
    wanted = name_keys(text)
    for record_id, *names in db.execute(
        "select r.id, r.name, r.name_en, r.name_local, r.legal_name from records r join "
        "record_links l on l.record_id = r.id where l.company_id = ? order by r.id", [company_id]):
        if any(wanted & name_keys(n) for n in names if n):
            return record_id
    return _anchor_record(db, company_id)


@dataclass
class WonImport:
    """What a CRM import did: rows matched to known companies, rows added, rows skipped."""

    report: IngestReport
    matched: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    not_won: list[tuple[str, str]] = field(default_factory=list)  # (row, stage)
    # won clients this export says lost: (row, the client's name, stage)
    now_lost: list[tuple[str, str, str]] = field(default_factory=list)
    unresolved: list[tuple[str, list[dict]]] = field(default_factory=list)  # (name, candidates)

    @property
    def recorded(self) -> int:
        return len(self.matched) + len(self.added)

    def summary(self) -> str:
        return (f"{self.report.source}: {self.report.read} rows; {plural(self.recorded, 'won client', 'won clients')} "
                f"recorded ({len(self.matched)} matched to known companies, {len(self.added)} added "
                f"as new companies); {len(self.not_won)} not won, {len(self.unresolved)} to resolve "
                f"by id, {len(self.report.skipped)} unusable")



_NOT_WON = lazy_pattern(r"lost|not\s*won|un-?won|won'?t|open|negotiat|proposal|pending|expected|"
                      r"perdid|no ganad|perdu|non gagn|verloren|nicht gewonnen|persa|perso|"
                      r"失注|不成立|未|見込|予定|検討|交渉|提案")
# (a Spanish, French, German or Italian CRM's "Cerrada ganada", "Fermée gagnée",
# "Gewonnen", "Chiusa vinta")
_WON = re.compile(r"\bwon\b|closedwon|closed-won|\bganad[ao]\b|\bgagn[ée]e?\b|\bgewonnen\b|"
                  r"\bvint[ao]\b|受注|成約|契約済")  # closedwon: HubSpot's internal id


def is_won_stage(stage: str) -> bool:
    """A CRM stage that means the deal was won ("Closed Won", "Won", 受注, 成約) and nothing that
    merely mentions winning ("Not Won", 受注見込み, 未受注)."""
    text = fold_header(stage)
    return not _NOT_WON.search(text) and bool(_WON.search(text))


def import_won(db: Database, settings: Settings, path: str | Path) -> WonImport:
    """Import won clients from a CRM export.

    Rows whose stage column says the deal is not won (Closed Lost, Negotiation ...) are
    skipped. A row naming a company already known marks that company; any other row becomes
    a new record (so the client joins the graph) and is marked won. `referenceable`, `story`
    and close-date columns are read when present.
    """
    # Ingesting and rebuilding are this command's work only: imported here, so the modules
    # that cite won clients (expand, export) load without them.
    from spider.ingest import IngestReport, read_seed_file, save_records
    from spider.pipeline import rebuild
    from spider.sources import register_source

    path = Path(path)
    source = str(path.resolve())
    result = WonImport(IngestReport(source))
    rows = list(read_seed_file(path, report=result.report, source=source))
    if not rows:
        raise InputError(f"{path}: no usable rows; the file needs a name column such as "
                         "'Account Name' or '取引先名'")
    fresh: list[tuple[dict[str, Any], str, dict[str, Any]]] = []
    # An accounts export says which accounts are customers in a Type or lifecycle column
    # (read as the category where no other column is): then only its customers are won.
    # (Only where most rows say such a thing and some say customer: a deals export whose
    # Type column says Hotel, Hotel, Other is no accounts export.)
    relations = [account_relation(json.loads(row.get("extra") or "{}"), row.get("category"))
                 for row in rows]
    said_any = sum(1 for relation, _ in relations if relation is not None)
    typed = said_any >= TYPED_SHARE * len(rows) and any(
        relation == "customer" for relation, _ in relations)
    for row, (relation, said) in zip(rows, relations, strict=True):
        extra = _extra_fields(row)
        if "stage" in extra and not is_won_stage(extra["stage"]):
            result.not_won.append((row["source_row"], extra["stage"]))
            if "lost" in str(extra["stage"]).lower():
                # (a client won before that this export says lost: said, not taken off)
                lost = _won_client_named(db, str(row.get("name") or row.get("legal_name") or ""))
                if lost is not None:
                    result.now_lost.append((row["source_row"], lost, str(extra["stage"])))
            continue
        if typed and relation != "customer" and "stage" not in extra:
            # (a stage that says won is a win, whatever the account's type)
            result.not_won.append((row["source_row"], said or "no type"))
            continue
        # read_seed_file yields only rows with a name in one of the name fields
        name = str(row.get("name") or row.get("name_en") or row.get("legal_name")
                   or row.get("name_local"))
        consent = extra.get("referenceable")
        values: dict[str, Any] = {
            "referenceable": None if consent is None else consent.strip().lower() in _YES,
            "story": extra.get("story") or None, "won_at": extra.get("won_at")}
        try:
            try:
                record_won(db, name, source=source, strict=True, **values)
            except QueryError as exc:
                # Not by its name alone ("Kemba Financial CU", "Augustiner Bräu München"): by
                # what the resolver weighs, its address, postal code and phone with its name.
                known = _known_company(db, settings, row)
                if known is None:
                    raise exc from None
                record_won(db, f"#{known}", source=source, entered=name, **values)
            result.matched.append(name)
        except QueryError as exc:
            if exc.candidates:
                # Close to known companies but not exactly one of them (a typo, a name several
                # companies share): a rep must say which, not a new empty company.
                result.unresolved.append((name, exc.candidates))
            else:
                fresh.append((row, name, values))
    if fresh:
        save_records(db, [row for row, _, _ in fresh], result.report)
        register_source(db, source, "won", records=result.report.kept,
                        skipped=len(result.report.skipped))
        rebuild(db, settings)
        for row, name, values in fresh:
            # save_records wrote each row's key (its identity in the CRM file) onto it
            rid = db.execute("select id from records where record_key = ?",
                             [row["record_key"]]).fetchone()[0]
            upsert_row(db, "won_clients", {
                "record_id": rid, "name": name, "referenceable": int(bool(values["referenceable"])),
                "story": values["story"], "won_at": values["won_at"] or now_iso()[:10],
                "source": source}, pk="record_id")
            result.added.append(name)
    return result


# A CRM row matches a known company when the resolver scores them at least the review
# threshold with its place or phone agreeing, this far ahead of the next company.
KNOWN_MARGIN = 5.0
KNOWN_SITE_SCORE = 50.0


def _known_company(db: Database, settings: Settings, row: dict[str, Any]) -> int | None:
    """The company a CRM row names in other words, if the resolver says so: candidates by
    name (loosely), postal code and phone; the best must reach the review threshold with
    its address, postal code or phone agreeing (or the match threshold alone) and be clearly
    ahead of the next."""
    from spider.resolve.keys import normalize_phone
    from spider.resolve.prepare import Weights, prepare_record
    from spider.resolve.score import score_pair

    name = str(row.get("name") or row.get("name_en") or row.get("legal_name") or "")
    ids = {c["company_id"] for c in find_companies(db, name, limit=8, cutoff=50)}
    if row.get("postal_code"):
        ids |= {cid for cid, in db.execute(
            "select id from companies where postal_code = ? limit 50", [row["postal_code"]])}
    phone = normalize_phone(row.get("phone"))
    if phone:
        ids |= {cid for cid, tel in db.execute(
            "select id, phone from companies where phone like ? limit 50", [f"%{phone[-4:]}"])
            if normalize_phone(tel) == phone}
    if not ids:
        return None
    columns = ("id", "name", "name_local", "name_en", "legal_name", "category", "address",
               "city", "region", "country", "postal_code", "phone", "website", "lat", "lon")
    known = [dict(zip(columns, r, strict=True)) for r in db.execute(
        f"select {', '.join(columns)} from companies where id in ({', '.join('?' * len(ids))})",
        sorted(ids))]
    mine = prepare_record(len(known), {k: v for k, v in row.items() if k in columns})
    prepared = [prepare_record(i, r) for i, r in enumerate(known)]
    weights = Weights([*prepared, mine])
    scored = []
    for rec, company in zip(prepared, known, strict=True):
        value, breakdown = score_pair(mine, rec, weights)
        agrees = [k for k in ("address", "postal_code", "phone") if breakdown.get(k, 0) > 0]
        # One site: the street address and its postal code or phone agree, and the names share
        # a word of their own ("Früh Kölsch", "Früh am Dom"); a law office at a dental
        # group's address, with its switchboard, shares none.
        # (or no address in the CRM's row, and its phone and postal code agree: "Oakdene
        # Grange NH (Maidstone)" of Oakdene Grange Nursing Home)
        site = (("address" in agrees and len(agrees) >= 2 and value >= KNOWN_SITE_SCORE)
                or {"phone", "postal_code"} <= set(agrees)) and _share_a_name_word(name, company)
        if value >= settings.match_threshold or site or (
                value >= settings.review_threshold and agrees):
            scored.append((value, company["id"]))
    scored.sort(reverse=True)
    if not scored or (len(scored) > 1 and scored[1][0] > scored[0][0] - KNOWN_MARGIN):
        return None
    return scored[0][1]


def _share_a_name_word(name: str, company: dict[str, Any]) -> bool:
    """Whether a CRM name and a company's names share a word that is not a legal form or a
    common business word (KEMBA, Früh)."""
    from spider.resolve.normalize import normalize_name, strip_legal_forms
    from spider.resolve.words import COMMON_WORDS

    def words(text: str | None) -> set[str]:
        folded = strip_legal_forms(normalize_name(text or ""))
        return {w for w in folded.split() if len(w) >= 3 and w not in COMMON_WORDS}

    mine = words(name)
    theirs = set().union(*(words(company.get(k)) for k in ("name", "name_local", "name_en",
                                                           "legal_name")))
    return bool(mine & theirs)


TYPED_SHARE = 0.6  # of an export's rows saying what each account is, for it to decide the wins


def _extra_fields(row: dict[str, Any]) -> dict[str, str]:
    extra = json.loads(row.get("extra") or "{}")
    out: dict[str, str] = {}
    for column, value in extra.items():
        folded = fold_header(column)
        if folded in REFERENCEABLE_HEADERS:
            out["referenceable"] = str(value)
        elif folded in STORY_HEADERS:
            out["story"] = str(value)
        elif folded in WON_AT_HEADERS:
            out["won_at"] = str(value)
        elif folded in STAGE_HEADERS:
            out["stage"] = str(value)
    return out
