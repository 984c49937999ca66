from django.conf import settings

from .models import Section


def site(request):
    """Site name and the section navigation, on every page (the queryset runs once, lazily)."""
    return {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "site_language": settings.SITE_LANGUAGE,
        "nav_sections": Section.objects.in_use(),
    }
