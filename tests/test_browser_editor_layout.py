"""The story form at a laptop's widths, with the live preview open and closed: the whole editor
(its toolbar, its text, a block's Remove button), the form's buttons and the admin's header
links are on screen and are what a click at their centre reaches."""

import re

import pytest

from tests.browser import BROWSER_TEST, PASSWORD, log_in
from tests.factories import make_article, make_image, make_staff

pytestmark = BROWSER_TEST
expect = pytest.importorskip("playwright.sync_api").expect

WIDTHS = [1280, 1366, 1440, 1920]
MUST_SHOW = {
    "toolbar's last button": ".prose-menubar button >> nth=-1",
    "editor's text": ".ProseMirror p >> nth=-1",
    "last block's Remove": ".bb-remove >> nth=-1",
    "Save": "input[name=_save]",
    "workflow button": "button[value=publish]",
    "header's log out": "#logout-form button",
}

# How many lines of text an element takes.
LINES = "(e) => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight)"

# Whether the element is inside the window and is what a click at its centre reaches.
REACHABLE = """(element) => {
    const box = element.getBoundingClientRect();
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    const inside = box.left >= 0 && box.right <= window.innerWidth && box.width > 0;
    const hit = document.elementFromPoint(x, y);
    return inside && hit !== null && (element === hit || element.contains(hit));
}"""

# The editor's parts whose content runs past their own box (cut off mid-word, buttons clipped).
CLIPPED = """() => [".prose-menubar", ".ProseMirror", ".prose-editor"].filter((selector) => {
    const element = document.querySelector(selector);
    const box = element.getBoundingClientRect();
    const outside = [...element.querySelectorAll("button, p")].some(
        (child) => child.getBoundingClientRect().right > box.right + 1);
    return element.scrollWidth > element.clientWidth + 1 || outside;
})"""


def test_the_whole_story_form_is_usable_beside_the_preview_at_every_laptop_width(
    live_server, browser
):
    make_staff("Editor", "eddie", password=PASSWORD)
    photo = make_image(alt="Cranes on the quay")
    story = make_article(
        published=False,
        state="review",
        headline="A headline long enough to wrap where the column is narrow, as real ones are",
        body=f'<p>First paragraph.</p><figure data-block="picture" data-photo="{photo.pk}" '
        'data-size="inline" data-alt="Cranes"></figure><p>The last paragraph of the story.</p>',
    )
    page = log_in(browser, live_server, "eddie")
    failures = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for preview in (False, True):
            page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
            toggle = page.locator("#live-preview-toggle")
            if (toggle.get_attribute("aria-expanded") == "true") != preview:
                toggle.click()
            page.wait_for_selector(".bb-remove")
            if preview:  # its time as the admin's: 24-hour, not "2:44:42 AM"
                updated = re.compile(r"^Updated [0-2]\d:[0-5]\d:[0-5]\d$")
                expect(page.locator("#live-preview-status")).to_have_text(updated)
            state = "open" if preview else "closed"
            for clipped in page.evaluate(CLIPPED):
                failures.append(f"{width} px, preview {state}: {clipped} cut off")
            for name, selector in MUST_SHOW.items():
                element = page.locator(selector)
                element.scroll_into_view_if_needed()
                if not element.evaluate(REACHABLE):
                    failures.append(f"{width} px, preview {state}: {name}")
    assert not failures, "Hidden or covered:\n" + "\n".join(failures)


def test_the_article_list_fits_a_laptop_with_headlines_on_two_lines_at_most(live_server, browser):
    from tests.factories import make_author

    make_staff("Editor", "eddie", password=PASSWORD)
    for n in range(6):
        make_article(
            published=n % 2 == 0,
            headline=f"Harbour authority approves the long-awaited plan for the quay, part {n}",
            authors=[make_author(name=f"Reporter With A Long Name {n}")],
            deadline=None,
        )
    page = log_in(browser, live_server, "eddie")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/admin/articles/article/")

    results = page.locator("#changelist .results")
    assert results.evaluate("(e) => e.scrollWidth <= e.clientWidth + 1")
    line = page.locator(".article-list__headline").first
    lines = line.evaluate(LINES)
    assert lines <= 2.1


def test_at_a_phones_width_every_toolbar_button_is_on_screen(live_server, browser):
    make_staff("Editor", "eddie", password=PASSWORD)
    story = make_article(published=False)
    page = log_in(browser, live_server, "eddie")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")

    off = page.evaluate("""() => [...document.querySelectorAll(".prose-menubar button")]
        .filter((b) => b.getBoundingClientRect().right > document.documentElement.clientWidth)
        .map((b) => b.title || b.textContent)""")
    assert off == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
