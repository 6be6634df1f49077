"""Production settings: ``check --deploy`` is clean, security headers are sent, secrets are required."""

import importlib.util
import os
import secrets
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from newsroom.middleware import SecurityHeadersMiddleware

ROOT = Path(__file__).resolve().parents[1]
# Read by newsroom/settings.py; a value in the environment of the test run must not leak into a test.
SETTINGS_ENVIRONMENT = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "TRUST_X_FORWARDED_PROTO",
    "TRUSTED_PROXY_COUNT",
    "PERMISSIONS_POLICY",
    "AXES_FAILURE_LIMIT",
    "AXES_ADDRESS_FAILURE_LIMIT",
    "AXES_KNOWN_ADDRESS_DAYS",
    "AXES_COOLOFF_HOURS",
}


def run_manage(*args, **env):
    environ = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENVIRONMENT}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "news.example.org",
    "DATABASE_URL": "sqlite:///" + str(ROOT / "db.sqlite3"),
}


@pytest.mark.slow
def test_check_deploy_reports_nothing():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output


# What README documents for app servers behind a CDN and a load balancer that terminate TLS.
BEHIND_PROXIES = {**PRODUCTION, "TRUST_X_FORWARDED_PROTO": "1", "TRUSTED_PROXY_COUNT": "2"}


def settings_from(**env):
    """newsroom/settings.py evaluated afresh under ``env`` and none of our other variables, in process."""
    environ = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENVIRONMENT}
    spec = importlib.util.spec_from_file_location("settings_under_test", ROOT / "newsroom" / "settings.py")
    module = importlib.util.module_from_spec(spec)
    with mock.patch.dict(os.environ, {**environ, **env}, clear=True):
        spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_check_deploy_behind_proxies_reports_nothing():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **BEHIND_PROXIES)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output


@pytest.mark.slow
def test_check_deploy_without_preload_is_a_deliberate_choice():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", SECURE_HSTS_PRELOAD="0", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_check_deploy_warns_when_hsts_is_switched_off():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", SECURE_HSTS_SECONDS="0", **PRODUCTION)
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


@pytest.mark.slow
def test_secret_key_is_required_without_debug():
    result = run_manage("check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.slow
def test_production_values():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, s.X_FRAME_OPTIONS, s.STORAGES['staticfiles']['BACKEND'], "
        "'whitenoise.middleware.WhiteNoiseMiddleware' in s.MIDDLEWARE, s.SECURE_PROXY_SSL_HEADER, "
        "s.TRUSTED_PROXY_COUNT)"
    )
    environ = {
        **{k: v for k, v in os.environ.items() if k not in SETTINGS_ENVIRONMENT},
        **PRODUCTION,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert out == [
        "False",
        "True",
        "True",
        "True",
        "31536000",
        "DENY",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "True",
        "None",
        "0",
    ]
    # Behind a proxy that terminates TLS the redirect can be left to the proxy.
    environ["SECURE_SSL_REDIRECT"] = "0"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert out[1] == "False"


@pytest.mark.django_db
def test_security_headers(client):
    response = client.get("/lt/briefs/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert "'unsafe-inline'" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.django_db
def test_policy_is_configurable(client, settings):
    settings.CONTENT_SECURITY_POLICY = "default-src 'none'"
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = "script-src 'self'; report-uri /csp/"
    response = client.get("/lt/briefs/")
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["Content-Security-Policy-Report-Only"] == "script-src 'self'; report-uri /csp/"
    settings.CONTENT_SECURITY_POLICY = ""
    assert "Content-Security-Policy" not in client.get("/lt/briefs/")


@pytest.mark.django_db
def test_x_forwarded_proto_is_ignored_unless_trusted(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = settings_from(**PRODUCTION).SECURE_PROXY_SSL_HEADER
    assert settings.SECURE_PROXY_SSL_HEADER is None
    # A plain-HTTP request that claims to have come over HTTPS is still sent to HTTPS...
    response = client.get("/lt/briefs/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/lt/briefs/"
    # ...unless the operator says a proxy in front sets the header.
    settings.SECURE_PROXY_SSL_HEADER = settings_from(**BEHIND_PROXIES).SECURE_PROXY_SSL_HEADER
    assert client.get("/lt/briefs/", HTTP_X_FORWARDED_PROTO="https").status_code == 200
    assert client.get("/lt/briefs/", HTTP_X_FORWARDED_PROTO="http").status_code == 301


def test_login_limits_and_proxies_come_from_the_environment():
    defaults = settings_from()
    assert (defaults.LOGIN_FAILURE_LIMIT, defaults.LOGIN_ADDRESS_FAILURE_LIMIT) == (5, 20)
    assert (defaults.LOGIN_KNOWN_ADDRESS_DAYS, defaults.AXES_COOLOFF_TIME) == (90, 0.25)
    assert defaults.TRUSTED_PROXY_COUNT == 0
    configured = settings_from(
        AXES_FAILURE_LIMIT="3",
        AXES_ADDRESS_FAILURE_LIMIT="50",
        AXES_KNOWN_ADDRESS_DAYS="30",
        AXES_COOLOFF_HOURS="1",
        TRUSTED_PROXY_COUNT="2",
    )
    assert (configured.LOGIN_FAILURE_LIMIT, configured.LOGIN_ADDRESS_FAILURE_LIMIT) == (3, 50)
    assert (configured.LOGIN_KNOWN_ADDRESS_DAYS, configured.AXES_COOLOFF_TIME) == (30, 1.0)
    assert configured.TRUSTED_PROXY_COUNT == 2


@pytest.mark.django_db
def test_every_response_carries_a_permissions_policy(client, settings, django_user_model):
    settings.LOGIN_FAILURE_LIMIT = 1
    django_user_model.objects.create_user("editor", password="right-password-123", is_staff=True)
    responses = {
        "page": client.get("/lt/briefs/"),
        "redirect": client.get("/"),
        "not found": client.get("/no-such-page/"),
        "sitemap": client.get("/sitemap.xml"),
        "login form": client.get("/admin/login/"),
        "lockout": client.post("/admin/login/", {"username": "editor", "password": "wrong"}),
    }
    assert [response.status_code for response in responses.values()] == [200, 302, 404, 200, 200, 429]
    for name, response in responses.items():
        assert response.get("Permissions-Policy") == settings.PERMISSIONS_POLICY, name
    directives = dict(d.strip().split("=", 1) for d in settings.PERMISSIONS_POLICY.split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
        assert directives[feature] == "()"


def test_permissions_policy_is_configurable_and_a_view_may_set_its_own(settings):
    settings.PERMISSIONS_POLICY = "geolocation=()"
    request = RequestFactory().get("/")
    assert SecurityHeadersMiddleware(lambda request: HttpResponse())(request)["Permissions-Policy"] == (
        "geolocation=()"
    )
    own = HttpResponse(headers={"Permissions-Policy": "fullscreen=(self)"})
    assert (
        SecurityHeadersMiddleware(lambda request: own)(request)["Permissions-Policy"] == "fullscreen=(self)"
    )
    settings.PERMISSIONS_POLICY = ""
    assert "Permissions-Policy" not in SecurityHeadersMiddleware(lambda request: HttpResponse())(request)
    assert settings_from(PERMISSIONS_POLICY="camera=()").PERMISSIONS_POLICY == "camera=()"


@pytest.mark.slow
def test_whitenoise_serves_collected_static_files(tmp_path):
    env = {**PRODUCTION, "STATIC_ROOT": str(tmp_path / "static")}
    collected = run_manage("collectstatic", "--noinput", "-v", "0", **env)
    assert collected.returncode == 0, collected.stderr
    code = (
        "import django; django.setup(); from django.test import Client; "
        "from django.templatetags.static import static; "
        "c = Client(HTTP_HOST='news.example.org'); url = static('briefs/last-visit.js'); "
        "r = c.get(url, secure=True); "
        "print(url, r.status_code, r['Cache-Control'], b''.join(r.streaming_content)[:40])"
    )
    environ = {**os.environ, **env, "DJANGO_SETTINGS_MODULE": "newsroom.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    url, status, *_ = result.stdout.split(" ", 2)
    assert (
        url.startswith("/static/briefs/last-visit.")
        and url.endswith(".js")
        and url != "/static/briefs/last-visit.js"
    )
    assert status == "200"
    assert "immutable" in result.stdout
