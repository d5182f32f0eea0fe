"""The web app's users: a name, a role (rep, manager, ops), the rep they are in routing (a rep's
queue and territory), their language, and a password kept only as a salted hash (Werkzeug's
scrypt). Kept in the database beside the data they work on.

Roles: a rep searches, calls and logs, and sees only companies assigned to them or to nobody;
a manager sees everything, plans, reports and manages users; sales ops (`ops`) sees
everything and changes sources, refreshes and merges.
"""

from __future__ import annotations

import functools
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from spider.db import Database, get_meta, has_table, transaction
from spider.errors import InputError
from spider.text import now_iso

ROLES = ("rep", "manager", "ops")
SESSION_HOURS = 12


def ensure_users(db: Database) -> None:
    db.execute("create table if not exists serve_users (id integer primary key, name text not "
               "null unique collate nocase, password_hash text not null, role text not null, "
               "rep text, language text not null default 'en', created_at text, "
               "disabled integer not null default 0)")
    # A signed cookie alone cannot be taken back: each login is a row here, and logging out,
    # a new password or removing the user deletes it (the cookie then names nothing).
    db.execute("create table if not exists serve_sessions (token text primary key, user_id "
               "integer not null, started_at text not null)")


@dataclass
class User:
    id: int
    name: str
    role: str
    rep: str
    language: str

    @property
    def sees_all(self) -> bool:
        return self.role in ("manager", "ops")

    def may(self, action: str) -> bool:
        """Whether the role may: 'plan' (plans, reports of everyone, users), 'ops' (sources,
        refreshes, merges and splits)."""
        return {"plan": self.role == "manager", "users": self.role == "manager",
                "ops": self.role == "ops", "sources": self.role in ("ops", "manager")}.get(
                    action, False)


def _row_user(row: Any) -> User:
    return User(id=row[0], name=row[1], role=row[2], rep=row[3] or row[1], language=row[4])


def add_user(db: Database, name: str, role: str, password: str, *, rep: str | None = None,
             language: str = "en") -> User:
    """Add a user (a one-line error for a taken name, an unknown role or a short password)."""
    ensure_users(db)
    name = name.strip()
    if not name:
        raise InputError("a user needs a name")
    if role not in ROLES:
        raise InputError(f"role {role!r}: say rep, manager or ops")
    if len(password) < 8:
        raise InputError("a password needs at least 8 characters")
    if language not in ("en", "ja"):
        raise InputError(f"language {language!r}: say en or ja")
    if len(name) > 100:
        raise InputError("a user name has at most 100 characters")
    taken = db.execute("select disabled from serve_users where name = ?", [name]).fetchone()
    if taken and not taken[0]:
        raise InputError(f"user {name!r} exists; choose another name")
    with transaction(db):
        if taken:  # removed before: back, with the new password and role, their calls kept
            db.execute("update serve_users set password_hash = ?, role = ?, rep = ?, "
                       "language = ?, disabled = 0 where name = ?",
                       [generate_password_hash(password), role, rep or name, language, name])
        else:
            db.execute("insert into serve_users (name, password_hash, role, rep, language, "
                       "created_at) values (?, ?, ?, ?, ?, ?)",
                       [name, generate_password_hash(password), role, rep or name, language,
                        now_iso()])
    found = find_user(db, name)
    assert found is not None
    return found


def find_user(db: Database, name: str) -> User | None:
    ensure_users(db)
    row = db.execute("select id, name, role, rep, language from serve_users where name = ? "
                     "and disabled = 0", [name.strip()]).fetchone()
    return _row_user(row) if row else None


def session_user(db: Database, token: str) -> User | None:
    """The user a session token was given to, while it lasts (SESSION_HOURS) and they are
    not removed; None for a token logged out, replaced by a new password, or never given."""
    if not token or not has_table(db, "serve_sessions"):
        return None
    since = (datetime.now(UTC) - timedelta(hours=SESSION_HOURS)).isoformat(timespec="seconds")
    row = db.execute("select u.id, u.name, u.role, u.rep, u.language from serve_sessions s "
                     "join serve_users u on u.id = s.user_id where s.token = ? and "
                     "u.disabled = 0 and s.started_at >= ?", [token, since]).fetchone()
    return _row_user(row) if row else None


def start_session(db: Database, user: User) -> str:
    """A new session for USER (and sessions long expired swept away)."""
    ensure_users(db)
    token = secrets.token_urlsafe(32)
    since = (datetime.now(UTC) - timedelta(hours=SESSION_HOURS)).isoformat(timespec="seconds")
    with transaction(db):
        db.execute("delete from serve_sessions where started_at < ?", [since])
        db.execute("insert into serve_sessions (token, user_id, started_at) values (?, ?, ?)",
                   [token, user.id, datetime.now(UTC).isoformat(timespec="seconds")])
    return token


def end_session(db: Database, token: str) -> None:
    ensure_users(db)
    with transaction(db):
        db.execute("delete from serve_sessions where token = ?", [token])


def _end_sessions_of(db: Database, name: str) -> None:
    db.execute("delete from serve_sessions where user_id in (select id from serve_users where "
               "name = ?)", [name])


@functools.cache
def _no_such_user_hash() -> str:
    # Made once: checking a password against it costs what checking a real one does, so an
    # unknown name answers as slowly as a known one (no extra hashing to tell them apart).
    return generate_password_hash(secrets.token_urlsafe(16))


def check_login(db: Database, name: str, password: str) -> User | None:
    """The user NAME if PASSWORD is theirs (a hash is checked even for an unknown name, so
    the answer takes as long either way)."""
    ensure_users(db)
    row = db.execute("select id, name, role, rep, language, password_hash from serve_users "
                     "where name = ? and disabled = 0", [name.strip()]).fetchone()
    stored = row[5] if row else _no_such_user_hash()
    if check_password_hash(stored, password) and row:
        return _row_user(row)
    return None


class LoginThrottle:
    """Failed logins, per user name and per address: after LIMIT failures for a name (or
    ADDRESS_LIMIT from one address, "from:..." keys: a whole office may share one behind a
    proxy) within WINDOW seconds, further tries are refused at once (no password hashed)
    until the oldest failure is WINDOW old. Kept in the server process's memory (each worker
    its own, so a name may be tried LIMIT times in each)."""

    def __init__(self, limit: int = 5, window: float = 900.0, address_limit: int = 50) -> None:
        self.limit, self.window, self.address_limit = limit, window, address_limit
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def wait(self, *keys: str) -> float:
        """Seconds until KEYS may try again (0: now)."""
        now = time.monotonic()
        with self._lock:
            waits = [times[0] + self.window - now for key in keys
                     if len(times := self._recent(key, now)) >= (
                         self.address_limit if key.startswith("from:") else self.limit)]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)
            if len(self._failures) > 10_000:  # a flood of names: forget the quiet ones
                for key in [k for k, v in self._failures.items() if not v]:
                    del self._failures[key]

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


def list_users(db: Database) -> list[dict[str, Any]]:
    ensure_users(db)
    return [dict(zip(("id", "name", "role", "rep", "language", "created_at", "disabled"), r,
                     strict=True))
            for r in db.execute("select id, name, role, rep, language, created_at, disabled "
                                "from serve_users order by name")]


def set_password(db: Database, name: str, password: str) -> None:
    """A new password; every session the user had ends."""
    ensure_users(db)
    if len(password) < 8:
        raise InputError("a password needs at least 8 characters")
    with transaction(db):
        done = db.execute("update serve_users set password_hash = ? where name = ? and "
                          "disabled = 0", [generate_password_hash(password), name]).rowcount
        _end_sessions_of(db, name)
    if not done:
        raise InputError(f"no user {name!r} (or removed: `spider users add` brings them back); "
                         "`spider users list` shows them")


def remove_user(db: Database, name: str) -> None:
    """Disable a user (their calls stay theirs in the log)."""
    ensure_users(db)
    with transaction(db):
        done = db.execute("update serve_users set disabled = 1 where name = ?", [name]).rowcount
        _end_sessions_of(db, name)
    if not done:
        raise InputError(f"no user {name!r}; `spider users list` shows them")


def secret_key(db: Database) -> str:
    """The key sessions are signed with: made once, kept in the database."""
    key = get_meta(db, "serve_secret")
    if not key:
        # Two server processes starting at once must sign with one key: the first one
        # written stays, and both read it back.
        with transaction(db):
            db.execute("insert or ignore into meta (key, value) values ('serve_secret', ?)",
                       [secrets.token_hex(32)])
        key = get_meta(db, "serve_secret")
    return str(key)


def first_manager(db: Database) -> tuple[str, str] | None:
    """With no user at all, a manager 'admin' with a random password, to be told once."""
    ensure_users(db)
    if db.execute("select 1 from serve_users").fetchone():
        return None
    password = secrets.token_urlsafe(12)
    add_user(db, "admin", "manager", password)
    return "admin", password
