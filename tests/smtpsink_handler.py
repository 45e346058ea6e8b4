"""An aiosmtpd handler for casemail's SMTP tests (tests/smtpsink.sh).

    /usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:PORT \
        -c smtpsink_handler.Sink DIR          (PYTHONPATH=tests)

Messages go to the Maildir DIR/maildir exactly as aiosmtpd's Mailbox
handler stores them (it appends X-Peer, X-MailFrom and X-RcptTo to the
header). The file DIR/mode switches the behaviour of the running server,
read at each command, so one server can refuse and then accept:

    ok              accept (also when DIR/mode is missing)
    tempfail        451 to RCPT TO
    permfail        550 to RCPT TO
    tempfail-data   451 at the end of DATA (after the whole message)
    permfail-data   554 at the end of DATA

DIR/auth holding "user:password" makes the server require AUTH (PLAIN
or LOGIN, which aiosmtpd offers only after STARTTLS) before MAIL FROM.
Every message that was refused or accepted is logged to DIR/log as
"<mode> <rcpt>" lines.
"""
import base64
import os

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult


class Sink(Mailbox):
    def __init__(self, directory):
        self.dir = directory
        super().__init__(os.path.join(directory, "maildir"))

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("usage: smtpsink_handler.Sink DIR")
        return cls(args[0])

    def _read(self, name, default=""):
        try:
            with open(os.path.join(self.dir, name)) as f:
                return f.read().strip()
        except OSError:
            return default

    def _log(self, what):
        with open(os.path.join(self.dir, "log"), "a") as f:
            f.write(what + "\n")

    def _credentials_ok(self, login, password):
        want = self._read("auth")
        return want != "" and want == "%s:%s" % (login.decode(), password.decode())

    async def auth_PLAIN(self, server, args):
        if len(args) == 1:
            data = await server.challenge_auth("")
            if not isinstance(data, bytes):
                return AuthResult(success=False, handled=False)
        else:
            data = base64.b64decode(args[1])
        try:
            _, login, password = data.split(b"\0")
        except ValueError:
            return AuthResult(success=False, handled=False)
        ok = self._credentials_ok(login, password)
        return AuthResult(success=ok, handled=False)

    async def auth_LOGIN(self, server, args):
        login = base64.b64decode(args[1]) if len(args) > 1 else \
            await server.challenge_auth("Username:")
        password = await server.challenge_auth("Password:")
        if not isinstance(login, bytes) or not isinstance(password, bytes):
            return AuthResult(success=False, handled=False)
        ok = self._credentials_ok(login, password)
        return AuthResult(success=ok, handled=False)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self._read("auth") != "" and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        mode = self._read("mode", "ok")
        if mode == "tempfail":
            self._log("tempfail " + address)
            return "451 4.3.0 <%s>: mailbox busy, try again later" % address
        if mode == "permfail":
            self._log("permfail " + address)
            return "550 5.1.1 <%s>: no such user here" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        mode = self._read("mode", "ok")
        if mode == "tempfail-data":
            self._log("tempfail-data " + ",".join(envelope.rcpt_tos))
            return "451 4.3.0 queue full, try again later"
        if mode == "permfail-data":
            self._log("permfail-data " + ",".join(envelope.rcpt_tos))
            return "554 5.7.1 message refused by policy"
        self._log("ok " + ",".join(envelope.rcpt_tos))
        return await super().handle_DATA(server, session, envelope)
