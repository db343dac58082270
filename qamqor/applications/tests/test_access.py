"""Every page and API operation of the app that needs an object, over every persona.

(tests/test_role_matrix.py covers the pages without objects; these need an application,
a document, a camp session and a place, which its fixture does not have.) Allowed personas
must not get 403/404/405; everyone else gets 404, the anonymous visitor the login page or 401.
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from qamqor.applications import services
from qamqor.applications.models import Channel, Service

from .base import ApplicationsTestCase, K, Status, almaty, paper_documents, pdf

W = {"pedagog", "admin"}
R = W | {"director", "board", "district_officer"}
PARENT = {"parent"}
ALL = {"pedagog", "director", "board", "teacher", "canteen", "parent", "district_officer",
       "admin", "outsider", "nobody"}  # fmt: skip


class AccessMatrix(ApplicationsTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.app = services.submit_application(
            cls.pedagog, cls.pupil, Service.FINANCIAL_AID, Channel.SCHOOL,
            received_at=almaty(2026, 3, 30, 11), documents=paper_documents(), category="asp",
            applicant=cls.guardian,
        )  # fmt: skip
        cls.doc = cls.app.documents.first()
        cls.refused = services.submit_application(
            cls.pedagog, cls.pupil, Service.FREE_MEALS, Channel.SCHOOL,
            received_at=almaty(2026, 3, 30, 11), documents=paper_documents(Service.FREE_MEALS),
        )  # fmt: skip
        services.start_review(cls.pedagog, cls.refused)
        services.refuse_application(cls.pedagog, cls.refused, "Құжат жарамсыз.")
        cls.appealed = services.submit_application(
            cls.pedagog, cls.sibling, Service.FREE_MEALS, Channel.SCHOOL,
            received_at=almaty(2026, 3, 30, 11),
            documents=paper_documents(Service.FREE_MEALS, K.BIRTH_CERTIFICATE),
        )  # fmt: skip
        services.start_review(cls.pedagog, cls.appealed)
        services.refuse_application(cls.pedagog, cls.appealed, "Құжат жарамсыз.")
        services.file_appeal(cls.parent, cls.appealed, "Келіспеймін.")
        cls.camp = services.create_camp(cls.pedagog, cls.school, "Балдаурен", "school")
        cls.session = services.add_camp_session(
            cls.pedagog, cls.camp, "1", dt.date(2026, 6, 1), dt.date(2026, 6, 14), 3
        )
        camp_app = services.submit_application(
            cls.pedagog, cls.pupil, Service.CAMP_VOUCHER, Channel.SCHOOL,
            received_at=almaty(2026, 3, 30, 11), documents=paper_documents(Service.CAMP_VOUCHER),
        )  # fmt: skip
        services.start_review(cls.pedagog, camp_app)
        services.approve_application(cls.pedagog, camp_app)
        services.allocate_camp_places(cls.pedagog, cls.session)
        cls.place = cls.session.allocations.get()
        cls.consultation = services.log_consultation(
            cls.pedagog, cls.family, topic="documents", outcome="follow_up",
            held_at=almaty(2026, 3, 20, 10), follow_up_on=dt.date(2026, 3, 25),
        )  # fmt: skip

    def _isolated(self, call, *args, **kwargs):
        with transaction.atomic():
            response = call(*args, **kwargs)
            transaction.set_rollback(True)
        return response

    def pages(self):
        a, d = self.app.pk, self.doc.pk
        return {
            "applications:detail": ([a], "GET", R | PARENT, {}),
            "applications:start_review": ([a], "POST", W, {}),
            "applications:request_documents": ([a], "POST", W, {"kinds": ["other"]}),
            "applications:approve": ([a], "POST", W, {}),
            "applications:refuse": ([a], "POST", W, {"reason": "x"}),
            "applications:upload": (
                [a], "POST", W | PARENT,
                {"kind": "other", "file": lambda: SimpleUploadedFile("a.pdf", pdf().read())},
            ),
            "applications:appeal": ([self.refused.pk], "POST", W | PARENT, {"text": "x"}),
            "applications:decide_appeal": (
                [self.appealed.pk], "POST", {"director", "admin"}, {"upheld": "1", "decision": "x"},
            ),
            "applications:document": ([d], "GET", R | PARENT, {}),
            "applications:session_new": (
                [self.camp.pk], "POST", W,
                {"name": "2", "starts_on": "2026-07-01", "ends_on": "2026-07-10", "places": 2},
            ),
            "applications:session": ([self.session.pk], "GET", R, {}),
            "applications:allocate": ([self.session.pk], "POST", W, {}),
            "applications:release": ([self.place.pk], "POST", W, {"reason": "x"}),
            "applications:follow_up_done": ([self.consultation.pk], "POST", W, {}),
        }  # fmt: skip

    def test_every_object_page_over_every_persona(self):
        for name, (args, method, allowed, data) in self.pages().items():
            url = reverse(name, args=args)
            for persona in sorted(ALL):
                self.client.force_login(getattr(self, persona))
                body = {k: (v() if callable(v) else v) for k, v in data.items()}
                if method == "GET":
                    response = self._isolated(self.client.get, url)
                else:
                    response = self._isolated(self.client.post, url, body)
                code = response.status_code
                if persona in allowed:
                    self.assertNotIn(code, (403, 404, 405), f"{persona} {name}: {code}")
                    self.assertLess(code, 500, f"{persona} {name}")
                else:
                    self.assertEqual(code, 404, f"{persona} {name}: {code}")
            self.client.logout()
            response = self.client.generic(method, url)
            self.assertEqual(response.status_code, 302, f"anonymous {name}")

    def operations(self):
        a, p = self.app.pk, self.pupil.pk
        return [
            ("GET", "/api/v1/services", ALL, None),
            ("GET", f"/api/v1/pupils/{p}/service-checklist?service=financial_aid&channel=school",
             W | PARENT, None),
            ("GET", "/api/v1/applications", ALL, None),
            ("POST", "/api/v1/applications", W,
             {"pupil_id": p, "service": "camp_voucher", "channel": "school",
              "received_at": "2026-03-31T10:00:00+05:00", "allow_incomplete": True}),
            ("GET", f"/api/v1/applications/{a}", R | PARENT, None),
            ("POST", f"/api/v1/applications/{a}/transitions", W, {"to": "under_review"}),
            ("POST", f"/api/v1/applications/{self.refused.pk}/transitions", W | PARENT,
             {"to": "appealed", "comment": "x"}),
            ("POST", f"/api/v1/applications/{self.appealed.pk}/transitions", {"director", "admin"},
             {"to": "refused", "comment": "x"}),
            ("POST", f"/api/v1/applications/{a}/documents", W | PARENT, "multipart"),
        ]  # fmt: skip

    def test_every_api_operation_over_every_persona(self):
        for method, path, allowed, body in self.operations():
            for persona in sorted(ALL):
                self.client.force_login(getattr(self, persona))
                if method == "GET":
                    response = self._isolated(self.client.get, path)
                elif body == "multipart":
                    upload = SimpleUploadedFile("a.pdf", pdf().read(), "application/pdf")
                    response = self._isolated(
                        self.client.post, path, {"kind": "other", "file": upload}
                    )
                else:
                    response = self._isolated(
                        self.client.post, path, json.dumps(body), content_type="application/json"
                    )
                code = response.status_code
                if persona in allowed:
                    self.assertNotIn(
                        code,
                        (401, 403, 404),
                        f"{persona} {method} {path}: {code} {response.content[:200]!r}",
                    )
                    self.assertLess(code, 500, f"{persona} {method} {path}")
                else:
                    self.assertEqual(
                        code, 404, f"{persona} {method} {path}: {code} {response.content[:200]!r}"
                    )
            self.client.logout()
            self.assertEqual(
                self.client.generic(method, path).status_code, 401, f"anonymous {path}"
            )

    def test_the_list_answers_each_row_of_its_page_as_the_single_view_does(self):
        self.client.force_login(self.pedagog)
        answer = self.client.get("/api/v1/applications", {"limit": 2, "offset": 1}).json()
        self.assertEqual(answer["count"], 4)
        self.assertEqual(len(answer["items"]), 2)
        for item in answer["items"]:
            single = self.client.get(f"/api/v1/applications/{item['id']}").json()
            self.assertEqual(item, single)
        self.assertTrue(any(item["documents"] for item in answer["items"]))

    def test_lists_show_only_what_each_persona_may_read(self):
        for persona, expected in (("pedagog", 4), ("district_officer", 4), ("parent", 4),
                                  ("teacher", 0), ("outsider", 0), ("canteen", 0)):  # fmt: skip
            self.client.force_login(getattr(self, persona))
            items = self.client.get("/api/v1/applications").json()["items"]
            self.assertEqual(len(items), expected, persona)
        self.assertEqual(Status.SUBMITTED, self.app.status)
