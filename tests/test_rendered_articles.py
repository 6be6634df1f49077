"""The article of the brief page is rendered when the brief changes and stored; a stored article is used
only while it matches the brief, the template, the catalogue and the settings it was rendered with."""

import logging
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone, translation

from briefs import fingerprint, rendering, services
from briefs.actors import SYSTEM
from briefs.models import RenderedArticle


def page(client, brief, language="lt"):
    with translation.override(language):
        url = brief.get_absolute_url()
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_save_renders_the_article_in_every_language_when_it_commits(
    client, published_brief, settings, django_capture_on_commit_callbacks, django_assert_num_queries
):
    section = published_brief.sections.get(heading="First")
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_section(section, body="Rendered ahead.", note="Atnaujinta", actor=SYSTEM)
    stored = {r.language: r for r in RenderedArticle.objects.filter(brief=published_brief)}
    assert set(stored) == {code for code, _ in settings.LANGUAGES}
    assert all("Rendered ahead." in r.article for r in stored.values())
    assert "Pakeitimų žurnalas" in stored["lt"].article and "Change log" in stored["en"].article
    # The first reader after the save finds it ready: the brief and the stored article, nothing rendered.
    with django_assert_num_queries(2):
        html = page(client, published_brief, "en")
    assert stored["en"].article in html


def test_the_stored_article_is_the_article_rendered_on_the_spot(client, published_brief):
    rendered = page(client, published_brief)
    assert RenderedArticle.objects.filter(brief=published_brief, language="lt").exists()
    assert page(client, published_brief) == rendered


def test_a_stale_article_is_never_served(client, published_brief):
    page(client, published_brief)
    stored = RenderedArticle.objects.get(brief=published_brief, language="lt")
    # Outside a committed transaction the save renders nothing ahead: the stored article is now stale.
    services.edit_section(
        published_brief.sections.get(heading="First"), body="Newer text.", note="Nauja", actor=SYSTEM
    )
    html = page(client, published_brief)
    assert "Newer text." in html and "First body." not in html
    fresh = RenderedArticle.objects.get(brief=published_brief, language="lt")
    assert fresh.key != stored.key and "Newer text." in fresh.article


@pytest.fixture
def deploy(settings, tmp_path):
    """What a deploy changes, as a new process sees it: a template override or another catalogue."""

    def override_article_template(extra: str):
        folder = tmp_path / "templates" / "briefs" / "includes"
        folder.mkdir(parents=True, exist_ok=True)
        source = (Path(rendering.__file__).parent / "templates" / fingerprint.ARTICLE_TEMPLATE).read_text()
        (folder / "article.html").write_text(source.replace("</article>", f"{extra}</article>"))
        settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates"]}]
        fingerprint.forget()

    def add_catalogue():
        folder = tmp_path / "locale" / "lt" / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(Path(rendering.__file__).parent / "locale/lt/LC_MESSAGES/django.mo", folder)
        settings.LOCALE_PATHS = [*settings.LOCALE_PATHS, tmp_path / "locale"]
        fingerprint.forget()

    yield SimpleNamespace(override_article_template=override_article_template, add_catalogue=add_catalogue)
    fingerprint.forget()


def test_a_new_template_replaces_stored_articles(client, published_brief, deploy):
    page(client, published_brief)
    old_key = RenderedArticle.objects.get(brief=published_brief, language="lt").key
    deploy.override_article_template("<p>From the new template.</p>")
    assert "From the new template." in page(client, published_brief)
    assert RenderedArticle.objects.get(brief=published_brief, language="lt").key != old_key


def test_a_changelog_setting_change_replaces_stored_articles(client, published_brief, settings):
    services.edit_section(
        published_brief.sections.get(heading="First"), body="Second note.", note="Antra", actor=SYSTEM
    )
    assert page(client, published_brief).count('class="change change-') == 2
    settings.BRIEFS_CHANGELOG_LIMIT = 1
    assert page(client, published_brief).count('class="change change-') == 1


def test_an_article_for_a_readers_own_time_zone_is_not_stored(published_brief):
    with translation.override("lt"), timezone.override("America/New_York"):
        article = rendering.reader_article(published_brief)
    assert "Lead paragraph." in article.html
    assert not RenderedArticle.objects.exists()


def test_a_rendering_failure_after_commit_keeps_the_save(
    client, published_brief, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(rendering, "build_article", broken)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        services.edit_section(
            published_brief.sections.get(heading="First"), body="Kept.", note="Nauja", actor=SYSTEM
        )
    assert published_brief.sections.get(heading="First").body == "Kept."
    assert "template exploded" in caplog.text
    monkeypatch.undo()
    assert "Kept." in page(client, published_brief)


def test_a_failure_to_store_still_serves_the_reader(client, published_brief, monkeypatch, caplog):
    from django.db import DatabaseError

    def refuse(*args, **kwargs):
        raise DatabaseError("read-only database")

    monkeypatch.setattr(RenderedArticle.objects, "bulk_create", refuse)
    with caplog.at_level(logging.WARNING):
        assert "Lead paragraph." in page(client, published_brief)
    assert "Could not store the rendered article" in caplog.text
    assert not RenderedArticle.objects.exists()


def test_drafts_are_not_rendered_ahead(published_brief, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        draft = services.create_brief(
            title="Juodraštis",
            slug="juodrastis",
            sections=[services.SectionInput("", "Not yet.")],
            actor=SYSTEM,
        )
    assert not RenderedArticle.objects.filter(brief=draft).exists()
    assert rendering.refresh_articles([draft.pk]) == 0


@pytest.mark.parametrize("language", ["lt", "en"])
def test_staff_never_get_a_stored_article(client, published_brief, editor, language):
    page(client, published_brief)
    RenderedArticle.objects.update(article="<article>stale stand-in</article>")
    client.force_login(editor)
    html = client.get(published_brief.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert "stale stand-in" not in html and "Lead paragraph." in html


def test_a_reader_in_another_time_zone_is_not_given_the_stored_article(client, published_brief):
    page(client, published_brief)
    RenderedArticle.objects.update(article="<article>stored for Vilnius</article>")
    with translation.override("lt"), timezone.override("America/New_York"):
        article = rendering.reader_article(published_brief)
    assert "stored for Vilnius" not in article.html
    assert "Lead paragraph." in article.html


def test_a_failure_to_store_leaves_the_callers_transaction_usable(published_brief, monkeypatch, caplog):
    from django.db import transaction

    article = rendering.Article("<article>x</article>", {})
    # A real database error on both databases: the table is not there.
    monkeypatch.setattr(RenderedArticle._meta, "db_table", "briefs_no_such_table")
    with transaction.atomic(), caplog.at_level(logging.WARNING):
        rendering._store(published_brief, "lt", "key", article)
        monkeypatch.undo()
        # PostgreSQL refuses every statement after an error unless it was inside a savepoint.
        assert published_brief.sections.count() == 3
    assert "Could not store the rendered article" in caplog.text


@pytest.mark.parametrize("change", ["template", "catalogue"])
def test_a_deploy_with_new_templates_or_translations_is_not_answered_from_old_copies(
    client, published_brief, deploy, change
):
    with translation.override("lt"):  # the catalogue added is a Lithuanian one
        url = published_brief.get_absolute_url()
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    if change == "template":
        deploy.override_article_template("")
    else:
        deploy.add_catalogue()
    RenderedArticle.objects.update(article="<article>old markup</article>")
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
    assert not RenderedArticle.objects.exists()  # loaddata bypasses the services
    assert run_render_articles() == (
        f"Rendering {SEED_SLUG} (lt, en)\n2 article(s) rendered for 1 brief(s).\n"
    )
    assert sorted(RenderedArticle.objects.values_list("language", flat=True)) == ["en", "lt"]
    with django_assert_num_queries(2):  # the brief and its stored article
        assert client.get(seed.get_absolute_url()).status_code == 200


def test_render_articles_dry_run_stores_nothing(seed):
    assert run_render_articles("--dry-run", SEED_SLUG) == (
        f"Would render {SEED_SLUG} (lt, en)\n2 article(s) would be rendered for 1 brief(s).\n"
    )
    assert not RenderedArticle.objects.exists()


def test_render_articles_refuses_unknown_and_unpublished_briefs(seed):
    from django.core.management import CommandError

    draft = services.create_brief(title="Juodraštis", slug="juodrastis", sections=[], actor=SYSTEM)
    with pytest.raises(CommandError) as error:
        run_render_articles(SEED_SLUG, draft.slug, "no-such-brief")
    assert str(error.value) == (
        "No published brief with the slug(s): juodrastis, no-such-brief. Nothing was rendered."
    )
    assert not RenderedArticle.objects.exists()
