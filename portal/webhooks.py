"""Partner-portal pages of webhooks: endpoints (owners add, switch on/off, test), the
delivery log with status, latency and the receiver's answer, and redelivery."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import ApplicationError
from partners.models import WebhookDelivery, WebhookEndpoint
from partners.webhooks import (
    EVENTS,
    webhook_endpoint_create,
    webhook_endpoint_update,
    webhook_ping,
    webhook_redeliver,
)

from .access import is_portal_owner, portal_member_required

DELIVERY_LOG_SIZE = 50


class EndpointForm(forms.Form):
    url = forms.CharField(label=gettext_lazy("URL"), max_length=500)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=[(value, label) for value, label in WebhookEndpoint.Event.choices if value in EVENTS],
        widget=forms.CheckboxSelectMultiple,
    )


def _endpoint(request: HttpRequest, pk: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(partner=request.portal_partner, pk=pk).first()
    if endpoint is None:
        raise Http404("webhook endpoint not found")
    return endpoint


def _list_page(request: HttpRequest, form: EndpointForm | None = None, status: int = 200) -> HttpResponse:
    context = {
        "endpoints": list(WebhookEndpoint.objects.filter(partner=request.portal_partner).order_by("id")),
        "form": form or EndpointForm(),
        "can_manage": is_portal_owner(request),
    }
    return render(request, "portal/partners/webhooks.html", context, status=status)


@require_GET
@portal_member_required
def webhook_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


@require_POST
@portal_member_required(owner_only=True)
def webhook_create(request: HttpRequest) -> HttpResponse:
    form = EndpointForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    try:
        endpoint = webhook_endpoint_create(
            partner=request.portal_partner, created_by=request.user, **form.cleaned_data
        )
    except ApplicationError as exc:
        form.add_error("url", str(exc.message))
        return _list_page(request, form, status=400)
    messages.success(request, _("Endpoint added. Copy its signing secret below."))
    return redirect("portal:webhook_detail", pk=endpoint.pk)


@require_GET
@portal_member_required
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-id")[:DELIVERY_LOG_SIZE]
    context = {"endpoint": endpoint, "deliveries": deliveries, "can_manage": is_portal_owner(request)}
    return render(request, "portal/partners/webhook_detail.html", context)


@require_POST
@portal_member_required(owner_only=True)
def webhook_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    if action == "ping":
        webhook_ping(endpoint=endpoint)
        messages.success(request, _("A test event is on its way."))
    elif action == "toggle":
        webhook_endpoint_update(endpoint=endpoint, is_active=not endpoint.is_active)
    elif action == "delete":
        endpoint.delete()
        messages.success(request, _("Endpoint deleted."))
        return redirect("portal:webhook_list")
    return redirect("portal:webhook_detail", pk=endpoint.pk)


@require_POST
@portal_member_required(owner_only=True)
def webhook_redeliver_view(request: HttpRequest, pk: int, delivery_id: int) -> HttpResponse:
    delivery = WebhookDelivery.objects.filter(endpoint=_endpoint(request, pk), pk=delivery_id).first()
    if delivery is None:
        raise Http404("delivery not found")
    webhook_redeliver(delivery=delivery)
    messages.success(request, _("The event will be sent again with the same event id."))
    return redirect("portal:webhook_detail", pk=pk)
