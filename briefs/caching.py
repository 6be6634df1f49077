"""Conditional GET and render caching for reader pages, feeds and the API.

A revision that changes what readers see of a brief moves on ``Brief.version`` and ``changed_at`` of that
brief, and of every brief showing an entity it renamed or merged (see :mod:`briefs.history`). Nothing
else moves them, so a page's validators change only when the page does. The brief row is therefore its
own version token: the one indexed query that fetches the brief answers a matching conditional request,
and the same row keys the render cache. Site-wide pages use one aggregate over all briefs.

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
from django.db.models import Max, Sum
from django.http import Http404, HttpResponse
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import http_date
from django.utils.translation import get_language

from . import conf, fingerprint
from .models import Brief

logger = logging.getLogger(__name__)

# Keys carry the version token, so an entry never goes stale; the timeout only bounds memory.
RENDER_TIMEOUT = 60 * 60


@dataclass(frozen=True)
class Version:
    """What a response depends on: an opaque token and the time of the latest change."""

    token: str
    modified: datetime | None

    def etag(self, *variant) -> str:
        language = get_language()
        # The deployed templates and catalogue are part of every response: a deploy that changes them
        # must not be answered with a 304 or a cached page of the old output.
        parts = (fingerprint.deployed(language), self.token, language, *variant)
        digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]
        return f'"{digest}"'


def published_brief(slug: str, **annotations) -> Brief:
    """The published brief ``slug`` in one indexed query, or ``Http404``. ``annotations`` ride along
    in the same query (what else a page's version depends on)."""
    briefs = Brief.objects.published().filter(slug=slug).order_by()
    if annotations:
        briefs = briefs.annotate(**annotations)
    # Sliced rather than first(): the slug is unique, and ordering one row still costs a sort step.
    brief = next(iter(briefs[:1]), None)
    if brief is None:
        raise Http404
    return brief


def brief_version(brief: Brief) -> Version:
    """The version of a brief's public pages: its own row says when they last changed."""
    # The time guards against a version number reused after a restored backup.
    token = f"b{brief.pk}.{brief.status}.{brief.version}.{_stamp(brief.changed_at)}"
    return Version(token, brief.changed_at or brief.last_material_update_at or brief.first_published_at)


def site_version() -> Version:
    """The version of every public page at once, for lists, site feeds and entity pages: one
    aggregate, which moves only when some brief's public pages change."""
    totals = Brief.objects.order_by().aggregate(versions=Sum("version"), changed=Max("changed_at"))
    return Version(f"site.{totals['versions'] or 0}.{_stamp(totals['changed'])}", totals["changed"])


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
