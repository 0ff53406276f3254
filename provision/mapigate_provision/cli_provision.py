"""openchange_provision: Exchange schema and configuration objects in Samba AD,
and the openchangedb database in MariaDB."""

import time

import ldb

from . import DEFAULT_ADMIN_GROUP, DEFAULT_ORGANIZATION
from . import dns as dnsmod
from . import openchangedb
from . import organization as orgmod
from . import schema as schemamod
from .common import (EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE, Parser, ProvisionError,
                     Reporter, exists, first, is_remote_url, ldb_msg, load_lp,
                     open_samdb, values)

USAGE = """%prog [options] --standalone | --additional | --deprovision | --check
       %prog [options] --openchangedb [--openchangedb-uri URI]"""

DESCRIPTION = """Prepare a Samba AD DC for mapigate: extend the schema with the Exchange
attributes and classes, create the Exchange organization, administrative group,
this server and its stores, address lists and templates (--standalone), register
another server (--additional), remove the objects again (--deprovision), report
(--check), or create the openchangedb database in MariaDB and apply its
migrations (--openchangedb)."""


def build_parser():
    p = Parser(USAGE, DESCRIPTION)
    p.add_option("--standalone", action="store_true",
                 help="extend the schema and provision the organization with this server as main server")
    p.add_option("--additional", action="store_true",
                 help="register this server in an existing organization (with --deprovision: remove only this server)")
    p.add_option("--deprovision", action="store_true",
                 help="remove the organization's objects (the schema extension stays)")
    p.add_option("--check", action="store_true",
                 help="report what is and is not provisioned; exit 0 only when complete")
    p.add_option("--dry-run", action="store_true", help="show what would be done, change nothing")
    p.add_option("--organization", "--firstorg", dest="organization", metavar="NAME",
                 help="organization name (default: the existing one, else '%s')" % DEFAULT_ORGANIZATION)
    p.add_option("--ou", "--firstou", dest="ou", metavar="NAME",
                 help="administrative group (default: the existing one, else '%s')" % DEFAULT_ADMIN_GROUP)
    p.add_option("--openchangedb", action="store_true",
                 help="create the openchangedb database and apply the SQL migrations")
    p.add_option("--openchangedb-uri", metavar="URI",
                 help="mysql://user:password@host[:port]/db[?unix_socket=PATH] "
                      "(default: mapiproxy:openchangedb from smb.conf)")
    p.add_option("--migrations-dir", metavar="DIR",
                 help="directory of the NNN_*.sql migrations (default: mapistore/schema)")
    p.add_option("--autodiscover-dns", action="store_true",
                 help="add autodiscover CNAME and _autodiscover._tcp SRV records for this DC")
    p.add_option("--autodiscover-target", metavar="HOST",
                 help="host name the autodiscover records point to (default: this DC)")
    p.add_option("-v", "--verbose", action="store_true", help="list every object")
    p.add_option("-q", "--quiet", action="store_true", help="only errors")
    return p


def main(argv):
    parser = build_parser()
    opts, args = parser.parse_args(argv)
    if args:
        parser.error("unexpected arguments: %s" % " ".join(args))
    ad_modes = [m for m in ("standalone", "additional", "deprovision", "check") if getattr(opts, m)]
    if opts.additional and opts.deprovision:
        ad_modes = ["deprovision"]
    elif len(ad_modes) > 1:
        parser.error("choose one of --standalone, --additional, --deprovision, --check")
    if not ad_modes and not opts.openchangedb and not opts.autodiscover_dns:
        parser.print_help()
        return EXIT_USAGE
    rep = Reporter(verbose=opts.verbose, quiet=opts.quiet)
    start = time.time()
    mode = ad_modes[0] if ad_modes else None
    lp = load_lp(parser, schema_update=(mode == "standalone"))

    if mode == "check":
        return do_check(parser, opts, lp, rep)

    if opts.dry_run and not opts.quiet:
        print("DRY RUN: nothing is changed")
    samdb = None
    if mode or opts.autodiscover_dns:
        samdb = open_samdb(parser, opts, lp)
    if mode == "standalone":
        do_standalone(samdb, lp, opts, rep)
    elif mode == "additional" and not opts.deprovision:
        do_additional(samdb, lp, opts, rep)
    elif mode == "deprovision":
        do_deprovision(samdb, lp, opts, rep)
    if opts.autodiscover_dns and mode not in ("deprovision",):
        do_dns(samdb, lp, opts, rep)
    if opts.openchangedb:
        uri = opts.openchangedb_uri or openchangedb.uri_from_smbconf(lp)
        if not uri:
            raise ProvisionError("no database URI: give --openchangedb-uri or set "
                                 "'mapiproxy:openchangedb' in smb.conf", EXIT_USAGE)
        openchangedb.migrate(uri, rep, directory=opts.migrations_dir, dry_run=opts.dry_run)
    rep.detail("finished in %.1f s" % (time.time() - start))
    rep.success()
    return EXIT_OK


def _names(samdb, lp, opts, server=True):
    """Names for the requested (or existing) organization."""
    existing = None
    try:
        existing = orgmod.find_organization(samdb, opts.organization, opts.ou)
    except ProvisionError:
        if opts.organization is None or opts.ou is None:
            raise
    org = opts.organization or (existing.organization if existing else DEFAULT_ORGANIZATION)
    ou = opts.ou or (existing.admin_group if existing else DEFAULT_ADMIN_GROUP)
    if existing is None and opts.organization is None:
        # an organization may exist without admin group (interrupted run)
        try:
            partial = orgmod.find_organization(samdb, None, ou)
        except ProvisionError:
            partial = None
        if partial is not None:
            org = partial.organization
    return orgmod.Names(samdb, org, ou, lp.get("netbios name") if server else None)


def _check_schema_master(samdb):
    try:
        own = ldb.Dn(samdb, samdb.get_dsServiceName())
        res = samdb.search(base=samdb.get_schema_basedn(), scope=ldb.SCOPE_BASE,
                           attrs=["fSMORoleOwner"])
        master = ldb.Dn(samdb, first(res[0], "fSMORoleOwner"))
    except (ldb.LdbError, TypeError):
        return
    if own != master:
        raise ProvisionError("this DC is not the schema master (%s): run openchange_provision "
                             "there, or point -H at it" % master)


def _run_transaction(samdb, fn, what):
    samdb.transaction_start()
    try:
        fn()
    except ldb.LdbError as e:
        samdb.transaction_cancel()
        raise ProvisionError("%s failed, nothing of it was kept (re-run after fixing): %s"
                             % (what, ldb_msg(e)))
    except BaseException:
        samdb.transaction_cancel()
        raise
    samdb.transaction_commit()


def do_standalone(samdb, lp, opts, rep):
    _check_schema_master(samdb)
    schemamod.apply_schema(samdb, rep, dry_run=opts.dry_run)
    n = _names(samdb, lp, opts)
    dns_name = orgmod.server_dns_name(samdb, lp)
    w = orgmod.ObjectWriter(samdb, rep, dry_run=opts.dry_run)
    org_objs = orgmod.org_objects(n)
    split = [i for i, o in enumerate(org_objs) if o[0] == "Address Lists Container"][0]

    def body():
        rep.step('Create the organization "%s" and the administrative group "%s"'
                 % (n.organization, n.admin_group))
        for label, dn, attrs in org_objs[:split]:
            w.ensure(label, dn, attrs)
        rep.info(w.summary())
        rep.step("Register server %s and its mailbox store" % n.server_name)
        for label, dn, attrs in orgmod.server_objects(n, dns_name):
            w.ensure(label, dn, attrs)
        rep.info(w.summary())
        rep.step("Create the address lists (All Address Lists, Default Global Address List, "
                 "All Users, All Groups, All Contacts)")
        for label, dn, attrs in org_objs[split:]:
            w.ensure(label, dn, attrs)
        for dn, attr, value in orgmod.root_links(n)[:2]:
            w.ensure_value(dn, attr, value)
        rep.info(w.summary())
        rep.step("Create the address and display templates (en 0x409, fr 0x40c, de 0x407)")
        for label, dn, attrs in orgmod.template_objects(n):
            w.ensure(label, dn, attrs)
        for dn, attr, value in orgmod.root_links(n)[2:]:
            w.ensure_value(dn, attr, value)
        rep.info(w.summary())
        rep.step("Register %s as the main server" % n.server_name)
        _register_main(samdb, n, w, rep, opts.dry_run)

    if opts.dry_run:
        body()
    else:
        _run_transaction(samdb, body, "creating the organization's objects")


def _register_main(samdb, n, w, rep, dry_run):
    main, mdb = orgmod.main_server(samdb, n) if exists(samdb, n.ag) else (None, None)
    if main and main.upper() != n.server_name:
        rep.info("the main server is already %s; keeping it (%s stays an additional server)"
                 % (main, n.server_name))
        return
    changed = False
    for dn, attr, value in orgmod.main_server_values(n):
        changed |= w.ensure_value(dn, attr, value, replace=True)
    rep.info("%s %s the main server of %s" % (
        n.server_name, ("would become" if dry_run else "is now") if changed else "already is",
        n.admin_group))
    w.summary()


def do_additional(samdb, lp, opts, rep):
    existing = orgmod.require_organization(samdb, opts.organization, opts.ou)
    n = orgmod.Names(samdb, existing.organization, existing.admin_group, lp.get("netbios name"))
    dns_name = orgmod.server_dns_name(samdb, lp)
    w = orgmod.ObjectWriter(samdb, rep, dry_run=opts.dry_run)

    def body():
        rep.step('Register server %s in the organization "%s" (%s)'
                 % (n.server_name, n.organization, n.admin_group))
        for label, dn, attrs in orgmod.server_objects(n, dns_name):
            w.ensure(label, dn, attrs)
        rep.info(w.summary())
        main, _ = orgmod.main_server(samdb, n)
        rep.info("main server: %s" % (main or "none registered"))

    if opts.dry_run:
        body()
    else:
        _run_transaction(samdb, body, "registering the server")


def _users_homed_under(samdb, n, server_only=False):
    """Recipients whose mailbox attributes point into the organization (or
    into this server)."""
    base = n.server if server_only else n.org
    ldn_prefix = (n.server_ldn if server_only else n.org_ldn).lower()
    out = []
    res = samdb.search(base=samdb.domain_dn(), scope=ldb.SCOPE_SUBTREE,
                       expression="(|(homeMDB=*)(homeMTA=*)(msExchHomeServerName=*)(showInAddressBook=*))",
                       attrs=["homeMDB", "homeMTA", "msExchHomeServerName", "showInAddressBook",
                              "sAMAccountName"])
    for m in res:
        changes = {}
        for attr in ("homeMDB", "homeMTA", "showInAddressBook"):
            vals = [v for v in values(m, attr) if _dn_under(samdb, v, base)]
            if vals:
                changes[attr] = vals
        hs = first(m, "msExchHomeServerName")
        if hs and (hs.lower() == ldn_prefix or hs.lower().startswith(ldn_prefix + "/")):
            changes["msExchHomeServerName"] = [hs]
        if changes:
            out.append((m.dn, first(m, "sAMAccountName"), changes))
    return out


def _dn_under(samdb, value, base):
    try:
        return ldb.Dn(samdb, value).is_child_of(ldb.Dn(samdb, base))
    except (ValueError, ldb.LdbError):
        return False


def do_deprovision(samdb, lp, opts, rep):
    existing = orgmod.find_organization(samdb, opts.organization, opts.ou)
    server_only = bool(opts.additional)
    if existing is None:
        rep.step("Remove the Exchange organization")
        rep.info("no Exchange organization is provisioned: nothing to remove")
        _remove_dns_if_any(samdb, lp, opts, rep)
        return
    n = orgmod.Names(samdb, existing.organization, existing.admin_group, lp.get("netbios name"))
    dry = opts.dry_run

    def body():
        homed = _users_homed_under(samdb, n, server_only)
        rep.step("Detach %d mailbox user(s) from %s"
                 % (len(homed), n.server_name if server_only else '"%s"' % n.organization))
        for dn, sam, changes in homed:
            rep.detail("%s %s: %s" % ("would clear" if dry else "clearing", sam or dn,
                                      ", ".join(sorted(changes))))
            if not dry:
                m = ldb.Message()
                m.dn = dn
                for attr, vals in changes.items():
                    m[attr] = ldb.MessageElement(vals, ldb.FLAG_MOD_DELETE, attr)
                samdb.modify(m)
        if server_only:
            rep.step("Remove server %s" % n.server_name)
            main, _ = orgmod.main_server(samdb, n)
            if main and main.upper() == n.server_name:
                rep.info("%s was the main server: the administrative group has none now"
                         % n.server_name)
                if not dry:
                    m = ldb.Message()
                    m.dn = ldb.Dn(samdb, n.ag)
                    for attr in ("homeMDB", "msExchHomeServerName"):
                        m[attr] = ldb.MessageElement([], ldb.FLAG_MOD_DELETE, attr)
                    samdb.modify(m)
            _delete_tree(samdb, n.server, rep, dry, "server %s" % n.server_name)
            return
        rep.step('Remove the organization "%s"' % n.organization)
        ex = samdb.search(base=n.exchange, scope=ldb.SCOPE_BASE,
                          attrs=["addressBookRoots", "globalAddressList", "templateRoots"])[0]
        m = ldb.Message()
        m.dn = ldb.Dn(samdb, n.exchange)
        for attr in ("addressBookRoots", "globalAddressList", "templateRoots"):
            vals = [v for v in values(ex, attr) if _dn_under(samdb, v, n.org)]
            if vals:
                m[attr] = ldb.MessageElement(vals, ldb.FLAG_MOD_DELETE, attr)
        if len(m) > 0 and not dry:
            samdb.modify(m)
        _delete_tree(samdb, n.org, rep, dry, "organization %s" % n.organization)
        others = samdb.search(base=n.exchange, scope=ldb.SCOPE_ONELEVEL, attrs=["cn"])
        others = [o for o in others if not (dry and str(o.dn).lower() == n.org.lower())]
        if not others:
            rep.info("%s CN=Microsoft Exchange" % ("would remove" if dry else "removing"))
            if not dry:
                samdb.delete(n.exchange)
        else:
            rep.info("CN=Microsoft Exchange kept: it holds %d other object(s)" % len(others))

    if dry:
        body()
    else:
        _run_transaction(samdb, body, "deprovisioning")
    _remove_dns_if_any(samdb, lp, opts, rep)


def _delete_tree(samdb, dn, rep, dry, label):
    count = len(samdb.search(base=dn, scope=ldb.SCOPE_SUBTREE, attrs=["cn"]))
    rep.info("%s %s (%d object(s))" % ("would remove" if dry else "removing", label, count))
    if not dry:
        samdb.delete(dn, ["tree_delete:1"])


def _remove_dns_if_any(samdb, lp, opts, rep):
    if is_remote_url(opts.url) or opts.additional:
        return
    target = opts.autodiscover_target or orgmod.server_dns_name(samdb, lp)
    domain = samdb.domain_dns_name()
    if any(ok for _d, ok, _n in dnsmod.check_records(samdb, domain, target)):
        rep.step("Remove the autodiscover DNS records")
        removed = dnsmod.remove_records(samdb, domain, target, rep, opts.dry_run)
        rep.info("%d record(s) %s" % (removed, "to remove" if opts.dry_run else "removed"))


def do_dns(samdb, lp, opts, rep):
    if is_remote_url(opts.url):
        raise ProvisionError("--autodiscover-dns needs the local sam.ldb; on a remote DC use "
                             "'samba-tool dns add' (CNAME autodiscover, SRV _autodiscover._tcp)")
    target = opts.autodiscover_target or orgmod.server_dns_name(samdb, lp)
    domain = samdb.domain_dns_name()
    rep.step("Add the autodiscover DNS records (autodiscover.%s -> %s)" % (domain, target))

    def body():
        added, present = dnsmod.ensure_records(samdb, domain, target, rep, opts.dry_run)
        rep.info("%d %s, %d already present" % (added, "to add" if opts.dry_run else "added", present))

    if opts.dry_run:
        body()
    else:
        _run_transaction(samdb, body, "adding the DNS records")


def do_check(parser, opts, lp, rep):
    results = []
    samdb = open_samdb(parser, opts, lp)
    results += schemamod.check_schema(samdb)
    n = _names(samdb, lp, opts)
    exists_cache = {}

    def present(dn):
        if dn not in exists_cache:
            exists_cache[dn] = exists(samdb, dn)
        return exists_cache[dn]

    for label, dn, _attrs in orgmod.org_objects(n) + orgmod.server_objects(n, "") + \
            orgmod.template_objects(n):
        results.append((label, present(dn), None))
    for dn, attr, value in orgmod.root_links(n):
        cur = samdb.search(base=dn, scope=ldb.SCOPE_BASE, attrs=[attr]) if present(dn) else []
        ok = bool(cur) and any(v.lower() == value.lower() for v in values(cur[0], attr))
        results.append(("%s of CN=Microsoft Exchange" % attr, ok, None))
    main = None
    if present(n.ag):
        main, _ = orgmod.main_server(samdb, n)
    results.append(("main server registered", bool(main), "main server: %s" % main if main else None))
    if opts.autodiscover_dns:
        target = opts.autodiscover_target or orgmod.server_dns_name(samdb, lp)
        results += dnsmod.check_records(samdb, samdb.domain_dns_name(), target)
    if opts.openchangedb:
        uri = opts.openchangedb_uri or openchangedb.uri_from_smbconf(lp)
        if uri:
            results += openchangedb.check(uri, opts.migrations_dir)
        else:
            results.append(("openchangedb URI configured", False,
                            "give --openchangedb-uri or set mapiproxy:openchangedb"))
    missing = [r for r in results if not r[1]]
    print('Exchange organization "%s", administrative group "%s", server %s'
          % (n.organization, n.admin_group, n.server_name))
    for desc, ok, note in results:
        if opts.verbose or not ok or note:
            print("  [%s] %s%s" % ("OK" if ok else "MISSING", desc, (" - " + note) if note else ""))
    print("%d of %d items provisioned%s" % (len(results) - len(missing), len(results),
                                           "" if missing else ": complete"))
    return EXIT_INCOMPLETE if missing else EXIT_OK
