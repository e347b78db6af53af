"""The outbox reads what the embedded AWS sent: SES e-mails (raw MIME), SNS SMS, letters, failure queues."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from vault_share.adapters.letters import LetterId, LetterPost, LetterRecord, LetterStore
from vault_share.adapters.mailer import Email, Mailer

from devstack import outbox

REGION = "eu-west-3"
SENDER = "no-reply@vault-share.test"
PDF = b"%PDF-1.3\n%%EOF\n"


@pytest.fixture(scope="module", autouse=True)
def verified_sender(moto_server: str) -> None:
    boto3.client("ses").verify_email_identity(EmailAddress=SENDER)


@pytest.fixture
def letters_bucket(moto_server: str) -> str:
    """A documents bucket of its own, with a letter's PDF and record put as the invite function puts them."""
    bucket = f"documents-{marker()}"
    boto3.client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    return bucket


def post_letter(bucket: str, number: int, to: dict[str, Any], text: str) -> LetterRecord:
    post = LetterPost(LetterStore(boto3.client("s3"), bucket), None, 182)
    return post.send(LetterId("v1", "i1", number), PDF + str(number).encode(), to, text)


def marker() -> str:
    return uuid.uuid4().hex[:8]


def find(items: list[dict[str, Any]], key: str, needle: str) -> list[dict[str, Any]]:
    return [item for item in items if needle in str(item[key])]


def test_raw_email_with_accents_is_decoded() -> None:
    tag = marker()
    mailer = Mailer(boto3.client("ses"), SENDER)
    mailer.send(
        Email(
            to=["helene.durand@example.fr"],
            subject=f"Votre dossier « carte grise » est prêt – accès sécurisé {tag}",
            text="Bonjour Hélène,\nLe lien expire le 3 décembre à 18 h.\nÀ bientôt, l'équipe",
            html="<p>Bonjour <strong>Hélène</strong>,</p><p>Le lien expire le 3 décembre.</p>",
        )
    )
    mailer.send(Email(to=["b@example.fr", "c@example.fr"], subject=f"Second {tag}", text="Deux", html="<p>Deux</p>"))

    emails = find(outbox.collect(REGION, [])["emails"], "subject", tag)
    assert [e["subject"] for e in emails] == [
        f"Votre dossier « carte grise » est prêt – accès sécurisé {tag}",
        f"Second {tag}",
    ]  # oldest first
    first, second = emails
    assert set(first) == {"from", "to", "subject", "text", "html"}
    assert first["from"] == f"vault-share <{SENDER}>"  # the header as sent
    assert first["to"] == ["helene.durand@example.fr"]  # no repeats although moto adds the To header
    assert first["text"].rstrip("\n") == "Bonjour Hélène,\nLe lien expire le 3 décembre à 18 h.\nÀ bientôt, l'équipe"
    assert first["html"].rstrip("\n") == "<p>Bonjour <strong>Hélène</strong>,</p><p>Le lien expire le 3 décembre.</p>"
    assert second["to"] == ["b@example.fr", "c@example.fr"]


def test_plain_send_email_is_accepted() -> None:
    tag = marker()
    ses = boto3.client("ses")
    ses.send_email(
        Source=SENDER,
        Destination={"ToAddresses": ["a@example.fr"], "CcAddresses": ["b@example.fr"]},
        Message={
            "Subject": {"Data": f"Texte {tag}", "Charset": "UTF-8"},
            "Body": {"Text": {"Data": "Déjà envoyé", "Charset": "UTF-8"}},
        },
    )
    ses.send_email(
        Source=SENDER,
        Destination={"ToAddresses": ["a@example.fr"]},
        Message={
            "Subject": {"Data": f"HTML {tag}"},
            "Body": {"Html": {"Data": "<p>Été</p>"}, "Text": {"Data": "Été"}},
        },
    )
    text, rich = find(outbox.collect(REGION, [])["emails"], "subject", tag)
    assert text == {
        "from": SENDER,
        "to": ["a@example.fr", "b@example.fr"],
        "subject": f"Texte {tag}",
        "text": "Déjà envoyé",
        "html": "",
    }
    assert rich["html"] == "<p>Été</p>"


def test_sms_are_listed_oldest_first() -> None:
    tag = marker()
    sns = boto3.client("sns")
    sns.publish(PhoneNumber="+33612345678", Message=f"Votre code : 186691 ({tag})")
    sns.publish(PhoneNumber="+33698765432", Message=f"Deuxième message {tag}")
    sms = find(outbox.collect(REGION, [])["sms"], "text", tag)
    assert sms == [
        {"to": "+33612345678", "text": f"Votre code : 186691 ({tag})"},
        {"to": "+33698765432", "text": f"Deuxième message {tag}"},
    ]


def test_sms_of_the_sms_channel_in_the_outbox_json() -> None:
    """What the SMS adapter publishes (sender ID and type attributes included) is listed as sent:
    only the number and the text, oldest first, through the JSON the outbox serves."""
    from datetime import UTC, datetime

    from vault_share.adapters.sms import SmsSender
    from vault_share.invitations.sms import code_sms

    tag = marker()
    sender = SmsSender(boto3.client("sns"), "VaultShare")
    first = code_sms(f"Garage {tag}", "186691", datetime(2026, 12, 3, 16, 5, tzinfo=UTC))
    second = code_sms(f"Cabinet Hélène {tag}", "042917", datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
    sender.send("+33612345678", first)
    sender.send("+33698765432", second)

    served = json.loads(json.dumps(outbox.collect(REGION, []), ensure_ascii=False))
    assert find(served["sms"], "text", tag) == [
        {"to": "+33612345678", "text": first},
        {"to": "+33698765432", "text": second},
    ]
    assert "Cabinet Hélène" in second  # é is in the SMS alphabet: kept, and read back as sent
    page = outbox.render_html(served)
    assert page.index(f"Cabinet Hélène {tag}") < page.index(f"Garage {tag}")  # the page: newest first


def test_letters_are_recorded(letters_bucket: str) -> None:
    address = {"line1": "12 rue des Lilas", "postalCode": "75011", "city": "Paris", "country": "FR"}
    post_letter(letters_bucket, 1, address, "Madame, voici votre lien.")
    address["city"] = "changed later"  # the outbox keeps its own copy
    post_letter(letters_bucket, 2, {**address, "city": "Lyon"}, "Second courrier")
    letters = outbox.collect(REGION, [], letters_bucket=letters_bucket, api_url="http://127.0.0.1:3000")["letters"]
    assert letters[0] == {
        "to": {"line1": "12 rue des Lilas", "postalCode": "75011", "city": "Paris", "country": "FR"},
        "text": "Madame, voici votre lien.",
        "costCents": 182,
        "pdfUrl": "http://127.0.0.1:3000/_local/letters?key=letters/v1/i1/1.pdf",
    }
    assert [letter["text"] for letter in letters] == ["Madame, voici votre lien.", "Second courrier"]  # oldest first


def test_a_letter_pdf_is_served_by_its_key_and_nothing_else(letters_bucket: str) -> None:
    post_letter(letters_bucket, 1, {"line1": "1 rue", "postalCode": "75011", "city": "Paris"}, "Texte")
    assert outbox.stored_letter(letters_bucket, "letters/v1/i1/1.pdf") == PDF + b"1"
    assert outbox.stored_letter(letters_bucket, "letters/v1/i1/9.pdf") is None  # no such letter
    assert outbox.stored_letter(letters_bucket, "letters/v1/i1/1.json") is None  # its record is not served
    boto3.client("s3").put_object(Bucket=letters_bucket, Key="vaults/v1/d1/doc", Body=b"secret document")
    assert outbox.stored_letter(letters_bucket, "vaults/v1/d1/doc") is None  # never a document
    assert outbox.stored_letter(letters_bucket, "letters/../vaults/v1/d1/doc.pdf") is None


def test_no_bucket_no_letters() -> None:
    assert outbox.collect(REGION, [])["letters"] == []


def test_undelivered_events_are_peeked_not_consumed() -> None:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"failures-{marker()}")["QueueUrl"]
    first = {"version": "1.0", "DDBStreamBatchInfo": {"batchSize": 1, "startSequenceNumber": "1"}}
    second = {"version": "1.0", "DDBStreamBatchInfo": {"batchSize": 2, "startSequenceNumber": "5"}}
    for body in (first, second):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))

    assert outbox.collect(REGION, [url])["undelivered"] == [first, second]
    assert outbox.collect(REGION, [url])["undelivered"] == [first, second]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "2"
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["ApproximateReceiveCount"])
    assert {m["Attributes"]["ApproximateReceiveCount"] for m in received["Messages"]} == {"1"}


def test_collect_is_json_ready(letters_bucket: str) -> None:
    post_letter(letters_bucket, 1, {"line1": "1 place de l'Église", "postalCode": "69001", "city": "Lyon"}, "Texte")
    content = outbox.collect(REGION, [], letters_bucket=letters_bucket, api_url="http://127.0.0.1:3000")
    assert content["letters"][0]["to"]["line1"] == "1 place de l'Église"
    assert set(content) == {"emails", "sms", "letters", "undelivered"}
    assert json.loads(json.dumps(content)) == content


def test_render_html_is_french_escaped_and_sandboxed() -> None:
    page = outbox.render_html(
        {
            "emails": [
                {
                    "from": "=?utf-8?q?=C3=89ric?= <no-reply@vault-share.test>",
                    "to": ["x@example.fr"],
                    "subject": "Ancien <script>alert(1)</script>",
                    "text": "Bonjour Hélène",
                    "html": '<p onclick="x()">Bonjour <b>Hélène</b> & "amis"</p>',
                },
                {"to": ["y@example.fr"], "subject": "Récent", "text": "Texte seul", "html": ""},
            ],
            "sms": [{"to": "+33612345678", "text": "Code <b>186691</b>"}],
            "letters": [
                {
                    "to": {"firstName": "Alain", "lastName": "Dupont", "line1": "12 rue des Lilas", "city": "Paris"},
                    "text": "<i>Lettre</i>",
                    "costCents": 182,
                    "pdfUrl": "http://127.0.0.1:3000/_local/letters?key=letters/v/i/1.pdf&x=<b>",
                }
            ],
            "undelivered": [{"DDBStreamBatchInfo": {"batchSize": 1}, "note": "<img src=x>"}],
        }
    )
    assert page.startswith("<!DOCTYPE html>") and '<html lang="fr">' in page
    for title in ("E-mails (2)", "SMS (1)", "Courriers (1)", "Événements non livrés (1)"):
        assert title in page
    for raw in ("<script>", "<b>186691", "<i>Lettre", "<img src=x>", '<p onclick="x()">'):
        assert raw not in page
    assert "Ancien &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<dt>De</dt><dd>=?utf-8?q?=C3=89ric?= &lt;no-reply@vault-share.test&gt;</dd>" in page
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in page
    assert (
        "srcdoc=" in page
        and "&lt;p onclick=&quot;x()&quot;&gt;Bonjour &lt;b&gt;Hélène&lt;/b&gt; &amp; &quot;amis&quot;" in page
    )
    assert "1,82 €" in page
    assert "<pre>Alain Dupont\n12 rue des Lilas\nParis</pre>" in page
    assert '<a href="http://127.0.0.1:3000/_local/letters?key=letters/v/i/1.pdf&amp;x=&lt;b&gt;"' in page
    assert page.index("Récent") < page.index("Ancien")  # newest first on the page


def test_render_html_of_an_empty_outbox() -> None:
    page = outbox.render_html({"emails": [], "sms": [], "letters": [], "undelivered": []})
    assert "Aucun e-mail." in page and "Aucun SMS." in page and "Aucun courrier." in page


@pytest.mark.parametrize("cte", ["base64", "quoted-printable"])
def test_parse_raw_email_decodes_transfer_encodings(cte: str) -> None:
    from email.message import EmailMessage

    message = EmailMessage()
    message["To"] = "Hélène Durand <helene@example.fr>"
    message["Subject"] = "Accès à « vos documents »"
    message.set_content("Déjà prêt : ouvrez le lien.", cte=cte)
    message.add_alternative("<p>Déjà prêt</p>", subtype="html", cte=cte)
    parsed = outbox.parse_raw_email(message.as_bytes(), ["helene@example.fr"])
    assert parsed["to"] == ["helene@example.fr"]
    assert parsed["subject"] == "Accès à « vos documents »"
    assert parsed["text"].rstrip("\n") == "Déjà prêt : ouvrez le lien."
    assert parsed["html"].rstrip("\n") == "<p>Déjà prêt</p>"
