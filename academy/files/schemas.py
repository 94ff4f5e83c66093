"""A picture or video as answered (an exercise's media, a check-in's form-check video),
and the multipart bodies that upload them."""

from marshmallow import fields, validate

from academy.common.schemas import BaseSchema, File, Integer, QuerySchema, Word
from academy.files.storage import storage
from academy.vocabularies import MEDIA_KINDS

LINK_HELP = (
    "A signed link to the file that works for `FILE_URL_SECONDS` (15 minutes by default) "
    "or a little longer, then answers 403: read what handed it out again for a new one."
)


def _link(key: str | None) -> str | None:
    return None if key is None else storage().url(key)


class MediaSchema(BaseSchema):
    id = Integer(dump_only=True)
    kind = fields.String(dump_only=True, metadata={"enum": list(MEDIA_KINDS)})
    caption = fields.String(dump_only=True)
    url = fields.Function(
        lambda media: _link(media.file_key), dump_only=True, metadata={"description": LINK_HELP}
    )
    thumbnail_url = fields.Function(
        lambda media: _link(media.thumbnail_key),
        dump_only=True,
        allow_none=True,
        metadata={"description": "A picture's thumbnail (480 pixels at most a side); "
                  "null for a video. " + LINK_HELP},
    )  # fmt: skip
    content_type = fields.String(
        dump_only=True,
        metadata={"description": "Read from the file's bytes: image/jpeg, image/png, "
                  "image/webp, video/mp4 or video/webm."},
    )  # fmt: skip
    bytes = Integer(dump_only=True, metadata={"description": "The file's size as kept."})


def _caption():
    return fields.String(
        load_default="",
        validate=validate.Length(max=500),
        metadata={"description": "What it shows, up to 500 characters."},
    )


class MediaUploadSchema(QuerySchema):
    """A multipart body (its fields arrive as text, as a query's do)."""

    file = File(
        required=True,
        metadata={
            "description": "A picture (JPEG, PNG or WebP, up to 10 MB) or a video (MP4 or "
            "WebM, up to 200 MB); its type is read from its bytes, never its name."
        },
    )
    kind = Word(MEDIA_KINDS, required=True, metadata={"description": "What the file is."})
    caption = _caption()


class FormCheckUploadSchema(QuerySchema):
    file = File(
        required=True,
        metadata={"description": "A video (MP4 or WebM, up to 100 MB), read from its bytes."},
    )
    caption = _caption()
