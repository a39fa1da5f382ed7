"""Drop the trigram index on ``courses_course.search_text`` (migration 0002), on PostgreSQL.

Nothing reads through it any more: the storefront searches the search documents (0004,
0011), and the staff searches (the admin's, the translation index's) filter with
``icontains``, which Django writes as ``UPPER(search_text) LIKE UPPER(...)``, an expression
the index does not cover. Yet every sale paid for it: the sale's counter update changes
``enrollment_count``, which is indexed, so PostgreSQL writes a new entry in every index of
the row, and this one means taking the trigrams of every language's title, subtitle and
description again. Measured with pgbench, one counter update after another on one course
(commit included): a demo course (1,199 characters of search text) took 0.735 ms with the
index and 0.28-0.31 ms without; 5 seconds of them grew the table's indexes by 9.1 MB with
it (6,799 updates) and by 0.6 MB without (15,907). With 3,600 characters: 1.13-1.18 ms
against 0.26-0.29. The course row is locked meanwhile, so every other sale of the course
waits for it.

``CONCURRENTLY``, outside a transaction: a live catalog keeps being read while it goes."""

from django.db import migrations


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS courses_course_search_trgm")


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS courses_course_search_trgm "
        "ON courses_course USING gin (search_text gin_trgm_ops)"
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("courses", "0012_search_range_words"),
    ]

    operations = [
        migrations.RunPython(drop_index, create_index),
    ]
