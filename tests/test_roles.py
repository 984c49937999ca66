"""The Writer and Editor groups hold exactly their permissions; setup_roles repairs them; who
may be given a story."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from accounts.roles import ROLES, assignable
from articles.models import Article
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
    both = make_staff("Writer")
    both.groups.add(Group.objects.get(name="Editor"))
    assert set(assignable()) == {writer, editor, both}
    assert assignable().count() == 3  # listed once, whatever groups they are in
    # The story's own field holds to the same rule, wherever a form or clean() reads it.
    limit = Article._meta.get_field("assignee").get_limit_choices_to()
    assert set(get_user_model().objects.complex_filter(limit)) == {writer, editor, both}
