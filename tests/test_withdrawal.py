"""Withdrawing text that was public (legal or safety): it leaves every public surface, the change log
says that something was withdrawn and when, and the history keeps it for staff."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import Revision, RevisionKind
from tests.desk import make_user

pytestmark = pytest.mark.django_db

LIBEL = "Ponas X paėmė kyšį"


@pytest.fixture
def libel(published_brief):
    """A published claim, with a note that repeats it, then edited out of the live text."""
    first = published_brief.sections.get(heading="First")
    quoting = services.edit_section(
        first, body=f"First body. {LIBEL}.", actor=SYSTEM, note=f"Pridėta: {LIBEL}"
    )
    removed = services.edit_section(first, body="First body.", actor=SYSTEM, note="Teiginys pašalintas")
    return published_brief, first, quoting, removed


def public_text(client, brief):
    urls = [
        brief.get_absolute_url(),
        reverse("briefs:changes", kwargs={"slug": brief.slug}) + "?since=2000-01-01",
        reverse("briefs:feed", kwargs={"slug": brief.slug}),
        reverse("briefs:site-feed"),
        reverse("briefs_api:detail", kwargs={"slug": brief.slug}),
        reverse("briefs:search") + "?q=Ponas",
    ]
    # The changes page as seen by a reader who last came between the claim and its removal.
    quoting = brief.revisions.filter(note__startswith="Pridėta").get()
    urls.append(
        reverse("briefs:changes", kwargs={"slug": brief.slug}) + f"?since={quoting.created_at.isoformat()}"
    )
    return "".join(client.get(url, follow=True).content.decode() for url in urls)


def test_before_the_withdrawal_the_claim_is_still_readable_in_the_earlier_wording(client, libel):
    brief, *_ = libel
    assert "kyšį" in public_text(client, brief)


def test_withdrawn_text_and_notes_leave_every_public_surface(client, libel, editor):
    brief, first, quoting, _removed = libel
    rev = services.withdraw(
        brief,
        actor=editor,
        note="Tekstas atšauktas teisiniais sumetimais.",
        reason="Teismo nutartis 2-1/2026",
        sections=[first.pk],
        notes=[quoting],
    )
    text = public_text(client, brief)
    assert "kyšį" not in text
    assert "Teismo nutartis" not in text
    # The change log says that something was withdrawn, and when.
    assert "Tekstas atšauktas teisiniais sumetimais." in text
    assert rev.is_public and rev.kind == RevisionKind.WITHDRAWAL
    assert (
        "The earlier wording was withdrawn"
        in client.get(
            reverse("briefs:changes", kwargs={"slug": brief.slug})
            + f"?since={quoting.created_at.isoformat()}",
            follow=True,
        ).content.decode()
    )


def test_staff_still_see_the_withdrawn_text_and_who_withdrew_it(client, libel, editor):
    brief, first, quoting, _removed = libel
    services.withdraw(
        brief, actor=editor, note="Atšaukta.", reason="Teismo nutartis", sections=[first.pk], notes=[quoting]
    )
    client.force_login(editor)
    history = client.get(reverse("admin:briefs_brief_history", args=[brief.pk])).content.decode()
    assert LIBEL in history and "Teismo nutartis" in history and "editor" in history
    compare = client.get(
        reverse("admin:briefs_brief_compare", args=[brief.pk]) + f"?from={quoting.pk - 1}&to={quoting.pk}"
    ).content.decode()
    assert "kyšį" in compare


def test_only_editors_may_withdraw(client, libel, django_user_model):
    brief, first, _quoting, _removed = libel
    reporter = make_user(django_user_model, "rep", "Reporter")
    count = Revision.objects.count()
    with pytest.raises(PermissionDenied):
        services.withdraw(brief, actor=reporter, note="x", sections=[first.pk])
    client.force_login(reporter)
    url = reverse("admin:briefs_brief_withdraw", args=[brief.pk])
    assert client.post(url, {"sections": [first.pk], "note": "x"}).status_code == 403
    assert Revision.objects.count() == count


def test_the_desk_page_withdraws(client, libel, django_user_model):
    brief, first, quoting, _removed = libel
    client.force_login(make_user(django_user_model, "ed", "Editor"))
    url = reverse("admin:briefs_brief_withdraw", args=[brief.pk])
    page = client.get(url).content.decode()
    assert "First" in page and "Pridėta" in page
    response = client.post(
        url, {"sections": [first.pk], "notes": [quoting.pk], "note": "Atšaukta.", "reason": "Teismas"}
    )
    assert response.status_code == 302
    assert "kyšį" not in public_text(client, brief)


@pytest.mark.parametrize(
    "bad",
    [{}, {"sections": [999999]}, {"notes": [0]}],
    ids=["nothing chosen", "foreign section", "unknown note"],
)
def test_a_withdrawal_of_nothing_or_of_something_else_is_refused_and_writes_nothing(libel, editor, bad):
    brief, *_ = libel
    count = Revision.objects.count()
    with pytest.raises(ValidationError):
        services.withdraw(brief, actor=editor, note="x", **bad)
    assert Revision.objects.count() == count
