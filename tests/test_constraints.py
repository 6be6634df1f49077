"""Database constraints reject bad data with a clear error, whichever path the data takes."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import Brief, Entity, Revision, Section

pytestmark = pytest.mark.django_db


def test_duplicate_slug_gets_a_clear_error(published_brief):
    with pytest.raises(ValidationError, match="slug"):
        services.create_brief(title="Kita", slug=published_brief.slug, actor=SYSTEM)
    assert Brief.objects.count() == 1


def test_entity_name_is_unique_per_kind_not_globally(make_entity):
    make_entity("Georgia", "country")
    make_entity("Georgia", "place")
    with translation.override("en"), pytest.raises(ValidationError, match="this kind with this name already"):
        make_entity("Georgia", "country")
    assert Entity.objects.filter(name="Georgia").count() == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"kind": "planet"}, "kind"), ({"wikidata_id": "7747"}, "wikidata_id"), ({"name": ""}, "name")],
)
def test_invalid_entity_values_are_rejected(make_entity, kwargs, field):
    values = {"name": "Kažkas", "kind": "person", **kwargs}
    with pytest.raises(ValidationError) as error:
        make_entity(values.pop("name"), values.pop("kind"), **values)
    assert field in error.value.message_dict
    assert not Entity.objects.exists()


def test_the_database_itself_refuses_bad_rows(published_brief):
    """The named constraints hold even for code that skips validation."""
    cases = [
        lambda: Brief(title="x", slug=published_brief.slug).save(),
        lambda: Brief(title="x", slug="y", status="archived").save(),
        lambda: Brief(title="x", slug="z", status="published").save(),
        lambda: Section(brief=published_brief, position=0, body="clash").save(),
        lambda: Entity(name="x", slug="x", kind="planet").save(),
    ]
    for case in cases:
        with (
            pytest.raises(IntegrityError),
            transaction.atomic(),
            services.editing(None, note="test", actor=SYSTEM),
        ):
            case()
    for bad in [
        {"kind": "whatever", "note": "x"},
        {"kind": "correction", "note": ""},
        {"kind": "minor", "note": "", "is_public": True},
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Revision.objects.create(created_at=published_brief.first_published_at, **bad)
    assert Brief.objects.count() == 1
