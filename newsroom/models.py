"""What the site's machinery keeps in the database (its rules are in newsroom/page_cache.py)."""

from django.db import models


class PendingPurge(models.Model):
    """Keys whose pages the cache could not be told to forget: kept until a later request or
    command tells it (newsroom/page_cache.py `replay_purges`)."""

    keys = models.TextField(help_text="Surrogate keys, space-separated.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.keys
