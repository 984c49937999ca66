"""The Content-Security-Policy, with the one exception the admin needs.

The rich-text editor loads its modules through an import map, an inline `<script>` the
policy would block. The admin's pages allow exactly that import map, by its hash; public
pages allow no inline script at all.
"""

import base64
import hashlib
import re
from functools import cache

from csp.middleware import CSPMiddleware


@cache
def editor_importmap_hash() -> str:
    from django_prose_editor.widgets import importmap

    content = re.fullmatch(r"<script[^>]*>(.*)</script>", str(importmap), re.DOTALL).group(1)
    digest = hashlib.sha256(content.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


class Middleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith("/admin/"):
            parts.update = {**(parts.update or {}), "script-src": [editor_importmap_hash()]}
        return parts
