"""Visitor tokens: signed, salted, bound to their channel."""

import pytest
from django.core import signing

from channels_adapters.webchat.tokens import (
    SALT,
    BadToken,
    Visitor,
    identity_hash,
    identity_hash_matches,
    issue_token,
    new_visitor_address,
    read_token,
)


def test_a_token_reads_back_as_the_visitor_it_was_issued_for():
    visitor = Visitor(channel_id=3, address=new_visitor_address(),
                      verified_email="ana@example.com")
    assert read_token(issue_token(visitor), channel_id=3) == visitor


def test_a_tampered_token_is_refused():
    token = issue_token(Visitor(channel_id=3, address="v-abc"))
    value, _, signature = token.rpartition(":")
    tampered = f"{value}:{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    with pytest.raises(BadToken, match="not valid"):
        read_token(tampered, channel_id=3)


def test_claims_signed_without_the_salt_are_refused():
    forged = signing.dumps({"c": 3, "a": "v-abc", "e": "boss@example.com"})
    with pytest.raises(BadToken):
        read_token(forged, channel_id=3)
    assert read_token(signing.dumps({"c": 3, "a": "v-abc"}, salt=SALT), channel_id=3)


def test_a_token_of_one_channel_is_refused_on_another():
    token = issue_token(Visitor(channel_id=3, address="v-abc"))
    with pytest.raises(BadToken, match="another channel"):
        read_token(token, channel_id=4)


@pytest.mark.parametrize("token", ["", None, 42, "x" * 2000, "not-a-token"])
def test_missing_or_malformed_tokens_are_refused(token):
    with pytest.raises(BadToken):
        read_token(token, channel_id=3)


def test_visitor_addresses_are_unguessable_and_distinct():
    addresses = {new_visitor_address() for _ in range(100)}
    assert len(addresses) == 100 and all(len(a) == 34 for a in addresses)


def test_the_identity_hash_is_the_hmac_sha256_hex_a_site_computes():
    import hashlib
    import hmac

    expected = hmac.new(b"s3cret", b"ana@example.com", hashlib.sha256).hexdigest()
    assert identity_hash("s3cret", "ana@example.com") == expected
    assert identity_hash_matches("s3cret", "ana@example.com", expected.upper())
    assert not identity_hash_matches("s3cret", "bob@example.com", expected)
    assert not identity_hash_matches("", "ana@example.com", expected)
