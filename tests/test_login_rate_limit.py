"""Login attempts are rate-limited per username and address (django-axes)."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_repeated_wrong_passwords_lock_the_login_out(client, django_user_model):
    django_user_model.objects.create_user("editor", password="right-password-123", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/admin/login/", {"username": "editor", "password": "wrong"})
        assert response.status_code == 200  # the form again, with an error
    response = client.post("/admin/login/", {"username": "editor", "password": "wrong"})
    assert response.status_code == 429
    # Even the right password is refused while the lockout lasts.
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "editor", "password": "right-password-123"}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_correct_login_still_works_and_resets_failures(client, django_user_model):
    django_user_model.objects.create_user("editor", password="right-password-123", is_staff=True)
    client.post("/admin/login/", {"username": "editor", "password": "wrong"})
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "editor", "password": "right-password-123"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"]
