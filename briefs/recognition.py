"""Entity recognition: which known entities a text mentions, and which names it uses that are unknown.

Matching works on stemmed word sequences, so inflected forms find their entity: with the Lithuanian
Snowball stemmer *Putinu*, *Putinas* and *Putiną* all reduce to ``putin``. Every name and alias of an
entity becomes one key, a tuple of stems; a text is scanned for those keys, longest match first, so
*Šiaurės Korėja* and *Pietų Korėja* stay two entities and *Korėjos karą* is the Korean War rather
than a mention of Korea.

Everything here is a pure function: nothing is read from or written to the database except the
entities a caller does not pass in. Suggestions are suggestions; tagging them is the caller's decision
(see :func:`briefs.services.set_entities`).

Typical use, once per brief::

    index = build_alias_index(Entity.objects.current(), brief.language)
    for section in brief.sections.all():
        text = section_text(section.heading, section.body)
        suggestions = suggest_entities(text, brief.language, index=index)
        unknown = possible_new_entities(text, brief.language, index)
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

from .models import Entity

__all__ = [
    "AliasIndex",
    "Suggestion",
    "build_alias_index",
    "possible_new_entities",
    "section_text",
    "stem",
    "suggest_entities",
    "words",
]

# BCP 47 primary language subtag -> Snowball algorithm. Other languages match on lower-cased words.
STEMMERS = {"lt": "lithuanian", "en": "english"}

# Words, with inner apostrophes ("O'Neill"). A hyphen separates words but does not end a name.
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
# Link targets and bare addresses are not prose; their words would only produce false matches.
_URL = re.compile(r"\]\([^)\s]*\)|<?https?://[^\s>)]+>?|\bwww\.[^\s)]+", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…]")


def words(text: str) -> Iterator[re.Match]:
    """The words of ``text``, as recognition and search split it, with their positions."""
    return _WORD.finditer(text)


_local = threading.local()


def _stemmer(language: str):
    # A Snowball stemmer keeps the word it works on in itself, so each thread gets its own.
    stemmers = _local.__dict__.setdefault("stemmers", {})
    if language not in stemmers:
        algorithm = STEMMERS.get(language)
        stemmers[language] = snowballstemmer.stemmer(algorithm) if algorithm else None
    return stemmers[language]


def stem(word: str, language: str) -> str:
    """The stem of one word in ``language``; the lower-cased word where no stemmer applies."""
    # Snowball knows the straight apostrophe only: "Russia’s" must stem like "Russia's".
    return _stem(word.lower().replace("’", "'"), (language or "").split("-")[0].lower())


# Stemming is most of the cost of recognition, and a newsroom's vocabulary repeats from text to text.
@lru_cache(maxsize=200_000)
def _stem(lowered: str, language: str) -> str:
    stemmer = _stemmer(language)
    return stemmer.stemWord(lowered) if stemmer else lowered


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int
    stem: str
    capitalised: bool
    # Whether a name may run on from the previous token: only white space, a hyphen, or the full stop
    # of an initial ("V. Putinas") lie between them.
    joined: bool
    sentence_initial: bool


def _tokenize(text: str, language: str) -> list[_Token]:
    text = _URL.sub(lambda m: " " * len(m.group(0)), text)
    tokens: list[_Token] = []
    stems: dict[str, str] = {}
    previous_end = 0
    previous = None
    for match in _WORD.finditer(text):
        word = match.group(0)
        gap = text[previous_end : match.start()]
        after_initial = previous is not None and len(previous.text) == 1 and previous.text.isupper()
        if previous is None:
            joined, initial = False, True
        elif after_initial and gap.strip() == ".":
            joined, initial = True, False
        else:
            bare = gap.strip()
            joined = bare in ("", "-", "‑") and "\n" not in gap
            initial = "\n" in gap or bool(_SENTENCE_END.search(gap))
        if word not in stems:
            stems[word] = stem(word, language)
        token = _Token(
            text=word,
            start=match.start(),
            end=match.end(),
            stem=stems[word],
            capitalised=word[0].isupper(),
            joined=joined,
            sentence_initial=initial,
        )
        tokens.append(token)
        previous, previous_end = token, match.end()
    return tokens


@dataclass(frozen=True)
class _Alias:
    entity: object
    # For each word of the alias: whether it is capitalised, and must therefore be capitalised in the
    # text too. This keeps a proper name from matching an ordinary word with the same stem.
    capitals: tuple[bool, ...]


@dataclass
class AliasIndex:
    """Stemmed surface forms of a set of entities, for one language. Build it once per batch of texts."""

    language: str
    keys: dict[tuple[str, ...], list[_Alias]] = field(default_factory=dict)
    # Longest key starting with each stem, so a scan tries only lengths that can match.
    longest: dict[str, int] = field(default_factory=dict)
    entities: list = field(default_factory=list)

    def add(self, entity, form: str) -> None:
        tokens = _tokenize(form, self.language)
        if not tokens:
            return
        key = tuple(t.stem for t in tokens)
        aliases = self.keys.setdefault(key, [])
        capitals = tuple(t.capitalised for t in tokens)
        if any(a.entity is entity and a.capitals == capitals for a in aliases):
            return
        # A form written in lower case anywhere makes the looser requirement win.
        for number, alias in enumerate(aliases):
            if alias.entity is entity:
                aliases[number] = _Alias(
                    entity, tuple(a and b for a, b in zip(alias.capitals, capitals, strict=True))
                )
                return
        aliases.append(_Alias(entity, capitals))
        self.longest[key[0]] = max(self.longest.get(key[0], 0), len(key))


def _forms(entity) -> list[str]:
    forms = [entity.name, *(entity.aliases or [])]
    # "Vladimiras Putinas" is often written "V. Putinas": add the initialled form of personal names.
    if getattr(entity, "kind", None) == "person":
        words = entity.name.split()
        if len(words) >= 2 and words[0][:1].isupper() and words[0].isalpha():
            forms.append(f"{words[0][0]}. {' '.join(words[1:])}")
    return [f for f in forms if isinstance(f, str) and f.strip()]


def build_alias_index(entities: Iterable, language: str) -> AliasIndex:
    """Index the name and every alias of ``entities`` (Entity instances) as stemmed word sequences.

    The stemmer is Snowball's Lithuanian one for ``lt`` (and ``lt-LT``), English for ``en``; other
    languages match lower-cased words exactly. Build the index once and pass it to
    :func:`suggest_entities` for every section of a brief.
    """
    index = AliasIndex(language=language)
    for entity in entities:
        index.entities.append(entity)
        for form in _forms(entity):
            index.add(entity, form)
    return index


@dataclass(frozen=True)
class Suggestion:
    """An entity a text mentions: the surface forms it was found under, in order, and how often."""

    entity: object
    surface_forms: tuple[str, ...]
    count: int


@dataclass(frozen=True)
class _Match:
    start: int  # token positions, end exclusive
    end: int
    aliases: tuple[_Alias, ...]


def _matches(tokens: list[_Token], index: AliasIndex) -> list[_Match]:
    """Every way a key matches at every position, then longest first, earlier first, no overlaps."""
    candidates: list[_Match] = []
    count = len(tokens)
    for start in range(count):
        longest = index.longest.get(tokens[start].stem)
        if not longest:
            continue
        end = start + 1
        limit = min(count, start + longest)
        while end < limit and tokens[end].joined:
            end += 1
        for stop in range(end, start, -1):
            aliases = index.keys.get(tuple(t.stem for t in tokens[start:stop]))
            if not aliases:
                continue
            fitting = tuple(
                a
                for a in aliases
                if all(not needed or tokens[start + n].capitalised for n, needed in enumerate(a.capitals))
            )
            if fitting:
                candidates.append(_Match(start, stop, fitting))
                break
    candidates.sort(key=lambda m: (-(m.end - m.start), m.start))
    taken = [False] * count
    chosen = []
    for match in candidates:
        if any(taken[match.start : match.end]):
            continue
        for position in range(match.start, match.end):
            taken[position] = True
        chosen.append(match)
    chosen.sort(key=lambda m: m.start)
    return chosen


def section_text(heading: str, body: str) -> str:
    """The text of a section for recognition: its heading and body, kept apart as separate lines."""
    return f"{heading}\n{body}" if heading else body


def suggest_entities(text: str, language: str, entities=None, index: AliasIndex | None = None):
    """The known entities ``text`` mentions, in order of first mention.

    Pass either ``index`` (from :func:`build_alias_index`, reused across texts) or ``entities``; with
    neither, every Entity in the database is indexed. Returns a list of :class:`Suggestion`.
    """
    if index is None:
        if entities is None:
            entities = Entity.objects.current()
        index = build_alias_index(entities, language)
    tokens = _tokenize(text or "", index.language)
    found: dict[int, tuple[object, list[str], int]] = {}
    for match in _matches(tokens, index):
        surface = text[tokens[match.start].start : tokens[match.end - 1].end]
        for alias in match.aliases:
            entity, forms, count = found.get(id(alias.entity), (alias.entity, [], 0))
            if surface not in forms:
                forms.append(surface)
            found[id(alias.entity)] = (entity, forms, count + 1)
    return [Suggestion(entity, tuple(forms), count) for entity, forms, count in found.values()]


def possible_new_entities(text: str, language: str, index: AliasIndex | None = None) -> list[str]:
    """Capitalised names in ``text`` that match no known entity, in order of first appearance.

    A run of capitalised words is one name ("Choe Son Hui"). A single capitalised word that opens a
    sentence is taken for an ordinary word unless the text also capitalises it mid-sentence; the first
    word of a run that opens a sentence is dropped when the rest of the run appears as a name on its
    own or the word appears in lower case elsewhere ("Vėliau Kremlius"). Names are returned as
    written, once per stemmed form. Without a lexicon this is a heuristic: a name that only ever opens
    a sentence is missed. Without ``index`` every Entity in the database counts as known.
    """
    if index is None:
        index = build_alias_index(Entity.objects.current(), language)
    tokens = _tokenize(text or "", index.language)
    known = [False] * len(tokens)
    for match in _matches(tokens, index):
        for position in range(match.start, match.end):
            known[position] = True

    def candidate(position: int) -> bool:
        token = tokens[position]
        return token.capitalised and not known[position] and not token.text.isdigit()

    runs: list[list[int]] = []
    position = 0
    while position < len(tokens):
        if not candidate(position):
            position += 1
            continue
        run = [position]
        while run[-1] + 1 < len(tokens) and tokens[run[-1] + 1].joined and candidate(run[-1] + 1):
            run.append(run[-1] + 1)
        runs.append(run)
        position = run[-1] + 1

    def key(run):
        return tuple(tokens[n].stem for n in run)

    mid_sentence = {tokens[run[0]].stem for run in runs if not tokens[run[0]].sentence_initial}
    mid_sentence.update(tokens[n].stem for run in runs for n in run[1:])
    lower_case = {t.stem for t in tokens if not t.capitalised}
    run_keys = {key(run) for run in runs}
    names: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for run in runs:
        first = tokens[run[0]]
        if first.sentence_initial and len(run) > 1:
            # "Vėliau Kremlius": an ordinary word opening the sentence before a name the text also
            # uses on its own, or a word it writes in lower case elsewhere.
            if key(run[1:]) in run_keys or first.stem in lower_case:
                run = run[1:]
                first = tokens[run[0]]
        elif first.sentence_initial and first.stem not in mid_sentence:
            continue
        if len(run) == 1 and len(first.text) == 1:
            continue  # a stray initial is not a name
        if key(run) in seen:
            continue
        seen.add(key(run))
        names.append(text[first.start : tokens[run[-1]].end])
    return names
