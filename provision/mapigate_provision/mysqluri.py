"""Parser for the MariaDB URIs of the OpenChange guides.

    mysql://user:password@host[:port]/database[?unix_socket=/path/to/socket]

Rules (chosen so that the guides' passwords work as written, e.g.
'openchange$123'):
  * the scheme is mysql:// or mariadb://;
  * the credentials end at the LAST '@' before the host, so a password may
    contain '@'; the user ends at the FIRST ':', so a password may contain ':';
  * any other punctuation ($ ! # / ? ...) is taken literally in the password;
  * %XX sequences are percent-decoded in user, password, database and socket
    (write %25 for a literal '%' followed by two hex digits);
  * host may be [IPv6]; port defaults to 3306;
  * the query may set unix_socket (alias: socket) and charset; a socket
    makes the host irrelevant (as with the mariadb client).
"""

import re
from urllib.parse import unquote

_QUERY_KEYS = ("unix_socket", "socket", "charset", "port")


class URIError(ValueError):
    pass


class MySQLURI:
    def __init__(self, user=None, password=None, host="localhost", port=3306,
                 database=None, unix_socket=None, charset="utf8mb4"):
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
        self.unix_socket = unix_socket
        self.charset = charset

    def connect_kwargs(self, with_db=True):
        kw = {"user": self.user or "", "password": self.password or "",
              "charset": self.charset}
        if self.unix_socket:
            kw["unix_socket"] = self.unix_socket
        else:
            kw["host"] = self.host
            kw["port"] = self.port
        if with_db and self.database:
            kw["database"] = self.database
        return kw

    def redacted(self):
        """The URI without the password, for messages."""
        cred = ""
        if self.user is not None:
            cred = self.user + (":***" if self.password else "") + "@"
        where = ("[%s]" % self.host if ":" in self.host else self.host)
        if self.port != 3306:
            where += ":%d" % self.port
        q = "?unix_socket=%s" % self.unix_socket if self.unix_socket else ""
        return "mysql://%s%s/%s%s" % (cred, where, self.database or "", q)

    def __repr__(self):
        return "MySQLURI(%s)" % self.redacted()


def _split_query(rest):
    """Find a trailing '?key=value[&...]' with known keys; a '?' elsewhere
    (e.g. in the password) is literal."""
    pos = len(rest)
    while True:
        q = rest.rfind("?", 0, pos)
        if q < 0:
            return rest, {}
        tail = rest[q + 1:]
        pairs = tail.split("&") if tail else []
        parsed = {}
        ok = bool(pairs)
        for p in pairs:
            k, eq, v = p.partition("=")
            if not eq or k.lower() not in _QUERY_KEYS:
                ok = False
                break
            parsed[k.lower()] = unquote(v)
        # the query must come after the host part, i.e. after the last '@'
        if ok and "@" not in tail:
            return rest[:q], parsed
        pos = q
        if pos == 0:
            return rest, {}


def parse(uri):
    if uri is None:
        raise URIError("no URI given")
    m = re.match(r"^(mysql|mariadb)://", uri, re.IGNORECASE)
    if not m:
        raise URIError("unsupported URI %r: expected mysql://user:password@host/database" % _hide(uri))
    rest = uri[m.end():]
    rest, query = _split_query(rest)
    at = rest.rfind("@")
    user = password = None
    if at >= 0:
        userinfo, hostpart = rest[:at], rest[at + 1:]
        u, sep, p = userinfo.partition(":")
        user = unquote(u)
        password = unquote(p) if sep else None
    else:
        hostpart = rest
    slash = hostpart.find("/")
    if slash < 0:
        hostport, database = hostpart, None
    else:
        hostport, database = hostpart[:slash], unquote(hostpart[slash + 1:]) or None
    port = 3306
    host = hostport
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise URIError("bad IPv6 host in %r" % _hide(uri))
        host = hostport[1:end]
        after = hostport[end + 1:]
        if after:
            if not after.startswith(":"):
                raise URIError("bad host part in %r" % _hide(uri))
            port = _port(after[1:], uri)
    elif ":" in hostport:
        host, _, ps = hostport.rpartition(":")
        port = _port(ps, uri)
    if "port" in query:
        port = _port(query["port"], uri)
    host = host or "localhost"
    sock = query.get("unix_socket") or query.get("socket")
    if database is not None and "/" in database:
        raise URIError("bad database name %r" % database)
    return MySQLURI(user=user, password=password, host=host, port=port,
                    database=database, unix_socket=sock,
                    charset=query.get("charset", "utf8mb4"))


def _port(text, uri):
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise URIError("bad port %r in %r" % (text, _hide(uri)))
    return int(text)


def _hide(uri):
    """The URI with the password replaced, for error messages."""
    m = re.match(r"^([a-zA-Z]+://)(.*)$", uri or "")
    if not m:
        return uri
    rest = m.group(2)
    at = rest.rfind("@")
    if at < 0:
        return uri
    u, sep, _ = rest[:at].partition(":")
    return m.group(1) + u + (":***" if sep else "") + rest[at:]
