"""The article admin's helpers: tag suggestions, bylines, pickers, and what each list filter
shows."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import (
    article_form_data,
    make_article,
    make_author,
    make_desk,
    make_section,
    make_staff,
    make_user,
)

pytestmark = pytest.mark.django_db


def test_tags_field_suggests_existing_tags_as_you_type(client):
    make_article(tags=["Transport", "Transit strike", "Weather"])
    client.force_login(make_staff("Writer"))

    form = client.get(reverse("admin:articles_article_add")).content.decode()
    response = client.get(reverse("admin:articles_article_tags"), {"term": "tran"})

    assert 'data-suggest-url="/admin/articles/article/tags/suggest/"' in form
    assert "articles/admin/tag_suggest.js" in form
    assert sorted(response.json()["tags"]) == ["Transit strike", "Transport"]
    assert client.get(reverse("admin:articles_article_tags"), {"term": ""}).json() == {"tags": []}


def test_tag_suggestions_are_for_staff_only(client):
    response = client.get(reverse("admin:articles_article_tags"), {"term": "tran"})
    assert response.status_code == 302  # to the log-in page


def test_a_writers_new_story_gets_their_byline_and_is_theirs(client):
    writer = make_staff("Writer")
    make_author(name="Wendy Writer", user=writer)
    client.force_login(writer)
    data = article_form_data(Article(section=make_section()), headline="Fresh", slug="fresh")

    assert client.post(reverse("admin:articles_article_add"), data).status_code == 302

    article = Article.objects.get(slug="fresh")
    assert article.created_by == writer
    assert [a.name for a in article.byline_authors()] == ["Wendy Writer"]
    assert article.state == Article.State.DRAFT


def test_a_story_an_editor_plans_for_a_writer_gets_the_writers_byline(client):
    editor, writer = make_staff("Editor"), make_staff("Writer", "wendy")
    make_author(name="Eddie Editor", user=editor)
    make_author(name="Wendy Writer", user=writer)
    client.force_login(editor)
    data = article_form_data(Article(section=make_section()), headline="Planned", slug="planned")

    response = client.post(reverse("admin:articles_article_add"), {**data, "assignee": writer.pk})

    assert response.status_code == 302
    story = Article.objects.get(slug="planned")
    assert [a.name for a in story.byline_authors()] == ["Wendy Writer"]


def test_change_form_has_the_rich_text_editor_and_pickers(client):
    client.force_login(make_staff("Editor"))
    article = make_article()
    html = client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    assert "data-django-prose-editor-configurable" in html
    assert '"Heading":{"levels":[2,3,4]}' in html.replace("&quot;", '"')
    assert 'id="id_hero_image"' in html and "admin-autocomplete" in html
    assert 'name="bylines-0-position"' in html


def test_an_editor_cannot_move_a_story_to_a_section_off_their_desks(client):
    editor = make_staff("Editor")
    home, away = make_section(name="Home"), make_section(name="Away")
    make_desk(home, editors=[editor])
    article = make_article(section=home)
    client.force_login(editor)

    url = reverse("admin:articles_article_change", args=[article.pk])
    response = client.post(url, article_form_data(article, section=away.pk))

    assert "Away is not on your desks." in response.content.decode()
    article.refresh_from_db()
    assert article.section == home


def test_only_published_stories_can_be_chosen_as_related(client):
    writer = make_staff("Writer")
    client.force_login(writer)
    own = make_article(published=False, created_by=writer)
    others_draft = make_article(headline="Someone else's embargoed draft", published=False)
    public = make_article(headline="A public story")
    url = reverse("admin:articles_article_change", args=[own.pk])

    refused = client.post(url, article_form_data(own, related=[others_draft.pk]))
    accepted = client.post(url, article_form_data(own, related=[public.pk]))

    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    assert accepted.status_code == 302
    assert list(own.related.all()) == [public]
    assert "embargoed" not in client.get(url).content.decode()


@pytest.mark.parametrize("year", ["9999", "99999999999999999999", "0000019999999999", "abc", "0"])
def test_impossible_dates_in_the_list_drill_down_get_the_list_not_an_error(client, year):
    client.force_login(make_staff("Editor"))
    url = reverse("admin:articles_article_changelist")
    response = client.get(url, {"published_at__year": year})
    assert response.status_code == 302 and response["Location"] == f"{url}?e=1"
    assert client.get(url, {"published_at__year": "2026"}).status_code == 200


# --- The change list's filters: exactly which stories each one lists ---------------------------

State = Article.State


class _ResultHeadlines(HTMLParser):
    """The headline cell of each row of the change list's result table (#result_list)."""

    def __init__(self):
        super().__init__()
        self.headlines: list[str] = []
        self._in_table = self._in_headline = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == "result_list":
            self._in_table = True
        elif self._in_table and tag == "th" and "field-headline" in attrs.get("class", ""):
            self._in_headline = True
            self.headlines.append("")

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False
        elif tag == "th":
            self._in_headline = False

    def handle_data(self, data):
        if self._in_headline:
            self.headlines[-1] += data


def listed(client, user, **filters) -> list[str]:
    """The headlines this user's change list shows with these filters, sorted (repeats kept)."""
    client.force_login(user)
    response = client.get(reverse("admin:articles_article_changelist"), filters)
    assert response.status_code == 200, filters  # an unknown filter would redirect to ?e=1
    parser = _ResultHeadlines()
    parser.feed(response.content.decode())
    return sorted(parser.headlines)


def move(client, user, article, transition: str, **data) -> None:
    """Take a workflow transition as this user would: the button on the change form."""
    client.force_login(user)
    url = reverse("admin:articles_article_transition", args=[article.pk, transition])
    client.post(url, {"comment": "", **data})


def _draft(**kwargs) -> Article:
    return make_article(published=False, **kwargs)


def _scheduled(**kwargs) -> Article:
    when = timezone.now() + timedelta(days=1)
    return make_article(published=False, state=State.SCHEDULED, published_at=when, **kwargs)


def test_my_drafts_are_the_drafts_i_created_or_am_bylined_on(client):
    writer, colleague, editor = make_staff("Writer"), make_staff("Writer"), make_staff("Editor")
    _draft(headline="Fresh draft", created_by=writer)
    _draft(headline="Bylined draft", created_by=colleague, authors=[make_author(user=writer)])
    _draft(headline="Mine in review", created_by=writer, state=State.REVIEW)
    _scheduled(headline="Mine scheduled", created_by=writer)
    make_article(headline="Mine published", created_by=writer)
    _draft(headline="Colleague's draft", created_by=colleague)
    _draft(headline="Editor's own draft", created_by=editor)

    assert listed(client, writer, mine="drafts") == ["Bylined draft", "Fresh draft"]
    assert listed(client, colleague, mine="drafts") == ["Bylined draft", "Colleague's draft"]
    assert listed(client, editor, mine="drafts") == ["Editor's own draft"]


def test_sent_back_to_me_lists_my_drafts_whose_last_move_was_back_from_review(client):
    writer, colleague, editor = make_staff("Writer"), make_staff("Writer"), make_staff("Editor")
    returned = _draft(headline="Returned draft", created_by=writer)
    resubmitted = _draft(headline="Resubmitted story", created_by=writer)
    unscheduled = _draft(headline="Unscheduled draft", created_by=writer)
    _draft(headline="Never submitted", created_by=writer)
    theirs = _draft(headline="Colleague's returned draft", created_by=colleague)
    at = timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    for story, author in [(returned, writer), (resubmitted, writer), (theirs, colleague)]:
        move(client, author, story, "submit")
        move(client, editor, story, "send_back", comment="Needs a second source.")
    move(client, writer, resubmitted, "submit")
    move(client, editor, unscheduled, "schedule", at=at)
    move(client, editor, unscheduled, "unschedule")
    states = dict(Article.objects.values_list("headline", "state"))
    assert states["Returned draft"] == states["Unscheduled draft"] == State.DRAFT
    assert states["Resubmitted story"] == State.REVIEW

    assert listed(client, writer, mine="sent_back") == ["Returned draft"]
    assert listed(client, colleague, mine="sent_back") == ["Colleague's returned draft"]


def test_awaiting_my_review_shows_an_editor_on_a_desk_only_their_desks_stories(client):
    politics, sport = make_section(name="Politics"), make_section(name="Sport")
    desk_editor, any_editor = make_staff("Editor"), make_staff("Editor")
    writer = make_staff("Writer")
    make_desk(politics, editors=[desk_editor])
    _draft(headline="Politics in review", section=politics, state=State.REVIEW)
    _draft(headline="Sport in review", section=sport, state=State.REVIEW, created_by=writer)
    _draft(headline="Politics draft", section=politics)
    _scheduled(headline="Politics scheduled", section=politics)

    assert listed(client, desk_editor, mine="review") == ["Politics in review"]
    assert listed(client, any_editor, mine="review") == ["Politics in review", "Sport in review"]
    assert listed(client, writer, mine="review") == []  # reviewing is an editor's job


def test_scheduled_lists_a_writers_own_and_an_editors_desks_stories(client):
    politics, sport, culture = make_section(), make_section(), make_section()
    writer, colleague = make_staff("Writer"), make_staff("Writer")
    desk_editor, any_editor, away_editor = (make_staff("Editor") for _ in range(3))
    make_desk(politics, editors=[desk_editor])
    make_desk(culture, editors=[away_editor])
    _scheduled(headline="My politics story", section=politics, created_by=writer)
    _scheduled(headline="Colleague's sport story", section=sport, created_by=colleague)
    make_article(headline="Politics published", section=politics, created_by=writer)
    _draft(headline="Politics draft", section=politics, created_by=writer)

    assert listed(client, writer, mine="scheduled") == ["My politics story"]
    assert listed(client, desk_editor, mine="scheduled") == ["My politics story"]
    assert listed(client, any_editor, mine="scheduled") == [
        "Colleague's sport story", "My politics story",
    ]  # fmt: skip
    assert listed(client, away_editor, mine="scheduled") == []


def test_state_filter_lists_exactly_the_stories_in_that_state(client):
    past = timezone.now() - timedelta(days=1)
    _draft(headline="A draft")
    _draft(headline="In review", state=State.REVIEW)
    _scheduled(headline="Scheduled")
    make_article(headline="Published")
    _draft(headline="Withdrawn", state=State.WITHDRAWN, published_at=past)
    admin = make_user(is_staff=True, is_superuser=True)

    assert listed(client, admin, state__exact="draft") == ["A draft"]
    assert listed(client, admin, state__exact="review") == ["In review"]
    assert listed(client, admin, state__exact="scheduled") == ["Scheduled"]
    assert listed(client, admin, state__exact="published") == ["Published"]
    assert listed(client, admin, state__exact="withdrawn") == ["Withdrawn"]


def test_section_filter_lists_exactly_that_sections_stories_in_every_state(client):
    politics, sport = make_section(name="Politics"), make_section(name="Sport")
    make_article(headline="Vote tonight", section=politics)
    _draft(headline="Budget leak", section=politics)
    make_article(headline="Cup final", section=sport)
    admin = make_user(is_staff=True, is_superuser=True)

    assert listed(client, admin, section__id__exact=politics.pk) == ["Budget leak", "Vote tonight"]
    assert listed(client, admin, section__id__exact=sport.pk) == ["Cup final"]


def test_desk_filter_lists_the_stories_of_every_section_on_that_desk_once(client):
    politics, business, sport = make_section(), make_section(), make_section()
    city = make_desk(politics, business, name="City desk")
    money = make_desk(business, name="Money desk")  # business is on two desks
    make_article(headline="Vote tonight", section=politics)
    _draft(headline="Rates rise", section=business)
    make_article(headline="Cup final", section=sport)
    admin = make_user(is_staff=True, is_superuser=True)

    assert listed(client, admin, desk=city.pk) == ["Rates rise", "Vote tonight"]
    assert listed(client, admin, desk=money.pk) == ["Rates rise"]
    assert len(listed(client, admin)) == 3


def test_author_filter_lists_each_story_on_that_byline_once(client):
    ada, bo = make_author(name="Ada"), make_author(name="Bo")
    make_article(headline="Joint byline", authors=[ada, bo])
    make_article(headline="Ada alone", authors=[ada])
    make_article(headline="Bo alone", authors=[bo])
    admin = make_user(is_staff=True, is_superuser=True)

    assert listed(client, admin, bylines__author__id__exact=ada.pk) == ["Ada alone", "Joint byline"]
    assert listed(client, admin, bylines__author__id__exact=bo.pk) == ["Bo alone", "Joint byline"]


def test_a_story_its_writer_may_only_read_shows_its_body_as_readers_see_it(client):
    writer = make_staff("Writer", "wendy")
    author = make_author(user=writer)
    body = (
        "<p>The council met.</p>"
        '<figure data-block="pullquote" data-quote="We will build it." data-by="The mayor">'
        "</figure>"
    )
    story = make_article(published=False, state=Article.State.REVIEW, authors=[author],
                         created_by=writer, body=body)  # fmt: skip
    client.force_login(writer)

    html = client.get(reverse("admin:articles_article_change", args=[story.pk])).content.decode()

    assert "<p>The council met.</p>" in html
    assert "We will build it." in html
    assert "data-block=" not in html and "&lt;p&gt;" not in html


class _FirstField(HTMLParser):
    """The first control of the story's form a browser would focus (Django's change_form.js)."""

    def __init__(self):
        super().__init__()
        self.inside, self.first = False, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "article_form":
            self.inside = True
        elif self.inside and self.first is None and tag in {"input", "select", "textarea"}:
            shown = attrs.get("type") != "hidden" and "disabled" not in attrs
            self.first = attrs.get("id") if shown else None


def test_the_add_form_starts_at_the_headline(client):
    client.force_login(make_staff("Writer"))
    found = _FirstField()
    found.feed(client.get(reverse("admin:articles_article_add")).content.decode())
    assert found.first == "id_headline"


def test_the_list_puts_work_in_progress_first_and_says_who_changed_it_last(client):
    from articles import revisions

    editor = make_staff("Editor", "eddie", first_name="Eddie", last_name="Editor")
    now = timezone.now()
    make_article(headline="Old news", published_at=now - timedelta(days=2))
    make_article(headline="New news", published_at=now - timedelta(hours=1))
    make_article(headline="Due later", published=False, deadline=now + timedelta(hours=5))
    soon = make_article(headline="Due soon", published=False, deadline=now + timedelta(hours=1))
    make_article(headline="In review", published=False, state=Article.State.REVIEW)
    make_article(headline="Scheduled", published=False, state=Article.State.SCHEDULED,
                 published_at=now + timedelta(days=1))  # fmt: skip
    revisions.save_edit(soon, {**revisions.current_content(soon), "headline": "Due soon"},
                        by=editor)  # fmt: skip
    client.force_login(editor)

    listed = client.get(reverse("admin:articles_article_changelist"))

    shown = [a.headline for a in listed.context["cl"].result_list]
    assert shown == ["Due soon", "Due later", "In review", "Scheduled", "New news", "Old news"]
    html = listed.content.decode()
    assert "by Eddie Editor" in html
    for column in ("headline", "state", "section", "byline", "assigned, due", "last changed"):
        assert f">{column.capitalize()}<" in html or f">{column}<" in html, column


def test_the_sign_in_and_compare_pages_have_their_headings_in_order(client):
    sign_in = client.get(reverse("admin:login")).content.decode()
    assert "<h1>Sign in to" in sign_in

    client.force_login(make_staff("Editor"))
    story = make_article(published=False)
    from articles import revisions

    for text in ("<p>One.</p>", "<p>Two.</p>"):
        content = {**revisions.current_content(story), "body": text}
        revisions.save_edit(story, content, by=None)
    older, newer = story.revisions.order_by("created_at", "pk")[:2]
    url = reverse("admin:articles_article_compare", args=[story.pk])
    page = client.get(url, {"a": older.pk, "b": newer.pk}).content.decode()
    levels = [int(level) for level in re.findall(r"<h([1-6])", page.split('id="content"')[1])]
    steps = [b - a for a, b in zip(levels, levels[1:], strict=False)]
    assert levels[0] == 1 and max(steps) <= 1, levels


def test_the_admin_tells_times_on_a_24_hour_clock(client, settings):
    settings.TIME_ZONE = "UTC"
    late = timezone.now().replace(hour=0, minute=48, second=0, microsecond=0)
    story = make_article(published_at=late - timedelta(days=1), updated_at=late)
    client.force_login(make_staff("Editor"))

    html = client.get(reverse("admin:articles_article_change", args=[story.pk])).content.decode()

    assert "00:48" in html
    assert "a.m." not in html and "p.m." not in html
