"""The demo data command behind `make run`."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from briefs import rules, services
from briefs.actors import SYSTEM
from briefs.models import Brief, Revision, RevisionKind

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def test_dry_run_says_what_it_would_do_and_writes_nothing():
    assert run("--dry-run") == (
        "Would load the seed brief.\nWould add the demo revisions.\nWould create or reset the demo logins.\n"
    )
    assert not Brief.objects.exists()


def test_demo_loads_the_seed_adds_revisions_through_the_services_and_prints_logins():
    output = run()
    assert output == (
        "Loaded the seed brief.\n"
        "Added 3 demo revisions.\n"
        "Demo Editor login: editor / demo-editor-2025\n"
        "Demo Reporter login: reporter / demo-reporter-2025\n"
        "Brief: /lt/briefs/rusijos-ir-siaures-korejos-santykiai/  Admin: /admin/\n"
    )
    kinds = list(Revision.objects.order_by("pk").values_list("kind", "is_public"))
    assert kinds == [
        (RevisionKind.UPDATE, True),
        (RevisionKind.UPDATE, True),
        (RevisionKind.MINOR, False),
        (RevisionKind.CLARIFICATION, True),
    ]
    assert all(r.user.username == "editor" for r in Revision.objects.exclude(pk=Revision.objects.last().pk))
    editor = User.objects.get(username="editor")
    assert editor.check_password("demo-editor-2025") and editor.is_staff and rules.may_publish(editor)
    reporter = User.objects.get(username="reporter")
    assert reporter.check_password("demo-reporter-2025") and not rules.may_publish(reporter)


def test_running_twice_adds_nothing_twice():
    run()
    count = Revision.objects.count()
    assert "Added" not in run()
    assert Revision.objects.count() == count


def test_refuses_a_database_with_other_content():
    services.create_brief(title="Kita", slug="kita", actor=SYSTEM)
    with pytest.raises(CommandError, match="empty database"):
        run()
