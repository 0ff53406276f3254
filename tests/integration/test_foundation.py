#!/usr/bin/python3
"""Foundation: the mapiproxy module in a real Samba AD DC, the engine, and
the backing servers, exercised with third-party clients (impacket, imaplib,
smtplib, PyMySQL, ldapsearch)."""
import imaplib
import os
import re
import shutil
import smtplib
import subprocess
import sys
import time
import unittest
import uuid
from email.message import EmailMessage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mgtest  # noqa: E402
from mgclient import IFACES, connect, ec_dummy_rpc, raw_call, resolve  # noqa: E402
from mgtest import ENV, stackctl, wait_until  # noqa: E402

from impacket.dcerpc.v5 import epm, samr, transport  # noqa: E402
from impacket.dcerpc.v5.rpcrt import (DCERPCException, RPC_C_AUTHN_LEVEL_PKT_PRIVACY,  # noqa: E402
                                      RPC_C_AUTHN_WINNT, rpc_status_codes)

STATUS_BY_NAME = {v: k for k, v in rpc_status_codes.items()}

HOST = ENV["DC_IP"]
USER, PASSWORD, DOMAIN = ENV["DEMO_USER"], ENV["DEMO_PASSWORD"], ENV["DOMAIN"]

FAULT_ACCESS_DENIED = 0x00000005
FAULT_SERVER_UNAVAILABLE = 0x000006BA
FAULT_OP_RNG_ERROR = 0x1C010002


def user_conn(name="emsmdb"):
    return connect(HOST, name, USER, PASSWORD, DOMAIN)


def fault_of(fn):
    try:
        fn()
    except DCERPCException as e:
        if e.get_error_code() is not None:
            return e.get_error_code()
        msg = str(e.error_string)
        if msg in STATUS_BY_NAME:
            return STATUS_BY_NAME[msg]
        m = re.search(r"status code: ([0-9a-fA-F]{8})", msg)
        return int(m.group(1), 16) if m else msg
    raise AssertionError("expected a DCE/RPC fault")


def ldap_root_dse():
    r = subprocess.run(["ldapsearch", "-x", "-LLL", "-H", f"ldap://{HOST}", "-b", "", "-s", "base",
                        "defaultNamingContext"], capture_output=True, text=True, timeout=20)
    return r.returncode == 0 and "defaultNamingContext: DC=" in r.stdout


def samba_own_rpc_domain():
    """samr, served by Samba itself on its dynamic TCP endpoint: the name of
    the first non-builtin domain."""
    binding = epm.hept_map(HOST, samr.MSRPC_UUID_SAMR, protocol="ncacn_ip_tcp")
    t = transport.DCERPCTransportFactory(binding)
    t.set_credentials("Administrator", ENV["ADMIN_PASSWORD"], DOMAIN)
    dce = t.get_dce_rpc()
    dce.set_auth_type(RPC_C_AUTHN_WINNT)
    dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    dce.connect()
    dce.bind(samr.MSRPC_UUID_SAMR)
    handle = samr.hSamrConnect(dce)["ServerHandle"]
    names = [d["Name"] for d in samr.hSamrEnumerateDomainsInSamServer(dce, handle)["Buffer"]["Buffer"]]
    dce.disconnect()
    return [n for n in names if n.lower() != "builtin"][0]


class Interfaces(unittest.TestCase):
    def test_endpoint_mapper_resolves_all_four_interfaces(self):
        for name in IFACES:
            binding = resolve(HOST, name)
            self.assertRegex(binding, r"^ncacn_ip_tcp:127\.0\.0\.1\[\d+\]$", name)

    def test_authenticated_bind_to_each_interface(self):
        for name in IFACES:
            dce = user_conn(name)
            dce.disconnect()

    def test_ec_dummy_rpc_round_trip_through_samba_and_engine(self):
        dce = user_conn()
        for _ in range(20):
            self.assertEqual(ec_dummy_rpc(dce), 0)
        dce.disconnect()

    def test_operation_outside_the_interface_gets_op_rng_error(self):
        dce = user_conn()
        self.assertEqual(fault_of(lambda: raw_call(dce, 200)), FAULT_OP_RNG_ERROR)
        self.assertEqual(ec_dummy_rpc(dce), 0, "the connection stays usable after a fault")
        dce.disconnect()

    def test_wrong_password_is_refused_by_samba(self):
        # NTLM completes with AUTH3, which has no answer: the refusal comes
        # with the first call, from Samba, before the engine sees anything.
        with self.assertRaises(Exception):
            dce = connect(HOST, "emsmdb", USER, "wrong-" + PASSWORD, DOMAIN)
            ec_dummy_rpc(dce)

    def test_samba_own_rpc_and_ldap_are_served(self):
        self.assertEqual(samba_own_rpc_domain(), DOMAIN)
        self.assertTrue(ldap_root_dse())


class Anonymous(unittest.TestCase):
    def test_anonymous_caller_is_refused_on_every_interface(self):
        for name, opnum in (("emsmdb", 6), ("nspi", 0), ("rfr", 0), ("asyncemsmdb", 0)):
            dce = connect(HOST, name)  # no credentials: DCE/RPC auth level none
            self.assertEqual(fault_of(lambda: raw_call(dce, opnum)), FAULT_ACCESS_DENIED, name)
            dce.disconnect()


class EngineFailure(unittest.TestCase):
    def tearDown(self):
        stackctl("start_engine")
        wait_until(lambda: stackctl("ping", check=False).returncode == 0, 60)

    def test_engine_killed_then_restarted(self):
        dce = user_conn()
        self.assertEqual(ec_dummy_rpc(dce), 0)
        stackctl("kill_engine")
        # Calls fail cleanly with a fault, on the open connection and on new ones.
        self.assertEqual(fault_of(lambda: ec_dummy_rpc(dce)), FAULT_SERVER_UNAVAILABLE)
        fresh = user_conn()
        self.assertEqual(fault_of(lambda: ec_dummy_rpc(fresh)), FAULT_SERVER_UNAVAILABLE)
        # The domain controller is unaffected.
        self.assertTrue(ldap_root_dse())
        self.assertEqual(samba_own_rpc_domain(), DOMAIN)
        # The engine comes back; the same connections work again.
        stackctl("start_engine")
        wait_until(lambda: ec_dummy_rpc(dce) == 0, 30)
        self.assertEqual(ec_dummy_rpc(fresh), 0)
        dce.disconnect()
        fresh.disconnect()

    def test_engine_stopped_cleanly_then_restarted(self):
        dce = user_conn()
        stackctl("stop_engine")
        self.assertEqual(fault_of(lambda: ec_dummy_rpc(dce)), FAULT_SERVER_UNAVAILABLE)
        stackctl("start_engine")
        wait_until(lambda: ec_dummy_rpc(dce) == 0, 30)
        dce.disconnect()


class Configuration(unittest.TestCase):
    """Malformed module options are logged at the default level and the DC
    keeps serving its own RPC; dcerpc_mapiproxy:interfaces selects interfaces."""

    def setUp(self):
        self.conf = ENV["SMB_CONF"]
        self.saved = self.conf + ".test-saved"
        shutil.copy(self.conf, self.saved)

    def tearDown(self):
        stackctl("stop_samba")
        shutil.move(self.saved, self.conf)
        stackctl("start_samba")
        stackctl("wait_ready")

    def test_bad_options_are_logged_and_the_dc_keeps_serving(self):
        text = open(self.conf).read()
        text = text.replace("dcerpc_mapiproxy:interfaces = exchange_emsmdb, exchange_nsp, exchange_ds_rfr",
                            "dcerpc_mapiproxy:interfaces = exchange_nsp, bogus_iface")
        text = text.replace("dcerpc_mapiproxy:server = true",
                            "dcerpc_mapiproxy:server = maybe\n\trpc server port:exchange_nsp = 6004")
        open(self.conf, "w").write(text)
        log = os.path.join(ENV["LOG_DIR"], "samba.stdout")
        start = os.path.getsize(log) if os.path.exists(log) else 0
        stackctl("stop_samba")
        stackctl("start_samba")
        wait_until(lambda: resolve(HOST, "nspi"), 60)
        # A fixed port when smb.conf asks for one (Outlook Anywhere uses 6004 for NSPI).
        self.assertEqual(resolve(HOST, "nspi"), f"ncacn_ip_tcp:{HOST}[6004]")
        with open(log, errors="replace") as f:
            f.seek(start)
            out = f.read()
        self.assertIn("unknown interface 'bogus_iface'", out)
        self.assertIn("invalid value 'maybe' for 'dcerpc_mapiproxy:server'", out)
        # Only the selected interface is served ...
        with self.assertRaises(Exception):
            resolve(HOST, "emsmdb")
        dce = user_conn("nspi")
        dce.disconnect()
        # ... and Samba's own services are all there.
        self.assertTrue(ldap_root_dse())
        self.assertEqual(samba_own_rpc_domain(), DOMAIN)


class Backends(unittest.TestCase):
    def test_mariadb_accepts_the_guide_password(self):
        import pymysql
        uri = ENV["MARIADB_URI"]
        self.assertIn("$", uri)
        conn = pymysql.connect(host=HOST, user="openchange", password="openchange$123", database="openchange")
        with conn.cursor() as c:
            c.execute("SELECT 1")
            self.assertEqual(c.fetchone()[0], 1)
        conn.close()

    def test_imap_user_login_against_the_directory(self):
        m = imaplib.IMAP4(ENV["IMAP_HOST"], int(ENV["IMAP_PORT"]))
        self.assertIn("IMAP4REV1", m.capabilities)
        m.login(USER, PASSWORD)
        typ, _ = m.select("INBOX")
        self.assertEqual(typ, "OK")
        m.logout()
        m = imaplib.IMAP4(ENV["IMAP_HOST"], int(ENV["IMAP_PORT"]))
        with self.assertRaises(imaplib.IMAP4.error):
            m.login(USER, "wrong-password")

    def test_imap_master_user_logs_in_as_the_user(self):
        master_pw = open(ENV["IMAP_MASTER_PASSWORD_FILE"]).read().strip()
        m = imaplib.IMAP4(ENV["IMAP_HOST"], int(ENV["IMAP_PORT"]))
        m.login(f"{USER}*{ENV['IMAP_MASTER_USER']}", master_pw)
        typ, data = m.list()
        self.assertEqual(typ, "OK")
        names = b" ".join(data)
        for special in (b"\\Sent", b"\\Drafts", b"\\Trash", b"\\Junk"):
            self.assertIn(special, names)
        m.logout()

    def test_smtp_delivers_to_the_mailbox(self):
        subject = "sandbox delivery " + uuid.uuid4().hex
        msg = EmailMessage()
        msg["From"] = "someone@example.org"
        msg["To"] = ENV["DEMO_MAIL"]
        msg["Subject"] = subject
        msg.set_content("hello from the foundation test\n")
        with smtplib.SMTP(ENV["SMTP_HOST"], int(ENV["SMTP_PORT"]), timeout=20) as s:
            s.send_message(msg)

        def arrived():
            m = imaplib.IMAP4(ENV["IMAP_HOST"], int(ENV["IMAP_PORT"]))
            m.login(USER, PASSWORD)
            m.select("INBOX", readonly=True)
            typ, data = m.search(None, "SUBJECT", f'"{subject}"')
            m.logout()
            return typ == "OK" and data[0].split()
        wait_until(arrived, 20)


if __name__ == "__main__":
    sys.exit(mgtest.run(__name__))
