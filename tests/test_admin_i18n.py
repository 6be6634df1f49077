"""The desk's admin speaks one language at a time.

Every admin page the desk uses is rendered in Lithuanian and searched for the English strings of the
catalogues, then in English and searched for their Lithuanian translations. The strings come from the
catalogues themselves: the plugin's, the host's, and those of the Django apps whose text the admin shows
(admin, auth, contenttypes and Django's own). Only what a person sees or hears is searched: text outside
scripts and styles, the ``title``, ``aria-label`` and ``placeholder`` attributes, button values and the
inline's "Add another" label. What editors wrote (the Lithuanian seed brief, its entities, notes and
user names) is blanked out first, so that it is never taken for the interface.
"""

import html
import json
import re
from datetime import timedelta
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import django
import polib
import pytest
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import Brief, Entity, EntityKind, Revision, Section
from tests.desk import change_data, change_url, make_user

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
DJANGO = Path(django.__file__).resolve().parent
LOCALE_DIRS = [
    ROOT / "briefs" / "locale",
    ROOT / "locale",
    DJANGO / "contrib" / "admin" / "locale",
    DJANGO / "contrib" / "auth" / "locale",
    DJANGO / "contrib" / "contenttypes" / "locale",
    DJANGO / "conf" / "locale",
]
# Separates the texts of a page, so that no string is matched across two of them.
SEP = "\u2029"
PLACEHOLDER = re.compile(r"%\([^)]*\)[sdrf]|%[sdrf]|\{[^{}]*\}")
# A Lithuanian string with fewer letters than this could occur in an English page by chance.
MIN_LITHUANIAN_LETTERS = 5


# Catalogues ---------------------------------------------------------------------------------------


def entries(language, domain="django"):
    for locale_dir in LOCALE_DIRS:
        path = locale_dir / language / "LC_MESSAGES" / f"{domain}.po"
        if path.exists():
            yield from (e for e in polib.pofile(str(path)) if e.msgid and not e.obsolete)


def english_forms(entry):
    return [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]


def lithuanian_forms(entry):
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def shown_in_lithuanian(entry) -> set[str]:
    """What the running site shows for this msgid in Lithuanian: LOCALE_PATHS first, then the apps."""
    with translation.override("lt"):
        context, msgid, plural = entry.msgctxt, entry.msgid, entry.msgid_plural
        if plural:
            if context:
                return {translation.npgettext(context, msgid, plural, n) for n in (1, 2, 5)}
            return {translation.ngettext(msgid, plural, n) for n in (1, 2, 5)}
        return {translation.pgettext(context, msgid) if context else translation.gettext(msgid)}


def letters(text):
    return len(re.findall(r"[^\W\d_]", PLACEHOLDER.sub("", re.sub(r"<[^>]+>", "", text))))


def pattern(text):
    """A regex for a catalogue string: markup dropped, each placeholder matches a stretch of one text."""
    text = re.sub(r"<[^>]+>", "", html.unescape(text)).replace("%%", "%")
    parts = [re.sub(r"\s+", " ", part) for part in PLACEHOLDER.split(text)]
    # A placeholder at either end adds nothing but the risk of matching anything.
    while parts and not parts[0].strip():
        parts.pop(0)
    while parts and not parts[-1].strip():
        parts.pop()
    if not parts:
        return None
    parts[0], parts[-1] = parts[0].lstrip(), parts[-1].rstrip()
    body = f"[^{SEP}]{{1,300}}?".join(re.escape(part) for part in parts)
    start = r"(?<!\w)" if re.match(r"\w", parts[0]) else ""
    end = r"(?!\w)" if re.search(r"\w$", parts[-1]) else ""
    return re.compile(start + body + end)


@cache
def forbidden_english() -> dict:
    """The English strings the Lithuanian admin must not show: every msgid, unless a Lithuanian
    catalogue keeps it as it is ("Wikidata ID", "JSON") and the site shows it so."""
    kept = {
        (e.msgctxt, e.msgid)
        for e in entries("lt")
        if e.translated() and lithuanian_forms(e)[: len(english_forms(e))] == english_forms(e)
    }
    found = {}
    for entry in entries("en"):
        shown = shown_in_lithuanian(entry)
        for text in english_forms(entry):
            if (entry.msgctxt, entry.msgid) in kept and text in shown:
                continue
            regex = pattern(text) if re.search(r"[A-Za-z]{2}", text) else None
            if regex:
                found.setdefault(text, regex)
    return found


@cache
def forbidden_lithuanian() -> dict:
    """The Lithuanian translations, longer than a few letters, that the English admin must not show."""
    found = {}
    for entry in entries("lt"):
        for text in lithuanian_forms(entry):
            if text and text not in english_forms(entry) and letters(text) >= MIN_LITHUANIAN_LETTERS:
                found.setdefault(text, pattern(text))
    return {text: regex for text, regex in found.items() if regex}


# Pages --------------------------------------------------------------------------------------------


class VisibleText(HTMLParser):
    """The texts a person sees or hears: text outside scripts and styles, a few attributes, and the
    labels the inline formset script shows. A link to the page in another language (``hreflang``)
    names that language in itself ("English"), as language switchers do, and is left out."""

    ATTRIBUTES = ("title", "aria-label", "placeholder")
    BUTTON_INPUTS = {"submit", "button", "reset"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts = []
        self.skipping = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.skipping:
            return
        if tag in {"script", "style"} or (tag == "a" and "hreflang" in attrs):
            self.skipping.append(tag)
            return
        self.texts += [attrs[name] or "" for name in self.ATTRIBUTES if name in attrs]
        if tag == "button" or (tag == "input" and attrs.get("type") in self.BUTTON_INPUTS):
            self.texts.append(attrs.get("value") or "")
        if attrs.get("data-inline-formset"):
            options = json.loads(attrs["data-inline-formset"])["options"]
            self.texts += [options["addText"], options["deleteText"]]

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping:
            self.texts.append(data)


def normalise(text):
    return re.sub(r"\s+", " ", text).strip()


def user_content() -> list[str]:
    """Everything editors wrote, longest first. None of it may equal a catalogue string, or the check
    would not see that string."""
    texts = set(get_user_model().objects.values_list("username", flat=True))
    for brief in Brief.objects.all():
        texts |= {brief.title, brief.dek, brief.slug}
    for section in Section.objects.all():
        texts |= {section.heading, *section.body.splitlines(), *section.body_text.splitlines()}
    for entity in Entity.objects.all():
        texts |= {entity.name, entity.description, *entity.aliases}
    for revision in Revision.objects.all():
        texts |= {revision.note, revision.system_actor}
    return sorted({normalise(t) for t in texts if len(normalise(t)) > 1}, key=len, reverse=True)


def visible_text(content: str) -> str:
    parser = VisibleText()
    parser.feed(content)
    parser.close()
    text = SEP.join(normalise(t) for t in parser.texts if t.strip())
    for written in user_content():
        text = text.replace(written, SEP)
    return text


def offending(content: str, forbidden: dict) -> list[str]:
    text = visible_text(content)
    found = []
    for string, regex in forbidden.items():
        match = regex.search(text)
        if match:
            start, end = match.span()
            around = text[max(start - 30, 0) : end + 30].replace(SEP, " | ")
            found.append(f"{string!r} in …{around}…")
    return found


@pytest.fixture
def desk(client, django_user_model):
    client.force_login(make_user(django_user_model, "redaktorė", "Editor"))
    return client


@pytest.fixture
def story(seed):
    """The seed brief after three more revisions (a section edited, one added, one hidden), one section
    reviewed long ago, an entity no history mentions and two more to merge or delete."""
    sections = list(seed.sections.order_by("position"))
    services.edit_section(
        sections[1],
        body=sections[1].body + "\n\nNaujas sakinys.",
        note="Papildyta karinių ryšių dalis",
        actor=SYSTEM,
    )
    services.add_section(
        seed,
        heading="Naujausia",
        body="Dar viena pastraipa.",
        note="Pridėta dalis apie naujienas",
        actor=SYSTEM,
    )
    services.edit_section(sections[2], hidden=True, note="Bendražygių dalis kol kas slepiama", actor=SYSTEM)
    services.mark_reviewed(sections[0], actor=SYSTEM, at=timezone.now() - timedelta(days=30))
    for name in ("Niekur nežymėtas", "Sergejus Šoigu", "Sergejus Šoigus"):
        services.create_entity(name=name, kind=EntityKind.PERSON, note="Sukurtas bandymui", actor=SYSTEM)
    return seed


def pages(client, brief):
    """(name, response) for every admin page the desk uses; the pages that save come last."""
    revisions = list(brief.revisions.order_by("pk"))
    first, latest = revisions[0], revisions[-1]
    unused = Entity.objects.get(name="Niekur nežymėtas")
    putin = Entity.objects.get(name="Vladimiras Putinas")
    pair = [e.pk for e in Entity.objects.filter(name__startswith="Sergejus")]
    compare = reverse("admin:briefs_brief_compare", args=[brief.pk])
    entities = reverse("admin:briefs_entity_changelist")
    views = {
        "index": reverse("admin:index"),
        "brief changelist": reverse("admin:briefs_brief_changelist"),
        "brief add": reverse("admin:briefs_brief_add"),
        "brief change": change_url(brief),
        "brief history": reverse("admin:briefs_brief_history", args=[brief.pk]),
        "compare": f"{compare}?from={first.pk}&to={latest.pk}",
        "revert": reverse("admin:briefs_brief_revert", args=[brief.pk, first.pk]),
        "preview": reverse("admin:briefs_brief_preview", args=[brief.pk]),
        "review due": reverse("admin:briefs_brief_review_due"),
        "withdraw": reverse("admin:briefs_brief_withdraw", args=[brief.pk]),
        "entity changelist": entities,
        "entity add": reverse("admin:briefs_entity_add"),
        "entity change": reverse("admin:briefs_entity_change", args=[putin.pk]),
        "entity history": reverse("admin:briefs_entity_history", args=[putin.pk]),
        "entity delete": reverse("admin:briefs_entity_delete", args=[unused.pk]),
        "revision changelist": reverse("admin:briefs_revision_changelist"),
        "revision": reverse("admin:briefs_revision_change", args=[latest.pk]),
    }
    for name, url in views.items():
        yield name, client.get(url)
    yield "entity merge", client.post(entities, {"action": "merge_selected", ACTION_CHECKBOX_NAME: pair})
    yield (
        "entity delete selected",
        client.post(entities, {"action": "delete_selected", ACTION_CHECKBOX_NAME: pair}),
    )
    yield "brief change with errors", client.post(change_url(brief), change_data(brief, title="", note=""))
    saved = change_data(brief, dek=brief.dek + " Papildyta.", note="Patikslinta paantraštė")
    yield "after save and continue", client.post(change_url(brief), {**saved, "_continue": "1"}, follow=True)
    saved = change_data(brief, dek=brief.dek + " Dar kartą.", note="Dar kartą patikslinta")
    yield "after save", client.post(change_url(brief), saved, follow=True)
    # Forms opened before that save: one merges with it, one changed the same field differently.
    brief.refresh_from_db()
    opened = brief.revisions.order_by("-pk").values_list("pk", flat=True)[1]
    stale = change_data(brief, expected=opened, dek="Visai kitaip.", note="Kitaip patikslinta")
    yield "brief change in conflict", client.post(change_url(brief), stale)
    merged = change_data(
        brief, expected=opened, title=brief.title + " (papildyta)", note="Papildyta antraštė"
    )
    yield "after a merged save", client.post(change_url(brief), merged, follow=True)
    added = {
        **{f"sections-{name}": 0 for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS")},
        "sections-MAX_NUM_FORMS": 1000,
        "title": "Kinijos ir Rusijos prekyba",
        "slug": "kinijos-ir-rusijos-prekyba",
        "language": "lt",
        "status": "draft",
        "update_kind": "update",
    }
    yield "after add", client.post(reverse("admin:briefs_brief_add"), added, follow=True)
    deleted = {"action": "delete_selected", "post": "yes", ACTION_CHECKBOX_NAME: pair}
    yield "after delete selected", client.post(entities, deleted, follow=True)
    yield "after delete", client.post(views["entity delete"], {"post": "yes"}, follow=True)
    yield "index with recent actions", client.get(views["index"])


def check(client, brief, language, forbidden):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    problems = {}
    for name, response in pages(client, brief):
        assert response.status_code == 200, (name, response.status_code)
        content = response.content.decode()
        # The preview is the reader page, in the brief's language; its interface text follows the request.
        if name != "preview":
            assert f'<html lang="{language}"' in content, name
        found = offending(content, forbidden)
        if found:
            problems[name] = found
    return problems


def report(problems):
    return "\n".join(f"{page}:\n  " + "\n  ".join(found) for page, found in problems.items())


def test_lithuanian_admin_shows_no_english(desk, story):
    problems = check(desk, story, "lt", forbidden_english())
    assert not problems, "English strings in the Lithuanian admin:\n" + report(problems)


def test_english_admin_shows_no_lithuanian(desk, story):
    problems = check(desk, story, "en", forbidden_lithuanian())
    assert not problems, "Lithuanian strings in the English admin:\n" + report(problems)


def test_admin_scripts_have_every_string_in_lithuanian(desk):
    """The admin's scripts (the staff selector, actions, calendar) take their strings from the
    JavaScript catalogue, which the host completes where Django's Lithuanian one falls short."""
    desk.cookies[settings.LANGUAGE_COOKIE_NAME] = "lt"
    script = desk.get(reverse("admin:jsi18n"), HTTP_ACCEPT_LANGUAGE="lt").content.decode()
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});\n", script, re.S).group(1))
    admin_js = polib.pofile(
        str(DJANGO / "contrib" / "admin" / "locale" / "en" / "LC_MESSAGES" / "djangojs.po")
    )
    kept = {(e.msgctxt, e.msgid) for e in entries("lt", "djangojs") if e.msgstr == e.msgid}
    missing = []
    for entry in admin_js:
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        value = catalog.get(key)
        if not value or (value == entry.msgid and (entry.msgctxt, entry.msgid) not in kept):
            missing.append(entry.msgid)
    assert not missing, f"Untranslated in the admin's Lithuanian JavaScript catalogue: {missing}"


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, "1 objektas"), (3, "3 objektai"), (10, "10 objektų"), (21, "21 objektas"), (22, "22 objektai")],
)
def test_lists_count_their_rows_in_lithuanian_plural_forms(desk, count, expected):
    for number in range(count):
        services.create_entity(name=f"Asmuo {number}", kind=EntityKind.PERSON, actor=SYSTEM)
    html_text = desk.get(
        reverse("admin:briefs_entity_changelist"), HTTP_ACCEPT_LANGUAGE="lt"
    ).content.decode()
    assert re.search(rf"\b{expected}\b", normalise(html_text))


def test_lithuanian_sentences_name_the_model_in_the_right_case(desk, story):
    """The generic admin sentences that insert a model's name, as the desk words them in Lithuanian."""
    desk.cookies[settings.LANGUAGE_COOKIE_NAME] = "lt"
    unused = Entity.objects.get(name="Niekur nežymėtas")
    expected = {
        reverse("admin:briefs_brief_changelist"): [
            "Pasirinkite santrauką, kurią norite pakeisti",
            "Pridėti santrauką",
            "Pagal būseną",
            "Pagal kalbą",
            "1 santrauka",
        ],
        reverse("admin:briefs_brief_add"): ["Nauja santrauka", "Pridėti dar vieną dalį"],
        change_url(story): ["Keisti santrauką", "Pridėti dar vieną dalį", "Pridėti dar vieną objektą"],
        reverse("admin:briefs_entity_changelist"): [
            "Pasirinkite objektą, kurį norite pakeisti",
            "Pridėti objektą",
            "Ištrinti pažymėtus objektus",
            "Pagal rūšį",
        ],
        reverse("admin:briefs_entity_add"): ["Naujas objektas"],
        reverse("admin:briefs_entity_delete", args=[unused.pk]): [
            "Ar tikrai norite ištrinti objektą „Niekur nežymėtas“?"
        ],
        reverse("admin:briefs_revision_changelist"): ["Pasirinkite redakciją, kurią norite peržiūrėti"],
    }
    for url, sentences in expected.items():
        content = desk.get(url, HTTP_ACCEPT_LANGUAGE="lt").content.decode()
        parser = VisibleText()
        parser.feed(content)
        text = SEP.join(normalise(t) for t in parser.texts)
        missing = [sentence for sentence in sentences if sentence not in text]
        assert not missing, (url, missing)
    # The staff selector's script writes "Galima pasirinkti: %s" with this name.
    assert (
        'data-field-name="darbuotojai"'
        in desk.get(change_url(story), HTTP_ACCEPT_LANGUAGE="lt").content.decode()
    )
