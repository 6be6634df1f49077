"""Search of published briefs and their visible sections.

On PostgreSQL this is full-text search with the text-search configuration of each brief's language, so
an inflected form finds the others (*Putinas* finds *Putinu*). Elsewhere it falls back to a
case-insensitive substring match. Both return :class:`Hit` objects with an HTML-safe snippet in which
only the ``<mark>`` highlights are markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, CharField, F, Q, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Section

# BCP 47 primary language -> PostgreSQL text-search configuration; anything else uses "simple".
SEARCH_CONFIGS = {"lt": "lithuanian", "en": "english"}
DEFAULT_CONFIG = "simple"
MAX_QUERY_LENGTH = 200
SNIPPET_CHARS = 240
# Private-use characters mark highlights inside ts_headline output until it has been escaped.
START, STOP = "\ue000", "\ue001"


@dataclass
class Hit:
    section: Section
    snippet: SafeString
    rank: float | None = None

    @property
    def brief(self):
        return self.section.brief


def config_for(language: str) -> str:
    return SEARCH_CONFIGS.get((language or "").split("-")[0].lower(), DEFAULT_CONFIG)


def highlighted(text: str) -> SafeString:
    """Escape ``text`` and turn START...STOP runs into ``<mark>``; stray markers are dropped."""
    out = []
    first, *rest = text.split(START)
    out.append(escape(first.replace(STOP, "")))
    for part in rest:
        marked, found, tail = part.partition(STOP)
        if not found:
            out.append(escape(marked))
            continue
        out.append(f"<mark>{escape(marked)}</mark>")
        out.append(escape(tail.replace(STOP, "")))
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped


def _candidates():
    return Section.objects.visible().select_related("brief")


def search(query: str, limit: int = 50) -> list[Hit]:
    query = " ".join((query or "").split())[:MAX_QUERY_LENGTH]
    if not query:
        return []
    if connection.vendor == "postgresql":
        return _search_postgres(query, limit)
    return _search_fallback(query, limit)


def _search_postgres(query: str, limit: int) -> list[Hit]:
    from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector

    config = Case(
        *(
            When(Q(brief__language__iexact=code) | Q(brief__language__istartswith=f"{code}-"), then=Value(cfg))
            for code, cfg in SEARCH_CONFIGS.items()
        ),
        default=Value(DEFAULT_CONFIG),
        output_field=CharField(),
    )
    vector = (
        SearchVector("brief__title", weight="A", config=F("search_config"))
        + SearchVector("heading", weight="B", config=F("search_config"))
        + SearchVector("body", weight="C", config=F("search_config"))
    )
    search_query = SearchQuery(query, search_type="websearch", config=F("search_config"))
    sections = (
        _candidates()
        .annotate(search_config=config)
        .annotate(document=vector)
        .filter(document=search_query)
        .annotate(
            rank=SearchRank(F("document"), search_query),
            headline=SearchHeadline(
                "body",
                search_query,
                config=F("search_config"),
                start_sel=START,
                stop_sel=STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "brief__title", "position")[:limit]
    )
    return [Hit(s, highlighted(s.headline), s.rank) for s in sections]


def _variants(query: str) -> set[str]:
    # SQLite folds case for ASCII letters only; these variants cover "šiaurės"/"Šiaurės" and the like.
    return {query, query.lower(), query.upper(), query.capitalize(), query.title()}


def _search_fallback(query: str, limit: int) -> list[Hit]:
    match = Q()
    for form in _variants(query):
        match |= Q(heading__icontains=form) | Q(body__icontains=form) | Q(brief__title__icontains=form)
    sections = _candidates().filter(match).order_by("brief__title", "brief_id", "position")[:limit]
    return [Hit(s, _snippet(s.body, query)) for s in sections]


def _snippet(text: str, query: str) -> SafeString:
    """Text around the first match, with every match highlighted."""
    folded, needle = text.casefold(), query.casefold()
    at = folded.find(needle)
    if len(folded) != len(text) or at < 0:
        # casefold changed lengths (e.g. "ß") or only the heading/title matched: plain excerpt.
        return highlighted(text[:SNIPPET_CHARS] + ("…" if len(text) > SNIPPET_CHARS else ""))
    start = max(0, at - SNIPPET_CHARS // 3)
    end = min(len(text), start + SNIPPET_CHARS)
    window, folded_window = text[start:end], folded[start:end]
    pieces, pos = [], 0
    while (found := folded_window.find(needle, pos)) >= 0:
        pieces += [window[pos:found], START, window[found : found + len(needle)], STOP]
        pos = found + len(needle)
    pieces.append(window[pos:])
    text = "".join(p if p in (START, STOP) else p.replace(START, "").replace(STOP, "") for p in pieces)
    return highlighted(("…" if start else "") + text + ("…" if end < len(folded) else ""))
