"""Read the site in DATABASE_URL and MEDIA_ROOT as readers and staff would, and say what it holds.

Run by tests/test_backup.py in a process of its own, on an install made with `migrate` and
`restore`: `render_pages.py REQUEST.json RESULT.json`. REQUEST holds the URLs to fetch and the
sign-ins to try; RESULT gets, in this order (a sign-in writes rows, so it comes last):
- "pages": per URL, the status, Location, Content-Type and base64 body the test client gets;
- "holdings": counts of what editors care about, and every row a backup holds (`rows`);
- "sign_ins": the status and Location of each step of each sign-in.

The test process uses `fetch`, `holdings` and `sign_in` from here too, so both sides of its
comparison are made by the same code.
"""

import base64
import io
import json
import os
import sys
from pathlib import Path

LOGIN = "/admin/login/?next=/admin/"
VERIFY = "/admin/2fa/verify/?next=/admin/"


def fetch(client, url: str) -> dict:
    """What a reader's GET of `url` answers, headers that matter and body bytes."""
    response = client.get(url)
    # Reading a streamed body to its end closes the response, as the test client arranges
    # (closing it again would close the test's database connection on PostgreSQL).
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return {
        "status": response.status_code,
        "location": response.get("Location", ""),
        "content_type": response.get("Content-Type", ""),
        "body": base64.b64encode(body).decode("ascii"),
    }


def holdings() -> dict:
    """How many of each thing the install holds, and every row a backup carries."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from articles.backups import MODELS
    from articles.models import (
        Article,
        ArticleAuthor,
        ArticleSlug,
        Author,
        Correction,
        Desk,
        PreviewLink,
        Revision,
        Section,
        Tag,
        TaggedArticle,
        WorkflowEvent,
    )
    from photos.models import Image

    counts = {f"{state} stories": 0 for state in Article.State.values}
    for state in Article.objects.values_list("state", flat=True):
        counts[f"{state} stories"] += 1
    counts.update(
        {
            name: model.objects.count()
            for name, model in {
                "revisions": Revision,
                "workflow events": WorkflowEvent,
                "corrections": Correction,
                "bylines": ArticleAuthor,
                "preview links": PreviewLink,
                "old slugs": ArticleSlug,
                "sections": Section,
                "authors": Author,
                "tags": Tag,
                "tags on stories": TaggedArticle,
                "photos": Image,
                "desks": Desk,
                "accounts": get_user_model(),
                "authenticator apps": TOTPDevice,
                "backup code sets": StaticDevice,
                "backup codes": StaticToken,
                "admin log entries": LogEntry,
            }.items()
        }
    )
    out = io.StringIO()
    call_command("dumpdata", *MODELS, natural_foreign=True, stdout=out, verbosity=0)
    return {"counts": counts, "rows": json.loads(out.getvalue())}


def sign_in(client, username: str, password: str, code: str = "") -> list[list]:
    """Sign in at the admin, give the second-step code if one is asked for, open the admin.

    Returns [status, Location] of each step: the password, the admin's answer, and (when a
    code is given) the code step and the admin's answer after it.
    """
    steps = []

    def step(response):
        steps.append([response.status_code, response.get("Location", "")])

    step(client.post(LOGIN, {"username": username, "password": password}))
    step(client.get("/admin/"))
    if code:
        step(client.post(VERIFY, {"code": code, "next": "/admin/"}))
        step(client.get("/admin/"))
    return steps


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

    import django

    django.setup()

    from django.test import Client
    from django.test.utils import setup_test_environment

    # As pytest-django does for the test process: "testserver" becomes an allowed host, and
    # nothing else that shapes a page differs between the two sides.
    setup_test_environment()
    request = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    reader = Client(raise_request_exception=False)
    result = {"pages": {url: fetch(reader, url) for url in request["urls"]}}
    result["holdings"] = holdings()
    result["sign_ins"] = [
        sign_in(Client(raise_request_exception=False), **attempt) for attempt in request["sign_ins"]
    ]
    Path(sys.argv[2]).write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
