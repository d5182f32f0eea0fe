"""Extractors: a directory page's HTML in, record dicts (in the `spider.fields` vocabulary) out.

Pure functions, no network and no database. Tried in order and combined on one page:
schema.org JSON-LD and microdata, HTML tables with header detection, declarative recipes
(CSS selectors in TOML), and, when nothing else found a list, repeated list/card items.
A malformed JSON-LD block or a broken item is reported in `PageData.errors` and loses only itself.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from spider.crawl.decode import decode_html
from spider.crawl.html import (
    attr,
    clean,
    find_next_links,
    is_nav,
    list_title,
    page_links,
    parse_html,
    text_lines,
    text_of,
)
from spider.crawl.recipes import Recipe, apply_spec, extract_with_recipe
from spider.crawl.schemaorg import extract_jsonld, extract_microdata_records
from spider.crawl.urls import absolute_url
from spider.fields import FIELDS, HEADER_ALIASES, fold_header, map_headers

_PHONE = re.compile(
    r"(?<![\d-])(?:\+?\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)\s?|\d{1,4}[\s.-])\d{1,4}[\s.-]\d{3,4}(?![\d-])"
)
_LABEL_VALUE = re.compile(r"^\s*([^:：]{1,20}?)\s*[:：]\s*(.+?)\s*$")

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
    why_empty: str = ""  # when no records came out: what the page held, and what might help
    # The listed items' tag and class, and their parent's tag (its next page's items are those)
    items_shape: tuple | None = None



def extract_page(
    html: str | bytes, url: str, *, recipe: Recipe | None = None, content_type: str | None = None,
    items_shape: tuple | None = None,
) -> PageData:
    """Run every extractor on a list page and collect records, links and errors. ITEMS_SHAPE:
    the items of the page before it in its list (`PageData.items_shape`): on a last page,
    one or two of them are still the list's."""
    encoding = ""
    if isinstance(html, bytes):
        html, encoding = decode_html(html, content_type)
    soup = parse_html(html)
    base = url
    base_tag = soup.find("base", href=True)
    if base_tag is not None:
        base = absolute_url(url, attr(base_tag, "href")) or url
    page = PageData(
        url=url, title=clean(soup.title.get_text()) if soup.title else "", encoding=encoding
    )

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
                    page, "items", lambda: extract_items(soup, base, page.title, errors=page.errors,
                                                         shape=items_shape, seen=page)
                )
            )
    records = structured + listed
    _unique_rows(records)
    for rec in records:
        rec.setdefault("source", url)
        rec["list_url"] = url
    page.records = records
    page.next_links = find_next_links(soup, base, next_selector=recipe.next if recipe else None)
    page.links = page_links(soup, base, follow=recipe.follow if recipe else None)
    if not records:
        page.why_empty = _why_empty(soup, recipe, page)
    return page


def _why_empty(soup: BeautifulSoup, recipe: Recipe | None, page: PageData) -> str:
    """What a page without records held, in words, and what to try."""
    if recipe is not None:
        return (f"recipe {recipe.name!r}: its item selector {recipe.item!r} matched "
                f"{len(soup.select(recipe.item))} elements with a name; check the selectors "
                "against the page")
    tables = soup.find_all("table")
    held = [f"{len(tables)} table{'s' if len(tables) != 1 else ''} (none with a header row "
            "over a column of names)" if tables else "no table",
            "no list of three or more alike items", "no schema.org organisations"]
    hint = ("write a recipe naming the item and its name (--recipe FILE; examples in "
            "spider/recipes)")
    if len(page.links) >= 10:
        hint += (f"; it links to {len(page.links)} pages: if each company has its own page, "
                 "a recipe with detail_link, or --follow-details, reads them")
    return f"no records found: {', '.join(held)}; {hint}"


def _guard(page: PageData, what: str,
           func: Callable[[], Iterable[dict[str, Any]]]) -> list[dict[str, Any]]:
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


def _cells(tr: Tag) -> list[Tag | None]:
    """A row's cells by column; a colspan cell fills its first column, the rest stay empty."""
    out: list[Tag | None] = []
    for cell in tr.find_all(["td", "th"], recursive=False):
        try:
            span = max(1, min(int(attr(cell, "colspan", "1")), 50))
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
        labels = [text_of(c) for c in _cells(rows[0]) if c is not None]
        if len(labels) >= 2 and all(
            c and len(c) <= 40 and not re.search(r"\d{3,}", c) for c in labels
        ):
            if any(fold_header(c) in HEADER_ALIASES for c in labels):
                return 0
    return None


def _key_value_table(rows: list[Any]) -> bool:
    """Whether a table's first column holds field labels, row by row (店名, ジャンル, 住所,
    電話番号; Address, Phone): one business's own fields, whose labels are no company names."""
    lines = [cells for tr in rows if (cells := _cells(tr))]
    pairs = [cells for cells in lines if len(cells) == 2 and cells[0] is not None
             and fold_header(text_of(cells[0])) in HEADER_ALIASES]
    return len(pairs) >= 3 and len(pairs) >= 0.6 * len(lines)


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
    errors = errors if errors is not None else []
    for t_index, table in enumerate(soup.find_all("table"), 1):
        if table.find("table") is not None or table.find(itemscope=True) is not None:
            continue  # a layout table, or one whose rows are microdata items already taken
        rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
        if _key_value_table(rows):
            continue  # one business's own fields (店名 / ジャンル / 住所): a detail, no list
        head = _header_row(rows)
        if head is None:
            continue
        headers = [
            (text_of(c) if c is not None else "") or f"column {i + 1}"
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
                    lines = text_lines(cell)
                    if header == name_col:
                        values[header] = lines[0] if lines else ""
                    else:  # <br>-separated values: two acquirers, or an address over two lines
                        values[header] = (" " if mapping[header] == "address" else "; ").join(lines)
                    a = cell.find("a", href=True)
                    if a is not None:
                        links[header] = absolute_url(base, attr(a, "href"))
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
            # A row is known by its key column, else by its own page (a rename keeps the
            # page: the merges and won clients attached to the row stay with it), never by
            # where it stood in the table.
            rec["source_row"] = (values[key] if key else
                                 rec.get("detail_url") or f"table{t_index}:row{r_index}")
            rec["list_title"] = title
            yield rec


# --------------------------------------------------------------------------- repeated items


def _signature(tag: Tag) -> tuple[str, tuple[str, ...]]:
    return tag.name, tuple(sorted(tag.get("class") or []))


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def find_item_groups(soup: BeautifulSoup, shape: tuple | None = None) -> list[list[Tag]]:
    """Sibling elements sharing a tag and class, three or more, that look like listed
    companies; one or more where they are the items the list's page before held (SHAPE:
    their tag and class, and their parent's tag: a last page's one or two members)."""
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
        if len(children) < (1 if shape is not None else 2):
            continue
        groups = Counter(_signature(c) for c in children)
        sig, count = groups.most_common(1)[0]
        if sig[0] in ("br", "hr", "option", "script", "img", "input", "meta", "link"):
            continue
        items = [c for c in children if _signature(c) == sig]
        # Two items do where they are cards by their class, each with a heading (the last
        # page of a paginated list: "shop-card" twice); else three or more.
        least = 2 if sig[1] and all(c.find(_HEADINGS) is not None for c in items) else 3
        if shape is not None and (sig, parent.name) == shape:
            least = 1
        if count < least:
            continue
        texts = [text_of(c) for c in items]
        if sum(1 for t in texts if len(t) >= 2 and not t.isdigit()) < least or is_nav(parent):
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


# A link beside a value that is an action, not part of it: "大阪府大阪市北区... 地図を見る",
# "12 High St (View map)". By where it points or by its few words.
_MAP_HOSTS = re.compile(r"(?:^|\.)(?:maps?\.google\.[a-z.]+|google\.[a-z.]+/maps|goo\.gl/maps|"
                        r"maps\.app\.goo\.gl|map\.yahoo\.co\.jp|openstreetmap\.org|"
                        r"maps\.apple\.com|bing\.com/maps|mapion\.co\.jp|navitime\.co\.jp)", re.I)
_ACTION_WORDS = re.compile(r"^[\[(（【]?\s*(?:地図|マップ|map|maps|view map|show map|see map|"
                           r"directions|get directions|route|ルート|道順|アクセスマップ|"
                           r"地図を(?:見る|表示|開く)|地図で(?:見る|表示)|大きな地図|拡大地図|"
                           r"google ?マップ(?:で見る)?|google maps?)\s*[\])）】]?\s*[>›»]?$",
                           re.I)


def _value_text(cell: Tag) -> str:
    """A value cell's text without the action links beside the value (a map link)."""
    actions = [a for a in cell.find_all("a") if _ACTION_WORDS.match(clean(a.get_text()))
               or _MAP_HOSTS.search(attr(a, "href") or "")]
    if not actions:
        return text_of(cell)
    cell = copy.copy(cell)  # (the page's own tree keeps its links)
    for a in cell.find_all("a"):
        if _ACTION_WORDS.match(clean(a.get_text())) or _MAP_HOSTS.search(attr(a, "href") or ""):
            a.decompose()
    return text_of(cell).rstrip(" ,|-–:（(【[")


def _label_pairs(tag: Tag) -> dict[str, str]:
    """Label/value pairs inside an item or a detail page: dt/dd, 2-cell rows, 'TEL: ...' lines."""
    pairs: dict[str, str] = {}
    for dt in tag.find_all("dt"):
        dd = dt.find_next_sibling("dd")
        if dd is not None:
            pairs.setdefault(text_of(dt), _value_text(dd))
    for tr in tag.find_all("tr"):
        cells = tr.find_all(["th", "td"], recursive=False)
        if len(cells) == 2:
            pairs.setdefault(text_of(cells[0]), _value_text(cells[1]))
    for line in text_lines(tag):
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
        url = absolute_url(base, attr(a, "href"))
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
                value = text_of(node)
                labelled = _LABEL_VALUE.match(value)
                value = labelled.group(2) if labelled else value
                if value:
                    rec[fld] = value
    tel = tag.find("a", href=re.compile(r"^tel:", re.I))
    if "phone" not in rec and tel is not None:
        rec["phone"] = clean(attr(tel, "href")[4:])
    if "phone" not in rec:
        match = _PHONE.search(" ".join(text_lines(tag)))
        if match:
            rec["phone"] = match.group(0)
    if "website" in rec and not rec["website"].startswith("http"):
        rec["website"] = _website_link(tag, base) or rec["website"]
    elif "website" not in rec:
        link = _website_link(tag, base)
        if link:
            rec["website"] = link
    if "postal_code" not in rec:
        match = re.search(r"〒\s?(\d{3}-?\d{4})", text_of(tag))
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
        if found is not None and text_of(found):
            return text_lines(found)[0], found, sel
    if selector:
        return "", None, selector
    lines = text_lines(tag)
    return (lines[0] if lines else ""), None, None


def extract_items(
    soup: BeautifulSoup, base: str, page_title: str = "", *, errors: list[str] | None = None,
    shape: tuple | None = None, seen: PageData | None = None,
) -> Iterator[dict[str, Any]]:
    """Records from repeated list/card items: a name, its detail link, and the fields inside
    (SHAPE: the items of the list's page before, as `find_item_groups` takes it; SEEN: the
    page whose `items_shape` records the items read)."""
    errors = errors if errors is not None else []
    host = urlsplit(base).netloc.lower()
    index = 0
    for items in find_item_groups(soup, shape):
        if seen is not None and seen.items_shape is None:
            parent = items[0].parent
            seen.items_shape = (_signature(items[0]), parent.name if parent else "")
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
                detail = absolute_url(base, attr(link, "href")) if link is not None else None
                if detail and urlsplit(detail).netloc.lower() == host:
                    rec["detail_url"] = detail
                elif detail and "website" not in rec:
                    rec["website"] = detail
                rec["source_row"] = rec.get("detail_url") or f"item:{index}"
                rec["list_title"] = title
                yield rec
            except Exception as exc:
                errors.append(f"item {index}: {type(exc).__name__}: {exc}")


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
    soup = parse_html(html)
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
    main = soup.find("main") or soup.find(role="main") or soup.body or soup
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
