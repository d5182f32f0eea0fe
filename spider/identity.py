"""A record's identity in its source: what names the same row when the file is read again.

Never its row number: delete one row of a file and every row below it would take its
neighbour's place, and with it the won clients, merges and exclusions a person attached to it.
A row is known by, in order:

1. an id the source gives it (`source_id`): a GeoJSON feature id, a directory item's detail URL
   or key column, an id column of a file (a corporate number, CERT, ticker, member number...,
   chosen by its header and kept only if its values are unique and not just 1, 2, 3...);
2. a corporate number (法人番号) with a valid check digit;
3. else its identifying content: the name, where it is (address, else city), its postal code,
   and the list it is on (a hotel named on five award lists is five rows).

Rows whose identity repeats within one read (true duplicates) are told apart by their order of
appearance ("#2"). The record key is a hash of the source and the identity.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from spider.fields import NAME_FIELDS, fold_header
from spider.resolve.keys import normalize_address, normalize_corporate_number
from spider.resolve.normalize import fold, normalize_name

# Column headers (folded) that name a row's own id in its source.
KEY_HEADERS = frozenset(fold_header(h) for h in (
    "id", "uid", "unique_id", "record id", "row id", "key", "code", "no", "no.", "number", "cert",
    "fdic cert", "cert number", "license", "licence", "license number", "licence number",
    "registration number", "company number", "corporate_number", "member number",
    "member id", "membership number", "ticker", "symbol", "cik", "lei", "duns", "gln",
    "osm id", "osm_id", "@id", "place id", "place_id", "facility id", "establishment id",
    "vestigingsnummer", "establishment number", "fhrsid", "cnpj", "siret", "ccn", "cms certification number (ccn)", "cms certification number", "npi",
    "法人番号", "番号", "コード", "証券コード", "銘柄コード", "登録番号", "会員番号", "事業所番号",
))
# The last word of a header that names an id: "Member No", "Hotel ID", "FDIC Cert", "License #".
_KEY_WORDS = frozenset({"id", "no", "number", "num", "nr", "#", "code", "cert", "key", "ref",
                        "uid", "番号", "コード", "ｉｄ"})
_KEY_SUFFIXES = ("番号", "コード", "id", "ID")
# How many leading rows decide whether a column is a key (unique and not a row counter).
SAMPLE_ROWS = 2000
# source_row values that are positions, not ids (a table row, an item on a page, a line).
_POSITIONAL = re.compile(r"^(?:\d+|table\d+:row\d+|item:\d+|jsonld:\d+|microdata:\d+)(?:#\d+)?$")


def is_positional(source_row: str | None) -> bool:
    """Whether a source_row only says where the row stood (so it cannot identify it)."""
    return not source_row or bool(_POSITIONAL.match(str(source_row)))


def key_column(headers: Sequence[str], fields: dict[str, str],
               sample: Sequence[dict[str, Any]]) -> str | None:
    """The column that identifies rows in this file, if one does: a corporate number column,
    else the first id-like header, provided every sampled row has a value, no two share one,
    and the values are not a row counter (1, 2, 3 ... renumbers when a row is deleted)."""
    by_field = [c for c in headers if fields.get(c) == "corporate_number"]
    by_name = [c for c in headers if c not in by_field and _names_an_id(c, fields.get(c, c))]
    for column in (*by_field, *by_name):
        values = [str(row.get(column) or "").strip() for row in sample]
        if not values or not all(values) or len(set(values)) != len(values):
            continue
        if row_counter(values):
            continue
        return column
    return None


def names_an_id(header: str) -> bool:
    """Whether a column kept aside (no field) names an id by its header ("License Number",
    事業所番号, "Provider ID")."""
    return _names_an_id(header, header)


def _names_an_id(header: str, field: str) -> bool:
    """Whether a header names an id: a known id header, or one ending in an id word, unless it
    is a field Spider knows (a phone number, a postal or industry code)."""
    if field != header and field != "source_id":
        return False  # mapped to a field: "Phone Number", "Postal Code", "Industry Code"
    folded = fold_header(header)
    if folded in KEY_HEADERS:
        return True
    words = folded.replace(".", " ").split()
    return bool(words) and (words[-1] in _KEY_WORDS or header.endswith(_KEY_SUFFIXES))


def row_counter(values: list[str]) -> bool:
    """1, 2, 3 ... (or 0, 1, 2 ...) in order: a row number written into the file."""
    if not all(v.isdigit() for v in values):
        return False
    start = int(values[0])
    return start in (0, 1) and all(int(v) == start + i for i, v in enumerate(values))


def content_identity(record: dict[str, Any]) -> str:
    """What a row without an id is: its name, where it is, and the list it is on."""
    name = next((record[f] for f in NAME_FIELDS if record.get(f)), "")
    where = normalize_address(record.get("address")) or fold(record.get("city")) or \
        fold(record.get("region"))
    parts = [normalize_name(str(name)), where, fold(record.get("postal_code")),
             str(record.get("list_url") or fold(record.get("list_title")) or "")]
    return "content:" + "|".join(parts)


def placed_content(identity: str) -> bool:
    """Whether a content identity (`content_identity`) names a place: its address, town,
    region or postal code."""
    parts = identity.split("|")
    return identity.startswith("content:") and len(parts) >= 3 and bool(parts[1] or parts[2])


def identity_of(record: dict[str, Any]) -> str:
    """A record's identity within its source (before duplicates are numbered)."""
    source_id = record.get("source_id")
    if source_id not in (None, ""):
        return f"id:{fold(str(source_id)) or source_id}"
    row = record.get("source_row")
    if not is_positional(row):
        return f"id:{row}"
    jcn = normalize_corporate_number(record.get("corporate_number"))
    if len(jcn) == 13:
        return f"jcn:{jcn}"
    return content_identity(record)


class Identities:
    """Identities for the rows of one read of a source, duplicates numbered in order."""

    def __init__(self) -> None:
        self._seen: Counter[bytes] = Counter()

    def __call__(self, record: dict[str, Any]) -> str:
        identity = identity_of(record)
        digest = hashlib.blake2b(identity.encode(), digest_size=12).digest()
        self._seen[digest] += 1
        count = self._seen[digest]
        return identity if count == 1 else f"{identity}#{count}"


def record_key(source: str, identity: str) -> str:
    return hashlib.sha1(f"{source}\x1f{identity}".encode()).hexdigest()
