"""core.csp.CachedPolicyCSPMiddleware: the same headers as django-csp's middleware, with the
policy built once per process for answers without a nonce or a per-view policy (issue 9)."""

import pytest
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from core import csp as cached_csp
from core.csp import CachedPolicyCSPMiddleware

pytestmark = pytest.mark.django_db


def _both(path="/en/", nonce=False, **attributes):
    """The headers of django-csp's middleware and of ours for the same request."""
    answers = []
    for middleware in (CSPMiddleware, CachedPolicyCSPMiddleware):
        request = RequestFactory().get(path)
        response = HttpResponse("x")
        for name, value in attributes.items():
            setattr(response, name, value)
        instance = middleware(lambda request, response=response: response)
        instance.process_request(request)
        if nonce:
            str(request.csp_nonce)
        instance.process_response(request, response)
        answers.append(
            {
                "csp": response.headers.get("Content-Security-Policy"),
                "ro": response.headers.get("Content-Security-Policy-Report-Only"),
                "nonce": getattr(request, "_csp_nonce", None),
            }
        )
    return answers


def test_the_stack_uses_the_cached_policy_middleware(settings):
    assert "core.csp.CachedPolicyCSPMiddleware" in settings.MIDDLEWARE
    assert "csp.middleware.CSPMiddleware" not in settings.MIDDLEWARE


def test_a_plain_answer_gets_the_same_policy_and_it_is_built_once(monkeypatch):
    upstream, ours = _both()
    assert ours["csp"] == upstream["csp"] and "script-src 'self'" in ours["csp"]
    calls = []
    real = cached_csp.build_policy
    monkeypatch.setattr(cached_csp, "build_policy", lambda **kw: calls.append(kw) or real(**kw))
    monkeypatch.setattr(cached_csp, "_policies", None)
    for _ in range(3):
        _both()
    # Built once for the header and once for the report-only header, not per response.
    assert len(calls) == 2


def test_a_nonce_and_a_per_view_policy_still_go_through_django_csp():
    upstream, ours = _both(nonce=True)
    assert ours["csp"] == upstream["csp"].replace(upstream["nonce"], ours["nonce"])
    assert f"'nonce-{ours['nonce']}'" in ours["csp"]
    upstream, ours = _both(_csp_update={"img-src": ["https://cdn.example"]})
    assert ours["csp"] == upstream["csp"] and "https://cdn.example" in ours["csp"]
    upstream, ours = _both(_csp_exempt=True)
    assert ours["csp"] is None and upstream["csp"] is None


def test_a_settings_change_is_seen_at_once():
    with override_settings(
        CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'none'"]}},
        CONTENT_SECURITY_POLICY_REPORT_ONLY={"DIRECTIVES": {"default-src": ["'self'"]}},
    ):
        upstream, ours = _both()
        assert ours == upstream
        assert ours["csp"] == "default-src 'none'" and ours["ro"] == "default-src 'self'"
    upstream, ours = _both()
    assert ours["ro"] is None and "'none'" not in ours["csp"].split("default-src")[1].split(";")[0]


def test_reading_the_nonce_after_the_header_is_written_fails_as_upstream():
    request = RequestFactory().get("/en/")
    instance = CachedPolicyCSPMiddleware(lambda request: HttpResponse("x"))
    instance.process_request(request)
    instance.process_response(request, HttpResponse("x"))
    from csp.exceptions import CSPNonceError

    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)
