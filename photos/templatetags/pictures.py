"""`{% picture image role %}`: a responsive `<picture>` drawn from the Image row alone."""

from django import template

register = template.Library()

# role: (rendition kind, `sizes` for an ordinary slot, `sizes` when it is the page's lead)
ROLES = {
    "hero": ("full", "(min-width: 42rem) 40rem, calc(100vw - 2rem)", None),
    "card": (
        "wide",
        "(min-width: 64rem) 17rem, (min-width: 48rem) 50vw, calc(100vw - 2rem)",
        "(min-width: 72rem) 46rem, (min-width: 48rem) 64vw, calc(100vw - 2rem)",
    ),
    "author": ("square", "120px", None),
    # Pictures in a story's body, by the size the writer chose (see site.css's .picture--*).
    "inline": ("full", "(min-width: 42rem) 40rem, calc(100vw - 2rem)", None),
    "wide": ("full", "(min-width: 58rem) 56rem, calc(100vw - 2rem)", None),
    "full": ("full", "100vw", None),
}


@register.inclusion_tag("photos/picture.html", takes_context=True)
def picture(context, image, role: str, *, lead=False, css_class="", alt=None):
    """`lead` marks the page's main image: loaded at once, never lazily. On a preview link's
    page (its `photo_grant` set) the addresses are signed, since its photos may not be public.
    `alt` overrides the photo's own alt text, for a use that needs its own ("" for none); a
    decorative photo's own is none."""
    kind, sizes, lead_sizes = ROLES[role]
    return {
        "image": image,
        "picture": image.sources(kind, grant=context.get("photo_grant")) if image else None,
        "sizes": (lead and lead_sizes) or sizes,
        "lead": bool(lead),
        "css_class": css_class,
        "alt": image.readers_alt if alt is None and image else (alt or ""),
    }
