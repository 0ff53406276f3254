#!/usr/bin/python3
"""mapigate-client's store commands end to end (folders, props, mkdir,
set-prop, del-prop, rmdir, table, named): the client's MAPI session
(client/mapi_session.*) -> Samba's client library (NTLM, packet privacy) ->
Samba + the mapiproxy module -> the engine's ROP handlers -> MariaDB.

Folders created here carry a random suffix and are removed afterwards, so the
test can run against a sandbox that others use."""
import os
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mgtest  # noqa: E402
import test_emsmdb  # noqa: E402
from test_emsmdb import USERB, USERB_PASSWORD, Shell, fields, run_client  # noqa: E402

IPM = "/Top of Information Store"
EC_NOT_FOUND = 0x8004010F
EC_DUPLICATE_NAME = 0x80040604
EC_ACCESS_DENIED = 0x80070005
EC_SERVER_BUSY = 0x00000480
PS_PUBLIC_STRINGS = "00020329-0000-0000-c000-000000000046"


def setUpModule():
    test_emsmdb.setUpModule()  # the demo DN, and userb with a mailbox DN


def demo(*args):
    return run_client("--dn", test_emsmdb.DEMO_DN, *args)


def userb(*args):
    return run_client("--dn", test_emsmdb.USERB_DN, *args, user=USERB, password=USERB_PASSWORD)


def demo_shell():
    """A shell on a demo session (the store commands log on at their first use)."""
    sh = Shell()
    ok, f, raw = sh.send("connect " + test_emsmdb.DEMO_DN)
    if not ok:
        sh.close()
        raise AssertionError(f"connect failed: {raw}")
    return sh


def folder_lines(output):
    """`folders` output -> {path: (fid, class, contents, subfolders)}."""
    out = {}
    for line in output.splitlines()[1:]:
        if line.startswith("folders: "):
            break
        fid, cls, contents, subfolders, path = line.split(None, 4)
        out[path] = (fid, cls, int(contents), int(subfolders))
    return out


def table_rows(output):
    """`table` output -> list of {tag name: value}, and the final row count."""
    rows, count = [], None
    for line in output.splitlines():
        if line.startswith("row: "):
            rows.append({})
        elif line.startswith("rows: "):
            count = int(line[6:])
        elif ": " in line and rows:
            k, v = line.split(": ", 1)
            rows[-1][k] = v
    return rows, count


def suffix():
    return uuid.uuid4().hex[:8]


class Folders(unittest.TestCase):
    def test_folders_lists_the_special_folders(self):
        r = demo("folders")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        tree = folder_lines(r.stdout)
        for name, cls in (("Inbox", "IPF.Note"), ("Outbox", "IPF.Note"), ("Sent Items", "IPF.Note"),
                          ("Deleted Items", "IPF.Note"), ("Drafts", "IPF.Note"), ("Calendar", "IPF.Appointment"),
                          ("Contacts", "IPF.Contact"), ("Tasks", "IPF.Task"), ("Notes", "IPF.StickyNote"),
                          ("Journal", "IPF.Journal"), ("Junk E-mail", "IPF.Note")):
            self.assertIn(f"{IPM}/{name}", tree)
            self.assertEqual(tree[f"{IPM}/{name}"][1], cls, name)
        self.assertIn(IPM, tree)
        self.assertGreaterEqual(tree[IPM][3], 13, "subfolders of the IPM subtree")
        self.assertIn(f"{IPM}/Sync Issues/Conflicts", tree)
        # --depth 1: the root's children only.
        shallow = folder_lines(demo("folders", "--depth", "1").stdout)
        self.assertIn(IPM, shallow)
        self.assertNotIn(f"{IPM}/Inbox", shallow)
        # The id printed is the folder's PidTagFolderId.
        p = fields(demo("props", tree[f"{IPM}/Inbox"][0], "PidTagFolderId", "PidTagDisplayName").stdout)
        self.assertEqual(p["PidTagFolderId"], tree[f"{IPM}/Inbox"][0])
        self.assertEqual(p["PidTagDisplayName"], "Inbox")


class FolderRoundTrip(unittest.TestCase):
    def test_mkdir_props_set_prop_rmdir(self):
        name = "Client " + suffix() + " \u00e9t\u00e9"
        path = f"{IPM}/{name}"
        sh = demo_shell()
        try:
            ok, f, raw = sh.send(f'mkdir "{IPM}" "{name}" --comment "first comment"')
            self.assertTrue(ok, raw)
            self.assertEqual(f["existed"], "false")
            fid = f["fid"]
            ok, f, raw = sh.send(f'mkdir "{IPM}" "{name}"')
            self.assertFalse(ok, raw)
            self.assertEqual(int(f["RopCreateFolder"], 16), EC_DUPLICATE_NAME)
            ok, f, raw = sh.send(f'mkdir "{IPM}" "{name}" --open-existing')
            self.assertTrue(ok, raw)
            self.assertEqual((f["fid"], f["existed"]), (fid, "true"))

            ok, f, raw = sh.send(f'props "{path}"')  # every property
            self.assertTrue(ok, raw)
            self.assertEqual(f["folder"], fid)
            self.assertEqual(f["PidTagFolderId"], fid)
            self.assertEqual(f["PidTagDisplayName"], name)
            self.assertEqual(f["PidTagComment"], "first comment")
            ipm_fid = fields(sh.send(f'props "{IPM}" PidTagFolderId')[2])["PidTagFolderId"]
            self.assertEqual(f["PidTagParentFolderId"], ipm_fid)

            ok, f, raw = sh.send(f'set-prop {fid} PidTagComment "second comment"')
            self.assertTrue(ok, raw)
            self.assertEqual(f["PidTagComment"], "second comment")
            ok, f, raw = sh.send(f'props "{path}" PidTagComment PidTagDisplayName')
            self.assertEqual(f["PidTagComment"], "second comment")
            ok, f, raw = sh.send(f"set-prop {fid} PidTagContentCount notanumber")
            self.assertFalse(ok, raw)

            ok, f, raw = sh.send(f"del-prop {fid} PidTagComment")
            self.assertTrue(ok, raw)
            self.assertEqual(f["PidTagComment"], f"error 0x{EC_NOT_FOUND:08x}")

            ok, f, raw = sh.send(f'rmdir "{path}"')
            self.assertTrue(ok, raw)
            self.assertEqual((f["deleted"], f["partial completion"]), (fid, "false"))
            ok, f, raw = sh.send(f"props {fid}")
            self.assertFalse(ok, raw)
            self.assertEqual(int(f["RopOpenFolder"], 16), EC_NOT_FOUND)
            ok, f, raw = sh.send("folders")
            self.assertNotIn(path, folder_lines(raw))
        finally:
            sh.close()

    def test_named_property_ids_are_stable(self):
        name = "mapigate-test-" + suffix()
        r = demo("named", PS_PUBLIC_STRINGS, name, "--no-create")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        first = fields(demo("named", PS_PUBLIC_STRINGS, name).stdout)
        self.assertGreaterEqual(int(first["id"], 16), 0x8000)
        again = fields(demo("named", PS_PUBLIC_STRINGS, name, "--no-create").stdout)
        self.assertEqual(again["id"], first["id"])
        lid = fields(demo("named", "00062008-0000-0000-c000-000000000046", "0x8503").stdout)
        self.assertEqual(lid["lid"], "0x00008503")
        self.assertNotEqual(lid["id"], first["id"])


class Tables(unittest.TestCase):
    CHILDREN = (("Alpha", "red"), ("beta", "green"), ("Gamma", "Red apple"), ("Delta", None))

    @classmethod
    def setUpClass(cls):
        cls.parent = f"{IPM}/Table {suffix()}"
        sh = demo_shell()
        try:
            ok, f, raw = sh.send(f'mkdir "{IPM}" "{cls.parent[len(IPM) + 1:]}"')
            assert ok, raw
            for name, comment in cls.CHILDREN:
                extra = f' --comment "{comment}"' if comment else ""
                ok, f, raw = sh.send(f'mkdir "{cls.parent}" {name}{extra}')
                assert ok, raw
        finally:
            sh.close()

    @classmethod
    def tearDownClass(cls):
        demo("rmdir", cls.parent)

    def names(self, *args):
        r = demo("table", self.parent, "--columns", "PidTagDisplayName,PidTagComment", *args)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        rows, count = table_rows(r.stdout)
        self.assertEqual(count, len(rows))
        return [row["PidTagDisplayName"] for row in rows]

    def test_sort(self):
        self.assertEqual(self.names("--sort", "PidTagDisplayName"), ["Alpha", "beta", "Delta", "Gamma"])
        self.assertEqual(self.names("--sort", "PidTagDisplayName:desc"), ["Gamma", "Delta", "beta", "Alpha"])

    def test_restrict(self):
        by_name = ("--sort", "PidTagDisplayName")
        self.assertEqual(self.names("--restrict", 'PidTagComment~"RED"', *by_name), ["Alpha", "Gamma"])
        self.assertEqual(self.names("--restrict", 'PidTagComment^"red"', *by_name), ["Alpha", "Gamma"])
        self.assertEqual(self.names("--restrict", 'PidTagComment=="red"', *by_name), ["Alpha"])
        self.assertEqual(self.names("--restrict", "not(exists(PidTagComment))"), ["Delta"])
        self.assertEqual(self.names("--restrict", 'or(PidTagDisplayName="BETA", PidTagDisplayName^del)', *by_name),
                         ["beta", "Delta"])
        self.assertEqual(self.names("--restrict", 'and(PidTagComment~"red", PidTagDisplayName!=alpha)'), ["Gamma"])
        self.assertEqual(self.names("--restrict", "PidTagContentCount>0"), [])

    def test_limit_and_default_columns(self):
        self.assertEqual(len(self.names("--sort", "PidTagDisplayName", "--limit", "2")), 2)
        r = demo("table", self.parent, "--restrict", 'PidTagDisplayName="gamma"')
        rows, _ = table_rows(r.stdout)
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["PidTagContainerClass"], f"error 0x{EC_NOT_FOUND:08x}")
        self.assertEqual(rows[0]["PidTagContentCount"], "0")
        self.assertTrue(rows[0]["PidTagFolderId"].startswith("0x"))

    def test_bad_restriction_is_a_usage_error(self):
        for expr in ('PidTagComment~', 'nand(PidTagComment~"x")', 'PidTagNoSuchTag="x"', "PidTagContentCount~1"):
            r = demo("table", self.parent, "--restrict", expr)
            self.assertEqual(r.returncode, 1, (expr, r.stdout, r.stderr))
            self.assertIn("restriction", r.stderr)


class TwoUsers(unittest.TestCase):
    def test_another_user_cannot_see_the_demo_folders(self):
        name = "Private " + suffix()
        r = demo("mkdir", IPM, name)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        fid = fields(r.stdout)["fid"]
        try:
            self.assertIn(f"{IPM}/{name}", folder_lines(demo("folders").stdout))
            r = userb("folders")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            theirs = folder_lines(r.stdout)
            self.assertIn(f"{IPM}/Inbox", theirs, "userb has a mailbox of its own")
            self.assertNotIn(f"{IPM}/{name}", theirs)
            self.assertNotIn(fid, [v[0] for v in theirs.values()])
            # The demo folder's id means nothing in userb's mailbox ...
            r = userb("props", fid)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertEqual(int(fields(r.stdout)["RopOpenFolder"], 16), EC_NOT_FOUND)
            # ... nor can it be deleted from there ...
            r = userb("rmdir", fid)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            # ... and userb cannot open the demo mailbox at all.
            r = run_client("--dn", test_emsmdb.DEMO_DN, "folders", user=USERB, password=USERB_PASSWORD)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertEqual(int(fields(r.stdout)["EcDoConnectEx"], 16), EC_ACCESS_DENIED)
            self.assertIn(f"{IPM}/{name}", folder_lines(demo("folders").stdout), "still there for its owner")
        finally:
            demo("rmdir", fid)



class StoreUnavailable(unittest.TestCase):
    """MariaDB gone: the engine answers RopBackoff (ecServerBusy) instead of
    an error that would make Outlook give up on the mailbox; when MariaDB is
    back, everything is there."""

    def tearDown(self):
        mgtest.stackctl("start_mariadb")

    def test_rop_backoff_while_mariadb_is_down_then_nothing_lost(self):
        name = "Survives " + suffix()
        r = demo("mkdir", IPM, name)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        fid = fields(r.stdout)["fid"]
        try:
            sh = demo_shell()  # a session opened before the outage
            try:
                ok, f, raw = sh.send("props " + fid)
                self.assertTrue(ok, raw)
                mgtest.stackctl("stop_mariadb")
                r = demo("folders")
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertEqual(int(fields(r.stdout)["RopBackoff"], 16), EC_SERVER_BUSY)
                self.assertIn("try again later", r.stderr)
                ok, f, raw = sh.send("props " + fid)
                self.assertFalse(ok, raw)
                self.assertEqual(int(f["RopBackoff"], 16), EC_SERVER_BUSY)
                mgtest.stackctl("start_mariadb")
                # The open session and new ones work again, with the folder.
                ok, f, raw = sh.send("props " + fid)
                self.assertTrue(ok, raw)
            finally:
                sh.close()
            self.assertIn(f"{IPM}/{name}", folder_lines(demo("folders").stdout))
        finally:
            demo("rmdir", fid)

if __name__ == "__main__":
    sys.exit(mgtest.run(__name__))
