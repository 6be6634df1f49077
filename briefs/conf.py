"""Plugin settings, read when used rather than at import time, so a host project may override them."""

from datetime import timedelta

from django.conf import settings


def review_interval() -> timedelta:
    return timedelta(days=getattr(settings, "BRIEFS_REVIEW_INTERVAL_DAYS", 7))


def cache_seconds() -> int:
    """How long a CDN may keep a public page (``Cache-Control: max-age``)."""
    return getattr(settings, "BRIEFS_CACHE_SECONDS", 60)


def changelog_limit() -> int:
    return getattr(settings, "BRIEFS_CHANGELOG_LIMIT", 100)
