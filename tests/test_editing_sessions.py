"""Who else has a brief's change form open: shown when the form loads and refreshed by its heartbeat,
so that two editors know of each other before their saves meet."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from briefs import presence, services
from briefs.actors import SYSTEM
from briefs.models import EditingSession
from tests.desk import change_url, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def signed_in(django_user_model, name, role="Editor"):
    client = Client()
    client.force_login(make_user(django_user_model, name, role))
    return client


def heartbeat_url(brief):
    return reverse("admin:briefs_brief_editing", args=[brief.pk])


def banner(response):
    html = response.content.decode()
    start = html.index('id="editing-others"')
    return html[start : html.index("</p>", start)]


def test_the_form_names_who_else_has_it_open(django_user_model, published_brief):
    alma = signed_in(django_user_model, "alma")
    bruno = signed_in(django_user_model, "bruno")

    first = alma.get(change_url(published_brief))
    assert "hidden" in banner(first) and "Also editing" not in banner(first)

    second = bruno.get(change_url(published_brief))
    assert "Also editing this brief: alma (just now)." in banner(second)
    assert "bruno" not in banner(second)


def test_the_heartbeat_keeps_the_session_and_reports_the_others(django_user_model, published_brief):
    alma = signed_in(django_user_model, "alma")
    bruno = signed_in(django_user_model, "bruno")
    alma.get(change_url(published_brief))
    seen = timezone.now() - timedelta(minutes=2)
    EditingSession.objects.update(last_seen_at=seen)

    response = bruno.post(heartbeat_url(published_brief))
    assert response.status_code == 200
    at = timezone.localtime(seen).strftime("%H:%M")
    assert response.json() == {
        "others": f"Also editing this brief: alma (seen at {at}). Their saves and yours will be merged."
    }
    before = EditingSession.objects.get(user__username="alma").last_seen_at
    alma.post(heartbeat_url(published_brief))
    assert EditingSession.objects.get(user__username="alma").last_seen_at > before
    assert EditingSession.objects.count() == 2


def test_a_form_closed_for_longer_than_the_window_drops_off_and_old_rows_go(
    django_user_model, published_brief
):
    alma = signed_in(django_user_model, "alma")
    bruno = signed_in(django_user_model, "bruno")
    alma.get(change_url(published_brief))
    EditingSession.objects.update(last_seen_at=timezone.now() - presence.WINDOW - timedelta(seconds=1))
    assert bruno.post(heartbeat_url(published_brief)).json() == {"others": ""}

    EditingSession.objects.filter(user__username="alma").update(
        last_seen_at=timezone.now() - presence.KEEP - timedelta(seconds=1)
    )
    bruno.post(heartbeat_url(published_brief))
    assert list(EditingSession.objects.values_list("user__username", flat=True)) == ["bruno"]


def test_the_heartbeat_answers_only_a_post_from_someone_who_may_edit_the_brief(django_user_model):
    draft = services.create_brief(title="Juodraštis", slug="juodrastis", actor=SYSTEM)
    reporter = signed_in(django_user_model, "rita", "Reporter")
    assert reporter.post(heartbeat_url(draft)).status_code in {403, 404}
    editor = signed_in(django_user_model, "alma")
    assert editor.get(heartbeat_url(draft)).status_code == 405
    assert Client().post(heartbeat_url(draft)).status_code == 302  # to the login page
    assert not EditingSession.objects.exists()


def test_the_form_names_people_in_lithuanian(django_user_model, published_brief, settings):
    settings.LANGUAGE_CODE = "lt"
    signed_in(django_user_model, "alma").get(change_url(published_brief))
    assert "alma (ką tik)" in banner(signed_in(django_user_model, "bruno").get(change_url(published_brief)))
