from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Newsroom"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from photos import usage

        from . import search
        from .models import photo_shown_to_readers

        search.connect_receivers()
        usage.register_public(photo_shown_to_readers)
