"""Contacts on a company's own pages: the switchboard phone, the address and postal code, and
the people the company names with their role, each with how it was found.

Pure functions on one page's HTML. `read_page` returns a `PageContacts`; `pick_pages` ranks a
page's links to the pages a person would open to find these (company profile, contact, access,
about, team, message from the president, press), in English and Japanese; `spider.people`
knows the titles and what kind of buyer each one is.

The rules read shapes, not sites: label/value pairs (会社概要 tables, definition lists,
"TEL: ..." lines), schema.org JSON-LD and microdata (Organization, Person with jobTitle),
"役職 氏名", "氏名（役職）", "Title: Name", "Name, Title" lines, a name line next to a role line
(team cards), and "営業本部長の田中 健が" / "said John Smith, Vice President of Sales" inside
sentences. A name must look like a person's (Japanese: 2-7 kanji/kana, no title or office
word; Latin: 2-4 capitalised words, none of them a common page word).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from spider.crawl.decode import decode_html
from spider.crawl.html import attr, clean, parse_html, text_lines
from spider.crawl.schemaorg import _microdata_to_jsonld, extract_microdata
from spider.crawl.urls import absolute_url, looks_like_page
from spider.people import (
    EN_NAME,
    EN_ROLE,
    JA_NAME,
    JA_ROLE,
    KANA,
    KANJI,
    _better,
    drop_bare_family_names,
    en_name,
    ja_kind,
    ja_name,
    name_key,
    person_name,
    person_name_strict,
    role_of,
)
from spider.text import JP_POSTAL

# -- what a page yields -----------------------------------------------------------------


@dataclass
class Person:
    name: str
    role: str
    kind: str
    rank: int
    how: str  # schema.org, label, line, pair of lines, sentence


@dataclass
class Phone:
    number: str
    score: float
    how: str


@dataclass
class PageContacts:
    url: str
    title: str = ""
    phones: list[Phone] = field(default_factory=list)
    postal_codes: list[tuple[str, str]] = field(default_factory=list)  # (code, how)
    addresses: list[tuple[str, str]] = field(default_factory=list)  # (address, how)
    people: list[Person] = field(default_factory=list)
    links: list[tuple[str, str, float]] = field(default_factory=list)  # (url, kind, score)
    websites: list[str] = field(default_factory=list)  # outbound "official site" links


# Links to the pages that name the company's people and numbers, by what they are.
_PAGE_WORDS: tuple[tuple[str, str, float], ...] = (
    ("profile", r"会社概要|会社案内|会社情報|企業情報|企業概要|法人概要|事務所概要|医院概要|"
                r"医院案内|クリニック概要|施設概要|ホテル概要|基本情報|corporate (?:profile|info)|"
                r"company (?:profile|info|overview)|(?:company|corporate) data|"
                r"\b(?:company|profile|corporate|gaiyou|gaiyo|outline|overview)\b", 5.0),
    ("team", r"役員紹介|役員一覧|スタッフ紹介|スタッフ|メンバー紹介|メンバー|ドクター紹介|医師紹介|"
             r"税理士紹介|弁護士紹介|人物紹介|組織図|\b(?:our )?(?:team|staff|people|leadership|"
             r"management|executives|officers|board|attorneys|lawyers|doctors|dentists|"
             r"partners|who we are)\b", 4.5),
    ("message", r"代表挨拶|社長挨拶|ごあいさつ|ご挨拶|挨拶|トップメッセージ|院長挨拶|院長紹介|"
                r"代表メッセージ|\b(?:message|greeting|our founder|president)\b", 4.0),
    ("contact", r"お問い合わせ|お問合せ|問い合わせ|問合せ|ご連絡|連絡先|"
                r"\bcontact(?: us)?\b|\bget in touch\b", 4.0),
    ("access", r"アクセス|交通案内|所在地|地図|拠点|事業所|店舗情報|"
               r"\b(?:access|directions|location|locations|find us|map|visit us|offices)\b", 3.5),
    ("about", r"私たちについて|当社について|当院について|当館について|わたしたち|"
              r"\babout(?: us)?\b|\bwho we are\b", 3.5),
    ("press", r"プレスリリース|ニュースリリース|お知らせ|ニュース|新着情報|"
              r"\b(?:press|news(?:room)?|media)\b", 1.0),
)
_PAGE_PATTERNS = [(kind, re.compile(p, re.I), w) for kind, p, w in _PAGE_WORDS]
_SKIP_LINK = re.compile(r"採用|求人|recruit|career|jobs|privacy|プライバシー|個人情報|"
                        r"sitemap|サイトマップ|login|ログイン|cart|カート|\.(?:pdf|jpe?g|png|gif|"
                        r"zip|docx?|xlsx?)$", re.I)


def link_kind(text: str, url: str) -> tuple[str, float] | None:
    """What a link leads to ('profile', 'contact', ...) and how much it is worth, from its
    words, else from its path; ('other', 0.2) for any other page; None for a page never
    worth reading (recruiting, privacy, a login, a file)."""
    text = clean(text)
    path = urlsplit(url).path.lower()
    if _SKIP_LINK.search(text) or _SKIP_LINK.search(path):
        return None
    for kind, pattern, weight in _PAGE_PATTERNS:
        if text and len(text) <= 40 and pattern.search(text):
            return kind, weight
    words = re.sub(r"[/_\-.]+", " ", path)
    for kind, pattern, weight in _PAGE_PATTERNS:
        if pattern.search(words):
            return kind, weight - 0.5
    if looks_like_page(url):
        return "other", 0.2  # the rest of a small site, read while the page cap allows
    return None


# -- phones, postal codes, addresses ------------------------------------------------------

_PHONE = re.compile(
    r"(?<![\d-])(?:\+\d{1,3}[\s.-]?(?:\(0\)\s?)?)?"
    r"(?:\(\d{1,5}\)\s?\d{1,4}[\s.-]?\d{3,4}"
    r"|0\d{1,4}[\s.-]\d{1,4}[\s.-]\d{3,4}"
    r"|0\d{1,4}\(\d{1,4}\)\d{3,4}"
    r"|\d{3}[\s.-]\d{3}[\s.-]\d{4}"
    r"|\d{1,4}[\s.-]\d{2,4}[\s.-]\d{3,4}"
    r"|0\d{9,10})(?![\d-])")
_GOOD_LABEL = re.compile(r"代表|本社|本店|電話|TEL|Tel\b|Phone|Telephone|Main|Office|Call|☎|℡",
                         re.I)
# A line of one site among several (a factory, a branch, a store): not the switchboard.
_BRANCH = re.compile(r"工場|支店|支社|営業所|出張所|店舗|倉庫|物流センター|[^本]店\s|"
                     r"\b(?:branch|factory|plant|warehouse|store|depot)\b", re.I)
_AFTER_MAIN = re.compile(r"\s*[（(]\s*(?:代表|本社|main|head office|switchboard)\s*[）)]", re.I)
_FAX = re.compile(r"FAX|Fax|ファックス|ファクス", re.I)
_BAD_LABEL = re.compile(r"採用|求人|recruit|career|hiring|jobs|携帯|mobile|cell|直通|direct|"
                        r"内線|ext\.?|"
                        r"お客様相談|support|サポート|修理", re.I)
_OTHER_LINE = re.compile(r"予約|reservations?|booking|フリーダイヤル|フリーコール|toll[- ]free|"
                         r"ナビダイヤル|新患|初診|new (?:patients?|customers?|clients?)", re.I)
_POSTAL_LABEL = re.compile(r"郵便番号\s*[:：]?\s*(\d{3})-(\d{4})")
_ZIP_US = re.compile(r"\b[A-Z]{2}\s+(\d{5}(?:-\d{4})?)\b")
_POSTCODE_UK = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})\b")
_ADDRESS_LABEL = re.compile(r"^(?:本社所在地|本社住所|本店所在地|所在地|住所|本社|本店|"
                            r"(?:head office |office |mailing |street )?address|"
                            r"head office|location|headquarters)$", re.I)
_JA_ADDRESS = re.compile(r"(?:北海道|東京都|京都府|大阪府|[^\s、。]{2,3}県)[^\s、。]{2,}"
                         r"[0-9０-９一二三四五六七八九十〇丁目番地号−－ー-]+")
_EN_STREET = re.compile(r"\b\d{1,6}(?:-\d+)?\s+(?:[A-Z][A-Za-z.']*\s+){0,4}(?:Street|St|Avenue|Ave|"
                        r"Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Way|Place|Pl|Court|Ct|Square|Sq|"
                        r"Parkway|Pkwy|Terrace|Row|Hill|Gardens|Broadway|Highway|Hwy)\b\.?[^\n]{0,80}")


def _phone_digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _phones_in(text: str, base: float, how: str) -> Iterator[Phone]:
    """Every phone number in one line of text, scored by the words just before it."""
    text = unicodedata.normalize("NFKC", text)
    last = 0
    for match in _PHONE.finditer(text):
        digits = _phone_digits(match.group(0))
        if not 9 <= len(digits) <= 15 or re.fullmatch(r"(19|20)\d{6}", digits):
            last = match.end()
            continue
        before = text[max(last, match.start() - 16):match.start()]
        after = _AFTER_MAIN.match(text, match.end())  # '03-3251-7701（代表）'
        yield Phone(match.group(0).strip(), _context_score(before, bool(after), digits, base),
                    how)
        last = after.end() if after else match.end()


def _context_score(before: str, main_after: bool, digits: str, base: float) -> float:
    """How much a number looks like the switchboard, from the words just before it and a
    '（代表）' just after: a fax never, a recruiting or direct line hardly, a free or
    reservations line or a branch's less, a labelled one more."""
    score = base
    if _FAX.search(before):
        score -= 10
    elif _BAD_LABEL.search(before):
        score -= 5
    elif _OTHER_LINE.search(before) or digits.startswith(("0120", "0800", "0570", "1800",
                                                          "1888", "1877", "1866")):
        score -= 1.5
    elif _BRANCH.search(before):
        score -= 1.5
    elif main_after or _GOOD_LABEL.search(before):
        score += 2
    if main_after:
        score += 1
    return score


def postal_codes_in(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text)
    found = [f"{a}-{b}" for a, b in JP_POSTAL.findall(text)]
    found += [f"{a}-{b}" for a, b in _POSTAL_LABEL.findall(text)]
    return found


def _clean_address(text: str) -> str:
    text = unicodedata.normalize("NFKC", clean(text))
    text = re.sub(r"^〒?\s?\d{3}\s?-\s?\d{4}\s*", "", text)
    text = re.split(r"\s*(?:TEL|Tel|Phone|電話|FAX|Fax|MAP|Map|地図|アクセス|Google)\b[\s.:：]*",
                    text)[0]
    return text.strip(" ,、/|")


# -- reading a page -------------------------------------------------------------------------


def read_page(body: bytes, url: str, content_type: str = "", *, people: bool = True,
              own: Sequence[str] = ()) -> PageContacts:
    """Everything one page says about reaching the company: phones, postal codes, addresses,
    people with roles (unless `people` is off), and links to the pages worth opening next.
    `own`: the company's names, so a title under another organisation's name ('講師：株式会社
    XYZ 代表取締役 佐藤 一郎', 'Mark Twain, CEO of Partner Inc') is not taken for one of its
    people."""
    html, _ = decode_html(body, content_type)
    soup = parse_html(html)
    out = PageContacts(url=url, title=clean(soup.title.get_text()) if soup.title else "")
    _read_schema(soup, url, out, people)
    pairs = _label_pairs(soup)
    for label, value in pairs:
        _read_pair(label, value, out, people)
    for tel in soup.find_all("a", href=re.compile(r"^\s*tel:", re.I)):
        number = clean(attr(tel, "href").split(":", 1)[1])
        # The words before the link in its line say what line it is, as for any number.
        before = ""
        for node in tel.previous_elements:
            if isinstance(node, Tag) and node.name in _PROSE_BLOCKS:
                break
            if isinstance(node, str):
                before = str(node) + before
                if len(before) > 24:
                    break
        after = clean(tel.next_sibling) if isinstance(tel.next_sibling, str) else ""
        score = _context_score(unicodedata.normalize("NFKC", clean(before))[-16:],
                               bool(_AFTER_MAIN.match(after)), _phone_digits(number), 3.0)
        out.phones.append(Phone(number, score, "tel: link"))
    lines = text_lines(soup.body or soup, _PROSE_BLOCKS)
    for line in lines:
        out.phones.extend(_phones_in(line, 0.0, "text"))
        for code in postal_codes_in(line):
            out.postal_codes.append((code, "text"))
        if "〒" in line:
            rest = _clean_address(line.split("〒", 1)[1])
            if rest and _JA_ADDRESS.search(unicodedata.normalize("NFKC", rest)):
                out.addresses.append((rest, "text after 〒"))
    for tag in soup.find_all("address"):
        text = " ".join(text_lines(tag))
        out.phones.extend(_phones_in(text, 0.5, "address"))
        address = _clean_address(text)
        if address:
            out.addresses.append((address, "<address>"))
    joined = "\n".join(lines)
    for match in _EN_STREET.finditer(joined):
        out.addresses.append((_clean_address(match.group(0)), "street line"))
    for zip_code in _ZIP_US.findall(joined):
        out.postal_codes.append((zip_code, "text"))
    for code in _POSTCODE_UK.findall(joined):
        if re.search(r"\d[A-Z]{2}$", code) and not re.fullmatch(r"[A-Z]{2}\d{3}[A-Z]{2}", code):
            out.postal_codes.append((code, "text"))
    _read_links(soup, url, out)
    if people:
        _drop_testimonials(soup)
        _read_lines(text_lines(soup.body or soup, _PROSE_BLOCKS), out, own)
    out.people = _unique_people(out.people)
    return out


# A page read for people breaks lines at every block, so a quote's <cite> or a card's <figcaption>
# is a line of its own.
_PROSE_BLOCKS = frozenset({"br", "p", "div", "li", "dd", "dt", "tr", "td", "th", "h1", "h2", "h3",
                           "h4", "h5", "h6", "blockquote", "cite", "figcaption", "figure",
                           "section", "article", "header", "footer", "aside", "nav", "ul", "ol",
                           "table", "address", "main", "caption", "small"})


_TESTIMONIAL_CLASS = re.compile(r"testimonial|review|voice|koe|jirei|case-?stud|success-?stor|"
                                r"client-?stor|customer-?stor|guestbook", re.I)
_TESTIMONIAL_HEADING = re.compile(
    r"お客様の声|お客さまの声|利用者の声|導入事例|活用事例|事例紹介|口コミ|クチコミ|レビュー|体験談|"
    r"testimonials?|reviews?|what (?:our )?(?:clients|customers|guests|patients) (?:say|said)|"
    r"case stud|success stor|client stor|customer stor|in their words", re.I)


def _drop_testimonials(soup: BeautifulSoup) -> None:
    """Take out what customers say (testimonials, reviews, case studies): the people named
    there work elsewhere. A block whose class or id says so goes whole; under a heading that
    says so, everything up to the next heading of its rank."""
    for tag in soup.find_all(True):
        if tag.decomposed or tag.name in ("html", "body", "main"):
            continue
        marks = " ".join([attr(tag, "class"), attr(tag, "id")])
        if marks.strip() and _TESTIMONIAL_CLASS.search(marks):
            tag.decompose()
    for heading in soup.find_all(re.compile(r"^h[1-4]$")):
        if heading.decomposed or not _TESTIMONIAL_HEADING.search(clean(heading.get_text(" "))):
            continue
        rank = heading.name
        for sibling in list(heading.find_next_siblings()):
            if isinstance(sibling, Tag) and re.fullmatch(r"h[1-4]", sibling.name or "") and \
                    sibling.name <= rank:
                break
            sibling.decompose()
        heading.decompose()


def _label_pairs(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """(label, value) from definition lists, two-cell table rows and 'Label: value' lines;
    a row of a header-and-cells table (役職 | 氏名) gives one pair per row."""
    pairs: list[tuple[str, str]] = []
    for dt in soup.find_all("dt"):
        dd = dt.find_next_sibling("dd")
        if dd is not None:
            pairs.append((clean(dt.get_text(" ")), "\n".join(text_lines(dd))))
    for tr in soup.find_all("tr"):
        cells = tr.find_all(["th", "td"], recursive=False)
        # A cell of several links is a page's menu beside its content (an old table layout:
        # 'トップ 医院案内 院長紹介 ...'), not a label.
        if len(cells) == 2 and len(cells[0].find_all("a", limit=2)) < 2:
            pairs.append((clean(cells[0].get_text(" ")), "\n".join(text_lines(cells[1]))))
    for table in soup.find_all("table"):
        rows = table.find_all("tr")
        if len(rows) < 2:
            continue
        head = [clean(c.get_text(" ")) for c in rows[0].find_all(["th", "td"], recursive=False)]
        role_col = next((i for i, h in enumerate(head) if re.search(r"役職|肩書|title|role|"
                                                                    r"position", h, re.I)), None)
        name_col = next((i for i, h in enumerate(head) if re.search(r"氏名|名前|name", h, re.I)),
                        None)
        if role_col is None or name_col is None or role_col == name_col:
            continue
        for tr in rows[1:]:
            texts = [clean(c.get_text(" ")) for c in tr.find_all(["th", "td"], recursive=False)]
            if len(texts) > max(role_col, name_col):
                pairs.append((texts[role_col], texts[name_col]))
    return pairs


def _read_pair(label: str, value: str, out: PageContacts, people: bool) -> None:
    folded = unicodedata.normalize("NFKC", label).strip(" :：")
    if re.search(r"^(?:代表)?(?:電話|TEL|Tel|Phone|Telephone|電話番号|代表電話|連絡先|Main)",
                 folded, re.I) and not _FAX.search(folded):
        for phone in _phones_in(value, 2.0, f"labelled {folded}"):
            out.phones.append(phone)
    if _ADDRESS_LABEL.match(folded):
        codes = postal_codes_in(value)
        out.postal_codes.extend((c, f"labelled {folded}") for c in codes)
        # The first line that is an address: not '本社' above it, nor a bare postal code.
        for line in value.split("\n"):
            text = _clean_address(line)
            if text and (_JA_ADDRESS.search(text) or re.search(r"\d", text)) and not \
                    JP_POSTAL.fullmatch(line.strip()):
                out.addresses.append((text, f"labelled {folded}"))
                break
    if re.fullmatch(r"郵便番号|postal code|zip(?: code)?|postcode", folded, re.I):
        out.postal_codes.append((unicodedata.normalize("NFKC", value).strip(" 〒"), "labelled"))
    if not people:
        return
    label_role = role_of(folded) if len(folded) <= 30 else None
    for line in value.split("\n"):
        found = list(_role_name_runs(line))
        if found:
            for name, role, kind in found:
                # The row's label is the title when it says more ('所長' over '（税理士）').
                if label_role is not None and len(found) == 1 and _better(label_role, kind):
                    role, kind = f"{folded} ({role})", label_role
                out.people.append(Person(name, role, *kind, how="label"))
            continue
        if label_role is not None:
            name = person_name_strict(re.sub(r"[（(][^）)]*[）)]", "", line).strip())
            if name and not re.search(r"代表者|氏名|name", folded, re.I) or (
                    name and label_role[0] == "ceo"):
                out.people.append(Person(name, folded, *label_role, how="label"))


def _ours(text: str, start: int, own: Sequence[str]) -> bool:
    """Whether a title at START is not under another organisation's name just before it
    ('株式会社ABC 購買部長 中村 健一 氏' is a customer's buyer)."""
    before = text[max(0, start - 30):start]
    found = list(_ORG.finditer(before))
    if not found:
        return True
    last = found[-1]
    # The organisation's name around its designator: the words next to it.
    org = before[max(0, last.start() - 12):].strip()
    return _is_own(org, own)


def _role_name_runs(text: str, own: Sequence[str] = (),
                    ) -> Iterator[tuple[str, str, tuple[str, int]]]:
    """(name, role, (kind, rank)) for each 'ROLE NAME' or 'NAME（ROLE）' run in one line."""
    text = unicodedata.normalize("NFKC", text).replace("\u3000", " ")
    for match in JA_ROLE.finditer(text):
        role = match.group(0).strip()
        kind = ja_kind(role)
        if kind is None or not _role_starts_word(text, match.start()) or not _ours(
                text, match.start(), own):
            continue
        rest = text[match.end():]
        after = re.match(r"(?:CEO|COO|CFO|CTO|CIO|CMO|CSO)?\s*[:：/・]?\s*", rest)
        if after and after.group(0).strip(" :：/・"):
            role += after.group(0).strip(" :：/・")
        rest = rest[after.end() if after else 0:]
        name = _leading_ja_name(rest)
        if name:
            yield name, role, kind
    for match in re.finditer(rf"([{KANJI}{KANA}][{KANJI}{KANA} ]{{1,8}}?)\s*[(（]([^)）]{{2,20}})[)）]",
                             text):
        name, role = ja_name(match.group(1).strip()), match.group(2)
        kind = role_of(role)
        if name and kind:
            yield name, role, kind


def _role_starts_word(text: str, start: int) -> bool:
    """A title starts a word: not the tail of a compound noun ('東京税理士会' names no tax
    accountant), though '当社', '弊社', '当院' may stand before it."""
    if start == 0:
        return True
    before = text[start - 1]
    return not re.match(rf"[{KANJI}\u30a1-\u30fa\u30fc]", before) or before in "社院館所校店"


def _leading_ja_name(text: str) -> str:
    """The Japanese name a text starts with ('山田 太郎 専務取締役 …' -> '山田 太郎')."""
    match = JA_NAME.match(text)
    if not match:
        return ""
    candidate = match.group(0)
    cut = JA_ROLE.search(candidate)
    if cut:
        candidate = candidate[: cut.start()].strip()
    # A given name runs on into the next word when nothing separates them: shorten until a
    # name is left ('田中健が' is no name, '田中健' is).
    while candidate and not ja_name(candidate, strict=True):
        candidate = candidate[:-1].rstrip()
    if len(candidate.replace(" ", "")) < 2:
        return ""
    follow = text[len(candidate):len(candidate) + 1]
    if follow and re.match(rf"[{KANJI}]", follow) and " " not in candidate:
        return ""  # cut inside a longer run of kanji: not a clear name
    return ja_name(candidate, strict=True)


_SPLIT = re.compile(r"\s*(?:,|，|、|\||｜|–|—|―|:|：|/|／|\s-\s)\s*")
_SENTENCE_JA = re.compile(rf"((?:{JA_ROLE.pattern}))(?:の|である|・)\s*"
                          rf"([{KANJI}]{{1,4}}[ \u3000]?[{KANJI}{KANA}]{{1,4}}?)"
                          r"(?=氏|様|さん|が|は|に|も|を|と|より|から|、|。|\s|$)")


_ORG = re.compile(r"株式会社|有限会社|合同会社|合資会社|（株）|\(株\)|㈱|㈲|社団法人|財団法人|"
                  r"医療法人|学校法人|税理士法人|弁護士法人|監査法人|協同組合|大学|病院|銀行")
_EN_ORG = re.compile(r"\b(?:Inc|Ltd|LLC|LLP|Corp|Corporation|Co|GmbH|plc|PLC|Company|Group|"
                     r"Holdings|Partners|Bank|University|Hospital)\b\.?")
_DEPARTMENTS = re.compile(r"\b(?:sales|marketing|business|development|operations|finance|people|"
                          r"human|resources|hr|it|technology|engineering|purchasing|procurement|"
                          r"communications|public|relations|revenue|commercial|global|national|"
                          r"international|north|south|east|west|europe|asia|americas|emea|apac|"
                          r"japan|events|catering|rooms|food|beverage|guest|services|"
                          r"accounts|key|corporate|group|the|and|&)\b", re.I)


def _own_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    text = _ORG.sub("", text)
    text = _EN_ORG.sub("", text)
    return re.sub(r"[\s.,・'’&-]", "", text).casefold()


def _is_own(org: str, own: Sequence[str]) -> bool:
    """Whether ORG (text naming an organisation) is the company itself."""
    key = _own_key(org)
    if not key:
        return True  # a designator alone ('当社', '（株）') names nobody else
    return any(k and (k in key or key in k) for k in (_own_key(o) for o in own))


def _read_lines(lines: list[str], out: PageContacts, own: Sequence[str] = ()) -> None:
    names_only: list[str | None] = []
    roles_only: list[tuple[str, tuple[str, int]] | None] = []
    for line in lines:
        norm = unicodedata.normalize("NFKC", line).replace("\u3000", " ")
        short = len(norm) <= 60
        name = _card_name(norm) if short else ""
        role = role_of(norm) if short and not name and _is_role_line(norm) else None
        names_only.append(name or None)
        roles_only.append((norm, role) if role else None)
        if short:
            for n, r, kind in _role_name_runs(norm, own):
                out.people.append(Person(n, r, *kind, how="line"))
            _en_pairs(norm, out, "line", own)
        else:
            _en_pairs(norm, out, "sentence", own)
        for match in _SENTENCE_JA.finditer(norm):
            said = ja_kind(match.group(1))
            named = ja_name(match.group(2), strict=" " not in match.group(2))
            if said and named and _role_starts_word(norm, match.start()) and \
                    _ours(norm, match.start(), own):
                out.people.append(Person(named, match.group(1), *said, how="sentence"))
    # Team cards: a name line beside a role line.
    for i, card_name in enumerate(names_only):
        if not card_name:
            continue
        for j in (i + 1, i - 1):
            beside = roles_only[j] if 0 <= j < len(lines) else None
            if beside is not None:
                out.people.append(Person(card_name, beside[0], *beside[1], how="card"))
                break


def _card_name(line: str) -> str:
    """A line that is a name and nothing else, or a Japanese name followed by its reading in
    Latin letters or brackets ('森本 拓也 Takuya Morimoto', '森本 拓也（もりもと たくや）')."""
    name = person_name_strict(line)
    if name:
        return name
    match = re.match(rf"([{KANJI}{KANA} ]+?)\s*(?:[A-Za-z].*|[（(].*[）)])$", line)
    return ja_name(match.group(1).strip(), strict=True) if match else ""


def _is_role_line(text: str) -> bool:
    """A line that is a title and nothing else ('Director of Sales', '営業部長', '代表取締役CEO')."""
    text = text.strip(" .")
    if len(text) > 50 or re.search(r"[。！？!?]|\d{2,}", text):
        return False
    bare = re.sub(r"[ ・兼/／]|(?:CEO|COO|CFO|CTO|CIO|CMO|CSO)$", "", text)
    if bare and JA_ROLE.fullmatch(bare):
        return True
    return _title_like(text.split()) and role_of(text) is not None


_TITLE_WORD = re.compile(r"(?:[A-Z][\w&/'’.-]*|of|and|&|the|for|de|du|la)$")


def _title_like(words: list[str]) -> bool:
    """Words as a job title is written: capitalised but for of, and, &, the."""
    return 0 < len(words) <= 8 and words[0][:1].isupper() and words[-1][:1].isupper() and all(
        _TITLE_WORD.match(w.strip(",")) for w in words)


def _elsewhere(role: str, following: str, own: Sequence[str]) -> bool:
    """Whether a title is held at another organisation: 'CEO of Partner Inc', or 'Sales
    Manager' followed by ', Fabrikam Ltd'."""
    match = re.search(r"\b(?:of|at)\s+(?:the\s+)?([A-Z][\w&.'-]*(?:\s+[A-Z][\w&.'-]*)*)\s*$", role)
    if match and not _DEPARTMENTS.search(match.group(1)) and not _is_own(match.group(1), own):
        return True
    return bool(following and _EN_ORG.search(following) and not _is_own(following, own))


def _en_pairs(text: str, out: PageContacts, how: str, own: Sequence[str] = ()) -> None:
    """'Name, Title', 'Title: Name', 'said Name, Title' and 'Title Name said' in one line;
    a title at another organisation names nobody of this one."""
    pieces = re.split(f"({_SPLIT.pattern})", text)
    parts, seps = pieces[::2], pieces[1::2]
    for i, (left, right) in enumerate(zip(parts, parts[1:], strict=False)):
        following = parts[i + 2] if i + 2 < len(parts) else ""
        name = _trailing_en_name(left)
        role = _leading_role(right)
        if name and role:
            if not _elsewhere(role[0], following, own):
                out.people.append(Person(name, role[0], *role[1], how=how))
            continue
        # 'Title: Name' reads one way only: a comma between them is a list, not a label.
        if not re.search(r"[:：]|\s[-–—]\s|[–—]", seps[i]):
            continue
        role = _trailing_role(left)
        name = _leading_en_name(right)
        if name and role and not _elsewhere(role[0], following, own):
            out.people.append(Person(name, role[0], *role[1], how=how))
    for match in re.finditer(rf"({EN_ROLE.pattern})\s+({EN_NAME.pattern})", text, re.I):
        name = en_name(match.group(2))
        if name and match.group(2)[:1].isupper():
            found = role_of(match.group(1))
            if found:
                out.people.append(Person(name, match.group(1), *found, how=how))


def _trailing_en_name(text: str) -> str:
    words = text.split()
    for size in (4, 3, 2):
        if len(words) >= size:
            name = en_name(" ".join(words[-size:]))
            if name:
                return name
    return ""


def _leading_en_name(text: str) -> str:
    words = text.split()
    for size in (4, 3, 2):
        if len(words) >= size:
            name = en_name(" ".join(words[:size]))
            if name:
                return name
    return ""


def _leading_role(text: str) -> tuple[str, tuple[str, int]] | None:
    """The job title a text starts with ('Vice President of Sales, who joined ...')."""
    text = re.split(r"[.;!?(（]|\s+(?:at|who|said|says|with|in|to|since|from|is|was|has)\s+",
                    text, maxsplit=1)[0].strip()
    words = re.sub(r"^(?:the|our)\s+", "", text, flags=re.I).split()
    for size in range(min(8, len(words)), 0, -1):
        if _title_like(words[:size]):
            role = " ".join(words[:size])
            found = role_of(role)
            return (role, found) if found else None
    return None


def _trailing_role(text: str) -> tuple[str, tuple[str, int]] | None:
    """The job title a text ends with ('Meet our Director of Sales')."""
    words = text.strip().split()
    for size in range(min(8, len(words)), 0, -1):
        if _title_like(words[-size:]):
            role = " ".join(words[-size:])
            found = role_of(role)
            return (role, found) if found else None
    return None


def _read_schema(soup: BeautifulSoup, url: str, out: PageContacts, people: bool) -> None:
    nodes: list[Any] = []
    for script in soup.find_all("script", type=re.compile(r"ld\+json", re.I)):
        try:
            nodes.append(json.loads((script.string or script.get_text() or "").strip()
                                    .removeprefix("<!--").removesuffix("-->"), strict=False))
        except json.JSONDecodeError:
            continue
    nodes.extend(_microdata_to_jsonld(item) for item in extract_microdata(soup, url))
    for node in _walk(nodes):
        kind = str(node.get("@type") or "").rsplit("/", 1)[-1].lower()
        phone = _text(node.get("telephone"))
        if phone and kind != "person":
            out.phones.append(Phone(phone, 3.0, f"schema.org {kind or 'node'} telephone"))
        address = node.get("address")
        if isinstance(address, dict):
            street = _text(address.get("streetAddress"))
            code = _text(address.get("postalCode"))
            if code:
                out.postal_codes.append((code.strip("〒 "), "schema.org postalCode"))
            parts = [_text(address.get(k)) for k in ("addressRegion", "addressLocality")]
            if street:
                ja = bool(re.search(rf"[{KANJI}]", street))
                full = ("".join(p for p in parts if p and p not in street) + street) if ja else \
                    ", ".join([street, *[p for p in parts[::-1] if p]])
                out.addresses.append((full, "schema.org address"))
        elif isinstance(address, str) and address.strip():
            out.addresses.append((_clean_address(address), "schema.org address"))
        if people and kind == "person":
            name = person_name(_text(node.get("name")))
            title = _text(node.get("jobTitle")) or _text(node.get("roleName"))
            found = role_of(title) if title else None
            if name and found:
                out.people.append(Person(name, title, *found, how="schema.org Person"))


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for child in node:
            yield from _walk(child)
    elif isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key != "@context" and isinstance(value, dict | list):
                yield from _walk(value)


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or ""
    return clean(value) if isinstance(value, str | int | float) else ""


def _read_links(soup: BeautifulSoup, url: str, out: PageContacts) -> None:
    host = urlsplit(url).netloc.lower()
    seen: set[str] = set()
    for a in soup.find_all("a", href=True):
        target = absolute_url(url, attr(a, "href"))
        if not target:
            continue
        target = target.split("#")[0]
        text = clean(a.get_text(" ")) or attr(a, "title") or attr(a.find("img") or a, "alt")
        if urlsplit(target).netloc.lower() != host:
            if re.search(r"公式|official|website|homepage|ホームページ|ウェブサイト", text, re.I):
                out.websites.append(target)
            continue
        if target in seen or target.rstrip("/") == url.rstrip("/"):
            continue
        found = link_kind(text, target)
        if found:
            seen.add(target)
            out.links.append((target, found[0], found[1]))


_HOW = {"schema.org Person": 0, "label": 1, "line": 2, "card": 3, "sentence": 4}


def telling(person: Person) -> tuple[int, int]:
    """How much a reading of a person says, to keep the best of several: a title over a bare
    qualification ('Associate Dentist' over 'DDS'), a senior title, the surest way read."""
    bare = bool(re.fullmatch(r"[A-Z]{2,5}|[A-Z]\.?[A-Z]\.?", person.role.strip()))
    return (-1 if bare else person.rank), -_HOW.get(person.how, 5)


def _unique_people(people: Iterable[Person]) -> list[Person]:
    """One entry per name: the most informative role and the most reliable way it was read."""
    best: dict[str, Person] = {}
    for person in people:
        key = name_key(person.name)
        held = best.get(key)
        if held is None or telling(person) > telling(held):
            best[key] = person
    return drop_bare_family_names(list(best.values()))

