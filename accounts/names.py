"""How staff are named on every screen, message and email: one fallback order."""


def display_name(user, nobody: str = "System") -> str:
    """The full name if the account has one, else the username; `nobody` for no user."""
    if user is None:
        return nobody
    return user.get_full_name() or user.get_username()
