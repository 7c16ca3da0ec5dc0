"""Regenerate the demo corpus's PDF and DOCX files from the texts below.

    .venv/bin/pip install fpdf2 && .venv/bin/python demo_corpus/_build/make_binaries.py

The generated files are committed; this script only exists so they can be rebuilt.
"""

from pathlib import Path

from docx import Document
from fpdf import FPDF

ROOT = Path(__file__).resolve().parent.parent

PRICING = {
    "title": "Kestrel Dynamics Price List 2025",
    "pages": [
        [("h", "Hardware"),
         ("p", "All prices are in euros, excluding VAT, valid from 1 January 2025."),
         ("p", "Skylift KD-SL4 heavy-lift drone: 18,400 euros per unit."),
         ("p", "Scout KD-SC2 inventory drone: 9,950 euros per unit."),
         ("p", "KD-DK1 charging dock: 1,250 euros per unit."),
         ("p", "BP-60 spare battery pack: 690 euros.")],
        [("h", "Software and discounts"),
         ("p", "HiveMind fleet software: 420 euros per drone per month, billed annually."),
         ("p", "Volume discount on hardware: 8 percent for orders of 10 or more drones, "
               "15 percent for orders of 25 or more drones."),
         ("p", "Quotes are valid for 60 days.")],
    ],
}
PRICING_UPDATE = {
    "title": "Kestrel Dynamics Price List 2025 (revised 1 July 2025)",
    "pages": [
        [("h", "Hardware"),
         ("p", "All prices are in euros, excluding VAT, valid from 1 July 2025."),
         ("p", "Skylift KD-SL4 heavy-lift drone: 19,900 euros per unit."),
         ("p", "Scout KD-SC2 inventory drone: 9,950 euros per unit."),
         ("p", "KD-DK1 charging dock: 1,250 euros per unit."),
         ("p", "BP-60 spare battery pack: 690 euros.")],
        [("h", "Software and discounts"),
         ("p", "HiveMind fleet software: 450 euros per drone per month, billed annually."),
         ("p", "Volume discount on hardware: 8 percent for orders of 10 or more drones, "
               "15 percent for orders of 25 or more drones."),
         ("p", "Quotes are valid for 60 days.")],
    ],
}
ONBOARDING = {
    "title": "Onboarding Guide for New Employees",
    "pages": [
        [("h", "Your first week"),
         ("p", "On your first day, People Operations hands you a laptop and a hardware security key."),
         ("p", "Every new employee gets an onboarding buddy from another team for the first 90 days.")],
        [("h", "Mandatory training"),
         ("p", "Complete the DS-101 Drone Safety Basics course within 14 days of your start date. "
               "You may not enter the flight hall before you pass it."),
         ("p", "Security awareness training must be completed within 30 days.")],
        [("h", "Who to ask"),
         ("p", "Questions about pay and contracts go to People Operations at people@kestreldynamics.example."),
         ("p", "The flight hall is open 06:00 to 22:00 on weekdays.")],
    ],
}
WARRANTY = [
    ("Heading 1", "Warranty Policy"),
    ("Heading 2", "Standard warranty"),
    ("Normal", "Skylift and Scout drones carry a standard warranty of 24 months from delivery."),
    ("Normal", "BP-60 battery packs are covered for 12 months or 400 charge cycles, whichever comes first."),
    ("Heading 2", "KestrelCare+"),
    ("Normal", "The extended warranty KestrelCare+ extends cover to 3 years and includes one "
               "free crash repair per year. It costs 1,150 euros per drone."),
    ("Heading 2", "Exclusions"),
    ("Normal", "Damage from flying outside the 0 to 40 degrees Celsius operating range is not covered."),
]
TRAVEL = [
    ("Heading 1", "Travel and Expense Policy"),
    ("Heading 2", "Allowances"),
    ("Normal", "The daily allowance (per diem) is 52 euros for domestic travel and 78 euros abroad."),
    ("Normal", "Hotels may cost at most 160 euros per night; in Rotterdam and Austin the cap is 210 euros."),
    ("Heading 2", "Approvals"),
    ("Normal", "Trips are approved by your manager. Any trip costing more than 2,000 euros also "
               "needs approval from the CFO, Petra Lindqvist."),
    ("Heading 2", "Claims"),
    ("Normal", "Submit expense claims within 30 days of returning, with receipts attached."),
]


def pdf(spec: dict, path: Path) -> None:
    doc = FPDF()
    doc.set_title(spec["title"])
    for i, page in enumerate(spec["pages"]):
        doc.add_page()
        if i == 0:
            doc.set_font("Helvetica", "B", 16)
            doc.multi_cell(0, 10, spec["title"], new_x="LMARGIN", new_y="NEXT")
        for kind, text in page:
            doc.set_font("Helvetica", "B" if kind == "h" else "", 13 if kind == "h" else 11)
            doc.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
            doc.ln(2)
    doc.output(str(path))


def docx(paragraphs: list[tuple[str, str]], path: Path) -> None:
    d = Document()
    for style, text in paragraphs:
        d.add_paragraph(text, style=style)
    d.save(str(path))


if __name__ == "__main__":
    pdf(PRICING, ROOT / "pricing_2025.pdf")
    pdf(PRICING_UPDATE, ROOT / "updates" / "pricing_2025.pdf")
    pdf(ONBOARDING, ROOT / "onboarding_guide.pdf")
    docx(WARRANTY, ROOT / "warranty_policy.docx")
    docx(TRAVEL, ROOT / "travel_expense_policy.docx")
