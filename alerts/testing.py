"""Test support: a controlled world (registry, store, crawl nights, reports) and a real SMTP server.

    world = World(tmp_path / "nianbao.db", [Unit("C", "武陟县人民政府", "county", recipients=["gk@x"])])
    world.night(at(2023, 2, 1, 2), ok=["C"])            # a crawl run whose fetches happened then
    world.publish(spec, "C", page="http://…/a.html")     # a rendered report, parsed for real
    result = world.check(at(2023, 2, 1, 3))              # the check, on that clock

    with SmtpServer() as smtp:                            # aiosmtpd on 127.0.0.1, a free port
        ...; smtp.messages                                # what arrived, as EmailMessage objects

Nothing here is mocked: reports go through the real parser and store, fetch outcomes through
``Store.record_fetch``, mail through a real SMTP conversation (optionally STARTTLS/SSL and AUTH).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import ssl
import threading
from pathlib import Path
from typing import Any, Self

from crawler import columns as coverage
from crawler.ingest import ingest
from crawler.registry import Registry, Unit
from crawler.store import Store
from crawler.transactions import atomic

from .check import CheckResult, run_check
from .config import CHINA, AlertConfig, iso
from .state import open_alerts


def at(year: int, month: int, day: int, hour: int = 2, minute: int = 0) -> dt.datetime:
    """A moment on China's clock."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=CHINA)


class World:
    """A registry and a real store, driven night by night on a controlled clock."""

    def __init__(self, path: str | Path, units: list[Unit], config: AlertConfig | None = None):
        self.store = Store(path)
        self.registry = Registry(units)
        self.config = config or AlertConfig(first_year=2022)
        self.store.sync_units(self.registry)

    def close(self) -> None:
        self.store.close()

    def night(self, when: dt.datetime, *, ok: list[str] = (), failed: list[str] = (), blocked: list[str] = (),
              entries: dict[str, int] | None = None, article_failed: list[str] = (), finished: bool = True,
              columns: dict[str, dict[str, Any] | None] | None = None) -> int:
        """One crawl run at ``when``: list pages of ``ok`` units answer (with ``entries`` articles each),
        ``failed`` ones time out, ``blocked`` ones answer 412; ``article_failed`` units' articles time out.

        Each ``ok`` unit's 年报 column is read to its end: one list page with its ``entries`` report titles
        (one when not given). ``columns`` replaces that reading per unit with these ``column_reads``
        fields (``{"C": {"complete": 0, "cut": "cap", "pages": 50}}``), or with a home page that has no
        年报 link (``{"C": None}``)."""
        entries = entries or {}
        columns = columns or {}
        store = self.store
        run = store.start_run(len(ok) + len(failed) + len(blocked))
        stamp = iso(when)
        readings = []
        for code in [*ok, *failed, *blocked]:
            url = f"http://{code}.example/nb/"
            titles = entries.get(code, 1)
            row = {"run": run, "unit_code": code, "role": "column", "column_url": url, "found": 1, "adapter": "trs",
                   "pages": 1, "complete": 1, "cut": None, "entries": titles, "report_entries": titles, "browser": 0,
                   "scripts": 0, "shared": None, "last_error": None, "at": stamp}
            if code not in ok:
                row.update(pages=0, complete=0, cut="error", entries=0, report_entries=0,
                           last_error="连接超时" if code in failed else "HTTP 412")
            if code in columns:
                over = columns[code]
                row = ({**row, **over} if over is not None else
                       {**row, "role": "discovery", "column_url": f"http://{code}.example/", "found": 0, "pages": 0,
                        "entries": 0, "report_entries": 0, "adapter": None})
            readings.append(row)
        coverage.ensure_schema(store.db)
        store.db["column_reads"].insert_all(readings)
        with atomic(store.db.conn):
            store.db.execute("UPDATE runs SET started = ? WHERE id = ?", [stamp, run])
        for code in ok:
            store.record_fetch(run, {"unit_code": code, "url": f"http://{code}.example/nb/", "kind": "list",
                                     "status": 200, "outcome": "ok", "at": stamp})
            for i in range(entries.get(code, 0)):
                store.record_fetch(run, {"unit_code": code, "url": f"http://{code}.example/nb/{i}.html",
                                         "kind": "article", "status": 304, "outcome": "not_modified", "at": stamp})
            if code in article_failed:
                store.record_fetch(run, {"unit_code": code, "url": f"http://{code}.example/nb/x.html", "kind": "article",
                                         "status": None, "outcome": "timeout", "error": "连接超时", "at": stamp})
        for code in failed:
            store.record_fetch(run, {"unit_code": code, "url": f"http://{code}.example/nb/", "kind": "list",
                                     "status": None, "outcome": "timeout", "error": "连接超时", "at": stamp})
        for code in blocked:
            store.record_fetch(run, {"unit_code": code, "url": f"http://{code}.example/nb/", "kind": "list",
                                     "status": 412, "outcome": "http_error", "error": "HTTP 412", "at": stamp})
        if finished:
            store.finish_run(run, "finished", {})
            with atomic(store.db.conn):
                store.db.execute("UPDATE runs SET finished = ? WHERE id = ?", [iso(when + dt.timedelta(minutes=30)), run])
        return run

    def publish(self, data: bytes, code: str, *, page: str, year: int | None = None, published: str | None = None,
                name: str = "report.html") -> str:
        """Store a document for unit ``code`` as the crawler does (parse, check, source row); returns the report id."""
        unit = self.registry.get(code)
        year_hint = year
        digest, _ = ingest(self.store, data, page, name=name, unit_code=code,
                                 meta={"unit": unit.name, "year": year_hint, "published": published},
                                 level=unit.level, deadline=self.registry.deadline(unit, year) if year else None)
        self.store.save_source(page, {"unit_code": code, "role": "page", "page_url": page, "sha256": digest,
                                      "title": f"{unit.name}{year}年政府信息公开工作年度报告" if year else None,
                                      "year": year, "published": published})
        return self.store.report_id(digest)

    def check(self, when: dt.datetime) -> CheckResult:
        return run_check(self.store, now=when, config=self.config)

    def open(self) -> set[tuple[str, int, str, str]]:
        """Open alerts as (unit, year, kind, rule)."""
        return {(a["unit_code"], a["year"], a["kind"], a["rule"]) for a in open_alerts(self.store.db)}

    def expected(self, code: str, year: int) -> dict[str, Any] | None:
        rows = list(self.store.db.query("SELECT * FROM expected_reports WHERE unit_code = ? AND year = ?", [code, year]))
        return rows[0] if rows else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives.

    ``tls``: None (plain), "starttls" (STARTTLS offered and required) or "ssl" (implicit TLS), with
    ``cert``/``key`` files; ``users`` turns on AUTH (LOGIN/PLAIN) with these passwords; ``refuse``
    answers 550 for these recipients.
    """

    def __init__(self, port: int | None = None, *, tls: str | None = None, cert: str | None = None,
                 key: str | None = None, users: dict[str, str] | None = None, refuse: set[str] | None = None):
        self.port = port or free_port()
        self.refuse = refuse or set()
        self.tls, self.cert, self.key, self.users = tls, cert, key, users
        self.envelopes: list[Any] = []
        self.logins: list[str] = []
        self.controller = None
        self._lock = threading.Lock()

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        with self._lock:
            return [email.message_from_bytes(e.original_content, policy=email.policy.default) for e in self.envelopes]

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        server = self

        class Handler:
            async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
                if address in server.refuse:
                    return "550 5.1.1 mailbox unavailable"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, smtp, session, envelope):
                with server._lock:
                    server.envelopes.append(envelope)
                return "250 OK"

        def authenticator(smtp, session, envelope, mechanism, auth_data):
            ok = server.users is not None and server.users.get(auth_data.login.decode()) == auth_data.password.decode()
            if ok:
                server.logins.append(auth_data.login.decode())
            return AuthResult(success=ok)

        kwargs: dict[str, Any] = {}
        context = None
        if self.tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.cert, self.key)
        if self.tls == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        if self.users is not None:
            kwargs.update(authenticator=authenticator, auth_required=True)
            if self.tls == "ssl":  # aiosmtpd only counts STARTTLS as TLS for AUTH; implicit TLS is TLS too
                kwargs["auth_require_tls"] = False
        ssl_context = context if self.tls == "ssl" else None
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, ssl_context=ssl_context,
                                     server_hostname="localhost" if ssl_context else None, **kwargs)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def env(self, **extra: str) -> dict[str, str]:
        """The NIANBAO_SMTP_* environment that points at this server."""
        env = {"NIANBAO_SMTP_HOST": "127.0.0.1" if not self.tls else "localhost", "NIANBAO_SMTP_PORT": str(self.port),
               "NIANBAO_SMTP_SECURITY": self.tls or "none", "NIANBAO_SMTP_FROM": "年报监测 <nianbao@example.org>"}
        if self.tls:
            env["NIANBAO_SMTP_CAFILE"] = self.cert
        env.update(extra)
        return env


def self_signed(directory: str | Path) -> tuple[str, str]:
    """A certificate for ``localhost``/127.0.0.1 and its key (PEM files), for STARTTLS/SSL tests."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    d = Path(directory)
    cert_path, key_path = d / "cert.pem", d / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)
