// mapiproxy — the Samba DCE/RPC endpoint server of mapigate.
//
// Loaded by Samba 4's AD DC from its dcerpc_server modules directory. It
// registers exchange_emsmdb, exchange_nsp, exchange_ds_rfr and asyncemsmdb
// and does exactly three things (ARCHITECTURE-BRIEF, hard constraints 1-3):
//   1. takes each request's raw NDR stub, undecoded;
//   2. attaches the caller's identity from Samba's authenticated session;
//   3. hands both to the engine daemon over a unix socket and marks the call
//      asynchronous, so Samba's event loop never waits on us. The engine's
//      answer is fed back with dcesrv_reply().
// If the engine is unreachable or goes away, calls fail at once with a
// DCE/RPC fault (server unavailable); the next call reconnects.
//
// This file is the only code in mapigate that sees Samba's dcesrv structures.

extern "C" {
#include <stdbool.h>
#include <stdint.h>
#include <talloc.h>
#include <tevent.h>
#include <core/ntstatus.h>
#include <util/data_blob.h>
#include <util/time.h>
#include <ndr.h>
#include <gen_ndr/security.h>
#include <gen_ndr/auth.h>
#include <dcesrv_core.h>
#include <dcerpc_server.h>
#include <param.h>
#include <util/debug.h>
#include <rpc_common.h>
#include <tsocket.h>
}

#include "mapiproxy/ipc/ipc_protocol.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <map>
#include <memory>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

#define MG_EXPORT __attribute__((visibility("default")))

namespace {

using mg::Bytes;
namespace ipc = mg::ipc;

constexpr const char* kDefaultEngineSocket = "/run/mapigate/engine.sock";
constexpr uint64_t kConnStateMagic = 0x6d61706967617465ull;  // "mapigate"

// ---------------------------------------------------------------------------
// Interfaces

struct IfaceDesc {
    ipc::Iface id;
    const char* name;          // the name smb.conf uses
    const char* alt_name;      // accepted alias, may be null
    GUID uuid;
    uint32_t if_version;       // major | minor << 16
};

const IfaceDesc kIfaces[ipc::kIfaceCount] = {
    {ipc::Iface::Emsmdb, "exchange_emsmdb", "emsmdb",
     {0xa4f1db00, 0xca47, 0x1067, {0xb3, 0x1f}, {0x00, 0xdd, 0x01, 0x06, 0x62, 0xda}}, 0u | (81u << 16)},
    {ipc::Iface::Nsp, "exchange_nsp", "nspi",
     {0xf5cc5a18, 0x4264, 0x101a, {0x8c, 0x59}, {0x08, 0x00, 0x2b, 0x2f, 0x84, 0x26}}, 56u},
    {ipc::Iface::DsRfr, "exchange_ds_rfr", "rfr",
     {0x1544f5e0, 0x613c, 0x11d1, {0x93, 0xdf}, {0x00, 0xc0, 0x4f, 0xd7, 0xbd, 0x09}}, 1u},
    {ipc::Iface::AsyncEmsmdb, "exchange_async_emsmdb", "asyncemsmdb",
     {0x5261574a, 0x4572, 0x206e, {0xb2, 0x68}, {0x6b, 0x19, 0x92, 0x13, 0xb4, 0xe4}}, 0u | (1u << 16)},
};

struct dcesrv_interface g_ifaces[ipc::kIfaceCount];
bool g_enabled[ipc::kIfaceCount] = {true, true, true, true};
std::string g_engine_socket = kDefaultEngineSocket;

// ---------------------------------------------------------------------------
// Per-call and per-connection state (talloc-owned, as Samba requires)

class EngineLink;

struct MgCall {
    ipc::Iface iface;
    uint16_t opnum;
    Bytes* stub;            // request, then response (owned, freed by destructor)
    uint32_t fault;
    uint64_t ipc_id;        // 0 while not sent
    EngineLink* link;       // the link carrying it while in flight
};

int mgcall_destructor(MgCall* c);

struct MgConn {
    uint64_t id;
};

int mgconn_destructor(MgConn* c);

// ---------------------------------------------------------------------------
// Engine links: unix stream sockets to the engine, driven by tevent. The
// engine answers the calls of one link in order, on that link's thread, so
// each call goes to a link with nothing in flight (a new one is opened, up
// to kMaxLinks); concurrency costs links, not thread hand-offs.

constexpr size_t kMaxLinks = 16;

class EngineLink {
public:
    bool connect(tevent_context* ev);
    bool send(ipc::FrameType type, uint64_t id, const Bytes& payload);
    bool connected() const { return fd_ >= 0; }
    size_t in_flight() const { return pending_.size(); }
    void track(uint64_t id, dcesrv_call_state* call) { pending_[id] = call; }
    void untrack(uint64_t id) { pending_.erase(id); }

private:
    static void on_fd(tevent_context*, tevent_fd*, uint16_t flags, void* priv);
    void handle_readable();
    void flush();
    void drop(const char* why);
    void deliver(uint64_t id, uint32_t fault, Bytes&& stub);

    int fd_ = -1;
    tevent_fd* fde_ = nullptr;
    Bytes inbuf_;
    std::deque<Bytes> outq_;
    size_t out_off_ = 0;
    std::map<uint64_t, dcesrv_call_state*> pending_;
};

class EngineClient {
public:
    // A connected link for the next call, or nullptr when the engine cannot
    // be reached.
    EngineLink* pick(tevent_context* ev);
    uint64_t next_id() { return ++last_id_; }
    // Control frames (ConnClosed) go on any connected link.
    void send_control(ipc::FrameType type, const Bytes& payload);

private:
    std::vector<std::unique_ptr<EngineLink>> links_;
    uint64_t last_id_ = 0;
};

EngineClient* g_engine = nullptr;
uint64_t g_conn_counter = 0;

EngineLink* EngineClient::pick(tevent_context* ev) {
    EngineLink* least = nullptr;
    for (auto& l : links_) {
        if (!l->connected()) continue;
        if (l->in_flight() == 0) return l.get();
        if (!least || l->in_flight() < least->in_flight()) least = l.get();
    }
    // Reconnect a dropped link before opening a new one.
    for (auto& l : links_)
        if (!l->connected()) return l->connect(ev) ? l.get() : least;
    if (links_.size() < kMaxLinks) {
        links_.push_back(std::make_unique<EngineLink>());
        if (links_.back()->connect(ev)) return links_.back().get();
    }
    return least;
}

void EngineClient::send_control(ipc::FrameType type, const Bytes& payload) {
    for (auto& l : links_)
        if (l->connected()) {
            l->send(type, 0, payload);
            return;
        }
}

bool EngineLink::connect(tevent_context* ev) {
    if (fd_ >= 0) return true;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (g_engine_socket.size() >= sizeof(sa.sun_path)) {
        close(fd);
        DEBUG(0, ("mapiproxy: engine socket path too long: %s\n", g_engine_socket.c_str()));
        return false;
    }
    memcpy(sa.sun_path, g_engine_socket.c_str(), g_engine_socket.size() + 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 && errno != EINPROGRESS &&
        errno != EAGAIN) {
        DEBUG(1, ("mapiproxy: engine not reachable at %s: %s\n", g_engine_socket.c_str(), strerror(errno)));
        close(fd);
        return false;
    }
    fd_ = fd;
    fde_ = tevent_add_fd(ev, nullptr, fd_, TEVENT_FD_READ, &EngineLink::on_fd, this);
    if (fde_ == nullptr) {
        close(fd_);
        fd_ = -1;
        return false;
    }
    ipc::Hello hello;
    hello.pid = uint32_t(getpid());
    DEBUG(2, ("mapiproxy: new link to the engine at %s\n", g_engine_socket.c_str()));
    return send(ipc::FrameType::Hello, 0, hello.encode());
}

bool EngineLink::send(ipc::FrameType type, uint64_t id, const Bytes& payload) {
    if (fd_ < 0) return false;
    outq_.push_back(ipc::encode_frame(type, id, payload));
    flush();
    return fd_ >= 0;
}

void EngineLink::flush() {
    while (fd_ >= 0 && !outq_.empty()) {
        const Bytes& f = outq_.front();
        ssize_t n = ::send(fd_, f.data() + out_off_, f.size() - out_off_, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            if (errno == EINTR) continue;
            drop(strerror(errno));
            return;
        }
        out_off_ += size_t(n);
        if (out_off_ == f.size()) {
            outq_.pop_front();
            out_off_ = 0;
        }
    }
    if (fde_ != nullptr)
        tevent_fd_set_flags(fde_, TEVENT_FD_READ | (outq_.empty() ? 0 : TEVENT_FD_WRITE));
}

void EngineLink::on_fd(tevent_context*, tevent_fd*, uint16_t flags, void* priv) {
    auto* self = static_cast<EngineLink*>(priv);
    if (flags & TEVENT_FD_WRITE) self->flush();
    if ((flags & TEVENT_FD_READ) && self->fd_ >= 0) self->handle_readable();
}

void EngineLink::handle_readable() {
    uint8_t buf[65536];
    for (;;) {
        ssize_t n = recv(fd_, buf, sizeof(buf), 0);
        if (n == 0) { drop("engine closed the connection"); return; }
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            drop(strerror(errno));
            return;
        }
        inbuf_.insert(inbuf_.end(), buf, buf + n);
        if (size_t(n) < sizeof(buf)) break;
    }
    size_t off = 0;
    try {
        while (inbuf_.size() - off >= ipc::kHeaderSize) {
            auto h = ipc::FrameHeader::decode(mg::ByteView(inbuf_.data() + off, ipc::kHeaderSize));
            if (inbuf_.size() - off - ipc::kHeaderSize < h.length) break;
            mg::ByteView payload(inbuf_.data() + off + ipc::kHeaderSize, h.length);
            off += ipc::kHeaderSize + h.length;
            if (h.type == ipc::FrameType::Reply) {
                auto r = ipc::Reply::decode(payload);
                deliver(h.id, r.fault, std::move(r.stub));
            }
            if (fd_ < 0) return;  // a reply callback may have dropped us
        }
    } catch (const std::exception& e) {
        inbuf_.clear();
        drop(e.what());
        return;
    }
    inbuf_.erase(inbuf_.begin(), inbuf_.begin() + ptrdiff_t(off));
}

void EngineLink::deliver(uint64_t id, uint32_t fault, Bytes&& stub) {
    auto it = pending_.find(id);
    if (it == pending_.end()) return;  // the client went away meanwhile
    dcesrv_call_state* call = it->second;
    pending_.erase(it);
    auto* mc = static_cast<MgCall*>(call->r);
    mc->ipc_id = 0;
    mc->link = nullptr;
    mc->fault = fault;
    *mc->stub = std::move(stub);
    NTSTATUS st = dcesrv_reply(call);
    if (!NT_STATUS_IS_OK(st))
        DEBUG(1, ("mapiproxy: dcesrv_reply failed: %s\n", nt_errstr(st)));
}

void EngineLink::drop(const char* why) {
    DEBUG(0, ("mapiproxy: lost a link to the engine (%s); its pending calls fail with a fault\n", why));
    TALLOC_FREE(fde_);
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    inbuf_.clear();
    outq_.clear();
    out_off_ = 0;
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& [id, call] : pending) {
        auto* mc = static_cast<MgCall*>(call->r);
        mc->ipc_id = 0;
        mc->link = nullptr;
        mc->fault = ipc::fault::kServerUnavailable;
        dcesrv_reply(call);
    }
}

int mgcall_destructor(MgCall* c) {
    if (c->ipc_id != 0 && c->link != nullptr) c->link->untrack(c->ipc_id);
    delete c->stub;
    c->stub = nullptr;
    return 0;
}

int mgconn_destructor(MgConn* c) {
    if (g_engine != nullptr) {
        ipc::ConnClosed cc;
        cc.conn_id = c->id;
        g_engine->send_control(ipc::FrameType::ConnClosed, cc.encode());
    }
    return 0;
}

// ---------------------------------------------------------------------------
// Identity

std::string sid_string(const dom_sid& s) {
    uint64_t ia = 0;
    for (int i = 0; i < 6; ++i) ia = (ia << 8) | s.id_auth[i];
    std::string out = "S-" + std::to_string(s.sid_rev_num) + "-" + std::to_string(ia);
    for (int i = 0; i < s.num_auths && i < 15; ++i) out += "-" + std::to_string(s.sub_auths[i]);
    return out;
}

const IfaceDesc* desc_of(const dcesrv_interface* iface) {
    return static_cast<const IfaceDesc*>(iface->private_data);
}

// ---------------------------------------------------------------------------
// dcesrv_interface callbacks

NTSTATUS mg_bind(dcesrv_connection_context* context, const dcesrv_interface* iface) {
    // The engine speaks NDR20 only; refusing an NDR64 presentation context lets
    // the client use the NDR20 context it offers alongside.
    if (context->transfer_syntax.if_version == 1 && context->transfer_syntax.uuid.time_low == 0x71710533) {
        DEBUG(3, ("mapiproxy: refusing NDR64 context for %s\n", iface->name));
        return NT_STATUS_RPC_UNSUPPORTED_NAME_SYNTAX;
    }
    // Samba negotiates authentication only after the interface has accepted
    // the presentation context, so anonymous callers cannot be told apart
    // here; mg_dispatch refuses them on their first call (fault 5).
    return NT_STATUS_OK;
}

void mg_unbind(dcesrv_connection_context*, const dcesrv_interface*) {}

NTSTATUS mg_ndr_pull(dcesrv_call_state* call, TALLOC_CTX* mem_ctx, ndr_pull* pull, void** r) {
    if (pull->flags & LIBNDR_FLAG_NDR64) {
        call->fault_code = ipc::fault::kBadStubData;
        return NT_STATUS_NET_WRITE_FAULT;
    }
    MgCall* mc = talloc_zero(mem_ctx, MgCall);
    if (mc == nullptr) return NT_STATUS_NO_MEMORY;
    try {
        mc->stub = new Bytes(pull->data + pull->offset, pull->data + pull->data_size);
    } catch (...) {
        talloc_free(mc);
        return NT_STATUS_NO_MEMORY;
    }
    talloc_set_destructor(mc, mgcall_destructor);
    mc->iface = desc_of(call->context->iface)->id;
    mc->opnum = call->pkt.u.request.opnum;
    pull->offset = pull->data_size;
    *r = mc;
    return NT_STATUS_OK;
}

MgConn* conn_state(dcesrv_call_state* call) {
    MgConn* c = dcesrv_iface_state_find_conn(call, kConnStateMagic, MgConn);
    if (c != nullptr) return c;
    c = talloc_zero(call, MgConn);
    if (c == nullptr) return nullptr;
    c->id = (uint64_t(uint32_t(getpid())) << 32) | (++g_conn_counter & 0xffffffffu);
    talloc_set_destructor(c, mgconn_destructor);
    if (!NT_STATUS_IS_OK(dcesrv_iface_state_store_conn(call, kConnStateMagic, c))) {
        talloc_free(c);
        return nullptr;
    }
    return c;
}

NTSTATUS fault(dcesrv_call_state* call, uint32_t code) {
    call->fault_code = code;
    return NT_STATUS_NET_WRITE_FAULT;
}

NTSTATUS mg_dispatch(dcesrv_call_state* call, TALLOC_CTX*, void* r) {
    auto* mc = static_cast<MgCall*>(r);
    if (!dcesrv_call_authenticated(call)) {
        DEBUG(2, ("mapiproxy: unauthenticated call to %s refused\n", call->context->iface->name));
        return fault(call, ipc::fault::kAccessDenied);
    }
    auth_session_info* si = dcesrv_call_session_info(call);
    if (si == nullptr || si->security_token == nullptr || si->security_token->num_sids == 0 ||
        si->info == nullptr)
        return fault(call, ipc::fault::kAccessDenied);
    if (!(call->state_flags & DCESRV_CALL_STATE_FLAG_MAY_ASYNC))
        return fault(call, ipc::fault::kOutOfResources);  // never answer synchronously
    EngineLink* link = g_engine != nullptr ? g_engine->pick(call->event_ctx) : nullptr;
    if (link == nullptr) return fault(call, ipc::fault::kServerUnavailable);
    MgConn* conn = conn_state(call);
    if (conn == nullptr) return fault(call, ipc::fault::kOutOfResources);

    ipc::Call c;
    try {
        c.conn_id = conn->id;
        c.iface = mc->iface;
        c.opnum = mc->opnum;
        if (call->conn->endpoint != nullptr) {
            // In C++ the endpoint struct is scoped inside dcesrv_context.
            auto* ep = reinterpret_cast<const dcesrv_context::dcesrv_endpoint*>(call->conn->endpoint);
            switch (dcerpc_binding_get_transport(ep->ep_description)) {
            case NCACN_IP_TCP: c.transport = "ncacn_ip_tcp"; break;
            case NCALRPC: c.transport = "ncalrpc"; break;
            case NCACN_NP: c.transport = "ncacn_np"; break;
            default: c.transport = "other"; break;
            }
        }
        const tsocket_address* ra = dcesrv_connection_get_remote_address(call->conn);
        if (ra != nullptr) {
            char* s = tsocket_address_string(ra, call);
            if (s != nullptr) c.remote_addr = s;
        }
        enum dcerpc_AuthType at;
        enum dcerpc_AuthLevel al;
        dcesrv_call_auth_info(call, &at, &al);
        c.who.auth_type = uint8_t(at);
        c.who.auth_level = uint8_t(al);
        if (si->info->account_name) c.who.account = si->info->account_name;
        if (si->info->domain_name) c.who.domain = si->info->domain_name;
        if (si->info->user_principal_name) c.who.principal = si->info->user_principal_name;
        for (uint32_t i = 0; i < si->security_token->num_sids; ++i)
            c.who.sids.push_back(sid_string(si->security_token->sids[i]));
        if (c.who.user_sid() == "S-1-5-7") return fault(call, ipc::fault::kAccessDenied);
        c.stub = std::move(*mc->stub);
        uint64_t id = g_engine->next_id();
        if (!link->send(ipc::FrameType::Call, id, c.encode()))
            return fault(call, ipc::fault::kServerUnavailable);
        mc->ipc_id = id;
        mc->link = link;
        link->track(id, call);
    } catch (...) {
        return fault(call, ipc::fault::kOutOfResources);
    }
    call->state_flags |= DCESRV_CALL_STATE_FLAG_ASYNC;
    return NT_STATUS_OK;
}

NTSTATUS mg_reply(dcesrv_call_state* call, TALLOC_CTX*, void* r) {
    auto* mc = static_cast<MgCall*>(r);
    if (mc->fault != 0) return fault(call, mc->fault);
    return NT_STATUS_OK;
}

NTSTATUS mg_ndr_push(dcesrv_call_state* call, TALLOC_CTX*, ndr_push* push, const void* r) {
    auto* mc = static_cast<const MgCall*>(r);
    if (mc->stub->empty()) return NT_STATUS_OK;
    if (ndr_push_bytes(push, mc->stub->data(), uint32_t(mc->stub->size())) != NDR_ERR_SUCCESS)
        return fault(call, ipc::fault::kOutOfResources);
    return NT_STATUS_OK;
}

// ---------------------------------------------------------------------------
// Configuration (the seed guides' smb.conf lines are accepted verbatim)

std::vector<std::string> split_list(const char* s) {
    std::vector<std::string> out;
    std::string cur;
    for (const char* p = s; ; ++p) {
        if (*p == '\0' || *p == ',' || *p == ' ' || *p == '\t') {
            if (!cur.empty()) out.push_back(cur);
            cur.clear();
            if (*p == '\0') break;
        } else {
            cur += char(tolower(static_cast<unsigned char>(*p)));
        }
    }
    return out;
}

void read_config(loadparm_context* lp) {
    const char* server = lpcfg_parm_string(lp, nullptr, "dcerpc_mapiproxy", "server");
    if (server != nullptr) {
        std::string v;
        for (const char* p = server; *p; ++p) v += char(tolower(static_cast<unsigned char>(*p)));
        if (v == "false" || v == "no" || v == "0" || v == "off") {
            DEBUG(0, ("mapiproxy: 'dcerpc_mapiproxy:server = %s': mapigate always serves the mailbox "
                      "itself (proxy mode does not exist); continuing as server\n", server));
        } else if (!(v == "true" || v == "yes" || v == "1" || v == "on")) {
            DEBUG(0, ("mapiproxy: invalid value '%s' for 'dcerpc_mapiproxy:server' (expected true/false); "
                      "using true\n", server));
        }
    }
    const char* list = lpcfg_parm_string(lp, nullptr, "dcerpc_mapiproxy", "interfaces");
    if (list != nullptr) {
        bool any = false;
        bool sel[ipc::kIfaceCount] = {false, false, false, false};
        for (const auto& name : split_list(list)) {
            bool found = false;
            for (int i = 0; i < ipc::kIfaceCount; ++i) {
                if (name == kIfaces[i].name || (kIfaces[i].alt_name && name == kIfaces[i].alt_name)) {
                    sel[i] = true;
                    found = any = true;
                }
            }
            if (!found)
                DEBUG(0, ("mapiproxy: unknown interface '%s' in 'dcerpc_mapiproxy:interfaces' ignored "
                          "(known: exchange_emsmdb, exchange_nsp, exchange_ds_rfr, exchange_async_emsmdb)\n",
                          name.c_str()));
        }
        if (!any) {
            DEBUG(0, ("mapiproxy: 'dcerpc_mapiproxy:interfaces = %s' names no known interface; "
                      "serving all of them\n", list));
        } else {
            // asyncemsmdb belongs to EMSMDB: served whenever EMSMDB is.
            if (sel[int(ipc::Iface::Emsmdb)]) sel[int(ipc::Iface::AsyncEmsmdb)] = true;
            for (int i = 0; i < ipc::kIfaceCount; ++i) g_enabled[i] = sel[i];
        }
    }
    const char* sock = lpcfg_parm_string(lp, nullptr, "mapiproxy", "engine_socket");
    if (sock != nullptr && *sock != '\0') {
        if (sock[0] != '/') {
            DEBUG(0, ("mapiproxy: 'mapiproxy:engine_socket = %s' is not an absolute path; using %s\n", sock,
                      kDefaultEngineSocket));
        } else {
            g_engine_socket = sock;
        }
    }
}

// ---------------------------------------------------------------------------
// Endpoint server

void fill_iface(int i) {
    dcesrv_interface& d = g_ifaces[i];
    memset(&d, 0, sizeof(d));
    d.name = kIfaces[i].name;
    d.syntax_id.uuid = kIfaces[i].uuid;
    d.syntax_id.if_version = kIfaces[i].if_version;
    d.bind = mg_bind;
    d.unbind = mg_unbind;
    d.ndr_pull = mg_ndr_pull;
    d.dispatch = mg_dispatch;
    d.reply = mg_reply;
    d.ndr_push = mg_ndr_push;
    d.local = nullptr;
    d.private_data = &kIfaces[i];
    d.flags = 0;  // context handles are used: Samba keeps us in one process
}

NTSTATUS mg_init_server(dcesrv_context* dce_ctx, const dcesrv_endpoint_server*) {
    read_config(dce_ctx->lp_ctx);
    if (g_engine == nullptr) g_engine = new EngineClient();
    for (int i = 0; i < ipc::kIfaceCount; ++i) {
        if (!g_enabled[i]) continue;
        fill_iface(i);
        for (const char* ep : {"ncacn_ip_tcp:", "ncalrpc:[MAPIGATE]"}) {
            NTSTATUS st = dcesrv_interface_register(dce_ctx, ep, nullptr, &g_ifaces[i], nullptr);
            if (!NT_STATUS_IS_OK(st)) {
                // Never fail the endpoint server: that would take all of the
                // DC's RPC down with it. Log and keep serving what we can.
                DEBUG(0, ("mapiproxy: failed to register %s on %s: %s\n", g_ifaces[i].name, ep, nt_errstr(st)));
            }
        }
        DEBUG(2, ("mapiproxy: serving %s\n", g_ifaces[i].name));
    }
    DEBUG(1, ("mapiproxy: mapigate endpoint server ready, engine socket %s\n", g_engine_socket.c_str()));
    return NT_STATUS_OK;
}

NTSTATUS mg_shutdown_server(dcesrv_context*, const dcesrv_endpoint_server*) { return NT_STATUS_OK; }

bool mg_interface_by_uuid(dcesrv_interface* iface, const GUID* uuid, uint32_t if_version) {
    for (int i = 0; i < ipc::kIfaceCount; ++i) {
        if (kIfaces[i].if_version == if_version && memcmp(&kIfaces[i].uuid, uuid, sizeof(GUID)) == 0) {
            fill_iface(i);
            memcpy(iface, &g_ifaces[i], sizeof(*iface));
            return true;
        }
    }
    return false;
}

bool mg_interface_by_name(dcesrv_interface* iface, const char* name) {
    for (int i = 0; i < ipc::kIfaceCount; ++i) {
        if (strcmp(kIfaces[i].name, name) == 0) {
            fill_iface(i);
            memcpy(iface, &g_ifaces[i], sizeof(*iface));
            return true;
        }
    }
    return false;
}

}  // namespace

extern "C" MG_EXPORT NTSTATUS samba_init_module(TALLOC_CTX*) {
    static dcesrv_endpoint_server ep;
    memset(&ep, 0, sizeof(ep));
    ep.name = "mapiproxy";
    ep.init_server = mg_init_server;
    ep.shutdown_server = mg_shutdown_server;
    ep.interface_by_uuid = mg_interface_by_uuid;
    ep.interface_by_name = mg_interface_by_name;
    NTSTATUS st = dcerpc_register_ep_server(&ep);
    if (!NT_STATUS_IS_OK(st)) {
        DEBUG(0, ("mapiproxy: failed to register endpoint server: %s\n", nt_errstr(st)));
        return st;
    }
    return NT_STATUS_OK;
}
