"""The story editor's script decides embeds and repeating captions by the server's rules: it is
given them as data by the change form, and keeps no copy of its own (the browser half of this
agreement runs both on the same cases: tests/test_browser_body_blocks.py)."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from articles import embeds
from articles.templatetags import body_editor
from photos.models import CAPTION_ENDS_IGNORED
from tests.factories import make_article, make_staff

SCRIPT = Path(settings.BASE_DIR) / "static/articles/admin/body_blocks.js"


def given_to_the_script(html: str) -> dict:
    found = re.search(
        rf'<script id="{body_editor.ELEMENT_ID}" type="application/json">(.*?)</script>', html
    )
    return json.loads(found.group(1))


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["add", "change"])
def test_the_change_form_gives_the_script_the_servers_rules(client, page):
    client.force_login(make_staff("Editor"))
    args = [make_article().pk] if page == "change" else []
    html = client.get(reverse(f"admin:articles_article_{page}", args=args)).content.decode()
    rules = given_to_the_script(html)

    assert [p["key"] for p in rules["providers"]] == [p.key for p in embeds.PROVIDERS]
    for given, provider in zip(rules["providers"], embeds.PROVIDERS, strict=True):
        assert len(given["patterns"]) == len(provider.patterns)
        assert given["title"] == embeds.Embed(provider, "", "").title
    assert rules["maxUrlChars"] == embeds.MAX_URL_CHARS
    assert rules["refusedInUrl"] == embeds.REFUSED_IN_URL
    assert rules["captionEndsIgnored"] == CAPTION_ENDS_IGNORED


def test_the_script_keeps_no_copy_of_the_providers_or_the_caption_rule():
    script = SCRIPT.read_text()
    for provider in embeds.PROVIDERS:
        for pattern in provider.patterns:
            # No piece of an address pattern, e.g. youtube\\.com or vimeo\\.com.
            hosts = re.findall(r"[a-z-]+\\\.(?:[a-z]{2,})", pattern.pattern)
            assert not any(host.replace("\\", "\\\\") in script for host in hosts), hosts
    assert "[ .!?…]" not in script and CAPTION_ENDS_IGNORED not in script
