"""A user's rows in the openchangedb database, found from information_schema
(the convention every mapigate table follows):

1. Per-user rows: a table with a column named mailbox_owner or owner_username
   holds per-user rows; a row is the user's when that column equals the
   account name (sAMAccountName, compared case-insensitively; the empty
   string, used e.g. by the public store, never matches).
2. Dependent rows: rows of tables that reference those rows through a foreign
   key ON DELETE CASCADE (followed transitively) go with them. This is how
   openchangedb's per-mailbox tables (folders, named_properties,
   message_index, fallback_*, ...) hang off mailboxes.owner_username.
3. Backend data: a table whose comment contains "mapigate:backend" (for
   instance the SQL provider's calendars and contacts:
   CREATE TABLE ... COMMENT='mapigate:backend SQL provider events') holds
   data the user owns in a backend rather than gateway state. Its rows are
   removed only with --include-backend-data --yes -- whether they are found
   by an owner column or through a cascade; a cleanup that would cascade into
   backend data without that option is refused.
Everything else (openchangedb, indexing, named properties, fallback provider)
is gateway-side state, removed by default. schema_migrations is never touched.

All deletions run in one InnoDB transaction: every row goes or none.
"""

from . import mysqluri
from . import openchangedb
from .common import EXIT_USAGE, ProvisionError

OWNER_COLUMNS = ("mailbox_owner", "owner_username")
BACKEND_MARK = "mapigate:backend"
SKIP_TABLES = {"schema_migrations"}
MAX_DEPTH = 6


def _q(name):
    return "`%s`" % name.replace("`", "``")


class Schema:
    """Tables, owner columns and foreign keys of the current database."""

    def __init__(self, conn):
        with conn.cursor() as cur:
            cur.execute("SELECT TABLE_NAME, TABLE_COMMENT FROM information_schema.TABLES "
                        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'")
            self.tables = {t: (c or "") for t, c in cur.fetchall()}
            cur.execute("SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS "
                        "WHERE TABLE_SCHEMA = DATABASE() AND LOWER(COLUMN_NAME) IN (%s, %s)",
                        OWNER_COLUMNS)
            self.owner_cols = {}
            for t, c in cur.fetchall():
                if t in self.tables and t not in SKIP_TABLES:
                    self.owner_cols.setdefault(t, []).append(c)
            cur.execute("SELECT rc.CONSTRAINT_NAME, rc.TABLE_NAME, rc.REFERENCED_TABLE_NAME, "
                        "rc.DELETE_RULE, k.COLUMN_NAME, k.REFERENCED_COLUMN_NAME "
                        "FROM information_schema.REFERENTIAL_CONSTRAINTS rc "
                        "JOIN information_schema.KEY_COLUMN_USAGE k "
                        " ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA "
                        " AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME AND k.TABLE_NAME = rc.TABLE_NAME "
                        "WHERE rc.CONSTRAINT_SCHEMA = DATABASE() "
                        "ORDER BY rc.TABLE_NAME, rc.CONSTRAINT_NAME, k.ORDINAL_POSITION")
            fks = {}
            for name, child, parent, rule, col, rcol in cur.fetchall():
                fk = fks.setdefault((child, name), {"child": child, "parent": parent,
                                                    "rule": rule.upper(), "cols": [], "rcols": []})
                fk["cols"].append(col)
                fk["rcols"].append(rcol)
            self.fks = list(fks.values())

    def is_backend(self, table):
        return BACKEND_MARK in self.tables.get(table, "").lower()


class Target:
    """The rows of one table that a cleanup of the user touches."""

    def __init__(self, table):
        self.table = table
        self.preds = []        # [(sql, params)] OR-ed
        self.via = []          # how the rows were found (column or "cascade from X")
        self.root = False
        self.count = 0

    def where(self):
        sql = " OR ".join("(%s)" % p for p, _ in self.preds)
        params = tuple(x for _, ps in self.preds for x in ps)
        return sql, params


def plan(conn, schema, user):
    """{table: Target} of every table with rows of the user (direct or cascaded)."""
    targets = {}
    for t, cols in sorted(schema.owner_cols.items()):
        tg = targets.setdefault(t, Target(t))
        tg.root = True
        for c in cols:
            tg.preds.append(("LOWER(%s) = LOWER(%%s) AND %s <> ''" % (_q(c), _q(c)), (user,)))
            tg.via.append(c)
    # follow ON DELETE CASCADE foreign keys from the direct rows
    frontier = [(t, targets[t].preds[:], 0) for t in list(targets)]
    while frontier:
        parent, preds, depth = frontier.pop(0)
        if depth >= MAX_DEPTH:
            continue
        for fk in schema.fks:
            if fk["parent"] != parent or fk["rule"] != "CASCADE" or fk["child"] in SKIP_TABLES:
                continue
            sub_where = " OR ".join("(%s)" % p for p, _ in preds)
            sub_params = tuple(x for _, ps in preds for x in ps)
            lhs = "(%s)" % ", ".join(_q(c) for c in fk["cols"])
            sel = "SELECT %s FROM %s WHERE %s" % (", ".join(_q(c) for c in fk["rcols"]),
                                                 _q(parent), sub_where)
            pred = ("%s IN (%s)" % (lhs, sel), sub_params)
            tg = targets.setdefault(fk["child"], Target(fk["child"]))
            tg.preds.append(pred)
            tg.via.append("cascade from %s" % parent)
            frontier.append((fk["child"], [pred], depth + 1))
    for tg in targets.values():
        w, params = tg.where()
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM %s WHERE %s" % (_q(tg.table), w), params)
            tg.count = int(cur.fetchone()[0])
    return targets


def delete_order(schema, tables):
    """Root tables ordered so that referencing (child) tables come first."""
    refs = [(fk["child"], fk["parent"]) for fk in schema.fks
            if fk["child"] in tables and fk["parent"] in tables and fk["child"] != fk["parent"]]
    remaining = sorted(tables)
    order = []
    while remaining:
        free = [t for t in remaining if not any(p == t and c in remaining for c, p in refs)]
        if not free:
            order += remaining
            break
        order += free
        remaining = [t for t in remaining if t not in free]
    return order


def cleanup(uri_text, user, reporter, include_backend=False, yes=False, dry_run=False):
    if not user.strip():
        raise ProvisionError("empty user name", EXIT_USAGE)
    if include_backend and not yes and not dry_run:
        raise ProvisionError("--include-backend-data also deletes the user's backend data "
                             "(calendars, contacts, ...): add --yes to confirm", EXIT_USAGE)
    try:
        uri = mysqluri.parse(uri_text)
    except mysqluri.URIError as e:
        raise ProvisionError(str(e))
    pymysql = openchangedb.pymysql_module()
    conn, _ = openchangedb.connect(uri, create_database=False)
    try:
        schema = Schema(conn)
        reporter.step("Find %s's rows in %s" % (user, uri.redacted()))
        if not schema.owner_cols:
            reporter.info("no table has a mailbox_owner or owner_username column: nothing to remove")
            return 0
        targets = plan(conn, schema, user)
        for t in sorted(targets, key=lambda x: (not targets[x].root, x)):
            tg = targets[t]
            kind = "backend" if schema.is_backend(t) else "gateway"
            keep = kind == "backend" and not include_backend and tg.count
            reporter.info("%-28s %-8s %5d row(s)  by %s%s" % (
                t, kind, tg.count, ", ".join(sorted(set(tg.via))),
                "  (kept: backend data, see --include-backend-data)" if keep else ""))
        roots = [t for t, tg in targets.items() if tg.root and tg.count > 0 and
                 (include_backend or not schema.is_backend(t))]
        if not include_backend:
            # rows of backend tables that deleting gateway rows would cascade into
            hit = [t for t, tg in targets.items() if not tg.root and schema.is_backend(t)
                   and _cascaded_count(conn, schema, targets, t, roots) > 0]
            if hit:
                raise ProvisionError(
                    "removing %s's gateway rows would also delete backend data in %s (foreign key "
                    "ON DELETE CASCADE): re-run with --include-backend-data --yes"
                    % (user, ", ".join(sorted(hit))), EXIT_USAGE)
        affected = [t for t, tg in targets.items() if tg.count > 0 and
                    (include_backend or not schema.is_backend(t))]
        total = sum(targets[t].count for t in affected)
        if dry_run:
            reporter.step("Would remove %d row(s) from %d table(s)" % (total, len(affected)))
            return total
        reporter.step("Remove %d row(s) from %d table(s)" % (total, len(affected)))
        if not roots:
            reporter.info("nothing to remove")
            return 0
        conn.begin()
        try:
            with conn.cursor() as cur:
                for t in delete_order(schema, roots):
                    tg = targets[t]
                    direct = [(p, ps) for (p, ps), via in zip(tg.preds, tg.via)
                              if not via.startswith("cascade")]
                    w = " OR ".join("(%s)" % p for p, _ in direct)
                    params = tuple(x for _, ps in direct for x in ps)
                    cur.execute("DELETE FROM %s WHERE %s" % (_q(t), w), params)
                    reporter.detail("%s: %d row(s) removed (and their dependent rows)" % (t, cur.rowcount))
            conn.commit()
        except pymysql.err.MySQLError as e:
            conn.rollback()
            raise ProvisionError("cleanup failed, nothing was removed: %s" % openchangedb._msg(e))
        reporter.info("%d row(s) removed" % total)
        return total
    finally:
        conn.close()


def _cascaded_count(conn, schema, targets, table, roots):
    """Rows of table reached by cascade only from the given root tables."""
    tg = targets[table]
    preds = [(p, ps) for (p, ps), via in zip(tg.preds, tg.via)
             if via.startswith("cascade from ") and _reaches_from(schema, via[len("cascade from "):], roots)]
    if not preds:
        return 0
    w = " OR ".join("(%s)" % p for p, _ in preds)
    params = tuple(x for _, ps in preds for x in ps)
    with conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM %s WHERE %s" % (_q(table), w), params)
        return int(cur.fetchone()[0])


def _reaches_from(schema, parent, roots, depth=0):
    """True when parent is one of roots or is reached from them by cascades."""
    if parent in roots:
        return True
    if depth >= MAX_DEPTH:
        return False
    return any(_reaches_from(schema, fk["parent"], roots, depth + 1)
               for fk in schema.fks if fk["child"] == parent and fk["rule"] == "CASCADE")
