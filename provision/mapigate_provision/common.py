"""Helpers shared by the three tools: command line, directory access, output."""

import optparse
import os
import sys

import ldb
import samba.getopt as options
from samba.auth import system_session
from samba.samdb import SamDB

from . import __version__

# Exit codes (documented in the man pages).
EXIT_OK = 0
EXIT_FAILURE = 1        # operation failed
EXIT_USAGE = 2          # bad command line
EXIT_NOT_FOUND = 3      # unknown user / organization not provisioned
EXIT_INCOMPLETE = 4     # --check: something is missing


class ProvisionError(Exception):
    """An error reported to the administrator as one line, with an exit code."""

    def __init__(self, message, code=EXIT_FAILURE):
        super().__init__(message)
        self.code = code


class Reporter:
    """Prints progress the way the OpenChange guides show it."""

    def __init__(self, verbose=False, quiet=False, out=None):
        self.verbose = verbose
        self.quiet = quiet
        self.out = out or sys.stdout
        self.step_no = 0

    def _print(self, text):
        print(text, file=self.out)
        self.out.flush()

    def step(self, text):
        self.step_no += 1
        if not self.quiet:
            self._print("[+] Step %d: %s" % (self.step_no, text))

    def info(self, text):
        if not self.quiet:
            self._print("    " + text)

    def detail(self, text):
        if self.verbose and not self.quiet:
            self._print("    " + text)

    def warn(self, text):
        print("[!] " + text, file=sys.stderr)

    def success(self, text="Done!"):
        if not self.quiet:
            self._print("[SUCCESS] " + text)


class Parser(optparse.OptionParser):
    """optparse parser with samba-tool's common option groups."""

    def __init__(self, usage, description, credentials=True, directory=True):
        super().__init__(usage=usage, description=description,
                         version="%prog (mapigate " + __version__ + ")")
        self.sambaopts = options.SambaOptions(self)
        self.add_option_group(self.sambaopts)
        self.credopts = None
        if credentials:
            self.credopts = options.CredentialsOptions(self)
            self.add_option_group(self.credopts)
        if directory:
            self.add_option("-H", "--url", "--URL", dest="url", metavar="URL",
                            help="sam.ldb path or ldap(s):// URL of the directory "
                                 "(default: the sam.ldb of the DC configured in smb.conf)")

    def exit(self, status=0, msg=None):
        if msg:
            sys.stderr.write(msg)
        sys.exit(EXIT_USAGE if status else status)


def load_lp(parser, schema_update=False):
    lp = parser.sambaopts.get_loadparm()
    if schema_update:
        # Schema changes are refused unless this is set (as samba-tool does).
        lp.set("dsdb:schema update allowed", "true")
    return lp


def is_remote_url(url):
    return url is not None and url.split("://", 1)[0].lower() in ("ldap", "ldaps", "ldapi")


def open_samdb(parser, opts, lp):
    """Open the directory: the local sam.ldb (as root, with the system session,
    like samba-tool does) or an LDAP URL with the given credentials."""
    url = opts.url or lp.samdb_url()
    creds = None
    if is_remote_url(url) and parser.credopts is not None:
        creds = parser.credopts.get_credentials(lp, fallback_machine=True)
    elif not is_remote_url(url):
        path = url[len("tdb://"):] if url.startswith("tdb://") else url
        if not os.path.exists(path):
            raise ProvisionError(
                "no directory database at %s: give the DC's smb.conf with -s "
                "or the sam.ldb with -H" % path)
    try:
        return SamDB(url=url, session_info=system_session(), credentials=creds, lp=lp)
    except ldb.LdbError as e:
        raise ProvisionError("cannot open the directory %s: %s" % (url, ldb_msg(e)))


def ldb_msg(e):
    if isinstance(e, ldb.LdbError) and len(e.args) >= 2:
        return "%s (ldb error %s)" % (e.args[1], e.args[0])
    return str(e)


def escape_rdn_value(value):
    """Escape a value for use in an RDN (RFC 4514)."""
    out = []
    for i, ch in enumerate(value):
        if ch in ',+"\\<>;=':
            out.append("\\" + ch)
        elif ch == "#" and i == 0:
            out.append("\\#")
        elif ch == " " and (i == 0 or i == len(value) - 1):
            out.append("\\ ")
        else:
            out.append(ch)
    return "".join(out)


def first(msg, attr, default=None):
    """First value of attr in an ldb.Message as str."""
    if msg is None or attr not in msg:
        return default
    el = msg[attr]
    if len(el) == 0:
        return default
    return str(el[0])


def values(msg, attr):
    if msg is None or attr not in msg:
        return []
    return [str(v) for v in msg[attr]]


def exists(samdb, dn):
    try:
        res = samdb.search(base=dn, scope=ldb.SCOPE_BASE, attrs=["objectClass"])
        return len(res) == 1
    except ldb.LdbError as e:
        if e.args[0] == ldb.ERR_NO_SUCH_OBJECT:
            return False
        raise


def get_object(samdb, dn, attrs=None):
    try:
        res = samdb.search(base=dn, scope=ldb.SCOPE_BASE, attrs=attrs or ["*"])
    except ldb.LdbError as e:
        if e.args[0] == ldb.ERR_NO_SUCH_OBJECT:
            return None
        raise
    return res[0] if len(res) == 1 else None


def schema_has_attribute(samdb, name):
    res = samdb.search(base=samdb.get_schema_basedn(), scope=ldb.SCOPE_ONELEVEL,
                       expression="(&(objectClass=attributeSchema)(lDAPDisplayName=%s))"
                       % ldb.binary_encode(name), attrs=["cn"])
    return len(res) > 0


def schema_has_class(samdb, name):
    res = samdb.search(base=samdb.get_schema_basedn(), scope=ldb.SCOPE_ONELEVEL,
                       expression="(&(objectClass=classSchema)(lDAPDisplayName=%s))"
                       % ldb.binary_encode(name), attrs=["cn"])
    return len(res) > 0


def run_main(main):
    """Run a tool's main(): one-line errors and documented exit codes."""
    try:
        code = main(sys.argv[1:])
    except ProvisionError as e:
        print("ERROR: %s" % e, file=sys.stderr)
        code = e.code
    except ldb.LdbError as e:
        print("ERROR: directory operation failed: %s" % ldb_msg(e), file=sys.stderr)
        code = EXIT_FAILURE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code = EXIT_FAILURE
    sys.exit(code or 0)
