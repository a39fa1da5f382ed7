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


class InvalidPhoneNumber(ApplicationError):
    code = "invalid_phone"

    def default_message(self):
        return _("Enter a valid mobile number, with its country code if it is not a Chinese number.")


class PhoneCodeInvalid(ApplicationError):
    code = "phone_code_invalid"

    def default_message(self):
        return _("This code is not right. Check the text message and try again.")


class PhoneCodeExpired(ApplicationError):
    code = "phone_code_expired"

    def default_message(self):
        return _("This code has expired. Ask for a new one.")


class PhoneCodeAttemptsExhausted(ApplicationError):
    code = "too_many_attempts"
    status_code = 429

    def default_message(self):
        return _("Too many wrong codes. Ask for a new one.")


class PhoneNumberNotTextable(ApplicationError):
    code = "phone_not_textable"

    def default_message(self):
        return _("We cannot send a text message to this number. Check it, or use another mobile number.")


class TooManyTextMessages(ApplicationError):
    code = "throttled"
    status_code = 429

    def default_message(self):
        return _("Too many codes were asked for. Please wait a while before asking again.")


class PhoneTaken(ApplicationError):
    code = "phone_taken"
    status_code = 409

    def default_message(self):
        return _("This mobile number belongs to another account.")


class TextMessageNotSent(ApplicationError):
    code = "sms_unavailable"
    status_code = 503

    def default_message(self):
        return _("We could not send the text message. Please try again in a moment.")
