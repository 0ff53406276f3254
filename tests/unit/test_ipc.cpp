#include "mapiproxy/ipc/ipc_protocol.h"

#include <CppUTest/TestHarness.h>

using namespace mg;

TEST_GROUP(Ipc) {};

TEST(Ipc, CallRoundTrip) {
    ipc::Call c;
    c.conn_id = 0x1234567890abcdefull;
    c.iface = ipc::Iface::Nsp;
    c.opnum = 19;
    c.transport = "ncacn_ip_tcp";
    c.remote_addr = "ipv4:127.0.0.1:5000";
    c.who.account = "demo";
    c.who.domain = "SANDBOX";
    c.who.principal = "demo@sandbox.test";
    c.who.sids = {"S-1-5-21-1-2-3-1104", "S-1-5-11"};
    c.who.auth_type = 10;
    c.who.auth_level = 6;
    c.stub = {1, 2, 3, 4, 5};
    auto d = ipc::Call::decode(c.encode());
    CHECK(d.conn_id == c.conn_id);
    CHECK(d.iface == ipc::Iface::Nsp);
    LONGS_EQUAL(19, d.opnum);
    STRCMP_EQUAL("S-1-5-21-1-2-3-1104", d.who.user_sid().c_str());
    LONGS_EQUAL(2, d.who.sids.size());
    LONGS_EQUAL(6, d.who.auth_level);
    CHECK(d.stub == c.stub);
}

TEST(Ipc, FrameHeader) {
    Bytes payload = {9, 9, 9};
    Bytes f = ipc::encode_frame(ipc::FrameType::Reply, 77, payload);
    LONGS_EQUAL(ipc::kHeaderSize + 3, f.size());
    auto h = ipc::FrameHeader::decode(ByteView(f.data(), ipc::kHeaderSize));
    LONGS_EQUAL(3, h.length);
    CHECK(h.type == ipc::FrameType::Reply);
    CHECK(h.id == 77);
    f[0] ^= 0xff;
    CHECK_THROWS(DecodeError, ipc::FrameHeader::decode(ByteView(f.data(), ipc::kHeaderSize)));
}

TEST(Ipc, RejectsTruncatedAndOversized) {
    ipc::Call c;
    c.stub = Bytes(100, 0xaa);
    Bytes e = c.encode();
    for (size_t n : {size_t(0), size_t(8), e.size() - 1})
        CHECK_THROWS(DecodeError, ipc::Call::decode(ByteView(e.data(), n)));
    Bytes extra = e;
    extra.push_back(0);
    CHECK_THROWS(DecodeError, ipc::Call::decode(extra));
    ByteWriter w;
    w.u32(ipc::kMagic);
    w.u32(ipc::kMaxPayload + 1);
    w.u16(2);
    w.u16(0);
    w.u64(1);
    CHECK_THROWS(DecodeError, ipc::FrameHeader::decode(w.bytes()));
    ipc::Reply r{0, {1, 2}};
    Bytes re = r.encode();
    re[4] = 0xff;  // stub length beyond the payload
    CHECK_THROWS(DecodeError, ipc::Reply::decode(re));
}
