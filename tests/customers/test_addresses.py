"""The normal form of every kind of address, and the refusal of anything else."""

import pytest
from django.core.exceptions import ValidationError

from customers.addresses import MAX_ADDRESS_LENGTH, IdentityKind, normalise_address

OPAQUE_KINDS = [
    IdentityKind.TELEGRAM,
    IdentityKind.SLACK,
    IdentityKind.MESSENGER,
    IdentityKind.INSTAGRAM,
    IdentityKind.WEBCHAT,
]


def refusal(kind, raw, **kwargs) -> str:
    """The message of the ValidationError that ``normalise_address`` raises."""
    with pytest.raises(ValidationError) as caught:
        normalise_address(kind, raw, **kwargs)
    return " ".join(caught.value.messages)


# --- e-mail ---------------------------------------------------------------------------


def test_email_is_lower_cased_and_trimmed():
    # given an address as a person types it
    raw = "  Ana.Lopez@Example.COM \n"

    # when it is normalised
    address = normalise_address(IdentityKind.EMAIL, raw)

    # then one spelling remains
    assert address == "ana.lopez@example.com"


def test_email_spellings_of_one_mailbox_share_one_normal_form():
    spellings = ["ana@example.com", "ANA@EXAMPLE.COM", "Ana@Example.com "]

    assert {normalise_address(IdentityKind.EMAIL, raw) for raw in spellings} == {
        "ana@example.com"
    }


@pytest.mark.parametrize(
    "raw",
    [
        "ana",
        "ana@",
        "@example.com",
        "ana@exa mple.com",
        "ana@@example.com",
        "ana@example",
        "ana\n@example.com",
        "ana\x00@example.com",
        "<script>alert(1)</script>@example.com",
        "\"><img src=x onerror=alert(1)>@example.com",
        "ana@example.com,bob@example.com",
    ],
)
def test_malformed_or_hostile_email_is_refused(raw):
    message = refusal(IdentityKind.EMAIL, raw)

    assert "valid email address" in message


# --- phone ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["06 12 34 56 78", "0612345678", "06.12.34.56.78", "+33 6 12 34 56 78", "+33612345678",
     "0033 6 12 34 56 78", "+33 (0)6 12 34 56 78"],
)
def test_french_mobile_in_any_spelling_becomes_e164(raw, settings):
    # given the default region is France
    settings.THREADLINE_DEFAULT_REGION = "FR"

    # when a national or international spelling is normalised
    address = normalise_address(IdentityKind.PHONE, raw)

    # then it is the one E.164 number
    assert address == "+33612345678"


def test_whatsapp_numbers_are_normalised_like_phone_numbers(settings):
    settings.THREADLINE_DEFAULT_REGION = "FR"

    assert normalise_address(IdentityKind.WHATSAPP, "06 12 34 56 78") == "+33612345678"
    assert normalise_address(IdentityKind.WHATSAPP, "+33 6 12 34 56 78") == "+33612345678"


def test_national_number_is_read_in_the_default_region(settings):
    # given a deployment in the United States
    settings.THREADLINE_DEFAULT_REGION = "US"

    # then a number without country code is American
    assert normalise_address(IdentityKind.PHONE, "(415) 555-2671") == "+14155552671"


def test_explicit_region_wins_over_the_default(settings):
    settings.THREADLINE_DEFAULT_REGION = "FR"

    assert normalise_address(IdentityKind.PHONE, "020 7946 0018", region="GB") == "+442079460018"


def test_international_number_ignores_the_default_region(settings):
    settings.THREADLINE_DEFAULT_REGION = "FR"

    assert normalise_address(IdentityKind.PHONE, "+1 415 555 2671") == "+14155552671"


@pytest.mark.parametrize(
    "raw",
    [
        "abc",
        "<script>alert(1)</script>",
        "06 12 34 56 78<script>alert(1)</script>",
        "06\x0012345678",
        "'; DROP TABLE customers_identity; --",
    ],
)
def test_text_that_is_no_phone_number_is_refused(raw):
    message = refusal(IdentityKind.PHONE, raw)

    assert "is not a phone number" in message


@pytest.mark.parametrize("raw", ["12", "+33 6 12 34 56 78 99 99 99", "0800-FLOWERS"])
def test_impossible_phone_number_is_refused(raw):
    message = refusal(IdentityKind.PHONE, raw)

    assert "is not a possible phone number" in message


# --- opaque provider ids --------------------------------------------------------------


@pytest.mark.parametrize("kind", OPAQUE_KINDS)
def test_provider_id_is_kept_as_given_without_surrounding_space(kind):
    assert normalise_address(kind, "  U012AB3CD\n") == "U012AB3CD"


@pytest.mark.parametrize("kind", OPAQUE_KINDS)
@pytest.mark.parametrize(
    "raw",
    [
        "12 345",
        "12\t345",
        "12\x07345",
        "12\x1b[31m345",
        "visitor\u202eexe.txt",  # right-to-left override, to disguise what is shown
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        "1;DROP TABLE customers_identity",
        "visitor\"'",
    ],
)
def test_provider_id_with_anything_but_id_characters_is_refused(kind, raw):
    message = refusal(kind, raw)

    assert message == f"The {kind} id may only hold letters, digits and . _ : @ + = / | -"


# --- every kind -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", IdentityKind.values)
@pytest.mark.parametrize("raw", ["", "   ", "\n\t", None])
def test_empty_address_is_refused(kind, raw):
    message = refusal(kind, raw)

    assert message == f"The {kind} address is empty."


@pytest.mark.parametrize("kind", IdentityKind.values)
def test_oversized_address_is_refused(kind):
    raw = "1" * (MAX_ADDRESS_LENGTH + 1)

    message = refusal(kind, raw)

    assert message == f"The {kind} address is longer than {MAX_ADDRESS_LENGTH} characters."


def test_address_of_exactly_the_limit_is_accepted():
    raw = "v" * MAX_ADDRESS_LENGTH

    assert normalise_address(IdentityKind.WEBCHAT, raw) == raw


def test_unknown_kind_is_refused():
    message = refusal("carrier-pigeon", "coo")

    assert message == "Unknown identity kind 'carrier-pigeon'."


def test_refusal_carries_a_code_naming_the_problem():
    with pytest.raises(ValidationError) as caught:
        normalise_address(IdentityKind.PHONE, "abc")

    assert caught.value.code == "invalid_phone"
