#!/usr/bin/python3
"""Integration test of openchange_provision, openchange_newuser and
openchange_user_cleanup against a throwaway Samba AD DC and a private
MariaDB, all inside one temporary directory.

    /usr/bin/python3 tests/integration/test_provision.py [-v] [--keep]

Needs root (the DC runs in a network namespace for the "running DC" check),
and the Debian packages samba, samba-ad-dc, python3-samba, ldb-tools,
mariadb-server, python3-pymysql, iproute2. Plain unittest (no pytest); the
tests run in order and share one DC. Exits non-zero on failure and ends with
"N passed, N failed". MAPIGATE_TEST_KEEP=1 (or --keep) keeps the directory.
"""

import os
import re
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import provision_env as env  # noqa: E402

sys.path.insert(0, os.path.join(env.SRC, "provision"))
from mapigate_provision import mysqluri  # noqa: E402
from mapigate_provision.openchangedb import split_sql  # noqa: E402

DB_PASSWORD = "openchange$123"       # the seed guide's password, '$' included
DB_PASSWORD2 = "p@ss:w$rd!#"         # '@' and ':' too

MIGRATION_1 = """-- mapigate test migration: gateway-side tables
CREATE TABLE IF NOT EXISTS mailboxes (
  id INT AUTO_INCREMENT PRIMARY KEY,
  kind VARCHAR(16) NOT NULL DEFAULT 'private',
  owner_username VARCHAR(255) NOT NULL,
  label VARCHAR(64) DEFAULT 'x;y'    # a ';' inside quotes
) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS folders (
  id INT AUTO_INCREMENT PRIMARY KEY,
  mailbox_id INT NOT NULL,
  FOREIGN KEY (mailbox_id) REFERENCES mailboxes(id) ON DELETE CASCADE
) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS session_state (
  id INT AUTO_INCREMENT PRIMARY KEY, mailbox_owner VARCHAR(255)) ENGINE=InnoDB;
"""
MIGRATION_2 = """-- backend (provider) tables, marked by their comment
CREATE TABLE IF NOT EXISTS sql_events (
  id INT AUTO_INCREMENT PRIMARY KEY, owner_username VARCHAR(255), ics TEXT
) ENGINE=InnoDB COMMENT='mapigate:backend SQL provider events';
CREATE TABLE IF NOT EXISTS sql_contacts (
  id INT AUTO_INCREMENT PRIMARY KEY, mailbox_id INT NOT NULL, vcard TEXT,
  FOREIGN KEY (mailbox_id) REFERENCES mailboxes(id) ON DELETE CASCADE
) ENGINE=InnoDB COMMENT='mapigate:backend SQL provider contacts';
DELIMITER //
CREATE PROCEDURE IF NOT EXISTS mg_noop() BEGIN SELECT 1; END //
DELIMITER ;
"""
MIGRATION_3 = "CREATE TABLE IF NOT EXISTS notes (id INT PRIMARY KEY, mailbox_owner VARCHAR(255));\n"


class State:
    base = None
    dc = None
    db = None
    timings = {}


def tool(path, *args, timeout=120):
    return env.run([env.PY, path] + list(args), timeout=timeout)


def smb(*args):
    return ("-s", State.dc.smbconf) + args


def ldb_attrs(expr, attrs, base=None):
    """Local ldbsearch on sam.ldb; returns {attr: [values]} of the first entry."""
    cmd = ["ldbsearch", "-H", State.dc.samdb]
    if base:
        cmd += ["-b", base]
    r = env.run(cmd + [expr] + attrs, check=True)
    out = {}
    cur = None
    for line in r.stdout.splitlines():
        if line.startswith("#") or line.startswith("ref:") or line.startswith("dn:"):
            cur = None
            continue
        if line.startswith(" ") and cur:
            out[cur][-1] += line[1:]
            continue
        m = re.match(r"^([A-Za-z0-9-]+)(::?) ?(.*)$", line)
        if m:
            cur = m.group(1)
            out.setdefault(cur, []).append(m.group(3))
    return out


def count_objects(base, expr="(objectClass=*)"):
    r = env.run(["ldbsearch", "-H", State.dc.samdb, "-b", base, "-s", "sub", expr, "dn"])
    return len([ln for ln in r.stdout.splitlines() if ln.startswith("dn: ")])


def dbcheck():
    r = env.run(["samba-tool", "dbcheck", "-s", State.dc.smbconf, "--cross-ncs"], timeout=180)
    return r


def db_uri(password=DB_PASSWORD, db="openchange"):
    return "mysql://openchange:%s@localhost/%s?unix_socket=%s" % (password, db, State.db.socket)


class T(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        State.base = tempfile.mkdtemp(prefix="mapigate-provision-test-")
        t = time.time()
        State.dc = env.SambaDC(State.base)
        State.dc.provision()
        State.timings["samba-tool domain provision"] = time.time() - t
        for u in ("alice", "bob", "carol"):
            State.dc.create_user(u)
        t = time.time()
        State.db = env.PrivateMariaDB(State.base)
        State.db.start()
        State.timings["private mariadbd start"] = time.time() - t
        State.db.sql([
            "CREATE USER 'openchange'@'localhost' IDENTIFIED BY '%s'" % DB_PASSWORD.replace("'", "''"),
            "GRANT ALL ON `openchange`.* TO 'openchange'@'localhost'",
            "GRANT ALL ON `openchange_repo`.* TO 'openchange'@'localhost'",
            "CREATE USER 'oc2'@'localhost' IDENTIFIED BY '%s'" % DB_PASSWORD2.replace("'", "''"),
            "GRANT ALL ON `oc2`.* TO 'oc2'@'localhost'",
        ])
        State.migdir = os.path.join(State.base, "migrations")
        os.makedirs(State.migdir)
        for name, text in (("001_init.sql", MIGRATION_1), ("002_calendar.sql", MIGRATION_2)):
            with open(os.path.join(State.migdir, name), "w") as f:
                f.write(text)
        # the guides' smb.conf line, so tools can take the URI from smb.conf
        State.dc.add_option("mapiproxy:openchangedb = %s" % db_uri())

    @classmethod
    def tearDownClass(cls):
        if State.dc:
            State.dc.stop()
        if State.db:
            State.db.stop()
        if State.base and not os.environ.get("MAPIGATE_TEST_KEEP"):
            env.cleanup_dir(State.base)
        elif State.base:
            print("kept %s" % State.base)

    # ---- openchange_provision --standalone ---------------------------------
    def test_01_standalone(self):
        t = time.time()
        r = tool(env.PROVISION, *smb("--standalone"))
        State.timings["openchange_provision --standalone"] = time.time() - t
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("[+] Step 1: ", r.stdout)
        self.assertTrue(r.stdout.rstrip().endswith("[SUCCESS] Done!"), r.stdout)
        self.assertLess(State.timings["openchange_provision --standalone"], 30)
        cfg = ldb_attrs("(objectClass=msExchOrganizationContainer)", ["legacyExchangeDN"],
                        base=self._config())
        self.assertEqual(cfg.get("legacyExchangeDN"), ["/o=First Organization"])
        gal = ldb_attrs("(cn=Default Global Address List)", ["purportedSearch"], base=self._config())
        self.assertIn("mailNickname=*", gal["purportedSearch"][0])
        for lc in ("409", "40c", "407"):
            self.assertEqual(count_objects("CN=%s,CN=Display-Templates,CN=Addressing,%s" % (lc, self._org()),
                                           "(objectClass=displayTemplate)"), 3)
        ag = ldb_attrs("(objectClass=msExchAdminGroup)", ["msExchHomeServerName", "homeMDB"],
                       base=self._config())
        self.assertTrue(ag["msExchHomeServerName"][0].endswith("/cn=Servers/cn=DC1"), ag)

    def test_02_rerun_no_duplicates(self):
        before = count_objects(self._config()), count_objects("CN=Schema," + self._config())
        t = time.time()
        r = tool(env.PROVISION, *smb("--standalone"))
        State.timings["openchange_provision --standalone (re-run)"] = time.time() - t
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        added = re.findall(r"(\d+) added", r.stdout)
        self.assertTrue(added and all(a == "0" for a in added), r.stdout)
        self.assertIn("already is the main server", r.stdout)
        after = count_objects(self._config()), count_objects("CN=Schema," + self._config())
        self.assertEqual(before, after)

    def test_03_check_complete(self):
        r = tool(env.PROVISION, *smb("--check"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("complete", r.stdout)

    def test_04_dbcheck_clean(self):
        r = dbcheck()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("(0 errors)", r.stdout + r.stderr)

    def test_05_dry_run_changes_nothing(self):
        before = count_objects(self._config())
        r = tool(env.PROVISION, *smb("--deprovision", "--dry-run"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("would remove", r.stdout)
        r = tool(env.NEWUSER, *smb("--create", "carol", "--dry-run"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(count_objects(self._config()), before)
        self.assertNotIn("homeMDB", ldb_attrs("(sAMAccountName=carol)", ["homeMDB"]))

    # ---- openchange_newuser ----------------------------------------------
    def test_10_newuser_create(self):
        r = tool(env.NEWUSER, *smb("--create", "alice"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        a = ldb_attrs("(sAMAccountName=alice)", [
            "mailNickname", "mail", "proxyAddresses", "legacyExchangeDN", "homeMDB", "homeMTA",
            "msExchHomeServerName", "msExchUserAccountControl", "msExchRecipientTypeDetails",
            "msExchRecipientDisplayType", "msExchMailboxGuid", "displayName", "showInAddressBook"])
        self.assertEqual(a["mailNickname"], ["alice"])
        self.assertEqual(a["mail"], ["alice@mapitest.test"])
        self.assertEqual(a["proxyAddresses"], ["SMTP:alice@mapitest.test"])
        self.assertEqual(a["legacyExchangeDN"],
                         ["/o=First Organization/ou=First Administrative Group/cn=Recipients/cn=alice"])
        self.assertTrue(a["homeMDB"][0].startswith("CN=Mailbox Store (DC1),"), a["homeMDB"])
        self.assertEqual(a["msExchUserAccountControl"], ["0"])
        self.assertEqual(a["msExchRecipientTypeDetails"], ["1"])
        self.assertEqual(a["msExchRecipientDisplayType"], ["1073741824"])
        import base64
        self.assertEqual(len(base64.b64decode(a["msExchMailboxGuid"][0])), 16)
        self.assertEqual(len(a["showInAddressBook"]), 2)
        guid = a["msExchMailboxGuid"]
        r = tool(env.NEWUSER, *smb("--create", "alice"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("nothing to change", r.stdout)
        self.assertEqual(ldb_attrs("(sAMAccountName=alice)", ["msExchMailboxGuid"])["msExchMailboxGuid"], guid)

    def test_11_newuser_alias_mail_hide_list(self):
        r = tool(env.NEWUSER, *smb("--alias", "al@mapitest.test", "alice"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = tool(env.NEWUSER, *smb("--alias", "al@mapitest.test", "alice"))   # twice: no duplicate
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = tool(env.NEWUSER, *smb("--mail", "alice.test@mapitest.test", "alice"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        a = ldb_attrs("(sAMAccountName=alice)", ["proxyAddresses", "mail"])
        self.assertEqual(sorted(a["proxyAddresses"]),
                         sorted(["SMTP:alice.test@mapitest.test", "smtp:alice@mapitest.test",
                                 "smtp:al@mapitest.test"]))
        self.assertEqual(a["mail"], ["alice.test@mapitest.test"])
        r = tool(env.NEWUSER, *smb("--hide", "alice"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        a = ldb_attrs("(sAMAccountName=alice)", ["msExchHideFromAddressLists", "showInAddressBook"])
        self.assertEqual(a["msExchHideFromAddressLists"], ["TRUE"])
        self.assertNotIn("showInAddressBook", a)
        r = tool(env.NEWUSER, *smb("--create", "bob", "--alias", "robert@mapitest.test"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = tool(env.NEWUSER, *smb("--alias", "robert@mapitest.test", "alice"))  # taken by bob
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("already used by bob", r.stderr)
        r = tool(env.NEWUSER, *smb("--list"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        lines = {ln.split()[0]: ln for ln in r.stdout.splitlines()[1:]}
        self.assertIn("alice.test@mapitest.test", lines["alice"])
        self.assertRegex(lines["alice"], r"enabled\s+yes")
        self.assertRegex(lines["bob"], r"enabled\s+no\s+robert@mapitest.test")
        r = tool(env.NEWUSER, *smb("--unhide", "alice"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(len(ldb_attrs("(sAMAccountName=alice)", ["showInAddressBook"])["showInAddressBook"]), 2)

    def test_12_newuser_disable_enable(self):
        r = tool(env.NEWUSER, *smb("--disable", "alice"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(ldb_attrs("(sAMAccountName=alice)", ["msExchUserAccountControl"])
                         ["msExchUserAccountControl"], ["2"])
        r = tool(env.NEWUSER, *smb("--enable", "alice"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(ldb_attrs("(sAMAccountName=alice)", ["msExchUserAccountControl"])
                         ["msExchUserAccountControl"], ["0"])

    def test_13_newuser_unknown_user(self):
        before = env.run(["ldbsearch", "-H", State.dc.samdb, "(mailNickname=*)", "dn"]).stdout
        for args in (("--create", "nosuchuser"), ("--hide", "nosuchuser"), ("--delete", "nosuchuser")):
            r = tool(env.NEWUSER, *smb(*args))
            self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
            self.assertIn("user 'nosuchuser' not found", r.stderr)
        r = tool(env.NEWUSER, *smb("--enable", "carol"))     # exists, but has no mailbox
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn("no mailbox", r.stderr)
        self.assertEqual(env.run(["ldbsearch", "-H", State.dc.samdb, "(mailNickname=*)", "dn"]).stdout,
                         before)

    def test_14_newuser_delete(self):
        r = tool(env.NEWUSER, *smb("--delete", "bob"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        b = ldb_attrs("(sAMAccountName=bob)", ["homeMDB", "mailNickname", "proxyAddresses",
                                               "msExchMailboxGuid", "sAMAccountName"])
        self.assertEqual(b, {"sAMAccountName": ["bob"]})
        self.assertEqual(dbcheck().returncode, 0)

    # ---- DNS and a running DC --------------------------------------------
    def test_20_autodiscover_dns(self):
        for _ in range(2):
            r = tool(env.PROVISION, *smb("--autodiscover-dns"))
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("0 added, 2 already present", r.stdout)
        r = tool(env.PROVISION, *smb("--check", "--autodiscover-dns", "-v"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("[OK] DNS autodiscover.mapitest.test CNAME dc1.mapitest.test", r.stdout)
        self.assertIn("[OK] DNS _autodiscover._tcp.mapitest.test SRV 0 0 443 dc1.mapitest.test", r.stdout)

    def test_21_running_dc(self):
        """Samba 4.17 running: the tools write sam.ldb locally, the DC serves it."""
        if os.geteuid() != 0:
            self.skipTest("needs root for a network namespace")
        t = time.time()
        State.dc.start()
        State.timings["samba start (netns)"] = time.time() - t
        try:
            r = tool(env.NEWUSER, *smb("--create", "carol"))
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            r = tool(env.PROVISION, *smb("--standalone"))       # idempotent with the DC up
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            r = State.dc.ldap_search("(sAMAccountName=carol)", ["homeMDB", "msExchMailboxGuid",
                                                                "legacyExchangeDN"])
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("homeMDB: CN=Mailbox Store (DC1)", r.stdout.replace("\n ", ""))
            self.assertIn("/cn=Recipients/cn=carol", r.stdout.replace("\n ", ""))
        finally:
            State.dc.stop()

    # ---- openchangedb ------------------------------------------------------
    def test_30_openchangedb_migrations(self):
        uri = db_uri()
        r = tool(env.PROVISION, *smb("--openchangedb", "--openchangedb-uri", uri,
                                     "--migrations-dir", State.migdir))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("database openchange created", r.stdout)
        self.assertIn("001 001_init.sql: applied", r.stdout)
        self.assertNotIn(DB_PASSWORD, r.stdout + r.stderr)      # never printed
        # again, URI from smb.conf: nothing applied twice
        r = tool(env.PROVISION, *smb("--openchangedb", "--migrations-dir", State.migdir))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("0 migration(s) applied, 2 already applied", r.stdout)
        with open(os.path.join(State.migdir, "003_notes.sql"), "w") as f:
            f.write(MIGRATION_3)
        r = tool(env.PROVISION, *smb("--openchangedb", "--migrations-dir", State.migdir))
        self.assertIn("1 migration(s) applied, 2 already applied", r.stdout)
        rows = State.db.sql(["SELECT version, name FROM schema_migrations ORDER BY version"],
                            database="openchange")[0]
        self.assertEqual([tuple(x) for x in rows],
                         [(1, "001_init.sql"), (2, "002_calendar.sql"), (3, "003_notes.sql")])
        r = tool(env.PROVISION, *smb("--check", "--openchangedb", "--migrations-dir", State.migdir))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # a password with '@', ':', '$', '!' and '#', percent-encoded or not
        for pw in (DB_PASSWORD2, "p%40ss%3Aw%24rd%21%23"):
            r = tool(env.PROVISION, "--openchangedb", "--openchangedb-uri",
                     "mysql://oc2:%s@localhost/oc2?unix_socket=%s" % (pw, State.db.socket),
                     "--migrations-dir", State.migdir)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_31_openchangedb_repo_migrations(self):
        """The real mapistore/schema migrations (if any yet) apply once."""
        uri = db_uri(db="openchange_repo")
        for i in range(2):
            r = tool(env.PROVISION, "--openchangedb", "--openchangedb-uri", uri)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        if "no NNN_*.sql migrations" in r.stdout or "no migrations directory" in r.stdout:
            self.assertIn("only the schema_migrations table exists", r.stdout)
        else:
            self.assertIn(" 0 migration(s) applied", r.stdout)
        tables = State.db.sql(["SHOW TABLES"], database="openchange_repo")[0]
        self.assertIn(("schema_migrations",), [tuple(t) for t in tables])

    def test_32_user_cleanup(self):
        def q(sql):
            return State.db.sql([sql], database="openchange")[0]
        State.db.sql([
            "INSERT INTO mailboxes (id, kind, owner_username) VALUES "
            "(1, 'private', 'alice'), (2, 'private', 'bob'), (3, 'public', '')",
            "INSERT INTO folders (mailbox_id) VALUES (1), (1), (2), (3)",
            "INSERT INTO session_state (mailbox_owner) VALUES ('alice')",
            "INSERT INTO sql_events (owner_username, ics) VALUES ('Alice', 'x'), ('bob', 'y')",
            "INSERT INTO sql_contacts (mailbox_id, vcard) VALUES (2, 'v')"], database="openchange")
        r = tool(env.CLEANUP, *smb("--dry-run", "alice"))      # URI from smb.conf
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"mailboxes\s+gateway\s+1 row\(s\)\s+by owner_username")
        self.assertRegex(r.stdout, r"folders\s+gateway\s+2 row\(s\)\s+by cascade from mailboxes")
        self.assertRegex(r.stdout, r"sql_events\s+backend\s+1 row\(s\).*kept")
        self.assertIn("Would remove 4 row(s) from 3 table(s)", r.stdout)
        uri = db_uri()
        r = tool(env.CLEANUP, "--openchangedb-uri", uri, "--include-backend-data", "alice")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        r = tool(env.CLEANUP, "--openchangedb-uri", uri, "alice")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(q("SELECT id FROM mailboxes ORDER BY id"), ((2,), (3,)))
        self.assertEqual(q("SELECT mailbox_id FROM folders ORDER BY mailbox_id"), ((2,), (3,)))
        self.assertEqual(q("SELECT COUNT(*) FROM session_state"), ((0,),))
        self.assertEqual(q("SELECT COUNT(*) FROM sql_events"), ((2,),))     # backend data kept
        # bob's mailbox row would cascade into sql_contacts (backend): refused, nothing removed
        r = tool(env.CLEANUP, "--openchangedb-uri", uri, "bob")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("sql_contacts", r.stderr)
        self.assertEqual(q("SELECT COUNT(*) FROM mailboxes WHERE owner_username = 'bob'"), ((1,),))
        r = tool(env.CLEANUP, "--openchangedb-uri", uri, "--include-backend-data", "--yes", "bob")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(q("SELECT id FROM mailboxes"), ((3,),))            # public store stays
        self.assertEqual(q("SELECT COUNT(*) FROM sql_contacts"), ((0,),))
        self.assertEqual(q("SELECT owner_username FROM sql_events"), (("Alice",),))
        r = tool(env.CLEANUP, "--openchangedb-uri", uri, "--include-backend-data", "--yes", "alice")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(q("SELECT COUNT(*) FROM sql_events"), ((0,),))
        # the real openchangedb schema (test_31): discovery works on it
        r = tool(env.CLEANUP, "--openchangedb-uri", db_uri(db="openchange_repo"), "--dry-run", "nobody")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Would remove 0 row(s)", r.stdout)

    def test_33_uri_parser(self):
        cases = {
            "mysql://openchange:openchange$123@localhost/openchange":
                ("openchange", "openchange$123", "localhost", 3306, "openchange", None),
            "mysql://u:p@ss:w@rd@db.example.com:3307/oc":
                ("u", "p@ss:w@rd", "db.example.com", 3307, "oc", None),
            "mysql://u:a%40b%3Ac%24@h/d": ("u", "a@b:c$", "h", 3306, "d", None),
            "mysql://u:x?y@h/d?unix_socket=/run/mysqld/mysqld.sock":
                ("u", "x?y", "h", 3306, "d", "/run/mysqld/mysqld.sock"),
            "mysql://u:pw@[::1]:3310/d": ("u", "pw", "::1", 3310, "d", None),
            "mysql://root@localhost/d": ("root", None, "localhost", 3306, "d", None),
        }
        for uri, want in cases.items():
            p = mysqluri.parse(uri)
            self.assertEqual((p.user, p.password, p.host, p.port, p.database, p.unix_socket), want, uri)
        for bad in ("postgres://u:p@h/d", "mysql://u:p@h:0/d", "mysql://u:p@h:x/d"):
            with self.assertRaises(mysqluri.URIError):
                mysqluri.parse(bad)
        self.assertEqual(split_sql("a;\n-- c;\nb 'x;y' /* ; */ ;DELIMITER //\nc; d //\n"),
                         ["a", "b 'x;y'", "c; d"])

    # ---- --additional / --deprovision ---------------------------------------
    def test_40_additional_server(self):
        dc2 = ("--option", "netbios name=DC2")
        r = tool(env.PROVISION, *smb(*dc2, "--additional"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("main server: DC1", r.stdout)
        r = tool(env.PROVISION, *smb(*dc2, "--additional"))
        self.assertIn("0 added, 5 already present", r.stdout)
        self.assertEqual(dbcheck().returncode, 0)
        r = tool(env.NEWUSER, *smb("--create", "bob", "--server", "DC2"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Mailbox Store (DC2)", ldb_attrs("(sAMAccountName=bob)", ["homeMDB"])["homeMDB"][0])
        r = tool(env.PROVISION, *smb(*dc2, "--additional", "--deprovision"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("homeMDB", ldb_attrs("(sAMAccountName=bob)", ["homeMDB"]))
        r = tool(env.PROVISION, *smb("--check"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)   # DC1 untouched
        self.assertEqual(dbcheck().returncode, 0)

    def test_41_deprovision(self):
        r = tool(env.PROVISION, *smb("--deprovision"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(r.stdout.rstrip().endswith("[SUCCESS] Done!"), r.stdout)
        a = ldb_attrs("(sAMAccountName=alice)", ["homeMDB", "mailNickname"])
        self.assertEqual(a, {"mailNickname": ["alice"]})     # mailbox detached, alias kept
        self.assertEqual(count_objects(self._config(), "(objectClass=msExchOrganizationContainer)"), 0)
        r = tool(env.PROVISION, *smb("--check", "--autodiscover-dns"))
        self.assertEqual(r.returncode, 4, r.stdout + r.stderr)
        self.assertIn("[MISSING] organization", r.stdout)
        self.assertIn("[MISSING] DNS autodiscover", r.stdout)
        self.assertEqual(count_objects("CN=Schema," + self._config(),
                                       "(lDAPDisplayName=msExchMailboxGuid)"), 1)   # schema stays
        r = dbcheck()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("(0 errors)", r.stdout + r.stderr)
        r = tool(env.PROVISION, *smb("--deprovision"))        # again: nothing to do
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_42_reprovision_after_deprovision(self):
        r = tool(env.PROVISION, *smb("--standalone", "--organization", "Acme Corp", "--ou", "Paris"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = tool(env.NEWUSER, *smb("--create", "alice"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        a = ldb_attrs("(sAMAccountName=alice)", ["homeMDB", "legacyExchangeDN"])
        self.assertIn("CN=Acme Corp,", a["homeMDB"][0])
        # the existing legacyExchangeDN is kept: Outlook profiles depend on it
        self.assertEqual(a["legacyExchangeDN"],
                         ["/o=First Organization/ou=First Administrative Group/cn=Recipients/cn=alice"])
        r = tool(env.PROVISION, *smb("--standalone"))      # defaults reuse "Acme Corp"/"Paris"
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn('"Acme Corp"', r.stdout)
        r = tool(env.PROVISION, *smb("--check"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(dbcheck().returncode, 0)

    def _config(self):
        return "CN=Configuration,DC=mapitest,DC=test"

    def _org(self):
        return "CN=First Organization,CN=Microsoft Exchange,CN=Services," + self._config()


def main():
    verbosity = 2 if "-v" in sys.argv else 1
    if "--keep" in sys.argv:
        os.environ["MAPIGATE_TEST_KEEP"] = "1"
    start = time.time()
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(T)
    result = unittest.TextTestRunner(verbosity=verbosity, stream=sys.stdout).run(suite)
    print("timings:")
    for k, v in State.timings.items():
        print("  %-45s %6.1f s" % (k, v))
    print("  %-45s %6.1f s" % ("whole test", time.time() - start))
    failed = len(result.failures) + len(result.errors)
    passed = result.testsRun - failed - len(result.skipped)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(0 if failed == 0 and result.testsRun > 0 else 1)


if __name__ == "__main__":
    main()
