"""The search's posting table (PostgreSQL): one row per word of a published course's
document, so that a first search of a one-word query reads that word's top rows instead
of ranking every match.

``courses_coursesearchposting(term, course_id, score, popularity)`` holds every lexeme of the
document's ``body`` with ``score`` = ``ts_rank`` of the ``head`` for that one lexeme (0
when the word is only in the body: descriptions, instructor names, the slug) and the
document's popularity. Its index ``(term, score DESC, popularity DESC, course_id)`` lists
a word's courses in the order the search ranks them, and its primary key ``(course_id,
term)`` finds a course's rows (rewriting them, the prefix words of a few courses).

``courses_search_top`` (migration 0011) answers a query of one term that is one word (a
Latin word, or a CJK run of one or two characters) from these rows, with the same rank as
``courses_search_matches`` (``ts_rank`` of the head for the word's stems, plus a tenth of
the head words it is a prefix of, capped at 1), then popularity. Other queries (several
terms, CJK phrases) go to ``courses_search_matches`` from inside the same function.

The score is computed from the body's positions: the body is the head followed by the
rest with weight D, so a lexeme's A, B and C positions are its head positions, in the
head's order, and ``ts_rank`` of one lexeme is (PostgreSQL's ``calc_rank_or``)
``(wmax + sum(w_j / j^2) - wmax / jmax^2) / 1.64493406685`` over them (j from 1, jmax
the first position of the largest weight; A 1.0, B 0.4, C 0.2)."""

from __future__ import annotations

from . import search

FUNCTIONS = [
    # The rank of one lexeme in the head from its weights in the body (see above). One
    # head position, the common case, needs no subquery.
    """
CREATE OR REPLACE FUNCTION courses_search_head_rank(weights text[]) RETURNS real
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
SELECT CASE
    WHEN weights[1] = 'D' THEN 0::real
    WHEN cardinality(weights) = 1 OR weights[2] = 'D' THEN
        ((CASE weights[1] WHEN 'A' THEN 1.0::real WHEN 'B' THEN 0.4::real ELSE 0.2::real END)::float8
         / 1.64493406685)::real
    ELSE (
        SELECT ((max(v) + sum(v / (o * o)) - (array_agg(v / (o * o) ORDER BY v DESC, o))[1])
                / 1.64493406685)::real
        FROM (
            SELECT (CASE x WHEN 'A' THEN 1.0::real WHEN 'B' THEN 0.4::real ELSE 0.2::real END)::float8 AS v,
                o::float8 AS o
            FROM unnest(weights) WITH ORDINALITY u(x, o)
            WHERE x <> 'D'
        ) h
    )
END
$f$""",
    # The distinct words of the posting rows in [p, p_next) (the words a prefix begins),
    # one index descent each (a loose index scan: the rows of a common word are skipped,
    # not read); none when p is NULL.
    """
CREATE OR REPLACE FUNCTION courses_search_range_words(p text, p_next text) RETURNS SETOF text
LANGUAGE sql STABLE PARALLEL SAFE ROWS 10 AS $f$
WITH RECURSIVE range_words(term) AS (
    SELECT min(s.term) FROM courses_coursesearchposting s WHERE s.term >= p AND s.term < p_next
    UNION ALL
    SELECT (
        SELECT min(s.term) FROM courses_coursesearchposting s
        WHERE s.term > w.term AND s.term < p_next
    )
    FROM range_words w WHERE w.term IS NOT NULL
)
SELECT term FROM range_words WHERE term IS NOT NULL
$f$""",
    # The first ``wanted`` matches of a query in rank order (rank DESC, popularity DESC,
    # id), as courses_search_matches would rank them. ``word``: the query's only term
    # when it is one token (else NULL: the other arguments go to courses_search_matches).
    """
CREATE OR REPLACE FUNCTION courses_search_top(
    word text, is_cjk boolean, with_prefix boolean,
    words tsquery, prefixes tsquery, fuzzy text[], fuzzy_below integer,
    rank_words tsquery, rank_prefixes tsquery, wanted integer
) RETURNS TABLE (matched_id bigint, rank real, popularity integer)
LANGUAGE plpgsql STABLE PARALLEL SAFE ROWS 1000
AS $f$
DECLARE
    folded text;
    items text[];
    p text;
    p_next text;
    n integer;
    item_in_range boolean;
    other_ids bigint[];
    other_scores real[];
    other_pops integer[];
    ids bigint[] := '{}';
    ranks real[] := '{}';
    pops integer[] := '{}';
    more_ids bigint[];
    more_pops integer[];
BEGIN
    IF word IS NOT NULL AND is_cjk THEN
        items := ARRAY[word];
    ELSIF word IS NOT NULL THEN
        -- The lexemes of courses_search_word(word): one per configuration, else a phrase
        -- the postings cannot answer.
        folded := unaccent(normalize(lower(word), NFKC));
        IF NOT EXISTS (
            SELECT 1 FROM unnest('{zq_english,zq_spanish,simple}'::regconfig[]) c
            WHERE length(to_tsvector(c, folded)) > 1
        ) THEN
            items := ARRAY(
                SELECT DISTINCT l FROM unnest('{zq_english,zq_spanish,simple}'::regconfig[]) c,
                    unnest(tsvector_to_array(to_tsvector(c, folded))) l
            );
        END IF;
        IF with_prefix THEN
            -- courses_search_prefix's word; [a-z0-9] only, so the next string is a bound.
            p := nullif(regexp_replace(folded, '[^a-z0-9]+', '', 'g'), '');
            p_next := left(p, -1) || chr(ascii(right(p, 1)) + 1);
        END IF;
    END IF;
    n := coalesce(cardinality(items), 0);
    item_in_range := coalesce(items[1] >= p AND items[1] < p_next, false);
    IF n = 0 THEN
        RETURN QUERY SELECT m.matched_id, m.rank, m.popularity
            FROM courses_search_matches(words, prefixes, fuzzy, fuzzy_below, rank_words, rank_prefixes) m
            ORDER BY m.rank DESC, m.popularity DESC, m.matched_id LIMIT wanted;
        RETURN;
    END IF;

    -- Courses whose head has the word (or a word it begins): rank > 0. The head rows of
    -- the words under the prefix other than the items are found through their distinct
    -- words (one index descent each: the body-only rows of a word such as "teacher" are
    -- never read). With one item, a course without such rows ranks by the item's score,
    -- so the item's rows are read in index order; the courses with them ("others"), and
    -- every course when the word has several stems, are ranked by summing rows.
    IF n = 1 THEN
        SELECT coalesce(array_agg(o.course_id), '{}'), coalesce(array_agg(o.prefix_score), '{}'),
            coalesce(array_agg(o.popularity), '{}')
        INTO other_ids, other_scores, other_pops
        FROM (
            SELECT s.course_id, sum(s.score)::real AS prefix_score, max(s.popularity) AS popularity
            FROM courses_search_range_words(p, p_next) w(term)
            CROSS JOIN LATERAL (
                SELECT t.course_id, t.score, t.popularity FROM courses_coursesearchposting t
                WHERE t.term = w.term AND t.score > 0
            ) s
            WHERE w.term <> items[1]
            GROUP BY s.course_id
        ) o;
        -- The item's rows in index order, stopping at ``wanted`` (the courses with other
        -- prefix words left out: a filter while few, a hash anti-join and a sort past that).
        IF cardinality(other_ids) <= 64 THEN
            SELECT coalesce(array_agg(x.course_id), '{}'), coalesce(array_agg(x.rank), '{}'),
                coalesce(array_agg(x.popularity), '{}')
            INTO ids, ranks, pops
            FROM (
                SELECT s.course_id,
                    (s.score + CASE WHEN item_in_range THEN 0.1 * least(s.score, 1) ELSE 0 END)::real AS rank,
                    s.popularity
                FROM courses_coursesearchposting s
                WHERE s.term = items[1] AND s.score > 0 AND NOT (s.course_id = ANY(other_ids))
                ORDER BY s.score DESC, s.popularity DESC, s.course_id
                LIMIT wanted
            ) x;
        ELSE
            SELECT coalesce(array_agg(x.course_id), '{}'), coalesce(array_agg(x.rank), '{}'),
                coalesce(array_agg(x.popularity), '{}')
            INTO ids, ranks, pops
            FROM (
                SELECT s.course_id,
                    (s.score + CASE WHEN item_in_range THEN 0.1 * least(s.score, 1) ELSE 0 END)::real AS rank,
                    s.popularity
                FROM courses_coursesearchposting s
                WHERE s.term = items[1] AND s.score > 0
                    AND NOT EXISTS (SELECT 1 FROM unnest(other_ids) o(id) WHERE o.id = s.course_id)
                ORDER BY s.score DESC, s.popularity DESC, s.course_id
                LIMIT wanted
            ) x;
        END IF;
        -- The courses with other prefix words: their item score (primary key lookups)
        -- plus a tenth of every prefix word's.
        SELECT ids || coalesce(array_agg(o.id), '{}'),
            ranks || coalesce(array_agg((coalesce(i.score, 0) + 0.1 * least(o.prefix_score
                + CASE WHEN item_in_range THEN coalesce(i.score, 0) ELSE 0 END, 1))::real), '{}'),
            pops || coalesce(array_agg(o.popularity), '{}')
        INTO ids, ranks, pops
        FROM unnest(other_ids, other_scores, other_pops) o(id, prefix_score, popularity)
        LEFT JOIN courses_coursesearchposting i ON i.course_id = o.id AND i.term = items[1] AND i.score > 0;
    ELSE
        WITH head_rows AS (
            SELECT s.course_id, s.term, s.score, s.popularity
            FROM courses_coursesearchposting s WHERE s.term = ANY(items) AND s.score > 0
            UNION ALL
            SELECT s.course_id, w.term, s.score, s.popularity
            FROM courses_search_range_words(p, p_next) w(term)
            CROSS JOIN LATERAL (
                SELECT t.course_id, t.score, t.popularity FROM courses_coursesearchposting t
                WHERE t.term = w.term AND t.score > 0
            ) s
            WHERE w.term <> ALL(items)
        )
        SELECT coalesce(array_agg(x.course_id), '{}'), coalesce(array_agg(x.rank), '{}'),
            coalesce(array_agg(x.popularity), '{}')
        INTO ids, ranks, pops
        FROM (
            SELECT h.course_id,
                (coalesce(sum(h.score) FILTER (WHERE h.term = ANY(items)), 0) / n
                 + 0.1 * least(
                     coalesce(sum(h.score) FILTER (WHERE h.term >= p AND h.term < p_next), 0), 1))::real
                    AS rank,
                max(h.popularity) AS popularity
            FROM head_rows h
            GROUP BY h.course_id
        ) x;
    END IF;

    -- Then the courses with the word only in the body (rank 0), by popularity: the first
    -- rows of each stem with score 0, in index order.
    IF cardinality(ids) < wanted OR wanted IS NULL THEN
        SELECT coalesce(array_agg(b.course_id), '{}'), coalesce(array_agg(b.popularity), '{}')
        INTO more_ids, more_pops
        FROM (
            SELECT s.course_id, max(s.popularity) AS popularity
            FROM unnest(items) i(term)
            CROSS JOIN LATERAL (
                SELECT t.course_id, t.popularity FROM courses_coursesearchposting t
                WHERE t.term = i.term AND t.score = 0 AND NOT (t.course_id = ANY(ids))
                ORDER BY t.popularity DESC, t.course_id
                LIMIT wanted - cardinality(ids)
            ) s
            GROUP BY s.course_id
            ORDER BY 2 DESC, 1
            LIMIT wanted - cardinality(ids)
        ) b;
        ids := ids || more_ids;
        ranks := ranks || array_fill(0::real, ARRAY[cardinality(more_ids)]);
        pops := pops || more_pops;
    END IF;

    -- Typo tolerance, as in courses_search_matches (the courses found already once).
    IF cardinality(ids) < fuzzy_below AND cardinality(fuzzy) > 0 THEN
        SELECT coalesce(array_agg(d.course_id), '{}'), coalesce(array_agg(d.popularity::integer), '{}')
        INTO more_ids, more_pops
        FROM courses_coursesearchdocument d
        WHERE d.is_published AND fuzzy[1] <<% d.names
            AND (SELECT bool_and(w <<% d.names) FROM unnest(fuzzy) w)
            AND NOT (d.course_id = ANY(ids));
        ids := ids || more_ids;
        ranks := ranks || array_fill(0::real, ARRAY[cardinality(more_ids)]);
        pops := pops || more_pops;
    END IF;
    RETURN QUERY SELECT * FROM unnest(ids, ranks, pops);
END
$f$""",
]

REVERSE = [
    "DROP FUNCTION IF EXISTS courses_search_top(text, boolean, boolean, tsquery, tsquery, text[], integer, "
    "tsquery, tsquery, integer)",
    "DROP FUNCTION IF EXISTS courses_search_head_rank(text[])",
    "DROP FUNCTION IF EXISTS courses_search_range_words(text, text)",
]

# The table as the search reads it: the term in the "C" collation (a word prefix is then a
# range of the index, byte order as tsquery's prefix match), the score as ts_rank's real.
TABLE = [
    'ALTER TABLE courses_coursesearchposting ALTER COLUMN term TYPE text COLLATE "C", '
    "ALTER COLUMN score TYPE real",
]
# Built after a bulk fill (21 million rows at 100k courses): one sort instead of an index
# insertion per row.
RANK_INDEX = "courses_searchposting_rank"
CREATE_RANK_INDEX = (
    f"CREATE INDEX IF NOT EXISTS {RANK_INDEX} "
    "ON courses_coursesearchposting (term, score DESC, popularity DESC, course_id)"
)

# The rows of the documents of the selected courses (a NULL array: every course), diffed
# against what is there: rows of words a course no longer has (or of an unpublished
# course) are deleted, new or changed rows upserted, unchanged rows left alone (an edit
# of one title rewrites a handful of rows, not every word of the course).
_SYNC = """
WITH fresh AS (
    SELECT d.course_id, u.lexeme AS term, courses_search_head_rank(u.weights) AS score, d.popularity
    FROM courses_coursesearchdocument d
    CROSS JOIN LATERAL unnest(d.body) u
    WHERE d.is_published AND (%(ids)s::bigint[] IS NULL OR d.course_id = ANY(%(ids)s::bigint[]))
),
gone AS (
    DELETE FROM courses_coursesearchposting p
    WHERE (%(ids)s::bigint[] IS NULL OR p.course_id = ANY(%(ids)s::bigint[]))
        AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.course_id = p.course_id AND f.term = p.term)
)
INSERT INTO courses_coursesearchposting (course_id, term, score, popularity)
SELECT course_id, term, score, popularity FROM fresh
ON CONFLICT (course_id, term) DO UPDATE SET score = EXCLUDED.score, popularity = EXCLUDED.popularity
WHERE (courses_coursesearchposting.score, courses_coursesearchposting.popularity)
    IS DISTINCT FROM (EXCLUDED.score, EXCLUDED.popularity)
"""
# A first fill of an empty table (a migration, a bulk load): a plain insert.
_FILL = """
INSERT INTO courses_coursesearchposting (course_id, term, score, popularity)
SELECT d.course_id, u.lexeme, courses_search_head_rank(u.weights), d.popularity
FROM courses_coursesearchdocument d CROSS JOIN LATERAL unnest(d.body) u
WHERE d.is_published
"""


def postings_sync(connection, course_ids: list[int] | None) -> None:
    """Make the posting rows of ``course_ids`` (``None``: every course) those of their
    documents: one statement (a plain insert when the table is empty)."""
    with connection.cursor() as cursor:
        if course_ids is None:
            cursor.execute("SELECT NOT EXISTS (SELECT 1 FROM courses_coursesearchposting)")
            if cursor.fetchone()[0]:
                cursor.execute(_FILL)
                return
        cursor.execute(_SYNC, {"ids": course_ids})


def single_word(query: str) -> tuple[str, bool, bool] | None:
    """``(token, is_cjk, with_prefix)`` when ``query`` is one term of one token that the
    postings answer (a Latin word, or a CJK run of one or two characters: one lexeme),
    else ``None``."""
    terms = [search.tokens(text) for text in query.split()[: search.MAX_TERMS]]
    terms = [term for term in terms if term]
    if len(terms) != 1 or len(terms[0]) != 1:
        return None
    token = terms[0][0]
    if token.is_cjk:
        return (token.text, True, False) if len(token.text) <= 2 else None
    return token.text, False, len(token.text) >= search.PREFIX_MIN_LENGTH
