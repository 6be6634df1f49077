from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BriefsConfig(AppConfig):
    name = "briefs"
    verbose_name = _("Briefs")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import pre_delete, pre_save
        from simple_history.signals import pre_create_historical_record

        from . import history

        pre_create_historical_record.connect(
            history.stamp_history_row, dispatch_uid="briefs.history.stamp_history_row"
        )
        for name in ("Brief", "Section", "Entity", "TaggedEntity"):
            model = self.get_model(name)
            pre_save.connect(
                history.require_open_revision, sender=model, dispatch_uid=f"briefs.guard.save.{name}"
            )
            pre_delete.connect(
                history.require_open_revision, sender=model, dispatch_uid=f"briefs.guard.delete.{name}"
            )
