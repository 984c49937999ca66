from django.urls import path, re_path, register_converter
from django.views.decorators.http import require_safe

from newsroom.page_cache import public_page

from . import feeds, preview, views


class UnicodeSlugConverter:
    """Slugs may hold letters of any script (see newsroom.text.make_slug)."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(UnicodeSlugConverter, "uslug")


app_name = "articles"
urlpatterns = [
    path("", views.home, name="home"),
    path("feed/", require_safe(public_page(feeds.SiteFeed())), name="feed"),
    path("feed/atom/", require_safe(public_page(feeds.AtomSiteFeed())), name="atom_feed"),
    path(
        "authors/<uslug:slug>/feed/",
        require_safe(public_page(feeds.AuthorFeed())),
        name="author_feed",
    ),
    path("tags/<uslug:slug>/feed/", require_safe(public_page(feeds.TagFeed())), name="tag_feed"),
    path("<uslug:slug>/feed/", require_safe(public_page(feeds.SectionFeed())), name="section_feed"),
    path("authors/<uslug:slug>/", views.author, name="author"),
    path("tags/<uslug:slug>/", views.tag, name="tag"),
    path("preview/<str:token>/", preview.preview, name="preview"),
    path("search/", views.search, name="search"),
    path("<uslug:slug>/", views.section, name="section"),
    re_path(
        r"^(?P<section>[-\w]+)/(?P<year>\d{4})/(?P<month>\d{2})/(?P<day>\d{2})/(?P<slug>[-\w]+)/$",
        views.article,
        name="article",
    ),
]
