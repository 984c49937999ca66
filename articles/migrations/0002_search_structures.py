from django.db import migrations


def create_search_structures(apps, schema_editor):
    """Each database gets its own index: a GIN index on PostgreSQL, an FTS5 table on SQLite."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX articles_articlesearch_vector_gin "
            "ON articles_articlesearch USING gin (vector)"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE articles_article_fts USING fts5("
            "headline, tags, authors, standfirst, body, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        # bm25 weights, in column order: headline, tags, authors, standfirst, body.
        schema_editor.execute(
            "INSERT INTO articles_article_fts (articles_article_fts, rank) "
            "VALUES ('rank', 'bm25(10.0, 6.0, 4.0, 4.0, 1.0)')"
        )


def drop_search_structures(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS articles_articlesearch_vector_gin")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS articles_article_fts")


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [
        migrations.RunPython(create_search_structures, drop_search_structures, elidable=False),
    ]
