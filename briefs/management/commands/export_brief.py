"""Write a brief out as Markdown (which import_brief reads back), IPTC ninjs 3.1 or plain JSON."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from briefs.exporting import brief_to_json, brief_to_markdown
from briefs.models import Brief
from briefs.ninjs import brief_to_ninjs

FORMATS = ("markdown", "ninjs", "json")


class Command(BaseCommand):
    help = "Export a brief as Markdown, ninjs 3.1 JSON or JSON, to standard output or a file."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Slug of the brief.")
        parser.add_argument("--format", choices=FORMATS, default="markdown", help="Output format.")
        parser.add_argument("--output", default="", help="File to write; standard output otherwise.")

    def handle(self, *args, slug: str, format: str = "markdown", output: str = "", **options) -> None:
        try:
            brief = Brief.objects.get(slug=slug)
        except Brief.DoesNotExist:
            raise CommandError(f"No brief with the slug “{slug}”.") from None
        text = self.render(brief, format)
        if not output:
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}") from None
        self.stdout.write(f"Wrote {format} of “{brief.slug}” to {output}.")

    def render(self, brief: Brief, format: str) -> str:
        if format == "markdown":
            return brief_to_markdown(brief)
        data = brief_to_ninjs(brief, request=None) if format == "ninjs" else brief_to_json(brief)
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
