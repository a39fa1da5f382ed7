"""``courses_search_top`` reads the words a prefix begins through one SQL function,
``courses_search_range_words``, instead of the same recursive CTE written in both of its
branches (``courses.search_postings``). The answers are the same; backwards leaves the
new definitions, which the schema of 0011 runs as well."""

from django.db import migrations

from courses import search_postings


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # A cursor without parameters: the function bodies contain "%".
    with schema_editor.connection.cursor() as cursor:
        for statement in search_postings.FUNCTIONS:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0011_search_postings"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
