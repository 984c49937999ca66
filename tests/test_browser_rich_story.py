"""A rich story in a real Chromium, from the writer's editor and its live preview to what
readers get, where no third party hears of a reader until they ask for an embed."""

from urllib.parse import urlsplit

import pytest

from articles import workflow
from articles.models import Article
from tests.browser import BROWSER_TEST, log_in
from tests.factories import make_article, make_image, make_section, make_staff, photo_bytes

pytestmark = BROWSER_TEST
expect = pytest.importorskip("playwright.sync_api").expect

BODY = ".ProseMirror[contenteditable]"
TWEET = "https://x.com/newsroom/status/1790000000000000000"
# A paste on the editor, as the browser dispatches one.
PASTE = """text => {
    const data = new DataTransfer()
    data.setData("text/plain", text)
    const editor = document.querySelector(".ProseMirror[contenteditable]")
    editor.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true}))
}"""
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


def test_a_writer_builds_a_rich_story_watching_the_live_preview_and_readers_get_it(
    live_server, browser
):
    make_section(name="City")
    editor = make_staff("Editor", "eddie")
    make_image(alt="Lifeboat crew at the slipway", caption="Crews at the slipway", credit="Jo")
    page = log_in(browser, live_server, "eddie")
    page.set_viewport_size({"width": 1600, "height": 1000})
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    if page.locator("#live-preview-toggle").get_attribute("aria-expanded") != "true":
        page.click("#live-preview-toggle")
    preview = page.frame_locator("#live-preview-frame")

    page.fill("#id_headline", "Storm breaks the harbour wall")
    page.select_option("#id_section", label="City")
    page.locator(BODY).click()
    page.keyboard.type("The storm broke the harbour wall overnight.")
    expect(preview.locator("h1")).to_have_text("Storm breaks the harbour wall")
    expect(preview.locator(".story__body")).to_contain_text("broke the harbour wall overnight")

    page.click('.prose-menubar [data-name="bodyPicture"]')
    page.get_by_role("button", name="Lifeboat crew at the slipway").click()
    page.click("#bb-picture-submit")
    expect(preview.locator("figure.picture figcaption")).to_contain_text("Crews at the slipway")

    page.click('.prose-menubar [data-name="bodyPicture"]')
    upload = {"name": "wall.png", "mimeType": "image/png", "buffer": photo_bytes(fmt="PNG")}
    page.set_input_files("#bb-upload-file", files=[upload])
    page.fill("#bb-upload-alt", "Harbour wall after the storm")
    page.click("#bb-upload-submit")
    page.click("#bb-picture-submit")
    expect(preview.locator("figure.picture")).to_have_count(2)

    page.locator(BODY).focus()
    page.evaluate(PASTE, VIDEO)
    page.click('.prose-menubar [data-name="bodyEmbed"]')
    page.fill("#bb-embed-url", TWEET)
    page.click("#body-embed-dialog button[type=submit]")
    expect(preview.locator("figure.embed")).to_have_count(2)

    page.click('.prose-menubar [data-name="bodyPullQuote"]')
    page.fill("#bb-pullquote-quote", "We will rebuild")
    page.fill("#bb-pullquote-by", "The mayor")
    page.click("#body-pullquote-dialog button[type=submit]")
    page.click('.prose-menubar [data-name="table"]')
    page.select_option("dialog.prose-editor-dialog select", "Yes")
    page.click("dialog.prose-editor-dialog button[type=submit]")
    page.keyboard.type("Day")
    expect(preview.locator("figure.pullquote blockquote")).to_have_text("We will rebuild")
    expect(preview.locator(".table-scroll table th").first).to_have_text("Day")

    page.click("#live-preview [data-width=desktop]")
    expect(page.locator("#live-preview-frame")).to_have_css("width", "1280px")
    assert Article.objects.filter(headline="Storm breaks the harbour wall").count() == 0
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assert problems == []

    article = Article.objects.get(headline="Storm breaks the harbour wall")
    workflow.take(article, "publish", by=editor)
    article.refresh_from_db()
    assert_reader_sees_the_rich_story(browser, live_server, article.get_absolute_url())
