from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from briefs import conf
from briefs.models import Section


class Command(BaseCommand):
    help = (
        "List visible sections of published briefs that are due for review, oldest first. "
        "Exits with status 1 when anything is due, so that a cron job can alert."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of",
            help="Check as of this ISO 8601 time instead of now, for example 2026-01-31T09:00.",
        )

    def handle(self, *args, as_of: str | None = None, **options) -> None:
        now = self._parse(as_of) if as_of else timezone.now()
        days = conf.review_interval().days
        sections = list(Section.objects.review_due(now))
        if not sections:
            self.stdout.write(f"Nothing is due for review (interval {days} days).")
            return
        self.stdout.write(f"Due for review (interval {days} days), oldest first:")
        for section in sections:
            since = timezone.localtime(section.reviewed_since).strftime("%Y-%m-%d %H:%M")
            if section.last_reviewed_at:
                who = section.last_reviewed_by.get_username() if section.last_reviewed_by else "unknown"
                reviewed = f"reviewed {since} by {who}"
            else:
                reviewed = f"never reviewed, published {since}"
            self.stdout.write(f"{section.brief.slug}  #{section.position + 1} {section}  ({reviewed})")
        raise CommandError(f"{len(sections)} section(s) due for review.")

    def _parse(self, value: str) -> datetime:
        parsed = parse_datetime(value)
        if parsed is None:
            raise CommandError(f"--as-of: not an ISO 8601 time: {value!r}")
        return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
