"""Hostile text in every editor-controlled field never executes and never breaks out, wherever it is
rendered: reader pages, the changes view, search snippets, feeds, JSON-LD, ninjs and the admin."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import EntityKind, RevisionKind
from briefs.text import clean_line, clean_text

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "</script><script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="javascript:alert(1)">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<style>@import 'javascript:alert(1)';</style>",
    '<object data="javascript:alert(1)">',
    '<embed src="javascript:alert(1)">',
    "<input autofocus onfocus=alert(1)>",
    "<marquee onstart=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<!--<script>alert(1)//-->",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '![x](x" onerror="alert(1))',
    '[x](https://example.org "t\\" onmouseover=\\"alert(1)")',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<a href="&#106;avascript:alert(1)">x</a>',
    "<<script>script>alert(1)<</script>/script>",
    "\u2028</script><!--",
    "]]><script>alert(1)</script>",
    # Pasted from word processors and chat: controls and noncharacters that XML cannot carry.
    "\x0b\x0c\x1b\x7f\x85 control <b>x</b>",
    "\ufffe\uffff\ufdd0 noncharacter",
    # Bidirectional overrides that could disguise a link or reorder a sentence.
    "\u202egnp.exe\u202c [a](https://example.org/\u202e) \u2066isolate\u2069",
    # Names that make no slug.
    "!!!",
    "🦀",
    "—",
    # Markdown that made the old renderer crawl or recurse.
    "[" * 2000,
    "*a **b _c " * 300,
    "<a " * 500,
    "\n".join("  " * depth + "- level" for depth in range(4)),
]

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "xlink:href"}
SAFE_SCHEMES = ("http://", "https://", "mailto:", "/", "#", "?")


class Checker(HTMLParser):
    """Collects every construct through which markup could run script."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._script: dict | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            value = value or ""
            normalised = re.sub(r"[\x00-\x20]", "", value).lower()
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            if (name in URL_ATTRIBUTES or name == "style") and (
                "javascript:" in normalised or "vbscript:" in normalised
            ):
                self.problems.append(f"script URL in {name} of <{tag}>")
            # <link rel="icon" href="data:,"> is how the site asks browsers not to fetch a favicon.
            if tag == "link" and normalised == "data:,":
                continue
            if name in URL_ATTRIBUTES and normalised and not normalised.startswith(SAFE_SCHEMES):
                self.problems.append(f"unexpected URL {value!r} in {name} of <{tag}>")
        if tag in {"iframe", "object", "embed", "svg", "math", "base", "marquee", "frame", "frameset"}:
            self.problems.append(f"<{tag}> element")
        if tag == "img" and not attributes.get("src", "").startswith("/static/"):
            self.problems.append("<img> not from our static files")
        if tag == "meta" and "http-equiv" in attributes:
            self.problems.append("<meta http-equiv>")
        if tag == "script":
            self._script, self._script_text = attributes, []
            src = attributes.get("src")
            if src is None and attributes.get("type") != "application/ld+json":
                self.problems.append("inline executable <script>")
            if src is not None and not src.startswith("/static/"):
                self.problems.append(f"<script src={src!r}>")

    def handle_data(self, data):
        if self._script is not None:
            self._script_text.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            if self._script.get("type") == "application/ld+json":
                try:
                    json.loads("".join(self._script_text))
                except ValueError:
                    self.problems.append("JSON-LD broken out of its script element")
            self._script = None


def problems_in_html(html: str) -> list[str]:
    checker = Checker()
    checker.feed(html)
    checker.close()
    return checker.problems


def problems_in_feed(xml: str) -> list[str]:
    # Our own feed, parsed to prove it is well-formed: a breakout would make it malformed.
    root = ET.fromstring(xml.encode())  # noqa: S314
    problems = []
    for element in root.iter():
        if element.text and element.get("type") in ("html", "xhtml"):
            problems += problems_in_html(element.text)
    return problems


def problems_in_ninjs(data) -> list[str]:
    problems = []
    for body in data.get("bodies", []):
        problems += problems_in_html(body["value"])
    return problems


@pytest.fixture
def hostile(editor, make_entity):
    """One brief per payload, with the payload in every field an editor controls."""
    briefs = []
    for number, payload in enumerate(PAYLOADS):
        entity = make_entity(
            f"Entity {number} {payload}"[:100],
            EntityKind.PERSON,
            aliases=[payload[:100]],
            description=payload,
        )
        # An entity named by the payload alone: some make no slug at all.
        make_entity(payload[:100], EntityKind.ORGANISATION)
        brief = services.create_brief(
            title=f"Title {payload}"[:255],
            slug=f"hostile-{number}",
            dek=f"Dek {payload}",
            sections=[
                services.SectionInput("", f"Lead alert {payload}", entities=[entity]),
                services.SectionInput(f"Heading {payload}"[:255], f"Body {payload}\n\n- item {payload}"),
            ],
            actor=editor,
        )
        services.publish_brief(brief, actor=editor, note=f"Published {payload}")
        section = brief.sections.get(position=1)
        services.edit_section(
            section,
            body=f"Changed {payload}",
            actor=editor,
            note=f"Correction {payload}",
            kind=RevisionKind.CORRECTION,
        )
        briefs.append((brief, entity, payload))
    return briefs


def test_reader_pages_feeds_and_api_never_execute_payloads(client, hostile):
    since = (timezone.now() - timedelta(days=1)).date().isoformat()
    for brief, entity, payload in hostile:
        pages = {
            "brief": brief.get_absolute_url(),
            "entity": entity.get_absolute_url(),
            "changes": f"{brief.get_absolute_url()}changes/?since={since}",
        }
        for name, url in pages.items():
            response = client.get(url, follow=True)
            assert response.status_code == 200, (name, payload)
            assert problems_in_html(response.content.decode()) == [], (name, payload)
        feed = client.get(f"{brief.get_absolute_url()}feed/")
        assert problems_in_feed(feed.content.decode()) == [], ("feed", payload)
        api = client.get(f"/api/briefs/{brief.slug}/")
        assert problems_in_ninjs(api.json()) == [], ("ninjs", payload)
    for url in [
        "/lt/briefs/",
        "/lt/feed/",
        "/sitemap.xml",
        "/api/briefs/",
        "/lt/search/?q=alert",
        "/lt/search/?q=Changed",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        if url.startswith(("/feed", "/sitemap")):
            assert problems_in_feed(body) == [], url
        elif url.startswith("/api/"):
            json.loads(body)
        else:
            assert problems_in_html(body) == [], url


def test_jsonld_survives_a_script_breakout_in_every_field(client, hostile):
    for brief, _entity, payload in hostile:
        html = client.get(brief.get_absolute_url()).content.decode()
        blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
        assert len(blocks) == 1, payload
        data = json.loads(blocks[0])
        # Text is cleaned where it comes in: a line break in a headline becomes a space.
        assert data["headline"] == clean_line(f"Title {payload}"[:255])
        assert data["description"] == clean_text(f"Dek {payload}").strip()


def test_the_checker_catches_what_it_is_meant_to():
    assert problems_in_html("<p>fine <a href='https://example.org'>x</a></p>") == []
    assert problems_in_html("<script>alert(1)</script>")
    assert problems_in_html('<img src="x" onerror="alert(1)">')
    assert problems_in_html('<a href=" javascript:alert(1)">x</a>')
    assert problems_in_html('<script type="application/ld+json">{"a": "</script>')


def test_admin_pages_escape_payloads(client, hostile, django_user_model, make_entity):
    """The admin has its own scripts and icons; a payload must add nothing to what a plain brief shows."""
    admin = django_user_model.objects.create_superuser("chief", password="pw-chief-12345")
    client.force_login(admin)
    plain_entity = make_entity("Plain entity", EntityKind.PERSON)
    plain = services.create_brief(
        title="Plain",
        slug="plain",
        dek="Plain dek",
        sections=[
            services.SectionInput("", "Lead plain", entities=[plain_entity]),
            services.SectionInput("Heading plain", "Body plain\n\n- item plain"),
        ],
        actor=SYSTEM,
    )
    services.publish_brief(plain, note="Published plain", actor=SYSTEM)
    services.edit_section(
        plain.sections.get(position=1),
        body="Changed plain",
        note="Correction plain",
        kind=RevisionKind.CORRECTION,
        actor=SYSTEM,
    )

    def pages(brief, entity):
        first, last = (
            brief.revisions.order_by("pk").values_list("pk", flat=True).first(),
            brief.revisions.order_by("-pk").values_list("pk", flat=True).first(),
        )
        base = f"/admin/briefs/brief/{brief.pk}"
        return [
            f"{base}/change/",
            f"{base}/history/",
            f"{base}/history/compare/?a={first}&b={last}",
            f"{base}/history/{first}/revert/",
            f"{base}/preview/",
            f"/admin/briefs/entity/{entity.pk}/change/",
        ]

    baseline = [
        sorted(problems_in_html(client.get(url).content.decode())) for url in pages(plain, plain_entity)
    ]
    for brief, entity, payload in hostile:
        for url, expected in zip(pages(brief, entity), baseline, strict=True):
            response = client.get(url)
            assert response.status_code == 200, url
            assert sorted(problems_in_html(response.content.decode())) == expected, (url, payload)
    for url in ["/admin/briefs/brief/", "/admin/briefs/entity/", "/admin/briefs/revision/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "<script>alert(1)</script>" not in response.content.decode()
        assert "onerror=alert(1)" not in response.content.decode().replace("onerror=alert(1)&", "")
