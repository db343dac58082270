"""НОБД import of hostile files: refused by the worker at a limit, never re-read by a page."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from qamqor.core.tabular import write_xlsx
from qamqor.registry.exchange import reader, services
from qamqor.registry.exchange.models import ImportJob
from qamqor.registry.models import Pupil

from .test_exchange import ExchangeCase, file_rows, pupil_row, xlsx


def rows_of(n: int, **kw) -> list[dict]:
    return [pupil_row(serial=4000 + 10 * i, **kw) for i in range(n)]


class HostileFiles(ExchangeCase):
    def refused(self, data: bytes, code: str) -> ImportJob:
        before = Pupil.objects.count()
        job = self.upload(data)
        self.assertEqual(job.state, "failed")
        self.assertEqual([e["code"] for e in job.errors], [code], job.errors)
        self.assertEqual(Pupil.objects.count(), before, "nothing imported")
        self.assertEqual(job.file.name, "", "the upload is not kept")
        # Opening the job's page (and polling it) never reads a file again.
        with (
            mock.patch.object(reader, "read_table") as read,
            mock.patch.object(services, "read_sheet") as read_sheet,
        ):
            page = self.client.get(reverse("registry:exchange:job", args=[job.pk]))
            self.client.get(reverse("registry:exchange:progress", args=[job.pk]))
            self.assertEqual(services.advance(job.pk).state, "failed")
        read.assert_not_called()
        read_sheet.assert_not_called()
        self.assertContains(page, f"<code>{code}</code>")
        return job

    @override_settings(UPLOAD_MAX_UNPACKED_BYTES=100_000)
    def test_a_file_that_unpacks_past_the_limit(self):
        # A few rows whose sheet XML is larger than the (lowered) limit: the zip bomb in small.
        rows = rows_of(4)
        for i, row in enumerate(rows):
            row["family_address"] = f"{i}" + "қ" * 1_900
            row["guardian1_surname"] = f"{i}" + "ә" * 1_900
        head, body = file_rows(rows, "kk")
        for k in range(10):  # the same rows again in more columns: XML, not new pupils
            head.append(f"бағана {k}")
            for line in body:
                line.append(f"{k}" + "x" * 1_900)
        data = write_xlsx(head, body)
        self.assertLess(len(data), 100_000 // 4, "small on the wire")
        job = self.refused(data, "file_unpacked_too_large")
        self.assertEqual(job.errors[0]["params"], {"max_mb": 0})
        url = reverse("registry:exchange:job", args=[job.pk])
        for lang, words in (("ru", "В распакованном виде файл больше 0 МБ"),
                            ("kk", "Файл ашылғанда 0 МБ-тан асады")):  # fmt: skip
            self.assertContains(self.client.get(url, HTTP_ACCEPT_LANGUAGE=lang), words)

    @override_settings(TABLE_MAX_CELL_CHARS=50)
    def test_a_cell_past_the_cell_limit_names_its_row_and_column(self):
        rows = rows_of(3)
        rows[1]["surname"] = "Ж" * 51
        job = self.refused(xlsx(rows), "cell_too_long")
        self.assertEqual((job.errors[0]["row"], job.errors[0]["column"]), (3, "surname"))

    @override_settings(TABLE_MAX_TEXT_CHARS=2_000)
    def test_text_of_all_cells_past_the_budget(self):
        self.refused(xlsx(rows_of(20)), "file_text_too_large")

    @override_settings(TABLE_MAX_ROWS=5)
    def test_rows_past_the_limit(self):
        self.refused(xlsx(rows_of(6)), "too_many_rows")

    def test_a_job_whose_worker_died_reading_is_failed_without_reading(self):
        # The worker started reading (reads=1) and was killed: its lease ran out.
        job = services.start_import(self.pedagog, self.school, "a.xlsx", xlsx(rows_of(2)))
        ImportJob.objects.filter(pk=job.pk).update(
            reads=1, lease_until=timezone.now() - dt.timedelta(seconds=1)
        )
        self.login(self.pedagog)
        with mock.patch.object(services, "read_sheet") as read:
            page = self.client.get(reverse("registry:exchange:job", args=[job.pk]))
        read.assert_not_called()
        self.assertContains(page, "<code>job_interrupted</code>")
        job.refresh_from_db()
        self.assertEqual((job.state, job.file.name), ("failed", ""))

    def test_the_worker_does_not_read_a_file_a_second_time(self):
        # The task ran again (the queue retried it) after a read that never ended.
        job = services.start_import(self.pedagog, self.school, "a.xlsx", xlsx(rows_of(2)))
        ImportJob.objects.filter(pk=job.pk).update(reads=1)
        with mock.patch.object(services, "read_sheet") as read:
            job = services.advance(job.pk)
        read.assert_not_called()
        self.assertEqual([e["code"] for e in job.errors], ["job_interrupted"])
        self.assertEqual(Pupil.objects.filter(iin=rows_of(1)[0]["pupil_iin"]).count(), 0)

    def test_a_job_waiting_for_the_worker_is_left_alone(self):
        job = services.start_import(self.pedagog, self.school, "a.xlsx", xlsx(rows_of(2)))
        self.login(self.pedagog)
        page = self.client.get(reverse("registry:exchange:job", args=[job.pk]))
        self.assertContains(page, 'data-testid="job-progress"')
        job.refresh_from_db()
        self.assertEqual(job.state, "parsing")
        self.assertEqual(services.advance(job.pk).state, "validated")
