from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("mystery_tests", "0005_result_shopper_and_scenario"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last heartbeat"),
        ),
    ]
