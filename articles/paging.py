"""Pages of a long list that cost the same on a young site and on a twenty-year archive.

Django's Paginator counts every row to number the last page; over a section's whole archive
that count grows with it, on every page drawn. These pages never count: a page reads its own
rows and one more, which says whether an older page follows. So a listing says "Page 3", not
"Page 3 of 4,120", and a page past the end is a 404 rather than a copy of the last one.
"""

from django.http import Http404

# Far past any archive's end, and short of the integers a database's OFFSET can take.
LAST_PAGE_ASKED = 1_000_000


class Page:
    """The slice of a list one page shows, with what the pagination links need."""

    def __init__(self, rows: list, number: int, per_page: int):
        self.object_list = rows[:per_page]
        self.number = number
        self._more = len(rows) > per_page

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_next(self) -> bool:
        return self._more

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def rows(queryset, start: int, stop: int, *, shown=None) -> list:
    """Rows `start` to `stop` of an ordered queryset, picked by id before anything is joined.

    Alone on its table, the database walks the index that matches the order and stops at
    `stop`; with sections and photos joined (select_related), SQLite may start from the
    sections instead and sort a whole archive to keep a handful. The picked rows are read
    from `shown` when given (what to join and prefetch, and the same order in the rows' own
    columns), so that reading them repeats none of the picking's joins.
    """
    picked = queryset.values("pk")[start:stop]
    return list((queryset if shown is None else shown).filter(pk__in=picked))


def page_number(value) -> int:
    """The page a `?page=` asks for; anything but a positive whole number means the first."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return max(number, 1)


def get_page(queryset, number, per_page: int, *, shown=None) -> Page:
    """Page `number` (from `?page=`) of an ordered queryset, in one query (`shown` as for
    rows()). A page past the end answers 404; the first page of an empty list is empty."""
    number = page_number(number)
    if number > LAST_PAGE_ASKED:
        raise Http404("No such page.")
    start = (number - 1) * per_page
    found = rows(queryset, start, start + per_page + 1, shown=shown)
    if not found and number > 1:
        raise Http404("No such page.")
    return Page(found, number, per_page)
