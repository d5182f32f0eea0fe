"""`spider serve` (the web app) and `spider users` (who may use it)."""

from __future__ import annotations

import click

from spider.cli import Context, _echo_err, handle_errors, main
from spider.errors import InputError


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 shares it on the office network.")
@click.option("--port", type=click.IntRange(1, 65535), default=8321, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64),
              help="Server processes (default: the CPUs, up to 4).")
@click.option("--threads", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Threads in each process.")
@click.option("--secure-cookies", is_flag=True,
              help="Send the session cookie over HTTPS only (behind a reverse proxy that ends "
                   "TLS).")
@click.pass_obj
@handle_errors
def serve(obj: Context, host: str, port: int, workers: int | None, threads: int,
          secure_cookies: bool) -> None:
    """The web app for the team: search and call lists with one-click outcomes, the day's
    queue, the manager's plan and report, sources, refresh diffs, duplicates and the spider
    web, in English and Japanese. Everyone logs in (`spider users add`).

    \b
    Examples:
        spider serve
        spider serve --host 0.0.0.0 --port 8080 --secure-cookies   # behind HTTPS
    """
    from spider.db import has_table
    from spider.serve import run_server
    from spider.serve.users import first_manager

    db = obj.open()
    with_lock = obj.open(write=True) if not has_table(db, "serve_users") else db
    made = first_manager(with_lock)
    if made:
        _echo_err(f"No users yet: made the manager {made[0]!r} with the password {made[1]} "
                  "(shown once; `spider users add` adds more, `spider users password` changes it)")
    obj.release()
    where = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    _echo_err(f"Spider serving {obj.db_path} on {where} (Ctrl-C stops)")
    if host not in ("127.0.0.1", "localhost", "::1"):
        _echo_err("Shared on the network: put it behind HTTPS (a reverse proxy) before "
                  "anyone logs in over Wi-Fi, and add --secure-cookies.")
    import os

    try:
        run_server(obj.db_path, obj.settings, host=host, port=port, threads=threads,
                   workers=workers or min(4, os.cpu_count() or 1),
                   secure_cookies=secure_cookies)
    except OSError as exc:
        raise InputError(f"{host}:{port}: cannot listen there ({exc.strerror}); choose another "
                         "--port, or stop what holds it") from None


@main.group()
def users() -> None:
    """Who may use `spider serve`: add, list, change a password, remove.

    \b
    Examples:
        spider users add sato --role rep
        spider users add tanaka --role manager --lang ja
        spider users list
    """


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["rep", "manager", "ops"]), required=True)
@click.option("--rep", help="Their name among the reps (spider reps), if not NAME.")
@click.option("--lang", "language", type=click.Choice(["en", "ja"]), default="en",
              show_default=True)
@click.option("--password", help="Their password (asked for if not given).")
@click.pass_obj
@handle_errors
def users_add(obj: Context, name: str, role: str, rep: str | None, language: str,
              password: str | None) -> None:
    """Add a user of the web app."""
    from spider.serve.users import add_user

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    made = add_user(obj.open(write=True), name, role, password, rep=rep, language=language)
    click.echo(f"Added {made.name} ({made.role}, rep {made.rep}, {made.language})")


@users.command("list")
@click.pass_obj
@handle_errors
def users_list(obj: Context) -> None:
    """The users, their role and language."""
    from spider.serve.users import list_users

    rows = list_users(obj.open())
    if not rows:
        click.echo("No users yet: `spider users add NAME --role manager`.")
    for row in rows:
        click.echo(f"  {row['name']:<20} {row['role']:<8} rep {row['rep']:<16} {row['language']}"
                   + ("  (removed)" if row["disabled"] else ""))


@users.command("password")
@click.argument("name")
@click.option("--password", help="The new password (asked for if not given).")
@click.pass_obj
@handle_errors
def users_password(obj: Context, name: str, password: str | None) -> None:
    """Change a user's password."""
    from spider.serve.users import set_password

    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True,
                                err=True)
    set_password(obj.open(write=True), name, password)
    click.echo(f"Password changed for {name}")


@users.command("remove")
@click.argument("name")
@click.pass_obj
@handle_errors
def users_remove(obj: Context, name: str) -> None:
    """Remove a user (their calls stay in the log under their name)."""
    from spider.serve.users import remove_user

    if not name.strip():
        raise InputError("say which user")
    remove_user(obj.open(write=True), name)
    click.echo(f"Removed {name}")
