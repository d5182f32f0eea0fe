"""`spider serve`: the same library behind a small web app for reps, managers and sales ops.

Flask (BSD; Werkzeug and Jinja2 with it) for routing, templates and signed session cookies;
Waitress (ZPL) serves it with threads. No front-end build: the templates, one stylesheet and
one small script ship in the package.

Security: every page but the login page and the stylesheet needs a session; every form
carries a CSRF token checked on every POST; passwords are stored hashed (spider.serve.users);
a rep reaches only companies assigned to them or to nobody, by any URL; responses forbid
framing and inline scripts. Writes take the database's writer lock (spider.locking) for as
long as the one write lasts, so a web request and a CLI command never interleave.
"""

from __future__ import annotations

import functools
import html
import math
import re
import secrets
import threading
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import (
    Flask,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import HTTPException

from spider.db import Database, open_db
from spider.errors import SpiderError
from spider.locking import WriterLock
from spider.serve.i18n import word
from spider.serve.users import (
    LoginThrottle,
    User,
    check_login,
    end_session,
    secret_key,
    session_user,
    start_session,
)
from spider.settings import Settings

PUBLIC = frozenset({"login", "static"})
OUTCOME_BUTTONS = ("no-answer", "gatekeeper-message", "gatekeeper-refused-transfer", "reached",
                   "meeting-booked", "not-now", "not-interested", "do-not-call")
OUTCOME_JA = {"no-answer": "不在", "gatekeeper-message": "受付: 伝言", "gatekeeper-refused-transfer":
              "受付: 取次拒否", "gatekeeper-refused-name": "受付: 名前非開示", "reached": "担当者と会話",
              "meeting-booked": "商談設定", "meeting-held": "商談実施", "proposal": "提案",
              "won": "受注", "lost": "失注", "not-now": "今は不要", "not-interested": "興味なし",
              "do-not-call": "架電不可"}  # fmt: skip


class Busy(Exception):
    """Another command holds the writer lock for longer than a request may wait."""


NOTE_CHARS = 2000  # a call note longer than this is cut (and said so)


def safe_next(target: str | None, default: str) -> str:
    """TARGET if it is a path on this site, else DEFAULT: never another host ('//evil',
    '/\\evil', 'https://...'), and nothing with a control character (a tab or a newline is
    dropped or refused when the header is written, turning '/\t/evil' into '//evil')."""
    text = str(target or "")
    if (not text.startswith("/") or text.startswith("//") or "\\" in text
            or any(ord(ch) < 32 or ord(ch) == 127 for ch in text)):
        return default
    parts = urlsplit(text)
    return default if parts.scheme or parts.netloc else text


def create_app(db_path: str | Path, settings: Settings | None = None, *,
               secure_cookies: bool = False) -> Flask:
    """The app over the database at DB_PATH (settings: spider.toml's, with the user's
    language on top). SECURE_COOKIES: the session cookie only over HTTPS (behind a proxy that
    ends TLS)."""
    db_path = Path(db_path)
    base_settings = settings or Settings()
    app = Flask(__name__)
    first = open_db(db_path)
    try:
        app.secret_key = secret_key(first)
    finally:
        first.conn.close()
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=secure_cookies,
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
                      MAX_CONTENT_LENGTH=256 * 1024)  # a form, never a file
    throttle = LoginThrottle()

    def db() -> Database:
        if "db" not in g:
            g.db = open_db(db_path)
        return g.db

    def settings_now() -> Settings:
        return base_settings.with_flags(language=language())

    def language() -> str:
        lang = session.get("lang")
        if lang in ("en", "ja"):
            return str(lang)
        user = g.get("user")
        return user.language if user else ("ja" if "ja" in (request.accept_languages.best or "")
                                           else "en")

    queue = threading.Lock()  # this server's writers take turns here, not in SQLite's back-off

    @contextmanager
    def writing(what: str) -> Iterator[Database]:
        """The writer lock for one write: this server's threads in turn, then the database's
        lock against other commands (another command's long rebuild: Busy)."""
        if not queue.acquire(timeout=30):
            raise Busy
        try:
            lock = WriterLock(db_path, f"spider serve: {what}")
            try:
                lock.acquire(poll=0.005, timeout=20)
            except TimeoutError:
                raise Busy from None
            try:
                yield db()
            finally:
                lock.release()
        finally:
            queue.release()

    @app.teardown_appcontext
    def close_db(_exc: BaseException | None) -> None:
        held = g.pop("db", None)
        if held is not None:
            held.conn.close()

    @app.before_request
    def authenticate() -> Any:
        g.user = None
        token = session.get("token")
        if token:
            g.user = session_user(db(), str(token))
        if request.endpoint in PUBLIC or request.endpoint is None:
            return None  # the login page, the stylesheet, and a 404 (a browser's /favicon.ico)
        if g.user is None:
            if token:  # logged out elsewhere, a new password, or the user removed
                session.clear()
            if request.method == "GET":
                return redirect(url_for("login", next=safe_next(
                    request.full_path.rstrip("?"), "/")))
            abort(401)
        if request.method == "POST":
            check_csrf()
        if any(isinstance(v, int) and v >= 2**63 for v in (request.view_args or {}).values()):
            abort(404)  # an id SQLite cannot hold names nothing
        return None

    def check_csrf() -> None:
        """The form's token must be the session's own; a session without one accepts none."""
        kept = session.get("csrf")
        if not kept or not secrets.compare_digest(str(request.form.get("csrf_token", "")),
                                                  str(kept)):
            abort(400, t("csrf"))

    @app.after_request
    def headers(resp: Response) -> Response:
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "same-origin"
        resp.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'")
        return resp

    @app.errorhandler(Busy)
    def busy(_exc: Busy) -> tuple[str, int]:
        return render_template("message.html", message=t("busy")), 503

    @app.errorhandler(SpiderError)
    def spider_error(exc: SpiderError) -> tuple[str, int]:
        return render_template("message.html", message=str(exc)), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        """Flask's own error pages, in the user's language and inside the app's frame."""
        code = exc.code or 500
        if code in (301, 302, 303, 307, 308) or request.method == "HEAD":
            return exc
        key = {400: "bad_request", 401: "log_in_first", 403: "not_allowed", 404: "not_found",
               405: "bad_request", 413: "too_large", 500: "server_error"}.get(code, "")
        message = t(key) if key else str(exc.name)
        if code == 400 and exc.description and not exc.description.startswith("The browser"):
            message = str(exc.description)
        return render_template("message.html", message=message), code

    def t(key: str) -> str:
        return word(key, language())

    def csrf() -> str:
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(24)
        return str(session["csrf"])

    @app.context_processor
    def inject() -> dict[str, Any]:
        return {"t": t, "user": g.get("user"), "csrf_token": csrf, "lang": language(),
                "outcome_label": outcome_label, "tel": tel_href, "when": local_time,
                "role_name": lambda r: t(f"role_{r}")}

    def zone_place_of(company_id: int) -> str:
        from spider.calls import COMPANY_ZONE

        row = db().execute(f"select {COMPANY_ZONE} from companies co where co.id = ?",
                           [company_id]).fetchone()
        return str(row[0] or "") if row else ""

    def local_time(value: Any, country: str | None = None) -> str:
        """A stored UTC time as the rep reads it: in the company's own time zone (its
        country's), with the zone named; the weekday and month in the user's language."""
        from spider.calls import zone_of

        if not value:
            return ""
        try:
            when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        when = when.astimezone(zone_of(country)) if country is not None else when
        year = when.year != datetime.now(UTC).year
        if language() == "ja":
            return (f"{f'{when.year}年' if year else ''}{when.month}月{when.day}日"
                    f"({'月火水木金土日'[when.weekday()]}) {when:%H:%M %Z}")
        return f"{when:%a} {when.day} {when:%b}{f' {when.year}' if year else ''} {when:%H:%M %Z}"

    @app.template_filter("url")
    def safe_url(value: Any) -> str:
        """A link only to the web: a 'javascript:' or 'data:' address from a file is none."""
        text = str(value or "").strip()
        try:
            return text if urlsplit(text).scheme in ("http", "https") else "#"
        except ValueError:  # '[' in a host: no address at all
            return "#"

    @app.template_filter("short")
    def short_url(value: Any) -> str:
        """An address as a person reads it: host and path, decoded, cut at 60 characters."""
        parts = urlsplit(str(value or ""))
        text = unquote(parts.netloc + parts.path) if parts.netloc else str(value or "")
        return text if len(text) <= 60 else text[:57] + "..."

    def outcome_label(key: str) -> str:
        from spider.calls import OUTCOMES

        if language() == "ja" and key in OUTCOME_JA:
            return OUTCOME_JA[key]
        return OUTCOMES.get(key, ("", key))[1]

    def visible_ids(ids: list[int]) -> set[int]:
        """Of IDS, the companies the user may see: all for a manager or ops; for a rep, those
        assigned to them or to nobody."""
        user: User = g.user
        if user.sees_all or not ids:
            return set(ids)
        from spider.routing import owners

        owned = owners(db(), ids)
        return {cid for cid in ids if owned.get(cid) in (None, "", user.rep)}

    def may_see(company_id: int) -> bool:
        return company_id in visible_ids([company_id])

    def role(*roles: str) -> Callable:
        def wrap(view: Callable) -> Callable:
            @functools.wraps(view)
            def inner(*args: Any, **kwargs: Any) -> Any:
                if g.user.role not in roles:
                    abort(403)
                return view(*args, **kwargs)
            return inner
        return wrap

    def back(default: str) -> Any:
        """Redirect to the page the form came from, if it is on this site."""
        return redirect(safe_next(request.form.get("next"), default))

    def number(value: Any, default: int, *, low: int = 1, high: int = 10**12) -> int:
        """A whole number from a form or a query string, or DEFAULT; kept within LOW..HIGH
        (no 500 for 'abc', and no id too large for SQLite)."""
        try:
            got = int(str(value).strip())
        except (TypeError, ValueError):
            return default
        return max(low, min(got, high))

    # -- the session ---------------------------------------------------------------------

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        error = ""
        if request.method == "POST":
            check_csrf()
            name = str(request.form.get("name", ""))[:200]
            keys = (f"name:{name.strip().casefold()}", f"from:{request.remote_addr}")
            wait = throttle.wait(*keys)
            if wait > 0:  # refused at once: no password is hashed for a locked name
                error = t("too_many").format(minutes=math.ceil(wait / 60))
                return render_template("login.html", error=error), 429
            user = check_login(db(), name, str(request.form.get("password", ""))[:1000])
            if user is None:
                throttle.failed(*keys)
                error = t("bad_login")
            else:
                throttle.succeeded(keys[0])
                with writing("log in") as wdb:
                    token = start_session(wdb, user)
                session.clear()
                session.permanent = True
                session["token"] = token
                session["csrf"] = secrets.token_urlsafe(24)
                return redirect(safe_next(request.args.get("next"), "/"))
        return render_template("login.html", error=error)

    @app.post("/logout")
    def logout() -> Any:
        token = session.get("token")
        if token:
            with writing("log out") as wdb:
                end_session(wdb, str(token))
        session.clear()
        return redirect(url_for("login"))

    @app.post("/lang")
    def set_language() -> Any:
        if request.form.get("lang") in ("en", "ja"):
            session["lang"] = request.form["lang"]
        return back("/")

    # -- the rep's desk ------------------------------------------------------------------

    @app.get("/")
    def search() -> Any:
        from spider.expand import expand

        query = str(request.args.get("q", "")).strip()[:500]
        limit = number(request.args.get("n"), 25, high=200)
        expansion, error = None, ""
        if query:
            try:
                expansion = expand(db(), settings_now(), query, limit=limit, save=False)
            except SpiderError as exc:
                error = str(exc)
            # Kept for the day's queue, written in turn; once per search, not again when a
            # logged call brings the rep back to the same results.
            if expansion is not None and session.get("kept") != [query, limit]:
                from spider.prospects import save_run

                with writing("keep a search") as wdb:
                    save_run(wdb, settings_now(), expansion)
                session["kept"] = [query, limit]
        prospects = []
        if expansion is not None:
            seen = visible_ids([p.company_id for p in expansion.prospects])
            from spider.exclusions import excluded_companies

            excluded = excluded_companies(db(), settings_now().recent_call_days)
            prospects = [p for p in expansion.prospects
                         if p.company_id in seen and p.company_id not in excluded]
        # (expand gave each prospect its owner: the unowned A and B ones may be claimed)
        claimable = [p.company_id for p in prospects
                     if not p.owner and p.priority in ("A", "B")]
        return render_template("search.html", query=query, expansion=expansion,
                               prospects=prospects, error=error, buttons=OUTCOME_BUTTONS,
                               claimable=claimable)

    @app.post("/claim")
    def claim() -> Any:
        """A rep takes a search's unassigned A and B prospects into their own queue."""
        from spider.exclusions import excluded_companies
        from spider.routing import assigned_to, reps
        from spider.routing import claim as claim_companies

        user: User = g.user
        if user.role != "rep":
            abort(403)  # a manager assigns (spider assign); only a rep takes leads for a queue
        wanted = [number(v, 0, low=0) for v in request.form.getlist("company_id")][:200]
        barred = excluded_companies(db(), settings_now().recent_call_days)
        mine = [cid for cid in wanted if cid and cid not in barred and may_see(cid)]
        # No more than the rep's capacity in routing (200 if not set) held at once.
        capacity = next((r.capacity for r in reps(db()) if r.name == user.rep), 200)
        room = max(0, capacity - len(assigned_to(db(), user.rep)))
        with writing("claim prospects") as wdb:
            taken = claim_companies(wdb, user.rep, mine[:room])
        flash(t("claimed").format(n=len(taken)))
        return back(url_for("today"))

    @app.post("/log")
    def log() -> Any:
        from spider.calls import log_call

        company_id = number(request.form.get("company_id"), 0, low=0)
        if not company_id or not may_see(company_id):
            abort(404)
        outcome = str(request.form.get("outcome", ""))[:60]
        note = str(request.form.get("note") or "").strip()
        cut = len(note) > NOTE_CHARS
        user: User = g.user
        with writing(f"log a call for #{company_id}") as wdb:
            done = log_call(wdb, settings_now(), f"#{company_id}", outcome,
                            note=note[:NOTE_CHARS] or None,
                            contact=str(request.form.get("contact") or "").strip()[:200] or None,
                            spoke_with=str(request.form.get("spoke_with") or "").strip()[:200]
                            or None,
                            callback=str(request.form.get("callback") or "").strip()[:60]
                            or None, rep=user.rep)
        message = f"{t('logged')}: {done.name} — {outcome_label(done.outcome)}"
        if done.callback_at:
            message += f"; {t('call_back')} {local_time(done.callback_at, zone_place_of(company_id))}"
        if cut:
            message += f" ({t('note_cut').format(n=NOTE_CHARS)})"
        flash(message)
        return back(url_for("company", company_id=company_id))

    @app.get("/company/<int:company_id>")
    def company(company_id: int) -> Any:
        from spider.calls import history
        from spider.contact_facts import best_contacts, facts_of

        row = db().execute("select id, name, name_local, phone, website, address, city, region, "
                           "country, category from companies where id = ?",
                           [company_id]).fetchone()
        if row is None or not may_see(company_id):
            abort(404)  # the same answer for a company that is not there and one not yours
        info = dict(zip(("id", "name", "name_local", "phone", "website", "address", "city",
                         "region", "country", "category"), row, strict=True))
        contact = best_contacts(db(), settings_now(), [company_id]).get(company_id)
        records = [dict(zip(("id", "source", "name", "phone", "website"), r, strict=True))
                   for r in db().execute(
                       "select r.id, r.source, coalesce(r.name_local, r.name), r.phone, r.website "
                       "from records r join record_links l on l.record_id = r.id where "
                       "l.company_id = ? order by r.id", [company_id])]
        return render_template("company.html", c=info, contact=contact, when=functools.partial(
                                   local_time, country=zone_place_of(company_id)),
                               facts=facts_of(db(), [company_id]),
                               calls=list(reversed(history(db(), company_id)))[:30],
                               records=records, buttons=OUTCOME_BUTTONS)

    @app.get("/today")
    def today() -> Any:
        from spider.queue import day_queue

        user: User = g.user
        rep = user.rep if user.role == "rep" else (str(request.args.get("rep") or "")[:100]
                                                   or None)
        ids = [r[0] for r in db().execute("select id from companies")] if user.role == "rep" \
            else None
        # A rep's queue hands its new prospects out (a write); a manager looking at a rep's
        # day, or everyone's, hands nothing out.
        with writing("today's queue") as wdb:
            queue = day_queue(wdb, settings_now(), rep=rep,
                              visible=visible_ids(ids) if ids is not None else None,
                              hand_out=user.role == "rep")
        return render_template("today.html", queue=queue, rep=rep, buttons=OUTCOME_BUTTONS,
                               team=team_names())

    def team_names() -> list[str]:
        """The reps a manager may pick: in routing, and users with a rep name."""
        from spider.routing import reps
        from spider.serve.users import list_users

        names = {r.name for r in reps(db())}
        names |= {u["rep"] for u in list_users(db()) if u["role"] == "rep" and not u["disabled"]}
        return sorted(n for n in names if n)

    # -- the manager ------------------------------------------------------------------------

    @app.route("/plan", methods=["GET", "POST"])
    @role("manager")
    def plan() -> Any:
        from spider.plan import make_plan, saved_plan

        if request.method == "POST":
            try:
                target = float(str(request.form.get("target", "0") or 0).replace(",", ""))
                deal = float(str(request.form.get("deal_size", "0") or 0).replace(",", ""))
            except ValueError:
                target = deal = math.nan
            if not (math.isfinite(target) and math.isfinite(deal) and 0 < deal <= target < 1e15
                    and target / deal <= 1e6):
                flash(t("bad_amounts"))
                return redirect(url_for("plan"))
            with writing("plan") as wdb:
                make_plan(wdb, target, deal, str(request.form.get("period", "year")))
            return redirect(url_for("plan"))
        made = saved_plan(db())
        bars = []
        if made is not None:
            for stage in ("dial", "contact", "meeting", "deal"):
                bars.append((t(f"{stage}s" if stage != "contact" else "contacts_stage"),
                             made.per_week(stage)))
        return render_template("plan.html", plan=made, chart=bar_chart(bars))

    @app.get("/report")
    def report_page() -> Any:
        from spider.plan import STAGES, funnel_counts, never_called, ratios, saved_plan

        user: User = g.user
        rep = user.rep if user.role == "rep" else (str(request.args.get("rep") or "")[:100]
                                                   or None)
        period = "month" if request.args.get("period") == "month" else "week"
        now = datetime.now(UTC)
        since = ((now - timedelta(days=now.weekday())) if period == "week" else
                 now.replace(day=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        done = funnel_counts(db(), rep=rep, since=since.isoformat())
        made = saved_plan(db())
        weeks = 1.0 if period == "week" else 4.0
        rows = [(t(stage + "s" if stage != "contact" else "contacts_stage"), done[stage],
                 made.per_week(stage) * weeks if made else None) for stage in STAGES]
        chart = bar_chart([(f"{s} ({t('done')})", float(n)) for s, n, _ in rows]
                          + ([(f"{s} ({t('planned')})", float(p or 0)) for s, _, p in rows]
                             if made else []))
        stale = never_called(db(), limit=200)
        shown = visible_ids([s[0] for s in stale])
        if rep is not None:  # a rep's report: the leads handed to that rep
            from spider.routing import owners

            owned = owners(db(), [s[0] for s in stale])
            shown = {cid for cid in shown if owned.get(cid) == rep}
        return render_template("report.html", rows=rows, chart=chart, period=period, rep=rep,
                               ratios=ratios(db(), rep), since=since, plan=made,
                               stale=[s for s in stale if s[0] in shown][:30],
                               team=team_names())

    @app.route("/users", methods=["GET", "POST"])
    @role("manager")
    def users() -> Any:
        from spider.serve.users import add_user, list_users

        if request.method == "POST":
            with writing("add a user") as wdb:
                made = add_user(wdb, str(request.form.get("name", ""))[:200],
                                str(request.form.get("role", "rep")),
                                str(request.form.get("password", "")),
                                rep=str(request.form.get("rep") or "") or None,
                                language=str(request.form.get("language", "en")))
            flash(f"{made.name} ({t('role_' + made.role)})")
            return redirect(url_for("users"))
        return render_template("users.html", users=list_users(db()))

    # -- sales ops -------------------------------------------------------------------------

    @app.get("/sources")
    @role("manager", "ops")
    def sources() -> Any:
        from spider.refresh import list_sources

        runs = [dict(zip(("id", "started_at", "finished_at", "sources", "summary", "dry_run",
                          "changes"), r, strict=True))
                for r in db().execute(
                    "select id, started_at, finished_at, sources, summary, dry_run, changes "
                    "from refresh_runs order by id desc limit 30")]
        return render_template("sources.html", sources=list_sources(db()), runs=runs)

    @app.post("/sources/<int:source_id>/refresh")
    @role("ops")
    def refresh_source(source_id: int) -> Any:
        from spider.refresh import find_source, refresh

        with writing(f"refresh source {source_id}") as wdb:
            source = find_source(wdb, str(source_id))
            result = refresh(wdb, settings_now(), [source])
        for line in result.errors:
            flash(line)
        return redirect(url_for("refresh_run", run_id=result.run_id))

    @app.get("/refresh/<int:run_id>")
    @role("manager", "ops")
    def refresh_run(run_id: int) -> Any:
        from spider.refresh import kept_changes

        run = db().execute("select id, started_at, sources, summary from refresh_runs where "
                           "id = ?", [run_id]).fetchone()
        if run is None:
            abort(404)
        return render_template("refresh.html", run=run, changes=kept_changes(db(), run_id))

    @app.get("/review")
    @role("ops", "manager")
    def review() -> Any:
        from spider.resolve.decisions import pending_reviews

        source = str(request.args.get("source") or "").strip()[:200]
        pairs = pending_reviews(db(), settings_now(), source=source or None, limit=40)
        return render_template("review.html", pairs=pairs, source=source)

    @app.post("/review/<int:review_id>")
    @role("ops")
    def decide(review_id: int) -> Any:
        from spider import pipeline
        from spider.db import graph_built
        from spider.resolve.decisions import decide_review

        verdict = str(request.form.get("verdict", ""))
        with writing(f"review pair {review_id}") as wdb:
            change = decide_review(wdb, review_id, verdict)
            if change.changed or change.removed:
                pipeline.apply_change(wdb, settings_now(), change)
            elif verdict != "skip":
                graph_built(wdb)  # keeping a pair apart moves nothing
        flash(change.message)
        return redirect(url_for("review"))

    @app.post("/company/<int:company_id>/split")
    @role("ops")
    def split(company_id: int) -> Any:
        from spider import pipeline
        from spider.resolve.decisions import split_company

        record_id = number(request.form.get("record_id"), 0, low=0)
        if not db().execute("select 1 from record_links where record_id = ? and company_id = ?",
                            [record_id, company_id]).fetchone():
            abort(404)
        with writing(f"split #{company_id}") as wdb:
            change = split_company(wdb, company_id, [record_id], "web")
            pipeline.apply_change(wdb, settings_now(), change)
        flash(change.message)
        return redirect(url_for("company", company_id=company_id))

    # -- the spider web ------------------------------------------------------------------

    @app.get("/web")
    def web() -> Any:
        from spider.web import draw_svg, query_graph

        query = str(request.args.get("q", "")).strip()[:500]
        svg, error = "", ""
        if query:
            try:
                graph = query_graph(db(), settings_now(), query, limit=25)
                ids = [d["company_id"] for _, d in graph.nodes(data=True)
                       if d.get("company_id") is not None]
                seen = visible_ids(ids)
                graph.remove_nodes_from([n for n, d in list(graph.nodes(data=True))
                                         if d.get("type") == "prospect"
                                         and d["company_id"] not in seen])
                # A shared signal that linked only prospects now hidden leads nowhere.
                graph.remove_nodes_from([n for n, d in list(graph.nodes(data=True))
                                         if d.get("type") == "signal" and not any(
                                             graph.nodes[m].get("type") == "prospect"
                                             for m in graph.neighbors(n))])
                svg = draw_svg(graph, title=query, language=language(),
                               link=lambda cid: url_for("company", company_id=cid)
                               if cid in seen else "")
            except SpiderError as exc:
                error = str(exc)
        return render_template("web.html", query=query, svg=svg, error=error)

    return app


def tel_href(phone: str | None) -> str:
    """A tel: link for the first number printed in PHONE ('03-3211-5211' ->
    'tel:0332115211'; '03-1234-5678 / 03-1234-5679' -> the first; no digits: '')."""
    text = unicodedata.normalize("NFKC", phone or "")  # full-width digits and dashes too
    found = re.search(r"\+?[0-9][0-9 \t().\-‐]{4,}[0-9]", text, re.ASCII)
    if not found:
        return ""
    return "tel:" + "".join(ch for ch in found.group() if ch.isdigit() or ch == "+")


def bar_chart(bars: list[tuple[str, float]], *, width: int = 640) -> str:
    """Horizontal bars as inline SVG (no script, no library): label, bar, value."""
    if not bars:
        return ""
    top = max(v for _, v in bars) or 1.0
    row = 30
    height = row * len(bars) + 10
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
           f'xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value) in enumerate(bars):
        y = 5 + i * row
        length = (width - 260) * value / top
        shown = f"{value:,.0f}" if value >= 10 or value == math.floor(value) else f"{value:.1f}"
        out.append(f'<text x="0" y="{y + 18}" font-size="13">{html.escape(label)}</text>'
                   f'<rect x="190" y="{y + 4}" width="{max(length, 1):.1f}" height="18" '
                   f'fill="#2a6fb0"/><text x="{196 + length:.1f}" y="{y + 18}" '
                   f'font-size="13">{shown}</text>')
    out.append("</svg>")
    return "".join(out)
