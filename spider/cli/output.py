"""What the command line prints: text formatting for the terminal, kept out of the library.

Each function turns a library result into lines (or a progress display); none reads the
database or decides anything.
"""

from __future__ import annotations

import csv
import io
import json
import shlex
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, TextIO

import click

from spider.fields import suggest_field

if TYPE_CHECKING:  # the stages are loaded only by the commands that use them
    from spider.crawl.crawler import CrawlReport
    from spider.graph import GraphStats
    from spider.ingest import IngestReport
    from spider.prospects import Expansion


def expansion_header(expansion: Expansion) -> list[str]:
    """What a query was read as, words not understood, and notes (for stderr)."""
    q = expansion.query
    lines = [f"Lookalikes of {expansion.seed_label} (#{q.company_id})" if q.kind == "company"
             else f"Segment: {expansion.seed_label}"]
    if q.ignored:
        lines.append(f"Not understood, ignored: {', '.join(repr(w) for w in q.ignored)}")
    lines += [f"Note: {note}" for note in expansion.notes]
    if not expansion.prospects:
        lines.append("No prospects: no other company here shares its kind of business (or all "
                     "were left out, see the notes); add a list of its competitors with `spider "
                     "ingest FILE`" if q.kind == "company" else
                     "No prospects: nothing here matches the query; see the notes above")
    return lines


def ingest_lines(report: IngestReport, *, limit: int = 10) -> list[str]:
    """An ingest's summary, its first skipped rows with their reasons, and its warnings."""
    out = [report.summary()]
    if report.mapped:
        out.append("  columns read as: " + ", ".join(f"{c} → {f}" for c, f in report.mapped.items()))
    out += [f"  skipped row {row}: {reason}" for row, reason in report.skipped[:limit]]
    if len(report.skipped) > limit:
        out.append(f"  ... and {len(report.skipped) - limit} more skipped rows")
    out += [f"  {count} rows: {warning}" for warning, count in report.warnings.items()]
    out += [f"  note: {note}" for note in report.notes]
    hinted = [(c, suggest_field(c)) for c in report.unmapped]
    hinted = [(c, f) for c, f in hinted if f]
    if report.unmapped:
        # Every column not read as a field is said, so a missed one (a "Suburb") is seen.
        line = (f"  kept as extra, not used for matching: "
                f"{', '.join(repr(c) for c in report.unmapped[:8])}"
                + (f" and {len(report.unmapped) - 8} more" if len(report.unmapped) > 8 else ""))
        if hinted:
            # one --map per field a column seems to be (the first such column of each)
            first: dict[str, str] = {}
            for column, fld in hinted:
                if fld and fld not in first and fld not in report.mapped.values():
                    first[fld] = column
            maps = " ".join(f"--map {fld}={shlex.quote(column)}"
                            for fld, column in list(first.items())[:3])
            if maps:
                line += f"; if one is a field, say so: {maps}"
        out.append(line + " (fields: spider ingest --help)")
    return out


def crawl_lines(report: CrawlReport, *, sample: bool = False, limit: int = 5) -> list[str]:
    """The summary, then the first few robots skips, other skips and errors (and a sample)."""
    out = [report.summary()]
    out += [f"  robots.txt disallows {url}" for url in report.robots_skipped[:limit]]
    out += [f"  skipped {url}: {reason}" for url, reason in report.skipped[:limit]]
    out += [f"  error {url}: {reason}" for url, reason in report.errors[:limit]]
    if report.records == 0:  # a page that yields nothing says why; once it has, a hint is noise
        out += [f"  {url}: {why}" for url, why in report.empty[:limit]]
    for what, items in (
        ("robots skips", report.robots_skipped),
        ("skips", report.skipped),
        ("errors", report.errors),
    ):
        if len(items) > limit:
            out.append(f"  ... and {len(items) - limit} more {what}")
    if sample:
        out.append("Sample records (dry run, nothing saved):")
        for rec in report.sample:
            shown = {k: v for k, v in rec.items() if k not in ("source", "list_url", "fetched_at")}
            out.append("  " + json.dumps(shown, ensure_ascii=False))
    return out


def crawl_progress(stream: IO[str] | None = None) -> Callable[[CrawlReport], None] | None:
    """A one-line page/record counter on a terminal (None when output is not a terminal)."""
    out = stream or sys.stderr
    if not getattr(out, "isatty", lambda: False)():
        return None

    def show(report: CrawlReport) -> None:
        out.write(f"\r  {report.pages} pages, {report.records} records, {len(report.errors)} errors ")
        out.flush()

    return show


def seed_progress(stream: TextIO | None = None,
                  ) -> Callable[[Iterable[dict[str, Any]]], Iterable[dict[str, Any]]] | None:
    """A progress bar over the seed files on a terminal (None when stderr is not a terminal)."""
    out = stream or sys.stderr
    if not out.isatty():
        return None

    def bar(entries: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        with click.progressbar(entries, label="ingesting seeds", file=out,
                               item_show_func=lambda e: e["file"] if e else "") as items:
            yield from items

    return bar


class ReadProgress:
    """How far a file has been read: a bar with an estimate on a terminal, else a plain line
    every tenth (or every 15 s) with the rows read and the time left, for files big enough to
    take a while."""

    def __init__(self, label: str, size: int, stream: TextIO | None = None,
                 min_bytes: int = 2_000_000) -> None:
        self.out = stream or sys.stderr
        self.label, self.size, self.active = label, size, size >= min_bytes
        self.tty = self.active and self.out.isatty()
        self._bar: Any = None
        self._shown, self._next, self._last_line = 0, 0.1, time.monotonic()
        self._started = time.monotonic()
        self._report: Any = None

    def watch(self, report: Any) -> None:
        """Count rows from this report (an ingest's, whose `read` grows as rows are read)."""
        self._report = report

    def __call__(self, done: int, total: int) -> None:
        if not self.active:
            return
        if self.tty:
            if self._bar is None:
                self._bar = click.progressbar(length=total, label=f"reading {self.label}",
                                              file=self.out, show_eta=True,
                                              item_show_func=self._rows).__enter__()
            self._bar.update(done - self._shown)
            self._shown = done
            return
        share = done / total if total else 1.0
        if share >= self._next or time.monotonic() - self._last_line > 15:
            elapsed = time.monotonic() - self._started
            rows = f", {self._report.read:,} rows" if self._report is not None else ""
            left = f"; about {elapsed / share * (1 - share):.0f} s left" if 0 < share < 1 else ""
            self.out.write(f"reading {self.label}: {share:.0%} ({done / 1e6:,.0f} of "
                           f"{total / 1e6:,.0f} MB{rows}){left}\n")
            self.out.flush()
            self._next = share + 0.1 if share < 1.0 else 2.0  # 100% is said once
            self._last_line = time.monotonic()

    def _rows(self, _item: Any) -> str | None:
        return f"{self._report.read:,} rows" if self._report is not None else None

    def close(self) -> None:
        """End the display: the bar, or a last line with the rows read and the time taken."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
        elif self.active and not self.tty and self._next < 2.0:
            rows = f", {self._report.read:,} rows" if self._report is not None else ""
            self.out.write(f"reading {self.label}: 100% ({self.size / 1e6:,.0f} MB{rows}) in "
                           f"{time.monotonic() - self._started:.0f} s\n")
            self.out.flush()
            self._next = 2.0


def won_lines(clients: Iterable[dict[str, Any]]) -> list[str]:
    """`spider won --list`: each won client, whether it may be named, its story, and a flag
    when it is gone from every source (kept: the decision is never moved to another company)."""
    clients = list(clients)
    anonymous = {c["company_id"] for c in clients if not c["referenceable"]}
    lines = []
    for c in clients:
        line = (f"#{c['company_id']} {c['name']} ({'named' if c['referenceable'] else 'anonymous'})"
                f"{' — ' + c['story'] if c['story'] else ''}")
        if c["referenceable"] and c["company_id"] in anonymous:
            # two entries of one company (records a person merged) that disagree
            line += "  [another entry for this company is anonymous: it is never named]"
        if c.get("status") == "gone":
            line += (f"  [gone from every source since {(c.get('stale_since') or '?')[:10]}; "
                     "kept as recorded]")
        lines.append(line)
    return lines or ["No won clients recorded yet; record one with `spider won NAME` or import "
                     "them with `spider won --from FILE`"]


def graph_lines(figures: GraphStats) -> list[str]:
    return [f"{figures['companies']} companies, {figures['signals']} signals, "
            f"{figures['links']} company-signal links ({figures['records']} records)",
            "signals by kind: " + ", ".join(f"{k} {v}" for k, v in figures["by_kind"].items()),
            f"largest connected component: {figures['largest_component']} nodes; "
            f"mean signals per company {figures['mean_degree']:.1f}"]


def format_records(rows: Iterable[dict[str, Any]], fmt: str = "table") -> Iterator[str]:
    """Lines of `spider records` output: an aligned table, CSV (with header) or JSON Lines."""
    if fmt == "json":
        for row in rows:
            yield json.dumps(row, ensure_ascii=False)
        return
    if fmt == "csv":
        buffer = io.StringIO()
        from spider.resolve.decisions import RECORD_COLUMNS

        writer = csv.DictWriter(buffer, fieldnames=RECORD_COLUMNS, lineterminator="\n")
        writer.writeheader()
        from spider.export import safe_cell

        for row in rows:
            # a cell a spreadsheet would run as a formula is neutralised, as in call lists
            writer.writerow({k: safe_cell(v) for k, v in row.items()})
        yield from buffer.getvalue().splitlines()
        return
    columns = ("id", "company_id", "source", "source_row", "name", "rule", "status")
    widths = (6, 10, 28, 12, 40, 12, 6)
    yield "  ".join(f"{c:<{w}}" for c, w in zip(columns, widths, strict=True)).rstrip()
    for row in rows:
        source = str(row["source"] or "")
        source = source if len(source) <= 28 else "…" + source[-27:]
        status = "" if row.get("status") in (None, "active") else str(row["status"])
        values = (row["id"], row["company_id"] or "", source, row["source_row"] or "",
                  (row["name"] or row["name_en"] or row["legal_name"] or "")[:40], row["rule"] or "",
                  status)  # fmt: skip
        yield "  ".join(f"{v!s:<{w}}" for v, w in zip(values, widths, strict=True)).rstrip()


REVIEW_FIELDS = ("name", "name_en", "legal_name", "name_kana", "corporate_number", "category",
                 "address", "city", "phone", "website", "source", "source_row")  # fmt: skip


def format_review(item: dict[str, Any]) -> str:
    """One review pair side by side, with the score broken down by field."""
    a, b = item["a"], item["b"]
    lines = [f"Pair {item['id']}: record {a['id']} vs record {b['id']}, score {item['score']}"]
    for fld in REVIEW_FIELDS:
        va, vb = a.get(fld) or "", b.get(fld) or ""
        if va or vb:
            lines.append(f"  {fld:<16} {str(va)[:38]:<38} | {str(vb)[:38]}")
    # Names in Japanese read aloud, so a Latin-script reader can compare them.
    readings = [_reading_of(side) for side in (a, b)]
    if any(readings):
        lines.append(f"  {'reads as':<16} {readings[0][:38]:<38} | {readings[1][:38]}")
    metres = _metres_apart(a, b)
    if metres is not None:
        lines.append(f"  {'apart':<16} {metres} m")
    parts = ", ".join(f"{k} {v}" for k, v in item["breakdown"].items())
    lines.append(f"  score by field: {parts}")
    sizes = [item.get("size_a") or 0, item.get("size_b") or 0]
    if item.get("company_a") and max(sizes) > 1:
        # m joins the two whole companies, not only these two records
        sides = [f"#{item[f'company_{s}']} ({n} record{'s' if n != 1 else ''})"
                 for s, n in zip("ab", sizes, strict=True)]
        lines.append(f"  {'in company':<16} {sides[0]:<38} | {sides[1]}")
        lines.append(f"  m joins both companies: {sum(sizes)} records in one")
    return "\n".join(lines)


def _reading_of(record: dict[str, Any]) -> str:
    from spider.resolve.normalize import is_japanese
    from spider.resolve.readings import reading

    for fld in ("name", "name_local", "legal_name"):
        value = str(record.get(fld) or "")
        if value and is_japanese(value):
            return reading(value)
    return ""


def _metres_apart(a: dict[str, Any], b: dict[str, Any]) -> int | None:
    from spider.places import haversine_km

    try:
        points = [(float(r["lat"]), float(r["lon"])) for r in (a, b)]
    except (KeyError, TypeError, ValueError):
        return None
    return round(1000 * haversine_km(*points[0], *points[1]))


def format_blocking(rows: Sequence[dict[str, Any]]) -> Iterator[str]:
    """`spider dedupe --explain-blocking` as an aligned table."""
    labelled = "true_missed" in rows[0] if rows else False
    head = f"{'rule':<18}{'blocks':>9}{'oversized':>11}{'pairs':>10}{'new pairs':>11}"
    yield head + (f"{'true found':>12}{'true missed':>13}" if labelled else "")
    for row in rows:
        line = (f"{row['rule']:<18}{row['blocks']:>9}{row['oversized']:>11}{row['pairs']:>10}"
                f"{row['new_pairs']:>11}")  # fmt: skip
        if labelled:
            line += f"{row['true_found']:>12}{row['true_missed']:>13}"
        yield line
    if labelled and rows:
        yield f"blocking recall: {rows[-1]['recall']:.4f}"
