from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.views.decorators.http import require_safe

from articles import admin as article_admin
from articles import sitemaps, views
from newsroom.page_cache import public_page
from photos import media

urlpatterns = [
    # Before the admin's own, which sends any staff member to any object's address.
    path(
        "admin/r/<path:content_type_id>/<path:object_id>/",
        admin.site.admin_view(article_admin.view_on_site),
        name="view_on_site",
    ),
    path("admin/2fa/", include("accounts.urls")),
    path("admin/planning/", include("planning.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("media/<path:path>", media.serve, name="media"),
    path("robots.txt", public_page(sitemaps.robots_txt), name="robots_txt"),
    path("sitemap.xml", sitemaps.public(sitemaps.sitemap_index), name="sitemap"),
    path(
        "sitemap-<section>.xml",
        sitemaps.public(require_safe(sitemap_views.sitemap)),
        {"sitemaps": sitemaps.SITEMAPS},
        name="sitemap_section",
    ),
    path("news-sitemap.xml", sitemaps.public(sitemaps.news_sitemap), name="news_sitemap"),
    path("", include("articles.urls")),
]

handler404 = "articles.views.not_found"
handler500 = "articles.views.server_error"
