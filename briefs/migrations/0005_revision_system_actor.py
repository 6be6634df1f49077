from django.db import migrations, models


def name_the_system(apps, schema_editor):
    # Until now a revision without a user was written by a command or a fixture.
    Revision = apps.get_model("briefs", "Revision")
    Revision.objects.filter(user__isnull=True, system_actor="").update(system_actor="system")


class Migration(migrations.Migration):
    dependencies = [
        ("briefs", "0004_rendition"),
    ]

    operations = [
        migrations.AddField(
            model_name="revision",
            name="system_actor",
            field=models.CharField(
                blank=True,
                help_text="The command, fixture or migration that saved the change, when no person did.",
                max_length=50,
                verbose_name="system actor",
            ),
        ),
        migrations.RunPython(name_the_system, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="revision",
            constraint=models.CheckConstraint(
                condition=models.Q(("system_actor", ""), ("user__isnull", True), _connector="OR"),
                name="briefs_revision_one_actor",
                violation_error_message="A revision is made by a user or by the system, not both.",
            ),
        ),
    ]
