"""Review due: which sections are overdue, the admin page, the mark-reviewed button and the command."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import Section
from tests.desk import make_user

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    settings.TIME_ZONE = "UTC"


@pytest.fixture
def briefs(make_entity):
    """Two published briefs, first published 30 and 10 days ago, and a draft."""
    old = services.create_brief(
        title="Old",
        slug="old",
        sections=[services.SectionInput("", "Lead."), services.SectionInput("Body", "Text.")],
        at=NOW - timedelta(days=30),
        actor=SYSTEM,
    )
    services.publish_brief(old, at=NOW - timedelta(days=30), actor=SYSTEM)
    newer = services.create_brief(
        title="Newer",
        slug="newer",
        sections=[services.SectionInput("Only", "Text.")],
        at=NOW - timedelta(days=10),
        actor=SYSTEM,
    )
    services.publish_brief(newer, at=NOW - timedelta(days=10), actor=SYSTEM)
    services.add_section(newer, heading="Hidden", body="x", hidden=True, note="wip", actor=SYSTEM)
    services.create_brief(
        title="Draft", slug="draft", sections=[services.SectionInput("", "x")], actor=SYSTEM
    )
    return old, newer


def test_review_due_rule_and_order(briefs, settings):
    old, _newer = briefs
    lead, body = old.sections.order_by("position")
    services.mark_reviewed(body, actor=SYSTEM, at=NOW - timedelta(days=8))
    due = list(Section.objects.review_due(NOW))
    # Never reviewed counts from first publication; hidden sections and drafts are never due.
    assert [(s.brief.slug, s.heading) for s in due] == [("old", ""), ("newer", "Only"), ("old", "Body")]
    services.mark_reviewed(lead, actor=SYSTEM, at=NOW - timedelta(days=1))
    assert [s.heading for s in Section.objects.review_due(NOW)] == ["Only", "Body"]
    settings.BRIEFS_REVIEW_INTERVAL_DAYS = 9
    assert [s.heading for s in Section.objects.review_due(NOW)] == ["Only"]
    settings.BRIEFS_REVIEW_INTERVAL_DAYS = 30
    assert list(Section.objects.review_due(NOW)) == []


def test_mark_reviewed_writes_no_revision(briefs):
    old, _ = briefs
    section = old.sections.first()
    revisions = old.revisions.count()
    history = Section.history.count()
    services.mark_reviewed(section, actor=SYSTEM)
    assert old.revisions.count() == revisions and Section.history.count() == history


def test_admin_review_due_page_lists_oldest_first_and_marks_reviewed(client, django_user_model, briefs):
    editor = make_user(django_user_model, "ed", "Editor")
    client.force_login(editor)
    url = reverse("admin:briefs_brief_review_due")
    html = client.get(url).content.decode()
    table = html[html.index('id="review-due"') :]
    assert table.index("Old") < table.index("Newer")
    assert table.count("Mark reviewed") == 3
    assert "Draft" not in table and "Hidden" not in table

    section = Section.objects.get(heading="Only")
    mark = reverse("admin:briefs_brief_mark_reviewed", args=[section.brief_id, section.pk])
    response = client.post(mark, {"next": url})
    assert response.status_code == 302 and response["Location"] == url
    section.refresh_from_db()
    assert section.last_reviewed_by == editor and section.last_reviewed_at is not None
    assert client.get(url).content.decode().count("Mark reviewed") == 2
    assert client.get(mark).status_code == 405


def test_mark_reviewed_does_not_redirect_off_site(client, django_user_model, briefs):
    client.force_login(make_user(django_user_model, "ed", "Editor"))
    section = Section.objects.get(heading="Only")
    mark = reverse("admin:briefs_brief_mark_reviewed", args=[section.brief_id, section.pk])
    response = client.post(mark, {"next": "https://evil.example/"})
    assert response["Location"] == reverse("admin:briefs_brief_change", args=[section.brief_id])


def test_reporters_see_the_list_without_mark_buttons(client, django_user_model, briefs):
    client.force_login(make_user(django_user_model, "rep", "Reporter"))
    html = client.get(reverse("admin:briefs_brief_review_due")).content.decode()
    assert "Newer" in html and "Mark reviewed" not in html


def test_command_prints_the_list_and_fails_when_something_is_due(briefs, capsys, django_user_model):
    old, _ = briefs
    body = old.sections.get(heading="Body")
    reviewer = make_user(django_user_model, "rita", "Editor")
    services.mark_reviewed(body, actor=reviewer, at=NOW - timedelta(days=8))
    with pytest.raises(CommandError, match=r"^3 section\(s\) due for review\.$"):
        call_command("review_due", as_of=NOW.isoformat())
    fmt = "%Y-%m-%d %H:%M"
    assert capsys.readouterr().out == (
        "Due for review (interval 7 days), oldest first:\n"
        f"old  #1 Lead  (never reviewed, published {(NOW - timedelta(days=30)).strftime(fmt)})\n"
        f"newer  #1 Only  (never reviewed, published {(NOW - timedelta(days=10)).strftime(fmt)})\n"
        f"old  #2 Body  (reviewed {(NOW - timedelta(days=8)).strftime(fmt)} by rita)\n"
    )


def test_command_exits_zero_when_nothing_is_due(briefs, capsys):
    call_command("review_due", as_of=(NOW - timedelta(days=25)).isoformat())
    assert capsys.readouterr().out == "Nothing is due for review (interval 7 days).\n"


def test_command_exits_with_status_one_when_due_and_refuses_bad_input(briefs):
    # manage.py turns a CommandError into "CommandError: <message>" on stderr and this exit status.
    with pytest.raises(CommandError) as raised:
        call_command("review_due")
    assert raised.value.returncode == 1
    with pytest.raises(CommandError, match="not an ISO 8601 time"):
        call_command("review_due", as_of="yesterday")
