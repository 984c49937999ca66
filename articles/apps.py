from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Newsroom"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from newsroom import page_cache
        from photos import usage

        from . import caching, search
        from .models import photo_shown_to_readers

        search.connect_receivers()
        caching.connect_receivers()
        page_cache.register_cap(caching.seconds_to_next_scheduled)
        usage.register_public(photo_shown_to_readers)
