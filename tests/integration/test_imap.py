#!/usr/bin/python3
"""IMAP provider foundation against the stack's real Dovecot: the gateway's
own IMAP client (driven through utils/mapigate-imap, which logs in exactly as
the provider does: SASL PLAIN as the master user for the mailbox owner)
cross-checked with Python's imaplib, and the MIME -> MAPI conversion of
messages that went through Dovecot."""
import base64
import email
import email.header
import email.policy
import imaplib
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mgtest  # noqa: E402
from mgtest import ENV, SRC, stackctl, wait_until  # noqa: E402

USER = ENV["DEMO_USER"]
MASTER = ENV["IMAP_MASTER_USER"]
PWFILE = ENV["IMAP_MASTER_PASSWORD_FILE"]
TOOL = os.path.join(SRC, "mapigate-imap")
CORPUS = os.path.join(SRC, "tests", "data", "mime")


def tool(*args, pwfile=PWFILE, check=True, extra=()):
    """Runs mapigate-imap; returns (parsed JSON, stderr)."""
    cmd = [TOOL, "--host", ENV["IMAP_HOST"], "--port", ENV["IMAP_PORT"], "--master", MASTER,
           "--master-password-file", pwfile, "--timeout", "5000", *extra, "--user", USER, *args]
    r = subprocess.run(cmd, capture_output=True, timeout=60)
    out = json.loads(r.stdout.decode() or "null")
    if check and r.returncode != 0:
        raise AssertionError(f"mapigate-imap {' '.join(args)} failed: {r.stderr.decode()}")
    return out, r.stderr.decode(), r.returncode


def imap():
    """imaplib as the master user for the demo user (SASL PLAIN with an
    authorization identity, the same mechanism as the gateway)."""
    pw = open(PWFILE).read().strip()
    m = imaplib.IMAP4(ENV["IMAP_HOST"], int(ENV["IMAP_PORT"]))
    m.authenticate("PLAIN", lambda _: f"{USER}\0{MASTER}\0{pw}".encode())
    return m


def mutf7_decode(s):
    """Modified UTF-7 (RFC 3501 5.1.3), written independently for the check."""
    out, i = [], 0
    while i < len(s):
        if s[i] == "&":
            j = s.index("-", i)
            if j == i + 1:
                out.append("&")
            else:
                b = s[i + 1:j].replace(",", "/")
                b += "=" * (-len(b) % 4)
                out.append(base64.b64decode(b).decode("utf-16-be"))
            i = j + 1
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def corpus(name):
    return open(os.path.join(CORPUS, name), "rb").read()


class Connection(unittest.TestCase):
    def test_capabilities_checked_and_qresync_enabled(self):
        out, _, _ = tool("check")
        self.assertTrue(out["qresync"])
        caps = set(out["capabilities"])
        for c in ("UIDPLUS", "QRESYNC", "CONDSTORE", "ENABLE", "SPECIAL-USE", "LIST-STATUS", "MOVE", "SORT",
                  "LITERAL+", "SASL-IR"):
            self.assertIn(c, caps)
        m = imap()
        typ, data = m.capability()  # what imaplib sees after the same login
        m.logout()
        self.assertEqual({c.upper() for c in data[0].decode().split()}, caps)

    def test_wrong_master_password_is_a_clear_error_without_the_password(self):
        secret = "wrong-" + uuid.uuid4().hex
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write(secret + "\n")
        try:
            out, err, rc = tool("check", pwfile=f.name, check=False, extra=("--log-level", "trace"))
        finally:
            os.unlink(f.name)
        self.assertEqual(rc, 1)
        self.assertIn(f"authentication as {MASTER} for {USER} failed", out["error"])
        self.assertIn("AUTHENTICATIONFAILED", out["error"])
        self.assertNotIn(secret, json.dumps(out) + err)
        self.assertNotIn(base64.b64encode(f"{USER}\0{MASTER}\0{secret}".encode()).decode(), err)

    def test_trace_log_never_shows_the_password(self):
        out, err, _ = tool("folders", extra=("--log-level", "trace"))
        pw = open(PWFILE).read().strip()
        self.assertIn("AUTHENTICATE PLAIN <secret>", err)   # the command is logged, redacted
        self.assertIn("S: A1 OK", err)                       # and the server's answers are traced
        self.assertNotIn(pw, err)
        self.assertNotIn(base64.b64encode(f"{USER}\0{MASTER}\0{pw}".encode()).decode(), err)

    def test_imap_down_is_an_error_and_nothing_is_lost(self):
        appended, _, _ = tool("append", "INBOX", os.path.join(CORPUS, "koi8r.eml"))
        stackctl("stop_dovecot")
        try:
            out, err, rc = tool("check", check=False)
            self.assertEqual(rc, 1)
            self.assertIn(f"IMAP server {ENV['IMAP_HOST']}:{ENV['IMAP_PORT']}", out["error"])
            self.assertIn("connect", out["error"])
        finally:
            stackctl("start_dovecot")
        wait_until(lambda: tool("check", check=False)[2] == 0, timeout=30)
        got, _, _ = tool("fetch", "INBOX", str(appended["uid"]))
        self.assertEqual(got["uidvalidity"], appended["uidvalidity"])
        self.assertEqual(got["message"]["props"]["PidTagSubject"], "Тест")


class Folders(unittest.TestCase):
    def test_special_use_roles_match_imaplib_list(self):
        folders, _, _ = tool("folders")
        roles = {f["mailbox"]: f["role"] for f in folders}
        self.assertEqual(roles["INBOX"], "Inbox")
        m = imap()
        typ, data = m._simple_command("LIST", '""', '"*"', "RETURN", "(SPECIAL-USE)")
        self.assertEqual(typ, "OK")
        _, lines = m._untagged_response(typ, data, "LIST")
        m.logout()
        want = {"\\Sent": "SentItems", "\\Drafts": "Drafts", "\\Trash": "DeletedItems", "\\Junk": "Junk"}
        seen = set()
        for line in lines:
            mm = re.match(rb'\((.*?)\) "(.)" "?([^"]*)"?$', line)
            flags, name = mm.group(1).decode().split(), mm.group(3).decode()
            self.assertIn(name, roles)
            for flag, role in want.items():
                if flag in flags:
                    self.assertEqual(roles[name], role, name)
                    seen.add(role)
        self.assertEqual(seen, set(want.values()))
        for f in folders:
            self.assertIn("uidvalidity", f)  # LIST-STATUS data came with the list

    def test_unicode_folders_create_and_delete(self):
        top = f"Été {uuid.uuid4().hex[:6]}"
        made, _, _ = tool("create", top)
        wire = made["mailbox"]
        self.assertTrue(wire.isascii())
        self.assertEqual(mutf7_decode(wire), top)
        child, _, _ = tool("create", "Juli – 日本", wire)
        m = imap()
        typ, data = m.list()
        names = [re.match(rb'\(.*?\) ".*?" "?([^"]*)"?$', d).group(1).decode() for d in data]
        m.logout()
        self.assertIn(wire, names)
        self.assertIn(child["mailbox"], names)
        folders, _, _ = tool("folders")
        by = {f["mailbox"]: f for f in folders}
        self.assertEqual(by[child["mailbox"]]["parent"], wire)
        self.assertEqual(by[child["mailbox"]]["name"], "Juli – 日本")
        self.assertEqual(by[wire]["name"], top)
        # A name IMAP cannot hold is refused with the reason.
        out, _, rc = tool("create", "a/b", check=False)
        self.assertEqual(rc, 1)
        self.assertIn("hierarchy separator '/'", out["error"])
        tool("delete", child["mailbox"])
        tool("delete", wire)
        m = imap()
        _, data = m.list()
        m.logout()
        self.assertNotIn(wire.encode(), b" ".join(data))


class Messages(unittest.TestCase):
    def test_append_and_fetch_round_trip(self):
        raw = corpus("attachments.eml")
        out, _, _ = tool("append", "INBOX", os.path.join(CORPUS, "attachments.eml"), "\\Seen")
        uid = out["uid"]
        self.assertGreater(uid, 0)
        # imaplib reads back exactly the bytes the gateway appended.
        m = imap()
        typ, data = m.select("INBOX", readonly=True)
        typ, data = m.uid("FETCH", str(uid), "(FLAGS BODY.PEEK[])")
        m.logout()
        self.assertEqual(data[0][1], raw)
        self.assertIn(b"\\Seen", data[0][0])
        # ...and the gateway converts what Dovecot returns.
        got, _, _ = tool("fetch", "INBOX", str(uid))
        props = got["message"]["props"]
        self.assertEqual(props["PidTagSubject"], "Fwd: documents")
        self.assertEqual(props["PidTagSubjectPrefix"], "Fwd: ")
        self.assertTrue(got["flag_props"]["PidTagRead"])
        atts = got["message"]["attachments"]
        self.assertEqual(len(atts), 3)
        self.assertEqual(atts[0]["props"]["PidTagAttachLongFilename"], "Übersicht Q1.pdf")
        self.assertEqual(atts[2]["embedded"]["props"]["PidTagSubject"], "the original")
        self.assertEqual(got["size"], len(raw))
        self.assertIn("PidTagMessageDeliveryTime", props)  # from INTERNALDATE

    def test_message_appended_by_imaplib_converts(self):
        raw = corpus("nonascii_headers.eml")
        m = imap()
        typ, data = m.append("INBOX", None, None, raw)
        self.assertEqual(typ, "OK")
        uid = int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1))
        m.logout()
        got, _, _ = tool("fetch", "INBOX", str(uid))
        props = got["message"]["props"]
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        self.assertEqual(props["PidTagSubject"], str(parsed["Subject"]))
        self.assertEqual(props["PidTagSenderName"], parsed["From"].addresses[0].display_name)
        self.assertEqual(props["PidTagSensitivity"], 2)
        rcpts = got["message"]["recipients"]
        self.assertEqual([r["PidTagSmtpAddress"] for r in rcpts],
                         ["ivan@example.ru", "anna@example.com", "bjorn@example.se"])

    def test_flags_search_sort_move(self):
        a, _, _ = tool("append", "INBOX", os.path.join(CORPUS, "calendar.eml"))
        b, _, _ = tool("append", "INBOX", os.path.join(CORPUS, "html_inline.eml"))
        uid_a, uid_b = a["uid"], b["uid"]
        tool("store", "INBOX", str(uid_a), "+FLAGS", "\\Flagged", "$Forwarded", "Work")
        m = imap()
        m.select("INBOX")
        _, data = m.uid("FETCH", str(uid_a), "(FLAGS)")
        flags = data[0].decode()
        for f in ("\\Flagged", "$Forwarded", "Work"):
            self.assertIn(f, flags)
        _, data = m.uid("SEARCH", None, "ALL")
        imaplib_all = [int(x) for x in data[0].split()]
        m.logout()
        got, _, _ = tool("fetch", "INBOX", str(uid_a))
        self.assertEqual(got["flag_props"]["PidTagFlagStatus"], 2)
        self.assertEqual(got["flag_props"]["PidTagLastVerbExecuted"], 104)
        self.assertEqual(got["categories"], ["Work"])
        found, _, _ = tool("search", "INBOX", "ALL")
        self.assertEqual(found["uids"], imaplib_all)
        flagged, _, _ = tool("search", "INBOX", "FLAGGED")
        self.assertIn(uid_a, flagged["uids"])
        self.assertNotIn(uid_b, flagged["uids"])
        by_arrival, _, _ = tool("sort", "INBOX", "REVERSE ARRIVAL")
        self.assertEqual(sorted(by_arrival["uids"]), sorted(imaplib_all))
        # MOVE reports where the message went (COPYUID); imaplib confirms.
        moved, _, _ = tool("move", "INBOX", str(uid_b), "Trash")
        self.assertEqual(moved["source"], [uid_b])
        m = imap()
        m.select("Trash", readonly=True)
        _, data = m.uid("FETCH", str(moved["dest"][0]), "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        self.assertIn(b"With a logo", data[0][1])
        m.select("INBOX", readonly=True)
        _, data = m.uid("SEARCH", None, "UID", str(uid_b))
        self.assertEqual(data[0], b"")
        m.logout()


if __name__ == "__main__":
    sys.exit(mgtest.run("__main__"))
