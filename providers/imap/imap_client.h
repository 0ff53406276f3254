// An IMAP4rev1 client (RFC 3501) with the extensions the IMAP provider uses:
// CAPABILITY checks naming what is missing, ENABLE (RFC 5161) QRESYNC
// (RFC 7162), SASL PLAIN (RFC 4616) with an authorization identity — the
// gateway logs in as a master/proxy user acting for the mailbox owner, so no
// user password is needed — SASL-IR (RFC 4959), LITERAL+ (RFC 7888), LIST
// with SPECIAL-USE (RFC 6154) and STATUS (RFC 5819), SELECT/EXAMINE with
// QRESYNC, UID FETCH/SEARCH/SORT (RFC 5256), APPEND with APPENDUID and UID
// MOVE with COPYUID (RFC 4315, RFC 6851), UID STORE with UNCHANGEDSINCE,
// CREATE/RENAME/DELETE, and STARTTLS (OpenSSL).
//
// Blocking I/O with a timeout on every read and write: this runs in the
// engine, where a blocked call holds only its own link. A connection that
// timed out, lost its socket, got BYE or garbage is marked unusable
// (ImapConnectionError) and must be replaced (imap_pool.h does that). A
// server refusal (NO/BAD) is an ImapError and leaves the connection usable.
//
// Logging never shows credentials: commands are logged from
// Command::redacted(), where secrets and literal contents are replaced.
#pragma once

#include "providers/imap/imap_protocol.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mg::imap {

// The server refused a command (tagged NO or BAD), or lacks a capability.
class ImapError : public std::runtime_error {
public:
    ImapError(const std::string& what, std::string status = {}, std::string code = {})
        : std::runtime_error(what), status_(std::move(status)), code_(std::move(code)) {}
    const std::string& status() const { return status_; }  // "NO", "BAD" or "" (client-side check)
    const std::string& code() const { return code_; }      // response code: TRYCREATE, NONEXISTENT, ...

private:
    std::string status_, code_;
};

// The connection is unusable: connect failure, timeout, closed socket, BYE,
// a protocol violation. The server may be down; nothing is known about the
// command's effect.
class ImapConnectionError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ClientOptions {
    std::string host = "127.0.0.1";
    uint16_t port = 143;
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds io_timeout{30000};  // per read/write, not per command
    enum class Tls : uint8_t { None, StartTls } tls = Tls::None;
    std::string tls_ca_file;     // empty: the system's default CA paths
    bool tls_verify = true;      // verify the certificate and host name
    size_t max_literal = size_t(512) << 20;
    std::string log_name;        // prefix for log lines (the user), never a secret
};

// SASL PLAIN credentials (RFC 4616): authenticate as `authcid` with its
// password and act as `authzid`. For Dovecot's master users authzid is the
// mailbox owner and authcid the master user.
struct Credentials {
    std::string authzid;
    std::string authcid;
    std::string password;
};

struct StatusInfo {
    std::optional<uint32_t> messages, recent, uidnext, uidvalidity, unseen;
    std::optional<uint64_t> highestmodseq, size;
};

struct MailboxInfo {
    std::string name;       // wire form (modified UTF-7 unless UTF8=ACCEPT)
    char delimiter = 0;     // 0: flat namespace (NIL)
    std::vector<std::string> flags;  // as sent: \HasChildren, \Sent, \Noselect ...
    std::optional<StatusInfo> status;
    bool has_flag(std::string_view flag) const;  // case-insensitive
};

// RFC 7162 3.2.5: what the client knows of a mailbox it reselects.
struct QresyncParams {
    uint32_t uidvalidity = 0;
    uint64_t modseq = 0;
    std::string known_uids;  // uid-set, may be empty
};

struct FetchItem {
    uint32_t seq = 0;
    uint32_t uid = 0;
    std::optional<std::vector<std::string>> flags;
    std::optional<uint64_t> modseq;
    std::optional<uint64_t> size;           // RFC822.SIZE
    std::optional<std::string> internaldate;
    std::optional<Value> envelope, bodystructure;
    // Body sections by their upper-cased name as the server returned it:
    // "BODY[]", "BODY[HEADER]", "BODY[1.MIME]", "BINARY[2]" ...
    std::map<std::string, std::string> sections;
};

struct SelectResult {
    uint32_t exists = 0;
    uint32_t recent = 0;
    uint32_t uidvalidity = 0;
    uint32_t uidnext = 0;
    uint64_t highestmodseq = 0;
    bool nomodseq = false;   // the mailbox has no mod-sequences (RFC 7162 3.1.2.2)
    bool read_only = false;
    std::vector<std::string> flags, permanent_flags;
    // QRESYNC: UIDs expunged since the given modseq, and the changed messages.
    std::vector<UidRange> vanished;
    std::vector<FetchItem> changed;
};

struct AppendResult {
    uint32_t uidvalidity = 0;
    uint32_t uid = 0;  // APPENDUID (RFC 4315 3)
};

struct CopyResult {
    uint32_t uidvalidity = 0;  // of the destination
    std::vector<uint32_t> source, dest;  // COPYUID pairs, in order
};

struct StoreResult {
    std::vector<FetchItem> updated;      // untagged FETCH answers (flags, modseq)
    std::vector<UidRange> not_modified;  // MODIFIED code (UNCHANGEDSINCE failed)
};

// A tagged command's outcome: the tagged response and the untagged ones
// that arrived while it ran.
struct CommandResult {
    Response tagged;
    std::vector<Response> untagged;
};

// Byte transport: plain TCP or TLS over it. Defined in imap_client.cpp.
class Transport;

class Client {
public:
    explicit Client(ClientOptions options = {});
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Connects, reads the greeting (a BYE greeting is an
    // ImapConnectionError), and, when asked, runs STARTTLS.
    void connect();
    // Uses an already connected socket (tests); takes ownership of `fd`.
    void attach(int fd);
    bool usable() const { return usable_; }
    const ClientOptions& options() const { return options_; }

    // Capabilities, upper-cased, from the greeting/login code or CAPABILITY.
    const std::set<std::string>& capabilities();
    bool has(std::string_view cap);
    // Throws ImapError "IMAP server 127.0.0.1:143 lacks required
    // capabilities: UIDPLUS QRESYNC" naming every missing one.
    void require(std::initializer_list<std::string_view> caps);
    void refresh_capabilities();

    void starttls();
    // SASL PLAIN (with SASL-IR when offered). Refusal: ImapError. Capabilities
    // are refreshed afterwards (they change after login).
    void authenticate_plain(const Credentials& creds);
    // LOGIN: the discouraged compatibility mode (a user's own password).
    void login(const std::string& user, const std::string& password);
    // ENABLE (RFC 5161); returns what the server enabled.
    std::vector<std::string> enable(std::initializer_list<std::string_view> caps);
    // Convenience: require UIDPLUS and QRESYNC, then ENABLE QRESYNC.
    void enable_required();

    // LIST "" pattern [RETURN (SPECIAL-USE [STATUS (...)])]; `status_items`
    // like "MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ" (needs
    // LIST-STATUS; ignored without it).
    std::vector<MailboxInfo> list(std::string_view reference, std::string_view pattern, bool special_use = true,
                                  std::string_view status_items = {});
    StatusInfo status(std::string_view mailbox, std::string_view items);

    SelectResult select(std::string_view mailbox, bool read_only = false,
                        const std::optional<QresyncParams>& qresync = std::nullopt);
    const std::string& selected() const { return selected_; }
    void unselect();  // UNSELECT, or CLOSE without expunge semantics via EXAMINE fallback

    // UID FETCH set (items) [(CHANGEDSINCE m [VANISHED])]; `items` is the
    // inside of the list: "UID FLAGS RFC822.SIZE ENVELOPE".
    std::vector<FetchItem> uid_fetch(std::string_view uid_set, std::string_view items,
                                     std::optional<uint64_t> changed_since = std::nullopt,
                                     std::vector<UidRange>* vanished = nullptr);
    // UID SEARCH criteria (raw search-key text, built by the caller with
    // Command helpers for strings). CHARSET UTF-8 is used when `utf8`.
    std::vector<uint32_t> uid_search(std::string_view criteria, bool utf8 = false);
    // UID SORT (criteria) charset search (RFC 5256).
    std::vector<uint32_t> uid_sort(std::string_view sort_criteria, std::string_view search = "ALL");
    AppendResult append(std::string_view mailbox, std::string_view message,
                        std::span<const std::string> flags = {}, std::string_view internaldate = {});
    // UID STORE set [(UNCHANGEDSINCE m)] op (flags); op is "+FLAGS.SILENT",
    // "-FLAGS", "FLAGS" ...
    StoreResult uid_store(std::string_view uid_set, std::string_view op, std::span<const std::string> flags,
                          std::optional<uint64_t> unchanged_since = std::nullopt);
    CopyResult uid_move(std::string_view uid_set, std::string_view dest);
    CopyResult uid_copy(std::string_view uid_set, std::string_view dest);
    void uid_expunge(std::string_view uid_set);
    void create(std::string_view mailbox, std::string_view special_use = {});
    void rename(std::string_view from, std::string_view to);
    void delete_mailbox(std::string_view mailbox);
    void subscribe(std::string_view mailbox);
    void noop();
    void logout();  // best effort; the connection is closed afterwards

    // Runs a command; a tagged NO/BAD throws ImapError. Untagged responses
    // are returned with the result.
    CommandResult run(const Command& cmd);
    // A Command that knows whether the server takes LITERAL+.
    Command command();

    // Untagged responses that arrived outside the command that consumed
    // them (EXISTS, EXPUNGE, VANISHED, FETCH flag changes): the caller's
    // change notifications. Cleared by the call.
    std::vector<Response> take_unsolicited();

    // Protocol-level parsing helpers, public for the tests.
    static FetchItem parse_fetch(const Response& r);
    static FetchItem parse_fetch(Response&& r);
    static MailboxInfo parse_list(const Response& r);
    static StatusInfo parse_status_items(const std::vector<Value>& items);

private:
    Response read_response();
    void send(std::string_view bytes);
    [[noreturn]] void fail(const std::string& what);
    std::string tag_next();
    std::string where() const;
    void absorb_capabilities(const Response& r);

    ClientOptions options_;
    std::unique_ptr<Transport> transport_;
    Framer framer_;
    bool usable_ = false;
    uint64_t tag_counter_ = 0;
    std::set<std::string> caps_;
    bool caps_known_ = false;
    std::string selected_;
    std::vector<Response> unsolicited_;
    std::string bye_;  // text of the server's BYE, for the error when it closes
};

// Base64 (RFC 4648) for SASL.
std::string base64_encode(std::string_view data);

}  // namespace mg::imap
