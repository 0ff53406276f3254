// The local wire between the Samba module (mapiproxy/module) and the engine.
//
// The module is deliberately thin: it does not decode the Exchange NDR stubs.
// It forwards each call's raw request stub together with the caller's
// identity (taken from Samba's authenticated session) to the engine over a
// unix stream socket, and hands the engine's raw response stub (or a DCE/RPC
// fault code) back to Samba. All parsing of untrusted Exchange bytes happens
// in the engine process, so a decoder bug cannot take the domain controller
// down (ARCHITECTURE-BRIEF, hard constraint 2).
//
// Frame: u32 magic "MGI1", u32 payload length, u16 type, u16 reserved,
//        u64 request id, then the payload. All integers little-endian.
#pragma once

#include "common/bytes.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mg::ipc {

inline constexpr uint32_t kMagic = 0x3149474Du;  // "MGI1"
inline constexpr size_t kHeaderSize = 20;
inline constexpr uint32_t kMaxPayload = 64u * 1024u * 1024u;
inline constexpr uint32_t kProtocolVersion = 1;

enum class FrameType : uint16_t {
    Hello = 1,       // module -> engine, once per socket: version, pid
    Call = 2,        // module -> engine: one DCE/RPC request
    Reply = 3,       // engine -> module: response stub or fault
    ConnClosed = 4,  // module -> engine: a client connection went away
};

// Which DCE/RPC interface a call arrived on.
enum class Iface : uint8_t {
    Emsmdb = 0,       // exchange_emsmdb a4f1db00-ca47-1067-b31f-00dd010662da v0.81
    Nsp = 1,          // exchange_nsp f5cc5a18-4264-101a-8c59-08002b2f8426 v56.0
    DsRfr = 2,        // exchange_ds_rfr 1544f5e0-613c-11d1-93df-00c04fd7bd09 v1.0
    AsyncEmsmdb = 3,  // asyncemsmdb 5261574a-4572-206e-b268-6b199213b4e4 v0.1
};
inline constexpr int kIfaceCount = 4;

inline const char* iface_name(Iface i) {
    switch (i) {
    case Iface::Emsmdb: return "exchange_emsmdb";
    case Iface::Nsp: return "exchange_nsp";
    case Iface::DsRfr: return "exchange_ds_rfr";
    case Iface::AsyncEmsmdb: return "exchange_async_emsmdb";
    }
    return "unknown";
}

struct FrameHeader {
    uint32_t length = 0;
    FrameType type = FrameType::Hello;
    uint64_t id = 0;

    // Decodes a header; throws DecodeError on a bad magic or oversize frame.
    static FrameHeader decode(ByteView b) {
        ByteReader r(b);
        if (r.u32() != kMagic) throw DecodeError("ipc: bad frame magic");
        FrameHeader h;
        h.length = r.u32();
        if (h.length > kMaxPayload) throw DecodeError("ipc: frame too large");
        h.type = FrameType(r.u16());
        r.u16();
        h.id = r.u64();
        return h;
    }
};

inline Bytes encode_frame(FrameType type, uint64_t id, ByteView payload) {
    ByteWriter w(kHeaderSize + payload.size());
    w.u32(kMagic);
    w.u32(uint32_t(payload.size()));
    w.u16(uint16_t(type));
    w.u16(0);
    w.u64(id);
    w.raw(payload);
    return w.take();
}

namespace detail {
inline void put_str(ByteWriter& w, const std::string& s) { w.u32(uint32_t(s.size())); w.raw(std::string_view(s)); }
inline std::string get_str(ByteReader& r) {
    uint32_t n = r.u32();
    return r.str(n, "ipc string");
}
}  // namespace detail

struct Hello {
    uint32_t version = kProtocolVersion;
    uint32_t pid = 0;

    Bytes encode() const { ByteWriter w; w.u32(version); w.u32(pid); return w.take(); }
    static Hello decode(ByteView b) { ByteReader r(b); Hello h; h.version = r.u32(); h.pid = r.u32(); return h; }
};

// The caller as Samba authenticated it. SIDs in string form, user SID first.
struct Identity {
    std::string account;     // sAMAccountName
    std::string domain;      // NetBIOS domain
    std::string principal;   // userPrincipalName (may be empty)
    std::vector<std::string> sids;
    uint8_t auth_type = 0;   // DCE/RPC auth type (10 = SPNEGO, 16 = Kerberos, ...)
    uint8_t auth_level = 0;  // DCE/RPC auth level (6 = privacy)

    const std::string& user_sid() const {
        static const std::string none;
        return sids.empty() ? none : sids.front();
    }
};

struct Call {
    uint64_t conn_id = 0;     // unique per client connection in the samba process
    Iface iface = Iface::Emsmdb;
    uint16_t opnum = 0;
    std::string transport;    // "ncacn_ip_tcp", "ncalrpc", ...
    std::string remote_addr;  // tsocket address string
    Identity who;
    Bytes stub;               // NDR20 request stub, untouched

    Bytes encode() const {
        ByteWriter w(64 + stub.size());
        w.u64(conn_id);
        w.u8(uint8_t(iface));
        w.u16(opnum);
        w.u8(who.auth_type);
        w.u8(who.auth_level);
        detail::put_str(w, transport);
        detail::put_str(w, remote_addr);
        detail::put_str(w, who.account);
        detail::put_str(w, who.domain);
        detail::put_str(w, who.principal);
        w.u32(uint32_t(who.sids.size()));
        for (const auto& s : who.sids) detail::put_str(w, s);
        w.u32(uint32_t(stub.size()));
        w.raw(stub);
        return w.take();
    }
    static Call decode(ByteView b) {
        ByteReader r(b);
        Call c;
        c.conn_id = r.u64();
        uint8_t i = r.u8();
        if (i >= kIfaceCount) throw DecodeError("ipc: unknown interface");
        c.iface = Iface(i);
        c.opnum = r.u16();
        c.who.auth_type = r.u8();
        c.who.auth_level = r.u8();
        c.transport = detail::get_str(r);
        c.remote_addr = detail::get_str(r);
        c.who.account = detail::get_str(r);
        c.who.domain = detail::get_str(r);
        c.who.principal = detail::get_str(r);
        uint32_t nsids = r.u32();
        if (nsids > 4096) throw DecodeError("ipc: too many SIDs");
        for (uint32_t k = 0; k < nsids; ++k) c.who.sids.push_back(detail::get_str(r));
        uint32_t n = r.u32();
        c.stub = r.bytes(n, "ipc stub");
        if (!r.empty()) throw DecodeError("ipc: trailing bytes in call");
        return c;
    }
};

// fault == 0: stub is the NDR20 response; otherwise a DCE/RPC fault status.
struct Reply {
    uint32_t fault = 0;
    Bytes stub;

    Bytes encode() const {
        ByteWriter w(8 + stub.size());
        w.u32(fault);
        w.u32(uint32_t(stub.size()));
        w.raw(stub);
        return w.take();
    }
    static Reply decode(ByteView b) {
        ByteReader r(b);
        Reply p;
        p.fault = r.u32();
        uint32_t n = r.u32();
        p.stub = r.bytes(n, "ipc reply stub");
        if (!r.empty()) throw DecodeError("ipc: trailing bytes in reply");
        return p;
    }
};

struct ConnClosed {
    uint64_t conn_id = 0;
    Bytes encode() const { ByteWriter w; w.u64(conn_id); return w.take(); }
    static ConnClosed decode(ByteView b) { ByteReader r(b); ConnClosed c; c.conn_id = r.u64(); return c; }
};

// DCE/RPC fault codes the two sides agree on (values from C706 / MS-RPCE).
namespace fault {
inline constexpr uint32_t kOpRangeError = 0x1C010002;     // nca_s_op_rng_error
inline constexpr uint32_t kAccessDenied = 0x00000005;
inline constexpr uint32_t kServerUnavailable = 0x000006BA; // engine not reachable
inline constexpr uint32_t kBadStubData = 0x000006F7;
inline constexpr uint32_t kContextMismatch = 0x1C00001A;   // nca_s_fault_context_mismatch
inline constexpr uint32_t kOutOfResources = 0x000006D9;
}  // namespace fault

}  // namespace mg::ipc
