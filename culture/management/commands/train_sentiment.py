"""Train the review-sentiment model now (the nightly job), score every review, look for
negative spikes, and print the held-out metrics as one JSON line."""

import json

from django.core.management.base import BaseCommand

from culture.services import sentiment_spikes_detect, sentiment_train_and_score


class Command(BaseCommand):
    help = "Train review sentiment on star-labelled reviews, score all reviews, raise spike alerts."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--no-alerts", action="store_true", help="Only train and score.")

    def handle(self, *args, **options):
        run = sentiment_train_and_score(seed=options["seed"])
        alerts = [] if options["no_alerts"] else sentiment_spikes_detect()
        self.stdout.write(
            json.dumps(
                {
                    "run": run.pk,
                    "n_train": run.n_train,
                    "n_test": run.n_test,
                    "metrics": run.metrics,
                    "alerts": len(alerts),
                },
                ensure_ascii=False,
                sort_keys=True,
            )
        )
