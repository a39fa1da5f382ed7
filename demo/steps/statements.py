"""Closes the partner statements of every complete month the seeded history covers, so the
portal's Statements page and the partner API show real months on a fresh ``make run``.
Idempotent: closed months are not closed again."""

import random

from payouts.services import statements_close_due


def run(*, rng: random.Random, options: dict, stdout) -> None:
    written = statements_close_due()
    if written:
        stdout.write(f"  closed {written} partner statement(s)")
