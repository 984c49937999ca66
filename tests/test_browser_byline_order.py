"""Bylines are ordered with Up and Down buttons, not typed position numbers."""

from articles.models import ArticleAuthor
from tests.browser import BROWSER_TEST, log_in
from tests.factories import make_article, make_author, make_staff

pytestmark = BROWSER_TEST


def test_an_editor_moves_a_byline_name_up_and_the_saved_byline_follows(live_server, browser):
    make_staff("Editor", "eddie")
    ada, ben, cy = (make_author(name=name) for name in ("Ada Lang", "Ben Ode", "Cy Twombly"))
    story = make_article(published=False, authors=[ada, ben, cy])

    page = log_in(browser, live_server, "eddie")
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    group = page.locator("#bylines-group")
    assert group.locator("input[name$='-position']:visible").count() == 0  # no numbers to type
    cy_up = group.locator("tr.form-row", has_text="Cy Twombly").get_by_role("button", name="Up")
    cy_up.focus()
    assert cy_up.get_attribute("aria-label") == "Move Cy Twombly up"
    cy_up.click()
    cy_up.click()
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")

    byline = ArticleAuthor.objects.filter(article=story).order_by("position")
    assert [b.author.name for b in byline] == ["Cy Twombly", "Ada Lang", "Ben Ode"]
