"""Photo files are public only while a page readers can see shows them.

A photo used only on a story readers cannot see (draft, review, scheduled, withdrawn), on an
author with no published work, or on nothing yet, answers 404 to the public at its master's and
every rendition's address, exactly as a file that does not exist. Signed-in staff get it,
never cacheable by a shared cache; a preview link's page carries signed addresses that work
for its readers.
"""

import re
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import preview, revisions, workflow
from articles.models import Article
from photos import images
from tests.browser import BROWSER_TEST
from tests.factories import make_article, make_author, make_image, make_staff, photo_bytes

pytestmark = pytest.mark.django_db


def addresses(image) -> list[str]:
    return ["/media/" + n for n in [image.file.name, *images.rendition_names(image.renditions)]]


def statuses(client, image) -> set[int]:
    return {client.get(url).status_code for url in addresses(image)}


@pytest.fixture
def photo():
    return make_image(photo_bytes((900, 600)))


def test_a_photo_on_a_hidden_story_is_not_served_to_the_public(client, photo, hidden_story_fields):
    make_article(hero_image=photo, **hidden_story_fields)

    assert statuses(client, photo) == {404}
    missing = client.get("/media/renditions/00/00000000000000000000/full-480.jpg")
    assert missing.status_code == 404  # the same answer as for a file that does not exist


def test_a_photo_on_nothing_yet_is_not_served_to_the_public(client, photo):
    assert statuses(client, photo) == {404}


def test_staff_get_a_private_photo_that_no_shared_cache_keeps(client, photo):
    make_article(hero_image=photo, state=Article.State.DRAFT, published_at=None)
    client.force_login(make_staff("Writer"))

    for url in addresses(photo):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-store", url


def test_publishing_makes_it_public_and_withdrawing_hides_it_again(client, photo):
    editor = make_staff("Editor")
    story = make_article(hero_image=photo, state=Article.State.DRAFT, published_at=None)

    workflow.take(story, "publish", by=editor)
    rendition = client.get(addresses(photo)[1])
    assert statuses(client, photo) == {200}
    assert rendition["Cache-Control"] == "public, max-age=31536000, immutable"

    workflow.take(story, "withdraw", by=editor, comment="Legal")
    assert statuses(client, photo) == {404}


def test_a_scheduled_story_past_its_time_shows_its_photo_before_publish_scheduled_runs(
    client, photo
):
    make_article(
        hero_image=photo,
        state=Article.State.SCHEDULED,
        published_at=timezone.now() - timedelta(minutes=1),
    )

    assert statuses(client, photo) == {200}


def test_an_author_photo_is_public_once_the_author_has_published_work(client, photo):
    author = make_author(photo=photo)
    make_article(authors=[author], state=Article.State.DRAFT, published_at=None)
    assert statuses(client, photo) == {404}

    make_article(authors=[author])
    assert statuses(client, photo) == {200}


def test_a_half_signed_in_staff_member_gets_nothing_private(client, photo):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts import two_factor

    writer = make_staff("Writer")
    two_factor.confirm_app(writer, TOTPDevice.objects.create(user=writer, confirmed=False))
    client.force_login(writer)  # the password step only: no code given yet

    assert statuses(client, photo) == {404}


# --- Pictures inside a story's body ------------------------------------------------------------


def inline(photo) -> str:
    return f'<p>Intro.</p><figure data-block="picture" data-photo="{photo.pk}"></figure>'


def test_a_photo_only_inside_a_draft_body_is_not_served_to_the_public(
    client, photo, hidden_story_fields
):
    make_article(body=inline(photo), **hidden_story_fields)

    assert statuses(client, photo) == {404}


def test_a_photo_inside_a_body_is_public_while_the_story_is(client, photo):
    editor = make_staff("Editor")
    story = make_article(body=inline(photo), state=Article.State.DRAFT, published_at=None)

    workflow.take(story, "publish", by=editor)
    assert statuses(client, photo) == {200}

    workflow.take(story, "withdraw", by=editor, comment="Legal")
    assert statuses(client, photo) == {404}

    workflow.take(story, "republish", by=editor)
    assert statuses(client, photo) == {200}


def test_a_photo_taken_out_of_a_live_body_is_private_again_once_that_is_live(client, photo):
    editor = make_staff("Editor")
    story = make_article(body=inline(photo))
    assert statuses(client, photo) == {200}

    content = {**revisions.current_content(story), "body": "<p>No picture now.</p>"}
    revisions.save_edit(story, content, by=editor)
    assert statuses(client, photo) == {200}  # readers still see it until the change is live

    workflow.take(Article.objects.get(pk=story.pk), "publish_changes", by=editor)
    assert statuses(client, photo) == {404}


def test_a_photo_added_to_a_live_body_is_private_until_the_change_is_live(client, photo):
    editor = make_staff("Editor")
    story = make_article()
    content = {**revisions.current_content(story), "body": inline(photo)}
    revisions.save_edit(story, content, by=editor)
    assert statuses(client, photo) == {404}

    workflow.take(Article.objects.get(pk=story.pk), "publish_changes", by=editor)
    assert statuses(client, photo) == {200}


def test_a_photo_also_in_another_public_story_stays_public(client, photo):
    editor = make_staff("Editor")
    make_article(body=inline(photo))
    story = make_article(body=inline(photo))

    workflow.take(story, "withdraw", by=editor, comment="Legal")
    assert statuses(client, photo) == {200}


# --- Previews ---------------------------------------------------------------------------------


def _signed_addresses(html: str) -> list[str]:
    urls = re.findall(r'(/media/renditions/[^\s"]+\?[^\s"]+)', html)
    return sorted({u.replace("&amp;", "&") for u in urls})


def test_a_preview_shows_its_unpublished_photo_through_signed_addresses(client, photo):
    writer = make_staff("Writer")
    story = make_article(hero_image=photo, state=Article.State.DRAFT, published_at=None)
    page = client.get(preview.preview_url(story, by=writer))

    signed = _signed_addresses(page.content.decode())
    assert signed, "the preview shows no signed picture"
    for url in signed:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-store"
    assert statuses(client, photo) == {404}  # the same files, unsigned


def test_a_preview_shows_its_unpublished_inline_photos_through_signed_addresses(client, photo):
    writer = make_staff("Writer")
    other = make_image(photo_bytes((800, 600)))
    body = inline(photo) + f'<figure data-block="picture" data-photo="{other.pk}"></figure>'
    story = make_article(body=body, state=Article.State.DRAFT, published_at=None)
    page = client.get(preview.preview_url(story, by=writer)).content.decode()

    body_html = page.split('<div class="story__body">', 1)[1]
    unsigned = re.findall(r'/media/[^\s"?]+(?=[\s",])', body_html)
    signed = _signed_addresses(body_html)
    assert not unsigned, unsigned
    keys = {image.renditions["key"] for image in (photo, other)}
    assert {re.search(r"/media/renditions/\w+/(\w+)/", url).group(1) for url in signed} == keys
    for url in signed:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-store"
    assert statuses(client, photo) == statuses(client, other) == {404}


def test_pending_changes_preview_signs_a_photo_readers_cannot_fetch_yet(client, photo):
    editor = make_staff("Editor")
    story = make_article()
    content = {**revisions.current_content(story), "body": inline(photo)}
    revisions.save_edit(story, content, by=editor)
    page = client.get(preview.preview_url(story, by=editor)).content.decode()

    signed = _signed_addresses(page)
    assert signed
    assert {client.get(url).status_code for url in signed} == {200}
    assert statuses(client, photo) == {404}


def test_revoking_a_preview_link_ends_its_photo_addresses_at_once(client, photo):
    editor = make_staff("Editor")
    published = make_image(photo_bytes((800, 600)))
    make_article(hero_image=published)  # a live story shows this one to everyone
    body = inline(photo)
    story = make_article(hero_image=photo, body=body, state=Article.State.DRAFT, published_at=None)
    page = client.get(preview.preview_url(story, by=editor)).content.decode()
    signed = _signed_addresses(page)
    body_signed = _signed_addresses(page.split('<div class="story__body">', 1)[1])
    assert signed and body_signed
    assert {client.get(url).status_code for url in signed} == {200}

    client.force_login(editor)
    link = story.preview_links.get()
    revoke = reverse("admin:articles_article_revoke_preview", args=[story.pk, link.pk])
    assert client.post(revoke).status_code == 302
    client.logout()

    assert {client.get(url).status_code for url in signed} == {404}
    assert statuses(client, published) == {200}


def test_a_signature_is_for_one_file_and_one_expiry(client, photo, settings):
    writer = make_staff("Writer")
    story = make_article(hero_image=photo, state=Article.State.DRAFT, published_at=None)
    url = _signed_addresses(client.get(preview.preview_url(story, by=writer)).content.decode())[0]
    path, query = urlsplit(url).path, parse_qs(urlsplit(url).query)
    expires, signature = query["expires"][0], query["signature"][0]
    other_file = next(a for a in addresses(photo) if a != path and "renditions" in a)

    assert client.get(f"{other_file}?expires={expires}&signature={signature}").status_code == 404
    assert (
        client.get(f"{path}?expires={int(expires) + 3600}&signature={signature}").status_code == 404
    )
    assert client.get(f"{path}?expires={expires}&signature={signature[:-1]}x").status_code == 404
    assert client.get(f"{path}?expires=soon&signature={signature}").status_code == 404

    from photos import signing

    past, grant = int(time.time()) - 1, signature.rpartition(":")[0]
    name = path[len("/media/") :]
    assert not signing.signature_holds(name, {
        "expires": str(past), "signature": f"{grant}:{signing._signature(name, past, grant)}"
    })  # fmt: skip


class TestInChromium:
    pytestmark = BROWSER_TEST

    def test_a_preview_reader_sees_the_unpublished_photo(self, browser, live_server):
        writer = make_staff("Writer")
        photo = make_image(photo_bytes((900, 600)))
        story = make_article(hero_image=photo, state=Article.State.DRAFT, published_at=None)
        page = browser.new_context().new_page()  # no one signed in

        page.goto(live_server.url + preview.preview_url(story, by=writer))
        hero = page.locator("main picture img").first
        hero.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete", arg=hero.element_handle())

        assert hero.evaluate("img => img.naturalWidth") > 0
