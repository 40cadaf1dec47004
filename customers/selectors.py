"""Read paths on customers: which profiles a user may see, and the other profiles that
look like the same person."""

import re
import sys
from dataclasses import dataclass
from functools import reduce
from operator import or_

import phonenumbers
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Lower, Trim
from django.utils.translation import gettext as _

from inbox.folding import fold

from .addresses import PHONE_KINDS, IdentityKind, normalise_address
from .models import Customer, CustomerMerge, Identity

# Names are fetched by the first letters of their words (an indexed range on Lower(name)),
# then compared in Python; this bounds the rows a very common prefix could bring.
NAME_PREFIX_LENGTH = 3
MAX_NAME_WORDS = 4
MAX_NAME_CANDIDATES = 1000

# How much each reason weighs in the ranking: a shared contact point is near proof.
CONTACT_WEIGHT = 10
SAME_FULL_NAME_WEIGHT = 6
SIMILAR_NAME_WEIGHT = 4
SUPPORTING_NAME_WEIGHT = 1


@dataclass(frozen=True)
class SimilarCustomer:
    """Another customer who may be the same person, and why we think so."""

    customer: Customer
    reasons: list[str]


def similar_customers(customer: Customer, *, limit: int = 5) -> list[SimilarCustomer]:
    """Up to ``limit`` other customers who look like ``customer``, the likeliest first.

    The rules, strongest first:

    - **Same phone**: a phone number of one is a phone number of the other. A customer's
      numbers are the addresses of their phone and WhatsApp identities (E.164) and
      ``attributes["phone"]`` read as a number. The same number can be a phone identity of
      one customer and a WhatsApp identity of another.
    - **Same e-mail**: likewise with e-mail identities and ``attributes["email"]``,
      compared case-insensitively. Two e-mail identities cannot share an address, so this
      is an address an agent typed on one profile that is an identity (or the typed
      address) of another.
    - **Same name**: the same words, ignoring case, accents, punctuation and order
      ("Tomás Silva", "tomas silva", "Silva, Tomás"), with at least two words.
    - **Similar name**: the words of one name are all in the other, at least two of them
      ("Tomás Silva" and "Tomás Silva Pereira").
    - **Same first name** (or the same one-word name, "Tomás" and "Tomás Silva"): too common
      to mean anything alone, so it is only given as a further reason for a customer that
      already matched on a phone or an e-mail.

    Reverse lookups of typed attributes find a phone only when it was typed in E.164, the
    international or the national format of ``THREADLINE_DEFAULT_REGION``. Names are looked
    up by the first letters of a word of ``customer``'s name: an accent in those letters is
    matched only when ``customer``'s name has it too.

    Merged-away customers (``merged_into`` set) and ``customer`` itself are never returned.
    Five queries at most (four with ``identities`` prefetched), each on an index.
    """
    others = Customer.objects.filter(merged_into__isnull=True).exclude(pk=customer.pk)
    phones, emails = _contact_points(customer)
    names: dict[int, str] = {}
    contacts: dict[int, list[str]] = {}

    if phones or emails:
        shared = (
            Identity.objects.filter(
                Q(kind__in=PHONE_KINDS, address__in=phones)
                | Q(kind=IdentityKind.EMAIL, address__in=emails)
            )
            .exclude(customer_id=customer.pk)
            .filter(customer__merged_into__isnull=True)
            .values_list("customer_id", "customer__name", "kind", "address")
        )
        for customer_id, name, kind, address in shared:
            names[customer_id] = name
            _add(contacts, customer_id, _contact_reason(kind in PHONE_KINDS, address))

        typed = (
            # As typed, give or take case and spaces; also, a bare key transform's IN would
            # compare JSON values. Migration inbox 0003_search_indexes indexes these two.
            others.annotate(typed_email=Lower(Trim(KT("attributes__email"))),
                            typed_phone=Lower(Trim(KT("attributes__phone"))))
            .filter(Q(typed_email__in=emails) | Q(typed_phone__in=_spellings(phones)))
            .values_list("id", "name", "typed_email", "typed_phone")
        )
        for customer_id, name, typed_email, typed_phone in typed:
            names[customer_id] = name
            if typed_email in emails:
                _add(contacts, customer_id, _contact_reason(False, typed_email))
            phone = _phone_or_none(typed_phone)
            if phone in phones:
                _add(contacts, customer_id, _contact_reason(True, phone))

    words = name_words(customer.name)
    if len(words) >= 2:
        names.update(_name_candidates(others, customer.name))

    scored = []
    for customer_id, name in names.items():
        reasons = list(contacts.get(customer_id, []))
        score = CONTACT_WEIGHT * len(reasons)
        name_reason, weight, alone = _compare_names(words, name_words(name))
        if name_reason and (alone or reasons):
            reasons.append(name_reason)
            score += weight
        if reasons:
            scored.append((score, customer_id, reasons))
    scored.sort(key=lambda row: (-row[0], -row[1]))
    scored = scored[:limit]

    found = Customer.objects.in_bulk([customer_id for _score, customer_id, _r in scored])
    return [SimilarCustomer(found[customer_id], reasons)
            for _score, customer_id, reasons in scored if customer_id in found]


def name_words(name: str) -> list[str]:
    """The words of a name without case, accents or punctuation: "Tomás-Silva" → tomas, silva."""
    return re.sub(r"[\W_]+", " ", fold(name or "")).split()


def _compare_names(mine: list[str], theirs: list[str]) -> tuple[str, int, bool]:
    """The name reason, its weight, and whether it counts on its own."""
    if not mine or not theirs:
        return "", 0, False
    if sorted(mine) == sorted(theirs):
        if len(mine) >= 2:
            return _("same name"), SAME_FULL_NAME_WEIGHT, True
        return _("same name"), SUPPORTING_NAME_WEIGHT, False
    common = set(mine) & set(theirs)
    if len(common) >= 2 and common in (set(mine), set(theirs)):
        return _("similar name"), SIMILAR_NAME_WEIGHT, True
    if mine[0] == theirs[0]:
        return _("same first name"), SUPPORTING_NAME_WEIGHT, False
    return "", 0, False


def _name_candidates(others, name: str) -> dict[int, str]:
    """Customers whose name starts like one word of ``name`` and holds another one.

    A range on ``Lower(name)`` (``customer_name_lower_idx``) rather than LIKE 'x%', which
    PostgreSQL only serves from a btree under the C collation.
    """
    prefixes = []
    for raw in re.sub(r"[\W_]+", " ", name.lower()).split()[:MAX_NAME_WORDS]:
        word = raw[:NAME_PREFIX_LENGTH]
        prefixes.append({word, "".join(name_words(word))} - {""})
    conditions = []
    for index, starts in enumerate(prefixes):
        holds = {prefix for other, alternatives in enumerate(prefixes) if other != index
                 for prefix in alternatives}
        if not holds:
            continue
        for start in starts:
            following = ord(start[-1]) + 1
            if following > sys.maxunicode or 0xD800 <= following <= 0xDFFF:
                continue  # no character after it to end the range with
            conditions.append(
                Q(lower_name__gte=start, lower_name__lt=start[:-1] + chr(following))
                & reduce(or_, (Q(name__icontains=prefix) for prefix in holds))
            )
    if not conditions:
        return {}
    rows = (
        others.annotate(lower_name=Lower("name"))
        .filter(reduce(or_, conditions))
        .order_by()
        .values_list("id", "name")[:MAX_NAME_CANDIDATES]
    )
    return dict(rows)


def _contact_points(customer: Customer) -> tuple[set[str], set[str]]:
    """The customer's phone numbers (E.164) and e-mail addresses (lower-cased)."""
    phones, emails = set(), set()
    for identity in customer.identities.all():
        if identity.kind in PHONE_KINDS:
            phones.add(identity.address)
        elif identity.kind == IdentityKind.EMAIL:
            emails.add(identity.address)
    attributes = customer.attributes if isinstance(customer.attributes, dict) else {}
    phone = _phone_or_none(attributes.get("phone"))
    if phone:
        phones.add(phone)
    email = _normal_or_none(IdentityKind.EMAIL, attributes.get("email"))
    if email:
        emails.add(email)
    return phones, emails


def _spellings(phones: set[str]) -> set[str]:
    """The ways an agent may have typed these E.164 numbers in a profile's attributes."""
    spellings = set(phones)
    for phone in phones:
        try:
            number = phonenumbers.parse(phone)
        except phonenumbers.NumberParseException:
            continue
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        spellings |= {
            national,
            re.sub(r"\D", "", national),
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        }
    return spellings


def _phone_or_none(raw) -> str | None:
    return _normal_or_none(IdentityKind.PHONE, raw)


def _normal_or_none(kind: str, raw) -> str | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str):
        return None
    try:
        return normalise_address(kind, raw)
    except ValidationError:
        return None


def _contact_reason(is_phone: bool, address: str) -> str:
    if is_phone:
        return _("same phone %(number)s") % {"number": address}
    return _("same e-mail %(address)s") % {"address": address}


def _add(reasons: dict[int, list[str]], customer_id: int, reason: str) -> None:
    found = reasons.setdefault(customer_id, [])
    if reason not in found:
        found.append(reason)


# --- Who sees which profile (the API's customers) -----------------------------------------


def customers_visible_to(user) -> QuerySet[Customer]:
    """The one permission rule for profiles: a customer is visible with their thread (see
    ``inbox.selectors.threads_visible_to``). ``merged_into_visible`` says whether the
    profile it was merged into is visible too (else its id is not shown)."""
    customers = Customer.objects.select_related("thread").prefetch_related("identities")
    if user.sees_all_teams:
        return customers.annotate(merged_into_visible=Q(merged_into__isnull=False))
    return customers.filter(thread__team__members=user).annotate(
        merged_into_visible=Exists(Customer.objects.filter(
            pk=OuterRef("merged_into_id"), thread__team__members=user)))


def search_customers(customers: QuerySet[Customer], *, query: str = "", team_id: int | None = None,
                     kind: str = "", address: str = "") -> QuerySet[Customer]:
    """``customers`` whose name or an identity's address or display name holds ``query``,
    whose thread is in ``team_id``, with an identity of ``kind`` and ``address`` (an address
    is compared in its normal form when the kind is given)."""
    query = query.strip()
    if query:
        customers = customers.filter(
            Q(name__icontains=query)
            | Exists(Identity.objects.filter(customer=OuterRef("pk")).filter(
                Q(address__icontains=query) | Q(display_name__icontains=query))))
    if team_id is not None:
        customers = customers.filter(thread__team_id=team_id)
    if kind or address:
        identities = Identity.objects.filter(customer=OuterRef("pk"))
        if kind:
            identities = identities.filter(kind=kind)
        if address:
            normal = _normal_or_none(kind, address) if kind else None
            identities = identities.filter(address=normal or address.strip())
        customers = customers.filter(Exists(identities))
    return customers


def merges_visible_to(user) -> QuerySet[CustomerMerge]:
    """Merges whose two customers the user may both see."""
    merges = CustomerMerge.objects.all()
    if user.sees_all_teams:
        return merges
    return merges.filter(source__thread__team__members=user,
                         target__thread__team__members=user)
