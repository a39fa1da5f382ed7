"""Sign-in codes through Alibaba Cloud SMS (``accounts.sms.AliyunSmsBackend``) against a fake
dysmsapi endpoint on 127.0.0.1 that checks the version 1.0 HMAC-SHA1 signature the way the
gateway documents it, and answers and refuses like it."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from accounts import phone
from accounts.exceptions import (
    PhoneCodeInvalid,
    PhoneNumberNotTextable,
    TextMessageNotSent,
    TooManyTextMessages,
)
from accounts.models import PhoneCode, User
from accounts.sms import AliyunSmsBackend, aliyun_signature

from .fake_aliyun_sms import FakeAliyunSms

pytestmark = pytest.mark.django_db

NUMBER = "+8613800138000"
KEY_ID, KEY_SECRET = "LTAI5tTestKeyId", "test-access-key-secret"


@pytest.fixture
def gateway(settings):
    fake = FakeAliyunSms(access_key_id=KEY_ID, access_key_secret=KEY_SECRET).start()
    settings.SMS_BACKEND = "accounts.sms.AliyunSmsBackend"
    settings.ALIYUN_SMS_ACCESS_KEY_ID = KEY_ID
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = KEY_SECRET
    settings.ALIYUN_SMS_SIGN_NAME = "知桥"
    settings.ALIYUN_SMS_TEMPLATE_CODE = "SMS_480000001"
    settings.ALIYUN_SMS_ENDPOINT = fake.url
    settings.SMS_TIMEOUT_SECONDS = 2
    yield fake
    fake.stop()


def _request(number=NUMBER):
    return phone.phone_code_request(number=number, purpose=PhoneCode.Purpose.SIGN_IN, client_ip="203.0.113.7")


def test_the_signature_matches_alibaba_clouds_documented_example():
    # The worked example of Alibaba Cloud's RPC signature documentation (secret "testsecret").
    params = {
        "Timestamp": "2016-02-23T12:46:24Z",
        "Format": "XML",
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "Version": "2014-05-26",
        "SignatureVersion": "1.0",
    }
    assert aliyun_signature(params, secret="testsecret", method="GET") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_the_code_goes_out_as_the_registered_template_and_signs_the_learner_in(gateway):
    _request()

    [request] = gateway.requests
    [sent] = gateway.sent
    assert sent["number"] == "13800138000"  # mainland numbers without +86
    assert (sent["sign_name"], sent["template"]) == ("知桥", "SMS_480000001")
    assert set(sent["params"]) == {"code"} and len(sent["params"]["code"]) == 6
    assert request["Action"] == "SendSms" and request["Format"] == "JSON"
    user = phone.phone_sign_in(number=NUMBER, code=sent["params"]["code"], language="zh-hans")
    assert isinstance(user, User)


def test_every_request_has_a_new_nonce(gateway):
    _request()
    _request()
    assert len(gateway.sent) == 2
    assert len({r["SignatureNonce"] for r in gateway.requests}) == 2


def test_international_numbers_keep_their_country_code(gateway):
    _request("+85261234567")
    assert gateway.sent[0]["number"] == "85261234567"


@pytest.mark.parametrize(
    ("gateway_code", "error"),
    [
        ("isv.MOBILE_NUMBER_ILLEGAL", PhoneNumberNotTextable),
        ("isv.BUSINESS_LIMIT_CONTROL", TooManyTextMessages),
        ("isv.AMOUNT_NOT_ENOUGH", TextMessageNotSent),  # our account's problem, not the learner's
    ],
)
def test_a_refusal_is_a_clear_error_and_no_code_stays_usable(gateway, gateway_code, error):
    gateway.refuse["13800138000"] = gateway_code

    with pytest.raises(error):
        _request()

    assert gateway.sent == []
    assert PhoneCode.objects.get().replaced is True  # never sent: not a code anyone can use
    with pytest.raises(PhoneCodeInvalid):
        phone.phone_sign_in(number=NUMBER, code="000000", language="en")


def test_a_wrong_secret_is_refused_by_the_gateway(gateway, settings):
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "not-the-secret"

    with pytest.raises(TextMessageNotSent):
        _request()

    assert gateway.sent == []
    assert gateway.requests[-1]["AccessKeyId"] == KEY_ID


def test_a_gateway_that_does_not_answer_is_an_error(gateway, settings):
    gateway.stop()

    with pytest.raises(TextMessageNotSent):
        _request()
    assert PhoneCode.objects.get().replaced is True


def test_the_api_says_which_refusal_it_was(gateway, api_client):
    gateway.refuse["13800138000"] = "isv.MOBILE_NUMBER_ILLEGAL"

    refused = api_client.post("/api/v1/auth/phone/code/", {"phone": NUMBER}, format="json")

    assert refused.status_code == 400
    assert refused.json() == {
        "code": "phone_not_textable",
        "detail": "We cannot send a text message to this number. Check it, or use another mobile number.",
    }


def test_the_backend_refuses_to_start_without_its_settings(settings):
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = ""
    with pytest.raises(ImproperlyConfigured, match="ALIYUN_SMS_ACCESS_KEY_SECRET"):
        AliyunSmsBackend()
