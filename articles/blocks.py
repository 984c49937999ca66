"""Story body blocks: pictures, embeds, pull quotes and key facts inside a body.

Stored, a block is an empty `<figure data-block="KIND" data-...>` whose attributes say all of
it, in one fixed form (`normalise`, which the sanitiser calls after nh3):

    <figure data-block="picture" data-photo="42" data-size="wide"
            data-alt="…" data-caption="…" data-credit="…"></figure>
    <figure data-block="embed" data-provider="youtube" data-url="https://…"></figure>
    <figure data-block="pullquote" data-quote="…" data-by="…"></figure>
    <figure data-block="keyfacts" data-title="…" data-facts="one fact
    another"></figure>

(the facts one a line). A picture's alt, caption or credit left out means the photo's own; an
empty alt marks a decorative use (readers get alt="").
Tables are plain table markup and a divider is `<hr>`. Readers get blocks drawn by `render()`:
pictures as responsive `<picture>`s from the photo library (one query for all of them), embeds
as click-to-load placeholders, quotes and facts as accessible markup. Storing the meaning
rather than the markup lets a photo's renditions, or a provider's player, change without
touching any story.
"""

import html
import re
from collections.abc import Iterable, Mapping

from django.template.loader import render_to_string
from django.utils.html import escape, format_html, strip_tags
from django.utils.safestring import SafeString, mark_safe

from newsroom.text import clean_line
from photos.models import Image, repeats

from . import embeds

SIZES = ("inline", "wide", "full")
MAX_FACTS = 12
# Longest text kept in each attribute; a longer one is cut, not refused (it is one field).
LIMITS = {
    "alt": 300, "caption": 500, "credit": 200, "quote": 600, "by": 200, "title": 100,
    "fact": 300,
}  # fmt: skip

# An attribute's value may hold ">" (nh3 escapes it, but nothing here relies on that).
_INNER = r'(?:[^>"]|"[^"]*")*'
_OPENING = rf"({_INNER})>"
# What normalise() follows: figures (blocks are figures) and links (an embed inside one).
_SCANNED = re.compile(rf"<figure\b(?P<figure>{_INNER})>|</figure>|(?P<link><a\b{_INNER}>|</a>)")
_ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
_STORED = re.compile(rf'<figure data-block="(\w+)"{_OPENING}</figure>')
_PHOTO = re.compile(r'<figure data-block="picture" data-photo="(\d{1,19})"')
_TABLE = re.compile(r"<table>|</table>")


# --- What is stored ---------------------------------------------------------------------------


def normalise(body: str) -> str:
    """Every block in its stored form; a block that cannot be one is dropped, and an embed
    of an address no provider owns becomes a link. Expects nh3's output (well formed)."""
    out: list[str] = []
    position = 0
    inside = 0  # how deep in the figure of a block being replaced
    links = 0  # how many links the text at this point is inside
    for match in _SCANNED.finditer(body):
        attributes = match.group("figure")
        if match.group("link"):
            if not inside:
                links = max(0, links + (-1 if match.group("link") == "</a>" else 1))
            continue
        opening = attributes is not None
        if inside:
            inside += 1 if opening else -1
            if not inside:
                position = match.end()
            continue
        if opening and "data-block=" in attributes:
            out.append(body[position : match.start()])
            out.append(stored_form(_attributes(attributes), in_link=links > 0))
            inside = 1
        elif opening and attributes.strip():
            # A plain figure (text and a caption) has no attribute: a block's would be an
            # address or words no block draws, shown to readers as is.
            out.append(body[position : match.start()] + "<figure>")
            position = match.end()
    out.append(body[position:] if not inside else "")
    return "".join(out)


def stored_form(attributes: Mapping[str, str], *, in_link=False) -> str:
    """`in_link`: the block sits inside a link, where an embed (its button, its link) or a
    link made of it cannot go: a browser would take the links apart, and the next save with
    them, so it becomes its address as text."""
    kind = attributes.get("block")
    if kind == "picture":
        return _stored_picture(attributes)
    if kind == "embed":
        return _stored_embed(attributes.get("url", ""), in_link)
    if kind == "pullquote":
        quote = _text(attributes, "quote")
        return _figure("pullquote", quote=quote, by=_text(attributes, "by")) if quote else ""
    if kind == "keyfacts":
        lines = attributes.get("facts", "").split("\n")
        facts = [fact for fact in (_cut(line, "fact") for line in lines) if fact][:MAX_FACTS]
        title = _text(attributes, "title") or "Key facts"
        return _figure("keyfacts", title=title, facts="\n".join(facts)) if facts else ""
    return ""


def _stored_picture(attributes) -> str:
    photo = attributes.get("photo", "")
    if not (photo.isascii() and photo.isdigit() and 0 < int(photo) < 2**63):
        return ""
    size = attributes.get("size")
    optional = {name: _text(attributes, name) for name in ("alt", "caption", "credit")}
    return _figure(
        "picture",
        photo=str(int(photo)),
        size=size if size in SIZES else "inline",
        **{name: value for name, value in optional.items() if name in attributes},
    )


def _stored_embed(url: str, in_link: bool) -> str:
    embed = embeds.find(url)
    if embed and not in_link:
        return _figure("embed", provider=embed.provider.key, url=embed.url)
    url = embed.url if embed else url.strip()
    if not (re.match(r"https?://[^\s\"'<>]+$", url, re.IGNORECASE) and len(url) <= 2000):
        return ""
    if in_link:
        return format_html("<p>{}</p>", url)
    return format_html('<p><a href="{}" rel="noopener noreferrer">{}</a></p>', url, url)


def _figure(kind: str, **attributes: str) -> str:
    pairs = "".join(f' data-{name}="{escape(value)}"' for name, value in attributes.items())
    return f'<figure data-block="{kind}"{pairs}></figure>'


def _attributes(text: str) -> dict[str, str]:
    return {
        name.removeprefix("data-"): html.unescape(value)
        for name, value in _ATTRIBUTE.findall(text)
        if name.startswith("data-")
    }


def _text(attributes, name: str) -> str:
    return _cut(attributes.get(name, ""), name)


def _cut(text: str, limit: str) -> str:
    # Stripped after the cut as well, or a cut before a space would lose that space only at
    # the next save: a stored body must come out of the sanitiser unchanged.
    return clean_line(text)[: LIMITS[limit]].rstrip()


def photo_ids(bodies: Iterable[str]) -> set[int]:
    """The library photos these stored bodies show, for one query to fetch them all."""
    return {int(pk) for body in bodies for pk in _PHOTO.findall(body)}


def search_text(body: str) -> str:
    """The words a body gives search: its text, captions, alt texts, quotes and facts; never
    an embed's address."""

    def words(match):
        attributes = _attributes(match.group(2))
        names = {
            "picture": ("caption", "alt"), "pullquote": ("quote", "by"),
            "keyfacts": ("title", "facts"),
        }.get(match.group(1), ())  # fmt: skip
        return " ".join(["", *(attributes.get(name, "") for name in names), ""])

    spaced = _ENDS_A_LINE.sub(
        r"\g<0> ", _STORED.sub(words, body)
    )  # "station. What", not "station.What"
    return html.unescape(strip_tags(spaced))


# Where one line of text ends and the next begins in a stored body.
_ENDS_A_LINE = re.compile(r"</(?:p|h[2-4]|li|blockquote|td|th)>|<br\s*/?>|<hr\s*/?>", re.IGNORECASE)


# --- What readers get -------------------------------------------------------------------------


def body_photos(article) -> dict[int, Image]:
    """The photos the story's body shows, by pk: one query however many, once per instance
    (the page's body and its JSON-LD share them)."""
    if getattr(article, "_body_photos", None) is None:
        prefetch_body_photos([article])
    return article._body_photos


def prefetch_body_photos(stories) -> None:
    """body_photos() for a list of stories (a feed's items) in one query."""
    ids = photo_ids(story.body for story in stories)
    photos = Image.objects.in_bulk(ids) if ids else {}
    for story in stories:
        story._body_photos = photos


def pictures_in_order(article) -> list[Image]:
    photos = body_photos(article)
    order = dict.fromkeys(int(pk) for pk in _PHOTO.findall(article.body))
    return [photos[pk] for pk in order if pk in photos]


def render(body: str, photos: Mapping[int, object], *, grant=None, lead=False) -> SafeString:
    """The stored body as readers see it. `photos`: the Image rows photo_ids() named (a photo
    deleted since is left out); `grant`: a preview link's, which signs the photo addresses
    (photos/signing.py); `lead`: the body's first picture is the page's main image (there is
    no hero), so it is not loaded lazily."""
    first_picture = True

    def block(match):
        nonlocal first_picture
        kind, attributes = match.group(1), _attributes(match.group(2))
        if kind == "picture":
            image = photos.get(int(attributes.get("photo", 0)))
            if image is None:
                return ""
            context = _picture_context(image, attributes, grant, lead and first_picture)
            first_picture = False
            return render_to_string("articles/blocks/picture.html", context)
        if kind == "embed":
            embed = embeds.find(attributes.get("url", ""))
            return render_to_string("articles/blocks/embed.html", {"embed": embed}) if embed else ""
        if kind == "pullquote":
            return render_to_string("articles/blocks/pullquote.html", attributes)
        if kind == "keyfacts":
            facts = attributes.get("facts", "").split("\n")
            return render_to_string("articles/blocks/keyfacts.html", {**attributes, "facts": facts})
        return ""

    # The body was sanitised (articles.sanitise) and its blocks normalised before it was stored.
    drawn = _STORED.sub(block, body)
    return mark_safe(_TABLE.sub(_table_edge, drawn))  # noqa: S308


def _picture_context(image, attributes, grant: str | None, lead: bool) -> dict:
    # Left out means the photo's own (none for a decorative photo); an empty alt text means
    # this use is decorative, as an empty caption or credit means none. A decorative photo
    # keeps an alt text only where a story wrote its own, not the library's copied in.
    caption = attributes.get("caption", image.caption)
    alt = attributes.get("alt", image.readers_alt)
    if image.decorative and alt == image.alt:
        alt = ""
    if repeats(caption, alt):
        alt = ""  # the figcaption says it; a screen reader would read it twice
    return {
        "image": image,
        "size": attributes.get("size", "inline"),
        "alt": alt,
        "caption": caption,
        "credit": attributes.get("credit", image.credit),
        "photo_grant": grant,  # the picture tag signs photo addresses with it
        "lead": lead,
    }


def _table_edge(match) -> str:
    # A wide table scrolls inside its own box, which keyboard users can focus to scroll it.
    if match.group(0) == "<table>":
        return '<div class="table-scroll" role="region" aria-label="Table" tabindex="0"><table>'
    return "</table></div>"


def feed_html(body: str, photos: Mapping[int, object], absolute) -> str:
    """The body for feed readers, which run no script and fetch what they are given: pictures
    as plain images, embeds as links. `absolute` turns a site path into a full address."""

    def block(match):
        kind, attributes = match.group(1), _attributes(match.group(2))
        if kind == "picture":
            image = photos.get(int(attributes.get("photo", 0)))
            context = image and _picture_context(image, attributes, False, False)
            if not context:
                return ""
            rendition = image.sources("full") or {}
            caption = " ".join(filter(None, [context["caption"], context["credit"]]))
            return format_html(
                '<figure><img src="{}" alt="{}"{}>{}</figure>',
                absolute(rendition.get("src") or image.file.url),
                context["alt"],
                format_html(' width="{}" height="{}"', rendition["width"], rendition["height"])
                if rendition
                else "",
                format_html("<figcaption>{}</figcaption>", caption) if caption else "",
            )
        if kind == "embed":
            embed = embeds.find(attributes.get("url", ""))
            if embed is None:
                return ""
            return format_html('<p><a href="{}">{} ({})</a></p>', embed.url, embed.title, embed.url)
        if kind == "pullquote":
            by = attributes.get("by")
            return format_html(
                "<blockquote><p>{}</p>{}</blockquote>",
                attributes.get("quote", ""),
                format_html("<p>{}</p>", by) if by else "",
            )
        facts = attributes.get("facts", "").split("\n")
        return format_html(
            "<h3>{}</h3><ul>{}</ul>",
            attributes.get("title", ""),
            mark_safe("".join(format_html("<li>{}</li>", fact) for fact in facts)),  # noqa: S308
        )

    return _STORED.sub(block, body)
