"""Extractors: a directory page's HTML in, record dicts (in the `spider.fields` vocabulary) out.

Pure functions, no network and no database. Tried in order and combined on one page:
schema.org JSON-LD and microdata, HTML tables with header detection, declarative recipes
(CSS selectors in TOML), and, when nothing else found a list, repeated list/card items.
A malformed JSON-LD block or a broken item is reported in `PageData.errors` and loses only itself.
"""

from __future__ import annotations

import bisect
import json
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from spider.errors import InputError
from spider.fields import FIELDS, HEADER_ALIASES, fold_header

PARSER = "html.parser"  # stdlib: no extra dependency
_BR = "\x1f"  # marks <br> and block boundaries inside a cell while taking its text
_WS = re.compile(r"\s+")
_PHONE = re.compile(
    r"(?<![\d-])(?:\+?\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)\s?|\d{1,4}[\s.-])\d{1,4}[\s.-]\d{3,4}(?![\d-])"
)
_LABEL_VALUE = re.compile(r"^\s*([^:：]{1,20}?)\s*[:：]\s*(.+?)\s*$")
_NAV_WORDS = re.compile(
    r"nav|menu|breadcrumb|pager|paginat|footer|header|sidebar|banner|share|social", re.I
)
_NEXT_TEXT = re.compile(
    r"^\s*(next|next page|more|older|次へ|次のページ|次ページ|次の\d+件|次|»|›|>|>>|→)\s*[>»›→]*\s*$",
    re.I,
)
_PAGE_NOISE = (
    re.compile(r"\s*[-–|:]\s*\d{1,3}\s*/\s*\d{1,3}(?=\s*(?:[-–|:]|$))"),
    re.compile(r"[\(\[（【]\s*(?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?\s*[\)\]）】]", re.I),
    re.compile(r"[-–|:]?\s*(?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?\b", re.I),
    re.compile(r"[\(（【]?\s*(?:第\s*)?\d+\s*(?:ページ目?|頁)\s*[\)）】]?"),
)
_SKIP_LINK_EXT = (
    ".pdf",
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".svg",
    ".webp",
    ".zip",
    ".gz",
    ".xls",
    ".xlsx",
    ".csv",
    ".doc",
    ".docx",
    ".ppt",
    ".pptx",
    ".mp3",
    ".mp4",
    ".css",
    ".js",
    ".ico",
    ".xml",
    ".json",
    ".txt",
)
_ORG_TYPES = frozenset(
    {
        "organization",
        "corporation",
        "localbusiness",
        "hotel",
        "motel",
        "hostel",
        "resort",
        "inn",
        "lodgingbusiness",
        "bedandbreakfast",
        "restaurant",
        "store",
        "bankorcreditunion",
        "financialservice",
        "ngo",
        "airline",
        "campground",
        "professionalservice",
        "medicalclinic",
        "dentist",
        "physician",
        "foodestablishment",
        "cafeorcoffeeshop",
        "barorpub",
        "autodealer",
        "travelagency",
        "realestateagent",
        "insuranceagency",
        "legalservice",
        "accountingservice",
        "educationalorganization",
        "governmentorganization",
        "sportsorganization",
        "newsmediaorganization",
    }
)
_ORG_SUFFIXES = (
    "organization",
    "business",
    "store",
    "hotel",
    "restaurant",
    "service",
    "agency",
    "clinic",
    "shop",
    "office",
    "company",
)
# Columns whose unique values identify a row better than its position on the page.
_KEY_HEADERS = frozenset(
    fold_header(h)
    for h in (
        "cert",
        "id",
        "no",
        "no.",
        "code",
        "number",
        "key",
        "corporate_number",
        "法人番号",
        "番号",
        "コード",
        "company number",
        "registration number",
        "license",
        "licence",
        "license number",
        "登録番号",
        "証券コード",
        "銘柄コード",
    )
)


# --------------------------------------------------------------------------- charsets

_CHARSET_ALIASES = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "csshiftjis": "cp932",
    "windows-31j": "cp932",
    "cp932": "cp932",
    "ms932": "cp932",
    "euc-jp": "euc_jp",
    "eucjp": "euc_jp",
    "x-euc-jp": "euc_jp",
    "cseucpkdfmtjapanese": "euc_jp",
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([a-zA-Z0-9_.:-]+)", re.I)


def _codec(label: str | None) -> str | None:
    """Map a charset label to a Python codec (Shift_JIS means CP932 on the web, as in WHATWG)."""
    if not label:
        return None
    label = label.strip().lower()
    codec = _CHARSET_ALIASES.get(label, label)
    try:
        "".encode(codec)
    except LookupError:
        return None
    return codec


def _japanese_score(text: str) -> float:
    """Share of characters typical of Japanese text; mis-decodings score low (half-width kana, PUA)."""
    good = bad = 0
    for ch in text:
        o = ord(ch)
        if o < 0x80:
            continue
        if (
            0x3040 <= o <= 0x30FF
            or 0x4E00 <= o <= 0x9FFF
            or 0x3000 <= o <= 0x303F
            or 0xFF01 <= o <= 0xFF5E
        ):
            good += 1
        else:
            bad += 1
    return good / (good + bad) if good + bad else 1.0


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode a page: BOM, then the Content-Type charset, then a meta tag, then sniffing.

    Returns (text, codec). Sniffing tries UTF-8, then CP932 and EUC-JP (whichever reads as more
    Japanese-looking text), then charset-normalizer; it never raises.
    """
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", errors="replace"), "utf-8"
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body.decode("utf-16", errors="replace"), "utf-16"
    declared = None
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        declared = _codec(match.group(1)) if match else None
    if declared is None:
        match = _META_CHARSET.search(body[:4096])
        declared = _codec(match.group(1).decode("ascii", "ignore")) if match else None
    if declared is not None:
        try:
            return body.decode(declared), declared
        except UnicodeDecodeError:
            pass  # a wrong label is common: sniff instead
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    fits = []
    for codec in ("cp932", "euc_jp"):
        try:
            text = body.decode(codec)
        except UnicodeDecodeError:
            continue
        fits.append((_japanese_score(text), codec, text))
    if fits:
        _, codec, text = max(fits)
        return text, codec
    from charset_normalizer import from_bytes  # shipped with requests

    best = from_bytes(body).best()
    if best is not None:
        return str(best), best.encoding
    codec = declared or "utf-8"
    return body.decode(codec, errors="replace"), codec


# --------------------------------------------------------------------------- text helpers


def clean(text: Any) -> str:
    """Collapse whitespace (including NBSP and ideographic space) and strip."""
    if text is None:
        return ""
    return _WS.sub(" ", str(text).replace("\xa0", " ").replace("\u3000", " ")).strip()


def _lines(tag: Tag) -> list[str]:
    """A tag's text split at <br> and block children: 'Name<br>En Espanol' -> ['Name', 'En Espanol']."""
    parts: list[str] = []
    for node in tag.descendants:
        if isinstance(node, Tag):
            if node.name in (
                "br",
                "p",
                "div",
                "li",
                "dd",
                "dt",
                "tr",
                "h1",
                "h2",
                "h3",
                "h4",
                "h5",
                "h6",
            ):
                parts.append(_BR)
            continue
        if node.parent is not None and node.parent.name in ("script", "style", "template"):
            continue
        if type(node).__name__ in (
            "Comment",
            "Doctype",
            "CData",
            "ProcessingInstruction",
            "Declaration",
        ):
            continue
        parts.append(str(node))
    return [line for line in (clean(s) for s in "".join(parts).split(_BR)) if line]


def _text(tag: Tag) -> str:
    return " ".join(_lines(tag))


def strip_page_number(text: str) -> str:
    """'Business hotels in Ikebukuro (page 2)' -> 'Business hotels in Ikebukuro', so pages co-list."""
    for pattern in _PAGE_NOISE:
        text = pattern.sub(" ", text)
    return clean(text).strip(" -–|:")


def absolute_url(base: str, href: str | None) -> str | None:
    """An absolute http(s) URL without fragment, or None for mailto:, javascript:, tel: and the like."""
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    url = urldefrag(urljoin(base, href))[0]
    return url if urlsplit(url).scheme in ("http", "https") else None


def looks_like_page(url: str) -> bool:
    """False for links that are obviously not HTML (PDF, images, archives): never worth a request."""
    return not urlsplit(url).path.lower().endswith(_SKIP_LINK_EXT)


def _is_nav(tag: Tag) -> bool:
    for node in [tag, *tag.parents]:
        if not isinstance(node, Tag):
            continue
        if node.name in ("nav", "header", "footer", "aside"):
            return True
        marks = (
            " ".join(node.get("class") or [])
            + " "
            + str(node.get("id") or "")
            + " "
            + str(node.get("role") or "")
        )
        if _NAV_WORDS.search(marks):
            return True
    return False


# --------------------------------------------------------------------------- page data


@dataclass
class PageData:
    """What one page yields: its records, its title, the links to follow, and what went wrong."""

    url: str
    title: str = ""
    records: list[dict[str, Any]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    next_links: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    encoding: str = ""


_HEADINGS: dict[int, tuple[Any, dict[int, int], list[int], list[Tag], list[int], list[Tag]]] = {}


def _previous_headings(tag: Tag) -> tuple[Tag | None, Tag | None]:
    """The nearest <h1> before `tag`, and the nearest <h2>-<h4> after that <h1> and before `tag`.

    Document positions are indexed once per page, so naming the list of 500 items stays linear.
    """
    root = tag
    while root.parent is not None:
        root = root.parent
    cached = _HEADINGS.get(id(root))
    if cached is None or cached[0] is not root:
        order: dict[int, int] = {}
        h1_at, h1s, sec_at, secs = [], [], [], []
        for i, node in enumerate(root.find_all(True)):
            order[id(node)] = i
            if node.name == "h1":
                h1_at.append(i)
                h1s.append(node)
            elif node.name in ("h2", "h3", "h4"):
                sec_at.append(i)
                secs.append(node)
        _HEADINGS.clear()  # keep one page's index alive, not every page's tree
        cached = _HEADINGS[id(root)] = (root, order, h1_at, h1s, sec_at, secs)
    _, order, h1_at, h1s, sec_at, secs = cached
    at = order.get(id(tag))
    if at is None:  # not indexed (added later): walk back the slow way
        h1 = tag.find_previous("h1")
        sec = tag.find_previous(["h2", "h3", "h4"])
        return h1, sec if sec is not None and (
            h1 is None or h1 in sec.find_all_previous("h1")
        ) else None
    i = bisect.bisect_left(h1_at, at) - 1
    j = bisect.bisect_left(sec_at, at) - 1
    h1 = h1s[i] if i >= 0 else None
    sec = secs[j] if j >= 0 and (i < 0 or sec_at[j] > h1_at[i]) else None
    return h1, sec


def list_title(tag: Tag | None, page_title: str, recipe_title: str | None = None) -> str:
    """Name the list an element sits in: page title and heading, without page numbers."""
    if recipe_title:
        return recipe_title
    heading = section = ""
    if tag is not None:
        h1, sec = _previous_headings(tag)
        heading = _text(h1) if h1 is not None else ""
        section = _text(sec) if sec is not None else ""
    title = strip_page_number(page_title)
    heading, section = strip_page_number(heading), strip_page_number(section)
    base = heading or title
    if heading and title and fold_header(heading) in fold_header(title):
        base = title
    if section and fold_header(section) not in fold_header(base):
        base = f"{base} — {section}" if base else section
    return base


def extract_page(
    html: str | bytes, url: str, *, recipe: Recipe | None = None, content_type: str | None = None
) -> PageData:
    """Run every extractor on a list page and collect records, links and errors."""
    encoding = ""
    if isinstance(html, bytes):
        html, encoding = decode_html(html, content_type)
    soup = BeautifulSoup(html, PARSER)
    base = url
    base_tag = soup.find("base", href=True)
    if base_tag is not None:
        base = absolute_url(url, base_tag["href"]) or url
    page = PageData(
        url=url, title=clean(soup.title.get_text()) if soup.title else "", encoding=encoding
    )
    for tag in soup(["script", "style", "template", "noscript"]):
        if not (tag.name == "script" and "ld+json" in str(tag.get("type", "")).lower()):
            tag.decompose()

    structured = _guard(
        page, "JSON-LD", lambda: extract_jsonld(soup, base, page.title, errors=page.errors)
    )
    structured += _guard(
        page, "microdata", lambda: extract_microdata_records(soup, base, page.title)
    )
    if recipe is not None:
        listed = list(
            _guard(
                page,
                "recipe",
                lambda: extract_with_recipe(soup, base, recipe, page.title, errors=page.errors),
            )
        )
    else:
        listed = list(
            _guard(
                page, "tables", lambda: extract_tables(soup, base, page.title, errors=page.errors)
            )
        )
        if not listed and not structured:
            listed = list(
                _guard(
                    page, "items", lambda: extract_items(soup, base, page.title, errors=page.errors)
                )
            )
    records = structured + listed
    _unique_rows(records)
    for rec in records:
        rec.setdefault("source", url)
        rec["list_url"] = url
    page.records = records
    page.next_links = find_next_links(soup, base, recipe=recipe)
    page.links = _links(soup, base, recipe=recipe)
    return page


def _guard(page: PageData, what: str, func) -> list[dict[str, Any]]:
    try:
        return list(func())
    except Exception as exc:  # one broken extractor never loses the others
        page.errors.append(f"{what}: {type(exc).__name__}: {exc}")
        return []


def _unique_rows(records: list[dict[str, Any]]) -> None:
    seen: Counter = Counter()
    for rec in records:
        row = str(rec.get("source_row") or "")
        seen[row] += 1
        if seen[row] > 1:
            rec["source_row"] = f"{row}#{seen[row]}"


def _links(soup: BeautifulSoup, base: str, *, recipe: Recipe | None = None) -> list[str]:
    anchors: Iterable[Tag]
    if recipe is not None and recipe.follow:
        anchors = [a for a in soup.select(recipe.follow) if a.name == "a"]
        anchors += [a for sel in soup.select(recipe.follow) for a in sel.find_all("a")]
    else:
        anchors = soup.find_all("a", href=True)
    out: list[str] = []
    seen: set[str] = set()
    for a in anchors:
        if "nofollow" in (a.get("rel") or []):
            continue
        url = absolute_url(base, a.get("href"))
        if url and url not in seen and looks_like_page(url):
            seen.add(url)
            out.append(url)
    return out


def find_next_links(soup: BeautifulSoup, base: str, *, recipe: Recipe | None = None) -> list[str]:
    """Pagination: rel=next, a 'next'/'次へ' link, and numbered page links in a pager."""
    found: list[str] = []

    def add(href: str | None) -> None:
        url = absolute_url(base, href)
        if url and url not in found and url != urldefrag(base)[0]:
            found.append(url)

    if recipe is not None and recipe.next:
        for tag in soup.select(recipe.next):
            add(tag.get("href"))
        return found
    for tag in soup.find_all(["a", "link"], href=True):
        if "next" in [r.lower() for r in (tag.get("rel") or [])]:
            add(tag["href"])
    for a in soup.find_all("a", href=True):
        text = clean(a.get_text()) or clean(a.get("aria-label")) or clean(a.get("title"))
        classes = " ".join(a.get("class") or [])
        if _NEXT_TEXT.match(text) or re.search(r"\bnext\b", classes, re.I):
            add(a["href"])
        elif re.fullmatch(r"\[?\d{1,4}\]?", text) and _in_pager(a):
            add(a["href"])
    return found


def _in_pager(a: Tag) -> bool:
    parent = a.parent
    for _ in range(3):
        if parent is None:
            return False
        marks = " ".join(parent.get("class") or []) + " " + str(parent.get("id") or "")
        if re.search(r"pag|pager|pages|nav", marks, re.I) or parent.name == "nav":
            return True
        numbered = [
            x for x in parent.find_all("a") if re.fullmatch(r"\[?\d{1,4}\]?", clean(x.get_text()))
        ]
        if len(numbered) >= 2:
            return True
        parent = parent.parent
    return False


# --------------------------------------------------------------------------- schema.org


def _type_name(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "").rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def is_org_type(type_value: Any) -> bool:
    types = type_value if isinstance(type_value, list) else [type_value]
    for t in types:
        name = _type_name(t).lower()
        if name in _ORG_TYPES or (
            name.endswith(_ORG_SUFFIXES) and name not in ("website", "webpage")
        ):
            return True
    return False


def _scalar(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(s for s in (_scalar(v) for v in value) if s)
    if isinstance(value, dict):
        for key in ("@value", "name", "value", "ratingValue", "@id", "url"):
            if key in value:
                return _scalar(value[key])
        return ""
    return clean(value) if value is not None else ""


def schema_to_record(node: dict[str, Any], base: str) -> dict[str, Any]:
    """Map one schema.org Organization/LocalBusiness/Hotel node (JSON-LD form) to a record."""
    rec: dict[str, Any] = {
        "name": _scalar(node.get("name")),
        "category": _type_name(node.get("@type")),
    }
    simple = {
        "legalName": "legal_name",
        "telephone": "phone",
        "description": "description",
        "postalCode": "postal_code",
        "email": "email",
        "faxNumber": "fax",
    }
    for key, fld in simple.items():
        if node.get(key):
            rec[fld] = _scalar(node[key])
    if node.get("url"):
        url = _scalar(node["url"])
        rec["website"] = absolute_url(base, url) or url
    addr = node.get("address")
    if isinstance(addr, list):
        addr = addr[0] if addr else None
    if isinstance(addr, dict):
        parts = {
            k: _scalar(addr.get(k))
            for k in (
                "streetAddress",
                "addressLocality",
                "addressRegion",
                "postalCode",
                "addressCountry",
            )
        }
        rec["address"] = parts["streetAddress"] or ", ".join(v for v in parts.values() if v)
        for key, fld in (
            ("addressLocality", "city"),
            ("addressRegion", "region"),
            ("postalCode", "postal_code"),
            ("addressCountry", "country"),
        ):
            if parts[key]:
                rec[fld] = parts[key]
    elif addr:
        rec["address"] = _scalar(addr)
    geo = node.get("geo")
    if isinstance(geo, dict):
        for key, fld in (("latitude", "lat"), ("longitude", "lon")):
            try:
                rec[fld] = float(_scalar(geo.get(key)))
            except ValueError:
                pass
    if node.get("starRating"):
        rec["rating"] = _scalar(node["starRating"])
    agg = node.get("aggregateRating")
    if isinstance(agg, dict):
        value, count = (
            _scalar(agg.get("ratingValue")),
            _scalar(agg.get("reviewCount") or agg.get("ratingCount")),
        )
        rec["aggregate_rating"] = f"{value} ({count} reviews)" if count else value
    for key, fld in (("brand", "brand"), ("parentOrganization", "group")):
        if node.get(key):
            rec[fld] = _scalar(node[key])
    if node.get("numberOfEmployees"):
        rec["employees"] = _scalar(node["numberOfEmployees"])
    handled = {
        "@type",
        "@context",
        "@id",
        "name",
        "url",
        "address",
        "geo",
        "starRating",
        "aggregateRating",
        "brand",
        "parentOrganization",
        "numberOfEmployees",
        "image",
        "logo",
        "potentialAction",
        "mainEntityOfPage",
        *simple,
    }
    for key, value in node.items():
        if key not in handled and not isinstance(value, dict):
            text = _scalar(value)
            if text:
                rec[key] = text
    rec["source_row"] = _scalar(node.get("@id")) or rec.get("website") or ""
    return {k: v for k, v in rec.items() if v not in ("", None)}


def _walk_schema(node: Any) -> Iterator[dict[str, Any]]:
    """Yield organisation nodes: top-level, in @graph, in ItemList elements, or nested (a broker)."""
    if isinstance(node, list):
        for child in node:
            yield from _walk_schema(child)
        return
    if not isinstance(node, dict):
        return
    if is_org_type(node.get("@type")) and node.get("name"):
        yield node
        return
    for key, value in node.items():
        if key in ("@context",):
            continue
        if key == "item" or isinstance(value, dict | list):
            yield from _walk_schema(value)


def extract_jsonld(
    soup: BeautifulSoup, base: str, page_title: str = "", *, errors: list[str] | None = None
) -> Iterator[dict[str, Any]]:
    """Records from <script type="application/ld+json"> blocks; a malformed block is skipped alone."""
    errors = errors if errors is not None else []
    index = 0
    for number, script in enumerate(soup.find_all("script", type=re.compile(r"ld\+json", re.I)), 1):
        raw = script.string or script.get_text() or ""
        try:
            data = json.loads(raw.strip().removeprefix("<!--").removesuffix("-->"), strict=False)
        except json.JSONDecodeError as exc:
            errors.append(
                f"JSON-LD block {number}: not valid JSON ({exc.msg} at line {exc.lineno})"
            )
            continue
        title = list_title(script, page_title)
        for node in _walk_schema(data):
            index += 1
            rec = schema_to_record(node, base)
            rec["source_row"] = rec.get("source_row") or f"jsonld:{index}"
            rec["list_title"] = title
            yield rec


def _microdata_value(tag: Tag, base: str) -> Any:
    if tag.has_attr("itemscope"):
        return microdata_item(tag, base)
    name = tag.name
    if name == "meta":
        return tag.get("content", "")
    if name in ("audio", "embed", "iframe", "img", "source", "track", "video"):
        return urljoin(base, tag.get("src", ""))
    if name in ("a", "area", "link"):
        return urljoin(base, tag.get("href", ""))
    if name == "object":
        return urljoin(base, tag.get("data", ""))
    if name in ("data", "meter"):
        return tag.get("value", "")
    if name == "time" and tag.has_attr("datetime"):
        return tag["datetime"]
    return clean(tag.get_text())


def microdata_item(scope: Tag, base: str) -> dict[str, Any]:
    """One microdata item in extruct's shape: {'type': ..., 'properties': {...}} (HTML microdata rules)."""
    props: dict[str, Any] = {}
    roots = [scope]
    for ref in str(scope.get("itemref") or "").split():
        target = scope.find_parent("html")
        found = (target or scope).find(id=ref) if target else None
        if found is not None:
            roots.append(found)

    def visit(node: Tag) -> None:
        for child in node.find_all(True, recursive=False):
            if child.has_attr("itemprop"):
                value = _microdata_value(child, base)
                for prop in str(child["itemprop"]).split():
                    if prop in props:
                        if not isinstance(props[prop], list):
                            props[prop] = [props[prop]]
                        props[prop].append(value)
                    else:
                        props[prop] = value
            if not child.has_attr("itemscope"):
                visit(child)

    for root in roots:
        if root is scope:
            visit(root)
        else:
            if root.has_attr("itemprop"):
                value = _microdata_value(root, base)
                for prop in str(root["itemprop"]).split():
                    props.setdefault(prop, value)
            visit(root)
    item: dict[str, Any] = {}
    types = str(scope.get("itemtype") or "").split()
    if types:
        item["type"] = types[0] if len(types) == 1 else types
    if scope.get("itemid"):
        item["id"] = scope["itemid"]
    item["properties"] = props
    return item


def extract_microdata(soup: BeautifulSoup, base: str) -> list[dict[str, Any]]:
    """Top-level microdata items (those that are not another item's property), extruct-style."""
    return [
        microdata_item(tag, base)
        for tag in soup.find_all(attrs={"itemscope": True})
        if not tag.has_attr("itemprop")
    ]


def _microdata_to_jsonld(item: Any) -> Any:
    if isinstance(item, list):
        return [_microdata_to_jsonld(v) for v in item]
    if not isinstance(item, dict) or "properties" not in item:
        return item
    node = {"@type": item.get("type", "")}
    if item.get("id"):
        node["@id"] = item["id"]
    node.update({k: _microdata_to_jsonld(v) for k, v in item["properties"].items()})
    return node


def extract_microdata_records(
    soup: BeautifulSoup, base: str, page_title: str = ""
) -> Iterator[dict[str, Any]]:
    """Records from microdata organisations, including nested ones (an Invoice's LocalBusiness broker)."""
    index = 0
    for tag in soup.find_all(attrs={"itemscope": True}):
        if tag.has_attr("itemprop"):
            continue
        for node in _walk_schema(_microdata_to_jsonld(microdata_item(tag, base))):
            index += 1
            rec = schema_to_record(node, base)
            rec["source_row"] = rec.get("source_row") or f"microdata:{index}"
            rec["list_title"] = list_title(tag, page_title)
            yield rec


# --------------------------------------------------------------------------- tables


def _cells(tr: Tag) -> list[Tag | None]:
    """A row's cells by column; a colspan cell fills its first column, the rest stay empty."""
    out: list[Tag | None] = []
    for cell in tr.find_all(["td", "th"], recursive=False):
        try:
            span = max(1, min(int(cell.get("colspan", 1)), 50))
        except (TypeError, ValueError):
            span = 1
        out.extend([cell] + [None] * (span - 1))
    return out


def _header_row(rows: list[Tag]) -> int | None:
    """Index of the header row: a <thead> row, a row of <th>, or a first row of short labels."""
    for i, tr in enumerate(rows[:3]):
        cells = [c for c in _cells(tr) if c is not None]
        if len(cells) >= 2 and (
            tr.find_parent("thead") is not None or all(c.name == "th" for c in cells)
        ):
            return i
    if len(rows) >= 3:
        cells = [_text(c) for c in _cells(rows[0]) if c is not None]
        if len(cells) >= 2 and all(
            c and len(c) <= 40 and not re.search(r"\d{3,}", c) for c in cells
        ):
            if any(fold_header(c) in HEADER_ALIASES for c in cells):
                return 0
    return None


def _key_column(headers: list[str], rows: list[dict[str, str]]) -> str | None:
    for header in headers:
        folded = fold_header(header)
        if folded in _KEY_HEADERS or HEADER_ALIASES.get(folded) == "corporate_number":
            values = [r.get(header, "") for r in rows]
            if all(values) and len(set(values)) == len(values):
                return header
    return None


def extract_tables(
    soup: BeautifulSoup, base: str, page_title: str = "", *, errors: list[str] | None = None
) -> Iterator[dict[str, Any]]:
    """Records from each data table: header detection, column -> field mapping, a key column if any."""
    from spider.fields import map_headers

    errors = errors if errors is not None else []
    for t_index, table in enumerate(soup.find_all("table"), 1):
        if table.find("table") is not None or table.find(attrs={"itemscope": True}) is not None:
            continue  # a layout table, or one whose rows are microdata items already taken
        rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
        head = _header_row(rows)
        if head is None:
            continue
        headers = [
            (_text(c) if c is not None else "") or f"column {i + 1}"
            for i, c in enumerate(_cells(rows[head]))
        ]
        headers = [h if headers.count(h) == 1 else f"{h} {i + 1}" for i, h in enumerate(headers)]
        mapping = map_headers(headers)
        if "name" not in mapping.values():
            first_text = next((h for h in headers if mapping[h] == h), None)
            if first_text is None:
                continue
            mapping[first_text] = "name"
        name_col = next(h for h, f in mapping.items() if f == "name")
        title = list_title(table, page_title)
        raw_rows: list[tuple[int, dict[str, str], dict[str, Any]]] = []
        for r_index, tr in enumerate(rows[head + 1 :], 1):
            try:
                cells = _cells(tr)
                if (
                    not cells
                    or all(c is None or c.name == "th" for c in cells)
                    and r_index == 1
                    and len(rows) > 2
                ):
                    continue
                values: dict[str, str] = {}
                links: dict[str, Any] = {}
                for header, cell in zip(headers, cells, strict=False):
                    if cell is None:
                        continue
                    lines = _lines(cell)
                    if header == name_col:
                        values[header] = lines[0] if lines else ""
                    else:  # <br>-separated values: two acquirers, or an address over two lines
                        values[header] = (" " if mapping[header] == "address" else "; ").join(lines)
                    a = cell.find("a", href=True)
                    if a is not None:
                        links[header] = absolute_url(base, a["href"])
                if not values.get(name_col):
                    continue
                raw_rows.append((r_index, values, links))
            except Exception as exc:
                errors.append(f"table {t_index} row {r_index}: {type(exc).__name__}: {exc}")
        key = _key_column(headers, [v for _, v, _ in raw_rows])
        for r_index, values, links in raw_rows:
            rec: dict[str, Any] = {}
            for header, value in values.items():
                fld = mapping.get(header, header)
                if value and fld not in rec:
                    rec[fld] = value
                elif value:
                    rec[header] = value
            if links.get(name_col):
                rec["detail_url"] = links[name_col]
            for header, link in links.items():
                if mapping.get(header) == "website" and link:
                    rec["website"] = link
            rec["source_row"] = values[key] if key else f"table{t_index}:row{r_index}"
            rec["list_title"] = title
            yield rec


# --------------------------------------------------------------------------- repeated items


def _signature(tag: Tag) -> tuple[str, tuple[str, ...]]:
    return tag.name, tuple(sorted(tag.get("class") or []))


def find_item_groups(soup: BeautifulSoup) -> list[list[Tag]]:
    """Sibling elements sharing a tag and class, three or more, that look like listed companies."""
    scored: list[tuple[float, tuple, list[Tag]]] = []
    for parent in soup.find_all(True):
        if parent.name in (
            "table",
            "thead",
            "tbody",
            "tr",
            "select",
            "head",
            "html",
            "nav",
            "header",
            "footer",
            "form",
            "p",
            "span",
            "a",
        ):
            continue
        children = parent.find_all(True, recursive=False)
        if len(children) < 3:
            continue
        groups = Counter(_signature(c) for c in children)
        sig, count = groups.most_common(1)[0]
        if count < 3 or sig[0] in ("br", "hr", "option", "script", "img", "input", "meta", "link"):
            continue
        items = [c for c in children if _signature(c) == sig]
        texts = [_text(c) for c in items]
        if sum(1 for t in texts if len(t) >= 2 and not t.isdigit()) < 3 or _is_nav(parent):
            continue
        # Bare links ("<li><a>Ikebukuro hotels</a></li>") are navigation to more lists, not
        # companies: the crawler follows them. A bare-link member list needs a recipe.
        if sum(1 for c, t in zip(items, texts, strict=True) if _is_bare(c, t)) * 2 > len(items):
            continue
        avg = sum(min(len(t), 200) for t in texts) / len(texts)
        linked = sum(1 for c in items if c.find("a", href=True) is not None) / len(items)
        scored.append((count * avg * (1.5 if linked > 0.8 else 1.0), (sig, parent.name), items))
    if not scored:
        return []
    scored.sort(key=lambda x: -x[0])
    best_sig = scored[0][1]
    return [items for _, sig, items in scored if sig == best_sig]


def _is_bare(tag: Tag, text: str) -> bool:
    links = tag.find_all("a", href=True)
    return len(links) == 1 and clean(links[0].get_text()) == text


def _label_pairs(tag: Tag) -> dict[str, str]:
    """Label/value pairs inside an item or a detail page: dt/dd, 2-cell rows, 'TEL: ...' lines."""
    pairs: dict[str, str] = {}
    for dt in tag.find_all("dt"):
        dd = dt.find_next_sibling("dd")
        if dd is not None:
            pairs.setdefault(_text(dt), _text(dd))
    for tr in tag.find_all("tr"):
        cells = tr.find_all(["th", "td"], recursive=False)
        if len(cells) == 2:
            pairs.setdefault(_text(cells[0]), _text(cells[1]))
    for line in _lines(tag):
        match = _LABEL_VALUE.match(line)
        if match and not match.group(2).startswith("//"):
            pairs.setdefault(match.group(1), match.group(2))
    return pairs


def _fields_from_pairs(pairs: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for label, value in pairs.items():
        folded = fold_header(label).strip(" .")
        fld = HEADER_ALIASES.get(folded) or HEADER_ALIASES.get(folded.rstrip("番号"))
        if fld in FIELDS and value and fld not in out:
            out[fld] = value
    return out


def _website_link(tag: Tag, base: str) -> str | None:
    host = urlsplit(base).netloc.lower()
    external = None
    for a in tag.find_all("a", href=True):
        url = absolute_url(base, a["href"])
        if not url:
            continue
        label = clean(a.get_text()) + " " + " ".join(a.get("class") or [])
        if re.search(
            r"公式|official|website|homepage|ホームページ|ウェブサイト|サイト", label, re.I
        ):
            return url
        if external is None and urlsplit(url).netloc.lower() != host:
            external = url
    return external


def item_fields(tag: Tag, base: str) -> dict[str, Any]:
    """Phone, address, website and labelled fields found inside an item or on a detail page."""
    rec: dict[str, Any] = _fields_from_pairs(_label_pairs(tag))
    for node in tag.find_all(True, class_=True):
        for cls in node.get("class") or []:
            fld = HEADER_ALIASES.get(fold_header(cls.replace("-", " ")))
            if fld in FIELDS and fld not in rec and fld != "name":
                value = _text(node)
                value = _LABEL_VALUE.match(value).group(2) if _LABEL_VALUE.match(value) else value
                if value:
                    rec[fld] = value
    tel = tag.find("a", href=re.compile(r"^tel:", re.I))
    if "phone" not in rec and tel is not None:
        rec["phone"] = clean(tel["href"][4:])
    if "phone" not in rec:
        match = _PHONE.search(" ".join(_lines(tag)))
        if match:
            rec["phone"] = match.group(0)
    if "website" in rec and not rec["website"].startswith("http"):
        rec["website"] = _website_link(tag, base) or rec["website"]
    elif "website" not in rec:
        link = _website_link(tag, base)
        if link:
            rec["website"] = link
    if "postal_code" not in rec:
        match = re.search(r"〒\s?(\d{3}-?\d{4})", _text(tag))
        if match:
            rec["postal_code"] = match.group(1)
    if rec.get("address"):
        rec["address"] = re.sub(r"^〒\s?\d{3}-?\d{4}\s*", "", rec["address"])
    return rec


_NAME_SELECTORS = (
    "[itemprop=name]",
    "h1, h2, h3, h4, h5, h6",
    ".name, .title, .company, .hotel-name",
    "a[href]",
    "strong, b",
)


def _item_name(tag: Tag, selector: str | None = None) -> tuple[str, Tag | None, str | None]:
    """An item's name: from `selector` if given, else the first of _NAME_SELECTORS that has text."""
    for sel in (selector,) if selector else _NAME_SELECTORS:
        found = tag.select_one(sel)
        if found is not None and _text(found):
            return _lines(found)[0], found, sel
    if selector:
        return "", None, selector
    lines = _lines(tag)
    return (lines[0] if lines else ""), None, None


def extract_items(
    soup: BeautifulSoup, base: str, page_title: str = "", *, errors: list[str] | None = None
) -> Iterator[dict[str, Any]]:
    """Records from repeated list/card items: a name, its detail link, and the fields inside."""
    errors = errors if errors is not None else []
    host = urlsplit(base).netloc.lower()
    index = 0
    for items in find_item_groups(soup):
        title = list_title(items[0], page_title)
        # Where most items keep their name is where every item must: an item whose heading is
        # empty is broken, and its first line of text is no name.
        usual = Counter(_item_name(tag)[2] for tag in items).most_common(1)[0][0]
        for tag in items:
            index += 1
            try:
                name, name_tag, _ = _item_name(tag, usual)
                if not name or name.isdigit():
                    errors.append(f"item {index}: no name where the other items have theirs")
                    continue
                rec: dict[str, Any] = {"name": name, **item_fields(tag, base)}
                link = None
                if name_tag is not None:
                    link = name_tag if name_tag.name == "a" else name_tag.find("a", href=True)
                    link = link or name_tag.find_parent("a")
                detail = absolute_url(base, link.get("href")) if link is not None else None
                if detail and urlsplit(detail).netloc.lower() == host:
                    rec["detail_url"] = detail
                elif detail and "website" not in rec:
                    rec["website"] = detail
                rec["source_row"] = rec.get("detail_url") or f"item:{index}"
                rec["list_title"] = title
                yield rec
            except Exception as exc:
                errors.append(f"item {index}: {type(exc).__name__}: {exc}")


# --------------------------------------------------------------------------- recipes


@dataclass
class FieldSpec:
    """Where a recipe field comes from: a CSS selector (None = the item itself), an attribute, a regex."""

    css: str | None = None
    attr: str | None = None
    regex: str | None = None
    join: bool = False


@dataclass
class Recipe:
    """A declarative per-directory recipe (TOML): item selector, field selectors, next-page link."""

    name: str
    item: str
    fields: dict[str, FieldSpec]
    next: str | None = None
    follow: str | None = None
    detail_link: str | None = None
    detail: dict[str, FieldSpec] = field(default_factory=dict)
    key: str | None = None
    list_title: str | None = None
    scope: str | None = None
    set: dict[str, str] = field(default_factory=dict)
    path: str = ""


def _parse_spec(value: Any, where: str) -> FieldSpec:
    import soupsieve

    if isinstance(value, str):
        css, _, attr = value.rpartition("@") if "@" in value else (value, "", "")
        spec = FieldSpec(css=css.strip() or None, attr=attr.strip() or None)
    elif isinstance(value, dict):
        unknown = set(value) - {"css", "attr", "regex", "join"}
        if unknown:
            raise InputError(f"{where}: unknown keys {sorted(unknown)}; use css, attr, regex, join")
        spec = FieldSpec(
            css=value.get("css") or None,
            attr=value.get("attr") or None,
            regex=value.get("regex") or None,
            join=bool(value.get("join", False)),
        )
    else:
        raise InputError(f'{where}: write a CSS selector like "h2 a" or "a @href"')
    try:
        if spec.css:
            soupsieve.compile(spec.css)
        if spec.regex:
            re.compile(spec.regex)
    except (soupsieve.SelectorSyntaxError, re.error) as exc:
        raise InputError(f"{where}: bad selector or regex ({str(exc).splitlines()[0]})") from None
    return spec


RECIPE_KEYS = {
    "name",
    "item",
    "fields",
    "next",
    "follow",
    "detail_link",
    "detail",
    "key",
    "list_title",
    "scope",
    "set",
    "description",
}


def recipes_dir() -> Path:
    """The example recipes shipped inside the package."""
    return Path(__file__).parent / "recipes"


def load_recipe(path_or_name: str | Path) -> Recipe:
    """Read a recipe TOML file (or the name of a shipped one) and check every selector."""
    path = Path(path_or_name)
    if not path.exists():
        shipped = recipes_dir() / f"{path.name.removesuffix('.toml')}.toml"
        if not shipped.exists():
            names = ", ".join(sorted(p.stem for p in recipes_dir().glob("*.toml")))
            raise InputError(f"{path}: no such recipe file; give a TOML path or one of: {names}")
        path = shipped
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc}); fix the recipe") from None
    return parse_recipe(data, str(path))


def parse_recipe(data: dict[str, Any], where: str = "recipe") -> Recipe:
    unknown = set(data) - RECIPE_KEYS
    if unknown:
        raise InputError(
            f"{where}: unknown keys {sorted(unknown)}; allowed: {', '.join(sorted(RECIPE_KEYS))}"
        )
    if (
        not data.get("item")
        or not isinstance(data.get("fields"), dict)
        or "name" not in data["fields"]
    ):
        raise InputError(
            f'{where}: a recipe needs item = "CSS" and a [fields] table with a name selector'
        )
    for key in ("next", "follow", "detail_link"):
        if data.get(key):
            _parse_spec(data[key], f"{where}: {key}")
    _parse_spec(data["item"], f"{where}: item")
    return Recipe(
        name=str(data.get("name") or Path(where).stem),
        item=data["item"],
        fields={k: _parse_spec(v, f"{where}: fields.{k}") for k, v in data["fields"].items()},
        next=data.get("next"),
        follow=data.get("follow"),
        detail_link=data.get("detail_link"),
        detail={
            k: _parse_spec(v, f"{where}: detail.{k}") for k, v in (data.get("detail") or {}).items()
        },
        key=data.get("key"),
        list_title=data.get("list_title"),
        scope=data.get("scope"),
        set={k: str(v) for k, v in (data.get("set") or {}).items()},
        path=where,
    )


def apply_spec(tag: Tag, spec: FieldSpec, base: str) -> str:
    """One field's value from an element; URLs in href/src come back absolute."""
    nodes = tag.select(spec.css) if spec.css else [tag]
    if not spec.join:
        nodes = nodes[:1]
    values = []
    for node in nodes:
        if spec.attr:
            value = node.get(spec.attr)
            value = " ".join(value) if isinstance(value, list) else clean(value)
            if spec.attr in ("href", "src") and value:
                value = absolute_url(base, value) or value
        else:
            value = " ".join(_lines(node))
        if spec.regex and value:
            match = re.search(spec.regex, value)
            value = (
                (match.group(1) if match and match.groups() else match.group(0)) if match else ""
            )
        if value:
            values.append(value)
    return "; ".join(values)


def extract_with_recipe(
    soup: BeautifulSoup,
    base: str,
    recipe: Recipe,
    page_title: str = "",
    *,
    errors: list[str] | None = None,
) -> Iterator[dict[str, Any]]:
    """Records from a recipe: each element matching `item`, its fields by selector."""
    errors = errors if errors is not None else []
    for index, tag in enumerate(soup.select(recipe.item), 1):
        try:
            rec: dict[str, Any] = {
                k: apply_spec(tag, spec, base) for k, spec in recipe.fields.items()
            }
            rec = {k: v for k, v in rec.items() if v}
            if not rec.get("name"):
                errors.append(
                    f"recipe item {index}: no name (selector {recipe.fields['name'].css!r})"
                )
                continue
            if recipe.detail_link:
                link = apply_spec(tag, _parse_spec(recipe.detail_link, "detail_link"), base)
                if link:
                    rec["detail_url"] = absolute_url(base, link) or link
            elif "detail_url" not in rec:
                a = tag if tag.name == "a" else tag.find("a", href=True)
                url = absolute_url(base, a.get("href")) if a is not None else None
                if url and urlsplit(url).netloc.lower() == urlsplit(base).netloc.lower():
                    rec["detail_url"] = url
            for k, v in recipe.set.items():
                rec.setdefault(k, v)
            key = rec.get(recipe.key) if recipe.key else None
            if recipe.key and not key:
                key = (
                    apply_spec(tag, _parse_spec(recipe.key, "key"), base)
                    if recipe.key not in rec
                    else None
                )
            rec["source_row"] = key or rec.get("detail_url") or f"item:{index}"
            rec["list_title"] = list_title(tag, page_title, recipe.list_title)
            yield rec
        except Exception as exc:
            errors.append(f"recipe item {index}: {type(exc).__name__}: {exc}")


# --------------------------------------------------------------------------- detail pages

DETAIL_FIELDS = (
    "phone",
    "address",
    "website",
    "postal_code",
    "city",
    "region",
    "district",
    "country",
    "description",
    "employees",
    "corporate_number",
    "legal_name",
    "name_en",
    "name_kana",
    "lat",
    "lon",
)


def extract_detail(
    html: str | bytes, url: str, *, recipe: Recipe | None = None, content_type: str | None = None
) -> dict[str, Any]:
    """Fields that an item's detail page adds: phone, address, website and the like."""
    if isinstance(html, bytes):
        html, _ = decode_html(html, content_type)
    soup = BeautifulSoup(html, PARSER)
    for tag in soup(["script", "style", "template", "noscript"]):
        if not (tag.name == "script" and "ld+json" in str(tag.get("type", "")).lower()):
            tag.decompose()
    found: dict[str, Any] = {}
    if recipe is not None and recipe.detail:
        for k, spec in recipe.detail.items():
            value = apply_spec(soup, spec, url)
            if value:
                found[k] = value
    structured = list(extract_jsonld(soup, url)) + list(extract_microdata_records(soup, url))
    if len(structured) == 1:
        for k, v in structured[0].items():
            if k in DETAIL_FIELDS:
                found.setdefault(k, v)
    main = soup.find("main") or soup.find(attrs={"role": "main"}) or soup.body or soup
    for chrome in main.find_all(["nav", "header", "footer"]):
        chrome.decompose()
    for k, v in item_fields(main, url).items():
        if k in DETAIL_FIELDS:
            found.setdefault(k, v)
    return found


def merge_detail(record: dict[str, Any], detail: dict[str, Any]) -> dict[str, Any]:
    """Fill the item's missing fields from its detail page; what the list said is kept."""
    merged = dict(record)
    for k, v in detail.items():
        if v not in (None, "") and not merged.get(k):
            merged[k] = v
    return merged
