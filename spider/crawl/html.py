"""HTML helpers every extractor shares: text with line breaks kept, the title of the list an
element sits in, page links and pagination. Pure functions on BeautifulSoup trees.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urldefrag

from bs4 import BeautifulSoup, Tag

from spider.crawl.urls import absolute_url, looks_like_page
from spider.fields import fold_header

PARSER = "html.parser"  # stdlib: no extra dependency
_BR = "\x1f"  # marks <br> and block boundaries inside a cell while taking its text
_WS = re.compile(r"\s+")
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


def parse_html(html: str) -> BeautifulSoup:
    """A page's tree without scripts, styles and templates (JSON-LD scripts are kept)."""
    soup = BeautifulSoup(html, PARSER)
    for tag in soup(["script", "style", "template", "noscript"]):
        if not (tag.name == "script" and "ld+json" in str(tag.get("type", "")).lower()):
            tag.decompose()
    return soup


def attr(tag: Tag, name: str, default: str = "") -> str:
    """An attribute's value as text (a multi-valued one, such as class, joined by spaces)."""
    value = tag.get(name)
    if value is None:
        return default
    return " ".join(value) if isinstance(value, list) else str(value)


def clean(text: Any) -> str:
    """Collapse whitespace (including NBSP and ideographic space) and strip."""
    if text is None:
        return ""
    return _WS.sub(" ", str(text).replace("\xa0", " ").replace("\u3000", " ")).strip()


_LINE_BLOCKS = frozenset({"br", "p", "div", "li", "dd", "dt", "tr", "h1", "h2", "h3", "h4", "h5",
                          "h6"})


def text_lines(tag: Tag, blocks: frozenset[str] = _LINE_BLOCKS) -> list[str]:
    """A tag's text split at <br> and block children: 'Name<br>En Espanol' -> ['Name', 'En Espanol'].
    `blocks`: the tags that start a new line (more of them for a page read as prose)."""
    parts: list[str] = []
    for node in tag.descendants:
        if isinstance(node, Tag):
            if node.name in blocks:
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


def text_of(tag: Tag) -> str:
    return " ".join(text_lines(tag))


def strip_page_number(text: str) -> str:
    """'Business hotels in Ikebukuro (page 2)' -> 'Business hotels in Ikebukuro', so pages co-list."""
    for pattern in _PAGE_NOISE:
        text = pattern.sub(" ", text)
    return clean(text).strip(" -–|:")


def is_nav(tag: Tag) -> bool:
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


_SKIP_AT_MOST = 300  # item headings passed over looking for a list's own heading
_HEADINGS: dict[int, tuple[Any, dict[int, int], list[int], list[Tag], list[int], list[Tag]]] = {}


def _previous_headings(tag: Tag, skip: Callable[[Tag], bool] | None = None
                       ) -> tuple[Tag | None, Tag | None]:
    """The nearest <h1> before `tag`, and the nearest <h2>-<h4> after that <h1> and before `tag`
    that SKIP does not pass over (an item's own name heading: the items before it in its list
    each have one).

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
        if sec is not None and skip is not None and skip(sec):
            sec = None
        return h1, sec if sec is not None and (
            h1 is None or h1 in sec.find_all_previous("h1")
        ) else None
    i = bisect.bisect_left(h1_at, at) - 1
    j = bisect.bisect_left(sec_at, at) - 1
    if skip is not None:
        floor = max(j - _SKIP_AT_MOST, -1)  # (a list of 500 named items: bounded, not n^2)
        while j > floor and skip(secs[j]):
            j -= 1
        if j == floor and j >= 0:
            j = -1
    h1 = h1s[i] if i >= 0 else None
    sec = secs[j] if j >= 0 and (i < 0 or sec_at[j] > h1_at[i]) else None
    return h1, sec


def _in_an_item_before(heading: Tag, tag: Tag) -> bool:
    """Whether HEADING sits in an item of the list TAG is an item of (a sibling of its tag
    and class): an item's own name, not a heading of the list."""
    for ancestor in heading.parents:
        if ancestor.parent is tag.parent:
            return ancestor.name == tag.name and ancestor.get("class") == tag.get("class")
    return False


def list_title(tag: Tag | None, page_title: str, recipe_title: str | None = None) -> str:
    """Name the list an element sits in: page title and heading, without page numbers."""
    if recipe_title:
        return recipe_title
    heading = section = ""
    if tag is not None:
        h1, sec = _previous_headings(tag, skip=lambda heading: _in_an_item_before(heading, tag))
        heading = text_of(h1) if h1 is not None else ""
        section = text_of(sec) if sec is not None else ""
    title = strip_page_number(page_title)
    heading, section = strip_page_number(heading), strip_page_number(section)
    base = heading or title
    if heading and title and fold_header(heading) in fold_header(title):
        base = title
    if section and fold_header(section) not in fold_header(base):
        base = f"{base} — {section}" if base else section
    return base


def page_links(soup: BeautifulSoup, base: str, *, follow: str | None = None) -> list[str]:
    """Links worth following (no nofollow, no files): all, or those a recipe's `follow`
    selector picks (the anchors it selects and those inside what it selects)."""
    anchors: list[Tag]
    if follow:
        anchors = [a for a in soup.select(follow) if a.name == "a"]
        anchors += [a for sel in soup.select(follow) for a in sel.find_all("a")]
    else:
        anchors = soup.find_all("a", href=True)
    out: list[str] = []
    seen: set[str] = set()
    for a in anchors:
        if "nofollow" in (a.get("rel") or []):
            continue
        url = absolute_url(base, attr(a, "href"))
        if url and url not in seen and looks_like_page(url):
            seen.add(url)
            out.append(url)
    return out


def find_next_links(soup: BeautifulSoup, base: str, *, next_selector: str | None = None) -> list[str]:
    """Pagination: rel=next, a 'next'/'次へ' link, and numbered page links in a pager (or only
    what a recipe's `next` selector picks)."""
    found: list[str] = []

    def add(href: str | None) -> None:
        url = absolute_url(base, href)
        if url and url not in found and url != urldefrag(base)[0]:
            found.append(url)

    if next_selector:
        for tag in soup.select(next_selector):
            add(attr(tag, "href"))
        return found
    for tag in soup.find_all(["a", "link"], href=True):
        if "next" in [r.lower() for r in (tag.get("rel") or [])]:
            add(attr(tag, "href"))
    for a in soup.find_all("a", href=True):
        text = clean(a.get_text()) or clean(a.get("aria-label")) or clean(a.get("title"))
        classes = " ".join(a.get("class") or [])
        if _NEXT_TEXT.match(text) or re.search(r"\bnext\b", classes, re.I):
            add(attr(a, "href"))
        elif re.fullmatch(r"\[?\d{1,4}\]?", text) and _in_pager(a):
            add(attr(a, "href"))
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
