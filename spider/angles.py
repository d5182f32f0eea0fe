"""References and opening angles: the closest won client, and a line the rep can read aloud.

For every prospect the closest won client (most shared rare signals, never one in the
prospect's own group) is its reference. The angle is a named reference only when that client
agreed to be named, otherwise the anonymous "your direct competitors" form; with no won
client at all the opener speaks to the segment itself. Templates are TOML, editable.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from spider import places
from spider.clients import citable_clients, cite
from spider.db import Database
from spider.errors import InputError
from spider.prospects import Expansion
from spider.query import english_label, english_noun
from spider.resolve.normalize import spoken_name
from spider.settings import Settings
from spider.signals import (
    BUSINESS_KINDS,
    CATEGORY_CODE,
    LODGING_CATEGORY,
    REFERENCE_KINDS,
    is_local,
    kinds_of,
    signals_of,
)
from spider.text import TIER_JA, display_names, entity_noun, is_latin, noun_forms

ANONYMOUS_DISCOUNT = 0.9
LANGUAGES = ("en", "ja", "de", "fr", "es", "pt")  # the opener templates shipped
KIND_JA = {"hotel": "ホテル", "hotel & lodging": "ホテル・宿泊", "hotel operator": "ホテル運営会社",
           "hotel REIT": "ホテルリート", "banks": "銀行", "pharmaceuticals": "医薬品",
           "semiconductors": "半導体", "automotive & transport equipment": "輸送用機器",
           "cruise lines": "クルーズ会社", "online travel": "オンライン旅行会社",
           "insurance": "保険", "software": "ソフトウェア", "airlines": "航空会社",
           "railways": "鉄道", "retail": "小売", "restaurants": "外食", "real estate": "不動産"}


@functools.cache
def _builtin_templates(language: str) -> dict[str, Any]:
    name = f"openers.{language}.toml"
    try:
        text = (Path(__file__).parent / "templates" / name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"no opener templates for language {language!r}; use "
                         f"{', '.join(LANGUAGES)}") from None
    return tomllib.loads(text)


def load_templates(settings: Settings) -> dict[str, Any]:
    """Built-in templates for the language, overlaid with the user's file if configured."""
    templates = {k: dict(v) if isinstance(v, dict) else v
                 for k, v in _builtin_templates(settings.language).items()}
    path = settings.templates
    if path:
        try:
            user = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{path}: no such templates file; fix `templates` in spider.toml") from None
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{path}: not valid TOML ({exc}); fix the templates file") from None
        for key, value in user.items():
            if isinstance(value, dict) and isinstance(templates.get(key), dict):
                templates[key] = _merge(templates[key], value)
            else:
                templates[key] = value
        # An angle whose line the user wrote is said their way to every business: the
        # built-in line for local businesses does not stand in for it.
        for name, angle in (user.get("angle") or {}).items():
            if isinstance(angle, dict) and "text" in angle and "local_text" not in angle:
                templates["angle"][name].pop("local_text", None)
        # Nor does the built-in `local` line stand in for a `default` the user wrote.
        for table in ("ask_for", "problem"):
            mine = user.get(table)
            if isinstance(mine, dict) and "default" in mine and "local" not in mine:
                templates[table].pop("local", None)
    return templates


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _competes(prospect_signals: dict[str, dict], theirs: dict[str, dict]) -> bool:
    """Whether a client shares a competitor signal (its business, tier, list) with a prospect,
    and is not in another business by their own categories or kinds (a chamber of commerce's
    dentist is no plumber's direct competitor, though one list names both)."""
    shared = set(prospect_signals) & set(theirs)
    if not any(prospect_signals[s]["kind"] in REFERENCE_KINDS for s in shared):
        return False
    mine = {s for s, r in prospect_signals.items() if r["kind"] in BUSINESS_KINDS}
    return not mine or not any(r["kind"] in BUSINESS_KINDS for r in theirs.values()) or bool(
        mine & shared)


def closest_reference(prospect_signals: dict[str, dict], clients: list[dict],
                      client_signals: dict[int, dict[str, dict]], prospect_id: int,
                      not_cite: Collection[int] = ()) -> tuple[dict, set[str]] | None:
    """The won client sharing the most rare competitor signals with the prospect; never one
    of NOT_CITE (a client whose operator runs the prospect: it is not its competitor)."""
    groups = {s for s, r in prospect_signals.items() if r["kind"] == "group"}
    best, best_score, best_shared = None, 0.0, set()
    for client in clients:
        if client["company_id"] == prospect_id or client["company_id"] in not_cite:
            continue
        theirs = client_signals.get(client["company_id"], {})
        if groups & {s for s, r in theirs.items() if r["kind"] == "group"}:
            continue  # never pitch a client's name to a company in its own group
        if not _competes(prospect_signals, theirs):
            continue
        shared = set(prospect_signals) & set(theirs)
        score = sum(prospect_signals[s]["weight"] for s in shared)
        if not client["referenceable"]:
            # On a near-tie the client who agreed to be named wins: a named reference is the
            # stronger opener. The closest client still wins by more than this margin.
            score *= ANONYMOUS_DISCOUNT
        if score > best_score:
            best, best_score, best_shared = client, score, shared
    return (best, best_shared) if best else None


def peer_phrase(signals: dict[str, dict], language: str, *, plural: bool = True,
                list_noun: str = "", hotel: bool = True) -> str:
    """'five-star hotels in Tokyo' / 'another bank in Chiyoda' (plural=False gives the
    singular) / '東京都の五つ星ホテル', from a set of signals. HOTEL: false of a lodging
    that is no hotel (a 民宿, a ペンション), whose lodging in common is said as 宿泊施設."""
    top = functools.partial(_top, signals)
    tier = top(("tier",))
    place = _place_named(signals)
    if language == "ja":
        kind = top(("category",)) or top(("kind",)) or _with_japanese(signals) or \
            top(("concept",))
        words = TIER_JA.get(tier["label"], tier["label"]) if tier else ""
        label = kind["label"] if kind else ""
        if "(" in label:
            label = label.split("(", 1)[1].rstrip(")")
        label = KIND_JA.get(label, label)
        if kind is signals.get(LODGING_CATEGORY) and not hotel:
            label = "宿泊施設"  # a ryokan's and a 民宿's or ペンション's kind in common: no hotel
        words += label if label and not label.isascii() else "企業"
        where = _place_ja(place) if place else ""
        return f"{where}の{words}" if where else words
    kind = _kind_named(signals)
    label = kind["label"] if kind else ""
    if language != "en":
        return _phrase_in(language, label, top(("district",)) or top(("city",)))
    if label and not is_latin(label):
        # An English line says the kind in English, or leaves it to the list's own noun:
        # never "We help 日本酒蔵 companies".
        label = english_label(label) or ""
    elif label:
        label = english_noun(label) or label  # Brauerei, Cervecería: "breweries"
    if not any(ch.isalpha() for ch in label) or CATEGORY_CODE.fullmatch(label):
        label = ""  # a code ("2", "A51", a NAF "86.23Z") is not a kind a caller can say
    one, many = noun_forms(label, list_noun)
    noun = many if plural else one
    phrase = " ".join(w for w in ((tier["label"] if tier else ""), noun) if w)
    where = _place_en(place, signals) if place else ""
    return f"{phrase} in {_with_article(where)}" if where else phrase


def _a_hotel(signals: dict[str, dict]) -> bool:
    """Whether a lodging is a hotel: its list says nothing more than lodging, or says hotel
    (not a 民宿, a ペンション or a 旅館 alone)."""
    own = [r for s, r in signals.items() if r["kind"] == "category" and s != LODGING_CATEGORY]
    return not own or "kind:hotel" in signals or any(
        str(r["label"]).lower() in ("hotel", "hotels", "ホテル") for r in own)


def _phrase_in(language: str, label: str, place: dict | None) -> str:
    """The peer phrase of a language whose nouns inflect (de, fr, es): the kind as the list
    names it, uninflected, in the template's own pattern ("Elektriker in Berlin",
    "boulangerie, Paris"); a town or district only (a region's or country's gazetteer name is
    English)."""
    patterns = _builtin_templates(language).get("phrase", {})
    kind = label.split(" (", 1)[0].strip()
    if kind and not is_latin(kind):
        kind = english_label(kind) or ""
    if not any(ch.isalpha() for ch in kind) or CATEGORY_CODE.fullmatch(kind):
        kind = ""
    if language == "de" and kind[:1].islower():
        kind = kind[:1].upper() + kind[1:]  # a German noun ("autohaus" read from names)
    where = ""
    if place:
        where = next((p.strip() for p in place["label"].split(",") if p.strip() and is_latin(p)), "")
    key = ("peers" if kind and where else "kind_only" if kind else
           "place_only" if where else "nothing")
    return str(patterns.get(key, "{kind}")).format(kind=kind, place=where)


# Words of a kind of business that works from an office for other businesses, whatever its
# size: a software house or a consultancy has a sales side, not a shop front ("the owner or
# manager", "the competitor down the street" are a local shop's lines).
# (Not a law or accounting firm: a practice its partners run, told of new clients as a
# dentist is, not of its sales team.)
_OFFICE_WORDS = frozenset({"software", "consultancy", "consulting", "consultants",
                           "marketing", "advertising",
                           "engineering", "architecture", "architects", "recruitment", "staffing",
                           "logistics", "wholesale", "manufacturing", "manufacture",
                           "programming", "technology", "telecommunications", "financial",
                           "investment", "research", "publishing"})


def _office_business(signals: dict[str, dict]) -> bool:
    """Whether the business's category or kind names office work (software development,
    management consultancy, accounting): no local shop."""
    for row in signals.values():
        if row["kind"] in ("category", "kind"):
            words = set(re.findall(r"[a-z]+", (row["label"] or "").lower()))
            if words & _OFFICE_WORDS:
                return True
    return False


def _top(signals: dict[str, dict], kinds: tuple[str, ...]) -> dict | None:
    """The rarest of SIGNALS of these kinds: the one a phrase names."""
    rows = [r for r in signals.values() if r["kind"] in kinds]
    # (of equally rare ones, the one the company weighs most: a cell's first part)
    return max(rows, key=lambda r: (r["idf"] or 0, r.get("weight") or 0)) if rows else None


def _first_of(signals: dict[str, dict], kinds: tuple[str, ...]) -> dict | None:
    """The rarest signal of the first of KINDS that SIGNALS hold."""
    return next(filter(None, (_top(signals, (kind,)) for kind in kinds)), None)


def _place_named(signals: dict[str, dict]) -> dict | None:
    """The place a peer phrase names: the finest the signals hold."""
    from spider.rank import PLACE_KINDS

    return _first_of(signals, PLACE_KINDS)


def _kind_named(signals: dict[str, dict]) -> dict | None:
    """The kind an English peer phrase names: a category, else a kind, a concept, an industry
    (a category that is a register's code, NAF 86.23Z, after the kind its name says)."""
    words = {s: r for s, r in signals.items()
             if not (r["kind"] == "category" and CATEGORY_CODE.fullmatch(str(r["label"]).strip()))}
    return _first_of(words, ("category", "kind", "concept", "industry")) or \
        _first_of(signals, ("category",))


def _phrase_signals(signals: dict[str, dict]) -> set[str]:
    """The signals `peer_phrase` names of SIGNALS (its tier, place and kind): the clients
    holding them all are those the phrase speaks of."""
    picked = [_top(signals, ("tier",)), _place_named(signals), _kind_named(signals)]
    return {row["signal"] for row in picked if row}


def _with_japanese(signals: dict[str, dict]) -> dict | None:
    rows = [r for r in signals.values()
            if r["kind"] == "industry" and not (r["label"] or "").isascii()]
    return max(rows, key=lambda r: r["idf"] or 0) if rows else None


def _place_en(place: dict, signals: dict[str, dict]) -> str:
    """The place in Latin script: a Japanese city label falls back to its prefecture, then
    its country, so an English opener never reads 'companies in 町田市'."""
    parts = [p.strip() for p in place["label"].split(",")]
    for part in parts:
        if part and is_latin(part):  # (München, Zürich, Besançon: Latin letters too)
            return part
    for kind in ("region", "country"):
        rows = [r for r in signals.values() if r["kind"] == kind and is_latin(r["label"] or "")]
        if rows:
            return rows[0]["label"]
    return ""


_NEEDS_THE = frozenset({"United States", "United Kingdom", "Netherlands", "Philippines"})


def _with_article(place: str) -> str:
    return f"the {place}" if place in _NEEDS_THE else place


def _place_ja(place: dict) -> str:
    return places.place_label_ja(place["signal"], place["label"])


def _kind_key(signals: dict[str, dict], table: dict[str, str], *, local: bool = False) -> str:
    """The template key for the prospect's business: its category, else its most specific
    (rarest) concept; a business the templates do not know gets the `local` line if it is a
    LOCAL business and the table has one, else the default line."""
    key = _named_kind_key(signals, table)
    return "local" if key == "default" and local and "local" in table else key


def _named_kind_key(signals: dict[str, dict], table: dict[str, str]) -> str:
    # The rarest category says most what the business is (旅館 beside the lodging-wide hotel).
    kinds = sorted(((sig.split(":", 1)[1], row) for sig, row in signals.items()
                    if sig.startswith("category:")), key=lambda item: -(item[1].get("idf") or 0))
    if not kinds:
        kinds = sorted(((sig.split(":", 1)[1], row) for sig, row in signals.items()
                        if sig.startswith("concept:")), key=lambda item: -(item[1].get("idf") or 0))
    for name, _ in kinds[:1]:
        if name in table:
            return name
        found = next((key for key in table if key not in ("default", "local")
                      and name.startswith(key)), None)
        if found:
            return found
    # The kind the vocabulary reads in the category or name (歯科, "Family Dental": dentist).
    for sig in signals:
        if sig.startswith("kind:") and sig[5:] in table:
            return sig[5:]
    # A register's label in another language or a long official phrase ("Consultorios
    # dentales del sector privado"): the English kind it holds.
    for name, _ in kinds[:1]:
        english = english_noun(name)
        if english in table:
            return str(english)
    return "default"


def attach_openers(db: Database, settings: Settings, expansion: Expansion,
                   seed_signals: dict[str, dict],
                   prospect_signals: dict[int, dict[str, dict]] | None = None,
                   operators: Mapping[int, int] | None = None) -> None:
    """Give every prospect its reference, angle, opening line and who to ask for."""
    templates = load_templates(settings)
    ask_buyer = buyer_ask(db, settings, templates)
    clients = citable_clients(db)
    for client in clients:
        client["name"] = display_names({**client, "id": client["company_id"]}, settings.language)["name"]
    client_signals = signals_of(db, [c["company_id"] for c in clients])
    if prospect_signals is None:
        prospect_signals = signals_of(db, [p.company_id for p in expansion.prospects])
    language = settings.language
    for prospect in expansion.prospects:
        signals = prospect_signals.get(prospect.company_id, {})
        noun = entity_noun(prospect.sources)  # "Indian restaurants" from london_restaurants.csv
        # A local business of a kind the templates do not name (a cafe, an electrician) has
        # an owner or a manager, not a sales department ("local"; else "default").
        # (A curated concept is a firm's line of business: a REIT is no corner shop.)
        kinds = kinds_of(signals)
        local = is_local(kinds) and "concept" not in kinds and not _office_business(signals)
        ask_for = ask_buyer
        if ask_for is None:  # a sales buyer: the sales role of this kind of business
            ask_key = _kind_key(signals, templates.get("ask_for", {}), local=local)
            if ask_key in ("default", "local") and noun in templates.get("ask_for", {}):
                ask_key = noun  # what the list itself says its rows are: law firms
            ask_for = templates.get("ask_for", {}).get(ask_key) or templates["ask_for"]["default"]
        problem_key = _kind_key(signals, templates.get("problem", {}), local=local)
        problem = templates.get("problem", {}).get(problem_key) \
            or templates.get("problem", {}).get("default", "")
        owner = (operators or {}).get(prospect.company_id)
        found = closest_reference(signals, clients, client_signals, prospect.company_id,
                                  () if owner is None else (owner,))
        # (the name said on the phone: no "Pty Ltd", no 医療法人社団 ○○会 before the clinic)
        values = {"company": spoken_name(prospect.name), "ask_for": ask_for, "problem": problem}
        if found:
            client, shared = found
            shared_signals = {s: signals[s] for s in shared}
            values["peers"] = peer_phrase(shared_signals, language, list_noun=noun,
                                          hotel=_a_hotel(signals))
            prospect.reference = {"company_id": client["company_id"], "name": cite(client),
                                  "referenceable": bool(client["referenceable"]),
                                  "shared": sorted(signals[s]["label"] for s in shared)}
            if client["referenceable"]:
                prospect.angle = "named_reference"
                values["reference"] = spoken_name(client["name"])
                ref_seg = peer_phrase(shared_signals, language, plural=False,
                                      list_noun=noun, hotel=_a_hotel(signals))
                if language == "ja" and "の" in ref_seg and values["reference"].startswith(
                        ref_seg.rsplit("の", 1)[1]):
                    # (東京都の焼肉 まるよし, not 東京都の焼肉の焼肉 まるよし)
                    ref_seg = ref_seg.rsplit("の", 1)[0]
                values["reference_segment"] = (f"another {ref_seg}" if language == "en" else ref_seg)
                story = (client["story"] or "").strip()
                clause = templates["angle"]["named_reference"].get("story_clause", "")
                values["story_clause"] = clause.format(story=story) if story else ""
            else:
                prospect.angle = "anonymous_peer"
                # One won client among the competitors the line names ("hotels in Kyoto"),
                # or several: said so (a ryokan client in Hakone is none of them).
                named = _phrase_signals(shared_signals)
                several = sum(1 for c in clients if c["company_id"] != prospect.company_id
                              and named <= client_signals.get(c["company_id"], {}).keys()
                              and _competes(signals, client_signals.get(c["company_id"], {}))) > 1
                angle = templates["angle"]["anonymous_peer"]
                for key in ("competitors", "teams"):
                    forms = angle.get(key) or ["", ""]
                    values[key] = forms[1 if several else 0]
        else:
            prospect.angle = "segment"
            base = {s: signals[s] for s in signals if s in seed_signals} if seed_signals else signals
            values["peers"] = peer_phrase(base or signals, language, list_noun=noun)
        angle_lines = templates["angle"][prospect.angle]
        text = (local and angle_lines.get("local_text")) or angle_lines["text"]
        prospect.opening_line = _fill(text, values)
        if owner is not None:
            # A won client's own other site: the same customer, warmly, not as a competitor
            # (it had been told "like your competitor ..." or cited another client to it).
            sister = [c for c in clients if c["company_id"] == owner]
            called = spoken_name(sister[0]["name"]) if sister and sister[0]["referenceable"] else ""
            lines = _SISTER_SITE.get(language, _SISTER_SITE["en"])
            prospect.angle = "sister_site"
            prospect.reference = None
            prospect.opening_line = (lines[0].format(client=called, company=values["company"])
                                     if called else lines[1].format(company=values["company"]))
        prospect.ask_for = _fill(templates["gatekeeper"]["text"], values)


# The opener for a won client's own other site, by language: the client named (where its
# consent allows), and not.
_SISTER_SITE = {
    "en": ("We already work with your colleagues at {client}, and would like to do the same "
           "for {company}.",
           "We already work with another site of your group, and would like to do the same for "
           "{company}."),
    "ja": ("同じグループの{client}様には既に弊社をご利用いただいております。{company}様でもぜひご一緒できればと思いご連絡しました。",
           "同じグループの別の拠点様には既に弊社をご利用いただいております。{company}様でもぜひご一緒できればと思いご連絡しました。"),
    "de": ("Wir arbeiten bereits mit Ihren Kollegen von {client} zusammen und würden das gern "
           "auch für {company} tun.",
           "Wir arbeiten bereits mit einem anderen Standort Ihrer Gruppe zusammen und würden das "
           "gern auch für {company} tun."),
    "fr": ("Nous travaillons déjà avec vos collègues de {client}, et aimerions faire de même "
           "pour {company}.",
           "Nous travaillons déjà avec un autre établissement de votre groupe, et aimerions "
           "faire de même pour {company}."),
    "es": ("Ya trabajamos con sus compañeros de {client} y nos gustaría hacer lo mismo con "
           "{company}.",
           "Ya trabajamos con otro centro de su grupo y nos gustaría hacer lo mismo con "
           "{company}."),
    "pt": ("Já trabalhamos com os seus colegas da {client} e gostaríamos de fazer o mesmo "
           "pela {company}.",
           "Já trabalhamos com outra unidade do seu grupo e gostaríamos de fazer o mesmo pela "
           "{company}."),
}


def buyer_ask(db: Database, settings: Settings, templates: dict[str, Any]) -> str | None:
    """Whom the switchboard is asked for when no one is named, from the buyer the user sells
    to: a title as the user wrote it ("院長" -> 院長様, "office manager" -> your office
    manager), the stock words for a kind of role (hr -> your HR manager); None for sales,
    whose words depend on the prospect's business (`[ask_for]`)."""
    from spider.contact_facts import buyer_kind, buyer_of, buyer_title

    buyer = buyer_of(db, settings)
    title = buyer_title(buyer)
    if title is not None:
        return (templates.get("ask_for_title", {}).get("text") or "{title}").format(title=title)
    kind = buyer_kind(buyer)
    if kind == "sales":
        return None
    return str(templates.get("ask_for_buyer", {}).get(kind) or
               _builtin_templates(settings.language).get("ask_for_buyer", {}).get(kind) or
               templates["ask_for"]["default"])


def attach_contacts(db: Database, settings: Settings, expansion: Expansion) -> None:
    """Who to ask for by name, and a phone where the directories gave none, from the
    prospects' own pages (`spider enrich`): the person nearest the `buyer` setting; else the
    person the list itself names (a Leads export's First Name, Last Name and Title)."""
    from spider.contact_facts import best_contacts

    if not expansion.prospects:
        return
    found = best_contacts(db, settings, [p.company_id for p in expansion.prospects])
    if not found:
        return
    templates = load_templates(settings).get("gatekeeper_person", {})
    for prospect in expansion.prospects:
        contact = found.get(prospect.company_id)
        if contact is None:
            continue
        if not prospect.phone and contact.phone:
            prospect.phone = contact.phone
        if not prospect.address and contact.address:
            prospect.address = contact.address
        if not prospect.postal_code and contact.postal_code:
            prospect.postal_code = contact.postal_code
        if contact.person:
            prospect.contact, prospect.contact_role = contact.person, contact.role
            prospect.contact_source = contact.person_url
            asked = ask_for_person(templates, contact.person, contact.role)
            if asked:
                prospect.ask_for = asked


def ask_for_person(templates: dict[str, str], person: str, role: str) -> str:
    """The line asking for PERSON by name, with their ROLE where one is known (a list's
    代表者氏名 names the person, and its header the role; a bare "Contact" column does not):
    the `gatekeeper_person` template's `text`, or its `no_role`."""
    template = templates.get("text", "") if role else templates.get("no_role", "")
    if not template and not role and templates.get("text"):
        # (a user's template without `no_role`: the role's words and their marks left out)
        template = re.sub(r"\s*[(（]?\{role\}[)）]?\s*(?:の|,)?\s*", " ", templates["text"])
    return _fill(template, {"person": person, "role": role}) if template else ""


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _fill(template: str, values: dict[str, str]) -> str:
    text = " ".join(template.format_map(_Blank(values)).split())
    # A name ending in a period ("Co., Ltd.") before the template's own full stop.
    return re.sub(r"(?<!\.)\.\.(?!\.)", ".", text)
