"""The two newsroom roles and the permissions each holds.

Reporters draft; editors also hold ``briefs.publish_brief`` and so change what readers see. The
services enforce the difference; these groups only hand out the permissions.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

REPORTER = "Reporter"
EDITOR = "Editor"

_DRAFTING = [
    "add_brief",
    "change_brief",
    "view_brief",
    "add_section",
    "change_section",
    "delete_section",
    "view_section",
    "add_entity",
    "change_entity",
    "view_entity",
    "add_taggedentity",
    "change_taggedentity",
    "delete_taggedentity",
    "view_taggedentity",
    "view_revision",
]

ROLE_PERMISSIONS = {
    REPORTER: _DRAFTING,
    EDITOR: [*_DRAFTING, "publish_brief", "delete_entity"],
}


def ensure_roles(apps=None, verbosity=0) -> dict[str, int]:
    """Create or complete both groups; return how many permissions each holds. Safe to run twice."""
    apps = apps or global_apps
    # On a fresh database the permissions are created only after all migrations; make them now.
    create_permissions(global_apps.get_app_config("briefs"), apps=apps, verbosity=verbosity)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    counts = {}
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = list(Permission.objects.filter(content_type__app_label="briefs", codename__in=codenames))
        missing = set(codenames) - {p.codename for p in perms}
        if missing:
            raise LookupError(f"Missing permissions for {name}: {', '.join(sorted(missing))}")
        group.permissions.add(*perms)
        counts[name] = group.permissions.count()
    return counts
