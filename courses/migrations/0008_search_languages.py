"""Search per language, set-based (see ``courses.search``): ``unaccent``, the SQL
functions that make vectors and queries, the match function with typo tolerance, a
``names`` column with a trigram index, inline ``head`` vectors (ranked for every match),
and every document rewritten by one statement."""

from django.conf import settings
from django.db import migrations, models

from courses import search

_CJK_CLASS = (
    r"[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0002ffff]+"
)

FUNCTIONS = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # English and Spanish stemming without stop words: "té" is Spanish for tea but "te"
    # (what unaccent and the Snowball stemmer make of it) is a Spanish stop word, and "The
    # Art of Slow Travel" should be found by its whole title.
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS zq_english",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS zq_spanish",
    "DROP TEXT SEARCH DICTIONARY IF EXISTS zq_english_stem",
    "DROP TEXT SEARCH DICTIONARY IF EXISTS zq_spanish_stem",
    "CREATE TEXT SEARCH DICTIONARY zq_english_stem (TEMPLATE = snowball, Language = english)",
    "CREATE TEXT SEARCH DICTIONARY zq_spanish_stem (TEMPLATE = snowball, Language = spanish)",
    "CREATE TEXT SEARCH CONFIGURATION zq_english (COPY = english)",
    "CREATE TEXT SEARCH CONFIGURATION zq_spanish (COPY = spanish)",
    "ALTER TEXT SEARCH CONFIGURATION zq_english ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, "
    "word, hword, hword_part WITH zq_english_stem",
    "ALTER TEXT SEARCH CONFIGURATION zq_spanish ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, "
    "word, hword, hword_part WITH zq_spanish_stem",
    # Every CJK run as its characters and overlapping pairs, with positions (a gap between
    # runs), so that a longer query is an exact phrase of pairs.
    f"""
CREATE OR REPLACE FUNCTION courses_cjk_vector(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
SELECT coalesce(string_agg(g.lexeme || ':' || least(r.start + g.i - 1, 16383), ' ')::tsvector, ''::tsvector)
FROM (
    SELECT m[1] AS run, sum(length(m[1]) + 1) OVER (ORDER BY o) - length(m[1]) AS start
    FROM regexp_matches(t, '{_CJK_CLASS}', 'g') WITH ORDINALITY AS x(m, o)
) r
CROSS JOIN LATERAL (
    SELECT i, substr(r.run, i, 1) AS lexeme FROM generate_series(1, length(r.run)) i
    UNION ALL
    SELECT i, substr(r.run, i, 2) FROM generate_series(1, length(r.run) - 1) i
) g
$f$""",
    # The words of a text through the configuration of its language, after NFKC, lower
    # case and unaccent (a query typed without accents finds the word), plus its CJK
    # (taken out of the parser's text, which would keep whole runs as words). One
    # expression, so PostgreSQL inlines it; the CJK function only runs on texts with CJK.
    f"""
CREATE OR REPLACE FUNCTION courses_search_vector(config regconfig, t text) RETURNS tsvector
LANGUAGE sql STABLE PARALLEL SAFE AS $f$
SELECT CASE WHEN t ~ '{_CJK_CLASS}'
    THEN to_tsvector(config, unaccent(regexp_replace(normalize(lower(t), NFKC), '{_CJK_CLASS}', ' ', 'g')))
        || courses_cjk_vector(normalize(lower(t), NFKC))
    ELSE to_tsvector(config, unaccent(normalize(lower(coalesce(t, '')), NFKC)))
END
$f$""",
    # One query word (Python passes letters and digits only): its English stem, Spanish
    # stem or the word itself.
    """
CREATE OR REPLACE FUNCTION courses_search_word(word text) RETURNS tsquery
LANGUAGE sql STABLE PARALLEL SAFE AS $f$
SELECT plainto_tsquery('zq_english', w) || plainto_tsquery('zq_spanish', w) || plainto_tsquery('simple', w)
FROM (SELECT unaccent(normalize(lower(word), NFKC)) AS w) s
$f$""",
    # The word as a prefix of a head word ("calli" -> 'calli':*).
    """
CREATE OR REPLACE FUNCTION courses_search_prefix(word text) RETURNS tsquery
LANGUAGE sql STABLE PARALLEL SAFE AS $f$
SELECT CASE WHEN w = '' THEN ''::tsquery ELSE to_tsquery('simple', w || ':*') END
FROM (SELECT regexp_replace(unaccent(normalize(lower(word), NFKC)), '[^a-z0-9]+', '', 'g') AS w) s
$f$""",
    "DROP FUNCTION IF EXISTS courses_search_candidates(tsquery, tsquery, integer)",
    "DROP FUNCTION IF EXISTS courses_search_matches(tsquery, tsquery, text[], integer)",
    # Every published match, through the GIN indexes, then, when fewer than fuzzy_below
    # matched, the courses whose names are close to every Latin term (trigram index on
    # the first, the longest). PL/pgSQL, so the exact matches are found once and counted;
    # SET enable_seqscan = off because the planner prices @@ like a cheap operator and
    # would rather read every row, decompressing every description-sized body.
    """
CREATE OR REPLACE FUNCTION courses_search_matches(
    words tsquery, prefixes tsquery, fuzzy text[], fuzzy_below integer,
    rank_words tsquery DEFAULT NULL, rank_prefixes tsquery DEFAULT NULL
) RETURNS TABLE (matched_id bigint, rank real, popularity integer)
LANGUAGE plpgsql STABLE PARALLEL SAFE ROWS 1000
SET enable_seqscan = off
AS $f$
DECLARE
    found integer;
BEGIN
    -- The rank is read from the row the match already visited (the head is inline):
    -- ranking every match costs no lookup of its own.
    RETURN QUERY SELECT d.course_id,
            (ts_rank(d.head, rank_words) + 0.1 * LEAST(coalesce(ts_rank(d.head, rank_prefixes), 0), 1.0))::real,
            d.popularity::integer
        FROM courses_coursesearchdocument d
        WHERE d.is_published AND (d.body @@ words OR d.head @@ prefixes);
    GET DIAGNOSTICS found = ROW_COUNT;
    IF found < fuzzy_below AND cardinality(fuzzy) > 0 THEN
        RETURN QUERY SELECT d.course_id, 0::real, d.popularity::integer
            FROM courses_coursesearchdocument d
            WHERE d.is_published AND fuzzy[1] <<% d.names
            AND (SELECT bool_and(w <<% d.names) FROM unnest(fuzzy) w);
    END IF;
END
$f$""",
    # Heads inline again (0004 pushed both vectors out of line): every match is ranked.
    "ALTER TABLE courses_coursesearchdocument RESET (toast_tuple_target)",
    "ALTER TABLE courses_coursesearchdocument ALTER COLUMN body SET STORAGE EXTENDED",
    "CREATE INDEX IF NOT EXISTS courses_search_names_trgm ON courses_coursesearchdocument "
    "USING gin (names gin_trgm_ops)",
]

REVERSE = [
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS zq_english",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS zq_spanish",
    "DROP TEXT SEARCH DICTIONARY IF EXISTS zq_english_stem",
    "DROP TEXT SEARCH DICTIONARY IF EXISTS zq_spanish_stem",
    "DROP INDEX IF EXISTS courses_search_names_trgm",
    "DROP FUNCTION IF EXISTS courses_search_matches(tsquery, tsquery, text[], integer, tsquery, tsquery)",
    "DROP FUNCTION IF EXISTS courses_search_prefix(text)",
    "DROP FUNCTION IF EXISTS courses_search_word(text)",
    "DROP FUNCTION IF EXISTS courses_search_vector(regconfig, text)",
    "DROP FUNCTION IF EXISTS courses_cjk_vector(text)",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # A cursor without parameters: the function bodies contain "%".
    with schema_editor.connection.cursor() as cursor:
        for statement in FUNCTIONS:
            cursor.execute(statement)
    # The languages whose columns exist at this point of the history (a language added to
    # the settings later gets its columns in a later migration).
    columns = {field.name for field in apps.get_model("courses", "Course")._meta.get_fields()}
    suffixes = [code.replace("-", "_") for code, _ in settings.LANGUAGES]
    suffixes = [suffix for suffix in suffixes if f"title_{suffix}" in columns]
    search.documents_rebuild(schema_editor.connection, suffixes, None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in REVERSE:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0007_lesson_media_drip_quizzes"),
    ]

    operations = [
        migrations.AddField(
            model_name="coursesearchdocument",
            name="names",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(forwards, backwards),
    ]
