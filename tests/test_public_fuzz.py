"""Random Unicode and Markdown, saved through the services the way an editor would, never makes a public
page, feed or the changes view answer 500, and each answers within a generous time budget."""

import itertools
import time
import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import RevisionKind

pytestmark = pytest.mark.django_db

# Not a speed check (bench/ measures): a bound on how long one request may take on a loaded machine.
BUDGET_SECONDS = 5.0
MARKDOWNISH = st.text(
    alphabet="[]()*_`<>#-+>!\\&;:/ \n\t0123456789abŠž\u202e\u0000\u000b\ufffe", max_size=400
)
ANY_TEXT = st.text(max_size=200)
counter = itertools.count()


def fetch(client, url):
    start = time.monotonic()
    response = client.get(url, follow=True)
    elapsed = time.monotonic() - start
    assert response.status_code == 200, (url, response.status_code)
    assert elapsed < BUDGET_SECONDS, (url, elapsed)
    return response


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=ANY_TEXT, note=ANY_TEXT, first=MARKDOWNISH, second=MARKDOWNISH | ANY_TEXT)
def test_random_text_never_breaks_a_public_page(db, title, note, first, second):
    client = Client(raise_request_exception=False)
    slug = f"fuzz-{next(counter)}"
    try:
        brief = services.create_brief(
            title=f"T {title}", slug=slug, sections=[services.SectionInput(f"H {title}", first)], actor=SYSTEM
        )
        services.publish_brief(brief, actor=SYSTEM, note=f"N {note}")
        services.edit_section(
            brief.sections.get(), body=second, actor=SYSTEM, note=f"C {note}", kind=RevisionKind.CORRECTION
        )
    except ValidationError:
        return  # refused with a clear message, nothing half-written: what the services promise
    since = brief.revisions.order_by("pk").first().created_at.isoformat()
    urls = [
        brief.get_absolute_url(),
        reverse("briefs:changes", kwargs={"slug": slug}) + f"?since={since}",
        reverse("briefs_api:detail", kwargs={"slug": slug}),
    ]
    for url in urls:
        fetch(client, url)
    for url in (reverse("briefs:feed", kwargs={"slug": slug}), reverse("briefs:site-feed")):
        ET.fromstring(fetch(client, url).content)  # noqa: S314 - our own feed, proven well-formed
