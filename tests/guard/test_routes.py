"""The plan stays safe as the runner changes: items held in the client's reads, the
coach's plan conflicts and dashboard reason, and the swap for the easier rung."""

import json
from datetime import date

import pytest
import sqlalchemy as sa

from academy.assessments import safety
from academy.audit.models import AuditEntry
from academy.exercises.models import Exercise
from academy.extensions import db
from academy.guard.service import work_of
from academy.programs.models import Assignment, ProgramItem, ProgramSession
from tests.conftest import count_rows, count_statements, measured, problem_of
from tests.guard.conftest import (
    MONDAY,
    TUESDAY,
    WEDNESDAY,
    apply_easier,
    assign_program,
    assignment_etag,
    conflicts_of,
    held_items,
    long_block,
    my_sessions,
    rate_pain,
    reasons_of,
    short_block,
    spring_block,
)

HOPS_HELD = {
    "rule": "painful_region",
    "reason": "Your left knee hurt (6/10) when you checked in on 10 March: no hopping or "
    "jumping yet.",
}
RUN_HELD = {
    "rule": "painful_region",
    "reason": "Your left knee hurt (6/10) when you checked in on 10 March: no running yet.",
}
THURSDAY = "2026-03-12"
NEXT_THURSDAY = "2026-03-19"


def ladder_rung(ex, slug: str, name: str) -> dict:
    return {"exercise_id": ex[slug], "name": name}


def live_items(program_id: int) -> list[tuple]:
    """(week, day, kind, exercise slug, sets, reps, duration, notes) of each live item of
    the program, in order."""
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(
            ProgramSession.week,
            ProgramSession.day,
            ProgramItem.kind,
            Exercise.slug,
            ProgramItem.sets,
            ProgramItem.reps,
            ProgramItem.duration_seconds,
            ProgramItem.notes,
        )
        .join(ProgramItem, ProgramItem.session_id == ProgramSession.id)
        .outerjoin(Exercise, Exercise.id == ProgramItem.exercise_id)
        .where(ProgramSession.program_id == program_id, ProgramSession.retired_at.is_(None))
        .order_by(ProgramSession.week, ProgramSession.day, ProgramItem.position)
    )
    return [tuple(row) for row in rows]


def sessions_of_program(program_id: int) -> dict[int, tuple]:
    """Every session of the program, retired or not: id -> (week, day, retired)."""
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(
            ProgramSession.id,
            ProgramSession.week,
            ProgramSession.day,
            ProgramSession.retired_at.is_not(None),
        ).where(ProgramSession.program_id == program_id)
    )
    return {row[0]: tuple(row[1:]) for row in rows}


def stored_version(assignment_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Assignment, assignment_id).version


@pytest.fixture
def spring(http, coach, client_user, ex, clock) -> dict:
    """Cliff's spring block from Monday 9 March, Monday's session done with a check-in;
    the clock then moves to Tuesday. ``{assignment, monday_check_in}``."""
    clock(MONDAY)
    assignment = assign_program(http, coach, client_user.id, spring_block(ex))
    monday = my_sessions(http, client_user, assignment["id"])["2026-03-09"]
    response = http.post(
        "/api/v1/me/check-ins",
        json={
            "date": "2026-03-09",
            "assignment_id": assignment["id"],
            "session_id": monday["id"],
            "results": [{"item_id": item["id"]} for item in monday["items"]],
        },
        headers=client_user.headers,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    clock(TUESDAY)
    return {"assignment": assignment, "monday_check_in": response.get_json()}


@pytest.fixture
def sore_knee(http, client_user, spring) -> dict:
    """On Tuesday Cliff checks in with left knee pain 6."""
    rate_pain(http, client_user, "2026-03-10", 6)
    return spring


class TestTheClosedLoop:
    """A check-in on Tuesday reporting left knee pain 6 holds Thursday's hops and run;
    the coach sees it and swaps them for the easier rung in one call."""

    def test_before_the_check_in_nothing_is_held(self, http, coach, client_user, spring):
        sessions = my_sessions(http, client_user, spring["assignment"]["id"])

        assert held_items(sessions.values()) == []
        assert conflicts_of(http, coach, client_user.id).get_json() == []
        assert "plan_conflicts" not in {r["code"] for r in reasons_of(http, coach, client_user.id)}

    def test_her_app_answers_thursdays_hops_and_run_held_naming_her_left_knee(
        self, http, client_user, sore_knee
    ):
        today = http.get(f"/api/v1/me/today?date={THURSDAY}", headers=client_user.headers)

        assert today.status_code == 200
        [thursday] = today.get_json()["sessions"]
        assert [(i["exercise_name"] or i["run"]["type"], i["held"]) for i in thursday["items"]] == [
            ("90-90 Breathing", None),
            ("Travelling Pogo Hops", HOPS_HELD),
            ("easy", RUN_HELD),
        ]
        sessions = my_sessions(http, client_user, sore_knee["assignment"]["id"])
        assert held_items(sessions.values()) == [
            (THURSDAY, "Travelling Pogo Hops", HOPS_HELD),
            (THURSDAY, "easy", RUN_HELD),
            (NEXT_THURSDAY, "Pogo Jumps", HOPS_HELD),
            (NEXT_THURSDAY, "easy", RUN_HELD),
        ]
        # Monday's Pogo Jumps are behind her: only what is ahead is held.
        assert [i["held"] for i in sessions["2026-03-09"]["items"]] == [None, None]
        schedule = http.get(
            "/api/v1/me/schedule?from=2026-03-09&to=2026-03-22", headers=client_user.headers
        ).get_json()
        thursday_items = [i["id"] for i in thursday["items"]]
        assert {e["date"]: e["held"] for e in schedule} == {
            "2026-03-09": [],
            THURSDAY: [
                {"item_id": thursday_items[1], **HOPS_HELD},
                {"item_id": thursday_items[2], **RUN_HELD},
            ],
            "2026-03-16": [],
            NEXT_THURSDAY: [
                {"item_id": i["id"], **i["held"]}
                for i in sessions[NEXT_THURSDAY]["items"]
                if i["held"]
            ],
        }

    def test_an_exercise_retyped_is_read_afresh_by_her_next_read(
        self, http, client_user, sore_knee
    ):
        """What the rules read of an exercise is kept between reads by its stored values
        (``documents.work_of``): a change to them is seen by the very next read."""
        assignment_id = sore_knee["assignment"]["id"]
        held = held_items(my_sessions(http, client_user, assignment_id).values())
        assert (THURSDAY, "Travelling Pogo Hops", HOPS_HELD) in held

        hops = db.session.scalars(
            sa.select(Exercise).where(Exercise.name == "Travelling Pogo Hops")
        ).one()
        hops.impact, hops.loads = "none", []
        db.session.commit()

        held = held_items(my_sessions(http, client_user, assignment_id).values())
        assert [name for _, name, _ in held] == ["easy", "Pogo Jumps", "easy"]

    def test_her_assignment_is_read_with_each_id_bound_alone(self, http, client_user, sore_knee):
        """Her own reads are built once for one client and one program: sent as
        compiled, with no list of ids expanded into them on every request."""
        assignment_id = sore_knee["assignment"]["id"]
        with count_statements() as statements:
            held = held_items(my_sessions(http, client_user, assignment_id).values())
        assert held  # the guard's reads ran
        expanded = [s for s in statements if "_id IN (" in s]
        assert not expanded

    def test_the_coachs_dashboard_shows_the_plan_conflicts_with_their_count(
        self, http, coach, client_user, sore_knee
    ):
        reasons = reasons_of(http, coach, client_user.id)

        assert {
            "code": "plan_conflicts",
            "detail": f"4 item(s) ahead held back by the safety rules "
            f"(GET /clients/{client_user.id}/plan-conflicts).",
            "count": 4,
        } in reasons

    def test_the_plan_conflicts_list_each_item_with_its_easier_rung(
        self, http, coach, client_user, ex, sore_knee
    ):
        response = conflicts_of(http, coach, client_user.id)

        assert response.status_code == 200
        assert json.loads(response.headers["X-Pagination"])["total"] == 4
        sessions = my_sessions(http, client_user, sore_knee["assignment"]["id"])
        heel_drops = ladder_rung(ex, "eccentric-heel-drops", "Eccentric Heel Drops")
        walk = ladder_rung(ex, "metronome-walk", "Metronome Walk")
        expected = []
        for on, (week, day) in ((THURSDAY, (1, 4)), (NEXT_THURSDAY, (2, 4))):
            session = sessions[on]
            hops, run = session["items"][1:]
            for item, held, easier in ((hops, HOPS_HELD, heel_drops), (run, RUN_HELD, walk)):
                expected.append(
                    {
                        "assignment_id": sore_knee["assignment"]["id"],
                        "session_id": session["id"],
                        "week": week,
                        "day": day,
                        "date": on,
                        "item_id": item["id"],
                        "kind": item["kind"],
                        "exercise_id": item["exercise_id"],
                        "name": item["exercise_name"] or "Easy run",
                        "held": held,
                        "easier": easier,
                    }
                )
        assert response.get_json() == expected

    def test_the_coach_swaps_them_in_one_call_and_nothing_is_held_afterwards(
        self, http, coach, client_user, ex, sore_knee
    ):
        assignment = sore_knee["assignment"]
        program_id = assignment["program"]["id"]
        conflicts = conflicts_of(http, coach, client_user.id).get_json()
        etag = assignment_etag(http, coach, assignment["id"])
        sessions_before = sessions_of_program(program_id)
        audit_before = count_rows(AuditEntry)

        response = apply_easier(
            http, coach, assignment["id"], [c["item_id"] for c in conflicts], etag
        )

        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.headers["ETag"] != etag
        assert response.headers["ETag"] == assignment_etag(http, coach, assignment["id"])
        heel_drops = ladder_rung(ex, "eccentric-heel-drops", "Eccentric Heel Drops")
        walk = ladder_rung(ex, "metronome-walk", "Metronome Walk")
        assert response.get_json() == {
            "assignment_id": assignment["id"],
            "program_id": program_id,
            "swapped": [
                {"item_id": c["item_id"], "held": c["held"], "easier": c["easier"]}
                for c in conflicts
            ],
        }
        assert [s["easier"] for s in response.get_json()["swapped"]] == [
            heel_drops, walk, heel_drops, walk,
        ]  # fmt: skip
        # Stored: Thursday's items swapped at the rung's own dosage, with a note why.
        hops_note = f"Swapped from Travelling Pogo Hops: {HOPS_HELD['reason']}"
        jumps_note = f"Swapped from Pogo Jumps: {HOPS_HELD['reason']}"
        run_note = f"Swapped from Easy run: {RUN_HELD['reason']}"
        assert live_items(program_id) == [
            (1, 1, "exercise", "90-90-breathing", None, None, None, ""),
            (1, 1, "exercise", "pogo-jumps", 2, 10, None, ""),
            (1, 4, "exercise", "90-90-breathing", None, None, None, ""),
            (1, 4, "exercise", "eccentric-heel-drops", 3, 15, None, hops_note),
            (1, 4, "exercise", "metronome-walk", 1, None, 600, run_note),
            (2, 1, "exercise", "90-90-breathing", None, None, None, ""),
            (2, 1, "exercise", "all-4s-pelvic-tucks", 2, 8, None, ""),
            (2, 4, "exercise", "90-90-breathing", None, None, None, ""),
            (2, 4, "exercise", "eccentric-heel-drops", 3, 15, None, jumps_note),
            (2, 4, "exercise", "metronome-walk", 1, None, 600, run_note),
        ]
        # The two Thursdays are retired and written anew; the Mondays stay as they were.
        sessions_after = sessions_of_program(program_id)
        thursdays = {c["session_id"] for c in conflicts}
        for session_id, (week, day, _) in sessions_before.items():
            retired = sessions_after[session_id][2]
            assert retired is (session_id in thursdays), (week, day)
        assert len(sessions_after) == len(sessions_before) + 2
        assert count_rows(AuditEntry) == audit_before + 1
        entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (entry.action, entry.resource, entry.resource_id, entry.fields) == (
            "update", "program", program_id, ["sessions"],
        )  # fmt: skip
        assert (entry.actor_id, entry.actor_role) == (coach.id, "coach")
        # Monday's check-in still shows what was prescribed that day.
        check_in = http.get(
            f"/api/v1/me/check-ins/{sore_knee['monday_check_in']['id']}",
            headers=client_user.headers,
        ).get_json()
        assert [
            (r["prescribed"]["exercise_name"], r["prescribed"]["sets"], r["prescribed"]["reps"])
            for r in check_in["results"]
        ] == [("90-90 Breathing", None, None), ("Pogo Jumps", 2, 10)]
        # Nothing is held any more, and the dashboard reason is gone.
        assert held_items(my_sessions(http, client_user, assignment["id"]).values()) == []
        thursday = http.get(f"/api/v1/me/today?date={THURSDAY}", headers=client_user.headers)
        assert [
            (i["exercise_name"], i["held"]) for i in thursday.get_json()["sessions"][0]["items"]
        ] == [
            ("90-90 Breathing", None),
            ("Eccentric Heel Drops", None),
            ("Metronome Walk", None),
        ]
        assert conflicts_of(http, coach, client_user.id).get_json() == []
        assert "plan_conflicts" not in {r["code"] for r in reasons_of(http, coach, client_user.id)}

    def test_a_later_check_in_with_pain_1_clears_the_hold_on_its_own(
        self, http, coach, client_user, clock, sore_knee
    ):
        clock(WEDNESDAY)

        rate_pain(http, client_user, "2026-03-11", 1)

        sessions = my_sessions(http, client_user, sore_knee["assignment"]["id"])
        assert held_items(sessions.values()) == []
        assert conflicts_of(http, coach, client_user.id).get_json() == []
        assert "plan_conflicts" not in {r["code"] for r in reasons_of(http, coach, client_user.id)}
        # Nothing was changed: the hops are still there, now allowed.
        names = [i["exercise_name"] for i in sessions[THURSDAY]["items"]]
        assert names == ["90-90 Breathing", "Travelling Pogo Hops", None]

    def test_a_check_in_two_weeks_old_holds_nothing(
        self, http, coach, client_user, ex, clock, sore_knee
    ):
        clock("2026-03-24T12:00:00Z")
        later = assign_program(http, coach, client_user.id, spring_block(ex), date(2026, 3, 23))

        sessions = my_sessions(http, client_user, later["id"])

        assert held_items(sessions.values()) == []
        assert conflicts_of(http, coach, client_user.id).get_json() == []


# --- the coach's list ---------------------------------------------------------------------


class TestPlanConflicts:
    def test_it_pages_the_conflicts(self, http, coach, client_user, sore_knee):
        first = conflicts_of(http, coach, client_user.id, "?page_size=3")
        second = conflicts_of(http, coach, client_user.id, "?page_size=3&page=2")

        assert first.status_code == second.status_code == 200
        pagination = json.loads(first.headers["X-Pagination"])
        assert (pagination["total"], pagination["total_pages"]) == (4, 2)
        assert [c["date"] for c in first.get_json()] == [THURSDAY, THURSDAY, NEXT_THURSDAY]
        assert [c["name"] for c in second.get_json()] == ["Easy run"]

    def test_a_paused_assignment_has_no_conflicts(self, http, coach, client_user, sore_knee):
        url = f"/api/v1/assignments/{sore_knee['assignment']['id']}"
        etag = assignment_etag(http, coach, sore_knee["assignment"]["id"])
        paused = http.patch(
            url, json={"status": "paused"}, headers={**coach.headers, "If-Match": etag}
        )
        assert paused.status_code == 200

        response = conflicts_of(http, coach, client_user.id)

        assert response.status_code == 200
        assert response.get_json() == []

    def test_no_safe_rung_answers_easier_null(self, http, coach, client_user, ex, spring):
        # Night pain is a red flag: nothing beyond position and breathing. A run's ladder
        # (walk-run intervals, the metronome walk and march) has no rung that allows.
        recorded = http.post(
            f"/api/v1/clients/{client_user.id}/assessments",
            json={"assessed_on": "2026-03-09", "symptoms": ["night_pain"]},
            headers=coach.headers,
        )
        assert recorded.status_code == 201

        response = conflicts_of(http, coach, client_user.id)

        red_flag = {
            "rule": "red_flag",
            "reason": "You have had pain at night: only position and breathing work until a "
            "clinician has had a look.",
        }
        balance = ladder_rung(ex, "single-leg-short-foot-balance", "Single-Leg Short Foot Balance")
        assert [(c["name"], c["held"], c["easier"]) for c in response.get_json()] == [
            ("Travelling Pogo Hops", red_flag, balance),
            ("Easy run", red_flag, None),
            ("Pogo Jumps", red_flag, balance),
            ("Easy run", red_flag, None),
        ]

    def test_it_returns_404_for_another_academys_client(
        self, http, other_academy_coach, client_user, sore_knee
    ):
        response = conflicts_of(http, other_academy_coach, client_user.id)

        assert "easier" not in json.dumps(problem_of(response, 404))

    def test_a_client_gets_403(self, http, client_user, sore_knee):
        problem_of(conflicts_of(http, client_user, client_user.id), 403)

    def test_it_needs_a_token(self, http, client_user, sore_knee):
        problem_of(http.get(f"/api/v1/clients/{client_user.id}/plan-conflicts"), 401)

    def test_the_statement_count_does_not_grow_with_the_plan(
        self, http, coach, client_user, other_client_user, ex, clock
    ):
        assign_program(http, coach, client_user.id, short_block(ex))
        assign_program(http, coach, other_client_user.id, long_block(ex))
        url = "/api/v1/clients/{}/plan-conflicts?page_size=100"

        _, short_clear = measured(http.get, url.format(client_user.id), headers=coach.headers)
        _, long_clear = measured(http.get, url.format(other_client_user.id), headers=coach.headers)
        rate_pain(http, client_user, "2026-03-10", 6)
        rate_pain(http, other_client_user, "2026-03-10", 6)
        short, short_held = measured(http.get, url.format(client_user.id), headers=coach.headers)
        long, long_held = measured(
            http.get, url.format(other_client_user.id), headers=coach.headers
        )

        # Tuesday: the long plan's first Monday is behind, its 35 other sessions ahead.
        assert (len(short.get_json()), len(long.get_json())) == (1, 70)
        # The token, the client, the latest assessment, the recent pain ratings, the
        # items ahead; with something to hold, the exercises and their ladder.
        assert short_clear == long_clear <= 5
        assert short_held == long_held <= short_clear + 3


# --- the coach's swap -----------------------------------------------------------------------


class TestApplyEasier:
    def test_an_item_with_no_safe_rung_is_removed(self, http, coach, client_user, ex, spring):
        http.post(
            f"/api/v1/clients/{client_user.id}/assessments",
            json={"assessed_on": "2026-03-09", "symptoms": ["night_pain"]},
            headers=coach.headers,
        )
        assignment = spring["assignment"]
        conflicts = conflicts_of(http, coach, client_user.id).get_json()
        etag = assignment_etag(http, coach, assignment["id"])

        response = apply_easier(
            http, coach, assignment["id"], [c["item_id"] for c in conflicts], etag
        )

        assert response.status_code == 200, response.get_data(as_text=True)
        assert [s["easier"] for s in response.get_json()["swapped"]] == [
            c["easier"] for c in conflicts
        ]
        thursdays = [i for i in live_items(assignment["program"]["id"]) if i[1] == 4]
        # The position drill swapped in for a hop moves up to its stage's place.
        assert [(week, slug) for week, _, _, slug, *_ in thursdays] == [
            (1, "single-leg-short-foot-balance"),
            (1, "90-90-breathing"),
            (2, "single-leg-short-foot-balance"),
            (2, "90-90-breathing"),
        ]
        assert conflicts_of(http, coach, client_user.id).get_json() == []

    def test_some_of_the_items_can_be_swapped(self, http, coach, client_user, ex, sore_knee):
        assignment = sore_knee["assignment"]
        conflicts = conflicts_of(http, coach, client_user.id).get_json()
        etag = assignment_etag(http, coach, assignment["id"])

        response = apply_easier(http, coach, assignment["id"], [conflicts[0]["item_id"]], etag)

        assert response.status_code == 200
        assert [s["item_id"] for s in response.get_json()["swapped"]] == [conflicts[0]["item_id"]]
        left = conflicts_of(http, coach, client_user.id).get_json()
        assert [(c["date"], c["name"]) for c in left] == [
            (THURSDAY, "Easy run"),
            (NEXT_THURSDAY, "Pogo Jumps"),
            (NEXT_THURSDAY, "Easy run"),
        ]
        [reason] = [
            r for r in reasons_of(http, coach, client_user.id) if r["code"] == "plan_conflicts"
        ]
        assert reason["count"] == 3
        assert reason["detail"].startswith("3 item(s) ahead held back by the safety rules")

    @pytest.mark.parametrize(
        ("items", "named"),
        [
            ([], "items"),
            ("all", "items"),
            ([0], "items[0]"),
            (["seven"], "items[0]"),
        ],
    )
    def test_a_malformed_list_is_422_and_changes_nothing(
        self, http, coach, sore_knee, items, named
    ):
        assignment = sore_knee["assignment"]
        etag = assignment_etag(http, coach, assignment["id"])
        before = live_items(assignment["program"]["id"])

        response = apply_easier(http, coach, assignment["id"], items, etag)

        assert named in problem_of(response, 422)["errors"]
        assert live_items(assignment["program"]["id"]) == before
        assert stored_version(assignment["id"]) == 1

    def test_an_item_not_held_is_422_naming_it_and_changes_nothing(
        self, http, coach, client_user, sore_knee
    ):
        assignment = sore_knee["assignment"]
        conflicts = conflicts_of(http, coach, client_user.id).get_json()
        sessions = my_sessions(http, client_user, assignment["id"])
        breathing = sessions[THURSDAY]["items"][0]["id"]  # Thursday's breathing: allowed
        monday_jumps = sessions["2026-03-09"]["items"][1]["id"]  # behind her: not held
        etag = assignment_etag(http, coach, assignment["id"])
        before, audit_before = live_items(assignment["program"]["id"]), count_rows(AuditEntry)

        response = apply_easier(
            http, coach, assignment["id"], [conflicts[0]["item_id"], breathing, monday_jumps], etag
        )

        problem = problem_of(response, 422)
        assert problem["errors"] == {
            "items[1]": [f"Item {breathing} is not an item ahead that the safety rules hold back."],
            "items[2]": [
                f"Item {monday_jumps} is not an item ahead that the safety rules hold back."
            ],
        }
        assert live_items(assignment["program"]["id"]) == before
        assert count_rows(AuditEntry) == audit_before
        assert stored_version(assignment["id"]) == 1
        assert len(conflicts_of(http, coach, client_user.id).get_json()) == 4

    def test_an_item_of_another_assignment_is_422_and_changes_nothing(
        self, http, coach, client_user, ex, sore_knee
    ):
        assignment = sore_knee["assignment"]
        other = assign_program(http, coach, client_user.id, short_block(ex))
        theirs = next(
            c["item_id"]
            for c in conflicts_of(http, coach, client_user.id).get_json()
            if c["assignment_id"] == other["id"]
        )
        etag = assignment_etag(http, coach, assignment["id"])
        before = live_items(assignment["program"]["id"])
        other_before = live_items(other["program"]["id"])

        response = apply_easier(http, coach, assignment["id"], [theirs], etag)

        assert list(problem_of(response, 422)["errors"]) == ["items[0]"]
        assert live_items(assignment["program"]["id"]) == before
        assert live_items(other["program"]["id"]) == other_before
        assert stored_version(assignment["id"]) == stored_version(other["id"]) == 1

    def test_an_archived_program_is_409_and_changes_nothing(
        self, http, coach, client_user, sore_knee
    ):
        assignment = sore_knee["assignment"]
        program_id = assignment["program"]["id"]
        archived = http.delete(
            f"/api/v1/programs/{program_id}", headers={**coach.headers, "If-Match": "*"}
        )
        assert archived.status_code == 204
        conflicts = conflicts_of(http, coach, client_user.id).get_json()
        etag = assignment_etag(http, coach, assignment["id"])
        before = live_items(program_id)

        response = apply_easier(http, coach, assignment["id"], [conflicts[0]["item_id"]], etag)

        assert "archived" in problem_of(response, 409)["detail"]
        assert live_items(program_id) == before
        assert stored_version(assignment["id"]) == 1

    def test_it_needs_if_match_428(self, http, coach, client_user, sore_knee):
        assignment = sore_knee["assignment"]
        conflicts = conflicts_of(http, coach, client_user.id).get_json()
        before = live_items(assignment["program"]["id"])

        response = apply_easier(http, coach, assignment["id"], [conflicts[0]["item_id"]])

        problem_of(response, 428)
        assert live_items(assignment["program"]["id"]) == before

    def test_a_stale_etag_is_412(self, http, coach, client_user, sore_knee):
        assignment = sore_knee["assignment"]
        conflicts = conflicts_of(http, coach, client_user.id).get_json()
        etag = assignment_etag(http, coach, assignment["id"])
        first = apply_easier(http, coach, assignment["id"], [conflicts[0]["item_id"]], etag)
        assert first.status_code == 200
        after_first = live_items(assignment["program"]["id"])

        response = apply_easier(http, coach, assignment["id"], [conflicts[2]["item_id"]], etag)

        problem_of(response, 412)
        assert live_items(assignment["program"]["id"]) == after_first
        assert stored_version(assignment["id"]) == 2

    def test_it_returns_404_for_another_academys_assignment(
        self, http, coach, client_user, other_academy_coach, sore_knee
    ):
        assignment = sore_knee["assignment"]
        conflicts = conflicts_of(http, coach, client_user.id).get_json()
        before = live_items(assignment["program"]["id"])

        response = apply_easier(
            http, other_academy_coach, assignment["id"], [conflicts[0]["item_id"]], "*"
        )

        problem_of(response, 404)
        assert live_items(assignment["program"]["id"]) == before

    def test_a_client_gets_403(self, http, coach, client_user, sore_knee):
        assignment = sore_knee["assignment"]
        conflicts = conflicts_of(http, coach, client_user.id).get_json()
        before = live_items(assignment["program"]["id"])

        response = apply_easier(http, client_user, assignment["id"], [conflicts[0]["item_id"]], "*")

        problem_of(response, 403)
        assert live_items(assignment["program"]["id"]) == before

    def test_it_needs_a_token(self, http, coach, client_user, sore_knee):
        assignment = sore_knee["assignment"]
        before = live_items(assignment["program"]["id"])

        response = http.post(
            f"/api/v1/assignments/{assignment['id']}/apply-easier",
            json={"items": [1]},
            headers={"If-Match": "*"},
        )

        problem_of(response, 401)
        assert live_items(assignment["program"]["id"]) == before

    def test_the_statement_count_does_not_grow_with_the_plan(
        self, http, coach, client_user, other_client_user, ex, clock
    ):
        short = assign_program(http, coach, client_user.id, short_block(ex))
        long = assign_program(http, coach, other_client_user.id, long_block(ex))
        rate_pain(http, client_user, "2026-03-10", 6)
        rate_pain(http, other_client_user, "2026-03-10", 6)
        counted = {}
        for name, client, assignment in (
            ("short", client_user, short),
            ("long", other_client_user, long),
        ):
            items = [c["item_id"] for c in conflicts_of(http, coach, client.id).get_json()]
            thursday = my_sessions(http, client, assignment["id"])["2026-03-12"]
            breathing = thursday["items"][0]["id"]
            etag = assignment_etag(http, coach, assignment["id"])
            db.session.expire_all()
            with count_statements() as refused:
                not_held = apply_easier(http, coach, assignment["id"], [breathing], etag)
            db.session.expire_all()
            with count_statements() as swapped:
                response = apply_easier(http, coach, assignment["id"], items, etag)
            assert (not_held.status_code, response.status_code) == (422, 200)
            counted[name] = (len(items), refused, swapped)

        (short_items, short_refused, short_swapped) = counted["short"]
        (long_items, long_refused, long_swapped) = counted["long"]
        assert (short_items, long_items) == (1, 70)
        assert len(short_refused) == len(long_refused)
        if db.engine.dialect.name == "sqlite":
            # SQLite cannot hand back the ids of a many-row INSERT in the order the rows
            # were sent, so SQLAlchemy writes each new session and item in a statement of
            # its own there; every other statement is the same.
            def rows_written(statement: str) -> bool:
                return statement.startswith(
                    ("INSERT INTO program_sessions", "INSERT INTO program_items")
                )

            short_swapped = [s for s in short_swapped if not rows_written(s)]
            long_swapped = [s for s in long_swapped if not rows_written(s)]
        assert len(short_swapped) == len(long_swapped)


# --- statements: the client's reads and the dashboard ---------------------------------------


@pytest.fixture
def short_and_long(http, coach, client_user, other_client_user, ex, clock) -> list:
    """Cliff on a one-session plan, Dana on a twelve-week one; both have a session on
    Thursday 12 March. ``[(client, assignment)]``."""
    return [
        (client_user, assign_program(http, coach, client_user.id, short_block(ex))),
        (other_client_user, assign_program(http, coach, other_client_user.id, long_block(ex))),
    ]


def statements_of(http, short_and_long, url_of) -> tuple[list, list]:
    """The statements of each client's read, before and after both report knee pain 6:
    ([short clear, long clear], [short held, long held])."""

    def read_all():
        counts = []
        for client, assignment in short_and_long:
            response, n = measured(http.get, url_of(assignment), headers=client.headers)
            assert response.status_code == 200
            counts.append(n)
        return counts

    clear = read_all()
    for client, _ in short_and_long:
        rate_pain(http, client, "2026-03-10", 6)
    return clear, read_all()


class TestMyAssignmentHeld:
    def test_the_statement_count_does_not_grow_with_the_plan_or_what_is_held(
        self, http, short_and_long
    ):
        clear, held = statements_of(
            http, short_and_long, lambda a: f"/api/v1/me/assignments/{a['id']}"
        )

        # The token, the assignment, its sessions with what the rules read of each
        # exercise, the check-ins; the latest assessment and the recent pain ratings,
        # whether anything is held or not.
        assert clear[0] == clear[1] == held[0] == held[1] <= 6


class TestMyTodayHeld:
    def test_the_statement_count_does_not_grow_with_the_plan_or_what_is_held(
        self, http, short_and_long
    ):
        clear, held = statements_of(
            http, short_and_long, lambda a: f"/api/v1/me/today?date={THURSDAY}"
        )

        assert clear[0] == clear[1] == held[0] == held[1] <= 6

    def test_a_day_behind_her_holds_nothing(self, http, client_user, sore_knee):
        response = http.get("/api/v1/me/today?date=2026-03-09", headers=client_user.headers)

        items = response.get_json()["sessions"][0]["items"]
        assert [(i["exercise_name"], i["held"]) for i in items] == [
            ("90-90 Breathing", None),
            ("Pogo Jumps", None),
        ]


class TestMyScheduleHeld:
    def test_the_statement_count_does_not_grow_with_the_plan_or_what_is_held(
        self, http, short_and_long
    ):
        clear, held = statements_of(
            http,
            short_and_long,
            lambda a: "/api/v1/me/schedule?from=2026-03-09&to=2026-06-07&page_size=100",
        )

        assert clear[0] == clear[1] <= 6
        assert held[0] == held[1] == clear[0] + 1


class TestDashboardPlanConflicts:
    def test_the_statement_count_does_not_grow_with_plans_or_clients(
        self, http, coach, client_user, other_client_user, ex, clock
    ):
        assign_program(http, coach, client_user.id, short_block(ex))
        _, clear = measured(http.get, "/api/v1/dashboard", headers=coach.headers)
        rate_pain(http, client_user, "2026-03-10", 6)
        _, one_short = measured(http.get, "/api/v1/dashboard", headers=coach.headers)
        assign_program(http, coach, other_client_user.id, long_block(ex))
        rate_pain(http, other_client_user, "2026-03-10", 6)

        response, both = measured(http.get, "/api/v1/dashboard", headers=coach.headers)

        counts = {
            e["client_id"]: r["count"]
            for e in response.get_json()
            for r in e["reasons"]
            if r["code"] == "plan_conflicts"
        }
        assert counts == {client_user.id: 1, other_client_user.id: 70}
        assert clear == one_short == both

    def test_another_academys_conflicts_never_appear(
        self, http, coach, other_academy_coach, client_user, sore_knee
    ):
        theirs = http.get("/api/v1/dashboard", headers=other_academy_coach.headers).get_json()

        assert theirs == []
        assert {"plan_conflicts"} <= {r["code"] for r in reasons_of(http, coach, client_user.id)}


class TestWhatTheRulesKeepForTheProcess:
    """What the rules read of an exercise is kept for the process, by the stored values
    themselves: never stale."""

    def test_the_same_typing_makes_the_same_work_and_a_change_a_new_one(self):
        typing = ("Pogo Jumps", "strength", "high", '[{"region": "calf", "level": "high"}]',
                  "neutral", "low", '["knee pain"]')  # fmt: skip

        work = work_of(typing)

        assert work == safety.Work(
            name="Pogo Jumps",
            stage="strength",
            impact="high",
            loads=(("calf", "high"),),
            precautions=("knee pain",),
        )
        assert work_of(tuple(typing)) is work
        changed = work_of((*typing[:2], "low", *typing[3:]))
        assert changed.impact == "low" and changed is not work
