"""The service catalogue (seed 001): each service's passport and its document checklist.

Official names and document wording are kept in Kazakh and Russian as the rules word them
(with an English rendering for developers), so a consultation quotes the regulation itself;
headings and labels go through gettext like every other string. Pure data and pure
functions: no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from qamqor.core.workdays import LUNCH, WORK_END, WORK_START
from qamqor.eligibility.models import Category

from .models import (
    APPEAL_WORKING_DAYS,
    DECISION_WORKING_DAYS,
    PAPER_CHANNELS,
    PURCHASE_REPORT_DAYS,
    Channel,
    DocumentKind,
    Service,
    required_documents,
)


@dataclass(frozen=True)
class Text:
    """One official wording in the three languages; `str()` gives the active language's."""

    kk: str
    ru: str
    en: str

    def __str__(self) -> str:
        lang = (get_language() or "kk")[:2]
        return {"ru": self.ru, "en": self.en}.get(lang, self.kk)


NAMES = {
    Service.FINANCIAL_AID: Text(
        "Мемлекеттік білім беру ұйымдарының білім алушылары мен тәрбиеленушілеріне қаржылық "
        "және материалдық көмек көрсету",
        "Оказание финансовой и материальной помощи обучающимся и воспитанникам государственных "
        "организаций образования",
        "Financial and material assistance to pupils of state education organisations",
    ),
    Service.CAMP_VOUCHER: Text(
        "Жекелеген санаттағы білім алушылар мен тәрбиеленушілерге қала сыртындағы және мектеп "
        "жанындағы лагерьлерде демалыс беруге жолдама беру үшін құжаттарды қабылдау және жолдама "
        "беру",
        "Приём документов и выдача направлений на предоставление отдыха отдельным категориям "
        "обучающихся и воспитанников в загородных и пришкольных лагерях",
        "Accepting documents and issuing vouchers for rest in out-of-town and school camps to "
        "certain categories of pupils",
    ),
    Service.FREE_MEALS: Text(
        "Жалпы білім беретін мектептердегі білім алушылар мен тәрбиеленушілердің жекелеген "
        "санаттарына тегін және жеңілдетілген тамақтандыруды ұсыну",
        "Предоставление бесплатного и льготного питания отдельным категориям обучающихся и "
        "воспитанников в общеобразовательных школах",
        "Free and subsidised meals for certain categories of pupils of general schools",
    ),
}

RESULTS = {
    Service.FINANCIAL_AID: Text(
        "Көмек көрсету туралы хабарлама; ақша ата-ананың банк шотына аударылады. Ақша түскен "
        f"күннен бастап {PURCHASE_REPORT_DAYS} күн ішінде ата-ана мектеп құралдарын сатып "
        "алғаны туралы есеп береді (түбіртектер мен фотосуреттер).",
        "Уведомление об оказании помощи; деньги перечисляются на банковский счёт родителя. В "
        f"течение {PURCHASE_REPORT_DAYS} дней со дня получения денег родитель отчитывается о "
        "покупке школьных принадлежностей (чеки и фотографии).",
        "A notice of the aid granted; the money is transferred to the parent's bank account. "
        f"Within {PURCHASE_REPORT_DAYS} days of receiving it the parent reports the school "
        "supplies bought (receipts and photos).",
    ),
    Service.CAMP_VOUCHER: Text(
        "Қала сыртындағы немесе мектеп жанындағы лагерьге жолдама.",
        "Направление (путёвка) в загородный или пришкольный лагерь.",
        "A voucher to an out-of-town or school camp.",
    ),
    Service.FREE_MEALS: Text(
        "Тегін және жеңілдетілген тамақтандыруды ұсыну туралы хабарлама; бала айлық тізімге "
        "енгізіледі.",
        "Уведомление о предоставлении бесплатного и льготного питания; ребёнок включается в "
        "ежемесячный список.",
        "A notice that free or subsidised meals are granted; the child joins the monthly list.",
    ),
}
REFUSAL = Text(
    "Немесе бас тартудың себебі көрсетілген дәлелді жауап.",
    "Либо мотивированный ответ об отказе с указанием причины.",
    "Or a reasoned refusal that states the reason.",
)

# Document wording of seed 001 (the "main requirements" lists), per kind.
DOCUMENT_TEXTS: dict[str, Text] = {
    DocumentKind.APPLICATION_FORM: Text("өтініш", "заявление", "application"),
    DocumentKind.IDENTITY: Text(
        "жеке басын куәландыратын құжат немесе цифрлық құжаттар сервисінен электрондық құжат "
        "(жеке басын сәйкестендіру үшін)",
        "документ, удостоверяющий личность, либо электронный документ из сервиса цифровых "
        "документов (для идентификации личности)",
        "identity document, or the electronic document from the digital document service "
        "(to identify the applicant)",
    ),
    DocumentKind.BIRTH_CERTIFICATE: Text(
        "баланың (балалардың) туу туралы куәлігі электрондық нысанда немесе қағаз "
        "жеткізгіштегі көшірмесі",
        "свидетельство о рождении ребёнка (детей) в электронной форме либо копия на бумажном "
        "носителе",
        "the child's birth certificate, electronic or a paper copy",
    ),
    DocumentKind.MARRIAGE_CERTIFICATE: Text(
        "неке қию немесе некені бұзу туралы куәліктің көшірмесі",
        "копия свидетельства о заключении или расторжении брака",
        "copy of the marriage or divorce certificate",
    ),
    DocumentKind.MEDICAL_071: Text(
        "№ 071/у нысанына сәйкес сауықтыру лагеріне баратын оқушыға арналған медициналық "
        "анықтама (ҚР ДСМ-175/2020 бұйрығы)",
        "медицинская справка на ребёнка, отъезжающего в оздоровительный лагерь, по форме "
        "№ 071/у (приказ № ҚР ДСМ-175/2020)",
        "medical certificate form 071/у for a pupil going to a health camp (order ҚР ДСМ-175/2020)",
    ),
}
PORTAL_APPLICATION = Text(
    "көрсетілетін қызметті алушының ЭЦҚ-мен қол қойылған немесе бір реттік парольмен "
    "расталған электрондық өтініш",
    "электронное заявление, удостоверенное ЭЦП услугополучателя либо одноразовым паролем",
    "electronic application signed with the applicant's ЭЦҚ or confirmed by a one-time password",
)
CONDITIONS: dict[str, Text] = {
    DocumentKind.BIRTH_CERTIFICATE: Text(
        "АХАЖ ақпараттық жүйесінде мәліметтер болмаған жағдайда не бала Қазақстан "
        "Республикасынан тыс жерде туған болса",
        "при отсутствии сведений в информационной системе ЗАГС либо если ребёнок родился за "
        "пределами Республики Казахстан",
        "only if the civil registry (АХАЖ) has no record or the child was born abroad",
    ),
    DocumentKind.MARRIAGE_CERTIFICATE: Text(
        "АХАЖ ақпараттық жүйесінде мәліметтер болмаған жағдайда",
        "при отсутствии сведений в информационной системе ЗАГС",
        "only if the civil registry (АХАЖ) has no record",
    ),
    DocumentKind.MEDICAL_071: Text(
        "сауықтыру лагеріне баратын бала үшін",
        "для ребёнка, отъезжающего в оздоровительный лагерь",
        "for the child going to the camp",
    ),
}
# The document that proves each category (seed 001; eligibility.EXPECTED_EVIDENCE).
CATEGORY_DOCUMENTS: dict[str, Text] = {
    Category.ASP: Text(
        "жергілікті атқарушы органдар беретін атаулы әлеуметтік көмек алушылар қатарына "
        "жататынын растайтын анықтама",
        "справка, подтверждающая принадлежность к получателям адресной социальной помощи, "
        "выдаваемая местными исполнительными органами",
        "certificate of the local executive body that the family receives АӘК",
    ),
    Category.BELOW_SUBSISTENCE: Text(
        "табыстары туралы құжаттар (ата-анасының немесе оларды алмастыратын тұлғалардың "
        "жалақысы туралы анықтама, кәсіпкерлік және өзге де қызмет түрлерінен түсетін "
        "табыстар, алименттер және басқа да кірістер)",
        "документы о доходах (справка о заработной плате родителей или лиц, их заменяющих, "
        "доходы от предпринимательской и других видов деятельности, алименты и другие доходы)",
        "income documents (salary certificates of the parents or those replacing them, "
        "business and other income, alimony and other income)",
    ),
    Category.ORPHAN: Text(
        "қорғаншылық (қамқоршылық), патронаттық тәрбиені бекіту туралы уәкілетті органның шешімі",
        "решение уполномоченного органа об установлении опеки (попечительства), патронатного "
        "воспитания",
        "decision of the authorised body on guardianship (trusteeship) or patronage",
    ),
    Category.EMERGENCY: Text(
        "отбасының материалдық-тұрмыстық жағдайын тексеру негізінде алқалы органның шешімі",
        "решение коллегиального органа на основании обследования материально-бытового "
        "положения семьи",
        "decision of the board of trustees after an inspection of the family's living conditions",
    ),
}
CATEGORY_DOCUMENTS[Category.OTHER] = CATEGORY_DOCUMENTS[Category.EMERGENCY]
CATEGORY_DOCUMENT_ANY = Text(
    "мәртебесін растайтын құжаттың көшірмесі",
    "копия документа, подтверждающего статус",
    "copy of the document confirming the category",
)


@dataclass(frozen=True)
class ChecklistItem:
    kind: str
    text: object  # Text or a lazy string
    condition: object | None = None
    present: bool = False

    @property
    def label(self) -> str:
        return str(DocumentKind(self.kind).label)


def document_text(kind: str, channel: str, category: str = "") -> object:
    if kind == DocumentKind.APPLICATION_FORM and channel == Channel.PORTAL:
        return PORTAL_APPLICATION
    if kind == DocumentKind.CATEGORY_DOCUMENT:
        return CATEGORY_DOCUMENTS.get(category, CATEGORY_DOCUMENT_ANY)
    return DOCUMENT_TEXTS.get(kind, DocumentKind(kind).label)


def checklist(
    service: str,
    channel: str,
    *,
    category: str = "",
    needs_birth_certificate: bool,
    needs_marriage_certificate: bool,
    present: AbstractSet[str] = frozenset(),
) -> list[ChecklistItem]:
    """The documents one family must give, worded as the rules word them."""
    kinds = required_documents(
        service,
        channel,
        needs_birth_certificate=needs_birth_certificate,
        needs_marriage_certificate=needs_marriage_certificate,
    )
    return [
        ChecklistItem(
            kind=k,
            text=document_text(k, channel, category),
            condition=CONDITIONS.get(k),
            present=k in present,
        )
        for k in kinds
    ]


@dataclass(frozen=True)
class ChannelDocuments:
    channel: str
    label: object
    items: list[ChecklistItem] = field(default_factory=list)
    note: object = ""


@dataclass(frozen=True)
class Passport:
    service: str
    name: Text
    result: Text
    working_days: int
    documents: list[ChannelDocuments]

    @property
    def label(self) -> str:
        return str(Service(self.service).label)

    @property
    def refusal(self) -> Text:
        return REFUSAL

    @property
    def appeal_working_days(self) -> int:
        return APPEAL_WORKING_DAYS

    @property
    def categories(self) -> list[tuple[str, str, Text]]:
        """Who may receive it (seed 001: the five categories) and what proves each."""
        return [(c.value, str(c.label), CATEGORY_DOCUMENTS[c]) for c in Category]


HOURS = {
    "start": WORK_START,
    "end": WORK_END,
    "lunch_start": LUNCH[0],
    "lunch_end": LUNCH[1],
}


def passport(service: str) -> Passport:
    """The passport of one service: all documents, the conditional ones marked."""
    paper = checklist(
        service, Channel.SCHOOL, needs_birth_certificate=True, needs_marriage_certificate=True
    )
    portal = checklist(
        service, Channel.PORTAL, needs_birth_certificate=True, needs_marriage_certificate=True
    )
    return Passport(
        service=service,
        name=NAMES[Service(service)],
        result=RESULTS[Service(service)],
        working_days=DECISION_WORKING_DAYS[Service(service)],
        documents=[
            ChannelDocuments(
                "paper", _("On paper: at the school or at ЦОН (State Corporation)"), paper
            ),
            ChannelDocuments(
                Channel.PORTAL,
                _("Through the eGov portal"),
                portal,
                _(
                    "No paper copy of the identity document: the portal identifies the applicant "
                    "through the digital document service."
                ),
            ),
        ],
    )


def passports() -> list[Passport]:
    return [passport(s) for s in Service]


def receipt_rule(received: dt.datetime, counted_from: dt.date) -> bool:
    """Whether an application was counted from a later day than it arrived (after hours)."""
    from django.utils import timezone

    return timezone.localdate(received) != counted_from


__all__ = [
    "CATEGORY_DOCUMENTS",
    "ChecklistItem",
    "HOURS",
    "NAMES",
    "PAPER_CHANNELS",
    "Passport",
    "Text",
    "checklist",
    "passport",
    "passports",
    "receipt_rule",
]
