"""Storefront pages: cart, checkout, the learner's orders."""

import logging
import re
import secrets

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.client_address import client_ip
from core.exceptions import ApplicationError
from core.input_guard import bad_request
from core.money import currency_for_request
from plans.selectors import product_get

from .api.storefront import VISITOR_COOKIE
from .discounts import (
    DiscountLine,
    cart_code_clean,
    cart_code_forget,
    cart_code_mark_checked,
    cart_code_remember,
    cart_price_preview,
    discount_quote,
)
from .exceptions import OrderNotFound, PaymentDeclined
from .forms import CartAddForm, CartCodeForm, CartRemoveForm, CheckoutForm
from .models import Order
from .payment_methods import is_wechat_browser, jsapi_get, jsapi_remember, methods_for, qr_get, qr_remember
from .payments import get_provider
from .selectors import cart_view, order_get, order_list, subscription_current
from .services import (
    cart_add,
    cart_remove,
    order_checkout,
    order_checkout_redirect,
    order_payment_refresh,
    session_cart_add,
    session_cart_remove,
)
from .services.cart import SESSION_KEY
from .services.renewal_modes import subscription_renewable_now
from .services.subscriptions import subscription_cancel, subscription_resume
from .wechat_payer import (
    WeChatAuthorizationFailed,
    authorization_enabled,
    authorization_url,
    openid_for_code,
    payer_openid,
    payer_remember,
)

logger = logging.getLogger(__name__)

ORDERS_PER_PAGE = 20
STATUS_REFRESH_SECONDS = 5


def qr_svg(data: str) -> str:
    """``data`` as an inline SVG QR code sized by CSS (the millimetre size is dropped)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return re.sub(r'\s(width|height)="[^"]*mm"', "", image.to_string(encoding="unicode"), count=2)


def _session_items(request: HttpRequest) -> list[dict]:
    items = request.session.get(SESSION_KEY)
    return items if isinstance(items, list) else []


def _back(request: HttpRequest, default: str = "commerce:cart"):
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(default)


def _preview(request: HttpRequest, view):
    return cart_price_preview(
        cart=view,
        user=request.user,
        session=request.session,
        visitor_id=request.COOKIES.get(VISITOR_COOKIE, ""),
    )


def cart(request: HttpRequest) -> HttpResponse:
    currency = currency_for_request(request)
    view = cart_view(user=request.user, session_items=_session_items(request), currency=currency)
    return render(
        request,
        "commerce/cart.html",
        {"cart": view, "preview": _preview(request, view), "currency": currency, "code_form": CartCodeForm()},
    )


@require_POST
def cart_code_apply_view(request: HttpRequest) -> HttpResponse:
    """Keep a discount code with the cart. A signed-in learner's code is checked at once
    against the cart (a wrong one counts against the wrong-code limit and is not kept);
    a visitor's is checked when the cart is priced after sign-in."""
    form = CartCodeForm(request.POST)
    form.is_valid()  # a forged currency is ignored below, not a reason to drop the code
    if form["code"].value() and "code" in form.errors:
        # A code no discount can have (too long): refused like any form, as a 400.
        return bad_request(request, " ".join(form.errors["code"]))
    code = cart_code_clean(form.cleaned_data.get("code", ""))
    if not code:
        messages.error(request, _("Enter a discount code."))
        return _back(request)
    currency = form.cleaned_data.get("currency") or currency_for_request(request)
    if request.user.is_authenticated:
        view = cart_view(user=request.user, currency=currency)
        if view.purchasable:
            try:
                discount_quote(
                    code=code,
                    user=request.user,
                    lines=[DiscountLine(course_id=i.course.pk, unit_price=i.price) for i in view.items],
                    currency=currency,
                    visitor_id=request.COOKIES.get(VISITOR_COOKIE, ""),
                )
            except ApplicationError as exc:
                messages.error(request, str(exc.message))
                return _back(request)
            cart_code_remember(session=request.session, code=code)
            cart_code_mark_checked(session=request.session, code=code)
            messages.success(request, _("Discount code applied."))
            return _back(request)
    cart_code_remember(session=request.session, code=code)
    messages.info(request, _("Your discount code is kept with your cart; the discount shows at checkout."))
    return _back(request)


@require_POST
def cart_code_remove_view(request: HttpRequest) -> HttpResponse:
    cart_code_forget(session=request.session)
    messages.success(request, _("Discount code removed."))
    return _back(request)


@require_POST
def cart_add_view(request: HttpRequest) -> HttpResponse:
    form = CartAddForm(request.POST)
    if not form.is_valid():
        # Only a forged post is malformed (the buttons send a slug): a 400, like any refused form.
        return bad_request(request, _("This course could not be added to your cart."))
    course, session = form.cleaned_data["course"], form.cleaned_data.get("live_session")
    try:
        if request.user.is_authenticated:
            cart_add(user=request.user, course_slug=course, live_session_id=session)
        else:
            request.session[SESSION_KEY] = session_cart_add(
                items=_session_items(request), course_slug=course, live_session_id=session
            )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return _back(request)
    # Campaigns integration: keep the landing page's code with the cart for the checkout.
    cart_code_remember(session=request.session, code=form.cleaned_data.get("discount_code") or "")
    messages.success(request, _("Added to your cart."))
    target = "commerce:checkout" if request.POST.get("buy_now") else "commerce:cart"
    currency = (request.POST.get("currency") or "").upper()
    query = f"?currency={currency}" if currency in settings.CURRENCIES else ""
    return redirect(reverse(target) + query)


@require_POST
def cart_remove_view(request: HttpRequest) -> HttpResponse:
    form = CartRemoveForm(request.POST)
    if form.is_valid():
        slug = form.cleaned_data["course"]
        if request.user.is_authenticated:
            cart_remove(user=request.user, course_slug=slug)
        else:
            request.session[SESSION_KEY] = session_cart_remove(
                items=_session_items(request), course_slug=slug
            )
        messages.success(request, _("Removed from your cart."))
    return redirect("commerce:cart")


def _return_urls(request: HttpRequest):
    def urls(number: str) -> tuple[str, str]:
        page = request.build_absolute_uri(reverse("commerce:order_detail", args=[number]))
        return f"{page}?paid=1", f"{page}?cancelled=1"

    return urls


def _wechat_openid(request: HttpRequest, user_agent: str) -> str:
    """The learner's openid under the payment app, looked up only inside WeChat's browser
    (the only place it pays with): other browsers' pages cost no query for it."""
    if not is_wechat_browser(user_agent):
        return ""
    return payer_openid(user=request.user)


WECHAT_STATE = "commerce:wechat_state"


def _wechat_authorization(request: HttpRequest, methods: list[dict], user_agent: str) -> HttpResponse | None:
    """Inside WeChat, WeChat Pay works only as in-app payment (its H5 page refuses WeChat's
    own browser), which needs the learner's openid under the payment app. A learner whose
    openid we lack goes through the app's silent authorization first, once per session:
    whatever WeChat answers, the checkout is shown after it, so a refusal never loops."""
    if (
        not is_wechat_browser(user_agent)
        or WECHAT_STATE in request.session
        or not any(m["provider"] == "wechatpay" and m["kind"] != "jsapi" for m in methods)
        or not authorization_enabled()
    ):
        return None
    state = secrets.token_urlsafe(16)
    request.session[WECHAT_STATE] = {"state": state, "next": request.get_full_path()}
    callback = request.build_absolute_uri(reverse("commerce:wechat_authorized"))
    return redirect(authorization_url(redirect_uri=callback, state=state))


@login_required
def wechat_authorized(request: HttpRequest) -> HttpResponse:
    """WeChat's answer to the silent authorization: exchange the code for the learner's
    openid (outside any transaction) and go back to the checkout, now with in-app pay."""
    pending = request.session.get(WECHAT_STATE) or {}
    state = str(request.GET.get("state") or "")
    if not pending.get("state") or not constant_time_compare(state, pending["state"]):
        return bad_request(
            request, _("This WeChat authorization was not asked for here. Open the checkout again.")
        )
    # Used: the same state cannot be answered twice; the key stays so the session does not
    # ask WeChat again.
    request.session[WECHAT_STATE] = {"state": "", "next": ""}
    next_url = pending.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("commerce:checkout")
    code = str(request.GET.get("code") or "")[:256]
    try:
        if not code:
            raise WeChatAuthorizationFailed("no code")
        payer_remember(user=request.user, openid=openid_for_code(code))
    except WeChatAuthorizationFailed as exc:
        logger.warning("WeChat authorization for learner %s failed: %s", request.user.pk, exc)
        messages.warning(request, _("WeChat did not confirm your account, so WeChat Pay cannot open here."))
    return redirect(next_url)


def _start_redirect(
    request: HttpRequest,
    data: dict,
    *,
    provider_name: str,
    channel: str,
    payer: str = "",
    items: list[dict] | None = None,
) -> HttpResponse:
    """A payment made on the provider's side: its page (Stripe Checkout, Alipay, WeChat
    Pay H5) or, for WeChat Pay Native, our page with the code to scan; for WeChat Pay
    JSAPI, our page that opens WeChat's own payment sheet. ``items``: a bundle or plan
    bought on its own (the cart otherwise)."""
    started = order_checkout_redirect(
        items=items,
        user=request.user,
        currency=data["currency"],
        discount_code=data["discount_code"],
        idempotency_key=f"web-{data['idempotency_key']}",
        visitor_id=request.COOKIES.get(VISITOR_COOKIE, ""),
        return_urls=_return_urls(request),
        provider_name=provider_name,
        channel=channel,
        client_ip=client_ip(request),
        payer=payer,
    )
    cart_code_forget(session=request.session)  # campaigns integration: the code is used
    if started.kind == "jsapi" and started.params:
        jsapi_remember(started.order.number, started.params)
        return redirect("commerce:order_pay", number=started.order.number)
    if started.url and started.kind == "qr":
        qr_remember(started.order.number, started.url)
        return redirect("commerce:order_pay", number=started.order.number)
    if started.url:
        return redirect(started.url)
    return redirect("commerce:order_detail", number=started.order.number)


def _pay(
    request: HttpRequest,
    form: CheckoutForm,
    *,
    methods: list[dict],
    openid: str,
    provider,
    items: list[dict] | None = None,
    done: str = "",
) -> HttpResponse | None:
    """Pay what the valid ``form`` asks for: the cart, or ``items`` (a bundle or plan bought
    on its own). Returns where the browser goes next, or None when the checkout was refused
    (its error is then on the form). ``done``: the page after a payment received here (the
    order's page by default)."""
    data = form.cleaned_data
    chosen = next((m for m in methods if m["key"] == data.get("method")), None)
    name = chosen["provider"] if chosen else provider.name
    try:
        # Stripe (a card typed on its hosted page), WeChat Pay and Alipay are paid on the
        # provider's side; the sandbox here, with its test cards.
        if (get_provider(name) if chosen else provider).supports_redirect:
            return _start_redirect(
                request,
                data,
                provider_name=name,
                channel=chosen["channel"] if chosen else "",
                payer=openid if chosen and chosen["kind"] == "jsapi" else "",
                items=items,
            )
        result = order_checkout(
            user=request.user,
            items=items,
            currency=data["currency"],
            discount_code=data["discount_code"],
            payment={"provider": name, "token": data.get("token") or ""},
            idempotency_key=f"web-{data['idempotency_key']}",
            visitor_id=request.COOKIES.get(VISITOR_COOKIE, ""),
        )
    except PaymentDeclined as exc:
        messages.error(request, str(exc.message))
        return redirect("commerce:order_detail", number=exc.extra["order"])
    except ApplicationError as exc:
        form.add_error(None, str(exc.message))
        return None
    if items is None:
        cart_code_forget(session=request.session)  # campaigns integration: the code is used
    if result.order.status == Order.Status.PAID:
        messages.success(request, _("Thank you! Your payment was received."))
    else:
        messages.info(request, _("Your order is waiting for the payment to be confirmed."))
    if done:
        return redirect(done)
    return redirect("commerce:order_detail", number=result.order.number)


@login_required
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    """Pays with the configured provider (``PAYMENT_PROVIDER``), or with the method the
    learner picks among those enabled for the currency and device (WeChat Pay and Alipay
    for CNY): a provider with a hosted payment page gets the browser sent there (WeChat
    Pay Native shows its QR code on our page); the sandbox is paid here with test cards."""
    currency = currency_for_request(request)
    provider = get_provider()
    hosted_page = provider.supports_redirect
    user_agent = request.headers.get("User-Agent", "")
    status = 200
    if request.method == "POST":
        # Unless it redirects below, the post was refused: the page again with its errors.
        status = 400
        posted = (request.POST.get("currency") or "").upper()
        openid = _wechat_openid(request, user_agent)
        methods = methods_for(
            currency=posted if posted in settings.CURRENCIES else currency,
            user_agent=user_agent,
            wechat_openid=openid,
        )
        form = CheckoutForm(request.POST, hosted_page=hosted_page, methods=methods)
        if form.is_valid():
            paid = _pay(request, form, methods=methods, openid=openid, provider=provider)
            if paid is not None:
                return paid
        currency = posted if posted in settings.CURRENCIES else currency
        view = cart_view(user=request.user, currency=currency)
        preview = _preview(request, view)
    else:
        view = cart_view(user=request.user, currency=currency)
        preview = _preview(request, view)
        methods = methods_for(
            currency=currency, user_agent=user_agent, wechat_openid=_wechat_openid(request, user_agent)
        )
        authorize = _wechat_authorization(request, methods, user_agent)
        if authorize is not None:
            return authorize
        # The order is paid with the code the preview priced, so what the page shows is what
        # is charged; a code that takes nothing off is not sent.
        form = CheckoutForm(
            initial={"currency": currency, "discount_code": preview.code if preview.applied else ""},
            hosted_page=hosted_page,
            methods=methods,
        )
    return render(
        request,
        "commerce/checkout.html",
        {
            "form": form,
            "cart": view,
            "preview": preview,
            "currency": currency,
            "code_form": CartCodeForm(),
            "hosted_page": hosted_page and "method" not in form.fields,
            "sandbox_offered": "token" in form.fields,
        },
        status=status,
    )


@login_required
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    try:
        order = order_get(user=request.user, number=number)
    except OrderNotFound:
        raise Http404 from None
    # Back from the provider's payment page: ask it now rather than make the learner
    # wait for the webhook.
    back_from_payment = order.status == Order.Status.PENDING and request.GET.get("paid")
    if back_from_payment and order_payment_refresh(order=order).status != Order.Status.PENDING:
        order = order_get(user=request.user, number=number)
    # The pending message speaks of a held seat only when the order holds one (lines are prefetched).
    holds_live_seat = any(line.live_session_id for line in order.lines.all())
    return render(request, "commerce/order_detail.html", {"order": order, "holds_live_seat": holds_live_seat})


@login_required
def orders(request: HttpRequest) -> HttpResponse:
    page = Paginator(order_list(user=request.user), ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "commerce/orders.html", {"page": page, "orders": page.object_list})


# --- Bundles and membership plans ----------------------------------------------------------


def _product_from(data) -> tuple[str, str]:
    for kind in ("plan", "bundle"):
        slug = str(data.get(kind) or "").strip()
        if slug:
            return kind, slug[:80]
    return "", ""


@login_required
@require_http_methods(["GET", "POST"])
def product_checkout(request: HttpRequest) -> HttpResponse:
    """Buy one bundle or membership plan (``?plan=<slug>`` or ``?bundle=<slug>``) through
    the same checkout as the cart: with the sandbox's test cards here, or on the chosen
    provider's page (Stripe Checkout saves the card of a renewing plan to the learner's
    Customer for its renewals; WeChat Pay and Alipay are renewed by the learner). The
    same page renews a membership the learner renews by paying again."""
    kind, slug = _product_from(request.POST if request.method == "POST" else request.GET)
    product = product_get(kind=kind, slug=slug) if kind else None
    if product is None:
        raise Http404
    provider = get_provider()
    hosted_page = provider.supports_redirect
    user_agent = request.headers.get("User-Agent", "")
    status = 200
    currency = currency_for_request(request)
    if request.method == "POST":
        status = 400
        posted = (request.POST.get("currency") or "").upper()
        currency = posted if posted in settings.CURRENCIES else currency
        openid = _wechat_openid(request, user_agent)
        methods = methods_for(currency=currency, user_agent=user_agent, wechat_openid=openid)
        form = CheckoutForm(request.POST, hosted_page=hosted_page, methods=methods)
        if form.is_valid():
            paid = _pay(
                request,
                form,
                methods=methods,
                openid=openid,
                provider=provider,
                items=[{kind: slug}],
                done="commerce:membership" if kind == "plan" else "",
            )
            if paid is not None:
                return paid
    else:
        if product.price_in(currency) is None and product.prices:
            currency = product.prices[0][0]
        methods = methods_for(
            currency=currency, user_agent=user_agent, wechat_openid=_wechat_openid(request, user_agent)
        )
        authorize = _wechat_authorization(request, methods, user_agent)
        if authorize is not None:
            return authorize
        form = CheckoutForm(initial={"currency": currency}, hosted_page=hosted_page, methods=methods)
    return render(
        request,
        "commerce/product_checkout.html",
        {
            "form": form,
            "product": product,
            "kind": kind,
            "currency": currency,
            "price": product.price_in(currency),
            "hosted_page": hosted_page and "method" not in form.fields,
            "sandbox_offered": "token" in form.fields,
        },
        status=status,
    )


@login_required
def order_pay(request: HttpRequest, number: str) -> HttpResponse:
    """The WeChat Pay code to scan for a pending order (or, inside WeChat, the page that
    opens WeChat's payment sheet); the page asks ``order_status`` every few seconds and
    shows the paid state as soon as the payment is confirmed."""
    try:
        order = order_get(user=request.user, number=number)
    except OrderNotFound:
        raise Http404 from None
    pending = order.status == Order.Status.PENDING
    bridge = jsapi_get(order.number) if pending else {}
    if bridge:
        # Inside WeChat: the page opens WeChat's payment sheet with the signed parameters,
        # then asks ``order_status`` like the QR page.
        return render(
            request,
            "commerce/order_pay_wechat.html",
            {"order": order, "bridge": bridge, "status_url": reverse("commerce:order_status", args=[number])},
        )
    code_url = qr_get(order.number) if pending else ""
    if not code_url:
        return redirect("commerce:order_detail", number=order.number)
    return render(
        request,
        "commerce/order_pay.html",
        {
            "order": order,
            "qr_svg": qr_svg(code_url),
            "status_url": reverse("commerce:order_status", args=[number]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def membership(request: HttpRequest) -> HttpResponse:
    """ "My membership": the learner's plans, their periods and dates; cancel at the end of
    the period (or resume before it ends)."""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            subscription_id = int(request.POST.get("subscription") or 0)
        except ValueError:
            return bad_request(request, _("This membership does not exist."))
        try:
            if action == "cancel":
                subscription_cancel(user=request.user, subscription_id=subscription_id)
                messages.success(request, _("Your membership will end at the end of the paid period."))
            elif action == "resume":
                subscription_resume(user=request.user, subscription_id=subscription_id)
                messages.success(request, _("Your membership will renew as before."))
            else:
                return bad_request(request, _("Choose to cancel or to resume the membership."))
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        return redirect("commerce:membership")
    subscriptions = subscription_current(user=request.user)
    for subscription in subscriptions:
        # "Renew now": a membership the learner renews by paying again, once it is due.
        subscription.renewable_now = subscription_renewable_now(subscription=subscription)
    return render(request, "commerce/membership.html", {"subscriptions": subscriptions})


@require_http_methods(["GET"])
def order_status(request: HttpRequest, number: str) -> JsonResponse:
    """What the payment page polls. A pending order of a scan-or-redirect provider is
    also asked about at the provider, at most once per ``STATUS_REFRESH_SECONDS`` per
    order, so the page turns paid even when the notification is late."""
    try:
        order = order_get(user=request.user, number=number)
    except OrderNotFound:
        return JsonResponse({"code": "not_found", "detail": str(OrderNotFound().message)}, status=404)
    if (
        order.status == Order.Status.PENDING
        and cache.add(f"commerce:status-refresh:{order.pk}", 1, STATUS_REFRESH_SECONDS)
        and order_payment_refresh(order=order).status != Order.Status.PENDING
    ):
        order = order_get(user=request.user, number=number)
    return JsonResponse(
        {
            "status": order.status,
            "status_display": str(order.get_status_display()),
            "paid": order.status == Order.Status.PAID,
            "order_url": reverse("commerce:order_detail", args=[number]),
        }
    )
