"""The Writer and Editor groups hold exactly their permissions; setup_roles repairs them."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from accounts.roles import ROLES

pytestmark = pytest.mark.django_db


def _codenames(name):
    return set(
        Group.objects.get(name=name).permissions.values_list("content_type__app_label", "codename")
    )


def test_the_migration_creates_both_groups_with_exactly_their_permissions():
    assert _codenames("Writer") == ROLES["Writer"]
    assert _codenames("Editor") == ROLES["Editor"]
    assert ("articles", "publish_article") not in _codenames("Writer")
    assert ("articles", "delete_article") not in _codenames("Writer")


def test_setup_roles_repairs_a_damaged_group():
    writer = Group.objects.get(name="Writer")
    writer.permissions.add(Permission.objects.get(codename="publish_article"))
    Group.objects.get(name="Editor").delete()
    out = StringIO()

    call_command("setup_roles", stdout=out)

    assert _codenames("Writer") == ROLES["Writer"]
    assert _codenames("Editor") == ROLES["Editor"]
    assert "Editor: " in out.getvalue()
