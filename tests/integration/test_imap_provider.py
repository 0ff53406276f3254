#!/usr/bin/python3
"""The IMAP provider end to end: the demo user's real mail on Dovecot shown
in the MAPI mailbox. Mail is put in and checked with Python's imaplib (as
the master user for the demo user, as the gateway logs in), and read through
MAPI with mapigate-client: contents tables of the Inbox, folders created on
either side, read state and deletion going back to IMAP, Dovecot stopped
(a clear error, nothing lost) and restarted.

Folders and messages carry a random suffix so the test can share a sandbox."""
import email.utils
import imaplib
import os
import re
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mgtest  # noqa: E402
import test_emsmdb  # noqa: E402
from mgtest import ENV, stackctl, wait_until  # noqa: E402
from test_client import IPM, EC_SERVER_BUSY, demo, fields, folder_lines, table_rows  # noqa: E402

USER = ENV["DEMO_USER"]
MASTER = ENV["IMAP_MASTER_USER"]
PWFILE = ENV["IMAP_MASTER_PASSWORD_FILE"]
INBOX = f"{IPM}/Inbox"
COLUMNS = ("PidTagMid,PidTagSubject,PidTagSenderName,PidTagDisplayTo,PidTagMessageClass,PidTagMessageDeliveryTime,"
           "PidTagMessageFlags,PidTagMessageSize,PidTagImportance,PidTagHasAttachments,PidTagLastModificationTime")
MSGFLAG_READ, MSGFLAG_HASATTACH = 0x01, 0x10


def setUpModule():
    test_emsmdb.setUpModule()


def imap():
    pw = open(PWFILE).read().strip()
    m = imaplib.IMAP4(ENV["IMAP_HOST"], int(ENV["IMAP_PORT"]))
    m.authenticate("PLAIN", lambda _: f"{USER}\0{MASTER}\0{pw}".encode())
    return m


def suffix():
    return uuid.uuid4().hex[:8]


def message(subject, sender="Alice Example <alice@example.org>", to="Demo User <demo@mapigate.test>",
            attachment=False, importance=None):
    head = (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Date: {email.utils.formatdate()}\r\nMessage-ID: <{suffix()}@example.org>\r\nMIME-Version: 1.0\r\n")
    if importance:
        head += f"Importance: {importance}\r\n"
    if not attachment:
        return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\nHello from IMAP.\r\n").encode()
    return (head + 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n'
            "Content-Type: text/plain\r\n\r\nSee attached.\r\n--b1\r\n"
            'Content-Type: application/pdf; name="a.pdf"\r\nContent-Disposition: attachment; filename="a.pdf"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n").encode()


def append(mailbox, raw, flags=""):
    m = imap()
    try:
        typ, data = m.append(mailbox, flags, None, raw)
        assert typ == "OK", data
        uid = int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1))
        return uid
    finally:
        m.logout()


def uid_flags(mailbox, uid):
    m = imap()
    try:
        m.select(mailbox, readonly=True)
        typ, data = m.uid("FETCH", str(uid), "(FLAGS)")
        if not data or data[0] is None:
            return None
        return data[0].decode()
    finally:
        m.logout()


def inbox_rows(*args):
    r = demo("table", INBOX, "--contents", "--columns", COLUMNS, *args)
    assert r.returncode == 0, r.stdout + r.stderr
    rows, count = table_rows(r.stdout)
    assert count == len(rows), r.stdout
    return rows


def row_with(rows, subject):
    for row in rows:
        if row["PidTagSubject"] == subject:
            return row
    raise AssertionError(f"no row with subject {subject!r} in {[r.get('PidTagSubject') for r in rows]}")


class ContentsTable(unittest.TestCase):
    def test_appended_message_appears_with_subject_sender_and_flags(self):
        subject = "Quarterly report " + suffix()
        append("INBOX", message(subject, attachment=True, importance="high"))
        row = row_with(inbox_rows(), subject)
        self.assertEqual(row["PidTagSenderName"], "Alice Example")
        self.assertEqual(row["PidTagDisplayTo"], "Demo User")
        self.assertEqual(row["PidTagMessageClass"], "IPM.Note")
        self.assertEqual(row["PidTagHasAttachments"], "true")
        self.assertEqual(row["PidTagImportance"], "2")
        flags = int(row["PidTagMessageFlags"], 0)
        self.assertEqual(flags & MSGFLAG_READ, 0, "not \\Seen on IMAP: unread")
        self.assertEqual(flags & MSGFLAG_HASATTACH, MSGFLAG_HASATTACH)
        self.assertGreater(int(row["PidTagMessageSize"], 0), 300)
        self.assertNotEqual(int(row["PidTagMid"], 0), 0)
        # The MID is stable: the same on another session.
        self.assertEqual(row_with(inbox_rows(), subject)["PidTagMid"], row["PidTagMid"])

    def test_open_message_converts_the_mime_and_keeps_it_unread(self):
        subject = "Open me " + suffix()
        uid = append("INBOX", message(subject, sender="=?utf-8?q?Jos=C3=A9?= <jose@example.org>"))
        mid = row_with(inbox_rows(), subject)["PidTagMid"]
        r = demo("msg", INBOX, mid)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        p = fields(r.stdout)
        self.assertEqual(p["PidTagSubject"], subject)
        self.assertEqual(p["PidTagSenderName"], "Jos\u00e9")
        self.assertEqual(p["PidTagSenderEmailAddress"], "jose@example.org")
        self.assertIn("Hello from IMAP.", p["PidTagBody"])
        self.assertEqual(int(p["PidTagMessageFlags"], 0) & MSGFLAG_READ, 0)
        self.assertNotIn("\\Seen", uid_flags("INBOX", uid), "BODY.PEEK: opening does not mark it read")
        # A MID that is not in the folder.
        r = demo("msg", INBOX, "0x7fff000000000001")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)

    def test_sort_and_restriction_pushed_to_imap(self):
        tag = suffix()
        for i, s in enumerate(("b", "a", "c")):
            append("INBOX", message(f"Sorted {tag} {s}"), "(\\Seen)" if i == 1 else "")
        mine = lambda rows: [r["PidTagSubject"] for r in rows if tag in r["PidTagSubject"]]  # noqa: E731
        self.assertEqual(mine(inbox_rows("--sort", "PidTagNormalizedSubject")),
                         [f"Sorted {tag} a", f"Sorted {tag} b", f"Sorted {tag} c"])
        # No sort asked: newest (highest UID) first.
        self.assertEqual(mine(inbox_rows())[0], f"Sorted {tag} c")
        rows = inbox_rows("--restrict", f'PidTagSubject~"{tag}"', "--sort", "PidTagNormalizedSubject:desc")
        self.assertEqual([r["PidTagSubject"] for r in rows], [f"Sorted {tag} c", f"Sorted {tag} b", f"Sorted {tag} a"])
        # A restriction IMAP cannot answer is finished by the table layer.
        rows = inbox_rows("--restrict", f'and(PidTagSubject~"{tag}", PidTagSenderName="Alice Example")')
        self.assertEqual(len(rows), 3)


class ReadStateAndDeletion(unittest.TestCase):
    def test_mark_read_and_unread_sets_seen_on_imap(self):
        subject = "Read me " + suffix()
        uid = append("INBOX", message(subject))
        mid = row_with(inbox_rows(), subject)["PidTagMid"]
        r = demo("read", INBOX, mid)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("\\Seen", uid_flags("INBOX", uid))
        self.assertEqual(int(row_with(inbox_rows(), subject)["PidTagMessageFlags"], 0) & MSGFLAG_READ, MSGFLAG_READ)
        r = demo("read", INBOX, mid, "--unread")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("\\Seen", uid_flags("INBOX", uid))

    def test_delete_moves_to_trash_and_hard_delete_expunges(self):
        soft, hard = "Soft " + suffix(), "Hard " + suffix()
        uid_soft = append("INBOX", message(soft))
        uid_hard = append("INBOX", message(hard))
        rows = inbox_rows()
        r = demo("rm", INBOX, row_with(rows, soft)["PidTagMid"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = demo("rm", INBOX, row_with(rows, hard)["PidTagMid"], "--hard")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIsNone(uid_flags("INBOX", uid_soft))
        self.assertIsNone(uid_flags("INBOX", uid_hard))
        subjects = [x["PidTagSubject"] for x in inbox_rows()]
        self.assertNotIn(soft, subjects)
        self.assertNotIn(hard, subjects)
        r = demo("table", f"{IPM}/Deleted Items", "--contents", "--columns", "PidTagSubject")
        self.assertIn(soft, r.stdout)
        self.assertNotIn(hard, r.stdout)


class Folders(unittest.TestCase):
    def test_folder_created_over_imap_appears_in_mapi(self):
        name = "From IMAP " + suffix()
        m = imap()
        try:
            self.assertEqual(m.create(f'"{name}"')[0], "OK")
            self.assertEqual(m.create(f'"{name}/Child"')[0], "OK")
        finally:
            m.logout()
        try:
            tree = folder_lines(demo("folders").stdout)
            self.assertIn(f"{IPM}/{name}", tree)
            self.assertEqual(tree[f"{IPM}/{name}"][1], "IPF.Note")
            self.assertIn(f"{IPM}/{name}/Child", tree)
            fid = tree[f"{IPM}/{name}"][0]
            # Deleted over IMAP: gone from MAPI at the next logon; the id stays
            # the same while it exists.
            self.assertEqual(folder_lines(demo("folders").stdout)[f"{IPM}/{name}"][0], fid)
        finally:
            m = imap()
            m.delete(f'"{name}/Child"')
            m.delete(f'"{name}"')
            m.logout()
        self.assertNotIn(f"{IPM}/{name}", folder_lines(demo("folders").stdout))

    def test_folder_created_with_mapi_is_an_imap_mailbox(self):
        tag = suffix()
        name = f"From MAPI {tag} \u00e9t\u00e9"
        r = demo("mkdir", IPM, name)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        fid = fields(r.stdout)["fid"]
        m = imap()
        try:
            typ, data = m.list()
            names = [d.decode() for d in data]
            self.assertTrue(any(tag in n and "&AOk-t&AOk-" in n for n in names), names)
            # Renamed through MAPI: RENAME on IMAP.
            r = demo("set-prop", fid, "PidTagDisplayName", name + " renamed")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            typ, data = m.list()
            self.assertTrue(any(tag in d.decode() and "renamed" in d.decode() for d in data), data)
            # A name IMAP cannot hold is refused with a clear error.
            r = demo("mkdir", IPM, "a/b " + suffix())
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            # Deleted through MAPI: gone from IMAP.
            r = demo("rmdir", fid)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            typ, data = m.list()
            self.assertFalse(any(tag in d.decode() for d in data), data)
        finally:
            m.logout()


class DovecotDown(unittest.TestCase):
    def tearDown(self):
        stackctl("start_dovecot")
        # The engine's pool waits a moment after a failed connect.
        wait_until(lambda: demo("table", INBOX, "--contents", "--columns", "PidTagMid").returncode == 0, timeout=30)

    def test_clear_error_while_down_then_everything_is_there(self):
        subject = "Survives " + suffix()
        append("INBOX", message(subject))
        before = folder_lines(demo("folders").stdout)
        self.assertIn(INBOX, before)
        stackctl("stop_dovecot")
        r = demo("table", INBOX, "--contents", "--columns", "PidTagSubject")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertEqual(int(fields(r.stdout)["RopBackoff"], 16), EC_SERVER_BUSY)
        self.assertIn("try again later", r.stderr)
        stackctl("start_dovecot")
        wait_until(lambda: demo("table", INBOX, "--contents", "--columns", "PidTagSubject").returncode == 0, timeout=30)
        after = folder_lines(demo("folders").stdout)
        for path, (fid, *_rest) in before.items():
            self.assertIn(path, after)
            self.assertEqual(after[path][0], fid, path)
        row_with(inbox_rows(), subject)


if __name__ == "__main__":
    sys.exit(mgtest.run(__name__))
