"""A rich story in a real Chromium: what readers get, and that no third party hears of them
until they ask for an embed."""

from urllib.parse import urlsplit

import pytest

from tests.browser import BROWSER_TEST
from tests.factories import make_article, make_image

pytestmark = BROWSER_TEST
expect = pytest.importorskip("playwright.sync_api").expect

TWEET = "https://x.com/newsroom/status/1790000000000000000"
VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def reader_page(browser, live_server, path):
    """A reader's page, with every request it makes recorded; requests to other hosts are
    answered with an empty page (this machine cannot reach them) and recorded too."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    own = urlsplit(live_server.url).netloc
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.route(
        lambda url: urlsplit(url).netloc != own,
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p>player"),
    )
    page.goto(live_server.url + path)
    page.wait_for_load_state("networkidle")
    return page, requests, own


def assert_reader_sees_the_rich_story(browser, live_server, path):
    page, requests, own = reader_page(browser, live_server, path)
    body = page.locator(".story__body")

    pictures = body.locator("figure.picture")
    expect(pictures).to_have_count(2)
    for index in range(2):
        picture = pictures.nth(index)
        expect(picture.locator("picture source[type='image/webp']")).to_have_count(1)
        image = picture.locator("img")
        picture.scroll_into_view_if_needed()
        loaded = "img => img.complete && img.naturalWidth > 0"
        page.wait_for_function(loaded, arg=image.element_handle())
        assert image.get_attribute("width") and image.get_attribute("height")
        assert image.get_attribute("srcset")
    expect(pictures.first.locator("figcaption")).to_contain_text("Crews at the slipway")

    embeds = body.locator("figure.embed")
    expect(embeds).to_have_count(2)
    expect(embeds.first).to_contain_text("YouTube video")
    expect(embeds.nth(1)).to_contain_text("X post")
    expect(body.locator("figure.pullquote blockquote")).to_contain_text("We will rebuild")
    expect(body.locator(".table-scroll table tr")).to_have_count(3)
    page.wait_for_load_state("networkidle")
    assert [url for url in requests if urlsplit(url).netloc != own] == []

    embeds.first.get_by_role("button", name="Load the video from YouTube").click()
    player = embeds.first.locator("iframe")
    expect(player).to_have_attribute("src", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ")
    expect(player).to_have_attribute("title", "YouTube video")
    page.wait_for_load_state("networkidle")
    elsewhere = {urlsplit(url).netloc for url in requests if urlsplit(url).netloc != own}
    assert elsewhere == {"www.youtube-nocookie.com"}  # the tweet stays unloaded
    return page


def test_readers_get_pictures_and_embeds_that_load_only_when_asked(live_server, browser):
    first = make_image(alt="Lifeboat on the slipway", caption="Own caption", credit="Own")
    second = make_image(alt="Harbour wall after the storm")
    body = (
        "<p>The storm broke the harbour wall overnight.</p>"
        f'<figure data-block="picture" data-photo="{first.pk}" data-size="wide" '
        'data-alt="Lifeboat crew at the slipway" data-caption="Crews at the slipway" '
        'data-credit="Jo Lens"></figure>'
        f'<figure data-block="embed" data-url="{VIDEO}"></figure>'
        '<figure data-block="pullquote" data-quote="We will rebuild" data-by="The mayor"></figure>'
        f'<figure data-block="embed" data-url="{TWEET}"></figure>'
        "<table><tr><th>Day</th><th>Rain</th></tr><tr><td>Mon</td><td>40 mm</td></tr>"
        "<tr><td>Tue</td><td>12 mm</td></tr></table>"
        f'<figure data-block="picture" data-photo="{second.pk}"></figure>'
    )
    article = make_article(body=body)

    page = assert_reader_sees_the_rich_story(browser, live_server, article.get_absolute_url())

    expect(page.locator("figure.picture img").first).to_have_attribute(
        "alt", "Lifeboat crew at the slipway"
    )
    expect(page.locator("figure.picture img").nth(1)).to_have_attribute(
        "alt", "Harbour wall after the storm"
    )
