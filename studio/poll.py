"""A running job card is polled every second by every open page; an unchanged
card must cost next to nothing.

The card's markup changes only with the job's state: its elapsed time and
time-based progress are ticked in the browser (static/js/job-clock.js), so
the server can give the card an ETag of the job's state. The browser keeps the
last card and asks again with ``If-None-Match``; while nothing changed, the
middleware below answers ``304 Not Modified`` before sessions, CSRF, auth and
templates run: one cache read for the session and one primary-key read of the
job row. The row is read from the database, never from a cached copy, so a
finished job reaches its card on the first poll after its row is committed,
whoever wrote the row (a worker on another host, recovery, the admin).
Anything the fast path is unsure of (no session in the cache, someone else's
job, an ETag that does not match) goes the normal way through the full view.

A 304 only tells a session that already holds the card that its copy is still
current, so skipping the password-hash check of the full login here reveals
nothing; an ended session (logout, expiry) is gone from the cache and misses.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import caches
from django.db import close_old_connections
from django.db import connection as db_connection
from django.http import HttpResponseNotModified
from django.http.cookie import parse_cookie
from django.urls import reverse
from django.utils.cache import patch_cache_control

from .models import Job
from .numbers import parse_id

# Every column the card of an unfinished job shows, except what the browser
# ticks; a finished card stops polling. Bump CARD_MARKUP when the card's
# template changes, so browsers drop cards drawn by the old one.
CARD_MARKUP = "2"
STATE_FIELDS = ("owner_id", "status", "phase", "progress", "started_at", "finished_at", "expected_seconds",
                "error_message", "cost", "cost_source", "estimate", "seed", "notes", "image_count")


# Everything the card itself shows (compose.html#job-card) besides its state.
CARD_FIELDS = ("id", *STATE_FIELDS, "created_at", "prompt", "source", "model_label", "connection_name")
_PK, _OWNER = -7_000_000_001, -7_000_000_002  # stand-ins for the parameters while compiling


@dataclass
class _Read:
    """One ORM query, compiled once: its SQL, where its parameters go, and how
    its columns are converted (as the ORM converts them)."""

    sql: str
    params: tuple[str, ...]
    attnames: list[str]
    compiler: object
    converters: dict

    def row(self, **values):
        with db_connection.cursor() as cursor:
            cursor.execute(self.sql, [values[name] for name in self.params])
            row = cursor.fetchone()
        if row is not None and self.converters:
            row = next(self.compiler.apply_converters([row], self.converters))
        return row


_reads: dict[tuple, _Read] = {}


def _compiled(key: tuple, build) -> _Read:
    """The query ``build()`` makes, compiled for this database once per ``key``.

    Every open page polls its running cards each second; compiling the ORM
    query cost more than running it, and as much as drawing the card."""
    key = (db_connection.alias, db_connection.vendor, *key)
    if key not in _reads:
        compiler = build().query.get_compiler(using=db_connection.alias)
        sql, params = compiler.as_sql()
        columns = [column for column, _, _ in compiler.select]
        _reads[key] = _Read(sql=sql, params=tuple({_PK: "pk", _OWNER: "owner"}[p] for p in params),
                            attnames=[column.target.attname for column in columns], compiler=compiler,
                            converters=compiler.get_converters(columns))
    return _reads[key]


def card_job(*, pk: int, user) -> Job | None:
    """The job's row as its card needs it, or None when ``user`` may not see it.

    Read with SQL compiled once per database and kind of viewer (staff see
    every job); the columns are converted as the ORM converts them. Other
    fields are deferred: the card tests count its queries, so a template that
    starts using one shows up there.
    """
    if parse_id(pk) is None:  # no ORM here to turn a 30-digit id into "no such row"
        return None
    staff = bool(user.is_staff)

    def build():
        rows = Job.objects.only(*CARD_FIELDS).filter(pk=_PK).order_by()
        return rows if staff else rows.filter(owner_id=_OWNER)

    read = _compiled(("card", staff), build)
    row = read.row(pk=pk, owner=user.pk)
    return None if row is None else Job.from_db(db_connection.alias, read.attnames, row)


def job_card_etag(state: tuple) -> str:
    digest = hashlib.blake2b(repr((CARD_MARKUP, *state)).encode(), digest_size=12).hexdigest()
    return f'"{digest}"'


def job_card_etag_for(job: Job) -> str:
    return job_card_etag(tuple(getattr(job, name) for name in STATE_FIELDS))


def job_card_mark(response, job: Job):
    """Let the browser keep the card and ask again with its ETag (never reused unasked)."""
    response["ETag"] = job_card_etag_for(job)
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _card_path():
    head, _, tail = reverse("job-card", args=[987654321]).partition("987654321")
    return re.compile(rf"^{re.escape(head)}(\d+){re.escape(tail)}$")


_path = None


def job_card_unchanged_etag(*, path: str, if_none_match: str, session_key: str | None) -> str | None:
    """The card's ETag when this session's copy of its own job's card is current, else None."""
    global _path
    _path = _path or _card_path()
    match = _path.match(path)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not match or not session_key or not hasattr(store, "cache_key_prefix"):
        return None
    session = caches[getattr(settings, "SESSION_CACHE_ALIAS", "default")].get(store.cache_key_prefix + session_key)
    user_id = session.get(SESSION_KEY) if isinstance(session, dict) else None
    if user_id is None:
        return None
    pk = parse_id(match[1])
    read = _compiled(("state",), lambda: Job.objects.filter(pk=_PK).values_list(*STATE_FIELDS).order_by())
    state = None if pk is None else read.row(pk=pk)
    if state is None or str(state[0]) != str(user_id):
        return None
    etag = job_card_etag(state)
    return etag if etag in if_none_match else None


class JobCardNotModifiedMiddleware:
    """Answers an unchanged job-card poll with 304 before the rest of the stack runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "GET" and "HTTP_IF_NONE_MATCH" in request.META:
            etag = job_card_unchanged_etag(path=request.path_info, if_none_match=request.META["HTTP_IF_NONE_MATCH"],
                                           session_key=request.COOKIES.get(settings.SESSION_COOKIE_NAME))
            if etag:
                response = HttpResponseNotModified()
                response["ETag"] = etag
                patch_cache_control(response, private=True, no_cache=True)
                return response
        return self.get_response(request)


def job_card_not_modified_wsgi(application):
    """The same 304 in front of Django's WSGI handler (gunicorn): 200 polls a second
    then cost no request object, middleware or signals. Any doubt or error goes to Django."""

    def app(environ, start_response):
        if environ.get("REQUEST_METHOD") == "GET" and "HTTP_IF_NONE_MATCH" in environ:
            close_old_connections()  # as Django does around every request (CONN_MAX_AGE, health checks)
            try:
                cookie = parse_cookie(environ.get("HTTP_COOKIE", ""))
                etag = job_card_unchanged_etag(
                    path=environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace"),
                    if_none_match=environ["HTTP_IF_NONE_MATCH"],
                    session_key=cookie.get(settings.SESSION_COOKIE_NAME))
            except Exception:  # noqa: BLE001 — the full stack answers (and reports) instead
                etag = None
            finally:
                close_old_connections()
            if etag:
                start_response("304 Not Modified", [("ETag", etag), ("Cache-Control", "private, no-cache")])
                return []
        return application(environ, start_response)

    return app
