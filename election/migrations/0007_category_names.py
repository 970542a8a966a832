"""Category.names: the name in every language the organiser gives (issue 19). Existing categories get
their name under their edition's language."""

from django.db import migrations, models


def fill_names(apps, schema_editor):
    category_model = apps.get_model("election", "Category")
    changed = []
    for category in category_model.objects.select_related("edition").only("name", "edition__language"):
        category.names = {category.edition.language: category.name}
        changed.append(category)
    category_model.objects.bulk_update(changed, ["names"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("election", "0001_squashed_0006_organisers_model_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="category",
            name="names",
            field=models.JSONField(blank=True, default=dict, verbose_name="names by language"),
        ),
        migrations.RunPython(fill_names, migrations.RunPython.noop),
    ]
