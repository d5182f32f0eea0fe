"""Ingest: read seed files (CSV/TSV/Excel/JSON/JSON Lines/GeoJSON, any common Japanese encoding) into `records`.

Reading is separate from saving: `read_seed_file` yields field dicts and never touches the
database; `save_records` writes them, idempotently, keyed by each row's identity in its source
(spider.identity), never by its row number. Files are read as streams (CSV, TSV and JSON
Lines; a JSON document is read whole), so memory stays flat however long the file.
`ingest_file` saves a whole file in one transaction and marks the source's rows that are gone
from it stale.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import difflib
import functools
import hashlib
import io
import itertools
import json
import re
import shlex
import unicodedata
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from spider.db import (
    Database,
    has_table,
    insert_rows,
    records_changed,
    rows_in,
    set_meta,
    table,
    transaction,
    update_row,
)
from spider.errors import InputError
from spider.fields import (
    CAPACITY_HEADERS,
    FIELDS,
    HEADER_ALIASES,
    KNOWN,
    NAME_FIELDS,
    REGISTERED_NAME,
    SUB_REGION_HEADERS,
    account_relation,
    area_header,
    fold_header,
    map_headers,
    name_like_header,
    names_no_kind,
    row_prefix,
)
from spider.identity import (
    SAMPLE_ROWS,
    Identities,
    key_column,
    placed_content,
    record_key,
    row_counter,
)
from spider.resolve.keys import (
    SHARED_HOSTS,
    normalize_address,
    normalize_corporate_number,
    normalize_domain,
    normalize_phone,
)
from spider.resolve.normalize import fold
from spider.runtime import lazy_pattern, no_cyclic_gc
from spider.signals import business_status, rating_level, reads_as_open
from spider.sources import register_source
from spider.text import now_iso, plural

FORMATS = ("csv", "tsv", "json", "jsonl", "geojson")
# Bytes read (so far, in all) as a file streams in: for progress bars and periodic lines.
ReadProgress = Callable[[int, int], None]
# Control characters a name or address never holds (NUL, backspace ...); tab and newlines stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CHUNK = 1 << 20


@dataclass
class IngestReport:
    """What one ingest did: counts, and every skipped row with its reason."""

    source: str
    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0  # rows this source gave before and no longer does
    renamed: int = 0  # rows that changed their name, place or id, carried over
    folded: int = 0  # rows of practitioners at their practice's phone, read as the practice
    rekeyed: int = 0  # rows known by another key than at the last read, carried over
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (row, reason)
    warnings: Counter = field(default_factory=Counter)
    encoding: str = ""
    columns: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)  # columns kept as extra, not as fields
    mapped: dict[str, str] = field(default_factory=dict)  # column -> field, where they differ
    key_column: str | None = None  # the column that identifies rows, if the file has one
    customers: Counter = field(default_factory=Counter)  # "Customer" rows of an accounts export
    placed: int = 0  # rows that say their country or region (a column or --set)
    countried: int = 0  # rows that say their country
    latin: int = 0  # rows whose address is in Latin script (or that have none)
    notes: list[str] = field(default_factory=list)  # said once, after the counts
    # --map fields the last ingest of the file gave (field -> column), read again this time
    remembered: dict[str, str] = field(default_factory=dict)
    forgotten: dict[str, str] = field(default_factory=dict)  # of those, columns gone now

    @property
    def kept(self) -> int:
        """Rows that are records now: added, updated or unchanged."""
        return self.added + self.updated + self.unchanged

    def summary(self) -> str:
        line = (f"{self.source}: {plural(self.read, 'row', 'rows')} read, {self.added} added, "
                f"{self.updated} updated, "
                f"{self.unchanged} unchanged, {len(self.skipped)} skipped")
        if self.folded:
            line += (f" ({self.folded} {'row' if self.folded == 1 else 'rows'} of a practitioner "
                     "at their practice's phone read as that practice)")
        if self.renamed and self.key_column:
            line += (f" ({self.renamed} of the updated under a new {self.key_column}: same "
                     "name, town and phone or website as a row gone)")
        elif self.renamed:
            line += (f" ({self.renamed} of the updated renamed or moved: same phone, website "
                     "or company number as a row gone, or same name in its town, or same "
                     "owner at its address)")
        if self.rekeyed:
            line += (f" ({self.rekeyed} of the updated now known by "
                     f"{'their id column' if self.key_column else 'what they say'}: the same "
                     "rows as before)")
        if self.stale:
            line += f", {self.stale} gone from the file (marked stale)"
        if self.encoding:
            line += f" ({self.encoding})"
        return line


def decode_bytes(data: bytes, *, origin: str = "") -> tuple[str, str]:
    """Decode a file's bytes: UTF-8 (with or without BOM), else CP932/Shift_JIS, EUC-JP, else a guess."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    for encoding in ("utf-8", "cp932", "euc_jp"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding != "utf-8" and _western_misread(data[:500_000], encoding):
            return data.decode("cp1252", errors="replace"), "cp1252"
        return text, encoding
    # charset-normalizer (shipped with requests) is loaded only for the rare file it must guess.
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(f"{origin}: cannot tell the text encoding; save it as UTF-8 and retry")
    return str(best), best.encoding


def _decodes(path: Path, encoding: str) -> bool:
    """Whether the whole file decodes as ENCODING (read in chunks, never whole)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def sniff_encoding(path: Path) -> str:
    """A file's encoding, in decode_bytes' order (a BOM, UTF-8, CP932, EUC-JP, a guess), each
    checked over the whole file in one streaming pass."""
    return _sniff(path)[0]


def _sniff(path: Path) -> tuple[str, list[int]]:
    """`sniff_encoding`, and the lines of a UTF-8 file damaged in a few lines (`[]` for any
    other file): read once, not again to name them."""
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", []
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", []
    for encoding in ("utf-8", "cp932", "euc_jp"):
        if _decodes(path, encoding):
            if encoding != "utf-8":
                with open(path, "rb") as handle:
                    sample = handle.read(500_000)
                if _western_misread(sample, encoding):
                    return "cp1252", []
            return encoding, []
    damaged = _damaged_utf8_lines(path)
    if damaged:
        # UTF-8 but for a line or two cut in the middle of a character (an interrupted
        # scrape): read as UTF-8, the bad bytes shown as �, and the lines named.
        return "utf-8", damaged
    from charset_normalizer import from_path

    best = from_path(path).best()
    if best is None:
        raise InputError(f"{path}: cannot tell the text encoding; save it as UTF-8 and retry")
    return _western_or(path, str(best.encoding)), []


_DAMAGED_LINES = 20  # lines of a UTF-8 file whose broken bytes are read as �, at most


def _damaged_utf8_lines(path: Path) -> list[int]:
    """The numbers of the lines of PATH that are not valid UTF-8, where PATH is UTF-8 but for
    those: at most _DAMAGED_LINES of them, and at least twice as many lines whose letters
    beyond ASCII read as UTF-8 (a Latin-1 file's accented lines read as none: it is another
    encoding, not a damaged one). Else none."""
    bad: list[int] = []
    good = 0
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, 1):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
                good += 1
            except UnicodeDecodeError:
                bad.append(number)
                if len(bad) > _DAMAGED_LINES:
                    return []
    return bad if good >= 2 * len(bad) else []


def _western_misread(data: bytes, encoding: str) -> bool:
    """Whether bytes that decode as a Japanese ENCODING are Windows-1252 text (a Spanish or
    French file saved by Excel): an accented letter and the letter after it then read as one
    kanji alone between Latin letters ("Córdoba" -> "C\u8c3eoba"), where Japanese text runs
    its kana and kanji together, and the same bytes read as Western letters."""
    try:
        east = data.decode(encoding, errors="ignore")
        west = data.decode("cp1252")
    except (UnicodeDecodeError, LookupError):
        return False
    foreign = [i for i, c in enumerate(east) if ord(c) > 127]
    if not foreign:
        return False
    alone = sum(1 for i in foreign
                if (i == 0 or ord(east[i - 1]) < 128) and (i + 1 >= len(east) or ord(east[i + 1]) < 128)
                and (i > 0 and east[i - 1].isalpha()))
    letters = [c for c in west if ord(c) > 127]
    # (Excel's typographic marks count as Western too: "O’Brien’s", "Mon–Fri", "Café – Bar")
    western = sum(1 for c in letters if (c.isalpha() and unicodedata.category(c) in ("Ll", "Lu"))
                  or c in _TYPOGRAPHIC)
    return alone >= 0.6 * len(foreign) and western >= 0.8 * len(letters)


_TYPOGRAPHIC = frozenset("’‘“”–—…•€™")
_WEST = "éèêàâçäöüßñóíúôûëïìòùÉÈÀÇÄÖÜÑÌÒÙ"
_EAST = "řčšžŕěůőűłśźćńťďľĺŘČŠŽŁŚŹĆŃ"


def _western_or(path: Path, guess: str) -> str:
    """Windows-1252 (Western Europe) over another guessed single-byte code page when the text
    reads as Western letters ("Lefèvre à", not "Lefčvre ŕ"; an Italian guide's "Salò", not
    Vietnamese "Saḷ"): a short file gives the detector too little to tell them apart, and
    an edited one may be guessed another way at the next read."""
    try:
        codec = codecs.lookup(guess).name
    except LookupError:
        return guess
    if codec in ("cp1252", "latin-1", "iso8859-1", "iso8859-15", "ascii") or \
            codec.startswith(("utf", "shift_jis", "cp932", "euc", "iso2022", "gb", "big5",
                              "cp949", "johab", "hz")):
        return guess
    data = path.read_bytes()[:500_000]
    try:
        west = data.decode("cp1252")
        other = data.decode(guess)
    except (UnicodeDecodeError, LookupError):
        return guess
    if codec in ("cp1250", "iso8859-2", "cp1257", "iso8859-13"):
        score_west = sum(west.count(c) for c in _WEST)
        score_other = sum(other.count(c) for c in _EAST)
    else:
        # (letters of Western Europe one way, letters or marks outside them the other: a
        # Vietnamese reading of Italian text has combining dots and ơ, ư)
        score_west = sum(1 for c in west if 0xC0 <= ord(c) <= 0xFF and c.isalpha())
        score_other = sum(1 for c in other if ord(c) > 0xFF and (
            c.isalpha() or unicodedata.category(c) == "Mn"))
    return "cp1252" if score_west >= score_other else guess


class _Counted(io.RawIOBase):
    """A binary file that reports how many bytes have been read from it."""

    def __init__(self, raw: IO[bytes], progress: ReadProgress | None, total: int) -> None:
        self.raw, self.progress, self.total, self.count = raw, progress, total, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        self.count += n or 0
        if self.progress is not None:
            self.progress(self.count, self.total)
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


def _open_text(path: Path, encoding: str, progress: ReadProgress | None) -> io.TextIOWrapper:
    raw = _Counted(open(path, "rb"), progress, path.stat().st_size)  # noqa: SIM115
    # (UTF-8 is read whole or sniffed as damaged in a few lines: those bytes as �)
    errors = "replace" if encoding in ("utf-8-sig", "utf-8") else "strict"
    return io.TextIOWrapper(io.BufferedReader(raw, _CHUNK), encoding=encoding, errors=errors,
                            newline="")


def detect_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("geojson",):
        return "geojson"
    if suffix in ("jsonl", "ndjson"):
        return "jsonl"
    if suffix == "json":
        return "geojson" if '"FeatureCollection"' in text[:2000] else "json"
    if suffix == "tsv" or (suffix in ("txt", "tab") and "\t" in text.split("\n", 1)[0]):
        return "tsv"
    if suffix == "csv":
        return "csv"
    head = text.lstrip()[:1]
    if head in ("[", "{"):
        return "geojson" if '"FeatureCollection"' in text[:2000] else "json"
    first = text.split("\n", 1)[0]
    return "tsv" if first.count("\t") > first.count(",") else "csv"


def read_seed_file(
    path: str | Path,
    *,
    mapping: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
    report: IngestReport | None = None,
    source: str | None = None,
    progress: ReadProgress | None = None,
    encoding: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield one record dict per usable row, in the shared field vocabulary.

    `mapping` is field=column (from `--map`; `source_id=COLUMN` names the column that
    identifies rows), `constants` is field=value set on every row. Unknown columns go under
    `extra`. Bad rows are skipped and reported, never fatal. The file streams in; `progress`
    hears the bytes read; `encoding` (`--encoding`) overrides the one Spider would tell.
    """
    path = Path(path)
    source = source or str(path)
    report = report if report is not None else IngestReport(source)
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise InputError(f"{path}: is a directory; give the seed files inside it")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        report.encoding = "xlsx"
        yield from _records(_workbook_rows(path, report, progress), path, source, mapping,
                            constants, report)
        return
    if path.suffix.lower() == ".xls":
        report.encoding = "xls"
        yield from _records(_xls_rows(path, report, progress), path, source, mapping,
                            constants, report)
        return
    if path.suffix.lower() in (".ods", ".numbers"):
        raise InputError(f"{path}: this kind of workbook is not read; save it as .xlsx, or the "
                         "sheet as CSV (UTF-8), and ingest that")
    if encoding:
        try:
            report.encoding = codecs.lookup(encoding).name
        except LookupError:
            raise InputError(f"--encoding {encoding}: not an encoding Python knows; try utf-8, "
                             "cp1252 (Windows, Western Europe), cp932 (Shift_JIS) or latin-1") from None
        if report.encoding not in ("utf-8-sig",) and not _decodes(path, report.encoding):
            told = sniff_encoding(path)
            raise InputError(f"{path}: not {encoding} text (a byte of it cannot be read so); "
                             f"it reads as {told}: leave out --encoding, or give the file's own")
    else:
        report.encoding, lines = _sniff(path)
        if lines:
            report.notes.append(
                f"{plural(len(lines), 'line', 'lines')} ({', '.join(map(str, lines[:5]))}"
                f"{' ...' if len(lines) > 5 else ''}) held bytes that are not UTF-8 (a line cut "
                "short?): read with those characters as �; check those rows")
    with open(path, encoding=report.encoding, errors="replace", newline="") as handle:
        head = handle.read(8192)
    fmt = detect_format(path, head)
    delimiter = sniff_delimiter(head, "\t" if fmt == "tsv" else ",")
    with _open_text(path, report.encoding, progress) as text:
        yield from _records(_rows(fmt, text, path, delimiter), path, source, mapping, constants,
                            report)


def sniff_delimiter(head: str, default: str) -> str:
    """The separator of a delimited file from its first lines: the one (of , ; tab |) that
    splits the header into the most columns and the rows into as many ("Firma;Ort;PLZ", as
    German and French spreadsheets save CSV)."""
    lines = [line for line in head.splitlines()[:20] if line.strip()]
    if len(lines) > 1 and not head.endswith("\n"):
        lines = lines[:-1]  # the last line may be cut off
    if not lines:
        return default
    best, best_fields = default, 1
    # (from the first line, or past a title line or two above the header)
    for skip in range(min(3, len(lines) - 1) if len(lines) > 2 else 1):
        for candidate in (default, ",", ";", "\t", "|"):
            try:
                widths = [len(row) for row in csv.reader(lines[skip:], delimiter=candidate)]
            except csv.Error:
                continue
            if not widths or widths[0] < 2:
                continue
            steady = sum(w == widths[0] for w in widths) / len(widths)
            if steady >= 0.8 and widths[0] > best_fields:
                best, best_fields = candidate, widths[0]
        if best_fields > 1:
            break
    return best


def _shared_by_branches(rows: list[dict], column: str, named: dict[str, str]) -> bool:
    """Whether rows of ROWS that give one value in COLUMN are a firm's establishments: most
    rows sharing a value stand at other addresses or trade under other names. Two accounts of
    one firm at one address are a CRM's duplicate, and the number they share matches them."""
    from rapidfuzz import fuzz

    where = [c for c, f in named.items() if f in ("address", "postal_code", "city")]
    names = [c for c, f in named.items() if f in NAME_FIELDS]
    phones = [c for c, f in named.items() if f == "phone"]
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        value = str(row.get(column) or "").strip()
        if value:
            groups[value].append(row)
    shared = [group for group in groups.values() if len(group) > 1]
    if not shared:
        return False

    def apart(a: dict, b: dict) -> bool:
        place = [" ".join(normalize_address(str(r.get(c) or "")) for c in where) for r in (a, b)]
        phone = [normalize_phone(str(r.get(phones[0]) or "")) if phones else "" for r in (a, b)]
        name = [fold(" ".join(str(r.get(c) or "") for c in names[:1])) for r in (a, b)]
        same_door = place[0] == place[1] or bool(phone[0]) and phone[0] == phone[1]
        return not same_door or fuzz.token_set_ratio(name[0], name[1]) < 80

    # (counted by rows, not groups: an operator's three homes elsewhere outweigh one home
    # the register lists twice)
    elsewhere = sum(apart(group[0], r) for group in shared for r in group[1:])
    return elsewhere * 2 > sum(len(group) - 1 for group in shared)


# A bare number header ("No", "Nr.", "#") is a house number where it stands right after the
# street, as a hand-made list writes "High Street | 12".
_BARE_NUMBER = frozenset({"no", "no.", "nr", "nr.", "#", "num", "num.", "number", "nº", "n°",
                          "n", "n.", "nro", "nro."})
_HOUSE_NUMBER = lazy_pattern(r"\d{1,5}\s?[a-z]?(?:\s?[-/]\s?\d{1,5}\s?[a-z]?)?", re.I)
# Where the number goes: before an English or French street ("12 High Street", "12 rue de la
# Paix"), after the rest ("Hauptstraße 12", "Calle Mayor 12", "Via Roma 12").
_NUMBER_GOES_FIRST = lazy_pattern(
    r"(?:^|\s)(?:street|st|road|rd|lane|ln|avenue|ave|drive|dr|way|close|court|ct|place|pl|"
    r"crescent|terrace|tce|parade|row|walk|square|sq|gardens|grove|hill|boulevard|blvd|"
    r"highway|hwy|parkway|pkwy)\.?$|^(?:rue|avenue|boulevard|bd|chemin|route|quai|place|"
    r"allée|allee|impasse|cours)\s", re.I)


def _house_number_column(headers: list[str], named: dict[str, str],
                         rows: list[dict]) -> str | None:
    """The column right after the address whose header is a bare "No", "Nr." or "#" and whose
    values are house numbers (12, 12a, 12-14), not a row counter: the street's number, which
    the address says (it is no id: two streets have a number 12)."""
    at = [i for i, c in enumerate(headers) if named.get(c) == "address"]
    if not at or at[0] + 1 >= len(headers):
        return None
    column = headers[at[0] + 1]
    if named.get(column, column) != column or fold_header(column) not in _BARE_NUMBER:
        return None
    values = [str(row.get(column) or "").strip() for row in rows]
    values = [v for v in values if v]
    if not values or row_counter(values):
        return None
    shaped = sum(1 for v in values if _HOUSE_NUMBER.fullmatch(v))
    return column if shaped >= 0.9 * len(values) else None


_PLACE_FIELDS = frozenset({"address", "district", "city", "region", "country", "postal_code",
                           "lat", "lon"})


def _records(rows: Iterator[tuple[str, dict | str]], path: Path, source: str,
             mapping: dict[str, str] | None, constants: dict[str, str] | None,
             report: IngestReport) -> Iterator[dict[str, Any]]:
    # The first rows decide which column, if any, identifies a row (spider.identity).
    sample = list(itertools.islice(rows, SAMPLE_ROWS))
    sampled = [raw for _, raw in sample if isinstance(raw, dict)]
    headers = list(dict.fromkeys(k for raw in sampled for k in raw))
    for fld, column in list(report.remembered.items()):
        if mapping and mapping.get(fld) == column and column not in headers:
            # The last ingest's column is gone from the file: that choice no longer applies,
            # and is not kept for the next ingest either.
            mapping = {f: c for f, c in mapping.items() if f != fld}
            del report.remembered[fld]
            report.forgotten[fld] = column
            report.notes.append(f"--map {fld}={column} as the list was last read: no such column now; "
                                "not used")
    mapping, avoid = _read_by_values(headers, mapping, sampled)
    named = map_headers(headers, mapping, avoid)
    # A "County" is the region of a British list (Town, County, Postcode); beside a state or
    # province (a US register's County, State) it is finer than the region: kept aside.
    # (by the header without the word a register starts every column with: "Location
    # County" beside "Location State" or "Location Region")
    first = row_prefix(headers)
    counties = [c for c, f in named.items() if f == "region"
                and _header(c, first) in SUB_REGION_HEADERS and (mapping or {}).get("region") != c]
    if counties and any(HEADER_ALIASES.get(_header(h, first)) == "region" and h not in counties
                        for h in headers):
        avoid = avoid | frozenset(("region", c) for c in counties)
        named = map_headers(headers, mapping, avoid)
    # A --set field other than a place is the user's word for every row: the column Spider
    # would have read as that field by its header is kept aside ("Provider Type" of a
    # nursing-home register, Medicare and Medicaid, is no category once --set category says
    # one). A place set is a default for the rows that lack one: a list of one country may
    # still name another on a few rows.
    given = set((mapping or {}).values())
    overruled = [(fld, column) for column, fld in named.items()
                 if fld in (constants or {}) and fld != column and column not in given
                 and fld not in _PLACE_FIELDS]
    if overruled:
        avoid = avoid | frozenset(overruled)
        named = map_headers(headers, mapping, avoid)
        report.notes.append("; ".join(f"--set {fld} is used on every row, not the column "
                                      f"{column!r} (kept aside)" for fld, column in overruled))
    # A corporate number several rows share (a KvK-nummer beside each establishment's
    # Vestigingsnummer, a 法人番号 beside each facility's) names their firm, not each row: as a
    # match key it would merge the branches into one company. Kept aside.
    # (Whether or not the rows have an id of their own: a care register that lists one home
    # twice under its Location ID had merged every home of each operator. True duplicates
    # sharing the number still meet by their phone, door and name.)
    shared_numbers = [c for c, f in named.items() if f == "corporate_number"
                      and (mapping or {}).get("corporate_number") != c
                      and _shared_by_branches(sampled, c, named)]
    if shared_numbers:
        avoid = avoid | frozenset(("corporate_number", c) for c in shared_numbers)
        named = map_headers(headers, mapping, avoid)
        report.notes.append(f"{shared_numbers[0]!r} repeats across rows: the firm of several "
                            "establishments, not each one's number (kept aside)")
    house_number = _house_number_column(headers, named, sampled)
    key = None if "source_id" in named.values() else \
        key_column([h for h in headers if h != house_number], named, sampled)
    report.key_column = key or next((c for c, f in named.items() if f == "source_id"), None)
    header_map: dict[str, str] | None = None
    prefix: str | None = None
    people: list[dict[str, Any]] = []  # rows named by a person, yielded last
    practices: set[str] = set()  # the phones of the rows named by a business
    for row_id, raw in itertools.chain(sample, rows):
        report.read += 1
        if isinstance(raw, str):  # a parse error for this row
            report.skipped.append((row_id, raw))
            continue
        if header_map is None or any(k not in header_map for k in raw):
            header_map = map_headers(list(raw), mapping, avoid)
            # (a --map is checked against the columns of the rows sampled too: a JSON key only
            # later rows have is still one it may name)
            _check_mapping(mapping, dict.fromkeys([*raw, *headers], ""), path)
            # (a register's "Location Address Line 2" is its address's second line)
            prefix = row_prefix(list(raw))
            report.columns = list(dict.fromkeys([*report.columns, *raw]))
            report.unmapped = [c for c in report.columns
                               if header_map.get(c, c) == c and c not in KNOWN
                               and not ("address" in header_map.values()
                                        and (_header(c, prefix) in _JOINED_TO_ADDRESS
                                             or c == house_number))
                               and not ("phone" in header_map.values()
                                        and _header(c, prefix) in _AREA_CODE)
                               and _header(c, prefix) not in _TRADING_NAME
                               and not name_like_header(_header(c, prefix))
                               and _field_of(_header(c, prefix)) != "region"
                               and not _further_category(_header(c, prefix))
                               and fold_header(c) not in CAPACITY_HEADERS
                               and not area_header(c)]
            report.mapped = {c: f for c in report.columns
                             if (f := header_map.get(c, c)) != c and f in KNOWN}
            # (a county or Landkreis beside the town: read as the area between it and the
            # region, not a field of the record)
            report.mapped.update({c: "area" for c in report.columns
                                  if header_map.get(c, c) == c and area_header(c)})
        record = _to_record(raw, header_map, constants, report, prefix, house_number)
        if not any(record.get(f) for f in NAME_FIELDS):
            report.skipped.append((row_id, "no name in any name column"))
            continue
        if key is not None and str(raw.get(key) or "").strip():
            record["source_id"] = str(raw[key]).strip()
        record["source"] = source
        record["source_row"] = row_id
        if record.pop(PERSON, False):
            people.append(record)  # (after the file: a practice's phone says whose they are)
            continue
        phone = normalize_phone(record.get("phone"))
        if phone:
            practices.add(phone)
        yield record
    for record in people:
        if normalize_phone(record.get("phone")) in practices:
            report.folded += 1  # a practitioner at their practice's phone: the practice
            continue
        yield record


# A category column's values that say no kind of business: a legal form ("Local Company",
# "Sole Proprietorship", "LLP"), as an entity register's type column gives.
# (Not the short forms that are also kinds of business or words: SA, KG, SpA is a spa.)
_ENTITY_TYPE = re.compile(
    r"(?:local |foreign |private |public |exempt private |unlimited |limited )*(?:company|"
    r"corporation|partnership|limited liability (?:company|partnership)|llp|llc|"
    r"sole proprietor(?:ship)?|proprietorship|non-?profit corporation|"
    r"public limited company|plc|private limited company|gmbh|sarl|"
    r"株式会社|有限会社|合同会社|合資会社|合名会社|一般社団法人|一般財団法人|社会福祉法人|"
    r"医療法人|npo法人|個人事業主?)(?: ?[-/(].*)?", re.I)


def _read_by_values(headers: list[str], mapping: dict[str, str] | None,
                    sampled: list[dict]) -> tuple[dict[str, str] | None, frozenset[tuple[str, str]]]:
    """What the first rows' values say against their headers: a "Type" column of Customer /
    Prospect (an accounts export) or of legal forms (Local Company, LLP) is no category, and
    one of star classes ("4 Estrellas") is the rating; another column may then be the
    category. Returns the mapping (the user's, with any rating added) and the (field, column)
    pairs ruled out."""
    avoid: set[tuple[str, str]] = set()
    mapping = dict(mapping or {})
    if "category" in mapping:
        return mapping or None, frozenset()
    for _ in range(4):  # each round rules out one column; few files have more than two
        named = map_headers(headers, mapping, frozenset(avoid))
        column = next((c for c, f in named.items() if f == "category"), None)
        if column is None:
            break
        values = [str(raw.get(column) or "").strip() for raw in sampled]
        values = [v for v in values if v]
        if not values:
            break
        def share(test: Callable[[str], object], values: list[str] = values) -> float:
            return sum(1 for v in values if test(v)) / len(values)
        if share(lambda v: (rating_level(v) or ("",))[0] == "star") >= 0.6:
            avoid.add(("category", column))
            if "rating" not in mapping and "rating" not in named.values():
                mapping["rating"] = column
        elif share(names_no_kind) >= 0.6 or share(_ENTITY_TYPE.fullmatch) >= 0.6:
            avoid.add(("category", column))
        else:
            break
    return mapping or None, frozenset(avoid)


def _check_mapping(mapping: dict[str, str] | None, header_map: dict[str, str], path: Path) -> None:
    for fld, column in (mapping or {}).items():
        if fld not in KNOWN:
            raise InputError(f"--map {fld}={column}: {fld!r} is not a field; use one of {', '.join(FIELDS)}")
        if column not in header_map:
            several = re.fullmatch(r"([^,]+),\s*(\w+=.+)", column)
            if several and several.group(1) in header_map:
                # "--map rating=Stars,category=Cuisine": one --map per field.
                raise InputError(f"{path}: --map {fld}={column}: give one --map per field "
                                 f"(--map {fld}={several.group(1)} --map {several.group(2)})")
            by_folded = {c.lower(): c for c in header_map}
            close = difflib.get_close_matches(column.lower(), list(by_folded), n=1, cutoff=0.6)
            hint = (f"; did you mean --map {fld}={by_folded[close[0]]}?" if close
                    else f"; its columns are {', '.join(list(header_map)[:12])}")
            raise InputError(f"{path}: --map {fld}={column}: no column {column!r} in the file{hint}")


def _rows(fmt: str, text: IO[str], path: Path, delimiter: str = ","
          ) -> Iterator[tuple[str, dict | str]]:
    if fmt in ("csv", "tsv"):
        yield from _csv_rows(text, delimiter, path)
    elif fmt == "jsonl":
        for number, line in enumerate(text, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield str(number), f"line {number} is not JSON ({exc.msg})"
                continue
            yield str(number), _flat(obj) if isinstance(obj, dict) else f"line {number} is not an object"
    else:
        whole = text.read()  # a JSON document cannot be parsed in pieces: read whole
        try:
            doc = json.loads(whole)
        except json.JSONDecodeError as exc:
            if exc.msg == "Extra data" and exc.lineno >= 2 and whole.lstrip().startswith("{"):
                # One object a line saved as .json (JSON Lines, as scrapers write them)
                yield from _rows("jsonl", io.StringIO(whole), path, delimiter)
                return
            raise InputError(f"{path}: not valid JSON at line {exc.lineno} ({exc.msg}); fix it or export as CSV") from None
        if fmt == "geojson" or (isinstance(doc, dict) and doc.get("type") == "FeatureCollection"):
            yield from _geojson_rows(doc)
            return
        if isinstance(doc, dict):
            lists = [v for v in doc.values() if isinstance(v, list)]
            if not lists:
                raise InputError(f"{path}: JSON holds no list of records; give a list of objects")
            doc = max(lists, key=len)
        for number, obj in enumerate(doc, 1):
            yield str(number), _flat(obj) if isinstance(obj, dict) else f"item {number} is not an object"


def _flat(obj: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A JSON record's nested objects as dotted columns ({"adresse": {"ville": "Paris"}} ->
    adresse.ville, read as a city as "RegAddress.PostTown" is; a list of values is read as
    a cell of parts by `_to_record`)."""
    if not prefix and not any(isinstance(v, dict) for v in obj.values()):
        return obj
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(_flat(value, name + "."))
        else:
            out[name] = value
    return out


_TITLE_SCAN = 12  # a CSV's first rows read for its header (title lines above it passed over)


def _csv_rows(text: IO[str], delimiter: str, path: Path) -> Iterator[tuple[str, dict | str]]:
    reader = csv.reader(text, delimiter=delimiter)
    try:
        # A title line or two above the header ("Care directory with filters (1 November
        # 2025)"), as an export's sheet has them: passed over, as a workbook's are.
        first: list[list[str]] = []
        lines: list[tuple[int, int]] = []  # each row's first and last line
        for row in reader:
            lines.append((lines[-1][1] + 1 if lines else 1, reader.line_num))
            first.append(row)
            if len(first) == _TITLE_SCAN:
                break
        if not first:
            return
        widths = [sum(1 for v in row if v.strip()) for row in first]
        start = next((i for i, w in enumerate(widths) if w >= max(2, 0.6 * max(widths))), 0) \
            if len(first) > 1 else 0
        header = first[start]
        pending = list(zip(first[start + 1:], lines[start + 1:], strict=True))
    except StopIteration:
        return
    except csv.Error as exc:
        raise InputError(f"{path}: CSV broken near line {reader.line_num} ({exc}); fix the quoting") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: its first line is not valid text in its encoding; save it "
                         "as UTF-8 and retry") from None
    header = [h.strip().lstrip("\ufeff") for h in header]
    if not any(header):
        raise InputError(f"{path}: the first row has no column names; add a header row")
    def numbered() -> Iterator[tuple[list[str], tuple[int, int]]]:
        yield from pending
        last_line = lines[-1][1] if lines else reader.line_num
        for row in reader:
            yield row, (last_line + 1, reader.line_num)
            last_line = reader.line_num

    try:
        for number, (values, (first_line, last_line)) in enumerate(numbered(), 1):
            if not any(v.strip() for v in values):
                continue
            if len(values) < len(header) and last_line == first_line and any(
                    delimiter in v and "\n" in v for v in values):
                # A quote opened and never closed took in the rest of its line, at the end of
                # the file (one that took in later lines is said below, with those lines).
                yield str(number), (
                    f"row {number} (line {first_line}) opens a quote that is not closed; close "
                    "the quote and ingest again")
                continue
            if len(values) > len(header) and not any(v.strip() for v in values[len(header):]):
                values = values[:len(header)]  # a delimiter left at the end of the row
            elif len(values) < len(header) and last_line == first_line:
                values = values + [""] * (len(header) - len(values))  # its last cells left out
            if len(values) != len(header):
                if last_line > first_line and any("\n" in v and delimiter in v for v in values):
                    # A quote opened and never closed takes in the rows after it, unseen.
                    yield str(number), (
                        f"row {number} (line {first_line}) opens a quote that is not closed, so "
                        f"lines {first_line + 1}-{last_line} were read into it and lost; close "
                        "the quote and ingest again")
                    continue
                yield str(number), f"row {number} has {len(values)} fields, the header has {len(header)}"
                continue
            yield str(number), dict(zip(header, values, strict=True))
    except csv.Error as exc:
        raise InputError(f"{path}: CSV broken near line {reader.line_num} ({exc}); fix the quoting") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not valid text in its encoding near line {reader.line_num}; "
                         "save it as UTF-8 and retry") from None


def _workbook_rows(path: Path, report: IngestReport, progress: ReadProgress | None
                   ) -> Iterator[tuple[str, dict | str]]:
    """The rows of an Excel workbook's first sheet that holds a table, as (sheet row number,
    the row by header): the header is the first row about as wide as the table (a title row
    or a blank one above it is passed over); numbers come as the sheet shows them (a ZIP
    formatted 00000 keeps its leading zero, 3 is "3", not "3.0"), dates as ISO dates."""
    import zipfile

    from openpyxl import load_workbook  # type: ignore[import-untyped]  # (when a workbook is read)

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot be read as an Excel workbook ({exc}); open it in "
                         "Excel and save it again as .xlsx, or the sheet as CSV") from None
    try:
        sheets = list(book.worksheets)
        for ws in sheets:
            # A workbook another program wrote may say a wrong size for its sheets (or none):
            # the size it says only paces the progress; what the sheet holds is read.
            stated = getattr(ws, "max_row", None) or 0
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()
            head = [[_cell_text(c) for c in row]
                    for row in itertools.islice(ws.iter_rows(), _HEADER_SCAN)]
            start = _table_start(head)
            if start is None:
                continue  # a cover sheet, a note: no table
            header = [v.strip().lstrip("\ufeff") for v in head[start]]
            _reading_sheet(report, "xlsx", ws.title,
                           [other.title for other in sheets if other is not ws])
            size = path.stat().st_size
            lines = ((index, [_cell_text(c) for c in row])
                     for index, row in enumerate(ws.iter_rows(min_row=start + 2), start + 2))
            tick = functools.partial(_bytes_read, progress, size, stated) \
                if progress is not None and stated else None
            yield from _sheet_records(lines, header, _merged_ranges(
                path, getattr(ws, "_worksheet_path", "")), tick)
            if progress is not None:
                progress(size, size)
            return
        raise InputError(f"{path}: no sheet holds a table (a header row and rows under it); "
                         "save the sheet with the list as CSV and ingest that")
    except InputError:
        raise
    except Exception as exc:  # a sheet's XML broken past what openpyxl reads
        raise InputError(f"{path}: a sheet cannot be read ({type(exc).__name__}: {exc}); open "
                         "it in Excel and save it again, or save the sheet as CSV") from None
    finally:
        book.close()


_HEADER_SCAN = 30  # rows of a sheet looked at for its header
_MERGE_REF = re.compile(rb'<mergeCell\s+ref="([A-Z]+)(\d+):[A-Z]+(\d+)"')


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def _table_start(head: list[list[str]]) -> int | None:
    """The header's place among a sheet's first rows (their cells' texts): the first row
    about as wide as the table (a title row or a blank one above it is passed over); None
    for a sheet with no table (a cover sheet, a note)."""
    widths = [sum(1 for v in row if v) for row in head]
    if max(widths, default=0) < 2:
        return None
    return next(i for i, w in enumerate(widths) if w >= max(2, 0.6 * max(widths)))


def _bytes_read(progress: ReadProgress, size: int, stated: int, index: int) -> None:
    """A workbook's progress in bytes, from the rows its sheet says it has."""
    progress(min(size, size * index // stated), size)


def _rows_read(progress: ReadProgress, total: int, index: int) -> None:
    """A workbook's progress in rows, where its sheet knows how many it has."""
    progress(index, total)


def _reading_sheet(report: IngestReport, kind: str, title: str, others: list[str]) -> None:
    """Say which sheet of a workbook is read, and the others that are not."""
    report.encoding = f"{kind}, sheet {title!r}"
    if others:
        report.notes.append("other sheets not read: " + ", ".join(map(repr, others)) +
                            " (save one as CSV, or as a workbook of its own, to read it)")


def _sheet_records(lines: Iterable[tuple[int, list[str]]], header: list[str],
                   merged: dict[int, list[tuple[int, int]]],
                   tick: Callable[[int], None] | None = None) -> Iterator[tuple[str, dict | str]]:
    """A sheet's rows under its HEADER, (1-based row number, cell texts) as LINES gives them,
    by header: merged cells filled down, blank rows passed over; TICK told every thousandth
    row's number, for the progress display."""
    spans: dict[int, tuple[int, str]] = {}  # column -> (last row of its span, value)
    for index, values in lines:
        if tick is not None and index % 1000 == 0:
            tick(index)
        if merged:
            _fill_merged(values, index, merged, spans)
        if not any(v.strip() for v in values):
            continue
        yield str(index), {h: v for h, v in zip(header, values, strict=False) if h}


def _xls_rows(path: Path, report: IngestReport, progress: ReadProgress | None
              ) -> Iterator[tuple[str, dict | str]]:
    """The rows of an Excel 97-2003 workbook (.xls, as many registers and municipal open
    data still publish) read as `_workbook_rows` reads a .xlsx: the first sheet with a
    table, its header under any title rows, merged cells filled down, numbers as shown."""
    import xlrd  # type: ignore[import-untyped]  # (when a .xls is read)

    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    except Exception as exc:  # xlrd raises its own errors for a file it cannot read
        raise InputError(f"{path}: cannot be read as an Excel 97-2003 workbook ({exc}); open "
                         "it in Excel and save it as .xlsx, or the sheet as CSV") from None
    try:
        names = book.sheet_names()
        for number, title in enumerate(names):
            sheet = book.sheet_by_index(number)
            head = [[_xls_text(book, sheet, r, c) for c in range(sheet.ncols)]
                    for r in range(min(sheet.nrows, _HEADER_SCAN))]
            start = _table_start(head)
            if start is None:
                continue  # a cover sheet, a note: no table
            header = [v.strip() for v in head[start]]
            _reading_sheet(report, "xls", title, [t for t in names if t != title])
            merged: dict[int, list[tuple[int, int]]] = defaultdict(list)
            for rlo, rhi, clo, _chi in getattr(sheet, "merged_cells", []):
                if rhi - rlo > 1:
                    merged[rlo + 1].append((clo + 1, rhi))  # 1-based, as _fill_merged reads
            lines = ((r + 1, [_xls_text(book, sheet, r, c) for c in range(sheet.ncols)])
                     for r in range(start + 1, sheet.nrows))
            tick = functools.partial(_rows_read, progress, sheet.nrows) \
                if progress is not None else None
            yield from _sheet_records(lines, header, merged, tick)
            return
        raise InputError(f"{path}: no sheet holds a table (a header row and rows under it); "
                         "save the sheet with the list as CSV and ingest that")
    finally:
        book.release_resources()


def _xls_text(book: Any, sheet: Any, row: int, column: int) -> str:
    """A .xls cell as the sheet shows it: a whole number without ".0", a ZIP formatted 00000
    with its zeros, a date as an ISO date."""
    import xlrd

    cell = sheet.cell(row, column)
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if cell.value else "FALSE"
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            text = xlrd.xldate_as_datetime(cell.value, book.datemode).isoformat()
        except (ValueError, OverflowError):
            return str(cell.value)
        return text[:10] if text.endswith("T00:00:00") else text
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        value = float(cell.value)
        if not value.is_integer():
            return repr(value)
        text = str(int(value))
        try:
            fmt = book.format_map[book.xf_list[cell.xf_index].format_key].format_str
        except (AttributeError, IndexError, KeyError):
            fmt = ""
        if re.fullmatch(r"0{2,}", fmt or ""):
            text = text.zfill(len(fmt))
        return text
    return str(cell.value).strip() if cell.ctype != xlrd.XL_CELL_ERROR else ""


def _merged_ranges(path: Path, part: str) -> dict[int, list[tuple[int, int]]]:
    """A sheet's merged cells that span rows (a town written once beside the members
    under it), as {first row: [(first column, last row)]}, 1-based. Read from the sheet's
    XML (openpyxl's streaming reader does not give them); its merge list follows the cells,
    so the file is scanned, not parsed."""
    import zipfile

    spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    try:
        with zipfile.ZipFile(path) as book, book.open(part.lstrip("/")) as xml:
            tail = b""
            while chunk := xml.read(1 << 20):
                text = tail + chunk
                for m in _MERGE_REF.finditer(text):
                    first, last = int(m.group(2)), int(m.group(3))
                    if last > first:
                        spans[first].append((_column_number(m.group(1)), last))
                tail = text[-200:]
    except (KeyError, OSError, zipfile.BadZipFile):
        return {}
    # (a reference cut by a chunk's end is read whole from the overlap, so may be met twice)
    return {row: sorted(set(found)) for row, found in spans.items()}


def _fill_merged(values: list[str], index: int, merged: dict[int, list[tuple[int, int]]],
                 spans: dict[int, tuple[int, str]]) -> None:
    """Give the cells of sheet row INDEX that lie under a merged cell its value (Excel keeps
    it in the top cell only), in the merge's first column (a block merged across columns
    too says one field). SPANS carries the open spans from row to row."""
    for first, end in merged.get(index, ()):
        if first - 1 < len(values) and values[first - 1].strip():
            spans[first] = (end, values[first - 1])
    for column, (end, value) in list(spans.items()):
        if index > end:
            del spans[column]
        elif column - 1 < len(values) and not values[column - 1].strip():
            values[column - 1] = value
        elif column - 1 >= len(values):
            values.extend([""] * (column - len(values)))
            values[column - 1] = value


def _cell_text(cell: Any) -> str:
    """A workbook cell as the sheet shows it."""
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            return repr(value)
        text = str(int(value))
        fmt = str(getattr(cell, "number_format", "") or "")
        if re.fullmatch(r"0{2,}", fmt):  # a ZIP or code formatted 00000: its leading zeros
            text = text.zfill(len(fmt))
        return text
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value)


def _geojson_rows(doc: dict) -> Iterator[tuple[str, dict | str]]:
    for number, feature in enumerate(doc.get("features") or [], 1):
        if not isinstance(feature, dict):
            yield str(number), f"feature {number} is not an object"
            continue
        props = dict(feature.get("properties") or {})
        row_id = str(feature.get("id") or props.get("@id") or number)
        lon, lat = _centroid((feature.get("geometry") or {}).get("coordinates"))
        if lat is not None:
            props.setdefault("lat", lat)
            props.setdefault("lon", lon)
        yield row_id, props


def _centroid(coords: Any) -> tuple[float | None, float | None]:
    points: list[tuple[float, float]] = []

    def is_point(node: Any) -> bool:
        return isinstance(node, list) and len(node) >= 2 and all(isinstance(x, int | float) for x in node[:2])

    def walk(node: Any) -> None:
        if is_point(node):
            points.append((float(node[0]), float(node[1])))
        elif isinstance(node, list):
            # A closed ring repeats its first vertex last; count it once.
            closed = len(node) > 3 and is_point(node[0]) and node[0] == node[-1]
            for child in node[:-1] if closed else node:
                walk(child)

    walk(coords)
    if not points:
        return None, None
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


# Headers of the date a register deactivated, dissolved or struck off a business (not a
# CRM's "Closed Date" of a deal, nor a shop's closing time).
_CLOSED_ON = re.compile(r"\b(?:deactivation|dissolution|cessation|deregistration|struck off)"
                        r"(?: on)? date\b|\bdate (?:of )?(?:cessation|dissolution|deactivation|"
                        r"deregistration)\b|^(?:廃止|廃業|閉院|閉鎖|閉店|解散)(?:年月日|日)$|"
                        # Dutch, German, French, Spanish registers' closing dates
                        r"^(?:datum opheffing|opheffingsdatum|datum uitschrijving|"
                        r"löschungsdatum|datum der löschung|date de cessation|date de radiation|"
                        r"fecha de baja|fecha de cierre)$")
# Headers of a yes/no column that says a business is not trading ("Dormant (Y/N)").
# (Not a bare "Closed" or "Is Closed": a CRM's deals say that of the deal.)
_CLOSED_FLAG = re.compile(r"^(?:is )?(?:dormant|permanently closed|inactive|defunct|"
                          r"out of business|ceased trading|ceased|dissolved|struck off)"
                          r"(?:\s*\(?y/n\)?|\s*\?|\s+flag|\s+\(yes/no\))?$")
_YES = frozenset({"y", "yes", "true", "1", "x", "ja", "oui", "sí", "si", "はい", "有", "○", "◯"})
_NO = frozenset({"n", "no", "false", "0", "nein", "non", "いいえ", "無", "×"})
_OPEN_FLAG = frozenset({"is open", "open", "currently open", "is active", "active"})
# A house number's own column, written after the street (Neusser Straße 12) or before it
# (159 North 4th Street).
_NUMBER_AFTER = frozenset({"hausnummer", "hausnr", "hausnr.", "haus nr", "haus nr.", "numéro",
                           "numero", "número", "numero civico", "n. civico", "huisnummer",
                           "nummer", "número exterior", "numero ext", "num ext", "nro"})
# (SIRENE writes the number before the street: 150 CRS LAFAYETTE)
_NUMBER_FIRST = frozenset({"numero voie etablissement", "numero voie"})
# A street's kind in a column of its own, before its name (Brazil's Tipo Logradouro "RUA",
# Mexico's tipo_vial "AVENIDA"): the address says "RUA HADDOCK LOBO 354".
_STREET_KIND = frozenset({"tipo logradouro", "tipo de logradouro", "tipo vial", "tipo de vialidad",
                          "tipo via", "tipo de vía", "tipo de via", "type voie etablissement",
                          "type voie", "type de voie"})
_NUMBER_BEFORE = frozenset({"building", "house number", "street number", "building number",
                            "house no", "house no.", "civic number", "street no", "street no.",
                            *_NUMBER_FIRST})
# An address's second and third lines, and a suite or unit in a column of its own: the
# address goes on with them ("14 Cardigan Road, Headingley"; "1921 Massachusetts Ave, Suite 2").
_ADDRESS_MORE = frozenset({"address line 2", "address line 3", "address 2", "address 3",
                           "address2", "address3", "addr2", "street 2", "street2", "street line 2",
                           "billing street 2", "suite", "unit", "suite/unit", "unit/suite",
                           "apt", "apartment", "floor", "building name", "建物名", "ビル名",
                           "adresszusatz", "complément d'adresse", "complemento",
                           "huisnummertoevoeging", "toevoeging"})
# Headers of a name the business trades under beside its registered one.
_TRADING_NAME = frozenset({"dba", "d/b/a", "d.b.a.", "doing business as", "trading name",
                           "trading as", "trade name", "t/a", "business name (dba)", "dba name",
                           "assumed name", "屋号", "enseigne", "nom commercial",
                           "nombre comercial", "insegna", "geschäftsbezeichnung"})
_JOINED_TO_ADDRESS = _ADDRESS_MORE | _NUMBER_AFTER | _NUMBER_BEFORE | _STREET_KIND
# What a group or operator column says of a business that has none.
_NO_GROUP = frozenset({"", "個人", "個人開設", "個人経営", "なし", "無し", "該当なし", "n/a", "na", "none",
                       "nil", "individual", "sole proprietor", "sole trader", "self", "self employed",
                       "self-employed", "independent", "private", "particulier", "indépendant",
                       "einzelunternehmen", "autónomo", "autonomo", "pessoa física"})
# A phone's area code in a column of its own: the phone is dialled with it.
_AREA_CODE = frozenset({"ddd", "ddd 1", "ddd1", "area code", "phone area code", "código de área",
                        "codigo de area", "cod area", "vorwahl", "prefijo", "indicativo",
                        "市外局番"})
# A name column that holds the registered company's name, where a list also says the name
# the business goes by.
_REGISTERED_HEADERS = frozenset({"raison sociale", "razón social", "razon social", "ragione sociale",
                                 "denominación social", "denominacion social", "razão social",
                                 "razao social", "legal business name", "business legal name",
                                 "provider organization name (legal business name)",
                                 "registered name", "firma", "firmenname", "法人名", "商号"})


def _remark_closed(value: str) -> bool:
    """Whether a remark says, and only says, that the business has closed: "geschlossen",
    "Praxis aufgegeben 12/2024", "Permanently closed" (its subject and a date aside); not a
    remark that mentions the word ("Closed for lunch 12-1", "Decision maker is in
    administration", "Consultorio en planta baja", "Mittwochs geschlossen")."""
    from spider.calls import closed_weekdays  # (the call log's module: loaded when needed)

    words = re.sub(r"[\d/.\-:,()]+", " ", value.casefold()).split()
    if words and words[0] in _REMARK_SUBJECTS:
        words = words[1:]
    if words and words[0] in ("seit", "since", "depuis", "desde", "dal", "ab"):
        words = words[1:]
    rest = " ".join(words)
    return bool(rest) and business_status(rest, whole=True) == "closed" \
        and not closed_weekdays(value)


# What a closing remark may name before the word (the practice, the business, the shop).
_REMARK_SUBJECTS = frozenset({"praxis", "betrieb", "geschäft", "laden", "firma", "business",
                              "company", "shop", "store", "practice", "office", "restaurant",
                              "cabinet", "magasin", "negocio", "tienda", "店舗", "店"})
# A column of free remarks on the row, which may say the business has closed.
_REMARKS = frozenset({"bemerkung", "bemerkungen", "anmerkung", "anmerkungen", "hinweis",
                      "hinweise", "kommentar", "notes", "note", "remarks", "remark", "comments",
                      "comment", "observaciones", "observación", "observacion", "remarques",
                      "remarque", "commentaire", "opmerking", "opmerkingen", "備考", "摘要",
                      "特記事項"})
_REOPENED_ON = re.compile(r"\b(?:reactivation|reinstatement|restoration)(?: on)? date\b")


_EXPIRES = re.compile(r"\b(?:expiration|expiry|expires|valid until|valid through|"
                      r"license expiration|licence expiry|expiration date)\b|有効期間|有効期限|"
                      r"\bablaufdatum\b|\bdate d'expiration\b|\bfecha de vencimiento\b")
# (A contract's, a membership's or a card's end is no end of the business.)
_NOT_LICENCE = re.compile(r"contract|subscription|member|card|trial|renewal|warranty|"
                          r"insurance|policy|offer|quote|契約|会員")
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})|(\d{1,2})/(\d{1,2})/(\d{4})")


_MORE_CATEGORIES = frozenset({"subtypes", "additional categories", "secondary categories",
                              "other categories", "further categories", "sub categories",
                              "subcategories"})


@functools.lru_cache(maxsize=1024)
def _further_category(header: str) -> bool:
    """A second, third ... category column: "sic text 2", "category 3" (folded), or one of
    further categories (Google Maps scrapes' "subtypes", "additional categories")."""
    if header in _MORE_CATEGORIES:
        return True
    found = re.fullmatch(r"(.*\D)\s*[2-9]", header.rsplit(".", 1)[-1])
    if not found:
        return False
    base = found.group(1).strip()
    return "category" in (HEADER_ALIASES.get(base), HEADER_ALIASES.get(base + " 1"))


@functools.lru_cache(maxsize=1024)
def _expiry_header(header: str) -> bool:
    """A licence's expiry column ("Expiration Date", 有効期限), not a contract's or a card's."""
    return bool(_EXPIRES.search(header) and not _NOT_LICENCE.search(header))


def _expired(value: str) -> bool:
    """Whether the last date VALUE says (an expiry, or the end of a period) is past."""
    dates = []
    for m in _DATE.finditer(unicodedata.normalize("NFKC", value)):
        y, mo, d = ((m.group(1), m.group(2), m.group(3)) if m.group(1)
                    else (m.group(6), m.group(4), m.group(5)))
        try:
            dates.append(datetime.date(int(y), int(mo), int(d)))
        except ValueError:
            continue
    return bool(dates) and dates[-1] < datetime.date.today()


def _later(one: str, other: str) -> bool:
    """Whether date ONE is after date OTHER (ISO, or month/day/year as NPPES writes them);
    a date that does not read as one counts as later (a reactivation said is a reactivation)."""
    def read(text: str) -> tuple[int, ...] | None:
        iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2}).*", text.strip())
        if iso:
            return tuple(int(x) for x in iso.groups())
        us = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text.strip())
        return (int(us.group(3)), int(us.group(1)), int(us.group(2))) if us else None
    a, b = read(one), read(other)
    return a is None or b is None or a > b


@functools.lru_cache(maxsize=1024)
def _in_us(country: Any, region: Any) -> bool:
    """Whether a row's country (or, without one, its region: MA, Massachusetts) is the US."""
    from spider.places import country_code, region_of

    if country:
        return country_code(str(country)) == "US"
    found = region_of(str(region), "US") if region else None
    return found is not None and found.country == "US"


def _header(column: str, prefix: str | None) -> str:
    """A header folded, without the first word every column of a register shares."""
    folded = fold_header(column)
    return folded[len(prefix) + 1:] if prefix and folded.startswith(prefix + " ") else folded


_EXCEL_TEXT_START = frozenset("+0123456789(")
def tidy_town(record: dict[str, Any], city: str) -> None:
    """The town cell's other places, each where the row gives none of its own: a state and a
    ZIP ("AUSTIN TX 78704-2345", a licence register's city_state_zip), a province in
    brackets ("Milano (MI)", "Springfield (IL)"), a quarter after the city ("München-Pasing")
    or a nearer city after "b." ("Garching b. München" is Garching)."""
    joined = _CITY_STATE_ZIP.fullmatch(city)
    if joined and (joined.group(3) or "," in joined.group(0)) and (
            len(joined.group(2).replace(".", "")) == 2 or joined.group(3)):
        city = record["city"] = joined.group(1)
        record.setdefault("region", joined.group(2).replace(".", ""))
        if joined.group(3):
            record.setdefault("postal_code", joined.group(3))
    town = _TOWN_WITH_REGION.fullmatch(city)
    if town:
        city = record["city"] = town.group(1)
        record.setdefault("region", town.group(2))
    if ("-" in city or " b" in city) and \
            str(record.get("country") or "").upper() not in _NO_QUARTERS:
        split = _town_and_quarter(city)
        if split:
            record["city"] = split[0]
            if split[1]:
                record.setdefault("district", split[1])


@functools.lru_cache(maxsize=4096)
def _town_and_quarter(city: str) -> tuple[str, str] | None:
    """A town written with its quarter after a hyphen, where the part before it is one of
    the world's cities of 100,000 and the whole is not ("München-Pasing" -> München, Pasing;
    Winston-Salem stays), or with "bei"/"b." and a nearer city after it (Garching b.
    München -> Garching)."""
    from spider.places import city_other_names, city_population

    near = re.fullmatch(r"(\S.*?)\s+(?:b\.|bei)\s+\S.*", city)
    if near:
        return near.group(1), ""
    head, _, quarter = city.partition("-")
    quarter = quarter.strip()
    # (a quarter's own name, capitalised: not a romanised Japanese suffix, Minato-ku)
    if not head.strip() or len(quarter) < 3 or not quarter[:1].isupper() or \
            " " in head.strip() or city_other_names(city) or \
            quarter.split()[-1].lower() in ("county", "parish", "borough", "city"):
        return None
    return (head.strip(), quarter) if city_population(head.strip()) >= QUARTERED_CITY else None


QUARTERED_CITY = 200_000  # the people of a city whose quarters are written after its name
# Countries whose hyphenated towns are towns of their own (Miami-Dade County, Wilkes-Barre).
_NO_QUARTERS = frozenset({"US", "USA", "UNITED STATES", "CA", "CANADA", "GB", "UK",
                          "UNITED KINGDOM", "AU", "AUSTRALIA", "NZ", "IE", "JP", "JAPAN"})


# A town, its state's two letters and its ZIP in one cell: AUSTIN TX 78704-2345, Austin, TX.
# (and a Canadian "Vancouver, BC V6B 2J2", an Australian "Melbourne VIC 3000")
_CITY_STATE_ZIP = lazy_pattern(r"(\S.*?),?\s+([A-Z]{2,3}|[A-Z]\.[A-Z]\.),?(?:\s+(\d{5}(?:-\d{4})?"
                               r"|[A-Z]\d[A-Z] ?\d[A-Z]\d|\d{4}))?")
# A town written with its province's or state's code in brackets: Milano (MI).
_TOWN_WITH_REGION = lazy_pattern(r"(\S.*?)\s*\(([A-Z]{2,3})\)")
# Fields whose values are numbers whatever letters they hold (an id, a UK postcode).
_NUMBER_FIELDS = frozenset({"phone", "postal_code", "corporate_number", "source_id",
                            "industry_code"})


# A person's name in a register of practitioners, by its headers (folded).
_LAST_NAME = frozenset({"provider last name (legal name)", "provider last name", "last name",
                        "surname", "family name", "lastname", "last", "nachname", "apellidos",
                        "apellido", "cognome"})
_FIRST_NAME = frozenset({"provider first name", "first name", "given name", "forename",
                         "firstname", "first", "vorname", "prénom", "prenom"})
_CREDENTIAL = frozenset({"provider credential text", "credential", "credentials",
                         "professional title", "qualification", "qualifications"})
# A record named by a person (a practitioner's own row), not a business (transient).
PERSON = "_person"


@functools.lru_cache(maxsize=4096)
def _field_of(header: str) -> str | None:
    """The field a folded header names, a bracketed note after it aside ("region (nz)")."""
    return HEADER_ALIASES.get(header) or HEADER_ALIASES.get(re.sub(r"\s*\([^)]*\)$", "", header))


@functools.lru_cache(maxsize=4096)
def _is_region(value: str) -> bool:
    from spider.places import region_of

    return region_of(value) is not None


def _to_record(raw: dict, header_map: dict[str, str], constants: dict[str, str] | None,
               report: IngestReport, prefix: str | None = None,
               house_number: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for column, value in raw.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        fld = header_map.get(column, column)
        if isinstance(value, list) and fld in KNOWN and all(
                isinstance(v, str | int | float) for v in value):
            # A JSON list in a field's column: its parts ("Bistrot; Française", two
            # categories); a list kept aside stays as JSON.
            value = "; ".join(str(v).strip() for v in value if str(v).strip())
        if isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False)
        if isinstance(value, str):
            # (isprintable is one C pass and true of almost every cell: no control character)
            value = (value if value.isprintable() else _CONTROL.sub("", value)).strip()
            if value[:1] == "'" and value[1:2] in _EXCEL_TEXT_START and (
                    fld in _NUMBER_FIELDS or not any(ch.isalpha() for ch in value)):
                # Excel's text mark before a number ('+44 161 235 5400, '00123); not the
                # apostrophe of a name ('79 Diner)
                value = value[1:]
            if not value:
                continue
        if fld in KNOWN and fld not in record:
            record[fld] = value
        else:
            extra[column] = value
    # Each extra column's header folded once, for the scans below.
    columns = [(_header(column, prefix), column, value) for column, value in extra.items()]
    # A register's further categories (SICCode.SicText_2 .. _4, "Category 2"): the company
    # is of those kinds too.
    further = [str(value) for header, _, value in columns if _further_category(header)]
    if further and record.get("category"):
        record["category"] = "; ".join([str(record["category"]), *further])
    # A trading name beside the registered one ("Business Name" and "DBA"): the business is
    # called by it (its sign, its phone greeting); the registered name stays in `extra` as
    # registered_name, and is indexed for look-ups. A row without one keeps the other.
    trading = next((value for header, _, value in columns if header in _TRADING_NAME), None)
    if trading is None and "name" in record:
        # A column headed with what the business is called ("Nombre de la bodega") beside a
        # registered name ("Razón social"): the name it goes by.
        called = [value for header, _, value in columns if name_like_header(header)]
        if called and any(f == "name" and fold_header(c) in _REGISTERED_HEADERS
                          for c, f in header_map.items()):
            trading = called[0]
    if "name" in record and trading and fold(str(trading)) != fold(str(record["name"])):
        extra[REGISTERED_NAME] = record["name"]
        record["name"] = trading
    elif "name" not in record:
        # The name column blank in this row, another column the file names a name by
        # ("DBA" first, "Business Name" after it): that one.
        other = next((value for header, _, value in columns
                      if HEADER_ALIASES.get(header) == "name" or name_like_header(header)), None)
        if other:
            record["name"] = other
    if "name" not in record and columns:
        # A register of people as well as practices (NPPES: a dentist's own row, Entity Type
        # 1, has no organisation name, only the provider's last and first names): the
        # person, as a rep says them ("CHINEDU OKAFOR, DDS"), marked so that one at their
        # practice's phone is that practice (`_records`).
        last = next((str(v) for header, _, v in columns if header in _LAST_NAME), "")
        if last:
            given = next((str(v) for header, _, v in columns if header in _FIRST_NAME), "")
            title = next((str(v) for header, _, v in columns if header in _CREDENTIAL), "")
            record["name"] = f"{given} {last}".strip() + (f", {title}" if title else "")
            record[PERSON] = True
    if "region" not in record and columns:
        # A second region column the row fills where the first is blank (an Australian and
        # New Zealand list's "State" and "Region (NZ)"): its region, where it is one.
        other = next((value for header, _, value in columns if _field_of(header) == "region"
                      and _is_region(str(value))), None)
        if other:
            record["region"] = other

    def first(test: Callable[[str, Any], object]) -> tuple[str, Any] | None:
        return next(((column, value) for header, column, value in columns
                     if test(header, value)), None)

    if "operating_status" not in record:
        # A register's closing date ("NPI Deactivation Date", "DissolutionDate",
        # "date closed"): a row that has one is closed.
        closed = first(lambda header, _: _CLOSED_ON.search(header))
        reopened = first(lambda header, _: _REOPENED_ON.search(header))
        # A yes in a column that asks whether it is closed ("Dormant (Y/N)", "Inactive").
        flagged = first(lambda header, value: _CLOSED_FLAG.search(header)
                        and str(value).strip().lower() in _YES)
        # A no in a column that asks whether it is open (Yelp's is_open 0).
        unopened = first(lambda header, value: header in _OPEN_FLAG
                         and str(value).strip().lower() in _NO)
        # A licence's expiry date ("Expiration Date", 有効期間 2019/05/10～2024/05/09) passed.
        expired = first(lambda header, value: _expiry_header(header) and _expired(str(value)))
        # A remark that the business has closed ("Praxis aufgegeben 12/2024", "geschlossen"),
        # not the days it closes on ("Mittwochs geschlossen").
        remarked = first(lambda header, value: header in _REMARKS and _remark_closed(str(value)))
        if closed and not (reopened and _later(reopened[1], closed[1])):
            record["operating_status"] = f"closed ({closed[1]})"
        elif remarked:
            record["operating_status"] = f"closed ({remarked[1]})"
        elif expired:
            record["operating_status"] = f"expired ({expired[1]})"
        elif flagged:
            record["operating_status"] = f"closed ({flagged[0]})"
        elif unopened:
            record["operating_status"] = f"closed ({unopened[0]}: {unopened[1]})"
    elif reads_as_open(str(record["operating_status"])):
        # "Active" beside a licence whose expiry date has passed: the register's status has
        # not caught up with its own date.
        dates = [(column, value) for header, column, value in columns
                 if _expiry_header(header) and _DATE.search(str(value))]
        # (every expiry the row gives has passed: a bond's lapsed date beside a licence's
        # future one is no lapsed licence)
        if dates and all(_expired(str(value)) for _, value in dates):
            record["operating_status"] = f"expired ({dates[0][1]}; status said " \
                                         f"{record['operating_status']})"
    if record.get("address"):
        for header, _, value in columns:
            kind = str(value).strip()
            if header in _STREET_KIND and 0 < len(kind) <= 20 and not kind.isdigit() and \
                    not fold(str(record["address"])).startswith(fold(kind)):
                record["address"] = f"{kind} {record['address']}"
                break
        # A register's house number in a column of its own (Hausnummer, BUILDING): the
        # address says it, after the street or before it as the country writes it.
        for header, column, value in columns:
            number = str(value).strip()
            if (header in _NUMBER_AFTER or header in _NUMBER_BEFORE or column == house_number) \
                    and 0 < len(number) <= 10 and any(ch.isdigit() for ch in number) \
                    and number not in record["address"]:
                street = str(record["address"])
                before = header in _NUMBER_BEFORE if column != house_number else \
                    bool(_NUMBER_GOES_FIRST.search(street.strip()))
                record["address"] = f"{number} {street}" if before else f"{street} {number}"
                break
        for header, _, value in columns:
            more = str(value).strip()
            if header in _ADDRESS_MORE and more and more not in record["address"]:
                record["address"] = f"{record['address']}, {more}"
    if fold(str(record.get("group") or "")).strip(" -.") in _NO_GROUP:
        # A register's word for "no operator" (開設者: 個人, a sole practitioner): no group,
        # or every independent clinic would be one chain's site.
        record.pop("group", None)
    phone = str(record.get("phone") or "").strip()
    if phone and not phone.startswith(("+", "0", "(")):
        # An area code in a column of its own (Brazil's DDD, a US export's Area Code): the
        # number is dialled with it ("11" "30612277": (11) 30612277), not as a local one.
        for header, _, value in columns:
            area = str(value).strip().strip("()")
            if header in _AREA_CODE and area.isdigit() and 1 <= len(area) <= 4 and \
                    len(re.sub(r"\D", "", phone)) <= 9:
                record["phone"] = f"({area}) {phone}"
                break
    # (read as `spider won --from` reads it, which the note tells the user to run)
    relation, said = account_relation(extra, record.get("category"))
    if relation == "customer" and said:
        report.customers[said] += 1
    for fld, value in (constants or {}).items():
        record.setdefault(fld, value)
    city = str(record.get("city") or "")
    if " " in city or "-" in city or "(" in city:  # (most towns are one word: no more to read)
        tidy_town(record, city)
    postal = record.get("postal_code")
    if isinstance(postal, str | int) and str(postal).isdigit() and len(str(postal)) in (3, 4) \
            and _in_us(record.get("country"), record.get("region")):
        # A ZIP whose leading zero a spreadsheet dropped (02138 saved as 2138: New England,
        # New Jersey, Puerto Rico): five digits again.
        record["postal_code"] = str(postal).zfill(5)
    if record.get("country") or record.get("region"):
        report.placed += 1
    if record.get("country"):
        report.countried += 1
    if str(record.get("address") or "a").isascii() or not re.search(
            r"[\u3040-\u30ff\u4e00-\u9fff]", str(record.get("address") or "")):
        report.latin += 1
    for fld in ("lat", "lon"):
        if fld in record:
            try:
                record[fld] = float(record[fld])
            except (TypeError, ValueError):
                report.warnings[f"{fld} not a number (dropped)"] += 1
                extra[f"bad_{fld}"] = record.pop(fld)
    for fld in record:
        if fld not in ("lat", "lon") and not isinstance(record[fld], str):
            record[fld] = str(record[fld])
    status = record.get("operating_status")
    if status and business_status(status, whole=False) is None and not reads_as_open(status):
        # A status Spider cannot read counts as open: say so, so a closed business in the
        # user's own words ("stillgelegt") is seen before it is called.
        report.warnings[f"status {status[:30]!r} not read as closed or planned (kept as open)"] += 1
    if extra:
        record["extra"] = json.dumps(extra, ensure_ascii=False, sort_keys=True)
    return record


# What a row says, for telling a changed row from an unchanged one (where it stood and when it
# was read are not what it says).
_NOT_CONTENT = frozenset({"fetched_at", "source_row", "read_id", "identity"})


def content_hash(record: dict[str, Any]) -> str:
    payload = {k: record.get(k) for k in sorted(record) if k not in _NOT_CONTENT}
    return hashlib.sha1(json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


# A record read without part of what its source says (a crawled member whose detail page
# failed this once): the fields it lacks keep what the last read saved.
PARTIAL = "_partial"
_BOOKKEEPING = frozenset({"record_key", "identity", "content_hash", "status", "stale_since",
                          "read_id", "source", "source_row", "ingested_at", "updated_at",
                          "fetched_at"})


def save_records(db: Database, records: Iterable[dict[str, Any]],
                 report: IngestReport | None = None, *, read_id: str | None = None,
                 batch_size: int = 5000) -> IngestReport:
    """Upsert records keyed by their identity in their source (spider.identity): re-saving the
    same rows adds nothing, and a row moved, edited or re-ordered stays the same record.

    Used by file ingest and by the crawler alike; every record must carry `source` and
    `source_row`. A changed row is updated in place (its id, and so its links, stay); a row
    that had gone stale and is back becomes active again. Every row saved is stamped with
    `read_id`, so the rows a source no longer gives can be marked stale (`mark_stale`).
    """
    report = report if report is not None else IngestReport("")
    stamp = now_iso()
    identities = Identities()
    batch: list[dict[str, Any]] = []
    record_columns = [c for c in table(db, "records").columns_dict if c != "id"]
    columns = set(record_columns)
    changed_any = False

    def flush() -> None:
        nonlocal changed_any
        existing = {key: (rid, chash, status, row) for rid, key, chash, status, row in rows_in(
            db, "select id, record_key, content_hash, status, source_row from records "
            "where record_key in ({marks})", [r["record_key"] for r in batch])}
        new, changed, seen = [], [], []
        partial = [(rec, existing[rec["record_key"]][0]) for rec in batch
                   if rec.get(PARTIAL) and rec["record_key"] in existing]
        for rec, rid in partial:
            kept = dict(zip(record_columns, db.execute(
                f"select {', '.join(_quoted_columns(record_columns))} from records where id = ?",
                [rid]).fetchone(), strict=True))
            for column in record_columns:
                if rec.get(column) in (None, "") and kept.get(column) not in (None, "") and \
                        column not in _BOOKKEEPING:
                    rec[column] = kept[column]
            rec["content_hash"] = content_hash({k: v for k, v in rec.items() if k not in (
                PARTIAL, "status", "stale_since", "content_hash")})
        for rec in batch:
            rec.pop(PARTIAL, None)
            old = existing.get(rec["record_key"])
            if old is None:
                rec["ingested_at"] = stamp
                new.append(rec)
            elif old[1] != rec["content_hash"] or old[2] != "active":
                rec["id"] = old[0]
                changed.append(rec)
            else:
                report.unchanged += 1
                seen.append((rec["read_id"], rec["source_row"], old[0]))
        report.added += insert_rows(db, "records", new, columns=record_columns)
        for rec in changed:
            rec["updated_at"] = stamp
            update_row(db, "records", "id", rec["id"],
                       {c: rec.get(c) for c in record_columns if c not in ("ingested_at",)})
        report.updated += len(changed)
        db.conn.executemany("update records set read_id = ?, source_row = ? where id = ?", seen)
        changed_any = changed_any or bool(new or changed)
        batch.clear()

    with transaction(db):
        for rec in records:
            if "source" not in rec or "source_row" not in rec:
                raise ValueError("save_records needs source and source_row on every record")
            row = {k: v for k, v in rec.items() if k in columns}
            phone = row.get("phone")
            if phone and not any(ch.isdigit() for ch in str(phone)):
                row["phone"] = None  # "n/a", "ask reception": no number to dial or match
            stray = {k: v for k, v in rec.items() if k not in columns and k != PARTIAL}
            if stray:
                extra = json.loads(row.get("extra") or "{}")
                extra.update({k: v for k, v in stray.items() if v not in (None, "")})
                row["extra"] = json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else None
            row["identity"] = identities(row)
            row["record_key"] = rec["record_key"] = record_key(str(row["source"]), row["identity"])
            row["content_hash"] = content_hash(row)
            if rec.get(PARTIAL):
                row[PARTIAL] = True
            row["status"] = "active"
            row["stale_since"] = None
            row["read_id"] = read_id
            batch.append(row)
            if len(batch) >= batch_size:
                flush()
        if batch:
            flush()
        if changed_any:
            records_changed(db)
    return report


def mark_stale(db: Database, source: str, read_id: str) -> int:
    """Mark stale the active records of SOURCE that the read `read_id` did not give: a row
    deleted from the file, an item gone from the directory. Never deleted: what a person
    decided about them stays, flagged. Returns how many."""
    with transaction(db):
        count = db.execute(
            "update records set status = 'stale', stale_since = ? where source = ? and "
            "status = 'active' and coalesce(read_id, '') != ?", [now_iso(), source, read_id]
        ).rowcount
        if count:
            records_changed(db)
    return count


def carry_renamed(db: Database, source: str, read_id: str, last_id: int, *,
                  keyed_rows: bool = False) -> int:
    """Rows of a file without an id column are known by what they say, so a renamed or moved
    business reads as a new row and its old row as gone. Where exactly one row new in this
    read (id above LAST_ID) and exactly one row this read no longer gave share a phone number
    or a website (not a shared host's page) and the same town or much the same name, and no
    other row of either side shares that phone or website, they are one row: the old record
    takes the new row's content and identity (its id, and so everything a person decided
    about it, stays; decisions follow its new key), and the new one is dropped. The same
    name in the same town (moved, with a new number) and the same owner at the same address
    (renamed, with a new number) say so too. An address alone is not enough: a shop that
    closes is often followed by another at its door.
    KEYED_ROWS: the file has an id column, and a new id is a new row unless the two say the
    same name in the same town as well (a care home re-registered under a new owner gets a
    new location id for the same home, phone and door).
    Returns how many rows were carried over."""
    from spider.contact_facts import person_in

    columns = [c for c in table(db, "records").columns_dict if c != "id"]
    about: dict[int, tuple[tuple[str, str], str, str]] = {}  # record -> (town, postcode), name, jcn

    def keyed(sql: str, params: list[Any]) -> dict[str, list[int]]:
        by_key: dict[str, list[int]] = {}
        for (record_id, phone, website, name, city, postal, jcn, address,
             extra) in db.execute(sql, params):
            place = fold(postal or "") or fold(city or "")
            about[record_id] = ((fold(city or ""), fold(postal or "")), fold(name or ""),
                                str(jcn or "").strip())
            keys = _row_keys(phone, website, jcn, name, city, postal)
            # One renamed at its door with a new number keeps its owner there.
            columns = _columns_of(extra)
            owner = fold(person_in(columns))
            if owner and address:
                keys.add(f"owned:{owner}|{fold(address)}|{place}")
            keys |= _ids_said(columns)
            for key in keys:
                by_key.setdefault(key, []).append(record_id)
        return by_key

    wanted = "id, phone, website, name, city, postal_code, corporate_number, address, extra"
    # The rows gone first: most reads lose none, and then the new rows are never read again
    # (a first ingest of a million rows adds a million).
    gone = keyed(f"select {wanted} from records where source = ? and status = 'active' "
                 "and coalesce(read_id, '') != ?", [source, read_id])
    if not gone:
        return 0
    fresh = keyed(f"select {wanted} from records where source = ? and read_id = ? and "
                  "id > ?", [source, read_id, last_id])
    # A phone, website or name that a row still in the file gives too says nothing of which
    # row is which: a dealer group's sites share one website, and a row the file listed twice
    # and now once leaves its twin behind, not a move to the group's new site.
    held = _held_by_survivors(db, source, read_id, last_id,
                              {key for key in fresh if len(gone.get(key, ())) == 1})
    pairs: dict[int, set[int]] = {}  # new record -> the gone ones it could be
    for key, new_ids in fresh.items():
        old_ids = gone.get(key, [])
        if len(new_ids) == 1 and len(old_ids) == 1 and key not in held and _same_business(
                about[new_ids[0]], about[old_ids[0]], both=keyed_rows):
            pairs.setdefault(new_ids[0], set()).add(old_ids[0])
    claimed: dict[int, list[int]] = {}
    for new_id, candidates in pairs.items():
        if len(candidates) == 1:
            claimed.setdefault(next(iter(candidates)), []).append(new_id)
    carried = 0
    for old_id, new_ids in sorted(claimed.items()):
        if len(new_ids) != 1:
            continue
        _carry(db, columns, old_id, new_ids[0])
        carried += 1
    return carried


def _row_keys(phone: Any, website: Any, jcn: Any, name: Any, city: Any, postal: Any) -> set[str]:
    """What names a row across two reads of its file, as `carry_renamed` keys it: its phone,
    its website (not a shared host's page), its company number (where the file's rows
    share it, so it keyed none: a renamed school with a new phone is still its CIF), and its
    name in its town (a practice that moved down the street with a new number keeps it)."""
    domain = normalize_domain(website)
    keys = {f"tel:{normalize_phone(phone)}",
            f"web:{domain}" if domain not in SHARED_HOSTS else "web:",
            f"jcn:{normalize_corporate_number(jcn)}"} - {"tel:", "web:", "jcn:"}
    place = fold(postal or "") or fold(city or "")
    if name and place:
        keys.add(f"named:{fold(name)}|{place}")
    return keys


def _held_by_survivors(db: Database, source: str, read_id: str, last_id: int,
                       candidates: set[str]) -> set[str]:
    """Which of the CANDIDATES keys (`_row_keys`) a row of SOURCE that this read gave again
    (not new in it) holds too. Read only where a gone row and a new one share a key, which
    most reads never have."""
    if not any(key.split(":", 1)[0] in ("tel", "web", "jcn", "named") for key in candidates):
        return set()  # (an owner's or an id's key: no row of `_row_keys` holds it)
    held: set[str] = set()
    for row in db.execute(
            "select phone, website, corporate_number, name, city, postal_code from records "
            "where source = ? and read_id = ? and id <= ? and status = 'active'",
            [source, read_id, last_id]):
        held |= _row_keys(*row) & candidates
    return held


def _carry(db: Database, columns: list[str], old_id: int, new_id: int) -> None:
    """The old record takes the new one's content and identity (its id, and so everything a
    person decided about it, stays; decisions follow its new key); the new one is dropped."""
    new_row = dict(zip(columns, db.execute(
        f"select {', '.join(_quoted_columns(columns))} from records where id = ?",
        [new_id]).fetchone(), strict=True))
    old_key = db.execute("select record_key from records where id = ?", [old_id]).fetchone()[0]
    db.execute("delete from records where id = ?", [new_id])
    db.execute("delete from dirty_records where record_id = ?", [new_id])
    new_row.pop("ingested_at", None)
    new_row["updated_at"] = now_iso()
    update_row(db, "records", "id", old_id, new_row)
    rekey_decisions(db, old_key, new_row["record_key"])


def rekey_decisions(db: Database, old_key: str, new_key: str) -> None:
    """A person's merges and splits naming a record by OLD_KEY name it by NEW_KEY (the record
    kept its id and took a new key)."""
    for side in ("a", "b"):
        db.execute(f"update decisions set record_key_{side} = ? where record_key_{side} = ?",
                   [new_key, old_key])


def carry_rekeyed(db: Database, source: str, read_id: str, last_id: int,
                  set_fields: Iterable[str] = ()) -> int:
    """A file read again with another way of knowing its rows (an id column mapped now, with
    `--map source_id=COLUMN`, or one added to the file; a header Spider now reads as a field,
    ZIPCode, where it had kept it aside) gives every row a new identity, so each reads as a
    new row and its old one as gone. Where exactly one new row and exactly one gone row say
    the same values (in whatever columns or fields, the new row's id aside), they are one
    row, carried over as `carry_renamed` does: won clients, merges and call outcomes stay on
    it. The fields SET_FIELDS names were given by `--set` in this read or the last, not by
    the row (`--set country=US` added to a second read says the same of every row), and are
    not compared. Returns how many rows were carried over."""
    columns = [c for c in table(db, "records").columns_dict if c != "id"]
    skip = set(set_fields)
    said = [c for c in FIELDS if c in columns and c not in skip]
    select = (f"select id, source_id, extra, {', '.join(_quoted_columns(said))} from records "
              "where source = ? and ")

    def values(row: tuple) -> list[str]:
        extra = json.loads(row[2]) if row[2] else {}
        found = [str(v).strip() for v in (*row[3:], *extra.values()) if v not in (None, "")]
        return sorted(v for v in found if v)

    gone: dict[tuple[str, ...], list[int]] = {}
    for row in db.execute(select + "status = 'active' and coalesce(read_id, '') != ?",
                          [source, read_id]):
        gone.setdefault(tuple(values(row)), []).append(row[0])
    if not gone:
        return 0
    fresh: dict[int, list[tuple[str, ...]]] = {}  # new record -> what its old self may have said
    claims: Counter[tuple[str, ...]] = Counter()
    for row in db.execute(select + "read_id = ? and id > ?", [source, read_id, last_id]):
        mine = values(row)
        key = str(row[1] or "").strip()
        # The old row had the id in a column kept aside, or not at all.
        without = list(mine)
        if key in without:
            without.remove(key)
        options = list(dict.fromkeys([tuple(mine), tuple(without), tuple(sorted([*without, key]))
                                      if key else tuple(without)]))
        fresh[row[0]] = [o for o in options if o in gone]
        claims.update(fresh[row[0]])
    # Rows that say the same values as just as many gone rows (a row the file repeats) are
    # those rows, in the file's order: they cannot be told apart, so either pairing is right.
    taking: dict[tuple[str, ...], list[int]] = {}
    for new_id, options in fresh.items():
        matches = [o for o in options if claims[o] == len(gone[o])]
        if len(matches) == 1:
            taking.setdefault(matches[0], []).append(new_id)
    carried = 0
    for said_values, new_ids in taking.items():
        if len(new_ids) != len(gone[said_values]):
            continue  # a new row that could also be another gone row claims it too
        for old_id, new_id in zip(sorted(gone[said_values]), sorted(new_ids), strict=True):
            _carry(db, columns, old_id, new_id)
            carried += 1
    return carried + _carry_by_letters(db, columns, select, source, read_id, last_id)


_WORDS = re.compile(r"[^\W_]+")


def _carry_by_letters(db: Database, columns: list[str], select: str, source: str,
                      read_id: str, last_id: int) -> int:
    """What `carry_rekeyed` leaves: rows whose values were read into other shapes as well
    as under a new key (an id column read now, or none where a column that had keyed the
    rows is read as part of the address). A column mapped now joins others ("RUA" +
    "HADDOCK LOBO" + "354" is the address RUA HADDOCK LOBO 354) or is tidied (a CNPJ's 41.939.071/0001-31 as the
    corporate number 41939071000131), so a row is known by the letters and digits of all it
    says, in any order; exactly one new row and one gone row with the same are one row."""

    def letters(values: Iterable[Any]) -> str:
        # Each word once (a house number kept aside and also joined to the address is one),
        # in any order; a value of digits and marks alone is one number (41.939.071/0001-31
        # is 41939071000131), and 12 High St is not 21 High St.
        words: set[str] = set()
        for value in values:
            if value in (None, ""):
                continue
            text = fold(str(value))
            found = _WORDS.findall(text)
            if found and all(w.isdigit() for w in found):
                words.add("".join(found))
            else:
                words.update(found)
        return " ".join(sorted(words))

    def said(row: tuple) -> list[Any]:
        extra = json.loads(row[2]) if row[2] else {}
        return [*row[3:], *extra.values()]

    gone: dict[str, list[int]] = defaultdict(list)
    keyed: set[str] = set()  # gone rows that had a key
    for row in db.execute(select + "status = 'active' and coalesce(read_id, '') != ?",
                          [source, read_id]):
        known = letters(said(row))
        gone[known].append(row[0])
        if str(row[1] or "").strip():
            keyed.add(known)
    if not gone:
        return 0
    claims: dict[str, list[int]] = defaultdict(list)
    for row in db.execute(select + "read_id = ? and id > ?", [source, read_id, last_id]):
        values = said(row)
        key = str(row[1] or "").strip()
        options = {letters(values)}
        if key and key in [str(v).strip() for v in values]:
            without = list(values)
            without.remove(next(v for v in values if str(v).strip() == key))
            options.add(letters(without))  # (an id the old row did not have)
        # A row without a key meets only a gone row that had one: the column that keyed the
        # list is read now as part of its address. (Between rows known by what they say, a
        # rename or a move is `carry_renamed`'s.)
        for option in options & (gone.keys() if key else keyed):
            claims[option].append(row[0])
    carried = 0
    taken: set[int] = set()
    for option, new_ids in claims.items():
        if len(new_ids) == 1 and len(gone[option]) == 1 and new_ids[0] not in taken:
            _carry(db, columns, gone[option][0], new_ids[0])
            taken.add(new_ids[0])
            carried += 1
    return carried


def _columns_of(extra: str | None) -> dict[str, Any]:
    """A record's extra columns, read from its JSON ({} for none, or for JSON that is no
    object)."""
    try:
        columns = json.loads(extra) if extra else {}
    except ValueError:
        return {}
    return columns if isinstance(columns, dict) else {}


def _ids_said(columns: dict[str, Any]) -> set[str]:
    """The values of a record's extra COLUMNS whose headers name an id (a licence number the
    file's id column could not be, some rows sharing one): a business that moved keeps its
    licence numbers."""
    from spider.identity import names_an_id

    out = set()
    for header, value in columns.items():
        said = str(value).strip()
        if len(said) >= 4 and any(ch.isdigit() for ch in said) and names_an_id(str(header)) \
                and not _DATE_LIKE.fullmatch(said):
            out.add(f"id:{fold_header(str(header))}={fold(said)}")
    return out


_DATE_LIKE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T][\d:.]+)?")


def _same_business(new: tuple[tuple[str, str], str, str], old: tuple[tuple[str, str], str, str],
                   *, both: bool = False) -> bool:
    """Renamed in place, or moved keeping its name: the same town (by its name or its
    postcode: "Paris 11e" and "PARIS 11E ARRONDISSEMENT" at 75011 are one), or much the same
    name (BOTH: the same town and much the same name), and no two
    corporate numbers. A number passed on to another business in another town, or another
    registered company, is not the same row."""
    from rapidfuzz import fuzz

    (place_new, name_new, jcn_new), (place_old, name_old, jcn_old) = new, old
    if jcn_new and jcn_old and jcn_new != jcn_old:
        return False
    in_place = any(a and a == b for a, b in zip(place_new, place_old, strict=True))
    named = fuzz.token_set_ratio(name_new, name_old) >= (90 if both else 80)
    return (in_place and named) if both else (in_place or named)


@dataclass
class EarlierExport:
    """A list read before under another file name whose rows this file's id column names:
    its location, the rows the two share, and how it was read (--map, --set)."""

    location: str
    shared: int
    rows: int  # its active rows
    mapping: dict[str, str]
    constants: dict[str, str]


def earlier_export(db: Database, source: str, read_id: str, key: str | None,
                   columns: Iterable[str]) -> EarlierExport | None:
    """The file this one is the next export of, if any: a CRM's accounts or a register saved
    again under a new name ("accounts-2026-12.csv" after "accounts-2026-11.csv"). It must be
    read from a file, identify its rows by a column of the same header, have about the same
    columns, and share at least half of its rows' ids with this read, both ways (a list
    filtered to one town, or another register keyed by the same corporate numbers, is not
    it). A file with no id column (KEY None) knows its rows by what they say: half its rows
    saying what the earlier one's said, both ways (a guide's next edition under a new name),
    where that one was read knowing its columns and no id column either."""
    mine: set[str] | None = None  # read once a list of the same shape is found
    wanted = set(columns)
    best: EarlierExport | None = None
    for location, options, mapping, constants in db.execute(
            "select location, options, mapping, constants from sources where kind = 'file' and "
            "status = 'active' and location != ?", [source]).fetchall():
        said = json.loads(options or "{}")
        theirs = said.get("columns")
        if said.get("key_column", key) != key or (theirs is not None and len(
                wanted & set(theirs)) < 0.6 * len(wanted | set(theirs))):
            continue
        if key is None and theirs is None:
            continue  # (read before its columns were kept: nothing to know its shape by)
        if key is not None and "key_column" not in said:
            # Read before the key column was kept: its rows keep the column aside, or named
            # it with --map source_id.
            extra = db.execute("select extra from records where source = ? limit 1",
                               [location]).fetchone()
            if key not in json.loads(mapping or "{}").values() and \
                    key not in json.loads(extra[0] if extra and extra[0] else "{}"):
                continue
        if mine is None:
            mine = {ident for ident, in db.execute(
                "select identity from records where source = ? and read_id = ?",
                [source, read_id]) if key is not None or placed_content(ident)}
        ids = {ident for ident, in db.execute(
            "select identity from records where source = ? and status = 'active'", [location])
            if key is not None or placed_content(ident)}
        shared = len(mine & ids)
        # (rows known by what they say: a name and a place each, and a few of them; two
        # one-row lists of "Harbor Dental Clinic" and "Harbor Dental Clinic LLC" are two lists)
        if key is None and shared < NEXT_EDITION_ROWS:
            continue
        if shared * 2 >= max(len(mine), len(ids)) and (best is None or shared > best.shared) \
                and _rows_agree(db, source, read_id, location):
            best = EarlierExport(location, shared, len(ids), json.loads(mapping or "{}"),
                                 json.loads(constants or "{}"))
    return best


NEXT_EDITION_ROWS = 3  # rows a file with no id column shares with a list to be its next edition


def _rows_agree(db: Database, source: str, read_id: str, earlier: str, sample: int = 400) -> bool:
    """Whether the rows the two lists' ids pair are mostly the same companies: much the same
    name, or one phone or one website. Two exhibitor lists that both number their rows 101,
    102, 103 pair other companies under each id, and are two lists."""
    from rapidfuzz import fuzz

    pairs = db.execute(
        "select a.name, a.name_local, a.phone, a.website, b.name, b.name_local, b.phone, "
        "b.website from records a join records b on b.identity = a.identity where "
        "a.source = ? and a.read_id = ? and b.source = ? and b.status = 'active' limit ?",
        [source, read_id, earlier, sample]).fetchall()

    def same(new: str | None, old: str | None, key: Callable[[str | None], str]) -> bool:
        return bool(key(new)) and key(new) == key(old)

    agree = sum(1 for name, local, phone, web, name_b, local_b, phone_b, web_b in pairs
                if fuzz.token_set_ratio(fold(name or local or ""), fold(name_b or local_b or "")) >= 80
                or same(phone, phone_b, normalize_phone) or same(web, web_b, normalize_domain))
    return agree * 5 >= len(pairs) * 3


def carry_export(db: Database, earlier: str, source: str, read_id: str) -> tuple[int, int]:
    """Read this file as the next export of EARLIER: each of its rows with an id EARLIER's rows
    had is that record, now saying what this file says (its id, and so the won clients,
    merges, splits, exclusions and calls attached to it, stay), the rest of EARLIER's rows
    move with it and are marked stale by the caller as rows gone from the list, and the
    source is registered under its new name, so `spider refresh` reads the newer file.
    Decisions follow the records' new keys. Returns the rows carried (changed, unchanged)."""
    columns = [c for c in table(db, "records").columns_dict if c != "id"]
    content = [c for c in FIELDS if c in columns] + ["extra"]
    old_rows = {ident: (rid, key, said) for rid, key, ident, *said in db.execute(
        f"select id, record_key, identity, {', '.join(_quoted_columns(content))} from records "
        "where source = ?", [earlier])}
    pairs: list[tuple[int, int]] = []  # (new record, old record)
    changed = unchanged = 0
    for new_id, ident, *said in db.execute(
            f"select id, identity, {', '.join(_quoted_columns(content))} from records where "
            "source = ? and read_id = ?", [source, read_id]).fetchall():
        old = old_rows.get(ident)
        if old is not None:
            pairs.append((new_id, old[0]))
            unchanged += old[2] == said
            changed += old[2] != said
    moving = [c for c in columns if c not in ("ingested_at", "record_key")]
    # The new rows' keys are the ones the old records take: free them first.
    db.conn.executemany("update records set record_key = 'moving:' || id where id = ?",
                        [(new,) for new, _ in pairs])
    db.conn.executemany(
        f"update records set ({', '.join(_quoted_columns(moving))}) = (select "
        f"{', '.join(_quoted_columns(moving))} from records where id = ?), updated_at = ? "
        "where id = ?", [(new, now_iso(), old) for new, old in pairs])
    db.conn.executemany("delete from records where id = ?", [(new,) for new, _ in pairs])
    db.conn.executemany("delete from dirty_records where record_id = ?",
                        [(new,) for new, _ in pairs])
    rekeyed = {key: record_key(source, ident) for ident, (_, key, _) in old_rows.items()}
    db.conn.executemany("update records set source = ?, record_key = ? where id = ?",
                        [(source, rekeyed[key], rid) for rid, key, _ in old_rows.values()])
    db.conn.executemany("update decisions set record_key_a = ?, record_key_b = ? where id = ?", [
        (rekeyed.get(a, a), rekeyed.get(b, b), did) for did, a, b in db.execute(
            "select id, record_key_a, record_key_b from decisions").fetchall()
        if a in rekeyed or b in rekeyed])
    db.execute("update sources set location = ? where location = ?", [source, earlier])
    return changed, unchanged


def _quoted_columns(columns: list[str]) -> list[str]:
    return ['"' + c.replace('"', '""') + '"' for c in columns]


def ingest_file(db: Database, path: str | Path, *, mapping: dict[str, str] | None = None,
                constants: dict[str, str] | None = None, source: str | None = None,
                confidence: float | None = None, progress: ReadProgress | None = None,
                schedule: str | None = None, encoding: str | None = None,
                separate: bool = False) -> IngestReport:
    """Read one seed file and save its records, in one transaction: rows gone from the file
    are marked stale, and the file is registered as a source. Nothing is kept of a file that
    fails or is interrupted half-way.

    A file under a new name whose id column names the rows of a list read before is read as
    that list's next export (`earlier_export`), with its --map and --set, unless SEPARATE
    (or SOURCE names the list)."""
    kwargs: dict[str, Any] = dict(mapping=mapping, constants=constants, source=source,
                                  confidence=confidence, progress=progress, schedule=schedule,
                                  encoding=encoding, separate=separate or source is not None)
    try:
        return _ingest_file(db, Path(path), **kwargs)
    except _ReadAsEarlier as again:
        # Read once more as the earlier list was read (its --map and --set, those given now
        # first): the rows must say what they said then to be compared.
        # (a choice whose column this file lacks is dropped with a note, as on a file read again)
        return _ingest_file(db, Path(path), **kwargs, earlier=again.earlier)


def _file_options(encoding: str | None, report: IngestReport) -> dict[str, Any] | None:
    """What a file source keeps beside its mapping: the encoding given, and the column that
    identifies its rows with the columns it had (to know its next export by)."""
    options: dict[str, Any] = {"encoding": encoding} if encoding else {}
    options.update(key_column=report.key_column, columns=report.columns)
    return options or None


class _ReadAsEarlier(Exception):
    def __init__(self, earlier: EarlierExport) -> None:
        super().__init__(earlier.location)
        self.earlier = earlier


def _ingest_file(db: Database, path: Path, *, mapping: dict[str, str] | None,
                 constants: dict[str, str] | None, source: str | None,
                 confidence: float | None, progress: ReadProgress | None,
                 schedule: str | None, encoding: str | None, separate: bool,
                 earlier: EarlierExport | None = None) -> IngestReport:
    source = source or str(path.resolve())
    report = IngestReport(source)
    # A file read again is read as it was last time: its --map and --set stay (a new one
    # given now changes that field only), as its encoding does.
    last = db.execute("select mapping, constants from sources where location = ?",
                      [source]).fetchone() if has_table(db, "sources") else None
    kept_map = json.loads(last[0] or "{}") if last else {}
    kept_set = json.loads(last[1] or "{}") if last else {}
    if earlier is not None and last is None:
        kept_map, kept_set = earlier.mapping, earlier.constants
    if kept_map or kept_set:
        report.remembered = {f: c for f, c in kept_map.items() if f not in (mapping or {})}
        given = [f"--map {f}={shlex.quote(c)}" for f, c in report.remembered.items()]
        given += [f"--set {f}={shlex.quote(v)}" for f, v in kept_set.items()
                  if f not in (constants or {})]
        mapping = {**kept_map, **(mapping or {})}
        constants = {**kept_set, **(constants or {})}
        if given:
            report.notes.append(("read as last time: " if earlier is None else
                                 f"read as {Path(earlier.location).name} was: ") + " ".join(given))
    watch = getattr(progress, "watch", None)
    if watch is not None:
        watch(report)  # a progress display that shows rows read as well as bytes
    read_id = uuid.uuid4().hex[:16]
    with transaction(db), no_cyclic_gc():
        last_id = db.execute("select coalesce(max(id), 0) from records").fetchone()[0]
        save_records(db, read_seed_file(path, mapping=mapping, constants=constants, report=report,
                                        source=source, progress=progress, encoding=encoding),
                     report, read_id=read_id)
        if report.kept == 0:
            if not report.read:
                raise InputError(f"{path}: no rows to read; is it empty or only a header?")
            if all(reason.startswith("no name") for _, reason in report.skipped):
                columns = ", ".join(report.columns[:40]) + (", ..." if len(report.columns) > 40
                                                          else "") or "none"
                raise InputError(f"{path}: no column holds a company name (columns: {columns}); "
                                 "say which with --map name=COLUMN")
            raise InputError(f"{path}: none of its {report.read} rows could be used; first reason: "
                             f"row {report.skipped[0][0]}: {report.skipped[0][1]}")
        if last is None and not separate:
            found = earlier or earlier_export(db, source, read_id, report.key_column,
                                              report.columns)
            if found and earlier is None and (any(
                    (mapping or {}).get(f) != c for f, c in found.mapping.items()) or any(
                    (constants or {}).get(f) != v for f, v in found.constants.items())):
                raise _ReadAsEarlier(found)  # rolled back, and read again
            if found:
                changed, unchanged = carry_export(db, found.location, source, read_id)
                report.added -= changed + unchanged
                report.updated += changed
                report.unchanged += unchanged
                how = f"have the same {report.key_column}" if report.key_column else \
                    "say the same name and address"
                report.notes.append(
                    f"read as the next export of {Path(found.location).name} ({found.shared:,} "
                    f"of its rows {how}): the won clients, merges, "
                    "splits and calls on them stay, and `spider refresh` now reads this file; "
                    "to keep it a list of its own: spider ingest "
                    f"{shlex.quote(str(path))} --separate")
        # A file with an id column knows its rows: a new id is a new row, however alike.
        before = db.execute("select constants from sources where location = ?",
                            [source]).fetchone()
        set_fields = {*(constants or {}), *json.loads(before[0] if before and before[0] else "{}")}
        report.rekeyed = carry_rekeyed(db, source, read_id, last_id, set_fields)
        report.renamed = carry_renamed(db, source, read_id, last_id,
                                       keyed_rows=report.key_column is not None)
        report.added -= report.renamed + report.rekeyed
        report.updated += report.renamed + report.rekeyed
        report.stale = mark_stale(db, source, read_id)
        from spider.signals import source_countries

        unplaced = report.read and report.latin == report.read and report.kept and \
            not report.countried
        inferred = source_countries(db, only=source).get(source, "") if unplaced else ""
        if unplaced and (not report.placed or not inferred):
            # Nothing says where the rows are: a town alone is read only where the world's
            # city table knows it, and a query naming the country meets nothing. (Nor does
            # a region no gazetteer places: a one-town list's "Madrid".)
            from spider.places import country_name

            fix = "spider ingest " + shlex.quote(str(path)) + " --set country=XX"
            report.notes.append(
                f"no column says the country; its towns or postal codes say {country_name(inferred)} "
                f"({inferred}); if that is wrong: {fix} (its ISO code)" if inferred and
                "," not in inferred else
                ("no column says the country, and its regions name none the gazetteer "
                 "knows" if report.placed else
                 "no column says the country or the state or region") +
                f"; if the list is of one country, say so: {fix} "
                "(its ISO code: US, GB, SG, DE ...), so its towns and postal codes are read "
                "and a query naming the country meets them")
        if report.customers:
            said = ", ".join(repr(v) for v, _ in report.customers.most_common(2))
            count = sum(report.customers.values())
            report.notes.append(
                f"{plural(count, 'row says', 'rows say')} the account is your customer ({said}): "
                f"to cite them as references and keep them off call lists, record them with "
                f"`spider won --from {shlex.quote(str(path))}` (only its customers are taken)")
        mapping = {f: c for f, c in (mapping or {}).items() if report.forgotten.get(f) != c}
        from spider.contact_facts import LISTED_PEOPLE, names_people

        if names_people(report.columns):
            set_meta(db, LISTED_PEOPLE, "1")  # the people it names are asked for
        register_source(db, source, "file", mapping=mapping, records=report.kept,
                        skipped=len(report.skipped), confidence=confidence,
                        constants=constants, encoding=report.encoding, schedule=schedule,
                        options=_file_options(encoding, report))
    return report
