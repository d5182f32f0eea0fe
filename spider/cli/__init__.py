"""The command line: a thin layer that parses options, calls the library and prints.

Flags reach the settings one way: `Context.configure` applies them over spider.toml through
the same checks. Text formatting lives in `spider.cli.output`.
"""

from __future__ import annotations

import functools
import json
import shlex
import sqlite3
import sys
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

# Only what every command needs is imported here; each command imports the stages it runs,
# so `spider --help` and `spider expand` never load the resolver, numpy or sqlite-utils.
from spider import db as db_module
from spider.cli import output
from spider.db import Database, build_needed, default_db_path, graph_built, open_db, set_meta
from spider.errors import DatabaseError, QueryError, SpiderError
from spider.fields import FIELDS, PROVENANCE
from spider.locking import WriterLock
from spider.settings import Settings, load_settings
from spider.text import plural

if TYPE_CHECKING:
    from spider.prospects import Expansion

F = TypeVar("F", bound=Callable[..., Any])


class Context:
    """Lazily opened database and settings shared by every command."""

    def __init__(self, db_path: str | None, config: str | None) -> None:
        self._db_path = db_path
        self._config = config
        self._db: Database | None = None
        self._settings: Settings | None = None
        self._writer: WriterLock | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self._config, db=self._db_path)
            for warning in self._settings.warnings:
                click.echo(f"Warning: {warning}", err=True)
        return self._settings

    def file_setting(self, key: str) -> Any:
        """The value the settings file (spider.toml, or --config) gives KEY; None if none."""
        import tomllib

        self.settings  # noqa: B018 -- read and checked once, with its errors said
        path = Path(self._config) if self._config else Path("spider.toml")
        if not path.is_file():
            return None
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return data.get("spider", data).get(key)

    def configure(self, **flags: Any) -> Settings:
        """Apply the command's flags (None: not given) over the settings, checked like the file."""
        self._settings = self.settings.with_flags(**flags)
        return self._settings

    @property
    def db_path(self) -> Path:
        return Path(self.settings.db) if self.settings.db else default_db_path()

    def open(self, *, build: bool = True, write: bool = False) -> Database:
        """Open the database. A command that writes (`write`) holds the writer lock until it
        ends; any command finds the graph current first (built from the seeds on first use,
        rebuilt after an interrupted command), taking the lock only if it must build."""
        if write:
            self._lock()
        if self._db is None:
            self._db = open_db(self.db_path)
            if not write:
                self._report_interrupted()
            if build and build_needed(self._db):
                from spider import pipeline

                self._lock()
                pipeline.ensure_built(self._db, self.settings, echo=_echo_err,
                                      progress=output.seed_progress())
        return self._db

    def _lock(self) -> None:
        """Hold the writer lock for the rest of this command (waiting for another writer)."""
        if self._writer is not None:
            return
        ctx = click.get_current_context()
        if self.db_path.exists() and not db_module.writable(self.db_path):
            raise DatabaseError(f"{self.db_path}: read-only here, and `{ctx.command_path}` writes "
                                "to it; copy it somewhere writable and point --db there")
        writer = WriterLock(self.db_path, _command_line(ctx))
        try:
            writer.acquire(on_wait=_echo_err)
        except OSError as exc:
            raise DatabaseError(f"{self.db_path}: cannot write beside it ({exc.strerror}); "
                                "copy the database somewhere writable, or point --db there") from None
        self._writer = writer
        ctx.call_on_close(writer.release)
        if writer.interrupted:
            _echo_err(f"Note: the last `{writer.interrupted.get('command', 'spider')}` was "
                      "interrupted; what it had not finished was rolled back.")

    def release(self) -> None:
        """Let go of the writer lock before the command ends (a server that runs for days
        takes it for each write instead)."""
        if self._writer is not None:
            self._writer.release()
            self._writer = None

    def _report_interrupted(self) -> None:
        """A reader that finds the last writer died (its note left in the lock file) says so,
        and clears the note."""
        probe = WriterLock(self.db_path, "")
        if probe.holder() is None or probe.busy():
            return
        try:
            probe.acquire(timeout=0)
        except (TimeoutError, OSError):
            return
        probe.release()
        if probe.interrupted:
            _echo_err(f"Note: the last `{probe.interrupted.get('command', 'spider')}` was "
                      "interrupted; what it had not finished was rolled back.")


def _command_line(ctx: click.Context) -> str:
    """This command as typed (for the note a waiting or recovering command reads)."""
    argv = sys.argv
    if argv and Path(argv[0]).name in ("spider", "spider.exe", "__main__.py"):
        return " ".join(["spider", *argv[1:]])[:200]
    return ctx.command_path


def _echo_err(message: str) -> None:
    click.echo(message, err=True)


def _echo_lines(lines: Iterable[str], *, err: bool = False) -> None:
    for line in lines:
        click.echo(line, err=err)


def handle_errors(func: F) -> F:
    """Turn SpiderErrors into one-line messages with exit code 1; never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except QueryError as exc:
            click.echo(f"Error: {exc}", err=True)
            for cand in exc.candidates:
                click.echo(f"  {cand.get('label', cand)}", err=True)
            sys.exit(1)
        except SpiderError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted; everything saved so far is kept.", err=True)
            sys.exit(130)
        except sqlite3.DatabaseError as exc:
            # A safety net: a damaged or foreign database file must not print a traceback.
            ctx = click.get_current_context(silent=True)
            where = ctx.find_root().obj.db_path if ctx and ctx.find_root().obj else "the database"
            click.echo(f"Error: {where}: {exc}; check the file, or point --db at another one", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


class _Spider(click.Group):
    """The command group, taking --db and --config wherever they are given: `spider expand
    "x" --db f.db` is `spider --db f.db expand "x"`, as people type it."""

    GLOBAL = ("--db", "--config")

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        front: list[str] = []
        rest: list[str] = []
        at = 0
        while at < len(args):
            arg = args[at]
            if arg == "--":
                rest += args[at:]
                break
            name = arg.split("=", 1)[0]
            if name in self.GLOBAL and rest:  # after the command's name: move it forward
                if "=" in arg:
                    front.append(arg)
                elif at + 1 < len(args):
                    front += [arg, args[at + 1]]
                    at += 1
                else:
                    rest.append(arg)
            else:
                rest.append(arg)
            at += 1
        return super().parse_args(ctx, front + rest)


@click.group(cls=_Spider, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_path", envvar="SPIDER_DB", type=click.Path(dir_okay=False),
              help="Database file (default: spider.db in your data directory; or set SPIDER_DB).")
@click.option("--config", type=click.Path(dir_okay=False), help="Settings file (default: ./spider.toml).")
@click.version_option(package_name="spider-prospects")
@click.pass_context
def main(ctx: click.Context, db_path: str | None, config: str | None) -> None:
    """Spider: turn one won client into a ranked, explained list of its direct competitors.

    \b
    Example:
        spider expand "Tokyo five-star hotel"
    """
    ctx.obj = Context(db_path, config)


def _parse_pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip():
            raise SpiderError(f"{option} {value!r}: write it as field=column, e.g. {option} name=Company")
        pairs[key.strip()] = rest.strip()
    return pairs


@main.command(epilog="\b\nFields --map and --set take:\n" + "\n".join(
    textwrap.wrap(", ".join((*FIELDS, *PROVENANCE)), 76, initial_indent="  ",
                  subsequent_indent="  ")) + "\n(source_id: the column that identifies a row, "
    "if Spider does not find it)")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--map", "maps", multiple=True, metavar="FIELD=COLUMN", help="Map a column to a field.")
@click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE", help="Set a field on every row.")
@click.option("--schedule", metavar="EVERY",
              help="Refresh these files on a schedule (12h, 1d, weekly...): spider refresh --due.")
@click.option("--encoding", metavar="NAME",
              help="The files' text encoding, where Spider tells it wrong (cp1252, latin-1, cp932...).")
@click.option("--separate", is_flag=True,
              help="Read each file as a list of its own, even one whose id column names the rows "
                   "of a list read before (else read as that list's next export).")
@click.pass_obj
@handle_errors
def ingest(obj: Context, files: tuple[str, ...], maps: tuple[str, ...], sets: tuple[str, ...],
           schedule: str | None, encoding: str | None, separate: bool) -> None:
    """Ingest seed files (CSV, TSV, Excel .xlsx or .xls, JSON, JSON Lines, GeoJSON) and rebuild the graph.

    \b
    Example:
        spider ingest members.csv --map name=Company --set country=JP
    """
    from spider import pipeline
    from spider.ingest import ingest_file

    folders = [p for p in files if Path(p).is_dir()]
    if folders:
        raise SpiderError(f"{folders[0]}: a folder, not a file; give the files in it "
                          f"(spider ingest {shlex.quote(folders[0].rstrip('/'))}/*.csv); nothing "
                          "was ingested")
    missing = [p for p in files if not Path(p).is_file()]
    if missing:
        raise SpiderError(f"{missing[0]}: no such file; nothing was ingested (check the paths)")
    every = None
    if schedule:
        from spider.refresh import parse_schedule

        every = parse_schedule(schedule)
    db = obj.open(write=True)
    mapping, constants = _parse_pairs(maps, "--map"), _parse_pairs(sets, "--set")
    large = False
    for path in files:
        progress = output.ReadProgress(Path(path).name, Path(path).stat().st_size)
        large = large or progress.active
        try:
            report = ingest_file(db, path, mapping=mapping, constants=constants, progress=progress,
                                 schedule=every, encoding=encoding, separate=separate)
        finally:
            progress.close()
        _echo_lines(output.ingest_lines(report))
    from spider.seeds import SEEDS

    seeded = db.execute("select coalesce(sum(records), 0) from sources where location like ?",
                        [f"{SEEDS}/%"]).fetchone()[0]
    if seeded:
        # Said at each ingest: the demo's companies answer queries beside the user's own.
        click.echo(f"  note: this database also holds the shipped demo seeds ({seeded:,} records); "
                   "for your own lists alone, start one with `spider --db FILE init --empty`")
    click.echo(pipeline.update(db, obj.settings, echo=_echo_err if large else None))
    _reevaluate_lists(db, obj.settings)


def _reevaluate_lists(db: Any, settings: Any) -> None:
    """The saved dynamic lists evaluated again after new records (as `spider refresh` does):
    next month's file brings the new bakery into the list the rep exports, not only into a
    fresh `expand`; who entered and left is said, and `spider list diff` shows it."""
    from spider.lists import reevaluate_dynamic

    for name, moved in reevaluate_dynamic(db, settings).items():
        if moved:
            entered = sum(c.change == "entered" for c in moved)
            click.echo(f"  list {name!r}: {entered} entered, {len(moved) - entered} left "
                       f"(`spider list diff {name}`)")


@main.command()
@click.argument("url")
@click.option("--recipe", metavar="FILE", help="Recipe TOML (CSS selectors), or a shipped recipe's name.")
@click.option("--max-pages", type=click.IntRange(1), help="Stop after this many pages (lists and details).")
@click.option("--depth", type=click.IntRange(0), help="Links to follow from URL (pagination is free).")
@click.option("--delay", type=click.FloatRange(0), help="Seconds between requests (at least Crawl-delay).")
@click.option("--dry-run", is_flag=True, help="Crawl and extract, show a sample, save no records.")
@click.option("--resume", is_flag=True, help="Continue an interrupted crawl of URL; nothing is fetched twice.")
@click.option("--follow-details", is_flag=True, help="Visit each item's page for phone, address, website.")
@click.option("--schedule", metavar="EVERY",
              help="Refresh this directory on a schedule (12h, 1d, weekly...): spider refresh --due.")
@click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE",
              help="A field for every member the page leaves it out of (--set country=IE, "
                   "--set category=Accountants); kept for `spider refresh`.")
@click.pass_obj
@handle_errors
def crawl(obj: Context, url: str, recipe: str | None, max_pages: int | None, depth: int | None,
          delay: float | None, dry_run: bool, resume: bool, follow_details: bool,
          schedule: str | None, sets: tuple[str, ...]) -> None:
    """Crawl a business directory politely and add its companies as records.

    \b
    Example:
        spider crawl https://www.fdic.gov/bank/individual/failed/banklist.html --max-pages 3
    """
    from spider import pipeline

    # Loaded here, not at the top: requests and BeautifulSoup cost every other command time.
    from spider.crawl.crawler import ingest_directory

    every = None
    if schedule:
        from spider.refresh import parse_schedule

        every = parse_schedule(schedule)
    settings = obj.configure(max_pages=max_pages, max_depth=depth, delay=delay)
    db, progress = obj.open(write=True), output.crawl_progress()
    # What the user set, kept with the source so `spider refresh` reads it the same way.
    options: dict[str, Any] = {key: value for key, value in (("max_pages", max_pages), ("depth", depth),
                                             ("delay", delay), ("follow_details", follow_details))
               if value}
    given = _parse_pairs(sets, "--set")
    if given:
        from spider.fields import FIELDS

        unknown = [f for f in given if f not in FIELDS]
        if unknown:
            raise SpiderError(f"--set {unknown[0]}=...: not a field; fields: "
                              f"{', '.join(sorted(FIELDS)[:20])} ...")
        options["set"] = given
    try:
        report = ingest_directory(db, url, settings, recipe=recipe, resume=resume, dry_run=dry_run,
                                  follow_details=follow_details, progress=progress,
                                  options=options, schedule=every)
    except KeyboardInterrupt:
        click.echo(f"\nInterrupted: `spider crawl {url} --resume` continues where it stopped.", err=True)
        raise
    finally:
        if progress is not None:
            click.echo("", err=True)
    _echo_lines(output.crawl_lines(report, sample=dry_run))
    if not report.records and not report.resumed:
        from spider.crawl.crawler import why_nothing

        raise SpiderError(f"{url}: no records read: {why_nothing(report)}; check the URL, or "
                          "give a recipe (--recipe) for a directory Spider does not read")
    if not follow_details and not recipe:
        # Items that link to their own pages, and no number on the list: those pages have it.
        linked = [r for r in report.sample if r.get("detail_url")]
        if linked and not any(r.get("phone") for r in report.sample):
            click.echo("Note: the items link to their own pages and the list gives no phone "
                       f"numbers; `spider crawl {url} --follow-details` reads each page's "
                       "phone, address and website")
    if dry_run:
        return
    if (report.ingest and (report.ingest.added or report.ingest.updated)) or report.resumed:
        click.echo(pipeline.update(db, settings))
        _reevaluate_lists(db, settings)
    else:
        click.echo("No record changed; companies and signals left as they were.")


@main.command()
@click.option("--empty", is_flag=True, help="Start a database without the shipped seeds.")
@click.option("--force", is_flag=True, help="Re-ingest the seeds into an existing database.")
@click.pass_obj
@handle_errors
def init(obj: Context, empty: bool, force: bool) -> None:
    """Build the database from the shipped seeds (done automatically on first use).

    \b
    Example:
        spider init            # or: spider --db team.db init --empty
    """
    from spider import pipeline

    db = obj.open(build=False, write=True)
    held = db.execute("select count(*), count(distinct source) from records").fetchone()
    if empty and held[0]:
        # (A new folder is no new database: the default one lives in the user's data folder.)
        click.echo(f"{obj.db_path} already holds {plural(held[0], 'record', 'records')} from "
                   f"{plural(held[1], 'source', 'sources')}; nothing removed. For a separate list, use "
                   "another database: spider --db FILE init --empty (or set SPIDER_DB=FILE).")
        return
    if empty:
        set_meta(db, "empty", "1")
        click.echo(f"Empty database ready at {obj.db_path}; add sources with `spider ingest FILE`.")
        return
    if db.execute("select exists(select 1 from records)").fetchone()[0] and not force:
        click.echo(f"{obj.db_path} already holds records; use --force to re-read the seeds.")
        return
    pipeline.build_from_seeds(db, obj.settings, echo=_echo_err, progress=output.seed_progress())


@main.command()
@click.argument("query")
@click.option("--limit", "-n", type=click.IntRange(1, 10000), help="How many prospects (default 25).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]),
              help="table (the default), csv or json; with -o, read from FILE's ending.")
@click.option("-o", "--output", "output_path", type=click.Path(dir_okay=False),
              help="Write to FILE (csv/json go to output/ by default).")
@click.option("--lang", type=click.Choice(["en", "ja", "de", "fr", "es", "pt"]),
              help="Language of the openers (en, ja: reasons and notes too; de, fr, es: the "
                   "opener and who to ask for). Default: ja for a query typed in Japanese, "
                   "else en; or `language` in spider.toml.")
@click.option("--templates", type=click.Path(dir_okay=False), help="Your opener templates (TOML).")
@click.option("--no-bom", is_flag=True, help="CSV without the UTF-8 BOM that Excel needs for Japanese.")
@click.option("--include-closed", is_flag=True, default=None,
              help="Also list businesses marked closed or not yet open (left out by default).")
@click.option("--source", help="Only companies from sources (file, URL or list title) containing this.")
@click.option("--synonyms", type=click.Path(dir_okay=False),
              help="Your synonyms (TOML: word = [\"other\", ...]) over the shipped ones.")
@click.option("--more", is_flag=True,
              help="The next prospects: none already exported, queued by `today`, or called.")
@click.option("--profile", metavar="CRM",
              help="Write the CSV for a CRM's import wizard: salesforce, hubspot, or your TOML.")
@click.pass_obj
@handle_errors
def expand(obj: Context, query: str, limit: int | None, fmt: str | None, output_path: str | None,
           lang: str | None, templates: str | None, no_bom: bool,
           include_closed: bool | None, source: str | None, synonyms: str | None,
           more: bool, profile: str | None) -> None:
    """Rank the lookalikes of a won client or a segment, with reasons and openers.

    \b
    Examples:
        spider expand "Tokyo five-star hotel"
        spider expand "Palace Hotel Tokyo" --format csv      # writes output/palace-hotel-tokyo.csv
        spider expand "トヨタ自動車" -n 10                     # answered in Japanese
        spider expand "sushi in Ginza" --source michelin.csv   # only your own list
    """
    from spider.export import to_csv, to_json, to_table, write_export
    from spider.resolve.normalize import is_japanese

    if lang is None and "language" not in obj.settings.given and is_japanese(query):
        lang = "ja"  # who types 渋谷の美容室 reads, and calls, in Japanese

    settings = obj.configure(limit=limit, language=lang, templates=templates,
                             include_closed=include_closed or None, source=source,
                             synonyms=synonyms, more=more or None)
    said = _format_of(output_path) if output_path else None
    if fmt and said and Path(str(output_path)).suffix.lower() in (".csv", ".json") and fmt != said:
        raise SpiderError(f"-o {output_path} names a {said.upper()} file but --format is {fmt}; "
                          f"give the file a .{fmt if fmt != 'table' else 'txt'} ending, or drop --format")
    if output_path and Path(str(output_path)).suffix.lower() in (".xlsx", ".xls", ".ods"):
        raise SpiderError(f"-o {output_path}: workbooks are not written; use a .csv file, which "
                          "Excel opens (it carries the BOM Excel needs for Japanese)")
    fmt = fmt or _format_of(output_path)
    columns = None
    if profile:
        from spider.profiles import load_profile

        columns, fmt = load_profile(profile), "csv"
    db = obj.open()
    expansion = _expand_or_pick(db, settings, query)
    _echo_lines(output.expansion_header(expansion), err=True)
    if output_path or fmt == "csv":
        replaced = bool(output_path) and Path(str(output_path)).exists()
        path = write_export(db, expansion, settings, fmt, output_path, bom=not no_bom,
                            profile=columns)
        from spider.calls import mark_handed_out
        from spider.exclusions import without_excluded

        mark_handed_out(db, [p.company_id for p in without_excluded(db, expansion.prospects)],
                        "exported", str(path))
        click.echo(f"Wrote {plural(len(expansion.prospects), 'prospect', 'prospects')} to {path}"
                   + (" (replacing the file that was there)" if replaced else ""), err=True)
    if fmt == "table":
        click.echo(to_table(db, expansion))
    elif fmt == "json" and not output_path:
        click.echo(to_json(db, expansion))
    elif fmt == "csv" and not output_path and not sys.stdout.isatty():
        click.echo(to_csv(db, expansion, bom=False, delimiter=settings.csv_delimiter), nl=False)


def _format_of(path: str | None) -> str:
    """The format a file name asks for: calls.csv is CSV, calls.json JSON, anything else a table."""
    suffix = Path(path).suffix.lower() if path else ""
    return {".csv": "csv", ".json": "json"}.get(suffix, "table")


def _expand_or_pick(db: Database, settings: Settings, query: str) -> Expansion:
    """Run expand; on an ambiguous name at a terminal, let the user pick a candidate."""
    from spider.expand import expand as run_expand

    try:
        return run_expand(db, settings, query)
    except QueryError as exc:
        if not exc.candidates or not sys.stdin.isatty() or "matches no company" in str(exc):
            raise
        click.echo(str(exc), err=True)
        for i, cand in enumerate(exc.candidates, 1):
            click.echo(f"  {i}. {cand['label']}", err=True)
        pick = click.prompt("Pick one", type=click.IntRange(1, len(exc.candidates)), err=True)
        return run_expand(db, settings, f"#{exc.candidates[pick - 1]['company_id']}")


@main.command()
@click.argument("name", required=False)
@click.option("--referenceable/--anonymous", default=None,
              help="The client agreed to be named to prospects (or withdrew: --anonymous).")
@click.option("--story", help="A short result story to cite (e.g. '+18% corporate bookings').")
@click.option("--from", "from_file", type=click.Path(), help="Import won clients from a CRM export.")
@click.option("--list", "show", is_flag=True, help="List the won clients recorded.")
@click.option("--remove", is_flag=True,
              help="Take NAME off the won clients (or those a --from FILE import recorded).")
@click.pass_obj
@handle_errors
def won(obj: Context, name: str | None, referenceable: bool | None, story: str | None,
        from_file: str | None, show: bool, remove: bool) -> None:
    """Record a won client (a reference for its lookalikes), or import them from a CSV.

    \b
    Examples:
        spider won "Palace Hotel Tokyo" --referenceable --story "+18% corporate bookings"
        spider won --from crm_closed_won.csv
        spider won "Palace Hotel Tokyo" --remove     # recorded by mistake
        spider won --from accounts.csv --remove      # undo that file's import
    """
    from spider.clients import import_won, record_won, remove_won, won_clients

    db = obj.open(write=bool(from_file or name))
    if remove:
        if not (name or from_file):
            raise SpiderError("say which won client to take off: spider won NAME --remove, "
                              "or spider won --from FILE --remove")
        for called in remove_won(db, name=name, from_file=from_file):
            click.echo(f"No longer a won client: {called}")
    elif from_file:
        result = import_won(db, obj.settings, from_file)
        click.echo(result.summary())
        for row, stage in result.not_won[:10]:
            click.echo(f"  row {row}: {stage!r} is not a win; not recorded")
        for row, lost_client, stage in result.now_lost:
            click.echo(f"  row {row}: {lost_client} is a won client here, and this file says "
                       f"{stage!r}: `spider won {shlex.quote(lost_client)} --remove` takes it off")
        if result.added:
            click.echo("  new companies (not found in the database): " + ", ".join(result.added[:10]))
        for unresolved, candidates in result.unresolved[:10]:
            click.echo(f"  {unresolved!r} is close to: " + "; ".join(c["label"] for c in candidates[:3]) +
                       " - record it with `spider won '#ID'`")
        for row, reason in result.report.skipped[:10]:
            click.echo(f"  skipped row {row}: {reason}")
    elif name:
        client = record_won(db, name, referenceable=referenceable, story=story)
        named = "may be named" if client["referenceable"] else "anonymous (not to be named)"
        from spider.names import describe_company

        called = describe_company(db, client["company_id"])["name"]
        click.echo(f"Won client recorded: {called} (company #{client['company_id']}), {named}")
    elif not show:
        raise SpiderError("give a client NAME, --from FILE or --list; e.g. spider won \"Palace Hotel Tokyo\"")
    if show:
        _echo_lines(output.won_lines(won_clients(db)))


@main.group()
def graph() -> None:
    """Inspect the similarity graph."""


@graph.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_obj
@handle_errors
def graph_stats(obj: Context, as_json: bool) -> None:
    """Print the size of the similarity graph: companies, signals, links, by kind.

    \b
    Example:
        spider graph stats
    """
    # Loaded here, not at the top: networkx costs every other command ~80 ms of start-up.
    from spider.graph import graph_stats as read_graph_stats

    figures = read_graph_stats(obj.open())
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        _echo_lines(output.graph_lines(figures))


@main.command()
@click.option("--explain-blocking", is_flag=True, help="Print the pairs each blocking rule makes; resolve nothing.")
@click.option("--truth", type=click.Path(dir_okay=False),
              help="Labelled CSV (id or source_row, entity_id): also count the true matches each rule misses.")
@click.option("--engine", type=click.Choice(["embedded", "spark"]), default="embedded",
              help="Where records are prepared, blocked and scored: here (default) or on "
                   "Spark (pip install '.[spark]'; Java 17).")
@click.option("--spark-master", metavar="URL",
              help="Spark master for --engine spark (default: SPIDER_SPARK_MASTER, else local[*]).")
@click.pass_obj
@handle_errors
def dedupe(obj: Context, explain_blocking: bool, truth: str | None, engine: str,
           spark_master: str | None) -> None:
    """Resolve every record into companies again (a full rebuild), or explain how blocking
    proposes pairs.

    \b
    Examples:
        spider dedupe
        spider dedupe --engine spark --spark-master spark://head:7077
        spider dedupe --explain-blocking
    """
    from spider import pipeline

    db = obj.open(write=not (explain_blocking or truth))
    if explain_blocking or truth:
        # Loaded here, not at the top: the resolution stack (numpy) costs other commands time.
        from spider.resolve.stage import explain_db_blocking

        _echo_lines(output.format_blocking(explain_db_blocking(db, obj.settings, truth)))
        return
    if engine == "spark":
        from spider.resolve.spark import SparkEngine

        _echo_err("Starting Spark ...")
        spark = SparkEngine(spark_master)
        try:
            click.echo(pipeline.rebuild(db, obj.settings, echo=_echo_err, engine=spark))
            _echo_lines(spark.report(), err=True)
        finally:
            spark.stop()
        return
    click.echo(pipeline.rebuild(db, obj.settings, echo=_echo_err))


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              help="table (default), csv, or json (one record per line).")
@click.pass_obj
@handle_errors
def records(obj: Context, fmt: str) -> None:
    """List every record with its source, its row there, and the company it resolved to.

    \b
    Example:
        spider records --format csv > records.csv
    """
    from spider.resolve.decisions import list_records

    _echo_lines(output.format_records(list_records(obj.open()), fmt))


@main.command()
@click.argument("company_a", type=int)
@click.argument("company_b", type=int)
@click.pass_obj
@handle_errors
def merge(obj: Context, company_a: int, company_b: int) -> None:
    """Merge two companies (ids from `spider records`); the decision survives every rebuild.

    \b
    Example:
        spider merge 12 345
    """
    from spider import pipeline
    from spider.resolve.decisions import merge_companies

    db = obj.open(write=True)
    change = merge_companies(db, company_a, company_b)
    summary = pipeline.apply_change(db, obj.settings, change)
    click.echo(change.message)
    click.echo(summary)


@main.command()
@click.argument("company", type=int)
@click.argument("record_ids", nargs=-1, required=True, type=int)
@click.pass_obj
@handle_errors
def split(obj: Context, company: int, record_ids: tuple[int, ...]) -> None:
    """Take records out of a company; they stay apart from it in every rebuild.

    \b
    Example:
        spider split 12 40 41
    """
    from spider import pipeline
    from spider.resolve.decisions import split_company

    db = obj.open(write=True)
    change = split_company(db, company, list(record_ids))
    summary = pipeline.apply_change(db, obj.settings, change)
    click.echo(change.message)
    click.echo(summary)


@main.command()
@click.option("--limit", "-n", type=click.IntRange(1), help="Stop after this many pairs.")
@click.option("--source", help="Only pairs with a record from a source whose name holds this "
                               "(your file's name, a directory's host).")
@click.pass_obj
@handle_errors
def review(obj: Context, limit: int | None, source: str | None) -> None:
    """Review uncertain pairs one by one: merge, keep apart, skip or quit.

    \b
    Examples:
        spider review -n 20
        spider review --source clinics.csv     # only pairs with a row of your own file
    """
    from spider import pipeline
    from spider.resolve.decisions import decide_review, pending_reviews

    db = obj.open(write=True)
    items, decided = pending_reviews(db, obj.settings, source=source, limit=limit), 0
    if not items:
        click.echo("Nothing to review" + (f" from a source matching {source!r}; `spider "
                                          "sources` lists them." if source else "."))
    verdicts = {"m": "merge", "k": "keep_apart", "s": "skip"}
    for item in items:
        click.echo(output.format_review(item))
        try:
            choice = click.prompt("[m]erge, [k]eep apart, [s]kip, [q]uit", default="s",
                                  type=click.Choice(["m", "k", "s", "q"]), show_choices=False)
        except click.Abort:  # input ended (a pipe ran out, Ctrl-D): stop as if [q]
            click.echo("", err=True)
            choice = "q"
        if choice == "q":
            break
        change = decide_review(db, item["id"], verdicts[choice])
        if change.changed or change.removed:
            pipeline.apply_change(db, obj.settings, change)
        elif choice != "s":
            graph_built(db)  # keeping a pair apart moves nothing
        decided += choice != "s"
    if decided:
        click.echo(f"{decided} answers kept; the graph is up to date.")



# Sales ops' commands live beside the others and join them here.
from spider.cli import fresh as _fresh  # noqa: E402,F401
from spider.cli import people as _people  # noqa: E402,F401
from spider.cli import serve as _serve  # noqa: E402,F401
