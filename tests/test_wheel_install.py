"""The plugin installs from its wheel into a project that is not `newsroom`, as README describes."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SETTINGS = """
SECRET_KEY = "wheel-test"
DEBUG = True
ALLOWED_HOSTS = ["testserver"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
    "taggit", "simple_history", "briefs",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "otherproject.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
              "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                          "django.contrib.auth.context_processors.auth",
                          "django.contrib.messages.context_processors.messages"]}}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "other.sqlite3"}}
USE_TZ = True
LANGUAGE_CODE = "lt"
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
"""

URLS = """
from django.contrib import admin
from django.urls import include, path

# Without language prefixes: a project may serve one language only.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("briefs.api_urls")),
    path("", include("briefs.urls")),
]
"""

CHECK = """
import django, os
os.environ["DJANGO_SETTINGS_MODULE"] = "otherproject.settings"
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("loaddata", "russia_north_korea", verbosity=0)
from django.test import Client
response = Client().get("/briefs/rusijos-ir-siaures-korejos-santykiai/")
assert response.status_code == 200, response.status_code
html = response.content.decode()
assert "Kas žinoma apie Rusijos ir Šiaurės Korėjos santykius" in html
assert "„Brangiausias bendražygis“" in html
import briefs
print("rendered from", os.path.dirname(briefs.__file__))
"""


def run(*args, cwd):
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_virtualenv_and_serves_the_seed_brief(tmp_path):
    run(sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path / "dist"), str(ROOT), cwd=tmp_path)
    wheel = next((tmp_path / "dist").glob("*.whl"))
    run(sys.executable, "-m", "venv", str(tmp_path / "venv"), cwd=tmp_path)
    python = str(tmp_path / "venv" / "bin" / "python")
    run(python, "-m", "pip", "install", "--quiet", str(wheel), cwd=tmp_path)

    project = tmp_path / "site" / "otherproject"
    project.mkdir(parents=True)
    (project / "__init__.py").write_text("")
    (project / "settings.py").write_text(textwrap.dedent(SETTINGS))
    (project / "urls.py").write_text(textwrap.dedent(URLS))
    (tmp_path / "site" / "check.py").write_text(textwrap.dedent(CHECK))

    out = run(python, "check.py", cwd=tmp_path / "site")
    # The brief was rendered by the installed wheel, not by this checkout.
    assert str(tmp_path / "venv") in out
