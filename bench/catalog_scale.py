"""Catalog search at 100,000 published courses in four languages (PostgreSQL only).

Builds the catalog in the database of DATABASE_URL (``--reset`` is required: it empties
the catalog tables, so use a dedicated database such as ``zq_search_bench``; it is migrated
first), with ``generate_series`` in SQL: 40 topics in 10 top categories with subcategories,
titles from templates in en / zh-hans / ja / es, descriptions of filler sentences (which
contain "teacher", "instead", "steam" and, in one Chinese sentence out of twenty, 茶),
two tags per course, prices in four currencies. Then it builds every course's search
document with the project's own code (``course_reindex_all``), analyzes, and for each query
term:

- the number of matches, and ``EXPLAIN (ANALYZE, BUFFERS)`` of the page query and of the
  ranking statement the API runs, with the plans of the statements run inside the search
  function (auto_explain);
- p50 / p95 of the search itself (count + first page of 20 through the selector and the
  API's paginator, no HTTP), ``--samples`` serial runs;
- requests/s and latency percentiles of ``GET /api/v1/courses/?q=<term>`` at
  ``--connections`` connections with wrk, against gunicorn (``-w 4 --threads 4``,
  production settings, ``CONN_MAX_AGE=60``) started on ``--port``: the same URL (the
  whole answer cached), a URL per request (ranked ids and course cards cached) and a URL
  per request while the catalog's cache namespace is bumped every 2 ms (nothing cached:
  first hits).

Run:
  createdb -h 127.0.0.1 -U postgres zq_search_bench
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/zq_search_bench .venv/bin/python \\
      bench/catalog_scale.py --reset [--courses 100000] [--port 8250] [--duration 8]
``--keep`` reuses a catalog built by an earlier run (no ``--reset`` needed)."""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from unittest.mock import patch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.test import APIRequestFactory  # noqa: E402

from core.caching import namespace_bump  # noqa: E402
from courses import search, search_postings  # noqa: E402
from courses.api.catalog import CourseListView  # noqa: E402
from courses.catalog_cache import CATALOG  # noqa: E402
from courses.models import Course  # noqa: E402
from courses.selectors import course_list  # noqa: E402
from courses.services import course_reindex_all  # noqa: E402

TERMS = [
    ("Latin word", "tea"),
    ("two-character Chinese word", "理财"),
    ("one-character CJK term", "茶"),
]
# (slug, en, zh-hans, ja, es); every 4 topics share a top category.
TOPICS = [
    ("tea", "Tea", "茶艺", "お茶", "té"),
    ("calligraphy", "Calligraphy", "书法", "書道", "caligrafía"),
    ("ink-painting", "Ink painting", "水墨画", "水墨画", "pintura con tinta"),
    ("guqin", "Guqin music", "古琴", "古琴", "música de guqin"),
    ("investing", "Investing", "投资", "投資", "inversión"),
    ("budgeting", "Budgeting", "预算管理", "家計管理", "presupuesto"),
    ("insurance", "Insurance", "保险规划", "保険", "seguros"),
    ("retirement", "Retirement planning", "养老规划", "老後資金", "jubilación"),
    ("python", "Python", "Python编程", "Python", "Python"),
    ("llm", "Large Language Models", "大语言模型", "大規模言語モデル", "modelos de lenguaje"),
    ("data-analysis", "Data analysis", "数据分析", "データ分析", "análisis de datos"),
    ("web", "Web development", "网页开发", "ウェブ開発", "desarrollo web"),
    ("photography", "Photography", "摄影", "写真", "fotografía"),
    ("video-editing", "Video editing", "视频剪辑", "動画編集", "edición de vídeo"),
    ("drawing", "Drawing", "素描", "デッサン", "dibujo"),
    ("design", "Graphic design", "平面设计", "グラフィックデザイン", "diseño gráfico"),
    ("cooking", "Home cooking", "家常菜", "家庭料理", "cocina casera"),
    ("baking", "Baking", "烘焙", "お菓子作り", "repostería"),
    ("coffee", "Coffee", "咖啡", "コーヒー", "café"),
    ("wine", "Wine tasting", "品酒", "ワイン", "cata de vinos"),
    ("yoga", "Yoga", "瑜伽", "ヨガ", "yoga"),
    ("running", "Running", "跑步", "ランニング", "correr"),
    ("nutrition", "Nutrition", "营养学", "栄養学", "nutrición"),
    ("sleep", "Better sleep", "睡眠", "睡眠", "dormir mejor"),
    ("english", "English speaking", "英语口语", "英会話", "inglés hablado"),
    ("japanese", "Japanese", "日语", "日本語", "japonés"),
    ("spanish", "Spanish", "西班牙语", "スペイン語", "español"),
    ("mandarin", "Mandarin", "普通话", "中国語", "mandarín"),
    ("leadership", "Leadership", "领导力", "リーダーシップ", "liderazgo"),
    ("marketing", "Marketing", "营销", "マーケティング", "marketing"),
    ("negotiation", "Negotiation", "谈判", "交渉術", "negociación"),
    ("public-speaking", "Public speaking", "演讲", "スピーチ", "hablar en público"),
    ("interior", "Interior design", "室内设计", "インテリア", "interiorismo"),
    ("gardening", "Gardening", "园艺", "ガーデニング", "jardinería"),
    ("travel", "Travel writing", "旅行写作", "旅行記", "escritura de viajes"),
    ("museum", "Museum history", "博物馆史", "博物館史", "historia de museos"),
    ("parenting", "Parenting", "育儿", "子育て", "crianza"),
    ("psychology", "Psychology", "心理学", "心理学", "psicología"),
    ("philosophy", "Philosophy", "哲学", "哲学", "filosofía"),
    ("history", "Chinese history", "中国历史", "中国史", "historia de China"),
]
# (slug, en, zh-hans, ja, es)
TOP_CATEGORIES = [
    ("culture", "Culture", "传统文化", "伝統文化", "Cultura"),
    ("finance", "Personal finance", "理财", "資産運用", "Finanzas personales"),
    ("tech", "Technology", "科技", "テクノロジー", "Tecnología"),
    ("creative", "Creative arts", "创意", "クリエイティブ", "Artes creativas"),
    ("food", "Food and drink", "美食", "食と飲み物", "Comida y bebida"),
    ("health", "Health", "健康", "健康", "Salud"),
    ("languages", "Languages", "语言", "語学", "Idiomas"),
    ("career", "Career", "职场", "キャリア", "Carrera"),
    ("home", "Home and travel", "家居与旅行", "暮らしと旅", "Hogar y viajes"),
    ("humanities", "Humanities", "人文", "人文", "Humanidades"),
]
TITLE_TEMPLATES = {
    "en": [
        "Introduction to {}",
        "{} for beginners",
        "Mastering {}",
        "{} in 30 days",
        "Practical {}",
        "{} masterclass",
    ],
    "zh_hans": ["{}入门", "零基础学{}", "{}实战", "{}精讲", "{}进阶课", "一周学会{}"],
    "ja": ["はじめての{}", "{}入門", "実践{}", "{}講座", "{}マスター", "30日で学ぶ{}"],
    "es": [
        "Introducción a {}",
        "{} para principiantes",
        "Domina {}",
        "{} en 30 días",
        "{} práctico",
        "Curso de {}",
    ],
}
FILLERS = {
    "en": [
        "An experienced teacher guides you step by step.",
        "Instead of theory alone, every lesson ends with an exercise.",
        "Build steam with short daily practice and real projects.",
        "Learn at your own pace with lifetime access.",
        "Join a community of learners from many countries.",
    ],
    "zh_hans": [
        "资深老师带你一步一步学习。",
        "每节课都有练习，学以致用。",
        "每天十分钟，轻松掌握核心方法。",
        "课程永久回看，随时随地学习。",
        "和来自各地的学员一起交流。",
    ],
    "ja": [
        "経験豊富な講師がステップごとに解説します。",
        "毎回のレッスンに練習問題があります。",
        "一日十分で基本が身につきます。",
        "いつでもどこでも繰り返し学べます。",
        "世界中の受講者と交流できます。",
    ],
    "es": [
        "Un profesor con experiencia te guía paso a paso.",
        "Cada lección termina con un ejercicio práctico.",
        "Diez minutos al día bastan para avanzar.",
        "Acceso de por vida, a tu ritmo.",
        "Únete a estudiantes de muchos países.",
    ],
}
CATALOG_TABLES = [
    "courses_coursesearchposting",
    "courses_coursesearchdocument",
    "courses_course_tags",
    "courses_price",
    "courses_course",
    "courses_tag",
    "courses_instructor",
    "courses_category",
]
LANGS = ["en", "zh_hans", "ja", "es"]
GIN_INDEXES = {
    "courses_search_body_gin": "body",
    "courses_search_head_gin": "head",
    "courses_search_names_trgm": "names gin_trgm_ops",
}


def sql(statement: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def pg_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + value.replace("'", "''") + "'" for value in values) + "]::text[]"


def build(courses: int) -> None:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(CATALOG_TABLES) + " RESTART IDENTITY CASCADE")
        for position, (slug, en, zh, ja, es) in enumerate(TOP_CATEGORIES, start=1):
            cursor.execute(
                "INSERT INTO courses_category (created_at, updated_at, slug, name, name_en, name_zh_hans, "
                "name_ja, name_es, description, position) "
                "VALUES (now(), now(), %s, %s, %s, %s, %s, %s, '', %s)",
                [slug, en, en, zh, ja, es, position],
            )
        # One subcategory per topic (ids 11..50), under top category 1 + topic // 4.
        for index, (slug, en, zh, ja, es) in enumerate(TOPICS):
            cursor.execute(
                "INSERT INTO courses_category (created_at, updated_at, parent_id, slug, name, name_en, "
                "name_zh_hans, name_ja, name_es, description, position) "
                "VALUES (now(), now(), %s, %s, %s, %s, %s, %s, %s, '', %s)",
                [1 + index // 4, slug, en, en, zh, ja, es, index],
            )
            cursor.execute(
                "INSERT INTO courses_tag (created_at, updated_at, slug, name, name_en, name_zh_hans, "
                "name_ja, name_es) VALUES (now(), now(), %s, %s, %s, %s, %s, %s)",
                [slug, en, en, zh, ja, es],
            )
    for extra, (en, zh, ja, es) in enumerate(
        [
            ("Beginner friendly", "新手友好", "初心者向け", "para principiantes"),
            ("Certificate", "证书", "修了証", "certificado"),
        ]
    ):
        sql(
            "INSERT INTO courses_tag (created_at, updated_at, slug, name, name_en, name_zh_hans, "
            "name_ja, name_es) VALUES (now(), now(), %s, %s, %s, %s, %s, %s)",
            [f"extra-{extra}", en, en, zh, ja, es],
        )
    sql(
        "INSERT INTO courses_instructor (created_at, updated_at, slug, name, name_en, name_zh_hans, "
        "headline, bio, revenue_share) SELECT now(), now(), 'teacher-' || i, 'Teacher ' || i, "
        "'Teacher ' || i, '老师' || i, '', '', 0.3 FROM generate_series(1, 200) i"
    )
    topics = len(TOPICS)
    titles = {
        lang: pg_array(
            [template.format(topic[1 + LANGS.index(lang)]) for topic in TOPICS for template in templates]
        )
        for lang, templates in TITLE_TEMPLATES.items()
    }
    fillers = {lang: pg_array(sentences) for lang, sentences in FILLERS.items()}
    # Topic popularity falls off (topic = a skewed hash of i); title template = i % 6.
    topic = f"(floor(power((hashint4(i) & 65535) / 65536.0, 1.6) * {topics}))::int"
    title = "({arr})[1 + t * 6 + i % 6] || CASE WHEN i % 7 = 0 THEN ' ' || (i % 97)::text ELSE '' END"
    description = "({arr})[1 + i % 5] || ' ' || ({arr})[1 + (i / 5) % 5] || ' ' || ({arr})[1 + (i / 25) % 5]"
    sql(
        "INSERT INTO courses_course (created_at, updated_at, public_id, slug, title, title_en, "
        "title_zh_hans, title_ja, title_es, subtitle, subtitle_en, description, description_en, "
        "description_zh_hans, "
        "description_ja, description_es, category_id, instructor_id, format, level, language, "
        "duration_minutes, cover, cover_color, is_published, published_at, enrollment_count, rating_count, "
        "rating_sum, "
        "rating_average, search_text) "
        f"SELECT now(), now(), gen_random_uuid(), 'course-' || i, {title.format(arr=titles['en'])}, "
        f"{title.format(arr=titles['en'])}, {title.format(arr=titles['zh_hans'])}, "
        f"{title.format(arr=titles['ja'])}, {title.format(arr=titles['es'])}, '', '', '', "
        f"{description.format(arr=fillers['en'])}, "
        # One Chinese description in twenty has 茶 in a sentence that is not about tea.
        f"{description.format(arr=fillers['zh_hans'])} "
        "|| CASE WHEN i % 20 = 3 THEN '泡一杯茶，慢慢学。' ELSE '' END, "
        f"{description.format(arr=fillers['ja'])}, {description.format(arr=fillers['es'])}, "
        "11 + t, 1 + i % 200, (ARRAY['video','live','ebook','audio'])[1 + i % 4], "
        "(ARRAY['beginner','intermediate','advanced'])[1 + i % 3], "
        "(ARRAY['en','zh-hans','ja','es'])[1 + i % 4], "
        "30 + i % 600, '', '#2f6f8f', true, now() - (i % 1000) * interval '1 hour', "
        "(hashint4(i + 7) & 65535) % (1 + (hashint4(i) & 4095)), 0, 0, 0, '' "
        f"FROM (SELECT i, {topic} AS t FROM generate_series(1, {courses}) i) s"
    )
    sql(
        "INSERT INTO courses_course_tags (course_id, tag_id) SELECT id, category_id - 10 FROM courses_course "
        "UNION ALL SELECT id, 41 + id % 2 FROM courses_course"
    )
    sql(
        "INSERT INTO courses_price (created_at, updated_at, course_id, currency, amount) "
        "SELECT now(), now(), c.id, p.currency, p.amount FROM courses_course c CROSS JOIN (VALUES "
        "('CNY', 199.00), ('USD', 29.00), ('JPY', 4200), ('EUR', 27.00)) p(currency, amount)"
    )
    built = time.perf_counter() - started
    print(f"built {courses:,} published courses, tags and prices in {built:.1f} s", flush=True)
    # A bulk load: the GIN indexes are built once at the end rather than row by row.
    for index in [*GIN_INDEXES, search_postings.RANK_INDEX]:
        sql(f"DROP INDEX IF EXISTS {index}")
    started = time.perf_counter()
    course_reindex_all()
    print(
        f"search documents of every course (course_reindex_all, set-based SQL) in "
        f"{time.perf_counter() - started:.1f} s (load average {load()})",
        flush=True,
    )
    started = time.perf_counter()
    for index, definition in GIN_INDEXES.items():
        sql(f"CREATE INDEX {index} ON courses_coursesearchdocument USING gin ({definition})")
    sql("SET maintenance_work_mem = '256MB'")
    sql(search_postings.CREATE_RANK_INDEX)
    sql("VACUUM ANALYZE")
    print(f"GIN indexes and VACUUM ANALYZE in {time.perf_counter() - started:.1f} s", flush=True)


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def explain(term: str) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the two statements the API runs for a search page
    nobody asked before: the ranking and the page's cards (courses with their tags)."""
    request = APIRequestFactory().get("/api/v1/courses/", {"q": term, "lang": "en"})
    namespace_bump(CATALOG)  # a first hit: the ranked ids are not cached yet
    with (
        patch.object(CourseListView, "cache_bypass_params", ("q",)),
        CaptureQueriesContext(connection) as captured,
    ):
        response = CourseListView.as_view()(request)
        response.render()
    for query in captured.captured_queries:
        statement = query["sql"]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        if statement.lstrip().upper().startswith("SELECT COUNT"):
            kind = "count"
        elif "courses_search_" in statement and "array_position" not in statement:
            kind = "ranked ids (first hit only; count = their number)"
            plan += "\n" + nested_plans(statement)
        else:
            kind = "page"
        print(f"\n-- {kind} query for {term!r}:\n{statement}\n{plan}")
    # Inside courses_search_matches (a Function Scan above): its first statement, planned
    # with the function's own setting.
    parsed = search.build_query(term)
    prefixes = parsed.prefixes or search.Sql("NULL::tsquery")
    statement = (
        "SELECT d.course_id FROM courses_coursesearchdocument d WHERE d.is_published "
        f"AND (d.body @@ {parsed.words.sql} OR d.head @@ {prefixes.sql})"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, [*parsed.words.params, *prefixes.params])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    print(f"\n-- inside courses_search_matches for {term!r}:\n{statement}\n{plan}")


def nested_plans(statement: str) -> str:
    """The plans of the statements a search function runs inside (auto_explain with
    ANALYZE and BUFFERS, its LOG messages sent to this client)."""
    notices: list[str] = []
    raw = connection.connection

    def keep(diagnostic) -> None:
        notices.append(diagnostic.message_primary or "")

    raw.add_notice_handler(keep)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOAD 'auto_explain'")
        for setting in (
            "auto_explain.log_min_duration = 0",
            "auto_explain.log_analyze = on",
            "auto_explain.log_buffers = on",
            "auto_explain.log_nested_statements = on",
            "client_min_messages = log",
        ):
            cursor.execute(f"SET LOCAL {setting}")
        cursor.execute(statement)
        cursor.fetchall()
    raw.remove_notice_handler(keep)
    return "\n".join(f"-- (auto_explain) {notice}" for notice in notices)


def time_search(term: str, samples: int, mode: str = "cold") -> tuple[float, float, int, float]:
    """p50 and p95 wall ms, the count, and the p50 of CPU ms of this process.

    ``cold``: a first hit, every sample (the catalog namespace is bumped before each, so
    the ranked ids and the course cards are not cached: the same cost as a query nobody
    asked before; the database's buffers are warm). ``ids``: the ranked ids and the cards
    cached (another URL of a search asked before), the page assembled. ``page``: the whole
    answer from the shared cache (the same URL again). The plain list (no term) reads its
    page's rows every time."""
    view = CourseListView.as_view()
    request_factory = APIRequestFactory()
    timings, cpu = [], []
    count = 0
    bypass = ("q", "lang") if mode != "page" else ()
    with patch.object(CourseListView, "cache_bypass_params", bypass):
        for _ in range(samples + 3):
            if mode == "cold":
                namespace_bump(CATALOG)
            request = request_factory.get("/api/v1/courses/", {"q": term, "lang": "en"})
            started, started_cpu = time.perf_counter(), time.process_time()
            response = view(request)
            if hasattr(response, "render"):  # a hit of the shared cache is rendered already
                response.render()
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            count = response.data["count"]
            reset_queries()
    timings = sorted(timings[3:])
    p95 = timings[int(len(timings) * 0.95) - 1]
    return statistics.median(timings), p95, count, statistics.median(cpu[3:])


def time_ranking(term: str, samples: int) -> tuple[float, float, float, float]:
    """p50 and p95 ms of the ranking statement alone (the first ``COUNT_CAP`` ids), from
    the postings and with every match ranked (``courses_search_top`` without the word, as
    before the postings), the two alternated so that both see the same load."""
    matches = course_list(currency="USD", query=term)._matches
    sql, params = matches
    statement = f"SELECT matched_id FROM {sql}, %s) ORDER BY rank DESC, popularity DESC, matched_id LIMIT %s"
    timings: dict[bool, list[float]] = {True: [], False: []}
    with connection.cursor() as cursor:
        for _ in range(samples + 2):
            for postings in (True, False):
                arguments = list(params) if postings else [None, False, False, *params[3:]]
                started = time.perf_counter()
                cursor.execute(statement, [*arguments, search.COUNT_CAP, search.COUNT_CAP])
                cursor.fetchall()
                timings[postings].append((time.perf_counter() - started) * 1000)
    new, old = sorted(timings[True][2:]), sorted(timings[False][2:])
    p95 = int(samples * 0.95) - 1
    return statistics.median(new), new[p95], statistics.median(old), old[p95]


def exact_matches(term: str) -> int:
    """Every match (the page's count stops at COUNT_CAP): the match function alone."""
    parsed = search.build_query(term)
    prefixes = parsed.prefixes or search.Sql("NULL::tsquery")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM courses_search_matches({parsed.words.sql}, {prefixes.sql}, "
            "%s::text[], %s)",
            [*parsed.words.params, *prefixes.params, parsed.fuzzy, search.FUZZY_BELOW],
        )
        return cursor.fetchone()[0]


def start_server(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "false",
        "CONN_MAX_AGE": "60",
        # What production settings require of a deployment (as bench/http.sh gives them);
        # plain HTTP on loopback.
        "PAYMENT_PROVIDER": "stripe",
        "STRIPE_API_KEY": "sk_test_bench_only",
        "STRIPE_WEBHOOK_SECRET": "whsec_bench_catalog_scale_only_not_a_secret_0123",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_URL": "smtp://127.0.0.1:1025",
        "MEDIA_STORAGE_URL": "file:///tmp/zhiqiao-bench-media",
        "SECURE_SSL_REDIRECT": "false",
    }
    # GUNICORN: the gunicorn executable (default: the module of this interpreter).
    gunicorn = [os.environ["GUNICORN"]] if os.environ.get("GUNICORN") else [sys.executable, "-m", "gunicorn"]
    server = subprocess.Popen(
        [
            *gunicorn,
            "config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "4",
            "--threads",
            "4",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    os.killpg(server.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not start")


# Every request its own URL (an ignored parameter): the shared cache of whole answers
# misses, the search's ranked ids (keyed by the query) and the course cards hit.
DISTINCT_URLS = """
counter = 0
request = function()
    counter = counter + 1
    return wrk.format(nil, wrk.path .. "&n=" .. counter .. "-" .. math.random(1, 1000000000))
end
"""


def bump_until(stop: threading.Event) -> None:
    while not stop.wait(0.002):
        namespace_bump(CATALOG)


def wrk(url: str, connections: int, duration: int, distinct: bool = False) -> tuple[float, str]:
    script = []
    if distinct:
        path = Path(f"/tmp/zq-catalog-scale-{os.getpid()}.lua")
        path.write_text(DISTINCT_URLS)
        script = ["-s", str(path)]
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", *script, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    percentiles = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)", output, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    summary = f"p50 {percentiles.get('50')}, p90 {percentiles.get('90')}, p99 {percentiles.get('99')}"
    if non_2xx:
        summary += f", {non_2xx.group(1)} non-2xx responses"
    return rps, summary


def print_in_process(results: list, samples: int) -> None:
    plain = results[-1]
    print(
        f"\n{'term':<34} {'matches':>8} {'count':>6} {'cold p50':>8} {'p95':>6} {'cpu':>5} "
        f"{'ids p50':>7} {'cpu':>5} {'page p50':>8}  {'x plain':>7}  load"
    )
    for label, term, matches, count, timed, load_in_process, *_ in results:
        (p50, p95, cpu), (ids_p50, _, ids_cpu), (page_p50, _, _) = timed
        print(
            f"{label + ' ' + term:<34} {matches:>8} {count:>6} {p50:>8.1f} {p95:>6.1f} {cpu:>5.1f} "
            f"{ids_p50:>7.1f} {ids_cpu:>5.1f} {page_p50:>8.2f}  {p50 / plain[4][0][0]:>7.2f}  "
            f"{load_in_process}"
        )
    print(
        f"(ms, through the API view in-process, {samples} serial runs each; cold: a first hit (ranked ids "
        "+ cards); ids: ranked ids and cards cached, page assembled; page: the whole answer cached; cpu: "
        "CPU ms of this "
        "process; x plain: cold over the plain list built)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reset", action="store_true", help="empty the catalog tables and build the catalog")
    parser.add_argument("--keep", action="store_true", help="reuse the catalog already in the database")
    parser.add_argument("--courses", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--port", type=int, default=8250)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--no-http", action="store_true", help="skip the gunicorn + wrk part")
    parser.add_argument(
        "--without-postings",
        action="store_true",
        help="rank every match as before the posting table (in-process part only: compare at the same load)",
    )
    args = parser.parse_args()
    if args.without_postings:
        # No query is a single word for the postings: courses_search_top hands every one
        # to courses_search_matches.
        patch.object(search_postings, "single_word", lambda query: None).start()
    if connection.vendor != "postgresql":
        raise SystemExit("PostgreSQL only: set DATABASE_URL to a dedicated database")
    if not (args.reset or args.keep):
        raise SystemExit(
            "--reset empties the catalog tables of DATABASE_URL: pass it (dedicated database only)"
        )
    call_command("migrate", verbosity=0)
    if args.reset:
        build(args.courses)
    print(f"catalog: {Course.objects.filter(is_published=True).count():,} published courses")

    results = []
    for label, term in TERMS:
        explain(term)
        timed = []
        for mode in ("cold", "ids", "page"):
            p50, p95, count, cpu = time_search(term, args.samples, mode)
            timed.append((p50, p95, cpu))
        results.append([label, term, exact_matches(term), count, timed, load()])
    # The same endpoint without a search, for comparison: what the page costs without it.
    p50, p95, count, cpu = time_search("", args.samples, "ids")
    page = time_search("", args.samples, "page")
    timed = [(p50, p95, cpu), (p50, p95, cpu), (*page[:2], 0)]
    results.append(["no search (plain list)", "", count, count, timed, load()])

    print_in_process(results, args.samples)

    header = f"{'postings p50':>12} {'p95':>6} {'every match p50':>15} {'p95':>6}"
    print(f"\n{'ranking statement alone':<34} {header}  load")
    for label, term in TERMS:
        new_p50, new_p95, old_p50, old_p95 = time_ranking(term, args.samples)
        numbers = f"{new_p50:>12.1f} {new_p95:>6.1f} {old_p50:>15.1f} {old_p95:>6.1f}"
        print(f"{label + ' ' + term:<34} {numbers}  {load()}")
    print("(ms, the statement that ranks a first hit's 1000 ids, the two ways alternated)", flush=True)

    if not args.no_http:
        if shutil.which("wrk") is None:
            raise SystemExit("wrk is missing")
        server = start_server(args.port)
        try:
            for row in results:
                query = urllib.parse.urlencode({"q": row[1]}) if row[1] else ""
                url = f"http://127.0.0.1:{args.port}/api/v1/courses/?{query}"
                wrk(url, args.connections, 2)  # warm every worker's connection and caches
                rps, latency = wrk(url, args.connections, args.duration)
                row.extend([rps, latency, load()])
                # Ranked ids and cards cached, every answer built (a URL of its own per request).
                distinct = url + ("&" if query else "?") + "x=1"
                rps, latency = wrk(distinct, args.connections, args.duration, True)
                row.extend([rps, latency, load()])
                # Nothing cached: the catalog's namespace is bumped every 2 ms meanwhile, so
                # (nearly) every request ranks its search from scratch, a first hit.
                stop = threading.Event()
                bumper = threading.Thread(target=bump_until, args=(stop,))
                bumper.start()
                try:
                    rps, latency = wrk(distinct, args.connections, args.duration, True)
                finally:
                    stop.set()
                    bumper.join()
                row.extend([rps, latency, load()])
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)

    plain = results[-1]
    if not args.no_http:
        print(f"\n{'term':<34} {'req/s':>7} {'x plain':>7}  {'HTTP latency':<40} load")
        for row in results:
            label, term = row[:2]
            rps, latency, load_http, built_rps, built_latency, built_load = row[-9:-3]
            cold = row[-3:]
            print(f"{label + ' ' + term:<34} {rps:>7.0f} {rps / plain[-9]:>7.2f}  {latency:<40} {load_http}")
            print(
                f"{'  every answer built':<34} {built_rps:>7.0f} {built_rps / plain[-6]:>7.2f}  "
                f"{built_latency:<40} {built_load}"
            )
            print(
                f"{'  nothing cached (first hits)':<34} {cold[0]:>7.0f} {cold[0] / plain[-3]:>7.2f}  "
                f"{cold[1]:<40} {cold[2]}"
            )
    print(
        f"(req/s: wrk -t2 -c{args.connections} -d{args.duration}s on gunicorn -w 4 --threads 4 (the plain "
        "list there is served from the shared cache, as in production; 'every answer built': each request "
        "its own URL, so whole answers are never cached and a search's ranked ids and course cards are; "
        "'nothing cached': the same while the catalog's cache namespace is bumped every 2 ms, so searches "
        "rank and build their cards from scratch); "
        "load: /proc/loadavg at the end of each measurement, on a machine shared with other work)"
    )


if __name__ == "__main__":
    main()
