"""Under the Content-Security-Policy, in a real Chromium: nothing is blocked, the editor works."""

from tests.browser import BROWSER_TEST, log_in
from tests.factories import make_article, make_image, make_section, make_staff

pytestmark = BROWSER_TEST


def test_public_pages_and_the_article_editor_work_under_the_policy(live_server, browser):
    make_staff("Editor", "eddie")
    article = make_article(hero_image=make_image(), section=make_section(name="City"))
    page = log_in(browser, live_server, "eddie")
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Security Policy" in m.text else None)

    for url in ["/", article.get_absolute_url(), "/search/?q=story"]:
        page.goto(live_server.url + url)
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    editor = page.locator(".ProseMirror[contenteditable]")
    editor.click()
    page.keyboard.type("Typed under the policy.")

    assert page.locator("#id_body").input_value() == "<p>Typed under the policy.</p>"
    assert blocked == []
