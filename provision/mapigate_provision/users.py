"""Mailbox users: the Exchange attributes mapigate reads on an AD user.

A mailbox user has (openchange_newuser --create):
  mailNickname                 alias (= sAMAccountName unless already set)
  mail, proxyAddresses         primary "SMTP:addr" (exactly one), aliases "smtp:addr"
  displayName                  set from givenName/sn or cn when missing
  legacyExchangeDN             <Recipients container's legacyExchangeDN>/cn=<alias>
  homeMDB                      the mailbox store (msExchPrivateMDB) of the home server
  homeMTA                      the home server object
  msExchHomeServerName         legacyExchangeDN of the home server
  msExchMailboxGuid            random GUID, 16 bytes (set once, never changed)
  msExchUserAccountControl     0 enabled / 2 disabled
  msExchRecipientTypeDetails   1 (UserMailbox)
  msExchRecipientDisplayType   1073741824 (ACL-able mailbox user)
  showInAddressBook            Default Global Address List and All Users
  msExchHideFromAddressLists   TRUE when hidden (then no showInAddressBook)
"""

import re
import uuid

import ldb

from . import organization as orgmod
from .common import (EXIT_NOT_FOUND, EXIT_USAGE, ProvisionError, first, get_object,
                     schema_has_attribute, values)

RECIPIENT_TYPE_USER_MAILBOX = "1"
RECIPIENT_DISPLAY_TYPE_MAILBOX = "1073741824"
UAC_ENABLED = "0"
UAC_DISABLED = "2"

MAILBOX_ATTRS = ["mailNickname", "legacyExchangeDN", "proxyAddresses", "homeMDB", "homeMTA",
                 "msExchHomeServerName", "msExchMailboxGuid", "msExchUserAccountControl",
                 "msExchRecipientTypeDetails", "msExchRecipientDisplayType",
                 "msExchHideFromAddressLists", "showInAddressBook",
                 "msExchMailboxSecurityDescriptor", "publicDelegates"]
READ_ATTRS = MAILBOX_ATTRS + ["sAMAccountName", "mail", "displayName", "givenName", "sn", "cn",
                              "userAccountControl"]

ADDR_RE = re.compile(r"^[^@\s:]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+$|^[^@\s:]+@[A-Za-z0-9-]+$")


def check_address(addr):
    if not addr or not ADDR_RE.match(addr):
        raise ProvisionError("invalid e-mail address %r" % addr, EXIT_USAGE)
    return addr


def require_schema(samdb):
    if not schema_has_attribute(samdb, "msExchMailboxGuid"):
        raise ProvisionError("the directory has no Exchange schema: run "
                             "'openchange_provision --standalone' first", EXIT_NOT_FOUND)


def find_user(samdb, username):
    res = samdb.search(base=samdb.domain_dn(), scope=ldb.SCOPE_SUBTREE,
                       expression="(&(objectClass=user)(!(objectClass=computer))(sAMAccountName=%s))"
                       % ldb.binary_encode(username), attrs=READ_ATTRS)
    if len(res) == 0:
        raise ProvisionError("user '%s' not found in the directory (create it first, e.g. "
                             "'samba-tool user create %s')" % (username, username), EXIT_NOT_FOUND)
    return res[0]


def is_mailbox(user):
    return first(user, "homeMDB") is not None


def proxy_primary(proxies, addr):
    """Make addr the primary SMTP address: the old primary becomes an alias."""
    out = []
    for p in proxies:
        if p.lower() == "smtp:" + addr.lower():
            continue
        if p.startswith("SMTP:"):
            p = "smtp:" + p[5:]
        out.append(p)
    return ["SMTP:" + addr] + out


def proxy_add_alias(proxies, addr):
    if any(p.lower() == "smtp:" + addr.lower() for p in proxies):
        return list(proxies)
    return list(proxies) + ["smtp:" + addr]


def proxy_remove_alias(proxies, addr):
    return [p for p in proxies if not (p.startswith("smtp:") and p.lower() == "smtp:" + addr.lower())]


def primary_of(proxies):
    for p in proxies:
        if p.startswith("SMTP:"):
            return p[5:]
    return None


def address_owner(samdb, addr, exclude_dn):
    """Another recipient already using addr (as mail or proxy address)?"""
    e = ldb.binary_encode(addr)
    res = samdb.search(base=samdb.domain_dn(), scope=ldb.SCOPE_SUBTREE,
                       expression="(|(mail=%s)(proxyAddresses=smtp:%s))" % (e, e),
                       attrs=["sAMAccountName", "cn"])
    for m in res:
        if str(m.dn).lower() != str(exclude_dn).lower():
            return first(m, "sAMAccountName") or first(m, "cn")
    return None


class Home:
    """The server/store a new mailbox goes to."""

    def __init__(self, samdb, names, server=None):
        if server is None:
            main, mdb = orgmod.main_server(samdb, names)
            server = main
        if server is None:
            servers = orgmod.list_servers(samdb, names)
            if not servers:
                raise ProvisionError("no server is registered in %s: run openchange_provision "
                                     "--standalone or --additional" % names.admin_group, EXIT_NOT_FOUND)
            server = servers[0]
        names.set_server(server)
        srv = get_object(samdb, names.server, ["legacyExchangeDN"])
        if srv is None or get_object(samdb, names.private_mdb, ["cn"]) is None:
            raise ProvisionError("server %s has no mailbox store in %s" % (server, names.admin_group),
                                 EXIT_NOT_FOUND)
        self.server = names.server
        self.server_ldn = first(srv, "legacyExchangeDN") or names.server_ldn
        self.mdb = names.private_mdb
        rc = get_object(samdb, names.recipients, ["legacyExchangeDN"])
        self.recipients_ldn = first(rc, "legacyExchangeDN") or names.recipients_ldn
        self.address_books = [names.gal, names.address_lists()["All Users"]]


class Change:
    """Accumulates attribute replacements/deletions for one modify."""

    def __init__(self, samdb, user):
        self.samdb = samdb
        self.user = user
        self.msg = ldb.Message()
        self.msg.dn = user.dn
        self.notes = []

    def set(self, attr, vals, flag=ldb.FLAG_MOD_REPLACE):
        """Set the element for attr (an ldb.Message refuses reassignment)."""
        if attr in self.msg:
            del self.msg[attr]
        self.msg[attr] = ldb.MessageElement(vals, flag, attr)

    def pending(self, attr):
        """Values attr will have after this change (or has now)."""
        if attr in self.msg:
            el = self.msg[attr]
            return [] if el.flags() == ldb.FLAG_MOD_DELETE else [str(v) for v in el]
        return values(self.user, attr)

    def replace(self, attr, vals, note=None):
        vals = vals if isinstance(vals, list) else [vals]
        if attr not in self.msg and values(self.user, attr) == [str(v) for v in vals]:
            return
        self.set(attr, vals)
        if note:
            self.notes.append(note)

    def delete(self, attr, note=None):
        if attr in self.user and len(self.user[attr]):
            self.set(attr, [], ldb.FLAG_MOD_DELETE)
            if note:
                self.notes.append(note)

    def empty(self):
        return len(self.msg) == 0

    def apply(self, dry_run):
        if not self.empty() and not dry_run:
            self.samdb.modify(self.msg)


def mail_domain(lp, opts_domain=None):
    if opts_domain:
        return opts_domain.lower()
    realm = lp.get("realm") or ""
    if not realm:
        raise ProvisionError("no realm in smb.conf: give --mail or --mail-domain", EXIT_USAGE)
    return realm.lower()


def create(samdb, lp, user, home, opts):
    """Mailbox-enable user (idempotent). Returns a Change."""
    ch = Change(samdb, user)
    sam = first(user, "sAMAccountName")
    alias = first(user, "mailNickname") or sam
    if not first(user, "mailNickname"):
        ch.replace("mailNickname", alias, "alias %s" % alias)
    if not first(user, "displayName"):
        dn_ = " ".join(x for x in (first(user, "givenName"), first(user, "sn")) if x) or first(user, "cn")
        ch.replace("displayName", dn_, "display name %s" % dn_)
    proxies = values(user, "proxyAddresses")
    addr = opts.mail or first(user, "mail") or primary_of(proxies) or \
        "%s@%s" % (sam.lower(), mail_domain(lp, opts.mail_domain))
    check_address(addr)
    _set_primary(samdb, user, ch, proxies, addr)
    if not first(user, "legacyExchangeDN"):
        ldn = "%s/cn=%s" % (home.recipients_ldn, alias)
        ch.replace("legacyExchangeDN", ldn, "legacyExchangeDN %s" % ldn)
    explicit_server = getattr(opts, "server", None)
    if not first(user, "homeMDB") or explicit_server:
        ch.replace("homeMDB", home.mdb, "mailbox store %s" % home.mdb.split(",")[0][3:])
        ch.replace("homeMTA", home.server)
        ch.replace("msExchHomeServerName", home.server_ldn)
    else:
        if not first(user, "homeMTA"):
            ch.replace("homeMTA", home.server)
        if not first(user, "msExchHomeServerName"):
            ch.replace("msExchHomeServerName", home.server_ldn)
    if first(user, "msExchUserAccountControl") is None:
        ch.replace("msExchUserAccountControl", UAC_ENABLED, "mailbox enabled")
    if first(user, "msExchRecipientTypeDetails") is None:
        ch.replace("msExchRecipientTypeDetails", RECIPIENT_TYPE_USER_MAILBOX)
    if first(user, "msExchRecipientDisplayType") is None:
        ch.replace("msExchRecipientDisplayType", RECIPIENT_DISPLAY_TYPE_MAILBOX)
    if "msExchMailboxGuid" not in user or len(user["msExchMailboxGuid"]) == 0:
        g = uuid.uuid4()
        ch.set("msExchMailboxGuid", [g.bytes_le])
        ch.notes.append("mailbox GUID %s" % g)
    if first(user, "msExchHideFromAddressLists", "FALSE").upper() != "TRUE" and \
            not getattr(opts, "hide", False):
        _show(user, ch, home)
    return ch


def _set_primary(samdb, user, ch, proxies, addr):
    other = address_owner(samdb, addr, user.dn)
    if other:
        raise ProvisionError("address %s is already used by %s" % (addr, other))
    new = proxy_primary(proxies, addr)
    if new != proxies:
        ch.replace("proxyAddresses", new, "primary address SMTP:%s" % addr)
    if first(user, "mail") != addr:
        ch.replace("mail", addr, "mail %s" % addr)


def _show(user, ch, home):
    have = values(user, "showInAddressBook")
    want = list(have)
    for d in home.address_books:
        if not any(h.lower() == d.lower() for h in have):
            want.append(d)
    if want != have:
        ch.replace("showInAddressBook", want, "listed in the address book")


def set_primary_mail(samdb, user, addr):
    check_address(addr)
    ch = Change(samdb, user)
    _set_primary(samdb, user, ch, values(user, "proxyAddresses"), addr)
    return ch


def add_alias(samdb, user, addr, ch=None):
    check_address(addr)
    ch = ch or Change(samdb, user)
    other = address_owner(samdb, addr, user.dn)
    if other:
        raise ProvisionError("address %s is already used by %s" % (addr, other))
    proxies = ch.pending("proxyAddresses")
    if primary_of(proxies) and primary_of(proxies).lower() == addr.lower():
        raise ProvisionError("%s is the primary address of %s" % (addr, first(user, "sAMAccountName")))
    new = proxy_add_alias(proxies, addr)
    if new != proxies:
        ch.set("proxyAddresses", new)
        ch.notes.append("alias smtp:%s" % addr)
    return ch


def remove_alias(samdb, user, addr, ch=None):
    ch = ch or Change(samdb, user)
    proxies = ch.pending("proxyAddresses")
    new = proxy_remove_alias(proxies, addr)
    if new != proxies:
        ch.set("proxyAddresses", new)
        ch.notes.append("alias smtp:%s removed" % addr)
    return ch


def set_enabled(samdb, user, enabled):
    ch = Change(samdb, user)
    ch.replace("msExchUserAccountControl", UAC_ENABLED if enabled else UAC_DISABLED,
               "mailbox %s" % ("enabled" if enabled else "disabled"))
    return ch


def set_hidden(samdb, user, hidden, home_books, org_dn):
    ch = Change(samdb, user)
    if hidden:
        ch.replace("msExchHideFromAddressLists", "TRUE", "hidden from address lists")
        keep = [v for v in values(user, "showInAddressBook") if not _under(samdb, v, org_dn)]
        if keep != values(user, "showInAddressBook"):
            if keep:
                ch.replace("showInAddressBook", keep)
            else:
                ch.delete("showInAddressBook")
    else:
        ch.delete("msExchHideFromAddressLists", "shown in address lists")
        have = values(user, "showInAddressBook")
        want = have + [d for d in home_books if not any(h.lower() == d.lower() for h in have)]
        if want != have:
            ch.replace("showInAddressBook", want)
    return ch


def _under(samdb, dn, base):
    try:
        return ldb.Dn(samdb, dn).is_child_of(ldb.Dn(samdb, base))
    except (ValueError, ldb.LdbError):
        return False


def delete(samdb, user):
    """Remove the Exchange attributes (the AD account, mail and displayName stay)."""
    ch = Change(samdb, user)
    for attr in MAILBOX_ATTRS:
        ch.delete(attr)
    if not ch.empty():
        ch.notes.append("Exchange attributes removed: " + ", ".join(
            a for a in MAILBOX_ATTRS if a in ch.msg))
    return ch


def list_mailboxes(samdb):
    res = samdb.search(base=samdb.domain_dn(), scope=ldb.SCOPE_SUBTREE,
                       expression="(&(objectClass=user)(!(objectClass=computer))"
                                  "(|(homeMDB=*)(mailNickname=*)))",
                       attrs=READ_ATTRS)
    rows = []
    for m in res:
        proxies = values(m, "proxyAddresses")
        uac = first(m, "msExchUserAccountControl")
        rows.append({
            "user": first(m, "sAMAccountName"),
            "mail": first(m, "mail") or primary_of(proxies) or "",
            "state": ("no mailbox" if not first(m, "homeMDB") else
                      "disabled" if uac == UAC_DISABLED else "enabled"),
            "hidden": first(m, "msExchHideFromAddressLists", "FALSE").upper() == "TRUE",
            "aliases": [p[5:] for p in proxies if p.startswith("smtp:")],
            "store": (first(m, "homeMDB") or "").split(",")[0][3:],
        })
    return sorted(rows, key=lambda r: (r["user"] or "").lower())
