"""Every entity has a valid, unique ASCII address, whatever its name: no public page can fail on one."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import Entity
from briefs.tracking import untracked_writes_allowed

pytestmark = pytest.mark.django_db

NAMES_WITHOUT_LETTERS = ["!!!", "—", "🦀", "…", "«»", "¿?"]


def public_pages(brief, entity):
    return [
        brief.get_absolute_url(),
        reverse("briefs:changes", kwargs={"slug": brief.slug}) + "?since=2000-01-01",
        reverse("briefs_api:detail", kwargs={"slug": brief.slug}),
        reverse("briefs_api:list"),
        reverse("briefs:feed", kwargs={"slug": brief.slug}),
        reverse("briefs:site-feed"),
        reverse("briefs:index"),
        reverse("briefs:search") + "?q=Lead",
        entity.get_absolute_url(),
        "/sitemap.xml",
    ]


@pytest.mark.parametrize("name", NAMES_WITHOUT_LETTERS)
def test_an_entity_named_without_letters_breaks_no_public_page(client, published_brief, name, editor):
    entity = services.create_entity(name=name, kind="organisation", actor=SYSTEM)
    assert entity.slug.startswith("organisation")
    lead = published_brief.sections.get(position=0)
    services.set_entities(lead, [*lead.entities.all(), entity], actor=SYSTEM, note="Žymė")
    for url in public_pages(published_brief, entity):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
    client.force_login(editor)
    preview = reverse("admin:briefs_brief_preview", args=[published_brief.pk])
    assert client.get(preview).status_code == 200


def test_two_such_entities_get_different_addresses():
    first = services.create_entity(name="!!!", kind="person", actor=SYSTEM)
    second = services.create_entity(name="???", kind="person", actor=SYSTEM)
    assert first.slug != second.slug and first.slug and second.slug


def test_new_entities_get_ascii_addresses():
    entity = services.create_entity(
        name="Šiaurės Korėjos užsienio reikalų ministerija", kind="organisation", actor=SYSTEM
    )
    assert entity.slug == "siaures-korejos-uzsienio-reikalu-ministerija"


def test_the_database_refuses_an_empty_slug(published_brief):
    entity = Entity.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic(), untracked_writes_allowed():
        Entity.objects.filter(pk=entity.pk).update(slug="")


@pytest.mark.parametrize("path", ["/lt/entities/%00/", "/lt/entities/a%00b/", "/lt/entities/%20/"])
def test_hostile_entity_addresses_are_404(client, path):
    assert client.get(path).status_code == 404
