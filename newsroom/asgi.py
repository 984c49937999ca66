import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
# Refuse to serve without a secret: reading an empty SECRET_KEY raises ImproperlyConfigured.
settings.SECRET_KEY  # noqa: B018
application = get_asgi_application()
