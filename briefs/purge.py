"""Purging the caches in front of the site (Varnish, a CDN) when a revision commits, by surrogate key.

``BRIEFS_FRONTEND_CACHES`` names the caches, in the spirit of Wagtail's ``WAGTAILFRONTENDCACHE``::

    BRIEFS_FRONTEND_CACHES = {
        "varnish": {"BACKEND": "briefs.purge.VarnishBackend", "LOCATION": "http://127.0.0.1:6081"},
        "fastly": {
            "BACKEND": "briefs.purge.HTTPPurgeBackend",
            "URL": "https://api.fastly.com/service/SERVICE_ID/purge",
            "HEADERS": {"Fastly-Key": "..."},
            "KEYS_HEADER": "Surrogate-Key",
        },
        "cloudflare": {
            "BACKEND": "briefs.purge.HTTPPurgeBackend",
            "URL": "https://api.cloudflare.com/client/v4/zones/ZONE_ID/purge_cache",
            "HEADERS": {"Authorization": "Bearer ..."},
            "BODY_KEY": "tags",
        },
    }

A purge that fails is tried again (``BRIEFS_PURGE_ATTEMPTS``), then logged; it never undoes or delays a
save, and ``BRIEFS_CACHE_SECONDS`` bounds how long a cache may serve the old page meanwhile.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from collections.abc import Iterable
from urllib.error import URLError
from urllib.parse import urlsplit

from django.utils.module_loading import import_string

from . import conf
from .caching import LIST_KEY, brief_key, entity_key

logger = logging.getLogger(__name__)


class PurgeError(Exception):
    """A cache did not confirm the purge."""


class PurgeBackend:
    """One cache to purge. ``params`` are its entry in ``BRIEFS_FRONTEND_CACHES``."""

    def __init__(self, name: str, params: dict):
        self.name = name
        self.params = params
        self.timeout = float(params.get("TIMEOUT", 5))

    def purge(self, keys: list[str]) -> None:
        raise NotImplementedError

    def send(self, url: str, *, method: str, headers: dict, data: bytes | None = None) -> None:
        if urlsplit(url).scheme not in ("http", "https"):
            raise PurgeError(f"{self.name}: {url} is not an http or https address")
        # The address comes from the site's settings, never from a request, and is http(s) (above).
        request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
        except (URLError, OSError) as error:
            raise PurgeError(f"{self.name}: {url}: {error}") from error
        if not 200 <= status < 300:
            raise PurgeError(f"{self.name}: {url} answered {status}")


class VarnishBackend(PurgeBackend):
    """A ``PURGE`` request naming the keys in an ``xkey-purge`` header, to each Varnish in ``LOCATION``
    (one address or a list): what the ``xkey`` module of varnish-modules purges by
    (``deploy/varnish/default.vcl``)."""

    def purge(self, keys: list[str]) -> None:
        locations = self.params["LOCATION"]
        headers = {self.params.get("HEADER", "xkey-purge"): " ".join(keys)}
        for location in [locations] if isinstance(locations, str) else locations:
            self.send(location, method=self.params.get("METHOD", "PURGE"), headers=headers)


class HTTPPurgeBackend(PurgeBackend):
    """One HTTP request that names the keys, as CDN purge APIs take them: in a header (``KEYS_HEADER``,
    space-separated, Fastly's way) and/or a JSON body (``BODY_KEY``, a list, Cloudflare's way)."""

    def purge(self, keys: list[str]) -> None:
        headers = dict(self.params.get("HEADERS", {}))
        data = None
        if self.params.get("KEYS_HEADER"):
            headers[self.params["KEYS_HEADER"]] = " ".join(keys)
        if self.params.get("BODY_KEY"):
            data = json.dumps({self.params["BODY_KEY"]: keys}).encode()
            headers.setdefault("Content-Type", "application/json")
        self.send(self.params["URL"], method=self.params.get("METHOD", "POST"), headers=headers, data=data)


def backends() -> list[PurgeBackend]:
    return [import_string(params["BACKEND"])(name, params) for name, params in conf.frontend_caches().items()]


def keys_for(brief_ids: Iterable[int], entity_ids: Iterable[int]) -> list[str]:
    """The surrogate keys of the pages a revision changed: its briefs, the lists that show them, and the
    pages of the entities it touched."""
    brief_ids, entity_ids = sorted(set(brief_ids)), sorted(set(entity_ids))
    keys = [brief_key(pk) for pk in brief_ids] + [entity_key(pk) for pk in entity_ids]
    if brief_ids:
        keys.append(LIST_KEY)
    return keys


def purge(keys: list[str], *, pause: float = 0.5) -> list[str]:
    """Purge ``keys`` from every configured cache; return the names of those that never confirmed it."""
    failed = []
    if not keys:
        return failed
    for backend in backends():
        for attempt in range(1, conf.purge_attempts() + 1):
            try:
                backend.purge(keys)
                break
            except PurgeError as error:
                if attempt == conf.purge_attempts():
                    logger.error("Could not purge %s after %s attempts: %s", keys, attempt, error)
                    failed.append(backend.name)
                else:
                    logger.warning("Purge attempt %s failed, trying again: %s", attempt, error)
                    time.sleep(pause * attempt)
    return failed
