"""Reset a staff member's two-factor authentication when their phone and backup codes are lost."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts import two_factor


class Command(BaseCommand):
    help = (
        "Remove a staff member's authenticator app and backup codes, so they set two-factor "
        "authentication up again at their next sign-in. Check who is asking before you run it."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f"No account is called {username!r}.") from None
        if not two_factor.remove_all(user, event=two_factor.RESET):
            self.stdout.write(f"{username} had no two-factor authentication to reset.")
            return
        then = (
            "must set it up again at their next sign-in"
            if two_factor.required_for(user)
            else "signs in with a password alone until they set it up again"
        )
        told = "they are told by email" if user.email else "they have no email address"
        self.stdout.write(f"Two-factor authentication reset for {username}: they {then}; {told}.")
