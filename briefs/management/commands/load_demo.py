"""Prepare a demo site: the seed brief, a few later revisions written as an editor would, demo logins."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from briefs import services
from briefs.models import Brief, Entity, Revision, RevisionKind

SEED_FIXTURE = "russia_north_korea"
SEED_SLUG = "rusijos-ir-siaures-korejos-santykiai"

LEAD_BEFORE = (
    "Choe Son Hui vėliau Kremliuje susitiks su prezidentu Vladimiru Putinu, sakė šio atstovas spaudai."
)
LEAD_AFTER = "Choe Son Hui spalio 27 d. Kremliuje susitiko su prezidentu Vladimiru Putinu, pranešė Kremlius."
UPDATE_NOTE = "Susitikimas įvyko: įžanga atnaujinta pagal Kremliaus pranešimą."
CLARIFICATION_NOTE = "Patikslinta: skyrius „Kariniai ryšiai“ susietas su tema „Rusijos karas Ukrainoje“."

# Demo logins only: printed on screen, never for a public deployment.
DEMO_USERS = {
    "editor": ("editor", "demo-editor-2025", "Editor"),
    "reporter": ("reporter", "demo-reporter-2025", "Reporter"),
}


class Command(BaseCommand):
    help = "Load the seed brief, add demo revisions through the services and create demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would be done, change nothing.")
        parser.add_argument("--no-users", action="store_true", help="Do not create the demo logins.")

    def handle(self, *args, dry_run: bool = False, no_users: bool = False, **options) -> None:
        steps = self.plan(with_users=not no_users)
        if dry_run:
            for step in steps:
                self.stdout.write(f"Would {step}.")
            return
        with transaction.atomic():
            if "load the seed brief" in steps:
                call_command("loaddata", SEED_FIXTURE, verbosity=0)
                self.stdout.write("Loaded the seed brief.")
            brief = Brief.objects.get(slug=SEED_SLUG)
            if "add the demo revisions" in steps:
                self.add_demo_revisions(brief)
                self.stdout.write("Added 3 demo revisions.")
            if not no_users:
                for key in DEMO_USERS:
                    self.stdout.write(self.ensure_user(key))
        self.stdout.write(f"Brief: /lt/briefs/{SEED_SLUG}/  Admin: /admin/")

    def plan(self, *, with_users: bool) -> list[str]:
        steps = []
        if not Brief.objects.filter(slug=SEED_SLUG).exists():
            if Entity.objects.exists() or Brief.objects.exists():
                raise CommandError(
                    "The database has briefs or entities but not the seed brief; "
                    "load the seed with 'loaddata russia_north_korea' into an empty database."
                )
            steps.append("load the seed brief")
            steps.append("add the demo revisions")
        elif not Revision.objects.filter(brief__slug=SEED_SLUG, note=UPDATE_NOTE).exists():
            steps.append("add the demo revisions")
        if with_users:
            steps.append("create or reset the demo logins")
        return steps

    def add_demo_revisions(self, brief: Brief) -> None:
        editor = self.ensure_user_object("editor")
        lead = brief.sections.get(position=0)
        if LEAD_BEFORE not in lead.body:
            raise CommandError("The seed brief's lead has been edited; the demo update no longer applies.")
        services.edit_section(
            lead,
            body=lead.body.replace(LEAD_BEFORE, LEAD_AFTER),
            actor=editor,
            note=UPDATE_NOTE,
            kind=RevisionKind.UPDATE,
        )
        services.update_brief(
            brief,
            dek=brief.dek.replace("vizito Kremliuje dieną", "vizito Kremliuje proga"),
            actor=editor,
            kind=RevisionKind.MINOR,
        )
        military = brief.sections.get(heading="Kariniai ryšiai")
        war = Entity.objects.get(slug="rusijos-karas-ukrainoje")
        with services.editing(brief, actor=editor, note=CLARIFICATION_NOTE, kind=RevisionKind.CLARIFICATION):
            services.set_entities(military, [*military.entities.all(), war], actor=editor)

    def ensure_user_object(self, key: str):
        username, password, group_name = DEMO_USERS[key]
        user, _ = get_user_model().objects.get_or_create(username=username, defaults={"is_staff": True})
        user.is_staff = True
        user.set_password(password)
        user.save()
        group = Group.objects.filter(name=group_name).first()
        if group is not None:
            user.groups.add(group)
        else:
            # Without the role groups, fall back to the permissions the role would grant.
            perms = Permission.objects.filter(content_type__app_label="briefs")
            if key != "editor":
                perms = perms.exclude(codename="publish_brief")
            user.user_permissions.add(*perms)
        return user

    def ensure_user(self, key: str) -> str:
        username, password, group_name = DEMO_USERS[key]
        self.ensure_user_object(key)
        return f"Demo {group_name} login: {username} / {password}"
