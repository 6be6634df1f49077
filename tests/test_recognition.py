"""Entity recognition: stemmed alias matching, multi-word names, unknown names, and the seed's tagging."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefs.models import Entity, EntityKind
from briefs.recognition import (
    build_alias_index,
    possible_new_entities,
    section_text,
    stem,
    suggest_entities,
)

pytestmark = pytest.mark.django_db


def names(suggestions):
    return [s.entity.name for s in suggestions]


def test_seed_suggestions_match_the_hand_made_tagging_per_section(seed, django_assert_num_queries):
    index = build_alias_index(Entity.objects.all(), seed.language)
    sections = list(seed.sections.order_by("position").prefetch_related("tagged_entities"))
    assert len(sections) == 4
    figures = []
    with django_assert_num_queries(0):
        for section in sections:
            expected = {t.tag_id for t in section.tagged_entities.all()}
            found = {
                s.entity.pk
                for s in suggest_entities(section_text(section.heading, section.body), "lt", index=index)
            }
            hits = len(found & expected)
            precision = hits / len(found) if found else 1.0
            recall = hits / len(expected) if expected else 1.0
            figures.append(
                (section.heading or "(lead)", precision, recall, found - expected, expected - found)
            )
    for heading, precision, recall, extra, missing in figures:
        print(f"{heading}: precision {precision:.2f}, recall {recall:.2f}, extra {extra}, missing {missing}")
    for heading, precision, recall, extra, missing in figures:
        assert precision >= 0.95, f"{heading}: suggested but not tagged: {extra}"
        assert recall >= 0.95, f"{heading}: tagged but not suggested: {missing}"


def test_inflected_forms_and_initials_find_the_person(make_entity):
    # Only the nominative is listed: the stemmer and the initialled form do the rest.
    putin = make_entity("Vladimiras Putinas", aliases=["Putinas"])
    make_entity("Rusija", EntityKind.COUNTRY)
    index = build_alias_index(Entity.objects.all(), "lt")
    for text in (
        "Susitiko su Putinu.",
        "Putinas kalbėjo.",
        "Kritikavo Putiną.",
        "Tai pasakė V. Putinas.",
        "Susitiks su prezidentu Vladimiru Putinu.",
    ):
        suggestions = suggest_entities(text, "lt", index=index)
        assert [s.entity for s in suggestions] == [putin], text
    assert stem("Putinu", "lt") == stem("Putinas", "lt") == stem("Putiną", "lt")


def test_surface_forms_and_counts_are_reported():
    putin = Entity(name="Vladimiras Putinas", kind=EntityKind.PERSON, aliases=["Putinas"])
    [suggestion] = suggest_entities("V. Putinas ir Putinas. Vėliau V. Putiną.", "lt", entities=[putin])
    assert suggestion.entity is putin
    assert suggestion.surface_forms == ("V. Putinas", "Putinas", "V. Putiną")
    assert suggestion.count == 3


def test_multi_word_names_are_matched_as_sequences_longest_first():
    north = Entity(name="Šiaurės Korėja", kind=EntityKind.COUNTRY)
    south = Entity(name="Pietų Korėja", kind=EntityKind.COUNTRY)
    korea = Entity(name="Korėja", kind=EntityKind.PLACE)
    war = Entity(name="Korėjos karas", kind=EntityKind.EVENT)
    index = build_alias_index([north, south, korea, war], "lt")

    def found(text):
        return [s.entity for s in suggest_entities(text, "lt", index=index)]

    assert found("Šiaurės Korėjos kariai") == [north]
    assert found("Pietų Korėjos vertinimais") == [south]
    assert found("parama Pchenjanui per Korėjos karą") == [war]
    assert found("Korėjos pusiasalis") == [korea]
    assert found("Šiaurės Korėja ir Pietų Korėja") == [north, south]


def test_names_do_not_run_across_punctuation():
    north = Entity(name="Šiaurės Korėja", kind=EntityKind.COUNTRY)
    assert suggest_entities("Vėjas iš šiaurės. Korėja laukia.", "lt", entities=[north]) == []
    assert suggest_entities("Iš Šiaurės, Korėjos", "lt", entities=[north]) == []


def test_a_capitalised_name_does_not_match_an_ordinary_word():
    turkey = Entity(name="Turkey", kind=EntityKind.COUNTRY)
    assert suggest_entities("We had turkey for dinner.", "en", entities=[turkey]) == []
    assert names(suggest_entities("Turkey's president spoke.", "en", entities=[turkey])) == ["Turkey"]


def test_english_uses_the_english_stemmer():
    russia = Entity(name="Russia", kind=EntityKind.COUNTRY)
    un = Entity(name="United Nations", kind=EntityKind.ORGANISATION)
    text = "Russia's envoy and Russia’s allies told the United Nation."
    [found, other] = suggest_entities(text, "en", entities=[russia, un])
    assert (found.entity, found.surface_forms) == (russia, ("Russia's", "Russia’s"))
    assert (other.entity, other.surface_forms) == (un, ("United Nation",))


def test_languages_without_a_stemmer_match_whole_words_only():
    rusija = Entity(name="Rusija", kind=EntityKind.COUNTRY)
    assert names(suggest_entities("Rusija", "xx", entities=[rusija])) == ["Rusija"]
    assert suggest_entities("Rusijos", "xx", entities=[rusija]) == []
    assert names(suggest_entities("Rusijos", "lt-LT", entities=[rusija])) == ["Rusija"]


def test_same_name_suggests_every_entity_that_bears_it():
    country = Entity(name="Georgia", kind=EntityKind.COUNTRY)
    state = Entity(name="Georgia", kind=EntityKind.PLACE)
    assert [s.entity for s in suggest_entities("Georgia voted.", "en", entities=[country, state])] == [
        country,
        state,
    ]


def test_link_targets_are_not_read_as_text():
    rusija = Entity(name="Rusija", kind=EntityKind.COUNTRY)
    text = "Žr. [pranešimą](https://example.com/Rusija) ir https://Rusija.example.com."
    assert suggest_entities(text, "lt", entities=[rusija]) == []


def test_without_entities_or_index_the_database_is_read_once(make_entity, django_assert_num_queries):
    make_entity("Rusija", EntityKind.COUNTRY, aliases=["Rusijos"])
    with django_assert_num_queries(1):
        assert names(suggest_entities("Rusijos pajėgos", "lt")) == ["Rusija"]


def test_possible_new_entities_lists_unknown_capitalised_names():
    putin = Entity(name="Vladimiras Putinas", kind=EntityKind.PERSON, aliases=["Putinas"])
    index = build_alias_index([putin], "lt")
    text = (
        "Choe Son Hui vėliau Kremliuje susitiks su prezidentu Vladimiru Putinu.\n"
        "Štai kas žinoma. Maskva ir Pchenjanas ilgai neigė.\n"
        "Kariniai ryšiai\n"
        "Tik balandį V. Putinas pripažino. Kremliuje tylu."
    )
    # "Maskva" opens a sentence and appears nowhere else: it cannot be told from an ordinary word.
    assert possible_new_entities(text, "lt", index) == ["Choe Son Hui", "Kremliuje", "Pchenjanas"]


def test_sentence_initial_word_counts_when_also_capitalised_mid_sentence():
    index = build_alias_index([], "lt")
    assert possible_new_entities("Kremlius tyli. Vėliau Kremlius prabilo.", "lt", index) == ["Kremlius"]
    assert possible_new_entities("Tyli. Vėliau tyli.", "lt", index) == []


def test_possible_new_entities_reads_known_entities_when_given_no_index(make_entity):
    make_entity("Rusija", EntityKind.COUNTRY)
    assert possible_new_entities("Kalbėjo Rusija ir Kinija.", "lt") == ["Kinija"]


def test_recognition_writes_nothing(make_entity, django_assert_num_queries):
    make_entity("Rusija", EntityKind.COUNTRY)
    index = build_alias_index(Entity.objects.all(), "lt")
    with django_assert_num_queries(0):
        suggest_entities("Rusija", "lt", index=index)
        possible_new_entities("Rusija ir Kinija", "lt", index)


SEED_LIKE = [
    Entity(name="Vladimiras Putinas", kind=EntityKind.PERSON, aliases=["Putinas", "V. Putinas"]),
    Entity(name="Šiaurės Korėja", kind=EntityKind.COUNTRY),
    Entity(name="Korėjos karas", kind=EntityKind.EVENT),
    Entity(name="Jungtinės Tautos", kind=EntityKind.ORGANISATION, aliases=["JT"]),
]
SEED_INDEX = build_alias_index(SEED_LIKE, "lt")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=12),
            st.sampled_from(["V.", "Putinu", "Šiaurės", "Korėjos", "karą", "JT", ",", ". ", "\n", " "]),
        ),
        max_size=20,
    ).map(" ".join)
)
def test_any_text_gives_suggestions_found_in_it(text):
    for suggestion in suggest_entities(text, "lt", index=SEED_INDEX):
        assert suggestion.entity in SEED_LIKE
        assert suggestion.count >= len(suggestion.surface_forms) >= 1
        assert all(form in text for form in suggestion.surface_forms)
    for name in possible_new_entities(text, "lt", SEED_INDEX):
        assert name in text
        assert name[0].isupper()
