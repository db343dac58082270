"""Face detection and encoding: dlib with the models that face_recognition ships.

The pipeline is face_recognition's own (`face_recognition.api`): dlib's HOG frontal face
detector, the 5-point shape predictor, and the ResNet face encoder
(`dlib_face_recognition_resnet_model_v1`), one jitter. Its encodings are 128 numbers whose
Euclidean distance is below 0.6 for one person in dlib's LFW evaluation; we match at 0.5
(`gallery.THRESHOLD`). The `face_recognition` distribution declares a dependency on `dlib`,
which PyPI has only as a C++ source build; `dlib-bin` provides the same module prebuilt, so
the Makefile installs face_recognition with --no-deps beside the `faceid` extra.

Optional: without the extra, `available()` is False and every page says Face ID is not
installed. The models load once per process, on first use (about 0.3 s).

Images are decoded in memory and never written anywhere: the caller passes bytes, gets
encodings, and the bytes go out of scope with the request.
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from qamqor.core.errors import ServiceError
from qamqor.core.limits import image_max_pixels

# Frames and enrolment photos are scaled down to this many pixels on the long side before
# detection: HOG costs grow with the area, and a face at the door is large in the frame.
MAX_SIDE = 800
# HOG finds faces of about 80 px and up; one upsampling halves that (and costs 4×). Photos
# are upsampled once; terminal frames (640 px, a child a metre away) are not.
PHOTO_UPSAMPLE = 1
FRAME_UPSAMPLE = 0
# More faces than this in one frame are not looked at (a crowd is not an entry).
MAX_FACES = 4

MESSAGES = {
    "not_installed": _(
        "Face ID is not installed on this server (the optional package qamqor[faceid])."
    ),
    "not_an_image": _("This is not a JPEG or PNG image."),
    "no_face": _("No face was found in the photo."),
    "many_faces": _("The photo shows more than one face: take a photo of the child alone."),
}


class FaceError(ServiceError):
    messages = MESSAGES


@dataclass(frozen=True, slots=True)
class Face:
    """One face found: its box (top, right, bottom, left) in the scaled image, encoding."""

    box: tuple[int, int, int, int]
    encoding: Any  # numpy float64 array of 128

    @property
    def area(self) -> int:
        top, right, bottom, left = self.box
        return max(0, bottom - top) * max(0, right - left)


class _Models:
    """face_recognition loads dlib's models at import: import it once, under a lock."""

    def __init__(self) -> None:
        import face_recognition

        self.api = face_recognition


_models: _Models | None = None
_lock = threading.Lock()
_available: bool | None = None


def available() -> bool:
    """Whether the optional Face-ID packages import (checked once per process)."""
    global _available
    if _available is None:
        try:
            with warnings.catch_warnings():
                # face_recognition_models imports pkg_resources, which warns that it is old.
                warnings.simplefilter("ignore")
                import dlib  # noqa: F401
                import face_recognition  # noqa: F401
                import face_recognition_models  # noqa: F401
                import numpy  # noqa: F401
        except ImportError:
            _available = False
        else:
            _available = True
    return _available


def models() -> _Models:
    global _models
    if not available():
        raise FaceError("not_installed")
    if _models is None:
        with _lock:
            if _models is None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    _models = _Models()
    return _models


def decode(data: bytes, max_side: int = MAX_SIDE) -> Any:
    """JPEG or PNG bytes → an RGB numpy array, scaled to at most `max_side` pixels."""
    import numpy as np
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not (data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n")):
        raise FaceError("not_an_image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.format not in ("JPEG", "PNG") or img.width * img.height > image_max_pixels():
                    raise FaceError("not_an_image")
                img.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced scale
                rgb = ImageOps.exif_transpose(img).convert("RGB")
                rgb.thumbnail((max_side, max_side))
                return np.asarray(rgb)
    except FaceError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise FaceError("not_an_image") from exc


def find_faces(image: Any, upsample: int = FRAME_UPSAMPLE, limit: int = MAX_FACES) -> list[Face]:
    """Detect and encode the faces of an RGB array, largest first, at most `limit`."""
    import numpy as np

    m = models()
    boxes = m.api.face_locations(image, number_of_times_to_upsample=upsample, model="hog")
    boxes = sorted(boxes, key=lambda b: -(b[2] - b[0]) * (b[1] - b[3]))[:limit]
    # "small": the 5-point landmark model (faster than 68 points; the same encoder).
    encodings = m.api.face_encodings(image, known_face_locations=boxes, num_jitters=1,
                                     model="small")  # fmt: skip
    faces = [Face(tuple(box), np.asarray(enc)) for box, enc in zip(boxes, encodings, strict=True)]
    return faces


def enrolment_encoding(data: bytes) -> Any:
    """The encoding of the one face in an enrolment photo; FaceError otherwise."""
    faces = find_faces(decode(data), upsample=PHOTO_UPSAMPLE, limit=2)
    if not faces:
        raise FaceError("no_face")
    if len(faces) > 1 and faces[1].area * 4 > faces[0].area:
        # A second face of comparable size: whose consent is this? A tiny one in the
        # background (a poster, a passer-by) does not make the photo ambiguous.
        raise FaceError("many_faces")
    return faces[0].encoding
