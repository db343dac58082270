"""Canteen terminals: Bearer tokens bound to an operator (BIN) and a school."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from qamqor.accounts.models import ApiToken, Membership
from qamqor.meals import canteen_auth
from qamqor.meals.models import Redemption

from .redeem_base import BATCH_URL, NOW, URL, RedeemCase


class TerminalAuthTests(RedeemCase):
    def test_no_token_unknown_token_and_a_session_get_401(self):
        body = self.scan(self.voucher)
        response = self.client.post(URL, body, content_type="application/json")
        self.assertEqual((response.status_code, response.json()["code"]), (401, "unauthorized"))
        self.assertEqual(self.post(body, key="qmq_not-a-token").status_code, 401)
        self.client.force_login(self.canteen)  # a session is not a terminal
        response = self.client.post(URL, body, content_type="application/json")
        self.assertEqual(response.status_code, 401)
        for url in (URL, BATCH_URL):
            self.assertEqual(self.client.post(url).status_code, 401)
        self.assertFalse(Redemption.objects.exists())

    def test_a_token_of_someone_who_is_not_a_canteen_operator_gets_404(self):
        response = self.post(self.scan(self.voucher), key=self.pedagog_key)
        self.assertEqual((response.status_code, response.json()["code"]), (404, "not_found"))
        response = self.post({"scans": []}, key=self.pedagog_key, url=BATCH_URL)
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Redemption.objects.exists())

    def test_a_revoked_token_is_refused_at_once_in_this_process(self):
        self.assertEqual(self.redeem(self.voucher).status_code, 201)
        token = ApiToken.objects.get(user=self.canteen)
        token.revoked = True
        token.save(update_fields=["revoked"])
        self.assertEqual(self.redeem(self.sibling_voucher).status_code, 401)

    def test_a_revocation_made_elsewhere_counts_from_the_next_request(self):
        # Another process (the admin on another worker) revokes: no signal reaches this one.
        self.assertEqual(self.redeem(self.voucher).status_code, 201)
        ApiToken.objects.filter(user=self.canteen).update(revoked=True)
        self.assertEqual(self.redeem(self.sibling_voucher).status_code, 401)

    def test_an_expired_token_is_refused(self):
        ApiToken.objects.filter(user=self.canteen).update(expires_at=NOW - dt.timedelta(seconds=1))
        self.assertEqual(self.redeem(self.voucher).status_code, 401)

    def test_a_password_change_ends_the_terminal_token(self):
        self.assertEqual(self.redeem(self.voucher).status_code, 201)
        self.canteen.set_password("a-new-long-password-7")
        self.canteen.save()
        self.assertEqual(self.redeem(self.sibling_voucher).status_code, 401)

    def test_an_inactive_user_is_refused(self):
        self.canteen.is_active = False
        self.canteen.save(update_fields=["is_active"])
        self.assertEqual(self.redeem(self.voucher).status_code, 401)

    def test_the_token_is_resolved_by_one_query_every_time(self):
        def kinds(queries):
            # PostgreSQL: a statement prepared once per connection, then EXECUTE.
            words = [q["sql"].split()[0].upper() for q in queries.captured_queries]
            return ["SELECT" if w == "EXECUTE" else w for w in words if w != "PREPARE"]

        with CaptureQueriesContext(connection) as queries:
            terminal = canteen_auth.terminal_for_token(self.key)
        self.assertEqual(terminal.schools, {self.school.pk: self.operator.bin})
        # One lookup (and the hourly touch of last_used_at).
        self.assertEqual(kinds(queries), ["SELECT", "UPDATE"])
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(canteen_auth.terminal_for_token(self.key), terminal)
        self.assertEqual(kinds(queries), ["SELECT"])

    def test_a_membership_without_the_operators_bin_serves_nobody(self):
        Membership.objects.filter(user=self.canteen).update(organisation_bin="")
        response = self.redeem(self.voucher)
        self.assertEqual((response.status_code, response.json()["code"]), (422, "wrong_school"))

    def test_a_terminal_of_two_schools_serves_both(self):
        Membership.objects.create(
            user=self.canteen2, role="canteen", school=self.other_school,
            organisation_bin=self.rival.bin,
        )  # fmt: skip
        self.assertEqual(self.redeem(self.voucher, key=self.key2).status_code, 201)
        self.assertEqual(self.redeem(self.other_voucher, key=self.key2).status_code, 201)
