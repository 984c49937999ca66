"""A person is named the same way everywhere: full name, else username (accounts.names)."""

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template

from accounts.names import display_name


@pytest.mark.django_db
def test_full_name_then_username_then_the_fallback():
    User = get_user_model()
    named = User.objects.create_user("ann", first_name="Ann", last_name="Lee")
    bare = User.objects.create_user("bob")
    assert display_name(named) == "Ann Lee"
    assert display_name(bare) == "bob"
    assert display_name(None) == "System"
    assert display_name(None, "nobody") == "nobody"
    template = Template(
        "{% load names %}"
        '{{ a|display_name }}/{{ b|display_name }}/{{ c|display_name:"Unassigned" }}'
    )
    assert template.render(Context({"a": named, "b": bare, "c": None})) == "Ann Lee/bob/Unassigned"
