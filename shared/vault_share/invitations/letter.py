"""The postal letter of an invitation: the recipient's address to La Poste's standard, and a one-page A4 PDF.

The address (`postal_lines`) follows NF Z10-011 as La Poste explains it: at most 6 lines (a 7th
for the country abroad) of at most 38 characters, spaces included, one space between words, left
aligned, in capitals without accents; the lines after the name carry letters, digits and spaces
only (no punctuation: it misleads the sorting machines' readers); the last line is the postal code
then the city. A line that is too long is first shortened the way La Poste allows (its standard
abbreviations; a first name as initials; in France, a city as La Poste's own delivery name: ST,
STE, at most 32 characters); what still does not fit, or a character no Latin capital can stand
for, is refused with a French message (`ValueError`): nothing else is cut, since a cut street or
name is a letter that does not arrive.

The person's free-form address has two lines (`line1`, `line2`) and no way to tell a street from a
building or a lieu-dit: they are printed in the order typed, under the name, with the rules of
the standard's lines 4 to 6 (the strictest), so that whatever a line holds it is readable by the
machines.

The PDF (`letter_pdf`) is made with fpdf2's core fonts (Helvetica, Courier), which render
Windows-1252 only: French is complete in it (œ, €, typographic quotes). People's text (the vault's
name, the comment, the names) is made printable first (`printable`): accented letters outside it
lose their accent, invisible and direction-changing characters (bidi overrides, zero-width
joiners) and symbols such as emoji are left out, and a letter of another script becomes `?`.
Nothing can reach the PDF that the font cannot draw, so nothing crashes, and nothing printed can
reorder what is read. The letter never carries the validation code: it is not among its inputs.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from vault_share import clock
from vault_share.i18n import date_fr, date_time_fr

if TYPE_CHECKING:
    from fpdf import FPDF

# ---------------------------------------------------------------- postal address (NF Z10-011)

MAX_LINES = 6  # French address; MAX_LINES + 1 with the country line of a letter abroad
MAX_LINE_LENGTH = 38  # characters, spaces included
FRANCE = "FRANCE"
_FRANCE_NAMES = frozenset({"", "FRANCE", "FR", "FRA", "FRANCE METROPOLITAINE", "REPUBLIQUE FRANCAISE"})

# La Poste's standard abbreviations (types of way, titles, building words), used only to make a
# line of more than 38 characters fit, word by word from the left, as the standard asks.
STREET_ABBREVIATIONS = {
    "ALLEE": "ALL",
    "APPARTEMENT": "APP",
    "AVENUE": "AV",
    "BATIMENT": "BAT",
    "BOULEVARD": "BD",
    "CAPITAINE": "CPT",
    "CARREFOUR": "CAR",
    "CHAUSSEE": "CHS",
    "CHEMIN": "CHE",
    "COLONEL": "COL",
    "COMMANDANT": "CDT",
    "CORNICHE": "COR",
    "COURS": "CRS",
    "DOCTEUR": "DR",
    "DOMAINE": "DOM",
    "ENTREE": "ENT",
    "ESCALIER": "ESC",
    "ESPLANADE": "ESP",
    "FAUBOURG": "FG",
    "GENERAL": "GAL",
    "HAMEAU": "HAM",
    "IMMEUBLE": "IMM",
    "IMPASSE": "IMP",
    "LIEUTENANT": "LT",
    "LOTISSEMENT": "LOT",
    "MARECHAL": "MAL",
    "MONSEIGNEUR": "MGR",
    "MONTEE": "MTE",
    "PASSAGE": "PAS",
    "PLACE": "PL",
    "PLATEAU": "PLT",
    "PRESIDENT": "PDT",
    "PROFESSEUR": "PR",
    "PROMENADE": "PRO",
    "QUARTIER": "QUA",
    "RESIDENCE": "RES",
    "ROUTE": "RTE",
    "RUELLE": "RLE",
    "SAINT": "ST",
    "SAINTE": "STE",
    "SENTIER": "SEN",
    "SQUARE": "SQ",
    "TRAVERSE": "TRA",
    "VILLAGE": "VLGE",
    "VILLA": "VLA",
}
# A city's delivery name ("libellé d'acheminement") is written by La Poste with ST and STE.
CITY_ABBREVIATIONS = {"SAINT": "ST", "SAINTE": "STE"}

# Latin letters that have no decomposition to an ASCII base letter.
_LATIN_LETTERS = {
    "ß": "SS",
    "Æ": "AE",
    "æ": "AE",
    "Œ": "OE",
    "œ": "OE",
    "Ø": "O",
    "ø": "O",
    "Ł": "L",
    "ł": "L",
    "Đ": "D",
    "đ": "D",
    "Ð": "D",
    "ð": "D",
    "Þ": "TH",
    "þ": "TH",
    "ı": "I",
    "ſ": "S",
}
_APOSTROPHES = "'’‘ʼ"


def _postal_text(text: str, keep: str = "") -> str:
    """Capitals A-Z, digits, single spaces; `keep` (hyphen, apostrophe) survives; other punctuation
    becomes a space; a letter of another script, or an emoji, is refused."""
    out: list[str] = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char):
            continue
        for c in _LATIN_LETTERS.get(char, char).upper():
            kind = unicodedata.category(c)
            if ("A" <= c <= "Z") or ("0" <= c <= "9"):
                out.append(c)
            elif c in _APOSTROPHES and "'" in keep:
                out.append("'")
            elif c in keep:
                out.append(c)
            elif kind[0] in "PZ" or kind == "Cc" or (kind[0] == "S" and ord(c) < 0x250):
                out.append(" ")
            else:
                raise ValueError(
                    f"L'adresse postale contient « {c} », qu'une enveloppe ne peut porter "
                    "(lettres latines, chiffres et espaces seulement)."
                )
    return " ".join("".join(out).split())


def _shorten(line: str, abbreviations: Mapping[str, str], room: int = MAX_LINE_LENGTH) -> str:
    words = line.split(" ")
    for index, word in enumerate(words):
        if len(" ".join(words)) <= room:
            break
        words[index] = abbreviations.get(word, word)
    return " ".join(words)


def _fitted(line: str, abbreviations: Mapping[str, str], what: str) -> str:
    if len(line) > MAX_LINE_LENGTH:
        line = _shorten(line, abbreviations)
    if len(line) > MAX_LINE_LENGTH:
        raise ValueError(
            f"{what} « {line} » dépasse {MAX_LINE_LENGTH} caractères, même abrégée comme La Poste "
            "le permet : une adresse coupée n'arriverait pas. Raccourcissez-la."
        )
    return line


def _name_line(first_name: str, last_name: str) -> str:
    first, last = (_postal_text(part, keep="-'") for part in (first_name, last_name))
    first, last = (part if any(c.isalnum() for c in part) else "" for part in (first, last))
    line = " ".join(p for p in (first, last) if p)
    if len(line) > MAX_LINE_LENGTH and first:
        # As the standard allows: the first name(s) as initials ("JEAN-PIERRE" -> "J-P").
        initials = " ".join(
            filter(None, ("-".join(part[:1] for part in word.split("-") if part) for word in first.split(" ")))
        )
        line = f"{initials} {last}".strip()
    if not last:
        raise ValueError("Le nom du destinataire manque pour l'adresse postale.")
    if len(line) > MAX_LINE_LENGTH:
        raise ValueError(
            f"Le nom « {line} » dépasse {MAX_LINE_LENGTH} caractères, même avec le prénom en initiales : "
            "il ne tient pas sur une ligne d'adresse."
        )
    return line


def country_line(country: str | None) -> str | None:
    """The country as the last line of a letter abroad (capitals, no accent); None for France."""
    name = _postal_text(country or "")
    return None if name in _FRANCE_NAMES else name


@dataclass(frozen=True)
class PostalAddress:
    """An address as NF Z10-011 writes it: each part already one valid line (or part of one)."""

    name: str
    street: tuple[str, ...]  # the person's line1 and line2, as written to the standard
    postal_code: str
    city: str
    country: str | None  # None for France

    @property
    def lines(self) -> list[str]:
        return [self.name, *self.street, f"{self.postal_code} {self.city}", *([self.country] if self.country else [])]


def postal_address(first_name: str, last_name: str, address: Mapping[str, str | None]) -> PostalAddress:
    """The address to NF Z10-011. `address` is a person's `postalAddress` (`line1`, `line2`,
    `postalCode`, `city`, `country`). ValueError (French) when it cannot be written to the standard."""
    name = _name_line(first_name, last_name)
    street = tuple(
        _fitted(text, STREET_ABBREVIATIONS, "La ligne d'adresse")
        for text in (_postal_text(address.get(key) or "") for key in ("line1", "line2"))
        if text
    )
    if not street:
        raise ValueError("L'adresse postale est incomplète : la ligne d'adresse manque.")
    abroad = country_line(address.get("country"))
    code = _postal_text(address.get("postalCode") or "")
    if abroad is None:
        code = code.replace(" ", "")
        if not (len(code) == 5 and code.isdigit()):
            raise ValueError("Code postal français invalide : il compte 5 chiffres.")
    city = _postal_text(address.get("city") or "")
    if not code or not city:
        raise ValueError("L'adresse postale est incomplète : code postal et ville sont nécessaires.")
    # The city alone: the postal code is not words to abbreviate (abroad, "SAINT" can be one).
    city = _shorten(city, CITY_ABBREVIATIONS, room=MAX_LINE_LENGTH - len(code) - 1)
    if abroad is None:
        # La Poste's delivery names are at most 32 characters (its official base of postal codes
        # writes ST REMY EN BOUZEMONT ST G): in France the postal code routes the letter.
        city = city[: MAX_LINE_LENGTH - len(code) - 1].rstrip()
    _fitted(f"{code} {city}", {}, "La ligne « code postal et ville »")
    if abroad is not None:
        _fitted(abroad, {}, "Le pays")
    result = PostalAddress(name, street, code, city, abroad)
    if len(result.lines) > MAX_LINES + (abroad is not None):
        raise ValueError(f"L'adresse postale dépasse {MAX_LINES} lignes.")
    return result


def postal_lines(first_name: str, last_name: str, address: Mapping[str, str | None]) -> list[str]:
    """The address block, line by line (see `postal_address`)."""
    return postal_address(first_name, last_name, address).lines


# ---------------------------------------------------------------- text the core fonts can draw

CORE_FONT_ENCODING = "windows-1252"


def _drawable(char: str) -> bool:
    try:
        char.encode(CORE_FONT_ENCODING)
    except UnicodeEncodeError:
        return False
    return not unicodedata.category(char).startswith("C")


def printable(text: str, *, newlines: bool = False) -> str:
    """`text` reduced to what Helvetica and Courier can draw (see the module's docstring)."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        kind = unicodedata.category(char)
        if char == "\n" and newlines:
            out.append("\n")
        elif kind[0] == "Z" or char in "\t\r\n\x0b\x0c\x85":
            out.append(" ")
        elif kind[0] == "C":  # controls, format (bidi, zero width), unassigned, private use
            continue
        elif _drawable(char):
            out.append(char)
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            if base and all(_drawable(c) for c in base):
                out.append(base)
            elif kind[0] not in "SM":  # symbols (emoji) and stray marks print as nothing
                out.append("?")
    lines = (" ".join(line.split()) for line in "".join(out).split("\n"))
    return "\n".join(lines).strip("\n")


# ---------------------------------------------------------------- page geometry (mm, from the sheet's top left)

A4_WIDTH_MM = 210
A4_HEIGHT_MM = 297
FOLD_MM = A4_HEIGHT_MM / 3  # folded in three, the top third shows through the window

# The DL window envelope (ISO 269 DL, 110 x 220 mm) with the window most sold in France: 45 x 100 mm,
# 20 mm from the right edge and 15 mm from the bottom edge of the envelope (La Poste's guides place
# the recipient's address within it).
ENVELOPE_WIDTH_MM = 220
ENVELOPE_HEIGHT_MM = 110
WINDOW_WIDTH_MM = 100
WINDOW_HEIGHT_MM = 45
WINDOW_FROM_RIGHT_MM = 20
WINDOW_FROM_BOTTOM_MM = 15

_WINDOW_LEFT = ENVELOPE_WIDTH_MM - WINDOW_FROM_RIGHT_MM - WINDOW_WIDTH_MM  # 100 on the envelope
_WINDOW_TOP = ENVELOPE_HEIGHT_MM - WINDOW_FROM_BOTTOM_MM - WINDOW_HEIGHT_MM  # 50 on the envelope
# The folded sheet (210 x 99) moves inside the envelope by the difference of their sizes: what is
# always in the window, wherever the sheet rests, is the window less that play.
_PLAY_X = ENVELOPE_WIDTH_MM - A4_WIDTH_MM  # 10
_PLAY_Y = ENVELOPE_HEIGHT_MM - FOLD_MM  # 11


@dataclass(frozen=True)
class Zone:
    left: float
    top: float
    right: float
    bottom: float


# On the sheet: x 100 to 190, y 50 to 84 (90 x 34 mm).
ADDRESS_ZONE = Zone(
    left=_WINDOW_LEFT,
    top=_WINDOW_TOP,
    right=_WINDOW_LEFT + WINDOW_WIDTH_MM - _PLAY_X,
    bottom=_WINDOW_TOP + WINDOW_HEIGHT_MM - _PLAY_Y,
)
# What the window can ever show, once any play is taken: nothing but the address may print here.
WINDOW_REACH = Zone(
    left=_WINDOW_LEFT - _PLAY_X,
    top=_WINDOW_TOP - _PLAY_Y,
    right=_WINDOW_LEFT + WINDOW_WIDTH_MM,
    bottom=_WINDOW_TOP + WINDOW_HEIGHT_MM,
)

# Courier 10 pt: 38 characters are 80.4 mm wide, whatever they are, inside the 90 mm of the zone;
# 7 lines of 4.2 mm are 29.4 mm, inside its 34 mm.
ADDRESS_FONT = "Courier"
ADDRESS_SIZE_PT = 10.0
ADDRESS_LINE_MM = 4.2
ADDRESS_INSET_MM = 2.0

MARGIN_MM = 20.0
TEXT_WIDTH_MM = A4_WIDTH_MM - 2 * MARGIN_MM
DATE_TOP_MM = WINDOW_REACH.bottom + 3  # below anything the window could show
BODY_TOP_MM = DATE_TOP_MM + 10
QR_TOP_MM = 226.0
QR_SIZE_MM = 34.0
BODY_BOTTOM_MM = QR_TOP_MM - 4
FOOTER_TOP_MM = 282.0
# The body shrinks (then folds the comment's lines) to stay on one page; 7.5 pt is for the absurd only
# (a 500-character word of W under a 120-character name).
BODY_SIZES_PT = (10.5, 9.5, 8.5, 7.5)
LEADING = 0.45  # line height in mm per point of size (1.28 times the size)
PARAGRAPH_GAP = 0.25  # mm per point of size after each paragraph (and before the signature)
URL_FONT = "Courier"
URL_SIZE_PT = 10.0
_POINT_MM = 25.4 / 72


# ---------------------------------------------------------------- the letter


@dataclass(frozen=True)
class InvitationLetter:
    """What an invitation letter says. The validation code is not part of it, by design."""

    vault_name: str
    first_name: str
    last_name: str
    address: Mapping[str, str | None]  # the person's postalAddress
    url: str  # the invitation link, in the QR code
    expires_at: datetime
    short_url: str | None = None  # printed to be typed; the link itself when None
    comment: str | None = None
    email_required: bool = False  # no e-mail on file: the acceptance will ask for one
    dated: datetime = field(default_factory=clock.now)

    @property
    def typed_url(self) -> str:
        return self.short_url or self.url


def _sender(letter: InvitationLetter) -> list[str]:
    return [printable(letter.vault_name), "via vault-share"]


def _body(letter: InvitationLetter, fold_comment: bool) -> list[tuple[str, str]]:
    """The letter's paragraphs as (style, text), in reading order."""
    vault = printable(letter.vault_name)
    name = " ".join(p for p in (printable(letter.first_name), printable(letter.last_name)) if p)
    blocks = [
        ("subject", "Objet : votre invitation à un espace de documents sur vault-share"),
        ("p", f"Bonjour {name},"),
        ("p", f"{vault} vous invite à accéder, en tant qu'invité, à son espace de documents sécurisé sur vault-share."),
    ]
    comment = printable(letter.comment or "", newlines=not fold_comment)
    if fold_comment:
        comment = " ".join(comment.split())
    if comment:
        blocks += [("p", "Son message :"), ("quote", "\n".join(filter(None, comment.split("\n"))))]
    blocks.append(
        (
            "p",
            "Pour accepter l'invitation, scannez le code QR ci-dessous avec l'appareil photo de votre téléphone, "
            "ou saisissez l'adresse imprimée à côté dans votre navigateur. "
            f"L'invitation est valable jusqu'au {date_time_fr(letter.expires_at)}.",
        )
    )
    if letter.email_required:
        blocks.append(
            (
                "p",
                "Une adresse e-mail vous sera demandée pour créer votre accès : un code de confirmation y sera envoyé.",
            )
        )
    blocks += [
        (
            "p",
            "Un code de validation à 6 chiffres vous sera aussi demandé : l'expéditeur vous le communique "
            "séparément, par SMS ou par téléphone. Il ne figure jamais dans ce courrier.",
        ),
        ("p", "Si vous n'attendiez pas cette invitation, ignorez simplement ce courrier."),
        ("sign", f"{vault}\nvia vault-share"),
    ]
    return blocks


def _url_lines(url: str, width_mm: float) -> list[str]:
    """The URL cut into lines of Courier (fixed width), at a `/` where one is near."""
    per_line = int(width_mm / (URL_SIZE_PT * 0.6 * _POINT_MM))
    text, lines = printable(url), []
    while len(text) > per_line:
        cut = text.rfind("/", per_line // 2, per_line) + 1 or per_line
        lines.append(text[:cut])
        text = text[cut:]
    return [*lines, text]


_QR_LABEL = "Ou saisissez cette adresse dans votre navigateur :"
_FOOTER = "Courrier envoyé par vault-share pour le compte de l'expéditeur. Il ne contient aucun code."


def letter_text(letter: InvitationLetter) -> str:
    """The letter as plain text, in reading order: what the PDF prints (for the outbox and the print record)."""
    parts = [
        "\n".join(_sender(letter)),
        "\n".join(postal_lines(letter.first_name, letter.last_name, letter.address)),
        f"Le {date_fr(letter.dated)}",
        *(text for _, text in _body(letter, fold_comment=False)),
        _QR_LABEL + "\n" + "".join(_url_lines(letter.typed_url, 120)),
        _FOOTER,
    ]
    return "\n\n".join(parts) + "\n"


def _page() -> FPDF:
    # fpdf2 and segno take some 0.4 s to import: only when a letter is drawn, never at cold start
    # (postal_lines, which the invitation checks first, needs neither).
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.core_fonts_encoding = CORE_FONT_ENCODING
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN_MM, 15, MARGIN_MM)
    pdf.c_margin = 0  # text starts exactly where it is placed
    return pdf


def _block_height(pdf: FPDF, style: str, text: str, size: float) -> float:
    _style(pdf, style, size)
    width = TEXT_WIDTH_MM - (8 if style == "quote" else 0)
    return _gap_before(style, size) + _line_count(pdf, width, text) * size * LEADING + size * PARAGRAPH_GAP


def _line_count(pdf: FPDF, width: float, text: str) -> int:
    """How many lines `text` takes in the current font, wrapped as `multi_cell` wraps it."""
    lines = pdf.multi_cell(width, 5, text, align="L", dry_run=True, output="LINES")
    assert isinstance(lines, list)
    return len(lines)


def _gap_before(style: str, size: float) -> float:
    return size * PARAGRAPH_GAP if style == "sign" else 0.0


def _style(pdf: FPDF, style: str, size: float) -> None:
    pdf.set_font("Helvetica", {"subject": "B", "quote": "I"}.get(style, ""), size)
    pdf.set_text_color(*((60, 60, 60) if style == "quote" else (0, 0, 0)))


def _layout(pdf: FPDF, letter: InvitationLetter) -> tuple[float, list[tuple[str, str]]]:
    """The largest body size, folding the comment last, that ends above the QR code."""
    for fold in (False, True):
        for size in BODY_SIZES_PT:
            blocks = _body(letter, fold_comment=fold)
            if BODY_TOP_MM + sum(_block_height(pdf, s, t, size) for s, t in blocks) <= BODY_BOTTOM_MM:
                return size, blocks
    raise AssertionError("unreachable: a folded comment of at most 500 characters fits at the smallest size")


def letter_pdf(letter: InvitationLetter) -> bytes:
    """One A4 page for a DL window envelope. ValueError (French) when the address cannot be written."""
    address = postal_lines(letter.first_name, letter.last_name, letter.address)
    pdf = _page()
    pdf.set_lang("fr-FR")
    pdf.set_title(printable(f"Invitation - {letter.vault_name}"))
    pdf.set_creator("vault-share")
    pdf.add_page()

    # Fold marks in the left margin, where a folding machine or a hand looks for them.
    pdf.set_draw_color(150, 150, 150)
    pdf.set_line_width(0.2)
    for y in (FOLD_MM, 2 * FOLD_MM):
        pdf.line(4, y, 9, y)

    # The sender, top left: far from the window, whatever the sheet's play.
    vault, via = _sender(letter)
    width = WINDOW_REACH.left - MARGIN_MM - 5
    pdf.set_font("Helvetica", "B", 12)
    if _line_count(pdf, width, vault) > 3:
        pdf.set_font("Helvetica", "B", 9)  # a long name stays a block of a few lines
    pdf.set_xy(MARGIN_MM, 18)
    pdf.multi_cell(width, 5.5 * pdf.font_size_pt / 12, vault, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(0, 5, via, new_x="LMARGIN", new_y="NEXT")

    # The recipient, in the part of the window that shows wherever the sheet rests.
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(ADDRESS_FONT, "", ADDRESS_SIZE_PT)
    for index, line in enumerate(address):
        pdf.set_xy(ADDRESS_ZONE.left + ADDRESS_INSET_MM, ADDRESS_ZONE.top + ADDRESS_INSET_MM + index * ADDRESS_LINE_MM)
        pdf.cell(ADDRESS_ZONE.right - ADDRESS_ZONE.left - 2 * ADDRESS_INSET_MM, ADDRESS_LINE_MM, line)

    pdf.set_font("Helvetica", "", 10)
    pdf.set_xy(MARGIN_MM, DATE_TOP_MM)
    pdf.cell(TEXT_WIDTH_MM, 5, f"Le {date_fr(letter.dated)}", align="R")

    size, blocks = _layout(pdf, letter)
    pdf.set_y(BODY_TOP_MM)
    for style, text in blocks:
        _style(pdf, style, size)
        indent = 8 if style == "quote" else 0
        pdf.set_y(pdf.get_y() + _gap_before(style, size))
        pdf.set_x(MARGIN_MM + indent)
        pdf.multi_cell(TEXT_WIDTH_MM - indent, size * LEADING, text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(pdf.get_y() + size * PARAGRAPH_GAP)

    # The QR code of the link, and the address to type beside it.
    import segno

    png = io.BytesIO()
    segno.make(letter.url, error="m").save(png, kind="png", scale=8, border=4)
    pdf.image(io.BytesIO(png.getvalue()), x=MARGIN_MM, y=QR_TOP_MM, w=QR_SIZE_MM, h=QR_SIZE_MM)
    text_left = MARGIN_MM + QR_SIZE_MM + 6
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("Helvetica", "", 10)
    pdf.set_xy(text_left, QR_TOP_MM + 6)
    pdf.cell(0, 5, _QR_LABEL, new_x="LEFT", new_y="NEXT")
    pdf.set_font(URL_FONT, "", URL_SIZE_PT)
    pdf.set_y(pdf.get_y() + 2)
    for line in _url_lines(letter.typed_url, A4_WIDTH_MM - MARGIN_MM - text_left):
        pdf.set_x(text_left)
        pdf.cell(0, 4.6, line, new_x="LEFT", new_y="NEXT")

    pdf.set_font("Helvetica", "", 7.5)
    pdf.set_text_color(110, 110, 110)
    pdf.set_xy(MARGIN_MM, FOOTER_TOP_MM)
    pdf.cell(TEXT_WIDTH_MM, 4, _FOOTER, align="C")
    return bytes(pdf.output())
