from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BriefsConfig(AppConfig):
    name = "briefs"
    verbose_name = _("Briefs")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here because they need the models, which exist only once the app registry is ready.
        from django.db.models.signals import pre_delete, pre_save
        from simple_history.signals import pre_create_historical_record

        from . import history, tasks, tracking
        from .signals import revision_committed

        # Recording: every history row belongs to the open revision; no tracked write happens outside one.
        pre_create_historical_record.connect(
            history.stamp_history_row, dispatch_uid="briefs.history.stamp_history_row"
        )
        for name in ("Brief", "Section", "Entity", "TaggedEntity"):
            model = self.get_model(name)
            pre_save.connect(
                tracking.require_open_revision, sender=model, dispatch_uid=f"briefs.guard.save.{name}"
            )
            pre_delete.connect(
                tracking.require_open_revision, sender=model, dispatch_uid=f"briefs.guard.delete.{name}"
            )
        # Reacting: what follows from a committed revision runs as a task (rendering, then purging).
        revision_committed.connect(tasks.enqueue_reactions, dispatch_uid="briefs.tasks.enqueue_reactions")
