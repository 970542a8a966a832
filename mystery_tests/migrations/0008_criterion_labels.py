"""Criterion.labels: the label in every language known (issue 19). Existing criteria get their label
under their edition's language, and both languages when it is the default grid's (METHODOLOGY §3)."""

from django.db import migrations, models

from mystery_tests.grid import DEFAULT_GRID


def fill_labels(apps, schema_editor):
    criterion_model = apps.get_model("mystery_tests", "Criterion")
    defaults = {
        (channel, row[0]): {"fr": row[2], "en": row[3]} for channel, rows in DEFAULT_GRID.items() for row in rows
    }
    changed = []
    for criterion in criterion_model.objects.select_related("edition").only(
        "channel", "code", "label", "edition__language"
    ):
        language = criterion.edition.language
        known = defaults.get((criterion.channel, criterion.code))
        criterion.labels = (
            dict(known) if known and known.get(language) == criterion.label else {language: criterion.label}
        )
        changed.append(criterion)
    criterion_model.objects.bulk_update(changed, ["labels"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("mystery_tests", "0007_calibration_rounds"),
    ]

    operations = [
        migrations.AddField(
            model_name="criterion",
            name="labels",
            field=models.JSONField(blank=True, default=dict, verbose_name="labels by language"),
        ),
        migrations.RunPython(fill_labels, migrations.RunPython.noop),
    ]
