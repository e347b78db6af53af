"""Small, real PDF documents for the demo SIV dossier (fpdf2: maintained, pure Python)."""

from __future__ import annotations

from fpdf import FPDF

DEMO_DOCUMENTS: list[tuple[str, str, list[str]]] = [
    (
        "certificat-de-cession.pdf",
        "Certificat de cession d'un véhicule d'occasion (cerfa 15776)",
        ["Immatriculation : AB-123-CD", "Vendeur : GARAGE AUTO", "Acquéreur : DUPONT Alain", "Date : 20/11/2026"],
    ),
    (
        "mandat-immatriculation.pdf",
        "Mandat d'immatriculation (cerfa 13757)",
        ["Mandant : DUPONT Alain", "Mandataire : GARAGE AUTO", "Objet : demande de certificat d'immatriculation"],
    ),
    (
        "piece-identite.pdf",
        "Pièce d'identité",
        ["Nom : DUPONT", "Prénom : Alain", "Carte nationale d'identité n° X4RTBPFW4"],
    ),
    (
        "justificatif-domicile.pdf",
        "Justificatif de domicile",
        ["DUPONT Alain", "12 rue des Lilas", "69003 Lyon", "Facture d'électricité du 02/11/2026"],
    ),
]


def render(title: str, lines: list[str]) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creator("vault-share demo")
    pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 10, title)
    pdf.ln(4)
    pdf.set_font("Helvetica", size=12)
    for line in lines:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "I", 9)
    pdf.cell(0, 6, "Document de démonstration - sans valeur légale.")
    return bytes(pdf.output())


def demo_documents() -> list[tuple[str, bytes]]:
    return [(name, render(title, lines)) for name, title, lines in DEMO_DOCUMENTS]
