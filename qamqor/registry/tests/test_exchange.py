"""НОБД exchange: upload, check, preview, apply, re-import, errors, export, access."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import tempfile
from pathlib import Path
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from qamqor.accounts.access import get_scope
from qamqor.audit.models import AuditEvent
from qamqor.core import ids
from qamqor.registry.exchange import services
from qamqor.registry.exchange.columns import COLUMNS
from qamqor.registry.exchange.export import export_registry, write_xlsx
from qamqor.registry.exchange.models import ImportJob
from qamqor.registry.exchange.plan import PLACEHOLDER_NAME
from qamqor.registry.exchange.reader import read_sheet
from qamqor.registry.exchange.sample import sample_rows, write_sample_xlsx
from qamqor.registry.models import (
    Family,
    FamilyMember,
    Guardian,
    Income,
    Pupil,
    SchoolClass,
)
from qamqor.testing import PersonaTestCase

UPLOAD = reverse("registry:exchange:upload")


def file_rows(rows: list[dict], lang: str) -> tuple[list[str], list[list]]:
    return [c.header(lang) for c in COLUMNS], [[r.get(c.key) for c in COLUMNS] for r in rows]


def xlsx(rows: list[dict], lang: str = "kk") -> bytes:
    head, body = file_rows(rows, lang)
    return write_xlsx(head, body)


def csv_bytes(rows: list[dict], lang: str = "ru", delimiter: str = ";", encoding="utf-8-sig"):
    head, body = file_rows(rows, lang)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(head)
    for row in body:
        writer.writerow(
            [v.strftime("%d.%m.%Y") if isinstance(v, dt.date) else ("" if v is None else v)
             for v in row]
        )  # fmt: skip
    return out.getvalue().encode(encoding)


def pupil_row(**kw) -> dict:
    """One valid hand-made row (Russian spelling, so that cp1251 can carry it)."""
    birth, sex = kw.pop("birth_date", dt.date(2013, 5, 20)), kw.pop("sex", "M")
    mother = ids.make_iin(dt.date(1984, 2, 11), "F", kw.pop("mother_serial", 4321))
    row = {
        "pupil_iin": ids.make_iin(birth, sex, kw.pop("serial", 4000)),
        "surname": "Петров",
        "name": "Пётр",
        "patronymic": "Иванович",
        "birth_date": birth,
        "sex": sex,
        "grade": 6,
        "letter": "В",
        "shift": 2,
        "family_key": "F-100",
        "family_address": "г. Шымкент, ул. Мира, 5",
        "guardian1_iin": mother,
        "guardian1_surname": "Петрова",
        "guardian1_name": "Анна",
        "guardian1_relation": "мать",
        "guardian1_phone": "+77015550000",
        "guardian1_iban": ids.make_iban_kz("722", "4321"),
        "income_salary": 150000,
        "other_members": 1,
    }
    row.update(kw)
    return row


class ExchangeCase(PersonaTestCase):
    @classmethod
    def setUpClass(cls):
        # Uploads go to a directory of this test class, removed afterwards.
        cls.media = tempfile.mkdtemp(prefix="qamqor-exchange-")
        cls.media_settings = override_settings(MEDIA_ROOT=cls.media)
        cls.media_settings.enable()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.media_settings.disable()
        shutil.rmtree(cls.media, ignore_errors=True)

    def upload(self, data: bytes, name: str = "nobd.xlsx", school=None):
        self.login(self.pedagog)
        file = SimpleUploadedFile(name, data)
        response = self.client.post(UPLOAD, {"school": (school or self.school).pk, "file": file})
        self.assertEqual(response.status_code, 302, getattr(response, "content", b"")[:500])
        return ImportJob.objects.latest("pk")

    def apply(self, job: ImportJob) -> ImportJob:
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("registry:exchange:apply", args=[job.pk]))
        self.assertRedirects(response, reverse("registry:exchange:job", args=[job.pk]))
        job.refresh_from_db()
        return job

    def snapshot(self) -> dict:
        return {
            "pupils": sorted(Pupil.objects.values_list("pk", "updated_at", "school_class_id",
                                                       "family_id")),
            "families": sorted(Family.objects.values_list("pk", "updated_at", "nobd_key")),
            "guardians": sorted(Guardian.objects.values_list("pk", "surname", "phone", "iban")),
            "incomes": sorted(Income.objects.values_list("pk", "monthly_amount")),
            "members": sorted(FamilyMember.objects.values_list("pk", flat=True)),
            "classes": sorted(SchoolClass.objects.values_list("pk", "shift", "language")),
        }  # fmt: skip


class ImportFlow(ExchangeCase):
    def test_valid_xlsx_previews_then_applies(self):
        before = Pupil.objects.count()
        job = self.upload(xlsx(sample_rows(12, seed=3)))
        self.assertEqual(job.state, "validated", job.errors)
        self.assertEqual(job.summary["pupils_new"], 12)
        self.assertEqual(Pupil.objects.count(), before, "the preview writes nothing")
        page = self.client.get(reverse("registry:exchange:job", args=[job.pk]))
        self.assertContains(page, 'data-testid="import-counts"')
        self.assertContains(page, 'data-testid="apply"')
        stored = Path(job.file.path)
        self.assertTrue(stored.exists())
        self.assertEqual(stored.parent.name, "imports")

        job = self.apply(job)
        self.assertEqual(job.state, "applied")
        self.assertEqual(Pupil.objects.filter(school=self.school).count(), 3 + 12)
        self.assertFalse(stored.exists(), "the upload is deleted after apply")
        self.assertEqual(ImportJob.objects.get(pk=job.pk).file.name, "")
        pupil = Pupil.objects.get(iin=sample_rows(12, seed=3)[0]["pupil_iin"])
        self.assertTrue(pupil.family.nobd_key.startswith("F03-"))
        self.assertEqual(pupil.school_class.school, self.school)
        self.assertTrue(pupil.family.guardians.exists())
        event = AuditEvent.objects.get(action="import")
        self.assertEqual((event.school_id, event.user), (self.school.pk, self.pedagog))
        self.assertIn("+12", event.object_label)

    def test_same_file_again_changes_nothing(self):
        data = xlsx(sample_rows(15, seed=4))
        self.apply(self.upload(data))
        before = self.snapshot()
        job = self.apply(self.upload(data))
        self.assertEqual(job.state, "applied")
        self.assertEqual(job.summary["pupils_unchanged"], 15)
        for key in ("pupils_new", "pupils_updated", "families_new", "guardians_new"):
            self.assertEqual(job.summary.get(key, 0), 0, key)
        self.assertEqual(self.snapshot(), before)

    def test_one_bad_row_changes_nothing_and_names_row_and_column(self):
        rows = sample_rows(6, seed=5)
        good = rows[3]["pupil_iin"]
        rows[3]["pupil_iin"] = good[:11] + str((int(good[11]) + 1) % 10)
        before = self.snapshot()
        job = self.upload(xlsx(rows, lang="ru"))
        self.assertEqual(job.state, "failed")
        self.assertEqual(
            job.errors,
            [{"row": 5, "column": "pupil_iin", "code": "iin_invalid", "detail": "iin_checksum",
              "params": {}}],
        )  # fmt: skip
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(job.state, "failed")
        page = self.client.get(
            reverse("registry:exchange:job", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )
        self.assertContains(page, "ИИН ученика")  # the column as the file names it
        self.assertContains(page, "iin_invalid")
        self.assertContains(page, "check digit")
        report = self.client.get(reverse("registry:exchange:errors_xlsx", args=[job.pk]))
        sheet = load_workbook(io.BytesIO(report.content)).active
        self.assertEqual([c.value for c in sheet[2]][:3], [5, "ИИН ученика", "iin_invalid"])
        # and the service refuses it the same way, writing nothing
        with self.assertRaises(services.ImportInvalid):
            services.apply_import(self.pedagog, self.school, read_sheet(xlsx(rows)).rows)
        self.assertEqual(self.snapshot(), before)

    def test_cp1251_csv_with_semicolons(self):
        rows = [pupil_row(), pupil_row(serial=4100, name="Мария", sex="F",
                                       birth_date=dt.date(2015, 9, 1))]  # fmt: skip
        data = csv_bytes(rows, lang="ru", encoding="cp1251")
        with self.assertRaises(UnicodeDecodeError):
            data.decode("utf-8")
        job = self.apply(self.upload(data, "nobd.csv"))
        self.assertEqual(job.state, "applied", job.errors)
        pupil = Pupil.objects.get(iin=rows[0]["pupil_iin"])
        self.assertEqual(
            (pupil.surname, pupil.name, str(pupil.school_class)), ("Петров", "Пётр", "6В")
        )
        family = Family.objects.get(school=self.school, nobd_key="F-100")
        self.assertEqual(family.pupils.count(), 2)
        self.assertEqual(family.guardians.get().relation, "mother")
        self.assertEqual(list(family.incomes.values_list("source", "monthly_amount")),
                         [("salary", 150000)])  # fmt: skip
        self.assertEqual(family.others.get().full_name, PLACEHOLDER_NAME)

    def test_utf8_csv_with_commas_and_kazakh_headers(self):
        rows = [pupil_row(surname="Әбілқасым", name="Ұлжан", sex="F", guardian1_relation="анасы")]
        job = self.apply(self.upload(csv_bytes(rows, lang="kk", delimiter=","), "nobd.csv"))
        self.assertEqual(job.state, "applied", job.errors)
        self.assertEqual(Pupil.objects.get(iin=rows[0]["pupil_iin"]).surname, "Әбілқасым")

    def test_xlsx_with_numeric_iins_and_a_title_row(self):
        # Excel drops the leading zero of an IIN typed as a number (born in the 2000s).
        birth = dt.date(2008, 4, 2)
        row = pupil_row(birth_date=birth, serial=4200, grade=11)
        wb = Workbook()
        ws = wb.active
        ws.append(["НОБД: оқушылар тізімі"])
        head, body = file_rows([row], "en")
        ws.append(head)
        body[0][0] = int(row["pupil_iin"])
        self.assertTrue(row["pupil_iin"].startswith("0"))
        ws.append(body[0])
        buffer = io.BytesIO()
        wb.save(buffer)
        job = self.apply(self.upload(buffer.getvalue()))
        self.assertEqual(job.state, "applied", job.errors)
        self.assertTrue(Pupil.objects.filter(iin=row["pupil_iin"], birth_date=birth).exists())


class RowErrors(ExchangeCase):
    def errors_of(self, rows: list[dict]) -> set[tuple[int, str, str]]:
        job = self.upload(xlsx(rows))
        self.assertEqual(job.state, "failed")
        return {(e["row"], e["column"], e["code"]) for e in job.errors}

    def test_duplicate_iin_in_file(self):
        row = pupil_row()
        job = self.upload(xlsx([row, pupil_row(), pupil_row(serial=4500)]))
        self.assertEqual(job.state, "failed")
        self.assertEqual(
            [(e["row"], e["code"], e["params"]) for e in job.errors],
            [(3, "iin_duplicate_in_file", {"first_row": 2})],
        )

    def test_pupil_of_another_school_is_refused_without_naming_it(self):
        before = self.snapshot()
        job = self.upload(xlsx([pupil_row(pupil_iin=self.other_pupil.iin,
                                          birth_date=self.other_pupil.birth_date,
                                          sex=self.other_pupil.sex)]))  # fmt: skip
        self.assertEqual(job.state, "failed")
        self.assertEqual([(e["row"], e["code"]) for e in job.errors], [(2, "iin_other_school")])
        page = self.client.get(reverse("registry:exchange:job", args=[job.pk]))
        self.assertNotContains(page, self.other_school.name_kk)
        self.assertNotContains(page, self.other_school.name_ru)
        self.assertEqual(self.snapshot(), before)
        self.other_pupil.refresh_from_db()
        self.assertEqual(self.other_pupil.school, self.other_school)

    def test_row_checks_have_stable_codes(self):
        base = dict(serial=4600)
        rows = [
            pupil_row(birth_date=dt.date(2013, 5, 20), **base) | {"birth_date": "21.05.2013"},
            pupil_row(serial=4601) | {"sex": "Ж"},
            pupil_row(serial=4602, grade=12),
            pupil_row(serial=4603) | {"guardian1_iban": "KZ00722000000000004321"},
            pupil_row(serial=4604) | {"guardian1_relation": "сосед"},
            pupil_row(serial=4605) | {"surname": ""},
            pupil_row(serial=4606) | {"birth_date": "31.02.2013"},
            pupil_row(serial=4607) | {"pupil_iin": "12345"},
            pupil_row(serial=4608) | {"income_salary": "много"},
            pupil_row(serial=4609, family_key="F-200") | {"family_address": "другой адрес"},
        ]
        errors = self.errors_of(rows)
        self.assertEqual(
            errors,
            {
                (2, "birth_date", "iin_birth_date_mismatch"),
                (3, "sex", "iin_sex_mismatch"),
                (4, "grade", "grade_invalid"),
                (5, "guardian1_iban", "iban_invalid"),
                (6, "guardian1_relation", "relation_invalid"),
                (7, "surname", "required_missing"),
                (8, "birth_date", "date_invalid"),
                (9, "pupil_iin", "iin_invalid"),
                (10, "income_salary", "amount_invalid"),
            },
        )

    def test_family_rows_must_agree(self):
        rows = [pupil_row(), pupil_row(serial=4700, income_salary=99000)]
        self.assertEqual(self.errors_of(rows), {(3, "income_salary", "family_conflict")})

    def test_file_level_errors(self):
        job = self.upload(b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "old.xls")
        self.assertEqual([e["code"] for e in job.errors], ["file_xls"])
        head = "Фамилия;Имя;Класс\nИванов;Иван;5\n".encode()
        job = self.upload(head, "x.csv")
        self.assertEqual([(e["code"], e["column"]) for e in job.errors],
                         [("column_missing", "pupil_iin")])  # fmt: skip
        page = self.client.get(
            reverse("registry:exchange:job", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="kk"
        )
        self.assertContains(page, "Оқушының ЖСН")  # named in the reader's language (kk)


class Upserts(ExchangeCase):
    def test_registry_family_is_taken_over_by_its_key(self):
        rows = [
            pupil_row(pupil_iin=p.iin, surname=p.surname, name=p.name, patronymic="",
                      birth_date=p.birth_date, sex=p.sex, grade=p.school_class.grade,
                      letter=p.school_class.letter, shift=None, family_key="NOBD-77",
                      guardian1_iin="", guardian1_surname="", guardian1_name="",
                      guardian1_relation="", guardian1_phone="", guardian1_iban="",
                      income_salary=None, other_members=None, family_address="")
            for p in (self.pupil, self.sibling)
        ]  # fmt: skip
        counts = services.apply_import(self.pedagog, self.school, read_sheet(xlsx(rows)).rows)
        self.assertEqual(counts.get("families_new", 0), 0)
        self.assertEqual(counts.get("pupils_updated", 0), 0)
        self.family.refresh_from_db()
        self.assertEqual(self.family.nobd_key, "NOBD-77")
        self.pupil.refresh_from_db()
        self.assertEqual(self.pupil.patronymic, "Серікқызы", "a blank cell never erases")

    def test_latin_class_letter_is_the_cyrillic_class(self):
        row = pupil_row(grade=3, letter="a", shift=None)
        counts = services.apply_import(self.pedagog, self.school, read_sheet(xlsx([row])).rows)
        self.assertEqual(counts.get("classes_new", 0), 0)
        self.assertEqual(Pupil.objects.get(iin=row["pupil_iin"]).school_class, self.klass)

    def test_incomes_and_household_members(self):
        read = lambda rows: read_sheet(xlsx(rows)).rows  # noqa: E731
        row = pupil_row(other_members=2, income_pension=30000)
        services.apply_import(self.pedagog, self.school, read([row]))
        family = Family.objects.get(nobd_key="F-100")
        FamilyMember.objects.create(family=family, full_name="Петров Иван", relation="дед")
        self.assertEqual(family.others.count(), 3)
        row.update(other_members=1, income_salary=160000, income_pension=None)
        counts = services.apply_import(self.pedagog, self.school, read([row]))
        self.assertEqual(counts["incomes_changed"], 1)
        self.assertEqual(dict(family.incomes.values_list("source", "monthly_amount")),
                         {"salary": 160000})  # fmt: skip
        # Only the stand-ins go; the named grandfather stays although the file says 1.
        self.assertEqual(list(family.others.values_list("full_name", flat=True)), ["Петров Иван"])
        # A file without a pension column leaves the pension alone, whatever the salary says.
        Income.objects.create(family=family, source="pension", monthly_amount=40000)
        keep = [c for c in COLUMNS if c.key != "income_pension"]
        row.update(income_salary=170000)
        data = write_xlsx([c.header("ru") for c in keep], [[row.get(c.key) for c in keep]])
        services.apply_import(self.pedagog, self.school, read_sheet(data).rows)
        self.assertEqual(dict(family.incomes.values_list("source", "monthly_amount")),
                         {"salary": 170000, "pension": 40000})  # fmt: skip


class RoundTripAndQueries(ExchangeCase):
    def test_export_then_import_changes_nothing(self):
        services.apply_import(self.pedagog, self.school, read_sheet(xlsx(sample_rows(20))).rows)
        for lang in ("kk", "ru", "en"):
            with self.subTest(lang=lang):
                before = self.snapshot()
                data = export_registry(self.pedagog, self.school, lang)
                sheet = read_sheet(data)
                self.assertEqual(len(sheet.rows), 23)  # 20 imported + the 3 persona pupils
                counts = services.apply_import(self.pedagog, self.school, sheet.rows)
                self.assertEqual(counts["pupils_unchanged"], 23, counts)
                self.assertEqual(set(counts) - {"pupils_unchanged", "rows"}, set(), counts)
                self.assertEqual(self.snapshot(), before)
        self.assertEqual(AuditEvent.objects.filter(action="export").count(), 3)

    def test_export_view_is_audited_xlsx(self):
        self.login(self.pedagog)
        response = self.client.get(reverse("registry:exchange:export"))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Disposition"].startswith("attachment"))
        sheet = load_workbook(io.BytesIO(response.content)).active
        iins = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
        self.assertEqual(iins, {self.pupil.iin, self.sibling.iin, self.stranger.iin})
        event = AuditEvent.objects.get(action="export")
        self.assertEqual((event.user, event.school_id), (self.pedagog, self.school.pk))

    def queries(self, rows: list[dict]) -> int:
        sheet_rows = read_sheet(xlsx(rows)).rows
        # The audit row names the importer's role: their scope is read once per request.
        get_scope(self.pedagog).roles_by_school  # noqa: B018
        with CaptureQueriesContext(connection) as ctx:
            services.apply_import(self.pedagog, self.school, sheet_rows)
        return len(ctx.captured_queries)

    def test_query_count_does_not_grow_with_rows(self):
        # Every class of the sample exists, as the sample describes it, so the two measured
        # files have the same shape (new pupils, families, guardians, incomes, members) and
        # differ only in size.
        for grade in range(1, 12):
            for letter in "АӘБВГД":
                SchoolClass.objects.update_or_create(
                    school=self.school, grade=grade, letter=letter,
                    defaults={"shift": 1 if grade <= 4 or grade >= 9 else 2,
                              "language": "ru" if letter in "ГД" else "kk"},
                )  # fmt: skip
        small, large = sample_rows(8, seed=11), sample_rows(60, seed=12)
        first, second = self.queries(small), self.queries(large)
        self.assertEqual(first, second)
        self.assertLessEqual(second, 15)
        # Re-importing an unchanged file only reads, whatever its size.
        again_small, again_large = self.queries(small), self.queries(large)
        self.assertEqual(again_small, again_large)
        self.assertLessEqual(again_large, 10)

    def test_sample_file_generator(self):
        buffer = io.BytesIO()
        write_sample_xlsx(buffer, 40, seed=9)
        sheet = read_sheet(buffer.getvalue())
        self.assertEqual(len(sheet.rows), 40)
        self.assertEqual(services.preview_import(self.school, sheet.rows).errors, [])


class JobSteps(ExchangeCase):
    def test_the_worker_checks_the_file_and_polling_reads_nothing(self):
        rows = sample_rows(1100, seed=13)
        job = services.start_import(self.pedagog, self.school, "big.xlsx", xlsx(rows))
        self.assertEqual((job.state, job.total_rows, job.queued), ("parsing", 0, True))
        self.login(self.pedagog)
        url = reverse("registry:exchange:progress", args=[job.pk])
        with mock.patch.object(services, "read_sheet") as read:
            fragment = self.client.get(url)
            self.client.get(reverse("registry:exchange:job", args=[job.pk]))
        read.assert_not_called()
        self.assertContains(fragment, 'hx-trigger="every 1s"')
        self.assertContains(fragment, "<progress")
        job.refresh_from_db()
        self.assertEqual((job.state, job.reads), ("parsing", 0))

        job = services.advance(job.pk)  # the worker's task
        self.assertEqual((job.state, job.total_rows, job.done_rows), ("validated", 1100, 1100))
        self.assertEqual(job.summary["pupils_new"], 1100)
        response = self.client.get(url, HTTP_HX_REQUEST="true")
        self.assertTrue(response.get("HX-Refresh"))

    def test_a_held_lease_keeps_a_second_process_out(self):
        job = services.start_import(self.pedagog, self.school, "a.xlsx", xlsx([pupil_row()]))
        self.assertTrue(services._claim(job.pk))
        self.assertEqual(services.advance(job.pk).state, "parsing")  # someone else holds it
        ImportJob.objects.filter(pk=job.pk).update(lease_until=None)
        self.assertEqual(services.advance(job.pk).state, "validated")

    def test_cancel_deletes_the_upload(self):
        job = services.start_import(self.pedagog, self.school, "a.xlsx", xlsx([pupil_row()]))
        path = Path(job.file.path)
        self.assertTrue(path.exists())
        self.login(self.pedagog)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("registry:exchange:cancel", args=[job.pk]))
        self.assertRedirects(response, UPLOAD)
        job.refresh_from_db()
        self.assertEqual((job.state, job.file.name, job.preview), ("cancelled", "", []))
        self.assertFalse(path.exists())

    def test_a_new_upload_cancels_the_users_unfinished_one(self):
        first = self.upload(xlsx([pupil_row()]))
        second = self.upload(xlsx([pupil_row(serial=4800)]))
        first.refresh_from_db()
        self.assertEqual((first.state, first.file.name), ("cancelled", ""))
        self.assertEqual(second.state, "validated")

    def test_applied_job_cannot_be_applied_again(self):
        job = self.apply(self.upload(xlsx([pupil_row()])))
        self.assertEqual(job.state, "applied")
        self.apply(job)
        self.assertEqual(AuditEvent.objects.filter(action="import").count(), 1)


class Access(ExchangeCase):
    def test_only_registry_writers_of_the_school(self):
        job = self.upload(xlsx([pupil_row()]))
        job_url = reverse("registry:exchange:job", args=[job.pk])
        for persona in ("director", "board", "teacher", "canteen", "parent", "district_officer",
                        "nobody"):  # fmt: skip
            with self.subTest(persona=persona):
                self.login(getattr(self, persona))
                self.assertEqual(self.client.get(UPLOAD).status_code, 404)
                self.assertEqual(
                    self.client.get(reverse("registry:exchange:export")).status_code, 404
                )
                self.assertEqual(self.client.get(job_url).status_code, 404)
        self.login(self.admin)
        self.assertEqual(self.client.get(UPLOAD).status_code, 200)
        self.assertEqual(self.client.get(job_url).status_code, 200)
        self.assertFalse(AuditEvent.objects.filter(action="export").exists())

    def test_other_schools_pedagogue_gets_404(self):
        job = self.upload(xlsx([pupil_row()]))
        self.login(self.outsider)
        for name in ("job", "progress", "errors_xlsx"):
            url = reverse(f"registry:exchange:{name}", args=[job.pk])
            self.assertEqual(self.client.get(url).status_code, 404, name)
        for name in ("apply", "cancel"):
            url = reverse(f"registry:exchange:{name}", args=[job.pk])
            self.assertEqual(self.client.post(url).status_code, 404, name)
        job.refresh_from_db()
        self.assertEqual(job.state, "validated")
        response = self.client.get(reverse("registry:exchange:export"), {"school": self.school.pk})
        self.assertEqual(response.status_code, 404)

    def test_forged_school_in_the_upload_is_404(self):
        self.login(self.pedagog)
        file = SimpleUploadedFile("a.xlsx", xlsx([pupil_row()]))
        response = self.client.post(UPLOAD, {"school": self.other_school.pk, "file": file})
        self.assertIn(response.status_code, (200, 404))
        self.assertFalse(ImportJob.objects.exists())

    def test_empty_template_has_the_headers(self):
        self.login(self.pedagog)
        response = self.client.get(reverse("registry:exchange:template"), HTTP_ACCEPT_LANGUAGE="ru")
        sheet = load_workbook(io.BytesIO(response.content)).active
        self.assertEqual([c.value for c in sheet[1]], [c.ru for c in COLUMNS])
        self.assertEqual(sheet.max_row, 1)

    def test_upload_page_lists_the_format(self):
        self.login(self.pedagog)
        response = self.client.get(UPLOAD)
        self.assertContains(response, "ИИН ученика")
        self.assertContains(response, 'data-testid="upload-form"')
