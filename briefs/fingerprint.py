"""What reader pages depend on besides the data: the templates, the translation catalogues and the static
file names of the deployed code.

ETags, cached pages and stored articles all carry this fingerprint, so a deploy that changes any of
them (a host project's template override included) is never answered with the old output.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import get_template
from django.utils.translation import to_locale

# Bump when code changes the shape of reader output (markup built in Python, feeds, ninjs).
RENDER_VERSION = "2"

ARTICLE_TEMPLATE = "briefs/includes/article.html"
# The templates of the pages that are cached and answered with 304s, the article's included.
READER_TEMPLATES = (
    "briefs/base.html",
    "briefs/brief_detail.html",
    "briefs/brief_changes.html",
    "briefs/brief_list.html",
    "briefs/entity_detail.html",
    "briefs/search.html",
    "briefs/includes/change.html",
    "briefs/includes/pagination.html",
    ARTICLE_TEMPLATE,
)

_fingerprints: dict[str, str] = {}


def catalogue_files(language: str) -> list[Path]:
    """The compiled catalogues Django reads for ``language``: its own, each app's and LOCALE_PATHS'."""
    roots = [Path(django.__file__).parent / "conf" / "locale"]
    roots += [Path(config.path) / "locale" for config in apps.get_app_configs()]
    roots += [Path(path) for path in settings.LOCALE_PATHS]
    locale = to_locale(language)
    names = {locale, locale.split("_")[0]}
    return sorted(
        path
        for root in roots
        for name in names
        if (path := root / name / "LC_MESSAGES" / "django.mo").is_file()
    )


def deployed(language: str | None) -> str:
    """The fingerprint of the deployed reader output in ``language``, computed once per process."""
    language = language or settings.LANGUAGE_CODE
    found = _fingerprints.get(language)
    if found is None:
        digest = hashlib.sha256()
        # Hashed static names (ManifestStaticFilesStorage) change when a stylesheet or script does.
        parts = [RENDER_VERSION.encode(), str(getattr(staticfiles_storage, "manifest_hash", "")).encode()]
        parts += [get_template(name).template.source.encode() for name in READER_TEMPLATES]
        parts += [path.read_bytes() for path in catalogue_files(language)]
        for part in parts:
            digest.update(part)
            digest.update(b"\0")
        found = _fingerprints[language] = digest.hexdigest()[:16]
    return found


def forget() -> None:
    """Compute again on next use (tests that change templates or catalogues)."""
    _fingerprints.clear()
