"""Search of published briefs and their visible sections.

On PostgreSQL this is full-text search with the text-search configuration of each brief's language, so
an inflected form finds the others (*Putinas* finds *Putinu*). Elsewhere it falls back to a
case-insensitive substring match. Both return :class:`Hit` objects with an HTML-safe snippet in which
only the ``<mark>`` highlights are markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, CharField, F, Q, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Brief, Section

# BCP 47 primary language -> PostgreSQL text-search configuration; anything else uses "simple".
SEARCH_CONFIGS = {"lt": "lithuanian", "en": "english"}
DEFAULT_CONFIG = "simple"
MAX_QUERY_LENGTH = 200
SNIPPET_CHARS = 240
# Private-use characters mark highlights inside ts_headline output until it has been escaped.
START, STOP = "\ue000", "\ue001"


@dataclass
class Hit:
    """A brief whose headline or summary matched (``section`` is ``None``), or one matching section."""

    brief: Brief
    section: Section | None
    snippet: SafeString
    rank: float | None = None

    @property
    def url(self) -> str:
        url = self.brief.get_absolute_url()
        return f"{url}#{self.section.anchor}" if self.section is not None else url


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
    return mark_safe("".join(out))


def search(query: str, limit: int = 50) -> list[Hit]:
    """Published briefs and visible sections matching ``query``, best first."""
    # Control characters match nothing a reader wrote, and PostgreSQL refuses NUL in text outright.
    query = "".join(ch if ch.isprintable() else " " for ch in (query or "")[: MAX_QUERY_LENGTH * 4])
    query = " ".join(query.split())[:MAX_QUERY_LENGTH]
    if not query:
        return []
    if connection.vendor == "postgresql":
        hits = _search_postgres(query, limit)
        hits.sort(key=lambda hit: -hit.rank)
        return hits[:limit]
    return _search_fallback(query, limit)


def _config_expression(language_field: str):
    return Case(
        *(
            When(
                Q(**{f"{language_field}__iexact": code})
                | Q(**{f"{language_field}__istartswith": f"{code}-"}),
                then=Value(cfg),
            )
            for code, cfg in SEARCH_CONFIGS.items()
        ),
        default=Value(DEFAULT_CONFIG),
        output_field=CharField(),
    )


def _search_postgres(query: str, limit: int) -> list[Hit]:
    config = F("search_config")
    search_query = SearchQuery(query, search_type="websearch", config=config)

    def headline(field):
        return SearchHeadline(
            field,
            search_query,
            config=config,
            start_sel=START,
            stop_sel=STOP,
            max_words=35,
            min_words=15,
        )

    briefs = (
        Brief.objects.published()
        .annotate(search_config=_config_expression("language"))
        .annotate(
            document=SearchVector("title", weight="A", config=config)
            + SearchVector("dek", weight="B", config=config)
        )
        .filter(document=search_query)
        .annotate(rank=SearchRank(F("document"), search_query), snippet=headline("dek"))
        .order_by("-rank", "title")[:limit]
    )
    sections = (
        Section.objects.visible()
        .select_related("brief")
        .annotate(search_config=_config_expression("brief__language"))
        .annotate(
            document=SearchVector("heading", weight="B", config=config)
            + SearchVector("body_text", weight="C", config=config)
        )
        .filter(document=search_query)
        .annotate(rank=SearchRank(F("document"), search_query), snippet=headline("body_text"))
        .order_by("-rank", "brief__title", "position")[:limit]
    )
    return [Hit(b, None, highlighted(b.snippet), b.rank) for b in briefs] + [
        Hit(s.brief, s, highlighted(s.snippet), s.rank) for s in sections
    ]


def _variants(query: str) -> set[str]:
    # SQLite folds case for ASCII letters only; these variants cover "šiaurės"/"Šiaurės" and the like.
    return {query, query.lower(), query.upper(), query.capitalize(), query.title()}


def _any_contains(fields, query) -> Q:
    match = Q()
    for form in _variants(query):
        for name in fields:
            match |= Q(**{f"{name}__icontains": form})
    return match


def _search_fallback(query: str, limit: int) -> list[Hit]:
    briefs = Brief.objects.published().filter(_any_contains(("title", "dek"), query)).order_by("title")
    sections = (
        Section.objects.visible()
        .select_related("brief")
        # The rendered text: what the sanitiser removed (comments, raw markup) is not searchable.
        .filter(_any_contains(("heading", "body_text"), query))
        .order_by("brief__title", "brief_id", "position")
    )
    hits = [Hit(b, None, _snippet(b.dek, query)) for b in briefs[:limit]]
    hits += [Hit(s.brief, s, _snippet(s.body_text, query)) for s in sections[:limit]]
    return hits[:limit]


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
