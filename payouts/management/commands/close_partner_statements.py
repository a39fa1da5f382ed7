from django.core.management.base import BaseCommand

from payouts.services import statements_close_due


class Command(BaseCommand):
    help = "Close every complete month's partner statements that is not closed yet (idempotent)."

    def handle(self, *args, **options):
        written = statements_close_due()
        self.stdout.write(f"{written} statement(s) closed")
