"""The newsroom's admin for stories, by concern.

site.py          the admin site as the newsroom's own; sections, authors, desks
article.py       ArticleAdmin: its configuration, and get_urls() wiring the views below
filters.py       the article list's filters
forms.py         the story's form, its inlines, a transition's form
merge.py         a posted form as content, and the stale-save merge (merge_stale)
transitions.py   workflow buttons and bulk actions
versions.py      revisions: compare, restore
editing.py       tag suggestions, autosave, who has it open, the live preview
preview_links.py revoking a preview link
panels.py        what other apps add to the change page (planning's notes)
"""

from .article import ArticleAdmin
from .site import view_on_site

__all__ = ["ArticleAdmin", "view_on_site"]
