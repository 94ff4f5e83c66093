"""What an invitation mail says: who invites (the coach and the academy) and never a
link a stranger wrote. The invitee's name, which whoever invites types, stays out of
the mail; the academy's and the coach's names, which whoever signed up typed, are
written with every address in them broken (``http[:]//evil[.]example``), so that no
mail client makes a link of them, in the text or the HTML."""

import re

import sqlalchemy as sa
from hypothesis import example, given
from hypothesis import strategies as st

from academy.auth.models import Academy, User
from academy.extensions import db
from academy.mail.models import OutboxMail
from academy.mail.service import unlinked
from tests.conftest import make_academy, make_user, sign_in

BAIT = "Your bank: verify at http://evil.example now"
# What mail clients make links of: a scheme, www., an email address, a domain.
LINKABLE = re.compile(
    r"[a-z][a-z0-9+.-]*://|www\.|\w@\w|[\w-]+[.\u3002\uff0e\uff61][a-z]{2,}", re.IGNORECASE
)


def invitation_mail() -> OutboxMail:
    db.session.expire_all()
    return db.session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id.desc())).first()


def invite(http, actor, name=BAIT, email="rita@invited.test"):
    response = http.post(
        "/api/v1/clients", json={"name": name, "email": email}, headers=actor.headers
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


class TestInvitationMail:
    def test_it_names_the_coach_and_the_academy_and_not_the_invitee(self, http, coach):
        invite(http, coach)

        mail = invitation_mail()

        assert mail.subject == "Cora Coach of Northside Runners invites you to Academy"
        for body in (mail.text, mail.html):
            assert "Cora Coach of Northside Runners invites you to Academy" in body
            assert "evil" not in body and "bank" not in body
        assert "<a" not in mail.html and "href" not in mail.html

    def test_a_name_written_as_bait_reaches_the_mail_as_text_no_client_links(self, http):
        academy = make_academy(BAIT)
        owner = sign_in(make_user(academy, "owner", "www.evil.example/login", "ow@evil.test"))

        invite(http, owner, name="Rita")

        mail = invitation_mail()
        expected = (
            "www[.]evil[.]example/login of Your bank: verify at http[:]//evil[.]example now "
            "invites you to Academy"
        )
        assert mail.subject == expected
        for body in (mail.text, mail.html):
            assert expected in body
            assert LINKABLE.search(body.replace("academy@test.invalid", "")) is None, body
        assert "<a" not in mail.html and "href" not in mail.html

    def test_a_reissued_code_and_a_coachs_invitation_are_written_the_same_way(self, http, owner):
        academy = db.session.get(Academy, owner.academy_id)
        academy.name = "Runners of support@evil.example"
        db.session.commit()
        client = invite(http, owner, name="Rita")

        http.post(f"/api/v1/clients/{client['id']}/invitation", headers=owner.headers)
        reissued = invitation_mail()
        http.post(
            "/api/v1/coaches",
            json={"name": "http://evil.example", "email": "new.coach@invited.test"},
            headers=owner.headers,
        )
        coach_mail = invitation_mail()

        assert "Olive Owner of Runners of support[@]evil[.]example invites you" in reissued.text
        assert "as one of the academy's coaches" in coach_mail.text
        assert "evil.example" not in coach_mail.text + coach_mail.html + reissued.html
        assert db.session.scalar(sa.select(User.name).where(User.email == "new.coach@invited.test"))

    def test_names_of_200_characters_broken_at_every_dot_still_fit_the_subject(self, http):
        academy = make_academy("a." * 99 + "ab")
        owner = sign_in(make_user(academy, "owner", "b." * 99 + "cd", "long@names.test"))

        invite(http, owner, name="Rita")

        mail = invitation_mail()
        assert len(mail.subject) == OutboxMail.subject.type.length
        assert mail.subject.endswith("\N{HORIZONTAL ELLIPSIS}")


class TestUnlinked:
    def test_what_it_breaks_and_what_it_leaves(self):
        assert unlinked(BAIT) == "Your bank: verify at http[:]//evil[.]example now"
        assert unlinked("mail support@evil.example") == "mail support[@]evil[.]example"
        assert unlinked("evil\uff0eexample and evil\u3002com") == "evil[.]example and evil[.]com"
        assert unlinked("hxxp://10.0.0.1/x") == "hxxp[:]//10[.]0[.]0[.]1/x"
        assert unlinked("WWW.a and www.b.c") == "WWW[.]a and www[.]b.c"
        for name in ("Northside Runners", "J.R. Smith", "St. Mary's Harriers", "Team: 5k / 10k"):
            assert unlinked(name) == name

    @given(
        st.text(
            alphabet=st.sampled_from(list("aZé09-_ .:/@\uff0e\u3002\uff61\u2024wW")), max_size=60
        )
    )
    @example("0.WWW\u2024")  # a "www" that ends a domain: broken after the domain
    @example("0.WWW.")
    def test_nothing_it_writes_is_a_link(self, text):
        written = unlinked(text)

        assert LINKABLE.search(written) is None, written
        assert unlinked(written) == written

    @given(st.text(alphabet=st.characters(exclude_characters=".:@\uff0e\u3002\uff61\u2024")))
    def test_text_without_dots_colons_or_ats_is_left_alone(self, text):
        assert unlinked(text) == text
