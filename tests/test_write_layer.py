"""The write layer decides, whoever calls it: which revision is public, who acted, and that a nested call
cannot quietly change the revision it joins."""

import logging

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse

from briefs import services
from briefs.actors import SYSTEM, SystemActor
from briefs.history import NestedRevisionMismatch
from briefs.models import Brief, Revision, RevisionKind, Section
from briefs.signals import revision_committed

pytestmark = pytest.mark.django_db


def latest():
    return Revision.objects.order_by("-pk").first()


def public_surfaces(client, brief):
    """Everything a reader can fetch that carries change-log notes."""
    urls = [
        brief.get_absolute_url(),
        reverse("briefs:feed", kwargs={"slug": brief.slug}),
        reverse("briefs:site-feed"),
        reverse("briefs_api:detail", kwargs={"slug": brief.slug}),
    ]
    return "".join(client.get(url).content.decode() for url in urls)


@pytest.fixture
def hidden(published_brief):
    return services.add_section(
        published_brief, heading="Ruošiama", body="Dar ne.", hidden=True, actor=SYSTEM, note="Ruošiama dalis"
    )


def test_a_hidden_section_edit_through_the_services_stays_out_of_every_public_surface(
    client, published_brief, hidden, editor
):
    rev = services.edit_section(
        hidden, body="Vis dar ne.", actor=editor, note="SLAPTA-PASTABA", kind=RevisionKind.UPDATE
    )
    assert rev is not None and not rev.is_public
    assert "SLAPTA-PASTABA" not in public_surfaces(client, published_brief)


@pytest.mark.parametrize(
    "change",
    [
        "title",
        "slug",
        "visible text",
        "visible order",
        "visible entities",
        "show a hidden section",
        "hide a visible section",
        "delete a visible section",
        "unpublish",
    ],
)
def test_a_change_readers_see_is_public(published_brief, hidden, make_entity, change):
    first = published_brief.sections.get(heading="First")
    kwargs = {"actor": SYSTEM, "note": "Pastaba"}
    if change == "title":
        services.update_brief(published_brief, title="Naujas", **kwargs)
    elif change == "slug":
        services.update_brief(published_brief, slug="naujas-adresas", **kwargs)
    elif change == "visible text":
        services.edit_section(first, body="Kitaip.", **kwargs)
    elif change == "visible order":
        lead, first, second, hidden = published_brief.sections.order_by("position")
        services.reorder_sections(published_brief, [lead.pk, second.pk, first.pk, hidden.pk], **kwargs)
    elif change == "visible entities":
        services.set_entities(first, [make_entity("Naujas asmuo")], **kwargs)
    elif change == "show a hidden section":
        services.edit_section(hidden, hidden=False, **kwargs)
    elif change == "hide a visible section":
        services.edit_section(first, hidden=True, **kwargs)
    elif change == "delete a visible section":
        services.delete_section(first, **kwargs)
    elif change == "unpublish":
        services.unpublish_brief(published_brief, **kwargs)
    assert latest().is_public


@pytest.mark.parametrize(
    "change",
    ["hidden text", "hidden entities", "hidden moved among hidden", "delete hidden", "draft title", "minor"],
)
def test_a_change_readers_do_not_see_is_not_public(published_brief, hidden, make_entity, change):
    kwargs = {"actor": SYSTEM, "note": "Pastaba"}
    if change == "hidden text":
        services.edit_section(hidden, body="Kitaip.", **kwargs)
    elif change == "hidden entities":
        services.set_entities(hidden, [make_entity("Naujas asmuo")], **kwargs)
    elif change == "hidden moved among hidden":
        other = services.add_section(published_brief, heading="Kita", body="x", hidden=True, **kwargs)
        lead, first, second = published_brief.sections.filter(hidden=False).order_by("position")
        services.reorder_sections(
            published_brief, [lead.pk, first.pk, second.pk, other.pk, hidden.pk], **kwargs
        )
    elif change == "delete hidden":
        services.delete_section(hidden, **kwargs)
    elif change == "draft title":
        draft = services.create_brief(title="Juodraštis", actor=SYSTEM)
        services.update_brief(draft, title="Kitas juodraštis", **kwargs)
    elif change == "minor":
        services.edit_section(
            published_brief.sections.get(heading="First"), body="Typo.", actor=SYSTEM, kind="minor"
        )
    rev = latest()
    assert rev is not None and not rev.is_public


def test_a_revert_of_hidden_work_and_an_entity_merge_are_not_public(published_brief, hidden, make_entity):
    before = Revision.objects.order_by("-pk").first()
    services.edit_section(hidden, body="Antras variantas.", actor=SYSTEM, note="x")
    assert not services.revert_brief(published_brief, before, actor=SYSTEM, note="Atgal").is_public
    a, b = make_entity("Dublis A"), make_entity("Dublis B")
    services.set_entities(published_brief.sections.get(heading="First"), [a, b], actor=SYSTEM, note="Žymės")
    assert not services.merge_entities(a, [b], actor=SYSTEM).is_public


def test_the_system_actor_is_recorded_by_name(published_brief):
    rev = services.update_brief(published_brief, dek="Kitas.", actor=SystemActor("nightly_import"), note="x")
    assert (rev.user, rev.system_actor, rev.actor_name) == (None, "nightly_import", "nightly_import")
    assert Brief.history.filter(revision=rev).get().history_user is None


def test_a_user_is_recorded_as_the_user(published_brief, editor):
    rev = services.update_brief(published_brief, dek="Kitas.", actor=editor, note="x")
    assert (rev.user, rev.system_actor, rev.actor_name) == (editor, "", "editor")


@pytest.mark.parametrize("actor", [None, "missing"])
def test_a_write_without_an_actor_is_refused_and_writes_nothing(published_brief, actor):
    count = Revision.objects.count()
    kwargs = {} if actor == "missing" else {"actor": None}
    with pytest.raises(TypeError, match="actor"):
        services.update_brief(published_brief, title="Niekieno", note="x", **kwargs)
    assert Revision.objects.count() == count
    assert Brief.objects.get(pk=published_brief.pk).title == "Bandomoji santrauka"


def test_an_anonymous_or_inactive_user_is_refused(published_brief, editor):
    with pytest.raises(PermissionDenied):
        services.create_brief(title="Anonimas", actor=AnonymousUser())
    editor.is_active = False
    with pytest.raises(PermissionDenied):
        services.create_brief(title="Neaktyvus", actor=editor)
    assert not Brief.objects.filter(title__in=["Anonimas", "Neaktyvus"]).exists()


def test_a_real_user_is_always_held_to_their_permissions(django_user_model, published_brief):
    nobody = django_user_model.objects.create_user("nobody", password="pw-nobody-123", is_staff=True)
    for attempt in (
        lambda: services.create_brief(title="Be teisių", actor=nobody),
        lambda: services.add_section(published_brief, body="x", hidden=True, actor=nobody, note="x"),
        lambda: services.create_entity(name="Kažkas", kind="person", actor=nobody),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    drafter = django_user_model.objects.create_user("drafter", password="pw-drafter-123", is_staff=True)
    drafter.user_permissions.add(*Permission.objects.filter(codename__in=["change_brief", "add_brief"]))
    drafter = django_user_model.objects.get(pk=drafter.pk)
    count = Revision.objects.count()
    with pytest.raises(PermissionDenied, match="publish permission"):
        services.edit_section(
            published_brief.sections.get(heading="First"), body="x", actor=drafter, note="x"
        )
    assert Revision.objects.count() == count
    assert published_brief.sections.get(heading="First").body == "First body."


@pytest.mark.parametrize(
    "nested",
    [
        {"note": "Kita pastaba"},
        {"kind": RevisionKind.CORRECTION},
        {"actor": SystemActor("other")},
    ],
    ids=["note", "kind", "actor"],
)
def test_a_nested_call_asking_for_something_else_raises_and_writes_nothing(published_brief, nested):
    count = Revision.objects.count()
    first = published_brief.sections.get(heading="First")
    kwargs = {"actor": SYSTEM, "note": "Pastaba", "kind": RevisionKind.UPDATE, **nested}
    outer = services.editing(published_brief, actor=SYSTEM, note="Pastaba", kind=RevisionKind.UPDATE)
    with pytest.raises(NestedRevisionMismatch), outer:
        services.update_brief(published_brief, title="Išorinis", actor=SYSTEM)
        services.edit_section(first, body="Vidinis.", **kwargs)
    assert Revision.objects.count() == count
    assert Brief.objects.get(pk=published_brief.pk).title == "Bandomoji santrauka"


def test_a_nested_call_for_another_brief_raises(published_brief):
    other = services.create_brief(title="Kita", actor=SYSTEM)
    with pytest.raises(NestedRevisionMismatch), services.editing(published_brief, actor=SYSTEM, note="x"):
        services.update_brief(other, title="Kita antraštė", actor=SYSTEM)
    assert Brief.objects.get(pk=other.pk).title == "Kita"


def test_nested_calls_that_repeat_or_leave_out_the_note_join_the_revision(published_brief):
    first = published_brief.sections.get(heading="First")
    with services.editing(
        published_brief, actor=SYSTEM, note="Viena", kind=RevisionKind.CORRECTION
    ) as opened:
        services.edit_section(first, body="A.", actor=SYSTEM, note="Viena")
        services.edit_section(first, heading="B", actor=SYSTEM)
        services.publish_brief(published_brief, actor=SYSTEM)  # its default note yields to the given one
    rev = opened.revision
    assert (rev.note, rev.kind, Revision.objects.filter(pk__gt=rev.pk).exists()) == (
        "Viena",
        "correction",
        False,
    )


def test_a_revision_that_changes_nothing_leaves_no_row(published_brief):
    count = Revision.objects.count()
    with services.editing(published_brief, actor=SYSTEM, note="Nieko") as opened:
        services.update_brief(published_brief, title=published_brief.title, actor=SYSTEM)
    assert opened.revision is None and Revision.objects.count() == count


# The committed revision announces itself ---------------------------------------------------------------


@pytest.fixture
def announcements():
    heard = []

    def listen(sender, revision, brief_ids, entity_ids, **kwargs):
        heard.append((revision.pk, brief_ids, entity_ids))

    revision_committed.connect(listen, dispatch_uid="test-listener")
    yield heard
    revision_committed.disconnect(dispatch_uid="test-listener")


def test_a_commit_is_announced_once_with_the_briefs_it_changed(
    published_brief, hidden, announcements, django_capture_on_commit_callbacks
):
    first = published_brief.sections.get(heading="First")
    with django_capture_on_commit_callbacks(execute=True):
        visible = services.edit_section(first, body="Naujai.", actor=SYSTEM, note="x")
        private = services.edit_section(hidden, body="Slapta.", actor=SYSTEM, note="y")
    putin = published_brief.sections.get(heading="First").tagged_entities.first().tag_id
    assert announcements[0][:2] == (visible.pk, frozenset({published_brief.pk}))
    assert putin in announcements[0][2]
    # Announced too, for whoever cares about desk work, but no reader page changed.
    assert announcements[1] == (private.pk, frozenset(), frozenset())


def test_a_rolled_back_revision_is_never_announced(
    published_brief, announcements, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.edit_section(published_brief.sections.get(heading="First"), body="x", actor=SYSTEM, note="x")
        raise RuntimeError("the caller gives up")
    assert announcements == []
    assert published_brief.sections.get(heading="First").body == "First body."


def test_a_failing_reaction_is_logged_and_neither_undoes_the_save_nor_stops_the_others(
    published_brief, announcements, caplog, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise ValueError("the purge service is down")

    revision_committed.connect(broken, dispatch_uid="test-broken")
    try:
        with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
            rev = services.edit_section(
                published_brief.sections.get(heading="First"), body="Išsaugota.", actor=SYSTEM, note="x"
            )
    finally:
        revision_committed.disconnect(dispatch_uid="test-broken")
    assert Section.objects.get(heading="First").body == "Išsaugota."
    assert [pk for pk, *_ in announcements] == [rev.pk]
    assert f"A reaction to revision {rev.pk} failed" in caplog.text
