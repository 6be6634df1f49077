"""Accent-insensitive search: the search document column for SQLite and other databases, and on
PostgreSQL the ``unaccent`` extension with a text-search configuration per language that strips
accents before it stems. ``unaccent`` is a trusted extension: the database owner may create it."""

from django.db import migrations, models

from briefs.search import document

# Configuration -> (the built-in one it copies, the dictionary that stems after unaccent).
CONFIGURATIONS = {
    "briefs_lithuanian": ("lithuanian", "lithuanian_stem"),
    "briefs_english": ("english", "english_stem"),
    "briefs_simple": ("simple", "simple"),
}


def create_configurations(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Not django.contrib.postgres's UnaccentExtension: importing it needs the PostgreSQL driver, which a
    # project on SQLite need not have, and every project loads every migration. The extension stays on
    # reversal: other applications may use it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    for name, (source, stemmer) in CONFIGURATIONS.items():
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")
        schema_editor.execute(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {source})")
        schema_editor.execute(
            f"ALTER TEXT SEARCH CONFIGURATION {name} "
            f"ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {stemmer}"
        )


def drop_configurations(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CONFIGURATIONS:
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")


def fill_search_documents(apps, schema_editor):
    Brief = apps.get_model("briefs", "Brief")
    Section = apps.get_model("briefs", "Section")
    briefs = list(Brief.objects.only("pk", "title", "dek"))
    for brief in briefs:
        brief.search_document = document(brief.title, brief.dek)
    Brief.objects.bulk_update(briefs, ["search_document"], batch_size=500)
    sections = list(Section.objects.only("pk", "heading", "body_text"))
    for section in sections:
        section.search_document = document(section.heading, section.body_text)
    Section.objects.bulk_update(sections, ["search_document"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("briefs", "0012_entity_first_shown_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="brief",
            name="search_document",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="The stems of the title and dek without accents, for databases without full-text search.",
                verbose_name="search document",
            ),
        ),
        migrations.AddField(
            model_name="section",
            name="search_document",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="The stems of the heading and text without accents, for databases without full-text search.",
                verbose_name="search document",
            ),
        ),
        migrations.RunPython(fill_search_documents, migrations.RunPython.noop),
        migrations.RunPython(create_configurations, drop_configurations),
    ]
