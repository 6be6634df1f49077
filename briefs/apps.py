from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BriefsConfig(AppConfig):
    name = "briefs"
    verbose_name = _("Briefs")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from simple_history.signals import pre_create_historical_record

        from . import history

        pre_create_historical_record.connect(
            history.stamp_history_row, dispatch_uid="briefs.history.stamp_history_row"
        )
