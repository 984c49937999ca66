"""Who may read a story: `Article.objects.published()` and `article.is_published()` say the
same for every state and every publish time, to the microsecond."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from articles.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db

State = Article.State
NOWS = {
    "on-a-whole-second": datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC),
    "mid-second": datetime(2026, 3, 1, 12, 0, 0, 500_000, tzinfo=UTC),
}
TICK = timedelta(microseconds=1)
WHEN = {
    "no-time": None,
    "just-before-now": -TICK,
    "exactly-now": timedelta(0),
    "just-after-now": TICK,
}
# The only ones readers see: published or scheduled, with a time that is not in the future.
PUBLIC = {
    (State.PUBLISHED, "just-before-now"), (State.PUBLISHED, "exactly-now"),
    (State.SCHEDULED, "just-before-now"), (State.SCHEDULED, "exactly-now"),
}  # fmt: skip
NEEDS_A_TIME = {State.SCHEDULED, State.PUBLISHED, State.WITHDRAWN}
CASES = [
    (state, when)
    for state in State.values
    for when in WHEN
    if not (when == "no-time" and state in NEEDS_A_TIME)
]


@pytest.fixture(params=NOWS.values(), ids=NOWS.keys())
def now(request, monkeypatch) -> datetime:
    """Freeze the clock both sides read, so "exactly now" is exact."""
    monkeypatch.setattr("articles.models.timezone.now", lambda: request.param)
    return request.param


def story(state: str, when: str, now: datetime, **kwargs) -> Article:
    offset = WHEN[when]
    published_at = None if offset is None else now + offset
    return make_article(published=False, state=state, published_at=published_at, **kwargs)


@pytest.mark.parametrize(("state", "when"), CASES, ids=[f"{s}-{w}" for s, w in CASES])
def test_published_queryset_and_is_published_agree(now, state, when):
    article = story(state, when, now)
    public = (state, when) in PUBLIC

    assert Article.objects.published().filter(pk=article.pk).exists() is public
    assert article.is_published() is public
    assert Article.objects.get(pk=article.pk).is_published() is public  # after the round trip


def test_published_lists_exactly_the_stories_is_published_accepts(now):
    stories = [story(state, when, now, headline=f"{state} {when}") for state, when in CASES]

    listed = set(Article.objects.published().values_list("headline", flat=True))

    assert listed == {a.headline for a in stories if a.is_published()}
    assert listed == {f"{state} {when}" for state, when in PUBLIC}


@pytest.mark.parametrize("state", sorted(NEEDS_A_TIME))
def test_a_scheduled_published_or_withdrawn_story_cannot_be_stored_without_a_time(state):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_article(published=False, state=state, published_at=None)
