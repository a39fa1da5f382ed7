"""What a campaign's audience may name, and who is in it.

The learner segments belong to the recommender, a floor above this app: it registers its
segment source here from ``AppConfig.ready()``, so campaign services can check the segments
a partner picks without importing upwards. Without a registered source (the recommender not
installed, or no trained version yet) no segment can be chosen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SegmentCatalog:
    """The segments of the active recommender version: ``labels`` maps each segment's number
    to its description in the active language, ``sizes`` to its number of learners."""

    version_id: int | None
    labels: dict[int, str] = field(default_factory=dict)
    sizes: dict[int, int] = field(default_factory=dict)


_segment_source: Callable[[], SegmentCatalog] | None = None


def register_segment_source(source: Callable[[], SegmentCatalog]) -> None:
    global _segment_source
    _segment_source = source


def segment_catalog() -> SegmentCatalog:
    if _segment_source is None:
        return SegmentCatalog(version_id=None)
    return _segment_source()
