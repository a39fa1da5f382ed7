"""``evaluate_recommender`` on small generated files (MovieLens data is never committed)."""

import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from recommender.ratings import load_ratings
from recommender.validation import per_user_split

METRICS = {"ndcg@10", "precision@10", "recall@10", "map@10", "coverage", "train_seconds"}
# The score that chose each tuned model (popularity has nothing to tune).
VALIDATION = {"validation_ndcg@10", "validation_folds"}


def _planted_rows(n_users=120, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for user in range(n_users):
        group = user % 3
        for item in rng.choice(
            12, size=6, replace=False, p=np.linspace(2, 1, 12) / np.linspace(2, 1, 12).sum()
        ):
            rows.append((f"u{user}", f"i{group}-{item}", int(rng.integers(1, 6)), 1_000_000 + user))
    return rows


@pytest.fixture
def ratings_csv(tmp_path):
    path = tmp_path / "ratings.csv"
    lines = ["user,item,rating,timestamp"] + [",".join(map(str, row)) for row in _planted_rows()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_prints_one_json_object_with_every_algorithm(ratings_csv):
    out = StringIO()

    call_command("evaluate_recommender", ratings=str(ratings_csv), stdout=out)

    body = json.loads(out.getvalue())
    assert body["dataset"] == {"users": 120, "items": 36, "interactions": 720}
    assert set(body["algorithms"]) == {
        "popularity",
        "itemknn",
        "rp3beta",
        "ease",
        "hybrid",
        "ease_svd",
        "ials",
        "ease_ials",
        "session_ials",
        "timed_ials",
        "lowpass_ials",
    }
    blend = body["algorithms"]["ease_svd"]["params"]
    assert [part["algorithm"] for part in blend["parts"]] == ["ease", "puresvd"]
    assert blend["parts"][1]["rank"] in (10, 15, 25, 50) and abs(sum(blend["weights"]) - 1) < 1e-6
    blend = body["algorithms"]["ease_ials"]["params"]
    assert [part["algorithm"] for part in blend["parts"]] == ["ease", "ials", "puresvd"]
    assert abs(sum(blend["weights"]) - 1) < 1e-6
    blend = body["algorithms"]["session_ials"]["params"]
    assert [part["algorithm"] for part in blend["parts"]] == ["session_ease", "ials", "puresvd"]
    assert blend["parts"][0]["gap"] in (600.0, 3600.0) and abs(sum(blend["weights"]) - 1) < 1e-6
    assert body["algorithms"]["session_ials"]["validation_folds"] == 3
    timed = body["algorithms"]["timed_ials"]["params"]
    blend = timed.get("base", timed)
    assert [part["algorithm"] for part in blend["parts"]] == ["session_ease", "ials", "puresvd", "sequence"]
    assert (
        body["algorithms"]["timed_ials"]["validation_ndcg@10"]
        >= body["algorithms"]["session_ials"]["validation_ndcg@10"]
    )
    lowpass = body["algorithms"]["lowpass_ials"]["params"]
    blend = lowpass.get("base", lowpass)
    assert [part["algorithm"] for part in blend["parts"]] == ["session_ease", "ials", "lowpass", "sequence"]
    # the file has ratings, so they weigh the sessions model's history and iALS's cells
    assert blend["parts"][0]["history"] == "rating-weighted" and blend["parts"][1]["confidence"] == "per cell"
    assert body["algorithms"]["lowpass_ials"]["validation_folds"] == 3
    for name, metrics in body["algorithms"].items():
        expected = METRICS if name == "popularity" else METRICS | VALIDATION
        assert set(metrics) - {"params", "train_cpu_seconds"} == expected
        if name != "popularity":
            assert 0 < metrics["validation_ndcg@10"] <= 1
    assert body["algorithms"]["ials"]["validation_folds"] == 3
    assert body["algorithms"]["ease"]["validation_folds"] == 1
    assert body["algorithms"]["ials"]["ndcg@10"] > body["algorithms"]["popularity"]["ndcg@10"] + 0.1
    assert body["algorithms"]["ease"]["params"]["algorithm"] == "ease"
    assert "fallback" not in body["algorithms"]["ease"]
    assert body["algorithms"]["ease"]["ndcg@10"] > body["algorithms"]["popularity"]["ndcg@10"] + 0.1


def test_k_and_algorithms_options(ratings_csv):
    out = StringIO()

    call_command("evaluate_recommender", ratings=str(ratings_csv), k=5, algorithms="ease", seed=7, stdout=out)

    body = json.loads(out.getvalue())
    assert set(body["algorithms"]) == {"popularity", "ease"}
    assert {"ndcg@5", "precision@5", "recall@5", "map@5"} <= set(body["algorithms"]["ease"])


def test_a_catalog_above_the_ease_limit_is_evaluated_with_rp3beta_in_its_place(ratings_csv):
    # given: 120 learners x 36 items, so EASE's dense system is 36 x 36, above a limit of 30
    out = StringIO()

    # when
    call_command("evaluate_recommender", ratings=str(ratings_csv), ease_max_items=30, stdout=out)

    # then: no error; the entry says what was evaluated instead, and the hybrid has no EASE
    body = json.loads(out.getvalue())
    ease = body["algorithms"]["ease"]
    assert ease["params"]["algorithm"] == "rp3beta"
    assert "36 x 36" in ease["fallback"] and "rp3beta" in ease["fallback"]
    assert ease["ndcg@10"] == body["algorithms"]["rp3beta"]["ndcg@10"]
    parts = [part["algorithm"] for part in body["algorithms"]["hybrid"]["params"]["parts"]]
    assert parts == ["rp3beta", "itemknn", "popularity"]
    parts = [part["algorithm"] for part in body["algorithms"]["ease_svd"]["params"]["parts"]]
    assert parts == ["rp3beta", "puresvd"]
    parts = [part["algorithm"] for part in body["algorithms"]["ease_ials"]["params"]["parts"]]
    assert parts == ["rp3beta", "ials", "puresvd"]
    assert ease["ndcg@10"] > body["algorithms"]["popularity"]["ndcg@10"] + 0.1


def test_fewer_learners_than_items_uses_the_dual_form_and_needs_no_catalog_sized_matrix(tmp_path):
    # given: 30 learners and over 500 items (a catalog far above a limit of 100)
    rng = np.random.default_rng(1)
    lines = ["user,item"]
    for user in range(30):
        for item in rng.choice(2000, size=40, replace=False):
            lines.append(f"u{user},i{item}")
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = StringIO()

    # when
    call_command("evaluate_recommender", ratings=str(path), algorithms="ease", ease_max_items=100, stdout=out)

    # then: EASE itself ran, on a 30 x 30 system
    body = json.loads(out.getvalue())
    assert body["dataset"]["items"] > 500
    assert body["algorithms"]["ease"]["params"]["algorithm"] == "ease"
    assert "fallback" not in body["algorithms"]["ease"]


def test_movielens_and_recbole_files_are_read(tmp_path):
    rows = _planted_rows(n_users=10)
    udata = tmp_path / "u.data"
    udata.write_text("".join(f"{u}\t{i}\t{r}\t{t}\n" for u, i, r, t in rows), encoding="utf-8")
    colons = tmp_path / "ratings.dat"
    colons.write_text("".join(f"{u}::{i}::{r}::{t}\n" for u, i, r, t in rows), encoding="utf-8")
    inter = tmp_path / "ml.inter"
    inter.write_text(
        "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
        + "".join(f"{u}\t{i}\t{r}\t{t}\n" for u, i, r, t in rows),
        encoding="utf-8",
    )

    sizes = {
        path.name: load_ratings(path, file_format=fmt).users.size
        for path, fmt in ((udata, "auto"), (udata, "movielens"), (colons, "auto"), (inter, "auto"))
    }

    assert set(sizes.values()) == {60}
    # The times are read in every format (the MovieLens fourth field, the RecBole column).
    expected = sorted(t for _u, _i, _r, t in rows)
    for path in (udata, colons, inter):
        assert sorted(load_ratings(path).timestamps.tolist()) == expected


def test_times_are_read_from_a_csv_and_only_the_training_cells_reach_the_models(ratings_csv, tmp_path):
    # given
    data = load_ratings(ratings_csv)
    mask = per_user_split(data.users, train_fraction=0.75, seed=42, n_users=data.n_users)

    # when
    times = data.timestamp_matrix(mask)

    # then: one time per training cell (each learner's rows carry 1,000,000 + their number),
    # none for a held-out cell; a file without times has none at all
    assert times.nnz == int(mask.sum())
    assert np.array_equal(np.sort(times.data), np.sort(data.timestamps[mask]))
    held_out = np.asarray(times[data.users[~mask], data.items[~mask]]).ravel()
    assert (held_out == 0).all()
    plain = tmp_path / "plain.csv"
    plain.write_text("user,item\nu1,i1\nu2,i1\n", encoding="utf-8")
    assert load_ratings(plain).timestamps is None and load_ratings(plain).timestamp_matrix() is None


@pytest.mark.parametrize(
    ("content", "options", "message"),
    [
        ("", {}, "is empty"),
        ("a,b\n1,2\n", {}, "must name the columns 'user' and 'item'"),
        ("user,item\n", {}, "holds no interactions"),
        ("user,item\nu,i\n", {"algorithms": "magic"}, "unknown algorithms: magic"),
    ],
)
def test_bad_input_is_a_command_error(tmp_path, content, options, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError, match=message):
        call_command("evaluate_recommender", ratings=str(path), stdout=StringIO(), **options)


def test_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("evaluate_recommender", ratings=str(tmp_path / "none.csv"), stdout=StringIO())


def test_the_split_keeps_three_quarters_of_each_user_and_depends_on_the_seed():
    users = np.repeat(np.arange(5), 8)

    first = per_user_split(users, train_fraction=0.75, seed=42)
    again = per_user_split(users, train_fraction=0.75, seed=42)
    other = per_user_split(users, train_fraction=0.75, seed=43)

    assert np.bincount(users[first]).tolist() == [6, 6, 6, 6, 6]
    assert (first == again).all()
    assert not (first == other).all()
