"""Commands for sales ops keeping the graph fresh: `spider sources` and `spider refresh`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from spider.cli import Context, _echo_err, _echo_lines, graph, handle_errors, main
from spider.errors import SpiderError
from spider.text import plural


@main.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the sources as JSON lines.")
@click.pass_context
@handle_errors
def sources(ctx: click.Context, as_json: bool) -> None:
    """List the registered sources (files and directories read), with their records, last
    read and schedule; `sources remove` and `sources schedule` change them.

    \b
    Examples:
        spider sources
        spider sources schedule 3 weekly
        spider sources remove members.csv
    """
    if ctx.invoked_subcommand is not None:
        return
    from spider.refresh import list_sources

    obj: Context = ctx.obj
    rows = list_sources(obj.open())
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False, default=str))
        return
    if not rows:
        click.echo("No sources yet: `spider ingest FILE` or `spider crawl URL` adds one.")
        return
    _echo_lines(_source_table(rows))


def _source_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [f"{'id':>3}  {'kind':<9} {'records':>8} {'stale':>6}  {'last read':<16} "
             f"{'schedule':<8} {'status':<8} location"]
    for row in rows:
        status = row.get("status") or "active"
        if row.get("last_error"):
            status = "error"
        lines.append(
            f"{row['id']:>3}  {row['kind']:<9} {row['active']:>8} {row['stale']:>6}  "
            f"{(row.get('last_read_at') or '')[:16].replace('T', ' '):<16} "
            f"{row.get('schedule') or '-':<8} {status:<8} {row['location']}")
        if row.get("last_error"):
            lines.append(f"     last error: {row['last_error']}")
    return lines


@sources.command("remove")
@click.argument("source")
@click.pass_obj
@handle_errors
def sources_remove(obj: Context, source: str) -> None:
    """Retire a source: its records become stale (kept, never listed), and the graph is
    updated; what a person decided about them stays.

    \b
    Example:
        spider sources remove 3
    """
    from spider.refresh import find_source, retire

    db = obj.open(write=True)
    found = find_source(db, source)
    if found.get("status") == "retired":
        raise SpiderError(f"{found['location']}: already retired")
    result = retire(db, obj.settings, found)
    _echo_lines(result.lines)
    _echo_lines(_change_lines(result.changes, hint=f"`spider refresh --show {result.run_id} "
                                                   "--diff FILE` writes them all"))


@sources.command("schedule")
@click.argument("source")
@click.argument("every")
@click.pass_obj
@handle_errors
def sources_schedule(obj: Context, source: str, every: str) -> None:
    """Refresh a source on a schedule (12h, 1d, 7d, daily, weekly, off), run by
    `spider refresh --due` from cron or a systemd timer.

    \b
    Example:
        spider sources schedule 3 weekly
    """
    from spider.refresh import find_source, next_due, parse_schedule, set_schedule

    db = obj.open(write=True)
    found = find_source(db, source)
    schedule = parse_schedule(every)
    set_schedule(db, found, schedule)
    found["schedule"] = schedule
    due = next_due(found)
    if found.get("status") == "retired":
        when = "retired: ingest or crawl it again to bring it back on this schedule"
    else:
        when = f"next due {due}"
    click.echo(f"{found['location']}: " + (f"refreshed every {schedule}; {when}"
                                          if schedule else "no schedule"))


@main.command()
@click.argument("sources_given", nargs=-1, metavar="[SOURCE]...")
@click.option("--due", is_flag=True, help="Only the sources whose schedule has come round.")
@click.option("--dry-run", is_flag=True, help="Show what would change; keep nothing.")
@click.option("--diff", "diff_path", type=click.Path(dir_okay=False),
              help="Also write the changes to this file (.csv or .json).")
@click.option("-n", "--limit", type=click.IntRange(0), default=30,
              help="Changes to print (default 30; all are kept and written).")
@click.option("--show", "show_run", type=int, metavar="RUN",
              help="Read nothing: show (or with --diff, write) the changes refresh RUN kept.")
@click.pass_obj
@handle_errors
def refresh(obj: Context, sources_given: tuple[str, ...], due: bool, dry_run: bool,
            diff_path: str | None, limit: int, show_run: int | None) -> None:
    """Read registered sources again (all, the ones named, or --due), update the graph in
    place and show what changed: companies new, gone, back, changed, closed, reopened, re-tiered, merged, split.

    \b
    Examples:
        spider refresh
        spider refresh members.csv --dry-run
        spider refresh --due --diff changes.csv      # from cron
    """
    from spider import refresh as fresh

    if show_run is not None:
        kept = fresh.kept_changes(obj.open(), show_run)
        _echo_lines(_change_lines(kept, limit))
        if diff_path:
            fresh.write_changes(kept, Path(diff_path))
            click.echo(f"{len(kept)} changes written to {diff_path}")
        return
    db = obj.open(write=True)
    if sources_given:
        chosen = [fresh.find_source(db, ref) for ref in sources_given]
    elif due:
        chosen = fresh.due_sources(db)
    else:
        chosen = fresh.list_sources(db, include_retired=False)
    retired = [s["location"] for s in chosen if s.get("status") == "retired"]
    if retired:
        raise SpiderError(f"{retired[0]}: retired; ingest or crawl it again to bring it back")
    if not chosen:
        click.echo("No source is due." if due else
                   "No sources yet: `spider ingest FILE` or `spider crawl URL` adds one.")
        return
    result = fresh.refresh(db, obj.settings, chosen, dry_run=dry_run, echo=_echo_err)
    click.echo(result.summary)
    lines = _change_lines(result.changes, limit) + result.lists
    _echo_lines(lines)
    if diff_path:
        try:
            fresh.write_changes(result.changes, Path(diff_path))
        except OSError as exc:
            raise SpiderError(f"{diff_path}: cannot write the changes ({exc.strerror}); they are "
                              f"kept in the database: `spider refresh --show {result.run_id} "
                              "--diff FILE` writes them") from None
        click.echo(f"{len(result.changes)} changes written to {diff_path}")
    if dry_run:
        click.echo("Dry run: nothing was kept.")
    if result.errors:
        raise SpiderError(f"{len(result.errors)} of {len(chosen)} sources failed; "
                          "the others were refreshed (see above)")


def _change_lines(changes: list[Any], limit: int = 30,
                  hint: str = "--diff FILE writes them all") -> list[str]:
    if not changes:
        return ["No company changed."]
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.change] = counts.get(change.change, 0) + 1
    lines = ["Changes: " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))]
    for change in changes[:limit]:
        lines.append(f"  {change.change:<9} #{change.company_id} {change.name}"
                     + (f": {change.detail}" if change.detail else ""))
    if len(changes) > limit:
        lines.append(f"  ... {len(changes) - limit} more ({hint})")
    return lines


@main.group("list")
def list_group() -> None:
    """Saved lists: a query's prospects under a name, frozen (--static) or evaluated again
    after every refresh.

    \b
    Examples:
        spider list save tokyo-5star "Tokyo five-star hotel" -n 50
        spider list diff tokyo-5star
        spider list export tokyo-5star -o calls.csv
    """


@list_group.command("save")
@click.argument("name")
@click.argument("query")
@click.option("--static", is_flag=True, help="Freeze the list to today's companies.")
@click.option("-n", "--limit", type=click.IntRange(1, 10000), default=50,
              help="How many prospects (default 50).")
@click.pass_obj
@handle_errors
def list_save(obj: Context, name: str, query: str, static: bool, limit: int) -> None:
    """Keep QUERY's prospects as list NAME (a list of that name is replaced)."""
    from spider.lists import save_list

    db = obj.open(write=True)
    expansion = save_list(db, obj.settings, name, query, static=static, size=limit)
    kind = "static (frozen)" if static else "dynamic (evaluated again after each refresh)"
    click.echo(f"List {name!r}: {len(expansion.prospects)} prospects for {query!r}, {kind}.")


@list_group.command("show")
@click.argument("name", required=False)
@click.pass_obj
@handle_errors
def list_show(obj: Context, name: str | None) -> None:
    """The saved lists, or one list's members."""
    from spider.lists import all_lists, get_list, members

    db = obj.open()
    if name is None:
        rows = all_lists(db)
        if not rows:
            click.echo("No saved lists: `spider list save NAME QUERY` keeps one.")
        for row in rows:
            kind = "static" if row["static"] else "dynamic"
            click.echo(f"{row['name']:<20} {kind:<8} {row['members']:>5} prospects  "
                       f"{row['query']!r}  (evaluated {(row['evaluated_at'] or '')[:16]})")
        return
    saved = get_list(db, name)
    click.echo(f"{name}: {saved['query']!r}, " + ("static" if saved["static"] else "dynamic"))
    for member in members(db, name):
        row = member["row"]
        click.echo(f"{member['rank']:>4}. #{member['company_id']} {row.get('company', '')}  "
                   f"{row.get('phone', '')}  {row.get('city', '')}")


@list_group.command("diff")
@click.argument("name")
@click.option("--now", is_flag=True, help="Evaluate the list again now (a dynamic list).")
@click.pass_obj
@handle_errors
def list_diff(obj: Context, name: str, now: bool) -> None:
    """Who entered list NAME and who left it at its last evaluation, and why."""
    from spider.lists import get_list, last_changes, reevaluate

    db = obj.open(write=now)
    if now:
        if get_list(db, name)["static"]:
            raise SpiderError(f"{name} is static: its companies do not change; save it again "
                              "to take today's")
        moved = reevaluate(db, obj.settings, name)
        at: str | None = "now"
    else:
        at, moved = last_changes(db, name)
    if not moved:
        click.echo(f"{name}: nobody entered or left at its last evaluation ({at}).")
        return
    click.echo(f"{name}, evaluated {at}:")
    for change in moved:
        sign = "+" if change.change == "entered" else "-"
        click.echo(f"  {sign} #{change.company_id} {change.name}: {change.why}")


@list_group.command("delete")
@click.argument("name")
@click.pass_obj
@handle_errors
def list_delete(obj: Context, name: str) -> None:
    """Forget saved list NAME (its companies are untouched)."""
    from spider.lists import delete_list

    delete_list(obj.open(write=True), name)
    click.echo(f"List {name!r} deleted.")


@list_group.command("export")
@click.argument("name")
@click.option("-o", "--output", "output_path", type=click.Path(dir_okay=False),
              help="Write to FILE (.csv or .json; default output/NAME.csv).")
@click.option("--no-bom", is_flag=True, help="CSV without the UTF-8 BOM that Excel needs for Japanese.")
@click.pass_obj
@handle_errors
def list_export(obj: Context, name: str, output_path: str | None, no_bom: bool) -> None:
    """Write list NAME as a call list (contact details as they are now; companies excluded
    since it was saved are left out)."""
    from spider.lists import get_list, write_list

    db = obj.open()
    get_list(db, name)
    slug = "".join(c if c.isalnum() or c in "-_" else "-" for c in name).strip("-") or "list"
    path = Path(output_path) if output_path else Path("output") / f"{slug}.csv"
    if path.suffix.lower() not in (".csv", ".json"):
        raise SpiderError(f"-o {path}: write a .csv (Excel opens it) or a .json file")
    fmt = "json" if path.suffix.lower() == ".json" else "csv"
    write_list(db, name, path, fmt, bom=not no_bom, settings=obj.settings)
    from spider.calls import mark_handed_out
    from spider.lists import export_rows, members

    shown = {row.get("company") for row in export_rows(db, name)}
    mark_handed_out(db, [m["company_id"] for m in members(db, name)
                         if m["row"].get("company") in shown], "exported", str(path))
    click.echo(f"Wrote list {name!r} to {path}")


@graph.command("export")
@click.argument("query", required=False)
@click.option("--format", "fmt", type=click.Choice(["graphml", "gexf", "json"]),
              help="graphml (Gephi, yEd, networkx), gexf (Gephi) or json (networkx node-link); "
                   "default: from -o's ending.")
@click.option("-o", "--output", "output_path", type=click.Path(dir_okay=False), required=True,
              help="The file to write.")
@click.option("-n", "--limit", type=click.IntRange(1, 1000), default=25,
              help="Prospects in a query's neighbourhood (default 25).")
@click.pass_obj
@handle_errors
def graph_export(obj: Context, query: str | None, fmt: str | None, output_path: str,
                 limit: int) -> None:
    """Write the whole graph, or one query's neighbourhood, with signal kinds and weights.

    \b
    Examples:
        spider graph export -o spider.graphml
        spider graph export "Tokyo five-star hotel" -o tokyo.gexf
    """
    from spider.web import describe, export_graph, query_graph, whole_graph

    db = obj.open()
    web = query_graph(db, obj.settings, query, limit=limit) if query else whole_graph(db)
    written = export_graph(web, Path(output_path), fmt)
    figures = describe(web)
    click.echo(f"Wrote {figures['nodes']} nodes and {figures['edges']} links ({written}) to "
               f"{output_path}")


@graph.command("draw")
@click.argument("query")
@click.option("-o", "--output", "output_path", type=click.Path(dir_okay=False), required=True,
              help="web.svg or web.html.")
@click.option("-n", "--limit", type=click.IntRange(1, 200), default=20,
              help="Prospects to draw (default 20).")
@click.option("--lang", type=click.Choice(["en", "ja"]), help="Language of the labels.")
@click.pass_obj
@handle_errors
def graph_draw(obj: Context, query: str, output_path: str, limit: int, lang: str | None) -> None:
    """Draw a query's spider web: the won client or segment at the centre, its prospects
    around it by score and priority, linked through the signals they share.

    \b
    Example:
        spider graph draw "Tokyo five-star hotel" -o web.svg
    """
    from spider.web import describe, query_graph, write_picture

    settings = obj.configure(language=lang)
    db = obj.open()
    web = query_graph(db, settings, query, limit=limit)
    write_picture(web, Path(output_path), title=f"{query}: {web.graph.get('seed', '')}",
                  language=settings.language)
    figures = describe(web)
    click.echo(f"Drew {figures.get('prospect', 0)} prospects and {figures.get('signal', 0)} "
               f"signals to {output_path}")


@main.group()
def exclude() -> None:
    """Companies never to put on a call list: do-not-call entries (with a reason and an
    expiry), competitors, partners, existing customers. Every exit checks them.

    \b
    Examples:
        spider exclude add "Hotel Okura Tokyo" --kind do-not-call --reason "asked us" --for 180d
        spider exclude list
        spider exclude import dnc.csv
    """


@exclude.command("add")
@click.argument("company")
@click.option("--kind", default="do-not-call", show_default=True,
              help="do-not-call, competitor, partner or customer.")
@click.option("--reason", help="Why (shown in `exclude list`).")
@click.option("--until", "--for", "until", metavar="DATE|90d",
              help="Until this date (2027-03-31) or for so long (90d, 12w, 6m); default: always.")
@click.pass_obj
@handle_errors
def exclude_add(obj: Context, company: str, kind: str, reason: str | None,
                until: str | None) -> None:
    """Exclude COMPANY (a name in any script, or #id) from every list and export."""
    from spider.exclusions import KIND_WORDS, add_exclusion

    row = add_exclusion(obj.open(write=True), company, kind, reason=reason, until=until)
    click.echo(f"#{row['company_id']} {row['name']}: excluded as {KIND_WORDS[row['kind']]}"
               + (f" until {row['expires_at'][:10]}" if row["expires_at"] else "")
               + f" (exclusion {row.get('id') or 'added'})")


@exclude.command("list")
@click.option("--all", "show_all", is_flag=True, help="Expired ones too.")
@click.pass_obj
@handle_errors
def exclude_list(obj: Context, show_all: bool) -> None:
    """The exclusions, with the company each holds now."""
    from spider.exclusions import KIND_WORDS, list_exclusions

    rows = list_exclusions(obj.open(), include_expired=show_all)
    if not rows:
        click.echo("No exclusions." if show_all else "No live exclusions (--all shows expired).")
    for row in rows:
        until = (row["expires_at"] or "")[:10] or "always"
        state = "" if row["live"] else "  (expired)"
        click.echo(f"{row['id']:>4}  #{row['company_id']} {row['name'] or '?'}  "
                   f"{KIND_WORDS.get(row['kind'], row['kind'])}  until {until}"
                   + (f"  {row['reason']}" if row["reason"] else "") + state)


@exclude.command("expire")
@click.argument("exclusion_id", type=int)
@click.pass_obj
@handle_errors
def exclude_expire(obj: Context, exclusion_id: int) -> None:
    """End exclusion ID now (its company may be listed again)."""
    from spider.exclusions import expire_exclusion

    expire_exclusion(obj.open(write=True), exclusion_id)
    click.echo(f"Exclusion {exclusion_id} expired.")


@exclude.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--kind", help="The kind for rows without one (default do-not-call).")
@click.pass_obj
@handle_errors
def exclude_import(obj: Context, path: str, kind: str | None) -> None:
    """Exclusions from a CSV: a company column (company, name or id), and optionally kind,
    reason and expires."""
    from spider.exclusions import import_exclusions

    added, skipped = import_exclusions(obj.open(write=True), Path(path), kind=kind)
    click.echo(f"{path}: {added} exclusions added, {len(skipped)} rows left out")
    _echo_lines([f"  {line}" for line in skipped[:20]])
    if len(skipped) > 20:
        click.echo(f"  ... and {len(skipped) - 20} more")


@main.command("log")
@click.argument("company")
@click.argument("outcome")
@click.option("--note", help="What was said.")
@click.option("--contact", metavar="NAME/TITLE",
              help="Whom to ask for next time (the decision maker's name or title).")
@click.option("--spoke-with", metavar="NAME/TITLE",
              help="Who answered this time (the receptionist's name or role): `spider today` "
                   "shows it beside the callback.")
@click.option("--callback", metavar="WHEN", help="Call back then (+3h, tomorrow 10:00, "
              "2026-12-03 14:00 in the prospect's time) instead of the usual cadence.")
@click.option("--rep", help="Who made the call.")
@click.pass_obj
@handle_errors
def log(obj: Context, company: str, outcome: str, note: str | None, contact: str | None,
        spoke_with: str | None, callback: str | None, rep: str | None) -> None:
    """Log a call to COMPANY (a name in any script, or #id) and what came of it. After a
    gatekeeper or no answer, the next attempt is scheduled within the prospect's business
    hours (weekends and its country's holidays skipped) until the decision maker answers.

    \b
    Outcomes: no-answer, gatekeeper-message, gatekeeper-refused-transfer,
    gatekeeper-refused-name, reached, meeting-booked, meeting-held, proposal, won, lost,
    not-now, not-interested, do-not-call.
    \b
    Example:
        spider log "Hotel Okura Tokyo" gatekeeper-message --spoke-with "receptionist, Ms Ito" \
            --contact "sales manager" --note "out until 15:00"
    """
    from spider.calls import OUTCOMES, RETRY, log_call
    from spider.routing import team_rep
    from spider.signals import gone, not_open

    db = obj.open(write=True)
    rep = team_rep(db, rep) if rep else rep
    done = log_call(db, obj.settings, company, outcome, note=note,
                    contact=contact, callback=callback, rep=rep, spoke_with=spoke_with)
    line = f"#{done.company_id} {done.name}: {OUTCOMES[done.outcome][1]}"
    if done.attempt:
        line += f" (attempt {done.attempt})"
    click.echo(line)
    closed = done.company_id in not_open(db)
    from spider.exclusions import excluded_companies

    barred = excluded_companies(db, 0, nurtured=False).get(done.company_id) \
        if done.outcome in (*RETRY, "reached") else None
    if barred:
        # (logged all the same: what happened on the phone is a fact; the rep is told)
        click.echo(f"  note: it is excluded ({barred}): `spider today` will not serve it; "
                   "`spider exclude list` says since when")
    if done.company_id in gone(db):
        click.echo("  note: it is gone from every list read (kept, not listed); check it still "
                   "trades")
    if closed:
        click.echo("  note: its list marks it closed or not yet open; `spider today` will not "
                   "serve its callbacks while it is")
    elif done.callback_at:
        click.echo(f"  call back {done.local_callback}"
                   + (f" (as you said it; note: {done.caution})" if done.caution else ""))
    elif done.outcome in ("no-answer", "gatekeeper-message", "gatekeeper-refused-transfer",
                          "gatekeeper-refused-name"):
        click.echo(f"  {obj.settings.callback_attempts} attempts made: no more callbacks "
                   "(nurture it, or --callback WHEN)")


@main.group(invoke_without_command=True)
@click.option("--company", help="Only this company's calls.")
@click.pass_context
@handle_errors
def calls(ctx: click.Context, company: str | None) -> None:
    """The call log (`calls export FILE`, `calls import FILE` move it as CSV)."""
    if ctx.invoked_subcommand is not None:
        return
    from spider.calls import OUTCOMES, history, local_time
    from spider.clients import resolve_company

    obj: Context = ctx.obj
    db = obj.open()
    company_id = resolve_company(db, company, command="spider calls --company") if company \
        else None
    rows = history(db, company_id)
    if not rows:
        click.echo("No calls logged yet: `spider log COMPANY OUTCOME`.")
    for row in rows:
        label = OUTCOMES.get(row["outcome"], ("", row["outcome"]))[1]
        # (when it was logged, on the company's clock as its callback is: a JST callback
        # beside a UTC log time read as a day apart)
        click.echo(f"{local_time(row['logged_at'], row.get('zone'))}  #{row['company_id']} "
                   f"{row['name']}: {label}"
                   + (f" ({row['spoke_with']} answered)" if row.get("spoke_with") else "")
                   + (f" — {row['note']}" if row["note"] else "")
                   + (f"  (call back {local_time(row['callback_at'], row.get('zone'))})"
                      if row["callback_at"] else ""))


@calls.command("export")
@click.argument("path", type=click.Path(dir_okay=False))
@click.pass_obj
@handle_errors
def calls_export(obj: Context, path: str) -> None:
    """Write the call log as CSV."""
    from spider.calls import export_log

    count = export_log(obj.open(), Path(path))
    click.echo(f"Wrote {count} calls to {path}")


@calls.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.pass_obj
@handle_errors
def calls_import(obj: Context, path: str) -> None:
    """Read calls from a CSV (company or company_id, outcome; logged_at, contact, note,
    callback_at, rep optional): a CRM's activity export, or another rep's log."""
    from spider.calls import import_log

    added, skipped = import_log(obj.open(write=True), obj.settings, Path(path))
    click.echo(f"{path}: {added} calls logged, {len(skipped)} rows left out")
    _echo_lines([f"  {line}" for line in skipped[:20]])


@main.command()
@click.option("--rep", help="Only this rep's callbacks.")
@click.option("--list", "list_name", help="New prospects from this saved list only (`spider list "
              "save`), not from every query run.")
@click.option("-n", "--limit", type=click.IntRange(1, 10_000),
              help="New prospects after the callbacks (default: calls_per_day, 40).")
@click.pass_obj
@handle_errors
def today(obj: Context, rep: str | None, limit: int | None, list_name: str | None) -> None:
    """The day's calls: callbacks that are due first, then prospects never called, best
    first, each with the number, who to ask for, the opener and what happened last time."""
    from datetime import UTC, datetime

    from spider.queue import day_queue
    from spider.routing import team_rep

    db = obj.open()
    listed = None
    if list_name:
        from spider.lists import get_list, members

        get_list(db, list_name)  # (an unknown name: an error naming the lists saved)
        listed = members(db, list_name)
    queue = day_queue(db, obj.settings, rep=team_rep(db, rep) if rep else rep, limit=limit,
                      listed=listed)
    # The queue holds the next twelve hours' callbacks: those whose time has come first,
    # then the ones later today, under their own heading (a 15:00 callback is not due at 9).
    now = datetime.now(UTC)
    # (each row's local time carries its zone, whatever the log stored: an imported call's
    # time may have none)
    due = [r for r in queue.callbacks if r["local"] <= now]
    later = [r for r in queue.callbacks if r["local"] > now]
    if not queue.callbacks:
        click.echo("No callbacks due.")
    for heading, rows in ((f"Callbacks due now ({len(due)}):", due),
                          (f"Callbacks later ({len(later)}, in the next 12 hours):", later)):
        if rows:
            click.echo(heading)
        for row in rows:
            click.echo(f"  {row['local']:%a %H:%M %Z}  #{row['company_id']} {row['name']}  "
                       f"{row['phone'] or 'no number'}  last: {row['last']}"
                       + (f" ({row['note']})" if row["note"] else "")
                       + (f"; {row['spoke']} answered" if row["spoke"] else "")
                       + (f"; ask for {row['ask']}" if row["ask"] else "")
                       + ("  [gone from its list: check it still trades]"
                          if row.get("gone") else ""))
    if queue.back:
        click.echo(f"Back from nurture ({len(queue.back)}):")
        for row in queue.back:
            click.echo(f"  #{row['company_id']} {row['name']}  {row['phone'] or 'no number'}  "
                       f"({row['why']}, {row['logged_at'][:10]})")
    click.echo(f"New prospects ({len(queue.fresh)}):" if queue.fresh else
               "No new prospects: `spider expand QUERY` or `spider list save` makes some.")
    for row in queue.fresh:
        click.echo(f"  [{row['priority']}] #{row['company_id']} {row['name']}  "
                   f"{row['phone'] or 'no number'}")
        if row["ask"]:
            click.echo(f"      ask: {row['ask']}")
        if row["opener"]:
            click.echo(f"      open: {row['opener']}")


@main.command()
@click.option("--export", "export_path", type=click.Path(dir_okay=False),
              help="Write the list as CSV for a marketing tool.")
@click.option("--due", is_flag=True, help="Only those whose next touch has come.")
@click.pass_obj
@handle_errors
def nurture(obj: Context, export_path: str | None, due: bool) -> None:
    """Prospects to nurture, not push: those who said "not now", those whose callbacks ran
    out before the decision maker answered (both touched again after nurture_days), and
    low-priority (C) prospects. `spider today` brings them back when their time comes."""
    from datetime import UTC, datetime

    from spider.calls import export_nurture, nurture_list

    rows = nurture_list(obj.open(), obj.settings)
    if due:
        now = datetime.now(UTC).isoformat()
        rows = [r for r in rows if r["next_touch"] <= now]
    if export_path:
        export_nurture(rows, Path(export_path), obj.settings.csv_delimiter)
        click.echo(f"Wrote {len(rows)} to {export_path}")
        return
    if not rows:
        click.echo("Nobody to nurture.")
    for row in rows:
        click.echo(f"  {row['next_touch_local'][:10]}  #{row['company_id']} {row['name']}  {row['why']}")


class _Amount(click.ParamType):
    """A sum of money as people write it: 30000000, 30,000,000, 120.000 (a German or Italian
    thousands point), 120 000, €4.000, 1,5 (a decimal comma), 2.5, 3M, 40k."""

    name = "amount"

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        import re

        if isinstance(value, int | float):
            return float(value)
        text = re.sub(r"[\s\u00a0'€$£¥]|円|eur|usd|jpy", "", str(value).strip().lower())
        scale = {"k": 1e3, "m": 1e6, "b": 1e9, "万": 1e4, "億": 1e8}.get(text[-1:], 1.0)
        if scale != 1.0:
            text = text[:-1]
        if re.fullmatch(r"\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*", text):
            number = text.replace(".", "").replace(",", "")  # thousands only: 120.000, 30,000
        elif re.fullmatch(r"\d{1,3}(?:\.\d{3})+,\d+", text):
            number = text.replace(".", "").replace(",", ".")  # 1.234,5
        elif re.fullmatch(r"\d{1,3}(?:,\d{3})+\.\d+", text):
            number = text.replace(",", "")  # 1,234.5
        elif re.fullmatch(r"\d+,\d{1,2}", text):
            number = text.replace(",", ".")  # 1,5
        else:
            number = text
        try:
            amount = float(number) * scale
        except ValueError:
            self.fail(f"{value!r} is not an amount; write it as 120000, 120.000 or 120k", param, ctx)
        if amount <= 0:
            self.fail(f"{value!r}: an amount above zero", param, ctx)
        return amount


@main.command()
@click.option("--target", type=_Amount(), required=True,
              help="Revenue to reach in the period (120000, 120.000, 120k).")
@click.option("--deal-size", type=_Amount(), required=True,
              help="Revenue a deal brings, on average.")
@click.option("--period", type=click.Choice(["week", "month", "quarter", "year"]),
              default="year", show_default=True)
@click.option("--rep", help="Learn the ratios from this rep's calls only.")
@click.option("--ics", "ics_path", type=click.Path(dir_okay=False),
              help="Also write daily call blocks for the calendar (iCalendar).")
@click.option("--weeks", type=click.IntRange(1, 52), default=4, show_default=True,
              help="Weeks of call blocks in --ics.")
@click.option("--at", "at_time", default="10:00", show_default=True, help="When the blocks start.")
@click.option("--reach", metavar="RATE", help="Your own rate of dials that reach the decision "
              "maker (15%, 0.15, 1/7), over what the call log has learned.")
@click.option("--book", metavar="RATE", help="Your own rate of contacts that book a meeting.")
@click.option("--close", "close_rate", metavar="RATE",
              help="Your own rate of meetings that become deals.")
@click.pass_obj
@handle_errors
def plan(obj: Context, target: float, deal_size: float, period: str, rep: str | None,
         ics_path: str | None, weeks: int, at_time: str, reach: str | None, book: str | None,
         close_rate: str | None) -> None:
    """Work back from a sales target to the deals, meetings, contacts and dials it takes, a
    week and a day, with the ratios the call log has taught (defaults, said so, until then).

    \b
    Example:
        spider plan --target 30000000 --deal-size 1000000 --ics calls.ics
    """
    import math
    import re
    from datetime import date

    from spider.plan import make_plan, parse_rate, write_ics

    if not re.fullmatch(r"\d{1,2}:\d{2}", at_time):
        raise SpiderError(f"--at {at_time!r}: say 10:00")
    given = {step: parse_rate(text, option) for step, text, option in (
        ("dial", reach, "--reach"), ("contact", book, "--book"), ("meeting", close_rate, "--close"))
        if text}
    db = obj.open(write=True)
    made = make_plan(db, target, deal_size, period, rep=rep, given=given)
    _echo_lines(made.lines())
    from spider.routing import reps as team

    members = [r for r in team(db) if not rep or r.name == rep]
    if len(members) > 1 and not rep:
        click.echo(f"  a rep ({len(members)} reps): "
                   f"{made.per_week('dial') / len(members):.0f} dials a week, "
                   f"{math.ceil(made.per_week('dial') / 5 / len(members))} a working day")
    # A plan the market cannot hold: more first calls than there are companies to call.
    # (each lead takes up to callback_attempts dials before it is nurtured)
    leads = db.execute("select count(*) from companies where coalesce(status, 'active') = "
                       "'active'").fetchone()[0]
    reachable = leads * max(1, obj.settings.callback_attempts)
    if made.dials > reachable:
        click.echo(f"  note: {made.dials:,} dials is more than the {leads:,} companies here "
                   f"take at {obj.settings.callback_attempts} attempts each ({reachable:,}); "
                   "ingest more of the market" + ("" if given else ", or give your own "
                                                   "rates (--reach, --book, --close)"))
    if ics_path:
        country = "JP" if obj.settings.language == "ja" else ""
        count = write_ics(made, Path(ics_path), start=date.today(), weeks=weeks,
                          country=country, at=at_time)
        click.echo(f"Wrote {count} call blocks to {ics_path}")


@main.command()
@click.option("--rep", help="One rep's activity.")
@click.option("--week", "by_week", is_flag=True, help="This week (the default).")
@click.option("--month", "by_month", is_flag=True, help="This month instead of this week.")
@click.pass_obj
@handle_errors
def report(obj: Context, rep: str | None, by_week: bool, by_month: bool) -> None:
    """Activity against the plan, the funnel's ratios, meetings this month, and leads handed
    out but never called, with their age."""
    from spider.plan import report as make_report

    if by_week and by_month:
        raise SpiderError("--week or --month, not both")
    _echo_lines(make_report(obj.open(), rep=rep, period="month" if by_month else "week"))


@main.group(invoke_without_command=True)
@click.pass_context
@handle_errors
def reps(ctx: click.Context) -> None:
    """The sales team: each rep's territory (places, industries), capacity and open leads.

    \b
    Examples:
        spider reps add Sato --places "Tokyo, Kanagawa" --industries hotel --capacity 200
        spider assign                 # the latest expansion's prospects
    """
    if ctx.invoked_subcommand is not None:
        return
    from spider.routing import open_leads
    from spider.routing import reps as team

    obj: Context = ctx.obj
    db = obj.open()
    members, load = team(db), open_leads(db)
    if not members:
        click.echo("No reps yet: `spider reps add NAME --places ... --capacity N`.")
    for rep in members:
        where = ", ".join(rep.places) or "anywhere"
        what = ", ".join(rep.industries) or "any industry"
        click.echo(f"{rep.name:<16} {load.get(rep.name, 0):>4} of {rep.capacity} open leads  "
                   f"{where}; {what}")


@reps.command("add")
@click.argument("name")
@click.option("--places", multiple=True,
              help="Comma-separated places (city, prefecture, state, country); repeat to add more.")
@click.option("--industries", multiple=True,
              help="Comma-separated industry words; repeat to add more.")
@click.option("--capacity", type=click.IntRange(1), default=200, show_default=True,
              help="Open leads (assigned, not yet called) a rep may hold.")
@click.pass_obj
@handle_errors
def reps_add(obj: Context, name: str, places: tuple[str, ...], industries: tuple[str, ...],
             capacity: int) -> None:
    """Add a rep (or change one) with a territory and a capacity. A rep with places and
    industries takes the companies of those industries in those places, then any company in
    those places; never one outside them."""
    from spider.routing import add_rep, unheld_words

    db = obj.open(write=True)
    # (--places twice is both: "La Rioja" and "Álava", not the last alone)
    rep = add_rep(db, name, places=", ".join(places), industries=", ".join(industries),
                  capacity=capacity)
    click.echo(f"{rep.name}: {', '.join(rep.places) or 'anywhere'}; "
               f"{', '.join(rep.industries) or 'any industry'}; up to {rep.capacity} open leads")
    unheld = unheld_words(db, rep)
    if unheld:
        click.echo(f"  note: no company here is in {', '.join(repr(w) for w in unheld)}: "
                   "`assign` gives this territory nothing there; check the spelling against "
                   "`spider expand` (a place or kind it reads)")


@reps.command("remove")
@click.argument("name")
@click.pass_obj
@handle_errors
def reps_remove(obj: Context, name: str) -> None:
    """Take a rep off the team (their past assignments and calls stay)."""
    from spider.routing import remove_rep

    remove_rep(obj.open(write=True), name)
    click.echo(f"{name} removed.")


@main.command()
@click.option("--list", "list_name", help="Assign a saved list's members.")
@click.pass_obj
@handle_errors
def assign(obj: Context, list_name: str | None) -> None:
    """Route unassigned prospects (the latest expansion's, or a saved list's) to reps: by
    territory, the least loaded first, else in turn to a rep with room and no territory;
    never to a rep whose territory leaves them out (they wait, and are counted)."""
    from spider.routing import assign as route

    db = obj.open(write=True)
    if list_name:
        from spider.lists import members

        ids = [m["company_id"] for m in members(db, list_name)]
    else:
        latest = db.execute("select id from runs order by created_at desc, rowid desc limit 1").fetchone()
        if latest is None:
            raise SpiderError("no expansion yet: `spider expand QUERY` first, or --list NAME")
        ids = [c for c, in db.execute("select company_id from prospects where run_id = ? "
                                      "order by rank", [latest[0]])]
    waiting: list[int] = []
    given = route(db, ids, waiting)
    if not given and not waiting:
        click.echo("Nothing to assign: every prospect has an owner.")
    for rep, companies in sorted(given.items()):
        click.echo(f"{rep}: {plural(len(companies), 'lead', 'leads')}")
    if waiting:
        click.echo(f"Left unassigned: {plural(len(waiting), 'lead', 'leads')} no rep with room "
                   "covers (their territory's reps are full, or every territory leaves them "
                   "out); `spider reps` shows the load, `spider reps add NAME --capacity N` "
                   "adds room")
