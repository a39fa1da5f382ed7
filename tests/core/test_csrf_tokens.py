"""core.csrf_tokens: Django's token format and masking, from one os.urandom call per string."""

from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    _check_token_format,
    _unmask_cipher_token,
)
from django.test import RequestFactory

from core import csrf_tokens


def test_the_token_is_a_django_token_masking_the_request_secret():
    request = RequestFactory().get("/")
    token = csrf_tokens.csrf_token(request)
    _check_token_format(token)
    secret = request.META["CSRF_COOKIE"]
    assert len(secret) == CSRF_SECRET_LENGTH and set(secret) <= set(CSRF_ALLOWED_CHARS)
    assert _unmask_cipher_token(token) == secret
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    # A second token for the same request keeps the secret, with a new mask.
    again = csrf_tokens.csrf_token(request)
    assert again != token and _unmask_cipher_token(again) == secret


def test_bytes_that_would_bias_the_characters_are_skipped(monkeypatch):
    # 248..255 would map to the first 8 characters a second time: they are dropped.
    draws = iter([bytes([248, 0, 255, 61, 62, 123]), bytes(range(40))])
    monkeypatch.setattr(csrf_tokens.os, "urandom", lambda n: next(draws))
    value = csrf_tokens._random_string(CSRF_SECRET_LENGTH)
    chars = CSRF_ALLOWED_CHARS
    assert value[:4] == chars[0] + chars[61] + chars[0] + chars[123 % 62]
    assert value[4:] == "".join(chars[b % 62] for b in range(28))
