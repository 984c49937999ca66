"""The Writer and Editor groups, exactly the permissions each needs, who counts as an editor,
and who may be given a story.

Applied by `setup_roles`. Migration articles/0003_roles keeps a frozen copy of the first
version, so changing these sets never changes what `migrate` does on an empty database. The
permissions name the other apps' models by app label and codename: strings, so accounts stays
below every app that holds them.
"""

from django.apps import apps as global_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.db.models import Q

WRITER = "Writer"
EDITOR = "Editor"
# Editors are whoever may publish: the Editor group, and any account given the permission.
PUBLISH_PERMISSION = "articles.publish_article"

_WRITER_PERMISSIONS = {
    ("articles", "add_article"),
    ("articles", "change_article"),
    ("articles", "view_article"),
    ("articles", "add_articleauthor"),
    ("articles", "change_articleauthor"),
    ("articles", "delete_articleauthor"),
    ("articles", "view_articleauthor"),
    ("articles", "view_section"),
    ("articles", "view_author"),
    ("photos", "add_image"),
    ("photos", "view_image"),
    ("articles", "view_tag"),
    ("articles", "view_revision"),
    ("articles", "view_workflowevent"),
}

_EDITOR_PERMISSIONS = _WRITER_PERMISSIONS | {
    ("articles", "publish_article"),
    ("articles", "delete_article"),
    ("articles", "add_correction"),
    ("articles", "change_correction"),
    ("articles", "delete_correction"),
    ("articles", "view_correction"),
    ("photos", "change_image"),
    ("articles", "view_desk"),
}

ROLES = {WRITER: _WRITER_PERMISSIONS, EDITOR: _EDITOR_PERMISSIONS}


def setup_roles(apps=global_apps) -> dict[str, int]:
    """Create or repair the groups so they hold exactly their permissions; returns the counts."""
    for app_config in apps.get_app_configs():
        # Permissions are normally made after migrations; a fresh database needs them now.
        app_config.models_module = getattr(app_config, "models_module", None) or True
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    counts = {}
    for name, wanted in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in sorted(wanted)
        ]
        group.permissions.set(perms)
        counts[name] = len(perms)
    return counts


def is_editor(user) -> bool:
    return user.is_active and user.has_perm(PUBLISH_PERMISSION)


def assignable():
    """Who a story may be assigned to: active staff in the Writer or Editor group."""
    return get_user_model().objects.filter(may_be_assigned())


def may_be_assigned() -> Q:
    """assignable() as a condition on users (the story's assignee field is limited by it)."""
    in_a_role = get_user_model().groups.through.objects.filter(group__name__in=[WRITER, EDITOR])
    return Q(is_active=True, is_staff=True, pk__in=in_a_role.values("user"))
