"""Sign-in throttling: by address and account strictly, by account softly; one answer and
one run of the password hasher whatever the reason for a refusal."""

import datetime as dt
import re
from unittest import mock

import time_machine
from django.contrib.auth.hashers import get_hasher
from django.test import override_settings
from django.urls import reverse

from qamqor.accounts.backends import dummy_hash
from qamqor.accounts.models import KnownAddress, LoginFailure
from qamqor.testing import PASSWORD, PersonaTestCase

START = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"')
A, B, C = "10.0.0.1", "10.0.0.2", "10.0.0.3"


class Throttle(PersonaTestCase):
    def setUp(self):
        super().setUp()
        self.clock = time_machine.travel(START, tick=False)
        self.clock.start()
        self.addCleanup(self.clock.stop)

    def attempt(self, username, password, address=A):
        self.client.logout()
        return self.client.post(
            reverse("accounts:login"),
            {"username": username, "password": password},
            REMOTE_ADDR=address,
        )

    def signed_in(self, response):
        return response.status_code == 302 and "_auth_user_id" in self.client.session

    def fail(self, n, username="pedagog", address=A):
        for _ in range(n):
            self.assertFalse(self.signed_in(self.attempt(username, "wrong-guess", address)))

    def test_five_failures_stop_that_address_for_that_account_not_others(self):
        self.fail(5)
        self.assertFalse(self.signed_in(self.attempt("pedagog", PASSWORD, A)))
        # The same account from another address: the legitimate user still gets in.
        self.assertTrue(self.signed_in(self.attempt("pedagog", PASSWORD, B)))
        # Another account from the first address is not held back either.
        self.assertTrue(self.signed_in(self.attempt("director", PASSWORD, A)))

    def test_the_pair_throttle_ends_with_the_window(self):
        self.fail(5)
        self.clock.stop()
        self.clock = time_machine.travel(START + dt.timedelta(minutes=16), tick=False)
        self.clock.start()
        self.assertTrue(self.signed_in(self.attempt("pedagog", PASSWORD, A)))

    def test_a_success_forgives_the_addresss_earlier_failures(self):
        self.fail(4)
        self.assertTrue(self.signed_in(self.attempt("pedagog", PASSWORD, A)))
        self.fail(4)
        self.assertTrue(self.signed_in(self.attempt("pedagog", PASSWORD, A)))

    @override_settings(LOGIN_LIMIT_PER_ADDRESS=8)
    def test_an_address_spraying_many_accounts_is_stopped(self):
        for name in ("a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"):
            self.fail(1, username=name, address=A)
        self.assertFalse(self.signed_in(self.attempt("director", PASSWORD, A)))
        self.assertTrue(self.signed_in(self.attempt("director", PASSWORD, B)))

    @override_settings(LOGIN_LIMIT_PER_ACCOUNT=6, LOGIN_ACCOUNT_BACKOFF_SECONDS=10)
    def test_many_addresses_on_one_account_meet_a_short_backoff_only(self):
        # The user signed in from C last week: C is a known address.
        self.clock.stop()
        with time_machine.travel(START - dt.timedelta(days=7), tick=False):
            self.assertTrue(self.signed_in(self.attempt("pedagog", PASSWORD, C)))
        self.clock.start()
        for i in range(6):
            self.fail(1, address=f"192.0.2.{i + 1}")
        # A fresh address right after the last failure waits a few seconds...
        self.assertFalse(self.signed_in(self.attempt("pedagog", PASSWORD, B)))
        # ...the known address does not wait at all...
        self.assertTrue(self.signed_in(self.attempt("pedagog", PASSWORD, C)))
        # ...and the fresh address gets in once the backoff has passed.
        self.clock.stop()
        self.clock = time_machine.travel(START + dt.timedelta(seconds=11), tick=False)
        self.clock.start()
        self.assertTrue(self.signed_in(self.attempt("pedagog", PASSWORD, B)))

    def test_unknown_wrong_and_throttled_answer_alike(self):
        self.fail(5, address=C)  # throttles C for pedagog
        answers = {
            "unknown user": self.attempt("no-such-user", "whatever", C),
            "wrong password": self.attempt("director", "wrong-guess", C),
            "throttled, right password": self.attempt("pedagog", PASSWORD, C),
        }
        self.nobody.is_active = False
        self.nobody.save()
        answers["inactive"] = self.attempt("nobody", PASSWORD, B)
        bodies = set()
        for case, response in answers.items():
            self.assertEqual(response.status_code, 200, case)
            self.assertContains(response, "Wrong username or password, or too many attempts")
            bodies.add(
                CSRF.sub(b"", response.content).replace(b"no-such-user", b"U")
                .replace(b"director", b"U").replace(b"pedagog", b"U").replace(b"nobody", b"U")
            )  # fmt: skip
            self.assertEqual(
                sorted(k for k in response.headers if k.lower() != "content-length"),
                sorted(k for k in answers["unknown user"].headers if k.lower() != "content-length"),
            )
        self.assertEqual(len(bodies), 1)

    def test_the_hasher_runs_once_for_every_kind_of_refusal_and_success(self):
        dummy_hash()  # made once per process, as in production (not counted)
        self.fail(5, address=C)
        hasher = type(get_hasher())  # the default: real hashes and the dummy alike
        cases = [
            ("no-such-user", "whatever", C),
            ("director", "wrong-guess", C),
            ("pedagog", PASSWORD, C),  # throttled: still checked, then refused
            ("pedagog", PASSWORD, B),  # the success
        ]
        for username, password, address in cases:
            with self.subTest(username=username, address=address):
                with mock.patch.object(
                    hasher, "verify", autospec=True, side_effect=hasher.verify
                ) as verify:
                    self.attempt(username, password, address)
                self.assertEqual(verify.call_count, 1)

    def test_nothing_is_stored_about_unknown_users_but_a_keyed_hash(self):
        self.attempt("my-secret-password", "x", A)
        failure = LoginFailure.objects.get()
        self.assertNotIn("my-secret-password", failure.account)
        self.assertEqual(len(failure.account), 64)
        self.assertEqual(failure.address, A)

    def test_ipv6_clients_are_counted_by_their_64(self):
        for i in range(5):
            self.fail(1, address=f"2001:db8:1:2::{i + 1}")
        self.assertFalse(self.signed_in(self.attempt("pedagog", PASSWORD, "2001:db8:1:2::99")))
        self.assertTrue(self.signed_in(self.attempt("pedagog", PASSWORD, "2001:db8:1:3::1")))
        self.assertTrue(KnownAddress.objects.filter(address="2001:db8:1:3::/64").exists())
