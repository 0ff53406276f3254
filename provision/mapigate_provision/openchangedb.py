"""openchangedb in MariaDB: create the database and apply the SQL migrations
mapistore/schema/NNN_name.sql in numeric order, each exactly once.

Applied migrations are recorded in
    schema_migrations(version INT PRIMARY KEY, name VARCHAR(255), applied_at DATETIME)
(name = the file name, applied_at in UTC) -- the same table, lock name and
file convention as the engine's built-in runner (mapistore/migrations.cpp),
so whichever runs first applies a migration and the other skips it.
A migration is applied inside a transaction and recorded in the same
transaction; MariaDB commits DDL implicitly, so a migration that fails
half-way may leave the objects created before the failing statement:
migrations are expected to be re-runnable (CREATE TABLE IF NOT EXISTS, ...).
A named lock (GET_LOCK) keeps two provisioning runs from applying the same
migration concurrently.
"""

import os
import re

from .common import ProvisionError
from . import mysqluri

MIGRATION_RE = re.compile(r"^(\d+)_([A-Za-z0-9_.\-]+)\.sql$")
LOCK_NAME = "mapigate_schema_migrations"

ER_BAD_DB_ERROR = 1049
ER_DB_CREATE_EXISTS = 1007


def pymysql_module():
    try:
        import pymysql
        return pymysql
    except ImportError:
        raise ProvisionError("python3-pymysql is not installed (apt-get install python3-pymysql)")


def migrations_dir(explicit=None):
    """Where the NNN_*.sql files are: --migrations-dir, $MAPIGATE_MIGRATIONS_DIR,
    the source tree (mapistore/schema next to provision/), or the installed
    copy ($(pkgdatadir)/mapistore/schema). Returns (path or None, candidates)."""
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = []
    if explicit:
        candidates.append(explicit)
    if os.environ.get("MAPIGATE_MIGRATIONS_DIR"):
        candidates.append(os.environ["MAPIGATE_MIGRATIONS_DIR"])
    # source tree: provision/mapigate_provision -> mapistore/schema;
    # installed:   $(pkgdatadir)/python/mapigate_provision -> $(pkgdatadir)/mapistore/schema
    candidates.append(os.path.normpath(os.path.join(here, "..", "..", "mapistore", "schema")))
    seen = []
    for c in candidates:
        if c not in seen:
            seen.append(c)
    if explicit:
        return (explicit if os.path.isdir(explicit) else None), seen
    for c in seen:
        if os.path.isdir(c):
            return c, seen
    return None, seen


def list_migrations(directory):
    """[(version, filename, path)] sorted by version; duplicates are an error."""
    if directory is None or not os.path.isdir(directory):
        return []
    found = {}
    for fn in os.listdir(directory):
        m = MIGRATION_RE.match(fn)
        if not m:
            continue
        v = int(m.group(1))
        if v in found:
            raise ProvisionError("two migrations with version %d: %s and %s"
                                 % (v, found[v][0], fn))
        found[v] = (fn, os.path.join(directory, fn))
    return [(v, found[v][0], found[v][1]) for v in sorted(found)]


def split_sql(text):
    """Split a SQL script into statements. Understands '...', "...", `...`,
    -- and # comments, /* */ comments (MariaDB /*! */ hints are kept) and the
    client's DELIMITER command (for procedures and triggers)."""
    stmts = []
    delim = ";"
    buf = []
    i = 0
    n = len(text)
    while i < n:
        if text[i] in "Dd" and not "".join(buf).strip():
            # DELIMITER is a client command, valid where a statement starts
            m = re.match(r"DELIMITER[ \t]+(\S+)[ \t]*(\r?\n|$)", text[i:], re.IGNORECASE)
            if m:
                delim = m.group(1)
                buf = []
                i += m.end()
                continue
        c = text[i]
        if c in "'\"`":
            q = c
            buf.append(c)
            i += 1
            while i < n:
                buf.append(text[i])
                if text[i] == "\\" and q != "`" and i + 1 < n:
                    buf.append(text[i + 1])
                    i += 2
                    continue
                if text[i] == q:
                    if i + 1 < n and text[i + 1] == q:   # doubled quote
                        buf.append(text[i + 1])
                        i += 2
                        continue
                    i += 1
                    break
                i += 1
            continue
        if c == "#" or (text.startswith("--", i) and (i + 2 >= n or text[i + 2] in " \t\r\n")):
            e = text.find("\n", i)
            i = n if e < 0 else e
            continue
        if text.startswith("/*", i) and not text.startswith("/*!", i):
            e = text.find("*/", i + 2)
            i = n if e < 0 else e + 2
            buf.append(" ")
            continue
        if text.startswith(delim, i):
            s = "".join(buf).strip()
            if s:
                stmts.append(s)
            buf = []
            i += len(delim)
            continue
        buf.append(c)
        i += 1
    s = "".join(buf).strip()
    if s:
        stmts.append(s)
    return stmts


MIGRATIONS_TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INT PRIMARY KEY,"
    " name VARCHAR(255) NOT NULL,"
    " applied_at DATETIME NOT NULL"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")


def connect(uri, create_database=False, reporter=None):
    """Connect to the database of the URI; create the database when missing
    and create_database is set. Returns (connection, created)."""
    pymysql = pymysql_module()
    if not uri.database:
        raise ProvisionError("the URI %s names no database" % uri.redacted())
    try:
        return pymysql.connect(autocommit=True, **uri.connect_kwargs()), False
    except pymysql.err.OperationalError as e:
        code = e.args[0] if e.args else None
        if code != ER_BAD_DB_ERROR or not create_database:
            raise ProvisionError("cannot connect to %s: %s" % (uri.redacted(), _msg(e)))
    try:
        conn = pymysql.connect(autocommit=True, **uri.connect_kwargs(with_db=False))
        with conn.cursor() as cur:
            cur.execute("CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
                        % uri.database.replace("`", "``"))
            cur.execute("USE `%s`" % uri.database.replace("`", "``"))
        return conn, True
    except pymysql.err.MySQLError as e:
        raise ProvisionError("cannot create database %s on %s: %s"
                             % (uri.database, uri.redacted(), _msg(e)))


def _msg(e):
    if getattr(e, "args", None) and len(e.args) >= 2:
        return "%s (MariaDB error %s)" % (e.args[1], e.args[0])
    return str(e)


def applied_versions(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
        return {int(r[0]): (r[1], r[2]) for r in cur.fetchall()}


def table_exists(conn, name):
    with conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM information_schema.TABLES "
                    "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s", (name,))
        return cur.fetchone()[0] > 0


def migrate(uri_text, reporter, directory=None, dry_run=False):
    """The --openchangedb action. Returns the number of migrations applied."""
    try:
        uri = mysqluri.parse(uri_text)
    except mysqluri.URIError as e:
        raise ProvisionError(str(e))
    pymysql = pymysql_module()
    mdir, tried = migrations_dir(directory)
    migrations = list_migrations(mdir)
    reporter.step("Prepare the openchangedb database %s" % uri.redacted())
    if dry_run:
        try:
            conn, _ = connect(uri, create_database=False)
        except ProvisionError:
            reporter.info("database %s missing or unreachable: would create it" % uri.database)
            conn = None
    else:
        conn, created = connect(uri, create_database=True)
        reporter.info("database %s %s" % (uri.database, "created" if created else "exists"))
    try:
        have = {}
        if conn is not None and table_exists(conn, "schema_migrations"):
            have = applied_versions(conn)
        elif dry_run:
            reporter.info("would create table schema_migrations")
        else:
            with conn.cursor() as cur:
                cur.execute(MIGRATIONS_TABLE_SQL)
            reporter.info("created table schema_migrations")
        reporter.step("Apply the openchangedb schema migrations")
        if mdir is None:
            reporter.info("no migrations directory found (looked in %s): nothing to apply; "
                          "only the schema_migrations table exists" % ", ".join(tried))
            return 0
        if not migrations:
            reporter.info("no NNN_*.sql migrations in %s: nothing to apply; only the "
                          "schema_migrations table exists" % mdir)
            return 0
        reporter.info("migrations from %s" % mdir)
        count = 0
        lock_held = False
        if not dry_run:
            with conn.cursor() as cur:
                cur.execute("SELECT GET_LOCK(%s, 60)", (LOCK_NAME,))
                if cur.fetchone()[0] != 1:
                    raise ProvisionError("another provisioning run holds the migration lock")
            lock_held = True
            have = applied_versions(conn)   # re-read under the lock
        try:
            for version, fn, path in migrations:
                if version in have:
                    reporter.info("%03d %s: already applied (%s)" % (version, fn, have[version][1]))
                    continue
                if dry_run:
                    reporter.info("%03d %s: would apply" % (version, fn))
                    count += 1
                    continue
                _apply_one(conn, pymysql, version, fn, path)
                reporter.info("%03d %s: applied" % (version, fn))
                count += 1
        finally:
            if lock_held:
                with conn.cursor() as cur:
                    cur.execute("SELECT RELEASE_LOCK(%s)", (LOCK_NAME,))
        reporter.info("%d migration(s) %s, %d already applied"
                      % (count, "to apply" if dry_run else "applied",
                         len([m for m in migrations if m[0] in have])))
        return count
    finally:
        if conn is not None:
            conn.close()


def _apply_one(conn, pymysql, version, fn, path):
    with open(path, encoding="utf-8") as f:
        statements = split_sql(f.read())
    conn.begin()
    try:
        with conn.cursor() as cur:
            for idx, stmt in enumerate(statements, 1):
                try:
                    cur.execute(stmt)
                    while cur.nextset():
                        pass
                except pymysql.err.MySQLError as e:
                    raise ProvisionError("migration %s failed at statement %d (%s...): %s"
                                         % (fn, idx, " ".join(stmt.split())[:60], _msg(e)))
            cur.execute("INSERT INTO schema_migrations (version, name, applied_at) "
                        "VALUES (%s, %s, UTC_TIMESTAMP())", (version, fn))
        conn.commit()
    except Exception:
        conn.rollback()
        raise


def check(uri_text, directory=None):
    """For --check: [(description, ok, note)]."""
    out = []
    try:
        uri = mysqluri.parse(uri_text)
        conn, _ = connect(uri, create_database=False)
    except (ProvisionError, mysqluri.URIError) as e:
        return [("openchangedb database", False, str(e))]
    try:
        out.append(("openchangedb database %s" % uri.redacted(), True, None))
        has_table = table_exists(conn, "schema_migrations")
        out.append(("openchangedb table schema_migrations", has_table, None))
        have = applied_versions(conn) if has_table else {}
        mdir, _ = migrations_dir(directory)
        for version, fn, _path in list_migrations(mdir):
            out.append(("openchangedb migration %s" % fn, version in have, None))
    finally:
        conn.close()
    return out


def uri_from_smbconf(lp):
    """mapiproxy:openchangedb from smb.conf (the guides' setting)."""
    for key in ("mapiproxy:openchangedb",):
        try:
            v = lp.get(key)
        except Exception:
            v = None
        if v:
            return v
    return None
