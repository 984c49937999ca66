"""Markdown story bodies: CommonMark with pipe tables, and body blocks written so a person can
read and type them.

A picture, pull quote or key-facts box is a fenced block named by its info string, holding
`key: value` lines (YAML):

    ```picture
    photo: 42
    alt: Firefighters on the roof of the mill
    caption: Crews worked through the night.
    credit: Jane Doe
    size: wide
    ```

    ```pullquote
    quote: We will rebuild.
    by: The mayor
    ```

    ```keyfacts
    title: The fire
    facts:
      - Started at 2am
      - No one was hurt
    ```

A picture names a library photo by its number; the alt text, caption and credit it leaves out
are the photo's own, written into the story so that search and pages have them. An embed is a
paragraph holding only the address of an allowed provider's post or video (bare or as
`<https://...>`); any other address alone in its paragraph becomes a link. Raw HTML is shown as
text, like everything else a file says. Each block comes out in its stored form
(articles.blocks), so the sanitiser keeps it as it is.
"""

from collections.abc import Callable, Mapping

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from . import blocks

# Raw HTML in Markdown is shown as text; pipe tables are GitHub's.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# What each block may say, and what it must.
KEYS = {
    "picture": ({"photo", "alt", "caption", "credit", "size"}, {"photo"}),
    "pullquote": ({"quote", "by"}, {"quote"}),
    "keyfacts": ({"title", "facts"}, {"facts"}),
}

# (pk -> (alt, caption, credit)) of the library photos with these pks that exist.
PhotoLookup = Callable[[set[int]], Mapping[int, tuple[str, str, str]]]


class MarkdownError(ValueError):
    """A block that cannot be read; the message names its line in the file."""


def render(text: str, photos: PhotoLookup, *, first_line: int = 1) -> str:
    """The body as HTML. `first_line`: the file's line number of the text's first line, for
    messages; `photos` is called once, with every photo the text names."""
    tokens = _markdown.parse(text)
    fences = [
        (token, _fields(token, first_line))
        for token in tokens
        if token.type == "fence" and token.info.strip() in KEYS
    ]
    wanted = {fields["photo"] for token, fields in fences if token.info.strip() == "picture"}
    found = photos(wanted) if wanted else {}
    for token, fields in fences:
        token.type, token.content = "html_block", _figure(token, fields, found, first_line) + "\n"
    for number, token in enumerate(tokens):
        if token.tag == "h1":  # the headline is the page's only h1
            token.tag = "h2"
        if token.type == "paragraph_open" and (link := _lone_address(tokens, number)):
            token.type, token.content = "html_block", link + "\n"
            tokens[number + 1].type = tokens[number + 2].type = "html_block"  # left empty
            tokens[number + 1].content = tokens[number + 2].content = ""
    return _markdown.renderer.render(tokens, _markdown.options, {})


def _lone_address(tokens: list[Token], number: int) -> str:
    """The embed (or link) a paragraph holding nothing but an address makes; else ""."""
    inline = tokens[number + 1]
    address = inline.content.strip()
    children = [child.type for child in inline.children or []]
    if children == ["link_open", "text", "link_close"] and inline.children[0].markup == "autolink":
        address = address.removeprefix("<").removesuffix(">")
    elif children != ["text"]:
        return ""
    if not address.lower().startswith(("https://", "http://")):
        return ""
    return blocks.stored_form({"block": "embed", "url": address})


def _fields(token: Token, first_line: int) -> dict:
    kind, line = token.info.strip(), first_line + token.map[0]
    try:
        fields = yaml.load(token.content, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = line + 1 + mark.line if mark else line
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise MarkdownError(
            f"line {where}: {kind}: not valid `key: value` lines ({problem})"
        ) from None
    if not isinstance(fields, dict):
        raise MarkdownError(f"line {line}: {kind}: write its details as `key: value` lines")
    allowed, required = KEYS[kind]
    if unknown := sorted(map(str, set(fields) - allowed)):
        expected = ", ".join(sorted(allowed))
        raise MarkdownError(f"line {line}: {kind}: unknown key {unknown[0]!r} ({expected}?)")
    if missing := sorted(required - {key for key, value in fields.items() if value}):
        raise MarkdownError(f"line {line}: {kind}: `{missing[0]}:` is missing")
    if kind == "picture":
        photo = fields["photo"]
        if not (isinstance(photo, int) and not isinstance(photo, bool) and 0 < photo < 2**63):
            raise MarkdownError(f"line {line}: picture: `photo:` must be a photo's number")
    return fields


def _figure(token: Token, fields: dict, photos: Mapping, first_line: int) -> str:
    kind, line = token.info.strip(), first_line + token.map[0]
    text = {key: _scalar(value, kind, key, line) for key, value in fields.items() if key != "facts"}
    if kind == "picture":
        if fields["photo"] not in photos:
            raise MarkdownError(f"line {line}: picture: no photo {fields['photo']} in the library")
        size = text.get("size") or "inline"
        if size not in blocks.SIZES:
            raise MarkdownError(
                f"line {line}: picture: size {size!r} is not one of {', '.join(blocks.SIZES)}"
            )
        own = dict(zip(("alt", "caption", "credit"), photos[fields["photo"]], strict=True))
        return blocks.stored_form({**own, **text, "block": "picture", "size": size})
    if kind == "keyfacts":
        facts = fields["facts"]
        if not isinstance(facts, list):
            raise MarkdownError(f"line {line}: keyfacts: `facts:` must be a list of `- ` lines")
        if len(facts) > blocks.MAX_FACTS:
            raise MarkdownError(f"line {line}: keyfacts: at most {blocks.MAX_FACTS} facts")
        facts = [_scalar(fact, kind, "facts", line) for fact in facts]
        text["facts"] = "\n".join(fact.replace("\n", " ") for fact in facts)
    return blocks.stored_form({**text, "block": kind})


def _scalar(value, kind: str, key: str, line: int) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        raise MarkdownError(f"line {line}: {kind}: `{key}:` must be text")
    return str(value).strip()
