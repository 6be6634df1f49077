"""Conditional GET, Cache-Control and surrogate keys on reader pages, feeds and the API: a public page
depends on its URL alone, so a CDN or Varnish may keep it."""

from django.urls import reverse
from django.utils import translation

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import Entity, RevisionKind


def urls(brief):
    return [
        brief.get_absolute_url(),
        reverse("briefs:feed", kwargs={"slug": brief.slug}),
        reverse("briefs_api:detail", kwargs={"slug": brief.slug}),
        # The one address that stands for every moment before the brief's first public revision.
        reverse("briefs:changes", kwargs={"slug": brief.slug}) + "?since=1970-01-01T00%3A00%3A00%2B00%3A00",
        reverse("briefs:site-feed"),
        reverse("briefs_api:list"),
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
        assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=0", "s-maxage=90"}, url


def test_a_public_page_depends_on_nothing_but_its_url(client, published_brief):
    """No Vary, no cookie, no CSRF token, no session: most CDNs cache nothing that varies on Cookie."""
    for url in [*urls(published_brief), reverse("briefs:search") + "?q=Lead"]:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en", HTTP_COOKIE="tracking=1")
        assert response.status_code == 200, url
        vary = {v.strip() for v in response.get("Vary", "").split(",") if v.strip()}
        # The API has no interface language, so its address has none; Django's LocaleMiddleware still
        # names Accept-Language there, which deploy/varnish/default.vcl strips from API requests.
        assert vary <= ({"Accept-Language"} if url.startswith("/api/") else set()), (url, vary)
        assert "Set-Cookie" not in response and not response.cookies, url
        assert b"csrfmiddlewaretoken" not in response.content, url


def test_responses_name_the_surrogate_keys_a_purge_uses(client, published_brief):
    russia = Entity.objects.get(name="Rusija")
    brief_key = f"brief-{published_brief.pk}"
    expected = {
        published_brief.get_absolute_url(): brief_key,
        reverse("briefs:feed", kwargs={"slug": published_brief.slug}): brief_key,
        reverse("briefs_api:detail", kwargs={"slug": published_brief.slug}): brief_key,
        reverse("briefs:index"): "briefs",
        reverse("briefs:site-feed"): "briefs",
        reverse("briefs_api:list"): "briefs",
        russia.get_absolute_url(): f"entity-{russia.pk}",
    }
    for url, key in expected.items():
        response = client.get(url)
        assert (
            response["xkey"] == key and response["Surrogate-Key"] == key and response["Cache-Tag"] == key
        ), url


def test_the_interface_language_is_in_the_address(client, published_brief):
    with translation.override("lt"):
        lithuanian = published_brief.get_absolute_url()
    with translation.override("en"):
        english = published_brief.get_absolute_url()
    assert (lithuanian, english) == ("/lt/briefs/bandomoji/", "/en/briefs/bandomoji/")
    lt, en = client.get(lithuanian), client.get(english, HTTP_ACCEPT_LANGUAGE="lt")
    assert "Turinys" in lt.content.decode() and "Contents" in en.content.decode()
    assert lt["ETag"] != en["ETag"]
    # The switcher is a link to the same page in the other language.
    assert f'href="{english}"' in lt.content.decode()


def test_old_addresses_without_a_language_redirect(client, published_brief):
    response = client.get("/briefs/bandomoji/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == "/en/briefs/bandomoji/"
    assert client.get("/briefs/bandomoji/")["Location"] == "/lt/briefs/bandomoji/"


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
    # Every reader after it (what a CDN sends on after a purge): the brief and the stored article.
    with django_assert_num_queries(2):
        stored = client.get(url)
    assert stored.content == rendered.content


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
    url = reverse("briefs_api:detail", kwargs={"slug": published_brief.slug})
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
    api = reverse("briefs_api:detail", kwargs={"slug": published_brief.slug})

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
