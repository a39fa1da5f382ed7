"""Interaction files for the offline evaluation: MovieLens (``u.data`` tab-separated,
RecBole's ``.inter``) and CSV with a header, read into parallel arrays of dense indices
(with timestamps when the file has them)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

FORMATS = ("auto", "movielens", "csv")


class RatingsFileError(ValueError):
    """The interaction file cannot be read in the asked format."""


@dataclass
class Interactions:
    """Interactions as parallel arrays of dense indices; ``user_ids``/``item_ids`` map an
    index back to the original identifier; ``timestamps`` (seconds, 0 when unknown) and
    ``ratings`` (the stars, 0 when unknown) when the file has them."""

    users: np.ndarray
    items: np.ndarray
    weights: np.ndarray
    user_ids: np.ndarray
    item_ids: np.ndarray
    timestamps: np.ndarray | None = None
    ratings: np.ndarray | None = None

    @property
    def n_users(self) -> int:
        return int(self.user_ids.size)

    @property
    def n_items(self) -> int:
        return int(self.item_ids.size)

    def matrix(self, mask: np.ndarray | None = None) -> sp.csr_matrix:
        users, items, weights = self.users, self.items, self.weights
        if mask is not None:
            users, items, weights = users[mask], items[mask], weights[mask]
        matrix = sp.csr_matrix(
            (weights.astype(np.float32), (users, items)), shape=(self.n_users, self.n_items)
        )
        matrix.sum_duplicates()
        return matrix

    def timestamp_matrix(self, mask: np.ndarray | None = None) -> sp.csr_matrix | None:
        """Each cell's time (users x items, float64), for the cells of ``mask``; ``None``
        when the file has no times. Training-side only: the test cells are never in it."""
        if self.timestamps is None:
            return None
        users, items, stamps = self.users, self.items, self.timestamps
        if mask is not None:
            users, items, stamps = users[mask], items[mask], stamps[mask]
        return sp.csr_matrix((stamps.astype(np.float64), (users, items)), shape=(self.n_users, self.n_items))

    def rating_matrix(self, mask: np.ndarray | None = None) -> sp.csr_matrix | None:
        """Each cell's rating (users x items, float32), for the cells of ``mask``; ``None``
        when the file has no ratings. Training-side only, like ``timestamp_matrix``: what a
        held-out cell was rated never reaches a model (relevance there stays binary)."""
        if self.ratings is None:
            return None
        users, items, ratings = self.users, self.items, self.ratings
        if mask is not None:
            users, items, ratings = users[mask], items[mask], ratings[mask]
        return sp.csr_matrix((ratings.astype(np.float32), (users, items)), shape=(self.n_users, self.n_items))


def interactions_from_arrays(
    users: np.ndarray,
    items: np.ndarray,
    weights: np.ndarray | None = None,
    timestamps: np.ndarray | None = None,
    ratings: np.ndarray | None = None,
) -> Interactions:
    user_ids, user_index = np.unique(users, return_inverse=True)
    item_ids, item_index = np.unique(items, return_inverse=True)
    if weights is None:
        weights = np.ones(user_index.size, dtype=np.float32)
    # One cell per (user, item): a repeated pair is one interaction for the split.
    pair = user_index.astype(np.int64) * max(item_ids.size, 1) + item_index
    _, first = np.unique(pair, return_index=True)
    first.sort()
    return Interactions(
        users=user_index[first].astype(np.int64),
        items=item_index[first].astype(np.int64),
        weights=np.asarray(weights, dtype=np.float32)[first],
        user_ids=user_ids,
        item_ids=item_ids,
        timestamps=None if timestamps is None else np.asarray(timestamps, dtype=np.float64)[first],
        ratings=None if ratings is None else np.asarray(ratings, dtype=np.float32)[first],
    )


def _positive(value: str | None) -> float:
    """A Unix time in seconds or a rating; 0 (unknown) when the field is missing or not a
    positive number."""
    try:
        number = float(value) if value else 0.0
    except ValueError:
        return 0.0
    return number if np.isfinite(number) and number > 0 else 0.0


def _sniff_format(first_line: str) -> str:
    if "::" in first_line:
        return "movielens"
    lowered = first_line.lower()
    if "\t" in first_line:
        # MovieLens u.data has no header; RecBole's .inter files have a typed header.
        return "recbole" if ":token" in lowered or "user_id" in lowered else "movielens"
    return "csv"


def load_ratings(path: str | Path, *, file_format: str = "auto") -> Interactions:
    """Read MovieLens ``u.data`` (tab-separated, no header), MovieLens ``::`` files,
    RecBole ``.inter`` files (tab-separated, typed header ``user_id:token ...``) or a CSV
    whose header names ``user`` and ``item`` (``rating`` and ``timestamp`` optional)."""
    path = Path(path)
    if file_format not in FORMATS:
        raise RatingsFileError(f"unknown format {file_format!r}; use one of {', '.join(FORMATS)}")
    try:
        with path.open(encoding="utf-8") as handle:
            first_line = handle.readline()
    except OSError as exc:
        raise RatingsFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not first_line.strip():
        raise RatingsFileError(f"{path} is empty")
    detected = _sniff_format(first_line)
    if file_format == "movielens" and detected == "csv":
        raise RatingsFileError(f"{path} does not look like a MovieLens file")
    kind = detected if file_format == "auto" else file_format
    if kind == "movielens" and detected == "recbole":
        kind = "recbole"
    users: list[str] = []
    items: list[str] = []
    # Times are read when the file has them (MovieLens: the fourth field; RecBole: the
    # ``timestamp`` column; CSV: an optional ``timestamp`` column). Only models fitted on
    # the training part use them; relevance on the test part stays binary.
    stamps: list[float] = []
    # Ratings likewise (MovieLens: the third field; RecBole: ``rating``; CSV: ``rating``):
    # models may read the training cells' stars as a confidence, never the test cells'.
    stars: list[float] = []
    with path.open(encoding="utf-8", newline="") as handle:
        if kind in ("movielens", "recbole"):
            time_column, rating_column = 3, 2
            if kind == "recbole":
                header = [name.split(":")[0].strip().lower() for name in handle.readline().split("\t")]
                time_column = header.index("timestamp") if "timestamp" in header else -1
                rating_column = header.index("rating") if "rating" in header else -1
            separator = "::" if "::" in first_line else "\t"
            for line in handle:
                parts = line.rstrip("\r\n").split(separator)
                if len(parts) >= 2 and parts[0]:
                    users.append(parts[0])
                    items.append(parts[1])
                    stamps.append(_positive(parts[time_column]) if 0 <= time_column < len(parts) else 0.0)
                    stars.append(_positive(parts[rating_column]) if 0 <= rating_column < len(parts) else 0.0)
        else:
            reader = csv.DictReader(handle)
            columns = {name.strip().lower(): name for name in reader.fieldnames or []}
            if "user" not in columns or "item" not in columns:
                raise RatingsFileError(f"{path}: the CSV header must name the columns 'user' and 'item'")
            for row in reader:
                user, item = row.get(columns["user"]), row.get(columns["item"])
                if user and item:
                    users.append(user.strip())
                    items.append(item.strip())
                    stamp = row.get(columns["timestamp"]) if "timestamp" in columns else None
                    stamps.append(_positive(stamp))
                    stars.append(_positive(row.get(columns["rating"]) if "rating" in columns else None))
    if not users:
        raise RatingsFileError(f"{path} holds no interactions")
    times = np.asarray(stamps, dtype=np.float64)
    rated = np.asarray(stars, dtype=np.float32)
    return interactions_from_arrays(
        np.asarray(users),
        np.asarray(items),
        timestamps=times if (times > 0).any() else None,
        ratings=rated if (rated > 0).any() else None,
    )
