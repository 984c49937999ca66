"""The planning desk's own records: staff notes on a story and notifications to staff.

Neither is ever shown outside the admin: no public page, feed, sitemap, search index or
export reads these tables.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from articles.models import Article


class Note(models.Model):
    """A staff note on a story, in a thread (a reply points at the note it answers)."""

    EDITABLE_FOR = timedelta(minutes=10)  # its author may correct it this long after writing
    MAX_CHARS = 4_000

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    text = models.TextField(max_length=MAX_CHARS)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Note on {self.article_id} by {self.author_id}"


class Kind(models.TextChoices):
    """What a notification is about; each person may turn email off for each kind."""

    ASSIGNED = "assigned", "A story is assigned to me"
    SENT_BACK = "sent_back", "A story of mine is sent back"
    PUBLISHED = "published", "A story of mine is published"
    SCHEDULED = "scheduled", "A story of mine is scheduled"
    WITHDRAWN = "withdrawn", "A story of mine is withdrawn"
    SUBMITTED = "submitted", "A story on my desk is submitted for review"
    MENTIONED = "mentioned", "I am mentioned in a note"
    DEADLINE = "deadline", "A deadline of mine passes"


class Notification(models.Model):
    class Email(models.TextChoices):
        OFF = "off", "Not sent (turned off)"
        PENDING = "pending", "To be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed; will be retried"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    text = models.CharField(max_length=1_000, blank=True)  # the reason, the note...
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.CharField(max_length=10, choices=Email.choices, default=Email.PENDING)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_claimed_at = models.DateTimeField(null=True, blank=True)  # the last attempt began

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "created_at"], name="notification_inbox"),
            models.Index(fields=["email", "created_at"], name="notification_email_queue"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.recipient_id})"


class EmailOptOut(models.Model):
    """A kind of notification this person does not want by email (the admin still shows it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_opt_outs"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_opt_out_a_kind")]

    def __str__(self):
        return f"{self.user_id}: no email for {self.kind}"
