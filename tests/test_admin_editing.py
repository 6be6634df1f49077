"""Editing a brief in the admin: inline sections, order, notes, entities, preview and history rows."""

import json

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import Brief, Entity, EntityKind, Revision, RevisionKind, Section, TaggedEntity
from tests.desk import add_row, change_data, change_url, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def desk(client, django_user_model):
    client.force_login(make_user(django_user_model, "desk-editor", "Editor"))
    return client


def history_rows(rev):
    return {
        "brief": Brief.history.filter(revision=rev).count(),
        "section": Section.history.filter(revision=rev).count(),
        "tagging": TaggedEntity.history.filter(revision=rev).count(),
    }


def test_change_page_shows_sections_in_order_with_desk_tools(desk, published_brief):
    response = desk.get(change_url(published_brief))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Lead paragraph.") < html.index("First body.") < html.index("Second body.")
    assert "briefs/admin/desk.js" in html
    assert 'class="section-order"' in html
    assert "admin-autocomplete" in html
    assert reverse("admin:briefs_brief_preview", args=[published_brief.pk]) in html
    assert "Newsroom briefs desk" in html


def test_saving_one_changed_section_writes_one_revision_with_only_its_history(desk, published_brief):
    data = change_data(
        published_brief, note="Fixed a date", kind="correction", sections={1: {"body": "New."}}
    )
    response = desk.post(change_url(published_brief), data)
    assert response.status_code == 302
    rev = Revision.objects.latest()
    assert (rev.kind, rev.note, rev.is_public) == (RevisionKind.CORRECTION, "Fixed a date", True)
    assert history_rows(rev) == {"brief": 0, "section": 1, "tagging": 0}
    reader = desk.get(published_brief.get_absolute_url()).content.decode()
    assert "New." in reader and "Fixed a date" in reader


def test_browser_line_endings_do_not_count_as_changes(desk, published_brief):
    services.edit_section(
        published_brief.sections.get(position=2), body="One.\n\nTwo.", note="Two paragraphs", actor=SYSTEM
    )
    services.update_brief(published_brief, dek="Line one.\nLine two.", note="Dek", actor=SYSTEM)
    before = Revision.objects.count()
    data = change_data(
        published_brief,
        kind="minor",
        dek="Line one.\r\nLine two.",
        sections={2: {"body": "One.\r\n\r\nTwo."}},
    )
    assert desk.post(change_url(published_brief), data).status_code == 302
    assert Revision.objects.count() == before


def test_unchanged_save_writes_no_revision(desk, published_brief):
    before = Revision.objects.count()
    response = desk.post(change_url(published_brief), change_data(published_brief, kind="minor"))
    assert response.status_code == 302
    assert Revision.objects.count() == before


def test_published_brief_needs_a_note_unless_minor(desk, published_brief):
    before = Revision.objects.count()
    data = change_data(published_brief, note="", kind="update", sections={1: {"body": "Changed."}})
    response = desk.post(change_url(published_brief), data)
    assert response.status_code == 200
    assert "Write an update note, or mark the change as minor." in response.content.decode()
    assert Revision.objects.count() == before
    assert Section.objects.get(brief=published_brief, position=1).body == "First body."

    data["update_kind"] = "minor"
    assert desk.post(change_url(published_brief), data).status_code == 302
    rev = Revision.objects.latest()
    assert (rev.kind, rev.note, rev.is_public) == (RevisionKind.MINOR, "", False)
    reader = desk.get(published_brief.get_absolute_url()).content.decode()
    assert "Changed." in reader


def test_reorder_moves_sections_in_one_revision(desk, published_brief):
    ids = list(published_brief.sections.order_by("position").values_list("pk", flat=True))
    data = change_data(published_brief, note="Reordered", sections={0: {"order": 2}, 2: {"order": 0}})
    assert desk.post(change_url(published_brief), data).status_code == 302
    assert list(published_brief.sections.order_by("position").values_list("pk", flat=True)) == [
        ids[2],
        ids[1],
        ids[0],
    ]
    rev = Revision.objects.latest()
    assert history_rows(rev) == {"brief": 0, "section": 2, "tagging": 0}


def test_add_delete_and_retag_in_one_save(desk, published_brief, make_entity):
    kim = make_entity("Kim Jong Unas")
    data = change_data(
        published_brief,
        note="Restructured",
        sections={0: {"entities": [kim.pk]}, 1: {"order": 2}, 2: {"DELETE": True}},
    )
    add_row(data, 3, brief=published_brief.pk, heading="New", body="Added *now*.", entities=[kim.pk], order=1)
    assert desk.post(change_url(published_brief), data).status_code == 302
    rows = list(published_brief.sections.order_by("position"))
    assert [s.heading for s in rows] == ["", "New", "First"]
    assert rows[1].body_html == "<p>Added <em>now</em>.</p>"
    assert set(rows[0].entities.all()) == {kim}
    assert set(rows[1].entities.all()) == {kim}
    assert Revision.objects.filter(note="Restructured").count() == 1
    assert Revision.objects.latest().note == "Restructured"


def test_saving_a_section_with_fifteen_entities_takes_bounded_queries(
    desk, published_brief, make_entity, django_assert_max_num_queries
):
    entities = [make_entity(f"Entity {n}", EntityKind.ORGANISATION) for n in range(15)]
    one = change_data(published_brief, note="Tagged one", sections={2: {"entities": [entities[0].pk]}})
    with django_assert_max_num_queries(60) as with_one:
        assert desk.post(change_url(published_brief), one).status_code == 302
    fifteen = change_data(
        published_brief, note="Tagged fifteen", sections={2: {"entities": [e.pk for e in entities]}}
    )
    with django_assert_max_num_queries(60) as with_fifteen:
        assert desk.post(change_url(published_brief), fifteen).status_code == 302
    # Entities are written in bulk: adding fourteen costs no more queries than adding one.
    assert len(with_fifteen) <= len(with_one)
    assert Section.objects.get(brief=published_brief, position=2).entities.count() == 15
    assert history_rows(Revision.objects.latest()) == {"brief": 0, "section": 0, "tagging": 14}


def test_add_form_creates_brief_and_sections_in_one_revision(desk):
    data = {
        "title": "Naujas",
        "slug": "naujas",
        "dek": "",
        "language": "lt",
        "status": "draft",
        "update_kind": "update",
        "update_note": "",
        "sections-TOTAL_FORMS": 2,
        "sections-INITIAL_FORMS": 0,
        "sections-MIN_NUM_FORMS": 0,
        "sections-MAX_NUM_FORMS": 1000,
        "sections-0-heading": "",
        "sections-0-body": "Lead.",
        "sections-0-order": 0,
        "sections-1-heading": "Two",
        "sections-1-body": "Second.",
        "sections-1-order": 1,
    }
    response = desk.post(reverse("admin:briefs_brief_add"), data)
    assert response.status_code == 302
    brief = Brief.objects.get(slug="naujas")
    assert [s.body for s in brief.sections.order_by("position")] == ["Lead.", "Second."]
    assert brief.revisions.count() == 1
    assert Revision.objects.latest().brief == brief


def test_add_form_only_creates_drafts(desk):
    form = desk.get(reverse("admin:briefs_brief_add")).content.decode()
    assert 'value="published"' not in form
    data = {
        "title": "Skubus",
        "slug": "skubus",
        "dek": "",
        "language": "lt",
        "status": "published",
        "update_kind": "update",
        "update_note": "",
        "sections-TOTAL_FORMS": 0,
        "sections-INITIAL_FORMS": 0,
        "sections-MIN_NUM_FORMS": 0,
        "sections-MAX_NUM_FORMS": 1000,
    }
    response = desk.post(reverse("admin:briefs_brief_add"), data)
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not Brief.objects.filter(slug="skubus").exists()


def test_invalid_input_shows_an_error_and_saves_nothing(desk, published_brief):
    before = Revision.objects.count()
    data = change_data(published_brief, note="x", slug="", sections={1: {"body": "Should not stick."}})
    response = desk.post(change_url(published_brief), data)
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Revision.objects.count() == before
    assert Section.objects.get(brief=published_brief, position=1).body == "First body."


def test_autocomplete_searches_names_and_aliases(desk, make_entity):
    putin = make_entity("Vladimiras Putinas", aliases=["Putinu", "Putino"])
    make_entity("Rusija", EntityKind.COUNTRY)
    korea = make_entity("Šiaurės Korėja", EntityKind.COUNTRY, aliases=["Šiaurės Korėjos"])
    url = reverse("admin:autocomplete")
    params = {"app_label": "briefs", "model_name": "taggedentity", "field_name": "tag"}
    by_alias = desk.get(url, {**params, "term": "putinu"}).json()["results"]
    assert by_alias == [{"id": str(putin.pk), "text": "Vladimiras Putinas"}]
    by_name = desk.get(url, {**params, "term": "Rusij"}).json()["results"]
    assert [r["text"] for r in by_name] == ["Rusija"]
    inflected = desk.get(url, {**params, "term": "Korėjos"}).json()["results"]
    assert [r["id"] for r in inflected] == [str(korea.pk)]


def test_new_entity_from_the_popup_is_created_through_the_services(desk):
    url = reverse("admin:briefs_entity_add") + "?_popup=1&_to_field=id"
    response = desk.post(
        url,
        {
            "name": "Sergejus Šoigu",
            "kind": "person",
            "aliases": "Šoigu\nŠoigaus\n",
            "description": "",
            "wikidata_id": "",
            "_popup": "1",
            "_to_field": "id",
        },
    )
    assert response.status_code == 200
    entity = Entity.objects.get(name="Sergejus Šoigu")
    assert entity.aliases == ["Šoigu", "Šoigaus"]
    assert str(entity.pk) in response.content.decode()
    assert Entity.history.filter(id=entity.pk).get().revision.kind == RevisionKind.MINOR


def test_bad_wikidata_id_is_refused(desk):
    response = desk.post(
        reverse("admin:briefs_entity_add"),
        {"name": "X", "kind": "person", "aliases": "", "description": "", "wikidata_id": "7747"},
    )
    assert response.status_code == 200
    assert "A Wikidata ID looks like Q7747." in response.content.decode()
    assert not Entity.objects.filter(name="X").exists()


def test_merge_action_moves_taggings_and_records_history(desk, published_brief, make_entity):
    putin = Entity.objects.get(name="Vladimiras Putinas")
    duplicate = make_entity("V. Putin", aliases=["Putinui"])
    services.set_entities(published_brief.sections.get(position=2), [duplicate], note="Tagged", actor=SYSTEM)
    changelist = reverse("admin:briefs_entity_changelist")
    selected = {"action": "merge_selected", ACTION_CHECKBOX_NAME: [putin.pk, duplicate.pk]}
    confirm = desk.post(changelist, selected)
    assert confirm.status_code == 200 and "Choose the entity to keep" in confirm.content.decode()
    response = desk.post(changelist, {**selected, "apply": "1", "survivor": putin.pk, "note": "Duplicate"})
    assert response.status_code == 302
    assert Entity.objects.get(pk=duplicate.pk).merged_into == putin
    putin.refresh_from_db()
    assert {"V. Putin", "Putinui"} <= set(putin.aliases)
    assert published_brief.sections.get(position=2).entities.get() == putin
    rev = Revision.objects.latest()
    assert rev.note == "Duplicate"
    assert TaggedEntity.history.filter(revision=rev).count() == 2


def test_preview_shows_hidden_sections_and_drafts_to_staff_only(
    client, desk, published_brief, django_user_model
):
    services.add_section(
        published_brief, heading="Secret", body="Hidden draft text.", hidden=True, note="wip", actor=SYSTEM
    )
    draft = services.create_brief(
        title="Unpublished draft",
        slug="draft",
        sections=[services.SectionInput("", "Draft lead.")],
        actor=SYSTEM,
    )
    for brief, text in ((published_brief, "Hidden draft text."), (draft, "Draft lead.")):
        url = reverse("admin:briefs_brief_preview", args=[brief.pk])
        response = desk.get(url)
        assert response.status_code == 200
        assert text in response.content.decode()
        assert {"private", "no-store"} <= {p.strip() for p in response["Cache-Control"].split(",")}
        assert "briefs/brief_detail.html" in {t.name for t in response.templates}
    assert (
        "Vladimiras Putinas"
        in desk.get(reverse("admin:briefs_brief_preview", args=[published_brief.pk])).content.decode()
    )
    assert "Hidden draft text." not in desk.get(published_brief.get_absolute_url()).content.decode()
    url = reverse("admin:briefs_brief_preview", args=[draft.pk])
    client.logout()
    assert client.get(url).status_code == 302
    client.force_login(django_user_model.objects.create_user("reader", password="x"))
    assert client.get(url).status_code == 302


def test_markdown_preview_is_sanitized(desk):
    response = desk.post(
        reverse("admin:briefs_brief_markdown_preview"), {"body": "Hi *there* <script>alert(1)</script>"}
    )
    assert response.status_code == 200
    html = json.loads(response.content)["html"]
    assert "<em>there</em>" in html and "<script" not in html
    assert desk.get(reverse("admin:briefs_brief_markdown_preview")).status_code == 405


def test_suggested_entities_are_offered_but_not_tagged(desk, published_brief, make_entity):
    korea = make_entity("Šiaurės Korėja", EntityKind.COUNTRY, aliases=["Šiaurės Korėjos", "Šiaurės Korėją"])
    section = published_brief.sections.get(position=2)
    services.edit_section(
        section, body="Šiaurės Korėjos kariai ir Choe Son Hui susitiko su Putinu.", note="Text", actor=SYSTEM
    )
    before = Revision.objects.count()
    html = desk.get(change_url(published_brief)).content.decode()
    row = html[html.index('id="sections-2"') : html.index('id="sections-empty"')]
    assert f'data-entity-id="{korea.pk}"' in row
    putin = Entity.objects.get(name="Vladimiras Putinas")
    assert f'data-entity-id="{putin.pk}"' in row
    assert "Choe Son Hui" in row and "Not entities yet:" in row
    # Offered, not tagged: nothing was written by showing the page.
    assert set(section.entities.all()) == set()
    assert Revision.objects.count() == before
    # Accepting means the entity is in the field when the editor saves.
    data = change_data(published_brief, note="Tagged", sections={2: {"entities": [korea.pk, putin.pk]}})
    assert desk.post(change_url(published_brief), data).status_code == 302
    assert set(section.entities.all()) == {korea, putin}
    html = desk.get(change_url(published_brief)).content.decode()
    row = html[html.index('id="sections-2"') : html.index('id="sections-empty"')]
    assert f'data-entity-id="{korea.pk}"' not in row and f'data-entity-id="{putin.pk}"' not in row


@pytest.mark.parametrize(
    "body",
    ["x" * 120, "\n".join("    " * depth + "- level" for depth in range(8))],
    ids=["too long", "nested too deep"],
)
def test_a_section_body_over_the_limits_is_a_form_error_and_saves_nothing(
    desk, published_brief, settings, body
):
    settings.BRIEFS_SECTION_MAX_CHARS = 100
    before = Revision.objects.count()
    response = desk.post(
        change_url(published_brief),
        change_data(published_brief, note="Per daug", sections={1: {"body": body}}),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "at most 100 characters" in html or "nested at most 4 levels" in html
    assert Revision.objects.count() == before
    assert published_brief.sections.get(position=1).body == "First body."
