"""Who else has a brief's change form open: the desk's heartbeat.

Each open form reports itself when it loads and every :data:`HEARTBEAT_SECONDS` after, and the desk
shows the other people seen within :data:`WINDOW`. Stored in the database rather than a cache, so that
every app server sees the same people whatever cache backend each one has. Not an editorial write, so
not a service: nothing here is in a revision, and nothing here decides what may be saved.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from .models import Brief, EditingSession

HEARTBEAT_SECONDS = 60
# Long enough for a missed beat or two; a closed form drops off the list after this.
WINDOW = timedelta(minutes=3)
KEEP = timedelta(hours=1)


def touch(brief: Brief, user, *, now: datetime | None = None) -> None:
    """``user`` has the form of ``brief`` open now."""
    now = now or timezone.now()
    EditingSession.objects.update_or_create(brief=brief, user=user, defaults={"last_seen_at": now})
    EditingSession.objects.filter(last_seen_at__lt=now - KEEP).delete()


def others(brief: Brief, user, *, now: datetime | None = None) -> list[EditingSession]:
    """The other people seen with the form of ``brief`` open within the window, latest first."""
    now = now or timezone.now()
    return list(
        EditingSession.objects.filter(brief=brief, last_seen_at__gte=now - WINDOW)
        .exclude(user=user)
        .select_related("user")
        .order_by("-last_seen_at", "user_id")
    )


def describe(sessions: list[EditingSession], *, now: datetime | None = None) -> str:
    """One sentence for the desk, or "" when nobody else is there."""
    if not sessions:
        return ""
    now = now or timezone.now()
    people = ", ".join(
        gettext("%(name)s (%(when)s)") % {"name": session.user.get_username(), "when": _when(session, now)}
        for session in sessions
    )
    return gettext("Also editing this brief: %(people)s. Their saves and yours will be merged.") % {
        "people": people
    }


def _when(session: EditingSession, now: datetime) -> str:
    if now - session.last_seen_at < timedelta(minutes=1):
        return gettext("just now")
    # A clock time rather than "3 minutes ago", which Lithuanian would need in another case.
    return gettext("seen at %(time)s") % {
        "time": date_format(timezone.localtime(session.last_seen_at), "H:i")
    }
