from django.db import migrations, models
from django.utils.text import slugify


def repair_slugs(apps, schema_editor):
    """Give every entity a usable ASCII address: a name with no letters or digits ("!!!", an emoji) once
    made an empty slug, and every page showing the entity failed."""
    Entity = apps.get_model("briefs", "Entity")
    taken = set(Entity.objects.exclude(slug="").values_list("slug", flat=True))
    for entity in Entity.objects.filter(slug=""):
        base = slugify(entity.name)[:90] or f"{entity.kind}-{entity.pk}"
        slug, number = base, 1
        while slug in taken:
            slug, number = f"{base}_{number}", number + 1
        entity.slug = slug
        entity.save(update_fields=["slug"])
        taken.add(slug)


class Migration(migrations.Migration):
    dependencies = [
        ("briefs", "0008_section_body_text"),
    ]

    operations = [
        migrations.RunPython(repair_slugs, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="entity",
            constraint=models.CheckConstraint(condition=~models.Q(slug=""), name="briefs_entity_slug_not_empty"),
        ),
    ]
