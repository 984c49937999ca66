from django.contrib import admin
from django.urls import include, path

from articles import media, views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("media/<path:path>", media.serve, name="media"),
    path("", include("articles.urls")),
]

handler404 = "articles.views.not_found"
handler500 = "articles.views.server_error"
