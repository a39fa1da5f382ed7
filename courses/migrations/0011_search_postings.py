"""The search's posting table (``courses.search_postings``): one row per word of a
published course's document, its rank index, the function that answers one-word queries
from it and, on PostgreSQL, the rows of every existing document. SQLite keeps the table
empty and searches ``Course.search_text``."""

import django.db.models.deletion
from django.db import migrations, models

from courses import search_postings


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # A cursor without parameters: the function bodies contain "%".
    with schema_editor.connection.cursor() as cursor:
        for statement in [*search_postings.TABLE, *search_postings.FUNCTIONS]:
            cursor.execute(statement)
        search_postings.postings_sync(schema_editor.connection, None)
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute(search_postings.CREATE_RANK_INDEX)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in search_postings.REVERSE:
            cursor.execute(statement)
        cursor.execute(f"DROP INDEX IF EXISTS {search_postings.RANK_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0010_enrollment_source_membership"),
    ]

    operations = [
        migrations.CreateModel(
            name="CourseSearchPosting",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "course", "term", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("term", models.TextField()),
                ("score", models.FloatField()),
                ("popularity", models.PositiveIntegerField(default=0)),
                (
                    "course",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="courses.course",
                    ),
                ),
            ],
            options={
                "ordering": ["course_id", "term"],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
