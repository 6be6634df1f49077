"""Hostile or broken requests get a clean 4xx (or an ordinary page), never a server error."""

import pytest
from django.test import Client

from tests.desk import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict_client():
    # Server errors must surface as 500 responses here, not as exceptions inside the test.
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "since",
    [
        "yesterday",
        "2025-13-45",
        "2025-10-27T25:00",
        "9999999999",
        "",
        "2025-10-27T10:00+99:00",
        "%00",
        "x" * 5000,
    ],
)
def test_malformed_since_is_a_400(strict_client, seed, since):
    response = strict_client.get(f"{seed.get_absolute_url()}changes/", {"since": since})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/lt/briefs/no-such-brief/",
        "/lt/briefs/no-such-brief/changes/?since=2025-10-27",
        "/lt/briefs/no-such-brief/feed/",
        "/api/briefs/no-such-brief/",
        "/lt/entities/no-such-entity/",
        "/lt/briefs/%F0%9F%92%A9/",
        "/lt/entities/%FF%FE/",
    ],
)
def test_unknown_slugs_are_404(strict_client, seed, url):
    assert strict_client.get(url).status_code == 404


@pytest.mark.parametrize(
    "query",
    ["Putinas" * 20_000, "'; DROP TABLE briefs_brief; --", "%FF%FE", "\x00", "a & | ! ( ) : * <>", "   "],
)
def test_search_survives_any_query(strict_client, seed, query):
    response = strict_client.get("/lt/search/", {"q": query})
    assert response.status_code in (200, 400)
    assert strict_client.get(seed.get_absolute_url()).status_code == 200


def test_non_utf8_query_bytes_do_not_break_pages(strict_client, seed):
    response = strict_client.get("/lt/search/?q=%FF%FEPutin%C0%AF")
    assert response.status_code in (200, 400)
    response = strict_client.get(f"{seed.get_absolute_url()}changes/?since=%FF%FE")
    assert response.status_code == 400


def test_non_utf8_and_oversized_posts_to_the_admin_are_refused_cleanly(
    strict_client, seed, django_user_model
):
    from tests.desk import change_url, make_user

    editor = make_user(django_user_model, "poster", "Editor")
    strict_client.force_login(editor)
    before = seed.sections.get(position=0).body
    response = strict_client.post(
        change_url(seed),
        data=b"title=\xff\xfe\xfd&update_note=\xc0\xaf",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (200, 400, 403)
    huge = "x" * (3 * 1024 * 1024)
    response = strict_client.post(change_url(seed), {"title": huge, "update_note": "x"})
    assert response.status_code == 400
    assert seed.sections.get(position=0).body == before


@pytest.mark.parametrize(
    "url",
    [
        "/admin/briefs/brief/?q=%00",
        "/admin/briefs/brief/?status=%00",
        "/admin/briefs/brief/?language=a%00b",
        "/admin/briefs/entity/?q=Put%00in",
        "/admin/briefs/entity/?kind=%00",
        "/admin/briefs/revision/?kind=%00&is_public__exact=%00",
        "/admin/briefs/revision/?q=%00",
        "/admin/autocomplete/?app_label=briefs&model_name=section&field_name=entities&term=%00",
        "/admin/autocomplete/?app_label=briefs&model_name=section&field_name=entities&term=a%00",
    ],
)
def test_a_nul_byte_in_admin_filters_and_the_autocomplete_is_refused_cleanly(
    strict_client, seed, url, django_user_model
):
    strict_client.force_login(make_user(django_user_model, "nul-editor", "Editor"))
    response = strict_client.get(url)
    # A filter is refused as a bad request; a search or autocomplete term is searched without the NUL.
    assert response.status_code in (200, 400), response.status_code
