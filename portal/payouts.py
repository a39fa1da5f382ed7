"""Partner-portal pages of earnings: balances, closed monthly statements and their CSV /
XLSX downloads, all scoped to ``request.portal_partner``."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from payouts import exports, selectors
from payouts.exceptions import StatementNotFound

from .access import portal_member_required


@require_GET
@portal_member_required
def statement_list(request: HttpRequest) -> HttpResponse:
    partner_id = request.portal_partner.pk
    return render(
        request,
        "portal/payouts/statements.html",
        {
            "balances": selectors.partner_balances(partner_id=partner_id),
            "statements": selectors.statement_list(partner_id=partner_id),
            "payouts": selectors.payout_list(partner_id=partner_id)[:12],
        },
    )


def _statement(request: HttpRequest, pk: int):
    try:
        return selectors.statement_get(partner_id=request.portal_partner.pk, pk=pk)
    except StatementNotFound as exc:
        raise Http404("statement not found") from exc


@require_GET
@portal_member_required
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "portal/payouts/statement.html", {"statement": _statement(request, pk)})


@require_GET
@portal_member_required
def statement_download(request: HttpRequest, pk: int, extension: str) -> HttpResponse:
    statement = _statement(request, pk)
    if extension == "csv":
        body, content_type = exports.statement_csv(statement), "text/csv; charset=utf-8"
    else:
        body = exports.statement_xlsx(statement)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{exports.statement_filename(statement, extension)}"'
    )
    return response
