"""One of every public page type, with content like a real front's, for the browser checks that
must visit them all (axe, reflow). `PAGES` names each page and the URL it is drawn by, so a test
can tell when a new page type has no check."""

from articles import preview, views
from articles.models import Article
from tests.factories import (
    make_article,
    make_author,
    make_correction,
    make_image,
    make_section,
    make_staff,
    photo_bytes,
)

# page: the URL name (or error handler) that draws it
PAGES = {
    "home": "articles:home",
    "section": "articles:section",
    "section page 2": "articles:section",
    "article with photo": "articles:article",
    "article without photo": "articles:article",
    "article with every block": "articles:article",
    "author": "articles:author",
    "tag": "articles:tag",
    "search with results": "articles:search",
    "search without results": "articles:search",
    "404": "handler404",
    "410": "articles:article",
    "preview": "articles:preview",
}

# Public URLs that are not HTML pages (or not readers'), so no page check applies.
NOT_PAGES = {
    "articles:feed",
    "articles:atom_feed",
    "articles:author_feed",
    "articles:tag_feed",
    "articles:section_feed",
    "healthz",
    "favicon",  # a redirect to the static icon
    "media",
    "robots_txt",
    "sitemap",
    "sitemap_section",
    "news_sitemap",
    "view_on_site",  # staff only: redirects from the admin to a story
}

# Long and short names, as a real navigation has: at 320 px they must wrap, not be cut.
SECTION_NAMES = ["World", "Science and Technology", "Culture", "Sport", "Business", "Opinion"]


def _blocks_body(photo) -> str:
    return (
        "<p>Before the picture.</p>"
        f'<figure data-block="picture" data-photo="{photo.pk}" data-size="wide" '
        'data-caption="Crews at the slipway" data-credit="Staff photographer"></figure>'
        "<h2>What happened</h2><p>A paragraph with a <a href='/'>link</a>.</p>"
        '<figure data-block="embed" data-provider="youtube" '
        'data-url="https://www.youtube.com/watch?v=dQw4w9WgXcQ"></figure>'
        '<figure data-block="pullquote" data-quote="We will rebuild, plank by plank." '
        'data-by="The harbour master"></figure>'
        '<figure data-block="keyfacts" data-title="Key facts" '
        'data-facts="The yard opened in 1871&#10;It employs 240 people"></figure>'
        "<table><tr><th>Year</th><th>Ships built</th><th>Workers employed at the yard</th>"
        "<th>Tonnage launched over the year</th></tr>"
        "<tr><td>2023</td><td>4</td><td>231</td><td>12,400</td></tr>"
        "<tr><td>2024</td><td>6</td><td>240</td><td>15,900</td></tr></table>"
        "<hr><p>After the table.</p>"
    )


def make_public_pages(monkeypatch) -> dict[str, str]:
    """Content for every page type; returns each page's path, keyed as PAGES is."""
    monkeypatch.setattr(views, "PAGE_SIZE", 2)  # so a section has a second page
    sections = [make_section(name=name, slug=name.split()[0].lower()) for name in SECTION_NAMES]
    science = sections[1]
    writer = make_author(
        name="Amara Okonkwo-Lindqvist",
        slug="amara",
        job_title="Science correspondent",
        bio="Amara covers climate and the coast.",
        photo=make_image(photo_bytes((600, 600)), alt="Amara Okonkwo-Lindqvist"),
        links="https://example.org/amara",
    )
    lead = make_article(
        headline="Shipyard reopens after a century as the tide turns for the harbour town",
        section=science,
        authors=[writer, make_author(name="Sam Lee")],
        tags=["Harbours", "Climate"],
        hero_image=make_image(alt="Cranes over the slipway at dawn"),
        homepage_priority=10,
    )
    make_correction(lead)
    plain = make_article(
        headline="Council votes on the sea wall", section=science, tags=["Climate"]
    )
    blocks = make_article(
        headline="Every kind of block",
        section=science,
        authors=[writer],
        body=_blocks_body(make_image(alt="Crews at work on a hull")),
    )
    for section in sections:
        make_article(section=section, hero_image=make_image(alt=f"A scene for {section.name}"))
    gone = make_article(headline="A withdrawn story", section=science)
    Article.objects.filter(pk=gone.pk).update(state=Article.State.WITHDRAWN)
    draft = make_article(
        published=False, headline="A draft", section=science, authors=[writer], hero_image=None
    )
    editor = make_staff("Editor")
    return {
        "home": "/",
        "section": science.get_absolute_url(),
        "section page 2": science.get_absolute_url() + "?page=2",
        "article with photo": lead.get_absolute_url(),
        "article without photo": plain.get_absolute_url(),
        "article with every block": blocks.get_absolute_url(),
        "author": writer.get_absolute_url(),
        "tag": "/tags/climate/",
        "search with results": "/search/?q=shipyard",
        "search without results": "/search/?q=zeppelin",
        "404": "/no-such-page/at-all/",
        "410": gone.get_absolute_url(),
        "preview": preview.preview_url(draft, by=editor),
    }
