"""Many editors at once: every edit is either recorded exactly once or rejected as a conflict."""

import threading

import pytest
from django.db import connection, connections

from briefs import services
from briefs.actors import SYSTEM
from briefs.history import EditConflict
from briefs.models import Brief, Revision, RevisionKind, Section

THREADS = 25
EDITS_PER_THREAD = 5


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_parallel_edits_are_each_accepted_once_or_rejected(make_entity):
    brief = services.create_brief(
        title="Lenktynės", slug="lenktynes", sections=[services.SectionInput("", "Start.")], actor=SYSTEM
    )
    services.publish_brief(brief, note="Paskelbta", actor=SYSTEM)
    section_id = brief.sections.get().pk
    revisions_before = Revision.objects.filter(brief=brief).count()
    outcomes: list[tuple[str, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def editor(number: int) -> None:
        try:
            start.wait()
            for edit in range(EDITS_PER_THREAD):
                text = f"Edit {number}-{edit}."
                seen = Revision.objects.filter(brief_id=brief.pk).values_list("pk", flat=True).first()
                section = Section.objects.select_related("brief").get(pk=section_id)
                try:
                    services.edit_section(
                        section,
                        body=text,
                        note=text,
                        kind=RevisionKind.UPDATE,
                        expected_revision=seen,
                        actor=SYSTEM,
                    )
                    result = "accepted"
                except EditConflict:
                    result = "conflict"
                with lock:
                    outcomes.append((result, text))
        except BaseException as error:  # every failure must reach the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=editor, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(outcomes) == THREADS * EDITS_PER_THREAD
    accepted = [text for result, text in outcomes if result == "accepted"]
    assert accepted, "at least the first edit must win"
    added = list(Revision.objects.filter(brief_id=brief.pk).order_by("pk")[revisions_before:])
    assert len(accepted) == len(added)
    assert sorted(r.note for r in added) == sorted(accepted)
    for text in accepted:
        assert Section.history.filter(id=section_id, body=text).count() == 1
    rejected = {text for result, text in outcomes if result == "conflict"}
    assert not Section.history.filter(id=section_id, body__in=rejected).exists()
    # The content is the last accepted edit, and the brief itself was not touched by anyone.
    last = added[-1]
    assert Section.objects.get(pk=section_id).body == last.note
    assert Brief.history.filter(id=brief.pk).count() == 2
    print(f"{connection.vendor}: {len(accepted)} accepted, {len(rejected)} rejected as conflicts")


@pytest.mark.django_db
def test_a_failure_inside_the_save_leaves_nothing_half_written(published_brief, make_entity, monkeypatch):
    """If the database fails mid-save, the Revision, the history rows and the content roll back together."""
    from django.db import OperationalError

    from briefs import history

    ukraine = make_entity("Ukraina", "country")
    section = published_brief.sections.get(heading="First")
    counts = (
        Revision.objects.count(),
        Section.history.count(),
        Section.objects.get(pk=section.pk).body,
        set(section.entities.values_list("pk", flat=True)),
    )

    def connection_drops(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(history, "bulk_create_with_history", connection_drops)
    monkeypatch.setattr(services, "bulk_create_with_history", connection_drops)
    with (
        pytest.raises(OperationalError),
        services.editing(published_brief, note="Dvi dalys", kind=RevisionKind.UPDATE, actor=SYSTEM),
    ):
        services.edit_section(section, body="Written before the failure.", actor=SYSTEM)
        services.set_entities(section, [ukraine], actor=SYSTEM)

    assert (
        Revision.objects.count(),
        Section.history.count(),
        Section.objects.get(pk=section.pk).body,
        set(section.entities.values_list("pk", flat=True)),
    ) == counts
