"""Export: call lists as CSV (Excel-ready, UTF-8 with BOM, formula-safe), JSON or a table.

Every file written gets the settings beside it (NAME.settings.json) so the list can be
reproduced.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spider.errors import InputError

if TYPE_CHECKING:
    from spider.expand import Expansion
    from spider.settings import Settings

CALL_LIST_COLUMNS = ("rank", "company", "local_name", "phone", "website", "address", "city",
                     "segment", "score", "priority", "reasons", "reference", "opening_line",
                     "ask_for", "sources")
# A cell starting with these is run as a formula by Excel, LibreOffice and Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: Any) -> Any:
    """Neutralise a value a spreadsheet would execute (CSV injection): prefix a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        # A phone number like +81 3-... is data, not a formula; quoting keeps it text.
        return "'" + value
    return value


def call_list_rows(expansion: Expansion) -> list[dict[str, Any]]:
    rows = []
    for p in expansion.prospects:
        ref = p.reference or {}
        reference = ""
        if ref:
            # A client who has not agreed to be named is not named in a file that may travel.
            reference = ref["name"] if ref.get("referenceable") else \
                f"anonymous: won client #{ref['company_id']} (not to be named)"
        rows.append({
            "rank": p.rank, "company": p.name, "local_name": p.name_local, "phone": p.phone,
            "website": p.website, "address": p.address, "city": p.city, "segment": p.segment,
            "score": f"{p.score:.6f}", "priority": p.priority,
            "reasons": " | ".join([r.text() for r in p.reasons] +
                                  ([f"caution: {p.caution}"] if p.caution else [])),
            "reference": reference,
            "opening_line": p.opening_line, "ask_for": p.ask_for, "sources": " ".join(p.sources),
        })
    return rows


def to_csv(expansion: Expansion, *, bom: bool = True) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CALL_LIST_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in call_list_rows(expansion):
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
    return ("\ufeff" if bom else "") + buffer.getvalue()


def to_json(expansion: Expansion) -> str:
    q = expansion.query
    doc = {
        "query": q.text, "kind": q.kind, "seed": expansion.seed_label, "run_id": expansion.run_id,
        "facets": [{"label": f.label, "signals": sorted(f.signals)} for f in q.facets],
        "ignored": q.ignored, "notes": expansion.notes,
        "prospects": [p.as_row() | {"reference": _reference_for_export(p.reference), "reasons": [
            {"text": r.text(), "signal": r.signal, "kind": r.kind, "evidence": r.evidence,
             "share": r.share, "shared_with_seed": r.shared_with_seed} for r in p.reasons]}
            for p in expansion.prospects],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)


def _reference_for_export(ref: dict[str, Any] | None) -> dict[str, Any] | None:
    """A client who has not agreed to be named is not named in a file that may travel."""
    if not ref or ref.get("referenceable"):
        return ref
    return {**ref, "name": f"anonymous: won client #{ref['company_id']} (not to be named)"}


def to_table(expansion: Expansion, *, width: int | None = None) -> str:
    """A readable terminal listing: one block per prospect."""
    width = width or min(shutil.get_terminal_size((110, 20)).columns, 140)
    out = []
    for p in expansion.prospects:
        name = p.name + (f" / {p.name_local}" if p.name_local and p.name_local != p.name else "")
        out.append(f"{p.rank:>3}. [{p.priority}] {name}  —  {p.segment}  (score {p.score:.4f})")
        contact = "  ".join(x for x in (p.phone, p.website) if x)
        if contact:
            out.append(f"     {contact}")
        for reason in p.reasons:
            out.append(textwrap.fill(reason.text(), width, initial_indent="     · ",
                                     subsequent_indent="       "))
        if p.caution:
            out.append(f"     ! {p.caution}")
        if p.reference:
            ref = p.reference["name"] + ("" if p.reference.get("referenceable") else " (anonymous: not to be named)")
            out.append(f"     reference: {ref}")
        out.append(textwrap.fill(f"“{p.opening_line}” {p.ask_for}", width, initial_indent="     ",
                                 subsequent_indent="     "))
    return "\n".join(out)


def write_export(expansion: Expansion, settings: Settings, fmt: str, path: str | Path | None,
                 *, bom: bool = True) -> Path:
    """Write the call list to PATH (default output/<query>.<ext>), and the settings that made
    it beside it as PATH.settings.json."""
    text = {"csv": lambda: to_csv(expansion, bom=bom), "json": lambda: to_json(expansion),
            "table": lambda: to_table(expansion, width=120)}[fmt]()
    if path is None:
        slug = "".join(ch if ch.isalnum() else "-" for ch in expansion.query.text.lower()).strip("-")
        slug = "-".join(filter(None, slug.split("-")))[:60] or "prospects"
        path = Path(settings.output_dir) / f"{slug}.{'txt' if fmt == 'table' else fmt}"
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
