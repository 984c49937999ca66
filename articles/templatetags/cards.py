"""`{% story_card story is_lead=True ... %}`: a story as a listing shows it
(templates/includes/story_card.html), drawn once per process for each thing it can show.

A listing draws 20 to 30 cards, and a card is about a millisecond of template work (its links,
bylines, picture sources), most of what an uncached listing costs. The card is drawn on a
context of its own, holding only `story` and the CARD_FLAGS, so what it shows depends only on
those flags, the script prefix its links start with, and the values of the story, its section,
its picture and its bylines' authors:
the drawn card is kept under those values and served again while they are the same. A change
to any of them is another key, so nothing needs purging and nothing can be missed. Cards on a
preview link's page (`photo_grant` set) sign their photo addresses, and are drawn every time.

A card may read only what `Article.objects.for_listing()` fetches: a field it deferred would be
read by a query per card, which the query budgets catch.
"""

import hashlib
import pickle

from django import template
from django.template import Context
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from newsroom import memo

register = template.Library()

CARD = "includes/story_card.html"
# The context the card reads, besides `story`; given to the tag or taken from the page's context,
# as an {% include %} would.
CARD_FLAGS = ("level", "is_lead", "row", "show_image", "show_standfirst", "hide_section", "link")
_drawn = memo.Recent(2 * 2**20, size=len)


@register.simple_tag(takes_context=True)
def story_card(context, story, **given):
    flags = {name: given[name] if name in given else context.get(name) for name in CARD_FLAGS}
    grant = context.get("photo_grant")
    card = context.template.engine.get_template(CARD)
    if grant:
        return mark_safe(card.render(Context({"story": story, "photo_grant": grant, **flags})))  # noqa: S308 - a template's output
    inputs = pickle.dumps(
        (flags, timezone.get_current_timezone_name(), translation.get_language(),
         get_script_prefix(), _values(story), _values(story.section), _values(story.hero_image),
         [(_values(byline), _values(byline.author)) for byline in story.bylines.all()]),
    )  # fmt: skip
    key = hashlib.blake2b(inputs, digest_size=16).digest()  # a story's values can be long
    html = _drawn.get(key)
    if html is None:
        html = card.render(Context({"story": story, **flags}))
        _drawn.put(key, html)
    return mark_safe(html)  # noqa: S308 - a template's output, escaped as it was drawn


def _values(instance) -> tuple | None:
    """The values of an instance's fields as fetched (a deferred one is not read)."""
    if instance is None:
        return None
    fields = instance._meta.concrete_fields
    return (type(instance).__name__, *(instance.__dict__.get(f.attname) for f in fields))
