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
}


@register.inclusion_tag("photos/picture.html", takes_context=True)
def picture(context, image, role: str, *, lead=False, css_class=""):
    """`lead` marks the page's main image: loaded at once, never lazily. On a preview (the
    page's `preview` is true) the addresses are signed, since its photos may not be public."""
    kind, sizes, lead_sizes = ROLES[role]
    return {
        "image": image,
        "picture": image.sources(kind, signed=bool(context.get("preview"))) if image else None,
        "sizes": (lead and lead_sizes) or sizes,
        "lead": bool(lead),
        "css_class": css_class,
    }
