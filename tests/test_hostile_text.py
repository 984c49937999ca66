"""Hostile text from /work/shared/corpus: slugs stay visible and non-empty, pages stay escaped."""

import subprocess
import sys
import unicodedata
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import RequestFactory

from articles.models import Author, Section, Tag
from articles.views import server_error
from newsroom import text
from newsroom.text import make_slug
from tests.corpus import entries, needs_corpus
from tests.factories import make_article, make_author, make_section

pytestmark = pytest.mark.django_db


def is_visible_slug(slug: str) -> bool:
    return (
        bool(slug)
        and all(unicodedata.category(ch)[0] in "LN" or ch in "-_" for ch in slug)
        and "\u3164" not in slug
    )


@needs_corpus
@pytest.mark.parametrize("text", entries("unicode_strings.txt"))
def test_every_name_gets_a_visible_non_empty_slug(text):
    assert is_visible_slug(make_slug(text))
    section = Section.objects.create(name=f"S {text}")
    author = make_author(name=f"A {text}")
    article = make_article(
        headline=f"H {text}", section=section, authors=[author], tags=[text, "x"]
    )
    for slug in [section.slug, author.slug, article.slug, *article.tags.slugs()]:
        assert is_visible_slug(slug), repr(slug)


def test_tags_differing_in_case_or_normal_form_are_one_tag():
    make_article(tags=["Politics", "politics", "POLITICS"])
    make_article(tags=["Café", "Cafe\u0301", "CAFÉ"])
    assert Tag.objects.count() == 2
    assert Tag.objects.get(slug="café").name == "Café"


@needs_corpus
@pytest.mark.parametrize("vector", entries("xss_vectors.txt"))
def test_hostile_text_in_every_field_is_escaped_on_every_page(client, vector):
    section = make_section(name=f"Section {vector}"[:100], description=vector)
    author = make_author(name=f"Author {vector}"[:150], bio=vector, job_title=vector[:150])
    story = make_article(
        headline=vector, standfirst=vector, section=section, authors=[author], tags=[vector]
    )
    tag = story.tags.get()
    for url in ["/", section.get_absolute_url(), author.get_absolute_url(),
                tag.get_absolute_url(), story.get_absolute_url()]:  # fmt: skip
        html = client.get(url).content.decode()
        if "<" in vector:
            assert vector not in html, url
        assert not active_markup(html), url


class _ActiveMarkup(HTMLParser):
    """Collects what a browser would run: scripts, event handlers, script URLs."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        structured_data = tag == "script" and ("type", "application/ld+json") in attrs
        # Our own script files (the CSP allows no other script): their address is ours.
        own_file = tag == "script" and (dict(attrs).get("src") or "").startswith(
            settings.STATIC_URL
        )
        if (
            tag in {"script", "iframe", "object", "embed", "svg", "math", "base"}
            and not structured_data
            and not own_file
        ):
            self.found.append(tag)
        for name, value in attrs:
            url = name in {"href", "src", "action", "formaction", "data", "xlink:href"}
            if name.startswith("on") or (url and "script:" in (value or "").lower()):
                self.found.append(f"{tag} {name}={value}")


def active_markup(html: str) -> list[str]:
    parser = _ActiveMarkup()
    parser.feed(html)
    return parser.found


def test_a_server_error_gets_a_styled_page_without_touching_the_database(
    django_assert_num_queries,
):
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_the_web_server_refuses_to_start_without_a_secret_key():
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "newsroom.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import newsroom.wsgi"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_authors_and_sections_never_share_an_empty_slug():
    first, second = Author.objects.create(name="!!!"), Author.objects.create(name="???")
    assert first.slug and second.slug and first.slug != second.slug


def test_an_oversized_standfirst_is_refused_in_the_admin_and_on_import(client, tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command
    from django.urls import reverse

    from tests.factories import article_form_data, make_staff

    client.force_login(make_staff("Editor"))
    article = make_article(published=False, standfirst="Short.")
    huge = "word " * 500_000  # 2.5 MB

    response = client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        article_form_data(article, standfirst=huge),
    )
    story = tmp_path / "long.md"
    long = "word " * 50_000  # 250 KB: within an import file's size, far past a standfirst's
    story.write_text(f"---\nheadline: Long\nstandfirst: {long}\n---\nBody.\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_articles", str(story), "--section", "n", stdout=StringIO(),
                     stderr=(err := StringIO()))  # fmt: skip

    assert response.status_code == 200 and "at most 1000 characters" in response.content.decode()
    article.refresh_from_db()
    assert article.standfirst == "Short."
    assert "standfirst is longer than 1,000 characters" in err.getvalue()


def test_a_story_takes_a_bounded_number_of_tags_in_the_admin_and_on_import(client, tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command
    from django.urls import reverse

    from tests.factories import article_form_data, make_staff

    client.force_login(make_staff("Editor"))
    article = make_article(published=False, tags=["Kept"])
    many = ", ".join(f"Topic {n}" for n in range(26))
    response = client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        article_form_data(article, tags=many),
    )
    story = tmp_path / "tags.md"
    story.write_text(f"---\nheadline: Tags\ntags: [{many}]\n---\nBody.\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_articles", str(story), "--section", "n", stdout=StringIO(),
                     stderr=(err := StringIO()))  # fmt: skip

    assert "at most 25 tags" in response.content.decode()
    assert list(article.tags.names()) == ["Kept"]
    assert "more than 25 tags (26)" in err.getvalue()


def test_stripping_invisible_characters_looks_past_ascii_as_it_looks_at_each_character():
    """strip_invisible() skips plain ASCII in one pattern: it keeps exactly the characters the
    one-by-one rule keeps, across the Basic Multilingual Plane and beyond."""
    every = "".join(map(chr, [*range(0x10000), 0x1F600, 0xE0001, 0xE0061, 0x10FFFF]))

    assert text.strip_invisible(every) == "".join(c for c in every if text._is_visible(c))
    assert text.strip_invisible("a\rb\x00c\td\ne\u200bf\u00e9") == "abc\td\nef\u00e9"
