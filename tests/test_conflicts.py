"""Two editors save the same brief: the second is told who changed it and keeps their edits."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import Revision, Section
from tests.desk import change_data, change_url, make_user


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


@pytest.mark.django_db
def test_second_save_is_rejected_with_who_when_and_a_diff_link(django_user_model, published_brief):
    alma, bruno = two_editors(django_user_model)
    # Both open the form and see the same latest revision.
    seen = Revision.objects.filter(brief=published_brief).latest().pk
    assert (
        f'name="expected_revision" value="{seen}"' in alma.get(change_url(published_brief)).content.decode()
    )
    alma_data = change_data(published_brief, note="Alma", sections={1: {"body": "Alma's text."}})
    bruno_data = change_data(published_brief, note="Bruno", sections={2: {"body": "Bruno's text."}})

    assert alma.post(change_url(published_brief), alma_data).status_code == 302
    alma_rev = Revision.objects.latest()
    response = bruno.post(change_url(published_brief), bruno_data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "alma changed this brief at" in html
    assert f"?from={seen}&amp;to={alma_rev.pk}" in html
    assert "Bruno&#x27;s text." in html  # the edit stays in the form
    assert f'name="expected_revision" value="{alma_rev.pk}"' in html
    assert Revision.objects.latest() == alma_rev
    bodies = dict(published_brief.sections.values_list("position", "body"))
    assert bodies[1] == "Alma's text." and bodies[2] == "Second body."

    # Having seen the conflict, Bruno saves again; the form now carries Alma's revision.
    bruno_data["expected_revision"] = alma_rev.pk
    bruno_data["sections-1-body"] = "Alma's text."
    assert bruno.post(change_url(published_brief), bruno_data).status_code == 302
    bodies = dict(published_brief.sections.values_list("position", "body"))
    assert bodies == {0: "Lead paragraph.", 1: "Alma's text.", 2: "Bruno's text."}


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_parallel_saves_one_wins_and_nothing_is_lost(django_user_model, published_brief):
    alma, bruno = two_editors(django_user_model)
    payloads = {
        "alma": (alma, change_data(published_brief, note="Alma", sections={1: {"body": "Alma's text."}})),
        "bruno": (bruno, change_data(published_brief, note="Bruno", sections={1: {"body": "Bruno's text."}})),
    }
    before = Revision.objects.count()
    results = {}

    if connection.vendor == "postgresql":
        # Real concurrency: both threads pass form validation, then race for the row lock.
        barrier = threading.Barrier(2)

        def save(name):
            client, data = payloads[name]
            try:
                barrier.wait(timeout=10)
                results[name] = client.post(change_url(published_brief), data)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=save, args=(name,)) for name in payloads]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    else:
        # SQLite takes its write lock at BEGIN (IMMEDIATE), so savers queue: the second one sees the
        # first one's revision and is refused in the same way.
        for name, (client, data) in payloads.items():
            results[name] = client.post(change_url(published_brief), data)

    statuses = sorted(r.status_code for r in results.values())
    assert statuses == [200, 302]
    winner = next(name for name, r in results.items() if r.status_code == 302)
    loser = next(name for name, r in results.items() if r.status_code == 200)
    assert Revision.objects.count() == before + 1
    assert Revision.objects.latest().user.username == winner
    body = Section.objects.get(brief=published_brief, position=1).body
    assert body == f"{winner.capitalize()}'s text."
    html = results[loser].content.decode()
    assert f"{winner} changed this brief at" in html
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
    assert response.status_code == 200
    assert "changed this brief at" in response.content.decode()
    assert Section.objects.get(brief=published_brief, position=1).body == "First body."
    assert Section.objects.get(brief=published_brief, position=2).body == "Sneaky."
