"""The story editor's body blocks in a real Chromium: pictures, embeds, quotes, facts, tables."""

import base64
import os
from html.parser import HTMLParser

import pytest

from articles import embeds
from articles.models import Article
from photos.models import Image, repeats
from tests.browser import BROWSER_TEST, log_in
from tests.factories import make_image, make_section, make_staff, photo_bytes

pytestmark = BROWSER_TEST
expect = pytest.importorskip("playwright.sync_api").expect
BODY = ".ProseMirror[contenteditable]"
SAVED = "was added successfully"

# Dispatches a paste on the editor as the browser would; `files` are [name, type, base64].
PASTE = """([text, html, files]) => {
    const data = new DataTransfer()
    if (text) data.setData("text/plain", text)
    if (html) data.setData("text/html", html)
    for (const [name, type, b64] of files || []) {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
        data.items.add(new File([bytes], name, { type }))
    }
    const init = { clipboardData: data, bubbles: true, cancelable: true }
    const editor = document.querySelector(".ProseMirror[contenteditable]")
    editor.dispatchEvent(new ClipboardEvent("paste", init))
}"""


class Blocks(HTMLParser):
    """The body's blocks and table cells, in order, as (kind, attributes)."""

    def __init__(self, body):
        super().__init__()
        self.found = []
        self.feed(body)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure":
            self.found.append((attrs.pop("data-block"), attrs))
        elif tag in {"table", "hr"}:
            self.found.append((tag, {}))


def _add_story(page, live_server):
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    page.fill("#id_headline", "Port cranes arrive")
    page.select_option("#id_section", label="City")
    page.locator(BODY).click()
    page.keyboard.type("The cranes came in on Monday.")


def _paste(page, text="", html="", files=()):
    page.locator(BODY).focus()
    page.evaluate(PASTE, [text, html, list(files)])


def _png(size=(640, 400)) -> str:
    return base64.b64encode(photo_bytes(size, fmt="PNG")).decode()


def test_a_writer_builds_a_story_of_every_block_and_gets_it_back(live_server, browser):
    make_section(name="City")
    make_staff("Writer", "wendy")
    make_image(alt="Harbour cranes at dawn", caption="The port at six", credit="Ann Lee")
    page = log_in(browser, live_server, "wendy")
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    _add_story(page, live_server)

    # A photo from the library, with this story's own caption, shown wide.
    page.click('.prose-menubar [data-name="bodyPicture"]')
    dialog = page.locator("#body-picture-dialog")
    expect(dialog).to_have_accessible_name("Insert picture")
    dialog.get_by_role("button", name="Harbour cranes at dawn").click()
    expect(page.locator("#bb-picture-alt")).to_have_value("Harbour cranes at dawn")
    expect(page.locator("#bb-picture-caption")).to_have_value("The port at six")
    page.fill("#bb-picture-caption", "The cranes, seen from the quay")
    page.check("#bb-picture-size-wide")
    page.click("#bb-picture-submit")
    expect(dialog).to_have_count(0)
    expect(page.locator(".bb-picture .bb-caption")).to_have_text("The cranes, seen from the quay")

    # A new photo uploaded from inside the editor; alt text is required first.
    page.click('.prose-menubar [data-name="bodyPicture"]')
    page.set_input_files(
        "#bb-upload-file", files=[{"name": "crane.png", "mimeType": "image/png",
                                    "buffer": base64.b64decode(_png())}],
    )  # fmt: skip
    page.click("#bb-upload-submit")
    expect(page.locator("#bb-upload-error")).to_contain_text("Alt text")
    page.fill("#bb-upload-alt", "A crane lifting a container")
    page.fill("#bb-upload-credit", "Port authority")
    page.click("#bb-upload-submit")
    expect(page.locator("#bb-picture-alt")).to_have_value("A crane lifting a container")
    page.click("#bb-picture-submit")
    expect(page.locator(".bb-picture")).to_have_count(2)

    # Embeds: a YouTube address pasted alone; an X post through the embed dialog.
    _paste(page, "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    expect(page.locator(".bb-embed .bb-kind")).to_have_text("YouTube video")
    page.click('.prose-menubar [data-name="bodyEmbed"]')
    page.fill("#bb-embed-url", "https://example.org/story")
    expect(page.locator("#body-embed-dialog-hint")).to_have_text(
        "Not an address we embed: it will stay a link."
    )
    page.fill("#bb-embed-url", "https://x.com/portnews/status/1234567890")
    expect(page.locator("#body-embed-dialog-hint")).to_contain_text("X post")
    page.click("#body-embed-dialog button[type=submit]")
    expect(page.locator(".bb-embed")).to_have_count(2)

    # A pull quote and a key-facts box.
    page.click('.prose-menubar [data-name="bodyPullQuote"]')
    page.fill("#bb-pullquote-quote", "We have waited ten years for these cranes.")
    page.fill("#bb-pullquote-by", "Amira Khan, harbour master")
    page.click("#body-pullquote-dialog button[type=submit]")
    page.click('.prose-menubar [data-name="bodyKeyFacts"]')
    expect(page.locator("#bb-keyfacts-title")).to_have_value("Key facts")
    page.fill("#bb-keyfacts-facts", "Three cranes\nEach 80 metres tall\n\nBuilt in Rotterdam")
    page.click("#body-keyfacts-dialog button[type=submit]")
    expect(page.locator(".bb-keyfacts li")).to_have_text(
        ["Three cranes", "Each 80 metres tall", "Built in Rotterdam"]
    )

    # A pasted picture file is uploaded, asking for its alt text; a remote one is refused.
    _paste(page, files=[("pasted.png", "image/png", _png((500, 300)))])
    expect(page.locator("#bb-upload-alt")).to_be_focused()
    page.fill("#bb-upload-alt", "A diagram of the quay")
    page.click("#bb-upload-submit")
    page.click("#bb-picture-submit")
    expect(page.locator(".bb-picture")).to_have_count(3)
    _paste(page, "A photo", '<p>A photo</p><img src="https://elsewhere.example/a.jpg">')
    expect(page.locator(".body-blocks-status")).to_contain_text(
        "it is on another website (elsewhere.example)"
    )

    # A table from the toolbar, last: the caret stays in its cells.
    page.click('.prose-menubar [data-name="table"]')
    page.select_option("dialog.prose-editor-dialog select", "Yes")
    page.click("dialog.prose-editor-dialog button[type=submit]")
    page.keyboard.type("Crane")
    page.keyboard.press("Tab")
    page.keyboard.type("Height")
    expect(page.locator(f"{BODY} table th")).to_have_count(3)

    if screenshot := os.environ.get("BODY_BLOCKS_SCREENSHOT"):  # to look at the editor
        page.locator(".field-body").screenshot(path=screenshot)
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text(SAVED)
    assert problems == []

    article = Article.objects.get(headline="Port cranes arrive")
    library, uploaded, pasted = (
        Image.objects.get(alt=alt)
        for alt in [
            "Harbour cranes at dawn",
            "A crane lifting a container",
            "A diagram of the quay",
        ]
    )
    assert Blocks(article.body).found == [
        ("picture", {"data-photo": str(library.pk), "data-size": "wide",
                     "data-alt": "Harbour cranes at dawn",
                     "data-caption": "The cranes, seen from the quay", "data-credit": "Ann Lee"}),
        ("picture", {"data-photo": str(uploaded.pk), "data-size": "inline",
                     "data-alt": "A crane lifting a container", "data-caption": "",
                     "data-credit": "Port authority"}),
        ("embed", {"data-provider": "youtube",
                   "data-url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"}),
        ("embed", {"data-provider": "x", "data-url": "https://x.com/portnews/status/1234567890"}),
        ("pullquote", {"data-quote": "We have waited ten years for these cranes.",
                       "data-by": "Amira Khan, harbour master"}),
        ("keyfacts", {"data-title": "Key facts",
                      "data-facts": "Three cranes\nEach 80 metres tall\nBuilt in Rotterdam"}),
        ("picture", {"data-photo": str(pasted.pk), "data-size": "inline",
                     "data-alt": "A diagram of the quay", "data-caption": "", "data-credit": ""}),
        ("table", {}),
    ]  # fmt: skip
    assert "<th" in article.body and "Crane" in article.body and "elsewhere" not in article.body
    assert uploaded.uploaded_by.username == "wendy"

    page.reload()
    expect(page.locator(".bb-picture")).to_have_count(3)
    expect(page.locator(".bb-picture img").first).to_have_attribute("alt", "Harbour cranes at dawn")
    expect(page.locator(".bb-picture .bb-caption").first).to_have_text(
        "The cranes, seen from the quay"
    )
    expect(page.locator(".bb-embed .bb-kind")).to_have_text(["YouTube video", "X post"])
    expect(page.locator(".bb-pullquote .bb-quote")).to_have_text(
        "We have waited ten years for these cranes."
    )
    expect(page.locator(".bb-keyfacts li")).to_have_count(3)
    expect(page.locator(f"{BODY} table th").first).to_have_text("Crane")


def test_a_picture_is_edited_from_the_story_and_focus_comes_back(live_server, browser):
    make_section(name="City")
    make_staff("Writer", "wendy")
    image = make_image(alt="Harbour cranes at dawn", caption="The port at six")
    page = log_in(browser, live_server, "wendy")
    _add_story(page, live_server)
    page.click('.prose-menubar [data-name="bodyPicture"]')
    page.keyboard.press("Escape")
    expect(page.locator("#body-picture-dialog")).to_have_count(0)
    expect(page.locator('.prose-menubar [data-name="bodyPicture"]')).to_be_focused()

    page.click('.prose-menubar [data-name="bodyPicture"]')
    page.fill("#bb-photo-search", "cranes")
    expect(page.locator("#bb-photo-found")).to_have_text("1 photo matching “cranes”")
    page.get_by_role("button", name="Harbour cranes at dawn").click()
    page.click("#bb-picture-submit")
    page.get_by_role("button", name="Edit picture").click()
    expect(page.locator("#body-picture-dialog")).to_have_accessible_name("Edit picture")
    expect(page.locator("#bb-picture-caption")).to_have_value("The port at six")
    page.fill("#bb-picture-alt", "")
    page.click("#bb-picture-submit")
    expect(page.locator("#bb-picture-error")).to_contain_text("Alt text")
    page.fill("#bb-picture-alt", "Three cranes on the quay")
    page.check("#bb-picture-size-full")
    page.click("#bb-picture-submit")
    expect(page.locator(".bb-picture")).to_have_attribute("data-size", "full")
    page.click("input[name=_continue]")

    body = Article.objects.get(headline="Port cranes arrive").body
    assert Blocks(body).found == [
        ("picture", {"data-photo": str(image.pk), "data-size": "full",
                     "data-alt": "Three cranes on the quay", "data-caption": "The port at six",
                     "data-credit": ""}),
    ]  # fmt: skip


def test_a_selected_picture_survives_every_key_and_a_removal_is_undone(live_server, browser):
    make_section(name="City")
    make_staff("Writer", "wendy")
    make_image(alt="Harbour cranes at dawn", caption="The port at six")
    page = log_in(browser, live_server, "wendy")
    _add_story(page, live_server)
    pictures, card, status = (
        page.locator(".bb-picture"),
        page.locator(".bb-picture .bb-block-content"),
        page.locator(".body-blocks-status"),
    )

    def insert_picture():
        page.click('.prose-menubar [data-name="bodyPicture"]')
        page.fill("#bb-photo-search", "cranes")
        page.get_by_role("button", name="Harbour cranes at dawn").click()
        page.click("#bb-picture-submit")

    insert_picture()
    card.click()
    expect(page.locator(".ProseMirror-selectednode")).to_have_count(1)
    page.keyboard.press("Control+Home")
    page.keyboard.type("Breaking: ")
    card.click()
    page.keyboard.type("Cranes")
    expect(pictures).to_have_count(1)
    card.click()
    page.keyboard.press("Enter")  # edits it
    expect(page.locator("#body-picture-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    selected = page.locator(".bb-picture.ProseMirror-selectednode")
    for key in ("Backspace", "Delete"):
        card.click()
        expect(selected).to_have_count(1)
        page.keyboard.press(key)
        expect(pictures).to_have_count(0)
        expect(status).to_have_text("Picture removed. Undo")
        status.get_by_role("button", name="Undo").click()
        expect(pictures).to_have_count(1)
    page.get_by_role("button", name="Remove picture").click()
    status.get_by_role("button", name="Undo").click()
    expect(pictures).to_have_count(1)
    # A block inserted over selected text goes after it and keeps it.
    page.locator(BODY).locator("p", has_text="Breaking").click()
    page.keyboard.press("End")
    for _ in "Monday.":
        page.keyboard.press("Shift+ArrowLeft")
    insert_picture()
    page.locator(BODY).locator("p", has_text="Breaking").click()
    page.keyboard.press("Control+a")  # the whole story selected: the picture goes at the end
    insert_picture()
    page.click("input[name=_continue]")

    body = Article.objects.get(headline="Port cranes arrive").body
    assert body.startswith("<p>Breaking: The cranes came in on Monday.</p><figure")
    assert [kind for kind, _ in Blocks(body).found] == ["picture", "picture", "picture"]
    assert "<p>Cranes</p>" in body


def test_a_picture_marked_decorative_is_stored_with_an_empty_alt_and_a_repeating_caption_warns(
    live_server, browser
):
    make_section(name="City")
    make_staff("Writer", "wendy")
    make_image(alt="Harbour cranes at dawn", caption="The port at six")
    page = log_in(browser, live_server, "wendy")
    _add_story(page, live_server)

    page.click('.prose-menubar [data-name="bodyPicture"]')
    page.get_by_role("button", name="Harbour cranes at dawn").click()
    page.fill("#bb-picture-caption", "Harbour cranes at dawn.")
    expect(page.locator("#bb-picture-repeat")).to_contain_text("hear it twice")
    page.check("#bb-picture-decorative")
    expect(page.locator("#bb-picture-alt")).to_be_disabled()
    expect(page.locator("#bb-picture-repeat")).to_be_empty()
    page.click("#bb-picture-submit")
    expect(page.locator(".bb-picture .bb-alt")).to_have_text("Decorative: no alt text")

    # An upload marked decorative needs no alt text, and the library records it.
    page.click('.prose-menubar [data-name="bodyPicture"]')
    page.set_input_files(
        "#bb-upload-file", files=[{"name": "texture.png", "mimeType": "image/png",
                                    "buffer": base64.b64decode(_png())}],
    )  # fmt: skip
    page.check("#bb-upload-decorative")
    page.click("#bb-upload-submit")
    expect(page.locator("#bb-picture-decorative")).to_be_checked()
    page.click("#bb-picture-submit")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text(SAVED)

    body = Article.objects.get(headline="Port cranes arrive").body
    texture = Image.objects.get(decorative=True)
    assert texture.alt == ""
    assert [attrs["data-alt"] for _, attrs in Blocks(body).found] == ["", ""]
    assert Blocks(body).found[1][1]["data-photo"] == str(texture.pk)
    page.get_by_role("button", name="Edit picture").first.click()
    expect(page.locator("#bb-picture-decorative")).to_be_checked()


# The same cases through the editor's script and the server's rules: they must agree.
CAPTION_CASES = [
    ("Harbour cranes at dawn", "Harbour cranes at dawn"),
    ("Harbour cranes at dawn.", "harbour  cranes at DAWN"),
    ("…Harbour cranes at dawn!?", "Harbour cranes at dawn"),
    ("Die Straße am Morgen", "DIE STRASSE AM MORGEN"),
    ("Cranes at dawn", "Harbour cranes at dawn"),
    ("The port at six", ""),
    ("", "The port at six"),
    ("Cranes, at dawn", "Cranes at dawn"),
]
EMBED_CASES = [
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "http://youtu.be/dQw4w9WgXcQ",
    "  https://vimeo.com/76979871  ",
    "https://x.com/NASA/status/1755678123456789012",
    "https://www.instagram.com/p/C3xYz_AbCdE/",
    "https://www.tiktok.com/@scout2015/video/6718335390845095173",
    "https://bsky.app/profile/bsky.app/post/3l6oveex3ii2l",
    "https://open.spotify.com/intl-de/album/1DFixLWuPkv3KT3TnV35m3",
    "https://soundcloud.com/forss/flickermood",
    "https://app.datawrapper.de/chart/dxQ4h/visualize",
    "https://flo.uri.sh/visualisation/1810417/",
    "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
    "https://evil.example/?https://youtu.be/dQw4w9WgXcQ",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ\\@evil.example",
    'https://youtu.be/dQw4w9WgXcQ?"',
    "https://youtu.be/" + "a" * 500,
    "ftp://youtu.be/dQw4w9WgXcQ",
    "",
]
RUN_RULES = """async ([captions, urls]) => {
    const editor = document.querySelector("[data-django-prose-editor-configurable]")
    const config = JSON.parse(editor.getAttribute("data-django-prose-editor-configurable"))
    const module = config.js_modules.find((url) => url.includes("body_blocks"))
    const { repeats, findEmbed } = (await import(module)).bodyEditorRules
    return [
        captions.map(([caption, alt]) => repeats(caption, alt)),
        urls.map((url) => findEmbed(url)),
    ]
}"""


def test_the_editor_decides_embeds_and_repeating_captions_as_the_server_does(live_server, browser):
    make_staff("Writer", "wendy")
    page = log_in(browser, live_server, "wendy")
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    page.locator(BODY).wait_for()
    repeated, found = page.evaluate(RUN_RULES, [CAPTION_CASES, EMBED_CASES])

    assert repeated == [repeats(caption, alt) for caption, alt in CAPTION_CASES]
    assert True in repeated and False in repeated
    server = [embeds.find(url) for url in EMBED_CASES]
    assert [e and e["provider"] for e in found] == [e and e.provider.key for e in server]
    assert [e and e["title"] for e in found] == [e and e.title for e in server]
    assert [e and e["url"] for e in found] == [e and e.url for e in server]
