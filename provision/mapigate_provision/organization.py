"""The Exchange configuration objects of an organization and of a server.

Layout (in the configuration partition; see provision/schema/20-*.ldif):

 CN=Microsoft Exchange,CN=Services,<config>     addressBookRoots, globalAddressList,
  |                                             templateRoots point into the organization
  CN=<organization>                             legacyExchangeDN /o=<organization>
   CN=Administrative Groups
    CN=<administrative group>                   /o=<org>/ou=<ag>; homeMDB and
     |                                          msExchHomeServerName name the MAIN server
     CN=Servers
      CN=<SERVER>                               /o=<org>/ou=<ag>/cn=Configuration/cn=Servers/cn=<SERVER>
       CN=InformationStore
        CN=First Storage Group
         CN=Mailbox Store (<SERVER>)            users' homeMDB
         CN=Public Folder Store (<SERVER>)
     CN=Recipients                              /o=<org>/ou=<ag>/cn=Recipients (users' legacyExchangeDN base)
   CN=Address Lists Container
    CN=All Address Lists                        (addressBookRoots)
     CN=All Users / All Groups / All Contacts   purportedSearch filters
    CN=All Global Address Lists
     CN=Default Global Address List             (globalAddressList)
   CN=Addressing                                (templateRoots)
    CN=Address-Templates / CN=<LCID hex> / CN=SMTP            addressTemplate
    CN=Display-Templates / CN=<LCID hex> / CN=0|1|6           displayTemplate
"""

import ldb

from . import templates
from .common import (ProvisionError, escape_rdn_value, exists, first, get_object,
                     values, EXIT_NOT_FOUND)

SERVER_SERIAL = "Version 15.0 (Build 1497.2)"   # what Exchange-aware tools read

# purportedSearch filters (RFC 4515) of the address lists.
FILTER_USERS = "(&(mailNickname=*)(objectCategory=person)(objectClass=user)(!(msExchHideFromAddressLists=TRUE)))"
FILTER_GROUPS = "(&(mailNickname=*)(objectCategory=group)(!(msExchHideFromAddressLists=TRUE)))"
FILTER_CONTACTS = "(&(mailNickname=*)(objectCategory=person)(objectClass=contact)(!(msExchHideFromAddressLists=TRUE)))"
FILTER_GAL = ("(&(mailNickname=*)(!(msExchHideFromAddressLists=TRUE))"
              "(|(&(objectCategory=person)(objectClass=user)(|(homeMDB=*)(msExchHomeServerName=*)))"
              "(&(objectCategory=person)(objectClass=contact))(objectCategory=group)))")


def _child(parent, rdn_attr, value):
    return "%s=%s,%s" % (rdn_attr, escape_rdn_value(value), parent)


class Names:
    """DNs and legacyExchangeDNs of one organization / administrative group /
    server."""

    def __init__(self, samdb, organization, admin_group, server):
        self.samdb = samdb
        self.organization = organization
        self.admin_group = admin_group
        self.server_name = server.upper() if server else None
        self.config = str(samdb.get_config_basedn())
        self.domain = str(samdb.domain_dn())
        self.exchange = "CN=Microsoft Exchange,CN=Services," + self.config
        self.org = _child(self.exchange, "CN", organization)
        self.ag_container = "CN=Administrative Groups," + self.org
        self.ag = _child(self.ag_container, "CN", admin_group)
        self.servers = "CN=Servers," + self.ag
        self.recipients = "CN=Recipients," + self.ag
        self.alc = "CN=Address Lists Container," + self.org
        self.all_lists = "CN=All Address Lists," + self.alc
        self.all_gals = "CN=All Global Address Lists," + self.alc
        self.gal = "CN=Default Global Address List," + self.all_gals
        self.addressing = "CN=Addressing," + self.org
        self.address_templates = "CN=Address-Templates," + self.addressing
        self.display_templates = "CN=Display-Templates," + self.addressing
        self.org_ldn = "/o=" + organization
        self.ag_ldn = self.org_ldn + "/ou=" + admin_group
        self.recipients_ldn = self.ag_ldn + "/cn=Recipients"
        if self.server_name:
            self.set_server(self.server_name)

    def set_server(self, server):
        s = server.upper()
        self.server_name = s
        self.server = _child(self.servers, "CN", s)
        self.infostore = "CN=InformationStore," + self.server
        self.storage_group = "CN=First Storage Group," + self.infostore
        self.private_mdb = _child(self.storage_group, "CN", "Mailbox Store (%s)" % s)
        self.public_mdb = _child(self.storage_group, "CN", "Public Folder Store (%s)" % s)
        self.server_ldn = self.ag_ldn + "/cn=Configuration/cn=Servers/cn=" + s
        self.private_mdb_ldn = self.server_ldn + "/cn=Microsoft Private MDB"
        self.public_mdb_ldn = self.server_ldn + "/cn=Microsoft Public MDB"

    def address_lists(self):
        return {
            "All Users": _child(self.all_lists, "CN", "All Users"),
            "All Groups": _child(self.all_lists, "CN", "All Groups"),
            "All Contacts": _child(self.all_lists, "CN", "All Contacts"),
        }


def server_dns_name(samdb, lp):
    try:
        res = samdb.search(base="", scope=ldb.SCOPE_BASE, attrs=["dnsHostName"])
        name = first(res[0], "dnsHostName") if len(res) else None
    except ldb.LdbError:
        name = None
    if not name:
        name = "%s.%s" % (lp.get("netbios name").lower(), (lp.get("realm") or "").lower())
    return name


def org_objects(n):
    """Objects of the organization itself (not server specific), in order."""
    lists = n.address_lists()
    objs = [
        ("Microsoft Exchange container", n.exchange, {"objectClass": "msExchConfigurationContainer"}),
        ("organization", n.org, {"objectClass": "msExchOrganizationContainer",
                                 "legacyExchangeDN": n.org_ldn}),
        ("Administrative Groups", n.ag_container, {"objectClass": "msExchAdminGroupContainer"}),
        ("administrative group", n.ag, {"objectClass": "msExchAdminGroup",
                                        "legacyExchangeDN": n.ag_ldn}),
        ("Servers container", n.servers, {"objectClass": "msExchServersContainer"}),
        ("Recipients container", n.recipients, {"objectClass": "msExchContainer",
                                                "legacyExchangeDN": n.recipients_ldn}),
        ("Address Lists Container", n.alc, {"objectClass": "msExchContainer"}),
        ("All Address Lists", n.all_lists, {"objectClass": "addressBookContainer",
                                            "displayName": "All Address Lists"}),
        ("All Users", lists["All Users"], {"objectClass": "addressBookContainer",
                                           "displayName": "All Users",
                                           "purportedSearch": FILTER_USERS}),
        ("All Groups", lists["All Groups"], {"objectClass": "addressBookContainer",
                                             "displayName": "All Groups",
                                             "purportedSearch": FILTER_GROUPS}),
        ("All Contacts", lists["All Contacts"], {"objectClass": "addressBookContainer",
                                                 "displayName": "All Contacts",
                                                 "purportedSearch": FILTER_CONTACTS}),
        ("All Global Address Lists", n.all_gals, {"objectClass": "addressBookContainer",
                                                  "displayName": "All Global Address Lists"}),
        ("Default Global Address List", n.gal, {"objectClass": "addressBookContainer",
                                                "displayName": "Default Global Address List",
                                                "purportedSearch": FILTER_GAL}),
    ]
    return objs


def template_objects(n):
    objs = [
        ("Addressing", n.addressing, {"objectClass": "msExchContainer"}),
        ("Address-Templates", n.address_templates, {"objectClass": "container"}),
        ("Display-Templates", n.display_templates, {"objectClass": "container"}),
    ]
    for lcid, loc in templates.LOCALES.items():
        lc = "%x" % lcid
        adir = _child(n.address_templates, "CN", lc)
        ddir = _child(n.display_templates, "CN", lc)
        objs.append(("address templates %s (%s)" % (lc, loc["tag"]), adir, {"objectClass": "container"}))
        for name, spec in loc["address"].items():
            attrs = {"objectClass": "addressTemplate", "displayName": spec["displayName"],
                     "addressType": spec["addressType"]}
            objs.append(("address template %s/%s" % (lc, name), _child(adir, "CN", name), attrs))
        objs.append(("display templates %s (%s)" % (lc, loc["tag"]), ddir, {"objectClass": "container"}))
        for name, spec in loc["display"].items():
            attrs = {"objectClass": "displayTemplate", "displayName": spec["displayName"]}
            objs.append(("display template %s/%s" % (lc, name), _child(ddir, "CN", name), attrs))
    return objs


def server_objects(n, dns_name):
    s = n.server_name
    return [
        ("server %s" % s, n.server, {
            "objectClass": "msExchExchangeServer",
            "legacyExchangeDN": n.server_ldn,
            "serialNumber": SERVER_SERIAL,
            "networkAddress": ["ncacn_ip_tcp:%s" % dns_name, "ncalrpc:%s" % s,
                               "netbios:%s" % s],
        }),
        ("information store of %s" % s, n.infostore, {"objectClass": "msExchInformationStore"}),
        ("storage group of %s" % s, n.storage_group, {"objectClass": "msExchStorageGroup"}),
        ("mailbox store of %s" % s, n.private_mdb, {"objectClass": "msExchPrivateMDB",
                                                   "legacyExchangeDN": n.private_mdb_ldn}),
        ("public folder store of %s" % s, n.public_mdb, {"objectClass": "msExchPublicMDB",
                                                        "legacyExchangeDN": n.public_mdb_ldn}),
    ]


def root_links(n):
    """Values on CN=Microsoft Exchange pointing to the address book roots."""
    return [
        (n.exchange, "addressBookRoots", n.all_lists),
        (n.exchange, "globalAddressList", n.gal),
        (n.exchange, "templateRoots", n.addressing),
    ]


def main_server_values(n):
    return [(n.ag, "homeMDB", n.private_mdb), (n.ag, "msExchHomeServerName", n.server_ldn)]


class ObjectWriter:
    """Creates objects that are missing and adds attribute values that are
    missing; never duplicates, never overwrites what an administrator changed
    (except the main-server registration, which is single valued)."""

    def __init__(self, samdb, reporter, dry_run=False):
        self.samdb = samdb
        self.reporter = reporter
        self.dry_run = dry_run
        self.added = 0
        self.present = 0
        self.updated = 0

    def ensure(self, label, dn, attrs):
        cur = get_object(self.samdb, dn)
        if cur is None:
            self.added += 1
            self.reporter.detail(("would add " if self.dry_run else "adding ") + label)
            if not self.dry_run:
                msg = {"dn": dn}
                msg.update(attrs)
                self.samdb.add(msg)
            return
        self.present += 1
        missing = ldb.Message()
        missing.dn = ldb.Dn(self.samdb, dn)
        for attr, val in attrs.items():
            if attr == "objectClass":
                classes = {v.lower() for v in values(cur, "objectClass")}
                if val.lower() not in classes:
                    raise ProvisionError("%s exists but is not a %s" % (dn, val))
                continue
            vals = val if isinstance(val, list) else [val]
            have = {v.lower() for v in values(cur, attr)}
            add = [v for v in vals if v.lower() not in have]
            if add and (attr not in cur or isinstance(val, list)):
                missing[attr] = ldb.MessageElement(add, ldb.FLAG_MOD_ADD, attr)
        if len(missing) > 0:
            self.updated += 1
            self.reporter.detail(("would complete " if self.dry_run else "completing ") + label)
            if not self.dry_run:
                self.samdb.modify(missing)
        else:
            self.reporter.detail("present: " + label)

    def ensure_value(self, dn, attr, value, replace=False):
        cur = get_object(self.samdb, dn, [attr])
        have = values(cur, attr) if cur is not None else []
        if any(v.lower() == value.lower() for v in have):
            self.present += 1
            return False
        self.updated += 1
        self.reporter.detail(("would set " if self.dry_run else "setting ") + "%s on %s" % (attr, dn))
        if not self.dry_run:
            m = ldb.Message()
            m.dn = ldb.Dn(self.samdb, dn)
            flag = ldb.FLAG_MOD_REPLACE if replace else ldb.FLAG_MOD_ADD
            m[attr] = ldb.MessageElement([value], flag, attr)
            self.samdb.modify(m)
        return True

    def summary(self):
        verb = "to add" if self.dry_run else "added"
        text = "%d %s, %d already present" % (self.added, verb, self.present)
        if self.updated:
            text += ", %d value(s) %s" % (self.updated, "to set" if self.dry_run else "set")
        self.added = self.present = self.updated = 0
        return text


def find_organization(samdb, organization=None, admin_group=None):
    """Locate an existing organization/administrative group. Returns Names
    without a server, or None when nothing is provisioned."""
    exch = "CN=Microsoft Exchange,CN=Services," + str(samdb.get_config_basedn())
    if not exists(samdb, exch):
        return None
    if organization is None:
        res = samdb.search(base=exch, scope=ldb.SCOPE_ONELEVEL,
                           expression="(objectClass=msExchOrganizationContainer)",
                           attrs=["cn"])
        if len(res) == 0:
            return None
        if len(res) > 1:
            raise ProvisionError("several Exchange organizations exist (%s): choose one with "
                                 "--organization" % ", ".join(first(m, "cn") for m in res))
        organization = first(res[0], "cn")
    n = Names(samdb, organization, admin_group or "x", None)
    if not exists(samdb, n.org):
        return None
    if admin_group is None:
        try:
            res = samdb.search(base=n.ag_container, scope=ldb.SCOPE_ONELEVEL,
                               expression="(objectClass=msExchAdminGroup)", attrs=["cn"])
        except ldb.LdbError:
            res = []
        if len(res) == 0:
            return None
        if len(res) > 1:
            raise ProvisionError("several administrative groups exist (%s): choose one with --ou"
                                 % ", ".join(first(m, "cn") for m in res))
        admin_group = first(res[0], "cn")
    n = Names(samdb, organization, admin_group, None)
    if not exists(samdb, n.ag):
        return None
    return n


def require_organization(samdb, organization=None, admin_group=None):
    n = find_organization(samdb, organization, admin_group)
    if n is None:
        raise ProvisionError("no Exchange organization is provisioned in this directory: "
                             "run 'openchange_provision --standalone' first", EXIT_NOT_FOUND)
    return n


def main_server(samdb, n):
    """(server name, private MDB DN) registered as main server of the
    administrative group, or (None, None)."""
    ag = get_object(samdb, n.ag, ["homeMDB", "msExchHomeServerName"])
    ldn = first(ag, "msExchHomeServerName")
    mdb = first(ag, "homeMDB")
    if not ldn:
        return None, None
    return ldn.rsplit("/cn=", 1)[-1], mdb


def list_servers(samdb, n):
    try:
        res = samdb.search(base=n.servers, scope=ldb.SCOPE_ONELEVEL,
                           expression="(objectClass=msExchExchangeServer)", attrs=["cn"])
    except ldb.LdbError:
        return []
    return sorted(first(m, "cn") for m in res)
