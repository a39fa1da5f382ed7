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

Run: ``.venv/bin/python bench/recommender.py`` (``--series fixed``, ``--sizes large``,
``--top-n 20``).
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

from recommender.algorithms import collaborative_model, iter_top_n

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
EASE_MAX_ITEMS = 3000
KNN_K = 50


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
    parser.add_argument("--series", default=",".join(SERIES))
    parser.add_argument("--sizes", default="small,medium,large")
    parser.add_argument("--top-n", type=int, default=20)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        series, name = args.one.split(":")
        print(json.dumps(run(series, name, args.top_n)))
        return
    print(f"cores: {os.cpu_count()}  load average (1, 5, 15 min): {os.getloadavg()}")
    for series in args.series.split(","):
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
