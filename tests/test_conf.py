"""Every plugin setting lives in briefs.conf with its default, is read when used, and is documented."""

import re

from briefs import conf
from tests.conftest import REPO


def test_the_readme_documents_every_setting_with_its_default():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(BRIEFS_[A-Z_]+)` \| `([^`]*)` \|", readme, re.M))
    expected = {
        name: f"{s.default:_}" if isinstance(s.default, int) else repr(s.default)
        for name, s in conf.SETTINGS.items()
    }
    assert rows == expected


READS = re.compile(r"settings\.BRIEFS_|getattr\(\s*settings\s*,\s*[\"']BRIEFS_")


def test_the_plugin_reads_no_setting_outside_conf():
    offenders = [
        f"{path.relative_to(REPO)}"
        for path in (REPO / "briefs").rglob("*.py")
        if path.name != "conf.py" and READS.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    assert READS.search('getattr(settings, "BRIEFS_X", 1)') and READS.search("settings.BRIEFS_X")


def test_settings_are_read_when_used(settings):
    assert conf.changelog_limit() == 100
    settings.BRIEFS_CHANGELOG_LIMIT = 3
    assert conf.changelog_limit() == 3
    settings.BRIEFS_SITE_URL = "https://news.example.org/"
    assert conf.site_url() == "https://news.example.org"
