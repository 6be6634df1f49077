"""Every setting of the plugin, with its default and what it does, in one table.

Settings are read when used, never at import time, so a host project (or a test) may change them at any
moment. The README's settings table is checked against :data:`SETTINGS` by the test suite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings


@dataclass(frozen=True)
class Setting:
    default: object
    doc: str


SETTINGS: dict[str, Setting] = {
    "BRIEFS_REVIEW_INTERVAL_DAYS": Setting(
        7, "Days after which a visible section of a published brief is due for review."
    ),
    "BRIEFS_CACHE_SECONDS": Setting(
        60,
        "How long Varnish or a CDN may keep a public page (`Cache-Control: s-maxage`); browsers "
        "revalidate every time.",
    ),
    "BRIEFS_CHANGELOG_LIMIT": Setting(100, "How many public revisions the brief page's change log lists."),
    "BRIEFS_SURROGATE_KEY_HEADERS": Setting(
        ("Surrogate-Key", "xkey", "Cache-Tag"),
        "Response headers that carry a page's surrogate keys: Fastly's, Varnish xkey's, Cloudflare's.",
    ),
    "BRIEFS_FRONTEND_CACHES": Setting(
        {},
        "Caches to purge when a revision commits, by name: `BACKEND` (`briefs.purge.VarnishBackend` or "
        "`briefs.purge.HTTPPurgeBackend`) and its options; see the README.",
    ),
    "BRIEFS_PURGE_ATTEMPTS": Setting(
        3, "How many times a failed purge is tried before it is logged and left."
    ),
    "BRIEFS_SITE_URL": Setting(
        "",
        "Base of stable identifiers in ninjs and feeds, e.g. `https://news.example.org`; "
        "the request's host when empty.",
    ),
    "BRIEFS_IMPORT_MAX_BYTES": Setting(5_000_000, "Largest file `import_brief` reads."),
    "BRIEFS_IMPORT_MAX_LINE_CHARS": Setting(20_000, "Longest line `import_brief` accepts."),
    "BRIEFS_IMPORT_MAX_SECTIONS": Setting(200, "Most sections an imported brief may have."),
    "BRIEFS_SECTION_MAX_CHARS": Setting(
        30_000, "Longest section body, in characters; a longer one is refused with a form error."
    ),
    "BRIEFS_SECTION_MAX_NESTING": Setting(4, "Deepest nesting of lists (and quotes) a section body may use."),
}


def get(name: str):
    return getattr(settings, name, SETTINGS[name].default)


def review_interval() -> timedelta:
    return timedelta(days=get("BRIEFS_REVIEW_INTERVAL_DAYS"))


def cache_seconds() -> int:
    return int(get("BRIEFS_CACHE_SECONDS"))


def changelog_limit() -> int:
    return int(get("BRIEFS_CHANGELOG_LIMIT"))


def surrogate_key_headers() -> tuple[str, ...]:
    return tuple(get("BRIEFS_SURROGATE_KEY_HEADERS"))


def frontend_caches() -> dict:
    return dict(get("BRIEFS_FRONTEND_CACHES"))


def purge_attempts() -> int:
    return max(1, int(get("BRIEFS_PURGE_ATTEMPTS")))


def site_url() -> str:
    return str(get("BRIEFS_SITE_URL")).rstrip("/")


def import_max_bytes() -> int:
    return int(get("BRIEFS_IMPORT_MAX_BYTES"))


def import_max_line_chars() -> int:
    return int(get("BRIEFS_IMPORT_MAX_LINE_CHARS"))


def import_max_sections() -> int:
    return int(get("BRIEFS_IMPORT_MAX_SECTIONS"))


def section_max_chars() -> int:
    return int(get("BRIEFS_SECTION_MAX_CHARS"))


def section_max_nesting() -> int:
    return int(get("BRIEFS_SECTION_MAX_NESTING"))


def languages() -> list[str]:
    """The interface languages articles are rendered in ahead of readers."""
    return [code for code, _name in settings.LANGUAGES]


def time_zone() -> str:
    return settings.TIME_ZONE
