"""prune_history drops old minor, non-public history without changing any kept revision."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from briefs import services
from briefs.models import Revision, RevisionKind, Section
from briefs.revisions.state import state_as_of

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("prune_history", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def aged_history(published_brief, editor):
    """Minor edits 40 days ago, later superseded, around public revisions."""
    old = timezone.now() - timedelta(days=40)
    first = published_brief.sections.get(heading="First")
    second = published_brief.sections.get(heading="Second")
    minor = {"actor": editor, "kind": RevisionKind.MINOR}
    m1 = services.edit_section(first, body="typo 1", at=old, **minor)
    m2 = services.edit_section(first, body="typo 2", at=old + timedelta(minutes=1), **minor)
    public = services.edit_section(
        first, body="Public text.", actor=editor, note="Atnaujinta", at=old + timedelta(minutes=2)
    )
    m3 = services.edit_section(second, body="Second, tidied.", at=old + timedelta(minutes=3), **minor)
    recent = services.edit_section(first, body="Recent minor.", **minor)
    return {"m1": m1, "m2": m2, "public": public, "m3": m3, "recent": recent, "brief": published_brief}


def test_dry_run_reports_and_deletes_nothing(aged_history):
    count = Revision.objects.count()
    assert run("--older-than", "30", "--dry-run") == (
        "Would prune 2 revisions and 2 history rows older than 30 days.\n"
        "Kept 1 minor revisions whose rows later revisions still read.\n"
    )
    assert Revision.objects.count() == count


def test_prune_keeps_every_kept_revision_identical(aged_history):
    brief = aged_history["brief"]
    kept = [
        r
        for r in Revision.objects.filter(brief=brief)
        if r.pk not in (aged_history["m1"].pk, aged_history["m2"].pk)
    ]
    before = {r.pk: state_as_of(brief, r) for r in kept}
    public_before = list(Revision.objects.public().values_list("pk", flat=True))

    assert run("--older-than", "30").startswith("Pruned 2 revisions and 2 history rows")

    assert not Revision.objects.filter(pk__in=[aged_history["m1"].pk, aged_history["m2"].pk]).exists()
    # m3 wrote the latest row of "Second": later revisions read it, so it stays.
    assert Revision.objects.filter(pk=aged_history["m3"].pk).exists()
    assert list(Revision.objects.public().values_list("pk", flat=True)) == public_before
    for pk, state in before.items():
        assert state_as_of(brief, pk) == state, pk
    assert Section.history.filter(revision=aged_history["recent"]).exists()


def test_bad_age_is_refused():
    with pytest.raises(CommandError, match="at least 1 day"):
        run("--older-than", "0")
