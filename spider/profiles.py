"""CRM import profiles: a call list written with the column names a CRM's import wizard maps
without manual work.

- `salesforce`: the Lead object's import labels, as Salesforce's "Field Mapping for
  Importing Leads" lists them (Company and Last Name are required): First and Last Name are
  the person the company's own pages (`spider enrich`) or its list name and Title their
  role; where nobody is named, Last Name carries the role to ask for and Title repeats it.
- `hubspot`: HubSpot's default company properties as its import tool labels them (Company
  name, Company Domain Name, Phone Number, Street Address, City, State/Region, Postal Code,
  Country/Region, Industry), and the opener, reasons and reference as "Spider notes", not
  Description: HubSpot matches an import to the companies it has by their domain, and the
  company's own description is not overwritten with a pitch (map "Spider notes" to a
  property of your own, or skip it, in the import wizard).
Both carry the rep a lead is assigned to (`spider assign`) as its owner (Lead Owner,
Company owner) where some row has one.
- a TOML file of your own: `[columns]` mapping your CRM's column names to Spider's call-list
  fields (rank, company, local_name, phone, website, domain, address, city, region,
  postal_code, country, segment, score, priority, reasons, reference, opening_line, ask_for,
  contact, contact_role, contact_source, lead_first_name, lead_name, lead_title, sources,
  owner, description, lead_source), e.g. `"Account Name" = "company"`.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import tomllib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from spider.errors import InputError
from spider.resolve.keys import SHARED_HOSTS, normalize_domain

PROFILES: dict[str, dict[str, str]] = {
    "salesforce": {
        "Company": "company", "First Name": "lead_first_name", "Last Name": "lead_name",
        "Title": "lead_title", "Phone": "phone",
        "Website": "website", "Street": "address", "City": "city", "State/Province": "region",
        "Postal Code": "postal_code", "Country": "country", "Industry": "kind",
        "Rating": "rating", "Lead Source": "lead_source", "Description": "description",
        "Lead Owner": "owner",
    },
    "hubspot": {
        "Company name": "company", "Company Domain Name": "domain", "Website URL": "website",
        "Phone Number": "phone", "Street Address": "address", "City": "city",
        "State/Region": "region", "Postal Code": "postal_code", "Country/Region": "country",
        "Industry": "kind", "Spider notes": "description", "Company owner": "owner",
    },
}
# Columns written only where some row has a value: a CRM's import refuses an owner it cannot
# match, and a blank one leaves the lead to whoever imports it.
_WHEN_GIVEN = frozenset({"Lead Owner", "Company owner"})
_RATINGS = {"A": "Hot", "B": "Warm", "C": "Cold"}  # Salesforce's standard Rating picklist
FIELDS = ("rank", "company", "local_name", "phone", "website", "domain", "address", "city",
          "region", "postal_code", "country", "segment", "kind", "score", "priority", "rating",
          "reasons", "reference", "opening_line", "ask_for", "ask_role", "contact",
          "contact_role", "contact_source", "lead_first_name", "lead_name", "lead_title",
          "sources", "owner",
          "description", "lead_source")  # fmt: skip


def load_profile(name: str) -> dict[str, str]:
    """A shipped profile by name, or a TOML file's `[columns]` (CRM column -> Spider field)."""
    if name in PROFILES:
        return PROFILES[name]
    path = Path(name)
    if not path.is_file():
        raise InputError(f"--profile {name!r}: say salesforce, hubspot, or a TOML file of "
                         "your own ([columns] \"CRM column\" = \"spider field\")")
    try:
        columns = tomllib.loads(path.read_text(encoding="utf-8")).get("columns")
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
    if not isinstance(columns, dict) or not columns:
        raise InputError(f"{path}: needs a [columns] table (\"CRM column\" = \"spider field\")")
    unknown = [v for v in columns.values() if v not in FIELDS]
    if unknown:
        raise InputError(f"{path}: {unknown[0]!r} is no call-list field; fields: "
                         + ", ".join(FIELDS))
    return {str(k): str(v) for k, v in columns.items()}


def _name_parts(person: str) -> tuple[str, str]:
    """(first, last) name of a person as a CRM's lead wants them: "Tom Kelly" -> (Tom, Kelly);
    a Japanese name family first, "山田 太郎" -> (太郎, 山田); one word is the last name."""
    words = person.split()
    if len(words) < 2:
        return "", person.strip()
    if all(ord(ch) > 0x2E7F for ch in words[0]):
        return " ".join(words[1:]), words[0]
    return " ".join(words[:-1]), words[-1]


@functools.cache
def _gatekeeper_patterns() -> tuple[re.Pattern[str], ...]:
    """Each shipped language's question to the gatekeeper with its role left open ("Pourriez-
    vous me passer (.+), s'il vous plaît ?"), to read the role back from a call list's line."""
    from spider.angles import LANGUAGES, _builtin_templates

    out = []
    for language in LANGUAGES:
        text = str(_builtin_templates(language).get("gatekeeper", {}).get("text") or "")
        if "{ask_for}" in text:
            head, tail = text.split("{ask_for}", 1)
            out.append(re.compile(re.escape(head.strip()) + r"\s*(.+?)\s*" + re.escape(tail.strip()) + "$"))
    return tuple(out)


def _role(ask_for: str) -> str:
    """The role a rep asks for ("Would you transfer me to your Director of Sales?" ->
    "Director of Sales"; "Pourriez-vous me passer le gérant ou la gérante, s'il vous
    plaît ?" -> "Le gérant ou la gérante"), or the question itself when it names none."""
    said = (ask_for or "").strip()
    for pattern in _gatekeeper_patterns():
        found = pattern.match(said)
        if found:
            role = re.sub(r"^(?:your|the)\s+", "", found.group(1).strip()).removesuffix("様").strip()
            return role[:1].upper() + role[1:]
    text = said.rstrip("?？。")
    for marker in (" to your ", " your ", " to the ", " to "):
        if marker in text:
            role = text.split(marker, 1)[1].strip()
            return role[:1].upper() + role[1:]
    if "におつなぎ" in text:  # 院長様におつなぎいただけますでしょうか: 院長 (様 is said, not filed)
        return text.split("におつなぎ", 1)[0].strip().removesuffix("様").strip()
    return text or "Sales manager"


def profile_rows(rows: Iterable[dict[str, Any]], profile: dict[str, str], *,
                 query: str = "") -> list[dict[str, Any]]:
    """Call-list rows (spider.export.call_list_rows) under the profile's column names."""
    out = []
    rows = list(rows)
    # A domain several rows share (a chain's sites, an operator's homes) is left out: a CRM
    # that de-duplicates companies by domain (HubSpot) would fold them into one.
    held = Counter(normalize_domain(row.get("website")) for row in rows)
    for row in rows:
        domain = normalize_domain(row.get("website"))
        full = {**row, "domain": "" if domain in SHARED_HOSTS or held[domain] > 1 else domain,
                "ask_role": _role(str(row.get("ask_for") or "")),
                # A lead is a person: the one the company's own pages name (spider enrich),
                # else the role to ask for.
                "lead_first_name": _name_parts(str(row.get("contact") or ""))[0],
                "lead_name": _name_parts(str(row.get("contact") or ""))[1]
                or _role(str(row.get("ask_for") or "")),
                "lead_title": row.get("contact_role") or _role(str(row.get("ask_for") or "")),
                "rating": _RATINGS.get(str(row.get("priority") or ""), ""),
                "lead_source": f"Spider: {query}" if query else "Spider",
                "description": " | ".join(str(v) for v in (
                    row.get("opening_line"), row.get("reasons"),
                    f"reference: {row['reference']}" if row.get("reference") else "") if v)}
        out.append({column: full.get(field, "") for column, field in profile.items()})
    unused = {c for c in _WHEN_GIVEN & set(profile) if not any(row.get(c) for row in out)}
    return [{k: v for k, v in row.items() if k not in unused} for row in out] if unused else out


def profile_csv(rows: list[dict[str, Any]], profile: dict[str, str], *, bom: bool = True) -> str:
    from spider.export import safe_cell, safe_phone

    buffer = io.StringIO()
    columns = [c for c in profile if c not in _WHEN_GIVEN or any(c in row for row in rows)]
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    phones = {column for column, field in profile.items() if field == "phone"}
    for row in rows:
        writer.writerow({k: safe_phone(v) if k in phones else safe_cell(v) for k, v in row.items()})
    return ("\ufeff" if bom else "") + buffer.getvalue()
