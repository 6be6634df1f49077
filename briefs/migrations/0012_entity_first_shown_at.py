from django.db import migrations, models
from django.db.models import Min


def fill_first_shown_at(apps, schema_editor):
    """Entities that published briefs show now were shown when those briefs were first published."""
    Entity = apps.get_model("briefs", "Entity")
    TaggedEntity = apps.get_model("briefs", "TaggedEntity")
    shown = (
        TaggedEntity.objects.filter(content_object__hidden=False, content_object__brief__status="published")
        .values("tag_id")
        .annotate(at=Min("content_object__brief__first_published_at"))
    )
    for row in shown:
        Entity.objects.filter(pk=row["tag_id"]).update(first_shown_at=row["at"])


class Migration(migrations.Migration):
    dependencies = [
        ("briefs", "0011_withdrawals"),
    ]

    operations = [
        migrations.AddField(
            model_name="entity",
            name="first_shown_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When a published brief first showed the entity to readers; from then on it has a page.",
                null=True,
                verbose_name="first shown at",
            ),
        ),
        migrations.RunPython(fill_first_shown_at, migrations.RunPython.noop),
    ]
