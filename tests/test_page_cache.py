"""The page cache: public pages kept for anonymous readers, purged exactly by surrogate key.

Changes go through the paths editors use (workflow.take, revisions.save_edit, model saves in
the admin); each test then asks whether the pages that show what changed are drawn afresh,
and whether the pages that do not are still served from the cache (0 queries).
"""

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import revisions, workflow
from articles.models import Article
from newsroom import page_cache
from tests.factories import (
    make_article,
    make_author,
    make_image,
    make_section,
    make_staff,
    photo_bytes,
)

pytestmark = pytest.mark.django_db


def fetch(client, url, **headers):
    """(response, queries it cost)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return response, len(queries)


def cached(client, url) -> bool:
    return fetch(client, url)[1] == 0


def keys(response) -> set[str]:
    return set(response["Surrogate-Key"].split())


@pytest.fixture
def editor():
    return make_staff("Editor")


@pytest.fixture
def site():
    """Two sections, each with a published story by its own author; a photo on the first."""
    photo = make_image(photo_bytes((800, 500)))
    news, sport = make_section(name="News", slug="news"), make_section(name="Sport", slug="sport")
    ana, ben = make_author(name="Ana Writer"), make_author(name="Ben Writer")
    first = make_article(
        section=news, authors=[ana], tags=["harbour"], hero_image=photo, headline="Harbour opens"
    )
    second = make_article(section=sport, authors=[ben], headline="Cup final tonight")
    return {"news": news, "sport": sport, "ana": ana, "ben": ben, "photo": photo,
            "first": first, "second": second}  # fmt: skip


def urls(site) -> dict[str, str]:
    return {
        "home": "/",
        "news": "/news/",
        "sport": "/sport/",
        "first": site["first"].get_absolute_url(),
        "second": site["second"].get_absolute_url(),
        "ana": site["ana"].get_absolute_url(),
        "tag": "/tags/harbour/",
        "feed": "/feed/",
        "sport feed": "/sport/feed/",
        "sitemap": "/sitemap.xml",
        "search": "/search/?q=harbour",
    }


def warm(client, site) -> dict[str, str]:
    pages = urls(site)
    for url in pages.values():
        assert client.get(url).status_code == 200, url
    return pages


# --- HTTP caching -------------------------------------------------------------------------------


def test_every_public_page_is_publicly_cacheable_with_an_etag_and_keys(client, site):
    for name, url in [*urls(site).items(), ("robots", "/robots.txt")]:
        response = client.get(url)
        control = response["Cache-Control"]
        assert re.fullmatch(r"public, max-age=\d+, s-maxage=\d+", control), (name, control)
        assert response["ETag"].startswith('"'), name
        assert "site" in keys(response), name
        assert not response.cookies, name
        assert "Cookie" not in response.get("Vary", ""), name


def test_the_keys_name_what_the_page_shows(client, site):
    first, photo, ana = site["first"], site["photo"], site["ana"]

    article = keys(client.get(urls(site)["first"]))
    home = keys(client.get("/"))

    assert {f"article-{first.pk}", f"image-{photo.pk}", f"author-{ana.pk}", "sections"} <= article
    assert {"home", f"article-{first.pk}", f"article-{site['second'].pk}"} <= home
    assert f"section-list-{site['news'].pk}" in keys(client.get("/news/"))
    assert f"article-{site['second'].pk}" not in keys(client.get("/news/"))


def test_a_matching_if_none_match_answers_304_without_a_body(client, site):
    first = client.get("/")

    again = client.get("/", headers={"if-none-match": first["ETag"]})

    assert again.status_code == 304
    assert again.content == b""
    assert client.get("/", headers={"if-none-match": '"other"'}).status_code == 200


def test_a_cached_page_costs_no_query_and_is_the_same_page(client, site):
    pages = urls(site)
    drawn = {name: client.get(url).content for name, url in pages.items()}

    for name, url in pages.items():
        response, queries = fetch(client, url)
        assert queries == 0, name
        assert response.content == drawn[name], name


def test_parameters_no_page_reads_share_the_cached_page(client, site):
    client.get("/")

    assert cached(client, "/?utm_source=newsletter&fbclid=x")
    assert not cached(client, "/news/?page=2")  # a parameter the page reads is its own entry


def test_staff_get_private_pages_that_no_cache_keeps(client, site, editor):
    client.force_login(editor)

    for url in ["/", urls(site)["first"], "/feed/"]:
        response = client.get(url)
        assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
        assert "Surrogate-Key" not in response
    assert "no-store" in client.get("/admin/")["Cache-Control"]


def test_a_missing_page_is_never_kept(client, site):
    draft = make_article(
        section=site["news"], state=Article.State.DRAFT, published_at=None, slug="later"
    )
    missing = client.get("/news/2020/01/01/no-such-story/")
    assert missing.status_code == 404
    assert "public" not in missing.get("Cache-Control", "")

    workflow.take(draft, "publish", by=make_staff("Editor"))
    assert client.get(draft.get_absolute_url()).status_code == 200


# --- Exact purges -------------------------------------------------------------------------------


def test_publishing_purges_the_lists_it_joins_and_nothing_else(client, site, editor):
    pages = warm(client, site)
    story = make_article(
        section=site["news"], authors=[site["ana"]], state=Article.State.DRAFT,
        published_at=None, headline="Ferry strike ends",
    )  # fmt: skip
    assert cached(client, "/")  # a draft's save touches no public page

    workflow.take(story, "publish", by=editor)

    for name in ["home", "news", "ana", "feed", "sitemap"]:
        response, queries = fetch(client, pages[name])
        assert queries > 0, name
    assert "Ferry strike ends" in client.get("/news/").content.decode()
    for name in ["sport", "second", "sport feed"]:
        assert cached(client, pages[name]), name


def test_an_edit_of_a_live_story_reaches_every_page_showing_it_when_published(client, site, editor):
    pages = warm(client, site)
    first = site["first"]
    content = {**revisions.current_content(first), "headline": "Harbour opens at dawn"}
    revisions.save_edit(first, content, by=editor)
    assert cached(client, pages["first"])  # pending changes are not public

    workflow.take(first, "publish_changes", by=editor)

    for name in ["first", "home", "news", "ana", "tag", "feed"]:
        assert "Harbour opens at dawn" in client.get(pages[name]).content.decode(), name
    assert cached(client, pages["second"])


def test_withdrawing_and_republishing(client, site, editor):
    pages = warm(client, site)
    first = site["first"]

    workflow.take(first, "withdraw", by=editor, comment="Legal")
    assert client.get(pages["first"]).status_code == 410
    assert "Harbour opens" not in client.get("/").content.decode()
    assert client.get(pages["first"]).status_code == 410  # the 410 is kept...

    workflow.take(first, "republish", by=editor)
    assert client.get(pages["first"]).status_code == 200  # ...and purged by republishing


def test_a_new_slug_turns_the_cached_page_into_a_redirect(client, site, editor):
    pages = warm(client, site)
    first = site["first"]
    content = {**revisions.current_content(first), "slug": "harbour-opens-early"}
    revisions.save_edit(first, content, by=editor)
    workflow.take(first, "publish_changes", by=editor)

    old = client.get(pages["first"])

    assert old.status_code == 301
    assert old["Location"].endswith("/harbour-opens-early/")


def test_a_correction_reaches_the_story_page(client, site, editor):
    pages = warm(client, site)
    first = site["first"]
    content = revisions.current_content(first)
    content["corrections"] = [
        revisions.correction_entry(timezone.now(), "The harbour opens on Monday.")
    ]
    revisions.save_edit(first, content, by=editor)
    workflow.take(first, "publish_changes", by=editor)

    assert "The harbour opens on Monday." in client.get(pages["first"]).content.decode()


def test_photo_author_and_section_edits_purge_the_pages_showing_them(client, site):
    pages = warm(client, site)

    site["photo"].alt = "Cranes over the new quay"
    site["photo"].save()
    assert "Cranes over the new quay" in client.get(pages["first"]).content.decode()
    assert cached(client, pages["second"])

    site["ana"].name = "Ana Q. Writer"
    site["ana"].save()
    assert "Ana Q. Writer" in client.get(pages["first"]).content.decode()
    assert cached(client, pages["second"])

    site["sport"].name = "Sports"
    site["sport"].save()
    assert ">Sports<" in client.get(pages["first"]).content.decode()  # the navigation


def test_a_related_story_renamed_is_renamed_where_it_is_linked(client, site, editor):
    first, second = site["first"], site["second"]
    first.related.add(second)
    pages = warm(client, site)
    content = {**revisions.current_content(second), "headline": "Cup final postponed"}
    revisions.save_edit(second, content, by=editor)
    workflow.take(second, "publish_changes", by=editor)

    assert "Cup final postponed" in client.get(pages["first"]).content.decode()


def test_an_edit_that_moves_a_story_purges_the_lists_it_leaves(client, site, editor):
    pages = warm(client, site)
    first = site["first"]
    content = {**revisions.current_content(first), "section": site["sport"].pk,
               "tags": ["quay"], "bylines": [site["ben"].pk]}  # fmt: skip
    revisions.save_edit(first, content, by=editor)
    workflow.take(first, "publish_changes", by=editor)

    assert "Harbour opens" not in client.get(pages["news"]).content.decode()
    assert "Harbour opens" not in client.get(pages["ana"]).content.decode()
    assert client.get(pages["tag"]).status_code == 404  # no published story is tagged so
    assert "Harbour opens" in client.get(pages["sport"]).content.decode()


def test_changes_sent_for_review_and_back_leave_every_page_cached(client, site, editor):
    first = site["first"]
    content = {**revisions.current_content(first), "headline": "Harbour opens at dawn"}
    revisions.save_edit(first, content, by=editor)
    pages = warm(client, site)

    workflow.take(first, "submit_changes", by=editor)
    workflow.take(first, "send_back_changes", by=editor, comment="Check the time")

    for name, url in pages.items():
        assert cached(client, url), name


def test_every_surrogate_key_is_spelled_by_newsroom_keys():
    """A key spelled by hand can drift from the one its purge spells."""
    names = "article|author|tag|image|section-list|author-list|tag-list"
    by_hand = re.compile(rf"""["'](?:{names})-\{{""")
    root = Path(__file__).resolve().parent.parent
    found = [
        f"{path.relative_to(root)}:{number}"
        for app in ("accounts", "articles", "newsroom", "photos", "planning")
        for path in (root / app).rglob("*.py")
        if path.name != "keys.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if by_hand.search(line)
    ]
    assert found == []


# --- Scheduled stories --------------------------------------------------------------------------


def test_no_page_is_kept_past_the_next_scheduled_story(client, site, editor):
    story = make_article(section=site["news"], state=Article.State.DRAFT, published_at=None)
    warm(client, site)
    workflow.take(story, "schedule", by=editor, at=timezone.now() + timedelta(seconds=40))

    home = client.get("/")

    shared = int(re.search(r"s-maxage=(\d+)", home["Cache-Control"]).group(1))
    browser = int(re.search(r"max-age=(\d+)", home["Cache-Control"]).group(1))
    assert 0 < shared <= 40 and browser <= 40


def test_a_scheduled_story_appears_on_time_from_a_warm_cache_with_no_cron(client, site, editor):
    story = make_article(
        section=site["news"], state=Article.State.DRAFT, published_at=None,
        headline="Polls close",
    )  # fmt: skip
    workflow.take(story, "schedule", by=editor, at=timezone.now() + timedelta(seconds=4))
    assert "Polls close" not in client.get("/").content.decode()
    assert cached(client, "/")

    time.sleep(4.5)

    assert "Polls close" in client.get("/").content.decode()


def test_a_section_whose_first_story_comes_due_joins_the_navigation_on_time(client, site, editor):
    """The navigation is remembered between purges (page_cache.remembered), and coming due
    purges nothing: it is remembered no longer than pages are kept."""
    polls = make_section(name="Elections", slug="elections")
    story = make_article(section=polls, state=Article.State.DRAFT, published_at=None)
    workflow.take(story, "schedule", by=editor, at=timezone.now() + timedelta(seconds=4))
    assert "/elections/" not in client.get("/sport/").content.decode()

    time.sleep(4.5)

    assert 'href="/elections/"' in client.get(site["first"].get_absolute_url()).content.decode()


# --- A cache that fails -------------------------------------------------------------------------


def test_a_hit_leaves_by_the_front_door_with_every_header_of_the_miss(client, site):
    for name, url in urls(site).items():
        miss = client.get(url)
        hit, queries = fetch(client, url)

        assert queries == 0, name
        # Answered before sessions and auth ran: the request never got a user.
        assert not hasattr(hit.wsgi_request, "user"), name
        assert hit.content == miss.content, name
        without_age = {h: v for h, v in miss.items() if h != "Cache-Control"}
        assert {h: v for h, v in hit.items() if h != "Cache-Control"} == without_age, name
        assert hit["Cache-Control"].startswith("public, max-age="), name
        for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
                       "Referrer-Policy", "ETag", "Surrogate-Key"):  # fmt: skip
            assert header in hit, (name, header)


def test_a_signed_in_editor_is_never_answered_from_the_readers_cache(client, site, editor):
    url = site["first"].get_absolute_url()
    client.get(url)
    # Changed without a purge: the cache still holds the old headline for readers.
    Article.objects.filter(pk=site["first"].pk).update(headline="Harbour opens at dawn")
    assert "Harbour opens at dawn" not in client.get(url).content.decode()

    client.force_login(editor)
    response = client.get(url)

    assert "Harbour opens at dawn" in response.content.decode()
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    client.logout()
    assert "Harbour opens at dawn" not in client.get(url).content.decode()


def test_query_values_that_spell_another_query_get_a_page_of_their_own(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("articles.views.PAGE_SIZE", 1)
    with django_capture_on_commit_callbacks(execute=True):  # the search index follows commits
        make_article(headline="Harbour opens")
        make_article(headline="Harbour closes")
    # "?page=2%26q%3Dharbour" asks for the page named "2&q=harbour" of an empty search.
    assert "Harbour" not in client.get("/search/?page=2%26q%3Dharbour").content.decode()

    found = client.get("/search/?q=harbour&page=2")

    assert "Harbour opens" in found.content.decode() or "Harbour closes" in found.content.decode()


def test_a_cache_that_does_not_answer_never_stops_readers_or_editors(client, site, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    editor = make_staff("Editor")

    assert client.get("/").status_code == 200
    workflow.take(site["first"], "withdraw", by=editor, comment="Legal")
    assert client.get(site["first"].get_absolute_url()).status_code == 410


def test_a_page_drawn_while_a_story_comes_due_is_not_kept(rf, site, editor):
    # The time limit is read before drawing: a page that began before the story was due
    # (so without it) and ended after must not be kept as if nothing were scheduled.
    story = make_article(section=site["news"], state=Article.State.DRAFT, published_at=None)
    workflow.take(story, "schedule", by=editor, at=timezone.now() + timedelta(seconds=1))

    @page_cache.public_page
    def slow_page(request):
        time.sleep(1.5)  # the story comes due while this page is drawn
        return HttpResponse("a page without the story")

    response = page_cache.Middleware(slow_page)(rf.get("/slow/"))

    assert "public" not in response["Cache-Control"]
    assert cache.get(page_cache._page_key(rf.get("/slow/"))) is None


def test_a_page_drawn_while_a_purge_goes_out_is_not_kept(rf):
    # An editor's change commits while this page is drawn from the rows it replaced.
    @page_cache.public_page
    def page(request):
        page_cache.purge(["article-1"])
        return HttpResponse("drawn from the old rows")

    response = page_cache.Middleware(page)(rf.get("/racing/"))

    assert "public" not in response["Cache-Control"]
    assert cache.get(page_cache._page_key(rf.get("/racing/"))) is None


def test_a_purge_landing_as_a_drawn_page_is_stored_never_leaves_it_served(rf, monkeypatch):
    # The purge arrives after the page was drawn, just before its key versions are read.
    read_versions = page_cache._versions

    def after_a_purge(keys):
        if "article-1" in keys:  # the page's own keys, as it is about to be stored
            page_cache.purge(["article-1"])
        return read_versions(keys)

    monkeypatch.setattr(page_cache, "_versions", after_a_purge)

    @page_cache.public_page
    def page(request):
        response = HttpResponse("drawn from the old rows")
        response.surrogate_keys = {"article-1"}
        return response

    page_cache.Middleware(page)(rf.get("/racing/"))
    monkeypatch.setattr(page_cache, "_versions", read_versions)

    assert page_cache._lookup(page_cache._page_key(rf.get("/racing/")))[0] is None


def test_editing_a_photo_shown_inside_a_body_purges_the_page_showing_it(client, site):
    inline = make_image(photo_bytes((700, 400)), alt="A quay at noon", caption="The old quay")
    story = make_article(
        section=site["sport"], headline="Regatta day",
        body=f'<p>Boats.</p><figure data-block="picture" data-photo="{inline.pk}"></figure>',
    )  # fmt: skip
    pages = warm(client, site)
    url = story.get_absolute_url()
    assert f"image-{inline.pk}" in keys(client.get(url))
    assert cached(client, url)

    inline.alt, inline.caption = "Cranes over the quay", "The new quay"
    inline.save()

    page = client.get(url).content.decode()
    assert "Cranes over the quay" in page and "The new quay" in page
    for name in ["first", "second", "news"]:
        assert cached(client, pages[name]), name


def test_a_photo_only_named_by_a_picture_block_of_its_own_words_still_purges_it(client, site):
    # Per-use words replace the photo's; its file and renditions are still the photo's own.
    inline = make_image(photo_bytes((700, 400)))
    story = make_article(
        body=f'<figure data-block="picture" data-photo="{inline.pk}" data-alt="Own alt" '
        'data-caption="Own caption" data-credit="Own credit"></figure>',
    )  # fmt: skip
    url = story.get_absolute_url()
    client.get(url)
    assert cached(client, url)

    inline.make_renditions()

    assert not cached(client, url)


def test_a_purge_the_cache_missed_is_told_to_it_before_it_serves_again(client, monkeypatch):
    from newsroom import keys, page_cache
    from newsroom.models import PendingPurge

    story = make_article(headline="Ferry strike ends")
    assert client.get(story.get_absolute_url()).status_code == 200  # kept
    # Withdrawn while the cache was away: the page is still in it, the purge in the database.
    Article.objects.filter(pk=story.pk).update(state=Article.State.WITHDRAWN)
    PendingPurge.objects.create(keys=keys.article(story.pk))
    monkeypatch.setattr(page_cache, "QUIET", 1.0)
    monkeypatch.setattr(page_cache, "_heard_at", time.monotonic() - 1.5)  # a second unheard

    answer = client.get(story.get_absolute_url())

    assert answer.status_code == 410
    assert not PendingPurge.objects.exists()


def test_a_page_served_lately_costs_a_read_of_the_clock_until_anything_is_purged(
    client, site, monkeypatch
):
    from newsroom import keys

    url = site["first"].get_absolute_url()
    client.get(url)  # kept
    client.get(url)  # served from the cache, and remembered by this process
    asked = []
    for name in ("get", "get_many"):
        real = getattr(cache, name)

        def counted(key, *args, real=real, **kwargs):
            asked.append(key)
            return real(key, *args, **kwargs)

        monkeypatch.setattr(cache, name, counted)

    assert cached(client, url)
    assert asked == [page_cache.CLOCK]

    # A purge from any process moves the clock: the page is checked against its keys again,
    # and drawn afresh once one of them moved.
    Article.objects.filter(pk=site["first"].pk).update(headline="Harbour closed")
    page_cache._bump([keys.article(site["first"].pk)])
    answer, queries = fetch(client, url)

    assert queries > 0
    assert "Harbour closed" in answer.text


def test_a_story_card_is_drawn_once_and_again_when_anything_it_shows_changes(client, site):
    def drawn(url):
        cache.clear()  # the page itself drawn afresh each time
        response = client.get(url)
        cards = [t.name for t in response.templates].count("includes/story_card.html")
        return response, cards

    first, cards = drawn("/news/")
    assert cards == 1 and "Ana Writer" in first.text
    again, cards = drawn("/news/")
    assert cards == 0 and again.content == first.content  # kept by this process
    site["ana"].name = "Ana Reporter"
    site["ana"].save()
    renamed, cards = drawn("/news/")
    assert cards == 1 and "Ana Reporter" in renamed.text and "Ana Writer" not in renamed.text
