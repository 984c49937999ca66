"""The admin pages this project adds or changes, under axe-core in Chromium, signed in as a
writer and as an editor: no WCAG 2.2 A/AA violation; best-practice findings are printed.

Only what the project owns is judged: a finding in Django admin markup we do not override
would be excluded below by rule and selector, with the reason. None is today.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from articles import revisions
from articles.models import Article, ArticleAuthor
from planning import notes
from planning.models import Kind, Notification
from tests.axe import audit, describe
from tests.browser import BROWSER_TEST, log_in
from tests.factories import make_author, make_image, make_section, make_staff

pytestmark = BROWSER_TEST
expect = pytest.importorskip("playwright.sync_api").expect

# (rule id, CSS selector) pairs in Django admin's own markup that no override of ours can fix.
EXCLUDED: list[tuple[str, str]] = []


def _body(photo) -> str:
    return (
        "<h2>What happened</h2><p>The storm broke the "
        '<a href="https://example.org/report">harbour wall</a> overnight.</p>'
        f'<figure data-block="picture" data-photo="{photo.pk}" data-size="wide" '
        'data-alt="Lifeboat crew at the slipway" data-caption="Crews at the slipway" '
        'data-credit="Jo Lens"></figure>'
        f'<figure data-block="picture" data-photo="{photo.pk}" data-size="inline" '
        'data-alt="" data-caption="" data-credit=""></figure>'
        '<figure data-block="embed" data-provider="youtube" '
        'data-url="https://www.youtube.com/watch?v=dQw4w9WgXcQ"></figure>'
        '<figure data-block="pullquote" data-quote="We will rebuild" data-by="The mayor"></figure>'
        '<figure data-block="keyfacts" data-title="Key facts" data-facts="One\nTwo"></figure>'
        "<table><tr><th>Day</th><th>Rain</th></tr><tr><td>Mon</td><td>40 mm</td></tr></table>"
        "<hr><p>The end.</p>"
    )


@pytest.fixture
def newsroom():
    """A writer's draft with every kind of body block and a byline, in two revisions."""
    section = make_section(name="City")
    writer = make_staff("Writer", "wendy")
    editor = make_staff("Editor", "eddie")
    photo = make_image(alt="Lifeboat on the slipway", caption="Own caption", uploaded_by=writer)
    author = make_author(name="Wendy Writer", user=writer)
    article = Article(created_by=writer)
    content = {
        **revisions.empty_content(),
        "headline": "Storm breaks the harbour wall",
        "standfirst": "Crews worked through the night.",
        "body": _body(photo),
        "section": section.pk,
        "bylines": [author.pk],
        "tags": ["Weather"],
    }
    revisions.save_edit(article, content, by=writer)
    revisions.save_edit(article, {**content, "headline": "Storm breaks the sea wall"}, by=writer)
    assert ArticleAuthor.objects.filter(article=article).exists()
    # Planned and discussed: assigned with a passed deadline, a thread of notes with a mention.
    Article.objects.filter(pk=article.pk).update(
        assignee=writer, brief="The wall, the storm, the repairs",
        deadline=timezone.now() - timedelta(hours=1),
    )  # fmt: skip
    question = notes.write(article, by=editor, text="Who owns the wall, @wendy?")
    notes.write(article, by=writer, text="The harbour board.\nConfirmed.", parent=question)
    for person in (writer, editor):  # an unread notification in each inbox
        Notification.objects.create(
            recipient=person, kind=Kind.SENT_BACK, article=article, actor=writer,
            text="Needs a second source.", email=Notification.Email.OFF,
        )  # fmt: skip
    return {"article": article, "photo": photo}


def _pages(live_server, newsroom) -> dict[str, str]:
    article, photo = newsroom["article"], newsroom["photo"]
    first, second = article.revisions.order_by("pk").values_list("pk", flat=True)[:2]
    admin = f"{live_server.url}/admin"
    return {
        "desk": f"{admin}/",
        "article list": f"{admin}/articles/article/",
        "article list, filtered": f"{admin}/articles/article/?state__exact=draft",
        "article add form": f"{admin}/articles/article/add/",
        "article change form": f"{admin}/articles/article/{article.pk}/change/",
        "compare view": f"{admin}/articles/article/{article.pk}/compare/?a={first}&b={second}",
        "photo list": f"{admin}/photos/image/",
        "photo add form": f"{admin}/photos/image/add/",
        "photo change form": f"{admin}/photos/image/{photo.pk}/change/",
        "notifications inbox": f"{admin}/planning/notification/",
        "email preferences": f"{admin}/planning/notification/preferences/",
    }


def _judged(violations: list[dict]) -> list[dict]:
    """The violations left once the listed Django-owned nodes are set aside."""
    kept = []
    for violation in violations:
        nodes = [
            node
            for node in violation["nodes"]
            if not any(
                rule == violation["id"] and selector in node["target"]
                for rule, selector in EXCLUDED
            )
        ]
        if nodes:
            kept.append({**violation, "nodes": nodes})
    return kept


class Findings:
    """WCAG violations gathered over many pages, so one run reports them all."""

    def __init__(self):
        self.failures = []

    def check(self, page, where: str) -> None:
        page.wait_for_load_state("networkidle")
        wcag, best_practice = audit(page)
        if best_practice:
            print(f"\nBest-practice findings on {where}:\n{describe(best_practice)}")
        if wcag := _judged(wcag):
            self.failures.append(f"--- {where}:\n{describe(wcag)}")

    def assert_none(self):
        assert not self.failures, "WCAG 2.2 A/AA violations:\n" + "\n".join(self.failures)


@pytest.mark.parametrize("username", ["wendy", "eddie"], ids=["writer", "editor"])
def test_admin_pages_have_no_wcag_violations(live_server, browser, newsroom, username):
    page = log_in(browser, live_server, username)
    page.set_viewport_size({"width": 1280, "height": 900})
    findings = Findings()
    for where, url in _pages(live_server, newsroom).items():
        page.goto(url)
        findings.check(page, f"{where} ({username})")

    # The change form with the live preview open.
    page.goto(_pages(live_server, newsroom)["article change form"])
    if page.locator("#live-preview-toggle").get_attribute("aria-expanded") != "true":
        page.click("#live-preview-toggle")
    expect(page.frame_locator("#live-preview-frame").locator("h1")).to_be_visible()
    findings.check(page, f"live preview panel ({username})")

    # The add form sent back with errors, in the form and in its byline formset.
    page.goto(_pages(live_server, newsroom)["article add form"])
    page.fill("#id_slug", "not a slug!")
    page.click("input[name=_continue]")
    expect(page.locator(".error-summary")).to_be_focused()
    findings.check(page, f"article form with errors ({username})")

    page.goto(_pages(live_server, newsroom)["photo add form"])
    page.fill("#id_caption", "A caption without a photo")
    page.click("input[name=_save]")
    expect(page.locator(".error-summary")).to_be_focused()
    findings.check(page, f"photo form with errors ({username})")
    findings.assert_none()


def test_the_story_editor_names_its_area_toolbar_buttons_and_dialogs(live_server, browser):
    make_section(name="City")
    make_staff("Writer", "wendy")
    make_image(alt="Harbour cranes at dawn")
    page = log_in(browser, live_server, "wendy")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    area = page.locator(".ProseMirror[contenteditable]")

    expect(area).to_have_accessible_name("Body:")
    expect(area).to_have_accessible_description(re.compile("^Headings, lists, links"))
    expect(area).to_have_attribute("aria-multiline", "true")
    toolbar = page.get_by_role("toolbar", name="Body formatting")
    expect(toolbar).to_be_visible()
    # One Tab stop for the whole toolbar; the undo button is really disabled in a new story.
    expect(toolbar.locator("button[tabindex='0']")).to_have_count(1)
    expect(toolbar.locator("[data-name='history:undo']")).to_be_disabled()

    area.click()
    bold = toolbar.locator("[data-name=bold]")
    expect(bold).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("Control+b")
    page.keyboard.type("Cranes")
    expect(bold).to_have_attribute("aria-pressed", "true")
    expect(toolbar.locator("[data-name='history:undo']")).to_be_enabled()

    findings = Findings()
    page.keyboard.press("Shift+Home")
    toolbar.locator("[data-name=link]").click()
    expect(page.get_by_role("dialog", name="Edit Link")).to_be_visible()
    findings.check(page, "the link dialog")
    page.keyboard.press("Escape")

    toolbar.locator("[data-name=table]").click()
    expect(page.get_by_role("dialog", name="Table Properties")).to_be_visible()
    findings.check(page, "the table dialog")
    page.keyboard.press("Escape")

    toolbar.locator("[data-name=bodyPicture]").click()
    expect(page.get_by_role("dialog", name="Insert picture")).to_be_visible()
    page.get_by_role("button", name="Harbour cranes at dawn").click()
    expect(page.locator("#bb-picture-decorative")).not_to_be_checked()
    findings.check(page, "the picture dialog")
    page.keyboard.press("Escape")
    for kind, name in [("bodyEmbed", "Insert embed"), ("bodyPullQuote", "Insert pull quote"),
                       ("bodyKeyFacts", "Insert key facts")]:  # fmt: skip
        toolbar.locator(f"[data-name={kind}]").click()
        expect(page.get_by_role("dialog", name=name)).to_be_visible()
        findings.check(page, f"the {name.lower()} dialog")
        page.keyboard.press("Escape")
    findings.assert_none()


def test_the_error_summary_links_each_field_with_an_error_to_its_control(live_server, browser):
    make_staff("Writer", "wendy")
    page = log_in(browser, live_server, "wendy")
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    page.click("input[name=_continue]")

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text(re.compile("problems?$"))
    expect(summary.get_by_role("link", name=re.compile("^Headline: "))).to_be_visible()
    summary.get_by_role("link", name=re.compile("^Section: ")).click()
    expect(page.locator("#id_section")).to_be_focused()
    expect(page.locator("#id_headline")).to_have_accessible_description(
        re.compile("This field is required")
    )
