"""A month's statement and a full payout on SQLite (``make run``'s first-run default), in a
subprocess with its own database. SQLite adds decimals as floats: its sums of the ledger
came back as 8507.62999999997, and its CHECK constraint computed 0 + 8507.63 - 322.07 as
8185.559999999999, so the demo history could not close its months there."""

from tests.sqlite_run import run_on_sqlite

SCRIPT = """
import json
from datetime import date
from django.core.management import call_command
call_command("migrate", verbosity=0)
from payouts.models import PartnerStatement
from payouts.services import partner_balance, payout_record, statements_close_due
from tests.analytics.factories import at, campaign, partner
from tests.payouts.builders import earn, reverse_share
bank = partner("bank")
spring = campaign(bank, name="Spring")
sale = earn(bank, spring, "8507.63", date(2026, 1, 5))
reverse_share(bank, sale, "322.07", date(2026, 1, 9))
earn(bank, spring, "0.70", date(2026, 1, 10))  # 0.7 + 0.1 is 0.7999999999999999 as floats
earn(bank, spring, "0.10", date(2026, 1, 11))
closed = statements_close_due(now=at(date(2026, 2, 10)))
statement = PartnerStatement.objects.get(partner=bank, currency="USD")
balance = partner_balance(partner_id=bank.pk, currency="USD")
payout_record(partner=bank, currency="USD", amount=balance, paid_on=date(2026, 2, 10), reference="TRX-ALL",
              now=at(date(2026, 2, 10)))
print(json.dumps({
    "closed": closed, "earned": str(statement.earned), "reversed": str(statement.reversed),
    "closing": str(statement.closing_balance), "balance": str(balance),
    "left": str(partner_balance(partner_id=bank.pk, currency="USD")),
}))
"""


def test_a_month_closes_and_pays_out_to_the_cent_on_sqlite(tmp_path):
    found = run_on_sqlite(SCRIPT, tmp_path / "statements.sqlite3")
    assert found == {
        "closed": 1,
        "earned": "8508.43",
        "reversed": "-322.07",
        "closing": "8186.36",
        "balance": "8186.36",
        "left": "0.00",
    }
