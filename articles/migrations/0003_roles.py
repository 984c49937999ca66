"""The Writer and Editor groups as they were when this migration was written.

Frozen here on purpose: a later change to articles.roles (which `setup_roles` applies) must
never change what this migration does, or break `migrate` on an empty database.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

WRITER = [
    ("articles", "add_article"),
    ("articles", "change_article"),
    ("articles", "view_article"),
    ("articles", "add_articleauthor"),
    ("articles", "change_articleauthor"),
    ("articles", "delete_articleauthor"),
    ("articles", "view_articleauthor"),
    ("articles", "view_section"),
    ("articles", "view_author"),
    ("articles", "view_tag"),
    ("articles", "view_revision"),
    ("articles", "view_workflowevent"),
    ("photos", "add_image"),
    ("photos", "view_image"),
]
EDITOR = WRITER + [
    ("articles", "publish_article"),
    ("articles", "delete_article"),
    ("articles", "add_correction"),
    ("articles", "change_correction"),
    ("articles", "delete_correction"),
    ("articles", "view_correction"),
    ("articles", "view_desk"),
    ("photos", "change_image"),
]


def create_roles(apps, schema_editor):
    # Permissions are normally made after all migrations; the groups need them now.
    for label in ("articles", "photos"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in (("Writer", WRITER), ("Editor", EDITOR)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in wanted
        )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_search_structures"),
        ("photos", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
