"""The spider web, inspectable and visible: the similarity graph (or one query's neighbourhood)
exported for Gephi and networkx, and drawn as a picture with the seed at the centre.

The graph is bipartite: companies and the signals (segments, places, tiers, lists, brands...)
they share, each edge weighted by how much the signal says about the company. A query's
neighbourhood is its seed companies, its prospects, and the signals that put each prospect on
the list (its reasons).
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx

from spider.db import Database, rows_in
from spider.errors import InputError
from spider.settings import Settings

FORMATS = ("graphml", "gexf", "json")
_KIND_COLOURS = {"country": "#8c8c8c", "region": "#8c8c8c", "city": "#1f77b4",
                 "district": "#1f77b4", "industry": "#2ca02c", "concept": "#2ca02c",
                 "sector": "#2ca02c", "category": "#2ca02c", "kind": "#2ca02c", "tier": "#d62728",
                 "score": "#d62728", "list": "#9467bd", "brand": "#ff7f0e", "group": "#ff7f0e",
                 "term": "#bcbd22"}  # fmt: skip
_PRIORITY_COLOURS = {"A": "#d62728", "B": "#ff7f0e", "C": "#1f77b4"}


def whole_graph(db: Database) -> nx.Graph:
    """Every active company and signal, with their attributes and the weighted links."""
    graph: nx.Graph = nx.Graph()
    for cid, name, name_local, city, country, category in db.execute(
            "select id, name, name_local, city, country, category from companies "
            "where coalesce(status, 'active') = 'active'"):
        graph.add_node(f"c{cid}", type="company", company_id=cid, label=name or "",
                       label_local=name_local or "", city=city or "", country=country or "",
                       category=category or "")
    for signal, kind, label, companies in db.execute(
            "select signal, kind, label, companies from signals"):
        graph.add_node(f"s:{signal}", type="signal", signal=signal, kind=kind or "",
                       label=label or "", companies=companies or 0)
    for cid, signal, weight in db.execute("select company_id, signal, weight from company_signals"):
        if f"c{cid}" in graph:
            kind = graph.nodes[f"s:{signal}"]["kind"] if f"s:{signal}" in graph else ""
            graph.add_edge(f"c{cid}", f"s:{signal}", weight=float(weight), kind=kind)
    return graph


def query_graph(db: Database, settings: Settings, query: str, *, limit: int = 25) -> nx.Graph:
    """One query's neighbourhood: its seeds, its prospects (with score, rank and priority)
    and the signals that put each on the list, linked with their weights."""
    from spider.expand import expand

    expansion = expand(db, settings, query, limit=limit, save=False)
    seeds = sorted({cid for key in expansion.query.seeds() for cid in _seed_companies(db, key)})
    graph: nx.Graph = nx.Graph()
    language = settings.language
    names = _names(db, [*seeds, *(p.company_id for p in expansion.prospects)], language)
    if not seeds:  # a segment query: the segment is the centre
        graph.add_node("seed", type="segment", label=expansion.seed_label, rank=0, score=1.0,
                       priority="", company_id=-1)
    for cid in seeds:
        graph.add_node(f"c{cid}", type="seed", company_id=cid, label=names.get(cid, f"#{cid}"),
                       rank=0, score=1.0, priority="")
    for p in expansion.prospects:
        graph.add_node(f"c{p.company_id}", type="prospect", company_id=p.company_id,
                       label=names.get(p.company_id) or p.name, rank=p.rank, score=float(p.score),
                       priority=p.priority or "")
        for reason in p.reasons:
            node = f"s:{reason.signal}"
            if node not in graph:
                graph.add_node(node, type="signal", signal=reason.signal, kind=reason.kind,
                               label=reason.label)
            graph.add_edge(f"c{p.company_id}", node, weight=float(reason.share),
                           kind=reason.kind)
    shown = [n for n, d in graph.nodes(data=True) if d["type"] == "signal"]
    for cid in seeds:
        for signal, weight in rows_in(db, "select signal, weight from company_signals where "
                                      "company_id = ? and signal in ({marks})",
                                      [n[2:] for n in shown], before=[cid]):
            graph.add_edge(f"c{cid}", f"s:{signal}", weight=float(weight),
                           kind=graph.nodes[f"s:{signal}"]["kind"])
    if not seeds:
        for node in shown:
            graph.add_edge("seed", node, weight=1.0, kind=graph.nodes[node]["kind"])
    graph.graph.update(query=query, seed=expansion.seed_label)
    return graph


def _seed_companies(db: Database, key: tuple) -> list[int]:
    """Company ids among a query's seeds (("c", id) keys; segment seeds are signals)."""
    return [int(key[1])] if key and key[0] == "c" else []


def _names(db: Database, ids: list[int], language: str) -> dict[int, str]:
    """Each company's name in the user's language (the local name for Japanese)."""
    out = {}
    for cid, name, name_local, name_en in rows_in(
            db, "select id, name, name_local, name_en from companies where id in ({marks})", ids):
        if language == "ja":
            out[cid] = name_local or name or name_en or ""
        else:
            out[cid] = name_en or name or name_local or ""
    return out


def export_graph(graph: nx.Graph, path: Path, fmt: str | None = None) -> str:
    """Write GRAPH as GraphML, GEXF (Gephi) or node-link JSON (networkx), by FMT or by the
    file's ending; the format written."""
    fmt = fmt or path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InputError(f"{path}: say --format graphml, gexf or json (or use that ending)")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "graphml":
        nx.write_graphml(graph, path)
    elif fmt == "gexf":
        nx.write_gexf(graph, path)
    else:
        # "edges", networkx's own key from 3.4 on: nx.node_link_graph(json.load(f)) reads it.
        doc = nx.node_link_data(graph, edges="edges")
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return fmt


# ---------------------------------------------------------------------------------------------
# The picture


def layout(graph: nx.Graph) -> dict[str, tuple[float, float]]:
    """The centre (seeds or the segment) in the middle, prospects on a ring ordered by rank
    (the best nearest the top, the closer the higher the score), and each signal between the
    centre and the prospects it links, at the mean angle of them."""
    centre = [n for n, d in graph.nodes(data=True) if d["type"] in ("seed", "segment")]
    prospects = sorted((n for n, d in graph.nodes(data=True) if d["type"] == "prospect"),
                       key=lambda n: graph.nodes[n]["rank"])
    pos: dict[str, tuple[float, float]] = {}
    for i, node in enumerate(centre):
        angle = 2 * math.pi * i / max(len(centre), 1)
        pos[node] = (0.0, 0.0) if len(centre) == 1 else (0.08 * math.cos(angle),
                                                         0.08 * math.sin(angle))
    top = max((graph.nodes[n]["score"] for n in prospects), default=1.0) or 1.0
    for i, node in enumerate(prospects):  # the first just right of the top, clockwise
        angle = -math.pi / 2 + 2 * math.pi * (i + 0.5) / max(len(prospects), 1)
        radius = 0.62 + 0.3 * (1 - graph.nodes[node]["score"] / top)
        pos[node] = (radius * math.cos(angle), radius * math.sin(angle))
    signals = [n for n, d in graph.nodes(data=True) if d["type"] == "signal"]
    broad: list[tuple[str, list[tuple[float, float]]]] = []
    narrow: list[tuple[str, list[tuple[float, float]]]] = []
    for node in signals:
        around = [pos[n] for n in graph.neighbors(node) if graph.nodes[n]["type"] == "prospect"]
        (broad if len(around) * 2 >= max(len(prospects), 1) or not around else narrow).append(
            (node, around))
    # Shared by half the prospects or more (the segment itself): a small ring round the centre.
    for i, (node, _) in enumerate(broad):
        angle = math.pi / 2 + 2 * math.pi * (i + 0.5) / len(broad)
        pos[node] = (0.2 * math.cos(angle), 0.2 * math.sin(angle))
    # The others between the centre and the prospects they link, at their mean angle, moved
    # along the ring until no two sit on top of each other.
    placed: list[tuple[float, float]] = []
    for node, around in sorted(narrow, key=lambda item: -len(item[1])):
        x = sum(p[0] for p in around) / len(around)
        y = sum(p[1] for p in around) / len(around)
        angle = math.atan2(y, x)
        radius = 0.46 - 0.12 * len(around) / max(len(prospects), 1)
        for _ in range(24):
            point = (radius * math.cos(angle), radius * math.sin(angle))
            if all(math.dist(point, other) > 0.07 for other in placed):
                break
            angle += 0.12
        placed.append(point)
        pos[node] = point
    return pos


def draw_svg(graph: nx.Graph, *, size: int = 1000, width: int = 1400, title: str = "",
             language: str = "en", link: Callable[[int], str] | None = None) -> str:
    """The neighbourhood as a self-contained SVG: lines for links (thicker for weightier),
    circles for companies (coloured by priority, sized by score), squares for signals
    (coloured by kind), every label in the user's language, a title for each on hover."""
    pos = layout(graph)
    half = width / 2
    reach = size / 2 - 90  # the ring's radius in pixels: labels run out sideways, not off

    def xy(node: str) -> tuple[float, float]:
        x, y = pos[node]
        return half + x * reach, size / 2 + 20 + y * reach

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {size}" '
           f'width="{width}" height="{size}" font-family="Helvetica, Arial, \'Hiragino Sans\', '
           f'\'Noto Sans CJK JP\', sans-serif">',
           f'<rect width="{width}" height="{size}" fill="#ffffff"/>']
    if title:
        out.append(f'<text x="20" y="32" font-size="20" fill="#222">{html.escape(title)}</text>')
    top = max((d.get("weight", 0.0) for _, _, d in graph.edges(data=True)), default=1.0) or 1.0
    for a, b, data in graph.edges(data=True):
        (x1, y1), (x2, y2) = xy(a), xy(b)
        colour = _KIND_COLOURS.get(data.get("kind", ""), "#999999")
        stroke = 0.6 + 2.4 * data.get("weight", 0.0) / top
        out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                   f'stroke="{colour}" stroke-opacity="0.45" stroke-width="{stroke:.2f}"/>')
    for node, data in graph.nodes(data=True):
        x, y = xy(node)
        label = html.escape(str(data.get("label", "")))
        if data["type"] == "signal":
            colour = _KIND_COLOURS.get(data.get("kind", ""), "#999999")
            out.append(f'<g><title>{html.escape(data.get("kind", ""))}: {label}</title>'
                       f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" '
                       f'fill="{colour}"/><text x="{x + 8:.1f}" y="{y + 4:.1f}" font-size="11" '
                       f'fill="{colour}">{label[:40]}</text></g>')
            continue
        centre = data["type"] in ("seed", "segment")
        radius = 16 if centre else 5 + 9 * max(0.0, min(1.0, data.get("score", 0.0) / (
            max((graph.nodes[n].get("score", 0.0) for n in graph if
                 graph.nodes[n]["type"] == "prospect"), default=1.0) or 1.0)))
        colour = "#222222" if centre else _PRIORITY_COLOURS.get(data.get("priority", ""), "#1f77b4")
        rank = f"{data['rank']}. " if data.get("rank") else ""
        anchor = "end" if x < half - 1 else "start"
        dx = -radius - 4 if anchor == "end" else radius + 4
        dy = 4.0
        if centre:  # under the node, centred
            anchor, dx, dy = "middle", 0.0, radius + 18
        hover = f"{rank}{label}" + (f" (priority {data['priority']})" if data.get("priority") else "")
        href = link(data["company_id"]) if link and data.get("company_id", -1) >= 0 else ""
        if href:  # in the web app, a company opens its page
            out.append(f'<a href="{html.escape(href)}" class="node">')
        out.append(f'<g><title>{hover}</title><circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" '
                   f'fill="{colour}" stroke="#ffffff" stroke-width="1.5"/>'
                   f'<text x="{x + dx:.1f}" y="{y + dy:.1f}" font-size="{15 if centre else 13}" '
                   f'text-anchor="{anchor}" fill="#222" '
                   f'font-weight="{"bold" if centre else "normal"}">{rank}{label[:38]}</text></g>')
        if href:
            out.append("</a>")
    ja = language == "ja"
    legend = [(key, f"優先度 {key}" if ja else f"priority {key}") for key in ("A", "B", "C")]
    for i, (key, text) in enumerate(legend):
        out.append(f'<circle cx="30" cy="{size - 70 + 20 * i}" r="6" fill="{_PRIORITY_COLOURS[key]}"/>'
                   f'<text x="42" y="{size - 66 + 20 * i}" font-size="12" fill="#444">{text}</text>')
    note = ("四角: 共通するシグナル (色は種類)。中心に近いほど高スコア" if ja else
            "squares: the signals they share (colour: kind); closer to the centre: higher score")
    out.append(f'<text x="{width - 20}" y="{size - 20}" font-size="11" fill="#888" '
               f'text-anchor="end">{note}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_picture(graph: nx.Graph, path: Path, *, title: str = "", language: str = "en") -> None:
    """An .svg, or an .html page holding it; a one-line error for another ending."""
    suffix = path.suffix.lower()
    svg = draw_svg(graph, title=title, language=language)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".svg":
        path.write_text(svg, encoding="utf-8")
    elif suffix in (".html", ".htm"):
        path.write_text(f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
                        f"{html.escape(title)}</title></head><body style=\"margin:0\">\n{svg}"
                        "</body></html>\n", encoding="utf-8")
    else:
        raise InputError(f"{path}: write a .svg or an .html picture (a browser opens both; "
                         "PNG would need a rasteriser Spider does not ship)")


def describe(graph: nx.Graph) -> dict[str, Any]:
    kinds: dict[str, int] = {}
    for _, data in graph.nodes(data=True):
        kinds[data["type"]] = kinds.get(data["type"], 0) + 1
    return {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(), **kinds}
