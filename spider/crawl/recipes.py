"""Declarative per-directory recipes: CSS selectors in TOML that sales ops write without code
(an item selector, field selectors, the next-page link, detail-page fields)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import soupsieve
from bs4 import BeautifulSoup, Tag

from spider.crawl.html import attr, clean, list_title, text_lines
from spider.crawl.urls import absolute_url
from spider.errors import InputError


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
    return Path(__file__).resolve().parent.parent / "recipes"


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
            value = " ".join(text_lines(node))
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
                url = absolute_url(base, attr(a, "href")) if a is not None else None
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
