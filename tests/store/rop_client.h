// A test client of the ROP engine: one ROP per request buffer, sent through
// a session of the real engine (RopProcessor) as EcDoRpcExt2 hands them over,
// with the server object handle table kept across calls.
#pragma once

#include "libmapi/propcodec.h"
#include "libmapi/rops.h"
#include "mapiproxy/servers/rop_processor.h"

#include <CppUTest/TestHarness.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mg::store::test {

inline const char* kAliceDn = "/o=First Organization/ou=First Administrative Group/cn=Recipients/cn=alice";

struct RopClient {
    std::unique_ptr<emsmdb::RopProcessor> proc;
    std::vector<uint32_t> handles = std::vector<uint32_t>(12, 0xFFFFFFFF);
    size_t max_size = 0x8000;

    // One ROP in, the raw RopsList of the response out.
    Bytes raw(const Bytes& one_rop) {
        ByteWriter w;
        w.u16(uint16_t(2 + one_rop.size()));
        w.raw(one_rop);
        for (auto h : handles) w.u32(h);
        Bytes resp = proc->process(w.bytes(), max_size);
        ByteReader r(resp);
        uint16_t size = r.u16();
        ByteReader t(ByteView(resp).subspan(size));
        for (auto& h : handles) h = t.u32();
        return Bytes(resp.begin() + 2, resp.begin() + size);
    }
    template <class R>
    rop::Reply<R> run(const typename R::Request& rq) {
        Bytes b = raw(rop::encode_request<R>(rq));
        if (b.empty() || b[0] != R::kId) {
            std::string hex;
            for (auto x : b) {
                char t[4];
                std::snprintf(t, sizeof t, "%02x", x);
                hex += t;
            }
            FAIL((std::string("unexpected response to ") + R::kName + ": " + hex).c_str());
        }
        return rop::decode_response<R>(b);
    }
    // The next chained response buffer (MS-OXCRPC 3.1.4.2.1.2), which must
    // hold one response of ROP R; nullopt when the engine has none.
    template <class R>
    std::optional<rop::Reply<R>> next_chained(size_t max) {
        auto more = proc->next_chained(max);
        if (!more) return std::nullopt;
        ByteReader r(*more);
        uint16_t size = r.u16();
        CHECK(more->size() == size + 4 * handles.size());  // the ROP, then the handle table
        return rop::decode_response<R>(Bytes(more->begin() + 2, more->begin() + size));
    }
    // RopGetPropertiesSpecific (Unicode strings) on the object in `slot`.
    mapi::PropList get_props(uint8_t slot, const std::vector<mapi::PropTag>& tags) {
        rop::RopGetPropertiesSpecific::Request rq;
        rq.in_index = slot;
        rq.want_unicode = 1;
        rq.tags = tags;
        auto r = run<rop::RopGetPropertiesSpecific>(rq);
        CHECK(r.return_value == 0 || r.return_value == rop::kWarnWithErrors);
        ByteReader rr(r.body.row);
        return mapi::read_property_row(rr, tags);
    }
};

inline emsmdb::SessionInfo alice_session() {
    emsmdb::SessionInfo i;
    i.account = "alice";
    i.user_sid = "S-1-5-21-100-200-300-1105";
    i.user_dn = kAliceDn;
    i.display_name = "Alice";
    return i;
}

// A new session of alice on `client` (from `factory`), logged on to her
// private mailbox in handle slot 0.
template <class Factory>
rop::RopLogon::PrivateMailbox logon_alice(RopClient& client, Factory&& factory) {
    client.proc = factory(alice_session());
    client.handles.assign(client.handles.size(), 0xFFFFFFFF);
    rop::RopLogon::Request rq;
    rq.logon_flags = rop::RopLogon::kPrivate;
    rq.open_flags = 0x01000000;  // USE_PER_MDB_REPLID_MAPPING
    rq.essdn = kAliceDn;
    rq.out_index = 0;
    auto r = client.run<rop::RopLogon>(rq);
    LONGS_EQUAL(0, r.return_value);
    return std::get<rop::RopLogon::PrivateMailbox>(r.body.body);
}

}  // namespace mg::store::test
