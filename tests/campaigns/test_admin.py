"""Staff review in the Django admin: approve, reject with a reason."""

from decimal import Decimal

import pytest
from django.contrib import admin as django_admin
from django.contrib.messages.storage.fallback import FallbackStorage
from django.utils import timezone

from campaigns.models import Campaign, SpendEntry
from campaigns.tasks import campaigns_advance_schedule
from tests.factories import CourseFactory, UserFactory

from .factories import CampaignFactory

pytestmark = pytest.mark.django_db

URL = "/admin/campaigns/campaign/"


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_pages_render(staff_client):
    campaign = CampaignFactory(courses=[CourseFactory()])
    campaign.variants.create(name="A", headline_en="Hello")

    assert staff_client.get(URL).status_code == 200
    assert staff_client.get(f"{URL}{campaign.pk}/change/").status_code == 200
    for model in ("discountcode", "trackinglink", "touch", "orderattribution"):
        assert staff_client.get(f"/admin/campaigns/{model}/").status_code == 200
    # The nightly rows moved with their models to the analytics app.
    assert staff_client.get("/admin/analytics/campaigndailymetric/").status_code == 200


def test_staff_approves_a_submitted_campaign_and_it_starts(staff_client):
    campaign = CampaignFactory(status=Campaign.Status.SUBMITTED, starts_at=None)

    response = staff_client.post(URL, {"action": "approve", "_selected_action": [campaign.pk]})

    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.RUNNING


def test_staff_rejects_with_a_reason(staff_client):
    campaign = CampaignFactory(status=Campaign.Status.SUBMITTED)

    form = staff_client.post(URL, {"action": "reject", "_selected_action": [campaign.pk]})
    assert form.status_code == 200
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SUBMITTED

    staff_client.post(
        URL, {"action": "reject", "apply": "1", "reason": "Prices unclear", "_selected_action": [campaign.pk]}
    )
    campaign.refresh_from_db()
    assert (campaign.status, campaign.rejection_reason) == ("rejected", "Prices unclear")


def test_approving_a_draft_is_refused(staff_client):
    campaign = CampaignFactory(status=Campaign.Status.DRAFT)

    staff_client.post(URL, {"action": "approve", "_selected_action": [campaign.pk]})

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


def test_learner_cannot_open_the_admin(client):
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 302


def test_schedule_task_is_idempotent():
    CampaignFactory(status=Campaign.Status.APPROVED)

    assert campaigns_advance_schedule() == {"started": 1, "ended": 0, "ended_by_budget": 0}
    assert campaigns_advance_schedule() == {"started": 0, "ended": 0, "ended_by_budget": 0}


def test_spend_entered_in_the_admin_that_uses_up_the_budget_ends_the_campaign_at_once(rf):
    # given a running campaign with a 100 budget and a spend row of 100 typed in the inline
    campaign = CampaignFactory(budget_amount=Decimal("100"), budget_currency="USD")
    SpendEntry.objects.create(campaign=campaign, amount=Decimal("100"), date=timezone.localdate())
    request = rf.post(f"{URL}{campaign.pk}/change/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    request.session = {}
    request._messages = FallbackStorage(request)
    form = type("SavedForm", (), {"instance": campaign, "save_m2m": lambda self: None})()

    # when the admin saves the related rows of the change form
    django_admin.site._registry[Campaign].save_related(request, form, [], True)

    # then the campaign has ended without waiting for the scheduler
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ENDED
    assert [str(m) for m in request._messages] == ["The budget is used up: the campaign has ended."]


def test_spend_added_in_the_admin_inline_goes_through_the_service(rf):
    # given a running campaign with a 100 budget and its spend inline with one new row of 100
    campaign = CampaignFactory(budget_amount=Decimal("100"), budget_currency="USD")
    campaign_admin = django_admin.site._registry[Campaign]
    request = rf.post(f"{URL}{campaign.pk}/change/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    request.session = {}
    request._messages = FallbackStorage(request)
    inline = next(i for i in campaign_admin.get_inline_instances(request, campaign) if i.model is SpendEntry)
    formset = inline.get_formset(request, campaign)(
        {
            "spend_entries-TOTAL_FORMS": "1",
            "spend_entries-INITIAL_FORMS": "0",
            "spend_entries-0-amount": "100.00",
            "spend_entries-0-date": timezone.localdate().isoformat(),
            "spend_entries-0-note": "print ads",
        },
        instance=campaign,
        prefix="spend_entries",
    )
    assert formset.is_valid(), formset.errors
    form = type("SavedForm", (), {"instance": campaign})()

    # when the admin saves the inline
    campaign_admin.save_formset(request, form, formset, True)

    # then the row is recorded by spend_entry_add, which ended the campaign on its budget
    assert list(SpendEntry.objects.values_list("amount", "note")) == [(Decimal("100.00"), "print ads")]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ENDED
