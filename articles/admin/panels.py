"""What other apps add to a story's change page, registered by them: the article admin knows
none of them (planning registers its notes this way, in planning/admin.py).

A panel is a template shown under the change form, with a function giving its context. A
route is a view under the story's admin address (`<id>/...`), wrapped by the admin site as
ArticleAdmin's own views are; it decides for itself what this user may do.
"""

from collections.abc import Callable
from typing import NamedTuple

# (article, user, events) -> the panel's context; `events` are the workflow events the page
# lists in its history (newest first). A panel may give the page its `history` rows.
PanelContext = Callable[..., dict]


class Panel(NamedTuple):
    template: str
    context: PanelContext


class Route(NamedTuple):
    route: str  # under admin/articles/article/
    view: Callable
    name: str  # reversed as "admin:<name>"


_panels: list[Panel] = []
_routes: list[Route] = []


def register_panel(template: str, context: PanelContext) -> None:
    panel = Panel(template, context)
    if panel not in _panels:
        _panels.append(panel)


def register_urls(*routes: Route) -> None:
    for route in routes:
        if route not in _routes:
            _routes.append(route)


def panel_context(article, user, events) -> dict:
    """Every panel's context, and the templates to show (`change_form_panels`)."""
    context = {}
    for panel in _panels:
        context.update(panel.context(article, user, events))
    return {**context, "change_form_panels": [panel.template for panel in _panels]}


def routes() -> list[Route]:
    return list(_routes)
