"""Ingest: read seed files (CSV/TSV/JSON/JSON Lines/GeoJSON, any common Japanese encoding) into `records`.

Reading is separate from saving: `read_seed_file` yields field dicts and never touches the
database; `save_records` writes them, idempotently, keyed by source and row.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from spider.db import rows_in, table
from spider.errors import InputError
from spider.fields import FIELDS, KNOWN, NAME_FIELDS, map_headers
from spider.sources import register_source
from spider.text import now_iso

FORMATS = ("csv", "tsv", "json", "jsonl", "geojson")


@dataclass
class IngestReport:
    """What one ingest did: counts, and every skipped row with its reason."""

    source: str
    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (row, reason)
    warnings: Counter = field(default_factory=Counter)
    encoding: str = ""
    columns: list[str] = field(default_factory=list)

    @property
    def kept(self) -> int:
        """Rows that are records now: added, updated or unchanged."""
        return self.added + self.updated + self.unchanged

    def summary(self) -> str:
        line = (f"{self.source}: {self.read} rows read, {self.added} added, {self.updated} updated, "
                f"{self.unchanged} unchanged, {len(self.skipped)} skipped")
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
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    # charset-normalizer (shipped with requests) is loaded only for the rare file it must guess.
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(f"{origin}: cannot tell the text encoding; save it as UTF-8 and retry")
    return str(best), best.encoding


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
) -> Iterator[dict[str, Any]]:
    """Yield one record dict per usable row, in the shared field vocabulary.

    `mapping` is field=column (from `--map`), `constants` is field=value set on every row.
    Unknown columns go under `extra`. Bad rows are skipped and reported, never fatal.
    """
    path = Path(path)
    source = source or str(path)
    report = report if report is not None else IngestReport(source)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory; give the seed files inside it") from None
    text, report.encoding = decode_bytes(data, origin=str(path))
    fmt = detect_format(path, text)
    rows = _rows(fmt, text, path)
    header_map: dict[str, str] | None = None
    for row_id, raw in rows:
        report.read += 1
        if isinstance(raw, str):  # a parse error for this row
            report.skipped.append((row_id, raw))
            continue
        if header_map is None or any(k not in header_map for k in raw):
            header_map = map_headers(list(raw), mapping)
            _check_mapping(mapping, header_map, path)
            report.columns = list(dict.fromkeys([*report.columns, *raw]))
        record = _to_record(raw, header_map, constants, report)
        if not any(record.get(f) for f in NAME_FIELDS):
            report.skipped.append((row_id, "no name in any name column"))
            continue
        record["source"] = source
        record["source_row"] = row_id
        yield record


def _check_mapping(mapping: dict[str, str] | None, header_map: dict[str, str], path: Path) -> None:
    for fld, column in (mapping or {}).items():
        if fld not in KNOWN:
            raise InputError(f"--map {fld}={column}: {fld!r} is not a field; use one of {', '.join(FIELDS)}")
        if column not in header_map:
            raise InputError(f"{path}: --map {fld}={column}: no column {column!r} in the file")


def _rows(fmt: str, text: str, path: Path) -> Iterator[tuple[str, dict | str]]:
    if fmt in ("csv", "tsv"):
        yield from _csv_rows(text, "\t" if fmt == "tsv" else ",", path)
    elif fmt == "jsonl":
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield str(number), f"line {number} is not JSON ({exc.msg})"
                continue
            yield str(number), obj if isinstance(obj, dict) else f"line {number} is not an object"
    else:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
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
            yield str(number), obj if isinstance(obj, dict) else f"item {number} is not an object"


def _csv_rows(text: str, delimiter: str, path: Path) -> Iterator[tuple[str, dict | str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    header = [h.strip().lstrip("\ufeff") for h in header]
    if not any(header):
        raise InputError(f"{path}: the first row has no column names; add a header row")
    try:
        for number, values in enumerate(reader, 1):
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                yield str(number), f"row {number} has {len(values)} fields, the header has {len(header)}"
                continue
            yield str(number), dict(zip(header, values, strict=True))
    except csv.Error as exc:
        raise InputError(f"{path}: CSV broken near line {reader.line_num} ({exc}); fix the quoting") from None


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


def _to_record(raw: dict, header_map: dict[str, str], constants: dict[str, str] | None,
               report: IngestReport) -> dict[str, Any]:
    record: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for column, value in raw.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False)
        value = value.strip() if isinstance(value, str) else value
        fld = header_map.get(column, column)
        if fld in KNOWN and fld not in record:
            record[fld] = value
        else:
            extra[column] = value
    for fld, value in (constants or {}).items():
        record.setdefault(fld, value)
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
    if extra:
        record["extra"] = json.dumps(extra, ensure_ascii=False, sort_keys=True)
    return record


def record_key(source: str, source_row: str) -> str:
    return hashlib.sha1(f"{source}\x1f{source_row}".encode()).hexdigest()


def content_hash(record: dict[str, Any]) -> str:
    payload = {k: record.get(k) for k in sorted(record) if k not in ("fetched_at",)}
    return hashlib.sha1(json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


def save_records(db: sqlite_utils.Database, records: Iterable[dict[str, Any]],
                 report: IngestReport | None = None, *, batch_size: int = 2000) -> IngestReport:
    """Upsert records keyed by (source, source_row): re-saving the same rows adds nothing.

    Used by file ingest and by the crawler alike; every record must carry `source` and
    `source_row`. A changed row is updated in place (its id, and so its links, stay).
    """
    report = report if report is not None else IngestReport("")
    stamp = now_iso()
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        keys = [r["record_key"] for r in batch]
        existing: dict[str, tuple[int, str]] = {
            key: (rid, chash) for rid, key, chash in rows_in(
                db, "select id, record_key, content_hash from records where record_key in ({marks})",
                keys)}
        new, changed = [], []
        for rec in batch:
            old = existing.get(rec["record_key"])
            if old is None:
                rec["ingested_at"] = stamp
                new.append(rec)
            elif old[1] != rec["content_hash"]:
                rec["id"] = old[0]
                changed.append(rec)
            else:
                report.unchanged += 1
        with db.conn:
            if new:
                table(db, "records").insert_all(new, alter=False)
                report.added += len(new)
            for rec in changed:
                rec["updated_at"] = stamp
                table(db, "records").update(rec["id"], {k: v for k, v in rec.items() if k != "id"})
            report.updated += len(changed)
        batch.clear()

    columns = set(table(db, "records").columns_dict)
    for rec in records:
        if "source" not in rec or "source_row" not in rec:
            raise ValueError("save_records needs source and source_row on every record")
        row = {k: v for k, v in rec.items() if k in columns}
        stray = {k: v for k, v in rec.items() if k not in columns}
        if stray:
            extra = json.loads(row.get("extra") or "{}")
            extra.update({k: v for k, v in stray.items() if v not in (None, "")})
            row["extra"] = json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else None
        row["record_key"] = record_key(str(row["source"]), str(row["source_row"]))
        row["content_hash"] = content_hash(row)
        row["status"] = "active"
        batch.append(row)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return report


def ingest_file(db: sqlite_utils.Database, path: str | Path, *, mapping: dict[str, str] | None = None,
                constants: dict[str, str] | None = None, source: str | None = None,
                confidence: float | None = None) -> IngestReport:
    """Read one seed file and save its records; register it as a source."""
    path = Path(path)
    source = source or str(path.resolve())
    report = IngestReport(source)
    save_records(db, read_seed_file(path, mapping=mapping, constants=constants, report=report,
                                    source=source), report)
    if report.kept == 0:
        if not report.read:
            raise InputError(f"{path}: no rows to read; is it empty or only a header?")
        if all(reason.startswith("no name") for _, reason in report.skipped):
            columns = ", ".join(report.columns[:12]) or "none"
            raise InputError(f"{path}: no column holds a company name (columns: {columns}); "
                             "say which with --map name=COLUMN")
        raise InputError(f"{path}: none of its {report.read} rows could be used; first reason: "
                         f"row {report.skipped[0][0]}: {report.skipped[0][1]}")
    register_source(db, source, "file", mapping=mapping, records=report.kept,
                    skipped=len(report.skipped), confidence=confidence)
    return report
