"""Commands about the people to ask for: `spider enrich`, `spider contacts`, `spider forget`."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import click

from spider.cli import Context, _echo_err, handle_errors, main
from spider.errors import InputError


def _targets(obj: Context, query: str | None, list_name: str | None,
             companies: tuple[str, ...], limit: int | None) -> list[int]:
    """The companies to enrich: a query's prospects, a saved list's members, or named ones."""
    from spider.clients import resolve_company

    db = obj.open()
    given = sum(bool(x) for x in (query, list_name, companies))
    if given != 1:
        raise InputError("say what to enrich: a QUERY (its prospects), --list NAME, or "
                         "--company ID (one or more)")
    if companies:
        return [resolve_company(db, text, command="spider enrich") for text in companies]
    if list_name:
        from spider.lists import get_list, members

        get_list(db, list_name)  # a clear error for a list that does not exist
        return [m["company_id"] for m in members(db, list_name)][: limit or None]
    from spider.expand import expand

    assert query is not None
    return [p.company_id for p in expand(db, obj.settings, query, limit=limit, save=False).prospects]


@main.command()
@click.argument("query", required=False)
@click.option("--list", "list_name", metavar="NAME", help="Enrich a saved list's members.")
@click.option("--company", "companies", multiple=True, metavar="ID|NAME",
              help="Enrich this company (repeat for more).")
@click.option("-n", "--limit", type=click.IntRange(1, 100_000),
              help="How many of the query's prospects (default: limit, 25).")
@click.option("--no-people", is_flag=True, default=None,
              help="Read phones and addresses only; keep no person's name.")
@click.option("--again", is_flag=True, help="Visit sites visited within enrich_days too.")
@click.option("--max-pages", "enrich_pages", type=click.IntRange(1, 100),
              help="Pages read on each site (default: enrich_pages, 8).")
@click.option("--delay", type=click.FloatRange(0), help="Seconds between requests to one host.")
@click.option("--buyer", help="Whom you sell to: sales, marketing, hr, purchasing, it, finance, "
                              "admin, gm, ceo, or a title (院長, office manager). Kept in the "
                              "database: call lists, today and openers ask for that person from "
                              "then on (a buyer in spider.toml overrides it).")
@click.pass_obj
@handle_errors
def enrich(obj: Context, query: str | None, list_name: str | None, companies: tuple[str, ...],
           limit: int | None, no_people: bool | None, again: bool, enrich_pages: int | None,
           delay: float | None, buyer: str | None) -> None:
    """Visit each prospect's own website (its home, company profile, contact, access, about
    and team pages; robots.txt, a delay per host, the page cache) and keep the switchboard
    phone, the address and the people it names with their role, each with its page and date.
    Call lists, `spider today` and the opener then ask for the person nearest your buyer.

    \b
    Examples:
        spider enrich "Tokyo five-star hotel" -n 20
        spider enrich --list tokyo-hotels --no-people
        spider enrich --company "#412" --again
    """
    from spider.contact_facts import best_contacts, buyer_kind, buyer_of
    from spider.db import set_meta, transaction
    from spider.enrich import enrich as run_enrich

    settings = obj.configure(enrich_pages=enrich_pages, delay=delay, buyer=buyer,
                             enrich_people=False if no_people else None)
    if buyer is not None:
        buyer_kind(buyer)  # a clear error before any request
    ids = _targets(obj, query, list_name, companies, limit)
    if not ids:
        click.echo("Nothing to enrich: the query or list has no companies.")
        return
    db = obj.open(write=True)
    in_file = obj.file_setting("buyer")
    if buyer is not None and not in_file:
        with transaction(db):
            set_meta(db, "buyer", " ".join(buyer.split()))
        _echo_err(f"Buyer kept: call lists, `spider today` and openers ask for the person "
                  f"nearest {buyer!r} from now on (`--buyer` again changes it).")
    elif buyer is not None:
        _echo_err(f"Buyer {buyer!r} for this run only: the settings file sets "
                  f"buyer = {in_file!r} for every command.")
    buyer_kind(buyer_of(db, settings))

    def progress(site: Any, number: int, total: int) -> None:
        line = f"[{number}/{total}] #{site.company_id} {site.name}: "
        if site.status == "done":
            line += f"{site.pages} pages on {site.website}"
        else:
            line += f"{site.status}" + (f" ({site.reason})" if site.reason else "")
        _echo_err(line)

    report = run_enrich(db, settings, ids, again=again, progress=progress)
    click.echo(report.summary())
    found = best_contacts(db, settings, ids)
    for site in report.sites:
        contact = found.get(site.company_id)
        if contact is None or not (contact.person or contact.phone):
            continue
        ask = f"ask for {contact.person} ({contact.role})" if contact.person else "no one named"
        click.echo(f"  #{site.company_id} {site.name}: {contact.phone or 'no phone'}; {ask}")
    click.echo("Every fact with its page and date: `spider contacts COMPANY`.")


@main.command()
@click.argument("companies", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per fact.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="Write the facts as CSV.")
@click.pass_obj
@handle_errors
def contacts(obj: Context, companies: tuple[str, ...], as_json: bool, csv_path: str | None) -> None:
    """What `spider enrich` read about each company, to audit: the phone, address, postal
    code and people with their role, each with the page it came from and when it was read;
    the person a call list asks for is marked *.

    \b
    Examples:
        spider contacts "Hotel Okura"
        spider contacts --csv contacts.csv
    """
    from spider.clients import resolve_company
    from spider.contact_facts import best_contacts, facts_of, sites_of

    db = obj.open()
    ids = [resolve_company(db, text, command="spider contacts") for text in companies] or None
    rows = facts_of(db, ids)
    if csv_path:
        from spider.export import safe_cell

        try:
            with Path(csv_path).open("w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else
                                        ["company_id", "company", "kind", "value"])
                writer.writeheader()
                writer.writerows({k: safe_cell(v) for k, v in row.items()} for row in rows)
        except OSError as exc:
            raise InputError(f"{csv_path}: cannot write it ({exc.strerror}); choose a folder "
                             "that exists and you may write to") from None
        click.echo(f"Wrote {len(rows)} facts to {csv_path}")
        return
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    sites = {s["company_id"]: s for s in sites_of(db, ids)}
    if not rows and not sites:
        click.echo("Nothing read yet: `spider enrich QUERY` visits the prospects' own sites.")
        return
    chosen = best_contacts(db, obj.settings, {r["company_id"] for r in rows} | set(sites))
    by_company: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_company.setdefault(row["company_id"], []).append(row)
    for company_id in sorted(set(by_company) | set(sites)):
        site = sites.get(company_id, {})
        facts = by_company.get(company_id, [])
        name = facts[0]["company"] if facts else db.execute(
            "select name from companies where id = ?", [company_id]).fetchone()[0]
        status = site.get("status") or "done"
        when = (site.get("visited_at") or "")[:10]
        click.echo(f"#{company_id} {name}  {site.get('website') or ''}  ({status}"
                   + (f", {site.get('pages')} pages" if site.get("pages") else "")
                   + (f", {when}" if when else "") + ")"
                   + (f" {site['reason']}" if site.get("reason") else ""))
        pick = chosen.get(company_id)
        for fact in facts:
            mark = "*" if pick and fact["kind"] == "person" and fact["value"] == pick.person else " "
            role = f" ({fact['role']})" if fact["role"] else ""
            click.echo(f"  {mark} {fact['kind']:<11} {fact['value']}{role}")
            click.echo(f"      {fact['url']}  read {(fact['fetched_at'] or '')[:10]}, "
                       f"{fact['how']}")


@main.command()
@click.argument("person")
@click.option("--company", metavar="ID|NAME", help="Only as named at this company.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
@handle_errors
def forget(obj: Context, person: str, company: str | None, yes: bool) -> None:
    """Remove PERSON everywhere Spider keeps them: the facts read from company pages, the
    call log's contact names and notes, saved openers and cached copies of the pages that
    name them; `spider enrich` never reads them again. Asks first at a terminal (--yes: not).

    \b
    Example:
        spider forget "山田 太郎"
    """
    from spider.clients import resolve_company
    from spider.enrich import forget_person

    db = obj.open(write=True)
    company_id = resolve_company(db, company, command="spider forget") if company else None
    if not yes and sys.stdin.isatty() and not click.confirm(f"Forget {person} everywhere (this cannot be undone)?",
                                     default=True, err=True):
        click.echo("Nothing forgotten.")
        return
    counts = forget_person(db, obj.settings, person, company_id=company_id)
    done = ", ".join(f"{n} {what}" for what, n in counts.items())
    click.echo(f"Forgot {person}: {done}; never read again.")
