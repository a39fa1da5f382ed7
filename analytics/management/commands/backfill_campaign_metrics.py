"""``backfill_campaign_metrics --from YYYY-MM-DD --to YYYY-MM-DD``: reruns the nightly
metrics job for every day of the range (inclusive); safe to repeat."""

from django.core.management.base import BaseCommand, CommandError

from analytics.management.commands.compute_campaign_metrics import parse_day
from analytics.metrics import campaign_metrics_backfill

MAX_DAYS = 3660


class Command(BaseCommand):
    help = "Recompute the campaign metric rows of a range of days (inclusive)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")

    def handle(self, *args, **options):
        date_from = parse_day(options["date_from"], "--from")
        date_to = parse_day(options["date_to"], "--to")
        if date_from > date_to:
            raise CommandError("--from must not be after --to")
        if (date_to - date_from).days >= MAX_DAYS:
            raise CommandError(f"a backfill covers at most {MAX_DAYS} days")
        for result in campaign_metrics_backfill(date_from=date_from, date_to=date_to):
            self.stdout.write(
                f"{result.day.isoformat()}: {result.campaigns} campaigns, {result.daily_rows} daily rows, "
                f"{result.market_rows} market rows"
            )
