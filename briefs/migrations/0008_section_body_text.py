from django.db import migrations, models

from briefs.text import html_to_paragraphs


def fill_body_text(apps, schema_editor):
    Section = apps.get_model("briefs", "Section")
    sections = list(Section.objects.only("pk", "body_html"))
    for section in sections:
        section.body_text = "\n\n".join(html_to_paragraphs(section.body_html))
    Section.objects.bulk_update(sections, ["body_text"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("briefs", "0007_entity_merged_into"),
    ]

    operations = [
        migrations.AddField(
            model_name="section",
            name="body_text",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="The words readers see, from the rendered body: what search and reader diffs use.",
                verbose_name="body text",
            ),
        ),
        migrations.RunPython(fill_body_text, migrations.RunPython.noop),
    ]
