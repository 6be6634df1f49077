"""The editor journey in real headless Chromium: edit, tag through the autocomplete, save with a
correction note, compare the first and latest revisions, revert, and read the page after each step."""

import os
import shutil

import pytest

from briefs.actors import SYSTEM
from briefs.models import Entity, Revision, Section
from tests.desk import PASSWORD, make_user

NEW_SENTENCE = "Naujas sakinys apie karinius ryšius."

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shots(tmp_path):
    folder = tmp_path / "screenshots"
    folder.mkdir()

    def take(page, name):
        path = folder / f"{len(list(folder.iterdir())):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 0
        return path

    yield take
    keep = os.environ.get("BROWSER_SCREENSHOTS")
    if keep:
        shutil.copytree(folder, keep, dirs_exist_ok=True)


def log_in(page, live_server, user, then="/admin/", wait_for="#site-name"):
    """Sign in through the admin's login form, as an editor would, and land on ``then``."""
    page.goto(f"{live_server.url}/admin/login/?next={then}")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector(wait_for)


def test_editor_journey(live_server, seed, settings, django_user_model, browser_page, shots):
    settings.LANGUAGE_CODE = "en"
    page = browser_page
    editor = make_user(django_user_model, "editorius", "Editor")
    section = Section.objects.get(brief=seed, heading="Kariniai ryšiai")
    tagged = set(section.tagged_entities.values_list("tag_id", flat=True))
    entity = Entity.objects.exclude(pk__in=tagged).exclude(aliases=[]).order_by("name").first()
    alias = entity.aliases[0]
    reader_url = live_server.url + seed.get_absolute_url()

    # The reader page before any change.
    page.goto(reader_url)
    assert page.locator("h1").inner_text() == seed.title
    assert NEW_SENTENCE not in page.content()
    shots(page, "reader-before")

    # 1. Log in as an editor.
    log_in(page, live_server, editor)
    assert "Newsroom briefs desk" in page.locator("#site-name").inner_text()

    # 2. Edit a section and tag an entity through the autocomplete, typing one of its aliases.
    page.goto(f"{live_server.url}/admin/briefs/brief/{seed.pk}/change/")
    row = page.locator(".inline-related", has=page.locator(f"input[name$='-id'][value='{section.pk}']"))
    body = row.locator("textarea.section-body-input")
    body.fill(body.input_value() + "\n\n" + NEW_SENTENCE)
    row.locator("button.section-preview").click()
    page.wait_for_function(
        "s => Array.from(document.querySelectorAll('.markdown-preview'))"
        ".some(e => e.textContent.includes(s))",
        arg=NEW_SENTENCE,
    )
    row.locator(".select2-selection").click()
    page.keyboard.type(alias[:6])
    option = page.locator(".select2-results__option", has_text=entity.name).first
    option.wait_for()
    option.click()
    assert entity.name in row.locator(".select2-selection").inner_text()
    shots(page, "edited")

    # 3. Save with a correction note.
    page.select_option("#id_update_kind", "correction")
    page.fill("#id_update_note", "Pataisyta: karinių ryšių detalės.")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    shots(page, "saved")
    latest = Revision.objects.filter(brief=seed).latest()
    assert (latest.kind, latest.note, latest.user) == (
        "correction",
        "Pataisyta: karinių ryšių detalės.",
        editor,
    )
    assert set(section.tagged_entities.values_list("tag_id", flat=True)) == tagged | {entity.pk}

    page.goto(reader_url)
    text = page.locator("main").inner_text()
    assert NEW_SENTENCE in text
    assert "Pataisyta: karinių ryšių detalės." in page.locator(".changelog").inner_text()
    assert entity.name in page.locator(f"#s{section.pk}").inner_text()
    shots(page, "reader-after-edit")

    # 4. History, then compare the first revision with the latest.
    page.goto(f"{live_server.url}/admin/briefs/brief/{seed.pk}/history/")
    timeline = page.locator("#timeline")
    assert "Pataisyta: karinių ryšių detalės." in timeline.inner_text()
    assert "editorius" in timeline.inner_text()
    shots(page, "history")
    first = Revision.objects.filter(brief=seed).order_by("pk").first()
    page.check(f"input[name=from][value='{first.pk}']")
    page.check(f"input[name=to][value='{latest.pk}']")
    page.click(".timeline-form input[type=submit]")
    page.wait_for_selector(".brief-diff")
    inserted = " ".join(page.locator(".brief-diff ins").all_inner_texts())
    assert "Naujas sakinys apie karinius ryšius" in inserted
    assert f"+ {entity.name}" in page.locator(".diff-entities").inner_text()
    # Only the edited section is listed: untouched sections wrote no history.
    assert page.locator(".diff-section").count() == 1
    shots(page, "compare")

    # 5. Revert to the first revision, confirming on the page that shows the diff.
    page.goto(f"{live_server.url}/admin/briefs/brief/{seed.pk}/history/")
    page.locator(f"#revision-{first.pk} a", has_text="Revert to this").click()
    page.wait_for_selector(".revert-form")
    assert f"− {entity.name}" in page.locator(".brief-diff").inner_text()
    page.fill("#id_update_note", "Atšaukta klaidinga pataisa.")
    shots(page, "revert-confirm")
    page.click(".revert-form input[type=submit]")
    page.wait_for_selector(".messagelist .success")
    shots(page, "reverted")

    # 6. The reader page after the revert.
    page.goto(reader_url)
    text = page.locator("main").inner_text()
    assert NEW_SENTENCE not in text
    assert "Atšaukta klaidinga pataisa." in page.locator(".changelog").inner_text()
    assert entity.name not in page.locator(f"#s{section.pk}").inner_text()
    shots(page, "reader-after-revert")
    assert Revision.objects.filter(brief=seed).count() == 3


def test_sections_reorder_without_reload(live_server, seed, settings, django_user_model, browser_page, shots):
    settings.LANGUAGE_CODE = "en"
    page = browser_page
    editor = make_user(django_user_model, "editorius", "Editor")
    before = list(seed.sections.order_by("position").values_list("heading", flat=True))
    log_in(page, live_server, editor, f"/admin/briefs/brief/{seed.pk}/change/", "#sections-group")

    rows = page.locator("#sections-group .inline-related:not(.empty-form)")
    page.evaluate("window.__notReloaded = true")
    rows.nth(3).locator("button.section-up").click()
    # Moved in place: same page, new order, hidden order fields renumbered.
    assert page.evaluate("window.__notReloaded") is True
    headings = [rows.nth(i).locator("input[name$='-heading']").input_value() for i in range(4)]
    assert headings == [before[0], before[1], before[3], before[2]]
    orders = [rows.nth(i).locator("input.section-order").input_value() for i in range(4)]
    assert orders == ["0", "1", "2", "3"]
    # Drag the lead by its heading bar below the next section, then back again.
    below = rows.nth(1).bounding_box()["height"] - 10
    rows.nth(0).locator("h3 b").drag_to(rows.nth(1), target_position={"x": 20, "y": below})
    dragged = [rows.nth(i).locator("input[name$='-heading']").input_value() for i in range(4)]
    assert dragged == [before[1], before[0], before[3], before[2]]
    rows.nth(0).locator("button.section-down").click()
    rows.nth(1).locator("button.section-up").click()
    shots(page, "reordered")

    page.select_option("#id_update_kind", "update")
    page.fill("#id_update_note", "Pertvarkyta tvarka.")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    after = list(seed.sections.order_by("position").values_list("heading", flat=True))
    assert after[2:] == [before[3], before[2]]
    assert sorted(after) == sorted(before)
    page.goto(live_server.url + seed.get_absolute_url())
    toc = page.locator("nav.toc").inner_text()
    assert toc.index(before[3]) < toc.index(before[2])
    shots(page, "reader-reordered")


def test_new_entity_created_from_the_entity_field(
    live_server, seed, settings, django_user_model, browser_page, shots
):
    settings.LANGUAGE_CODE = "en"
    page = browser_page
    editor = make_user(django_user_model, "editorius", "Editor")
    log_in(page, live_server, editor, f"/admin/briefs/brief/{seed.pk}/change/", "#sections-group")
    section = Section.objects.get(brief=seed, heading="Komerciniai ryšiai ir turizmas")
    row = page.locator(".inline-related", has=page.locator(f"input[name$='-id'][value='{section.pk}']"))

    with page.expect_popup() as popup_info:
        row.locator("a.add-related").click()
    popup = popup_info.value
    popup.wait_for_selector("#id_name")
    popup.fill("#id_name", "Rasonas")
    popup.select_option("#id_kind", "place")
    popup.fill("#id_aliases", "Rasono\nRasone")
    with popup.expect_event("close"):
        popup.click("input[name=_save]")

    created = Entity.objects.get(name="Rasonas")
    assert created.aliases == ["Rasono", "Rasone"]
    assert "Rasonas" in row.locator(".select2-selection").inner_text()
    shots(page, "entity-created")
    page.select_option("#id_update_kind", "update")
    page.fill("#id_update_note", "Pridėta vietovė.")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert section.tagged_entities.filter(tag=created).exists()
    page.goto(live_server.url + seed.get_absolute_url())
    assert "Rasonas" in page.locator(f"#s{section.pk}").inner_text()


def test_accepting_a_suggested_entity(live_server, seed, settings, django_user_model, browser_page, shots):
    from briefs import services

    settings.LANGUAGE_CODE = "en"
    page = browser_page
    editor = make_user(django_user_model, "editorius", "Editor")
    section = Section.objects.get(brief=seed, heading="Komerciniai ryšiai ir turizmas")
    kyiv = Entity.objects.get(name="Kyjivas")
    if section.tagged_entities.filter(tag=kyiv).exists():
        services.set_entities(section, section.entities.exclude(pk=kyiv.pk), note="Untag", actor=SYSTEM)
    services.edit_section(
        section, body=section.body + "\n\nDelegacija lankėsi ir Kyjive.", note="Kyjivas", actor=SYSTEM
    )
    log_in(page, live_server, editor, f"/admin/briefs/brief/{seed.pk}/change/", "#sections-group")
    row = page.locator(".inline-related", has=page.locator(f"input[name$='-id'][value='{section.pk}']"))

    accept = row.locator(f"button.suggestion-accept[data-entity-id='{kyiv.pk}']")
    assert accept.get_attribute("title") == "Kyjive"
    assert "Kyjivas" not in row.locator(".select2-selection").inner_text()
    accept.click()
    assert "Kyjivas" in row.locator(".select2-selection").inner_text()
    assert not section.tagged_entities.filter(tag=kyiv).exists()
    shots(page, "suggestion-accepted")
    page.select_option("#id_update_kind", "update")
    page.fill("#id_update_note", "Pažymėtas Kyjivas.")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert section.tagged_entities.filter(tag=kyiv).exists()


def test_two_editors_on_one_brief_both_keep_their_sentences(
    live_server, seed, settings, django_user_model, browser_page, shots
):
    """Alma adds a sentence to the lead and saves; Bruno, whose form was open before that, adds one to
    another section and saves. The reader page has both sentences."""
    settings.LANGUAGE_CODE = "en"
    sections = list(seed.sections.order_by("position"))
    lead, other = sections[0], sections[2]
    editors = {}
    alma_page = browser_page
    bruno_context = alma_page.context.browser.new_context(
        locale="en-US", viewport={"width": 1400, "height": 1000}
    )
    bruno_page = bruno_context.new_page()
    bruno_page.set_default_timeout(15_000)
    for name, page in (("alma", alma_page), ("bruno", bruno_page)):
        editors[name] = make_user(django_user_model, name, "Editor")
        log_in(page, live_server, editors[name])
        # Both forms are open before either editor saves.
        page.goto(f"{live_server.url}/admin/briefs/brief/{seed.pk}/change/")

    def add_sentence(page, section, sentence, note):
        row = page.locator(".inline-related", has=page.locator(f"input[name$='-id'][value='{section.pk}']"))
        body = row.locator("textarea.section-body-input")
        body.fill(body.input_value() + " " + sentence)
        page.fill("#id_update_note", note)
        page.click("input[name=_continue]")

    add_sentence(alma_page, lead, "Almos sakinys.", "Almos papildymas")
    alma_page.wait_for_selector(".messagelist .success")
    add_sentence(bruno_page, other, "Bruno sakinys.", "Bruno papildymas")
    bruno_page.wait_for_selector(".messagelist .info")
    assert "both were saved together" in bruno_page.locator(".messagelist").inner_text()
    shots(bruno_page, "merged")

    bruno_page.goto(live_server.url + seed.get_absolute_url())
    text = bruno_page.locator("main").inner_text()
    assert "Almos sakinys." in text and "Bruno sakinys." in text
    bruno_context.close()
    merged = Revision.objects.filter(brief=seed).latest()
    assert (merged.user, merged.merged_with.user) == (editors["bruno"], editors["alma"])


def test_leaving_the_form_with_unsaved_edits_asks_first(
    live_server, seed, settings, django_user_model, browser_page
):
    settings.LANGUAGE_CODE = "en"
    page = browser_page
    editor = make_user(django_user_model, "editorius", "Editor")
    log_in(page, live_server, editor)
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
    change = f"{live_server.url}/admin/briefs/brief/{seed.pk}/change/"

    # An untouched form lets the editor go without a question.
    page.goto(change)
    page.goto(f"{live_server.url}/admin/")
    assert asked == []

    page.goto(change)
    page.fill("#id_dek", "Pakeista, bet neišsaugota.")
    page.locator("#site-name a").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    assert asked == ["beforeunload"]
