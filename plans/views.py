"""Storefront pages: the plans and bundles on sale, one plan, one bundle. Buying goes to
commerce's product checkout (a URL, not an import: commerce stands above us)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from core.money import currency_for_request

from .models import Plan
from .selectors import product_get, products_for_sale
from .signals import plan_membership_asked


def index(request: HttpRequest) -> HttpResponse:
    products = products_for_sale()
    return render(
        request,
        "plans/index.html",
        {
            "plans": [p for p in products if p.kind != "bundle"],
            "bundles": [p for p in products if p.kind == "bundle"],
            "currency": currency_for_request(request),
        },
    )


def _detail(request: HttpRequest, *, kind: str, slug: str) -> HttpResponse:
    product = product_get(kind=kind, slug=slug)
    if product is None:
        raise Http404
    currency = currency_for_request(request)
    price = product.price_in(currency)
    if price is None and product.prices:
        currency, price = product.prices[0]
    membership: dict = {}
    if kind == "plan" and request.user.is_authenticated:
        for _receiver, answer in plan_membership_asked.send(sender=Plan, user=request.user, slug=slug):
            membership.update(answer or {})
    return render(
        request,
        "plans/detail.html",
        {"product": product, "kind": kind, "currency": currency, "price": price, "membership": membership},
    )


def plan_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _detail(request, kind="plan", slug=slug)


def bundle_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _detail(request, kind="bundle", slug=slug)
