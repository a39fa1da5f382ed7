"""Events of the campaign lifecycle for apps on higher floors (notifications). Sent
inside the transaction of the change."""

from django.dispatch import Signal

# Staff approved or rejected a submitted campaign. Arguments: ``campaign``, ``approved``.
campaign_reviewed = Signal()
# Spend was recorded on a campaign with a budget. Arguments: ``campaign``, ``spent``.
campaign_spend_recorded = Signal()
