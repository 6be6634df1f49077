from django.core.management.base import BaseCommand

from briefs.roles import ROLE_PERMISSIONS, ensure_roles


class Command(BaseCommand):
    help = "Create or complete the Reporter and Editor groups with their permissions."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the permissions each group would hold."
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        if dry_run:
            for name, codenames in ROLE_PERMISSIONS.items():
                self.stdout.write(f"{name}: {', '.join(sorted(codenames))}")
            return
        for name, count in ensure_roles().items():
            self.stdout.write(f"{name}: {count} permissions")
