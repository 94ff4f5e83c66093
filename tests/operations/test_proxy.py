"""The deployment's trust boundary, through a real nginx: Debian's nginx with the
project's own ``deploy/nginx.conf`` in front of two gunicorn instances (two workers
each) on the suite's database, as docker-compose.yml runs them.

The configuration is the file itself, with three values changed for a test machine
(each checked to occur once): the port it listens on, the replicas' port, and the
resolver. nginx finds the replicas by resolving ``app``, as on the compose network;
here a DNS server of the test's own answers it with the two instances' addresses
(127.0.1.1 and 127.0.1.2, on one port). nginx reaches them from 127.0.0.1, the only
address the app trusts (TRUSTED_PROXY_ADDRESSES). Each client binds its socket to an
address of its own: all of 127.0.0.0/8 is loopback on Linux, so 127.0.0.2 to
127.0.0.51 are fifty different clients to nginx.

The answers are printed (``-s`` shows them). Marked ``proxy``; ``.ci/run`` runs it
once. Without nginx it fails, saying how to install it (scripts/test-prerequisites
does).
"""

import http.client
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import PASSWORD
from tests.servers import ROOT, TIMEOUT, gunicorn, workers_in

pytestmark = pytest.mark.proxy

REPLICAS = ("127.0.1.1", "127.0.1.2")
WORKERS = 2  # per instance
SIGN_IN = "/api/v1/auth/tokens"
# Production's limits: 10 failures for one email from one address, 50 from one address.
SETTINGS = {
    "LOGIN_RATE_LIMIT": "10 per 15 minutes",
    "LOGIN_ADDRESS_RATE_LIMIT": "50 per 15 minutes",
    "RATELIMIT_STORAGE_URI": "",
    "TRUSTED_PROXY_ADDRESSES": "127.0.0.1/32",
    "ARGON2_TIME_COST": "1",
    "ARGON2_MEMORY_KIB": "1024",
}


def client(n: int) -> str:
    """The address of client ``n`` (2 to 254)."""
    return f"127.0.0.{n}"


# --- a DNS server that knows the replicas --------------------------------------------


class ReplicaNames:
    """Answers A queries for ``app`` with the replicas' addresses (UDP, on 127.0.0.1),
    as Docker's DNS does on the compose network; any other name does not exist."""

    def __init__(self, addresses: tuple[str, ...]):
        self.addresses = addresses
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.queries = 0
        self._running = True
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while self._running:
            try:
                query, peer = self.socket.recvfrom(512)
            except TimeoutError:
                continue
            self.queries += 1
            self.socket.sendto(self.answer(query), peer)

    def answer(self, query: bytes) -> bytes:
        ident, flags = struct.unpack("!HH", query[:4])
        end, labels = 12, []
        while query[end]:
            length = query[end]
            labels.append(query[end + 1 : end + 1 + length].decode().lower())
            end += 1 + length
        qtype = struct.unpack("!H", query[end + 1 : end + 3])[0]
        question = query[12 : end + 5]
        known = labels == ["app"]
        records = self.addresses if known and qtype == 1 else ()
        # A response, authoritative, recursion available, the query's "recursion
        # desired" echoed; NXDOMAIN for names other than app.
        flags = 0x8000 | 0x0400 | 0x0080 | (flags & 0x0100) | (0 if known else 3)
        header = struct.pack("!HHHHHH", ident, flags, 1, len(records), 0, 0)
        # Each answer names the question's name by a pointer to offset 12; TTL 1 s.
        answers = b"".join(
            struct.pack("!HHHIH", 0xC00C, 1, 1, 1, 4) + socket.inet_aton(address)
            for address in records
        )
        return header + question + answers

    def close(self) -> None:
        self._running = False
        self._thread.join(timeout=TIMEOUT)
        self.socket.close()


# --- nginx with deploy/nginx.conf -----------------------------------------------------


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/usr/bin/nginx") if os.access(path, os.X_OK)),
        None,
    )
    if found is None:
        pytest.fail(
            "The proxy test needs nginx: install Debian's nginx package "
            "(apt-get install nginx; ./scripts/test-prerequisites does it), or leave it "
            "out with -m 'not proxy'.",
            pytrace=False,
        )
    return found


def templated(config: str, replacements: dict[str, str]) -> str:
    for old, new in replacements.items():
        assert config.count(old) == 1, f"deploy/nginx.conf no longer has {old!r} once"
        config = config.replace(old, new)
    return config


def free_port(*hosts: str) -> int:
    """A port free on every one of ``hosts``."""
    while True:
        with socket.socket() as probe:
            probe.bind((hosts[0], 0))
            port = probe.getsockname()[1]
        try:
            for host in hosts[1:]:
                with socket.socket() as probe:
                    probe.bind((host, port))
        except OSError:
            continue
        return port


@dataclass
class Front:
    folder: Path
    port: int  # nginx's, the published port
    replica_port: int
    names: ReplicaNames

    @property
    def public(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def front(tmp_path_factory):
    """nginx on a free port of 127.0.0.1 with deploy/nginx.conf, finding the replicas
    through the test's DNS server; stopped at the end of the module."""
    binary = nginx_binary()
    folder = tmp_path_factory.mktemp("nginx")
    names = ReplicaNames(REPLICAS)
    port, replica_port = free_port("127.0.0.1"), free_port(*REPLICAS)
    site = templated(
        (ROOT / "deploy" / "nginx.conf").read_text(),
        {
            "listen 80;": f"listen 127.0.0.1:{port};",
            "resolver 127.0.0.11 ": f"resolver 127.0.0.1:{names.port} ",
            "http://app:8000": f"http://app:{replica_port}",
        },
    )
    (folder / "academy.conf").write_text(site)
    # What the official image's nginx.conf gives the file (it is its conf.d/default.conf),
    # with every path in the test's folder. As root, the workers stay root: they need
    # no other user to reach the folder.
    user = "user root;" if os.geteuid() == 0 else ""
    temp_paths = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        f"""{user}
daemon off;
worker_processes 2;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} info;
events {{ worker_connections 512; }}
http {{
    access_log {folder / "access.log"};
{temp_paths}
    include {folder / "academy.conf"};
}}
"""
    )
    log = (folder / "nginx.out").open("wb")
    process = subprocess.Popen(
        [
            binary,
            "-p",
            str(folder),
            "-c",
            str(folder / "nginx.conf"),
            "-e",
            str(folder / "error.log"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"nginx exited with {process.returncode}:\n"
                    + (folder / "nginx.out").read_text()
                    + (folder / "error.log").read_text()
                )
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                pytest.fail("nginx did not listen in time")
            time.sleep(0.05)
        yield Front(folder, port, replica_port, names)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=TIMEOUT)
        log.close()
        names.close()


@contextmanager
def replicas(app, front: Front, folder: Path, **settings: str):
    """Two gunicorn instances on the suite's database behind ``front``, started side by
    side; yields their logs."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    logs = [folder / f"replica-{n}.log" for n in range(len(REPLICAS))]
    started = threading.Lock()
    with ExitStack() as stack:

        def start(address: str, log: Path) -> None:
            server = gunicorn(url, WORKERS, log, bind=(address, front.replica_port), **settings)
            server.__enter__()
            with started:
                stack.push(server)  # stopped when the block ends, whatever happened

        with ThreadPoolExecutor(len(REPLICAS)) as pool:
            list(pool.map(start, REPLICAS, logs))
        yield logs


# --- a client at an address of its own -------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


def send(address: str, to: tuple[str, int], method: str, path: str, body=None, **headers):
    """One request from a socket bound to ``address``."""
    connection = http.client.HTTPConnection(*to, timeout=TIMEOUT, source_address=(address, 0))
    try:
        payload = None if body is None else json.dumps(body).encode()
        if payload is not None:
            headers.setdefault("Content-Type", "application/json")
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def sign_in(address: str, to, email: str, password: str = "not the password", **headers):
    return send(address, to, "POST", SIGN_IN, {"email": email, "password": password}, **headers)


def retry_after(answer: Answer) -> int:
    assert answer.status == 429, (answer.status, answer.body)
    assert answer.headers["Content-Type"] == "application/problem+json"
    return int(answer.headers["Retry-After"])


@pytest.fixture
def users(owner, coach, client_user, other_academy_coach):
    return [owner, coach, client_user, other_academy_coach]


def fifty_failures_from_fifty_addresses(to, users) -> list[int]:
    """One wrong password from each of 127.0.0.2 to 127.0.0.51, for each user's email
    in turn and for emails that have no account."""
    emails = [user.user.email for user in users] + ["nobody@north.test"]

    def guess(n: int) -> int:
        return sign_in(client(n), to, emails[n % len(emails)]).status

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(guess, range(2, 52)))


def where(link: str) -> str:
    """A feed link without its secret."""
    return link.rsplit("/", 1)[0] + "/\N{HORIZONTAL ELLIPSIS}.ics"


def served_by(logs: list[Path], path: str) -> list[int]:
    """How many worker processes of each instance answered ``path``."""
    return [len(workers_in(log, path)) for log in logs]


# --- the tests --------------------------------------------------------------------------


@pytest.fixture(scope="class")
def logs(app, front, tmp_path_factory):
    """The replicas as compose runs them (TRUSTED_PROXIES=1), without PUBLIC_URL, for
    the tests of one class; yields their logs."""
    folder = tmp_path_factory.mktemp("replicas")
    with replicas(app, front, folder, TRUSTED_PROXIES="1", **SETTINGS) as logs:
        yield logs


class TestBehindNginx:
    def test_each_address_counts_for_itself_and_no_forged_header_changes_that(
        self, front, logs, users, coach
    ):
        nginx = ("127.0.0.1", front.port)
        # 50 failed sign-ins from 50 addresses: nobody is locked out.
        failures = fifty_failures_from_fifty_addresses(nginx, users)
        others = [sign_in(client(52), nginx, u.user.email, PASSWORD).status for u in users]
        victim = sign_in(client(2), nginx, coach.user.email, PASSWORD).status

        # One address's 50 failures (LOGIN_ADDRESS_RATE_LIMIT) limit that address.
        guesser = client(60)
        guesses = [sign_in(guesser, nginx, f"guess{n}@north.test").status for n in range(50)]
        limited = sign_in(guesser, nginx, coach.user.email, PASSWORD)
        neighbour = sign_in(client(61), nginx, coach.user.email, PASSWORD).status

        # One email's 10 failures from one address (LOGIN_RATE_LIMIT): that pair.
        pair = [sign_in(client(62), nginx, coach.user.email).status for _ in range(10)]
        pair_after = sign_in(client(62), nginx, coach.user.email, PASSWORD)
        owner_elsewhere = sign_in(client(63), nginx, coach.user.email, PASSWORD).status

        # Forged X-Forwarded-For, through nginx and round it (straight to a replica).
        replica = (REPLICAS[0], front.replica_port)
        forged_by_guesser = sign_in(
            guesser, nginx, coach.user.email, PASSWORD, **{"X-Forwarded-For": client(99)}
        )
        forged_as_guesser = sign_in(
            client(64), nginx, coach.user.email, PASSWORD, **{"X-Forwarded-For": guesser}
        ).status
        direct_by_guesser = sign_in(
            guesser, replica, coach.user.email, PASSWORD, **{"X-Forwarded-For": client(99)}
        )
        direct_as_guesser = sign_in(
            client(65), replica, coach.user.email, PASSWORD, **{"X-Forwarded-For": guesser}
        ).status

        answered = served_by(logs, SIGN_IN)

        print(
            "\nBehind nginx (deploy/nginx.conf), 2 gunicorn instances x 2 workers, "
            "TRUSTED_PROXIES=1, TRUSTED_PROXY_ADDRESSES=127.0.0.1/32:"
            f"\n  50 failed sign-ins from 50 addresses: {sorted(set(failures))} "
            f"({failures.count(401)} x 401); then each of {len(users)} users from a fresh "
            f"address: {others}; the coach from the 1st of the 50 addresses: {victim}"
            f"\n  one address, 50 failures: {guesses.count(401)} x 401; its 51st (the right "
            f"password): {limited.status} Retry-After {limited.headers['Retry-After']}; "
            f"the coach from another address: {neighbour}"
            f"\n  one email from one address, 10 failures: {pair.count(401)} x 401; the 11th: "
            f"{pair_after.status} Retry-After {pair_after.headers['Retry-After']}; "
            f"the same email from another address: {owner_elsewhere}"
            f"\n  forged X-Forwarded-For through nginx: the limited address claiming another: "
            f"{forged_by_guesser.status}; another claiming the limited one: {forged_as_guesser}"
            f"\n  forged X-Forwarded-For straight to a replica: the limited address claiming "
            f"another: {direct_by_guesser.status}; another claiming the limited one: "
            f"{direct_as_guesser}"
            f"\n  worker processes that answered sign-ins, per instance: {answered}"
        )
        assert failures == [401] * 50
        assert others == [201] * len(users) and victim == 201
        assert guesses == [401] * 50
        assert 0 < retry_after(limited) <= 900 and neighbour == 201
        assert pair == [401] * 10
        assert 0 < retry_after(pair_after) <= 900 and owner_elsewhere == 201
        assert retry_after(forged_by_guesser) > 0 and forged_as_guesser == 201
        assert retry_after(direct_by_guesser) > 0 and direct_as_guesser == 201
        assert all(count >= 1 for count in answered)

    def test_the_feed_link_carries_the_public_port_and_no_forged_header(
        self, front, logs, client_user
    ):
        nginx = ("127.0.0.1", front.port)
        auth = {"Authorization": f"Bearer {client_user.token}"}
        forged = {"X-Forwarded-Host": "evil.example:666", "X-Forwarded-Port": "666"}
        made = send(client(70), nginx, "POST", "/api/v1/me/calendar-feed", **auth)
        link = made.json["url"]
        fetched = send(client(70), nginx, "GET", urlsplit(link).path)
        with_forged = send(
            client(70), nginx, "POST", "/api/v1/me/calendar-feed", **auth, **forged
        ).json["url"]
        direct = send(
            client(71),
            (REPLICAS[0], front.replica_port),
            "POST",
            "/api/v1/me/calendar-feed",
            **auth,
            **forged,
        ).json["url"]

        print(
            f"\nThe calendar feed's link through nginx on port {front.port}, no PUBLIC_URL:"
            f"\n  {where(link)} -> GET through nginx: "
            f"{fetched.status} {fetched.headers['Content-Type']}"
            f"\n  with a forged X-Forwarded-Host and -Port: {where(with_forged)}"
            f"\n  forged, straight to a replica: {where(direct)}"
        )
        assert made.status == 201 and made.headers["Location"] == link
        assert link.startswith(f"{front.public}/api/v1/calendar/") and link.endswith(".ics")
        assert fetched.status == 200 and fetched.headers["Content-Type"].startswith("text/calendar")
        assert with_forged.startswith(f"{front.public}/api/v1/calendar/")
        assert direct.startswith(f"http://{REPLICAS[0]}:{front.replica_port}/api/v1/calendar/")


class TestBehindNginxWithPublicUrl:
    def test_a_forged_host_never_reaches_a_link(self, app, front, tmp_path, client_user):
        nginx = ("127.0.0.1", front.port)
        auth = {"Authorization": f"Bearer {client_user.token}"}
        public = "https://academy.example.com"
        with replicas(app, front, tmp_path, TRUSTED_PROXIES="1", PUBLIC_URL=public, **SETTINGS):
            links = [
                send(client(72), to, "POST", "/api/v1/me/calendar-feed", **auth, **headers).json[
                    "url"
                ]
                for to, headers in [
                    (nginx, {}),
                    (nginx, {"Host": "evil.example"}),
                    ((REPLICAS[1], front.replica_port), {"Host": "evil.example"}),
                ]
            ]

        print(
            f"\nWith PUBLIC_URL={public}: the feed's link through nginx, through nginx with "
            f"Host: evil.example, and so straight to a replica: "
            f"{', '.join(where(link) for link in links)}"
        )
        assert all(link.startswith(f"{public}/api/v1/calendar/") for link in links)


class TestWithoutTrustingTheProxy:
    def test_every_request_seems_to_come_from_nginx(
        self, app, front, tmp_path, users, coach, client_user
    ):
        """As compose ran before it trusted its proxy (TRUSTED_PROXIES=0): the address
        limit is one for the whole site, and links lose the published port."""
        nginx = ("127.0.0.1", front.port)
        with replicas(app, front, tmp_path, TRUSTED_PROXIES="0", **SETTINGS):
            failures = fifty_failures_from_fifty_addresses(nginx, users)
            locked = sign_in(client(52), nginx, coach.user.email, PASSWORD)
            auth = {"Authorization": f"Bearer {client_user.token}"}
            link = send(client(70), nginx, "POST", "/api/v1/me/calendar-feed", **auth).json["url"]

        print(
            "\nBehind nginx with TRUSTED_PROXIES=0 (compose before): 50 failed sign-ins from "
            f"50 addresses ({failures.count(401)} x 401), then the coach with the right "
            f"password from a fresh address: {locked.status} Retry-After "
            f"{locked.headers.get('Retry-After')}; the feed's link: {where(link)}"
        )
        assert failures == [401] * 50
        assert retry_after(locked) > 0
        assert link.startswith("http://127.0.0.1/api/v1/calendar/")
