"""A password validator for what Django's own miss here: the site's own name.

"newsroom" passed every stock validator; it is the first word an attacker tries on a
newsroom's sign-in page, with the masthead a close second.
"""

from difflib import SequenceMatcher

from django.conf import settings
from django.core.exceptions import ValidationError


class SiteNameValidator:
    def __init__(self, max_similarity: float = 0.7):
        self.max_similarity = max_similarity

    def validate(self, password: str, user=None) -> None:
        letters = "".join(ch for ch in password.lower() if ch.isalpha())
        for word in self._site_words():
            if word in letters or SequenceMatcher(a=letters, b=word).ratio() >= self.max_similarity:
                raise ValidationError(
                    "The password is too close to the site's own name.", code="site_name"
                )

    def get_help_text(self) -> str:
        return "Your password can't be, or contain, the site's own name."

    @staticmethod
    def _site_words() -> set[str]:
        name = "".join(ch for ch in settings.SITE_NAME.lower() if ch.isalpha() or ch == " ")
        words = {name.replace(" ", ""), *name.split(), "newsroom"}
        return {word for word in words if len(word) >= 4 and word != "the"}
