"""The web app's users: a name, a role (rep, manager, ops), the rep they are in routing (a rep's
queue and territory), their language, and a password kept only as a salted hash (Werkzeug's
scrypt). Kept in the database beside the data they work on.

Roles: a rep searches, calls and logs, and sees only companies assigned to them or to nobody;
a manager sees everything, plans, reports and manages users; sales ops (`ops`) sees
everything and changes sources, refreshes and merges.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from spider.db import Database, get_meta, set_meta, transaction
from spider.errors import InputError
from spider.text import now_iso

ROLES = ("rep", "manager", "ops")


def ensure_users(db: Database) -> None:
    db.execute("create table if not exists serve_users (id integer primary key, name text not "
               "null unique collate nocase, password_hash text not null, role text not null, "
               "rep text, language text not null default 'en', created_at text, "
               "disabled integer not null default 0)")


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
    if db.execute("select 1 from serve_users where name = ?", [name]).fetchone():
        raise InputError(f"user {name!r} exists; choose another name")
    with transaction(db):
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


def user_by_id(db: Database, user_id: int) -> User | None:
    if not db.execute("select 1 from sqlite_master where name = 'serve_users'").fetchone():
        return None
    row = db.execute("select id, name, role, rep, language from serve_users where id = ? and "
                     "disabled = 0", [user_id]).fetchone()
    return _row_user(row) if row else None


def check_login(db: Database, name: str, password: str) -> User | None:
    """The user NAME if PASSWORD is theirs (the hash is checked even for an unknown name, so
    the answer takes as long either way)."""
    ensure_users(db)
    row = db.execute("select id, name, role, rep, language, password_hash from serve_users "
                     "where name = ? and disabled = 0", [name.strip()]).fetchone()
    stored = row[5] if row else generate_password_hash("not a password")
    if check_password_hash(stored, password) and row:
        return _row_user(row)
    return None


def list_users(db: Database) -> list[dict[str, Any]]:
    ensure_users(db)
    return [dict(zip(("id", "name", "role", "rep", "language", "created_at", "disabled"), r,
                     strict=True))
            for r in db.execute("select id, name, role, rep, language, created_at, disabled "
                                "from serve_users order by name")]


def set_password(db: Database, name: str, password: str) -> None:
    if len(password) < 8:
        raise InputError("a password needs at least 8 characters")
    with transaction(db):
        done = db.execute("update serve_users set password_hash = ? where name = ?",
                          [generate_password_hash(password), name]).rowcount
    if not done:
        raise InputError(f"no user {name!r}; `spider users list` shows them")


def remove_user(db: Database, name: str) -> None:
    """Disable a user (their calls stay theirs in the log)."""
    ensure_users(db)
    with transaction(db):
        done = db.execute("update serve_users set disabled = 1 where name = ?", [name]).rowcount
    if not done:
        raise InputError(f"no user {name!r}; `spider users list` shows them")


def secret_key(db: Database) -> str:
    """The key sessions are signed with: made once, kept in the database."""
    key = get_meta(db, "serve_secret")
    if not key:
        key = secrets.token_hex(32)
        with transaction(db):
            set_meta(db, "serve_secret", key)
    return key


def first_manager(db: Database) -> tuple[str, str] | None:
    """With no user at all, a manager 'admin' with a random password, to be told once."""
    ensure_users(db)
    if db.execute("select 1 from serve_users").fetchone():
        return None
    password = secrets.token_urlsafe(12)
    add_user(db, "admin", "manager", password)
    return "admin", password
