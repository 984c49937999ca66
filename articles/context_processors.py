from django.conf import settings
from django.utils.functional import SimpleLazyObject

from newsroom import page_cache

from .models import Section


def site(request):
    """Site name and the section navigation, on every page (read once, when a page shows it)."""
    return {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "site_language": settings.SITE_LANGUAGE,
        "nav_sections": SimpleLazyObject(lambda: navigation(request)),
    }


def navigation(request) -> list[Section]:
    """The sections with a published story, in their order: the same on every public page, so
    remembered between purges (page_cache.remembered)."""
    return page_cache.remembered(request, "nav_sections", lambda: list(Section.objects.in_use()))
