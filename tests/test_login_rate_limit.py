"""Login attempts are rate-limited per username and address and per address (django-axes with
newsroom.security), counted against the client's address behind the configured proxies."""

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory

from newsroom.security import client_ip_address

pytestmark = pytest.mark.django_db

RIGHT = "right-password-123"
OFFICE = "192.0.2.10"
ELSEWHERE = "198.51.100.7"
ATTACKER = "203.0.113.9"
LOAD_BALANCER = "10.0.0.2"


@pytest.fixture(autouse=True)
def limits(settings):
    """The documented defaults, whatever the environment of the test run says."""
    settings.LOGIN_FAILURE_LIMIT = 5
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 20
    settings.TRUSTED_PROXY_COUNT = 0
    # Dozens of logins per test: the real hasher would spend seconds on them and test nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user("editor", password=RIGHT, is_staff=True)


def login(client, username, password, address=OFFICE, **headers):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def test_repeated_wrong_passwords_lock_the_login_out(client, editor, limits):
    for _ in range(limits.LOGIN_FAILURE_LIMIT - 1):
        assert login(client, "editor", "wrong").status_code == 200  # the form again, with an error
    assert login(client, "editor", "wrong").status_code == 429
    # Even the right password is refused while the lockout lasts: the editor never signed in from here.
    assert login(client, "editor", RIGHT).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_correct_login_still_works_and_resets_failures(client, editor):
    login(client, "editor", "wrong")
    assert login(client, "editor", RIGHT).status_code == 302
    assert client.session["_auth_user_id"]
    assert not AccessAttempt.objects.filter(username="editor").exists()


def test_an_attacker_cannot_lock_an_editor_out_of_a_known_good_address(editor, limits):
    assert login(Client(), "editor", RIGHT, OFFICE).status_code == 302
    # Someone behind the same address (the office network, or a load balancer that hides every client)
    # fails well past the per-username limit, but not the per-address one.
    attacker = Client()
    for _ in range(limits.LOGIN_FAILURE_LIMIT + 3):
        assert login(attacker, "editor", "wrong", OFFICE).status_code == 200
    assert limits.LOGIN_FAILURE_LIMIT + 3 < limits.LOGIN_ADDRESS_FAILURE_LIMIT
    # The editor's right password from the address they have signed in from still works...
    assert login(Client(), "editor", RIGHT, OFFICE).status_code == 302
    # ...while from an address they have never used the same failures lock them out.
    for _ in range(limits.LOGIN_FAILURE_LIMIT):
        login(attacker, "editor", "wrong", ATTACKER)
    assert login(Client(), "editor", RIGHT, ATTACKER).status_code == 429


def test_a_known_address_stops_vouching_after_the_configured_days(editor, limits):
    assert login(Client(), "editor", RIGHT, OFFICE).status_code == 302
    limits.LOGIN_KNOWN_ADDRESS_DAYS = 0
    for _ in range(limits.LOGIN_FAILURE_LIMIT):
        login(Client(), "editor", "wrong", OFFICE)
    assert login(Client(), "editor", RIGHT, OFFICE).status_code == 429


def test_many_usernames_from_one_address_lock_that_address_out(editor, django_user_model, limits):
    django_user_model.objects.create_user("reporter", password=RIGHT, is_staff=True)
    assert login(Client(), "editor", RIGHT, OFFICE).status_code == 302
    attacker = Client()
    for number in range(limits.LOGIN_ADDRESS_FAILURE_LIMIT - 1):
        # One guess per username never comes near the per-username limit.
        assert login(attacker, f"user{number}", "wrong", OFFICE).status_code == 200
    assert login(attacker, "reporter", "wrong", OFFICE).status_code == 429
    # Nothing from that address passes now, not even an editor's right password from an address they
    # know: otherwise a locked-out client could go on guessing and learn the answer from a success.
    assert login(Client(), "reporter", RIGHT, OFFICE).status_code == 429
    assert login(Client(), "editor", RIGHT, OFFICE).status_code == 429
    # Other addresses are untouched.
    assert login(Client(), "reporter", RIGHT, ELSEWHERE).status_code == 302


def test_x_forwarded_for_is_ignored_unless_proxies_are_configured(editor, limits):
    attacker = Client()
    # A client that writes a new X-Forwarded-For for every guess is still one address.
    for number in range(limits.LOGIN_FAILURE_LIMIT - 1):
        response = login(attacker, "editor", "wrong", ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")
        assert response.status_code == 200
    response = login(attacker, "editor", "wrong", ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_behind_configured_proxies_clients_are_told_apart(editor, limits):
    limits.TRUSTED_PROXY_COUNT = 1
    attacker = Client()
    for _ in range(limits.LOGIN_FAILURE_LIMIT):
        # Prepending someone else's address does not make the guesses theirs.
        response = login(
            attacker, "editor", "wrong", LOAD_BALANCER, HTTP_X_FORWARDED_FOR=f"{ELSEWHERE}, {ATTACKER}"
        )
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    # The load balancer's address is shared by everyone; the editor, elsewhere, is not locked out.
    response = login(Client(), "editor", RIGHT, LOAD_BALANCER, HTTP_X_FORWARDED_FOR=ELSEWHERE)
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "198.51.100.7", LOAD_BALANCER),
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "192.0.2.1, 198.51.100.7", "198.51.100.7"),
        # A CDN and then the load balancer: the CDN appended the client, the balancer the CDN.
        (2, "192.0.2.1, 198.51.100.7, 203.0.113.50", "198.51.100.7"),
        (2, "198.51.100.7", "198.51.100.7"),
        (1, "", LOAD_BALANCER),
        (1, "not-an-address", LOAD_BALANCER),
        (1, "2001:DB8:0:0::1", "2001:db8::1"),
    ],
)
def test_the_client_address_counts_only_the_configured_proxies(limits, proxies, forwarded_for, expected):
    limits.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=LOAD_BALANCER, HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_ip_address(request) == expected
