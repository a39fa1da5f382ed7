"""Benchmark of the recommender's training core on generated data.

For each size: build the CSR matrix from interaction arrays, fit the collaborative model
(EASE while the catalog is within ``RECOMMENDER_EASE_MAX_ITEMS``, item-kNN above it) and
compute every learner's top-N in batches. Each size runs in its own process so the peak
memory (max RSS) is that size's own.

Two series: ``scaled`` grows learners and courses with the interactions (the sizes of the
issue), ``fixed`` keeps the catalog at 5,000 courses so the growth in interactions is seen
apart from the growth of the catalog. For each series the ratio of time per million
interactions between its sizes says how close to linear it is (1.0 is linear); ``cand/int``
is the number of candidates the sparse scoring ranks per interaction (at most the number of
neighbours k = 50), the quantity the item-kNN cost follows. CPU seconds are printed beside
wall seconds because the machine may be shared: the load average (``os.getloadavg()``) is
printed with every run.

Two more series: ``ease`` fits EASE (float32 Cholesky) on catalogs of 5,000 and 10,000
courses (its limit) and prints time and peak memory; ``nightly`` computes what the nightly
job stores, every learner's re-ranked top-N list with its reasons' anchors, for 500,000
learners x 20,000 courses from a hybrid of RP3beta, content similarity and popularity, a
block of learners at a time from sparse products (``recommender.listing``), without the
database writes. ``nightly-dense`` (not in the default run) times the first 16,384 of those
learners both ways: from sparse products and by the dense per-batch scoring used before.

Run: ``.venv/bin/python bench/recommender.py`` (``--series fixed``, ``--sizes large``,
``--top-n 20``; ``--series ease,nightly``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recommender.algorithms import (
    EASE,
    ContentSimilarity,
    Hybrid,
    ItemKNN,
    Popularity,
    RP3beta,
    collaborative_model,
)
from recommender.listing import iter_lists
from recommender.reranking import RerankConfig
from recommender.topn import iter_top_n

SERIES = {
    "scaled": {
        "small": {"interactions": 100_000, "learners": 10_000, "courses": 2_000},
        "medium": {"interactions": 1_000_000, "learners": 100_000, "courses": 5_000},
        "large": {"interactions": 5_000_000, "learners": 500_000, "courses": 20_000},
    },
    "fixed": {
        "small": {"interactions": 100_000, "learners": 10_000, "courses": 5_000},
        "medium": {"interactions": 1_000_000, "learners": 100_000, "courses": 5_000},
        "large": {"interactions": 5_000_000, "learners": 500_000, "courses": 5_000},
    },
}
EASE_MAX_ITEMS = 10_000
KNN_K = 50
EASE_SIZES = {"5k": 5_000, "10k": 10_000}
NIGHTLY = {"large": {"interactions": 5_000_000, "learners": 500_000, "courses": 20_000}}


def generate(*, interactions: int, learners: int, courses: int, seed: int = 0):
    """Learners with a topic; 80% of their interactions fall in it, with a skewed
    popularity inside the topic; the rest anywhere."""
    rng = np.random.default_rng(seed)
    topics = 50
    per_topic = courses // topics
    user_topic = rng.integers(0, topics, learners)
    users = rng.integers(0, learners, interactions)
    in_topic = rng.random(interactions) < 0.8
    offset = np.floor(per_topic * rng.random(interactions) ** 2).astype(np.int64)
    items = np.where(in_topic, user_topic[users] * per_topic + offset, rng.integers(0, courses, interactions))
    weights = rng.choice(np.array([1.0, 1.5, 2.0], dtype=np.float32), interactions)
    return users.astype(np.int64), items.astype(np.int64), weights


def run(series: str, name: str, top_n: int) -> dict:
    size = SERIES[series][name]
    load_before = os.getloadavg()[0]
    users, items, weights = generate(**size)
    started = time.perf_counter()
    cpu_started = time.process_time()
    matrix = sp.csr_matrix(
        (weights, (users, items)), shape=(size["learners"], size["courses"]), dtype=np.float32
    )
    matrix.sum_duplicates()
    built = time.perf_counter()
    model = collaborative_model(
        n_items=size["courses"], ease_lambda=500.0, ease_max_items=EASE_MAX_ITEMS, knn_k=KNN_K
    ).fit(matrix)
    fitted = time.perf_counter()
    listed = 0
    for _users, _items, scores in iter_top_n(model, matrix, n=top_n, batch_size=2048):
        listed += int(np.isfinite(scores).sum())
    done = time.perf_counter()
    cpu = time.process_time() - cpu_started
    # Outside the timing: the candidates the sparse scoring looks at (nonzeros of X @ S) per
    # interaction. Scoring is linear in interactions exactly when this stays flat; it is at
    # most the number of neighbours k, and grows towards it when a bigger catalog gives each
    # history more distinct neighbours.
    candidates = None
    if hasattr(model, "sparse_score"):
        candidates = sum(
            model.sparse_score(matrix[start : start + 8192]).nnz for start in range(0, matrix.shape[0], 8192)
        )
        candidates /= matrix.nnz
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    millions = size["interactions"] / 1e6
    return {
        "series": series,
        "size": name,
        **size,
        "algorithm": model.name,
        "matrix_seconds": round(built - started, 2),
        "fit_seconds": round(fitted - built, 2),
        "top_n_seconds": round(done - fitted, 2),
        "total_seconds": round(done - started, 2),
        # CPU time (all threads): comparable between runs even when the machine is busy.
        "cpu_seconds": round(cpu, 2),
        "seconds_per_million": round((done - started) / millions, 2),
        "cpu_seconds_per_million": round(cpu / millions, 2),
        "peak_memory_mib": round(peak_kib / 1024, 1),
        "recommendations": listed,
        "candidates_per_interaction": None if candidates is None else round(candidates, 1),
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
    }


def run_ease(name: str) -> dict:
    """EASE on ``n`` courses with 20 interactions per course (4 learners per course)."""
    n = EASE_SIZES[name]
    users, items, weights = generate(interactions=20 * n, learners=4 * n, courses=n)
    matrix = sp.csr_matrix((weights, (users, items)), shape=(4 * n, n), dtype=np.float32)
    matrix.sum_duplicates()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu_started = time.perf_counter(), time.process_time()
    model = EASE(lambda_=500.0, max_items=EASE_MAX_ITEMS).fit(matrix)
    fitted = time.perf_counter()
    listed = sum(int(np.isfinite(s).sum()) for _u, _i, s in iter_top_n(model, matrix[:20_000], n=20))
    return {
        "series": "ease",
        "courses": n,
        "learners": 4 * n,
        "interactions": int(matrix.nnz),
        "fit_seconds": round(fitted - started, 2),
        "top_n_seconds_20k_learners": round(time.perf_counter() - fitted, 2),
        "cpu_seconds": round(time.process_time() - cpu_started, 2),
        "peak_memory_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_before_fit_mib": round(before / 1024, 1),
        "recommendations": listed,
        "load": round(os.getloadavg()[0], 2),
    }


def run_nightly(name: str, top_n: int, *, dense_sample: int = 0) -> dict:
    """The lists of the nightly job (no database): fit the parts, then every learner's
    re-ranked list, a block of 2,048 learners at a time. With ``dense_sample``, only the
    first that many learners, each way: from sparse products and by the dense scoring
    the job used before (a learners x courses block per batch), for comparison."""
    size = NIGHTLY[name]
    users, items, weights = generate(**size)
    courses = size["courses"]
    matrix = sp.csr_matrix((weights, (users, items)), shape=(size["learners"], courses), dtype=np.float32)
    matrix.sum_duplicates()
    topics = 50
    domains = np.minimum(np.arange(courses) // (courses // topics), topics - 1)
    rng = np.random.default_rng(1)
    # Course texts: the topic's words and a few random ones (TF-IDF-like, L2-normalized rows).
    words = np.concatenate([domains[:, None], topics + rng.integers(0, 5_000, (courses, 6))], axis=1)
    features = sp.csr_matrix(
        (
            np.ones(words.size, dtype=np.float32),
            (np.repeat(np.arange(courses), words.shape[1]), words.ravel()),
        ),
        shape=(courses, topics + 5_000),
    )
    features = sp.csr_matrix(
        sp.diags(1.0 / np.sqrt(np.asarray(features.multiply(features).sum(axis=1)).ravel())) @ features
    )
    available = rng.random(courses) >= 0.02
    load_before = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    model = Hybrid(
        parts=[RP3beta(k=KNN_K), ContentSimilarity(item_features=features, k=KNN_K), Popularity()],
        weights=[0.6, 0.2, 0.2],
    ).fit(matrix)
    knn = ItemKNN(k=KNN_K).fit(matrix)
    explanation = (knn.similarity.T.tocsr() + model.parts[1].similarity.T.tocsr() * np.float32(0.5)).tocsr()
    fitted = time.perf_counter()
    fit_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    config = RerankConfig(n=top_n, diversity=0.8, cross_domain_picks=1, cross_domain_position=3)
    if dense_sample:
        return _compare_dense(model, matrix[:dense_sample], domains, available, explanation, config)
    listed = learners = 0
    for block in iter_lists(
        model,
        matrix,
        domains=domains,
        available=available,
        explanation=explanation,
        config=config,
        batch_size=2048,
    ):
        listed += int(np.isfinite(block.scores).sum())
        learners += block.rows.size
    done = time.perf_counter()
    return {
        "series": "nightly",
        "size": name,
        **size,
        "fit_seconds": round(fitted - started, 2),
        "lists_seconds": round(done - fitted, 2),
        "total_seconds": round(done - started, 2),
        "cpu_seconds": round(time.process_time() - cpu_started, 2),
        "peak_memory_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_after_fit_mib": round(fit_peak / 1024, 1),
        "learners_listed": learners,
        "recommendations": listed,
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
    }


def _compare_dense(model, sample, domains, available, explanation, config) -> dict:
    from recommender.reranking import explain_anchors, rerank
    from recommender.topn import mask_rows

    n_domains = int(domains.max()) + 1
    item_domain = sp.csr_matrix(
        (np.ones(domains.size, dtype=np.float32), (np.arange(domains.size), domains)),
        shape=(domains.size, n_domains),
    )
    timings = {}
    cpu = time.process_time()
    wall = time.perf_counter()
    for _block in iter_lists(
        model,
        sample,
        domains=domains,
        available=available,
        explanation=explanation,
        config=config,
        batch_size=2048,
    ):
        pass
    timings["sparse"] = (time.perf_counter() - wall, time.process_time() - cpu)
    peak_sparse = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu = time.process_time()
    wall = time.perf_counter()
    for start in range(0, sample.shape[0], 2048):
        rows = sample[start : start + 2048]
        scores = model.score(rows)
        mask_rows(scores, rows)
        scores[:, ~available] = -np.inf
        touched = np.asarray((rows @ item_domain).todense()) > 0
        items, _scores, _new = rerank(scores, domains=domains, touched=touched, config=config)
        explain_anchors(explanation, rows, items)
    timings["dense"] = (time.perf_counter() - wall, time.process_time() - cpu)
    per = 100_000 / sample.shape[0]
    return {
        "series": "nightly-dense-comparison",
        "learners": sample.shape[0],
        "courses": sample.shape[1],
        "sparse_wall_s": round(timings["sparse"][0], 2),
        "sparse_cpu_s": round(timings["sparse"][1], 2),
        "dense_wall_s": round(timings["dense"][0], 2),
        "dense_cpu_s": round(timings["dense"][1], 2),
        "sparse_cpu_s_per_100k_learners": round(timings["sparse"][1] * per, 1),
        "dense_cpu_s_per_100k_learners": round(timings["dense"][1] * per, 1),
        "peak_after_sparse_mib": round(peak_sparse / 1024, 1),
        "peak_after_dense_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "load": round(os.getloadavg()[0], 2),
    }


HEADER = (
    f"{'size':<8}{'interactions':>13}{'learners':>10}{'courses':>9}  {'algorithm':<9}"
    f"{'matrix s':>9}{'fit s':>8}{'top-N s':>9}{'wall s':>8}{'cpu s':>8}"
    f"{'wall s/M':>10}{'cpu s/M':>9}{'peak MiB':>10}{'cand/int':>10}{'load':>12}"
)


def row(r: dict) -> str:
    load = f"{r['load_before']:.1f}->{r['load_after']:.1f}"
    candidates = "-" if r["candidates_per_interaction"] is None else r["candidates_per_interaction"]
    return (
        f"{r['size']:<8}{r['interactions']:>13,}{r['learners']:>10,}{r['courses']:>9,}"
        f"  {r['algorithm']:<9}"
        f"{r['matrix_seconds']:>9}{r['fit_seconds']:>8}{r['top_n_seconds']:>9}{r['total_seconds']:>8}"
        f"{r['cpu_seconds']:>8}{r['seconds_per_million']:>10}{r['cpu_seconds_per_million']:>9}"
        f"{r['peak_memory_mib']:>10}{candidates:>10}{load:>12}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", default=",".join([*SERIES, "ease", "nightly"]))
    parser.add_argument("--sizes", default="small,medium,large")
    parser.add_argument("--top-n", type=int, default=20)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        series, name = args.one.split(":")
        if series == "ease":
            print(json.dumps(run_ease(name)))
        elif series == "nightly":
            print(json.dumps(run_nightly(name, args.top_n)))
        elif series == "nightly-dense":
            print(json.dumps(run_nightly(name, args.top_n, dense_sample=16_384)))
        else:
            print(json.dumps(run(series, name, args.top_n)))
        return
    print(f"cores: {os.cpu_count()}  load average (1, 5, 15 min): {os.getloadavg()}")
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
    for series in args.series.split(","):
        if series in ("ease", "nightly", "nightly-dense"):
            names = EASE_SIZES if series == "ease" else NIGHTLY
            print(f"\nseries {series}")
            for name in names:
                output = subprocess.run(
                    [sys.executable, __file__, "--one", f"{series}:{name}", "--top-n", str(args.top_n)],
                    check=True,
                    capture_output=True,
                    text=True,
                    env=env,
                ).stdout
                print(json.dumps(json.loads(output.strip().splitlines()[-1])), flush=True)
            continue
        print(f"\nseries {series}" + (" (catalog fixed at 5,000 courses)" if series == "fixed" else ""))
        print(HEADER)
        results = []
        for name in args.sizes.split(","):
            output = subprocess.run(
                [sys.executable, __file__, "--one", f"{series}:{name}", "--top-n", str(args.top_n)],
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")},
            ).stdout
            results.append(json.loads(output.strip().splitlines()[-1]))
            print(row(results[-1]), flush=True)
        results.sort(key=lambda r: r["interactions"])
        pairs = [(results[i], results[i + 1]) for i in range(len(results) - 1)]
        if len(results) > 2:
            pairs.append((results[0], results[-1]))
        for low, high in pairs:
            print(
                f"time per million interactions, {high['size']} / {low['size']} "
                f"({high['interactions'] / low['interactions']:.0f}x the interactions): "
                f"wall {high['seconds_per_million'] / low['seconds_per_million']:.2f}, "
                f"cpu {high['cpu_seconds_per_million'] / low['cpu_seconds_per_million']:.2f} (1.0 = linear)"
            )
    print(f"\nload average at the end (1, 5, 15 min): {os.getloadavg()}")


if __name__ == "__main__":
    main()
