"""The Exchange schema extension (provision/schema/*.ldif) applied to Samba.

Three phases, each in its own transaction followed by a schema refresh
(Samba only sees new attributes/classes after "schemaUpdateNow", and that
refresh does not take effect inside a transaction):
  10-exchange-attributes.ldif   attributeSchema objects
  20-exchange-classes.ldif      classSchema objects
  30-extend-base-classes.ldif   values added to base classes
An entry whose lDAPDisplayName or OID already exists is reported as present
and never redefined; a failed phase is rolled back, so a re-run resumes.
"""

import os

import ldb

from .common import ProvisionError, ldb_msg

PHASES = [
    ("10-exchange-attributes.ldif", "attributeSchema",
     "Extend the Active Directory schema with Exchange attributes"),
    ("20-exchange-classes.ldif", "classSchema",
     "Add Exchange classes to the schema"),
    ("30-extend-base-classes.ldif", "modify",
     "Extend existing classes (mailRecipient, user, addressBookContainer)"),
]


def schema_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [
        os.environ.get("MAPIGATE_PROVISION_SCHEMA_DIR"),
        os.path.join(os.path.dirname(here), "schema"),                    # source tree
        os.path.join(os.path.dirname(here), "..", "provision", "schema"),  # $(pkgdatadir)
    ]
    for c in candidates:
        if c and os.path.isfile(os.path.join(c, PHASES[0][0])):
            return os.path.normpath(c)
    raise ProvisionError("cannot find the schema definitions (%s); set "
                         "MAPIGATE_PROVISION_SCHEMA_DIR" % PHASES[0][0])


def _entries(samdb, filename):
    path = os.path.join(schema_dir(), filename)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = text.replace("${SCHEMADN}", str(samdb.get_schema_basedn()))
    try:
        return list(samdb.parse_ldif(text))
    except ldb.LdbError as e:
        raise ProvisionError("cannot parse %s: %s" % (path, ldb_msg(e)))


def _first(msg, name):
    if name in msg and len(msg[name]) > 0:
        return str(msg[name][0])
    return None


class SchemaItem:
    """One entry of the schema files and its state in the directory."""

    def __init__(self, kind, name, dn, oid=None):
        self.kind = kind          # attributeSchema | classSchema | modify
        self.name = name          # lDAPDisplayName, or "dn: attr=value" for modify
        self.dn = dn
        self.oid = oid
        self.present = False
        self.conflict = None      # text when an entry exists under another name/OID
        self.missing_values = {}  # for modify entries: attr -> [values]


def _find_schema_object(samdb, kind, name, oid):
    oid_attr = "attributeID" if kind == "attributeSchema" else "governsID"
    res = samdb.search(base=samdb.get_schema_basedn(), scope=ldb.SCOPE_ONELEVEL,
                       expression="(&(objectClass=%s)(|(lDAPDisplayName=%s)(%s=%s)))"
                       % (kind, ldb.binary_encode(name), oid_attr, ldb.binary_encode(oid)),
                       attrs=["lDAPDisplayName", oid_attr])
    return [(str(m["lDAPDisplayName"][0]), str(m[oid_attr][0])) for m in res]


def _lookup_class_dn(samdb, dn):
    """Base classes are addressed by their CN in the files; resolve it."""
    try:
        res = samdb.search(base=dn, scope=ldb.SCOPE_BASE, attrs=["*"])
        return res[0] if len(res) else None
    except ldb.LdbError as e:
        if e.args[0] == ldb.ERR_NO_SUCH_OBJECT:
            return None
        raise


def inspect_phase(samdb, filename, kind):
    """Compare one schema file with the directory; returns (items, messages)."""
    items = []
    for changetype, msg in _entries(samdb, filename):
        if kind == "modify":
            if changetype != ldb.CHANGETYPE_MODIFY:
                raise ProvisionError("%s: only modify entries expected" % filename)
            current = _lookup_class_dn(samdb, msg.dn)
            if current is None:
                raise ProvisionError("schema object %s not found" % msg.dn)
            for el_name in msg:
                if el_name == "dn":
                    continue
                el = msg[el_name]
                have = {str(v).lower() for v in current[el_name]} if el_name in current else set()
                for v in el:
                    item = SchemaItem("modify", "%s %s: %s" % (
                        str(current["lDAPDisplayName"][0]), el_name, str(v)), msg.dn)
                    item.present = str(v).lower() in have
                    if not item.present:
                        item.missing_values = {el_name: [str(v)]}
                    items.append(item)
            continue
        if changetype != ldb.CHANGETYPE_NONE and changetype != ldb.CHANGETYPE_ADD:
            raise ProvisionError("%s: only add entries expected" % filename)
        name = _first(msg, "lDAPDisplayName")
        oid = _first(msg, "attributeID" if kind == "attributeSchema" else "governsID")
        item = SchemaItem(kind, name, msg.dn, oid)
        found = _find_schema_object(samdb, kind, name, oid)
        for fname, foid in found:
            if fname.lower() == name.lower():
                item.present = True
                if foid != oid:
                    item.conflict = "%s exists with OID %s (mapigate defines %s)" % (fname, foid, oid)
            elif foid == oid:
                item.present = True
                item.conflict = "OID %s is already used by %s" % (oid, fname)
        items.append((item, msg))
    return items


def _class_possuperiors_items(samdb, items):
    """possSuperiors of the new classes are applied as modifications once all
    classes exist (a class may name itself or a class defined after it)."""
    out = []
    for item, msg in items:
        if "possSuperiors" not in msg:
            continue
        cur = _lookup_class_dn(samdb, msg.dn)
        have = {str(v).lower() for v in cur["possSuperiors"]} if cur is not None and \
            "possSuperiors" in cur else set()
        for v in msg["possSuperiors"]:
            it = SchemaItem("modify", "%s possSuperiors: %s" % (item.name, v), msg.dn)
            it.present = str(v).lower() in have
            if not it.present:
                it.missing_values = {"possSuperiors": [str(v)]}
            out.append(it)
    return out


def _add_classes(samdb, todo, what):
    """Add classSchema entries in dependency order (subClassOf/auxiliaryClass
    must exist and be loaded first), one transaction + refresh per level."""
    pending = list(todo)
    while pending:
        known = set()
        for i, m in pending:
            known.add(i.name.lower())
        level = []
        for i, m in pending:
            deps = []
            for attr in ("subClassOf", "auxiliaryClass", "systemAuxiliaryClass"):
                if attr in m:
                    deps += [str(v).lower() for v in m[attr]]
            if not any(d in known for d in deps):
                level.append((i, m))
        if not level:
            raise ProvisionError("%s: circular class dependencies among %s"
                                 % (what, ", ".join(i.name for i, m in pending)))

        def add_level():
            for i, m in level:
                m2 = ldb.Message()
                m2.dn = m.dn
                for el in m:
                    if el in ("dn", "possSuperiors"):
                        continue
                    m2[el] = m[el]
                samdb.add(m2)
        _in_transaction(samdb, what, add_level)
        samdb.set_schema_update_now()
        done = {i.name for i, m in level}
        pending = [(i, m) for i, m in pending if i.name not in done]


def apply_schema(samdb, reporter, dry_run=False):
    """Apply all three phases; returns the number of changes made (or planned)."""
    changes = 0
    for filename, kind, title in PHASES:
        reporter.step(title)
        items = inspect_phase(samdb, filename, kind)
        if kind == "modify":
            todo = [i for i in items if not i.present]
            present = len(items) - len(todo)
            for i in todo:
                reporter.detail(("would add " if dry_run else "adding ") + i.name)
            if todo and not dry_run:
                _in_transaction(samdb, filename, lambda: _apply_modifications(samdb, todo))
                samdb.set_schema_update_now()
        else:
            todo = [(i, m) for i, m in items if not i.present]
            present = len(items) - len(todo)
            for i, m in items:
                if i.conflict:
                    reporter.warn("schema: %s; not redefined" % i.conflict)
            for i, m in todo:
                reporter.detail(("would add " if dry_run else "adding ") + "%s (%s)" % (i.name, i.oid))
            if todo and not dry_run:
                if kind == "classSchema":
                    _add_classes(samdb, todo, filename)
                else:
                    _in_transaction(samdb, filename, lambda: [samdb.add(m) for i, m in todo])
                    samdb.set_schema_update_now()
            if kind == "classSchema":
                sup = [i for i in _class_possuperiors_items(samdb, items) if not i.present]
                if sup and not dry_run:
                    _in_transaction(samdb, filename, lambda: _apply_modifications(samdb, sup))
                    samdb.set_schema_update_now()
                if sup and not todo:
                    reporter.info("%d possSuperiors value(s) %s" % (len(sup), "to add" if dry_run else "added"))
        changes += len(todo)
        reporter.info("%d %s, %d already present" % (
            len(todo), "to add" if dry_run else "added", present))
    return changes


def _apply_modifications(samdb, todo):
    by_dn = {}
    for item in todo:
        by_dn.setdefault(str(item.dn), {})
        for attr, vals in item.missing_values.items():
            by_dn[str(item.dn)].setdefault(attr, []).extend(vals)
    for dn, attrs in by_dn.items():
        m = ldb.Message()
        m.dn = ldb.Dn(samdb, dn)
        for attr, vals in attrs.items():
            m[attr] = ldb.MessageElement(vals, ldb.FLAG_MOD_ADD, attr)
        samdb.modify(m)


def _in_transaction(samdb, what, fn):
    samdb.transaction_start()
    try:
        fn()
    except ldb.LdbError as e:
        samdb.transaction_cancel()
        hint = ""
        if e.args[0] == ldb.ERR_UNWILLING_TO_PERFORM and "not allowed" in str(e.args[1]):
            hint = ("; the DC refuses schema changes over LDAP: run openchange_provision on the "
                    "DC itself (local sam.ldb, the default), or set 'dsdb:schema update allowed "
                    "= true' in the DC's smb.conf and restart samba")
        raise ProvisionError("schema update from %s failed (nothing of it was kept): %s%s"
                             % (what, ldb_msg(e), hint))
    except Exception:
        samdb.transaction_cancel()
        raise
    samdb.transaction_commit()


def check_schema(samdb):
    """Returns a list of (description, ok, note) for --check."""
    out = []
    for filename, kind, _title in PHASES:
        items = inspect_phase(samdb, filename, kind)
        extra = _class_possuperiors_items(samdb, items) if kind == "classSchema" else []
        for it in items + extra:
            item = it[0] if isinstance(it, tuple) else it
            label = {"attributeSchema": "schema attribute", "classSchema": "schema class",
                     "modify": "schema extension"}[item.kind]
            out.append(("%s %s" % (label, item.name), item.present, item.conflict))
    return out
