// The ROP engine's buffer handling (Session::process) with handlers of its
// own: per-ROP errors, and RopBackoff when the store is unavailable.
#include "libmapi/rops.h"
#include "mapiproxy/servers/rop_engine.h"
#include "mapistore/db.h"
#include "tests/unit/testutil.h"

using namespace mg;
using namespace mg::emsmdb;

namespace {

// RopGetStoreState answers by its logon id: 0 works, 1 fails with a plain
// store error, 2 finds the database gone.
RopTable test_table(int& calls) {
    RopTable t;
    add_rop<rop::RopGetStoreState>(t, [&calls](RopContext&, const rop::InputOnly& rq, rop::RopGetStoreState::Response& rs) {
        ++calls;
        if (rq.logon_id == 1) throw store::StoreError(mapi::ec::NotFound, "no such thing");
        if (rq.logon_id == 2) throw store::DbError(2006, "MySQL server has gone away");
        rs.store_state = 7;
        return 0u;
    });
    return t;
}

Bytes buffer_of(std::initializer_list<uint8_t> logons) {
    ByteWriter rops;
    for (uint8_t l : logons) rops.raw(rop::encode_request<rop::RopGetStoreState>(rop::InputOnly{l, 0}));
    ByteWriter w;
    w.u16(uint16_t(2 + rops.size()));
    w.raw(rops.bytes());
    w.u32(0x11);  // one handle
    return w.take();
}

}  // namespace

TEST_GROUP(RopEngineBuffer){};

TEST(RopEngineBuffer, StoreUnavailableEndsTheBufferWithRopBackoff) {
    int calls = 0;
    RopTable t = test_table(calls);
    Session s(SessionInfo{}, t);
    Bytes resp = s.process(buffer_of({0, 1, 2, 0}), 0x8000);
    LONGS_EQUAL(3, calls);  // the ROP after the backoff is not run
    ByteReader r(resp);
    uint16_t size = r.u16();
    LONGS_EQUAL(resp.size() - 4, size);  // then the handle table, unchanged
    Bytes rops(resp.begin() + 2, resp.begin() + size);
    // 1: success with StoreState 7; 2: ecNotFound; then RopBackoff for logon 2.
    test::check_bytes(test::hex("7B 00 00000000 07000000"), Bytes(rops.begin(), rops.begin() + 10));
    test::check_bytes(test::hex("7B 00 0F010480"), Bytes(rops.begin() + 10, rops.begin() + 16));
    auto b = rop::decode_special<rop::RopBackoff>(ByteView(rops).subspan(16));
    LONGS_EQUAL(2, b.logon_id);
    LONGS_EQUAL(kBackoffMs, b.duration);
    LONGS_EQUAL(1, b.rops.size());
    LONGS_EQUAL(rop::RopGetStoreState::kId, b.rops[0].rop_id);
    LONGS_EQUAL(kBackoffMs, b.rops[0].duration);
    LONGS_EQUAL(0x11, ByteReader(ByteView(resp).subspan(size)).u32());
}

TEST(RopEngineBuffer, BackoffFitsEvenAfterAShortRequest) {
    int calls = 0;
    RopTable t = test_table(calls);
    Session s(SessionInfo{}, t);
    // Room for exactly the header, the RopBackoff and the handle table.
    Bytes resp = s.process(buffer_of({2}), 2 + 14 + 4);
    LONGS_EQUAL(1, calls);
    auto b = rop::decode_special<rop::RopBackoff>(ByteView(resp).subspan(2, resp.size() - 6));
    LONGS_EQUAL(kBackoffMs, b.duration);
}
