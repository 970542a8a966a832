"""The organisers' permission and the "Organisers" group that holds it (common.permissions)."""

from django.db import migrations

GROUP = "Organisers"
CODENAME = "organise_competition"


def create_group(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    # Permissions are otherwise created after all migrations (post_migrate): create it now.
    content_type, _ = ContentType.objects.get_or_create(app_label="election", model="edition")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename=CODENAME,
        defaults={"name": "Can organise the competition (rankings, previews, every scorecard)"},
    )
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(permission)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("election", "0002_verbose_names_of_timestamps"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="edition",
            options={
                "ordering": ["-year", "country"],
                "permissions": [
                    ("organise_competition", "Can organise the competition (rankings, previews, every scorecard)")
                ],
                "verbose_name": "edition",
                "verbose_name_plural": "editions",
            },
        ),
        migrations.RunPython(create_group, remove_group),
    ]
