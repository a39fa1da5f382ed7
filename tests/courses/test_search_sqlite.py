"""The catalog search on SQLite (``make run``'s first-run default, no search documents),
in a subprocess with its own database: whole words, title prefixes, titles first."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

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
    env = {key: value for key, value in os.environ.items() if key not in {"REQUIRE_SERVICES"}}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'search.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings.test",
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); exec(" + repr(SCRIPT) + ")"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])

    # "tea": the title first, then the tag; "teacher" and "instead" inside a description
    # are not "tea"
    assert found["tea"] == ["tea-basics", "mindful"]
    assert found["calli"] == ["calligraphy"]  # the start of a title word
    assert found["书法"] == ["calligraphy"]
    assert found["teacher"] == ["llm"]
