"""One error body everywhere: ``{"error": {"code", "message", "fields"}}`` for 400, 401,
403, 404, 405, 415 and 500 (429 in test_rate_limits.py); a 500 tells nothing of the cause.
Bearer tokens and the browser's session (with its CSRF check) both authenticate."""

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import path
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.test import APIClient

from api.base import ApiViewSet
from api.tokens import create_token, revoke_token
from customers.actions import customer_create
from customers.models import Customer

pytestmark = pytest.mark.urls(__name__)


class NewCustomer(serializers.Serializer):
    name = serializers.CharField(max_length=20)
    age = serializers.IntegerField(min_value=0, required=False)

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {name: ["Unknown field."] for name in sorted(unknown)})
        return attrs


class CustomerView(ApiViewSet):
    """Just enough of a resource to answer each kind of error."""

    def create(self, request):
        fields = NewCustomer(data=request.data)
        fields.is_valid(raise_exception=True)
        if fields.validated_data["name"] == "Refused":
            # A rule of the domain, refused by an action with a code of its own.
            raise DjangoValidationError("Customers named Refused are not welcome.",
                                        code="customer_refused")
        customer = customer_create(name=fields.validated_data["name"])
        return Response({"id": customer.pk}, status=201)

    def retrieve(self, request, pk):
        customer = Customer.objects.filter(pk=pk).first()
        if customer is None:
            raise Http404
        return Response({"id": customer.pk, "name": customer.name})


class AdminView(ApiViewSet):
    read_scope = "admin"

    def list(self, request):
        return Response({"ok": True})


class CrashView(ApiViewSet):
    def list(self, request):
        raise RuntimeError("password=hunter2 at db.internal:5432")


urlpatterns = [
    path("api/test/customers/", CustomerView.as_view({"post": "create"})),
    path("api/test/customers/<int:pk>/", CustomerView.as_view({"get": "retrieve"})),
    path("api/test/admin/", AdminView.as_view({"get": "list"})),
    path("api/test/crash/", CrashView.as_view({"get": "list"})),
]


def error_of(response) -> dict:
    body = response.json()
    assert list(body) == ["error"]
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    return body["error"]


def test_invalid_fields_get_400_with_each_fields_messages(writer):
    response = writer.post("/api/test/customers/", {"name": "x" * 21, "age": "old"})

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"name", "age"}
    assert all(isinstance(message, str) for message in error["fields"]["age"])


def test_unknown_fields_are_refused(writer):
    response = writer.post("/api/test/customers/", {"name": "Ana", "is_vip": True})

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"is_vip": ["Unknown field."]}
    assert not Customer.objects.exists()


def test_an_actions_refusal_is_a_400_with_its_code(writer):
    response = writer.post("/api/test/customers/", {"name": "Refused"})

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "customer_refused"
    assert error["message"] == "Customers named Refused are not welcome."


def test_a_body_that_is_not_json_gets_400(writer):
    response = writer.generic("POST", "/api/test/customers/", "{not json",
                              content_type="application/json")

    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


def test_an_unsupported_media_type_gets_415(writer):
    response = writer.generic("POST", "/api/test/customers/", "<customer/>",
                              content_type="application/xml")

    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_a_method_not_offered_gets_405(writer):
    response = writer.delete("/api/test/customers/")

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_a_missing_object_gets_404(reader):
    response = reader.get("/api/test/customers/999999/")

    assert response.status_code == 404
    assert error_of(response) == {"code": "not_found", "message": "Not found.", "fields": {}}


def test_no_credentials_get_401_with_www_authenticate_bearer(db):
    response = APIClient().get("/api/test/customers/1/")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert error_of(response)["code"] == "not_authenticated"


@pytest.mark.parametrize("header", ["Bearer tl_unknown", "Bearer", "Bearer a b",
                                    "Bearer caf\u00e9"])
def test_an_unknown_or_malformed_token_gets_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get("/api/test/customers/1/")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert error_of(response)["code"] == "authentication_failed"


def test_a_revoked_token_gets_401(db, team):
    token, raw_key = create_token(name="Old CRM", teams=[team])
    revoke_token(token=token)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")

    response = client.get("/api/test/customers/1/")

    assert response.status_code == 401
    assert "revoked" in error_of(response)["message"]


def test_a_read_token_cannot_write(reader):
    response = reader.post("/api/test/customers/", {"name": "Ana"})

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert not Customer.objects.exists()


def test_a_write_token_cannot_do_what_needs_admin(writer, admin_client):
    assert writer.get("/api/test/admin/").status_code == 403
    assert admin_client.get("/api/test/admin/").status_code == 200


def test_a_server_error_is_a_500_that_tells_nothing(reader, caplog):
    reader.raise_request_exception = False

    response = reader.get("/api/test/crash/")

    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "server_error"
    assert "hunter2" not in response.content.decode()
    assert "hunter2" in caplog.text  # but the server's log has it


def test_the_session_works_with_its_csrf_token(session_client):
    session_client.cookies["csrftoken"] = "c" * 32

    response = session_client.post("/api/test/customers/", {"name": "Ana"},
                                   HTTP_X_CSRFTOKEN="c" * 32)

    assert response.status_code == 201


def test_the_session_without_csrf_token_is_refused(session_client):
    response = session_client.post("/api/test/customers/", {"name": "Ana"})

    assert response.status_code == 403
    assert "CSRF" in error_of(response)["message"]
    assert not Customer.objects.exists()


def test_an_agent_session_may_not_do_what_needs_admin(session_client):
    assert session_client.get("/api/test/admin/").status_code == 403


@pytest.mark.urls("config.urls")
@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/api/v1/customers/1/x/y/",
                                  "/api/v2/"])
def test_a_path_that_names_nothing_gets_404_with_the_error_body(writer, path):
    response = writer.post(path, {"name": "Ana"})

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "not_found"


@pytest.mark.urls("config.urls")
def test_a_missing_trailing_slash_gets_a_hint(reader):
    response = reader.get("/api/v1/threads")

    assert response.status_code == 404
    assert "did you mean /api/v1/threads/ ?" in error_of(response)["message"]


def test_a_body_too_large_to_read_gets_413(writer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = writer.post("/api/test/customers/", {"name": "Ana", "padding": "x" * 5000})

    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"
    assert not Customer.objects.exists()
