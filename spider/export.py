"""Export: call lists as CSV (Excel-ready, UTF-8 with BOM, formula-safe), JSON or a table.

Every exit goes through `_exportable`, which checks the exclusions again as it writes (a
company excluded after the list was made never reaches a file); a won client is shown only
as `spider.clients.cite` allows. Every file written gets the settings beside it
(NAME.settings.json) so the list can be reproduced.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

from spider.clients import cite
from spider.db import Database
from spider.errors import InputError
from spider.exclusions import without_excluded
from spider.prospects import Expansion
from spider.runtime import lazy_pattern
from spider.settings import Settings

CALL_LIST_COLUMNS = ("rank", "company", "local_name", "phone", "website", "address", "city",
                     "region", "postal_code", "segment", "score", "priority", "reasons", "reference", "opening_line",
                     "ask_for", "contact", "contact_role", "sources", "owner", "contact_source")
# A cell starting with these is run as a formula by Excel, LibreOffice and Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


# An international phone number: a plus, then only digits and the marks that group them.
_PHONE = lazy_pattern(r"^[+\uff0b]([\d\uff10-\uff19]{1,3})(?:[\s.\-/]+|(?=\())([\d\s().\-/\uff10-\uff19]*)$")
_BARE_PHONE = re.compile(r"^[+\uff0b][\d\uff10-\uff19]{6,15}$")


def safe_cell(value: Any) -> Any:
    """Neutralise a value a spreadsheet would execute (CSV injection): prefix a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_phone(value: str) -> str:
    """A phone number a spreadsheet shows as it is and a CRM stores as it is: "+81 3-3211-5211"
    becomes "(+81) 3-3211-5211" (a leading plus would make Excel read a formula, and a quote
    before it would show in Excel and be stored by a CRM). Anything else: as safe_cell."""
    match = _PHONE.match(value or "")
    if match:
        return f"({value[0]}{match.group(1)}) {match.group(2).strip()}".strip()
    if _BARE_PHONE.match(value or ""):
        return f"({value})"
    return safe_cell(value)


def _exportable(db: Database, expansion: Expansion) -> Expansion:
    """The expansion as it may leave Spider now: companies excluded since it was made are
    dropped (the others keep their ranks), and each reference is named only as consent allows."""
    kept = [dataclasses.replace(p, reference={**p.reference, "name": cite(p.reference)})
            if p.reference else p for p in without_excluded(db, expansion.prospects)]
    return dataclasses.replace(expansion, prospects=kept)


def call_list_rows(expansion: Expansion) -> list[dict[str, Any]]:
    """One row per prospect, in CALL_LIST_COLUMNS (the expansion as it may be exported)."""
    rows = []
    for p in expansion.prospects:
        reference = _reference_in(str((p.reference or {}).get("name", "")),  # as cite allows
                                  any(r.language == "ja" for r in p.reasons))
        rows.append({
            "rank": p.rank, "company": p.name, "local_name": p.name_local, "phone": p.phone,
            "website": p.website, "address": p.address, "city": p.city, "region": p.region,
            "postal_code": p.postal_code, "segment": p.segment, "kind": p.kind,
            "score": score_text(p.score, 6), "priority": p.priority,
            "reasons": " | ".join([r.text() for r in p.reasons] +
                                  ([f"caution: {p.caution}"] if p.caution else [])),
            "reference": reference,
            "opening_line": p.opening_line, "ask_for": p.ask_for, "sources": " ".join(p.sources),
            "owner": p.owner, "contact": p.contact, "contact_role": p.contact_role,
            "contact_source": p.contact_source,
        })
    return rows


def to_profile_csv(db: Database, expansion: Expansion, profile: dict[str, str], *,
                   bom: bool = True) -> str:
    """The call list under a CRM's import column names (spider.profiles)."""
    from spider.db import rows_in
    from spider.profiles import profile_csv, profile_rows

    expansion = _exportable(db, expansion)
    ids = [p.company_id for p in expansion.prospects]
    countries = {cid: country for cid, country in rows_in(
        db, "select id, country from companies where id in ({marks})", ids) if country}
    # A list with no country column: the country the graph placed the company in (from its
    # regions or addresses: a file of TX, CA, NY rows is a US file).
    for cid, signal in rows_in(db, "select company_id, signal from company_signals where "
                               "company_id in ({marks}) and signal like 'place:country:%'", ids):
        countries.setdefault(cid, signal.rsplit(":", 1)[1])
    rows = [{**row, "country": countries.get(p.company_id) or ""}
            for p, row in zip(expansion.prospects, call_list_rows(expansion), strict=True)]
    return profile_csv(profile_rows(rows, profile, query=_query_cited(db, expansion)), profile,
                       bom=bom)


def _query_cited(db: Database, expansion: Expansion) -> str:
    """The query as a CRM's lead source may say it: a won client's lookalikes name the client
    only as consent allows ("lookalikes of won client #12" for an anonymous one)."""
    from spider.clients import citable_clients

    query = expansion.query
    if query.kind == "company" and query.company_id is not None:
        client = next((c for c in citable_clients(db) if c["company_id"] == query.company_id),
                      None)
        if client is not None and not client.get("referenceable"):
            return f"lookalikes of won client #{query.company_id}"
    return query.text


def to_csv(db: Database, expansion: Expansion, *, bom: bool = True, delimiter: str = ",") -> str:
    expansion = _exportable(db, expansion)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CALL_LIST_COLUMNS, lineterminator="\r\n",
                            extrasaction="ignore",  # (kind: for CRM files, in segment here)
                            delimiter=delimiter)
    writer.writeheader()
    for row in call_list_rows(expansion):
        writer.writerow({k: safe_phone(v) if k == "phone" else safe_cell(v) for k, v in row.items()})
    return ("\ufeff" if bom else "") + buffer.getvalue()


def to_json(db: Database, expansion: Expansion) -> str:
    expansion = _exportable(db, expansion)
    q = expansion.query
    doc = {
        "query": q.text, "kind": q.kind, "seed": expansion.seed_label, "run_id": expansion.run_id,
        "facets": [{"label": f.label, "signals": sorted(f.signals)} for f in q.facets],
        "ignored": q.ignored, "notes": expansion.notes,
        "prospects": [p.as_row() | {"reasons": [
            {"text": r.text(), "signal": r.signal, "kind": r.kind, "evidence": r.evidence,
             "share": r.share, "shared_with_seed": r.shared_with_seed} for r in p.reasons]}
            for p in expansion.prospects],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)


def score_text(score: float, places: int) -> str:
    """A score with PLACES decimals, or, too small for them (a graph of a million companies
    spreads its mass thin), in scientific notation: never a column of 0.0000."""
    if score == 0 or abs(score) >= 10 ** -places:
        return f"{score:.{places}f}"
    return f"{score:.{max(places - 3, 1)}e}"


def to_table(db: Database, expansion: Expansion, *, width: int | None = None) -> str:
    """A readable terminal listing: one block per prospect."""
    expansion = _exportable(db, expansion)
    width = width or min(shutil.get_terminal_size((110, 20)).columns, 140)
    out = []
    for p in expansion.prospects:
        name = p.name + (f" / {p.name_local}" if p.name_local and p.name_local != p.name else "")
        out.append(f"{p.rank:>3}. [{p.priority}] {name}  —  {p.segment}  (score {score_text(p.score, 4)})")
        contact = "  ".join(x for x in (p.phone, p.website) if x)
        if contact:
            out.append(f"     {contact}")
        for reason in p.reasons:
            out.append(textwrap.fill(reason.text(), width, initial_indent="     · ",
                                     subsequent_indent="       "))
        if p.caution:
            out.append(f"     ! {p.caution}")
        if p.reference:
            out.append(_reference_line(str(p.reference["name"]),
                                       any(r.language == "ja" for r in p.reasons)))
        out.append(textwrap.fill(f"“{p.opening_line}” {p.ask_for}", width, initial_indent="     ",
                                 subsequent_indent="     "))
    return "\n".join(out)


_ANONYMOUS = re.compile(r"anonymous: won client #(\d+) \(not to be named\)")


def _reference_line(name: str, japanese: bool) -> str:
    """The listing's reference line, in Japanese beside Japanese reasons (an anonymous client
    said as one: 匿名の受注先 #12（社名は出せません）)."""
    if not japanese:
        return f"     reference: {name}"
    return "     参考事例: " + _reference_in(name, japanese)


def _reference_in(name: str, japanese: bool) -> str:
    """A reference as `cite` gives it, an anonymous client said in Japanese on a Japanese
    listing (匿名の受注先 #12（社名は出せません）)."""
    return _ANONYMOUS.sub(r"匿名の受注先 #\1（社名は出せません）", name) if japanese else name


def write_export(db: Database, expansion: Expansion, settings: Settings, fmt: str,
                 path: str | Path | None, *, bom: bool = True,
                 profile: dict[str, str] | None = None) -> Path:
    """Write the call list to PATH (default output/<query>.<ext>), and the settings that made
    it beside it as PATH.settings.json; with a CRM PROFILE, a CSV under its column names."""
    if profile is not None:
        fmt = "csv"
        text = to_profile_csv(db, expansion, profile, bom=bom)
    else:
        text = {"csv": lambda: to_csv(db, expansion, bom=bom, delimiter=settings.csv_delimiter),
                "json": lambda: to_json(db, expansion),
                "table": lambda: to_table(db, expansion, width=120)}[fmt]()
    if path is None:
        slug = "".join(ch if ch.isalnum() else "-" for ch in expansion.query.text.lower()).strip("-")
        slug = "-".join(filter(None, slug.split("-")))[:60] or "prospects"
        suffix = "txt" if fmt == "table" else fmt
        path = Path(settings.output_dir) / f"{slug}.{suffix}"
        number = 2
        while path.exists():  # an earlier list of the same query is never overwritten
            path = Path(settings.output_dir) / f"{slug}-{number}.{suffix}"
            number += 1
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
        path.with_name(path.name + ".settings.json").write_text(
            json.dumps({"query": expansion.query.text, "run_id": expansion.run_id,
                        "settings": json.loads(settings.to_json())}, ensure_ascii=False, indent=2),
            encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror}); choose another -o path") from None
    return path
