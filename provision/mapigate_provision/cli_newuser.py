"""openchange_newuser: mailbox-enable AD users for mapigate."""

from . import organization as orgmod
from . import users
from .common import (EXIT_OK, EXIT_USAGE, Parser, ProvisionError, load_lp, open_samdb)

USAGE = """%prog [options] --create USER [--mail ADDR] [--alias ADDR ...]
       %prog [options] --enable|--disable|--delete USER
       %prog [options] --mail ADDR | --alias ADDR | --remove-alias ADDR | --hide | --unhide USER
       %prog [options] --list"""

DESCRIPTION = """Give an existing Active Directory user a mapigate mailbox (--create), enable
or disable it, remove its Exchange attributes (--delete: the AD account stays),
set its primary address, add aliases, hide it from the address lists, or list
the mailbox users. The mail domain defaults to the realm in lower case."""


def build_parser():
    p = Parser(USAGE, DESCRIPTION)
    p.add_option("--create", action="store_true", help="mailbox-enable USER (idempotent)")
    p.add_option("--enable", action="store_true", help="enable USER's mailbox")
    p.add_option("--disable", action="store_true", help="disable USER's mailbox")
    p.add_option("--delete", action="store_true",
                 help="remove USER's Exchange attributes (not the AD user)")
    p.add_option("--list", action="store_true", help="list the mailbox users")
    p.add_option("--mail", metavar="ADDR", help="primary SMTP address (mail, SMTP: proxy address)")
    p.add_option("--alias", metavar="ADDR", action="append", default=[],
                 help="add a secondary address (smtp: proxy address); repeatable")
    p.add_option("--remove-alias", metavar="ADDR", action="append", default=[],
                 help="remove a secondary address; repeatable")
    p.add_option("--hide", action="store_true", help="hide USER from the address lists")
    p.add_option("--unhide", action="store_true", help="show USER in the address lists again")
    p.add_option("--mail-domain", metavar="DOMAIN",
                 help="domain of generated addresses (default: the realm in lower case)")
    p.add_option("--server", metavar="NAME",
                 help="home server of a new mailbox (default: the main server)")
    p.add_option("--organization", metavar="NAME", help="organization (default: the only one)")
    p.add_option("--ou", metavar="NAME", help="administrative group (default: the only one)")
    p.add_option("--dry-run", action="store_true", help="show what would change, change nothing")
    p.add_option("-q", "--quiet", action="store_true", help="only errors")
    return p


def main(argv):
    parser = build_parser()
    opts, args = parser.parse_args(argv)
    actions = [a for a in ("create", "enable", "disable", "delete", "list") if getattr(opts, a)]
    modifiers = bool(opts.mail or opts.alias or opts.remove_alias or opts.hide or opts.unhide)
    if len(actions) > 1:
        parser.error("choose one of --create, --enable, --disable, --delete, --list")
    if opts.hide and opts.unhide:
        parser.error("--hide and --unhide exclude each other")
    if not actions and not modifiers:
        parser.print_help()
        return EXIT_USAGE
    lp = load_lp(parser)
    samdb = open_samdb(parser, opts, lp)
    users.require_schema(samdb)

    if opts.list:
        if args:
            parser.error("--list takes no user")
        return do_list(samdb)
    if len(args) != 1:
        parser.error("give exactly one user name")
    if actions and actions[0] in ("delete",) and modifiers:
        parser.error("--delete cannot be combined with address options")
    username = args[0]
    user = users.find_user(samdb, username)
    sam = users.first(user, "sAMAccountName")
    names = orgmod.require_organization(samdb, opts.organization, opts.ou)
    out = (lambda s: None) if opts.quiet else print
    action = actions[0] if actions else None

    if action == "delete":
        ch = users.delete(samdb, user)
        ch.apply(opts.dry_run)
        out("[+] User '%s': %s" % (sam, "; ".join(ch.notes) if not ch.empty() else
                                   "has no Exchange attributes, nothing to remove"))
        return EXIT_OK

    home = None
    if action == "create" or opts.unhide:
        home = users.Home(samdb, names, opts.server)
    if action == "create":
        existed = users.is_mailbox(user)
        ch = users.create(samdb, lp, user, home, opts)
    else:
        if not users.is_mailbox(user):
            raise ProvisionError("user '%s' has no mailbox: use --create first" % sam,
                                 users.EXIT_NOT_FOUND)
        ch = users.Change(samdb, user)
        if action in ("enable", "disable"):
            ch = users.set_enabled(samdb, user, action == "enable")
        if opts.mail:
            mc = users.set_primary_mail(samdb, user, opts.mail)
            _merge(ch, mc)
    for a in opts.alias:
        users.add_alias(samdb, user, a, ch)
    for a in opts.remove_alias:
        users.remove_alias(samdb, user, a, ch)
    if opts.hide or opts.unhide:
        books = home.address_books if home else []
        hc = users.set_hidden(samdb, user, bool(opts.hide), books, names.org)
        _merge(ch, hc)
    ch.apply(opts.dry_run)
    prefix = "[dry-run] " if opts.dry_run else ""
    if action == "create":
        if existed and ch.empty():
            out("[+] User '%s' already has a mailbox; nothing to change" % sam)
        else:
            out("%s[+] User '%s' %s" % (prefix, sam, "updated" if existed else "extended with a mailbox"))
    elif ch.empty():
        out("[+] User '%s': nothing to change" % sam)
    else:
        out("%s[+] User '%s' updated" % (prefix, sam))
    for note in ch.notes:
        out("    " + note)
    return EXIT_OK


def _merge(into, other):
    for el in other.msg:
        if el == "dn":
            continue
        e = other.msg[el]
        into.set(el, list(e), e.flags())
    into.notes += other.notes


def do_list(samdb):
    rows = users.list_mailboxes(samdb)
    if not rows:
        print("no mailbox users")
        return EXIT_OK
    w = max(4, max(len(r["user"] or "") for r in rows))
    m = max(4, max(len(r["mail"]) for r in rows))
    print("%-*s  %-*s  %-9s  %-6s  %s" % (w, "USER", m, "MAIL", "STATE", "HIDDEN", "ALIASES"))
    for r in rows:
        print("%-*s  %-*s  %-9s  %-6s  %s" % (w, r["user"], m, r["mail"], r["state"],
                                             "yes" if r["hidden"] else "no",
                                             ", ".join(r["aliases"])))
    return EXIT_OK
