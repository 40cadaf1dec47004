"""The writes on a profile that someone makes by hand (an agent, an integrator through the
API): create with identities, update, delete, add or remove one identity.

Identity resolution (``customers.actions``) joins what messages bring; these are the
deliberate changes. Each validates, writes, and records its Event in one transaction.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from inbox.events import CustomerDeleted, CustomerUpdated, IdentityAdded, IdentityRemoved
from inbox.models import Team
from inbox.publish import record_event

from .actions import customer_create
from .addresses import normalise_address
from .models import Customer, Identity

MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class NewIdentity:
    kind: str
    address: str
    display_name: str = ""
    verified: bool = False


@transaction.atomic
def customer_create_with_identities(*, name: str = "", team: Team | None,
                                    identities: list[NewIdentity] = (),
                                    actor=None) -> Customer:
    """A customer, their thread in ``team``, and the identities given: all or nothing (an
    address that already belongs to someone refuses the whole creation)."""
    customer = customer_create(name=name, team=team, actor=actor)
    for index, new in enumerate(identities):
        try:
            identity_add(customer=customer, kind=new.kind, address=new.address,
                         display_name=new.display_name, verified=new.verified, actor=actor)
        except ValidationError as error:
            raise ValidationError({"identities": [f"#{index}: {message}"
                                                  for message in error.messages]}) from error
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, name: str | None = None,
                    attributes: dict[str, Any] | None = None, notes: str | None = None,
                    actor=None) -> Customer:
    """Change the fields given (None leaves a field as it is); ``attributes`` replaces the
    whole object."""
    customer = (Customer.objects.select_for_update(of=("self",)).select_related("thread")
                .get(pk=customer.pk))
    changed = []
    if name is not None and name.strip()[:MAX_NAME_LENGTH] != customer.name:
        customer.name = name.strip()[:MAX_NAME_LENGTH]
        changed.append("name")
    if attributes is not None and attributes != customer.attributes:
        customer.attributes = attributes
        changed.append("attributes")
    if notes is not None and notes != customer.notes:
        customer.notes = notes
        changed.append("notes")
    if changed:
        customer.save(update_fields=[*changed, "updated_at"])
        record_event(CustomerUpdated(customer_id=customer.pk, name=customer.name,
                                     changed=changed), thread=customer.thread, actor=actor)
    return customer


@transaction.atomic
def customer_delete(*, customer: Customer, actor=None) -> int:
    """Delete the customer, and with them (as the models cascade) their thread, its messages
    and attachments, their identities and the records of merges they took part in.

    The Events stay: the audit trail keeps who deleted whom (their customer and thread
    become empty). Customers merged into this one become profiles of their own again,
    empty (what the merge moved goes with this one). Returns the number of messages
    deleted."""
    customer = (Customer.objects.select_for_update(of=("self",)).select_related("thread")
                .get(pk=customer.pk))
    thread = customer.thread
    message_count = thread.messages.count()
    record_event(CustomerDeleted(customer_id=customer.pk, message_count=message_count),
                 thread=thread, actor=actor)
    customer.delete()
    return message_count


def identity_add(*, customer: Customer, kind: str, address: str, display_name: str = "",
                 verified: bool = False, actor=None) -> Identity:
    """A new identity of ``customer``, its address in normal form. An address that already
    belongs to a customer (this one or another) is refused: moving it is a merge."""
    if customer.merged_into_id is not None:
        raise ValidationError(_("This customer was merged into another one: add the "
                                "identity to that customer."), code="customer_merged")
    try:
        address = normalise_address(kind, address)
    except ValidationError as error:
        raise ValidationError({"address": error.messages}) from error
    taken = ValidationError(_("This %(kind)s address already belongs to a customer.")
                            % {"kind": kind}, code="identity_taken")
    if Identity.objects.filter(kind=kind, address=address).exists():
        raise taken
    try:
        with transaction.atomic():
            identity = Identity.objects.create(
                customer=customer, kind=kind, address=address,
                display_name=display_name.strip()[:MAX_NAME_LENGTH], verified=verified,
                last_seen_at=None)
            record_event(IdentityAdded(identity_id=identity.pk, kind=kind, address=address,
                                       verified=verified),
                         thread=customer.thread, actor=actor)
    except IntegrityError:
        raise taken from None
    return identity


@transaction.atomic
def identity_remove(*, identity: Identity, actor=None) -> None:
    """Forget one way of reaching the customer. Their messages stay in the thread (without
    the identity): nothing of the conversation is lost."""
    identity = Identity.objects.select_related("customer__thread").get(pk=identity.pk)
    record_event(IdentityRemoved(identity_id=identity.pk, kind=identity.kind,
                                 address=identity.address),
                 thread=identity.customer.thread, actor=actor)
    identity.delete()
