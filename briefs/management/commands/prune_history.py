"""Drop old minor, non-public history that no kept revision needs. Public revisions are never touched."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from briefs.revisions.retention import plan_prune
from briefs.services import prune_history


class Command(BaseCommand):
    help = "Prune minor, non-public revisions older than N days, keeping every row a kept revision needs."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=int, required=True, metavar="DAYS", help="Age cut-off in days."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be pruned; delete nothing."
        )

    def handle(self, *args, older_than: int, dry_run: bool = False, **options) -> None:
        if older_than < 1:
            raise CommandError("--older-than must be at least 1 day.")
        before = timezone.now() - timedelta(days=older_than)
        plan = plan_prune(before) if dry_run else prune_history(before)
        verb = "Would prune" if dry_run else "Pruned"
        self.stdout.write(
            f"{verb} {len(plan.revisions)} revisions and {plan.row_count} history rows "
            f"older than {older_than} days."
        )
        if plan.kept_for_later:
            self.stdout.write(
                f"Kept {plan.kept_for_later} minor revisions whose rows later revisions still read."
            )
