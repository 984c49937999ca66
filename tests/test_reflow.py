"""Reflow (WCAG 1.4.10): every public page type reads at 320 CSS pixels, and at 200 % and 400 %
zoom emulated for real (a 1280x1024 window at device scale 2 and 4), with no sideways
scrolling and nothing cut off at the edges."""

import pytest

from tests.browser import BROWSER_TEST
from tests.public_pages import make_public_pages

pytestmark = BROWSER_TEST

# name: (viewport, device scale factor)
WINDOWS = {
    "320 px": ({"width": 320, "height": 640}, 1),
    "200 % zoom": ({"width": 1280 // 2, "height": 1024 // 2}, 2),
    "400 % zoom": ({"width": 1280 // 4, "height": 1024 // 4}, 4),
}

# Elements past either edge of the viewport, other than those inside something that scrolls
# sideways on purpose (a wide table's .table-scroll: named, so a navigation strip that
# scrolls, hiding sections, still counts as cut off) or hidden on purpose (the skip link until
# it has focus, visually-hidden text).
CUT_OFF = """() => {
    const width = document.documentElement.clientWidth;
    const excused = el => !!el.closest(".table-scroll, .skip-link, .visually-hidden");
    return [...document.body.querySelectorAll("*")].filter(el => {
        const box = el.getBoundingClientRect();
        if (!box.width || !box.height || excused(el)) return false;
        return box.right > width + 1 || box.left < -1;
    }).map(el => `${el.tagName.toLowerCase()}.${el.className} ` +
                 `(${Math.round(el.getBoundingClientRect().left)}..` +
                 `${Math.round(el.getBoundingClientRect().right)} of ${width})`);
}"""
SIDEWAYS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


@pytest.mark.parametrize("window", WINDOWS)
def test_every_public_page_reflows_without_sideways_scrolling(
    window, live_server, browser, monkeypatch
):
    viewport, scale = WINDOWS[window]
    context = browser.new_context(viewport=viewport, device_scale_factor=scale)
    page = context.new_page()
    page.route(lambda url: not url.startswith(live_server.url), lambda route: route.abort())
    failures = []
    for name, path in make_public_pages(monkeypatch).items():
        page.goto(live_server.url + path)
        scroll_width, client_width = page.evaluate(SIDEWAYS)
        if scroll_width > client_width:
            failures.append(f"{name}: scrolls sideways ({scroll_width} > {client_width} px)")
        if cut := page.evaluate(CUT_OFF):
            failures.append(f"{name}: cut off at the edge: {cut[:5]}")
    context.close()
    assert not failures, f"At {window}:\n" + "\n".join(failures)


def test_a_section_lead_without_a_picture_starts_at_the_left_of_its_column(live_server, browser):
    from tests.factories import make_article, make_section

    city = make_section(name="City", slug="city")
    make_article(section=city, headline="Imported story with no picture")
    make_article(section=city)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/city/")
    lead = page.locator(".card--lead").bounding_box()
    headline = page.locator(".card--lead .card__headline").bounding_box()
    page.close()
    assert headline["x"] - lead["x"] < 2  # not pushed into a second column beside nothing
