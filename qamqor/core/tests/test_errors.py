"""The one refusal (core.errors.ServiceError) and how a page shows it (core.views.act)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.test import RequestFactory, SimpleTestCase

from qamqor.core.errors import ServiceError
from qamqor.core.views import act, explain


class Refusal(ServiceError):
    conflicts = frozenset({"locked"})
    messages = {"locked": "The list is locked."}


class NameForm(forms.Form):
    name = forms.CharField()


class Record:
    refreshed = 0

    def refresh_from_db(self) -> None:
        self.refreshed += 1


class Errors(SimpleTestCase):
    def test_a_state_conflict_answers_409_and_the_rest_422(self):
        self.assertEqual(Refusal("locked").status, 409)
        self.assertEqual(Refusal("bad_name", "No.").status, 422)
        self.assertEqual(Refusal("locked", status=400).status, 400)

    def test_the_words_come_from_the_subclass_and_the_payload_names_the_field(self):
        error = Refusal("locked", field="name", missing=["x"])
        self.assertEqual(
            error.payload(),
            {"code": "locked", "message": "The list is locked.", "field": "name", "missing": ["x"]},
        )
        self.assertNotIn("field", Refusal("bad_name", "No.").payload())

    def test_required_strips_and_refuses_nothing(self):
        self.assertEqual(Refusal.required("  yes ", "empty", "Say it."), "yes")
        with self.assertRaises(Refusal) as caught:
            Refusal.required("   ", "empty", "Say it.", "name")
        self.assertEqual((caught.exception.code, caught.exception.field), ("empty", "name"))


class Act(SimpleTestCase):
    def post(self) -> Any:
        request = RequestFactory().post("/x/", {"name": "Ali"})
        request._messages = CookieStorage(request)  # type: ignore[attr-defined]
        return request

    def again(self, form: Any) -> HttpResponse:
        self.shown = form
        return HttpResponse("page")

    def test_a_refusal_goes_on_its_field_the_record_is_read_again_and_the_page_is_422(self):
        def refuse(_data: dict[str, Any]) -> None:
            raise Refusal("bad_name", "Not this name.", "name")

        record = Record()
        response = act(
            self.post(), NameForm({"name": "Ali"}), refuse, success="Done.", then="/done/",
            again=self.again, refresh=record,
        )  # fmt: skip
        self.assertEqual(response.status_code, 422)
        self.assertEqual(record.refreshed, 1)
        self.assertEqual(self.shown.errors, {"name": ["Not this name."]})

    def test_a_refusal_of_no_field_of_the_form_goes_above_it(self):
        form = NameForm({"name": "Ali"})
        form.is_valid()
        explain(form, Refusal("locked", field="elsewhere"))
        self.assertEqual(form.non_field_errors(), ["The list is locked."])

    def test_success_says_so_and_redirects_by_the_result(self):
        request = self.post()
        response = act(
            request, NameForm({"name": "Ali"}), lambda data: data["name"],
            success=lambda name: f"Saved {name}.", then=lambda name: f"/done/{name}/",
            again=self.again,
        )  # fmt: skip
        self.assertEqual((response.status_code, response["Location"]), (302, "/done/Ali/"))
        self.assertEqual([str(m) for m in get_messages(request)], ["Saved Ali."])
