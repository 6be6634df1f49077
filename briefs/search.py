"""Search of published briefs, their visible sections and the entities readers have been shown.

A query that names an entity (*Putinas*, *siaures koreja*) lists the entity first, with its page, and the
sections tagged with it come before those that only share words with the query. Words match by stem and
without accents on both databases, so *siaures koreja* finds *Šiaurės Korėja* and *Putinas* finds
*Putinu*:

- on PostgreSQL, by full-text search with a configuration per brief language that strips accents before
  it stems (``briefs_lithuanian`` is ``unaccent`` then ``lithuanian_stem``; see migration 0013);
- elsewhere, by each brief's and section's search document: the accent-folded stems of its words under
  the Lithuanian and the English Snowball stemmers (those of entity recognition), written when it is
  saved. A query matches when each of its words shares a stem with the document.

Snippets are HTML-safe: only the ``<mark>`` highlights are markup.
"""

from __future__ import annotations

import operator
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache, reduce
from itertools import islice

from django.db import connection
from django.db.models import BooleanField, Case, CharField, Exists, F, FloatField, OuterRef, Q, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Brief, Entity, Section, TaggedEntity
from .recognition import stem, words

# BCP 47 primary language -> PostgreSQL text-search configuration (migration 0013); others: briefs_simple.
SEARCH_CONFIGS = {"lt": "briefs_lithuanian", "en": "briefs_english"}
DEFAULT_CONFIG = "briefs_simple"
# The stemmers whose stems a search document holds: a query's language is not known, a brief's may change.
STEMMED_LANGUAGES = ("lt", "en")
MAX_QUERY_LENGTH = 200
# Words of a query that count; more add SQL, not precision.
MAX_QUERY_WORDS = 16
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


@dataclass
class Results:
    """What a query found: the entities it names, then briefs and sections, best first."""

    query: str
    entities: list[Entity] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.entities or self.hits)

    @property
    def count(self) -> int:
        return len(self.entities) + len(self.hits)


def config_for(language: str) -> str:
    return SEARCH_CONFIGS.get((language or "").split("-")[0].lower(), DEFAULT_CONFIG)


def fold(text: str) -> str:
    """``text`` without accents and case: *Šiaurės* and *siaures* fold alike, as PostgreSQL's unaccent."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@lru_cache(maxsize=100_000)
def word_keys(word: str) -> frozenset[str]:
    """The forms under which a word is searched: folded, and its folded stem in each stemmed language."""
    folded = fold(word)
    return frozenset({folded, *(stem(folded, language) for language in STEMMED_LANGUAGES)})


def document(*texts: str) -> str:
    """The search document of ``texts``: every key of every word, space-delimited at both ends."""
    keys = {key for text in texts for match in words(text or "") for key in word_keys(match.group(0))}
    return f" {' '.join(sorted(keys))} " if keys else ""


def normalise_query(query: str) -> str:
    # Control characters match nothing a reader wrote, and PostgreSQL refuses NUL in text outright.
    query = "".join(ch if ch.isprintable() else " " for ch in (query or "")[: MAX_QUERY_LENGTH * 4])
    return " ".join(query.split())[:MAX_QUERY_LENGTH]


def search(query: str, limit: int = 50) -> Results:
    """The entities ``query`` names, then published briefs and visible sections matching it, best first."""
    query = normalise_query(query)
    if not query:
        return Results(query)
    terms = [word_keys(m.group(0)) for m in islice(words(query), MAX_QUERY_WORDS)]
    entities = matching_entities(terms)
    if connection.vendor == "postgresql":
        hits = _search_postgres(query, entities, limit)
        hits.sort(key=lambda hit: -hit.rank)
    else:
        hits = _search_fallback(terms, entities, limit)
    return Results(query, entities, hits[:limit])


def matching_entities(terms: list[frozenset[str]]) -> list[Entity]:
    """Entities readers have been shown whose name or an alias the query contains, in query order."""
    if not terms:
        return []
    found: list[tuple[int, str, Entity]] = []
    for entity in Entity.objects.current().shown().only("name", "slug", "kind", "aliases", "description"):
        starts = [
            start
            for form in entity.surface_forms
            if isinstance(form, str)
            and (start := _contained_at([word_keys(m.group(0)) for m in words(form)], terms)) is not None
        ]
        if starts:
            found.append((min(starts), entity.name, entity))
    return [entity for *_, entity in sorted(found, key=lambda item: item[:2])]


def _contained_at(form: list[frozenset[str]], terms: list[frozenset[str]]) -> int | None:
    """Where the words of ``form`` occur in a row in ``terms``, each sharing a key; ``None`` if nowhere."""
    if not form:
        return None
    for start in range(len(terms) - len(form) + 1):
        if all(word & terms[start + n] for n, word in enumerate(form)):
            return start
    return None


def _mentions(entities: list[Entity]):
    if not entities:
        return Value(False, output_field=BooleanField())
    return Exists(TaggedEntity.objects.filter(content_object=OuterRef("pk"), tag__in=entities))


# PostgreSQL --------------------------------------------------------------------------------------------


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


def _search_postgres(query: str, entities: list[Entity], limit: int) -> list[Hit]:
    # Imported here, not at the top: since Django 6.0 django.contrib.postgres.search imports the
    # PostgreSQL driver, which a project on SQLite need not have.
    from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector

    config = F("search_config")
    search_query = SearchQuery(query, search_type="websearch", config=config)

    def headline(name):
        return SearchHeadline(
            name, search_query, config=config, start_sel=START, stop_sel=STOP, max_words=35, min_words=15
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
        .annotate(search_config=_config_expression("brief__language"), mentions=_mentions(entities))
        .annotate(
            document=SearchVector("heading", weight="B", config=config)
            + SearchVector("body_text", weight="C", config=config)
        )
        .filter(Q(document=search_query) | Q(mentions=True))
        # A section tagged with an entity the query names outranks any that only shares its words.
        .annotate(
            rank=SearchRank(F("document"), search_query)
            + Case(When(mentions=True, then=Value(1.0)), default=Value(0.0), output_field=FloatField()),
            snippet=headline("body_text"),
        )
        .order_by("-rank", "brief__title", "position")[:limit]
    )
    return [Hit(b, None, highlighted(b.snippet), b.rank) for b in briefs] + [
        Hit(s.brief, s, highlighted(s.snippet), s.rank) for s in sections
    ]


# Other databases ---------------------------------------------------------------------------------------


def _document_matches(terms: list[frozenset[str]]) -> Q:
    if not terms:
        return Q(pk__in=[])
    return reduce(
        operator.and_,
        (
            reduce(operator.or_, (Q(search_document__contains=f" {key} ") for key in sorted(keys)))
            for keys in terms
        ),
    )


def _search_fallback(terms: list[frozenset[str]], entities: list[Entity], limit: int) -> list[Hit]:
    matches = _document_matches(terms)
    briefs = Brief.objects.published().filter(matches).order_by("title")[:limit]
    sections = (
        Section.objects.visible()
        .select_related("brief")
        .annotate(mentions=_mentions(entities))
        .filter(matches | Q(mentions=True))
        .order_by("-mentions", "brief__title", "brief_id", "position")[:limit]
    )
    wanted = frozenset().union(*terms)
    # A section found through its tag highlights the names the entity goes by.
    named = wanted.union(
        *(word_keys(m.group(0)) for entity in entities for form in entity.surface_forms for m in words(form))
    )
    return [Hit(b, None, snippet(b.dek, wanted)) for b in briefs] + [
        Hit(s.brief, s, snippet(s.body_text, named if s.mentions else wanted)) for s in sections
    ]


# Snippets ----------------------------------------------------------------------------------------------


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


def snippet(text: str, keys: frozenset[str]) -> SafeString:
    """About SNIPPET_CHARS of ``text`` around its first word that has one of ``keys``, such words marked."""
    text = text.replace(START, "").replace(STOP, "")
    spans = [m.span() for m in words(text) if word_keys(m.group(0)) & keys]
    start = max(0, spans[0][0] - SNIPPET_CHARS // 3) if spans else 0
    end = min(len(text), start + SNIPPET_CHARS)
    pieces, position = [], start
    for left, right in spans:
        if left < start or right > end:
            continue
        pieces += [text[position:left], START, text[left:right], STOP]
        position = right
    pieces.append(text[position:end])
    return highlighted(("…" if start else "") + "".join(pieces) + ("…" if end < len(text) else ""))
