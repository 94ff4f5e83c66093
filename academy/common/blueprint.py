"""The Blueprint every domain uses: auth, documented errors, pagination, and requests
read exactly as the document describes them.

- A JSON body is required where the operation takes one (422 without it, 415 when it
  is not JSON), is valid JSON (400) and is nested at most ``MAX_JSON_DEPTH`` levels
  (400): deeper nesting is an attack, not data.
- A query parameter the operation does not declare is 422 naming it, checked once the
  caller is authenticated, so a missing token stays 401.
- Lists take ``page`` (at most ``MAX_PAGE``) and ``page_size`` (at most 100) and
  describe their pages in ``X-Pagination``, with the same keys on every page.
- An operation's decorators that act on the request sit in one order (``ORDER``), which
  ``route`` checks when the view is declared: a view stacked otherwise fails at import,
  so the app never starts with it.
"""

import http
import json
import re
from copy import deepcopy
from functools import wraps
from itertools import pairwise
from typing import Any

import flask_smorest
from flask import Response, current_app, make_response, request
from flask_smorest.pagination import PaginationParameters
from flask_smorest.utils import unpack_tuple_response
from marshmallow import EXCLUDE, Schema, ValidationError, missing, post_load, validate
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from academy.common import idempotency
from academy.common.auth import current_user, require_auth
from academy.common.etag import NO_STORE, REVALIDATE, answer_conditionally
from academy.common.presenters import encode, presenter
from academy.common.schemas import PROBLEM, Integer, ProblemSchema, QuerySchema
from academy.errors import Unprocessable
from academy.extensions import db

ETAG_HEADER = {
    "description": "The version of what was answered: send it back in `If-Match` to change it.",
    "required": True,
    "schema": {"type": "string", "example": '"3"'},
}
CONTENT_ETAG_HEADER = {
    "description": "The version of what was answered: send it back in `If-None-Match` to "
    "read it again (and in `If-Match` to change it, where it can be changed).",
    "required": True,
    "schema": {"type": "string", "example": '"5d41402abc4b2a76b9719d911017c592"'},
}
LOCATION_HEADER = {
    "description": "The address of what was created.",
    "required": True,
    "schema": {"type": "string", "example": "/api/v1/clients/12"},
}
_CACHING = {
    NO_STORE: "no cache, browser or proxy may keep it (it holds an academy's or a "
    "client's data, tokens, or what is true only now).",
    REVALIDATE: "keep it on the device, and before using it again ask with "
    "`If-None-Match` (304 while it is current).",
}


def cache_control_header(value: str, description: str | None = None) -> dict:
    """The ``Cache-Control`` an answer carries, documented as exactly that value."""
    return {
        "description": f"`{value}`: {description or _CACHING[value]}",
        "required": True,
        "schema": {"type": "string", "const": value},
    }


RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "string", "pattern": "^[0-9]+$"},
}

# Methods that change nothing: their transaction ends without a commit.
READS = frozenset({"GET", "HEAD", "OPTIONS"})

DATABASE_UNAVAILABLE = (
    "The database is unavailable (down, full, read-only or not answering in time); "
    "nothing was changed: try again after `Retry-After` seconds"
)

MAX_JSON_DEPTH = 32
MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 100


def _depth(value) -> int:
    """How deeply ``value`` nests arrays and objects (a scalar is 0)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in children)
    return deepest


def _not_json(constant: str):
    """Python reads NaN and Infinity; JSON has no such numbers."""
    raise ValueError(f"{constant} is not a JSON number")


class Parser(FlaskParser):
    """webargs' Flask parser, strict about the body: a body the operation needs must be
    there, be JSON, and be shallow enough to read safely."""

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        """A body the schema refused may break rules across objects as well: the
        operation's ``cross_check`` (given the valid part of the body) names them in
        the same answer, so that the next try does not meet a fault it could have known."""
        cross_check = getattr(schema, "cross_check", None)
        body = error.messages.get("json") if isinstance(error.messages, dict) else None
        if cross_check is not None and isinstance(body, dict):
            for path, messages in cross_check(current_user(), error.valid_data or {}).items():
                body.setdefault(path, messages)
        return super().handle_error(
            error,
            req,
            schema,
            error_status_code=error_status_code,
            error_headers=error_headers,
        )

    def load_files(self, req, schema):
        """A multipart body's files and its other fields together: an upload's options
        come with its file, in one documented body."""
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)

    def load_json(self, req, schema):
        if getattr(schema, "body_optional", False) and not req.get_data(cache=True).strip():
            return missing
        return super().load_json(req, schema)

    def _raw_load_json(self, req):
        raw = req.get_data(cache=True)
        if not raw.strip():
            raise ValidationError({"_body": ["Send a JSON body."]})
        if not is_json_request(req):
            raise UnsupportedMediaType("Send the body as JSON (Content-Type: application/json).")
        try:
            data = json.loads(raw, parse_constant=_not_json)
        except RecursionError:
            raise BadRequest(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.") from None
        except (ValueError, UnicodeDecodeError) as error:
            # NaN and Infinity are refused as ValueErrors, answered as malformed JSON too.
            return self._handle_invalid_json_error(error, req)  # type: ignore[arg-type]
        if _depth(data) > MAX_JSON_DEPTH:
            raise BadRequest(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.")
        return data


class PageQuerySchema(QuerySchema):
    class Meta:
        unknown = EXCLUDE  # the operation's other parameters are checked on their own

    page = Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))

    @post_load
    def _parameters(self, data, **kwargs):
        return PaginationParameters(**data)


def _query_names(func) -> frozenset[str]:
    """The query parameters an operation declares, from what its decorators documented."""
    apidoc = getattr(func, "_apidoc", {})
    declared = [
        p for p in apidoc.get("arguments", {}).get("parameters", []) if p.get("in") == "query"
    ]
    if "pagination" in apidoc:
        declared.append(apidoc["pagination"]["parameters"])
    names: set[str] = set()
    for parameter in declared:
        schema = parameter["schema"]
        schema = schema() if isinstance(schema, type) else schema
        names.update(f.data_key or name for name, f in schema.fields.items() if not f.dump_only)
    return frozenset(names)


# The decorators that act on a request, in the one order an operation stacks them (top
# first). Each reads what those below it did:
# - ``auth`` answers 401/403 before anything is read, and checks the query against the
#   parameters that ``arguments`` and ``paginate`` below it declared;
# - ``conditional`` and ``idempotent`` read the answer ``response`` built (a 304 for a
#   current ETag; the answer kept and replayed for an ``Idempotency-Key``), and document
#   their headers on the answers ``response`` documented;
# - ``arguments`` reads the body and the query, ``paginate`` the page, and ``response``
#   shapes what the view returned.
# The decorators that only document (``errors``, ``problem``, ``header``, ``doc``,
# ``precondition``) may sit anywhere.
ORDER = ("auth", "conditional", "idempotent", "arguments", "paginate", "response")


def _own_doc(func: Any) -> dict:
    """The operation's own copy of what its decorators documented (flask-smorest reads
    it from ``_apidoc``), to add to without changing the function it wraps."""
    func._apidoc = deepcopy(getattr(func, "_apidoc", {}))
    return func._apidoc


def _layer(name: str, func):
    """Record that ``func`` is wrapped by the decorator ``name`` (its layers, top first)."""
    func._academy_layers = (name, *getattr(func, "_academy_layers", ()))
    return func


def check_order(where: str, func) -> None:
    """Refuse an operation whose decorators are not stacked in ``ORDER``."""
    layers = getattr(func, "_academy_layers", ())
    for above, below in pairwise(layers):
        if ORDER.index(above) > ORDER.index(below):
            raise TypeError(
                f"{where}: @blp.{below} must sit above @blp.{above} "
                f"(an operation's decorators go in the order {', '.join(ORDER)})"
            )


# The form of every operationId: a verb (the HTTP method, or ``list`` for a GET that
# answers a list), then the view's name.
OPERATION_ID = re.compile(r"^(list|get|post|put|patch|delete)[A-Z][A-Za-z]*$")


def operation_id(view_name: str, method: str, answers_list: bool = False) -> str:
    """An operation's ``operationId``: its verb and its view's name (``listClients``,
    ``getClientById``, ``patchClientById``, ``postMyCheckIns``). View names are unique
    in the API, so the ids are; they change only when a view is renamed, so generated
    clients keep their method names from one release to the next."""
    return ("list" if method == "get" and answers_list else method) + view_name


def _answers_list(func) -> bool:
    """Whether the operation's 200 answer is a list (a paginated one, or a schema with
    ``many``)."""
    apidoc = getattr(func, "_apidoc", {})
    if "pagination" in apidoc:
        return True
    documented = apidoc.get("response", {}).get("responses", {}).get(200, [])
    return any(getattr(answer.get("schema"), "many", False) for answer in documented)


def _named(func, view_name: str, method: str):
    """Give the operation its ``operationId`` unless it names one itself."""
    func._apidoc = deepcopy(getattr(func, "_apidoc", {}))
    manual = func._apidoc.setdefault("manual_doc", {})
    manual.setdefault("operationId", operation_id(view_name, method, _answers_list(func)))
    return func


JSON = "application/json"


def refuse_hand_built(response: Response, view) -> None:
    """Every JSON body comes from the schema its operation declares (through its
    presenter): a view that built one itself is a mistake, refused at its first call,
    which the suite makes for every operation. Other bodies (a calendar, a file, a
    redirect) are the view's own."""
    if response.mimetype == JSON:
        raise TypeError(
            f"{view.__qualname__} built its JSON answer itself: return the data and let "
            "its @blp.response schema shape it"
        )


def _one_transaction(func):
    """The request boundary: the operation's writes are committed once, together, when
    it has answered; when it fails, the error handlers roll them back. Services change
    and flush, and never commit, so one calls another without committing half of it."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        response = func(*args, **kwargs)
        if request.method not in READS:
            db.session.commit()
        return response

    return wrapper


def _known_query_only(func):
    """Refuse, before the operation runs, query parameters it does not declare."""
    allowed = _query_names(func)

    @wraps(func)
    def wrapper(*args, **kwargs):
        unknown = sorted(set(request.args) - allowed)
        if unknown:
            raise Unprocessable(
                "The request did not pass validation.",
                errors={f"query.{name}": ["Unknown parameter."] for name in unknown},
            )
        return func(*args, **kwargs)

    checked: Any = wrapper
    checked._academy_query_checked = True
    return checked


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_header_doc)

    def header(self, name: str, description: str, *, required: bool = False, schema=None):
        """Document a request header the operation reads. Added to the operation's
        parameters (``doc(parameters=...)`` would replace those of its query)."""

        def decorator(func):
            func._apidoc = deepcopy(getattr(func, "_apidoc", {}))
            func._apidoc.setdefault("headers", []).append(
                {
                    "in": "header",
                    "name": name,
                    "required": required,
                    "schema": schema or {"type": "string"},
                    "description": description,
                }
            )
            return func

        return decorator

    @staticmethod
    def _prepare_header_doc(doc, doc_info, **kwargs):
        headers = doc_info.get("headers")
        if headers:
            doc.setdefault("parameters", []).extend(headers)
        return doc

    def route(self, rule, *, parameters=None, **options):
        """flask-smorest's, with one transaction per request, the query check on the
        operations that ``auth`` did not already give one (the public ones), the 503
        that every operation using the database may answer documented, and each
        operation's ``operationId`` named after its view (``operation_id``)."""
        register = super().route(rule, parameters=parameters, **options)

        def decorator(view):
            for method in getattr(view, "methods", None) or ():
                check_order(f"{view.__name__}.{method.lower()}", getattr(view, method.lower()))
                func = _named(getattr(view, method.lower()), view.__name__, method.lower())
                if not getattr(func, "_academy_query_checked", False):
                    func = _known_query_only(func)
                if not getattr(func, "_academy_without_database", False):
                    func = self.problem(503, DATABASE_UNAVAILABLE)(func)
                setattr(view, method.lower(), _one_transaction(func))
            return register(view)

        return decorator

    @staticmethod
    def without_database(func):
        """Mark an operation that never touches the database (no 503 to document)."""
        func._academy_without_database = True
        return func

    def arguments(self, schema, **kwargs):
        """flask-smorest's, with one schema instance per operation: given a class, the
        parser would build the schema and its nested schemas anew on every request. A
        body with ``required=False`` may be left out (the view gets its defaults)."""
        if isinstance(schema, type):
            schema = schema()
        schema.body_optional = kwargs.get("required") is False
        schema.cross_check = kwargs.pop("cross_check", None)
        parse = super().arguments(schema, **kwargs)
        return lambda func: _layer("arguments", parse(func))

    def paginate(self):
        """Read ``page`` and ``page_size``, hand them to the view as
        ``pagination_parameters`` (the view sets ``item_count``) and answer the pages in
        ``X-Pagination``."""
        error_status = self.ARGUMENTS_PARSER.DEFAULT_VALIDATION_STATUS

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                page = self.ARGUMENTS_PARSER.parse(PageQuerySchema(), request, location="query")
                kwargs["pagination_parameters"] = page
                result, status, headers = unpack_tuple_response(
                    current_app.ensure_sync(func)(*args, **kwargs)
                )
                result, headers = self._set_pagination_metadata(page, result, headers)
                return result, status, headers

            _own_doc(wrapper)["pagination"] = {
                "parameters": {"in": "query", "schema": PageQuerySchema},
                "response": {error_status: http.HTTPStatus(error_status).name},
            }
            return _layer("paginate", wrapper)

        return decorator

    @staticmethod
    def _make_pagination_metadata(page, page_size, item_count):
        """The same keys on every page, an empty list's included; previous and next
        only where there is such a page."""
        total_pages = -(-item_count // page_size)
        last_page = max(1, total_pages)
        metadata = {
            "total": item_count,
            "total_pages": total_pages,
            "page": page,
            "page_size": page_size,
            "first_page": 1,
            "last_page": last_page,
        }
        if 1 < page <= last_page + 1:
            metadata["previous_page"] = page - 1
        if page < last_page:
            metadata["next_page"] = page + 1
        return metadata

    def response(
        self, status_code, schema=None, *, etag: bool = False, location: bool = False, **kwargs
    ):
        """flask-smorest's; ``etag`` documents the ``ETag`` header the answer carries,
        ``location`` the ``Location`` of what a 201 created. (Its ``Cache-Control`` is
        documented by ``conditional`` or, for ``no-store``, for the whole document.)"""
        headers = dict(kwargs.pop("headers", None) or {})
        if etag:
            headers["ETag"] = ETAG_HEADER
        if location:
            headers["Location"] = LOCATION_HEADER
        if isinstance(schema, type):
            schema = schema()
        document = super().response(status_code, schema, headers=headers or None, **kwargs)
        present = presenter(schema) if isinstance(schema, Schema) else None

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                result, status, headers = unpack_tuple_response(func(*args, **kwargs))
                if isinstance(result, Response):
                    refuse_hand_built(result, func)
                    return result, status, headers
                if present is None:
                    if result is not None:
                        raise TypeError(
                            f"{func.__qualname__} declares no schema for its answer but "
                            "answered a body: declare it in @blp.response"
                        )
                    return result, status, headers
                answer = Response(encode(present(result)), mimetype=JSON)
                answer.status_code = status or status_code
                return answer, None, headers

            return _layer("response", document(wrapper))

        return decorator

    def problem(self, status: int, description: str):
        """Document a problem+json answer of ``status`` (with ``Retry-After`` where the
        status tells the caller to come back later)."""
        headers = {"Retry-After": RETRY_AFTER_HEADER} if status in (429, 503) else None
        return self.alt_response(
            status,
            schema=ProblemSchema,
            description=description,
            content_type=PROBLEM,
            headers=headers,
        )

    def auth(self, roles: tuple[str, ...] | None = None):
        """Require a bearer token (and one of ``roles``), and say so in the docs. The
        query is checked once the caller is known."""

        def decorator(func):
            wrapped = require_auth(roles)(_known_query_only(func))
            # ``x-roles``: the roles that may call it (any signed-in user without).
            access = {"x-roles": list(roles)} if roles is not None else {}
            wrapped = self.doc(security=[{"bearerAuth": []}], **access)(wrapped)
            wrapped = self.problem(401, "No, unknown, expired or revoked token")(wrapped)
            if roles is not None:
                wrapped = self.problem(403, "The caller's role may not do this")(wrapped)
            return _layer("auth", wrapped)

        return decorator

    def conditional(self, cache_control: str = REVALIDATE, description: str | None = None):
        """A read the client app repeats: it answers an ``ETag`` and ``Cache-Control``
        (``private, no-cache`` unless told otherwise), and 304 with no body to
        ``If-None-Match`` holding that ETag. It sits above ``paginate`` and ``response``
        (``ORDER``): it reads their answer."""
        caching = cache_control_header(cache_control, description)
        headers = {"ETag": CONTENT_ETAG_HEADER, "Cache-Control": caching}

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                response = make_response(func(*args, **kwargs))
                return answer_conditionally(response, cache_control)

            wrapper = self.header(
                "If-None-Match", "The `ETag` of the answer you hold: 304 while it is current."
            )(wrapper)
            # The 200 that ``response`` documented (a view without one documents its own).
            for answer in _own_doc(wrapper).get("response", {}).get("responses", {}).get(200, []):
                answer["headers"] = {**(answer.get("headers") or {}), **headers}
            wrapper = self.alt_response(
                304, description="Not modified: the answer you hold is current", headers=headers
            )(wrapper)
            return _layer("conditional", wrapper)

        return decorator

    def idempotent(self):
        """A POST that honours ``Idempotency-Key`` (``academy.common.idempotency``): a
        retry with the key gets the first answer again. Documents the header it reads.
        It sits below ``auth`` (the key is the caller's) and above ``arguments`` and
        ``response`` (``ORDER``): it keeps the answer they built."""

        def decorator(func):
            wrapped = idempotency.idempotent(func)
            wrapped = self.header(
                idempotency.HEADER,
                idempotency.KEY_DESCRIPTION,
                schema=idempotency.KEY_SCHEMA,
            )(wrapped)
            return _layer("idempotent", wrapped)

        return decorator

    def precondition(self):
        """Document that a write needs ``If-Match`` with the ETag of the caller's last
        read (428 without it, 412 when stale); the view checks it with ``if_match()``."""

        def decorator(func):
            # An empty If-Match names no version: it is answered as a missing one (428).
            func = self.header(
                "If-Match",
                "The `ETag` of your last read, or `*`.",
                required=True,
                schema={"type": "string", "minLength": 1},
            )(func)
            func = self.problem(412, "If-Match does not match the current version")(func)
            return self.problem(428, "If-Match is required")(func)

        return decorator

    def errors(self, *statuses: int):
        """Document the problem responses an operation can give besides 401/403."""
        descriptions = {
            400: "Malformed JSON",
            403: "Not allowed here",
            404: "Not found in the caller's academy",
            409: "Clashes with existing data",
            413: "Body too large",
            422: "Validation failed; `errors` names each failing field",
            429: "Too many attempts",
        }

        def decorator(func):
            for status in statuses:
                func = self.problem(status, descriptions[status])(func)
            return func

        return decorator
