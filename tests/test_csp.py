"""A Content-Security-Policy on every response; no inline script runs anywhere."""

import pytest
from django.urls import reverse

from newsroom.csp import editor_importmap_hash
from tests.factories import make_article, make_image, make_public_image, make_staff

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:
    directives = [d.split() for d in response["Content-Security-Policy"].split(";")]
    return {d[0]: d[1:] for d in directives if d}


def test_public_pages_allow_scripts_from_the_site_only(client):
    article = make_article(hero_image=make_image())
    for url in ["/", article.get_absolute_url(), "/search/?q=x", "/feed/", "/nope/"]:
        policy = _policy(client.get(url))
        assert policy["script-src"] == ["'self'"], url
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]


def test_the_admin_allows_only_the_editors_import_map_besides_the_sites_scripts(client):
    client.force_login(make_staff("Editor"))
    response = client.get(reverse("admin:articles_article_add"))

    assert _policy(response)["script-src"] == ["'self'", editor_importmap_hash()]
    assert '<script type="importmap">' in response.content.decode()


def test_media_files_keep_their_own_stricter_policy(client):
    image = make_public_image()
    response = client.get(image.file.url)
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
