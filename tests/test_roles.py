"""The Writer and Editor groups hold exactly their permissions; setup_roles repairs them; who
may be given a story."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from accounts.roles import ROLES, assignable
from tests.factories import make_staff, make_user

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


def test_stories_are_assigned_to_active_staff_in_the_writer_or_editor_group():
    writer, editor = make_staff("Writer"), make_staff("Editor")
    make_staff("Writer", is_active=False)
    make_user(is_staff=True)  # in no group
    make_user(is_staff=True, is_superuser=True)
    publisher = make_user(is_staff=True)  # an editor by permission alone
    publisher.user_permissions.add(Permission.objects.get(codename="publish_article"))
    make_user().groups.add(Group.objects.get(name="Writer"))  # not staff
    assert set(assignable()) == {writer, editor}
