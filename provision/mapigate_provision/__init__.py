"""mapigate provisioning: the Exchange schema and configuration objects a
mapigate gateway needs in a Samba AD DC, mailbox users, and the MariaDB side
(openchangedb migrations, per-user cleanup).

The command line tools are provision/openchange_provision,
provision/openchange_newuser and provision/openchange_user_cleanup; they keep
the names and the options of OpenChange's tools so that the SOGo
native-Outlook guide and the Arch OpenChange wiki work as written.

Everything here runs on Samba's own Python bindings (samba, ldb,
samba.samdb.SamDB) with Debian's /usr/bin/python3.
"""

__version__ = "0.1.0"

DEFAULT_ORGANIZATION = "First Organization"
DEFAULT_ADMIN_GROUP = "First Administrative Group"
