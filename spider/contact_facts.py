"""Whom to ask for at each company, read back from `contact_facts` (which `spider enrich`
fills): the kinds of buyer a user sells to, their order for the `buyer` setting, and per
company the person nearest that buyer, the switchboard and the address, each with its source.

Light on purpose (no regular expressions): every `spider expand`, call list and `today`
reads contacts through here. Recognising titles and names on a page is `spider.people`'s
work; `buyer_kind` calls on it only for a buyer setting given as a title ("営業部長").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from spider.db import Database, get_meta, has_table, rows_in
from spider.errors import InputError

DEFAULT_BUYER = "sales"

# Kinds of role, as a buyer is described: the setting `buyer` names one of these (or a word
# that means one, BUYER_WORDS), and `buyer_order` says whom to ask for when nobody of that
# kind is named.
ROLE_KINDS = ("sales", "marketing", "hr", "purchasing", "it", "finance", "operations", "admin",
              "gm", "kitchen", "ceo", "board", "practitioner", "staff")
BUYER_WORDS = {
    "sales": "sales", "sales manager": "sales", "director of sales": "sales",
    "sales director": "sales", "head of sales": "sales", "営業": "sales", "営業部長": "sales",
    "marketing": "marketing", "マーケティング": "marketing", "広報": "marketing",
    "hr": "hr", "human resources": "hr", "people": "hr", "recruiting": "hr", "人事": "hr",
    "purchasing": "purchasing", "procurement": "purchasing", "buyer": "purchasing",
    "購買": "purchasing", "調達": "purchasing",
    "it": "it", "information systems": "it", "情報システム": "it",
    "finance": "finance", "accounting": "finance", "cfo": "finance", "経理": "finance",
    "operations": "operations", "coo": "operations",
    "admin": "admin", "general affairs": "admin", "総務": "admin",
    "general manager": "gm", "gm": "gm", "manager": "gm", "支配人": "gm", "店長": "gm",
    "chef": "kitchen", "kitchen": "kitchen", "料理長": "kitchen",
    "owner": "ceo", "ceo": "ceo", "president": "ceo", "社長": "ceo", "代表": "ceo",
}
_FALLBACK = ("gm", "ceo", "board", "practitioner")
_NEAR = {"sales": ("marketing",), "marketing": ("sales",), "hr": ("admin",),
         "purchasing": ("admin", "operations"), "it": ("admin", "operations"),
         "finance": ("admin",), "operations": (), "admin": ("hr",), "gm": (), "kitchen": (),
         "ceo": (), "board": (), "practitioner": (), "staff": ()}  # fmt: skip


def buyer_kind(text: str) -> str:
    """The kind of role the setting `buyer` names ("sales manager" -> "sales")."""
    key = " ".join(str(text or "").split()).lower()
    if key in ROLE_KINDS:
        return key
    if key in BUYER_WORDS:
        return BUYER_WORDS[key]
    from spider.people import role_of  # the title rules: only for a buyer named by title

    found = role_of(text)
    if found is None or found[0] == "other":
        raise InputError(f"setting buyer = {text!r} names no role Spider knows; say sales, "
                         "marketing, hr, purchasing, it, finance, operations, admin, gm, "
                         "kitchen or ceo (or a title such as 'director of sales', '営業部長')")
    return found[0]


def buyer_of(db: Database, settings: Any) -> str:
    """Whom the user sells to: the `buyer` setting (spider.toml or a flag), else the buyer
    `spider enrich --buyer` kept in this database, else sales."""
    return str(settings.buyer or get_meta(db, "buyer") or DEFAULT_BUYER)


def buyer_title(buyer: str) -> str | None:
    """The buyer as the user wrote it, if it is a title ("院長", "office manager") rather than
    a bare kind of role ("sales", "hr", "ceo"): the words to ask the switchboard for."""
    key = " ".join(str(buyer or "").split()).lower()
    return None if not key or key in ROLE_KINDS else " ".join(str(buyer).split())


def buyer_order(buyer: str) -> tuple[str, ...]:
    """Kinds of role, nearest the buyer first: the buyer's own, its neighbours, then the
    general manager, the head of the company, the board and the practitioner-owner."""
    kind = buyer_kind(buyer)
    order = [kind, *_NEAR.get(kind, ())]
    order += [k for k in _FALLBACK if k not in order]
    return tuple(order)


# -- reading facts back -----------------------------------------------------------------


def has_facts(db: Database) -> bool:
    """Whether `spider enrich` ever ran on this database (its table exists)."""
    return has_table(db, "contact_facts")


@dataclass
class Contact:
    """What a rep needs before dialling: the person to ask for and the number, with where
    each was read."""

    person: str = ""
    role: str = ""
    person_url: str = ""
    phone: str = ""
    phone_url: str = ""
    address: str = ""
    postal_code: str = ""
    others: list[tuple[str, str]] = field(default_factory=list)  # (name, role) also named


def best_contacts(db: Database, settings: Any, company_ids: Iterable[int],
                  ) -> dict[int, Contact]:
    """Per company: the person nearest the buyer (`buyer`: the buyer's own kind of role,
    then its neighbours, the general manager, the head of the company), and the phone."""
    ids = list(company_ids)
    if not ids:
        return {}
    out = _from_facts(db, settings, ids) if has_facts(db) else {}
    # The person a list itself names for the company (a Leads export's First Name, Last Name
    # and Title; a register's 担当者 or Ansprechpartner) where its pages named none: of
    # several (an Apollo export's people at one firm), the one nearest the buyer.
    listed = listed_people(db, ids)
    if listed:
        from spider.people import role_of

        order = buyer_order(buyer_of(db, settings))
        where = {k: i for i, k in enumerate(order)}

        def nearness(entry: tuple[str, str, str]) -> tuple[int, int]:
            found = role_of(entry[1]) if entry[1] else None
            return (where.get(found[0], len(order)), -found[1]) if found else (len(order), 0)

        for company_id, people in listed.items():
            contact = out.setdefault(company_id, Contact())
            if not contact.person:
                person, role, source = min(people, key=nearness)  # stable: the list's order
                contact.person, contact.role, contact.person_url = person, role, source
    return out


def _from_facts(db: Database, settings: Any, ids: list[int]) -> dict[int, Contact]:
    order = buyer_order(buyer_of(db, settings))
    where = {k: i for i, k in enumerate(order)}
    found: dict[int, list[tuple]] = defaultdict(list)
    for row in rows_in(db, "select l.company_id, f.kind, f.value, f.role, f.role_kind, "
                       "f.role_rank, f.url, f.how from contact_facts f join record_links l on "
                       "l.record_id = f.record_id where l.company_id in ({marks}) "
                       "order by f.id", ids):
        found[row[0]].append(row[1:])
    out: dict[int, Contact] = {}
    for company_id, facts in found.items():
        contact = Contact()
        people = []
        for kind, value, role, role_kind, rank, url, how in facts:
            if kind == "phone" and not contact.phone:
                contact.phone, contact.phone_url = value, url
            elif kind == "address" and not contact.address:
                contact.address = value
            elif kind == "postal_code" and not contact.postal_code:
                contact.postal_code = value
            elif kind == "person":
                people.append((where.get(role_kind, len(order)), -(rank or 0),
                               0 if how == "schema.org Person" else 1, value, role, url))
        people.sort(key=lambda p: p[:3])  # stable: ties stay in the order the pages gave
        usable = [p for p in people if p[0] < len(order)]
        if usable:
            contact.person, contact.role, contact.person_url = usable[0][3:6]
        contact.others = [(p[3], p[4]) for p in people if p[3] != contact.person][:5]
        out[company_id] = contact
    return out


# Columns of a list that name a person at the company (headers lower-cased, spaces single).
_FIRST_NAME = frozenset({"first name", "firstname", "first_name", "given name", "vorname",
                         "prénom", "prenom", "voornaam", "名"})
_LAST_NAME = frozenset({"last name", "lastname", "last_name", "surname", "family name",
                        "nachname", "nom de famille", "apellidos", "apellido", "sobrenome",
                        "achternaam", "姓"})
# A column of a person that says their role in its header: a register's 代表者氏名 is its
# representative (代表者), a clinic list's 院長名 its head (院長).
_HEADER_ROLE = {"代表者": "代表者", "代表者名": "代表者", "代表者氏名": "代表者", "院長": "院長",
                "院長名": "院長", "管理者": "管理者", "管理者名": "管理者", "管理者氏名": "管理者",
                "inhaber": "Inhaber", "geschäftsführer": "Geschäftsführer", "gérant": "gérant",
                "owner name": "owner", "proprietor": "proprietor", "principal": "principal",
                "practice manager": "practice manager", "manager name": "manager"}
_FULL_NAME = frozenset({"contact", "contact name", "contact person", "contact full name",
                        "primary contact", "ansprechpartner", "ansprechperson",
                        "personne de contact", "persona de contacto", "contactpersoon",
                        "担当者", "担当者名", "ご担当者名", "担当者氏名", *_HEADER_ROLE})
LISTED_PEOPLE = "listed_people"  # meta: some list read names people (`names_people`)


def names_people(columns: Iterable[str]) -> bool:
    """Whether a file with these COLUMNS names a person at each company."""
    said = {" ".join(str(c).lower().split()) for c in columns}
    return bool(said & (_FIRST_NAME | _LAST_NAME | _FULL_NAME))


# Parts of the headers above, one of which a row naming a person has in its extra columns.
_PERSON_MARKS = ("first", "last", "given", "family", "surname", "contact", "vorname",
                 "nachname", "ansprech", "prénom", "prenom", "voornaam", "achternaam",
                 "apellido", "sobrenome", "担当", "代表者", "姓", "院長", "管理者", "inhaber",
                 "geschäftsführer", "gérant", "owner", "proprietor", "principal", "manager")
_TITLE = frozenset({"title", "job title", "jobtitle", "position", "designation", "funktion",
                    "fonction", "cargo", "functie", "役職", "担当者役職", "代表者役職", "肩書"})


def listed_people(db: Database, company_ids: Iterable[int]
                  ) -> dict[int, list[tuple[str, str, str]]]:
    """Per company, the people its own lists name, as (name, title, the list it is from), in
    the order of its active records."""
    import json

    if not get_meta(db, LISTED_PEOPLE):
        return {}  # no list read names anyone (set by ingest: `names_people`)
    # `spider forget PERSON` keeps a hash of each forgotten person's name (everywhere, or at
    # the records named): such a person is not asked for, though the user's list names them.
    forgotten = {h for h, in db.execute("select key_hash from forgotten_people")} \
        if has_table(db, "forgotten_people") else set()

    def is_forgotten(person: str, record_id: int) -> bool:
        import hashlib

        from spider.people import name_key

        key = name_key(person)
        return any(hashlib.sha256(k.encode("utf-8")).hexdigest() in forgotten
                   for k in (key, f"{key}|{record_id}"))

    out: dict[int, list[tuple[str, str, str]]] = {}
    # (only the rows whose extra columns could name someone are parsed: a hotel list's
    # OSM tags are not read for every `expand`)
    marked = " or ".join(f"instr(lower(r.extra), '{m}')" for m in _PERSON_MARKS)
    for company_id, record_id, extra, source, row in rows_in(
            db, "select l.company_id, r.id, r.extra, r.source, r.source_row from records r join "
            "record_links l on l.record_id = r.id where l.company_id in ({marks}) and "
            f"r.status = 'active' and r.extra is not null and ({marked}) order by r.id",
            list(company_ids)):
        try:
            said = {" ".join(str(k).lower().split()): str(v).strip()
                    for k, v in json.loads(extra).items() if v not in (None, "")}
        except (ValueError, AttributeError):
            continue
        whole, person = _person_said(said)
        if not person or (forgotten and is_forgotten(person, record_id)):
            continue
        title = next((said[k] for k in _TITLE if said.get(k)), "") or next(
            (role for k, role in _HEADER_ROLE.items() if said.get(k) == whole and whole), "")
        out.setdefault(company_id, []).append((person, title, f"{source} row {row}"))
    return out


def _person_said(said: dict[str, str]) -> tuple[str, str]:
    """(the whole-name column's value, the person) a record's extra columns (headers folded
    to lower case, single spaces) name; ('', '') for nobody."""
    # (a "Contact" column that holds an address, info@..., names nobody)
    whole = next((said[k] for k in _FULL_NAME if said.get(k) and "@" not in said[k]), "")
    parts = [next((said[k] for k in keys if said.get(k)), "")
             for keys in (_FIRST_NAME, _LAST_NAME)]
    person = whole or " ".join(p for p in parts if p)
    return (whole, person) if any(ch.isalpha() for ch in person) else ("", "")


def person_in(columns: dict[str, Any]) -> str:
    """The person a record's extra COLUMNS (read from its JSON) name, its owner or contact
    ('' if none)."""
    said = {" ".join(str(k).lower().split()): str(v).strip()
            for k, v in columns.items() if v not in (None, "")}
    return _person_said(said)[1]


def facts_of(db: Database, company_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Every fact kept, for the audit table: company, kind, value, role, URL, dates."""
    if not has_facts(db):
        return []
    sql = ("select l.company_id, c.name, f.kind, f.value, f.role, f.role_kind, f.how, f.url, "
           "f.fetched_at, f.first_seen, f.seen_at, f.record_id from contact_facts f join "
           "record_links l on l.record_id = f.record_id join companies c on c.id = l.company_id")
    names = ("company_id", "company", "kind", "value", "role", "role_kind", "how", "url",
             "fetched_at", "first_seen", "seen_at", "record_id")
    order = " order by l.company_id, case f.kind when 'phone' then 0 when 'address' then 1 " \
            "when 'postal_code' then 2 else 3 end, f.role_rank desc, f.id"
    if company_ids is None:
        rows: Iterable[tuple] = db.execute(sql + order)
    else:
        rows = rows_in(db, sql + " where l.company_id in ({marks})" + order, list(company_ids))
    return [dict(zip(names, row, strict=True)) for row in rows]


def sites_of(db: Database, company_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Each visited company's site: website, status, pages read, when, why not."""
    if not has_facts(db):
        return []
    sql = ("select l.company_id, s.website, s.status, s.pages, s.visited_at, s.reason from "
           "enrich_sites s join record_links l on l.record_id = s.record_id")
    names = ("company_id", "website", "status", "pages", "visited_at", "reason")
    rows: Iterable[tuple] = (db.execute(sql) if company_ids is None else
                             rows_in(db, sql + " where l.company_id in ({marks})",
                                     list(company_ids)))
    return [dict(zip(names, row, strict=True)) for row in rows]


