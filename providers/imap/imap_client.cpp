// IMAP client: transport (TCP, STARTTLS), command/response loop, and the
// commands the IMAP provider needs. RFC sections are cited where the
// response handling depends on them.
#include "providers/imap/imap_client.h"

#include "common/log.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <algorithm>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>

namespace mg::imap {

// ---- transport

class Transport {
public:
    Transport(int fd, std::chrono::milliseconds timeout) : fd_(fd) {
        timeval tv{};
        tv.tv_sec = timeout.count() / 1000;
        tv.tv_usec = (timeout.count() % 1000) * 1000;
        setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        int one = 1;
        setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // fails harmlessly on socketpairs
    }
    ~Transport() {
        if (ssl_) SSL_free(ssl_);
        if (ctx_) SSL_CTX_free(ctx_);
        if (fd_ >= 0) ::close(fd_);
    }
    Transport(const Transport&) = delete;
    Transport& operator=(const Transport&) = delete;

    // Returns "" on success, else the error.
    std::string write(std::string_view data) {
        while (!data.empty()) {
            ssize_t n;
            if (ssl_) {
                int r = SSL_write(ssl_, data.data(), int(std::min<size_t>(data.size(), 1 << 30)));
                if (r <= 0) return tls_error(r, "write");
                n = r;
            } else {
                n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
                if (n < 0) {
                    if (errno == EINTR) continue;
                    return errno == EAGAIN || errno == EWOULDBLOCK ? "write timed out" : std::string("write: ") + strerror(errno);
                }
            }
            data.remove_prefix(size_t(n));
        }
        return {};
    }

    // Bytes read (0: closed by the peer); -1 with `err` set on failure.
    ssize_t read(char* buf, size_t len, std::string& err) {
        for (;;) {
            if (ssl_) {
                int r = SSL_read(ssl_, buf, int(len));
                if (r > 0) return r;
                if (SSL_get_error(ssl_, r) == SSL_ERROR_ZERO_RETURN) return 0;
                err = tls_error(r, "read");
                return -1;
            }
            ssize_t n = ::recv(fd_, buf, len, 0);
            if (n >= 0) return n;
            if (errno == EINTR) continue;
            err = errno == EAGAIN || errno == EWOULDBLOCK ? "read timed out" : std::string("read: ") + strerror(errno);
            return -1;
        }
    }

    void start_tls(const ClientOptions& o) {
        ctx_ = SSL_CTX_new(TLS_client_method());
        if (!ctx_) throw ImapConnectionError("TLS: cannot create context");
        SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
        if (o.tls_verify) {
            SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
            int ok = o.tls_ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx_)
                                           : SSL_CTX_load_verify_locations(ctx_, o.tls_ca_file.c_str(), nullptr);
            if (ok != 1) throw ImapConnectionError("TLS: cannot load CA certificates " + o.tls_ca_file);
        }
        ssl_ = SSL_new(ctx_);
        if (!ssl_) throw ImapConnectionError("TLS: cannot create session");
        SSL_set_fd(ssl_, fd_);
        SSL_set_tlsext_host_name(ssl_, o.host.c_str());
        if (o.tls_verify) {
            X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
            X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            X509_VERIFY_PARAM_set1_host(param, o.host.c_str(), 0);
        }
        int r = SSL_connect(ssl_);
        if (r != 1) throw ImapConnectionError(tls_error(r, "handshake"));
    }

private:
    std::string tls_error(int r, const char* op) {
        int e = SSL_get_error(ssl_, r);
        if ((e == SSL_ERROR_SYSCALL || e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) &&
            (errno == EAGAIN || errno == EWOULDBLOCK))
            return std::string("TLS ") + op + " timed out";
        unsigned long code = ERR_get_error();
        char buf[256] = "";
        if (code) ERR_error_string_n(code, buf, sizeof buf);
        ERR_clear_error();
        return std::string("TLS ") + op + " failed" + (buf[0] ? std::string(": ") + buf : std::string());
    }

    int fd_;
    SSL_CTX* ctx_ = nullptr;
    SSL* ssl_ = nullptr;
};

namespace {

int connect_tcp(const ClientOptions& o, std::string& err) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    std::string port = std::to_string(o.port);
    int gai = getaddrinfo(o.host.c_str(), port.c_str(), &hints, &res);
    if (gai != 0) {
        err = std::string("cannot resolve: ") + gai_strerror(gai);
        return -1;
    }
    int fd = -1;
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
        fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) continue;
        int r = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (r < 0 && errno == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            int pr;
            do pr = ::poll(&p, 1, int(o.connect_timeout.count()));
            while (pr < 0 && errno == EINTR);
            if (pr == 0) {
                err = "connect timed out after " + std::to_string(o.connect_timeout.count()) + " ms";
                r = -1;
            } else {
                int soerr = 0;
                socklen_t len = sizeof soerr;
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
                r = soerr ? -1 : 0;
                if (soerr) err = std::string("connect: ") + strerror(soerr);
            }
        } else if (r < 0) {
            err = std::string("connect: ") + strerror(errno);
        }
        if (r == 0) {
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
            break;
        }
        ::close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

std::string status_text(const Response& r) {
    std::string s = r.name;
    if (!r.code.empty()) s += " [" + r.code + "]";
    if (!r.text.empty()) s += " " + r.text;
    return s;
}

std::vector<std::string> atoms_of(const Value& list) {
    std::vector<std::string> out;
    for (const Value& v : list.list_items()) out.push_back(v.str());
    return out;
}

bool is_change_notice(const Response& r) {
    return r.type == Response::Untagged &&
           (r.name == "EXISTS" || r.name == "EXPUNGE" || r.name == "VANISHED" || r.name == "RECENT" || r.name == "FETCH");
}

CopyResult parse_copyuid(const std::vector<Value>& args) {
    if (args.size() != 3) throw ImapProtocolError("COPYUID needs three arguments");
    CopyResult c;
    c.uidvalidity = args[0].number32();
    c.source = expand_set(parse_set(args[1].str()));
    c.dest = expand_set(parse_set(args[2].str()));
    if (c.source.size() != c.dest.size()) throw ImapProtocolError("COPYUID sets differ in size");
    return c;
}

constexpr size_t kMaxUnsolicited = 100000;

}  // namespace

std::string base64_encode(std::string_view data) {
    static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < data.size(); i += 3) {
        uint32_t v = uint32_t(uint8_t(data[i])) << 16 | uint32_t(uint8_t(data[i + 1])) << 8 | uint8_t(data[i + 2]);
        out += tbl[v >> 18];
        out += tbl[(v >> 12) & 63];
        out += tbl[(v >> 6) & 63];
        out += tbl[v & 63];
    }
    if (i < data.size()) {
        uint32_t v = uint32_t(uint8_t(data[i])) << 16;
        if (i + 1 < data.size()) v |= uint32_t(uint8_t(data[i + 1])) << 8;
        out += tbl[v >> 18];
        out += tbl[(v >> 12) & 63];
        out += i + 1 < data.size() ? tbl[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

bool MailboxInfo::has_flag(std::string_view flag) const {
    for (const std::string& f : flags)
        if (upper(f) == upper(flag)) return true;
    return false;
}

// ---- client

Client::Client(ClientOptions options) : options_(std::move(options)), framer_(options_.max_literal) {}
Client::~Client() = default;

std::string Client::where() const {
    std::string w = "IMAP server " + options_.host + ":" + std::to_string(options_.port);
    if (!options_.log_name.empty()) w += " (" + options_.log_name + ")";
    return w;
}

void Client::fail(const std::string& what) {
    usable_ = false;
    transport_.reset();
    selected_.clear();
    LOG_WARN("%s: %s", where().c_str(), what.c_str());
    throw ImapConnectionError(where() + ": " + what);
}

void Client::connect() {
    std::string err;
    int fd = connect_tcp(options_, err);
    if (fd < 0) {
        usable_ = false;
        throw ImapConnectionError(where() + ": " + err);
    }
    attach(fd);
    if (options_.tls == ClientOptions::Tls::StartTls) starttls();
}

void Client::attach(int fd) {
    transport_ = std::make_unique<Transport>(fd, options_.io_timeout);
    framer_ = Framer(options_.max_literal);
    usable_ = true;
    caps_.clear();
    caps_known_ = false;
    selected_.clear();
    unsolicited_.clear();
    bye_.clear();
    // RFC 3501 7.1: greeting is OK, PREAUTH or BYE.
    Response g = read_response();
    if (g.type != Response::Untagged || !g.is_status()) fail("unexpected greeting");
    if (g.name == "BYE") fail("server refused the connection: " + g.text);
    if (g.name != "OK" && g.name != "PREAUTH") fail("unexpected greeting " + g.name);
    LOG_DEBUG("%s: connected: %s", where().c_str(), status_text(g).c_str());
}

Response Client::read_response() {
    if (!transport_) fail("not connected");
    for (;;) {
        std::optional<std::string> raw;
        try {
            raw = framer_.next();
        } catch (const ImapProtocolError& e) {
            fail(std::string("protocol error: ") + e.what());
        }
        if (raw) {
            try {
                Response r = parse_response(*raw);
                if (log::enabled(log::Level::Trace))
                    LOG_TRACE("%s S: %.200s", where().c_str(), raw->substr(0, raw->size() - 2).c_str());
                if (r.code == "CAPABILITY") absorb_capabilities(r);
                return r;
            } catch (const ImapProtocolError& e) {
                fail(std::string("protocol error: ") + e.what());
            }
        }
        char buf[65536];
        std::string err;
        ssize_t n = transport_->read(buf, sizeof buf, err);
        if (n == 0) fail(bye_.empty() ? "connection closed by the server" : "server closed the connection: " + bye_);
        if (n < 0) fail(err == "read timed out" ? "no answer within " + std::to_string(options_.io_timeout.count()) + " ms" : err);
        framer_.feed(std::string_view(buf, size_t(n)));
    }
}

void Client::send(std::string_view bytes) {
    if (!transport_) fail("not connected");
    std::string err = transport_->write(bytes);
    if (!err.empty()) fail(err);
}

std::string Client::tag_next() { return "A" + std::to_string(++tag_counter_); }

Command Client::command() { return Command(caps_known_ && caps_.count("LITERAL+")); }

CommandResult Client::run(const Command& cmd) {
    if (!usable_) throw ImapConnectionError(where() + ": connection is not usable");
    std::string tag = tag_next();
    const std::vector<std::string>& segs = cmd.segments();
    LOG_DEBUG("%s C: %s %s", where().c_str(), tag.c_str(), cmd.redacted().c_str());
    CommandResult res;
    auto take = [&](Response r) {
        if (r.type == Response::Untagged && r.name == "BYE") bye_ = r.text;
        if (r.type == Response::Untagged && r.name == "CAPABILITY") absorb_capabilities(r);
        res.untagged.push_back(std::move(r));
    };
    auto finish = [&](Response r) {
        if (r.tag != tag) fail("tagged response for unknown command " + r.tag);
        res.tagged = std::move(r);
        if (res.tagged.name != "OK") {
            std::string first = cmd.redacted().substr(0, cmd.redacted().find(' '));
            throw ImapError(where() + " refused " + first + ": " + status_text(res.tagged), res.tagged.name,
                            res.tagged.code);
        }
        return std::move(res);
    };
    send(tag + " " + segs[0] + (segs.size() == 1 ? "\r\n" : ""));
    for (size_t i = 1; i < segs.size(); ++i) {
        for (;;) {
            Response r = read_response();
            if (r.type == Response::Continuation) break;
            if (r.type == Response::Tagged) return finish(std::move(r));  // refused before the literal
            take(std::move(r));
        }
        send(segs[i] + (i + 1 == segs.size() ? "\r\n" : ""));
    }
    for (;;) {
        Response r = read_response();
        if (r.type == Response::Tagged) return finish(std::move(r));
        if (r.type == Response::Continuation) fail("unexpected continuation request");
        take(std::move(r));  // after BYE the tagged answer may still come: read on
    }
}

std::vector<Response> Client::take_unsolicited() { return std::exchange(unsolicited_, {}); }

// ---- capabilities

void Client::absorb_capabilities(const Response& r) {
    const std::vector<Value>& items = r.type == Response::Untagged && r.name == "CAPABILITY" ? r.args : r.code_args;
    caps_.clear();
    for (const Value& v : items)
        if (v.is_text()) caps_.insert(upper(v.str()));
    caps_known_ = true;
}

void Client::refresh_capabilities() {
    caps_known_ = false;
    run(Command().raw("CAPABILITY"));
    if (!caps_known_) fail("no CAPABILITY response");
}

const std::set<std::string>& Client::capabilities() {
    if (!caps_known_) refresh_capabilities();
    return caps_;
}

bool Client::has(std::string_view cap) { return capabilities().count(upper(cap)) > 0; }

void Client::require(std::initializer_list<std::string_view> caps) {
    std::string missing;
    for (std::string_view c : caps)
        if (!has(c)) missing += (missing.empty() ? "" : " ") + std::string(c);
    if (!missing.empty()) throw ImapError(where() + " lacks required capabilities: " + missing);
}

// ---- session setup

void Client::starttls() {
    if (!has("STARTTLS")) throw ImapError(where() + " does not offer STARTTLS");
    run(Command().raw("STARTTLS"));
    if (framer_.buffered()) fail("data after STARTTLS before the TLS handshake");  // RFC 3501 6.2.1: injection
    try {
        transport_->start_tls(options_);
    } catch (const ImapConnectionError& e) {
        fail(e.what());
    }
    caps_known_ = false;  // RFC 3501 6.2.1: discard what was learnt before TLS
}

void Client::authenticate_plain(const Credentials& c) {
    if (!has("AUTH=PLAIN")) throw ImapError(where() + " does not offer SASL PLAIN (AUTH=PLAIN)");
    std::string msg = c.authzid;
    msg += '\0';
    msg += c.authcid;
    msg += '\0';
    msg += c.password;
    std::string b64 = base64_encode(msg);
    std::fill(msg.begin(), msg.end(), '\0');
    Command cmd;
    cmd.raw("AUTHENTICATE PLAIN");
    if (has("SASL-IR")) cmd.sp().secret(b64.empty() ? "=" : b64);
    else cmd.continuation_secret(b64);
    std::fill(b64.begin(), b64.end(), '\0');
    caps_known_ = false;
    try {
        run(cmd);
    } catch (const ImapError& e) {
        throw ImapError(where() + ": authentication as " + c.authcid +
                            (c.authzid.empty() ? std::string() : " for " + c.authzid) + " failed (" + e.what() + ")",
                        e.status(), e.code());
    }
    LOG_DEBUG("%s: authenticated as %s for %s", where().c_str(), c.authcid.c_str(), c.authzid.c_str());
}

void Client::login(const std::string& user, const std::string& password) {
    if (has("LOGINDISABLED")) throw ImapError(where() + " disables LOGIN on this connection");
    caps_known_ = false;
    run(command().raw("LOGIN ").astring(user).sp().secret(password));
}

std::vector<std::string> Client::enable(std::initializer_list<std::string_view> caps) {
    if (!has("ENABLE")) throw ImapError(where() + " lacks required capabilities: ENABLE");
    Command cmd;
    cmd.raw("ENABLE");
    for (std::string_view c : caps) cmd.sp().raw(c);
    CommandResult r = run(cmd);
    std::vector<std::string> out;
    for (const Response& u : r.untagged)
        if (u.name == "ENABLED")
            for (const Value& v : u.args) out.push_back(upper(v.str()));
    return out;
}

void Client::enable_required() {
    require({"UIDPLUS", "QRESYNC"});
    std::vector<std::string> on = enable({"QRESYNC"});
    if (std::find(on.begin(), on.end(), "QRESYNC") == on.end())
        throw ImapError(where() + " did not enable QRESYNC");
}

// ---- mailboxes

MailboxInfo Client::parse_list(const Response& r) {
    // mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox [SP extended]
    if (r.args.size() < 3) throw ImapProtocolError("LIST response too short");
    MailboxInfo m;
    m.flags = atoms_of(r.args[0]);
    if (!r.args[1].is_nil()) {
        const std::string& d = r.args[1].str();
        if (d.size() != 1) throw ImapProtocolError("LIST delimiter must be one character");
        m.delimiter = d[0];
    }
    m.name = r.args[2].is_nil() ? "NIL" : r.args[2].str();
    return m;
}

StatusInfo Client::parse_status_items(const std::vector<Value>& items) {
    StatusInfo s;
    for (size_t i = 0; i + 1 < items.size(); i += 2) {
        std::string k = upper(items[i].str());
        const Value& v = items[i + 1];
        if (k == "MESSAGES") s.messages = v.number32();
        else if (k == "RECENT") s.recent = v.number32();
        else if (k == "UIDNEXT") s.uidnext = v.number32();
        else if (k == "UIDVALIDITY") s.uidvalidity = v.number32();
        else if (k == "UNSEEN") s.unseen = v.number32();
        else if (k == "HIGHESTMODSEQ") s.highestmodseq = v.number();
        else if (k == "SIZE") s.size = v.number();
    }
    return s;
}

std::vector<MailboxInfo> Client::list(std::string_view reference, std::string_view pattern, bool special_use,
                                      std::string_view status_items) {
    Command cmd = command();
    cmd.raw("LIST ").string(reference).sp().string(pattern);
    bool su = special_use && has("SPECIAL-USE");
    bool st = !status_items.empty() && has("LIST-STATUS");
    if (su || st) {
        cmd.raw(" RETURN (");
        if (su) cmd.raw("SPECIAL-USE");
        if (st) cmd.raw(su ? " " : "").raw("STATUS (").raw(status_items).raw(")");
        cmd.raw(")");
    }
    CommandResult r = run(cmd);
    std::vector<MailboxInfo> out;
    std::map<std::string, size_t> index;
    for (const Response& u : r.untagged) {
        if (u.name == "LIST") {
            out.push_back(parse_list(u));
            index[out.back().name] = out.size() - 1;
        } else if (u.name == "STATUS" && u.args.size() == 2) {
            auto it = index.find(u.args[0].is_nil() ? "NIL" : u.args[0].str());
            if (it != index.end()) out[it->second].status = parse_status_items(u.args[1].list_items());
        } else if (is_change_notice(u) && unsolicited_.size() < kMaxUnsolicited) {
            unsolicited_.push_back(u);
        }
    }
    return out;
}

StatusInfo Client::status(std::string_view mailbox, std::string_view items) {
    CommandResult r = run(command().raw("STATUS ").astring(mailbox).raw(" (").raw(items).raw(")"));
    for (const Response& u : r.untagged)
        if (u.name == "STATUS" && u.args.size() == 2) return parse_status_items(u.args[1].list_items());
    throw ImapError(where() + " sent no STATUS data for the mailbox");
}

SelectResult Client::select(std::string_view mailbox, bool read_only, const std::optional<QresyncParams>& q) {
    Command cmd = command();
    cmd.raw(read_only ? "EXAMINE " : "SELECT ").astring(mailbox);
    if (q) {
        // RFC 7162 3.2.5.1: (QRESYNC (uidvalidity modseq [known-uids]))
        cmd.raw(" (QRESYNC (").number(q->uidvalidity).sp().number(q->modseq);
        if (!q->known_uids.empty()) cmd.sp().raw(q->known_uids);
        cmd.raw("))");
    }
    selected_.clear();  // RFC 3501 6.3.1: a failed SELECT leaves nothing selected
    CommandResult r = run(cmd);
    SelectResult s;
    s.read_only = r.tagged.code == "READ-ONLY";
    for (const Response& u : r.untagged) {
        if (u.name == "EXISTS" && u.number) s.exists = uint32_t(*u.number);
        else if (u.name == "RECENT" && u.number) s.recent = uint32_t(*u.number);
        else if (u.name == "FLAGS" && !u.args.empty()) s.flags = atoms_of(u.args[0]);
        else if (u.name == "VANISHED" && !u.args.empty()) {
            for (const Value& v : u.args)
                if (v.kind == Value::Atom) {
                    auto part = parse_set(v.str());
                    s.vanished.insert(s.vanished.end(), part.begin(), part.end());
                }
        } else if (u.name == "FETCH") {
            s.changed.push_back(parse_fetch(u));
        } else if (u.name == "OK") {
            const std::vector<Value>& a = u.code_args;
            if (u.code == "UIDVALIDITY" && !a.empty()) s.uidvalidity = a[0].number32();
            else if (u.code == "UIDNEXT" && !a.empty()) s.uidnext = a[0].number32();
            else if (u.code == "HIGHESTMODSEQ" && !a.empty()) s.highestmodseq = a[0].number();
            else if (u.code == "NOMODSEQ") s.nomodseq = true;
            else if (u.code == "PERMANENTFLAGS" && !a.empty()) s.permanent_flags = atoms_of(a[0]);
        }
    }
    if (s.uidvalidity == 0) fail("SELECT without UIDVALIDITY");
    selected_ = std::string(mailbox);
    return s;
}

void Client::unselect() {
    if (selected_.empty()) return;
    if (has("UNSELECT")) {
        run(Command().raw("UNSELECT"));
    } else {
        // Never CLOSE: it expunges \Deleted messages. A failing EXAMINE
        // deselects without side effects (RFC 3501 6.3.2).
        try {
            run(command().raw("EXAMINE ").string("mapigate nonexistent mailbox (unselect)"));
        } catch (const ImapError&) {
        }
    }
    selected_.clear();
}

// ---- messages

FetchItem Client::parse_fetch(const Response& r) {
    Response copy = r;
    return parse_fetch(std::move(copy));
}

// Takes the response apart: envelopes, body structures and sections are
// moved, not copied (a page of FETCH data is mostly these).
FetchItem Client::parse_fetch(Response&& r) {
    if (!r.number || r.args.size() != 1 || !r.args[0].is_list()) throw ImapProtocolError("malformed FETCH response");
    FetchItem f;
    f.seq = uint32_t(*r.number);
    std::vector<Value>& a = r.args[0].items;
    if (a.size() % 2) throw ImapProtocolError("FETCH data has an odd number of items");
    for (size_t i = 0; i < a.size(); i += 2) {
        if (a[i].kind != Value::Atom) throw ImapProtocolError("FETCH item name is not an atom");
        std::string k = upper(a[i].text);
        Value& v = a[i + 1];
        if (k == "UID") f.uid = v.number32();
        else if (k == "FLAGS") f.flags = atoms_of(v);
        else if (k == "MODSEQ") {
            if (v.list_items().size() != 1) throw ImapProtocolError("MODSEQ needs one value");
            f.modseq = v.items[0].number();
        } else if (k == "RFC822.SIZE") f.size = v.number();
        else if (k == "INTERNALDATE") f.internaldate = v.str();
        else if (k == "ENVELOPE") f.envelope = std::move(v);
        else if (k == "BODYSTRUCTURE" || k == "BODY") f.bodystructure = std::move(v);
        else if (k.find('[') != std::string::npos || k == "RFC822" || k == "RFC822.HEADER" || k == "RFC822.TEXT") {
            if (v.kind != Value::Nil && v.kind != Value::List) f.sections[k] = std::move(v.text);
            else f.sections[k] = v.nstr().value_or(std::string());
        }
    }
    return f;
}

std::vector<FetchItem> Client::uid_fetch(std::string_view uid_set, std::string_view items,
                                         std::optional<uint64_t> changed_since, std::vector<UidRange>* vanished) {
    Command cmd = command();
    cmd.raw("UID FETCH ").raw(uid_set).raw(" (").raw(items).raw(")");
    if (changed_since) {
        cmd.raw(" (CHANGEDSINCE ").number(*changed_since);
        if (vanished) cmd.raw(" VANISHED");
        cmd.raw(")");
    }
    CommandResult r = run(cmd);
    std::vector<FetchItem> out;
    for (Response& u : r.untagged) {
        if (u.name == "FETCH") {
            FetchItem f = parse_fetch(std::move(u));
            if (f.uid) {
                out.push_back(std::move(f));
                continue;
            }
        } else if (u.name == "VANISHED" && vanished) {
            for (const Value& v : u.args)
                if (v.kind == Value::Atom) {
                    auto part = parse_set(v.str());
                    vanished->insert(vanished->end(), part.begin(), part.end());
                }
            continue;
        }
        if (is_change_notice(u) && unsolicited_.size() < kMaxUnsolicited) unsolicited_.push_back(u);
    }
    return out;
}

namespace {
std::vector<uint32_t> numbers_of(const CommandResult& r, const char* name, std::vector<Response>& unsolicited) {
    std::vector<uint32_t> out;
    for (const Response& u : r.untagged) {
        if (u.name == name) {
            for (const Value& v : u.args)
                if (v.kind == Value::Atom) out.push_back(v.number32());  // a trailing (MODSEQ n) list is skipped
        } else if (is_change_notice(u) && unsolicited.size() < kMaxUnsolicited) {
            unsolicited.push_back(u);
        }
    }
    return out;
}
}  // namespace

std::vector<uint32_t> Client::uid_search(std::string_view criteria, bool utf8) {
    Command cmd = command();
    cmd.raw("UID SEARCH ");
    if (utf8) cmd.raw("CHARSET UTF-8 ");
    cmd.raw(criteria);
    return numbers_of(run(cmd), "SEARCH", unsolicited_);
}

std::vector<uint32_t> Client::uid_sort(std::string_view sort_criteria, std::string_view search) {
    if (!has("SORT")) throw ImapError(where() + " does not offer SORT");
    return numbers_of(run(command().raw("UID SORT (").raw(sort_criteria).raw(") UTF-8 ").raw(search)), "SORT",
                      unsolicited_);
}

AppendResult Client::append(std::string_view mailbox, std::string_view message, std::span<const std::string> flags,
                            std::string_view internaldate) {
    Command cmd = command();
    cmd.raw("APPEND ").astring(mailbox);
    if (!flags.empty()) {
        cmd.raw(" (");
        for (size_t i = 0; i < flags.size(); ++i) cmd.raw(i ? " " : "").raw(flags[i]);
        cmd.raw(")");
    }
    if (!internaldate.empty()) cmd.sp().string(internaldate);
    cmd.sp().literal(message);
    CommandResult r = run(cmd);
    AppendResult a;
    if (r.tagged.code == "APPENDUID" && r.tagged.code_args.size() == 2) {
        a.uidvalidity = r.tagged.code_args[0].number32();
        a.uid = r.tagged.code_args[1].number32();
    }
    for (const Response& u : r.untagged)
        if (is_change_notice(u) && unsolicited_.size() < kMaxUnsolicited) unsolicited_.push_back(u);
    return a;
}

StoreResult Client::uid_store(std::string_view uid_set, std::string_view op, std::span<const std::string> flags,
                              std::optional<uint64_t> unchanged_since) {
    Command cmd = command();
    cmd.raw("UID STORE ").raw(uid_set);
    if (unchanged_since) cmd.raw(" (UNCHANGEDSINCE ").number(*unchanged_since).raw(")");
    cmd.sp().raw(op).raw(" (");
    for (size_t i = 0; i < flags.size(); ++i) cmd.raw(i ? " " : "").raw(flags[i]);
    cmd.raw(")");
    CommandResult r = run(cmd);
    StoreResult s;
    if (r.tagged.code == "MODIFIED" && !r.tagged.code_args.empty()) s.not_modified = parse_set(r.tagged.code_args[0].str());
    for (const Response& u : r.untagged) {
        if (u.name == "FETCH") s.updated.push_back(parse_fetch(u));
        else if (is_change_notice(u) && unsolicited_.size() < kMaxUnsolicited) unsolicited_.push_back(u);
    }
    return s;
}

CopyResult Client::uid_copy(std::string_view uid_set, std::string_view dest) {
    CommandResult r = run(command().raw("UID COPY ").raw(uid_set).sp().astring(dest));
    if (r.tagged.code == "COPYUID") return parse_copyuid(r.tagged.code_args);
    return {};
}

CopyResult Client::uid_move(std::string_view uid_set, std::string_view dest) {
    if (!has("MOVE")) {
        // RFC 6851 3.3 fallback: COPY, mark deleted, expunge exactly those UIDs.
        CopyResult c = uid_copy(uid_set, dest);
        static const std::string deleted[] = {"\\Deleted"};
        uid_store(uid_set, "+FLAGS.SILENT", deleted);
        uid_expunge(uid_set);
        return c;
    }
    CommandResult r = run(command().raw("UID MOVE ").raw(uid_set).sp().astring(dest));
    CopyResult c;
    // RFC 6851 4.3: COPYUID arrives in an untagged OK before the expunges.
    if (r.tagged.code == "COPYUID") c = parse_copyuid(r.tagged.code_args);
    for (const Response& u : r.untagged) {
        if (u.name == "OK" && u.code == "COPYUID") c = parse_copyuid(u.code_args);
        else if (is_change_notice(u) && unsolicited_.size() < kMaxUnsolicited) unsolicited_.push_back(u);
    }
    return c;
}

void Client::uid_expunge(std::string_view uid_set) {
    require({"UIDPLUS"});
    CommandResult r = run(command().raw("UID EXPUNGE ").raw(uid_set));
    for (const Response& u : r.untagged)
        if (is_change_notice(u) && unsolicited_.size() < kMaxUnsolicited) unsolicited_.push_back(u);
}

void Client::create(std::string_view mailbox, std::string_view special_use) {
    Command cmd = command();
    cmd.raw("CREATE ").astring(mailbox);
    if (!special_use.empty()) {
        if (!has("CREATE-SPECIAL-USE")) throw ImapError(where() + " cannot create special-use mailboxes");
        cmd.raw(" (USE (").raw(special_use).raw("))");
    }
    run(cmd);
}

void Client::rename(std::string_view from, std::string_view to) {
    run(command().raw("RENAME ").astring(from).sp().astring(to));
    if (selected_ == from) selected_.clear();
}

void Client::delete_mailbox(std::string_view mailbox) {
    run(command().raw("DELETE ").astring(mailbox));
    if (selected_ == mailbox) selected_.clear();
}

void Client::subscribe(std::string_view mailbox) { run(command().raw("SUBSCRIBE ").astring(mailbox)); }

void Client::noop() {
    CommandResult r = run(Command().raw("NOOP"));
    for (const Response& u : r.untagged)
        if (is_change_notice(u) && unsolicited_.size() < kMaxUnsolicited) unsolicited_.push_back(u);
}

void Client::logout() {
    if (usable_) {
        try {
            run(Command().raw("LOGOUT"));
        } catch (const std::exception&) {
        }
    }
    usable_ = false;
    transport_.reset();
    selected_.clear();
}

}  // namespace mg::imap
