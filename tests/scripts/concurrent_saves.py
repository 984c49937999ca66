"""Many editors saving one story at the same moment, on the SQLite file in DATABASE_URL.

Run by tests/test_sqlite_concurrency.py in a process of its own (the test suite's database
is in memory, where locking never happens). Prints one line of JSON: the status of each save.
"""

import json
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ["ALLOWED_HOSTS"] = "testserver"  # what the test client sends

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from tests.factories import article_form_data, make_article, make_staff  # noqa: E402

SAVES = int(sys.argv[1]) if len(sys.argv) > 1 else 20

call_command("migrate", verbosity=0)
editors = [make_staff("Editor", f"editor{n}") for n in range(SAVES)]
article = make_article(published=False, body="<p>First words.</p>")
loaded = article_form_data(article)
url = f"/admin/articles/article/{article.pk}/change/"
start = threading.Barrier(SAVES)
statuses = []


def save(editor, n):
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    start.wait()
    response = client.post(url, {**loaded, "body": f"<p>Words of editor {n}.</p>"})
    statuses.append(response.status_code)
    connection.close()


threads = [threading.Thread(target=save, args=(e, n)) for n, e in enumerate(editors)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(
    json.dumps(
        {
            "statuses": sorted(statuses),
            "mode": connection.cursor().execute("PRAGMA journal_mode").fetchone()[0],
        }
    )
)
