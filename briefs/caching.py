"""Conditional GET and render caching for reader pages, feeds and the API.

Every editorial save moves on ``Brief.version`` (and ``changed_at``) of each brief whose pages it
changed, entity renames and merges included (see :func:`briefs.history.revision`). The brief row is
therefore its own version token: the one query that fetches the brief answers a matching conditional
request, and a fresh render needs no further query for the token. A process that has read the version
before, and has been told of every change since, answers without any query (:mod:`briefs.freshness`).

The cache is an optimisation, never a dependency: if the backend fails (Redis down), the error is
logged and the page is rendered from the database.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router
from django.http import Http404, HttpResponse
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import http_date
from django.utils.translation import get_language

from . import conf
from .freshness import board

logger = logging.getLogger(__name__)

# Keys carry the version token, so an entry never goes stale; the timeout only bounds memory.
RENDER_TIMEOUT = 60 * 60


@dataclass(frozen=True)
class Version:
    """What a response depends on: an opaque token and the time of the latest change."""

    token: str
    modified: datetime | None

    def etag(self, *variant) -> str:
        from .rendering import deployed_fingerprint

        language = get_language()
        # The deployed code, templates and catalogue are part of every response: a deploy that changes
        # them must not be answered with a 304 or a cached page of the old output.
        parts = (deployed_fingerprint(language), self.token, language, *variant)
        raw = "|".join(map(str, parts))
        digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
        return f'"{digest}"'


_SLUG_PLACEHOLDER = "\x00slug"


@dataclass(frozen=True)
class _CompiledQuery:
    sql: str
    params: tuple
    converters: dict
    fields: list[str]
    annotations: list[str]


_compiled: dict[str, _CompiledQuery] = {}


def _compile(alias: str) -> _CompiledQuery:
    from .models import Brief

    # No ORDER BY: the slug is unique, and sorting one row still costs a sort step in the plan.
    query = Brief.objects.using(alias).published().filter(slug=_SLUG_PLACEHOLDER).order_by().query
    compiler = query.get_compiler(alias)
    sql, params = compiler.as_sql()
    fields = [f.attname for f in Brief._meta.concrete_fields]
    annotations = list(query.annotation_select)
    assert len(compiler.select) == len(fields) + len(annotations), "unexpected column layout"
    converters = compiler.get_converters([column for column, _, _ in compiler.select])
    return _CompiledQuery(sql, tuple(params), converters, fields, annotations)


def published_brief(slug: str):
    """The published brief ``slug``, or ``None``.

    This is the only query before a 304, so the ORM's work (building and compiling the query, choosing
    converters) is done once per database and reused: it costs several times more than running the query.
    """
    from .models import Brief

    alias = router.db_for_read(Brief)
    compiled = _compiled.get(alias)
    if compiled is None:
        compiled = _compiled[alias] = _compile(alias)
    params = tuple(slug if p == _SLUG_PLACEHOLDER else p for p in compiled.params)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    row = list(row)
    # As SQLCompiler.apply_converters does, but with this thread's connection.
    for position, (converters, expression) in compiled.converters.items():
        for converter in converters:
            row[position] = converter(row[position], expression, connection)
    n = len(compiled.fields)
    brief = Brief.from_db(alias, compiled.fields, row[:n])
    for name, value in zip(compiled.annotations, row[n:], strict=True):
        setattr(brief, name, value)
    return brief


def published_version(slug: str) -> tuple[Version, Callable]:
    """The version of the published brief ``slug`` and a function that returns the brief.

    When this process knows the current version (:mod:`briefs.freshness`), no query is made; the brief
    is fetched only if a response has to be rendered. Raises ``Http404`` for an unknown slug.
    """
    version, generation = board.lookup(slug)
    if version is not None:

        def load():
            brief = published_brief(slug)
            if brief is None:  # unpublished a moment ago
                raise Http404
            return brief

        return version, load
    brief = published_brief(slug)
    if brief is None:
        raise Http404
    version = brief_version(brief)
    board.remember(slug, version, generation)
    return version, lambda: brief


def brief_version(brief) -> Version:
    """The version of a brief: its own row says when it, or an entity it mentions, last changed."""
    # The time guards against a version number reused after a restored backup.
    token = f"b{brief.pk}.{brief.status}.{brief.version}.{_stamp(brief.changed_at)}"
    return Version(token, brief.changed_at or brief.last_material_update_at or brief.first_published_at)


def site_version() -> Version:
    """The version of everything at once, for site-wide feeds and lists: one aggregate query."""
    from .models import Revision

    pk, at = Revision.objects.order_by("-pk").values_list("pk", "created_at").first() or (None, None)
    return Version(f"site.{pk}.{_stamp(at)}", at)


def _stamp(moment: datetime | None) -> str:
    return moment.isoformat() if moment else "-"


def is_staff(request) -> bool:
    """Whether the request comes from signed-in staff; anonymous readers cost no query."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and user.is_staff)


def cache_get(key: str):
    try:
        return cache.get(key)
    except Exception:
        logger.warning("Cache read failed for %s; rendering from the database.", key, exc_info=True)
        return None


def cache_set(key: str, value, timeout: int | None = None) -> None:
    try:
        cache.set(key, value, timeout)
    except Exception:
        logger.warning("Cache write failed for %s; the response is served uncached.", key, exc_info=True)


def cache_key(request, name: str, etag: str) -> str:
    # The scheme and host are part of the key because pages embed absolute URLs (JSON-LD, feeds, API).
    raw = f"{name}|{request.scheme}://{request.get_host()}|{etag}"
    return "briefs:" + hashlib.sha256(raw.encode()).hexdigest()


def private_response(response: HttpResponse) -> HttpResponse:
    """Staff and preview responses: never stored by a browser, proxy or CDN."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    return response


def conditional(
    request,
    version: Version,
    name: str,
    render: Callable[[], HttpResponse],
    variant: tuple = (),
) -> HttpResponse:
    """Answer with 304 when the client has this version, else from the cache, else by ``render()``.

    ``name`` identifies the resource (for the cache key); ``variant`` lists anything else the response
    depends on, such as query parameters.
    """
    etag = version.etag(name, *variant)
    last_modified = int(version.modified.timestamp()) if version.modified else None
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        key = cache_key(request, name, etag)
        cached = cache_get(key)
        if cached is not None:
            content, content_type = cached
            response = HttpResponse(content, content_type=content_type)
        else:
            response = render()
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            if response.status_code == 200:
                cache_set(key, (response.content, response["Content-Type"]), RENDER_TIMEOUT)
    if response.status_code in (200, 304):
        response["ETag"] = etag
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified)
        patch_cache_control(response, public=True, max_age=conf.cache_seconds())
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response
