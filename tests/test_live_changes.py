"""Editing a live story: changes wait, readers keep the live version, an editor publishes them."""

import json
import re

import pytest
from django.urls import reverse

from articles import workflow
from articles.models import Article, Revision, WorkflowEvent
from tests.factories import (
    article_form_data,
    make_article,
    make_author,
    make_correction,
    make_image,
    make_section,
    make_staff,
)

pytestmark = pytest.mark.django_db
Changes = Article.ChangesState


def _change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def _save(client, article, **changes):
    article.refresh_from_db()
    response = client.post(_change_url(article), article_form_data(article, **changes))
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()


def _take(client, article, name, **data):
    url = reverse("admin:articles_article_transition", args=[article.pk, name])
    client.post(url, {"comment": "", **data})
    article.refresh_from_db()


def _public_surfaces(client, article) -> str:
    """Every public place a story's words show up, as one text."""
    search = client.get("/search/", {"q": "hovercraft"}).content.decode()
    return "\n".join(
        [
            client.get(article.get_absolute_url()).content.decode(),
            client.get("/feed/").content.decode(),
            client.get("/sitemap-articles.xml").content.decode(),
            search,
        ]
    )


def test_saving_a_live_story_keeps_readers_on_the_live_version_until_changes_are_published(
    client,
):
    client.force_login(make_staff("Editor"))
    article = make_article(headline="Ferry timetable unchanged", body="<p>Boats run.</p>")

    _save(client, article, headline="Hovercraft joins the ferry fleet",
          body="<p>A hovercraft arrives.</p>")  # fmt: skip

    assert (article.headline, article.pending_state) == ("Ferry timetable unchanged", "draft")
    public = _public_surfaces(client, article)
    assert "Ferry timetable unchanged" in public and "Hovercraft" not in public
    form = client.get(_change_url(article)).content.decode()
    assert "Live version differs: 2 changes" in form
    assert 'value="Hovercraft joins the ferry fleet"' in form  # the form edits the changes

    _take(client, article, "publish_changes")

    assert (article.headline, article.pending_state, article.pending_revision) == (
        "Hovercraft joins the ferry fleet", "", None,
    )  # fmt: skip
    public = _public_surfaces(client, article)
    assert "Hovercraft joins the ferry fleet" in public and "A hovercraft arrives." in public
    event = WorkflowEvent.objects.filter(article=article).first()
    assert (event.action, event.from_state, event.to_state) == (
        "publish_changes", "published", "published",
    )  # fmt: skip


def test_discarding_changes_puts_the_live_version_back_in_the_form(client):
    client.force_login(make_staff("Editor"))
    article = make_article(headline="Live words")
    _save(client, article, headline="Rejected words")

    _take(client, article, "discard_changes")

    assert (article.headline, article.pending_state, article.version) == ("Live words", "", 3)
    assert Revision.objects.filter(article=article).first().headline == "Live words"
    assert 'value="Live words"' in client.get(_change_url(article)).content.decode()


def test_preview_shows_the_pending_version(client):
    client.force_login(make_staff("Editor"))
    article = make_article(headline="Live words")
    _save(client, article, headline="Waiting words")
    preview = client.get(_change_url(article)).context["preview_url"]

    page = client.get(preview).content.decode()

    assert "Waiting words" in page and "changes waiting on a live story" in page
    assert "Waiting words" not in client.get(article.get_absolute_url()).content.decode()


def test_a_writer_prepares_changes_to_their_live_story_and_an_editor_sends_them_back(client):
    writer = make_staff("Writer", "wendy")
    editor = make_staff("Editor")
    article = make_article(headline="Wendy's live story", created_by=writer)

    client.force_login(writer)
    _save(client, article, standfirst="A better standfirst.")
    _take(client, article, "submit_changes")
    assert article.pending_state == Changes.REVIEW
    assert client.post(_change_url(article), article_form_data(article)).status_code == 200

    client.force_login(editor)
    _take(client, article, "send_back_changes", comment="Cite the source.")
    assert article.pending_state == Changes.DRAFT

    client.force_login(writer)
    form = client.get(_change_url(article)).content.decode()
    assert "Sent back by" in form and "Cite the source." in form
    listing = client.get(reverse("admin:articles_article_changelist"), {"mine": "sent_back"})
    assert "Cite the source." in listing.content.decode()
    assert article.standfirst != "A better standfirst."  # readers still see the live one


def test_withdrawing_and_republishing_keep_pending_changes(client):
    client.force_login(make_staff("Editor"))
    article = make_article(headline="Live words")
    _save(client, article, headline="Waiting words")

    _take(client, article, "withdraw", comment="Legal check.")
    _take(client, article, "republish")

    assert (article.state, article.headline, article.pending_state) == (
        "published", "Live words", "draft",
    )  # fmt: skip
    _take(client, article, "publish_changes")
    assert article.headline == "Waiting words"


def test_the_changes_transitions_need_changes_and_honour_desks():
    editor, off_desk = make_staff("Editor"), make_staff("Editor")
    from tests.factories import make_desk

    make_desk(make_section(), editors=[off_desk])
    article = make_article()
    with pytest.raises(workflow.TransitionError, match="no changes waiting"):
        workflow.take(article, "publish_changes", by=editor)
    workflow.take(article, "withdraw", by=editor, comment="x")
    workflow.take(article, "republish", by=editor)
    assert not WorkflowEvent.objects.filter(action="publish_changes").exists()

    Article.objects.filter(pk=article.pk).update(pending_state=Changes.DRAFT)
    article.refresh_from_db()
    with pytest.raises(workflow.TransitionError, match="may not"):
        workflow.take(article, "discard_changes", by=off_desk)


# --- Conflicts on every field ---------------------------------------------------------------


def _one_byline(article) -> dict:
    author = article.bylines.get().author_id
    return {"bylines-TOTAL_FORMS": 1, "bylines-0-author": author, "bylines-0-position": 0}


def _every_field_changed(article) -> dict:
    other_section, image = make_section(name="Elsewhere"), make_image(alt="A new picture")
    author, related = make_author(name="Second Reporter"), make_article(headline="Related one")
    return {
        "section": other_section.pk,
        "tags": "Harbour, Storms",
        "hero_image": image.pk,
        "hero_caption": "A new caption",
        "related": [related.pk],
        "seo_title": "An SEO title",
        "seo_description": "A meta description",
        "canonical_url": "https://elsewhere.example/original",
        "homepage_priority": 7,
        "bylines-TOTAL_FORMS": 2,
        "bylines-0-author": article.bylines.get().author_id,
        "bylines-0-position": 1,
        "bylines-1-author": author.pk,
        "bylines-1-position": 0,
        "corrections-TOTAL_FORMS": 1,
        "corrections-0-text": "An earlier version got the date wrong.",
        "corrections-0-published_at_0": "2030-01-02",
        "corrections-0-published_at_1": "10:00:00",
    }


def test_a_stale_save_keeps_every_field_the_other_editor_changed(client):
    first = make_staff("Editor", "ana", first_name="Ana", last_name="Editor")
    second = make_staff("Editor", "ben")
    article = make_article(published=False, authors=[make_author(name="First Reporter")])
    loaded = article_form_data(article, **_one_byline(article))
    theirs = _every_field_changed(article)
    client.force_login(first)
    assert client.post(_change_url(article), {**loaded, **theirs}).status_code == 302

    client.force_login(second)
    refused = client.post(_change_url(article), {**loaded, "body": "<p>Ben's new body.</p>"})

    html = refused.content.decode()
    assert refused.status_code == 200 and "Ana Editor saved this story at" in html
    for label in ["Section", "Tags", "Byline", "Picture", "Caption", "Related stories",
                  "SEO title", "Meta description", "Canonical URL", "Homepage priority",
                  "Corrections"]:  # fmt: skip
        assert f"<h3>{label}</h3>" in html, label
    merged = refused.context["adminform"].form.data
    assert merged["body"] == "<p>Ben's new body.</p>"  # his own input, kept
    assert client.post(_change_url(article), merged).status_code == 302

    article.refresh_from_db()
    assert article.body == "<p>Ben's new body.</p>"
    assert (article.section.name, article.hero_caption, article.homepage_priority) == (
        "Elsewhere", "A new caption", 7,
    )  # fmt: skip
    assert sorted(article.tags.names()) == ["Harbour", "Storms"]
    assert [a.name for a in article.byline_authors()] == ["Second Reporter", "First Reporter"]
    assert [r.headline for r in article.related.all()] == ["Related one"]
    assert article.hero_image.alt == "A new picture"
    assert [c.text for c in article.corrections.all()] == ["An earlier version got the date wrong."]
    assert (article.seo_title, article.canonical_url) == (
        "An SEO title", "https://elsewhere.example/original",
    )  # fmt: skip


def test_where_both_changed_a_field_the_second_keeps_their_own_and_sees_the_other(client):
    client.force_login(make_staff("Editor"))
    article = make_article(published=False, headline="Original headline")
    loaded = article_form_data(article)
    client.post(_change_url(article), {**loaded, "headline": "Ana's headline"})

    refused = client.post(_change_url(article), {**loaded, "headline": "Ben's headline"})

    assert refused.context["adminform"].form.data["headline"] == "Ben's headline"
    assert "<ins>Ana&#x27;s</ins>" in refused.content.decode()
    article.refresh_from_db()
    assert article.headline == "Ana's headline"


# --- Nothing lost when the ground moves -------------------------------------------------------


def test_a_writer_whose_draft_was_published_keeps_their_text_and_saves_it_as_changes(client):
    writer, editor = make_staff("Writer"), make_staff("Editor")
    article = make_article(published=False, created_by=writer, body="<p>First draft.</p>")
    client.force_login(writer)
    loaded = article_form_data(article)
    workflow.take(article, "publish", by=editor)

    refused = client.post(_change_url(article), {**loaded, "body": "<p>My latest words.</p>"})

    html = refused.content.decode()
    assert refused.status_code == 200
    assert "An editor published this story while you were writing" in html
    assert "My latest words." in html
    again = client.post(_change_url(article), refused.context["adminform"].form.data)
    assert again.status_code == 302
    article.refresh_from_db()
    assert (article.body, article.pending_state) == ("<p>First draft.</p>", "draft")
    assert article.pending_revision.body == "<p>My latest words.</p>"


def test_a_writer_whose_story_went_to_review_is_told_why_and_keeps_their_input(client):
    writer = make_staff("Writer")
    article = make_article(published=False, created_by=writer)
    client.force_login(writer)
    loaded = article_form_data(article)
    Article.objects.filter(pk=article.pk).update(state=Article.State.REVIEW)

    refused = client.post(_change_url(article), {**loaded, "headline": "Still mine"})

    assert refused.status_code == 200
    html = refused.content.decode()
    assert "no longer change it" in html and 'value="Still mine"' in html


# --- Revisions of everything ----------------------------------------------------------------


def test_a_revision_keeps_every_field_and_compare_shows_them(client):
    editor = make_staff("Editor")
    client.force_login(editor)
    article = make_article(published=False, authors=[make_author(name="First Reporter")])
    make_correction(article, text="Old correction.")
    data = article_form_data(article, **_one_byline(article))
    data.update(
        {
            "corrections-TOTAL_FORMS": 1,
            "corrections-0-text": "Old correction.",
            "corrections-0-published_at_0": "2030-01-01",
            "corrections-0-published_at_1": "09:00:00",
        }
    )
    assert client.post(_change_url(article), data).status_code == 302
    changed = {**data, "loaded_version": 2, **_every_field_changed(article)}
    response = client.post(_change_url(article), changed)
    assert response.status_code == 302, response.content.decode()[:3000]

    older, newer = Revision.objects.filter(article=article).order_by("version")[1:3]
    assert set(newer.content) >= {"section", "tags", "bylines", "hero_image", "related",
                                  "corrections", "seo_title", "canonical_url"}  # fmt: skip
    compare = client.get(
        reverse("admin:articles_article_compare", args=[article.pk]),
        {"a": older.pk, "b": newer.pk},
    ).content.decode()
    assert "<h3>Section</h3>" in compare and "<h3>Byline</h3>" in compare
    assert "Second Reporter" in compare and "Elsewhere" in compare


# --- Smaller defects --------------------------------------------------------------------------


def _view_on_site(client, article) -> str:
    page = client.get(_change_url(article)).content.decode()
    return re.search(r'<a href="([^"]+)" class="viewsitelink"', page).group(1)


def test_view_on_site_of_a_story_readers_cannot_see_opens_its_preview(client):
    client.force_login(make_staff("Editor"))
    draft, live = make_article(published=False, headline="Draft words"), make_article()

    link = _view_on_site(client, draft)

    assert "/preview/" in link and "Draft words" in client.get(link).content.decode()
    assert "/preview/" not in _view_on_site(client, live)


def test_the_related_picker_offers_only_stories_readers_can_see(client):
    client.force_login(make_staff("Editor"))
    make_article(headline="Harbour draft", published=False)
    make_article(headline="Harbour live story")

    response = client.get(
        reverse("admin:autocomplete"),
        {"term": "Harbour", "app_label": "articles", "model_name": "article",
         "field_name": "related"},
    )  # fmt: skip

    assert [r["text"] for r in json.loads(response.content)["results"]] == ["Harbour live story"]


def test_a_writer_edits_the_words_of_photos_they_uploaded_but_not_of_others(client):
    writer = make_staff("Writer")
    mine, theirs = make_image(alt="Mine", uploaded_by=writer), make_image(alt="Theirs")
    client.force_login(writer)
    url = reverse("admin:photos_image_change", args=[mine.pk])

    page = client.get(url).content.decode()
    response = client.post(url, {"alt": "A harbour at dawn", "caption": "Dawn", "credit": "Me"})

    assert 'name="file"' not in page  # the file itself stays an editor's call
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.alt, mine.caption, mine.credit) == ("A harbour at dawn", "Dawn", "Me")
    other = client.post(reverse("admin:photos_image_change", args=[theirs.pk]), {"alt": "No"})
    theirs.refresh_from_db()
    assert other.status_code in {302, 403} and theirs.alt == "Theirs"


def test_an_editor_taken_off_the_desk_is_told_so_and_keeps_their_input(client):
    from tests.factories import make_desk

    editor = make_staff("Editor")
    article = make_article(published=False)
    client.force_login(editor)
    loaded = article_form_data(article)
    make_desk(make_section(), editors=[editor])  # a desk without this story's section

    refused = client.post(_change_url(article), {**loaded, "headline": "My rewrite"})

    html = refused.content.decode()
    assert refused.status_code == 200 and "it is not on your desks now" in html
    assert 'value="My rewrite"' in html


def test_the_change_form_carries_the_version_and_state_it_was_loaded_with(client):
    client.force_login(make_staff("Editor"))
    article = make_article(published=False)

    html = client.get(_change_url(article)).content.decode()

    assert re.search(r'<input type="hidden" name="loaded_version" value="1"', html)
    assert re.search(r'<input type="hidden" name="loaded_state" value="draft:"', html)


def test_the_article_list_says_which_live_stories_have_changes_waiting(client):
    client.force_login(make_staff("Editor"))
    article = make_article(headline="Live words")
    _save(client, article, headline="Waiting words")

    listing = client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "Published, changes waiting" in listing
    _take(client, article, "submit_changes")
    listing = client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "Published, changes in review" in listing
