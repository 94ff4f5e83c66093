"""Each client's summary: what it says of a day agrees with the dashboard's rules worked
out from the history itself, on every day, and every write that changes the history
leaves it as a fresh computation would; the command and the migration rebuild it."""

import contextlib
import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from academy.assessments import safety
from academy.assessments.models import Assessment
from academy.checkins import load, summaries
from academy.checkins.models import CheckIn, ClientSummary
from academy.clients.models import Client
from academy.extensions import db
from academy.progress import service as progress
from tests.checkins.conftest import (
    START,
    TODAY,
    assign,
    check_in_for,
    iso,
    post_check_in,
    set_status,
)
from tests.conftest import count_rows, count_statements, make_user, sign_in

# --- the rules, day by day ------------------------------------------------------------------


def _char(summary: dict, today: date) -> int:
    """The attention digit on ``today``, read as the dashboard's SQL reads it."""
    offset = (today - summary["since"]).days
    if offset < 0:
        return int(summaries.UNKNOWN)
    if offset >= len(summary["attention"]):
        return summaries.REASON
    return int(summary["attention"][offset])


def _rate(summary: dict, today: date) -> float | None:
    offset = (today - summary["since"]).days
    width = summaries.RATE_WIDTH
    if offset < 0 or width * offset >= len(summary["compliance_7d"]):
        return None
    cell = summary["compliance_7d"][width * offset : width * (offset + 1)]
    return None if cell == summaries.NO_RATE else int(cell) / 10_000


def _expected_reason(client, rows, today: date) -> bool:
    """Whether the dashboard, reading the history itself, gives the client a reason."""
    counted = progress._counted(rows, today)
    pain = [(on, score) for _, _, score, on in client.ratings if score >= 7]
    return bool(
        progress._reasons(today, counted, pain, client.last) or load.attention(client.daily, today)
    )


days_of = st.integers(min_value=-70, max_value=20)
# Where check-ins rate pain: a knee (lower body: impact waits) and the ribs.
RATED = [("knee", "left"), ("knee", "both"), ("ribs", "right")]


@st.composite
def histories(draw):
    """A client's history around TODAY: sessions of two assignments (one active, one
    completed) some done, check-ins with load and distance, pain on some days."""
    today = TODAY + timedelta(days=draw(st.integers(-1, 1)))
    sessions, done = [], set()
    for assignment_id, active in ((1, True), (2, False)):
        offsets = draw(st.lists(days_of, max_size=25))
        for n, offset in enumerate(offsets):
            key = (assignment_id, 1 + n // 7, 1 + n % 7)
            sessions.append((TODAY + timedelta(days=offset), key, active))
            if offset <= 0 and draw(st.booleans()):
                done.add(key)
    check_in_days = sorted(set(draw(st.lists(st.integers(-60, 0), max_size=30))))
    daily, ratings = [], []
    # Half the histories carry no load, so that the other rules get their turn.
    loads = draw(st.sampled_from([[0], [0, 200, 1500]]))
    for offset in check_in_days:
        on = TODAY + timedelta(days=offset)
        load_of = draw(st.sampled_from(loads))
        km = draw(st.sampled_from([0, 5, 30] if load_of else [0]))
        # (date, load, km, minutes, cross-training load, cross-training minutes)
        daily.append((on, load_of, km, 40, 0, 0))
        for region, side in draw(st.lists(st.sampled_from(RATED), max_size=2, unique=True)):
            ratings.append((region, side, draw(st.integers(0, 10)), on))
    last = TODAY + timedelta(days=check_in_days[-1]) if check_in_days else None
    return summaries._Client(
        today=today,
        last=last,
        assessed=draw(st.booleans()),
        daily=daily,
        ratings=ratings,
        done=done,
        sessions=sessions,
    )


class TestWhatASummarySaysOfADay:
    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(client=histories(), days_on=st.integers(min_value=-3, max_value=120))
    def test_it_agrees_with_the_rules_read_from_the_history(self, client, days_on):
        summary = summaries.summarise(client)
        today = client.today + timedelta(days=days_on)
        rows = [(0, on, *key, key in client.done) for on, key, _ in sorted(client.sessions)]
        counted = progress._counted(rows, today)

        reason = _expected_reason(client, rows, today)
        seven = progress.compliance(counted, today, 7)["rate"]
        held = not safety.Guard(safety.picture_of(None, today, (), client.ratings)).clear
        ahead = any(active and on >= today for on, _, active in client.sessions)

        char = _char(summary, today)
        assert bool(char & summaries.REASON) == reason
        if today <= _end(summary):
            assert bool(char & summaries.PLAN) == (ahead and (client.assessed or held))
        else:  # after the last day: quiet for a week, no session counting
            assert char == summaries.REASON
        assert _rate(summary, today) == seven

    @pytest.mark.parametrize(
        "client",
        [
            # Pain of 7 six days back, a check-in since, and nothing else to say.
            summaries._Client(
                today=TODAY,
                last=TODAY - timedelta(days=1),
                assessed=False,
                daily=[(TODAY - timedelta(days=n), 0, 0, 30, 0, 0) for n in (6, 1)],
                ratings=[
                    ("knee", "left", 7, TODAY - timedelta(days=6)),
                    ("knee", "left", 0, TODAY - timedelta(days=1)),
                ],
            ),
            # Sessions every other day, the last week's missed.
            summaries._Client(
                today=TODAY,
                last=TODAY - timedelta(days=8),
                assessed=False,
                done={(1, 1, n) for n in range(1, 8)},
                sessions=[
                    (TODAY - timedelta(days=2 * (14 - n)), (1, 1 + n // 8, 1 + n % 8), True)
                    for n in range(15)
                ],
            ),
            # A long run after three quiet weeks.
            summaries._Client(
                today=TODAY,
                last=TODAY - timedelta(days=1),
                assessed=True,
                daily=[
                    (
                        TODAY - timedelta(days=n),
                        300 if n == 1 else 100,
                        20 if n == 1 else 4,
                        30,
                        0,
                        0,
                    )
                    for n in (1, 9, 16, 23)
                ],
                ratings=[("calf", "right", 5, TODAY - timedelta(days=1))],
            ),
        ],
        ids=["pain", "compliance", "load"],
    )
    def test_it_agrees_on_every_day_at_the_edges_of_each_rule(self, client):
        summary = summaries.summarise(client)
        rows = [(0, on, *key, key in client.done) for on, key, _ in sorted(client.sessions)]

        for offset in range(len(summary["attention"]) + 3):
            today = summary["since"] + timedelta(days=offset)
            counted = progress._counted(rows, today)
            assert bool(_char(summary, today) & summaries.REASON) == _expected_reason(
                client, rows, today
            ), today
            assert _rate(summary, today) == progress.compliance(counted, today, 7)["rate"]

    def test_a_day_before_the_summary_is_unknown(self):
        client = summaries._Client(today=TODAY, last=TODAY, assessed=False)

        summary = summaries.summarise(client)

        assert summary["since"] == TODAY - timedelta(days=summaries.DAYS_BEFORE)
        assert _char(summary, summary["since"] - timedelta(days=1)) == 3


def _end(summary: dict) -> date:
    return summary["since"] + timedelta(days=len(summary["attention"]) - 1)


# --- kept on every write -------------------------------------------------------------------


def _stored() -> dict[int, dict]:
    return {
        row.client_id: {
            "last_check_in": row.last_check_in,
            "since": row.since,
            "attention": row.attention,
            "compliance_7d": row.compliance_7d,
        }
        for row in db.session.scalars(sa.select(ClientSummary))
    }


def _fresh() -> dict[int, dict]:
    ids = list(db.session.scalars(sa.select(Client.id)))
    rows = summaries.compute(db.session.connection(), ids)
    db.session.rollback()
    return {row.pop("client_id"): row for row in rows}


def assert_kept():
    """The stored summaries are those the history gives now."""
    db.session.expire_all()
    stored = _stored()
    assert stored == _fresh()
    return stored


@pytest.fixture
def checked_in(http, client_user, assignment, sessions) -> dict:
    response = post_check_in(
        http, client_user, check_in_for(sessions[(1, 1)], assignment["id"], rpe=6)
    )
    assert response.status_code == 201
    return response.get_json()


class TestKeptOnEveryWrite:
    def test_a_new_check_in_writes_the_clients_summary(self, http, client_user, checked_in):
        stored = assert_kept()

        assert stored[client_user.id]["last_check_in"] == START

    def test_ids_that_name_no_client_are_passed_over_alone_or_among_others(
        self, client_user, checked_in
    ):
        """One id or many: what the reads after the clients' own read is only theirs."""
        stored = assert_kept()
        connection = db.session.connection()

        for ids in ([client_user.id, 2_000_000_000], [2_000_000_000]):
            rows = summaries.compute(connection, ids)
            assert [row.pop("client_id") for row in rows] == [client_user.id][: len(ids) - 1]
            assert rows == [stored[client_user.id]][: len(ids) - 1]

    def test_a_corrected_check_in_moves_it(self, http, client_user, checked_in):
        url = f"/api/v1/me/check-ins/{checked_in['id']}"
        etag = http.get(url, headers=client_user.headers).headers["ETag"]

        response = http.patch(
            url,
            json={"completed": False, "ratings": [{"region": "knee", "side": "left", "pain": 8}]},
            headers={**client_user.headers, "If-Match": etag},
        )

        assert response.status_code == 200
        stored = assert_kept()
        today = _char(stored[client_user.id], TODAY)
        assert today & summaries.REASON  # pain of 8 this week

    def test_a_deleted_check_in_takes_it_back(self, http, client_user, checked_in):
        url = f"/api/v1/me/check-ins/{checked_in['id']}"
        etag = http.get(url, headers=client_user.headers).headers["ETag"]

        response = http.delete(url, headers={**client_user.headers, "If-Match": etag})

        assert response.status_code == 204
        assert assert_kept()[client_user.id]["last_check_in"] is None

    def test_an_assignment_paused_changes_the_schedule(
        self, http, coach, client_user, assignment, checked_in
    ):
        before = assert_kept()[client_user.id]

        set_status(http, coach, assignment["id"], "paused")

        after = assert_kept()[client_user.id]
        assert after["compliance_7d"] != before["compliance_7d"]

    def test_a_new_assignment_and_an_edited_program_date_it(
        self, http, coach, client_user, program
    ):
        assigned = assign(http, coach, client_user.id, program["id"], start=TODAY)
        assert_kept()
        copy = f"/api/v1/programs/{assigned['program']['id']}"
        current = http.get(copy, headers=coach.headers)
        document = current.get_json()
        body = {
            "name": document["name"],
            "weeks": document["weeks"],
            "sessions": [
                {
                    "week": s["week"],
                    "day": min(7, s["day"] + 1),
                    "title": s["title"],
                    "items": [{"exercise_id": i["exercise_id"]} for i in s["items"]],
                }
                for s in document["sessions"]
            ],
        }

        response = http.put(
            copy, json=body, headers={**coach.headers, "If-Match": current.headers["ETag"]}
        )

        assert response.status_code == 200, response.get_json()
        assert assert_kept()[client_user.id]["attention"]

    def test_an_assessment_marks_the_plan_as_worth_a_look(
        self, http, coach, client_user, assignment, checked_in
    ):
        before = _char(assert_kept()[client_user.id], TODAY)

        response = http.post(
            f"/api/v1/clients/{client_user.id}/assessments",
            json={"assessed_on": iso(TODAY), "notes": "Left hip sits forward."},
            headers=coach.headers,
        )

        assert response.status_code == 201, response.get_json()
        after = _char(assert_kept()[client_user.id], TODAY)
        assert not before & summaries.PLAN and after & summaries.PLAN

    def test_rows_written_through_the_orm_outside_a_request_count_too(self, client_user):
        db.session.add(
            CheckIn(
                academy_id=client_user.user.academy_id,
                client_id=client_user.id,
                date=TODAY - timedelta(days=2),
                rpe=5,
                duration_minutes=30,
            )
        )
        db.session.commit()

        assert assert_kept()[client_user.id]["last_check_in"] == TODAY - timedelta(days=2)

    def test_a_write_rolled_back_leaves_nothing(self, client_user):
        db.session.add(
            CheckIn(
                academy_id=client_user.user.academy_id,
                client_id=client_user.id,
                date=TODAY,
            )
        )
        db.session.flush()
        db.session.rollback()

        assert count_rows(ClientSummary) == 0
        assert count_rows(Assessment) == 0


# --- rebuilt -----------------------------------------------------------------------------


class TestTwoCheckInsOfOneClientAtOnce:
    def test_both_are_written_and_summarised_one_after_the_other(self, app, client_user):
        """Each request inserts its check-in (which locks the client row FOR KEY SHARE on
        PostgreSQL) and then, at its commit, locks the client row to summarise: both
        reach that point together here. A FOR UPDATE there would wait for the other's
        key-share lock, each for the other: a deadlock, and one of them lost. (SQLite
        writes one transaction at a time: the second waits at its INSERT.)"""
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite writes one transaction at a time")
        barrier = threading.Barrier(2, timeout=10)

        def together(session):
            if threading.current_thread().name.startswith("check-in"):
                with contextlib.suppress(threading.BrokenBarrierError):
                    barrier.wait()

        # Before the summaries' own listener, so both have flushed their check-in.
        event.listen(db.session, "before_commit", together, insert=True)
        answers: list[int] = []
        try:

            def post(day: int):
                body = {"date": (TODAY - timedelta(days=day)).isoformat(), "rpe": 5}
                response = post_check_in(app.test_client(), client_user, body)
                answers.append(response.status_code)

            threads = [
                threading.Thread(target=post, args=(day,), name=f"check-in {day}") for day in (1, 2)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
        finally:
            event.remove(db.session, "before_commit", together)

        assert answers == [201, 201]
        assert count_rows(CheckIn) == 2
        stored = assert_kept()
        assert stored[client_user.id]["last_check_in"] == TODAY - timedelta(days=1)


class TestRebuild:
    def test_the_command_rebuilds_every_clients_summary(
        self, app, client_user, other_client_user, checked_in
    ):
        db.session.execute(sa.delete(ClientSummary))
        db.session.commit()

        result = app.test_cli_runner().invoke(args=["academy", "rebuild-summaries"])

        assert result.exit_code == 0, result.output
        assert "Rebuilt the summaries of 2 clients." in result.output
        stored = assert_kept()
        assert set(stored) == {client_user.id, other_client_user.id}
        assert stored[client_user.id]["last_check_in"] == START


class TestStatements:
    def test_a_check_in_keeps_the_summary_in_as_many_statements_for_much_history_as_little(
        self, http, client_user, other_client_user, assignment, sessions
    ):
        for n in range(40):
            on = TODAY - timedelta(days=n + 1)
            rated = [{"region": "knee", "side": "left", "pain": n % 8}]
            post_check_in(http, other_client_user, {"date": iso(on), "rpe": 5, "ratings": rated})
        counts = []
        for client in (client_user, other_client_user):
            body = {"date": iso(TODAY), "rpe": 6, "duration_minutes": 30}
            db.session.expire_all()
            with count_statements() as statements:
                response = post_check_in(http, client, body)
            assert response.status_code == 201
            counts.append(len(statements))

        print(f"POST /me/check-ins statements: little history {counts[0]}, much {counts[1]}")
        assert counts[0] == counts[1]

    def test_the_sorted_client_list_takes_as_many_statements_for_many_clients_as_for_few(
        self, http, coach, academy
    ):
        counts = []
        for batch in (1, 12):
            for n in range(batch):
                person = sign_in(
                    make_user(academy, "client", f"C {batch}-{n}", f"c{batch}-{n}@x.test")
                )
                post_check_in(http, person, {"date": iso(TODAY - timedelta(days=n))})
            for sort in ("compliance_7d", "-last_check_in"):
                db.session.expire_all()
                with count_statements() as statements:
                    response = http.get(f"/api/v1/clients?sort={sort}", headers=coach.headers)
                assert response.status_code == 200
                counts.append((batch, sort, len(statements)))

        print(f"GET /clients?sort= (clients, sort, statements): {counts}")
        assert counts[0][2] == counts[2][2] and counts[1][2] == counts[3][2]


class TestPlanConflictsOnTheDashboard:
    def test_a_client_whose_only_reason_is_the_plan_is_listed_with_the_count(
        self, http, coach, client_user
    ):
        # Runs on Thursday and Saturday ahead; knee pain of 5 today (not 7: no pain
        # reason), so the safety rules hold both runs back.
        document = {
            "name": "Runs",
            "weeks": 1,
            "sessions": [
                {"week": 1, "day": day, "title": "Easy", "items": [
                    {"kind": "run", "run": {"type": "easy", "steps": [
                        {"kind": "work", "duration_seconds": 1800}
                    ]}}
                ]}
                for day in (4, 6)
            ],
        }  # fmt: skip
        program = http.post("/api/v1/programs", json=document, headers=coach.headers)
        assert program.status_code == 201, program.get_data(as_text=True)
        assign(http, coach, client_user.id, program.get_json()["id"], start=date(2026, 3, 9))
        body = {"date": iso(TODAY), "ratings": [{"region": "knee", "side": "left", "pain": 5}]}
        assert post_check_in(http, client_user, body).status_code == 201

        response = http.get("/api/v1/dashboard", headers=coach.headers)

        assert _char(assert_kept()[client_user.id], TODAY) == summaries.PLAN
        [entry] = response.get_json()
        assert entry["client_id"] == client_user.id
        assert entry["reasons"] == [
            {
                "code": "plan_conflicts",
                "detail": "2 item(s) ahead held back by the safety rules "
                f"(GET /clients/{client_user.id}/plan-conflicts).",
                "count": 2,
            }
        ]
