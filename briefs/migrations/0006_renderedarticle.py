import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The stored reader article is a "rendered article": ninjs uses "renditions" for something else."""

    dependencies = [
        ("briefs", "0005_revision_system_actor"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="rendition", name="briefs_rendition_unique_language"),
        migrations.RenameModel(old_name="Rendition", new_name="RenderedArticle"),
        migrations.AlterModelOptions(
            name="renderedarticle",
            options={"verbose_name": "rendered article", "verbose_name_plural": "rendered articles"},
        ),
        migrations.AlterField(
            model_name="renderedarticle",
            name="brief",
            field=models.ForeignKey(
                help_text="The brief this article was rendered from.",
                on_delete=django.db.models.deletion.CASCADE,
                related_name="rendered_articles",
                to="briefs.brief",
                verbose_name="brief",
            ),
        ),
        migrations.AddConstraint(
            model_name="renderedarticle",
            constraint=models.UniqueConstraint(
                fields=("brief", "language"), name="briefs_renderedarticle_unique_language"
            ),
        ),
    ]
