"""The editorial state machine (interim: publish and schedule only)."""

from django.utils import timezone

from .models import Article


class TransitionError(Exception):
    pass


def publish(article, *, by, comment=""):
    if article.state not in {Article.State.DRAFT, Article.State.REVIEW}:
        raise TransitionError(f"A {article.get_state_display().lower()} story cannot be published.")
    article.state = Article.State.PUBLISHED
    article.published_at = article.published_at or timezone.now()
    article.save(update_fields=["state", "published_at"])


def schedule(article, *, by, at):
    if article.state not in {Article.State.DRAFT, Article.State.REVIEW}:
        raise TransitionError(f"A {article.get_state_display().lower()} story cannot be scheduled.")
    article.state, article.published_at = Article.State.SCHEDULED, at
    article.save(update_fields=["state", "published_at"])
