"""Small but real PDF documents for a handful of the demo's category assignments.

The demo shows evidence that opens: an АӘК certificate, an income statement, a guardianship
decision, a home inspection report and a board decision. They are rendered with WeasyPrint
(already a dependency for the school's documents) from a few lines of HTML; one document
takes about 10 ms, so only the first family of each category gets them and the load stays
fast. The texts are the documents' own, in Kazakh, as a district body would issue them.
"""

from __future__ import annotations

from django.utils.html import escape

from .records import Category

_PAGE = """<!doctype html><html lang="kk"><head><meta charset="utf-8"><style>
@page {{ size: A5; margin: 14mm }}
body {{ font-family: "DejaVu Sans", sans-serif; font-size: 10pt; line-height: 1.4 }}
.issuer {{ text-align: center; font-weight: bold; text-transform: uppercase; font-size: 9pt }}
h1 {{ text-align: center; font-size: 12pt; margin: 8mm 0 5mm }}
.note {{ margin-top: 12mm; color: #666; font-size: 7.5pt }}
</style></head><body>
<p class="issuer">{issuer}</p>
<h1>{title}</h1>
{paragraphs}
<p class="note">Демонстрациялық құжат: Qamqor демо-деректері, нақты адамға қатысы жоқ.</p>
</body></html>"""


def _html(issuer: str, title: str, lines: list[str]) -> str:
    paragraphs = "\n".join(f"<p>{escape(line)}</p>" for line in lines if line)
    return _PAGE.format(issuer=escape(issuer), title=escape(title), paragraphs=paragraphs)


def documents(category: Category, children: str, guardian_name: str) -> list[tuple[str, str]]:
    """(model EvidenceKind value, HTML) of the documents that prove `category`.

    `children`: the full names of the family's children the documents concern.
    """
    c = category
    when = f"{c.evidence_date:%d.%m.%Y}" if c.evidence_date else ""
    if c.category == "asp":
        return [("asp_certificate", _html(c.evidence_issuer_kk, c.evidence_kk, [
            f"{guardian_name} отбасына мемлекеттік атаулы әлеуметтік көмек тағайындалғаны "
            f"туралы анықтама. Отбасындағы оқушылар: {children}.",
            f"Берілген күні: {when}.",
        ]))]  # fmt: skip
    if c.category == "below_subsistence":
        return [("income", _html("НОБД", c.evidence_kk, [
            f"Отбасы: {guardian_name}. Оқушылар: {children}.",
            "Отбасының соңғы үш айдағы табысы туралы анықтамалар қоса беріледі.",
        ]))]  # fmt: skip
    if c.category == "orphan":
        return [("guardianship", _html(c.evidence_issuer_kk, c.evidence_kk, [
            f"Кәмелетке толмаған {children} үшін {guardian_name} қорғаншы "
            f"(қамқоршы) болып тағайындалсын.",
            f"Қаулы күні: {when}.",
        ]))]  # fmt: skip
    inspected = f"{c.inspection_date:%d.%m.%Y}" if c.inspection_date else ""
    out = []
    if inspected:
        out.append(("inspection", _html(c.evidence_issuer_kk, "Тұрмыс жағдайын тексеру актісі", [
            f"Тексерілген күні: {inspected}. Отбасы: {guardian_name}. Оқушылар: {children}.",
            f"Қорытынды: {c.basis_kk}; отбасы көмекке мұқтаж.",
        ])))  # fmt: skip
    if c.evidence_kk:
        out.append(("board_decision", _html(c.evidence_issuer_kk, c.evidence_kk, [
            f"{children} «өзге санат» бойынша қолдауға құқылы деп танылсын. "
            f"Негізі: {c.basis_kk}.",
            f"Шешім күні: {when}.",
        ])))  # fmt: skip
    return out
