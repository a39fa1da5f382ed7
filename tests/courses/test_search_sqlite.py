"""The catalog search on SQLite (``make run``'s first-run default, no search documents),
in a subprocess with its own database: whole words, title prefixes, titles first."""

from tests.sqlite_run import run_on_sqlite

SCRIPT = """
import json
from django.core.management import call_command
call_command("migrate", verbosity=0)
from courses.models import Course, Tag
from courses.selectors import course_list
from tests.factories import CourseFactory, TagFactory
from courses.services import course_reindex
llm = CourseFactory(slug="llm", title_en="Large Language Models", enrollment_count=900,
                    description_en="A patient teacher shows how, instead of rules, models learn.")
tagged = CourseFactory(slug="mindful", title_en="Mindful afternoons", enrollment_count=50)
tagged.tags.add(TagFactory(slug="tea", name_en="Tea"))
course_reindex(courses=Course.objects.filter(pk=tagged.pk))
CourseFactory(slug="tea-basics", title_en="Tea basics", enrollment_count=1)
CourseFactory(slug="calligraphy", title_en="Calligraphy", title_zh_hans="中国书法", enrollment_count=5)
queries = ["tea", "calli", "书法", "teacher"]
result = {q: [c.slug for c in course_list(currency="CNY", query=q)] for q in queries}
print(json.dumps(result))
"""


def test_search_on_sqlite_finds_whole_words_and_ranks_titles_first(tmp_path):
    found = run_on_sqlite(SCRIPT, tmp_path / "search.sqlite3")

    # "tea": the title first, then the tag; "teacher" and "instead" inside a description
    # are not "tea"
    assert found["tea"] == ["tea-basics", "mindful"]
    assert found["calli"] == ["calligraphy"]  # the start of a title word
    assert found["书法"] == ["calligraphy"]
    assert found["teacher"] == ["llm"]
