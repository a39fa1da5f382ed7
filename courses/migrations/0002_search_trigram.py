"""A trigram index on the catalog's search column, on PostgreSQL only.

Chinese and Japanese have no spaces between words, so the catalog search is a substring
match over every language; pg_trgm's GIN index lets PostgreSQL answer ``ILIKE '%q%'``
without scanning the table. SQLite, the embedded default, scans (the catalog is small).
"""

from django.db import migrations


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS courses_course_search_trgm "
        "ON courses_course USING gin (search_text gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS courses_course_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]

    operations = [migrations.RunPython(create_trigram_index, drop_trigram_index)]
