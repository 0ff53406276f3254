#!/usr/bin/python3
"""EMSMDB sessions end to end (MS-OXCRPC): mapigate-client -> Samba's client
library (NTLM or Kerberos, packet privacy) -> Samba + the mapiproxy module ->
the engine's EMSMDB server, which checks the caller against Samba's directory.

Needs mapigate-client (built in the source tree or installed) and a stack
whose demo user has a legacyExchangeDN: when the provisioning tool has not
given it one, this test sets it with ldbmodify."""
import os
import select
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mgtest  # noqa: E402
from mgtest import ENV, SRC, stackctl, wait_until  # noqa: E402

HOST = ENV["DC_IP"]
USER, PASSWORD, DOMAIN = ENV["DEMO_USER"], ENV["DEMO_PASSWORD"], ENV["DOMAIN"]
SAM = os.path.join(ENV["DATA_DIR"], "samba", "private", "sam.ldb")
USERB, USERB_PASSWORD = "userb", "Userb-Passw0rd1"

EC_ACCESS_DENIED = 0x80070005
FAULT_CONTEXT_MISMATCH = 0x1C00001A
SERVER_VERSION = "15.0.1497.2"
ZERO_CXH = "00000000-" + "0" * 32


def client_binary():
    built = os.path.join(SRC, "mapigate-client")
    if os.access(built, os.X_OK):
        return built
    found = shutil.which("mapigate-client")
    if not found:
        raise unittest.SkipTest("mapigate-client is not built")
    return found


CLIENT = client_binary()


def auth_args(user=USER, password=PASSWORD, kerberos=False):
    args = ["-H", HOST, "-U", f"{user}%{password}", "-W", DOMAIN]
    if kerberos:
        args += ["--kerberos", "--realm", ENV["REALM"], "--target-hostname", ENV["DC_HOSTNAME"]]
    return args


def run_client(*args, user=USER, password=PASSWORD, kerberos=False, timeout=60):
    env = {**os.environ, "KRB5_CONFIG": ENV["KRB5_CONFIG"]}
    return subprocess.run([CLIENT, *auth_args(user, password, kerberos), *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def fields(output):
    """'key: value' lines of the client's output as a dict (last one wins)."""
    out = {}
    for line in output.splitlines():
        if ": " in line:
            k, v = line.split(": ", 1)
            out[k] = v
    return out


class Shell:
    """mapigate-client shell: one connection and one session across commands."""

    def __init__(self, user=USER, password=PASSWORD):
        env = {**os.environ, "KRB5_CONFIG": ENV["KRB5_CONFIG"]}
        self.p = subprocess.Popen([CLIENT, *auth_args(user, password), "shell"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.buf = b""

    def send(self, command, timeout=60):
        """Runs one command; returns (ok, {field: value}, raw text)."""
        self.p.stdin.write((command + "\n").encode())
        self.p.stdin.flush()
        lines = []
        end = time.time() + timeout
        while True:
            while b"\n" not in self.buf:
                left = end - time.time()
                if left <= 0 or not select.select([self.p.stdout], [], [], left)[0]:
                    raise AssertionError(f"no answer to {command!r} within {timeout}s: {lines}")
                chunk = os.read(self.p.stdout.fileno(), 65536)
                if not chunk:
                    raise AssertionError(f"client exited during {command!r}: {self.p.stderr.read().decode()}")
                self.buf += chunk
            line, self.buf = self.buf.split(b"\n", 1)
            text = line.decode()
            if text in ("> ok", "> error"):
                raw = "\n".join(lines)
                return text == "> ok", fields(raw), raw
            lines.append(text)

    def close(self):
        try:
            self.p.stdin.close()
            self.p.wait(timeout=30)
        except Exception:
            self.p.kill()
            self.p.wait()


def ldb(*args, stdin=None):
    return subprocess.run(list(args), input=stdin, capture_output=True, text=True, timeout=60)


def user_entry(name):
    r = ldb("ldbsearch", "-H", SAM, f"(sAMAccountName={name})", "dn", "legacyExchangeDN")
    dn = ldn = None
    text = r.stdout.replace("\n ", "")  # LDIF folds long lines (RFC 2849)
    for line in text.splitlines():
        if line.startswith("dn: "):
            dn = line[4:]
        elif line.startswith("legacyExchangeDN: "):
            ldn = line[len("legacyExchangeDN: "):]
    return dn, ldn


def ensure_mailbox_dn(name, default_ldn):
    """The user's legacyExchangeDN, set to default_ldn when it has none."""
    dn, ldn = user_entry(name)
    if dn is None:
        raise AssertionError(f"user {name} not found in {SAM}")
    if ldn:
        return ldn
    ldif = f"dn: {dn}\nchangetype: modify\nreplace: legacyExchangeDN\nlegacyExchangeDN: {default_ldn}\n"
    r = ldb("ldbmodify", "-H", SAM, stdin=ldif)
    if r.returncode != 0:
        raise AssertionError(f"ldbmodify failed: {r.stderr}")
    return default_ldn


DEMO_DN = None
USERB_DN = None


def setUpModule():
    global DEMO_DN, USERB_DN
    recipients = "/o=mapigate/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients"
    DEMO_DN = ENV.get("DEMO_USER_DN") or ensure_mailbox_dn(USER, f"{recipients}/cn={USER}")
    if not user_entry(USERB)[0]:
        r = subprocess.run(["samba-tool", "user", "create", USERB, USERB_PASSWORD, "-s", ENV["SMB_CONF"]],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise AssertionError(f"samba-tool user create {USERB} failed: {r.stderr}")
    prefix = DEMO_DN.rsplit("/", 1)[0]
    USERB_DN = ensure_mailbox_dn(USERB, f"{prefix}/cn={USERB}")


class Connect(unittest.TestCase):
    def test_ping(self):
        r = run_client("ping")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(fields(r.stdout)["EcDummyRpc"], "0x00000000")

    def test_connect_with_own_dn(self):
        r = run_client("--dn", DEMO_DN, "connect")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        f = fields(r.stdout)
        print(f"\n  server version {f['server version']}, display name {f['display name']!r}, "
              f"dn prefix {f['dn prefix']!r}", flush=True)
        self.assertEqual(f["EcDoConnectEx"], "0x00000000")
        self.assertEqual(f["server version"], SERVER_VERSION)
        self.assertNotEqual(f["cxh"], ZERO_CXH)
        self.assertTrue(DEMO_DN.lower().startswith(f["dn prefix"].lower()))

    def test_dn_is_compared_case_insensitively(self):
        r = run_client("--dn", DEMO_DN.upper(), "connect")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_wrong_dn_is_refused_without_session(self):
        sh = Shell()
        try:
            ok, f, raw = sh.send(f"connect {DEMO_DN}-nobody")
            self.assertFalse(ok, raw)
            self.assertEqual(int(f["EcDoConnectEx"], 16), EC_ACCESS_DENIED)
            ok, f, raw = sh.send("cxh")
            self.assertEqual(f["cxh"], ZERO_CXH, "no session handle after a refusal")
        finally:
            sh.close()
        r = run_client("--dn", "/o=elsewhere/ou=x/cn=Recipients/cn=nobody", "connect")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertEqual(int(fields(r.stdout)["EcDoConnectEx"], 16), EC_ACCESS_DENIED)

    def test_another_user_cannot_open_the_demo_mailbox(self):
        r = run_client("--dn", DEMO_DN, "connect", user=USERB, password=USERB_PASSWORD)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertEqual(int(fields(r.stdout)["EcDoConnectEx"], 16), EC_ACCESS_DENIED)
        # ... while userb's own mailbox opens.
        r = run_client("--dn", USERB_DN, "connect", user=USERB, password=USERB_PASSWORD)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_kerberos(self):
        r = run_client("--dn", DEMO_DN, "connect", kerberos=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(fields(r.stdout)["server version"], SERVER_VERSION)


class Rops(unittest.TestCase):
    def test_empty_rop_buffer_round_trips(self):
        # MS-OXCROPS 2.2.1: RopSize 2, no ROPs, empty handle table.
        for extra in ([], ["--no-compression", "--no-xor"]):
            r = run_client("--dn", DEMO_DN, *extra, "rop-hex", "0200")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertEqual(fields(r.stdout)["EcDoRpcExt2"], "0x00000000")
            self.assertEqual(fields(r.stdout)["rop response"], "0200")

    def test_disconnect_destroys_the_session(self):
        sh = Shell()
        try:
            ok, f, raw = sh.send("connect " + DEMO_DN)
            self.assertTrue(ok, raw)
            cxh = f["cxh"]
            ok, f, raw = sh.send("rop-hex 0200")
            self.assertTrue(ok, raw)
            ok, f, raw = sh.send("disconnect")
            self.assertTrue(ok, raw)
            self.assertEqual(f["EcDoDisconnect"], "0x00000000")
            ok, f, raw = sh.send("cxh")
            self.assertEqual(f["cxh"], ZERO_CXH)
            ok, f, raw = sh.send("adopt " + cxh)
            ok, f, raw = sh.send("rop-hex 0200")
            self.assertFalse(ok, raw)
            self.assertEqual(int(f["fault"], 16), FAULT_CONTEXT_MISMATCH)
        finally:
            sh.close()

    def test_foreign_session_handle_is_refused(self):
        demo = Shell()
        other = Shell(USERB, USERB_PASSWORD)
        try:
            ok, f, raw = demo.send("connect " + DEMO_DN)
            self.assertTrue(ok, raw)
            ok, g, raw = other.send("adopt " + f["cxh"])
            ok, g, raw = other.send("rop-hex 0200")
            self.assertFalse(ok, raw)
            self.assertEqual(int(g["fault"], 16), FAULT_CONTEXT_MISMATCH)
            ok, f, raw = demo.send("rop-hex 0200")
            self.assertTrue(ok, raw)
        finally:
            other.close()
            demo.close()


class EngineRestart(unittest.TestCase):
    def tearDown(self):
        stackctl("start_engine")
        wait_until(lambda: stackctl("ping", check=False).returncode == 0, 60)

    def test_old_handle_refused_after_restart_new_connect_works(self):
        sh = Shell()
        try:
            ok, f, raw = sh.send("connect " + DEMO_DN)
            self.assertTrue(ok, raw)
            ok, f, raw = sh.send("rop-hex 0200")
            self.assertTrue(ok, raw)
            stackctl("stop_engine")
            stackctl("start_engine")
            # The module reconnects lazily; the new engine does not know the handle.
            f = wait_until(lambda: (lambda r: r[1] if "fault" in r[1] and int(r[1]["fault"], 16) != 0x6BA
                                    else None)(sh.send("rop-hex 0200")), 30)
            self.assertEqual(int(f["fault"], 16), FAULT_CONTEXT_MISMATCH)
            ok, f, raw = sh.send("connect " + DEMO_DN)
            self.assertTrue(ok, raw)
            ok, f, raw = sh.send("rop-hex 0200")
            self.assertTrue(ok, raw)
            self.assertEqual(f["rop response"], "0200")
        finally:
            sh.close()


if __name__ == "__main__":
    sys.exit(mgtest.run(__name__))
