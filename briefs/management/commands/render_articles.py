"""Render the stored articles of published briefs ahead of readers.

Saves made through the services do this by themselves. This is for what bypasses them: after
``loaddata`` or a restored backup, and after a deploy that changed templates or translations, so that
the first reader of each brief does not pay for the render.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from briefs import conf
from briefs.models import Brief
from briefs.rendering import refresh_articles


class Command(BaseCommand):
    help = "Render and store the reader article of published briefs in every interface language."

    def add_arguments(self, parser):
        parser.add_argument(
            "slugs", nargs="*", metavar="SLUG", help="Briefs to render; all published ones if none."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be rendered, store nothing."
        )

    def handle(self, *args, slugs: list[str], dry_run: bool = False, **options) -> None:
        briefs = self._briefs(slugs)
        languages = conf.languages()
        verb = "Would render" if dry_run else "Rendering"
        for brief in briefs:
            self.stdout.write(f"{verb} {brief.slug} ({', '.join(languages)})")
        count = len(briefs) * len(languages) if dry_run else refresh_articles([b.pk for b in briefs])
        done = "would be rendered" if dry_run else "rendered"
        self.stdout.write(f"{count} article(s) {done} for {len(briefs)} brief(s).")

    def _briefs(self, slugs: list[str]) -> list[Brief]:
        published = Brief.objects.published().order_by("slug")
        if not slugs:
            return list(published)
        found = list(published.filter(slug__in=slugs))
        missing = sorted(set(slugs) - {brief.slug for brief in found})
        if missing:
            raise CommandError(
                f"No published brief with the slug(s): {', '.join(missing)}. Nothing was rendered."
            )
        return found
