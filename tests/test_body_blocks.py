"""Body blocks: what the sanitiser keeps of pictures, embeds, pull quotes, key facts and tables,
and how readers get them.

A block is stored as an empty `<figure data-block=...>` in one fixed form (articles/blocks.py);
anything that is not exactly a block, or a table, or ordinary text markup, is dropped or made
plain. Readers get pictures from the photo library and embeds as click-to-load placeholders:
no third party is named in a page's addresses but the link a reader may follow and the
player the placeholder loads on request.
"""

import re
from html import escape, unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from articles import blocks, embeds
from articles.models import Article
from articles.sanitise import MAX_BODY_CHARS, sanitise_html
from tests.factories import make_article, make_image, photo_bytes

pytestmark = pytest.mark.django_db

STYLESHEET = Path(settings.BASE_DIR) / "static" / "css" / "site.css"


# --- Blocks as the editor writes them -----------------------------------------------------------


def block(kind: str, **attributes) -> str:
    """A block as the admin's editor inserts it: every attribute value escaped."""
    pairs = "".join(f' data-{name}="{escape(str(value))}"' for name, value in attributes.items())
    return f'<figure data-block="{kind}"{pairs}></figure>'


def picture(photo, **attributes) -> str:
    pk = photo if isinstance(photo, int | str) else photo.pk
    return block("picture", photo=pk, **attributes)


def embed(url: str) -> str:
    return block("embed", url=url)


def facts(*lines: str, **attributes) -> str:
    return block("keyfacts", facts="\n".join(lines), **attributes)


def stored_attributes(body: str) -> list[dict[str, str]]:
    """Each stored block's attributes, by name without `data-`, as a browser would read them."""
    elements = Elements(body)
    return [
        {name.removeprefix("data-"): value for name, value in attrs.items()}
        for tag, attrs in elements.all
        if tag == "figure" and "data-block" in attrs
    ]


class Elements(HTMLParser):
    """Every element of a page in order, as (tag, attributes), and what each element holds."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.all: list[tuple[str, dict[str, str]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.all.append((tag, {name: value or "" for name, value in attrs}))

    def find(self, tag: str, **wanted) -> list[dict[str, str]]:
        return [
            attrs
            for name, attrs in self.all
            if name == tag and all(attrs.get(key.replace("_", "-")) == value
                                   for key, value in wanted.items())
        ]  # fmt: skip


def inside(html: str, opening: str) -> str:
    """The markup from `opening` to the end of the element it opens (elements of one name
    nested inside are counted)."""
    start = html.index(opening)
    name = re.match(r"<(\w+)", opening).group(1)
    depth = 0
    for match in re.finditer(rf"<(/?){name}\b[^>]*>", html[start:]):
        depth += -1 if match.group(1) else 1
        if not depth:
            return html[start : start + match.end()]
    raise AssertionError(f"{opening} is never closed")


@pytest.fixture
def photo():
    return make_image(
        photo_bytes((1600, 1000)), alt="Library alt", caption="Library caption",
        credit="Library credit",
    )  # fmt: skip


# --- What is stored ---------------------------------------------------------------------------

STORED_FORMS = {
    "picture": (
        '<figure data-block="picture" data-photo="42" data-size="wide" data-alt="Boats &amp; '
        'nets &lt;dawn&gt;" data-caption="The “Marie” comes in" data-credit="Ana"></figure>'
    ),
    "picture left to the photo": '<figure data-block="picture" data-photo="7" data-size="inline">'
    "</figure>",
    "embed": '<figure data-block="embed" data-provider="youtube" '
    'data-url="https://www.youtube.com/watch?v=dQw4w9WgXcQ"></figure>',
    "pull quote": '<figure data-block="pullquote" data-quote="We will rebuild &quot;it&quot;." '
    'data-by="The mayor"></figure>',
    "key facts": '<figure data-block="keyfacts" data-title="At a glance" '
    'data-facts="Opened in 1901\nRebuilt in 2024"></figure>',
    "table": '<table><caption>Tides</caption><thead><tr><th scope="col">Day</th>'
    '<th scope="col" colspan="2">High</th></tr></thead><tbody><tr><th scope="row">Mon</th>'
    '<td>06:10</td><td rowspan="2">18:40</td></tr></tbody></table>',
    "divider": "<p>Before.</p><hr><p>After.</p>",
}


@pytest.mark.parametrize("name", STORED_FORMS)
def test_each_stored_block_survives_a_save_unchanged(name):
    stored = STORED_FORMS[name]
    story = make_article(body=stored)
    story.refresh_from_db()

    assert sanitise_html(stored) == stored
    assert story.body == stored


def test_saving_twice_changes_nothing_whatever_was_typed(photo):
    odd = picture(photo, size="full", alt=" Two  spaces ", caption="a\tb")
    typed = (
        f"<p>Intro.</p>{odd}"
        f'<figure data-photo="{photo.pk}" data-block="picture" data-size="huge"></figure>'
        f"{embed('http://youtu.be/dQw4w9WgXcQ')}{embed('https://evil.example/page')}"
        f"{block('pullquote', quote='  “Quoted” <b>text</b> ', by='')}"
        f"{facts('', 'one', '   ', 'two', title='')}"
        '<table><tr><td colspan="51" rowspan="3" scope="col">x</td></tr></table>'
    )
    story = make_article(body=typed)
    once = story.body
    story.save()
    story.refresh_from_db()

    assert story.body == once == sanitise_html(once)


TEXT_ATTRIBUTES = {
    "alt": lambda text: picture(1, alt=text),
    "caption": lambda text: picture(1, caption=text),
    "credit": lambda text: picture(1, credit=text),
    "quote": lambda text: block("pullquote", quote=text, by=text),
    "title": lambda text: facts("x", title=text),
    "fact": lambda text: facts(text, text),
}


@pytest.mark.parametrize("name", TEXT_ATTRIBUTES)
@pytest.mark.parametrize("shift", range(-3, 4))
def test_a_text_cut_at_its_limit_is_stored_the_same_when_saved_again(name, shift):
    # Whatever falls at the cut (a space, an entity, a combining accent), the next save of
    # the stored body must not change it.
    limit = blocks.LIMITS[name]
    for filler in [" ", "&", "e\u0301", "<b>", "\u200b", "\t"]:
        text = "x" * (limit + shift - 1) + filler + "tail words"
        stored = sanitise_html(TEXT_ATTRIBUTES[name](text))
        assert sanitise_html(stored) == stored, (filler, stored[-80:])


@pytest.mark.parametrize(
    "kind", ["script", "iframe", "gallery", "PICTURE", "", "picture2", "embed-html", "html"]
)
def test_a_block_of_an_unknown_kind_is_dropped(kind):
    body = f'<p>Before.</p><figure data-block="{kind}" data-photo="1" data-url="https://youtu.be/dQw4w9WgXcQ" data-quote="q"></figure><p>After.</p>'  # noqa: E501

    assert sanitise_html(body) == "<p>Before.</p><p>After.</p>"


@pytest.mark.parametrize(
    "photo_id",
    ["", "0", "-1", "+4", "4a", "0x10", "1e3", " 4", "4.0", "٤٢", "１２", "99999999999999999999"],
)
def test_a_picture_without_a_real_photo_id_is_dropped(photo_id):
    body = f'<figure data-block="picture" data-photo="{photo_id}"></figure><p>After.</p>'

    assert sanitise_html(body) == "<p>After.</p>"


def test_a_picture_with_no_photo_id_at_all_is_dropped():
    assert sanitise_html('<figure data-block="picture" data-size="wide"></figure>') == ""


@pytest.mark.parametrize("size", ["huge", "WIDE", "", "wide ", "inline;full"])
def test_a_picture_of_an_unknown_size_is_shown_inline(size):
    [attributes] = stored_attributes(sanitise_html(picture(3, size=size)))

    assert attributes["size"] == "inline"


@pytest.mark.parametrize("size", blocks.SIZES)
def test_each_known_size_is_kept(size):
    [attributes] = stored_attributes(sanitise_html(picture(3, size=size)))

    assert attributes["size"] == size


def test_a_block_nested_in_a_block_and_whatever_a_block_holds_are_dropped():
    body = (
        '<figure data-block="picture" data-photo="1" data-size="wide">'
        '<figure data-block="pullquote" data-quote="Nested"></figure>'
        "<figcaption>Typed caption</figcaption><p>A child paragraph</p>"
        '<a href="https://evil.example/">link</a><img src="x"></figure><p>After.</p>'
    )

    assert sanitise_html(body) == (
        '<figure data-block="picture" data-photo="1" data-size="wide"></figure><p>After.</p>'
    )


def test_an_unclosed_block_takes_nothing_after_it_into_the_page():
    stored = sanitise_html('<figure data-block="pullquote" data-quote="Q"><p>Unclosed')

    assert stored == '<figure data-block="pullquote" data-quote="Q" data-by=""></figure>'


@pytest.mark.parametrize(
    "attribute",
    [
        'onclick="alert(1)"', 'onerror="alert(1)"', 'style="background:url(x)"',
        'class="evil"', 'id="main"', 'data-evil="1"', 'data-player="https://evil.example/"',
        'src="https://evil.example/x.png"', 'title="t"', 'hidden', 'tabindex="1"',
        'data-src="https://evil.example/x.png"', 'data-srcset="https://evil.example/x.png 1w"',
    ],
)  # fmt: skip
def test_attributes_no_block_has_are_dropped(attribute):
    body = f'<figure data-block="picture" data-photo="5" {attribute} data-size="wide"></figure>'

    assert sanitise_html(body) == (
        '<figure data-block="picture" data-photo="5" data-size="wide"></figure>'
    )


def test_a_plain_figure_keeps_its_text_but_no_block_attribute():
    body = (
        '<figure data-photo="5" data-url="https://evil.example/" data-caption="c">'
        "<p>Text</p><figcaption>Caption</figcaption></figure>"
    )

    assert sanitise_html(body) == "<figure><p>Text</p><figcaption>Caption</figcaption></figure>"


def test_attribute_order_and_quoting_as_typed_do_not_matter():
    typed = (
        "<figure data-size=wide data-credit='Ana &amp; Bo' data-photo=9 "
        "data-block=picture></figure>"
    )

    assert sanitise_html(typed) == (
        '<figure data-block="picture" data-photo="9" data-size="wide" data-credit="Ana &amp; Bo">'
        "</figure>"
    )


def test_each_text_is_one_line_cut_to_its_limit():
    long = "word " * 400
    [attributes] = stored_attributes(
        sanitise_html(picture(1, alt=long, caption="two\nlines", credit=long))
    )
    [quote] = stored_attributes(sanitise_html(block("pullquote", quote=long, by=long)))

    assert len(attributes["alt"]) <= blocks.LIMITS["alt"]
    assert len(attributes["credit"]) <= blocks.LIMITS["credit"]
    assert attributes["caption"] == "two lines"
    assert len(quote["quote"]) <= blocks.LIMITS["quote"]
    assert len(quote["by"]) <= blocks.LIMITS["by"]


# --- Embeds -------------------------------------------------------------------------------------

PROVIDER_URLS = {
    "youtube": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "vimeo": "https://vimeo.com/76979871",
    "x": "https://x.com/NASA/status/1755678123456789012",
    "instagram": "https://www.instagram.com/p/C3xYz_AbCdE/",
    "tiktok": "https://www.tiktok.com/@scout2015/video/6718335390845095173",
    "bluesky": "https://bsky.app/profile/bsky.app/post/3l6oveex3ii2l",
    "spotify": "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
    "soundcloud": "https://soundcloud.com/forss/flickermood",
    "datawrapper": "https://datawrapper.dwcdn.net/dxQ4h/3/",
    "flourish": "https://public.flourish.studio/visualisation/1810417/",
}
MORE_PROVIDER_URLS = [
    ("youtube", "https://youtu.be/dQw4w9WgXcQ"),
    ("youtube", "https://m.youtube.com/watch?feature=share&v=dQw4w9WgXcQ&t=42"),
    ("youtube", "https://www.youtube.com/shorts/dQw4w9WgXcQ"),
    ("x", "https://twitter.com/NASA/status/1755678123456789012?s=20"),
    ("spotify", "https://open.spotify.com/intl-de/album/1DFixLWuPkv3KT3TnV35m3"),
    ("datawrapper", "https://app.datawrapper.de/chart/dxQ4h/visualize"),
    ("flourish", "https://flo.uri.sh/visualisation/1810417/"),
]
NEAR_MISSES = [
    "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
    "https://evil.example/?https://youtu.be/dQw4w9WgXcQ",
    "https://evil.example/#https://youtu.be/dQw4w9WgXcQ",
    "https://evil.example/youtu.be/dQw4w9WgXcQ",
    "https://youtube.com@evil.example/watch?v=dQw4w9WgXcQ",
    "https://youtu.be.evil.example/dQw4w9WgXcQ",
    "https://notyoutube.com/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com.evil.example/embed/dQw4w9WgXcQ",
    "https://vimeo.com.evil.example/76979871",
    "https://evilvimeo.com/76979871",
    "https://x.com.evil.example/NASA/status/1",
    "https://evil.example/x.com/NASA/status/1",
    "https://open.spotify.com.evil.example/track/4uLU6hMCjMI75M1A2tKUQC",
    "https://soundcloud.com.evil.example/forss/flickermood",
    "https://datawrapper.dwcdn.net.evil.example/dxQ4h/",
    "https://bsky.app.evil.example/profile/bsky.app/post/3l6oveex3ii2l",
    "ftp://youtu.be/dQw4w9WgXcQ",
    "//youtu.be/dQw4w9WgXcQ",
    "https://youtu.be/dQw4w9WgXcQ/../../evil",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ\\@evil.example",
]


def test_every_provider_has_a_real_looking_address_here():
    assert set(PROVIDER_URLS) == {provider.key for provider in embeds.PROVIDERS}


@pytest.mark.parametrize(("key", "url"), [*PROVIDER_URLS.items(), *MORE_PROVIDER_URLS])
def test_each_provider_is_recognised_and_stored_with_its_address(key, url):
    [attributes] = stored_attributes(sanitise_html(embed(url)))
    found = embeds.find(url)

    assert attributes == {"block": "embed", "provider": key, "url": url}
    assert found.provider.key == key
    assert found.player.startswith(found.provider.origin + "/")


def test_an_http_address_of_a_provider_is_stored_as_https():
    [attributes] = stored_attributes(sanitise_html(embed("http://youtu.be/dQw4w9WgXcQ")))

    assert attributes["url"] == "https://youtu.be/dQw4w9WgXcQ"


def test_a_writer_cannot_pick_the_provider():
    body = (
        '<figure data-block="embed" data-provider="vimeo" '
        'data-url="https://youtu.be/dQw4w9WgXcQ"></figure>'
    )

    assert stored_attributes(sanitise_html(body))[0]["provider"] == "youtube"


@pytest.mark.parametrize("url", NEAR_MISSES)
def test_an_address_that_only_looks_like_a_provider_is_no_embed(url):
    stored = sanitise_html(embed(url))

    assert embeds.find(url) is None
    assert "data-block" not in stored
    links = Elements(stored).find("a")
    assert all(urlsplit(link["href"]).scheme in {"http", "https"} for link in links)


def test_an_embed_of_an_unknown_host_becomes_a_plain_link():
    stored = sanitise_html(embed("https://evil.example/watch?v=1&x=2"))

    assert stored == (
        '<p><a href="https://evil.example/watch?v=1&amp;x=2" rel="noopener noreferrer">'
        "https://evil.example/watch?v=1&amp;x=2</a></p>"
    )


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
        "java\tscript:alert(1)", "javascript://youtu.be/dQw4w9WgXcQ%0Aalert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "data:image/svg+xml,<svg onload=alert(1)>", "vbscript:msgbox(1)", "", "   ",
        "mailto:a@example.com", "/relative/path", "https://", "https://evil.example/a b",
        'https://evil.example/"onmouseover="alert(1)',
    ],
)  # fmt: skip
def test_an_embed_address_that_is_not_a_web_address_vanishes(url):
    assert sanitise_html(f"{embed(url)}<p>After.</p>") == "<p>After.</p>"


CONTAINERS = [
    "{}", "<p>x</p>{}<p>y</p>", "<a href=\"https://ok.example/\">{}</a>", "<h2>{}</h2>",
    "<ul><li>{}</li></ul>", "<blockquote>{}</blockquote>", "<b>{}</b>", "<em>x{}y</em>",
    "<pre>{}</pre>", "<table><tr><td>{}</td></tr></table>", "<table><caption>{}</caption></table>",
    "<figure><figcaption>{}</figcaption></figure>", "<p><a href=\"https://ok.example/\">x{}y</a></p>",
    "<a href=\"https://ok.example/\"><b>{}</b></a>",
]  # fmt: skip
EVERY_BLOCK = [
    embed(PROVIDER_URLS["youtube"]), embed("https://evil.example/x"), picture(4),
    block("pullquote", quote="Q", by="B"), facts("one", "two"),
]  # fmt: skip


@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize("typed", EVERY_BLOCK)
def test_a_block_wherever_it_is_typed_is_stored_the_same_when_saved_again(container, typed):
    stored = sanitise_html(container.format(typed))

    assert sanitise_html(stored) == stored


@pytest.mark.parametrize("url", [PROVIDER_URLS["vimeo"], "https://evil.example/x"])
def test_an_embed_inside_a_link_is_its_address_as_text(url):
    stored = sanitise_html(f'<a href="https://ok.example/">{embed(url)}</a><p>After.</p>')

    assert stored == (
        f'<a href="https://ok.example/" rel="noopener noreferrer"><p>{url}</p></a><p>After.</p>'
    )


def test_an_overlong_embed_address_is_not_an_embed():
    url = "https://youtu.be/dQw4w9WgXcQ?t=" + "1" * embeds.MAX_URL_CHARS

    assert "data-block" not in sanitise_html(embed(url))


# --- Tables, pull quotes, key facts ---------------------------------------------------------------


def test_a_table_keeps_its_rows_and_cells_and_only_sensible_spans_and_scopes():
    typed = (
        '<table border="1" style="x" onclick="alert(1)"><caption>Results</caption>'
        '<thead><tr><th scope="col" colspan="2">Team</th><th scope="colgroup">Pts</th></tr>'
        "</thead><tbody>"
        '<tr><th scope="row" rowspan="50">A</th><td colspan="51">1</td><td rowspan="0">2</td></tr>'
        '<tr><td colspan="-1">3</td><td colspan="2x">4</td><td rowspan="٣">5</td>'
        '<td scope="ROW" colspan="1" class="c" width="9">6</td></tr></tbody>'
        "<tfoot><tr><td>Total</td></tr></tfoot></table>"
    )
    stored = sanitise_html(typed)

    assert stored == (
        "<table><caption>Results</caption>"
        '<thead><tr><th scope="col" colspan="2">Team</th><th>Pts</th></tr></thead><tbody>'
        '<tr><th scope="row" rowspan="50">A</th><td>1</td><td>2</td></tr>'
        '<tr><td>3</td><td>4</td><td>5</td><td colspan="1">6</td></tr></tbody>'
        "<tfoot><tr><td>Total</td></tr></tfoot></table>"
    )


def test_key_facts_drop_blank_lines_and_keep_at_most_twelve():
    lines = ["", "  ", *(f"Fact {n}" for n in range(1, 20)), "\t"]
    [attributes] = stored_attributes(sanitise_html(facts(*lines)))

    assert attributes["facts"].split("\n") == [f"Fact {n}" for n in range(1, blocks.MAX_FACTS + 1)]
    assert attributes["title"] == "Key facts"  # the label when none was given


def test_key_facts_with_only_blank_lines_and_a_quote_with_no_words_are_dropped():
    empty_quote = block("pullquote", quote="  ", by="Someone")
    body = f"{facts('', '   ', title='Empty')}{empty_quote}<p>x</p>"

    assert sanitise_html(body) == "<p>x</p>"


# --- What readers get ---------------------------------------------------------------------------


def page_of(client, story) -> str:
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def story_body(page: str) -> str:
    return inside(page, '<div class="story__body">')


def test_a_picture_is_a_responsive_figure_with_its_own_words(client, photo):
    hero = make_image(photo_bytes((1200, 800)))
    body = picture(photo, size="wide", alt="Boats at dawn", caption="The fleet", credit="Ana B")
    page = page_of(client, make_article(hero_image=hero, body=f"<p>Intro.</p>{body}"))

    figure = inside(story_body(page), '<figure class="picture picture--wide">')
    elements = Elements(figure)
    [source] = elements.find("source")
    [img] = elements.find("img")
    assert [tag for tag, _ in elements.all] == ["figure", "picture", "source", "img",
                                                 "figcaption", "span"]  # fmt: skip
    assert source["type"] == "image/webp" and ".webp" in source["srcset"]
    assert img["alt"] == "Boats at dawn"
    assert (img["width"], img["height"]) == ("1600", "1000")
    assert img["loading"] == "lazy"  # the hero is the page's main image
    assert all(url.startswith("/media/") for url in [img["src"], source["srcset"]])
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", inside(figure, "<figcaption>"))) == (
        "The fleet Ana B"
    )


def test_a_picture_left_to_its_photo_uses_the_photos_alt_caption_and_credit(client, photo):
    page = page_of(client, make_article(hero_image=make_image(), body=picture(photo)))

    figure = inside(story_body(page), '<figure class="picture picture--inline">')
    [img] = Elements(figure).find("img")
    assert img["alt"] == "Library alt"
    assert "Library caption" in figure and "Library credit" in figure


def test_an_empty_alt_marks_a_decorative_use_and_an_empty_caption_means_none(client, photo):
    body = picture(photo, alt="", caption="", credit="")
    page = page_of(client, make_article(hero_image=make_image(), body=body))

    figure = inside(story_body(page), '<figure class="picture picture--inline">')
    assert Elements(figure).find("img")[0]["alt"] == ""
    assert "<figcaption" not in figure


def test_an_alt_left_out_is_the_photos_own(client, photo):
    page = page_of(client, make_article(hero_image=make_image(), body=picture(photo)))

    figure = inside(story_body(page), '<figure class="picture picture--inline">')
    assert Elements(figure).find("img")[0]["alt"] == "Library alt"


def test_without_a_hero_the_first_picture_is_the_lead_and_not_lazy(client, photo):
    second = make_image()
    page = page_of(client, make_article(body=picture(photo) + picture(second)))

    first_img, second_img = Elements(story_body(page)).find("img")
    assert "loading" not in first_img and first_img["fetchpriority"] == "high"
    assert second_img["loading"] == "lazy"


def test_a_deleted_photo_renders_nothing_and_breaks_nothing(client, photo):
    story = make_article(body=f"<p>Before.</p>{picture(photo)}<p>After.</p>")
    photo.delete()

    body = story_body(page_of(client, story))
    assert "<figure" not in body and "<img" not in body
    assert "Before." in body and "After." in body


def test_an_embed_is_a_placeholder_with_a_hidden_button_and_a_plain_link(client):
    url = PROVIDER_URLS["youtube"]
    page = page_of(client, make_article(body=f"<p>Watch:</p>{embed(url)}"))

    figure = inside(story_body(page), '<figure class="embed')
    elements = Elements(figure)
    [placeholder] = elements.find("figure")
    [button] = elements.find("button")
    [link] = elements.find("a")
    assert placeholder["data-player"] == embeds.find(url).player
    assert button["type"] == "button" and button["class"] == "embed__load"
    assert ".embed__load { display: none;" in STYLESHEET.read_text()  # shown by embeds.js
    assert link["href"] == url
    assert "YouTube video" in figure
    assert not elements.find("iframe") and not elements.find("script")


ADDRESS = re.compile(r"(?:https?:)?//([\w.-]+)", re.IGNORECASE)
NOT_FETCHED = {"schema.org"}  # the JSON-LD's @context names a vocabulary; nothing fetches it


def foreign_addresses(text: str) -> list[str]:
    """The hosts other than ours that this text names in an address."""
    ours = {urlsplit(settings.SITE_URL).hostname, *NOT_FETCHED}
    return [host for host in ADDRESS.findall(text) if host.lower() not in ours]


@pytest.mark.parametrize("key", PROVIDER_URLS)
def test_no_third_party_address_is_on_the_page_but_the_link_and_the_player(client, key):
    url = PROVIDER_URLS[key]
    player = embeds.find(url).player
    page = page_of(client, make_article(hero_image=make_image(), body=embed(url)))

    named = [
        (tag, name, value)
        for tag, attrs in Elements(page).all
        for name, value in attrs.items()
        if foreign_addresses(value)
    ]
    assert sorted(named) == sorted({("a", "href", url), ("figure", "data-player", player)})
    # Nor in any text, style or script: those two attributes are all the page names.
    assert len(foreign_addresses(unescape(page))) == 2


def test_a_pull_quote_is_a_figure_with_a_blockquote_and_its_source(client):
    body = block("pullquote", quote="We will rebuild.", by="The mayor")
    page = page_of(client, make_article(body=body))

    figure = inside(story_body(page), '<figure class="pullquote">')
    assert [tag for tag, _ in Elements(figure).all] == ["figure", "blockquote", "p", "figcaption"]
    assert "We will rebuild." in inside(figure, "<blockquote>")
    assert "The mayor" in inside(figure, "<figcaption>")


def test_a_pull_quote_without_a_source_has_no_caption(client):
    page = page_of(client, make_article(body=block("pullquote", quote="Alone.")))

    assert "<figcaption" not in inside(story_body(page), '<figure class="pullquote">')


def test_key_facts_are_a_labelled_aside_with_a_list(client):
    page = page_of(client, make_article(body=facts("Opened 1901", "Rebuilt 2024", title="Bridge")))

    aside = inside(story_body(page), "<aside")
    [attrs] = Elements(aside).find("aside")
    assert attrs["aria-label"] == "Bridge"
    assert re.findall(r"<li>([^<]*)</li>", aside) == ["Opened 1901", "Rebuilt 2024"]


def test_a_table_scrolls_in_a_focusable_labelled_region(client):
    page = page_of(client, make_article(body=STORED_FORMS["table"]))

    region = inside(story_body(page), '<div class="table-scroll"')
    [div] = Elements(region).find("div")
    assert (div["role"], div["tabindex"]) == ("region", "0")
    assert div.get("aria-label")
    assert region.count("<table>") == 1 and region.endswith("</table></div>")


def test_a_divider_is_a_rule(client):
    page = page_of(client, make_article(body=STORED_FORMS["divider"]))

    assert "<p>Before.</p><hr><p>After.</p>" in story_body(page)


def test_text_in_blocks_is_shown_as_text(client, photo):
    hostile = '<img src=x onerror="alert(1)">'
    body = (
        picture(photo, alt=hostile, caption=hostile, credit=hostile)
        + block("pullquote", quote=hostile, by=hostile)
        + facts(hostile, title=hostile)
    )
    page = page_of(client, make_article(hero_image=make_image(), body=body))

    assert not Elements(story_body(page)).find("img", src="x")
    assert story_body(page).count(escape(hostile)) >= 6


# --- Hostile sizes ------------------------------------------------------------------------------

# ../shared/corpus/huge_inputs.txt, those that are text.
HUGE_TEXTS = {
    "10 MB of words": "word " * 2_000_000,
    "deep divs": "<div>" * 100_000,
    "deep quotes": "<blockquote>" * 40_000,
    "unclosed bold": "<b>" * 1_000_000,
    "incomplete entities": "&#" * 50_000,
    "incomplete tags": "<a" * 100_000,
    "unmatched ends": "<p>x" + "</p>" * 100_000,
    "brackets": "(" * 50_000 + "x.com",
    "dots": "." * 100_000 + "@x",
    "digits": "1" * 1_000_000,
    "spaces": "a " * 500_000,
    "one long word": "x" * 100_000,
    "many labels": "a." * 5_000 + "example.com",
}
ATTRIBUTE_USES = {
    "alt": lambda text: picture(1, alt=text),
    "caption": lambda text: picture(1, caption=text),
    "credit": lambda text: picture(1, credit=text),
    "photo": lambda text: picture(text),
    "size": lambda text: picture(1, size=text),
    "quote": lambda text: block("pullquote", quote=text, by="x"),
    "by": lambda text: block("pullquote", quote="x", by=text),
    "facts": lambda text: facts(text, text),
    "facts title": lambda text: facts("x", title=text),
    "embed url": lambda text: embed("https://youtu.be/" + text),
    "raw caption": lambda text: f'<figure data-block="picture" data-photo=1 data-caption="{text}">',
}  # fmt: skip


@pytest.mark.parametrize("use", ATTRIBUTE_USES)
@pytest.mark.parametrize("name", HUGE_TEXTS)
def test_a_huge_block_attribute_is_cut_or_refused_with_a_clear_message(name, use):
    body = ATTRIBUTE_USES[use](HUGE_TEXTS[name])
    try:
        stored = sanitise_html(body)
    except ValidationError as error:
        assert len(body) > MAX_BODY_CHARS or error.code == "too_deep", (len(body), error.code)
        assert "limit" in " ".join(error.messages)
        return
    assert len(stored) <= 4_000  # every attribute is capped, and twelve facts are the most
    assert sanitise_html(stored) == stored


def test_a_huge_body_of_blocks_saved_through_the_model_is_refused_with_a_message():
    story = make_article(published=False)
    story.body = picture(1, caption="x" * 100) * (MAX_BODY_CHARS // 100)

    with pytest.raises(ValidationError, match="too long"):
        story.save()
    assert Article.objects.get(pk=story.pk).body != story.body


def test_many_blocks_up_to_the_cap_are_stored(photo):
    one = picture(photo, caption="x")
    story = make_article(body=one * (MAX_BODY_CHARS // (len(one) + 40)))

    assert story.body.count("data-block") == MAX_BODY_CHARS // (len(one) + 40)
    assert story.body_pictures.get().image == photo
