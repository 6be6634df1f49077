"""HTTP caching of reader pages, feeds and the API: versions, ETags, surrogate keys and private responses.

A revision that changes what readers see of a brief moves on ``Brief.version`` and ``changed_at`` of that
brief, and of every brief showing an entity it renamed or merged (see :mod:`briefs.history`). Nothing
else moves them, so a page's validators change only when the page does. The brief row is therefore its
own version token: the one indexed query that fetches the brief answers a conditional request. Pages
that draw on every brief use one aggregate over them all.

Public responses carry ``Cache-Control: public, max-age=0, s-maxage=BRIEFS_CACHE_SECONDS`` and
surrogate keys (the brief, each entity page, the lists) in the headers Varnish (``xkey``) and the common
CDNs read, so that a committed revision purges exactly what it changed (:mod:`briefs.purge`). The
origin keeps no page cache of its own: the stored article (:mod:`briefs.rendering`) is the one cache
layer, and a CDN or Varnish in front keeps the pages.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Max, Sum
from django.http import Http404, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import get_language

from . import conf, fingerprint
from .models import Brief

LIST_KEY = "briefs"


def brief_key(pk: int) -> str:
    return f"brief-{pk}"


def entity_key(pk: int) -> str:
    return f"entity-{pk}"


@dataclass(frozen=True)
class Version:
    """What a response depends on: an opaque token and the time of the latest change."""

    token: str
    modified: datetime | None

    def etag(self, *variant) -> str:
        language = get_language()
        # The deployed templates and catalogue are part of every response: a deploy that changes them
        # must not be answered with a 304 of the old output.
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
    """Whether the request comes from signed-in staff; anonymous readers cost no query and no session."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and user.is_staff)


def public_response(response: HttpResponse, keys) -> HttpResponse:
    """Shared caches (Varnish, a CDN) may keep this response for ``BRIEFS_CACHE_SECONDS``, and a purge of
    any of ``keys`` ends it sooner. Browsers revalidate every time (a cheap 304): the page does not vary
    on the session cookie, so a browser that kept a reader's copy would show it to an editor who has
    since signed in and changed it."""
    patch_cache_control(response, public=True, max_age=0, s_maxage=conf.cache_seconds())
    keys = sorted(set(keys))
    for header in conf.surrogate_key_headers():
        # Cloudflare's Cache-Tag is comma-separated; Fastly's Surrogate-Key and Varnish's xkey use spaces.
        response[header] = ",".join(keys) if header.lower() == "cache-tag" else " ".join(keys)
    return response


def private_response(response: HttpResponse) -> HttpResponse:
    """Staff and preview responses: never stored by a browser, proxy or CDN."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    return response
