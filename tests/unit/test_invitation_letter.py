"""The invitation letter: the address to La Poste's standard, and the PDF read back as a reader would.

The PDF is read with pypdf (text, positions, the embedded QR image) and the QR code is decoded
with zxing-cpp: what is checked is what the page holds, not what the code meant to draw.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import zxingcpp
from fpdf import FPDF
from pypdf import PdfReader
from vault_share.invitations import letter as mod
from vault_share.invitations.letter import (
    ADDRESS_ZONE,
    MAX_LINE_LENGTH,
    QR_TOP_MM,
    WINDOW_REACH,
    InvitationLetter,
    letter_pdf,
    letter_text,
    postal_lines,
    printable,
)

PT = 25.4 / 72  # mm per PDF point
A4_PT = (595.28, 841.89)
CODE = "186691"
URL = "https://api.vault-share.example/v1/invite/Zr8kq2vP7xT0bYc3Lm9Nw4Hs6Jd1Fa5Ge0Ru2Wi7Oe"
ADDRESS = {"line1": "12, rue de l'Église", "line2": "Bâtiment B", "postalCode": "75011", "city": "Paris"}


def make(**changes: Any) -> InvitationLetter:
    values: dict[str, Any] = {
        "vault_name": "Garage des Lilas",
        "first_name": "Alain",
        "last_name": "Dupont",
        "address": {**ADDRESS, "country": "France"},
        "url": URL,
        "expires_at": datetime(2026, 12, 3, 16, 5, tzinfo=UTC),
        "comment": "Voici l'accès à vos documents de carte grise.",
        "dated": datetime(2026, 11, 3, 9, 0, tzinfo=UTC),
    }
    return InvitationLetter(**{**values, **changes})


@dataclass(frozen=True)
class Text:
    text: str
    left: float  # mm from the page's left edge
    baseline: float  # mm from the page's top edge
    size: float  # points
    font: str

    @property
    def top(self) -> float:
        """The top of capitals (0.75 em above the baseline in Helvetica and Courier)."""
        return self.baseline - 0.75 * self.size * PT

    def right(self) -> float:
        """The right edge, from the core font's own metrics (fpdf2's tables of the standard 14 fonts)."""
        family, _, style = self.font.lstrip("/").partition("-")
        metrics = FPDF()
        metrics.core_fonts_encoding = "windows-1252"
        metrics.set_font(family, {"Bold": "B", "Oblique": "I", "BoldOblique": "BI"}.get(style, ""), self.size)
        return self.left + metrics.get_string_width(self.text)


@dataclass(frozen=True)
class Page:
    reader: PdfReader
    texts: list[Text]
    images: list[tuple[Any, tuple[float, float, float, float]]]  # (PIL image, (left, top, right, bottom) mm)

    @property
    def text(self) -> str:
        return "\n".join(t.text for t in self.texts)

    @property
    def flat(self) -> str:
        """The text as one line: phrases read across the page's line breaks."""
        return " ".join(self.text.split())


def read(pdf: bytes) -> Page:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    texts: list[Text] = []
    placed: list[tuple[float, float, float, float]] = []

    def on_text(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if text.strip():
            x, y = tm[4] + cm[4], tm[5] + cm[5]
            texts.append(Text(text, x * PT, (A4_PT[1] - y) * PT, size, str(font["/BaseFont"])))

    def on_operand(operator: bytes, _args: Any, cm: list[float], _tm: list[float]) -> None:
        if operator == b"Do":  # an image is drawn in the unit square of the current matrix
            width, height, x, y = cm[0], cm[3], cm[4], cm[5]
            placed.append((x * PT, (A4_PT[1] - y - height) * PT, (x + width) * PT, (A4_PT[1] - y) * PT))

    page.extract_text(visitor_text=on_text, visitor_operand_before=on_operand)
    images = [image.image for image in page.images]
    assert len(images) == len(placed)
    return Page(reader, texts, list(zip(images, placed, strict=True)))


def raw_streams(pdf: bytes) -> bytes:
    """Every stream of the file, inflated: what the file holds, whatever a text extractor shows."""
    found = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.DOTALL):
        try:
            found.append(zlib.decompress(match.group(1)))
        except zlib.error:
            found.append(match.group(1))
    return b"\n".join(found)


# ---------------------------------------------------------------- the address


def test_a_french_address_in_capitals_without_accents_or_punctuation() -> None:
    assert postal_lines("Alain", "Dupont", {**ADDRESS, "country": "France"}) == [
        "ALAIN DUPONT",
        "12 RUE DE L EGLISE",
        "BATIMENT B",
        "75011 PARIS",
    ]


def test_names_keep_their_hyphens_and_apostrophes() -> None:
    assert postal_lines("Jean-Pierre", "N’Diaye", ADDRESS)[0] == "JEAN-PIERRE N'DIAYE"
    assert postal_lines("Hélène", "Œuvray-Łukasz", ADDRESS)[0] == "HELENE OEUVRAY-LUKASZ"


@pytest.mark.parametrize("country", [None, "", "France", "france", "FR", "République française"])
def test_no_country_line_for_france(country: str | None) -> None:
    assert postal_lines("Alain", "Dupont", {**ADDRESS, "country": country})[-1] == "75011 PARIS"


def test_a_letter_abroad_ends_with_its_country() -> None:
    address = {"line1": "Rue de la Loi 16", "postalCode": "1000", "city": "Bruxelles", "country": "Belgique"}
    assert postal_lines("Léa", "Peeters", address) == ["LEA PEETERS", "RUE DE LA LOI 16", "1000 BRUXELLES", "BELGIQUE"]


def test_a_long_street_is_abbreviated_as_la_poste_allows_and_no_more() -> None:
    line = "12 avenue du Maréchal de Lattre de Tassigny"  # 43 characters
    lines = postal_lines("Alain", "Dupont", {**ADDRESS, "line1": line, "line2": None})
    # Word by word from the left, until it fits: AVENUE (still 39), then MARECHAL.
    assert lines[1] == "12 AV DU MAL DE LATTRE DE TASSIGNY"
    short = postal_lines("Alain", "Dupont", {**ADDRESS, "line1": "3 avenue des Fleurs"})
    assert short[1] == "3 AVENUE DES FLEURS"  # what fits is never abbreviated


def test_a_long_first_name_becomes_initials() -> None:
    assert postal_lines("Jean-Pierre Marie-Alexandre", "de La Rochefoucauld", ADDRESS)[0] == (
        "J-P M-A DE LA ROCHEFOUCAULD"
    )


def test_a_long_french_city_is_written_as_la_poste_delivery_name() -> None:
    address = {"line1": "1 rue Haute", "postalCode": "51290", "city": "Saint-Rémy-en-Bouzemont-Saint-Genest-et-Isson"}
    assert postal_lines("Alain", "Dupont", address)[-1] == "51290 ST REMY EN BOUZEMONT ST GENEST E"


@pytest.mark.parametrize(
    ("first", "last", "address", "message"),
    [
        ("Alain", "Dupont", {**ADDRESS, "line1": "Résidence " + "très " * 8 + "longue"}, "dépasse 38 caractères"),
        ("Alain", "Dupont" * 8, ADDRESS, "Le nom"),
        ("Alain", "Dupont", {**ADDRESS, "postalCode": "7501"}, "Code postal français"),
        ("Alain", "Dupont", {**ADDRESS, "postalCode": "75O11"}, "Code postal français"),
        ("Alain", "Dupont", {**ADDRESS, "line1": "ул. Тверская 7"}, "qu'une enveloppe ne peut porter"),
        ("Alain", "Dupont", {**ADDRESS, "line2": "Maison 🏠"}, "qu'une enveloppe ne peut porter"),
        ("Alain", "Dupont", {**ADDRESS, "line1": " ,;- ", "line2": None}, "la ligne d'adresse manque"),
        ("Alain", "Dupont", {**ADDRESS, "city": "..."}, "code postal et ville"),
        ("Alain", "-", ADDRESS, "nom du destinataire"),
        (
            "Alain",
            "Dupont",
            {"line1": "1 Main Street", "postalCode": "SW1A 1AA", "city": "London " * 6, "country": "Royaume-Uni"},
            "dépasse 38 caractères",
        ),
    ],
)
def test_what_cannot_be_written_is_refused_in_french(
    first: str, last: str, address: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        postal_lines(first, last, address)


@pytest.mark.parametrize(
    "address",
    [
        ADDRESS,
        {"line1": "Lieu-dit « Les Œillets » n° 4 bis", "postalCode": "2A004", "city": "Ajaccio", "country": "Corse"},
        {"line1": "Chemin du Moulin/Étang (Nord)", "line2": "BP 12", "postalCode": "97110", "city": "Pointe-à-Pitre"},
        {"line1": "Straße 5", "postalCode": "10115", "city": "Berlin", "country": "Allemagne"},
    ],
)
def test_every_line_is_at_most_38_capitals_digits_and_spaces(address: dict[str, str]) -> None:
    lines = postal_lines("Émilie", "Fontaine", address)
    assert 2 <= len(lines) <= 7
    for line in lines:
        assert len(line) <= MAX_LINE_LENGTH and line == line.strip() and "  " not in line
    assert all(re.fullmatch(r"[A-Z0-9 ]+", line) for line in lines[1:]), lines


# ---------------------------------------------------------------- the PDF, read back


def test_one_a4_page() -> None:
    page = read(letter_pdf(make()))
    box = page.reader.pages[0].mediabox
    assert (round(float(box.width), 1), round(float(box.height), 1)) == (595.3, 841.9)  # 210 x 297 mm


def test_the_address_lines_are_printed_inside_the_window_zone() -> None:
    letter = make(address={"line1": "12 rue des Lilas", "postalCode": "1000", "city": "Bruxelles", "country": "BE"})
    page = read(letter_pdf(letter))
    expected = postal_lines(letter.first_name, letter.last_name, letter.address)
    printed = [t for t in page.texts if t.text in expected]
    assert [t.text for t in printed] == expected  # every line, in order, once
    for line in printed:
        assert line.font == "/Courier"
        assert ADDRESS_ZONE.left <= line.left and line.right() <= ADDRESS_ZONE.right, line
        assert ADDRESS_ZONE.top <= line.top and line.baseline <= ADDRESS_ZONE.bottom, line
    assert len({round(t.left, 2) for t in printed}) == 1  # aligned left


def test_the_widest_longest_address_still_fits_the_zone() -> None:
    address = {"line1": "W" * 38, "line2": "M" * 38, "postalCode": "99999", "city": "W" * 32, "country": "W" * 38}
    page = read(letter_pdf(make(first_name="W" * 18, last_name="M" * 19, address=address)))
    lines = [t for t in page.texts if t.font == "/Courier" and set(t.text) <= set("WM9 ")]
    assert len(lines) == 5
    for line in lines:
        assert ADDRESS_ZONE.left <= line.left and line.right() <= ADDRESS_ZONE.right, line
        assert ADDRESS_ZONE.top <= line.top and line.baseline <= ADDRESS_ZONE.bottom, line


def test_nothing_but_the_address_is_where_the_window_can_show() -> None:
    letter = make()
    page = read(letter_pdf(letter))
    address = set(postal_lines(letter.first_name, letter.last_name, letter.address))
    for text in page.texts:
        if text.text in address:
            continue
        above_or_below = text.baseline < WINDOW_REACH.top or text.top > WINDOW_REACH.bottom
        assert above_or_below or text.right() < WINDOW_REACH.left or text.left > WINDOW_REACH.right, text
    for _, (left, top, right, bottom) in page.images:
        assert top > WINDOW_REACH.bottom or bottom < WINDOW_REACH.top or right < WINDOW_REACH.left, left


def test_the_qr_code_decodes_to_the_invitation_url() -> None:
    page = read(letter_pdf(make()))
    ((image, (left, top, right, bottom)),) = page.images
    decoded = zxingcpp.read_barcodes(image)
    assert [(d.format, d.text) for d in decoded] == [(zxingcpp.BarcodeFormat.QRCode, URL)]
    assert abs((right - left) - (bottom - top)) < 0.01 and right - left >= 30  # square, 3 cm at least
    assert top >= QR_TOP_MM - 0.01 and bottom < 297 - 10


def test_the_typeable_url_is_printed_and_the_sender_date_and_expiry_are_there() -> None:
    page = read(letter_pdf(make(short_url="https://vs.example/i/K7QM-2XTR")))
    text = page.flat
    assert "https://vs.example/i/K7QM-2XTR" in text
    assert "Garage des Lilas" in text and "via vault-share" in text
    assert "Le 3 novembre 2026" in text
    assert "jusqu'au 3 décembre 2026 à 17h05" in text  # Paris time
    assert "Voici l'accès à vos documents de carte grise." in text
    # The QR code still carries the link itself.
    assert zxingcpp.read_barcodes(page.images[0][0])[0].text == URL


def test_without_a_short_url_the_link_is_printed_whole_across_lines() -> None:
    page = read(letter_pdf(make()))
    courier = [t.text for t in page.texts if t.font == "/Courier" and t.baseline > QR_TOP_MM]
    assert "".join(courier) == URL and len(courier) >= 2


def test_no_code_anywhere_in_the_letter() -> None:
    letter = make(comment="Le lien de votre dossier est prêt.")
    pdf = letter_pdf(letter)
    page = read(pdf)
    assert CODE not in page.text and CODE.encode() not in raw_streams(pdf)
    assert not re.search(r"(?<!\d)\d{6}(?!\d)", page.text), "a 6-digit number is printed"
    assert not re.search(r"(?<!\d)\d{6}(?!\d)", letter_text(letter))
    # The letter has no way to receive one: its inputs do not include a code.
    with pytest.raises(TypeError):
        InvitationLetter(**{**make().__dict__, "code": CODE})


def test_the_text_version_says_what_the_page_says() -> None:
    letter = make(email_required=True)
    page = read(letter_pdf(letter))
    words = set(page.text.split())
    assert set(letter_text(letter).split()) <= words | set(URL.split())
    assert "adresse e-mail vous sera demandée" in page.flat


@pytest.mark.parametrize(
    "comment",
    [
        "a\n" * 250,  # 500 characters, 250 lines
        "W" * 500,
        ("Très long message avec des mots " * 20)[:500],
    ],
)
def test_the_longest_comment_stays_on_one_page_above_the_qr_code(comment: str) -> None:
    page = read(letter_pdf(make(comment=comment, email_required=True, vault_name="Garage " + "L" * 113)))
    body = [t for t in page.texts if t.font.startswith("/Helvetica") and t.baseline < QR_TOP_MM]
    assert body and max(t.baseline for t in body) < QR_TOP_MM - 2
    assert "Si vous n'attendiez pas cette invitation, ignorez simplement ce courrier." in page.flat


@pytest.mark.parametrize(
    ("vault_name", "shown", "absent"),
    [
        ("Garage 🏠🚗 des Lilas", "Garage des Lilas", "🏠"),
        ("Garage \u202edes Lilas\u202c", "Garage des Lilas", "\u202e"),
        ("Famille \u200d👨\u200d👩\u200d👧 Martin", "Famille Martin", "\u200d"),
        ("Garage שלום", "Garage ????", "ש"),
        ("مرآب الزنبق", "????", "م"),
        ("Garage Ōsaka Zürich", "Garage Osaka Zürich", "Ō"),
        ("東京 Garage", "?? Garage", "東"),
    ],
)
def test_any_vault_name_renders_without_a_crash(vault_name: str, shown: str, absent: str) -> None:
    comment = f"Message : {vault_name}\n\u2067bidi isolate\u2069 et ﬁn"
    page = read(letter_pdf(make(vault_name=vault_name, comment=comment)))
    assert shown in page.text
    assert absent not in page.text and "\u2067" not in page.text
    assert "bidi isolate et fin" in page.flat


def test_printable_keeps_french_and_drops_what_the_font_cannot_draw() -> None:
    assert printable("Œuvre « déjà » – 12 € ’ …") == "Œuvre « déjà » – 12 € ’ …"
    assert printable("a\tb\u00a0c\u2028d") == "a b c d"
    assert printable("ligne 1\r\nligne 2", newlines=True) == "ligne 1\nligne 2"
    assert printable("x\u0301y") == "xy"  # a mark with no precomposed letter in the font is dropped
    assert printable("Ｇａｒａｇｅ ﬁn") == "Garage fin"  # compatibility forms fold to what they stand for


def test_an_address_that_cannot_be_written_makes_no_pdf() -> None:
    with pytest.raises(ValueError, match="Code postal français"):
        letter_pdf(make(address={**ADDRESS, "postalCode": "123"}))


def test_the_window_geometry_is_the_standard_dl_one() -> None:
    assert (mod.ENVELOPE_WIDTH_MM, mod.ENVELOPE_HEIGHT_MM) == (220, 110)
    assert (mod.WINDOW_WIDTH_MM, mod.WINDOW_HEIGHT_MM) == (100, 45)
    assert (mod.WINDOW_FROM_RIGHT_MM, mod.WINDOW_FROM_BOTTOM_MM) == (20, 15)
    # Always visible, wherever the folded sheet rests in the envelope: x 100-190, y 50-84 on the sheet.
    assert (ADDRESS_ZONE.left, ADDRESS_ZONE.top, ADDRESS_ZONE.right, ADDRESS_ZONE.bottom) == (100, 50, 190, 84)


def test_the_postal_channel_imports_no_pdf_library_until_a_letter_is_drawn() -> None:
    """fpdf2 and segno cost some 0.4 s of imports: a cold start that sends no letter pays none of it."""
    probe = (
        "import sys, vault_share.adapters.letters, vault_share.invitations.letter as m\n"
        "m.postal_lines('Alain', 'Dupont', {'line1': '1 rue', 'postalCode': '75011', 'city': 'Paris'})\n"
        "print(sorted({'fpdf', 'segno', 'PIL', 'urllib.request'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]", done.stderr
