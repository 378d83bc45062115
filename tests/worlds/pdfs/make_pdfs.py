"""Regenerate this world's PDFs: `.venv/bin/python tests/worlds/pdfs/make_pdfs.py` (needs reportlab)."""

from pathlib import Path

from lookup.world.scenarios._pdf import Contact, annual_report, press_kit

HERE = Path(__file__).resolve().parent / "sites" / "www.brantleyfasteners.test"
ABOUT = [
    "Brantley Fasteners designs and makes engineered fasteners: structural bolts, blind "
    "rivets, threaded inserts and locking nuts for rail, wind energy and automotive customers.",
    "The company was founded in Sheffield in 1962 as a family business and opened its second "
    "plant in Ostrava, Czech Republic, in 2026. It employs 410 people and exports to 31 "
    "countries; 62 per cent of its sales are outside the United Kingdom.",
    "Every Brantley fastener is traceable to its batch of steel. The company's test centre in "
    "Sheffield is accredited to ISO/IEC 17025 and runs fatigue, corrosion and torque-tension "
    "tests for customers as well as for its own production.",
    "In 2025 Brantley won the supply contract for the fastening systems of two offshore wind "
    "farms in the North Sea and introduced a recyclable packaging range for its distributors.",
    "Brantley is owned by its founding family and its employees, who have held 30 per cent of "
    "the shares through an employee ownership trust since 2019.",
]
FACTS = ["Founded 1962, Sheffield", "Plants: Sheffield (UK), Ostrava (CZ)", "410 employees",
         "Revenue 2025: GBP 96 million", "Exports to 31 countries"]
CONTACTS = [
    Contact("Colin Pettigrew", "Head of Communications", "colin_pettigrew@brantleyfasteners.test",
            "+44 114 496 0721"),
    Contact("Dana Fairbairn", "Press Officer", "dana_fairbairn@brantleyfasteners.test",
            "+44 114 496 0722"),
]
TEAM = [
    Contact("Rupert Sandys", "Chief Executive Officer"),
    Contact("Helen Carrow", "Chief Financial Officer"),
    Contact("Agnes Whitlock", "Director of Supply Chain"),
    Contact("Tomasz Wrona", "Plant Director, Ostrava"),
    Contact("Colin Pettigrew", "Head of Communications"),
]
LETTER = [
    "2025 was the year in which Brantley became a company with two homes. Construction of the "
    "Ostrava plant finished on time, and the first rail orders were shipped from it in "
    "January. Sales rose by 11 per cent to GBP 96 million.",
    "Our order book for wind energy has never been longer. The offshore contracts we won in "
    "the spring will keep both plants busy into 2028, and they reward years of investment in "
    "our test centre.",
    "Steel prices stayed high for most of the year. We protected our margins by buying forward "
    "and by reducing scrap in heat treatment by a third.",
    "I thank our employees, who are also our shareholders, for a year of hard work.",
]

(HERE / "media").mkdir(parents=True, exist_ok=True)
(HERE / "media" / "brantley-press-kit-2026.pdf").write_bytes(press_kit(
    "Brantley Fasteners Ltd", date="2 March 2026", about=ABOUT, facts=FACTS, contacts=CONTACTS))
(HERE / "uploads" / "2026" / "03").mkdir(parents=True, exist_ok=True)
(HERE / "uploads" / "2026" / "03" / "Brantley-Annual-Report-2025.pdf").write_bytes(annual_report(
    "Brantley Fasteners Ltd", year=2025, letter=LETTER, team=TEAM, signed_by=TEAM[0]))
