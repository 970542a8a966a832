"""Scorecard reports cached per (entry, language) instead of one slot per entry (issue 19).

The table is a cache of generated files: it is re-created empty (the old PDFs are regenerated on
the next download; their files are removed so that nothing is left orphaned)."""

import django.db.models.deletion
from django.db import migrations, models


def forget_old_files(apps, schema_editor):
    report_model = apps.get_model("palmares", "ScorecardReport")
    for report in report_model.objects.exclude(file=""):
        report.file.storage.delete(report.file.name)


class Migration(migrations.Migration):
    dependencies = [
        ("election", "0004_edition_auditor"),
        ("palmares", "0005_edition_audit"),
    ]

    operations = [
        migrations.RunPython(forget_old_files, migrations.RunPython.noop),
        migrations.DeleteModel(name="ScorecardReport"),
        migrations.CreateModel(
            name="ScorecardReport",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("language", models.CharField(max_length=10, verbose_name="language")),
                ("file", models.FileField(blank=True, upload_to="reports/", verbose_name="PDF")),
                ("fingerprint", models.CharField(blank=True, max_length=64, verbose_name="fingerprint")),
                ("generated_at", models.DateTimeField(blank=True, null=True, verbose_name="generated at")),
                (
                    "entry",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reports",
                        to="election.entry",
                        verbose_name="entry",
                    ),
                ),
            ],
            options={"verbose_name": "scorecard report", "verbose_name_plural": "scorecard reports"},
        ),
        migrations.AddConstraint(
            model_name="scorecardreport",
            constraint=models.UniqueConstraint(fields=("entry", "language"), name="scorecard_report_one_per_language"),
        ),
    ]
