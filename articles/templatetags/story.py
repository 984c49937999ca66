"""`{% story_body article %}`: a story's body as readers see it, its blocks drawn."""

from django import template

from .. import blocks

register = template.Library()


@register.simple_tag(takes_context=True)
def story_body(context, article):
    """On a preview link's page (its `photo_grant` set) photo addresses are signed, since
    the story's photos may not be public yet."""
    return blocks.render(
        article.body,
        blocks.body_photos(article),
        grant=context.get("photo_grant"),
        lead=not article.hero_image_id,
    )
