"""The article of the brief page is rendered when the brief changes and stored; a stored article is used
only while it matches the brief, the template, the catalogue and the settings it was rendered with."""

import logging

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from briefs import rendering, services
from briefs.models import Rendition


def page(client, brief, language="lt"):
    response = client.get(brief.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_a_save_renders_the_article_in_every_language_when_it_commits(
    client, published_brief, settings, django_capture_on_commit_callbacks, django_assert_num_queries
):
    section = published_brief.sections.get(heading="First")
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_section(section, body="Rendered ahead.", note="Atnaujinta")
    stored = {r.language: r for r in Rendition.objects.filter(brief=published_brief)}
    assert set(stored) == {code for code, _ in settings.LANGUAGES}
    assert all("Rendered ahead." in r.article for r in stored.values())
    assert "Pakeitimų žurnalas" in stored["lt"].article and "Change log" in stored["en"].article
    # The first reader after the save finds it ready: the brief and the stored article, nothing rendered.
    with django_assert_num_queries(2):
        html = page(client, published_brief, "en")
    assert stored["en"].article in html


def test_the_stored_article_is_the_article_rendered_on_the_spot(client, published_brief):
    rendered = page(client, published_brief)
    assert Rendition.objects.filter(brief=published_brief, language="lt").exists()
    cache.clear()
    assert page(client, published_brief) == rendered


def test_a_stale_article_is_never_served(client, published_brief):
    page(client, published_brief)
    stored = Rendition.objects.get(brief=published_brief, language="lt")
    # Outside a committed transaction the save renders nothing ahead: the stored article is now stale.
    services.edit_section(published_brief.sections.get(heading="First"), body="Newer text.", note="Nauja")
    html = page(client, published_brief)
    assert "Newer text." in html and "First body." not in html
    fresh = Rendition.objects.get(brief=published_brief, language="lt")
    assert fresh.key != stored.key and "Newer text." in fresh.article


def test_a_new_template_or_render_version_replaces_stored_articles(client, published_brief, monkeypatch):
    page(client, published_brief)
    old_key = Rendition.objects.get(brief=published_brief, language="lt").key
    cache.clear()
    monkeypatch.setattr(rendering, "RENDER_VERSION", "next")
    monkeypatch.setattr(rendering, "_fingerprints", {})
    page(client, published_brief)
    assert Rendition.objects.get(brief=published_brief, language="lt").key != old_key


def test_a_changelog_setting_change_replaces_stored_articles(client, published_brief, settings):
    services.edit_section(published_brief.sections.get(heading="First"), body="Second note.", note="Antra")
    assert page(client, published_brief).count('class="change change-') == 2
    cache.clear()
    settings.BRIEFS_CHANGELOG_LIMIT = 1
    assert page(client, published_brief).count('class="change change-') == 1


def test_an_article_for_a_readers_own_time_zone_is_not_stored(published_brief):
    with translation.override("lt"), timezone.override("America/New_York"):
        article = rendering.reader_article(published_brief)
    assert "Lead paragraph." in article.html
    assert not Rendition.objects.exists()


def test_a_rendering_failure_after_commit_keeps_the_save(
    client, published_brief, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(rendering, "build_article", broken)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        services.edit_section(published_brief.sections.get(heading="First"), body="Kept.", note="Nauja")
    assert published_brief.sections.get(heading="First").body == "Kept."
    assert "template exploded" in caplog.text
    monkeypatch.undo()
    assert "Kept." in page(client, published_brief)


def test_a_failure_to_store_still_serves_the_reader(client, published_brief, monkeypatch, caplog):
    from django.db import DatabaseError

    def refuse(*args, **kwargs):
        raise DatabaseError("read-only database")

    monkeypatch.setattr(Rendition.objects, "bulk_create", refuse)
    with caplog.at_level(logging.WARNING):
        assert "Lead paragraph." in page(client, published_brief)
    assert "Could not store the rendered article" in caplog.text
    assert not Rendition.objects.exists()


def test_drafts_are_not_rendered_ahead(published_brief, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        draft = services.create_brief(
            title="Juodraštis", slug="juodrastis", sections=[services.SectionInput("", "Not yet.")]
        )
    assert not Rendition.objects.filter(brief=draft).exists()
    assert rendering.refresh_renditions([draft.pk]) == 0


@pytest.mark.parametrize("language", ["lt", "en"])
def test_staff_never_get_a_stored_article(client, published_brief, editor, language):
    page(client, published_brief)
    Rendition.objects.update(article="<article>stale stand-in</article>")
    client.force_login(editor)
    html = client.get(published_brief.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert "stale stand-in" not in html and "Lead paragraph." in html


def test_a_reader_in_another_time_zone_is_not_given_the_stored_article(client, published_brief):
    page(client, published_brief)
    Rendition.objects.update(article="<article>stored for Vilnius</article>")
    with translation.override("lt"), timezone.override("America/New_York"):
        article = rendering.reader_article(published_brief)
    assert "stored for Vilnius" not in article.html
    assert "Lead paragraph." in article.html


def test_a_failure_to_store_leaves_the_callers_transaction_usable(published_brief, monkeypatch, caplog):
    from django.db import transaction

    article = rendering.Article("<article>x</article>", {})
    # A real database error on both databases: the table is not there.
    monkeypatch.setattr(Rendition._meta, "db_table", "briefs_no_such_table")
    with transaction.atomic(), caplog.at_level(logging.WARNING):
        rendering._store(published_brief, "lt", "key", article)
        monkeypatch.undo()
        # PostgreSQL refuses every statement after an error unless it was inside a savepoint.
        assert published_brief.sections.count() == 3
    assert "Could not store the rendered article" in caplog.text


def test_a_deploy_with_new_templates_or_translations_is_not_answered_from_old_copies(
    client, published_brief, monkeypatch
):
    url = published_brief.get_absolute_url()
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # As if the process had started with a changed article template or catalogue.
    monkeypatch.setattr(rendering, "_fingerprints", {"lt": "new-deploy", "en": "new-deploy"})
    Rendition.objects.update(article="<article>old markup</article>")
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert "old markup" not in response.content.decode()


SEED_SLUG = "rusijos-ir-siaures-korejos-santykiai"


def run_render_articles(*args) -> str:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("render_articles", *args, stdout=out)
    return out.getvalue()


def test_render_articles_renders_what_loaddata_left_unrendered(client, seed, django_assert_num_queries):
    assert not Rendition.objects.exists()  # loaddata bypasses the services
    assert run_render_articles() == (
        f"Rendering {SEED_SLUG} (lt, en)\n2 article(s) rendered for 1 brief(s).\n"
    )
    assert sorted(Rendition.objects.values_list("language", flat=True)) == ["en", "lt"]
    with django_assert_num_queries(2):  # the brief and its stored article
        assert client.get(seed.get_absolute_url()).status_code == 200


def test_render_articles_dry_run_stores_nothing(seed):
    assert run_render_articles("--dry-run", SEED_SLUG) == (
        f"Would render {SEED_SLUG} (lt, en)\n2 article(s) would be rendered for 1 brief(s).\n"
    )
    assert not Rendition.objects.exists()


def test_render_articles_refuses_unknown_and_unpublished_briefs(seed):
    from django.core.management import CommandError

    draft = services.create_brief(title="Juodraštis", slug="juodrastis", sections=[])
    with pytest.raises(CommandError) as error:
        run_render_articles(SEED_SLUG, draft.slug, "no-such-brief")
    assert str(error.value) == (
        "No published brief with the slug(s): juodrastis, no-such-brief. Nothing was rendered."
    )
    assert not Rendition.objects.exists()
