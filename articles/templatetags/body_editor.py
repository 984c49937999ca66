"""The rules the story editor's script (static/articles/admin/body_blocks.js) must apply as the
server does, given to it as data when the change form is drawn, so the script holds no copy:
which pasted addresses become embeds (articles.embeds) and when a caption repeats the alt text
(photos.models.repeats)."""

from django import template
from django.utils.html import json_script

from photos.models import CAPTION_ENDS_IGNORED

from .. import embeds

register = template.Library()

ELEMENT_ID = "body-editor-rules"


def rules() -> dict:
    return {
        "providers": [
            {
                "key": provider.key,
                "title": f"{provider.name} {provider.what}",
                # Python's named groups in JavaScript's spelling; fullmatch() becomes ^...$.
                "patterns": [p.pattern.replace("(?P<", "(?<") for p in provider.patterns],
            }
            for provider in embeds.PROVIDERS
        ],
        "maxUrlChars": embeds.MAX_URL_CHARS,
        "refusedInUrl": embeds.REFUSED_IN_URL,
        "captionEndsIgnored": CAPTION_ENDS_IGNORED,
    }


@register.simple_tag
def body_editor_rules():
    return json_script(rules(), ELEMENT_ID)
