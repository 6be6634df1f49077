"""Production settings: ``check --deploy`` is clean, security headers are sent, secrets are required."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_manage(*args, **env):
    environ = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}}
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
        "'whitenoise.middleware.WhiteNoiseMiddleware' in s.MIDDLEWARE)"
    )
    environ = {**os.environ, **PRODUCTION, "DJANGO_SETTINGS_MODULE": "newsroom.settings"}
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
    response = client.get("/briefs/")
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
    response = client.get("/briefs/")
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["Content-Security-Policy-Report-Only"] == "script-src 'self'; report-uri /csp/"
    settings.CONTENT_SECURITY_POLICY = ""
    assert "Content-Security-Policy" not in client.get("/briefs/")


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
