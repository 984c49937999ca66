"""Every public page type passes axe-core's WCAG 2.2 A and AA rules, at desktop and phone
widths, in the light and the dark theme; best-practice findings are printed, not failed."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.axe import assert_accessible
from tests.browser import BROWSER_TEST
from tests.public_pages import NOT_PAGES, PAGES, make_public_pages

WIDTHS = (1280, 375)
SCHEMES = ("light", "dark")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_public_page_type_has_no_wcag_violation(scheme, live_server, browser, monkeypatch):
    """All pages in one test (their content is made once); every failing page is reported."""
    failures = []
    for name, path in make_public_pages(monkeypatch).items():
        for width in WIDTHS:
            context = browser.new_context(
                viewport={"width": width, "height": 900}, color_scheme=scheme
            )
            page = context.new_page()
            page.route(lambda url: not url.startswith(live_server.url), lambda r: r.abort())
            page.goto(live_server.url + path)
            try:
                assert_accessible(page, f"{name} at {width} px, {scheme}")
            except AssertionError as failure:
                failures.append(str(failure))
            context.close()
    assert not failures, "\n\n".join(failures)


for _mark in BROWSER_TEST:  # not on the module: the coverage check below needs no browser
    test_every_public_page_type_has_no_wcag_violation = _mark(
        test_every_public_page_type_has_no_wcag_violation
    )


def _public_url_names(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("admin/"):
                continue  # the staff side has its own checks
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _public_url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and not str(pattern.pattern).startswith("admin/"):
            yield f"{namespace}{pattern.name}"


def test_every_public_page_type_has_an_accessibility_check():
    names = set(_public_url_names(get_resolver().url_patterns))
    unchecked = names - set(PAGES.values()) - NOT_PAGES
    assert not unchecked, (
        f"Public URLs with no page in tests/public_pages.py PAGES (nor listed in NOT_PAGES as "
        f"not a page): {sorted(unchecked)}"
    )
    assert set(PAGES.values()) - {"handler404"} <= names, "PAGES names a URL that is gone"
