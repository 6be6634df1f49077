"""What changed since a given moment: reader-visible states only, old wording available, clean errors."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import EntityKind, RevisionKind
from briefs.revisions.changes import InvalidSince, parse_since

T0 = datetime(2025, 10, 27, 8, 0, tzinfo=UTC)


def at(hours):
    return T0 + timedelta(hours=hours)


@pytest.fixture
def story(db, make_entity):
    """A brief published at +1h, then changed at +3h, +5h and +7h in different ways."""
    putin = make_entity("Vladimiras Putinas", aliases=["Putinu"], wikidata_id="Q7747")
    kim = make_entity("Kim Jong Unas", wikidata_id="Q56226")
    brief = services.create_brief(
        title="Kas žinoma",
        slug="kas-zinoma",
        dek="Santykiai.",
        sections=[
            services.SectionInput("", "Choe Son Hui susitiks su Putinu Kremliuje.", entities=[putin]),
            services.SectionInput("Kariniai ryšiai", "Kariai buvo pasiųsti į Kursko sritį."),
            services.SectionInput("Turizmas", "Turistai keliauja į Vonsaną."),
        ],
        at=at(0),
        actor=SYSTEM,
    )
    services.publish_brief(brief, note="Paskelbta", at=at(1), actor=SYSTEM)
    _lead, military, tourism = brief.sections.order_by("position")
    # +3h: a public correction of one passage, and a new entity on it.
    with services.editing(
        brief, note="Pataisyta sritis", kind=RevisionKind.CORRECTION, at=at(3), actor=SYSTEM
    ):
        services.edit_section(
            military, body="Kariai buvo pasiųsti į Kursko ir Belgorodo sritis.", actor=SYSTEM
        )
        services.set_entities(military, [kim], actor=SYSTEM)
    # +5h: a minor fix that is not public, and a hidden draft section.
    services.edit_section(
        tourism,
        body="Turistai keliauja į Vonsaną (slaptas juodraštis).",
        kind=RevisionKind.MINOR,
        at=at(5),
        actor=SYSTEM,
    )
    services.add_section(
        brief,
        heading="Juodraštis",
        body="Niekas neturi matyti šito.",
        hidden=True,
        kind=RevisionKind.MINOR,
        at=at(5.5),
        actor=SYSTEM,
    )
    # +7h: a public update adds a section and removes the tourism one.
    with services.editing(brief, note="Nauja dalis", at=at(7), actor=SYSTEM):
        services.add_section(brief, heading="Komercija", body="Prekyba auga.", actor=SYSTEM)
        services.delete_section(tourism, actor=SYSTEM)
    return brief


def changes(client, brief, since, language="lt"):
    """The changes page, after the redirect to the one address that stands for ``since``."""
    with translation.override(language):
        url = reverse("briefs:changes", kwargs={"slug": brief.slug})
    return client.get(url, {"since": since}, follow=True)


def test_marks_new_edited_removed_sections_entities_and_notes(client, story):
    response = changes(client, story, at(2).isoformat())
    assert response.status_code == 200
    html = response.content.decode()
    # The edited passage reads as now, with the old wording available.
    assert "Kariai buvo pasiųsti į Kursko ir Belgorodo sritis." in html
    assert "earlier-wording" in html
    assert "Kursko <del>sritį</del><ins>ir Belgorodo sritis</ins>." in html
    # New and removed sections are labelled.
    assert re.search(r'class="brief-section change-added".*?Komercija', html, re.S)
    assert re.search(r'class="brief-section change-removed".*?Turizmas', html, re.S)
    # The new entity is listed and the public notes issued since then are shown, oldest first.
    assert "Kim Jong Unas" in html
    notes = re.findall(r'<span class="change-note">([^<]*)</span>', html)
    assert notes == ["Pataisyta sritis", "Nauja dalis"]
    assert "Paskelbta" not in notes


def test_minor_hidden_and_draft_text_never_shown(client, story):
    # Between the minor fix (+5h) and the next public update (+7h): the "before" state is the last
    # public revision (+3h), so the minor wording must not appear, nor the hidden draft section.
    for since in (at(2), at(5.2), at(6)):
        html = changes(client, story, since.isoformat()).content.decode()
        assert "slaptas juodraštis" not in html
        assert "Niekas neturi matyti" not in html
        assert "Juodraštis" not in html


def test_removed_section_shows_the_public_wording_not_the_minor_one(client, story):
    html = changes(client, story, at(6).isoformat()).content.decode()
    assert "Turistai keliauja į Vonsaną." in html
    assert re.findall(r'<span class="change-note">([^<]*)</span>', html) == ["Nauja dalis"]


def test_since_after_last_update_shows_no_marks(client, story):
    html = changes(client, story, at(8).isoformat()).content.decode()
    assert "change-added" not in html and "change-removed" not in html and "<ins>" not in html
    assert "Komercija" in html  # the brief itself is still shown


def test_since_before_publication_marks_everything_new(client, story):
    html = changes(client, story, "2025-01-01").content.decode()
    assert html.count('class="brief-section change-added"') == 3
    assert "change-removed" not in html


def test_date_and_datetime_forms(client, story):
    assert changes(client, story, "2025-10-27").status_code == 200
    assert changes(client, story, "2025-10-27T12:00").status_code == 200
    # A "+" offset arrives as a space when not percent-encoded.
    response = client.get(f"/lt/briefs/{story.slug}/changes/?since=2025-10-27T12:00:00+02:00", follow=True)
    assert response.status_code == 200
    assert parse_since("2025-10-27T12:00:00 02:00") == datetime(2025, 10, 27, 10, tzinfo=UTC)
    assert parse_since("2025-10-27T12:00:00Z") == datetime(2025, 10, 27, 12, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["", "yesterday", "2025-13-45", "2025-10-27T25:61", "27.10.2025"])
def test_bad_since_is_a_clean_400(client, story, bad):
    response = changes(client, story, bad)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert response["Cache-Control"] == "no-store"
    with pytest.raises(InvalidSince):
        parse_since(bad)


def test_missing_since_is_a_400_too(client, story):
    assert client.get(f"/lt/briefs/{story.slug}/changes/").status_code == 400


def test_unpublished_brief_has_no_changes_page(client, story):
    services.unpublish_brief(story, actor=SYSTEM)
    assert changes(client, story, "2025-10-27").status_code == 404


def test_brief_page_offers_since_last_visit_without_inline_script(client, story):
    response = client.get(f"/lt/briefs/{story.slug}/")
    html = response.content.decode()
    assert 'class="since-visit-link"' in html
    assert f'href="/lt/briefs/{story.slug}/changes/"' in html
    assert re.search(r'<script src="/static/briefs/last-visit\.js" defer></script>', html)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/ld+json"' in tag, tag
    assert "'unsafe-inline'" not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]


def test_entity_added_to_an_existing_section_is_new(client, story, make_entity):
    moscow = make_entity("Maskva", EntityKind.PLACE)
    lead = story.sections.order_by("position").first()
    services.set_entities(lead, [*lead.entities.all(), moscow], note="Pridėta Maskva", at=at(9), actor=SYSTEM)
    html = changes(client, story, at(8).isoformat()).content.decode()
    assert re.search(r'id="new-entities-heading".*?Maskva', html, re.S)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_since_your_last_visit_in_a_browser(live_server, browser_page):
    """The link appears only after the brief changed since the last visit, and leads to those changes;
    the script runs under the Content Security Policy."""
    brief = services.create_brief(
        title="Kas žinoma",
        slug="kas-zinoma",
        sections=[services.SectionInput("Pradžia", "Senas tekstas.")],
        actor=SYSTEM,
    )
    services.publish_brief(brief, note="Paskelbta", actor=SYSTEM)
    url = live_server.url + brief.get_absolute_url()
    page = browser_page
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(url)
    assert page.locator(".since-visit").is_hidden()
    page.reload()
    assert page.locator(".since-visit").is_hidden()  # nothing changed since the first visit

    services.edit_section(brief.sections.get(), body="Naujas tekstas.", note="Atnaujinta", actor=SYSTEM)
    page.reload()
    link = page.locator(".since-visit-link")
    assert link.is_visible()
    assert "?since=" in link.get_attribute("href")
    link.click()
    page.wait_for_load_state()
    assert "/changes/?since=" in page.url
    assert page.locator(".earlier-wording ins").first.text_content().strip() == "Naujas"
    assert page.locator(".earlier-wording del").first.text_content().strip() == "Senas"
    assert page.locator(".change-note").all_inner_texts() == ["Atnaujinta"]
    assert problems == []


def test_every_moment_between_two_public_revisions_leads_to_one_address(
    client, story, django_assert_num_queries
):
    """A reader cannot make the site render a new page for every microsecond: the answer depends only on
    the public revision before "since", and every "since" that shares it is sent to one address."""
    url = f"/lt/briefs/{story.slug}/changes/"
    locations = set()
    for moment in (at(4), at(4) + timedelta(microseconds=1), at(6.5)):
        with django_assert_num_queries(1):
            response = client.get(url, {"since": moment.isoformat()})
        assert response.status_code == 302 and "public" in response["Cache-Control"]
        locations.add(response["Location"])
    [location] = locations
    page = client.get(location)
    assert page.status_code == 200 and "ETag" in page
    # The canonical address itself is answered, not sent round again.
    assert client.get(location, HTTP_IF_NONE_MATCH=page["ETag"]).status_code == 304


def test_the_page_says_which_update_it_counts_from(client, story):
    def page(since, language):
        return changes(client, story, since, language).content.decode()

    assert "Changes since the update of" in page(at(4).isoformat(), "en")
    assert "Everything, since the brief was first published" in page("2020-01-01", "en")
    assert "Pakeitimai nuo" in page(at(4).isoformat(), "lt")


def test_earlier_wording_shows_only_what_readers_were_shown(client, story):
    """Markup the sanitiser strips from the page (a comment, raw HTML) never reaches readers through
    the diff either: the changes are computed on the rendered text."""
    lead = story.sections.order_by("position").first()
    services.edit_section(
        lead,
        body="Choe Son Hui **susitiks** su Putinu.<!-- šaltinis: slaptas --> <span>x</span>",
        note="Perrašyta",
        at=at(9),
        actor=SYSTEM,
    )
    services.edit_section(
        lead, body="Choe Son Hui susitiko su Putinu.", note="Įvyko", at=at(10), actor=SYSTEM
    )
    html = changes(client, story, at(9.5).isoformat()).content.decode()
    wording = html.split('class="earlier-wording"')[1].split("</details>")[0]
    assert "susitiks" in wording and "susitiko" in wording
    for leak in ("šaltinis", "slaptas", "&lt;!--", "**", "&lt;span"):
        assert leak not in wording


@pytest.mark.parametrize(
    "edge", ["0001-01-01", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59", "9999-12-31"]
)
def test_since_at_the_edges_of_the_calendar_is_not_a_500(client, story, edge):
    assert changes(client, story, edge).status_code in (200, 400)
