"""The command line: a thin layer that parses options, calls the library and prints."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any

import click

from spider.errors import QueryError, SpiderError


class Context:
    """Lazily opened database and settings shared by every command."""

    def __init__(self, db_path: str | None, config: str | None) -> None:
        self._db_path = db_path
        self._config = config
        self._db = None
        self._settings = None

    @property
    def settings(self):
        if self._settings is None:
            from spider.settings import load_settings

            self._settings = load_settings(self._config)
            if self._db_path:
                self._settings.db = self._db_path
        return self._settings

    @property
    def db_path(self) -> Path:
        from spider.db import default_db_path

        return Path(self.settings.db) if self.settings.db else default_db_path()

    def open(self, *, build: bool = True):
        """Open the database; on first use build it from the shipped seeds (with progress)."""
        if self._db is None:
            from spider.build import ensure_built
            from spider.db import open_db

            fresh = not self.db_path.exists()
            self._db = open_db(self.db_path)
            if build:
                ensure_built(self._db, self.settings, fresh=fresh, echo=_echo_err)
        return self._db


def _echo_err(message: str) -> None:
    click.echo(message, err=True)


def handle_errors(func):
    """Turn SpiderErrors into one-line messages with exit code 1; never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any):
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

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--map", "maps", multiple=True, metavar="FIELD=COLUMN", help="Map a column to a field.")
@click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE", help="Set a field on every row.")
@click.pass_obj
@handle_errors
def ingest(obj: Context, files: tuple[str, ...], maps: tuple[str, ...], sets: tuple[str, ...]) -> None:
    """Ingest seed files (CSV, TSV, JSON, JSON Lines, GeoJSON) and rebuild the graph.

    \b
    Example:
        spider ingest members.csv --map name=Company --set country=JP
    """
    from spider.build import rebuild
    from spider.ingest import ingest_file

    db = obj.open()
    mapping, constants = _parse_pairs(maps, "--map"), _parse_pairs(sets, "--set")
    for path in files:
        report = ingest_file(db, path, mapping=mapping, constants=constants)
        click.echo(report.summary())
        for row, reason in report.skipped[:10]:
            click.echo(f"  skipped row {row}: {reason}")
        if len(report.skipped) > 10:
            click.echo(f"  ... and {len(report.skipped) - 10} more skipped rows")
        for warning, count in report.warnings.items():
            click.echo(f"  {count} rows: {warning}")
    click.echo(rebuild(db, obj.settings))
