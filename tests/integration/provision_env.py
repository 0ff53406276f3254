"""Throwaway Samba AD DC and private MariaDB for the provisioning tests.

Everything lives in one temporary directory; the only processes started are
a mariadbd on a unix socket (no TCP) and, optionally, a samba in its own
network namespace; both are stopped by their pid / namespace name.
Run with /usr/bin/python3 (Debian's python sees python3-samba, pymysql).
"""

import os
import shutil
import signal
import subprocess
import time

PY = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", ".."))
PROVISION = os.path.join(SRC, "provision", "openchange_provision")
NEWUSER = os.path.join(SRC, "provision", "openchange_newuser")
CLEANUP = os.path.join(SRC, "provision", "openchange_user_cleanup")


def run(cmd, check=False, env=None, timeout=120, input=None):
    """Run a command; returns CompletedProcess with text output."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       env=env, timeout=timeout, input=input)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s\n%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p


class SambaDC:
    """samba-tool domain provision into DIR (the DC does not need to run)."""

    def __init__(self, base, realm="MAPITEST.TEST", domain="MAPITEST", host="dc1",
                 adminpass="Admin-Passw0rd1"):
        self.base = base
        self.dir = os.path.join(base, "samba")
        self.realm = realm
        self.domain = domain
        self.host = host
        self.adminpass = adminpass
        self.smbconf = os.path.join(self.dir, "etc", "smb.conf")
        self.samdb = os.path.join(self.dir, "private", "sam.ldb")
        self.run_dir = os.path.join(base, "run")
        self.netns = None
        self.proc = None

    def provision(self):
        os.makedirs(self.dir, exist_ok=True)
        os.makedirs(self.run_dir, exist_ok=True)
        empty = os.path.join(self.base, "empty.conf")
        open(empty, "w").close()
        r = self.run_dir
        run(["samba-tool", "domain", "provision", "-s", empty, "--targetdir=" + self.dir,
             "--realm=" + self.realm, "--domain=" + self.domain, "--server-role=dc",
             "--dns-backend=SAMBA_INTERNAL", "--adminpass=" + self.adminpass,
             "--host-name=" + self.host, "--option=interfaces=lo",
             "--option=bind interfaces only=yes",
             "--option=pid directory=" + r, "--option=ncalrpc dir=" + r + "/ncalrpc",
             "--option=winbindd socket directory=" + r + "/winbindd",
             "--option=ntp signd socket directory=" + r + "/ntp_signd",
             "--option=log file=" + os.path.join(self.base, "samba.log"),
             "--option=dns forwarder=127.0.0.2"], check=True)
        run(["samba-tool", "domain", "passwordsettings", "set", "-s", self.smbconf,
             "--complexity=off"], check=True)

    def add_option(self, line):
        """Append a line to [global] of smb.conf."""
        with open(self.smbconf) as f:
            text = f.read()
        text = text.replace("[global]\n", "[global]\n\t%s\n" % line, 1)
        with open(self.smbconf, "w") as f:
            f.write(text)

    def create_user(self, name, password="User-Passw0rd1"):
        run(["samba-tool", "user", "create", name, password, "-s", self.smbconf,
             "--given-name=" + name.capitalize(), "--surname=Test"], check=True)

    # --- optional: run the DC, isolated in a network namespace -------------
    def start(self, timeout=60):
        ns = "mgprov%d" % os.getpid()
        run(["ip", "netns", "add", ns], check=True)
        self.netns = ns
        run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        log = open(os.path.join(self.base, "samba.stdout"), "w")
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns, "samba", "-i", "-M", "single",
                                      "-s", self.smbconf], stdout=log, stderr=log,
                                     start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            r = self.ldap_search("(objectClass=domain)", ["dc"], base=None, scope="base",
                                 quiet=True)
            if r.returncode == 0:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.5)
        raise RuntimeError("samba did not start; see %s" % os.path.join(self.base, "samba.stdout"))

    def ldap_search(self, expr, attrs, base=None, scope="sub", quiet=False):
        cmd = ["ip", "netns", "exec", self.netns, "ldbsearch", "-H", "ldap://127.0.0.1",
               "-U", "Administrator%" + self.adminpass, "-s", scope]
        if base is not None:
            cmd += ["-b", base]
        return run(cmd + [expr] + attrs, timeout=30)

    def stop(self):
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            deadline = time.time() + 15
            while time.time() < deadline:
                try:
                    os.killpg(self.proc.pid, 0)
                except ProcessLookupError:
                    break
                if self.proc.poll() is not None:
                    # the leader is gone; children may still hold the group
                    pass
                time.sleep(0.2)
            else:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            self.proc = None
        if self.netns:
            run(["ip", "netns", "del", self.netns])
            self.netns = None


class PrivateMariaDB:
    """A mariadbd of our own on a unix socket in BASE (never the system's)."""

    def __init__(self, base):
        self.base = base
        self.datadir = os.path.join(base, "mariadb")
        self.socket = os.path.join(base, "mysqld.sock")
        self.pidfile = os.path.join(base, "mysqld.pid")
        self.proc = None

    def start(self, timeout=60):
        os.makedirs(self.datadir, exist_ok=True)
        run(["mariadb-install-db", "--no-defaults", "--datadir=" + self.datadir, "--user=root",
             "--auth-root-authentication-method=normal", "--skip-test-db"], check=True,
            timeout=180)
        log = open(os.path.join(self.base, "mariadb.log"), "w")
        self.proc = subprocess.Popen(
            ["mariadbd", "--no-defaults", "--datadir=" + self.datadir, "--user=root",
             "--socket=" + self.socket, "--skip-networking", "--pid-file=" + self.pidfile,
             "--innodb-buffer-pool-size=32M", "--innodb-log-file-size=8M",
             "--innodb-flush-log-at-trx-commit=2", "--skip-name-resolve"],
            stdout=log, stderr=log, start_new_session=True)
        import pymysql
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("mariadbd exited; see %s/mariadb.log" % self.base)
            try:
                pymysql.connect(unix_socket=self.socket, user="root").close()
                return
            except pymysql.err.MySQLError:
                time.sleep(0.2)
        raise RuntimeError("mariadbd did not start")

    def root(self):
        import pymysql
        return pymysql.connect(unix_socket=self.socket, user="root", autocommit=True)

    def sql(self, statements, database=None):
        conn = self.root()
        try:
            with conn.cursor() as cur:
                if database:
                    cur.execute("USE `%s`" % database)
                out = []
                for s in statements:
                    cur.execute(s)
                    out.append(cur.fetchall())
                return out
        finally:
            conn.close()

    def stop(self):
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None


def cleanup_dir(path):
    shutil.rmtree(path, ignore_errors=True)
