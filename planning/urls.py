from django.contrib import admin
from django.urls import path

from . import views

app_name = "planning"

# Admin pages, under /admin/planning/ (newsroom/urls.py includes these before the admin's own).
urlpatterns = [
    path("board/", admin.site.admin_view(views.board), name="board"),
]
