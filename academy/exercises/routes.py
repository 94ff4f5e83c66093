"""The exercise catalogue (coach only) and the vocabularies."""

from flask import current_app, request
from flask.views import MethodView

from academy import vocabularies
from academy.common.auth import COACH_ROLES, current_user
from academy.common.blueprint import Blueprint
from academy.common.pagination import paginate
from academy.common.responses import location
from academy.exercises import service
from academy.exercises.schemas import (
    ExerciseCreateSchema,
    ExerciseDetailSchema,
    ExerciseQuerySchema,
    ExerciseSchema,
    ExerciseUpdateSchema,
    VocabulariesSchema,
)
from academy.files.schemas import MediaSchema, MediaUploadSchema
from academy.files.uploads import FRAME

blp = Blueprint("exercises", __name__, url_prefix="/api/v1", description="The exercise catalogue")


@blp.before_request
def _larger_uploads():
    # A media upload's body may be as large as its largest file, and the multipart's frame.
    if request.endpoint == "exercises.ExerciseMediaList" and request.method == "POST":
        config = current_app.config
        largest = max(config["MEDIA_IMAGE_MAX_BYTES"], config["MEDIA_VIDEO_MAX_BYTES"])
        request.max_content_length = largest + FRAME


@blp.route("/exercises")
class Exercises(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.conditional()
    @blp.arguments(ExerciseQuerySchema, location="query")
    @blp.paginate()
    @blp.response(200, ExerciseSchema(many=True), etag=True)
    def get(self, query, pagination_parameters):
        """List the global catalogue and the academy's own exercises

        `q` matches part of the name, an alias or a cue, in any case. `category`,
        `region`, `addresses`, `laterality`, `stage` and `impact` each take one or more
        words (repeat the parameter) and match any of them. Archived exercises are left out
        unless `include_archived=true`. Ordered by name.
        """
        return paginate(service.list_exercises(current_user(), **query), pagination_parameters)

    @blp.auth(COACH_ROLES)
    @blp.arguments(ExerciseCreateSchema)
    @blp.response(201, ExerciseDetailSchema, location=True)
    @blp.errors(400, 409, 413)
    def post(self, data):
        """Add an exercise to the academy's catalogue

        The slug is made from the name when left out. `variation_of` names the
        parent exercise (global or the academy's own). `impact`, `loads`, `spine` and
        `pressure` left out are set conservatively from the name, stage, precautions
        and regions (see each field); an `impact` below what the name says is 422.
        """
        exercise = service.create_exercise(current_user(), data)
        return exercise, 201, location("exercises.ExerciseById", exercise_id=exercise.id)


@blp.route("/exercises/<int:exercise_id>")
class ExerciseById(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.conditional()
    @blp.response(200, ExerciseDetailSchema, etag=True)
    @blp.errors(404)
    def get(self, exercise_id):
        """Read an exercise with its variations"""
        return service.get_exercise(current_user(), exercise_id)

    @blp.auth(COACH_ROLES)
    @blp.arguments(ExerciseUpdateSchema)
    @blp.response(200, ExerciseDetailSchema)
    @blp.errors(400, 404, 409)
    def patch(self, data, exercise_id):
        """Change one of the academy's exercises

        Exercises of the global catalogue are read-only (403).
        """
        return service.update_exercise(current_user(), exercise_id, data)

    @blp.auth(COACH_ROLES)
    @blp.response(204)
    @blp.errors(404)
    def delete(self, exercise_id):
        """Archive one of the academy's exercises

        It leaves lists and pickers; programs and history that use it keep working.
        Exercises of the global catalogue are read-only (403).
        """
        service.archive_exercise(current_user(), exercise_id)


@blp.route("/exercises/<int:exercise_id>/media")
class ExerciseMediaList(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.paginate()
    @blp.response(200, MediaSchema(many=True))
    @blp.errors(404)
    def get(self, exercise_id, pagination_parameters):
        """List an exercise's pictures and videos (your academy's)"""
        return paginate(service.list_media(current_user(), exercise_id), pagination_parameters)

    @blp.auth(COACH_ROLES)
    @blp.arguments(MediaUploadSchema, location="files", unknown="raise")
    @blp.response(201, MediaSchema, location=True)
    @blp.errors(400, 404, 409, 413)
    def post(self, data, exercise_id):
        """Add a picture or video to one of the academy's exercises

        Multipart, with the file as `file`, `kind` (`image` or `video`) and an optional
        `caption`. The type is read from the file's bytes, never its name or
        Content-Type: JPEG, PNG or WebP pictures up to 10 MB (and 40 million pixels),
        MP4 or WebM videos up to 200 MB, streamed to the file storage. A picture is kept
        upright and without its metadata (EXIF, GPS, XMP, comments), with a thumbnail of
        480 pixels at most a side. Bytes of another type than `kind`, a damaged or
        truncated file, an animated picture or anything else is 422; a larger file 413;
        the global catalogue is read-only (403); an exercise holds at most 20 (409).
        """
        media = service.add_media(current_user(), exercise_id, data)
        where = location("exercises.ExerciseMediaById", exercise_id=exercise_id, media_id=media.id)
        return media, 201, where


@blp.route("/exercises/<int:exercise_id>/media/<int:media_id>")
class ExerciseMediaById(MethodView):
    @blp.auth(COACH_ROLES)
    @blp.response(200, MediaSchema)
    @blp.errors(404)
    def get(self, exercise_id, media_id):
        """Read one picture or video of an exercise, with fresh links"""
        return service.get_media(current_user(), exercise_id, media_id)

    @blp.auth(COACH_ROLES)
    @blp.response(204)
    @blp.errors(404)
    def delete(self, exercise_id, media_id):
        """Remove a picture or video of one of the academy's exercises, and its files

        The global catalogue's exercises are read-only (403).
        """
        service.delete_media(current_user(), exercise_id, media_id)


@blp.route("/vocabularies")
class Vocabularies(MethodView):
    @blp.auth()
    @blp.response(200, VocabulariesSchema)
    def get(self):
        """Every controlled word list, for building pickers

        Open to every signed-in user: client apps need the regions and sides too.
        """
        return vocabularies.as_document()
