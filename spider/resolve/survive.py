"""Stage 5, survive: each company's fields from its records, by explicit survivorship rules."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from rapidfuzz import fuzz

from spider.resolve.normalize import is_japanese
from spider.resolve.words import COMPANY_FIELDS
from spider.runtime import lazy_pattern
from spider.text import strip_accents


def _trust(record: dict[str, Any], trust: dict[str, int]) -> tuple:
    """Sort key, best first: trusted source, then most complete, then the first known (a
    service row a care register adds beside a facility's own does not rename it: the
    facility's row, updated in place when it is renamed, still says its name), then newest,
    then oldest id."""
    source = str(record.get("source") or "")
    rank = min((r for pattern, r in trust.items() if pattern in source), default=50)
    if record.get("corporate_number"):
        rank -= 20  # a registry row knows its own legal facts best
    if _MOVED.search(str(record.get("name") or "")):
        rank += 100  # a row that says the business moved away: the old name and address
    filled = sum(1 for f in COMPANY_FIELDS if record.get(f) not in (None, ""))
    stamp = str(
        record.get("updated_at") or record.get("fetched_at") or record.get("ingested_at") or ""
    )
    return (rank, -filled, str(record.get("ingested_at") or ""), _neg(stamp),
            record.get("id") or 0)


# A name that says the business has moved from the row's address: "焼肉 ヒロミヤ 本店 (移転)".
_MOVED = lazy_pattern(r"[(\[（【]\s*(?:移転|移転しました|移転済み?|moved|relocated|umgezogen|"
                    r"déménagé|trasferito|trasladado)\s*[)\]）】]", re.IGNORECASE)


def _neg(stamp: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in stamp)


# Field → rule. "trusted": first non-empty value in trust order. "longest": the fullest text.
# "pair": lat and lon come together from one record. "latin"/"japanese": a name in that script.
SURVIVORSHIP: dict[str, str] = {f: "trusted" for f in COMPANY_FIELDS}
SURVIVORSHIP.update({"description": "longest", "lat": "pair", "lon": "pair", "name_en": "latin",
                     "name_local": "japanese"})  # fmt: skip


TYPO_RATIO = 85  # two spellings this alike (rapidfuzz ratio) are one name mistyped

# Fields said aloud or printed, where two records may write one value two ways.
_WRITTEN = frozenset({"name", "legal_name", "city", "address", "district", "region"})


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe",
                          "Ü": "Ue"})


def _spelling(value: Any) -> str:
    """A spelling's key: case, accents and the German way of writing without umlauts off
    (Müller, MUELLER and Muller are one name written three ways)."""
    return strip_accents(str(value).translate(_UMLAUTS)).casefold()


def _best_written(values: list[Any]) -> Any:
    """The first value in trust order (of the spelling most records give, where one does),
    unless another says the same in fuller letters: with
    its accents ("Codorníu" over "Codorniu"), or in mixed case over capitals ("Bodegas Muga"
    over "BODEGAS MUGA")."""
    if len(values) < 2:
        return values[0] if values else None
    # (a spelling most records give over a one-row typo of it: VIA CAROTA twice, VIA
    # CAROTTA once; a new name, not a typo of the old, stays the trusted record's)
    said = Counter(_spelling(v) for v in values)
    most, count = said.most_common(1)[0]
    first_key = _spelling(values[0])
    if count > said[first_key] and fuzz.ratio(most, first_key) >= TYPO_RATIO:
        values = [v for v in values if _spelling(v) == most]
    first = str(values[0])
    key = _spelling(first)
    best, score = values[0], _letters(first)
    for value in values[1:]:
        text = str(value)
        if _spelling(text) == key and _letters(text) > score:
            best, score = value, _letters(text)
    return best


def _letters(text: str) -> tuple[int, int]:
    """How fully TEXT is written: its accented letters, then whether it is not all capitals."""
    return (sum(1 for ch in text if ch.isalpha() and not ch.isascii()),
            int(not (text.isupper() and any(ch.isalpha() for ch in text))))


def survive(
    records: Sequence[dict[str, Any]], trust: dict[str, int] | None = None
) -> dict[str, Any]:
    """A company's fields from its records, by the explicit rules in `SURVIVORSHIP`."""
    # One record (most companies) needs no ranking.
    ordered = list(records) if len(records) == 1 else sorted(records, key=lambda r: _trust(r, trust or {}))
    company: dict[str, Any] = {}
    for fld, rule in SURVIVORSHIP.items():
        values = [r.get(fld) for r in ordered if r.get(fld) not in (None, "")]
        if rule == "longest":
            company[fld] = max(values, key=lambda v: len(str(v)), default=None)
        elif rule == "pair":
            located = next(
                (r for r in ordered if r.get("lat") is not None and r.get("lon") is not None), None
            )
            company[fld] = located.get(fld) if located else None
        elif rule == "latin":
            names = values or [
                r.get("name") for r in ordered if r.get("name") and not is_japanese(r["name"])
            ]
            company[fld] = names[0] if names else None
        elif rule == "japanese":
            names = values or [
                r.get(f) for r in ordered for f in ("name", "legal_name")
                if r.get(f) and is_japanese(r[f])
            ]  # fmt: skip
            company[fld] = names[0] if names else None
        else:
            company[fld] = _best_written(values) if fld in _WRITTEN else (values[0] if values else None)
    if not company.get("name"):
        # Known only by its registered or other-script name (a register row whose trading
        # name is blank): called by that, never "None".
        company["name"] = next((r.get(f) for f in ("legal_name", "name_en", "name_local")
                                for r in ordered if r.get(f)), None)
    company["record_count"] = len(records)
    return company
