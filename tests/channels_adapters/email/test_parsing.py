"""What Threadline makes of real-looking, difficult e-mail: one test per fixture, then fuzzing.

Pure parsing: no database, no network.
"""

import dataclasses
import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from channels_adapters.email.parsing import (
    EmailAttachment,
    ParsedEmail,
    UnparseableEmail,
    parse_email,
)
from channels_adapters.email.quotes import trim_quoted

FIXTURES = Path(__file__).parent / "fixtures"
ALL_FIXTURES = sorted(FIXTURES.glob("*.eml"))


def parse(name: str, **limits) -> ParsedEmail:
    return parse_email((FIXTURES / name).read_bytes(), **limits)


def test_plain_text_is_shown_as_written_with_its_headers():
    parsed = parse("plain_text.eml")

    assert parsed.from_address == "ana.souza@example.com"  # lower-cased
    assert parsed.from_name == "Ana Souza"
    assert parsed.to == ["support@threadline.test"]
    assert parsed.subject == "Order 1042 never arrived"
    assert parsed.message_id == "order-1042-never-arrived.1709630100@mail.example.com"
    assert parsed.date == datetime(2024, 3, 5, 9, 15, tzinfo=UTC)
    assert parsed.text.startswith("Hello,\n\nI ordered a kettle")
    assert parsed.text.endswith("Thanks,\nAna")
    assert parsed.text_trimmed == parsed.text
    assert parsed.html == ""
    assert (parsed.attachments, parsed.automatic, parsed.problems) == ([], False, [])


def test_html_only_mail_gets_a_text_rendering_and_sanitised_html():
    parsed = parse("html_only.eml")

    assert parsed.text == (
        "Hi there,\n\nWhy was I charged twice for invoice INV-77?\n\n"
        "- first charge: 12 €\n- second charge: 12 €\n\nRegards,\nAna"
    )
    assert "<b>twice</b>" in parsed.html
    assert "Ignored title" not in parsed.html + parsed.text
    assert "color: red" not in parsed.html + parsed.text


def test_multipart_alternative_shows_the_text_part_and_keeps_the_html():
    parsed = parse("multipart_alternative.eml")

    assert parsed.text == "Please send my next parcel to 12 rue de l'Église, Lyon."
    assert "<b>12 rue de l'Église</b>" in parsed.html
    assert parsed.attachments == []


def test_pdf_attachment_is_kept_under_a_name_that_is_not_a_path():
    parsed = parse("mixed_pdf_attachment.eml")

    assert parsed.text == "Here is the receipt you asked for."
    [pdf] = parsed.attachments
    assert pdf.filename == "receipt.pdf"  # sent as "../../etc/receipt.pdf"
    assert pdf.content_type == "application/pdf"
    assert pdf.content.startswith(b"%PDF-1.4") and pdf.content.endswith(b"%%EOF\n")
    assert not pdf.inline


def test_inline_image_in_related_part_stays_referenced_by_cid():
    parsed = parse("related_inline_image.eml")

    [image] = parsed.attachments
    assert image == EmailAttachment(
        filename="photo.png", content=image.content, content_type="image/png", inline=True,
        content_id="ii_photo01@example.com",
    )
    assert image.content.startswith(b"\x89PNG")
    assert 'src="cid:ii_photo01@example.com"' in parsed.html
    assert parsed.text.startswith("The screen arrived cracked")


def test_gmail_reply_shows_only_the_new_text_but_keeps_the_history():
    parsed = parse("gmail_reply.eml")

    assert parsed.text_trimmed == "Yes, it's 12 rue Victor Hugo. The parcel is still not here."
    assert "> Could you confirm your delivery address?" in parsed.text
    assert parsed.in_reply_to == "reply-1042@threadline.test"
    assert parsed.references == ["order-1042@mail.example.com", "reply-1042@threadline.test"]


def test_outlook_reply_is_trimmed_at_the_original_message_block():
    parsed = parse("outlook_reply.eml")

    assert parsed.text_trimmed == (
        "The serial number is SN-55-0091. I bought it in March.\n\nKind regards\nAna Souza"
    )
    assert "Please send us the serial number" in parsed.text
    # Outlook asks others not to auto-reply; that alone does not make the mail automatic.
    assert not parsed.automatic


def test_outlook_reply_with_an_underscore_line_and_from_sent_block_is_trimmed():
    parsed = parse("outlook_reply_underscore.eml")

    assert parsed.text_trimmed == "That works for me, thank you."
    assert "We can refund the kettle" in parsed.text


def test_french_a_ecrit_reply_is_trimmed_and_encoded_name_decoded():
    parsed = parse("french_reply.eml")

    assert parsed.from_name == "Renée Dupont"
    assert parsed.text_trimmed == "Bonjour, le colis est bien arrivé. Merci !\n\nRenée"
    assert "> Votre colis a été expédié." in parsed.text


def test_german_schrieb_reply_loses_history_and_signature():
    parsed = parse("german_reply.eml")

    assert parsed.from_name == "Jürgen Müller"
    assert parsed.text_trimmed == "Vielen Dank, die Rechnung ist angekommen.\n\nGrüße\nJürgen"
    assert "Müller GmbH" in parsed.text and "anbei Ihre Rechnung" in parsed.text


def test_spanish_escribio_reply_is_trimmed():
    assert parse("spanish_reply.eml").text_trimmed == "Perfecto, gracias."


def test_iso_8859_1_body_and_encoded_subject_are_decoded():
    parsed = parse("iso_8859_1.eml")

    assert parsed.subject == "Réclamation"
    assert parsed.text == "Le café était froid. Très déçu. Prix : 5 Euros? non."
    assert parsed.problems == []


def test_windows_1252_smart_punctuation_is_decoded():
    parsed = parse("windows_1252.eml")

    assert parsed.text == "“Smart quotes” cost 20 € – a dash… and œuvre."
    assert parsed.problems == []


def test_iso_2022_jp_subject_and_body_are_decoded():
    parsed = parse("iso_2022_jp.eml")

    assert parsed.subject == "注文について"
    assert parsed.text == "お世話になっております。注文番号は 1042 です。"


def test_unknown_charset_is_decoded_with_replacement_and_noted():
    parsed = parse("unknown_charset.eml")

    assert parsed.text == "Café au lait, please."  # not UTF-8, so read as Windows-1252
    assert any("x-foobar" in problem for problem in parsed.problems)


def test_base64_body_without_padding_is_still_read():
    parsed = parse("base64_bad_padding.eml")

    assert parsed.text == "The body was base64 with its padding cut off, ok?"
    assert any("base64" in problem for problem in parsed.problems)


def test_a_200_kb_line_is_kept_whole():
    parsed = parse("huge_line.eml")

    assert len(parsed.text) == len("ERROR ") + 200_000 + len(" END")
    assert parsed.text.startswith("ERROR xxx") and parsed.text.endswith("xxx END")
    assert parsed.text_trimmed == parsed.text


def test_a_200_kb_line_full_of_quote_like_text_is_handled():
    # Shapes that could make a careless pattern backtrack; this must simply finish.
    line = "On 5 " + "wrote " * 40_000 + "From: x@" + "a" * 10_000
    body = f"Hi\n\n{line}\n> quoted\n"

    # Too long to be a reply header, so only the trailing quote goes.
    assert trim_quoted(body) == f"Hi\n\n{line}"


def test_empty_body_is_a_message_with_no_text():
    parsed = parse("empty_body.eml")

    assert parsed.text == parsed.text_trimmed == parsed.html == ""
    assert parsed.from_address == "ana.souza@example.com"
    assert parsed.subject == "(no subject body)"


def test_malformed_headers_survive_and_are_noted():
    parsed = parse("malformed_headers.eml")

    assert parsed.from_address == "bob@example.com"  # from '"Bob <bob@example.com'
    assert parsed.from_name == "Bob"
    assert parsed.date is None
    assert parsed.message_id == "malformed-1@example.com"
    assert parsed.text.endswith("Hi, my header is a mess but please read this.")
    assert "No Date header." in parsed.problems
    assert any(problem.startswith("Malformed From header") for problem in parsed.problems)
    # A header line without a colon ends the header, as it does for every MTA.
    assert "MissingHeaderBodySeparatorDefect" in parsed.problems


def test_bounce_report_is_automatic_and_keeps_the_delivery_status():
    parsed = parse("bounce_dsn.eml")

    assert parsed.automatic
    assert "multipart/report" in parsed.automatic_reason
    assert parsed.from_address == "mailer-daemon@mx.threadline.test"
    assert "550 5.1.1 User unknown" in parsed.text
    assert [a.content_type for a in parsed.attachments] == [
        "message/delivery-status", "text/rfc822-headers"]
    assert b"Final-Recipient: rfc822; nobody@example.com" in parsed.attachments[0].content


def test_out_of_office_is_automatic():
    parsed = parse("out_of_office.eml")

    assert parsed.automatic
    assert parsed.automatic_reason == "Auto-Submitted: auto-replied"


def test_mailing_list_message_is_automatic():
    parsed = parse("mailing_list.eml")

    assert parsed.automatic
    assert parsed.automatic_reason == "Precedence: list"


@pytest.mark.parametrize(("header", "automatic"), [
    ("Auto-Submitted: no", False),
    ("Auto-Submitted: auto-generated", True),
    ("X-Autoreply: yes", True),
    ("X-Autorespond: vacation", True),
    ("Precedence: bulk", True),
    ("Precedence: junk", True),
    ("Precedence: auto_reply", True),
    ("Precedence: first-class", False),
    ("List-Unsubscribe: <https://example.com/leave>", True),
    ("X-Auto-Response-Suppress: All", False),
])
def test_automatic_detection_header_by_header(header, automatic):
    raw = f"From: a@example.com\n{header}\nSubject: hi\n\nHello\n".encode()

    assert parse_email(raw).automatic is automatic


def test_postmaster_sender_is_automatic():
    raw = b"From: Postmaster <postmaster@example.com>\nSubject: Notice\n\nQuota exceeded\n"

    assert parse_email(raw).automatic


def test_attachment_over_the_limit_is_skipped_and_named():
    parsed = parse("oversized_attachment.eml", max_attachment_bytes=100 * 1024)

    assert [a.filename for a in parsed.attachments] == ["small.png"]
    [skipped] = parsed.skipped_attachments
    assert (skipped.filename, skipped.size) == ("fault.mp4", 150 * 1024)
    assert "larger than" in skipped.reason
    assert parsed.text == "The video shows the fault; the photo is small."


def test_attachments_over_the_total_limit_are_skipped():
    parsed = parse("oversized_attachment.eml", max_total_bytes=150 * 1024 + 10)

    assert [a.filename for a in parsed.attachments] == ["fault.mp4"]
    assert [s.filename for s in parsed.skipped_attachments] == ["small.png"]
    assert "in total" in parsed.skipped_attachments[0].reason


def test_hostile_html_is_sanitised():
    parsed = parse("html_xss.eml")

    for dangerous in ("<script", "alert", "onerror", "onclick", "javascript:", "<iframe"):
        assert dangerous not in parsed.html
    assert 'href="https://example.com/help"' in parsed.html
    assert parsed.text == "Click here or there.\n\nThanks"


def test_forwarded_message_is_kept_as_an_eml_attachment():
    parsed = parse("forwarded_rfc822.eml")

    assert parsed.text == "See the courier's message below: they sent my parcel back!"
    [forwarded] = parsed.attachments
    assert forwarded.content_type == "message/rfc822"
    assert forwarded.filename == "Delivery failed_ parcel 7781.eml"
    inner = parse_email(forwarded.content)
    assert inner.from_address == "noreply@courier.example"
    assert inner.text.startswith("We could not deliver parcel 7781.")


def test_missing_message_id_is_synthesised_stably():
    raw = (FIXTURES / "no_message_id.eml").read_bytes()

    first, second = parse_email(raw), parse_email(raw)
    assert first.message_id == second.message_id
    assert first.message_id.endswith("@threadline.invalid")
    assert parse_email(raw + b"\n").message_id != first.message_id
    assert any("Message-ID" in problem for problem in first.problems)


def test_date_without_zone_is_read_as_utc_and_bad_date_is_noted():
    naive = parse_email(b"From: a@example.com\nDate: Tue, 5 Mar 2024 10:00:00 -0000\n\nHi\n")
    bad = parse_email(b"From: a@example.com\nDate: yesterday-ish\n\nHi\n")
    offset = parse_email(b"From: a@example.com\nDate: Tue, 5 Mar 2024 10:00:00 +0530\n\nHi\n")

    assert naive.date == datetime(2024, 3, 5, 10, tzinfo=UTC)
    assert bad.date is None and any("Date" in problem for problem in bad.problems)
    assert offset.date.utcoffset() == timedelta(hours=5, minutes=30)
    assert offset.date.tzinfo == timezone(timedelta(hours=5, minutes=30))


def test_raw_utf8_headers_are_decoded():
    raw = "From: Zoë Ñúñez <ZOE@example.com>\nSubject: Ça va ?\n\nHi\n".encode()

    parsed = parse_email(raw)
    assert (parsed.from_name, parsed.from_address, parsed.subject) == (
        "Zoë Ñúñez", "zoe@example.com", "Ça va ?")


def test_interleaved_answers_keep_the_quotes_for_context():
    text = ("Answers below.\n\nOn 5 Mar 2024, Marc wrote:\n> Size?\n42\n> Colour?\nBlue\n")

    assert trim_quoted(text) == text.strip()


def test_a_customer_sentence_starting_with_on_is_not_a_reply_header():
    text = "On Monday my husband wrote:\nplease cancel the order.\n"

    assert trim_quoted(text) == text.strip()


def test_a_message_that_is_all_quotes_is_not_trimmed_to_nothing():
    text = "> only a quote\n> nothing else\n"

    assert trim_quoted(text) == text.strip()


@pytest.mark.parametrize("raw", [b"", b"   \r\n\r\n", b"Subject: nothing else\r\n\r\n",
                                 b"just some text\nwith no header at all\n"])
def test_input_that_is_not_an_email_is_refused_with_a_reason(raw):
    with pytest.raises(UnparseableEmail, match=r"\w"):
        parse_email(raw)


# Fuzzing -------------------------------------------------------------------------------------

def assert_parses_or_refuses(raw: bytes) -> None:
    try:
        parsed = parse_email(raw, max_attachment_bytes=64 * 1024)
    except UnparseableEmail as error:
        assert str(error)
        return
    assert isinstance(parsed, ParsedEmail)
    assert parsed.message_id and len(parsed.message_id) <= 255
    for value in dataclasses.astuple(parsed):
        # Everything must be storable: no lone surrogates, no NUL.
        if isinstance(value, str):
            value.encode("utf-8")
            assert "\x00" not in value


def test_fuzz_random_bytes_never_raise_anything_else():
    rng = random.Random(822)
    for _ in range(400):
        assert_parses_or_refuses(rng.randbytes(rng.randrange(0, 3000)))
        alphabet = b"From: <>@\"=?;\r\n\t -:abc=?utf-8?b?q?x-foobar--boundary\xe9\xff"
        assert_parses_or_refuses(bytes(rng.choice(alphabet) for _ in range(rng.randrange(400))))


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda path: path.stem)
def test_fuzz_every_fixture_truncated_and_mangled(path):
    raw = path.read_bytes()
    rng = random.Random(path.name)
    points = {0, 1, len(raw) - 1, *(rng.randrange(len(raw)) for _ in range(40))}
    for point in sorted(points):
        assert_parses_or_refuses(raw[:point])
    header, _, _ = raw.partition(b"\r\n\r\n")
    assert_parses_or_refuses(header)
    assert_parses_or_refuses(header + b"\r\n\r\n")
    for _ in range(20):
        mangled = bytearray(raw[:20_000])
        for _ in range(rng.randrange(1, 20)):
            mangled[rng.randrange(len(mangled))] = rng.randrange(256)
        assert_parses_or_refuses(bytes(mangled))


def test_fuzz_deep_nesting_and_crashy_headers():
    nested = b"From: a@example.com\nContent-Type: multipart/mixed; boundary=b0\n\n"
    for depth in range(60):
        nested += f"--b{depth}\nContent-Type: multipart/mixed; boundary=b{depth + 1}\n\n".encode()
    nested += b"--b60\nContent-Type: text/plain\n\nbottom\n"
    assert_parses_or_refuses(nested)
    deep_html = parse_email(b"From: a@example.com\nContent-Type: text/html\n\n" + b"<div>" * 5000)
    assert deep_html.html == ""
    assert any("nests 5000 elements deep" in problem for problem in deep_html.problems)
    for header in (b"From: =?utf-8?q?=?= <>", b"To: \"\\", b"From: <@>", b"Cc: ,,,,;;;:::",
                   b"Message-ID: <>", b"Content-Type: multipart/mixed",
                   b"Content-Type: text/plain; charset*=''", b"Date: Mon, 99 Foo 99999 99:99",
                   # Each of these once made a parser recurse or backtrack without end.
                   b"From: " + b"(" * 20_000, b"From: " + b'"' * 20_000,
                   b"From: " + b"a" * 200_000, b"References: " + b"<" * 200_000,
                   b"Subject: " + b"=?utf-8?q?a?= " * 5000,
                   b"Content-Type: text/plain; " + b'a="' * 20_000,
                   b"Content-Type: text/plain; charset=" + b"(" * 3000):
        assert_parses_or_refuses(header + b"\n\nbody\n")
        assert_parses_or_refuses(b"From: a@example.com\n" + header + b"\n\nbody\n")
