"""Training load: sRPE, distance, ACWR, monotony and strain, checked against figures
worked out by hand; the dashboard's load reasons."""

from datetime import date, timedelta

import pytest

from academy.checkins.models import CheckIn
from academy.extensions import db
from tests.conftest import make_user, measured, problem_of, sign_in

# Four Monday-to-Sunday weeks, from Monday 9 February to Sunday 8 March 2026.
FIRST_MONDAY = date(2026, 2, 9)
AS_OF = date(2026, 3, 8)
# (day of the week, rpe, duration_minutes, run km, run minutes) of an ordinary week:
# Monday 4 x 40 = 160, Wednesday 5 x 50 = 250, Saturday 3 x 60 run minutes (no duration
# given, so the run's minutes count) = 180, Sunday 30 minutes with no RPE (no load).
ORDINARY = [(0, 4, 40, 8, 40), (2, 5, 50, 10, 50), (5, 3, None, 12, 60), (6, None, 30, 0, None)]
# The fourth week spikes: Monday to Saturday 6 x 60 = 360 and 12 km each day.
SPIKE = [(day, 6, 60, 12, 60) for day in range(6)]


def write_check_ins(client, plan) -> None:
    for monday, week in plan:
        for day, rpe, minutes, km, run_minutes in week:
            db.session.add(
                CheckIn(
                    academy_id=client.academy_id,
                    client_id=client.id,
                    date=monday + timedelta(days=day),
                    rpe=rpe,
                    duration_minutes=minutes,
                    run_distance_km=km or None,
                    run_duration_minutes=run_minutes,
                )
            )
    db.session.commit()


def four_weeks(client) -> None:
    weeks = [FIRST_MONDAY + timedelta(days=7 * n) for n in range(4)]
    write_check_ins(client, [(weeks[0], ORDINARY), (weeks[1], ORDINARY),
                             (weeks[2], ORDINARY), (weeks[3], SPIKE)])  # fmt: skip


def load_of(http, coach, client_id, query="from=2026-02-09&to=2026-03-08"):
    return http.get(f"/api/v1/clients/{client_id}/load?{query}", headers=coach.headers)


class TestClientLoad:
    def test_the_days_carry_srpe_distance_and_minutes(self, http, coach, client_user):
        four_weeks(client_user)

        response = load_of(http, coach, client_user.id)

        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        assert (body["client_id"], body["from"], body["to"]) == (
            client_user.id,
            "2026-02-09",
            "2026-03-08",
        )
        assert len(body["days"]) == 28
        first_week = [(d["srpe_load"], d["distance_km"], d["duration_minutes"])
                      for d in body["days"][:7]]  # fmt: skip
        assert first_week == [
            (160, 8, 40),
            (0, 0, 0),
            (250, 10, 50),
            (0, 0, 0),
            (0, 0, 0),
            (180, 12, 60),  # no duration given: the run's 60 minutes, at RPE 3
            (0, 0, 30),  # 30 minutes without an RPE: no load
        ]

    def test_weeks_have_load_distance_change_monotony_and_strain(self, http, coach, client_user):
        four_weeks(client_user)

        weeks = load_of(http, coach, client_user.id).get_json()["weeks"]

        # An ordinary week: daily loads 160, 0, 250, 0, 0, 180, 0; load 590, 30 km.
        # mean = 590 / 7 = 84.2857; population variance = (160² + 250² + 180²) / 7 - mean²
        # = 17,214.29 - 7,104.08 = 10,110.20; sd = 100.5495; monotony = 84.2857 / 100.5495
        # = 0.8383; strain = 590 x 0.8383 = 494.6.
        # The spike week: six days of 360 and a rest day; load 2,160, 72 km. mean = 308.571,
        # variance = 6 x 360² / 7 - mean² = 111,085.71 - 95,216.33 = 15,869.39, sd = 125.974,
        # monotony = 2.4495 (√6), strain = 2,160 x 2.4495 = 5,290.9. Distance: 72 against
        # 30 km is +140%; the first week has no week before it with distance (null).
        assert [
            (w["week_start"], w["load"], w["distance_km"], w["distance_change_pct"],
             w["monotony"], w["strain"])
            for w in weeks
        ] == [
            ("2026-02-09", 590, 30, None, 0.838, 494.6),
            ("2026-02-16", 590, 30, 0, 0.838, 494.6),
            ("2026-02-23", 590, 30, 0, 0.838, 494.6),
            ("2026-03-02", 2160, 72, 140, 2.449, 5290.9),
        ]  # fmt: skip

    def test_acwr_rolling_and_ewma(self, http, coach, client_user):
        four_weeks(client_user)

        acwr = load_of(http, coach, client_user.id).get_json()["acwr"]

        # Acute: the last 7 days, the spike week = 2,160. Chronic: the 28 days ÷ 4 =
        # (3 x 590 + 2,160) / 4 = 982.5. Rolling = 2,160 / 982.5 = 2.1985.
        assert (acwr["as_of"], acwr["acute"], acwr["chronic"], acwr["rolling"]) == (
            "2026-03-08",
            2160,
            982.5,
            2.1985,
        )
        # EWMA from 0 with λ = 2/(N+1): with no load before the four weeks, each is the sum
        # over the days with load of λ(1-λ)^k x load, k days before 8 March.
        loads = {FIRST_MONDAY + timedelta(days=7 * w + d): load
                 for w in range(3) for d, load in ((0, 160), (2, 250), (5, 180))}  # fmt: skip
        loads |= {FIRST_MONDAY + timedelta(days=21 + d): 360 for d in range(6)}

        def ewma(n):
            lam = 2 / (n + 1)
            return sum(lam * (1 - lam) ** (AS_OF - on).days * load for on, load in loads.items())

        assert acwr["ewma"] == round(ewma(7) / ewma(28), 4) == 1.4938

    def test_ratios_are_null_without_chronic_load(self, http, coach, client_user):
        response = load_of(http, coach, client_user.id)

        assert response.get_json()["acwr"] == {
            "as_of": "2026-03-08", "acute": 0, "chronic": 0, "rolling": None, "ewma": None,
        }  # fmt: skip
        assert {w["monotony"] for w in response.get_json()["weeks"]} == {None}

    def test_the_range_defaults_to_the_90_days_up_to_the_clients_today(
        self, http, coach, client_user
    ):
        response = http.get(f"/api/v1/clients/{client_user.id}/load", headers=coach.headers)

        body = response.get_json()
        assert (body["from"], body["to"], len(body["days"])) == ("2025-12-12", "2026-03-11", 90)

    def test_a_range_over_366_days_is_422(self, http, coach, client_user):
        response = load_of(http, coach, client_user.id, "from=2025-01-01&to=2026-03-01")

        assert problem_of(response, 422)["errors"] == {
            "query.to": ["At most 366 days from `from`, and not before it."]
        }

    def test_another_academys_client_is_404(self, http, other_academy_coach, client_user):
        response = load_of(http, other_academy_coach, client_user.id)

        problem_of(response, 404)

    def test_it_takes_as_many_statements_for_90_days_of_history_as_for_none(
        self, http, coach, client_user, other_client_user
    ):
        busy = [(FIRST_MONDAY - timedelta(days=63) + timedelta(days=7 * n),
                 [(d, 5, 45, 9, 45) for d in range(7)] * 2) for n in range(13)]  # fmt: skip
        write_check_ins(client_user, busy)

        small, few = measured(load_of, http, coach, other_client_user.id)
        large, many = measured(load_of, http, coach, client_user.id)

        assert small.status_code == large.status_code == 200
        assert few == many <= 4


class TestMyLoad:
    def test_the_client_reads_what_the_coach_reads(self, http, coach, client_user):
        four_weeks(client_user)

        mine = http.get(
            "/api/v1/me/load?from=2026-02-09&to=2026-03-08", headers=client_user.headers
        )

        assert mine.status_code == 200
        assert mine.get_json() == load_of(http, coach, client_user.id).get_json()

    def test_a_coach_has_no_load_of_their_own(self, http, coach):
        problem_of(http.get("/api/v1/me/load", headers=coach.headers), 403)


class TestLoadOnTheDashboard:
    @pytest.fixture
    def spiking(self, clock, client_user):
        clock("2026-03-08T18:00:00Z")
        four_weeks(client_user)
        return client_user

    def test_a_load_spike_and_a_distance_jump_are_reasons(self, http, coach, spiking):
        response = http.get("/api/v1/dashboard", headers=coach.headers)

        [entry] = response.get_json()
        assert entry["client_id"] == spiking.id
        assert entry["reasons"] == [
            {
                "code": "load_spike",
                "detail": "Acute:chronic workload ratio 2.20 (above 1.5).",
                "count": None,
            },
            {
                "code": "distance_jump",
                "detail": "72 km in the week of 2026-03-02, 140% over the week before.",
                "count": None,
            },
        ]

    def test_steady_training_is_no_reason(self, http, coach, academy, clock):
        clock("2026-03-08T18:00:00Z")
        steady = sign_in(make_user(academy, "client", "Steady Sue", "sue@north.test"))
        write_check_ins(
            steady.user, [(FIRST_MONDAY + timedelta(days=7 * n), ORDINARY) for n in range(4)]
        )

        response = http.get("/api/v1/dashboard", headers=coach.headers)

        assert response.get_json() == []

    def test_a_small_jump_is_no_reason(self, http, coach, client_user, clock):
        # 3 km, then 6 km: double, but under 10 km.
        clock("2026-03-08T18:00:00Z")
        write_check_ins(client_user, [(date(2026, 2, 23), [(6, None, None, 3, None)]),
                                      (date(2026, 3, 2), [(6, None, None, 6, None)])])  # fmt: skip

        response = http.get("/api/v1/dashboard", headers=coach.headers)

        assert [r["code"] for e in response.get_json() for r in e["reasons"]] == []
