"""All signing keys of the project (DESIGN rule 8): Ed25519, one purpose per key, per school.

- A key is made by `rotate_key(school_id, purpose)`: the new key becomes the active one and
  the previous key retires. A retired key keeps verifying, and stays in the published key
  set, for `GRACE`: longer than a token's lifetime plus the canteen's offline window, so a
  QR signed a second before a rotation and scanned by a terminal that stays offline for a
  week still verifies when the terminal syncs. `rotate_key(..., revoke_previous=True)` ends
  the previous key at once (a leaked key).
- The key id (`kid`) is base64url (no padding) of the first 8 bytes of the SHA-256 of the
  raw public key: short enough for a QR, stable, and computable by anyone holding the key.
- The private key (the 32-byte Ed25519 seed) is stored only sealed with
  `nacl.secret.SecretBox` under a key derived from SECRET_KEY by keyed BLAKE2b, labelled
  with the purpose and the kid, so a sealed key copied onto another row does not open.
  SECRET_KEY_FALLBACKS are tried too, so the secret can be rotated the Django way.
- Verification must not read the database per request (DESIGN, the meal-scan hot path):
  public keys are cached in process memory by kid. An unknown kid is looked up once and
  remembered as missing for a short while (a flood of made-up kids costs one query each
  `MISSING_TTL`); a cached key is re-read after `PUBLIC_TTL` so a rotation made by another
  process reaches this one; a rotation in this process clears the cache at once.

This module imports no other app: `school_id` is a plain integer.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from nacl.exceptions import BadSignatureError, CryptoError
from nacl.secret import SecretBox
from nacl.signing import SigningKey as NaclSigningKey
from nacl.signing import VerifyKey

from .clock import now as clock_now
from .models import SigningKey

MEAL_QR = "meal-qr"
PURPOSES = frozenset({MEAL_QR})

# seed 004, step 5: a canteen without internet stores its scans and sends them later; the
# redemption API accepts scans up to 7 days old. A meal QR lives at most 5 minutes.
OFFLINE_WINDOW = dt.timedelta(days=7)
MAX_TOKEN_LIFETIME = dt.timedelta(minutes=5)
# A day's margin over the two, for terminals with a wrong clock and late syncs.
GRACE = OFFLINE_WINDOW + MAX_TOKEN_LIFETIME + dt.timedelta(days=1)

SIGNER_TTL = 60.0  # seconds a process signs with its cached active key before re-reading
PUBLIC_TTL = 300.0  # seconds a cached public key is trusted before its row is re-read
MISSING_TTL = 30.0  # seconds an unknown kid is remembered as unknown
_MISSING_MAX = 10_000  # bound on remembered unknown kids (they come from untrusted input)

_WRAP_PERSON = b"qamqor.keywrap1"  # BLAKE2b personalisation: at most 16 bytes


class SigningError(Exception):
    """A key cannot be used: unknown purpose, or its sealed private key does not open."""


def make_kid(public_key: bytes) -> str:
    digest = hashlib.sha256(public_key).digest()[:8]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _wrap_key(secret: str, purpose: str, kid: str) -> bytes:
    """The SecretBox key that seals one private key: keyed BLAKE2b of a purpose label."""
    root = hashlib.sha512(secret.encode("utf-8")).digest()  # BLAKE2b keys are ≤ 64 bytes
    label = f"signing-key\x00{purpose}\x00{kid}".encode()
    return hashlib.blake2b(label, key=root, digest_size=32, person=_WRAP_PERSON).digest()


def _secrets() -> list[str]:
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def seal(seed: bytes, purpose: str, kid: str) -> bytes:
    return bytes(SecretBox(_wrap_key(settings.SECRET_KEY, purpose, kid)).encrypt(seed))


def unseal(
    sealed: bytes | memoryview, purpose: str, kid: str, secrets: Iterable[str] | None = None
) -> bytes:
    """The private key's seed; `secrets` (default SECRET_KEY and its fallbacks) are tried in
    turn. `qamqor restore` passes the restored key to check the keys open before serving."""
    for secret in _secrets() if secrets is None else secrets:
        try:
            return SecretBox(_wrap_key(secret, purpose, kid)).decrypt(bytes(sealed))
        except CryptoError:
            continue
    raise SigningError(
        f"the private key {kid} does not open with SECRET_KEY (or its fallbacks): "
        "run `qamqor rotate_keys` to make a new one"
    )


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise SigningError(f"unknown key purpose {purpose!r}")


# --- the cache ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A verification key as cached in memory."""

    kid: str
    school_id: int
    purpose: str
    public_key: bytes
    verify_until: dt.datetime | None
    verify_key: VerifyKey = field(repr=False, compare=False)
    loaded: float = field(default=0.0, compare=False)

    def verifies_at(self, now: dt.datetime) -> bool:
        return self.verify_until is None or now < self.verify_until

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            self.verify_key.verify(message, signature)
        except (BadSignatureError, ValueError, TypeError):
            return False
        return True


@dataclass(frozen=True, slots=True)
class Signer:
    """The active private key of one school and purpose, as cached in memory."""

    kid: str
    school_id: int
    purpose: str
    public_key: bytes
    seed: bytes = field(repr=False)
    loaded: float = field(default=0.0, compare=False)

    def sign(self, message: bytes) -> bytes:
        return NaclSigningKey(self.seed).sign(message).signature


_lock = threading.Lock()
_public: dict[str, PublicKey] = {}
_missing: dict[str, float] = {}
_signers: dict[tuple[int, str], Signer] = {}


def invalidate_cache() -> None:
    """Forget every cached key (after a rotation; tests call it between cases)."""
    with _lock:
        _public.clear()
        _missing.clear()
        _signers.clear()


def _public_from_row(row: SigningKey) -> PublicKey:
    public = bytes(row.public_key)
    return PublicKey(
        kid=row.kid,
        school_id=row.school_id,
        purpose=row.purpose,
        public_key=public,
        verify_until=row.verify_until,
        verify_key=VerifyKey(public),
        loaded=time.monotonic(),
    )


def public_key(kid: str, purpose: str = MEAL_QR) -> PublicKey | None:
    """The cached public key `kid` of `purpose`, or None when there is no such key.

    Whether the key still verifies is the caller's question (`PublicKey.verifies_at`), asked
    at the clock's now; the cache only saves the database round trip.
    """
    clock = time.monotonic()
    cached = _public.get(kid)
    if cached is not None and clock - cached.loaded < PUBLIC_TTL:
        return cached if cached.purpose == purpose else None
    missed = _missing.get(kid)
    if cached is None and missed is not None and clock - missed < MISSING_TTL:
        return None
    row = SigningKey.objects.filter(kid=kid).first()
    with _lock:
        if row is None:
            _public.pop(kid, None)
            if len(_missing) >= _MISSING_MAX:
                _missing.clear()
            _missing[kid] = clock
            return None
        _missing.pop(kid, None)
        found = _public[kid] = _public_from_row(row)
    return found if found.purpose == purpose else None


def signer_for(school_id: int, purpose: str = MEAL_QR) -> Signer:
    """The school's active key for `purpose`, made on first use; cached for `SIGNER_TTL`."""
    _check_purpose(purpose)
    clock = time.monotonic()
    cached = _signers.get((school_id, purpose))
    if cached is not None and clock - cached.loaded < SIGNER_TTL:
        return cached
    row = active_key(school_id, purpose) or _first_key(school_id, purpose)
    signer = Signer(
        kid=row.kid,
        school_id=row.school_id,
        purpose=row.purpose,
        public_key=bytes(row.public_key),
        seed=unseal(row.sealed_private_key, row.purpose, row.kid),
        loaded=clock,
    )
    with _lock:
        _signers[(school_id, purpose)] = signer
        _public[row.kid] = _public_from_row(row)
    return signer


# --- keys in the database -----------------------------------------------------------------


def active_key(school_id: int, purpose: str = MEAL_QR) -> SigningKey | None:
    return SigningKey.objects.filter(
        school_id=school_id, purpose=purpose, retired_at__isnull=True
    ).first()


def _new_key(school_id: int, purpose: str, now: dt.datetime) -> SigningKey:
    private = NaclSigningKey.generate()
    public = bytes(private.verify_key)
    kid = make_kid(public)
    return SigningKey(
        school_id=school_id,
        purpose=purpose,
        kid=kid,
        public_key=public,
        sealed_private_key=seal(bytes(private), purpose, kid),
        created_at=now,
        activated_at=now,
    )


def ensure_key(school_id: int, purpose: str = MEAL_QR) -> SigningKey:
    """The school's active key, made now if it has none (so a terminal that downloads the
    key set before the first QR of the day already holds the key that will sign it)."""
    _check_purpose(purpose)
    return active_key(school_id, purpose) or _first_key(school_id, purpose)


def _first_key(school_id: int, purpose: str) -> SigningKey:
    """A school's first key, made when it first signs. Two processes may race to make it:
    the partial unique index lets one win, and the other reads the winner's key."""
    try:
        with transaction.atomic():
            key = _new_key(school_id, purpose, clock_now())
            key.save()
            return key
    except IntegrityError:
        existing = active_key(school_id, purpose)
        if existing is None:
            raise
        return existing


@transaction.atomic
def rotate_key(
    school_id: int, purpose: str = MEAL_QR, *, revoke_previous: bool = False
) -> SigningKey:
    """Make a new active key; the previous one verifies for `GRACE` more (or no longer)."""
    _check_purpose(purpose)
    now = clock_now()
    previous = (
        SigningKey.objects.select_for_update()
        .filter(school_id=school_id, purpose=purpose, retired_at__isnull=True)
        .first()
    )
    if previous is not None:
        previous.retired_at = now
        previous.verify_until = now if revoke_previous else now + GRACE
        previous.save(update_fields=["retired_at", "verify_until"])
    key = _new_key(school_id, purpose, now)
    key.save()
    # This process forgets at once; others re-read within SIGNER_TTL / PUBLIC_TTL.
    invalidate_cache()
    transaction.on_commit(invalidate_cache)
    return key


def published_keys(
    purpose: str = MEAL_QR, school_ids: Iterable[int] | None = None
) -> list[SigningKey]:
    """Every key of `purpose` that still verifies now: the active ones and those in grace."""
    now = clock_now()
    keys = SigningKey.objects.filter(purpose=purpose).filter(
        Q(verify_until__isnull=True) | Q(verify_until__gt=now)
    )
    if school_ids is not None:
        keys = keys.filter(school_id__in=list(school_ids))
    return list(keys.order_by("school_id", "-activated_at"))


def jwk(key: SigningKey | PublicKey) -> dict:
    """The public key as an RFC 8037 OKP JWK (what WebCrypto and COSE libraries import).

    "school" is not a registered JWK member: it tells a terminal which school's tokens the
    key signs (JWK consumers ignore members they do not know, RFC 7517 §4).
    """
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url(bytes(key.public_key)),
        "kid": key.kid,
        "alg": "EdDSA",
        "use": "sig",
        "school": key.school_id,
    }


__all__ = [
    "GRACE",
    "MAX_TOKEN_LIFETIME",
    "MEAL_QR",
    "OFFLINE_WINDOW",
    "PublicKey",
    "Signer",
    "SigningError",
    "active_key",
    "ensure_key",
    "invalidate_cache",
    "jwk",
    "make_kid",
    "public_key",
    "published_keys",
    "rotate_key",
    "signer_for",
]
