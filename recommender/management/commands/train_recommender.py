"""Train a recommender version (the nightly pipeline, on demand) and print one JSON line."""

import json

from django.core.management.base import BaseCommand

from recommender.services import recommender_train


def version_summary(version) -> dict:
    return {
        "version": version.pk,
        "status": version.status,
        "activated": version.is_active,
        "note": version.note,
        "algorithm": version.algorithm,
        "users": version.n_users,
        "items": version.n_items,
        "interactions": version.n_interactions,
        "duration_seconds": version.duration_seconds,
        "metrics": version.metrics,
    }


class Command(BaseCommand):
    help = "Train the recommender, activate the new version if it is good enough, print its metrics as JSON."

    def add_arguments(self, parser):
        parser.add_argument(
            "--run-key", default="", help="Skip training when a version with this key exists."
        )
        parser.add_argument(
            "--force-activate", action="store_true", help="Activate even when worse than the active version."
        )

    def handle(self, *args, **options):
        version = recommender_train(run_key=options["run_key"], force_activate=options["force_activate"])
        self.stdout.write(json.dumps(version_summary(version), ensure_ascii=False, sort_keys=True))
