from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Newsroom"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from newsroom import page_cache
        from photos import signing, usage

        from . import caching, preview, search
        from .models import photo_shown_to_readers

        search.connect_receivers()
        caching.connect_receivers()
        page_cache.register_cap(caching.seconds_to_next_scheduled)
        usage.register_public(photo_shown_to_readers)
        signing.register_grant(preview.GRANT, preview.link_holds)
        post_migrate.connect(refresh_statistics, sender=self)


def refresh_statistics(using, **kwargs):
    from newsroom import statistics

    statistics.analyse(using)
