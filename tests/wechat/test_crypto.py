"""The published algorithm: WeChat's own sample message decrypts and its signature checks; what is not WeChat's is refused."""
from __future__ import annotations

import base64

import pytest

from channels.messaging.wechat.crypto import CryptoError, MessageCrypto, check_signature, signature
from channels.messaging.wechat.wire import WireError, parse_xml, text_reply

# The sample of the official account platform's message encryption guide (接入指引, 消息加解密).
SAMPLE_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SAMPLE_APP_ID = "wx2c2769f8efd9abc2"
SAMPLE_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn"
    "896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVC"
    "ZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEP"
    "o5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)


def test_the_published_sample_decrypts_and_its_signature_checks() -> None:
    check_signature("5d197aaffba7e9b25a30732f161a50dee96bd5fa", "spamtest", "1409735669", "1320562132", SAMPLE_ENCRYPT)
    fields = parse_xml(MessageCrypto(SAMPLE_KEY, SAMPLE_APP_ID).decrypt(SAMPLE_ENCRYPT))
    assert fields == {"ToUserName": "gh_10f6c3c3ac5a", "FromUserName": "oyORnuP8q7ou2gfYjqLzSIWZf0rs", "CreateTime": "1409735668",
                      "MsgType": "text", "Content": "abcdteT", "MsgId": "6054768590064713728"}


def test_a_forged_signature_is_refused() -> None:
    with pytest.raises(CryptoError) as refused:
        check_signature("5d197aaffba7e9b25a30732f161a50dee96bd5fb", "spamtest", "1409735669", "1320562132", SAMPLE_ENCRYPT)
    assert refused.value.code == "signature"
    with pytest.raises(CryptoError):
        check_signature("签名", "spamtest", "1409735669", "1320562132")
    assert signature("b", "a", "c") == signature("c", "b", "a"), "the parts are sorted"


def test_encrypted_replies_round_trip_and_other_accounts_are_refused() -> None:
    crypto = MessageCrypto(SAMPLE_KEY, SAMPLE_APP_ID)
    reply = text_reply("oUser", "gh_account", "已受理 ]]> 案件")
    encrypted = crypto.encrypt(reply)
    assert crypto.decrypt(encrypted) == reply and parse_xml(reply)["Content"] == "已受理 ]]> 案件"
    assert crypto.encrypt(reply) != encrypted, "a new random prefix each time"
    with pytest.raises(CryptoError) as other:
        MessageCrypto(SAMPLE_KEY, "wx0000000000000000").decrypt(encrypted)
    assert other.value.code == "app_id"
    other_key = "A" * 43
    for bad in ("not base64!", base64.b64encode(b"short").decode(), MessageCrypto(other_key, SAMPLE_APP_ID).encrypt(reply)):
        with pytest.raises(CryptoError) as malformed:
            crypto.decrypt(bad)
        assert malformed.value.code in ("malformed", "app_id")


@pytest.mark.parametrize("body", [
    b"<xml><ToUserName>x</ToUserName>",
    b"not xml at all",
    b"<other><A>1</A></other>",
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><xml><Content>&c;</Content></xml>',
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>',
])
def test_what_is_not_a_wechat_document_is_refused(body: bytes) -> None:
    with pytest.raises(WireError):
        parse_xml(body)
