"""Run by tests/test_replicas.py in a child pytest with DATABASE_REPLICA_URLS set: "replica1" mirrors the
primary, and the assertions say which alias each query went to."""

import pytest
from django.core.cache import cache
from django.db import connections
from django.test.utils import CaptureQueriesContext

from briefs.actors import SYSTEM
from briefs.models import Section

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica1"])


@pytest.fixture
def capture():
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica1"]) as replica,
    ):
        yield primary, replica


def test_public_reader_page_reads_from_the_replica(client, seed, capture):
    primary, replica = capture
    assert client.get(seed.get_absolute_url()).status_code == 200
    assert len(replica) >= 3
    # The article rendered for this reader is stored for the next one; writes go to the primary.
    statements = [q["sql"].split()[:3] for q in primary.captured_queries]
    assert [s for s in statements if s[0] not in ("BEGIN", "COMMIT")] == [
        ["INSERT", "INTO", '"briefs_renderedarticle"']
    ]
    cache.clear()
    primary_before = len(primary)
    assert client.get(seed.get_absolute_url()).status_code == 200
    assert len(primary) == primary_before


def test_admin_requests_use_the_primary(client, seed, django_user_model, capture):
    user = django_user_model.objects.create_superuser("boss", password="pw-boss-12345")
    client.force_login(user)
    primary, replica = capture
    assert client.get("/admin/briefs/brief/").status_code == 200
    assert client.get(f"/admin/briefs/brief/{seed.pk}/change/").status_code == 200
    assert [q["sql"] for q in replica.captured_queries] == []
    assert len(primary) > 0


def test_an_editorial_save_reads_and_writes_on_the_primary(seed, capture):
    from briefs import services

    section = Section.objects.get(brief=seed, position=0)
    primary, replica = capture
    replica_before = len(replica)
    services.edit_section(section, body="Primary only.", note="Atnaujinta", actor=SYSTEM)
    # Loading the section's brief happens before the save opens; everything inside the save is primary.
    inside = [q["sql"] for q in replica.captured_queries[replica_before:]]
    assert all("briefs_revision" not in sql and "FOR UPDATE" not in sql for sql in inside), inside
    assert any("briefs_historicalsection" in q["sql"] for q in primary.captured_queries)
    assert any("briefs_revision" in q["sql"] for q in primary.captured_queries)


def test_an_admin_save_goes_to_the_primary_only(client, seed, django_user_model, capture):
    from tests.desk import change_data, change_url, make_user

    editor = make_user(django_user_model, "desk-editor", "Editor")
    client.force_login(editor)
    data = change_data(seed, note="Atnaujinta per administravimą", sections={0: {"body": "Primary only."}})
    primary, replica = capture
    replica_before, primary_before = len(replica), len(primary)
    response = client.post(change_url(seed), data)
    assert response.status_code == 302, response.content[:2000]
    assert [q["sql"] for q in replica.captured_queries[replica_before:]] == []
    assert any("briefs_historicalsection" in q["sql"] for q in primary.captured_queries[primary_before:])
    assert Section.objects.get(brief=seed, position=0).body == "Primary only."


def test_a_relation_follows_its_row_except_inside_a_transaction(seed):
    from django.db import router, transaction

    from briefs.models import Brief

    section = Section.objects.using("replica1").get(brief=seed, position=0)
    primary_section = Section.objects.using("default").get(brief=seed, position=0)
    assert router.db_for_read(Brief, instance=section) == "replica1"
    assert router.db_for_read(Brief, instance=primary_section) == "default"
    with transaction.atomic():
        # A save reads its own writes, whichever database the row it started from came from.
        assert router.db_for_read(Brief, instance=section) == "default"
