"""Every hostile vector in every field writers set: no page, feed or sitemap can run any of it.

One story per vector of ../shared/corpus/xss_vectors.txt carries the vector in each of its own
fields and in its section, author, photo, tags, correction, workflow comments and pending
changes. Each public page, feed, sitemap and admin page showing them is then fetched once and
read the way a browser or a feed reader reads it.
"""

import json
import re
from contextlib import suppress
from html import unescape
from html.parser import HTMLParser
from math import ceil
from urllib.parse import urlsplit

import pytest
from defusedxml import ElementTree as ET
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from articles import revisions, workflow
from articles.admin import ArticleAdmin
from articles.admin.forms import ArticleForm
from articles.models import Article, Author, Section
from articles.preview import preview_url
from articles.views import PAGE_SIZE
from newsroom.text import clean_line, make_slug
from photos.models import Image
from tests.corpus import CORPUS, entries
from tests.factories import (
    article_form_data,
    make_article,
    make_author,
    make_correction,
    make_image,
    make_section,
    make_staff,
    make_user,
)

pytestmark = pytest.mark.django_db


# --- What a browser would run -----------------------------------------------------------------

SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcdoc"}
FORBIDDEN_ELEMENTS = {"iframe", "object", "embed", "base", "frame", "frameset", "applet"}
DATA_SCRIPT_TYPES = {"application/ld+json", "importmap", "application/json"}
# Text, not markup, up to their end tag in a browser that runs scripts (html.parser knows only
# <script> and <style>); the <noscript> mutation-XSS vector hides behind exactly that.
RAW_TEXT = {"noscript", "noembed", "noframes", "xmp", "iframe"}
# As a browser's URL parser: controls and spaces trimmed around, tabs and newlines dropped within.
_AROUND = "".join(map(chr, range(0x21)))


def runs_script(url: str | None) -> bool:
    url = re.sub(r"[\t\n\r]", "", (url or "").strip(_AROUND))
    return url.lower().startswith(SCRIPT_SCHEMES)


class ExecutableMarkup(HTMLParser):
    """Collects what a browser would run: scripts, handlers, script URLs, frames, refreshes."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.html, self.found, self.script, self.where = html, [], None, (1, 0)
        self.foreign = 0  # how deep inside <svg> or <math>
        self.feed(html)
        self.close()

    def report(self, what: str) -> None:
        line, column = self.where
        offset = sum(len(text) for text in self.html.splitlines(True)[: line - 1]) + column
        self.found.append(f"{what} at {line}:{column}: {self.html[offset : offset + 160]!r}")

    def handle_starttag(self, tag, attrs):
        self.where = self.getpos()
        for name, value in attrs:
            if name.startswith("on"):
                self.report(f"<{tag} {name}>")
            elif name in URL_ATTRIBUTES and (name == "srcdoc" or runs_script(value)):
                self.report(f"<{tag} {name}={value!r}>")
        attributes = {name: value or "" for name, value in attrs}
        if tag in FORBIDDEN_ELEMENTS:
            self.report(f"<{tag}>")
        if tag == "meta" and attributes.get("http-equiv", "").strip().lower() == "refresh":
            self.report("<meta http-equiv=refresh>")
        if tag == "script":
            self.script = (attributes, [], self.where)
        self.foreign += tag in {"svg", "math"}
        if tag in RAW_TEXT:
            self.set_cdata_mode(tag)

    def set_cdata_mode(self, elem, *args, **kwargs):
        # Inside SVG and MathML a <style> holds markup, not text (the <mglyph><style> vector).
        if not (self.foreign and elem == "style"):
            super().set_cdata_mode(elem, *args, **kwargs)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)  # a browser opens <script/> and <noscript/> all the same
        self.handle_endtag(tag)

    def handle_data(self, data):
        if self.script is not None:
            self.script[1].append(data)

    def handle_endtag(self, tag):
        if tag in {"svg", "math"} and self.foreign:
            self.foreign -= 1
        if tag != "script" or self.script is None:
            return
        attributes, chunks, self.where = self.script
        self.script = None
        problem = script_problem(attributes, "".join(chunks))
        if problem:
            self.report(f"<script> ({problem})")


def own_script(source: str) -> bool:
    """A file from our /static/, or the admin's own translation catalogue."""
    parts = urlsplit(source.strip())
    if parts.scheme or parts.netloc:
        return False
    return parts.path.startswith(settings.STATIC_URL) or parts.path == reverse("admin:jsi18n")


def script_problem(attributes: dict, content: str) -> str:
    """Why this <script> could run something not ours; "" when it is ours or inert data."""
    source = attributes.get("src") or attributes.get("href") or attributes.get("xlink:href")
    if source is not None:
        return "" if own_script(source) else f"src {source!r}"
    kind = attributes.get("type", "").strip().lower()
    if kind not in DATA_SCRIPT_TYPES:
        return f"inline {kind or 'JavaScript'}"
    if re.search(r"</script|<!--", content, re.IGNORECASE):
        return f"{kind} that can end early"
    try:
        json.loads(content)
    except ValueError:
        return f"{kind} that is not JSON"
    return ""


def executable_constructs(html: str) -> list[str]:
    return [finding for finding in ExecutableMarkup(html).found if not admin_own_frame(finding)]


def admin_own_frame(finding: str) -> bool:
    """The change form's live preview: an empty frame (no address, no content) that the
    admin's own script points at the admin's own preview view."""
    return bool(
        re.search(
            r"^<iframe> at [\d:]+ '<iframe id=\"live-preview-frame\" [^>]*></iframe>", finding
        )
    )


# --- What a feed reader or a search engine reads ----------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"
DC = "{http://purl.org/dc/elements/1.1/}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
RSS_ELEMENTS = {
    "rss", "channel", "title", "link", "description", "language", "lastBuildDate", "item",
    "guid", "pubDate", "category", f"{ATOM}link", f"{DC}creator", f"{MEDIA}content",
    f"{MEDIA}description",
}  # fmt: skip
ATOM_ELEMENTS = {
    *(f"{ATOM}{name}" for name in ["feed", "title", "link", "id", "updated", "subtitle",
                                   "author", "name", "uri", "entry", "published",
                                   "summary", "category"]),
    f"{MEDIA}content", f"{MEDIA}description",
}  # fmt: skip
SITEMAP_ELEMENTS = {
    *(f"{SITEMAP}{name}" for name in ["sitemapindex", "sitemap", "urlset", "url", "loc",
                                      "lastmod", "changefreq", "priority"]),
    *(f"{NEWS}{name}" for name in ["news", "publication", "name", "language",
                                   "publication_date", "title"]),
}  # fmt: skip
# Elements whose text readers render as HTML: it must be escaped text, and inert once parsed.
HTML_TEXT = {"description", f"{ATOM}summary", f"{ATOM}content"}


def xml_findings(body: bytes, elements: set[str], html_text=HTML_TEXT) -> list[str]:
    """What in this XML is markup where text belongs, or would run where HTML is rendered."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        return [f"not well-formed XML: {error}"]
    found = [] if root.tag in elements else [f"unexpected root element {root.tag}"]
    for parent in root.iter():
        for element in parent:
            where = f"{parent.tag}/{element.tag}"
            if element.tag not in elements:
                found.append(f"unexpected element {where}: {ET.tostring(element)[:160]!r}")
            found += [
                f"{where} {name}={value!r}"
                for name, value in element.attrib.items()
                if name.startswith("on") or runs_script(value)
            ]
            if element.tag in html_text:
                if len(element):
                    found.append(f"markup, not escaped text, in {where}")
                found += [f"in {where}: {f}" for f in executable_constructs(element.text or "")]
    return found


# --- The corpus -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vectors() -> list[str]:
    found = entries("xss_vectors.txt")
    if not found:
        pytest.skip(f"corpus not found at {CORPUS}")
    return found


# --- One hostile story per vector -------------------------------------------------------------


def fit(model, field: str, text: str) -> str:
    """As much of the text as the column takes (PostgreSQL refuses more)."""
    return text[: model._meta.get_field(field).max_length]


def syndicated(vector: str) -> str:
    """The vector in an address the admin form takes as a canonical URL, else a plain one."""
    try:
        return ArticleForm.base_fields["canonical_url"].clean(
            "https://syndicated.example/" + "".join(vector.split())
        )
    except ValidationError:
        return "https://syndicated.example/"


def hostile_photo(vector: str, master: Image | None) -> Image:
    """A photo whose words are the vector; all share the first one's file and renditions."""
    words = {name: fit(Image, name, vector) for name in ("alt", "caption", "credit")}
    if master is None:
        return make_image(**words)
    return Image.objects.create(
        file=master.file.name, width=master.width, height=master.height,
        renditions=master.renditions, content_hash=master.content_hash, **words,
    )  # fmt: skip


def hostile_story(n: int, vector: str, *, photo: Image, editor) -> Article:
    """A published story with the vector everywhere, a withdraw reason, and changes sent back."""
    section = make_section(name=fit(Section, "name", vector), slug="", description=vector)
    author = make_author(
        name=fit(Author, "name", vector), job_title=fit(Author, "job_title", vector), bio=vector,
        links=f"{vector}\nhttps://profile.example/{''.join(vector.split())}", photo=photo,
    )  # fmt: skip
    story = make_article(
        headline=fit(Article, "headline", vector), standfirst=vector, section=section,
        body=f"<p>Dispatch number {n}.</p>{vector}", authors=[author],
        tags=[vector, f"{n} {vector}"], hero_image=photo,
        hero_caption=fit(Article, "hero_caption", vector),
        seo_title=fit(Article, "seo_title", vector),
        seo_description=fit(Article, "seo_description", vector),
    )  # fmt: skip
    make_correction(story, text=vector)
    workflow.take(story, "withdraw", by=editor, comment=vector)
    workflow.take(story, "republish", by=editor)
    revisions.save_edit(story, changed(revisions.current_content(story), vector), by=editor)
    workflow.take(story, "submit_changes", by=editor)
    workflow.take(story, "send_back_changes", by=editor, comment=vector)
    return story


def changed(content: dict, vector: str) -> dict:
    """Pending changes to every text field, the vector kept in each (for preview and compare)."""
    again = f"Changed: {vector}"
    short = ("headline", "hero_caption", "seo_title", "seo_description")
    return {
        **content,
        **{name: fit(Article, name, again) for name in short},
        "standfirst": again,
        "body": f"{content['body']}<p>Changed:</p>{vector}",
        "tags": [*content["tags"], again],
        "canonical_url": syndicated(vector),
        "corrections": [
            *content["corrections"],
            revisions.correction_entry(timezone.now(), again),
        ],
    }


@pytest.fixture
def editor():
    return make_staff("Editor")


@pytest.fixture
def world(vectors, editor, django_capture_on_commit_callbacks) -> list[Article]:
    """The stories, indexed for search as they are once a real save commits."""
    with django_capture_on_commit_callbacks(execute=True):
        first = hostile_photo(vectors[0], None)
        photos = [first] + [hostile_photo(vector, first) for vector in vectors[1:]]
        stories = [
            hostile_story(n, vector, photo=photo, editor=editor)
            for n, (vector, photo) in enumerate(zip(vectors, photos, strict=True))
        ]
    return list(
        Article.objects.filter(pk__in=[story.pk for story in stories])
        .select_related("section", "hero_image", "pending_revision")
        .prefetch_related("tags", "corrections", "bylines__author")
        .order_by("pk")
    )


def page_numbers(world, per_page: int) -> range:
    return range(1, ceil(len(world) / per_page) + 1)


def byline(story: Article) -> Author:
    return story.bylines.all()[0].author


def fetch(client, url: str, data=None):
    response = client.get(url, data)
    assert response.status_code == 200, (url, data, response.status_code)
    return response


def html_findings(client, urls) -> tuple[list[str], dict[str, str]]:
    """Every executable construct on these pages, and each page's HTML by URL."""
    found, pages = [], {}
    for url in urls:
        pages[url] = html = fetch(client, url).content.decode()
        found += [f"{url}: {f}" for f in executable_constructs(html)]
    return found, pages


def missing(html: str, *texts: str) -> list[str]:
    """Those of the texts the page does not show, escaped as templates escape them."""
    return [text for text in texts if text and escape(text) not in html]


def feeds_of(world) -> dict[str, set[str]]:
    """Every feed showing the stories, with the elements its format may hold."""
    feeds = {"/feed/": RSS_ELEMENTS, "/feed/atom/": ATOM_ELEMENTS}
    for story in world:
        feeds[reverse("articles:section_feed", args=[story.section.slug])] = RSS_ELEMENTS
        feeds[reverse("articles:author_feed", args=[byline(story).slug])] = RSS_ELEMENTS
        for tag in story.tags.all():
            feeds[reverse("articles:tag_feed", args=[tag.slug])] = RSS_ELEMENTS
    return feeds


# --- The checker itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<p>x</p><script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href="&#106;avascript&colon;alert(1)">x</a>',
        '<a href=" data:text/html;base64,PHN">x</a>',
        '<svg><a xlink:href="javascript:alert(1)">x</a></svg>',
        '<form action="VBScript:x"><button formaction="javascript:1">x</button></form>',
        '<iframe srcdoc="x"></iframe>',
        "<embed src=x>",
        '<base href="//evil.example/">',
        '<meta http-equiv="Refresh" content="0;url=javascript:alert(1)">',
        '<script src="//evil.example/x.js"></script>',
        '<script src="https://evil.example/static/x.js"></script>',
        '<script type="application/ld+json">{"a": "</script><script>alert(1)</script>"}</script>',
        '<script type="application/ld+json">alert(1)</script>',
        '<script type="module">alert(1)</script>',
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    ],
)
def test_the_checker_sees_what_a_browser_would_run(html):
    assert executable_constructs(html)


def test_the_checker_passes_our_own_scripts_data_and_escaped_text():
    html = (
        '<script src="/static/admin/js/core.js"></script><script src="/admin/jsi18n/"></script>'
        '<script type="application/ld+json">{"headline": "\\u003C/script\\u003E"}</script>'
        '<p title="&lt;img src=x onerror=alert(1)&gt;">&lt;script&gt;alert(1)&lt;/script&gt;</p>'
        '<a href="https://example.com/javascript:x">x</a><svg><text>x</text></svg>'
        "<textarea>&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;</textarea>"
        '<p title="</p><script>alert(1)</script>">x</p><style>a::after{content:"<b>"}</style>'
        "<noscript><img src=x onerror=alert(1)></noscript>"
    )
    assert executable_constructs(html) == []


def test_the_feed_checker_sees_markup_and_runnable_html_in_descriptions():
    rss = (
        b"<rss><channel><title>T</title><item><description>&lt;img src=x onerror=alert(1)&gt;"
        b"</description></item><item><description><a href='x'>x</a></description></item>"
        b"</channel></rss>"
    )
    # The handler; and the <a>, both as an element RSS has not and as markup in a description.
    assert len(xml_findings(rss, RSS_ELEMENTS)) == 3


# --- The surfaces -----------------------------------------------------------------------------


def test_every_vector_in_every_field_is_inert_on_every_public_page(client, world, vectors):
    previews = {story.pk: preview_url(story) for story in world}
    urls = {"/", "/search/?q=alert", "/search/?q=script", *previews.values()}
    results = [f"/search/?q=dispatch&page={page}" for page in page_numbers(world, PAGE_SIZE)]
    urls |= set(results)
    for story in world:
        urls |= {story.get_absolute_url(), story.section.get_absolute_url(),
                 byline(story).get_absolute_url()}  # fmt: skip
        urls |= {tag.get_absolute_url() for tag in story.tags.all()}
    found, pages = html_findings(client, sorted(urls))
    for vector in vectors:  # what readers type is shown back to them
        html = fetch(client, "/search/", {"q": vector}).content.decode()
        found += [f"/search/?q={vector!r}: {f}" for f in executable_constructs(html)]

    absent = []  # proof the hostile words reached each page, so the checks saw them
    for story in world:
        author, photo, page = byline(story), story.hero_image, pages[story.get_absolute_url()]
        absent += missing(page, story.headline, story.standfirst, story.section.name,
                          author.name, photo.alt, photo.credit, story.hero_caption,
                          story.corrections.all()[0].text, *story.tags.names())  # fmt: skip
        absent += [] if story.body in page else [story.body]
        absent += missing(pages[previews[story.pk]], story.pending_revision.headline)
        absent += missing(pages[story.section.get_absolute_url()], story.section.description)
        absent += missing(pages[author.get_absolute_url()], author.name, author.job_title,
                          *author.link_list())  # fmt: skip
    assert not absent, absent
    assert f"{len(world)} stories for “dispatch”" in pages[results[0]]
    assert not found, "\n".join(found)


def test_every_vector_is_escaped_text_in_every_feed_and_sitemap(client, world, vectors):
    # A section without a description is described by its name instead.
    bare = [make_section(name=fit(Section, "name", f"Bare {v}"), slug="") for v in vectors]
    feeds = feeds_of(world)
    for section in bare:
        make_article(section=section)
        feeds[reverse("articles:section_feed", args=[section.slug])] = RSS_ELEMENTS
    index = fetch(client, "/sitemap.xml").content
    sitemaps = ["/sitemap.xml", "/news-sitemap.xml"] + [
        urlsplit(loc.text).path for loc in ET.fromstring(index).iter(f"{SITEMAP}loc")
    ]
    found, titles = [], set()
    for url, elements in [*feeds.items(), *((u, SITEMAP_ELEMENTS) for u in sitemaps)]:
        body = fetch(client, url).content
        found += [f"{url}: {f}" for f in xml_findings(body, elements)]
        root = ET.fromstring(body)
        titles |= {e.text for e in root.iter() if e.tag in {"title", f"{NEWS}title"}}
        found += [
            f"{url}: a location off the site: {loc.text!r}"
            for loc in root.iter(f"{SITEMAP}loc")
            if not loc.text.startswith(settings.SITE_URL + "/")
        ]

    assert {"/sitemap-articles.xml", "/sitemap-sections.xml", "/sitemap-authors.xml",
            "/sitemap-tags.xml"} <= set(sitemaps)  # fmt: skip
    assert {story.headline for story in world} <= titles
    assert not found, "\n".join(found)


def test_rss_titles_are_text_a_reader_rendering_them_as_html_cannot_run(client, world):
    # Readers render RSS titles as HTML; that is why Django's own Feed.item_title escapes
    # them (Django ticket #6533). Atom titles are typed as text and are not checked here.
    found = []
    for url, elements in feeds_of(world).items():
        if elements is RSS_ELEMENTS:
            body = fetch(client, url).content
            found += [f"{url}: {f}" for f in xml_findings(body, elements, {"title"})]
    assert not found, "\n".join(found)


def test_every_vector_is_inert_on_the_admin_pages_that_show_it(client, world, editor):
    client.force_login(editor)
    article_list = reverse("admin:articles_article_changelist")
    per_page = ArticleAdmin.list_per_page
    urls = [f"{article_list}?p={page}" for page in page_numbers(world, per_page)]
    urls += [reverse("admin:photos_image_changelist")]
    for story in world:
        older, newer = story.revisions.order_by("version")[:2]
        compare = reverse("admin:articles_article_compare", args=[story.pk])
        urls += [
            reverse("admin:articles_article_change", args=[story.pk]),
            f"{compare}?a={older.pk}&b={newer.pk}",
            reverse("admin:photos_image_change", args=[story.hero_image_id]),
            reverse("admin:articles_author_change", args=[byline(story).pk]),  # read-only
        ]
    found, pages = html_findings(client, urls)
    # Editors see authors and sections read-only; a superuser sees them in the form's inputs.
    superuser = Client()
    superuser.force_login(make_user(is_staff=True, is_superuser=True))
    more = [reverse("admin:articles_author_changelist"),
            reverse("admin:articles_section_changelist")]  # fmt: skip
    for story in world:
        more += [
            reverse("admin:articles_author_change", args=[byline(story).pk]),
            reverse("admin:articles_section_change", args=[story.section_id]),
        ]
    found += html_findings(superuser, more)[0]

    absent = []
    for story in world:
        change = pages[reverse("admin:articles_article_change", args=[story.pk])]
        comments = story.events.exclude(comment="").values_list("comment", flat=True)
        absent += missing(change, story.pending_revision.headline, *comments)
    listing = "".join(pages[url] for url in urls if url.startswith(article_list))
    absent += missing(listing, *(story.section.name for story in world))
    assert not absent, absent
    assert listing.count("Sent back: ") >= len(world)
    assert not found, "\n".join(found)


# --- Through the admin form -------------------------------------------------------------------


def test_vectors_saved_through_the_admin_form_are_inert_where_they_show(client, vectors, editor):
    client.force_login(editor)
    first = hostile_photo(vectors[0], None)
    saved, found = [], []
    for n, vector in enumerate(vectors):
        photo = first if n == 0 else hostile_photo(vector, first)
        draft = make_article(published=False)
        url = reverse("admin:articles_article_change", args=[draft.pk])
        data = article_form_data(
            draft, headline=fit(Article, "headline", vector), standfirst=vector,
            slug=make_slug(f"form {n} {vector}", fallback="story"),
            body=f"<p>Typed in the form, number {n}.</p>{vector}", tags=vector,
            hero_image=photo.pk, hero_caption=fit(Article, "hero_caption", vector),
            seo_title=fit(Article, "seo_title", vector), canonical_url=syndicated(vector),
            seo_description=fit(Article, "seo_description", vector),
        )  # fmt: skip
        data.update({
            "bylines-TOTAL_FORMS": 1, "bylines-0-position": 0,
            "bylines-0-author": make_author(name=fit(Author, "name", vector)).pk,
            "corrections-TOTAL_FORMS": 1, "corrections-0-text": vector,
            "corrections-0-published_at_0": "2030-01-01",
            "corrections-0-published_at_1": "09:00:00",
        })  # fmt: skip
        response = client.post(url, data)
        assert response.status_code == 302, (vector, response.context["adminform"].form.errors)
        story = workflow.take(Article.objects.get(pk=draft.pk), "publish", by=editor)
        saved.append(story)
        pages = [story.get_absolute_url(), preview_url(story),
                 reverse("admin:articles_article_history", args=[story.pk])]  # fmt: skip
        found += html_findings(client, pages)[0]
        feed = reverse("articles:section_feed", args=[story.section.slug])
        found += [f"{feed}: {f}" for f in xml_findings(fetch(client, feed).content, RSS_ELEMENTS)]
    found += html_findings(client, [reverse("admin:index")])[0]  # its recent actions name them

    stored = [(s.headline, s.standfirst, s.corrections.get().text) for s in saved]
    assert stored == [(clean_line(fit(Article, "headline", v)), v, v) for v in vectors]
    assert not found, "\n".join(found)


def test_a_canonical_url_from_the_form_is_an_http_address_or_refused(client, vectors, editor):
    # The vectors, and the addresses inside them (entities decoded, as a browser reads them).
    inside = re.findall(r'(?:href|src|action|data)="([^"]*)"', "\n".join(vectors))
    addresses = [*vectors, *(unescape(address) for address in inside)]
    accepted = []
    for address in addresses:
        with suppress(ValidationError):
            accepted.append(ArticleForm.base_fields["canonical_url"].clean(address))
    client.force_login(editor)
    story = make_article(published=False)
    url = reverse("admin:articles_article_change", args=[story.pk])
    scripted = [address for address in addresses if runs_script(address)]
    responses = [client.post(url, article_form_data(story, canonical_url=a)) for a in scripted]

    assert all(urlsplit(address).scheme in {"http", "https"} for address in accepted), accepted
    assert len(scripted) >= 10 and {r.status_code for r in responses} == {200}
    found = [f for r in responses for f in executable_constructs(r.content.decode())]
    assert not found, "\n".join(found)
    story.refresh_from_db()
    assert story.canonical_url == ""


# --- Inside body blocks -----------------------------------------------------------------------


def hostile_blocks(vector: str, photo: Image) -> str:
    """The vector in every word and address a block holds: escaped into its attributes as the
    editor writes them, typed raw into them, and in a table's cells."""

    def block(kind, **attributes):
        pairs = "".join(f' data-{name}="{escape(value)}"' for name, value in attributes.items())
        return f'<figure data-block="{kind}"{pairs}></figure>'

    squeezed = "".join(vector.split())
    return "".join([
        block("picture", photo=str(photo.pk), size="wide", alt=vector, caption=vector,
              credit=vector),
        block("picture", photo=str(photo.pk)),  # the photo's own (hostile) words
        block("pullquote", quote=vector, by=vector),
        block("keyfacts", title=vector, facts=f"{vector}\n{vector} again"),
        block("embed", url=vector),
        block("embed", url=f"https://evil.example/{squeezed}"),
        block("embed", url=f"https://www.youtube.com/watch?v=dQw4w9WgXcQ&q={squeezed}"),
        block(vector, quote=vector),
        f'<figure data-block="picture" data-photo="{photo.pk}" data-caption="{vector}"></figure>',
        f'<figure data-block="pullquote" data-quote="{vector}" data-by=\'{vector}\'></figure>',
        f'<figure data-block="embed" data-url="{vector}"></figure>',
        f"<table><tr><th scope=\"col\">{vector}</th><td colspan=\"2\">{vector}</td></tr></table>",
    ])  # fmt: skip


def test_vectors_in_body_blocks_saved_through_the_admin_are_inert_everywhere(
    client, vectors, editor, django_capture_on_commit_callbacks
):
    from articles.blocks import LIMITS

    client.force_login(editor)
    reader = Client()
    first = hostile_photo(vectors[0], None)
    section = make_section(name="Blocks", slug="blocks")
    found, absent, stories = [], [], []
    for n, vector in enumerate(vectors):
        photo = first if n == 0 else hostile_photo(vector, first)
        # Indexed for search, and purged from the page cache, as once a real save commits.
        with django_capture_on_commit_callbacks(execute=True):
            draft = make_article(published=False, section=section)
            data = article_form_data(
                draft, headline=f"Blockade dispatch {n}", slug=f"blockade-{n}",
                body=f"<p>Blockade dispatch {n}.</p>{hostile_blocks(vector, photo)}",
            )  # fmt: skip
            url = reverse("admin:articles_article_change", args=[draft.pk])
            response = client.post(url, data)
            assert response.status_code == 302, (vector, response.context["adminform"].form.errors)
            story = workflow.take(Article.objects.get(pk=draft.pk), "publish", by=editor)
        stories.append(story)
        # The admin's change form; its live preview's empty frame is the admin's own.
        found += html_findings(client, [url])[0]
        public = html_findings(reader, [story.get_absolute_url(), preview_url(story)])
        found += public[0]
        page = public[1][story.get_absolute_url()]
        words = clean_line(vector)
        # Proof the words reached the page, where the checks above read them.
        absent += missing(page, words[: LIMITS["caption"]], words[: LIMITS["quote"]],
                          photo.alt, photo.caption)  # fmt: skip
    feed = reverse("articles:section_feed", args=[section.slug])
    for url, elements in [(feed, RSS_ELEMENTS), ("/feed/", RSS_ELEMENTS),
                          ("/feed/atom/", ATOM_ELEMENTS)]:  # fmt: skip
        found += [f"{url}: {f}" for f in xml_findings(fetch(reader, url).content, elements)]
    results = [f"/search/?q=blockade&page={p}" for p in page_numbers(stories, PAGE_SIZE)]
    found += html_findings(reader, [*results, "/"])[0]

    assert f"{len(stories)} stories for “blockade”" in fetch(reader, results[0]).content.decode()
    assert not absent, absent
    assert not found, "\n".join(found)


def test_every_picture_block_names_the_photo_it_shows_and_no_other(vectors):
    # A vector in a block's words cannot make it name, or fetch, another photo.
    photo = hostile_photo(vectors[0], None)
    bodies = [make_article(body=hostile_blocks(v, photo)).body for v in vectors]

    from articles.blocks import photo_ids

    assert all(photo_ids([body]) == {photo.pk} for body in bodies)
