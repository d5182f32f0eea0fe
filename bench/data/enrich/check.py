"""Consistency check for the enrichment benchmark sites and answers.json.

Run: python bench/data/enrich/check.py
Checks that every site has index.html, that every in-site <a href> resolves to a file, that
files declaring Shift_JIS / EUC-JP really decode that way, that answers.json covers every site,
and that every labelled phone, postal code, address and name is printed on the site (names on a
page within two clicks of index.html that robots.txt does not disallow).
"""
import html
import json
import re
import sys
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlparse

HERE = Path(__file__).resolve().parent
SITES = HERE / "sites"
CHARSET_RE = re.compile(rb"""(?:<meta[^>]+charset\s*=\s*["']?|<\?xml[^>]+encoding=["'])([A-Za-z0-9_\-]+)""", re.I)
HREF_RE = re.compile(r"""<a\s[^>]*?href\s*=\s*["']([^"']*)["']""", re.I | re.S)
CODECS = {"utf-8": "utf-8", "shift_jis": "shift_jis", "euc-jp": "euc_jp"}
errors, warnings = [], []


def decode(path):
    raw = path.read_bytes()
    m = CHARSET_RE.search(raw[:2048])
    declared = m.group(1).decode().lower() if m else "utf-8"
    codec = CODECS.get(declared)
    if codec is None:
        errors.append(f"{path}: unexpected charset {declared}")
        codec = "utf-8"
    if codec != "utf-8" and not raw.isascii():
        try:
            raw.decode("utf-8")
            errors.append(f"{path}: declared {declared} but the bytes are UTF-8")
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode(codec), declared
    except UnicodeDecodeError as e:
        errors.append(f"{path}: declared {declared} but does not decode: {e}")
        return raw.decode(codec, "replace"), declared


def disallowed(site_dir):
    robots = site_dir / "robots.txt"
    rules, active = [], False
    if robots.exists():
        for line in robots.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line.lower().startswith("user-agent:"):
                active = line.split(":", 1)[1].strip() == "*"
            elif active and line.lower().startswith("disallow:"):
                rule = line.split(":", 1)[1].strip()
                if rule:
                    rules.append(rule)
    return rules


def url_to_file(site_dir, url_path):
    p = url_path.lstrip("/")
    f = site_dir / p
    if p == "" or url_path.endswith("/"):
        f = f / "index.html"
    return f


def text_of(doc):
    t = re.sub(r"<script[^>]*>.*?</script>|<style[^>]*>.*?</style>", " ", doc, flags=re.S | re.I)
    t = re.sub(r"<[^>]+>", " ", t)
    return html.unescape(t)


def squash(s):
    return re.sub(r"[\s,、，]+", "", s)


def allowed(f, root, rules):
    """Whether robots.txt (its Disallow RULES) lets a crawler read page F of the site at ROOT."""
    path = "/" + str(f.relative_to(root)).replace("\\", "/")
    return not any(path.startswith(r) for r in rules)


def main():
    answers = json.loads((HERE / "answers.json").read_text(encoding="utf-8"))
    site_ids = sorted(d.name for d in SITES.iterdir() if d.is_dir())
    for s in site_ids:
        if s not in answers:
            errors.append(f"{s}: missing from answers.json")
    for s in answers:
        if s not in site_ids:
            errors.append(f"answers.json: {s} has no site folder")
    splits = {}
    for s, a in answers.items():
        splits.setdefault(a["split"], []).append(s)
    print("splits:", {k: len(v) for k, v in splits.items()})

    for s in site_ids:
        d = SITES / s
        if not (d / "index.html").exists():
            errors.append(f"{s}: no index.html")
            continue
        pages = {}
        for f in sorted(d.rglob("*.html")):
            doc, cs = decode(f)
            pages[f] = doc
            size = f.stat().st_size
            if not 2000 <= size <= 15500:
                warnings.append(f"{f.relative_to(SITES)}: {size} bytes")
        charsets = sorted({decode(f)[1] for f in pages})
        # link check + BFS depth from index.html
        depth = {d / "index.html": 0}
        queue = deque([d / "index.html"])
        while queue:
            f = queue.popleft()
            base = "/" + str(f.relative_to(d)).replace("\\", "/")
            for href in HREF_RE.findall(pages[f]):
                href = html.unescape(href).strip()
                if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
                    continue
                u = urlparse(urljoin("http://site" + base, href))
                if u.netloc != "site":
                    continue
                target = url_to_file(d, u.path)
                if not target.exists():
                    errors.append(f"{s}: {base} links to missing {href}")
                    continue
                if target.suffix == ".html" and target not in depth:
                    depth[target] = depth[f] + 1
                    queue.append(target)
        for f in pages:
            if f not in depth:
                warnings.append(f"{s}: {f.relative_to(d)} not reachable from index.html")
        rules = disallowed(d)
        eligible = [f for f in pages if depth.get(f, 99) <= 2 and allowed(f, d, rules)]
        all_text = {f: html.unescape(doc) for f, doc in pages.items()}
        a = answers.get(s)
        if not a:
            continue
        anywhere = "\n".join(all_text.values())
        if a["phone"] not in anywhere:
            errors.append(f"{s}: phone {a['phone']} not printed")
        if a["postal_code"] and a["postal_code"] not in anywhere:
            errors.append(f"{s}: postal code {a['postal_code']} not printed")
        if a["address"] and not any(squash(a["address"]) in squash(text_of(doc)) for doc in pages.values()):
            errors.append(f"{s}: address {a['address']} not printed")
        for p in a["people"]:
            hits = [f for f in eligible if p["name"] in all_text[f]]
            if not hits:
                errors.append(f"{s}: person {p['name']} not on an eligible page")
            elif not any(squash(p["role"]) in squash(text_of(pages[f])) for f in hits):
                warnings.append(f"{s}: role '{p['role']}' not printed verbatim next to {p['name']}")
        for n in a["not_people"]:
            if n not in anywhere:
                errors.append(f"{s}: not_people {n} does not occur on the site")
            if any(n == p["name"] for p in a["people"]):
                errors.append(f"{s}: {n} is both a person and a not_person")
        print(f"{s:20s} {a['split']:8s} pages={len(pages)} max_depth={max(depth.values())} "
              f"charset={','.join(charsets)} robots_disallow={rules or '-'} people={len(a['people'])}")
    for w in warnings:
        print("WARN ", w)
    for e in errors:
        print("ERROR", e)
    print(f"{len(errors)} errors, {len(warnings)} warnings")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
