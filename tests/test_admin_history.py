"""Revision timeline and any-two-revision compare in the admin, with permission and escaping."""

import pytest
from django.urls import reverse

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import EntityKind, Revision
from tests.desk import change_data, change_url, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def editor_user(django_user_model):
    return make_user(django_user_model, "desk-editor", "Editor")


@pytest.fixture
def desk(client, editor_user):
    client.force_login(editor_user)
    return client


def history_url(brief):
    return reverse("admin:briefs_brief_history", args=[brief.pk])


def compare_url(brief, a, b):
    return reverse("admin:briefs_brief_compare", args=[brief.pk]) + f"?from={a.pk}&to={b.pk}"


def test_timeline_shows_who_when_kind_note_and_what_changed(desk, editor_user, published_brief):
    korea = services.create_entity(name="Šiaurės Korėja", kind=EntityKind.COUNTRY, actor=SYSTEM)
    data = change_data(
        published_brief,
        note="Added North Korea",
        kind="clarification",
        sections={1: {"body": "First body, clarified.", "entities": [korea.pk]}},
    )
    assert desk.post(change_url(published_brief), data).status_code == 302
    response = desk.get(history_url(published_brief))
    html = response.content.decode()
    assert response.status_code == 200
    row = html[html.index(f'id="revision-{Revision.objects.latest().pk}"') :]
    row = row[: row.index("</tr>")]
    assert "desk-editor" in row and "Clarification" in row and "Added North Korea" in row
    assert "~ First" in row
    assert "+ Šiaurės Korėja" in row
    assert "− Vladimiras Putinas" in row and "− Rusija" in row
    assert "Paskelbta" in html


def test_timeline_is_paginated(desk, published_brief):
    section = published_brief.sections.get(position=2)
    for n in range(30):
        services.edit_section(section, body=f"Version {n}", note=f"Edit {n}", actor=SYSTEM)
    first_page = desk.get(history_url(published_brief)).content.decode()
    assert "Edit 29" in first_page and "Edit 0<" not in first_page
    assert "Page 1 of 2" in first_page
    second_page = desk.get(history_url(published_brief), {"page": 2}).content.decode()
    assert "Edit 0<" in second_page and "Created" in second_page


def test_compare_any_two_revisions(desk, published_brief, make_entity):
    first = published_brief.revisions.order_by("pk").first()
    lead, one, two = published_brief.sections.order_by("position")
    kim = make_entity("Kim Jong Unas")
    services.edit_section(one, body="First body, now longer.", note="Longer", actor=SYSTEM)
    services.update_brief(published_brief, title="Nauja antraštė", note="Title", actor=SYSTEM)
    services.reorder_sections(published_brief, [lead.pk, two.pk, one.pk], note="Moved", actor=SYSTEM)
    services.set_entities(lead, [kim], note="Kim", actor=SYSTEM)
    services.add_section(published_brief, heading="Third", body="Brand new.", note="Added", actor=SYSTEM)
    services.delete_section(two, note="Removed", actor=SYSTEM)
    last = Revision.objects.latest()

    html = desk.get(compare_url(published_brief, first, last)).content.decode()
    assert "First body<ins>, now longer</ins>." in html
    assert "<del>Bandomoji</del>" in html and "<ins>Nauja</ins>" in html
    assert "badge-added" in html and "Brand new." in html
    assert "badge-removed" in html and "Second body." in html
    assert "+ Kim Jong Unas" in html and "− Vladimiras Putinas" in html
    # From the middle of the history: only the later changes show.
    middle = Revision.objects.get(note="Moved")
    later = desk.get(compare_url(published_brief, middle, last)).content.decode()
    assert "<ins>Nauja</ins>" not in later and "now longer</ins>" not in later
    assert "+ Kim Jong Unas" in later
    # Backwards works too: from last to first reverses insertions and deletions.
    backwards = desk.get(compare_url(published_brief, last, first)).content.decode()
    assert "<ins>Bandomoji</ins>" in backwards and "<del>Nauja</del>" in backwards


def test_compare_shows_moves(desk, published_brief):
    first = published_brief.revisions.order_by("pk").first()
    lead, one, two = published_brief.sections.order_by("position")
    services.reorder_sections(published_brief, [lead.pk, two.pk, one.pk], note="Moved", actor=SYSTEM)
    html = desk.get(compare_url(published_brief, first, Revision.objects.latest())).content.decode()
    assert "badge-moved" in html


def test_diff_output_is_escaped(desk, published_brief):
    first = published_brief.revisions.order_by("pk").first()
    evil = services.create_entity(name="<img src=x onerror=alert(1)>", kind=EntityKind.EVENT, actor=SYSTEM)
    section = published_brief.sections.get(position=1)
    services.edit_section(
        section,
        heading="<script>alert('h')</script>",
        body="<script>alert('b')</script> ok",
        note="<b>x</b>",
        actor=SYSTEM,
    )
    services.update_brief(published_brief, title="<script>alert('t')</script>", note="t", actor=SYSTEM)
    services.set_entities(section, [evil], note="e", actor=SYSTEM)
    last = Revision.objects.latest()
    for url in (compare_url(published_brief, first, last), history_url(published_brief)):
        html = desk.get(url).content.decode()
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(" in html
    revert = desk.get(
        reverse("admin:briefs_brief_revert", args=[published_brief.pk, first.pk])
    ).content.decode()
    assert "<script>alert" not in revert and "&lt;script&gt;alert(" in revert


@pytest.mark.parametrize("name", ["history", "compare", "preview", "revert"])
def test_users_who_may_not_see_the_brief_cannot_reach_its_history(
    client, django_user_model, published_brief, name
):
    first = published_brief.revisions.order_by("pk").first()
    args = [published_brief.pk, first.pk] if name == "revert" else [published_brief.pk]
    url = reverse(f"admin:briefs_brief_{name}", args=args)
    client.force_login(make_user(django_user_model, "no-perms"))
    assert client.get(url).status_code == 403
    client.force_login(django_user_model.objects.create_user("reader", password="x"))
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_unknown_brief_or_foreign_revision_is_not_found(desk, published_brief):
    other = services.create_brief(title="Other", slug="other", actor=SYSTEM)
    foreign = other.revisions.get()
    mine = published_brief.revisions.order_by("pk").first()
    assert desk.get(reverse("admin:briefs_brief_history", args=[999999])).status_code == 404
    assert desk.get(compare_url(published_brief, foreign, mine)).status_code == 404
    assert (
        desk.get(reverse("admin:briefs_brief_compare", args=[published_brief.pk]) + "?from=x").status_code
        == 404
    )
    assert (
        desk.get(reverse("admin:briefs_brief_revert", args=[published_brief.pk, foreign.pk])).status_code
        == 404
    )


def test_revision_list_hides_revisions_of_briefs_the_user_cannot_see(
    client, django_user_model, published_brief
):
    from django.contrib.auth.models import Permission

    services.create_brief(title="Draft", slug="draft", note="Secret draft", actor=SYSTEM)
    user = make_user(django_user_model, "revisions-only")
    user.user_permissions.add(Permission.objects.get(codename="view_revision"))
    client.force_login(user)
    html = client.get(reverse("admin:briefs_revision_changelist")).content.decode()
    assert "Paskelbta" in html
    assert "Secret draft" not in html
    assert ">Created<" not in html


def test_history_and_compare_cost_does_not_grow_with_revisions(desk, django_assert_max_num_queries):
    brief = services.create_brief(
        title="Big",
        slug="big",
        sections=[services.SectionInput(f"S{n}", f"Body {n}.") for n in range(60)],
        actor=SYSTEM,
    )
    sections = list(brief.sections.order_by("position"))
    first = brief.revisions.get()

    def measure():
        last = Revision.objects.latest()
        with django_assert_max_num_queries(30) as compare_queries:
            assert desk.get(compare_url(brief, first, last)).status_code == 200
        with django_assert_max_num_queries(30) as history_queries:
            assert desk.get(history_url(brief)).status_code == 200
        return len(compare_queries), len(history_queries)

    for n in range(10):
        services.edit_section(sections[n], body=f"Edited {n}.", note=f"Edit {n}", actor=SYSTEM)
    few = measure()
    for n in range(60):
        services.edit_section(sections[n % 60], body=f"Edited again {n}.", note=f"Again {n}", actor=SYSTEM)
    assert measure() == few
