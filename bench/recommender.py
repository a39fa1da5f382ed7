"""Benchmark of the recommender's training core on generated data.

For each size: build the CSR matrix from interaction arrays, fit the collaborative model
(EASE while the catalog is within ``RECOMMENDER_EASE_MAX_ITEMS``, item-kNN above it) and
compute every learner's top-N in batches. Each size runs in its own process so the peak
memory (max RSS) is that size's own. Run: ``.venv/bin/python bench/recommender.py``
(``--sizes small,medium`` to pick, ``--top-n 20``).
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

SIZES = {
    "small": {"interactions": 100_000, "learners": 10_000, "courses": 2_000},
    "medium": {"interactions": 1_000_000, "learners": 100_000, "courses": 5_000},
    "large": {"interactions": 5_000_000, "learners": 500_000, "courses": 20_000},
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


def run(name: str, top_n: int) -> dict:
    size = SIZES[name]
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
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "size": name,
        **size,
        "algorithm": model.name,
        "matrix_seconds": round(built - started, 2),
        "fit_seconds": round(fitted - built, 2),
        "top_n_seconds": round(done - fitted, 2),
        "total_seconds": round(done - started, 2),
        # CPU time (all threads): comparable between runs even when the machine is busy.
        "cpu_seconds": round(cpu, 2),
        "peak_memory_mib": round(peak_kib / 1024, 1),
        "recommendations": listed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--top-n", type=int, default=20)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run(args.one, args.top_n)))
        return
    print(
        f"{'size':<8}{'interactions':>13}{'learners':>10}{'courses':>9}  {'algorithm':<9}"
        f"{'matrix s':>9}{'fit s':>8}{'top-N s':>9}{'total s':>9}{'cpu s':>8}{'peak MiB':>10}"
    )
    for name in args.sizes.split(","):
        output = subprocess.run(
            [sys.executable, __file__, "--one", name, "--top-n", str(args.top_n)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")},
        ).stdout
        r = json.loads(output.strip().splitlines()[-1])
        print(
            f"{r['size']:<8}{r['interactions']:>13,}{r['learners']:>10,}{r['courses']:>9,}"
            f"  {r['algorithm']:<9}"
            f"{r['matrix_seconds']:>9}{r['fit_seconds']:>8}{r['top_n_seconds']:>9}{r['total_seconds']:>9}"
            f"{r['cpu_seconds']:>8}"
            f"{r['peak_memory_mib']:>10}"
        )


if __name__ == "__main__":
    main()
