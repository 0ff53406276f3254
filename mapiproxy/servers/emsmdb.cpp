#include "mapiproxy/servers/emsmdb.h"

#include "common/log.h"
#include "libmapi/oxcrpc.h"
#include "libmapi/oxcrpc_compress.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <iconv.h>
#include <random>
#include <set>
#include <sys/random.h>

namespace mg::emsmdb {

using Clock = std::chrono::steady_clock;
using Uuid = std::array<uint8_t, 16>;
using ndr::ContextHandle;
namespace ox = mg::oxcrpc;

// ------------------------------------------------------------------ versions

Version Version::from_wire(const std::array<uint16_t, 3>& w) {
    if (w[1] & 0x8000)
        return Version{uint16_t(w[0] >> 8), uint16_t(w[0] & 0xFF), uint16_t(w[1] & 0x7FFF), w[2]};
    return Version{w[0], 0, w[1], w[2]};
}

std::array<uint16_t, 3> Version::to_wire() const {
    return {uint16_t((major & 0xFF) << 8 | (minor & 0xFF)), uint16_t(0x8000 | (build_major & 0x7FFF)), build_minor};
}

std::string Version::str() const {
    char buf[32];
    snprintf(buf, sizeof buf, "%u.%u.%u.%u", major, minor, build_major, build_minor);
    return buf;
}

namespace {

// ------------------------------------------------------------------ helpers

// A chained payload is added only while at least this much of pcbOut is left.
constexpr size_t kMinChainedPayload = 1024;

ipc::Reply ok(Bytes stub) { return ipc::Reply{0, std::move(stub)}; }
ipc::Reply context_mismatch() { return ipc::Reply{ipc::fault::kContextMismatch, {}}; }

Uuid uuid_of(const ContextHandle& h) { return h.uuid; }
ContextHandle handle_of(const Uuid& u) {
    ContextHandle h;
    h.uuid = u;
    return h;
}

// A random (version 4) GUID for a context handle: unguessable, so a handle
// cannot be forged even before the SID check.
Uuid random_uuid() {
    Uuid u{};
    size_t got = 0;
    while (got < u.size()) {
        ssize_t n = getrandom(u.data() + got, u.size() - got, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            std::random_device rd;  // getrandom(2) unavailable: the C++ runtime's source
            for (auto& b : u) b = uint8_t(rd());
            got = u.size();
            break;
        }
        got += size_t(n);
    }
    // RFC 4122 4.4, in the byte order ndr::ContextHandle stores (GUID fields little-endian).
    u[7] = uint8_t((u[7] & 0x0F) | 0x40);
    u[8] = uint8_t((u[8] & 0x3F) | 0x80);
    return u;
}

bool iequals(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

// The [string] unsigned char* outputs are in the session's code page
// (ulCpid, 3.1.4.1); the directory gives UTF-8.
std::string to_codepage(const std::string& utf8, uint32_t cpid) {
    if (std::all_of(utf8.begin(), utf8.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x80; }))
        return utf8;
    if (cpid == 65001) return utf8;
    char name[32];
    snprintf(name, sizeof name, "CP%u//TRANSLIT", cpid);
    iconv_t cd = iconv_open(name, "UTF-8");
    std::string out;
    if (cd != iconv_t(-1)) {
        std::string in(utf8);
        out.resize(in.size() * 4 + 8);
        char* ip = in.data();
        size_t il = in.size();
        char* op = out.data();
        size_t ol = out.size();
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        iconv_close(cd);
        if (r != size_t(-1)) {
            out.resize(out.size() - ol);
            out.erase(std::remove(out.begin(), out.end(), '\0'), out.end());
            return out;
        }
        out.clear();
    }
    // Unknown code page or unconvertible text: ASCII with '?' for the rest.
    for (size_t i = 0; i < utf8.size(); ++i) {
        unsigned char ch = static_cast<unsigned char>(utf8[i]);
        if (ch < 0x80) out.push_back(char(ch));
        else if ((ch & 0xC0) != 0x80) out.push_back('?');
    }
    return out;
}

uint32_t elapsed_ms(Clock::time_point since) {
    return uint32_t(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count());
}

}  // namespace

// ------------------------------------------------------------------ sessions

struct Session {
    Uuid id{};
    std::string user_sid;
    uint64_t conn_id = 0;
    SessionInfo info;
    uint16_t icxr = 0;
    uint32_t timestamp = 0;
    std::unique_ptr<RopProcessor> rop;
    std::mutex call_mu;  // serializes the session's calls

    // Guarded by SessionTable::mu_.
    std::optional<Uuid> acxh;
    Clock::time_point last_used;
    int busy = 0;
    bool closed = false;
    bool waiting = false;
};

class SessionTable {
public:
    explicit SessionTable(ServerOptions o) : opt(std::move(o)) { last_sweep_ = now(); }

    const ServerOptions opt;

    Clock::time_point now() const { return opt.clock ? opt.clock() : Clock::now(); }

    enum class AddResult { Added, UserLimit };
    AddResult add(const std::shared_ptr<Session>& s) {
        std::lock_guard<std::mutex> lk(mu_);
        if (per_user_[s->user_sid] >= opt.max_sessions_per_user) return AddResult::UserLimit;
        do s->id = random_uuid();
        while (by_cxh_.count(s->id) != 0);
        do s->icxr = next_icxr_++;
        while (s->icxr == 0 || used_icxr_.count(s->icxr) != 0);
        used_icxr_.insert(s->icxr);
        s->last_used = now();
        by_cxh_[s->id] = s;
        ++per_user_[s->user_sid];
        return AddResult::Added;
    }

    // A caller's use of a session: found by CXH, owned by `sid`, not closed.
    // While a Use lives the session is busy (never expired as idle).
    class Use {
    public:
        Use() = default;
        Use(SessionTable* t, std::shared_ptr<Session> s) : t_(t), s_(std::move(s)) {}
        Use(Use&& o) noexcept : t_(o.t_), s_(std::move(o.s_)) { o.t_ = nullptr; }
        Use& operator=(Use&&) = delete;
        ~Use() { if (t_ && s_) t_->release(*s_); }
        explicit operator bool() const { return s_ != nullptr; }
        Session* operator->() const { return s_.get(); }
        Session& operator*() const { return *s_; }

    private:
        SessionTable* t_ = nullptr;
        std::shared_ptr<Session> s_;
    };

    Use acquire(const ContextHandle& cxh, const std::string& sid) {
        std::lock_guard<std::mutex> lk(mu_);
        auto it = by_cxh_.find(uuid_of(cxh));
        if (it == by_cxh_.end() || sid.empty() || it->second->user_sid != sid || it->second->closed) return Use();
        Session& s = *it->second;
        ++s.busy;
        s.last_used = now();
        return Use(this, it->second);
    }

    bool is_closed(const Session& s) {
        std::lock_guard<std::mutex> lk(mu_);
        return s.closed;
    }

    // EcDoDisconnect: only the owner may destroy its session.
    bool remove(const ContextHandle& cxh, const std::string& sid) {
        std::vector<std::shared_ptr<Session>> dead;
        {
            std::lock_guard<std::mutex> lk(mu_);
            auto it = by_cxh_.find(uuid_of(cxh));
            if (it == by_cxh_.end() || sid.empty() || it->second->user_sid != sid) return false;
            dead.push_back(unlink(it->second));
        }
        cv_.notify_all();
        return true;  // `dead` drops the session (and its RopProcessor) outside the lock
    }

    size_t remove_connection(uint64_t conn_id) {
        std::vector<std::shared_ptr<Session>> dead;
        {
            std::lock_guard<std::mutex> lk(mu_);
            for (auto& [id, s] : by_cxh_)
                if (s->conn_id == conn_id) dead.push_back(s);
            for (auto& s : dead) unlink(s);
        }
        if (!dead.empty()) cv_.notify_all();
        return dead.size();
    }

    size_t expire_idle() {
        std::vector<std::shared_ptr<Session>> dead;
        {
            std::lock_guard<std::mutex> lk(mu_);
            auto t = now();
            last_sweep_ = t;
            for (auto& [id, s] : by_cxh_)
                if (s->busy == 0 && t - s->last_used > opt.idle_timeout) dead.push_back(s);
            for (auto& s : dead) unlink(s);
        }
        for (auto& s : dead)
            LOG_INFO("emsmdb: session of %s\\%s (icxr %u) idle for more than %lld s: destroyed", s->info.domain.c_str(),
                     s->info.account.c_str(), s->icxr,
                     static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(opt.idle_timeout).count()));
        if (!dead.empty()) cv_.notify_all();
        return dead.size();
    }

    // Sweeps idle sessions at most once a minute (or once per idle_timeout
    // when that is shorter), from whatever call comes along.
    void maybe_expire() {
        {
            std::lock_guard<std::mutex> lk(mu_);
            auto period = std::min<Clock::duration>(std::chrono::minutes(1), opt.idle_timeout);
            if (now() - last_sweep_ < period) return;
        }
        expire_idle();
    }

    size_t size() {
        std::lock_guard<std::mutex> lk(mu_);
        return by_cxh_.size();
    }

    size_t sessions_of(const std::string& sid) {
        std::lock_guard<std::mutex> lk(mu_);
        auto it = per_user_.find(sid);
        return it == per_user_.end() ? 0 : it->second;
    }

    // EcDoAsyncConnectEx (3.1.4.4): the session's asynchronous context handle.
    ContextHandle async_handle(Session& s) {
        std::lock_guard<std::mutex> lk(mu_);
        if (!s.acxh) {
            Uuid a;
            do a = random_uuid();
            while (by_acxh_.count(a) != 0 || by_cxh_.count(a) != 0);
            s.acxh = a;
            by_acxh_[a] = by_cxh_.at(s.id);
        }
        return handle_of(*s.acxh);
    }

    struct WaitResult {
        uint32_t flags_out = 0;
        uint32_t result = ec::kSuccess;
    };

    // EcDoAsyncWaitEx (3.3.4.1, MS-OXCNOTIF 3.1.5.3), bounded: see
    // ServerOptions::async_wait.
    WaitResult async_wait(const ContextHandle& acxh, const std::string& sid) {
        std::unique_lock<std::mutex> lk(mu_);
        auto it = by_acxh_.find(uuid_of(acxh));
        // 3.3.4.1: "If the asynchronous context handle is not valid, the
        // server successfully completes the call, setting the
        // NotificationPending flag". A handle of another user is not valid
        // for this caller.
        if (it == by_acxh_.end() || sid.empty() || it->second->user_sid != sid || it->second->closed)
            return {ox::kNotificationPending, ec::kSuccess};
        std::shared_ptr<Session> s = it->second;
        // MS-OXCNOTIF 3.1.5.3: a second outstanding call for the session is
        // completed with Rejected; so is a wait beyond our parking limit.
        if (s->waiting || parked_ >= opt.max_parked_waits) return {0, ec::kRejected};
        s->waiting = true;
        ++parked_;
        ++s->busy;
        s->last_used = now();
        cv_.wait_for(lk, opt.async_wait, [&] { return s->closed || stopping_; });
        s->waiting = false;
        --parked_;
        --s->busy;
        s->last_used = now();
        // A destroyed session: its handle is no longer valid, so the answer is
        // NotificationPending; the client's next EcDoRpcExt2 learns the rest.
        return {s->closed ? ox::kNotificationPending : 0u, ec::kSuccess};
    }

    void stop_waits() {
        {
            std::lock_guard<std::mutex> lk(mu_);
            stopping_ = true;
        }
        cv_.notify_all();
    }

private:
    void release(Session& s) {
        std::lock_guard<std::mutex> lk(mu_);
        --s.busy;
        s.last_used = now();
    }

    // Removes a session from every index; the caller holds mu_.
    std::shared_ptr<Session> unlink(std::shared_ptr<Session> s) {
        s->closed = true;
        by_cxh_.erase(s->id);
        if (s->acxh) by_acxh_.erase(*s->acxh);
        used_icxr_.erase(s->icxr);
        auto pu = per_user_.find(s->user_sid);
        if (pu != per_user_.end() && --pu->second == 0) per_user_.erase(pu);
        return s;
    }

    std::mutex mu_;
    std::condition_variable cv_;
    std::map<Uuid, std::shared_ptr<Session>> by_cxh_;
    std::map<Uuid, std::shared_ptr<Session>> by_acxh_;
    std::map<std::string, size_t> per_user_;
    std::set<uint16_t> used_icxr_;
    uint16_t next_icxr_ = 1;
    size_t parked_ = 0;
    bool stopping_ = false;
    Clock::time_point last_sweep_;
};

// ------------------------------------------------------------------ EMSMDB

EmsmdbServer::EmsmdbServer(std::shared_ptr<UserDirectory> directory, RopProcessorFactory factory, ServerOptions options)
    : directory_(std::move(directory)), factory_(std::move(factory)),
      table_(std::make_shared<SessionTable>(std::move(options))) {}

EmsmdbServer::~EmsmdbServer() { table_->stop_waits(); }

size_t EmsmdbServer::expire_idle() { return table_->expire_idle(); }
size_t EmsmdbServer::session_count() const { return table_->size(); }

void EmsmdbServer::connection_closed(uint64_t conn_id) {
    size_t n = table_->remove_connection(conn_id);
    if (n) LOG_DEBUG("emsmdb: connection %llx closed: %zu session(s) run down", static_cast<unsigned long long>(conn_id), n);
}

ipc::Reply EmsmdbServer::call(const ipc::Call& c) {
    table_->maybe_expire();
    switch (ox::EmsmdbOpnum(c.opnum)) {
    case ox::EmsmdbOpnum::EcDoDisconnect: return disconnect(c);
    case ox::EmsmdbOpnum::EcRRegisterPushNotification: return register_push(c);
    case ox::EmsmdbOpnum::EcDummyRpc: {
        ox::EcDummyRpcRequest::decode(c.stub);
        return ok(ox::EcDummyRpcResponse{}.encode());  // 3.1.4.6: MUST succeed and return 0
    }
    case ox::EmsmdbOpnum::EcDoConnectEx: return connect(c);
    case ox::EmsmdbOpnum::EcDoRpcExt2: return rpc_ext2(c);
    case ox::EmsmdbOpnum::EcDoAsyncConnectEx: return async_connect(c);
    }
    return UnimplementedServer().call(c);
}

// 3.1.4.1 EcDoConnectEx
ipc::Reply EmsmdbServer::connect(const ipc::Call& c) {
    auto rq = ox::EcDoConnectExRequest::decode(c.stub);
    const ServerOptions& opt = table_->opt;
    const Version client = Version::from_wire(rq.rgwClientVersion);

    ox::EcDoConnectExResponse rs;  // zero CXH: "On failure, the server MUST return a zero value"
    rs.rgwServerVersion = opt.server_version.to_wire();
    rs.ulTimeStamp = 0;
    auto refuse = [&](uint32_t code, const char* why) {
        LOG_INFO("emsmdb: EcDoConnectEx by %s\\%s (client %s) for '%s' refused (0x%08x): %s", c.who.domain.c_str(),
                 c.who.account.c_str(), client.str().c_str(), rq.szUserDN.c_str(), code, why);
        rs.result = code;
        return ok(rs.encode());
    };

    if (opt.require_privacy && c.who.auth_level < 6)
        return refuse(ec::kNotEncrypted, "the binding is not at RPC_C_AUTHN_LEVEL_PKT_PRIVACY");
    // cbAuxIn "greater than 0x00000000 and less than 0x00000008": ecRpcFailed (SHOULD).
    if (!rq.rgbAuxIn.empty() && rq.rgbAuxIn.size() < ox::kRpcHeaderExtSize)
        return refuse(ec::kRpcFailed, "cbAuxIn shorter than an RPC_HEADER_EXT");
    if (client < opt.min_client_version) {
        rs.rgwBestVersion = opt.min_client_version.to_wire();
        return refuse(ec::kVersionMismatch, "client protocol version older than the minimum");
    }
    if (rq.ulFlags & 0x00000001) return refuse(ec::kLoginPerm, "administrative access is not offered");
    if (rq.szUserDN.empty() || c.who.user_sid().empty())
        return refuse(ec::kAccessDenied, "empty szUserDN or no caller SID");

    std::optional<DirectoryUser> user;
    try {
        user = directory_->find_by_sid(c.who.user_sid());
    } catch (const DirectoryError& e) {
        LOG_ERROR("emsmdb: directory lookup of %s failed: %s", c.who.user_sid().c_str(), e.what());
        return refuse(ec::kLoginFailure, "directory unavailable");
    }
    if (!user || user->legacy_dn.empty()) return refuse(ec::kUnknownUser, "the caller has no mailbox");
    if (user->mailbox_disabled) return refuse(ec::kUnknownUser, "the caller's mailbox is disabled");
    // "The server verifies that the authentication context ... has ownership
    // privileges to a directory service object that contains a DN that is in
    // the szUserDN parameter" (4.1): only the caller's own mailbox.
    if (!iequals(user->legacy_dn, rq.szUserDN))
        return refuse(ec::kAccessDenied, "szUserDN is not the caller's legacyExchangeDN");

    auto s = std::make_shared<Session>();
    s->user_sid = c.who.user_sid();
    s->conn_id = c.conn_id;
    s->timestamp = uint32_t(::time(nullptr));
    SessionInfo& info = s->info;
    info.account = user->account.empty() ? c.who.account : user->account;
    info.domain = c.who.domain;
    info.user_sid = s->user_sid;
    info.user_dn = user->legacy_dn;
    info.display_name = user->display_name.empty() ? info.account : user->display_name;
    info.mail = user->mail;
    info.codepage = rq.ulCpid;
    info.locale_string = rq.ulLcidString;
    info.locale_sort = rq.ulLcidSort;
    info.client_version = rq.rgwClientVersion;
    try {
        s->rop = factory_(info);
    } catch (const std::exception& e) {
        LOG_ERROR("emsmdb: cannot open the session of %s: %s", info.account.c_str(), e.what());
        return refuse(ec::kLoginFailure, "the mailbox cannot be opened");
    }
    if (!s->rop) return refuse(ec::kLoginFailure, "the mailbox cannot be opened");

    if (table_->add(s) == SessionTable::AddResult::UserLimit) {
        table_->expire_idle();
        if (table_->add(s) == SessionTable::AddResult::UserLimit)
            return refuse(ec::kSessionLimit, "too many sessions for this user");
    }

    rs.cxh = handle_of(s->id);
    rs.cmsPollsMax = opt.polls_max_ms;
    rs.cRetry = opt.retry_count;
    rs.cmsRetryDelay = opt.retry_delay_ms;
    rs.icxr = s->icxr;
    rs.szDNPrefix = opt.dn_prefix.empty() ? recipient_prefix(user->legacy_dn) : opt.dn_prefix;
    rs.szDisplayName = to_codepage(info.display_name, rq.ulCpid);
    rs.rgwBestVersion = rq.rgwClientVersion;  // "On success, the server returns the value passed in rgwClientVersion"
    // Session linking (ulIcxrLink) is optional; we do not link, and return
    // the creation time stamp of the new Session Context.
    rs.ulTimeStamp = s->timestamp;
    rs.result = ec::kSuccess;
    LOG_INFO("emsmdb: session for %s\\%s (%s) opened, client %s, cpid %u, icxr %u, conn %llx", info.domain.c_str(),
             info.account.c_str(), info.user_dn.c_str(), client.str().c_str(), info.codepage, s->icxr,
             static_cast<unsigned long long>(c.conn_id));
    return ok(rs.encode());
}

// 3.1.4.2 EcDoRpcExt2
ipc::Reply EmsmdbServer::rpc_ext2(const ipc::Call& c) {
    auto rq = ox::EcDoRpcExt2Request::decode(c.stub);
    auto s = table_->acquire(rq.cxh, c.who.user_sid());
    if (!s) return context_mismatch();
    std::lock_guard<std::mutex> serial(s->call_mu);
    if (table_->is_closed(*s)) return context_mismatch();  // disconnected while we queued

    const auto t0 = Clock::now();
    ox::EcDoRpcExt2Response rs;
    rs.cxh = rq.cxh;
    rs.ulFlags = 0;  // 3.1.4.2: the server returns 0 in pulFlags
    auto finish = [&](uint32_t code) {
        if (code != ec::kSuccess) rs.rgbOut.clear();
        rs.result = code;
        rs.ulTransTime = elapsed_ms(t0);
        return ok(rs.encode());
    };

    // rgbAuxIn is accepted and ignored; a buffer too short for its header is
    // refused like EcDoConnectEx's (ecRpcFailed).
    if (!rq.rgbAuxIn.empty() && rq.rgbAuxIn.size() < ox::kRpcHeaderExtSize) return finish(ec::kRpcFailed);
    // pcbOut below 8 cannot hold a single RPC_HEADER_EXT: ecRpcFormat, as
    // 3.1.4.2 describes (pcbOut above 0x40000 never gets here: the stub
    // decoder rejects it, which the dispatcher turns into RPC_X_BAD_STUB_DATA).
    if (rq.cbOut < ox::kRpcHeaderExtSize) return finish(ec::kRpcFormat);

    std::vector<ox::ExtPayload> in;
    try {
        in = ox::parse_ext_chain(rq.rgbIn);
    } catch (const DecodeError& e) {
        LOG_INFO("emsmdb: EcDoRpcExt2 from %s: malformed rgbIn: %s", c.who.account.c_str(), e.what());
        return finish(ec::kRpcFormat);
    }

    // One response payload per request payload, each within 32 KiB
    // (3.1.4.2.1) and all of them, headers included, within pcbOut.
    // Compression never makes a payload larger (build_ext_chain keeps the
    // plain form otherwise), so budgeting on plain sizes is safe.
    std::vector<Bytes> out;
    size_t used = 0;
    for (auto& p : in) {
        size_t remaining = rq.cbOut - used;
        // Room for a header and at least the RopSize field of a ROP buffer.
        if (remaining < ox::kRpcHeaderExtSize + 2) return finish(ec::kBufferTooSmall);
        size_t max_size = std::min(ox::kMaxExtPayload, remaining - ox::kRpcHeaderExtSize);
        Bytes resp;
        try {
            resp = s->rop->process(p.data, max_size);
        } catch (const DecodeError& e) {
            LOG_INFO("emsmdb: EcDoRpcExt2 from %s: malformed ROP buffer: %s", c.who.account.c_str(), e.what());
            return finish(ec::kRpcFormat);
        }
        if (resp.size() > max_size) {
            LOG_ERROR("emsmdb: ROP processor returned %zu bytes for a %zu-byte budget", resp.size(), max_size);
            return finish(ec::kBufferTooSmall);
        }
        used += ox::kRpcHeaderExtSize + resp.size();
        out.push_back(std::move(resp));
    }
    // Extended buffer packing (3.1.4.2.1.2): with the Chain flag, a final
    // RopQueryRows/RopReadStream that has more output is run again into
    // further payloads while a useful one still fits pcbOut.
    if (rq.ulFlags & ox::kRpcExt2Chain) {
        for (;;) {
            size_t remaining = rq.cbOut - used;
            if (remaining < ox::kRpcHeaderExtSize + kMinChainedPayload) break;
            auto more = s->rop->next_chained(std::min(ox::kMaxExtPayload, remaining - ox::kRpcHeaderExtSize));
            if (!more) break;
            used += ox::kRpcHeaderExtSize + more->size();
            out.push_back(std::move(*more));
        }
    }
    rs.rgbOut = ox::build_ext_chain(out, ox::ExtBuildOptions::from_rpcext2_flags(rq.ulFlags));
    if (rs.rgbOut.size() > rq.cbOut) {  // cannot happen (see above); never answer more than pcbOut
        LOG_ERROR("emsmdb: rgbOut of %zu bytes exceeds pcbOut %u", rs.rgbOut.size(), rq.cbOut);
        return finish(ec::kBufferTooSmall);
    }
    return finish(ec::kSuccess);
}

// 3.1.4.3 EcDoDisconnect
ipc::Reply EmsmdbServer::disconnect(const ipc::Call& c) {
    auto rq = ox::EcDoDisconnectRequest::decode(c.stub);
    if (!table_->remove(rq.cxh, c.who.user_sid())) return context_mismatch();
    LOG_DEBUG("emsmdb: session of %s closed by EcDoDisconnect", c.who.account.c_str());
    ox::EcDoDisconnectResponse rs;  // zeroed CXH: the handle is destroyed
    rs.result = ec::kSuccess;
    return ok(rs.encode());
}

// 3.1.4.5 EcRRegisterPushNotification: the server MAY support it (<26>:
// Exchange 2013 and later do not). We do not send UDP push notifications:
// ecNotSupported ("The callback address is not supported on the server"),
// and clients use asynchronous waits or polling instead.
ipc::Reply EmsmdbServer::register_push(const ipc::Call& c) {
    auto rq = ox::EcRRegisterPushNotificationRequest::decode(c.stub);
    auto s = table_->acquire(rq.cxh, c.who.user_sid());
    if (!s) return context_mismatch();
    ox::EcRRegisterPushNotificationResponse rs;
    rs.cxh = rq.cxh;
    rs.hNotification = 0;
    rs.result = ec::kNotSupported;
    return ok(rs.encode());
}

// 3.1.4.4 EcDoAsyncConnectEx
ipc::Reply EmsmdbServer::async_connect(const ipc::Call& c) {
    auto rq = ox::EcDoAsyncConnectExRequest::decode(c.stub);
    auto s = table_->acquire(rq.cxh, c.who.user_sid());
    if (!s) return context_mismatch();
    ox::EcDoAsyncConnectExResponse rs;
    rs.acxh = table_->async_handle(*s);
    rs.result = ec::kSuccess;
    return ok(rs.encode());
}

// ------------------------------------------------------------------ AsyncEMSMDB

// 3.3.4.1 EcDoAsyncWaitEx. Notifications are not produced yet: a valid wait
// completes after ServerOptions::async_wait without NotificationPending, or
// at once with NotificationPending when its session is destroyed.
ipc::Reply AsyncEmsmdbServer::call(const ipc::Call& c) {
    if (ox::AsyncEmsmdbOpnum(c.opnum) != ox::AsyncEmsmdbOpnum::EcDoAsyncWaitEx) return UnimplementedServer().call(c);
    auto rq = ox::EcDoAsyncWaitExRequest::decode(c.stub);
    auto w = table_->async_wait(rq.acxh, c.who.user_sid());
    ox::EcDoAsyncWaitExResponse rs;
    rs.ulFlagsOut = w.flags_out;
    rs.result = w.result;
    return ok(rs.encode());
}

// A legacy DN without its last "/cn=" component ("" when it has none).
static std::string parent_dn(const std::string& dn) {
    std::string lower(dn);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
    size_t pos = lower.rfind("/cn=");
    return pos == std::string::npos || pos == 0 ? std::string() : dn.substr(0, pos);
}

// szDNPrefix (3.1.4.1): "a DN prefix that is used to build message
// recipients". Recipients of the organization live in the user's own
// recipient container, so the prefix is the user's legacyExchangeDN without
// its last "/cn=" component ("/o=Org/ou=Group/cn=Recipients").
std::string recipient_prefix(const std::string& legacy_dn) { return parent_dn(legacy_dn); }

std::string server_legacy_dn(const std::string& user_dn, const std::string& server_name) {
    return parent_dn(recipient_prefix(user_dn)) + "/cn=Configuration/cn=Servers/cn=" + server_name;
}

}  // namespace mg::emsmdb
