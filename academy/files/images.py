"""Pictures as Academy keeps them: read whole by Pillow within a bound of pixels (a
decompression bomb is refused before it is decoded), turned upright, written again
without any metadata (EXIF and its GPS position, XMP, comments, colour profiles), and
with a thumbnail of at most ``THUMBNAIL`` pixels a side."""

import io
import tempfile
import warnings
from dataclasses import dataclass
from typing import IO

from flask import Flask
from PIL import Image, ImageOps, UnidentifiedImageError

from academy.files.sniff import JPEG, PNG, WEBP, Type, Unreadable

THUMBNAIL = 480
# A cleaned picture is held in memory up to this size, and on disk beyond.
SPOOL = 1024 * 1024
_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}
_OPTIONS = {JPEG: {"quality": 88}, PNG: {}, WEBP: {"quality": 88}}
# The modes each format is written in; any other is converted first.
_MODES = {JPEG: ("L", "RGB"), PNG: ("1", "L", "LA", "P", "RGB", "RGBA"), WEBP: ("RGB", "RGBA")}


class TooManyPixels(ValueError):
    """A picture larger than Academy decodes; the message says how large."""


@dataclass
class Picture:
    clean: IO[bytes]  # the picture as kept, at its start
    size: int
    thumbnail: bytes
    width: int
    height: int


def init_app(app: Flask) -> None:
    # Pillow's own guard against decompression bombs, at Academy's bound (it warns
    # above it and refuses twice as many; a warning is refused here too).
    Image.MAX_IMAGE_PIXELS = app.config["MEDIA_MAX_PIXELS"]


def clean(stream: IO[bytes], kind: Type, max_pixels: int) -> Picture:
    """The picture in ``stream`` as kept, and its thumbnail. Unreadable when it is not
    a whole picture of its type; TooManyPixels when it holds more than ``max_pixels``."""
    stream.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(stream, formats=[_FORMATS[kind]])
            width, height = image.size
            if width * height > max_pixels:
                raise TooManyPixels(
                    f"The picture is {width} x {height} pixels; at most "
                    f"{max_pixels / 1e6:g} million are read."
                )
            if getattr(image, "n_frames", 1) > 1:
                raise Unreadable("An animated picture is not taken: upload it as a video.")
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise TooManyPixels(f"The picture holds more than {max_pixels:,} pixels.") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        if isinstance(error, Unreadable | TooManyPixels):
            raise
        raise Unreadable("The picture cannot be read whole: it is damaged or cut short.") from error
    image = ImageOps.exif_transpose(image)
    if image.mode not in _MODES[kind]:
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
        if kind is JPEG:
            image = image.convert("RGB")
    image.info = {}  # nothing of the original's metadata is written again
    # Handed to the caller, which stores it; it goes with the request.
    cleaned = tempfile.SpooledTemporaryFile(max_size=SPOOL)  # noqa: SIM115
    image.save(cleaned, _FORMATS[kind], **_OPTIONS[kind])
    size = cleaned.tell()
    cleaned.seek(0)
    return Picture(cleaned, size, _thumbnail(image, kind), image.width, image.height)


def _thumbnail(image: Image.Image, kind: Type) -> bytes:
    scale = min(1.0, THUMBNAIL / max(image.size))
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    small = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    out = io.BytesIO()
    small.save(out, _FORMATS[kind], **_OPTIONS[kind])
    return out.getvalue()
