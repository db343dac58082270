"""The meal QR: a CBOR Web Token (RFC 8392) signed by the school's Ed25519 key.

Seed 004, step 4: the parent's dynamic QR code, scanned by the canteen's business wallet,
which may be offline (issue 4 verifies it in the browser with WebCrypto, `base45` and
`cbor-x`). Everything here is standard so that any COSE library can read it:

    text  = base45(bytes)                      RFC 9285, so the QR uses alphanumeric mode
    bytes = 18([protected, {}, payload, signature])
                                               COSE_Sign1 (RFC 9052 §4.2), tag 18, NOT
                                               wrapped in the CWT tag 61: the `cwt` package's
                                               default (tagged=False). verify accepts both.
    protected = bstr .cbor {1: -8, 4: kid}     alg EdDSA; kid = the ASCII bytes of the JWK
                                               "kid" string (what cwt's COSEKey.from_jwk
                                               does); both in the PROTECTED header
    payload   = bstr .cbor {                   the CWT claims set
        1: iss  tstr  the school's id, in decimal ("12")
        2: sub  tstr  meals.PupilRef.ref, canonical UUID text — never the IIN
        4: exp  uint  seconds since 1970 (UTC); exp - iat ≤ 300
        6: iat  uint  seconds since 1970 (UTC)
        7: cti  bstr  16 random bytes: each QR differs, nothing is stored
        -65537: uint  the voucher id           private-use claim keys (< -65536, RFC 8392
        -65538: tstr  the meal type            §9.1 registry ranges): "breakfast" | "lunch" |
    }                                          "snack"
    signature = Ed25519 over the Sig_structure ["Signature1", protected, h'', payload]

A scanner checks: the kid is in the school's JWKS (GET /api/v1/canteen/keys), the signature,
then `exp` against the moment of the scan. Issuing uses the `cwt` package's COSE encoder;
verifying, on the hot path, decodes with cbor2 and checks the signature with the in-memory
PyNaCl key of `core.signing` (the tests cross-check both directions against `cwt`).
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

import base45
import cbor2
import segno
from cwt import COSE, Claims, COSEKey

from qamqor.core import signing
from qamqor.core.clock import now as clock_now

from .models import MealType

# Claim keys (RFC 8392 §4 registered; private use below -65536).
ISS, SUB, EXP, IAT, CTI = 1, 2, 4, 6, 7
VOUCHER, MEAL = -65537, -65538
# COSE header parameters and the EdDSA algorithm (RFC 9053 §2.2).
ALG, KID, EDDSA = 1, 4, -8
COSE_SIGN1, CWT_TAG = 18, 61

TOKEN_LIFETIME = signing.MAX_TOKEN_LIFETIME
MAX_TEXT = 1024  # a meal QR is ~280 characters; anything much longer is not ours

ERROR_CODES = ("malformed", "bad_signature", "unknown_key", "expired")


class TokenError(Exception):
    """Why a token is refused: `code` is one of ERROR_CODES (the redemption API's codes)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a verified token says."""

    school_id: int  # iss; equal to the school of the key that signed it
    pupil_ref: uuid.UUID  # sub: meals.PupilRef.ref
    voucher_id: int
    meal_type: str  # a MealType value
    issued_at: dt.datetime  # iat, UTC
    expires_at: dt.datetime  # exp, UTC
    token_id: str  # cti in hex (32 characters): for Redemption.token_id
    kid: str

    # The claims under their RFC 8392 names, as they are in the token.
    @property
    def iss(self) -> str:
        return str(self.school_id)

    @property
    def sub(self) -> str:
        return str(self.pupil_ref)

    @property
    def iat(self) -> dt.datetime:
        return self.issued_at

    @property
    def exp(self) -> dt.datetime:
        return self.expires_at

    @property
    def cti(self) -> bytes:
        return bytes.fromhex(self.token_id)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    text: str  # base45, the QR's content
    issued_at: dt.datetime
    expires_at: dt.datetime
    kid: str
    token_id: str


# No automatic header inclusion: cwt's CWT encoder would put the kid in the unprotected
# header, and the kid must be protected.
_cose = COSE.new()
_cose_keys: dict[str, object] = {}


def _cose_key(signer: signing.Signer):  # noqa: ANN202 — cwt's COSEKeyInterface
    key = _cose_keys.get(signer.kid)
    if key is None:
        # COSE_Key (RFC 9053 §7.2): kty OKP, crv Ed25519, x, d, alg EdDSA, kid.
        key = COSEKey.new(
            {1: 1, -1: 6, -2: signer.public_key, -4: signer.seed, 3: EDDSA, 2: signer.kid.encode()}
        )
        if len(_cose_keys) > 1000:  # retired keys of many schools: keep the dict bounded
            _cose_keys.clear()
        _cose_keys[signer.kid] = key
    return key


def _epoch(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is required")
    return int(moment.timestamp())


def _utc(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def issue_token(
    *,
    school_id: int,
    pupil_ref: uuid.UUID,
    voucher_id: int,
    meal_type: str,
    now: dt.datetime | None = None,
    lifetime: dt.timedelta = TOKEN_LIFETIME,
) -> IssuedToken:
    """Sign a meal token with the school's active key. Stateless: no row is written (the
    school's first key excepted). A lifetime over 5 minutes is refused (seed 004: the QR is
    dynamic; a screenshot must not serve for a day)."""
    if not dt.timedelta(0) < lifetime <= signing.MAX_TOKEN_LIFETIME:
        raise ValueError("a meal token lives more than 0 s and at most 5 minutes")
    if meal_type not in MealType.values:
        raise ValueError(f"unknown meal type {meal_type!r}")
    iat = _epoch(now or clock_now())
    exp = iat + int(lifetime.total_seconds())
    cti = secrets.token_bytes(16)
    claims = {
        ISS: str(school_id),
        SUB: str(pupil_ref),
        EXP: exp,
        IAT: iat,
        CTI: cti,
        VOUCHER: int(voucher_id),
        MEAL: meal_type,
    }
    Claims.validate(claims)  # the registered claims' types, as cwt checks them
    signer = signing.signer_for(school_id, signing.MEAL_QR)
    raw = _cose.encode_and_sign(
        cbor2.dumps(claims),
        _cose_key(signer),
        protected={ALG: EDDSA, KID: signer.kid.encode("ascii")},
        unprotected={},
    )
    return IssuedToken(
        text=base45.b45encode(raw).decode("ascii"),
        issued_at=_utc(iat),
        expires_at=_utc(exp),
        kid=signer.kid,
        token_id=cti.hex(),
    )


def _parse(text: str) -> tuple[bytes, bytes, bytes, str]:
    """(protected bstr, payload bstr, signature, kid) of a token's text, or `malformed`."""
    if not isinstance(text, str) or not text or len(text) > MAX_TEXT:
        raise TokenError("malformed", "empty or too long")
    # Hardware scanners type a line end; a space is a base45 character, so only \r\n\t go.
    try:
        raw = base45.b45decode(text.strip("\r\n\t"))
    except (ValueError, TypeError) as exc:
        raise TokenError("malformed", "not base45") from exc
    try:
        outer = cbor2.loads(raw)
    except Exception as exc:  # cbor2 raises several types on hostile input
        raise TokenError("malformed", "not CBOR") from exc
    if isinstance(outer, cbor2.CBORTag) and outer.tag == CWT_TAG:
        outer = outer.value
    if not (isinstance(outer, cbor2.CBORTag) and outer.tag == COSE_SIGN1):
        raise TokenError("malformed", "not a COSE_Sign1")
    parts = outer.value
    if not (isinstance(parts, list) and len(parts) == 4):
        raise TokenError("malformed", "COSE_Sign1 is not a 4-array")
    protected, unprotected, payload, signature = parts
    if not (
        isinstance(protected, bytes)
        and isinstance(unprotected, dict)
        and isinstance(payload, bytes)
        and isinstance(signature, bytes)
        and len(signature) == 64
    ):
        raise TokenError("malformed", "COSE_Sign1 members")
    try:
        header = cbor2.loads(protected)
    except Exception as exc:
        raise TokenError("malformed", "protected header") from exc
    if not isinstance(header, dict) or header.get(ALG) != EDDSA:
        raise TokenError("malformed", "alg is not EdDSA")
    kid = header.get(KID)
    if not isinstance(kid, bytes) or not 0 < len(kid) <= 32:
        raise TokenError("malformed", "no kid in the protected header")
    try:
        return protected, payload, signature, kid.decode("ascii")
    except UnicodeDecodeError as exc:
        raise TokenError("unknown_key", "kid") from exc


def _claims(payload: bytes, key: signing.PublicKey, kid: str) -> TokenClaims:
    try:
        claims = cbor2.loads(payload)
        iss, sub, exp, iat, cti = (claims[k] for k in (ISS, SUB, EXP, IAT, CTI))
        voucher, meal = claims[VOUCHER], claims[MEAL]
        if not (
            isinstance(iss, str)
            and isinstance(sub, str)
            and all(type(v) is int for v in (exp, iat, voucher))
            and isinstance(cti, bytes)
            and isinstance(meal, str)
        ):
            raise TypeError("claim types")
        school_id, pupil_ref = int(iss), uuid.UUID(sub)
        issued_at, expires_at = _utc(iat), _utc(exp)
    except Exception as exc:  # any shape we did not issue
        raise TokenError("malformed", "claims") from exc
    if school_id != key.school_id:
        raise TokenError("malformed", "iss is not the key's school")
    if not 0 < exp - iat <= signing.MAX_TOKEN_LIFETIME.total_seconds():
        raise TokenError("malformed", "lifetime")
    if meal not in MealType.values:
        raise TokenError("malformed", "meal type")
    return TokenClaims(
        school_id=school_id,
        pupil_ref=pupil_ref,
        voucher_id=voucher,
        meal_type=meal,
        issued_at=issued_at,
        expires_at=expires_at,
        token_id=cti.hex(),
        kid=kid,
    )


def verify_token(
    text: str, at: dt.datetime, *, leeway: dt.timedelta = dt.timedelta(0)
) -> TokenClaims:
    """Verify a meal token scanned at `at` (the scan's time, so a scan queued offline stays
    valid when it arrives later) and return its claims, or raise TokenError with the code
    `malformed`, `unknown_key` (no such key, or its grace period is over), `bad_signature`
    or `expired` (`at` is past `exp` + leeway). Keys come from the in-memory cache."""
    if at.tzinfo is None:
        raise ValueError("`at` must be an aware datetime")
    protected, payload, signature, kid = _parse(text)
    key = signing.public_key(kid, signing.MEAL_QR)
    if key is None or not key.verifies_at(clock_now()):
        raise TokenError("unknown_key", kid)
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    if not key.verify(to_be_signed, signature):
        raise TokenError("bad_signature", kid)
    claims = _claims(payload, key, kid)
    if at > claims.expires_at + leeway:
        raise TokenError("expired", claims.expires_at.isoformat())
    return claims


def qr_svg(text: str, title: str = "") -> str:
    """The token as an inline SVG QR code (alphanumeric mode, error correction M), sized
    by its container (no width/height attributes)."""
    code = segno.make(text, error="m", mode="alphanumeric", micro=False)
    return code.svg_inline(scale=1, border=4, omitsize=True, svgclass="qr-svg", title=title)
