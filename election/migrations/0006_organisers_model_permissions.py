"""The "Organisers" group gets the model permissions of the competition apps (organisers run the
competition in the admin), not only the organisers' own permission. Accounts and groups (auth) stay
with superusers. On a new database the permissions do not exist yet when this runs: Django creates
them after the migrations, and election's post_migrate receiver (common.permissions) gives them to the
group then, as it does for every model added later."""

from django.db import migrations

GROUP = "Organisers"
APPS = ("election", "mystery_tests", "scoring", "palmares")
CODENAME = "organise_competition"


def grant(apps, schema_editor):
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.using(db).get_or_create(name=GROUP)
    group.permissions.add(*Permission.objects.using(db).filter(content_type__app_label__in=APPS))


def revoke(apps, schema_editor):
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.using(db).filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.using(db).filter(content_type__app_label__in=APPS).exclude(codename=CODENAME)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("election", "0005_fieldwork_settings"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
