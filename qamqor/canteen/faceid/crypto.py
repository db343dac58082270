"""Face templates are stored sealed: `nacl.secret.SecretBox` (XSalsa20-Poly1305).

The key is derived from SECRET_KEY exactly as `core.signing` derives the keys that seal
private signing keys (keyed BLAKE2b over a label, the root being SHA-512 of the secret), but
with its own personalisation and purpose label, and bound to the school and the pupil: a
sealed template copied onto another pupil's row does not open. `core.signing` keeps its
helper private and labels it for signing keys, so the construction is repeated here rather
than the helper borrowed. SECRET_KEY_FALLBACKS open old rows after a secret rotation.

A template is 128 float32 numbers (512 bytes; float32 keeps distances to 1e-6, far inside
the 0.5 threshold) sealed to 552 bytes.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from django.conf import settings
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

_PERSON = b"qamqor.face1"  # BLAKE2b personalisation (≤ 16 bytes)
PURPOSE = "face-template"
DIMENSIONS = 128


class TemplateError(Exception):
    """A sealed template does not open with SECRET_KEY or its fallbacks."""


@functools.lru_cache(maxsize=8)
def _root(secret: str) -> bytes:
    return hashlib.sha512(secret.encode("utf-8")).digest()  # BLAKE2b keys are ≤ 64 bytes


def _key(secret: str, school_id: int, pupil_id: int) -> bytes:
    label = f"{PURPOSE}\x00{school_id}\x00{pupil_id}".encode()
    return hashlib.blake2b(label, key=_root(secret), digest_size=32, person=_PERSON).digest()


def seal(encoding: Any, school_id: int, pupil_id: int) -> bytes:
    import numpy as np

    raw = np.asarray(encoding, dtype="<f4").reshape(DIMENSIONS).tobytes()
    box = SecretBox(_key(settings.SECRET_KEY, school_id, pupil_id))
    return bytes(box.encrypt(raw))


def unseal(sealed: bytes | memoryview, school_id: int, pupil_id: int) -> Any:
    import numpy as np

    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        try:
            raw = SecretBox(_key(secret, school_id, pupil_id)).decrypt(bytes(sealed))
        except CryptoError:
            continue
        return np.frombuffer(raw, dtype="<f4").astype(np.float64)
    raise TemplateError(f"face template of pupil {pupil_id} does not open")
