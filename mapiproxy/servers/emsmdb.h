// The EMSMDB and AsyncEMSMDB protocol servers (MS-OXCRPC 3.1 and 3.3), run
// by the engine behind the Samba module.
//
// Session Contexts (MS-OXCRPC 1.3.1, 3.1.4.1) live here: a session context
// handle (CXH) is a random GUID bound to the Windows identity that created it
// (its user SID) and to the module connection it arrived on (for rundown,
// MS-RPCE 3.3.3.2.1). The ROP work of a session is done by its RopProcessor
// (mapiproxy/servers/rop_processor.h); this layer owns the transport-facing
// parts: authentication of the mailbox owner, extended buffers (RPC_HEADER_EXT
// chains, compression, obfuscation), size limits, asynchronous waits.
//
// Thread-safety: calls arrive on the engine's worker pool. The session table
// has its own lock; the calls of one session are serialized by a per-session
// mutex, so a RopProcessor never runs on two threads at once.
#pragma once

#include "mapiproxy/servers/dispatcher.h"
#include "mapiproxy/servers/rop_processor.h"

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mg::emsmdb {

// Return values of the EMSMDB methods (MS-OXCRPC 3.1.4.x tables, MS-OXCDATA 2.4).
namespace ec {
inline constexpr uint32_t kSuccess = 0x00000000;
inline constexpr uint32_t kUnknownUser = 0x000003EB;     // 3.1.4.1: szUserDN is not a valid enabled mailbox
inline constexpr uint32_t kLoginPerm = 0x000003F2;       // 3.1.4.1: administrative access refused
inline constexpr uint32_t kBufferTooSmall = 0x0000047D;  // MS-OXCDATA 2.4 (response does not fit pcbOut)
inline constexpr uint32_t kRpcFormat = 0x000004B6;       // 3.1.4.2: malformed request
inline constexpr uint32_t kRejected = 0x000007EE;        // 3.1.4.4 / MS-OXCNOTIF 3.1.5.3
inline constexpr uint32_t kNotEncrypted = 0x00000970;    // 3.1.4.1: privacy auth level required
inline constexpr uint32_t kNotSupported = 0x80040102;    // 3.1.4.5
inline constexpr uint32_t kVersionMismatch = 0x80040110; // 3.1.4.1: client older than the minimum
inline constexpr uint32_t kLoginFailure = 0x80040111;    // 3.1.4.1
inline constexpr uint32_t kSessionLimit = 0x80040112;    // MS-OXCDATA 2.4 (MAPI_E_SESSION_LIMIT)
inline constexpr uint32_t kRpcFailed = 0x80040115;       // 3.1.4.1/3.1.4.2: cbAuxIn in 1..7
inline constexpr uint32_t kAccessDenied = 0x80070005;    // 3.1.4.1: not the caller's mailbox, or empty DN
}  // namespace ec

// A protocol version in the normalized four-part form (MS-OXCRPC 3.1.4.1.3.1).
struct Version {
    uint16_t major = 0, minor = 0, build_major = 0, build_minor = 0;
    auto operator<=>(const Version&) const = default;

    // 3.1.4.1.3.1: the three WORDs on the wire. When the high bit of the
    // second WORD is set, the first WORD carries major (high byte) and
    // minor (low byte); otherwise the first WORD is the major version.
    static Version from_wire(const std::array<uint16_t, 3>& w);
    // Always the "high bit set" form, which can carry every four-part version
    // whose major and minor fit a byte and whose build major fits 15 bits.
    std::array<uint16_t, 3> to_wire() const;
    std::string str() const;
};

// What the server tells clients it is. 15.0.1497.2 is Exchange 2013 CU23:
// a 15.x server makes current Outlook (2013 .. 2021, Microsoft 365) treat us
// as a modern Exchange, and it is the version the provisioning tool writes
// into the server object's serialNumber ("Version 15.0 (Build 1497.2)"), so
// the directory and the protocol agree. 3.1.4.1.3.2: claiming >= 15.0.466.0
// promises every feature of the table up to RopWriteStreamExtended; the ROP
// engine answers ROPs it does not implement with ecNotSupported.
inline constexpr Version kServerVersion{15, 0, 1497, 2};
// MS-OXCRPC 3.2.4.1.3.2: 11.0.0.0 is the oldest client protocol version the
// specifications describe (Outlook 2003); older clients get ecVersionMismatch.
inline constexpr Version kMinClientVersion{11, 0, 0, 0};

// The directory entry of an authenticated caller.
struct DirectoryUser {
    std::string account;           // sAMAccountName
    std::string legacy_dn;         // legacyExchangeDN ("" = no mailbox)
    std::string display_name;
    std::string mail;
    bool mailbox_disabled = false; // msExchUserAccountControl = 2
};

class DirectoryError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Where the server looks callers up (engine/directory.h: Samba's directory
// over LDAP). Implementations are thread-safe.
class UserDirectory {
public:
    virtual ~UserDirectory() = default;
    // The user whose objectSid is `sid` (string form), or nullopt when there
    // is none. Throws DirectoryError when the directory cannot be asked.
    virtual std::optional<DirectoryUser> find_by_sid(const std::string& sid) = 0;
};

struct ServerOptions {
    // EcDoConnectEx outputs (3.1.4.1); the values of the spec's example (4.1).
    uint32_t polls_max_ms = 60000;
    uint32_t retry_count = 6;
    uint32_t retry_delay_ms = 10000;
    Version server_version = kServerVersion;
    Version min_client_version = kMinClientVersion;
    // ecNotEncrypted unless the call came at RPC_C_AUTHN_LEVEL_PKT_PRIVACY.
    bool require_privacy = true;
    size_t max_sessions_per_user = 64;
    // A session with no call for this long is destroyed (3.1.4.2 lets the
    // server destroy sessions; clients that lose theirs reconnect). A client
    // with nothing to do still polls every pcmsPollsMax (MS-OXCNOTIF 3.2.4.5)
    // or keeps an EcDoAsyncWaitEx outstanding, so 30 polling intervals
    // (30 minutes with the default) without a single call means it is gone.
    std::chrono::milliseconds idle_timeout{30LL * 60000};
    // EcDoAsyncWaitEx (3.3.4.1) should be held up to 5 minutes; the engine's
    // calls are synchronous on a worker pool, so a wait parks a worker. We
    // bound it: at most `max_parked_waits` waits at a time, each at most
    // `async_wait`, then completed without NotificationPending. Beyond that
    // limit a wait is answered ecRejected, after which the client falls back
    // to polling (MS-OXCNOTIF 3.2.5.5.1).
    std::chrono::milliseconds async_wait{5000};
    size_t max_parked_waits = 2;
    // DN prefix returned as szDNPrefix; empty = derived from the user's
    // legacyExchangeDN (its recipient container, see emsmdb.cpp).
    std::string dn_prefix;
    // Clock for idle expiry (tests replace it).
    std::function<std::chrono::steady_clock::time_point()> clock;
};

class SessionTable;

// The recipient container of a user's legacy DN ("/o=Org/ou=Group/cn=Recipients").
std::string recipient_prefix(const std::string& legacy_dn);
// This server's legacy DN in the user's administrative group:
// "/o=Org/ou=Group/cn=Configuration/cn=Servers/cn=<server_name>".
std::string server_legacy_dn(const std::string& user_dn, const std::string& server_name);

// exchange_emsmdb (MS-OXCRPC 3.1): EcDoDisconnect (1),
// EcRRegisterPushNotification (4), EcDummyRpc (6), EcDoConnectEx (10),
// EcDoRpcExt2 (11), EcDoAsyncConnectEx (14). Other opnums: nca_s_op_rng_error.
class EmsmdbServer : public RpcServer {
public:
    EmsmdbServer(std::shared_ptr<UserDirectory> directory, RopProcessorFactory factory, ServerOptions options = {});
    ~EmsmdbServer() override;

    ipc::Reply call(const ipc::Call& c) override;
    void connection_closed(uint64_t conn_id) override;

    // Destroys sessions idle longer than options.idle_timeout; returns how many.
    size_t expire_idle();
    size_t session_count() const;

    const std::shared_ptr<SessionTable>& table() const { return table_; }

private:
    ipc::Reply connect(const ipc::Call& c);
    ipc::Reply rpc_ext2(const ipc::Call& c);
    ipc::Reply disconnect(const ipc::Call& c);
    ipc::Reply register_push(const ipc::Call& c);
    ipc::Reply async_connect(const ipc::Call& c);

    std::shared_ptr<UserDirectory> directory_;
    RopProcessorFactory factory_;
    std::shared_ptr<SessionTable> table_;
};

// asyncemsmdb (MS-OXCRPC 3.3): EcDoAsyncWaitEx (0), on the sessions of an
// EmsmdbServer.
class AsyncEmsmdbServer : public RpcServer {
public:
    explicit AsyncEmsmdbServer(std::shared_ptr<SessionTable> table) : table_(std::move(table)) {}
    ipc::Reply call(const ipc::Call& c) override;

private:
    std::shared_ptr<SessionTable> table_;
};

}  // namespace mg::emsmdb
