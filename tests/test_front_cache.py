"""Varnish in front of the app, with the shipped VCL: it keeps public pages, and a change
purges exactly the pages it touched, through every front cache, within a second."""

import logging
import time
import urllib.error
import urllib.request

import pytest

from articles import workflow
from articles.models import Article
from newsroom import page_cache
from tests import varnish
from tests.factories import make_article, make_section, make_staff

pytestmark = [
    varnish.needs_varnish,
    # Changes must commit for the purges to go out, as they do in production.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def front(live_server, tmp_path, settings):
    process, url = varnish.start(int(live_server.url.rsplit(":", 1)[1]), tmp_path)
    settings.FRONT_CACHE_URLS, settings.FRONT_CACHE_SECRET = [url], varnish.SECRET
    yield url
    page_cache.wait_for_front_caches()
    varnish.stop(process)


def get(url, cookie=None):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
        return response.headers, response.read().decode()


def visible_within(url, text, seconds) -> float | None:
    """How long until `text` shows at `url`; None if it did not within `seconds`."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if text in get(url)[1]:
            return time.monotonic() - start
        time.sleep(0.02)
    return None


def test_a_page_is_kept_then_purged_within_a_second_of_a_publish(front):
    news, sport = make_section(name="News", slug="news"), make_section(name="Sport", slug="sport")
    make_article(section=news, headline="Harbour opens")
    make_article(section=sport, headline="Cup final tonight")
    editor = make_staff("Editor")
    story = make_article(
        section=news, state=Article.State.DRAFT, published_at=None, headline="Ferry strike ends"
    )

    assert get(f"{front}/")[0]["X-Cache"] == "miss"
    headers, _ = get(f"{front}/")
    assert headers["X-Cache"] == "hit"
    assert "home" in headers["Surrogate-Key"].split()
    get(f"{front}/sport/")

    workflow.take(story, "publish", by=editor)

    assert visible_within(f"{front}/", "Ferry strike ends", 1.0) is not None
    assert get(f"{front}/sport/")[0]["X-Cache"] == "hit"  # a page the change did not touch


def test_a_withdrawal_is_gone_from_the_front_cache_within_a_second(front):
    editor = make_staff("Editor")
    story = make_article(headline="Mayor resigns")
    address = f"{front}{story.get_absolute_url()}"
    get(address)
    assert get(address)[0]["X-Cache"] == "hit"

    workflow.take(story, "withdraw", by=editor, comment="Legal")

    start = time.monotonic()
    while time.monotonic() - start < 1.0:
        try:
            get(address)
        except urllib.error.HTTPError as gone:
            assert gone.code == 410
            break
        time.sleep(0.02)
    else:
        pytest.fail("the withdrawn story was still served a second later")


def test_signed_in_staff_and_the_admin_always_reach_the_app(front):
    make_article(headline="Harbour opens")
    get(f"{front}/")

    headers, _ = get(f"{front}/", cookie="sessionid=anything")
    assert headers["X-Cache"] == "miss"
    headers, _ = get(f"{front}/admin/login/")
    get(f"{front}/admin/login/")
    assert get(f"{front}/admin/login/")[0]["X-Cache"] == "miss"


def purge(front, secret=None):
    headers = {"Surrogate-Key": "home"} | ({"Purge-Secret": secret} if secret is not None else {})
    request = urllib.request.Request(f"{front}/", method="PURGE", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as refusal:
        return refusal.code


def test_a_purge_from_the_app_servers_address_needs_the_secret_as_well(front):
    """Behind a TLS terminator on the Varnish host, every visitor comes from 127.0.0.1."""
    make_article(headline="Harbour opens")
    get(f"{front}/")

    refused = [purge(front), purge(front, ""), purge(front, "a-guess")]

    assert refused == [403, 403, 403]
    assert get(f"{front}/")[0]["X-Cache"] == "hit"  # nothing was purged
    assert purge(front, varnish.SECRET) == 200
    assert get(f"{front}/")[0]["X-Cache"] == "miss"


def test_a_front_cache_that_does_not_answer_never_stops_the_editor(settings, caplog):
    settings.FRONT_CACHE_URLS = [f"http://127.0.0.1:{varnish.free_port()}"]
    editor = make_staff("Editor")
    story = make_article(state=Article.State.DRAFT, published_at=None)

    with caplog.at_level(logging.WARNING, logger="newsroom.cache"):
        workflow.take(story, "publish", by=editor)
        story.refresh_from_db()
        assert story.state == Article.State.PUBLISHED  # done, while the purges are retried
        assert page_cache.wait_for_front_caches(timeout=15)

    assert any("did not take the purge" in r.getMessage() for r in caplog.records)


def test_an_address_that_answered_404_shows_the_story_once_published(front):
    editor = make_staff("Editor")
    make_article(headline="Harbour opens")
    story = make_article(state=Article.State.DRAFT, published_at=None, headline="Dam bursts")
    address = f"{front}{story.get_absolute_url()}"
    for _ in range(2):
        with pytest.raises(urllib.error.HTTPError) as missing:
            get(address)
        assert missing.value.code == 404

    workflow.take(story, "publish", by=editor)

    assert visible_within(address, "Dam bursts", 1.0) is not None


def test_a_withdrawn_story_s_photo_leaves_the_front_cache(front):
    from photos import images
    from tests.factories import make_image, photo_bytes

    editor = make_staff("Editor")
    photo = make_image(photo_bytes((800, 500)))
    story = make_article(hero_image=photo)
    rendition = f"{front}/media/{images.rendition_names(photo.renditions)[0]}"
    get_bytes = urllib.request.urlopen  # noqa: S310 - loopback
    get_bytes(rendition).read()
    assert get_bytes(rendition).headers["X-Cache"] == "hit"

    workflow.take(story, "withdraw", by=editor, comment="Rights")

    start = time.monotonic()
    while time.monotonic() - start < 1.0:
        try:
            get_bytes(rendition).read()
        except urllib.error.HTTPError as gone:
            assert gone.code == 404
            break
        time.sleep(0.02)
    else:
        pytest.fail("the withdrawn story's photo was still served a second later")
