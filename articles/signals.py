"""What the articles app tells other apps, for concerns it knows nothing about (the planning
desk's notes and notifications)."""

from django.dispatch import Signal

# Sent by workflow._move() inside the transition's transaction, once the state is written:
# article, action (the transition's name, or "scheduled time reached", "load"), source,
# target, actor (None for the system) and comment. Receivers that reach outside the
# database (email) wait for the commit.
story_moved = Signal()
# The same for many stories at once, sent by workflow.publish_many() (a batch import publishing):
# articles, action, sources ({article pk: source}), target, actor and comment. A receiver of
# story_moved hears this too, so that it can ask once for the whole batch what it needs.
stories_moved = Signal()
