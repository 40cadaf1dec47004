"""``Idempotency-Key`` on POST: a retry returns the first response and creates nothing new.

The views here are the smallest ApiViewSets that call a real action (customer_create), so
the tests prove the mixin every API view inherits, whatever endpoints exist."""

from datetime import timedelta

import pytest
from django.urls import path
from django.utils import timezone
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from api.base import ApiViewSet
from api.models import IdempotencyKey
from customers.actions import customer_create
from customers.models import Customer

pytestmark = pytest.mark.urls(__name__)


class NewCustomer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class CustomerCreateView(ApiViewSet):
    # The API's views take JSON only; this one takes forms too, to prove their fingerprint.
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def create(self, request):
        fields = NewCustomer(data=request.data)
        fields.is_valid(raise_exception=True)
        customer = customer_create(name=fields.validated_data["name"])
        return Response({"id": customer.pk, "name": customer.name,
                         "created_at": customer.created_at}, status=201)


class BrokenView(ApiViewSet):
    """Fails the first time it is called, works the second: a server error's retry."""

    calls = 0

    def create(self, request):
        BrokenView.calls += 1
        if BrokenView.calls == 1:
            raise RuntimeError("database exploded")
        return Response({"ok": True}, status=201)


urlpatterns = [
    path("api/test/customers/", CustomerCreateView.as_view({"post": "create"})),
    path("api/test/other/", CustomerCreateView.as_view({"post": "create"})),
    path("api/test/broken/", BrokenView.as_view({"post": "create"})),
]
KEY = "0b6f1c1e-6a54-4bc1-9b0c-5d4f6e1a2b3c"


def test_retry_with_same_key_returns_the_first_response_and_creates_nothing(writer):
    first = writer.post("/api/test/customers/", {"name": "Ana"}, HTTP_IDEMPOTENCY_KEY=KEY)
    retry = writer.post("/api/test/customers/", {"name": "Ana"}, HTTP_IDEMPOTENCY_KEY=KEY)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert Customer.objects.filter(name="Ana").count() == 1


def test_without_a_key_every_post_creates(writer):
    writer.post("/api/test/customers/", {"name": "Ana"})
    writer.post("/api/test/customers/", {"name": "Ana"})

    assert Customer.objects.filter(name="Ana").count() == 2


def test_same_key_with_another_body_is_refused_as_reused(writer):
    writer.post("/api/test/customers/", {"name": "Ana"}, HTTP_IDEMPOTENCY_KEY=KEY)
    response = writer.post("/api/test/customers/", {"name": "Bob"}, HTTP_IDEMPOTENCY_KEY=KEY)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert not Customer.objects.filter(name="Bob").exists()


def test_same_key_on_another_path_is_refused_as_reused(writer):
    writer.post("/api/test/customers/", {"name": "Ana"}, HTTP_IDEMPOTENCY_KEY=KEY)
    response = writer.post("/api/test/other/", {"name": "Ana"}, HTTP_IDEMPOTENCY_KEY=KEY)

    assert response.status_code == 422
    assert Customer.objects.count() == 1


def test_keys_belong_to_their_token(api_client):
    first, second = api_client("write", name="CRM"), api_client("write", name="Shop")

    first.post("/api/test/customers/", {"name": "Ana"}, HTTP_IDEMPOTENCY_KEY=KEY)
    response = second.post("/api/test/customers/", {"name": "Ana"}, HTTP_IDEMPOTENCY_KEY=KEY)

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert Customer.objects.filter(name="Ana").count() == 2


def test_a_duplicate_while_the_first_is_running_gets_409(writer):
    # The first request has claimed the key and not answered yet.
    IdempotencyKey.objects.create(user=writer.token.user, key=KEY, method="POST",
                                  path="/api/test/customers/", fingerprint="x")

    response = writer.post("/api/test/customers/", {"name": "Ana"}, HTTP_IDEMPOTENCY_KEY=KEY)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_in_progress"
    assert not Customer.objects.exists()


def test_a_claim_abandoned_by_a_dead_process_is_taken_over(writer):
    IdempotencyKey.objects.create(user=writer.token.user, key=KEY, method="POST",
                                  path="/api/test/customers/", fingerprint="x")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(minutes=6))

    response = writer.post("/api/test/customers/", {"name": "Ana"}, HTTP_IDEMPOTENCY_KEY=KEY)

    assert response.status_code == 201
    assert Customer.objects.filter(name="Ana").count() == 1


def test_a_client_error_is_kept_and_replayed(writer):
    first = writer.post("/api/test/customers/", {"name": ""}, HTTP_IDEMPOTENCY_KEY=KEY)
    retry = writer.post("/api/test/customers/", {"name": ""}, HTTP_IDEMPOTENCY_KEY=KEY)

    assert first.status_code == retry.status_code == 400
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"


def test_a_server_error_is_not_kept_so_the_retry_runs_again(writer):
    BrokenView.calls = 0

    first = writer.post("/api/test/broken/", {}, HTTP_IDEMPOTENCY_KEY=KEY)
    retry = writer.post("/api/test/broken/", {}, HTTP_IDEMPOTENCY_KEY=KEY)

    assert first.status_code == 500
    assert first.json()["error"]["code"] == "server_error"
    assert "exploded" not in first.content.decode()
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers
    assert IdempotencyKey.objects.get(key=KEY).status_code == 201


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_an_empty_or_too_long_key_is_refused(writer, key):
    response = writer.post("/api/test/customers/", {"name": "Ana"}, HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["fields"]
    assert not Customer.objects.exists()


def test_a_key_of_255_characters_is_taken(writer):
    response = writer.post("/api/test/customers/", {"name": "Ana"},
                           HTTP_IDEMPOTENCY_KEY="k" * 255)

    assert response.status_code == 201


def test_keys_older_than_a_day_are_purged_and_may_be_used_again(writer):
    writer.post("/api/test/customers/", {"name": "Ana"}, HTTP_IDEMPOTENCY_KEY=KEY)
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))

    response = writer.post("/api/test/customers/", {"name": "Ana"}, HTTP_IDEMPOTENCY_KEY=KEY)

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert Customer.objects.filter(name="Ana").count() == 2
    assert IdempotencyKey.objects.count() == 1


def test_a_refused_request_claims_no_key(reader):
    response = reader.post("/api/test/customers/", {"name": "Ana"}, HTTP_IDEMPOTENCY_KEY=KEY)

    assert response.status_code == 403
    assert not IdempotencyKey.objects.exists()


def test_the_session_client_uses_keys_too(session_client):
    token = "a" * 32  # a CSRF secret: the cookie and the header must agree
    session_client.cookies["csrftoken"] = token
    headers = {"HTTP_X_CSRFTOKEN": token, "HTTP_IDEMPOTENCY_KEY": KEY}
    first = session_client.post("/api/test/customers/", {"name": "Ana"}, **headers)
    retry = session_client.post("/api/test/customers/", {"name": "Ana"}, **headers)

    assert first.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert Customer.objects.filter(name="Ana").count() == 1


@pytest.mark.urls("config.urls")
def test_a_retried_reply_through_the_api_is_sent_once(writer, team, make_channel):
    from inbox.actions import receive_message
    from inbox.models import Message

    channel = make_channel("email")
    thread = receive_message(channel=channel, address="ana@example.com",
                             text="Where is my parcel?").message.thread
    url = f"/api/v1/threads/{thread.pk}/messages/"
    body = {"channel": channel.pk, "text": "It left this morning."}

    first = writer.post(url, body, HTTP_IDEMPOTENCY_KEY=KEY)
    retry = writer.post(url, body, HTTP_IDEMPOTENCY_KEY=KEY)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert Message.objects.filter(thread=thread, direction="outbound").count() == 1


@pytest.mark.urls("config.urls")
def test_a_retried_customer_create_through_the_api_creates_one(writer, team):
    body = {"name": "Walk-in Wanda", "team": team.pk}

    first = writer.post("/api/v1/customers/", body, HTTP_IDEMPOTENCY_KEY=KEY)
    retry = writer.post("/api/v1/customers/", body, HTTP_IDEMPOTENCY_KEY=KEY)

    assert first.status_code == 201, first.json()
    assert retry.json() == first.json()
    assert Customer.objects.filter(name="Walk-in Wanda").count() == 1


def test_the_same_json_with_its_keys_in_another_order_is_the_same_request(writer):
    writer.generic("POST", "/api/test/customers/", '{"name": "Ana", "note": 1}',
                   content_type="application/json", HTTP_IDEMPOTENCY_KEY=KEY)
    retry = writer.generic("POST", "/api/test/customers/", '{"note": 1, "name": "Ana"}',
                           content_type="application/json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert retry.headers["Idempotent-Replayed"] == "true"
    assert Customer.objects.count() == 1


def test_forms_are_fingerprinted_with_their_files(writer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    def post(content: bytes):
        upload = SimpleUploadedFile("note.txt", content, content_type="text/plain")
        return writer.post("/api/test/customers/", {"name": "Ana", "file": upload},
                           format="multipart", HTTP_IDEMPOTENCY_KEY=KEY)

    assert post(b"first").status_code == 201
    assert post(b"first").headers["Idempotent-Replayed"] == "true"
    assert post(b"second").status_code == 422
