"""Two editors save the same brief from forms opened at the same revision: changes that do not overlap
are merged, and where both changed the same thing nothing is saved and the editor sees both versions.
No edit is ever lost."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import Revision, Section
from tests.desk import add_row, change_data, change_url, make_user


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def two_editors(django_user_model):
    clients = []
    for name in ("alma", "bruno"):
        client = Client()
        client.force_login(make_user(django_user_model, name, "Editor"))
        clients.append(client)
    return clients


def bodies(brief):
    return list(brief.sections.order_by("position").values_list("body", flat=True))


def reader_page(brief):
    return Client().get(reverse("briefs:detail", args=[brief.slug])).content.decode()


def form_data(response):
    """The change form as the refused save shows it again, ready to be submitted as it stands."""
    return dict(response.context["adminform"].form.data.lists())


@pytest.mark.django_db
def test_a_stale_form_editing_another_section_keeps_both_sentences(django_user_model, published_brief):
    """Alma adds a sentence to the lead; Bruno, whose form is older, edits another section. Both stay."""
    alma, bruno = two_editors(django_user_model)
    seen = Revision.objects.filter(brief=published_brief).latest().pk
    alma_data = change_data(
        published_brief, note="Alma", sections={0: {"body": "Lead paragraph. Alma's new sentence."}}
    )
    bruno_data = change_data(published_brief, note="Bruno", sections={2: {"body": "Bruno's text."}})
    assert bruno_data["expected_revision"] == seen

    assert alma.post(change_url(published_brief), alma_data).status_code == 302
    alma_rev = Revision.objects.latest()
    response = bruno.post(change_url(published_brief), bruno_data, follow=True)

    assert response.redirect_chain[-1][1] == 302
    assert bodies(published_brief) == ["Lead paragraph. Alma's new sentence.", "First body.", "Bruno's text."]
    bruno_rev = Revision.objects.latest()
    assert (bruno_rev.user.username, bruno_rev.note, bruno_rev.merged_with) == ("bruno", "Bruno", alma_rev)
    html = response.content.decode()
    assert "Alma saved this brief at" in html and "both were saved together" in html
    assert f"?from={alma_rev.pk}" in html
    timeline = bruno.get(reverse("admin:briefs_brief_history", args=[published_brief.pk])).content.decode()
    assert f'href="#revision-{alma_rev.pk}">merged with #{alma_rev.pk}</a>' in timeline
    page = reader_page(published_brief)
    assert "Alma&#x27;s new sentence." in page or "Alma's new sentence." in page
    assert "Bruno&#x27;s text." in page or "Bruno's text." in page


def three_paragraphs(brief):
    section = brief.sections.get(position=1)
    services.edit_section(section, body="One.\n\nTwo.\n\nThree.", note="Paragraphs", actor=SYSTEM)
    return section


def body_edits(brief, alma_body, bruno_body):
    """Alma's and Bruno's change-form data, each with their own text for the section at place 1."""
    return (
        change_data(brief, note="Alma", sections={1: {"body": alma_body}}),
        change_data(brief, note="Bruno", sections={1: {"body": bruno_body}}),
    )


@pytest.mark.django_db
def test_different_paragraphs_of_one_section_merge(django_user_model, published_brief):
    section = three_paragraphs(published_brief)
    alma, bruno = two_editors(django_user_model)
    alma_data, bruno_data = body_edits(
        published_brief, "One, by Alma.\n\nTwo.\n\nThree.", "One.\n\nTwo.\n\nThree, by Bruno."
    )

    assert alma.post(change_url(published_brief), alma_data).status_code == 302
    assert bruno.post(change_url(published_brief), bruno_data).status_code == 302
    section.refresh_from_db()
    assert section.body == "One, by Alma.\n\nTwo.\n\nThree, by Bruno."


@pytest.mark.django_db
def test_entities_and_fields_each_side_changed_are_all_kept(django_user_model, published_brief, make_entity):
    korea = make_entity("Šiaurės Korėja")
    alma, bruno = two_editors(django_user_model)
    section = published_brief.sections.get(position=1)
    putin, russia = sorted(t.tag_id for t in section.tagged_entities.all())
    alma_data = change_data(
        published_brief, note="Alma", title="Alma's title", sections={1: {"entities": [putin]}}
    )
    bruno_data = change_data(
        published_brief,
        note="Bruno",
        dek="Bruno's dek.",
        sections={1: {"entities": [putin, russia, korea.pk]}},
    )

    assert alma.post(change_url(published_brief), alma_data).status_code == 302
    assert bruno.post(change_url(published_brief), bruno_data).status_code == 302
    published_brief.refresh_from_db()
    assert (published_brief.title, published_brief.dek) == ("Alma's title", "Bruno's dek.")
    # Alma removed Russia, Bruno added North Korea.
    assert sorted(t.tag_id for t in section.tagged_entities.all()) == sorted([putin, korea.pk])


@pytest.mark.django_db
def test_a_reorder_and_a_text_edit_merge(django_user_model, published_brief):
    alma, bruno = two_editors(django_user_model)
    lead, first, second = published_brief.sections.order_by("position")
    alma_data = change_data(published_brief, note="Alma", sections={1: {"order": 2}, 2: {"order": 1}})
    bruno_data = change_data(published_brief, note="Bruno", sections={1: {"body": "Bruno's text."}})

    assert alma.post(change_url(published_brief), alma_data).status_code == 302
    assert bruno.post(change_url(published_brief), bruno_data).status_code == 302
    assert list(published_brief.sections.order_by("position").values_list("pk", "body")) == [
        (lead.pk, "Lead paragraph."),
        (second.pk, "Second body."),
        (first.pk, "Bruno's text."),
    ]


@pytest.mark.django_db
def test_the_same_paragraph_changed_by_both_is_shown_side_by_side_and_nothing_is_saved(
    django_user_model, published_brief
):
    alma, bruno = two_editors(django_user_model)
    seen = Revision.objects.filter(brief=published_brief).latest().pk
    alma_data = change_data(
        published_brief, note="Alma", title="Alma's title", sections={1: {"body": "Alma's text."}}
    )
    bruno_data = change_data(published_brief, note="Bruno", sections={1: {"body": "Bruno's text."}})

    assert alma.post(change_url(published_brief), alma_data).status_code == 302
    alma_rev = Revision.objects.latest()
    response = bruno.post(change_url(published_brief), bruno_data)

    assert response.status_code == 200
    assert Revision.objects.latest() == alma_rev
    assert bodies(published_brief)[1] == "Alma's text."
    html = response.content.decode()
    assert "Alma changed this brief at" in html
    assert f"?from={seen}&amp;to={alma_rev.pk}" in html
    row = response.context["inline_admin_formsets"][0].formset.forms[1]
    assert "Their version:" in str(row.errors["body"]) and "Alma&#x27;s text." in str(row.errors["body"])
    # The page now carries Alma's revision and her title, and keeps Bruno's text where they collide.
    again = form_data(response)
    assert again["expected_revision"] == [str(alma_rev.pk)]
    assert again["title"] == ["Alma's title"]
    assert again["sections-1-body"] == ["Bruno's text."]

    # Bruno keeps his version: the second save cannot put back the title Alma changed.
    assert bruno.post(change_url(published_brief), again).status_code == 302
    published_brief.refresh_from_db()
    assert published_brief.title == "Alma's title"
    assert bodies(published_brief) == ["Lead paragraph.", "Bruno's text.", "Second body."]


@pytest.mark.django_db
def test_a_title_changed_by_both_is_a_conflict(django_user_model, published_brief):
    alma, bruno = two_editors(django_user_model)
    alma_data = change_data(published_brief, note="Alma", title="Alma's title")
    bruno_data = change_data(
        published_brief, note="Bruno", title="Bruno's title", sections={2: {"body": "B."}}
    )

    assert alma.post(change_url(published_brief), alma_data).status_code == 302
    response = bruno.post(change_url(published_brief), bruno_data)
    assert response.status_code == 200
    assert "Alma&#x27;s title" in str(response.context["adminform"].form.errors["title"])
    published_brief.refresh_from_db()
    assert published_brief.title == "Alma's title"
    assert bodies(published_brief)[2] == "Second body."


@pytest.mark.django_db
def test_a_section_deleted_by_one_and_edited_by_the_other_is_never_lost_silently(
    django_user_model, published_brief
):
    alma, bruno = two_editors(django_user_model)
    alma_data = change_data(published_brief, note="Alma", sections={2: {"DELETE": True}})
    bruno_data = change_data(published_brief, note="Bruno", sections={2: {"body": "Bruno's text."}})
    second = published_brief.sections.get(position=2)

    assert alma.post(change_url(published_brief), alma_data).status_code == 302
    alma_rev = Revision.objects.latest()
    response = bruno.post(change_url(published_brief), bruno_data)

    assert response.status_code == 200
    assert Revision.objects.latest() == alma_rev
    assert "alma deleted the section “Second”" in response.content.decode()
    assert not Section.objects.filter(pk=second.pk).exists()
    # Bruno's version is offered back as a new section; saving again keeps it.
    rows = response.context["inline_admin_formsets"][0].formset.forms
    assert [row.instance.pk for row in rows] == [
        lead.pk for lead in published_brief.sections.order_by("position")
    ] + [None]
    assert "Bruno&#x27;s text." in response.content.decode()
    assert bruno.post(change_url(published_brief), form_data(response)).status_code == 302
    assert bodies(published_brief) == ["Lead paragraph.", "First body.", "Bruno's text."]
    assert published_brief.sections.get(position=2).heading == "Second"


@pytest.mark.django_db
def test_a_section_edited_by_one_and_deleted_by_the_other_stays_until_the_deletion_is_repeated(
    django_user_model, published_brief
):
    alma, bruno = two_editors(django_user_model)
    alma_data = change_data(published_brief, note="Alma", sections={2: {"body": "Alma's text."}})
    bruno_data = change_data(published_brief, note="Bruno", sections={2: {"DELETE": True}})

    assert alma.post(change_url(published_brief), alma_data).status_code == 302
    response = bruno.post(change_url(published_brief), bruno_data)
    assert response.status_code == 200
    assert "so it was not deleted" in response.content.decode()
    assert bodies(published_brief)[2] == "Alma's text."

    # Having seen Alma's change, Bruno deletes it deliberately.
    assert bruno.post(change_url(published_brief), form_data(response)).status_code == 302
    assert bodies(published_brief) == ["Lead paragraph.", "First body."]


@pytest.mark.django_db
def test_a_section_someone_deleted_goes_with_a_save_that_did_not_touch_it(django_user_model, published_brief):
    alma, bruno = two_editors(django_user_model)
    alma_data = change_data(published_brief, note="Alma", sections={2: {"DELETE": True}})
    bruno_data = change_data(published_brief, note="Bruno", sections={1: {"body": "Bruno's text."}})

    assert alma.post(change_url(published_brief), alma_data).status_code == 302
    assert bruno.post(change_url(published_brief), bruno_data).status_code == 302
    assert bodies(published_brief) == ["Lead paragraph.", "Bruno's text."]


@pytest.mark.django_db
def test_a_form_from_an_unknown_revision_is_refused(django_user_model, published_brief):
    _alma, bruno = two_editors(django_user_model)
    data = change_data(published_brief, note="Bruno", expected="", sections={1: {"body": "Bruno's text."}})
    response = bruno.post(change_url(published_brief), data)
    assert response.status_code == 200
    assert "changed this brief at" in response.content.decode()
    assert bodies(published_brief)[1] == "First body."


def at_once(posts):
    """Run each named request: in parallel threads that start together on PostgreSQL, where they pass
    form validation and then race for the row lock; one after another on SQLite, whose write lock
    queues savers anyway. Returns the responses by name."""
    if connection.vendor != "postgresql":
        return {name: post() for name, post in posts.items()}
    results = {}
    barrier = threading.Barrier(len(posts))

    def run(name):
        try:
            barrier.wait(timeout=10)
            results[name] = posts[name]()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(name,)) for name in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_parallel_saves_one_wins_and_nothing_is_lost(django_user_model, published_brief):
    alma, bruno = two_editors(django_user_model)
    payloads = {
        "alma": (alma, change_data(published_brief, note="Alma", sections={1: {"body": "Alma's text."}})),
        "bruno": (bruno, change_data(published_brief, note="Bruno", sections={1: {"body": "Bruno's text."}})),
    }
    before = Revision.objects.count()
    # Both changed the same section from the same form revision: one is saved, the other is refused.
    results = at_once(
        {
            name: lambda client=client, data=data: client.post(change_url(published_brief), data)
            for name, (client, data) in payloads.items()
        }
    )

    statuses = sorted(r.status_code for r in results.values())
    assert statuses == [200, 302]
    winner = next(name for name, r in results.items() if r.status_code == 302)
    loser = next(name for name, r in results.items() if r.status_code == 200)
    assert Revision.objects.count() == before + 1
    assert Revision.objects.latest().user.username == winner
    body = Section.objects.get(brief=published_brief, position=1).body
    assert body == f"{winner.capitalize()}'s text."
    html = results[loser].content.decode()
    assert f"{winner.capitalize()} changed this brief at" in html
    assert f"{loser.capitalize()}&#x27;s text." in html


@pytest.mark.django_db
def test_the_conflict_check_runs_under_the_row_lock_of_the_save(
    django_user_model, published_brief, monkeypatch
):
    """No window between the check and the save: the form is validated inside the revision that saves
    it, after the brief's row is locked, so another save either lands before the check or waits."""
    from briefs import tracking
    from briefs.forms import BriefAdminForm

    _alma, bruno = two_editors(django_user_model)
    original_clean = BriefAdminForm.clean
    seen = []

    def clean_and_look(form):
        opened = tracking.current()
        seen.append(None if opened is None else opened.brief.pk)
        return original_clean(form)

    monkeypatch.setattr(BriefAdminForm, "clean", clean_and_look)
    data = change_data(published_brief, note="Bruno", sections={1: {"body": "Bruno's text."}})
    services.edit_section(
        published_brief.sections.get(position=2), body="Sneaky.", note="Other", actor=SYSTEM
    )
    response = bruno.post(change_url(published_brief), data)
    assert seen == [published_brief.pk]
    assert response.status_code == 302
    assert Section.objects.get(brief=published_brief, position=1).body == "Bruno's text."
    assert Section.objects.get(brief=published_brief, position=2).body == "Sneaky."


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_editors_saving_different_sections_at_once_all_succeed(django_user_model, published_brief):
    """Three editors, three sections, one form revision: every save lands, and every edit is in the
    brief and in the history exactly once."""
    names = ["alma", "bruno", "carla"]
    clients = {}
    for name in names:
        clients[name] = Client()
        clients[name].force_login(make_user(django_user_model, name, "Editor"))
    texts = {name: f"{name.capitalize()}'s text." for name in names}
    payloads = {
        name: change_data(published_brief, note=name, sections={index: {"body": texts[name]}})
        for index, name in enumerate(names)
    }
    before = Revision.objects.latest().pk
    results = at_once(
        {
            name: lambda name=name: clients[name].post(change_url(published_brief), payloads[name])
            for name in names
        }
    )

    assert {name: response.status_code for name, response in results.items()} == dict.fromkeys(names, 302)
    assert bodies(published_brief) == [texts[name] for name in names]
    saved = list(Revision.objects.filter(pk__gt=before).order_by("pk"))
    assert len(saved) == len(names)
    # The first save was current; each later one was merged with the one before it.
    assert [rev.merged_with for rev in saved] == [None, *saved[:-1]]
    history = Section.history.model.objects
    assert all(history.filter(body=text).count() == 1 for text in texts.values())


@pytest.mark.django_db
def test_sharing_from_a_stale_form_is_shown_rather_than_overwritten(django_user_model, published_brief):
    alma, bruno = two_editors(django_user_model)
    reporter = make_user(django_user_model, "rita", "Reporter")
    alma_data = change_data(published_brief, note="Alma", title="Alma's title", collaborators=[reporter.pk])
    bruno_data = change_data(published_brief, note="Bruno", sections={1: {"body": "Bruno's text."}})

    assert alma.post(change_url(published_brief), alma_data).status_code == 302
    response = bruno.post(change_url(published_brief), bruno_data)
    assert response.status_code == 200
    assert "It is now shared with: rita." in str(response.context["adminform"].form.errors["collaborators"])
    assert list(published_brief.collaborators.all()) == [reporter]
    assert bodies(published_brief)[1] == "First body."


def headings(brief):
    return list(brief.sections.order_by("position").values_list("heading", flat=True))


@pytest.mark.django_db
def test_saving_again_after_a_refusal_keeps_the_order_the_other_editor_set(
    django_user_model, published_brief
):
    alma, bruno = two_editors(django_user_model)
    alma_data = change_data(
        published_brief, note="Alma", title="Alma's title", sections={1: {"order": 2}, 2: {"order": 1}}
    )
    bruno_data = change_data(published_brief, note="Bruno", title="Bruno's title")

    assert alma.post(change_url(published_brief), alma_data).status_code == 302
    response = bruno.post(change_url(published_brief), bruno_data)
    assert response.status_code == 200
    rows = response.context["inline_admin_formsets"][0].formset.forms
    assert [row.instance.heading for row in rows] == ["", "Second", "First"]
    assert bruno.post(change_url(published_brief), form_data(response)).status_code == 302
    assert headings(published_brief) == ["", "Second", "First"]
    published_brief.refresh_from_db()
    assert published_brief.title == "Bruno's title"


@pytest.mark.django_db
def test_keeping_a_section_the_other_editor_changed_keeps_their_text(django_user_model, published_brief):
    alma, bruno = two_editors(django_user_model)
    alma_data = change_data(published_brief, note="Alma", sections={2: {"body": "Alma's text."}})
    bruno_data = change_data(published_brief, note="Bruno", sections={2: {"DELETE": True}})

    assert alma.post(change_url(published_brief), alma_data).status_code == 302
    response = bruno.post(change_url(published_brief), bruno_data)
    assert response.status_code == 200
    again = form_data(response)
    assert again["sections-2-body"] == ["Alma's text."]
    # Bruno changes his mind and keeps the section: Alma's text stays.
    del again["sections-2-DELETE"]
    assert bruno.post(change_url(published_brief), again).status_code == 302
    assert bodies(published_brief) == ["Lead paragraph.", "First body.", "Alma's text."]


def with_a_new_section_first(data, brief, heading):
    """Change-form data with a new section added above the others."""
    for index in range(brief.sections.count()):
        data[f"sections-{index}-order"] = index + 1
    return add_row(data, brief.sections.count(), brief=brief.pk, order=0, heading=heading, body="New.")


@pytest.mark.django_db
def test_a_new_section_keeps_its_place_when_the_other_editor_reorders(django_user_model, published_brief):
    alma, bruno = two_editors(django_user_model)
    alma_data = with_a_new_section_first(
        change_data(published_brief, note="Alma"), published_brief, "Alma's new"
    )
    bruno_data = change_data(published_brief, note="Bruno", sections={1: {"order": 2}, 2: {"order": 1}})

    assert alma.post(change_url(published_brief), alma_data).status_code == 302
    assert headings(published_brief) == ["Alma's new", "", "First", "Second"]
    assert bruno.post(change_url(published_brief), bruno_data).status_code == 302
    assert headings(published_brief) == ["Alma's new", "", "Second", "First"]


@pytest.mark.django_db
def test_the_stale_editors_new_section_keeps_its_place(django_user_model, published_brief):
    alma, bruno = two_editors(django_user_model)
    alma_data = change_data(published_brief, note="Alma", title="Alma's title")
    bruno_data = with_a_new_section_first(
        change_data(published_brief, note="Bruno"), published_brief, "Bruno's new"
    )

    assert alma.post(change_url(published_brief), alma_data).status_code == 302
    assert bruno.post(change_url(published_brief), bruno_data).status_code == 302
    assert headings(published_brief) == ["Bruno's new", "", "First", "Second"]


@pytest.mark.django_db
def test_an_entity_removed_after_an_entity_merge_stays_removed(
    django_user_model, published_brief, make_entity
):
    alma, bruno = two_editors(django_user_model)
    section = published_brief.sections.get(position=2)
    twin, survivor = make_entity("Dublis"), make_entity("Tikrasis")
    services.set_entities(section, [twin], note="Dublis", actor=SYSTEM)
    services.merge_entities(survivor, [twin], actor=SYSTEM)
    # Bruno opens the form after the merge: it shows the survivor.
    bruno_data = change_data(published_brief, note="Bruno", sections={2: {"entities": []}})
    alma_data = change_data(published_brief, note="Alma", title="Alma's title")

    assert alma.post(change_url(published_brief), alma_data).status_code == 302
    assert bruno.post(change_url(published_brief), bruno_data).status_code == 302
    assert not section.tagged_entities.exists()


@pytest.mark.django_db
def test_a_merged_text_over_the_limit_is_a_form_error(django_user_model, published_brief, settings):
    section = three_paragraphs(published_brief)
    settings.BRIEFS_SECTION_MAX_CHARS = 30  # each side fits; both together do not
    alma, bruno = two_editors(django_user_model)
    alma_data, bruno_data = body_edits(
        published_brief, "One, longer.\n\nTwo.\n\nThree.", "One.\n\nTwo.\n\nThree, longer."
    )

    assert alma.post(change_url(published_brief), alma_data).status_code == 302
    response = bruno.post(change_url(published_brief), bruno_data)
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.forms[1].errors["body"]
    section.refresh_from_db()
    assert section.body == "One, longer.\n\nTwo.\n\nThree."
    # The form shows the combined text to shorten, Alma's paragraph included.
    assert form_data(response)["sections-1-body"] == ["One, longer.\n\nTwo.\n\nThree, longer."]


@pytest.mark.django_db
def test_a_stale_draft_form_does_not_stop_a_save_after_someone_published(django_user_model):
    draft = services.create_brief(
        title="Juodraštis",
        slug="juodrastis",
        sections=[services.SectionInput("", "Lead."), services.SectionInput("A", "Body.")],
        actor=SYSTEM,
    )
    alma, bruno = two_editors(django_user_model)
    alma_data = change_data(draft, note="Paskelbta", status="published")
    bruno_data = change_data(draft, note="Bruno", sections={1: {"body": "Bruno's text."}})

    assert alma.post(change_url(draft), alma_data).status_code == 302
    assert bruno.post(change_url(draft), bruno_data).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"
    assert bodies(draft) == ["Lead.", "Bruno's text."]


@pytest.mark.django_db
def test_each_editor_deleting_a_different_section_is_no_conflict(django_user_model, published_brief):
    alma, bruno = two_editors(django_user_model)
    alma_data = change_data(published_brief, note="Alma", sections={0: {"DELETE": True}})
    bruno_data = change_data(published_brief, note="Bruno", sections={2: {"DELETE": True}})

    assert alma.post(change_url(published_brief), alma_data).status_code == 302
    assert bruno.post(change_url(published_brief), bruno_data).status_code == 302
    assert headings(published_brief) == ["First"]


@pytest.mark.django_db
def test_text_written_for_a_hidden_section_is_not_published_by_someone_elses_unhiding(
    django_user_model, published_brief
):
    section = published_brief.sections.get(position=2)
    services.edit_section(section, hidden=True, note="Slepiama", actor=SYSTEM)
    reporter = Client()
    reporter.force_login(make_user(django_user_model, "rita", "Reporter"))
    rita_data = change_data(published_brief, note="Rita", sections={2: {"body": "Rita's draft."}})
    services.edit_section(section, hidden=False, note="Rodoma", actor=SYSTEM)

    response = reporter.post(change_url(published_brief), rita_data)
    assert response.status_code == 200
    assert "it would now be shown to readers with text one of you has not seen" in response.content.decode()
    section.refresh_from_db()
    assert section.body == "Second body."


HOSTILE = {
    "no management form": lambda data, other: {k: v for k, v in data.items() if "FORMS" not in k},
    "huge total": lambda data, other: {**data, "sections-TOTAL_FORMS": "1000000000000"},
    "huge initial": lambda data, other: {**data, "sections-INITIAL_FORMS": "3000000"},
    "negative initial": lambda data, other: {**data, "sections-INITIAL_FORMS": "-2"},
    "initial over total": lambda data, other: {**data, "sections-INITIAL_FORMS": "9"},
    "id of another brief's section": lambda data, other: {**data, "sections-1-id": other},
    "id not a number": lambda data, other: {**data, "sections-1-id": "x"},
    "duplicated id": lambda data, other: {**data, "sections-2-id": data["sections-1-id"]},
    "entity not a number": lambda data, other: {**data, "sections-1-entities": ["x"]},
    "order not a number": lambda data, other: {**data, "sections-1-order": "x"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_stale_form_with_broken_rows_is_refused_or_saved_never_an_error(
    django_user_model, published_brief, case
):
    alma, bruno = two_editors(django_user_model)
    other = services.create_brief(
        title="Kita", slug="kita", sections=[services.SectionInput("", "Kitas.")], actor=SYSTEM
    ).sections.get()
    bruno_data = HOSTILE[case](change_data(published_brief, note="Bruno", title="Bruno's title"), other.pk)
    assert (
        alma.post(
            change_url(published_brief), change_data(published_brief, note="Alma", dek="Alma.")
        ).status_code
        == 302
    )
    alma_rev = Revision.objects.latest()

    response = bruno.post(change_url(published_brief), bruno_data)
    assert response.status_code in {200, 302}
    if response.status_code == 200:
        assert Revision.objects.latest() == alma_rev
    other.refresh_from_db()
    assert (other.brief_id, other.body) == (other.brief_id, "Kitas.")
    assert bodies(published_brief)[0] == "Lead paragraph."


@pytest.mark.django_db
def test_a_body_refused_for_its_own_length_comes_back_with_the_other_editors_paragraph(
    django_user_model, published_brief, settings
):
    section = three_paragraphs(published_brief)
    settings.BRIEFS_SECTION_MAX_CHARS = 40
    alma, bruno = two_editors(django_user_model)
    alma_data = change_data(published_brief, note="Alma", sections={1: {"body": "One, A.\n\nTwo.\n\nThree."}})
    too_long = "One.\n\nTwo.\n\nThree, and far too long for the limit."
    bruno_data = change_data(published_brief, note="Bruno", sections={1: {"body": too_long}})

    assert alma.post(change_url(published_brief), alma_data).status_code == 302
    response = bruno.post(change_url(published_brief), bruno_data)
    assert response.status_code == 200
    again = form_data(response)
    assert again["sections-1-body"] == ["One, A.\n\nTwo.\n\nThree, and far too long for the limit."]
    again["sections-1-body"] = "One, A.\n\nTwo.\n\nThree, B."
    assert bruno.post(change_url(published_brief), again).status_code == 302
    section.refresh_from_db()
    assert section.body == "One, A.\n\nTwo.\n\nThree, B."


@pytest.mark.django_db
def test_unhiding_a_section_whose_hidden_text_someone_changed_asks_first(django_user_model, published_brief):
    section = published_brief.sections.get(position=2)
    services.edit_section(section, hidden=True, note="Slepiama", actor=SYSTEM)
    alma, bruno = two_editors(django_user_model)
    bruno_data = change_data(published_brief, note="Bruno", sections={2: {"hidden": False}})
    alma_data = change_data(published_brief, note="Alma", sections={2: {"body": "Alma's unfinished draft."}})

    assert alma.post(change_url(published_brief), alma_data).status_code == 302
    response = bruno.post(change_url(published_brief), bruno_data)
    assert response.status_code == 200
    assert "one of you has not seen" in response.content.decode()
    section.refresh_from_db()
    assert (section.hidden, section.body) == (True, "Alma's unfinished draft.")


@pytest.mark.django_db
def test_a_restored_section_comes_back_where_it_stood(django_user_model, published_brief):
    alma, bruno = two_editors(django_user_model)
    alma_data = change_data(published_brief, note="Alma", sections={1: {"DELETE": True}})
    bruno_data = change_data(published_brief, note="Bruno", sections={1: {"body": "Bruno's text."}})

    assert alma.post(change_url(published_brief), alma_data).status_code == 302
    response = bruno.post(change_url(published_brief), bruno_data)
    assert response.status_code == 200
    assert "changed the order" not in response.content.decode()
    assert bruno.post(change_url(published_brief), form_data(response)).status_code == 302
    assert headings(published_brief) == ["", "First", "Second"]
    assert bodies(published_brief)[1] == "Bruno's text."


def renumbered(data, brief):
    """The change form after the page's script renumbered the rows: a new row moved to the top and
    another new row removed, so the new row now has number 0 and the sections follow it."""
    rows = list(brief.sections.order_by("position"))
    moved = {"sections-TOTAL_FORMS": len(rows) + 1, "sections-INITIAL_FORMS": len(rows)}
    moved.update({"sections-0-brief": brief.pk, "sections-0-order": 0, "sections-0-heading": "New on top"})
    moved["sections-0-body"] = "New."
    for key, value in data.items():
        parts = key.split("-")
        if parts[0] == "sections" and parts[1].isdigit():
            parts[1] = str(int(parts[1]) + 1)
            if parts[2] == "order":
                value = int(value) + 1
            moved["-".join(parts)] = value
        elif "FORMS" not in key:
            moved[key] = value
    return moved


@pytest.mark.django_db
@pytest.mark.parametrize("stale", [False, True])
def test_rows_renumbered_by_the_page_still_save_each_section_once(django_user_model, published_brief, stale):
    alma, bruno = two_editors(django_user_model)
    data = renumbered(
        change_data(published_brief, note="Bruno", sections={2: {"body": "Bruno's text."}}), published_brief
    )
    if stale:
        assert (
            alma.post(
                change_url(published_brief), change_data(published_brief, note="Alma", dek="Alma.")
            ).status_code
            == 302
        )

    assert bruno.post(change_url(published_brief), data).status_code == 302
    assert headings(published_brief) == ["New on top", "", "First", "Second"]
    assert bodies(published_brief)[3] == "Bruno's text."


@pytest.mark.django_db
def test_an_empty_new_row_is_not_a_section(django_user_model, published_brief):
    _alma, bruno = two_editors(django_user_model)
    data = add_row(
        change_data(published_brief, note="Bruno", dek="Bruno."), 3, brief=published_brief.pk, order=3
    )
    assert bruno.post(change_url(published_brief), data).status_code == 302
    assert headings(published_brief) == ["", "First", "Second"]
