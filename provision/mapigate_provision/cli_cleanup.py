"""openchange_user_cleanup: remove a user's gateway-side state from MariaDB."""

from . import cleanup
from . import openchangedb
from .common import EXIT_OK, EXIT_USAGE, Parser, ProvisionError, Reporter, load_lp

USAGE = "%prog [options] USER"

DESCRIPTION = """Remove USER's gateway-side state (openchangedb mailbox, folders, IDs,
indexing, named properties, fallback store) from MariaDB: the rows whose
mailbox_owner or owner_username column is USER and the rows depending on them
(foreign keys ON DELETE CASCADE). Tables commented 'mapigate:backend' (provider
data such as calendars and contacts) are kept unless --include-backend-data
--yes. The database comes from --openchangedb-uri or from
'mapiproxy:openchangedb' in smb.conf. The AD account and its Exchange
attributes are not touched (see openchange_newuser --delete)."""


def build_parser():
    p = Parser(USAGE, DESCRIPTION, credentials=False, directory=False)
    p.add_option("--openchangedb-uri", metavar="URI",
                 help="mysql://user:password@host[:port]/db[?unix_socket=PATH]")
    p.add_option("--include-backend-data", action="store_true",
                 help="also remove the user's provider data (needs --yes)")
    p.add_option("--yes", action="store_true", help="confirm --include-backend-data")
    p.add_option("--dry-run", action="store_true", help="list what would be removed")
    p.add_option("-v", "--verbose", action="store_true", help="show every table")
    p.add_option("-q", "--quiet", action="store_true", help="only errors")
    return p


def main(argv):
    parser = build_parser()
    opts, args = parser.parse_args(argv)
    if len(args) != 1:
        parser.error("give exactly one user name")
    user = args[0]
    uri = opts.openchangedb_uri
    if not uri:
        lp = load_lp(parser)
        uri = openchangedb.uri_from_smbconf(lp)
    if not uri:
        raise ProvisionError("no database URI: give --openchangedb-uri or set "
                             "'mapiproxy:openchangedb' in smb.conf (-s FILE)", EXIT_USAGE)
    rep = Reporter(verbose=opts.verbose, quiet=opts.quiet)
    if opts.dry_run and not opts.quiet:
        print("DRY RUN: nothing is changed")
    cleanup.cleanup(uri, user, rep, include_backend=opts.include_backend_data,
                    yes=opts.yes, dry_run=opts.dry_run)
    rep.success()
    return EXIT_OK
