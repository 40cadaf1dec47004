"""Similar customers: the other profiles that look like the same person, and why."""

import pytest
from django.db import transaction

from customers.actions import customer_create, identity_resolve, merge_customers
from customers.addresses import IdentityKind
from customers.models import Customer
from customers.selectors import SimilarCustomer, name_words, similar_customers

pytestmark = pytest.mark.django_db


def customer_with(kind: str, address: str, *, name: str = "") -> Customer:
    with transaction.atomic():
        return identity_resolve(kind=kind, address=address, display_name=name).customer


def customer_named(name: str, **attributes) -> Customer:
    customer = customer_create(name=name)
    if attributes:
        customer.attributes = attributes
        customer.save()
    return customer


def reasons_by_name(matches: list[SimilarCustomer]) -> dict[str, list[str]]:
    return {match.customer.name: match.reasons for match in matches}


def fresh(customer: Customer) -> Customer:
    return Customer.objects.get(pk=customer.pk)


def test_the_same_number_on_sms_and_whatsapp_is_the_same_phone():
    # given one customer who texted, another who wrote on WhatsApp from the same number
    texted = customer_with(IdentityKind.PHONE, "06 12 34 56 78", name="Tomás")
    whatsapp = customer_with(IdentityKind.WHATSAPP, "+33 6 12 34 56 78", name="T. Silva")
    customer_with(IdentityKind.WHATSAPP, "+33 6 99 99 99 99", name="Someone Else")

    # then each is similar to the other, with the number as the reason
    assert reasons_by_name(similar_customers(texted)) == {"T. Silva": ["same phone +33612345678"]}
    assert reasons_by_name(similar_customers(whatsapp)) == {"Tomás": ["same phone +33612345678"]}


def test_an_email_typed_on_a_profile_matches_another_customers_identity_both_ways():
    # given an agent typed Ana's e-mail, differently cased, on a phone-only profile
    by_mail = customer_with(IdentityKind.EMAIL, "ana@home.example", name="Ana")
    by_phone = customer_named("Ana Lopes", email="  Ana@Home.Example ")

    assert reasons_by_name(similar_customers(by_phone)) == {
        "Ana": ["same e-mail ana@home.example", "same first name"]}
    assert reasons_by_name(similar_customers(by_mail)) == {
        "Ana Lopes": ["same e-mail ana@home.example", "same first name"]}


@pytest.mark.parametrize("typed", ["06 12 34 56 78", "0612345678", "+33612345678",
                                   "+33 6 12 34 56 78"])
def test_a_phone_typed_on_a_profile_matches_another_customers_identity_both_ways(typed):
    texted = customer_with(IdentityKind.PHONE, "+33612345678", name="Bea")
    typed_on = customer_named("Béatrice Dupont", phone=typed)

    assert reasons_by_name(similar_customers(typed_on)) == {"Bea": ["same phone +33612345678"]}
    assert reasons_by_name(similar_customers(texted)) == {
        "Béatrice Dupont": ["same phone +33612345678"]}


def test_the_same_typed_email_on_two_profiles_is_a_reason():
    first = customer_named("Ana", email="ana@home.example")
    customer_named("Ana Lopes", email="ANA@home.example")

    assert reasons_by_name(similar_customers(first)) == {
        "Ana Lopes": ["same e-mail ana@home.example", "same first name"]}


@pytest.mark.parametrize("other", ["tomas silva", "TOMÁS SILVA", "Silva, Tomás", "Tomás-Silva",
                                   " Tomás   Silva "])
def test_the_same_name_whatever_the_case_accents_punctuation_or_order(other):
    tomas = customer_named("Tomás Silva")
    customer_named(other)
    customer_named("Tomás Pereira")  # only the first name: not enough
    customer_named("Silvana Tomasi")  # starts alike, is someone else

    assert [match.reasons for match in similar_customers(tomas)] == [["same name"]]


def test_a_name_written_without_accents_finds_the_accented_one():
    customer_named("Tomás Silva")
    plain = customer_named("Tomas Silva")

    assert reasons_by_name(similar_customers(plain)) == {"Tomás Silva": ["same name"]}


def test_one_name_within_the_other_with_two_words_in_common_is_a_similar_name():
    tomas = customer_named("Tomás Silva")
    customer_named("Tomás Silva Pereira")
    customer_named("Maria Tomás Silva")  # does not start with a word of "Tomás Silva"

    assert reasons_by_name(similar_customers(tomas)) == {
        "Tomás Silva Pereira": ["similar name"]}
    assert reasons_by_name(similar_customers(fresh(Customer.objects.get(
        name="Tomás Silva Pereira")))) == {"Tomás Silva": ["similar name"]}


def test_a_first_name_alone_is_no_reason_but_adds_to_a_shared_number():
    # given "Tomás" and "Tomás Silva": alone, nothing says they are one person
    tomas = customer_with(IdentityKind.PHONE, "+33612345678", name="Tomás")
    customer_named("Tomás Silva")
    assert similar_customers(tomas) == []

    # when a third one shares the number, the first name is a further reason
    customer_with(IdentityKind.WHATSAPP, "+33612345678", name="Tomas Pereira")
    assert reasons_by_name(similar_customers(tomas)) == {
        "Tomas Pereira": ["same phone +33612345678", "same first name"]}


def test_one_word_names_alike_are_no_reason_alone():
    ana = customer_named("Ana")
    customer_named("ana")

    assert similar_customers(ana) == []


def test_never_itself_nor_a_customer_merged_away():
    tomas = customer_named("Tomás Silva")
    merged = customer_named("Tomas Silva")
    kept = customer_named("TOMAS SILVA")
    merge_customers(source=merged, target=kept)

    assert [match.customer for match in similar_customers(fresh(tomas))] == [kept]
    assert [match.customer for match in similar_customers(fresh(kept))] == [tomas]


def test_contact_points_rank_before_names_and_the_limit_holds():
    tomas = customer_with(IdentityKind.PHONE, "+33612345678", name="Tomás Silva")
    tomas.attributes = {"email": "tomas@home.example"}
    tomas.save()
    customer_named("Tomas Silva")  # name only
    both = customer_with(IdentityKind.WHATSAPP, "+33612345678", name="tomás silva")
    mail = customer_with(IdentityKind.EMAIL, "tomas@home.example", name="T S")
    for n in range(6):
        customer_named(f"Tomás Silva {n}")  # similar names

    matches = similar_customers(fresh(tomas))

    assert len(matches) == 5
    assert matches[0].customer == both
    assert matches[0].reasons == ["same phone +33612345678", "same name"]
    assert matches[1].customer == mail
    assert matches[2].customer.name == "Tomas Silva"
    assert [m.reasons for m in matches[3:]] == [["similar name"], ["similar name"]]
    assert len(similar_customers(fresh(tomas), limit=2)) == 2


def test_a_customer_with_nothing_to_compare_has_no_similar_customers():
    customer_named("Tomás Silva")
    nameless = customer_named("")
    odd = customer_named("!!!", email=["not", "a", "string"], phone={"no": 1})

    assert similar_customers(nameless) == []
    assert similar_customers(odd) == []


def test_attributes_that_are_not_an_object_are_ignored():
    customer = customer_named("Tomás Silva")
    customer.attributes = ["a", "list"]
    customer.save()
    customer_named("Tomas Silva")

    assert [m.reasons for m in similar_customers(fresh(customer))] == [["same name"]]


def test_a_handful_of_queries_however_many_matches(django_assert_max_num_queries):
    # given a customer with a phone, a typed e-mail and a common name, and many look-alikes
    tomas = customer_with(IdentityKind.PHONE, "+33612345678", name="Tomás Silva")
    tomas.attributes = {"email": "tomas@home.example", "phone": "0699999999"}
    tomas.save()
    customer_with(IdentityKind.WHATSAPP, "+33612345678", name="A")
    customer_with(IdentityKind.EMAIL, "tomas@home.example", name="B")
    customer_with(IdentityKind.PHONE, "+33699999999", name="C")
    customer_named("D", email="TOMAS@home.example")
    for n in range(20):
        customer_named(f"Tomas Silva {n}")
    tomas = fresh(tomas)

    # then one query for its identities, three look-ups, one to load the five found
    with django_assert_max_num_queries(5):
        matches = similar_customers(tomas)
        names = [match.customer.name for match in matches]

    assert len(names) == 5
    assert set(names[:4]) == {"A", "B", "C", "D"}


def test_name_words_ignore_case_accents_and_punctuation():
    assert name_words("  Tomás-Silva, Jr. ") == ["tomas", "silva", "jr"]
    assert name_words("ZOË") == ["zoe"]
    assert name_words("") == []
