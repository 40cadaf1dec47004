"""``/api/v1/customers/`` and ``/api/v1/merges/``: profiles, their identities, merge and undo.

A customer is visible with their thread (the thread's team); any other is a 404, the same
as one that does not exist. Each write is one action of ``customers``."""

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from customers.actions import merge_customers, undo_merge
from customers.addresses import IdentityKind
from customers.models import Customer, CustomerMerge
from customers.profile_actions import (
    customer_create_with_identities,
    customer_delete,
    customer_update,
    identity_add,
    identity_remove,
)
from customers.selectors import customers_visible_to, merges_visible_to, search_customers

from ..base import ApiViewSet
from ..models import Scope
from ..permissions import has_scope
from ..serializers.customers import (
    CustomerCreateSerializer,
    CustomerSerializer,
    CustomerUpdateSerializer,
    IdentityCreateSerializer,
    IdentitySerializer,
    MergeRequestSerializer,
    MergeSerializer,
    object_id_field,
)

CUSTOMER_EXAMPLE = {
    "id": 42, "name": "Ana Silva", "attributes": {"plan": "pro"}, "notes": "",
    "team": 3, "thread": 42, "merged_into": None,
    "identities": [{"id": 7, "kind": "email", "address": "ana@example.com",
                    "display_name": "Ana", "verified": True,
                    "created_at": "2026-11-02T09:30:00Z", "last_seen_at": None}],
    "created_at": "2026-11-02T09:30:00Z", "updated_at": "2026-11-02T09:30:00Z",
}
MERGE_EXAMPLE = {
    "id": 5, "source": 43, "target": 42, "merged_by": 12,
    "merged_at": "2026-11-03T10:00:00Z", "identity_ids": [8], "message_count": 3,
    "undone_at": None, "undone_by": None,
}


class CustomerFilters(serializers.Serializer):
    """The list's filters (the pagination's parameters come beside them)."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=200,
                              help_text="Part of a name, an address or a display name.")
    team = object_id_field(required=False, help_text="Customers whose thread is in this team.")
    kind = serializers.ChoiceField(choices=IdentityKind.choices, required=False,
                                   help_text="Customers with an identity of this kind.")
    address = serializers.CharField(required=False, allow_blank=True, max_length=255,
                                    help_text="Customers with an identity at this address "
                                              "(normalised when `kind` is given).")


@extend_schema_view(
    list=extend_schema(
        summary="List customers",
        description="The customers whose thread is in one of the token's teams, newest "
                    "first, in cursor pages.",
        parameters=[CustomerFilters],
        examples=[OpenApiExample("A page", value=CUSTOMER_EXAMPLE, response_only=True)]),
    retrieve=extend_schema(
        summary="Read a customer",
        examples=[OpenApiExample("A customer", value=CUSTOMER_EXAMPLE, response_only=True)]),
    create=extend_schema(
        summary="Create a customer",
        description="A customer and their (empty) thread in `team`, with the identities "
                    "given. An address that already belongs to a customer refuses the whole "
                    "creation (400, nothing is created): moving it is a merge.",
        request=CustomerCreateSerializer,
        responses={201: CustomerSerializer},
        examples=[
            OpenApiExample("With an e-mail", request_only=True, value={
                "name": "Ana Silva", "team": 3,
                "identities": [{"kind": "email", "address": "Ana@Example.com"}]}),
            OpenApiExample("Created", response_only=True, status_codes=["201"],
                           value=CUSTOMER_EXAMPLE),
        ]),
    partial_update=extend_schema(
        summary="Update a customer",
        description="Change the name, the attributes (replaced as a whole) or the notes.",
        request=CustomerUpdateSerializer,
        responses={200: CustomerSerializer},
        examples=[OpenApiExample("Rename", request_only=True,
                                 value={"name": "Ana P. Silva", "attributes": {"plan": "pro"}}),
                  OpenApiExample("Updated", response_only=True, value=CUSTOMER_EXAMPLE)]),
    destroy=extend_schema(
        summary="Delete a customer (admin scope)",
        description="Deletes the customer and, with them, their thread, its messages and "
                    "attachments, their identities and the merges they took part in. The "
                    "events stay (the audit trail), with their customer and thread emptied; "
                    "a `customer.deleted` event records it. Cannot be undone.",
        responses={204: OpenApiResponse(description="Deleted.")}),
)
class CustomerViewSet(ApiViewSet):
    serializer_class = CustomerSerializer

    @property
    def write_scope(self) -> str:
        return Scope.ADMIN if self.action == "destroy" else Scope.WRITE

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema's generation
            return Customer.objects.none()
        return customers_visible_to(self.request.user)

    def list(self, request):
        # A plain dict: an empty value is then refused as the schema says (a QueryDict's
        # would count as absent).
        filters = CustomerFilters(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        customers = search_customers(self.get_queryset(), query=values.get("q", ""),
                                     team_id=values.get("team"), kind=values.get("kind", ""),
                                     address=values.get("address", ""))
        page = self.paginate_queryset(customers)
        return self.get_paginated_response(CustomerSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(CustomerSerializer(self.get_object()).data)

    def create(self, request):
        incoming = CustomerCreateSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        values = incoming.validated_data
        identities = [IdentityCreateSerializer().as_new_identity(item)
                      for item in values["identities"]]
        if any(new.verified for new in identities):
            self._require_admin("Only an admin token may mark an identity verified.")
        customer = customer_create_with_identities(
            name=values["name"], team=values["team"], identities=identities,
            actor=request.user)
        return Response(CustomerSerializer(self._fresh(customer.pk)).data,
                        status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        customer = self.get_object()
        incoming = CustomerUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        customer_update(customer=customer, actor=request.user, **incoming.validated_data)
        return Response(CustomerSerializer(self._fresh(customer.pk)).data)

    def destroy(self, request, pk=None):
        customer_delete(customer=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"], summary="List a customer's identities", request=None,
        responses={200: IdentitySerializer(many=True)},
        examples=[OpenApiExample("Identities", response_only=True,
                                 value=CUSTOMER_EXAMPLE["identities"])])
    @extend_schema(
        methods=["POST"], summary="Add an identity",
        description="A new way to reach the customer; the address is normalised (e-mail "
                    "lower-cased, phone to E.164). An address that already belongs to a "
                    "customer is refused (`identity_taken`). `verified` needs admin scope.",
        request=IdentityCreateSerializer, responses={201: IdentitySerializer},
        examples=[OpenApiExample("A phone", request_only=True,
                                 value={"kind": "phone", "address": "+33 6 12 34 56 78"}),
                  OpenApiExample("Added", response_only=True, status_codes=["201"],
                                 value=CUSTOMER_EXAMPLE["identities"][0])])
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def identities(self, request, pk=None):
        customer = self.get_object()
        if request.method == "GET":
            return Response(IdentitySerializer(customer.identities.all(), many=True).data)
        incoming = IdentityCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        new = incoming.as_new_identity(incoming.validated_data)
        if new.verified:
            self._require_admin("Only an admin token may mark an identity verified.")
        identity = identity_add(customer=customer, kind=new.kind, address=new.address,
                                display_name=new.display_name, verified=new.verified,
                                actor=request.user)
        return Response(IdentitySerializer(identity).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove an identity",
        description="The customer can no longer be reached or recognised at that address; "
                    "their messages stay in the thread.",
        parameters=[OpenApiParameter("identity_id", int, OpenApiParameter.PATH)],
        request=None, responses={204: OpenApiResponse(description="Removed.")})
    @action(detail=True, methods=["delete"], url_path=r"identities/(?P<identity_id>[^/]+)")
    def remove_identity(self, request, pk=None, identity_id=None):
        customer = self.get_object()
        identity = get_object_or_404(customer.identities.all(), pk=identity_id)
        identity_remove(identity=identity, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Merge another customer into this one",
        description="Moves `source`'s identities, messages, events and tags into this "
                    "customer; `source` stays as an empty profile (`merged_into`) so that the "
                    "merge can be undone (`POST /merges/{id}/undo/`). Both must be visible.",
        request=MergeRequestSerializer, responses={201: MergeSerializer},
        examples=[OpenApiExample("Merge", request_only=True, value={"source": 43}),
                  OpenApiExample("Merged", response_only=True, status_codes=["201"],
                                 value=MERGE_EXAMPLE)])
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        target = self.get_object()
        incoming = MergeRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        source = self.get_queryset().filter(pk=incoming.validated_data["source"]).first()
        if source is None:
            raise exceptions.ValidationError({"source": ["There is no customer with this id."]},
                                             code="unknown_customer")
        merge = merge_customers(source=source, target=target, by=request.user)
        return Response(MergeSerializer(merge).data, status=status.HTTP_201_CREATED)

    def _require_admin(self, message: str) -> None:
        if not has_scope(self.request, Scope.ADMIN):
            raise exceptions.PermissionDenied(message)

    def _fresh(self, pk: int):
        return self.get_queryset().get(pk=pk)


@extend_schema_view(
    retrieve=extend_schema(
        summary="Read a merge",
        examples=[OpenApiExample("A merge", response_only=True, value=MERGE_EXAMPLE)]),
)
class MergeViewSet(ApiViewSet):
    """Merges whose two customers the token sees."""

    serializer_class = MergeSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CustomerMerge.objects.none()
        return merges_visible_to(self.request.user)

    def retrieve(self, request, pk=None):
        return Response(MergeSerializer(self.get_object()).data)

    @extend_schema(
        summary="Undo a merge",
        description="Gives back to the source what the merge moved, and what reached it "
                    "since through the source's identities.",
        request=None, responses={200: MergeSerializer},
        examples=[OpenApiExample("Undone", response_only=True,
                                 value={**MERGE_EXAMPLE, "undone_at": "2026-11-03T11:00:00Z",
                                        "undone_by": 12})])
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        merge = undo_merge(merge=self.get_object(), by=request.user)
        return Response(MergeSerializer(merge).data)
