"""Django's JSON fixture format, keeping times to the microsecond.

Django's own encoder cuts them to the millisecond, so a backup (articles/backups.py) restored
from its JSON would show different times in pages, feeds and sitemaps than the site it was
made from. Registered for "json" in settings.SERIALIZATION_MODULES; reading is Django's own.
"""

import datetime

from django.core.serializers.json import (
    Deserializer,  # noqa: F401 - the format's reader
    DjangoJSONEncoder,
)
from django.core.serializers.json import Serializer as DjangoJSONSerializer


class Encoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class Serializer(DjangoJSONSerializer):
    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = Encoder
