from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = "Planning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The notes module and the notifications connect their receivers here, each in one
        # function of its own module.
        from . import notes, notifications

        notifications.connect_receivers()
        notes.connect_receivers()  # a send-back's comment kept as a note on the story
