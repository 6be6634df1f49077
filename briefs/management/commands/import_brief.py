"""Turn a plain-text or Markdown file into a draft brief, its sections tagged with recognised entities."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from briefs.importing import (
    IMPORTER,
    BriefImportError,
    ImportPlan,
    import_brief,
    plan_import,
    read_brief_file,
)


class Command(BaseCommand):
    help = (
        "Import a brief from a UTF-8 text file (one paragraph per line, headings detected) or from "
        "Markdown written by export_brief. Creates a draft unless --publish is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the text or Markdown file.")
        parser.add_argument("--title", default="", help="Headline; a Markdown file's '# Title' otherwise.")
        parser.add_argument("--slug", default="", help="Web address part; made from the title otherwise.")
        parser.add_argument("--language", default="lt", help="BCP 47 language of the text (default: lt).")
        parser.add_argument(
            "--publish", action="store_true", help="Publish at once; needs --user with the permission."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would be imported; write nothing."
        )
        parser.add_argument(
            "--user",
            default="",
            help="Username recorded as the author of the revision; the import_brief system actor if none.",
        )

    def handle(
        self,
        *args,
        file: str,
        title: str = "",
        slug: str = "",
        language: str = "lt",
        publish: bool = False,
        dry_run: bool = False,
        user: str = "",
        **options,
    ) -> None:
        author = self.get_user(user)
        if publish and author is None:
            raise CommandError("--publish needs --user: a user with the publish permission.")
        try:
            plan = plan_import(read_brief_file(file), title=title, slug=slug, language=language)
            if dry_run:
                self.report(plan)
                return
            brief = import_brief(plan, source=Path(file).name, actor=author or IMPORTER, publish=publish)
        except BriefImportError as error:
            raise CommandError(str(error)) from None
        tags = sum(len(p.suggestions) for p in plan.sections)
        state = "Published" if publish else "Created draft"
        self.stdout.write(
            f"{state} brief “{brief.title}” ({brief.slug}) with {len(plan.sections)} sections "
            f"and {tags} entity tags."
        )

    def get_user(self, username: str):
        if not username:
            return None
        model = get_user_model()
        try:
            return model._default_manager.get_by_natural_key(username)
        except model.DoesNotExist:
            raise CommandError(f"No user named “{username}”.") from None

    def report(self, plan: ImportPlan) -> None:
        write = self.stdout.write
        write("Dry run: nothing was written.")
        write(f"Title: {plan.title}")
        write(f"Slug: {plan.slug}")
        write(f"Sections: {len(plan.sections)}")
        for number, planned in enumerate(plan.sections):
            section = planned.section
            count = section.paragraph_count
            paragraphs = f"{count} paragraph{'' if count == 1 else 's'}"
            write(f"[{number}] {section.heading or '(lead)'}: {paragraphs}")
            names = ", ".join(s.entity.name for s in planned.suggestions) or "none"
            write(f"    Entities: {names}")
            write(f"    Possible new entities: {', '.join(planned.possible_new) or 'none'}")
