"""A reader with only a keyboard finds a story: Tab from the top (the skip link first) to the
search box, search (focus is then on what it found), Tab to a result and open it with Enter;
focus is seen at every step, as a change of at least 3:1 contrast in the pixels around the
focused element."""

import pytest

from tests.browser import BROWSER_TEST
from tests.factories import make_article, make_section
from tests.focus import assert_focus_is_visible

pytestmark = BROWSER_TEST


def _describe_focus(page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return `${e.tagName.toLowerCase()}#${e.id}.${e.className} ${e.textContent.trim()}`"
        ".slice(0, 80) }"
    )


def _tab_until(page, selector: str, limit: int = 30) -> None:
    """Press Tab until `selector` has focus, checking that focus is seen at every stop."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement === document.querySelector('main')"):
            continue  # the skip link's target: focused so reading starts there, not a control
        assert_focus_is_visible(page, _describe_focus(page))
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{limit} presses of Tab never reached {selector}")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_reader_finds_and_opens_a_story_by_keyboard_alone(scheme, live_server, browser):
    section = make_section(name="Science and Technology")
    for name in ("World", "Culture", "Sport"):
        make_article(section=make_section(name=name))
    story = make_article(headline="Shipyard reopens after a century", section=section)
    make_article(headline="Shipyard workers vote on a new deal", section=section)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(live_server.url + "/")

    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.matches('.skip-link')"), (
        "the skip link is not the first stop"
    )
    assert_focus_is_visible(page, "the skip link")
    _tab_until(page, "#site-search")
    page.keyboard.type("shipyard")
    _tab_until(page, ".masthead__search button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=shipyard")

    # Focus is on what the search found, not left on the page; Tab goes on to the results.
    page.wait_for_function("document.activeElement.matches('.search-summary')")
    _tab_until(page, f".search-results a[href='{story.get_absolute_url()}']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{story.get_absolute_url()}")
    assert page.locator("h1").inner_text() == story.headline
    context.close()
