"""The writes on customers: creation, identity resolution, merge and undo.

Each public function validates, writes, records its Events and publishes them after commit.
Identity resolution and customer creation must be called inside a transaction: they are the
first steps of ``inbox.actions.receive_message``.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from inbox.events import (
    ContactLeft,
    CustomerCreated,
    CustomersMerged,
    IdentityAdded,
    MergeUndone,
)
from inbox.models import Event, Message, Tag, Team, Thread
from inbox.publish import record_event, record_events

from .addresses import PHONE_KINDS, REACHED_THROUGH, IdentityKind, normalise_address
from .models import Customer, CustomerMerge, Identity


@dataclass(frozen=True)
class ResolvedIdentity:
    identity: Identity
    customer: Customer
    customer_created: bool
    identity_created: bool


def customer_create(*, name: str = "", team: Team | None = None, actor=None) -> Customer:
    """A customer and their (empty) thread: every customer has exactly one thread."""
    customer = Customer.objects.create(name=name.strip()[:200])
    thread = Thread.objects.create(customer=customer, team=team, last_activity_at=timezone.now())
    record_event(CustomerCreated(customer_id=customer.pk, name=customer.name), thread=thread,
                 actor=actor)
    return customer


def _matching_customer(emails: set[str], phones: set[str]) -> Customer | None:
    """The customer who owns a verified identity with one of these e-mails or phones."""
    if not emails and not phones:
        return None
    match = _verified_owners(emails, phones).select_related("customer").order_by("id").first()
    return match.customer if match else None


def _verified_owners(emails: set[str], phones: set[str]):
    """The verified identities with one of these e-mails or phones."""
    return Identity.objects.filter(verified=True).filter(
        Q(kind=IdentityKind.EMAIL, address__in=emails)
        | Q(kind__in=PHONE_KINDS, address__in=phones))


def identity_resolve(
    *,
    kind: str,
    address: str,
    display_name: str = "",
    verified: bool = False,
    verified_emails: Iterable[str] = (),
    verified_phones: Iterable[str] = (),
    team: Team | None = None,
) -> ResolvedIdentity:
    """Find the customer behind ``(kind, address)``, or make one.

    An identity seen before goes to its customer. A new identity whose verified e-mail or
    phone matches a customer's verified identity joins that customer. Otherwise a new
    customer is created. Safe under concurrency: two transactions racing on the same new
    identity meet on its unique constraint, and the loser reads the winner's row.
    """
    address = normalise_address(kind, address)
    emails, phones = _verified_contacts(kind, address, verified, verified_emails,
                                        verified_phones)

    existing = _existing_identity(kind, address, verified=verified)
    if existing is not None:
        return existing

    customer = _matching_customer(emails, phones)
    try:
        with transaction.atomic():
            customer_created = customer is None
            if customer is None:
                customer = customer_create(name=display_name, team=team)
            identity = Identity.objects.create(
                customer=customer, kind=kind, address=address,
                display_name=display_name.strip()[:200], verified=verified,
                last_seen_at=timezone.now(),
            )
            record_event(
                IdentityAdded(identity_id=identity.pk, kind=kind, address=address,
                              verified=verified),
                thread=customer.thread,
            )
    except IntegrityError:
        # Another transaction created the same identity first; theirs is the one.
        existing = _existing_identity(kind, address, verified=verified)
        if existing is None:
            raise
        return existing
    return ResolvedIdentity(identity, customer, customer_created, identity_created=True)


def identity_for_reaching(*, customer: Customer, kind: str) -> Identity | None:
    """The customer's identity of ``kind``, made from a verified address of the kind it is
    reached through (REACHED_THROUGH) when they have none yet: an agent may answer on
    WhatsApp a customer whose phone number is proven. None if there is no such address, or
    if it already belongs to another customer on ``kind``."""
    existing = customer.identities.filter(kind=kind).order_by("-last_seen_at", "-id").first()
    if existing is not None or kind not in REACHED_THROUGH:
        return existing
    source = (customer.identities.filter(kind=REACHED_THROUGH[kind], verified=True)
              .order_by("-last_seen_at", "-id").first())
    if source is None or Identity.objects.filter(kind=kind, address=source.address).exists():
        return None
    # Not verified: the number is proven, not that it has an account on ``kind``.
    identity = Identity.objects.create(customer=customer, kind=kind, address=source.address,
                                       display_name=source.display_name, verified=False)
    record_event(IdentityAdded(identity_id=identity.pk, kind=kind, address=identity.address,
                               verified=False), thread=customer.thread)
    return identity


@dataclass(frozen=True)
class Claim:
    """Who a message says it is from, for ``identities_resolve``."""

    address: str
    display_name: str = ""
    verified: bool = False
    verified_emails: tuple[str, ...] = ()
    verified_phones: tuple[str, ...] = ()


def identities_resolve(*, kind: str, claims: list[Claim],
                       team: Team | None = None) -> dict[str, ResolvedIdentity]:
    """``identity_resolve`` for a batch (a mailbox poll's senders), by each claim's address,
    with the same rules, in a handful of queries: the identities already known in one, the
    new customers, threads and identities in one insert each. Claims whose verified e-mail
    or phone joins an existing customer, or that upgrade an identity to verified, go one by
    one; so does everything if a concurrent transaction created one of the identities."""
    normalised = {claim.address: normalise_address(kind, claim.address) for claim in claims}
    first: dict[str, Claim] = {}  # each address once, however it was written
    for claim in claims:
        first.setdefault(normalised[claim.address], claim)
    known = {identity.address: identity for identity in Identity.objects.select_related(
        "customer").filter(kind=kind, address__in=first)}
    resolved: dict[str, ResolvedIdentity] = {}
    seen, fresh, one_by_one = [], {}, []
    for address, claim in first.items():
        identity = known.get(address)
        if identity is None:
            fresh[address] = claim
        elif identity.verified or not claim.verified:
            resolved[address] = ResolvedIdentity(identity, identity.customer, False, False)
            seen.append(identity.pk)
        else:  # verified from now on
            one_by_one.append(claim)
    if seen:
        Identity.objects.filter(pk__in=sorted(seen)).update(last_seen_at=timezone.now())
    one_by_one += _joining_claims(kind, fresh)
    created = _create_customers(kind, fresh, team)
    if created is None:  # a concurrent transaction made one of them: the careful way
        one_by_one += list(fresh.values())
    else:
        resolved.update(created)
    # In address order: two batches creating the same identities wait for one another in
    # the same order, and never deadlock.
    for claim in sorted(one_by_one, key=lambda claim: normalised[claim.address]):
        resolved[normalised[claim.address]] = identity_resolve(
            kind=kind, address=claim.address, display_name=claim.display_name,
            verified=claim.verified, verified_emails=claim.verified_emails,
            verified_phones=claim.verified_phones, team=team)
    return {claim.address: resolved[normalised[claim.address]] for claim in claims}


def _verified_contacts(kind: str, address: str, verified: bool, verified_emails: Iterable[str],
                       verified_phones: Iterable[str]) -> tuple[set[str], set[str]]:
    """The e-mails and phones a message proves: those it vouches for, and its own address
    when it is verified."""
    emails = {normalise_address(IdentityKind.EMAIL, email) for email in verified_emails}
    phones = {normalise_address(IdentityKind.PHONE, phone) for phone in verified_phones}
    if verified and kind == IdentityKind.EMAIL:
        emails.add(address)
    if verified and kind in PHONE_KINDS:
        phones.add(address)
    return emails, phones


def _joining_claims(kind: str, fresh: dict[str, Claim]) -> list[Claim]:
    """Take out of ``fresh`` the claims whose verified contacts match an existing verified
    identity (they join its customer, through ``identity_resolve``): one query for all."""
    contacts = {address: _verified_contacts(kind, address, claim.verified,
                                            claim.verified_emails, claim.verified_phones)
                for address, claim in fresh.items()}
    emails = set().union(*(e for e, _ in contacts.values()))
    phones = set().union(*(p for _, p in contacts.values()))
    if not emails and not phones:
        return []
    owned = set(_verified_owners(emails, phones).values_list("address", flat=True))
    joining = [address for address, (e, p) in contacts.items() if owned & (e | p)]
    return [fresh.pop(address) for address in joining]


def _create_customers(kind: str, fresh: dict[str, Claim],
                      team: Team | None) -> dict[str, ResolvedIdentity] | None:
    """A new customer, thread and identity for each (normalised) address and its claim, in
    one insert each, by address; None if a
    concurrent transaction created one of the identities first (nothing is written)."""
    if not fresh:
        return {}
    fresh = dict(sorted(fresh.items()))  # inserted in address order: see identities_resolve
    now = timezone.now()
    try:
        with transaction.atomic():
            customers = Customer.objects.bulk_create(
                [Customer(name=claim.display_name.strip()[:200]) for claim in fresh.values()])
            threads = Thread.objects.bulk_create(
                [Thread(customer=customer, team=team, last_activity_at=now)
                 for customer in customers])
            identities = Identity.objects.bulk_create([
                Identity(customer=customer, kind=kind, address=address,
                         display_name=claim.display_name.strip()[:200],
                         verified=claim.verified, last_seen_at=now)
                for customer, (address, claim) in zip(customers, fresh.items(), strict=True)])
    except IntegrityError:
        return None
    entries = []
    for customer, thread, identity in zip(customers, threads, identities, strict=True):
        customer.thread = thread
        entries.append((CustomerCreated(customer_id=customer.pk, name=customer.name), thread))
        entries.append((IdentityAdded(identity_id=identity.pk, kind=kind,
                                      address=identity.address, verified=identity.verified),
                        thread))
    record_events(entries)
    return {address: ResolvedIdentity(identity, customer, True, True)
            for address, customer, identity in zip(fresh, customers, identities, strict=True)}


def _existing_identity(kind: str, address: str, *, verified: bool) -> ResolvedIdentity | None:
    identity = (
        Identity.objects.select_related("customer").filter(kind=kind, address=address).first()
    )
    if identity is None:
        return None
    changed = {"last_seen_at": timezone.now()}
    if verified and not identity.verified:
        changed["verified"] = True
    Identity.objects.filter(pk=identity.pk).update(**changed)
    for field, value in changed.items():
        setattr(identity, field, value)
    return ResolvedIdentity(identity, identity.customer, False, False)


def customer_note_contact(*, customer: Customer, name: str = "", email: str = "",
                          channel=None) -> Customer:
    """What a customer says of themselves (a chat's pre-chat form): never proof.

    The e-mail goes to ``attributes["email"]``, not to an identity: it joins no one and
    routes no mail, but ``selectors.similar_customers`` suggests the profiles that own it.
    The name fills an empty profile name only.
    """
    name = (name or "").strip()[:200]
    email = normalise_address(IdentityKind.EMAIL, email) if (email or "").strip() else ""
    if not name and not email:
        raise ValidationError(_("Leave a name or an e-mail address."), code="empty")
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        fields = ["updated_at"]
        if name and not customer.name:
            customer.name = name
            fields.append("name")
        if email:
            customer.attributes = {**customer.attributes, "email": email}
            fields.append("attributes")
        customer.save(update_fields=fields)
        record_event(ContactLeft(customer_id=customer.pk, name=name, email=email,
                                 channel_id=channel.pk if channel else None),
                     thread=customer.thread)
    return customer


def _lock_threads(*customers: Customer) -> dict[int, Thread]:
    """Lock the customers' threads in id order, so two merges cannot deadlock."""
    threads = Thread.objects.select_for_update().filter(
        customer__in=[c.pk for c in customers]
    ).order_by("id")
    return {thread.customer_id: thread for thread in threads}


def _refresh_activity(thread: Thread) -> None:
    """Recompute the thread's activity times from the messages it now holds."""
    times = thread.messages.aggregate(
        last=Max("created_at"),
        last_inbound=Max("created_at", filter=Q(direction=Message.Direction.INBOUND)),
    )
    thread.last_activity_at = times["last"] or thread.created_at
    thread.last_inbound_at = times["last_inbound"]
    thread.save(update_fields=["last_activity_at", "last_inbound_at"])


@transaction.atomic
def merge_customers(*, source: Customer, target: Customer, by=None) -> CustomerMerge:
    """Move everything of ``source`` (identities, messages, events, tags) into ``target``.

    ``source`` stays as an empty profile marked ``merged_into``, so the merge can be undone.
    """
    if source.pk == target.pk:
        raise ValidationError(_("A customer cannot be merged into itself."), code="same_customer")
    source = Customer.objects.select_for_update().get(pk=source.pk)
    target = Customer.objects.select_for_update().get(pk=target.pk)
    for customer in (source, target):
        if customer.merged_into_id is not None:
            raise ValidationError(
                _("%(customer)s is already merged into another customer.")
                % {"customer": customer},
                code="already_merged",
            )
    threads = _lock_threads(source, target)
    source_thread, target_thread = threads[source.pk], threads[target.pk]

    identity_ids = list(source.identities.values_list("id", flat=True))
    message_ids = list(source_thread.messages.values_list("id", flat=True))
    event_ids = list(Event.objects.filter(customer=source).values_list("id", flat=True))
    target_tag_ids = set(target.tags.values_list("id", flat=True))
    added_tag_ids = [t for t in source.tags.values_list("id", flat=True) if t not in target_tag_ids]
    source_thread_state = {
        "status": source_thread.status,
        "assignee_id": source_thread.assignee_id,
        "team_id": source_thread.team_id,
        "priority": source_thread.priority,
        "snoozed_until": source_thread.snoozed_until.isoformat()
        if source_thread.snoozed_until else None,
        "tag_ids": list(source_thread.tags.values_list("id", flat=True)),
    }
    # The target thread's tags that only the merge brings, so that undo can take them back.
    target_thread_tag_ids = set(target_thread.tags.values_list("id", flat=True))
    source_thread_state["target_thread_added_tag_ids"] = [
        t for t in source_thread_state["tag_ids"] if t not in target_thread_tag_ids
    ]

    Identity.objects.filter(pk__in=identity_ids).update(customer=target)
    Message.objects.filter(pk__in=message_ids).update(thread=target_thread)
    Event.objects.filter(pk__in=event_ids).update(customer=target, thread=target_thread)
    target.tags.add(*added_tag_ids)
    target_thread.tags.add(*source_thread_state["tag_ids"])
    if not target.name and source.name:
        target.name = source.name
    for key, value in source.attributes.items():
        target.attributes.setdefault(key, value)
    target.save(update_fields=["name", "attributes", "updated_at"])

    if (source_thread.status != Thread.Status.RESOLVED
            and target_thread.status == Thread.Status.RESOLVED):
        target_thread.status = Thread.Status.OPEN
        target_thread.save(update_fields=["status"])
    _refresh_activity(target_thread)
    source_thread.status = Thread.Status.RESOLVED
    source_thread.snoozed_until = None
    source_thread.save(update_fields=["status", "snoozed_until"])
    _refresh_activity(source_thread)
    source.merged_into = target
    source.save(update_fields=["merged_into", "updated_at"])

    merge = CustomerMerge.objects.create(
        source=source, target=target, merged_by=by, identity_ids=identity_ids,
        message_ids=message_ids, event_ids=event_ids, tag_ids=added_tag_ids,
        source_thread_state=source_thread_state,
    )
    payload = CustomersMerged(merge_id=merge.pk, source_id=source.pk, target_id=target.pk,
                              identity_ids=identity_ids, message_count=len(message_ids))
    # Both threads' teams hear of it: the source's agents see their thread go away.
    record_event(payload, thread=target_thread, actor=by)
    record_event(payload, thread=source_thread, actor=by)
    return merge


@transaction.atomic
def undo_merge(*, merge: CustomerMerge, by=None) -> CustomerMerge:
    """Give back to the source what the merge moved, and what reached it since through them.

    Messages exchanged with one of the source's identities since the merge (what the customer
    wrote through it, and the replies sent to it) go back with it, with their events: they are
    the conversation with that person. Notes written on the target stay with the target.
    """
    merge = CustomerMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ValidationError(_("This merge was already undone."), code="already_undone")
    source = Customer.objects.select_for_update().get(pk=merge.source_id)
    target = Customer.objects.select_for_update().get(pk=merge.target_id)
    if target.merged_into_id is not None:
        raise ValidationError(
            _("%(customer)s has since been merged into another customer; undo that first.")
            % {"customer": target},
            code="target_merged",
        )
    threads = _lock_threads(source, target)
    source_thread, target_thread = threads[source.pk], threads[target.pk]

    identity_ids = list(
        Identity.objects.filter(pk__in=merge.identity_ids, customer=target)
        .values_list("id", flat=True)
    )
    message_ids = list(
        Message.objects.filter(thread=target_thread)
        .filter(Q(pk__in=merge.message_ids) | Q(identity_id__in=identity_ids))
        .values_list("id", flat=True)
    )
    message_count = Message.objects.filter(pk__in=message_ids).update(thread=source_thread)
    Identity.objects.filter(pk__in=identity_ids).update(customer=source)
    Event.objects.filter(customer=target).filter(
        Q(pk__in=merge.event_ids)
        | Q(payload__message__id__in=message_ids)
        | Q(payload__message_id__in=message_ids)
    ).update(customer=source, thread=source_thread)
    target.tags.remove(*merge.tag_ids)

    state = merge.source_thread_state
    target_thread.tags.remove(*state.get("target_thread_added_tag_ids", []))
    source_thread.status = state.get("status", Thread.Status.OPEN)
    source_thread.assignee_id = state.get("assignee_id")
    source_thread.team_id = state.get("team_id")
    source_thread.priority = state.get("priority", Thread.Priority.NONE)
    snoozed_until = state.get("snoozed_until")
    source_thread.snoozed_until = (
        timezone.datetime.fromisoformat(snoozed_until) if snoozed_until else None
    )
    if source_thread.status == Thread.Status.SNOOZED and (
        source_thread.snoozed_until is None or source_thread.snoozed_until <= timezone.now()
    ):
        source_thread.status, source_thread.snoozed_until = Thread.Status.OPEN, None
    source_thread.save()
    source_thread.tags.set(Tag.objects.filter(pk__in=state.get("tag_ids", [])))
    _refresh_activity(source_thread)
    _refresh_activity(target_thread)

    source.merged_into = None
    source.save(update_fields=["merged_into", "updated_at"])
    merge.undone_at = timezone.now()
    merge.undone_by = by
    merge.save(update_fields=["undone_at", "undone_by"])
    payload = MergeUndone(merge_id=merge.pk, source_id=source.pk, target_id=target.pk,
                          identity_ids=identity_ids, message_count=message_count)
    record_event(payload, thread=target_thread, actor=by)
    record_event(payload, thread=source_thread, actor=by)
    return merge
