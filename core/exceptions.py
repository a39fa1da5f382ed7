"""One error family for every business rule, turned into `{"code", "detail"}` by the API."""

from django.utils.functional import Promise


class ApplicationError(Exception):
    """A broken business rule. ``code`` is stable (clients switch on it); ``message`` is
    translatable and rendered in the caller's language when the response is built."""

    code = "invalid"
    status_code = 400

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        code: str | None = None,
        status_code: int | None = None,
        extra: dict | None = None,
    ) -> None:
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code
        self.message = message if message is not None else self.default_message()
        self.extra = extra or {}
        super().__init__(str(self.message))

    def default_message(self) -> str:
        return self.code


class NotFound(ApplicationError):
    code = "not_found"
    status_code = 404


class PermissionDenied(ApplicationError):
    code = "permission_denied"
    status_code = 403


class Conflict(ApplicationError):
    code = "conflict"
    status_code = 409
