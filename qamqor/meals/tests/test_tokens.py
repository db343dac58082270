"""The meal QR token: a standard CWT, checked against independent decoders, and every refusal."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import base45
import cbor2
import time_machine
from cwt import COSE, COSEKey
from django.test import TestCase
from nacl.signing import SigningKey as NaclSigningKey
from nacl.signing import VerifyKey

from qamqor.core import signing
from qamqor.meals import tokens
from qamqor.meals.tokens import TokenError, issue_token, verify_token

ALMATY = ZoneInfo("Asia/Almaty")
NOW = dt.datetime(2026, 11, 20, 12, 30, tzinfo=ALMATY)
SCHOOL = 7
REF = uuid.UUID("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b")


def forge(claims: dict, kid: str, private: NaclSigningKey, protected: dict | None = None) -> str:
    """A COSE_Sign1 built independently of the code under test (cbor2 + PyNaCl)."""
    header = cbor2.dumps(protected if protected is not None else {1: -8, 4: kid.encode()})
    payload = cbor2.dumps(claims)
    to_sign = cbor2.dumps(["Signature1", header, b"", payload])
    signature = private.sign(to_sign).signature
    raw = cbor2.dumps(cbor2.CBORTag(18, [header, {}, payload, signature]))
    return base45.b45encode(raw).decode()


def claims_at(moment: dt.datetime, lifetime: int = 300, extra: dict | None = None) -> dict:
    iat = int(moment.timestamp())
    claims = {
        1: str(SCHOOL),
        2: str(REF),
        4: iat + lifetime,
        6: iat,
        7: b"0123456789abcdef",
        -65537: 99,
        -65538: "lunch",
    }
    claims.update(extra or {})
    return claims


class TokenTests(TestCase):
    def setUp(self):
        signing.invalidate_cache()
        self.addCleanup(signing.invalidate_cache)
        traveller = time_machine.travel(NOW, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def issue(self, **kw) -> tokens.IssuedToken:  # noqa: ANN003
        args = {
            "school_id": SCHOOL,
            "pupil_ref": REF,
            "voucher_id": 99,
            "meal_type": "lunch",
            "now": NOW,
        }
        args.update(kw)
        return issue_token(**args)

    def code(self, text: str, at: dt.datetime = NOW) -> str:
        with self.assertRaises(TokenError) as caught:
            verify_token(text, at)
        return caught.exception.code

    # --- the round trip and the layout ---------------------------------------------------

    def test_round_trip(self):
        issued = self.issue()
        claims = verify_token(issued.text, NOW)
        self.assertEqual(claims.school_id, SCHOOL)
        self.assertEqual(claims.pupil_ref, REF)
        self.assertEqual(claims.voucher_id, 99)
        self.assertEqual(claims.meal_type, "lunch")
        self.assertEqual(claims.issued_at, NOW)
        self.assertEqual(claims.expires_at, NOW + dt.timedelta(minutes=5))
        self.assertEqual(claims.expires_at, issued.expires_at)
        self.assertEqual(claims.kid, issued.kid)
        self.assertEqual(claims.token_id, issued.token_id)
        self.assertEqual(len(claims.token_id), 32)
        # The RFC 8392 names, as the redemption code may read them.
        self.assertEqual((claims.iss, claims.sub), (str(SCHOOL), str(REF)))
        self.assertEqual(claims.cti.hex(), claims.token_id)

    def test_the_text_is_base45_for_an_alphanumeric_qr(self):
        text = self.issue().text
        self.assertTrue(set(text) <= set(base45.BASE45_CHARSET))
        self.assertLess(len(text), 400)
        svg = tokens.qr_svg(text)
        self.assertTrue(svg.startswith("<svg"))
        self.assertIn('class="qr-svg"', svg)
        self.assertNotIn("width=", svg.split(">")[0])

    def test_the_layout_is_a_cose_sign1_with_the_kid_protected(self):
        issued = self.issue()
        message = cbor2.loads(base45.b45decode(issued.text))
        self.assertIsInstance(message, cbor2.CBORTag)
        self.assertEqual(message.tag, 18)  # COSE_Sign1, not wrapped in the CWT tag 61
        protected, unprotected, payload, signature = message.value
        self.assertEqual(cbor2.loads(protected), {1: -8, 4: issued.kid.encode()})
        self.assertEqual(unprotected, {})
        self.assertEqual(len(signature), 64)
        claims = cbor2.loads(payload)
        self.assertEqual(set(claims), {1, 2, 4, 6, 7, -65537, -65538})
        self.assertEqual(claims[1], str(SCHOOL))
        self.assertEqual(claims[2], str(REF))
        self.assertEqual(claims[4] - claims[6], 300)
        self.assertIsInstance(claims[7], bytes)
        self.assertEqual((claims[-65537], claims[-65538]), (99, "lunch"))

    def test_every_token_has_its_own_nonce(self):
        self.assertNotEqual(self.issue().token_id, self.issue().token_id)

    def test_the_jwk_verifies_the_token_with_cwt(self):
        """The published JWK, imported by the `cwt` package, verifies our token: the path a
        third-party COSE library takes."""
        issued = self.issue()
        jwk = signing.jwk(signing.active_key(SCHOOL))
        key = COSEKey.from_jwk({k: v for k, v in jwk.items() if k != "school"})
        protected, _unprotected, payload = COSE.new(verify_kid=True).decode_with_headers(
            base45.b45decode(issued.text), key
        )
        self.assertEqual(protected[4], jwk["kid"].encode())
        self.assertEqual(cbor2.loads(payload)[-65537], 99)

    def test_the_jwk_x_verifies_the_signature_with_pynacl(self):
        """What the browser does with WebCrypto: the raw key from `x`, the Sig_structure."""
        issued = self.issue()
        jwk = signing.jwk(signing.active_key(SCHOOL))
        x = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
        protected, _u, payload, signature = cbor2.loads(base45.b45decode(issued.text)).value
        VerifyKey(x).verify(cbor2.dumps(["Signature1", protected, b"", payload]), signature)

    def test_a_token_signed_by_cwt_from_the_jwk_side_verifies_here(self):
        """The other direction: a token made by another COSE implementation with the
        school's key verifies with verify_token."""
        signer = signing.signer_for(SCHOOL)
        key = COSEKey.new(
            {1: 1, -1: 6, -2: signer.public_key, -4: signer.seed, 3: -8, 2: signer.kid.encode()}
        )
        raw = COSE.new().encode_and_sign(
            cbor2.dumps(claims_at(NOW)), key, protected={1: -8, 4: signer.kid.encode()}
        )
        claims = verify_token(base45.b45encode(raw).decode(), NOW)
        self.assertEqual(claims.voucher_id, 99)
        # Wrapped in the CWT tag 61 it is accepted too.
        tagged = cbor2.dumps(cbor2.CBORTag(61, cbor2.loads(raw)))
        self.assertEqual(verify_token(base45.b45encode(tagged).decode(), NOW).voucher_id, 99)

    def test_a_scanner_line_end_is_ignored(self):
        text = self.issue().text
        self.assertEqual(verify_token(text + "\r\n", NOW).voucher_id, 99)

    # --- refusals --------------------------------------------------------------------------

    def test_malformed_base45(self):
        self.assertEqual(self.code("not base45 at all!"), "malformed")
        self.assertEqual(self.code("a"), "malformed")  # lowercase is not base45
        self.assertEqual(self.code(""), "malformed")
        self.assertEqual(self.code("A" * 5000), "malformed")

    def test_base45_of_bytes_that_are_not_cbor(self):
        self.assertEqual(self.code(base45.b45encode(b"\xff\xfe\x00garbage").decode()), "malformed")
        self.assertEqual(self.code(base45.b45encode(b"\x5f").decode()), "malformed")

    def test_cbor_that_is_not_a_cose_sign1(self):
        for thing in (
            {"a": 1},
            cbor2.CBORTag(17, [b"", {}, b"", b""]),
            cbor2.CBORTag(18, [b"", {}, b""]),
            cbor2.CBORTag(18, [b"", {}, b"x", b"short"]),
        ):
            text = base45.b45encode(cbor2.dumps(thing)).decode()
            self.assertEqual(self.code(text), "malformed", thing)

    def test_a_protected_header_without_eddsa_or_kid(self):
        private = NaclSigningKey.generate()
        kid = signing.signer_for(SCHOOL).kid
        no_kid = forge(claims_at(NOW), kid, private, protected={1: -8})
        self.assertEqual(self.code(no_kid), "malformed")
        es256 = forge(claims_at(NOW), kid, private, protected={1: -7, 4: kid.encode()})
        self.assertEqual(self.code(es256), "malformed")

    def test_forged_signature_with_another_key(self):
        kid = signing.signer_for(SCHOOL).kid  # the school's real kid, someone else's key
        forged = forge(claims_at(NOW), kid, NaclSigningKey.generate())
        self.assertEqual(self.code(forged), "bad_signature")

    def test_a_changed_claim_breaks_the_signature(self):
        issued = self.issue()
        message = cbor2.loads(base45.b45decode(issued.text))
        claims = cbor2.loads(message.value[2])
        claims[-65537] = 100  # another voucher
        message.value[2] = cbor2.dumps(claims)
        text = base45.b45encode(cbor2.dumps(message)).decode()
        self.assertEqual(self.code(text), "bad_signature")

    def test_unknown_kid(self):
        private = NaclSigningKey.generate()
        kid = signing.make_kid(bytes(private.verify_key))
        self.assertEqual(self.code(forge(claims_at(NOW), kid, private)), "unknown_key")

    def test_expired_at_scan_time_but_valid_when_issued(self):
        text = self.issue().text
        self.assertEqual(verify_token(text, NOW + dt.timedelta(minutes=5)).voucher_id, 99)
        self.assertEqual(self.code(text, NOW + dt.timedelta(minutes=5, seconds=1)), "expired")
        later = dt.timedelta(minutes=5, seconds=1)
        self.assertEqual(
            verify_token(text, NOW + later, leeway=dt.timedelta(seconds=5)).voucher_id, 99
        )

    def test_a_scan_queued_offline_verifies_when_it_arrives_days_later(self):
        text = self.issue().text
        scanned = NOW + dt.timedelta(minutes=2)
        with time_machine.travel(NOW + dt.timedelta(days=6), tick=False):
            self.assertEqual(verify_token(text, scanned).voucher_id, 99)

    def test_more_than_five_minutes_is_refused_at_issue(self):
        with self.assertRaises(ValueError):
            self.issue(lifetime=dt.timedelta(minutes=5, seconds=1))
        with self.assertRaises(ValueError):
            self.issue(lifetime=dt.timedelta(0))
        self.assertEqual(
            self.issue(lifetime=dt.timedelta(minutes=1)).expires_at, NOW + dt.timedelta(minutes=1)
        )

    def test_a_signed_token_living_longer_than_five_minutes_is_refused(self):
        signer = signing.signer_for(SCHOOL)
        private = NaclSigningKey(signer.seed)
        text = forge(claims_at(NOW, lifetime=3600), signer.kid, private)
        self.assertEqual(self.code(text), "malformed")

    def test_signed_claims_of_the_wrong_shape_are_malformed(self):
        signer = signing.signer_for(SCHOOL)
        private = NaclSigningKey(signer.seed)
        for extra in ({2: "123456"}, {-65537: "99"}, {-65538: "dinner"}, {1: "8"}, {7: "text"}):
            text = forge(claims_at(NOW, extra=extra), signer.kid, private)
            self.assertEqual(self.code(text), "malformed", extra)
        claims = claims_at(NOW)
        del claims[-65537]
        self.assertEqual(self.code(forge(claims, signer.kid, private)), "malformed")

    def test_an_unknown_meal_type_is_refused_at_issue(self):
        with self.assertRaises(ValueError):
            self.issue(meal_type="dinner")

    def test_a_naive_scan_time_is_a_programming_error(self):
        with self.assertRaises(ValueError):
            verify_token(self.issue().text, dt.datetime(2026, 11, 20, 12, 30))

    # --- rotation ------------------------------------------------------------------------

    def test_a_token_of_the_old_key_verifies_during_the_grace_period_and_fails_after(self):
        old = self.issue()
        signing.rotate_key(SCHOOL)
        new = self.issue()
        self.assertNotEqual(old.kid, new.kid)
        scanned = NOW + dt.timedelta(minutes=1)
        # Synced by an offline terminal 7 days later: still within the grace period.
        with time_machine.travel(NOW + signing.OFFLINE_WINDOW, tick=False):
            self.assertEqual(verify_token(old.text, scanned).kid, old.kid)
            self.assertEqual(verify_token(new.text, scanned).kid, new.kid)
        with time_machine.travel(NOW + signing.GRACE + dt.timedelta(seconds=1), tick=False):
            self.assertEqual(self.code(old.text, scanned), "unknown_key")
            self.assertEqual(verify_token(new.text, scanned).kid, new.kid)

    def test_a_revoked_key_fails_at_once(self):
        old = self.issue()
        signing.rotate_key(SCHOOL, revoke_previous=True)
        self.assertEqual(self.code(old.text), "unknown_key")

    def test_verification_reads_no_database_once_the_key_is_cached(self):
        text = self.issue().text
        verify_token(text, NOW)
        with self.assertNumQueries(0):
            for _ in range(5):
                verify_token(text, NOW)

    def test_issuing_writes_nothing_after_the_first_key(self):
        self.issue()
        with self.assertNumQueries(0):
            for _ in range(5):
                self.issue()
