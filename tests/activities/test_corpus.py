"""The corpus over HTTP: each file's activities as worked out by hand from how it was
made (``tests/activities/corpus``), or its refusal; and each file's figures against
the file's own totals, read by another decoder (FIT sessions by fitdecode, TCX laps by
ElementTree): distance within 1 %, elapsed time within 1 s."""

import io
from datetime import datetime
from xml.etree import ElementTree

import fitdecode
import pytest

from academy.activities import parsing
from academy.activities.models import Activity
from tests.activities.conftest import upload
from tests.activities.corpus import CASES, long_run
from tests.conftest import count_rows, problem_of

READ = [case for case in CASES if not case.refused]
REFUSED = [case for case in CASES if case.refused]


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _answered(http, actor, body: dict) -> list[dict]:
    """Every leg's activity of an upload's answer, as the client reads it."""
    return [
        http.get(f"/api/v1/me/activities/{leg['id']}", headers=actor.headers).get_json()
        for leg in body["legs"]
    ]


@pytest.mark.parametrize("case", READ, ids=[case.name for case in READ])
def test_each_file_reads_as_worked_out_by_hand(http, client_user, case):
    response = upload(http, client_user, case.make(), case.name)

    assert response.status_code == 201, response.get_data(as_text=True)
    legs = _answered(http, client_user, response.get_json())
    assert len(legs) == len(case.expected)
    for leg, expected in zip(legs, case.expected, strict=True):
        wanted = {**expected, "started_at": _iso(expected["started_at"])}
        assert {key: leg[key] for key in wanted} == wanted


@pytest.mark.parametrize("case", REFUSED, ids=[case.name for case in REFUSED])
def test_each_refused_file_is_422_saying_why(http, client_user, case):
    response = upload(http, client_user, case.make(), case.name)

    [message] = problem_of(response, 422)["errors"]["file"]
    assert message.startswith(case.refused)
    assert count_rows(Activity) == 0


def _fit_totals(data: bytes) -> list[tuple[float, float]]:
    """(distance m, elapsed s) of each session but the transitions, by fitdecode."""
    totals = []
    for frame in fitdecode.FitReader(io.BytesIO(data)):
        if (
            frame.frame_type == fitdecode.FIT_FRAME_DATA
            and frame.name == "session"
            and frame.get_value("sport") != "transition"
        ):
            distance = frame.get_value("total_distance", fallback=None) or 0.0
            totals.append((distance, frame.get_value("total_elapsed_time")))
    return totals


_TCX = "{http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2}"


def _tcx_totals(data: bytes) -> list[tuple[float, float]]:
    """(distance m, elapsed s) of each activity from its laps: their distances summed,
    from the first lap's start to the last one's end."""
    totals = []
    for activity in ElementTree.fromstring(data).iter(f"{_TCX}Activity"):
        laps = activity.findall(f"{_TCX}Lap")
        starts = [datetime.fromisoformat(lap.get("StartTime")) for lap in laps]
        seconds = [float(lap.findtext(f"{_TCX}TotalTimeSeconds")) for lap in laps]
        metres = sum(float(lap.findtext(f"{_TCX}DistanceMeters") or 0) for lap in laps)
        totals.append((metres, (starts[-1] - starts[0]).total_seconds() + seconds[-1]))
    return totals


SUMMARISED = [case for case in READ if case.summarised]


@pytest.mark.parametrize("case", SUMMARISED, ids=[case.name for case in SUMMARISED])
def test_each_file_agrees_with_its_own_totals(case):
    data = case.make()
    totals = _fit_totals(data) if case.name.endswith(".fit") else _tcx_totals(data)

    legs = parsing.parse(data)["legs"]

    assert len(legs) == len(totals)
    for leg, (distance, elapsed) in zip(legs, totals, strict=True):
        assert abs(leg["distance_m"] - distance) <= 0.01 * distance
        assert abs(leg["duration_seconds"] - elapsed) <= 1


def test_every_case_with_totals_is_compared():
    """The files whose own format carries totals are all compared above."""
    carrying = {case.name for case in READ if case.name.endswith((".fit", ".tcx"))}
    assert carrying == {case.name for case in SUMMARISED}


def test_a_48_hour_fit_of_ten_megabytes_reads_whole():
    """The largest file an upload takes, a point a second for 48 hours, reads to its
    end. How fast is a figure of bench/decoders.py (``Academy: parsing.parse``), not
    a bound a test can hold on every machine."""
    data = long_run()
    assert 9 * 2**20 < len(data) <= 10 * 2**20

    [leg] = parsing.parse(data)["legs"]

    assert (leg["distance_m"], leg["duration_seconds"]) == (400_000.0, 172_800)
