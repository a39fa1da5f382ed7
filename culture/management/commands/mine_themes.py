"""Mine the cultural themes now (the nightly job) and print a JSON summary; with
``--evaluate``, precision@k of the proposals against the hand-labelled demo courses."""

import json

from django.core.management.base import BaseCommand

from culture.evaluation import LABELS_PATH, load_labels, precision_at_k
from culture.services import themes_mine


class Command(BaseCommand):
    help = "Mine cultural themes from every course's texts and propose theme tags per course."

    def add_arguments(self, parser):
        parser.add_argument("--evaluate", action="store_true", help="Print precision@k against the labels.")
        parser.add_argument("--labels", default=str(LABELS_PATH), help="JSON file of hand-labelled courses.")
        parser.add_argument("--k", type=int, default=5)
        parser.add_argument("--details", action="store_true", help="Include per-course proposals.")

    def handle(self, *args, **options):
        summary = themes_mine()
        if options["evaluate"]:
            evaluation = precision_at_k(load_labels(options["labels"]), k=options["k"])
            if not options["details"]:
                evaluation.pop("per_course")
                evaluation.pop("proposed")
            summary["evaluation"] = evaluation
        self.stdout.write(json.dumps(summary, ensure_ascii=False, sort_keys=True))
