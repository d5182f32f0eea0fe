"""schema.org Organization, LocalBusiness and Hotel nodes, from JSON-LD and microdata (in
extruct's shape), to records. A malformed JSON-LD block is reported and loses only itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from spider.crawl.html import attr, clean, list_title
from spider.crawl.urls import absolute_url

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
        return attr(tag, "content")
    if name in ("audio", "embed", "iframe", "img", "source", "track", "video"):
        return urljoin(base, attr(tag, "src"))
    if name in ("a", "area", "link"):
        return urljoin(base, attr(tag, "href"))
    if name == "object":
        return urljoin(base, attr(tag, "data"))
    if name in ("data", "meter"):
        return attr(tag, "value")
    if name == "time" and tag.has_attr("datetime"):
        return attr(tag, "datetime")
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
        item["id"] = attr(scope, "itemid")
    item["properties"] = props
    return item


def extract_microdata(soup: BeautifulSoup, base: str) -> list[dict[str, Any]]:
    """Top-level microdata items (those that are not another item's property), extruct-style."""
    return [
        microdata_item(tag, base)
        for tag in soup.find_all(itemscope=True)
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
    for tag in soup.find_all(itemscope=True):
        if tag.has_attr("itemprop"):
            continue
        for node in _walk_schema(_microdata_to_jsonld(microdata_item(tag, base))):
            index += 1
            rec = schema_to_record(node, base)
            rec["source_row"] = rec.get("source_row") or f"microdata:{index}"
            rec["list_title"] = list_title(tag, page_title)
            yield rec
