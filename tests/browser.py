"""What the browser tests share: where Chromium is, how they are marked, how staff log in.

The `browser` fixture itself lives in conftest.py, so every browser test module gets it.
"""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "a-long-test-password"

# A browser test module's `pytestmark`.
BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
    ),
    # Data from migrations (the roles) must survive this test's database flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def log_in(browser, live_server, username):
    """A page in a new browser context (its own cookies), logged in to the admin."""
    page = browser.new_context().new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    return page
