"""Offline evaluation on an interaction file; prints one JSON object (see CONTRACTS.md)."""

import json

from django.core.management.base import BaseCommand, CommandError

from recommender.evaluation import EVALUATED, EVALUATION_EASE_MAX, evaluate
from recommender.ratings import FORMATS, RatingsFileError, load_ratings


class Command(BaseCommand):
    help = (
        "Evaluate every algorithm on MovieLens or CSV interactions: per-user random 75/25 split with "
        "the seed, items seen in training removed, every held-out item relevant, metrics at k."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ratings", required=True, help="Path of the interaction file.")
        parser.add_argument("--format", default="auto", choices=FORMATS)
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--algorithms",
            default=",".join(EVALUATED),
            help=f"Comma-separated subset of {', '.join(EVALUATED)} (popularity is always included).",
        )
        parser.add_argument(
            "--ease-max-items",
            type=int,
            default=EVALUATION_EASE_MAX,
            help="Largest dense system EASE solves (items, or learners when fewer); above it "
            "RP3beta is evaluated in its place.",
        )

    def handle(self, *args, **options):
        names = [name.strip() for name in options["algorithms"].split(",") if name.strip()]
        unknown = sorted(set(names) - set(EVALUATED))
        if unknown:
            raise CommandError(
                f"unknown algorithms: {', '.join(unknown)}; choose from {', '.join(EVALUATED)}"
            )
        if options["k"] < 1:
            raise CommandError("--k must be at least 1")
        try:
            data = load_ratings(options["ratings"], file_format=options["format"])
        except RatingsFileError as exc:
            raise CommandError(str(exc)) from exc
        result = evaluate(
            data,
            algorithms=names,
            k=options["k"],
            seed=options["seed"],
            ease_max_items=options["ease_max_items"],
        )
        self.stdout.write(json.dumps(result, ensure_ascii=False))
