"""Autodiscover DNS records in Samba's own DNS store (SAMBA_INTERNAL or
BIND9_DLZ both read the dnsNode objects in the DomainDnsZones partition):

  autodiscover.<domain>            CNAME <dc host>
  _autodiscover._tcp.<domain>      SRV 0 0 443 <dc host>

Written through SamDB.dns_lookup()/dns_replace() (Samba's dsdb_dns code,
what samba_upgradedns uses), so the DC does not need to run. Existing
records are kept; ours are added only when missing.
"""

import ldb
from samba import WERRORError
from samba.ndr import ndr_pack
from samba.dcerpc import dnsp
from samba.provision.sambadns import CNAMERecord, SRVRecord

from .common import ProvisionError, ldb_msg


def _lookup(samdb, name):
    """(dnsNode DN or None, records) of a name."""
    try:
        dn, recs = samdb.dns_lookup(name)
        return dn, list(recs or [])
    except (ldb.LdbError, RuntimeError, WERRORError):
        return None, []


def _zone_dn(samdb, domain):
    base = "DC=DomainDnsZones," + str(samdb.domain_dn())
    res = samdb.search(base=base, scope=ldb.SCOPE_SUBTREE,
                       expression="(&(objectClass=dnsZone)(name=%s))" % ldb.binary_encode(domain),
                       attrs=["name"])
    if len(res) != 1:
        raise ProvisionError("DNS zone %s not found in %s (is the DNS backend SAMBA_INTERNAL "
                             "or BIND9_DLZ?)" % (domain, base))
    return res[0].dn


def _write(samdb, name, domain, dn, records):
    """Set the records of a name, creating its dnsNode when it does not exist."""
    if dn is not None:
        samdb.dns_replace_by_dn(dn, records)
        return
    rel = name[:-(len(domain) + 1)]
    msg = ldb.Message(ldb.Dn(samdb, "DC=%s,%s" % (rel, _zone_dn(samdb, domain))))
    msg["objectClass"] = ["top", "dnsNode"]
    msg["dnsRecord"] = ldb.MessageElement([ndr_pack(r) for r in records], ldb.FLAG_MOD_ADD, "dnsRecord")
    samdb.add(msg)


def _same(rec, want):
    if rec.wType != want.wType:
        return False
    if rec.wType == dnsp.DNS_TYPE_CNAME:
        return str(rec.data).rstrip(".").lower() == str(want.data).rstrip(".").lower()
    if rec.wType == dnsp.DNS_TYPE_SRV:
        return (str(rec.data.nameTarget).rstrip(".").lower()
                == str(want.data.nameTarget).rstrip(".").lower()
                and rec.data.wPort == want.data.wPort)
    return False


def planned_records(domain, target, port=443):
    return [
        ("autodiscover.%s" % domain, "CNAME %s" % target, CNAMERecord(target)),
        ("_autodiscover._tcp.%s" % domain, "SRV 0 0 %d %s" % (port, target),
         SRVRecord(target, port, priority=0, weight=0)),
    ]


def ensure_records(samdb, domain, target, reporter, dry_run=False):
    added = present = 0
    for name, text, rec in planned_records(domain, target):
        dn, recs = _lookup(samdb, name)
        current = [r for r in recs if r.wType != dnsp.DNS_TYPE_TOMBSTONE]
        if any(_same(r, rec) for r in current):
            present += 1
            reporter.detail("present: %s %s" % (name, text))
            continue
        if rec.wType == dnsp.DNS_TYPE_CNAME and current:
            reporter.warn("%s already has other DNS records; not adding a CNAME there" % name)
            continue
        if rec.wType != dnsp.DNS_TYPE_CNAME and any(r.wType == dnsp.DNS_TYPE_CNAME for r in current):
            reporter.warn("%s is a CNAME; not adding %s" % (name, text))
            continue
        added += 1
        reporter.detail(("would add " if dry_run else "adding ") + "%s %s" % (name, text))
        if not dry_run:
            try:
                _write(samdb, name, domain, dn, current + [rec])
            except Exception as e:
                raise ProvisionError("cannot write DNS record %s %s: %s" % (name, text, ldb_msg(e)))
    return added, present


def remove_records(samdb, domain, target, reporter, dry_run=False):
    removed = 0
    for name, text, rec in planned_records(domain, target):
        dn, recs = _lookup(samdb, name)
        current = [r for r in recs if r.wType != dnsp.DNS_TYPE_TOMBSTONE]
        keep = [r for r in current if not _same(r, rec)]
        if len(keep) == len(current):
            continue
        removed += 1
        reporter.detail(("would remove " if dry_run else "removing ") + "%s %s" % (name, text))
        if not dry_run:
            samdb.dns_replace_by_dn(dn, keep)
    return removed


def check_records(samdb, domain, target):
    out = []
    for name, text, rec in planned_records(domain, target):
        _dn, current = _lookup(samdb, name)
        out.append(("DNS %s %s" % (name, text), any(_same(r, rec) for r in current), None))
    return out
