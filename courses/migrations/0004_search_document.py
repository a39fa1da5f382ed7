"""Full-text search documents of the courses (see ``courses.search``): the table, GIN
indexes on ``body`` and ``head`` and, on PostgreSQL, a document for every existing course. SQLite keeps the
table empty and searches ``Course.search_text``."""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models


# The most popular published matches, through the GIN indexes. A function so that it can
# carry ``SET enable_seqscan = off``: the planner prices ``@@`` like a cheap operator and,
# on a table whose rows are small, prefers reading every row, each time decompressing a
# description-sized vector (seconds at 100k courses). A function with a SET clause is
# never inlined, so the setting holds for this query only.
CANDIDATES_FUNCTION = """
CREATE OR REPLACE FUNCTION courses_search_candidates(words tsquery, prefixes tsquery, wanted integer)
RETURNS TABLE (course_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE ROWS 500
SET enable_seqscan = off
AS $$
    SELECT d.course_id FROM courses_coursesearchdocument d
    WHERE d.is_published AND (d.body @@ words OR d.head @@ prefixes)
    ORDER BY d.popularity DESC, d.course_id
    LIMIT wanted
$$
"""


def fill_documents(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX courses_search_body_gin ON courses_coursesearchdocument USING gin (body)"
    )
    schema_editor.execute(
        "CREATE INDEX courses_search_head_gin ON courses_coursesearchdocument USING gin (head)"
    )
    # Both vectors out of line: a row is then ~80 bytes, so reading the flags of 10,000
    # matches touches a few hundred pages instead of thousands.
    schema_editor.execute("ALTER TABLE courses_coursesearchdocument SET (toast_tuple_target = 128)")
    schema_editor.execute(CANDIDATES_FUNCTION)
    # The documents are written by migration 0008 (set-based SQL), which replaced the
    # Python-built vectors of this migration.


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS courses_search_candidates(tsquery, tsquery, integer)")
        schema_editor.execute("DROP INDEX IF EXISTS courses_search_body_gin")
        schema_editor.execute("DROP INDEX IF EXISTS courses_search_head_gin")


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0003_lesson_progress_names"),
    ]

    operations = [
        migrations.CreateModel(
            name="CourseSearchDocument",
            fields=[
                (
                    "course",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="courses.course",
                    ),
                ),
                ("is_published", models.BooleanField(default=False)),
                ("popularity", models.PositiveIntegerField(default=0)),
                ("head", django.contrib.postgres.search.SearchVectorField(null=True)),
                ("body", django.contrib.postgres.search.SearchVectorField(null=True)),
            ],
            options={
                "ordering": ["course_id"],
            },
        ),
        migrations.RunPython(fill_documents, drop_index),
    ]
