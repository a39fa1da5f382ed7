"""``translation_report``: per model, field and language, how many values are translated."""

import json

from django.core.management.base import BaseCommand

from core.translation_report import translation_report


class Command(BaseCommand):
    help = "Per model, field and language: translated values, total rows and the share in percent."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("table", "json"), default="table")

    def handle(self, *args, **options):
        rows = translation_report()
        if options["format"] == "json":
            self.stdout.write(json.dumps({"rows": [row.as_dict() for row in rows]}, ensure_ascii=False))
            return
        header = ("model", "field", "language", "translated", "total", "share")
        table = [header] + [
            (row.model, row.field, row.language, str(row.translated), str(row.total), f"{row.share}%")
            for row in rows
        ]
        widths = [max(len(line[i]) for line in table) for i in range(len(header))]
        numeric = {3, 4, 5}
        for index, line in enumerate(table):
            cells = [
                cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
                for i, cell in enumerate(line)
            ]
            self.stdout.write("  ".join(cells).rstrip())
            if index == 0:
                self.stdout.write("  ".join("-" * width for width in widths))
