"""What follows a committed revision, run outside the editor's request through Django's tasks framework.

:func:`enqueue_reactions` (a receiver of :data:`briefs.signals.revision_committed`) enqueues one task
that renders the stored articles of the briefs whose pages changed and then purges their pages from
the caches in front. With the default immediate backend the task runs at once, after the commit, so a
small site needs nothing more; a newsroom runs a worker (``TASKS`` with a database backend and
``manage.py db_worker``), and the save returns before any of it is done. The articles are rendered before
the purge, so the first reader after it finds them stored.

Django 6 has ``django.tasks``; on Django 5.2 the ``django-tasks`` backport provides the same API.
"""

from __future__ import annotations

import logging
from importlib.util import find_spec

from . import purge, rendering

if find_spec("django.tasks"):
    from django.tasks import task
else:
    from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def refresh_after_revision(brief_ids: list[int], entity_ids: list[int]) -> dict:
    """Render the changed briefs' articles, then purge the changed pages. Returns what was done."""
    rendered = 0
    if brief_ids:
        try:
            rendered = rendering.refresh_articles(brief_ids)
        except Exception:
            # Readers get the article rendered on the spot; the purge must still happen.
            logger.exception("Could not render the articles of briefs %s.", brief_ids)
    failed = purge.purge(purge.keys_for(brief_ids, entity_ids))
    return {"rendered": rendered, "purge_failed": failed}


def enqueue_reactions(sender, revision, brief_ids, entity_ids, **kwargs) -> None:
    """Receiver of ``revision_committed``: hand the reactions to the task backend."""
    if brief_ids or entity_ids:
        refresh_after_revision.enqueue(sorted(brief_ids), sorted(entity_ids))
