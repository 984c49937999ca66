"""Create or repair the Writer and Editor groups (a migration creates them; this mends them)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.roles import setup_roles


class Command(BaseCommand):
    help = "Create or repair the Writer and Editor groups and their permissions."

    def handle(self, *args, **options):
        with transaction.atomic():
            counts = setup_roles()
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count} permissions")
