"""Conditional GET, the render cache and Cache-Control on reader pages, feeds and the API."""

import logging

from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from briefs import caching, services
from briefs.actors import SYSTEM
from briefs.models import RevisionKind

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


def urls(brief):
    return [
        brief.get_absolute_url(),
        reverse("briefs:feed", kwargs={"slug": brief.slug}),
        reverse("briefs:api-detail", kwargs={"slug": brief.slug}),
        reverse("briefs:changes", kwargs={"slug": brief.slug}) + "?since=2020-01-01",
        reverse("briefs:site-feed"),
        reverse("briefs:api-list"),
        reverse("briefs:index"),
        reverse("briefs:entity", kwargs={"slug": "rusija"}),
    ]


def test_public_responses_carry_validators_and_cache_control(client, published_brief, settings):
    settings.BRIEFS_CACHE_SECONDS = 90
    for url in urls(published_brief):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["ETag"].startswith('"'), url
        assert response["Last-Modified"].endswith("GMT"), url
        assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=90"}, url
        assert "Accept-Language" in response["Vary"] and "Cookie" in response["Vary"], url
        assert "Set-Cookie" not in response, url


def test_every_page_answers_304_after_one_indexed_query(client, published_brief, django_assert_num_queries):
    for url in urls(published_brief):
        etag = client.get(url)["ETag"]
        with django_assert_num_queries(1):
            response = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 304, url
        assert response.content == b""
        assert response["ETag"] == etag


def test_if_modified_since_gets_304(client, published_brief):
    url = published_brief.get_absolute_url()
    last_modified = client.get(url)["Last-Modified"]
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE="Mon, 01 Jan 2001 00:00:00 GMT").status_code == 200


def test_brief_page_queries_are_bounded(client, published_brief, django_assert_num_queries, make_entity):
    for number in range(10):
        entity = make_entity(f"Asmuo {number}")
        services.add_section(
            published_brief,
            heading=f"Dalis {number}",
            body="Tekstas.",
            entities=[entity],
            note="Nauja",
            actor=SYSTEM,
        )
    url = published_brief.get_absolute_url()
    # Rendering the article: the brief, its stored article (stale), sections, entities, change log, store,
    # and the savepoint around the store that this test's transaction adds.
    with django_assert_num_queries(8):
        rendered = client.get(url)
    cache.clear()
    # The next reader after the page cache is emptied: the brief and the stored article.
    with django_assert_num_queries(2):
        stored = client.get(url)
    assert stored.content == rendered.content


def test_warm_render_comes_from_the_cache(client, published_brief, django_assert_num_queries):
    url = published_brief.get_absolute_url()
    cold = client.get(url)
    # The brief row, which is its own version token; the page itself comes from the cache.
    with django_assert_num_queries(1):
        warm = client.get(url)
    assert warm.status_code == 200
    assert warm.content == cold.content
    assert warm["ETag"] == cold["ETag"]


def test_a_save_invalidates_the_cached_page(client, published_brief):
    url = published_brief.get_absolute_url()
    before = client.get(url)
    section = published_brief.sections.get(heading="First")
    services.edit_section(section, body="Fresh wording.", note="Atnaujinta", actor=SYSTEM)
    after = client.get(url)
    assert "Fresh wording." in after.content.decode()
    assert "First body." not in after.content.decode()
    assert after["ETag"] != before["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 200


def test_a_minor_save_invalidates_too(client, published_brief):
    url = reverse("briefs:api-detail", kwargs={"slug": published_brief.slug})
    client.get(url)
    section = published_brief.sections.get(heading="Second")
    services.edit_section(section, body="Typo fixed.", kind=RevisionKind.MINOR, actor=SYSTEM)
    assert "Typo fixed." in client.get(url).content.decode()


def test_an_entity_edit_invalidates_pages_that_show_it(client, published_brief):
    from briefs.models import Entity

    russia = Entity.objects.get(name="Rusija")
    pages = [published_brief.get_absolute_url(), russia.get_absolute_url()]
    for url in pages:
        client.get(url)
    services.update_entity(russia, name="Rusijos Federacija", actor=SYSTEM)
    for url in pages:
        assert "Rusijos Federacija" in client.get(url).content.decode(), url


def test_unpublishing_takes_the_page_down_at_once(client, published_brief):
    url = published_brief.get_absolute_url()
    etag = client.get(url)["ETag"]
    services.unpublish_brief(published_brief, actor=SYSTEM)
    assert client.get(url).status_code == 404
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 404


def test_language_is_part_of_the_version(client, published_brief):
    url = published_brief.get_absolute_url()
    lt = client.get(url, HTTP_ACCEPT_LANGUAGE="lt")
    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert lt["ETag"] != en["ETag"]
    assert "Contents" in en.content.decode()
    assert "Contents" not in lt.content.decode()


def test_staff_responses_are_never_cached(client, published_brief, editor):
    client.force_login(editor)
    response = client.get(published_brief.get_absolute_url())
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    assert "ETag" not in response


def test_staff_preview_of_a_draft_is_private(client, editor):
    draft = services.create_brief(
        title="Dar ne", slug="dar-ne", sections=[services.SectionInput("", "Slapta.")], actor=SYSTEM
    )
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(editor)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "Slapta." in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    client.logout()
    assert client.get(draft.get_absolute_url()).status_code == 404


@override_settings(CACHES=UNREACHABLE_REDIS)
def test_pages_render_when_the_cache_is_down(client, published_brief, caplog):
    with caplog.at_level(logging.WARNING, logger="briefs.caching"):
        for url in urls(published_brief):
            response = client.get(url)
            assert response.status_code == 200, url
        assert "First body." in client.get(published_brief.get_absolute_url()).content.decode()
    assert any("Cache read failed" in r.getMessage() for r in caplog.records)
    assert any("Cache write failed" in r.getMessage() for r in caplog.records)


def test_cache_helpers_swallow_backend_errors(caplog):
    with (
        override_settings(CACHES=UNREACHABLE_REDIS),
        caplog.at_level(logging.WARNING, logger="briefs.caching"),
    ):
        assert caching.cache_get("anything") is None
        caching.cache_set("anything", b"x")
    assert len(caplog.records) == 2


def test_versions_move_only_for_the_briefs_a_save_changes(published_brief, make_entity):
    from briefs.models import Brief, Entity

    ukraine = make_entity("Ukraina", "country")
    other = services.create_brief(
        title="Kita",
        slug="kita",
        sections=[services.SectionInput("", "Kitas tekstas.", entities=[ukraine])],
        actor=SYSTEM,
    )
    services.publish_brief(other, note="Paskelbta", actor=SYSTEM)

    def versions():
        return dict(Brief.objects.values_list("slug", "version"))

    before = versions()
    # Tagging Ukraine in one brief changes that brief only.
    section = published_brief.sections.get(heading="Second")
    services.set_entities(section, [ukraine], note="Žymė", actor=SYSTEM)
    after_tag = versions()
    assert after_tag == {**before, "bandomoji": before["bandomoji"] + 1}
    # Renaming Ukraine changes every brief that shows it; a rename of an unused entity changes none.
    services.update_entity(ukraine, name="Ukraina (valstybė)", actor=SYSTEM)
    after_rename = versions()
    assert after_rename == {"bandomoji": after_tag["bandomoji"] + 1, "kita": after_tag["kita"] + 1}
    unused = make_entity("Niekur neminimas")
    services.update_entity(unused, description="Niekas.", actor=SYSTEM)
    assert versions() == after_rename
    # A merge moves the taggings of the duplicate, so the briefs that showed it move on.
    duplicate = make_entity("Ukraine", "country")
    services.set_entities(other.sections.get(), [duplicate], note="Žymė", actor=SYSTEM)
    before_merge = versions()
    services.merge_entities(Entity.objects.get(pk=ukraine.pk), [duplicate], actor=SYSTEM)
    assert versions() == {k: v + 1 for k, v in before_merge.items()}


def test_validators_move_only_when_the_public_page_changes(client, published_brief, editor):
    """Outsiders cannot watch unpublished work through ETags, Last-Modified or the API's version."""
    detail = published_brief.get_absolute_url()
    api = reverse("briefs:api-detail", kwargs={"slug": published_brief.slug})

    def validators():
        page, item = client.get(detail), client.get(api)
        return page["ETag"], page["Last-Modified"], item["ETag"], item.json()["version"]

    before = validators()
    hidden = services.add_section(
        published_brief, heading="Ruošiama", body="Dar ne.", hidden=True, actor=editor, note="x"
    )
    services.edit_section(hidden, body="Vis dar ne.", actor=editor, note="y")
    services.create_brief(title="Juodraštis", slug="juodrastis", actor=editor)
    assert validators() == before
    services.edit_section(hidden, hidden=False, actor=editor, note="Nauja dalis")
    assert validators()[0] != before[0] and validators()[3] != before[3]
