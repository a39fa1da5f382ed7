"""Errors of the sign-in doors; the API renders them as ``{"code", "detail"}``."""

from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError


class OtpRequired(ApplicationError):
    code = "otp_required"
    status_code = 400

    def default_message(self):
        return _("Enter the code from your authenticator app (field otp).")


class OtpInvalid(ApplicationError):
    code = "otp_invalid"
    status_code = 400

    def default_message(self):
        return _("This code is not valid. Check the time on your phone and try again.")


class MfaEnrolmentRequired(ApplicationError):
    code = "mfa_enrolment_required"
    status_code = 403

    def default_message(self):
        return _("Your account needs two-factor authentication. Set it up on the website first.")


class TooManyCodeAttempts(ApplicationError):
    code = "too_many_attempts"
    status_code = 429

    def default_message(self):
        return _("Too many wrong codes. Please try again later.")
