"""Signing keys: kid, sealed private keys, rotation with a grace period, the memory cache."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from io import StringIO
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import TestCase, override_settings
from nacl.signing import VerifyKey

from qamqor.core import signing
from qamqor.core.models import SigningKey
from qamqor.testing import make_school

ALMATY = ZoneInfo("Asia/Almaty")
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=ALMATY)


class SigningKeyTests(TestCase):
    def setUp(self):
        signing.invalidate_cache()
        self.addCleanup(signing.invalidate_cache)
        traveller = time_machine.travel(NOW, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def test_kid_is_base64url_of_the_first_8_bytes_of_sha256(self):
        key = signing.rotate_key(41)
        public = bytes(key.public_key)
        expected = base64.urlsafe_b64encode(hashlib.sha256(public).digest()[:8]).rstrip(b"=")
        self.assertEqual(key.kid, expected.decode())
        self.assertEqual(len(key.kid), 11)
        self.assertEqual(len(public), 32)

    def test_the_private_key_is_stored_sealed(self):
        key = signing.rotate_key(41)
        signer = signing.signer_for(41)
        sealed = bytes(SigningKey.objects.get(pk=key.pk).sealed_private_key)
        self.assertNotIn(signer.seed, sealed)
        self.assertEqual(signing.unseal(sealed, key.purpose, key.kid), signer.seed)
        # Bound to its kid: a sealed key moved to another row does not open.
        with self.assertRaises(signing.SigningError):
            signing.unseal(sealed, key.purpose, "another-kid")

    def test_a_new_secret_key_with_the_old_one_as_fallback_still_opens_it(self):
        key = signing.rotate_key(41)
        sealed = bytes(key.sealed_private_key)
        with override_settings(SECRET_KEY="a-new-secret-" * 4, SECRET_KEY_FALLBACKS=[]):
            with self.assertRaises(signing.SigningError):
                signing.unseal(sealed, key.purpose, key.kid)
        from django.conf import settings

        old = settings.SECRET_KEY
        with override_settings(SECRET_KEY="a-new-secret-" * 4, SECRET_KEY_FALLBACKS=[old]):
            self.assertEqual(len(signing.unseal(sealed, key.purpose, key.kid)), 32)

    def test_signatures_verify_with_the_published_public_key(self):
        signer = signing.signer_for(41)
        signature = signer.sign(b"message")
        VerifyKey(signer.public_key).verify(b"message", signature)
        cached = signing.public_key(signer.kid)
        self.assertTrue(cached.verify(b"message", signature))
        self.assertFalse(cached.verify(b"other message", signature))
        self.assertFalse(cached.verify(b"message", b"\0" * 64))

    def test_the_first_signature_makes_the_schools_key_once(self):
        first = signing.signer_for(41)
        signing.invalidate_cache()
        self.assertEqual(signing.signer_for(41).kid, first.kid)
        self.assertEqual(SigningKey.objects.filter(school_id=41).count(), 1)
        self.assertEqual(signing.ensure_key(41).kid, first.kid)

    def test_one_active_key_per_school_and_purpose_in_the_database(self):
        signing.rotate_key(41)
        extra = signing._new_key(41, signing.MEAL_QR, NOW)
        with self.assertRaises(IntegrityError), transaction.atomic():
            extra.save()

    def test_rotation_keeps_the_old_key_for_the_grace_period(self):
        old = signing.rotate_key(41)
        new = signing.rotate_key(41)
        old.refresh_from_db()
        self.assertEqual(old.retired_at, NOW)
        self.assertEqual(old.verify_until, NOW + signing.GRACE)
        self.assertIsNone(new.retired_at)
        self.assertEqual(signing.signer_for(41).kid, new.kid)
        # At least the offline window plus a token's lifetime.
        self.assertGreaterEqual(signing.GRACE, signing.OFFLINE_WINDOW + signing.MAX_TOKEN_LIFETIME)
        self.assertEqual({k.kid for k in signing.published_keys()}, {old.kid, new.kid})
        cached = signing.public_key(old.kid)
        self.assertTrue(cached.verifies_at(NOW + signing.GRACE - dt.timedelta(seconds=1)))
        self.assertFalse(cached.verifies_at(NOW + signing.GRACE))
        with time_machine.travel(NOW + signing.GRACE + dt.timedelta(seconds=1), tick=False):
            self.assertEqual([k.kid for k in signing.published_keys()], [new.kid])

    def test_revoking_ends_the_old_key_at_once(self):
        old = signing.rotate_key(41)
        signing.rotate_key(41, revoke_previous=True)
        old.refresh_from_db()
        self.assertEqual(old.verify_until, NOW)
        self.assertFalse(signing.public_key(old.kid).verifies_at(NOW))
        self.assertNotIn(old.kid, {k.kid for k in signing.published_keys()})

    def test_verification_reads_keys_from_memory(self):
        signer = signing.signer_for(41)
        signing.public_key(signer.kid)
        with self.assertNumQueries(0):
            for _ in range(3):
                self.assertIsNotNone(signing.public_key(signer.kid))
                signing.signer_for(41)

    def test_an_unknown_kid_is_looked_up_once_then_remembered(self):
        with self.assertNumQueries(1):
            self.assertIsNone(signing.public_key("nosuchkid00"))
            self.assertIsNone(signing.public_key("nosuchkid00"))

    def test_a_key_of_another_purpose_is_not_returned(self):
        key = signing.rotate_key(41)
        self.assertIsNone(signing.public_key(key.kid, purpose="other"))
        with self.assertRaises(signing.SigningError):
            signing.rotate_key(41, "other")

    def test_a_rotation_in_this_process_clears_the_cache(self):
        first = signing.signer_for(41)
        second = signing.rotate_key(41)
        self.assertEqual(signing.signer_for(41).kid, second.kid)
        self.assertEqual(signing.public_key(first.kid).verify_until, NOW + signing.GRACE)

    def test_jwk_is_an_rfc8037_okp_key(self):
        key = signing.rotate_key(41)
        jwk = signing.jwk(key)
        self.assertEqual(
            set(jwk), {"kty", "crv", "x", "kid", "alg", "use", "school"}, "members of the JWK"
        )
        self.assertEqual(
            (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]), ("OKP", "Ed25519", "EdDSA", "sig")
        )
        self.assertNotIn("=", jwk["x"])
        self.assertEqual(base64.urlsafe_b64decode(jwk["x"] + "="), bytes(key.public_key))
        self.assertEqual(jwk["school"], 41)
        self.assertNotIn("d", jwk)


class RotateKeysCommandTests(TestCase):
    def setUp(self):
        signing.invalidate_cache()
        self.addCleanup(signing.invalidate_cache)

    def test_rotates_one_school_or_all(self):
        a, b = make_school(), make_school()  # each with its first key, made at setup
        out = StringIO()
        call_command("rotate_keys", stdout=out)
        self.assertIn(f"school {a.pk}: meal-qr key", out.getvalue())
        self.assertEqual(SigningKey.objects.filter(school_id__in=[a.pk, b.pk]).count(), 4)
        call_command("rotate_keys", "--school", str(a.pk), stdout=StringIO())
        self.assertEqual(SigningKey.objects.filter(school_id=a.pk).count(), 3)
        self.assertEqual(SigningKey.objects.filter(school_id=b.pk).count(), 2)
        self.assertEqual(
            SigningKey.objects.filter(school_id=a.pk, retired_at__isnull=True).count(), 1
        )

    def test_revoke_and_an_unknown_school(self):
        a = make_school()
        call_command("rotate_keys", "--school", str(a.pk), stdout=StringIO())
        out = StringIO()
        call_command("rotate_keys", "--school", str(a.pk), "--revoke", stdout=out)
        self.assertIn("revoked", out.getvalue())
        with self.assertRaises(CommandError):
            call_command("rotate_keys", "--school", "999999", stdout=StringIO())


class SigningKeyAdminTests(TestCase):
    def test_the_admin_lists_keys_read_only_without_the_private_key(self):
        from django.urls import reverse

        from qamqor.accounts.models import User

        signing.invalidate_cache()
        self.addCleanup(signing.invalidate_cache)
        key = signing.rotate_key(41)
        admin = User.objects.create_superuser("root", "root@example.org", "pw-root-123")
        self.client.force_login(admin)
        listing = self.client.get(reverse("admin:core_signingkey_changelist"))
        self.assertContains(listing, key.kid)
        page = self.client.get(reverse("admin:core_signingkey_change", args=[key.pk]))
        self.assertContains(page, key.kid)
        self.assertNotContains(page, "sealed")
        self.assertEqual(self.client.get(reverse("admin:core_signingkey_add")).status_code, 403)
