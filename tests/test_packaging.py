"""What `pip install django-newsroom-briefs` gets: the version the code reports, every file the plugin
reads at run time, and metadata that PyPI accepts.

The fast tests read the packaging configuration against the source tree; the slow ones build the sdist
and the wheel once and look inside them."""

import email.parser
import importlib.metadata
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

import briefs

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "briefs"
DISTRIBUTION = "django-newsroom-briefs"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def source_files() -> set[str]:
    """Every file of the plugin in this checkout, as a path inside the wheel (briefs/...)."""
    return {
        path.relative_to(ROOT).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def test_the_code_reports_the_installed_version():
    assert briefs.__version__ == importlib.metadata.version(DISTRIBUTION)


def test_the_version_is_written_only_in_the_code():
    assert "version" not in PYPROJECT["project"]
    assert "version" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "briefs.__version__"}


def test_the_changelog_has_a_section_for_this_version():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[{re.escape(briefs.__version__)}\]", changelog, re.MULTILINE)


def test_every_folder_of_python_modules_is_a_package():
    """Only folders with an __init__.py are packages (namespaces = false): a module anywhere else would be
    left out of the wheel without a word."""
    folders = {path.parent for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts}
    assert sorted(str(folder) for folder in folders if not (folder / "__init__.py").is_file()) == []


def test_every_data_file_is_listed_in_package_data():
    """A template, static file, catalogue or fixture that no package-data pattern names would be missing
    from the wheel while every test in this checkout still passes."""
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["briefs"]
    listed = {path.relative_to(ROOT).as_posix() for pattern in patterns for path in PACKAGE.glob(pattern)}
    data = {name for name in source_files() if not name.endswith(".py")}
    assert sorted(data - listed) == []
    # The folders the plugin reads at run time are among them.
    for folder in ("briefs/templates/", "briefs/static/", "briefs/locale/"):
        assert any(name.startswith(folder) for name in data), folder
    assert "briefs/fixtures/russia_north_korea.json" in data
    assert {"briefs/locale/lt/LC_MESSAGES/django.mo", "briefs/locale/en/LC_MESSAGES/django.mo"} <= data


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sdist and the wheel, built as a release would be (the wheel from the sdist)."""
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # The setuptools warning that briefs.fixtures looked like a package, printed on every install.
    assert "is absent from the `packages` configuration" not in result.stdout + result.stderr
    return next(out.glob("*.whl")), next(out.glob("*.tar.gz"))


@pytest.mark.slow
def test_the_wheel_ships_every_file_of_the_plugin_and_nothing_else(built):
    wheel, _ = built
    names = set(zipfile.ZipFile(wheel).namelist())
    plugin = {name for name in names if name.startswith("briefs/")}
    assert sorted(source_files() - plugin) == []
    # Fixture, templates, static files, compiled catalogues, migrations: what the plugin reads at run time.
    assert "briefs/fixtures/russia_north_korea.json" in plugin
    assert "briefs/templates/briefs/brief_detail.html" in plugin
    assert "briefs/static/briefs/briefs.css" in plugin
    assert {"briefs/locale/lt/LC_MESSAGES/django.mo", "briefs/locale/en/LC_MESSAGES/django.mo"} <= plugin
    migrations = {path.name for path in (PACKAGE / "migrations").glob("0*.py")}
    assert migrations
    assert migrations <= {Path(name).name for name in plugin if name.startswith("briefs/migrations/")}
    # Neither the host project nor the tests.
    dist_info = f"django_newsroom_briefs-{briefs.__version__}.dist-info/"
    assert sorted(name for name in names - plugin if not name.startswith(dist_info)) == []


@pytest.mark.slow
def test_the_built_metadata_carries_the_version_and_the_project_urls(built):
    wheel, sdist = built
    assert wheel.name.startswith(f"django_newsroom_briefs-{briefs.__version__}-")
    with zipfile.ZipFile(wheel) as archive:
        metadata = email.parser.Parser().parsestr(
            archive.read(f"django_newsroom_briefs-{briefs.__version__}.dist-info/METADATA").decode()
        )
    assert metadata["Version"] == briefs.__version__
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL"))
    assert set(urls) >= {"Homepage", "Documentation", "Changelog", "Issues"}
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    root = f"django_newsroom_briefs-{briefs.__version__}/"
    assert root + "briefs/fixtures/russia_north_korea.json" in names


@pytest.mark.slow
def test_twine_check_passes(built):
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, built)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
