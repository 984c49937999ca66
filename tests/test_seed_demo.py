"""seed_demo: a real-looking site on a fresh install, and nothing new on a second run."""

import logging
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from articles.models import Article, Author, Section
from photos.models import Image

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [Article, Author, Image, Section, get_user_model()]
    return {model.__name__: model.objects.count() for model in models}


def test_demo_site_has_sections_authors_photos_stories_and_log_ins(client):
    out = seed()
    assert Section.objects.count() >= 5
    assert Article.objects.published().count() >= 12
    assert Image.objects.count() >= 5
    assert Article.objects.filter(hero_image__isnull=False).count() >= 12
    for username in ["editor", "writer"]:
        password = out.split(f"log-in  {username}")[1].split("password")[1].split()[0]
        signed_in = client.post(
            "/admin/login/?next=/admin/", {"username": username, "password": password}
        )
        assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    home = client.get("/").content.decode()
    assert "Harbour bridge reopens" in home


def test_running_it_twice_changes_nothing():
    seed()
    before = counts()
    passwords_before = list(get_user_model().objects.values_list("password", flat=True))
    out = seed()
    assert counts() == before
    assert list(get_user_model().objects.values_list("password", flat=True)) == passwords_before
    assert "nothing changed" in out
    # Said on every run: where and as whom to sign in, and how to set a password shown before.
    assert "Sign in at /admin/ as editor or writer." in out
    assert "manage.py changepassword <username>" in out


def test_loading_the_demo_says_what_it_did_without_a_line_per_story(caplog):
    caplog.set_level(logging.INFO, logger="newsroom.workflow")
    out = seed()
    assert not [r for r in caplog.records if r.name == "newsroom.workflow"]
    assert len(out.splitlines()) <= 4
    assert logging.getLogger("newsroom.workflow").level == logging.INFO  # the trail is back on
