// EMSMDB / AsyncEMSMDB server (mapiproxy/servers/emsmdb.*): sessions bound
// to SIDs and connections, EcDoConnectEx checks, EcDoRpcExt2 extended
// buffers and size limits, asynchronous waits. A fake directory and an
// echoing RopProcessor stand in for Samba's LDAP and the ROP engine.
#include "client/emsmdb_client.h"
#include "libmapi/oxcrpc.h"
#include "libmapi/oxcrpc_compress.h"
#include "mapiproxy/servers/emsmdb.h"

#include <CppUTest/TestHarness.h>

#include <atomic>
#include <thread>

using namespace mg;
using namespace mg::emsmdb;
namespace ox = mg::oxcrpc;

namespace {

const char* kSidA = "S-1-5-21-1-2-3-1104";
const char* kSidB = "S-1-5-21-1-2-3-1105";
const char* kDnA = "/o=First Organization/ou=First Administrative Group/cn=Recipients/cn=alice";
const char* kDnB = "/o=First Organization/ou=First Administrative Group/cn=Recipients/cn=bob";

struct FakeDirectory : UserDirectory {
    std::map<std::string, DirectoryUser> users;
    bool broken = false;
    std::optional<DirectoryUser> find_by_sid(const std::string& sid) override {
        if (broken) throw DirectoryError("directory down");
        auto it = users.find(sid);
        if (it == users.end()) return std::nullopt;
        return it->second;
    }
};

// Echoes the request as the response (cut to max_size); "BAD!" is malformed.
struct EchoProcessor : RopProcessor {
    std::vector<size_t>* budgets;
    std::atomic<int>* inside;
    std::atomic<bool>* overlapped;
    Bytes process(ByteView request, size_t max_size) override {
        if (inside && (*inside)++ > 0) *overlapped = true;
        if (budgets) budgets->push_back(max_size);
        if (inside) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        if (inside) --*inside;
        if (request.size() == 4 && std::equal(request.begin(), request.end(), "BAD!"))
            throw DecodeError("bad ROP buffer");
        // "MORE": a buffer whose last ROP has five more chained buffers to give.
        chain_left = request.size() == 4 && std::equal(request.begin(), request.end(), "MORE") ? 5 : 0;
        return Bytes(request.begin(), request.begin() + std::min(request.size(), max_size));
    }
    int chain_left = 0;
    std::optional<Bytes> next_chained(size_t max_size) override {
        if (chain_left == 0) return std::nullopt;
        --chain_left;
        if (budgets) budgets->push_back(max_size);
        return Bytes(std::min<size_t>(max_size, 20000), uint8_t(0xC0 + chain_left));
    }
};

struct Fixture {
    std::shared_ptr<FakeDirectory> dir = std::make_shared<FakeDirectory>();
    std::vector<size_t> budgets;
    std::atomic<int> inside{0};
    std::atomic<bool> overlapped{false};
    std::vector<SessionInfo> infos;
    std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now();
    std::shared_ptr<EmsmdbServer> server;
    std::shared_ptr<AsyncEmsmdbServer> async;

    explicit Fixture(ServerOptions o = {}) {
        dir->users[kSidA] = DirectoryUser{"alice", kDnA, "Alice Liddell", "alice@example.test", false};
        dir->users[kSidB] = DirectoryUser{"bob", kDnB, "Bob", "bob@example.test", false};
        o.clock = [this] { return now; };
        server = std::make_shared<EmsmdbServer>(dir, [this](const SessionInfo& info) {
            infos.push_back(info);
            auto p = std::make_unique<EchoProcessor>();
            p->budgets = &budgets;
            p->inside = &inside;
            p->overlapped = &overlapped;
            return std::unique_ptr<RopProcessor>(std::move(p));
        }, o);
        async = std::make_shared<AsyncEmsmdbServer>(server->table());
    }

    static ipc::Call call(uint16_t opnum, Bytes stub, const char* sid, uint64_t conn = 1, uint8_t level = 6) {
        ipc::Call c;
        c.conn_id = conn;
        c.opnum = opnum;
        c.stub = std::move(stub);
        c.who.account = "someone";
        c.who.domain = "EXAMPLE";
        c.who.sids = {sid};
        c.who.auth_level = level;
        return c;
    }

    static ox::EcDoConnectExRequest connect_request(const std::string& dn) {
        ox::EcDoConnectExRequest rq;
        rq.szUserDN = dn;
        rq.ulCpid = 1252;
        rq.ulLcidString = 0x407;
        rq.ulLcidSort = 0x409;
        rq.ulIcxrLink = 0xFFFFFFFF;
        rq.usFCanConvertCodePages = 1;
        rq.rgwClientVersion = {0x0F00, 0x8000 | 4, 0};  // 15.0.4.0
        rq.cbAuxOut = 0x1008;
        return rq;
    }

    ox::EcDoConnectExResponse connect(const ox::EcDoConnectExRequest& rq, const char* sid, uint64_t conn = 1,
                                      uint8_t level = 6) {
        auto r = server->call(call(10, rq.encode(), sid, conn, level));
        LONGS_EQUAL(0, r.fault);
        return ox::EcDoConnectExResponse::decode(r.stub);
    }
    ox::EcDoConnectExResponse connect(const char* dn, const char* sid, uint64_t conn = 1) {
        return connect(connect_request(dn), sid, conn);
    }

    ipc::Reply rpc(const ndr::ContextHandle& cxh, const Bytes& rgbIn, uint32_t flags, uint32_t cbOut,
                   const char* sid) {
        ox::EcDoRpcExt2Request rq;
        rq.cxh = cxh;
        rq.ulFlags = flags;
        rq.rgbIn = rgbIn;
        rq.cbOut = cbOut;
        rq.cbAuxOut = 0x1008;
        return server->call(call(11, rq.encode(), sid));
    }
    ox::EcDoRpcExt2Response rpc_ok(const ndr::ContextHandle& cxh, const Bytes& rgbIn, uint32_t flags,
                                   uint32_t cbOut = 0x40000, const char* sid = kSidA) {
        auto r = rpc(cxh, rgbIn, flags, cbOut, sid);
        LONGS_EQUAL(0, r.fault);
        return ox::EcDoRpcExt2Response::decode(r.stub);
    }
};

Bytes pattern(size_t n, uint8_t seed) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) b[i] = uint8_t(seed + (i % 7));  // compressible
    return b;
}

ox::EcDoAsyncWaitExResponse wait_ex(Fixture& f, const ndr::ContextHandle& acxh, const char* sid) {
    ox::EcDoAsyncWaitExRequest rq;
    rq.acxh = acxh;
    auto r = f.async->call(Fixture::call(0, rq.encode(), sid));
    LONGS_EQUAL(0, r.fault);
    return ox::EcDoAsyncWaitExResponse::decode(r.stub);
}

ndr::ContextHandle async_connect(Fixture& f, const ndr::ContextHandle& cxh) {
    ox::EcDoAsyncConnectExRequest rq;
    rq.cxh = cxh;
    auto r = f.server->call(Fixture::call(14, rq.encode(), kSidA));
    LONGS_EQUAL(0, r.fault);
    auto rs = ox::EcDoAsyncConnectExResponse::decode(r.stub);
    LONGS_EQUAL(0, rs.result);
    CHECK_FALSE(rs.acxh.is_null());
    return rs.acxh;
}

}  // namespace

TEST_GROUP(EmsmdbVersion){};

TEST(EmsmdbVersion, NormalizesBothWireFormats) {
    // 3.1.4.1.3.1 and the example of 4.1: 0x000C 0x183E 0x03E8 = 12.0.6206.1000.
    CHECK(Version::from_wire({0x000C, 0x183E, 0x03E8}) == (Version{12, 0, 6206, 1000}));
    CHECK(Version::from_wire({0x0F00, 0x85D9, 0x0002}) == kServerVersion);
    CHECK(Version::from_wire(kServerVersion.to_wire()) == kServerVersion);
    CHECK(Version::from_wire({0x0A00, 0x8000, 0}) < kMinClientVersion);
    STRCMP_EQUAL("15.0.1497.2", kServerVersion.str().c_str());
}

TEST_GROUP(EmsmdbConnect){};

TEST(EmsmdbConnect, OwnMailboxOpensSessionBoundToSid) {
    Fixture f;
    auto rs = f.connect(kDnA, kSidA);
    LONGS_EQUAL(0, rs.result);
    CHECK_FALSE(rs.cxh.is_null());
    LONGS_EQUAL(60000, rs.cmsPollsMax);
    CHECK(rs.szDisplayName.has_value());
    STRCMP_EQUAL("Alice Liddell", rs.szDisplayName->c_str());
    STRCMP_EQUAL("/o=First Organization/ou=First Administrative Group/cn=Recipients", rs.szDNPrefix->c_str());
    CHECK(Version::from_wire(rs.rgwServerVersion) == kServerVersion);
    CHECK(rs.rgwBestVersion == Fixture::connect_request(kDnA).rgwClientVersion);
    CHECK(rs.ulTimeStamp != 0);
    CHECK(rs.icxr != 0);
    LONGS_EQUAL(0, rs.rgbAuxOut.size());
    LONGS_EQUAL(1, f.server->session_count());
    // SessionInfo reaches the ROP processor factory.
    LONGS_EQUAL(1, f.infos.size());
    LONGS_EQUAL(1252, f.infos[0].codepage);
    LONGS_EQUAL(0x407, f.infos[0].locale_string);
    LONGS_EQUAL(0x409, f.infos[0].locale_sort);
    STRCMP_EQUAL(kSidA, f.infos[0].user_sid.c_str());
    STRCMP_EQUAL(kDnA, f.infos[0].user_dn.c_str());
}

TEST(EmsmdbConnect, DnComparisonIgnoresCase) {
    Fixture f;
    std::string dn = kDnA;
    for (auto& ch : dn) ch = char(std::toupper(static_cast<unsigned char>(ch)));
    LONGS_EQUAL(0, f.connect(dn.c_str(), kSidA).result);
}

TEST(EmsmdbConnect, AnotherUsersDnIsRefusedWithoutSession) {
    Fixture f;
    auto rs = f.connect(kDnB, kSidA);
    LONGS_EQUAL(ec::kAccessDenied, rs.result);
    CHECK(rs.cxh.is_null());
    CHECK_FALSE(rs.szDisplayName.has_value());
    LONGS_EQUAL(0, f.server->session_count());
    LONGS_EQUAL(0, f.infos.size());
}

TEST(EmsmdbConnect, EmptyDnIsAccessDenied) {
    Fixture f;
    LONGS_EQUAL(ec::kAccessDenied, f.connect("", kSidA).result);
}

TEST(EmsmdbConnect, CallerWithoutMailboxIsUnknownUser) {
    Fixture f;
    f.dir->users[kSidA].legacy_dn.clear();
    LONGS_EQUAL(ec::kUnknownUser, f.connect(kDnA, kSidA).result);
    LONGS_EQUAL(ec::kUnknownUser, f.connect(kDnA, "S-1-5-21-1-2-3-9999").result);
    f.dir->users[kSidB].mailbox_disabled = true;
    LONGS_EQUAL(ec::kUnknownUser, f.connect(kDnB, kSidB).result);
    LONGS_EQUAL(0, f.server->session_count());
}

TEST(EmsmdbConnect, DirectoryFailureIsLoginFailure) {
    Fixture f;
    f.dir->broken = true;
    auto rs = f.connect(kDnA, kSidA);
    LONGS_EQUAL(ec::kLoginFailure, rs.result);
    CHECK(rs.cxh.is_null());
}

TEST(EmsmdbConnect, OldClientGetsVersionMismatchAndMinimum) {
    Fixture f;
    auto rq = Fixture::connect_request(kDnA);
    rq.rgwClientVersion = {0x000A, 0x1000, 0};  // 10.0.4096.0
    auto rs = f.connect(rq, kSidA);
    LONGS_EQUAL(ec::kVersionMismatch, rs.result);
    CHECK(Version::from_wire(rs.rgwBestVersion) == kMinClientVersion);
    CHECK(rs.cxh.is_null());
    rq.rgwClientVersion = {0x000B, 0, 0};  // exactly 11.0.0.0
    LONGS_EQUAL(0, f.connect(rq, kSidA).result);
}

TEST(EmsmdbConnect, PrivacyLevelAndAdminFlagAndShortAux) {
    Fixture f;
    LONGS_EQUAL(ec::kNotEncrypted, f.connect(Fixture::connect_request(kDnA), kSidA, 1, 5).result);
    auto rq = Fixture::connect_request(kDnA);
    rq.ulFlags = 1;
    LONGS_EQUAL(ec::kLoginPerm, f.connect(rq, kSidA).result);
    rq = Fixture::connect_request(kDnA);
    rq.rgbAuxIn = Bytes(5, 0);
    LONGS_EQUAL(ec::kRpcFailed, f.connect(rq, kSidA).result);
    LONGS_EQUAL(0, f.server->session_count());
}

TEST(EmsmdbConnect, SessionsPerUserAreLimited) {
    ServerOptions o;
    o.max_sessions_per_user = 3;
    Fixture f(o);
    for (int i = 0; i < 3; ++i) LONGS_EQUAL(0, f.connect(kDnA, kSidA).result);
    LONGS_EQUAL(ec::kSessionLimit, f.connect(kDnA, kSidA).result);
    LONGS_EQUAL(0, f.connect(kDnB, kSidB).result);  // another user is not affected
    LONGS_EQUAL(4, f.server->session_count());
}

TEST(EmsmdbConnect, MalformedStubIsDecodeError) {
    Fixture f;
    CHECK_THROWS(DecodeError, f.server->call(Fixture::call(10, Bytes{1, 2, 3}, kSidA)));
}

TEST_GROUP(EmsmdbHandles){};

TEST(EmsmdbHandles, ForeignOrUnknownCxhIsContextMismatch) {
    Fixture f;
    auto a = f.connect(kDnA, kSidA);
    Bytes in = ox::build_ext_buffer(Bytes{2, 0}, {false, false});
    // Bob presents Alice's handle.
    LONGS_EQUAL(ipc::fault::kContextMismatch, f.rpc(a.cxh, in, 0, 0x8000, kSidB).fault);
    // A handle nobody created.
    ndr::ContextHandle forged = a.cxh;
    forged.uuid[0] ^= 0xFF;
    LONGS_EQUAL(ipc::fault::kContextMismatch, f.rpc(forged, in, 0, 0x8000, kSidA).fault);
    // Bob cannot disconnect it either; Alice's session survives.
    ox::EcDoDisconnectRequest d;
    d.cxh = a.cxh;
    LONGS_EQUAL(ipc::fault::kContextMismatch, f.server->call(Fixture::call(1, d.encode(), kSidB)).fault);
    LONGS_EQUAL(0, f.rpc_ok(a.cxh, in, 0).result);
}

TEST(EmsmdbHandles, DisconnectDestroysSessionAndZeroesHandle) {
    Fixture f;
    auto a = f.connect(kDnA, kSidA);
    ox::EcDoDisconnectRequest d;
    d.cxh = a.cxh;
    auto r = f.server->call(Fixture::call(1, d.encode(), kSidA));
    LONGS_EQUAL(0, r.fault);
    auto rs = ox::EcDoDisconnectResponse::decode(r.stub);
    LONGS_EQUAL(0, rs.result);
    CHECK(rs.cxh.is_null());
    LONGS_EQUAL(0, f.server->session_count());
    Bytes in = ox::build_ext_buffer(Bytes{2, 0}, {false, false});
    LONGS_EQUAL(ipc::fault::kContextMismatch, f.rpc(a.cxh, in, 0, 0x8000, kSidA).fault);
    LONGS_EQUAL(ipc::fault::kContextMismatch, f.server->call(Fixture::call(1, d.encode(), kSidA)).fault);
}

TEST(EmsmdbHandles, ConnectionRundownDestroysOnlyThatConnectionsSessions) {
    Fixture f;
    auto a1 = f.connect(kDnA, kSidA, 7);
    auto a2 = f.connect(kDnA, kSidA, 8);
    LONGS_EQUAL(2, f.server->session_count());
    f.server->connection_closed(7);
    LONGS_EQUAL(1, f.server->session_count());
    Bytes in = ox::build_ext_buffer(Bytes{2, 0}, {false, false});
    LONGS_EQUAL(ipc::fault::kContextMismatch, f.rpc(a1.cxh, in, 0, 0x8000, kSidA).fault);
    LONGS_EQUAL(0, f.rpc_ok(a2.cxh, in, 0).result);
}

TEST(EmsmdbHandles, IdleSessionsExpire) {
    Fixture f;
    auto a = f.connect(kDnA, kSidA);
    f.now += std::chrono::minutes(29);
    LONGS_EQUAL(0, f.server->expire_idle());
    Bytes in = ox::build_ext_buffer(Bytes{2, 0}, {false, false});
    LONGS_EQUAL(0, f.rpc_ok(a.cxh, in, 0).result);  // activity resets the clock
    f.now += std::chrono::minutes(29);
    LONGS_EQUAL(0, f.server->expire_idle());
    f.now += std::chrono::minutes(2);
    LONGS_EQUAL(1, f.server->expire_idle());
    LONGS_EQUAL(ipc::fault::kContextMismatch, f.rpc(a.cxh, in, 0, 0x8000, kSidA).fault);
}

TEST(EmsmdbHandles, DummyRpcAndPushNotification) {
    Fixture f;
    auto r = f.server->call(Fixture::call(6, {}, kSidA));
    LONGS_EQUAL(0, r.fault);
    LONGS_EQUAL(0, ox::EcDummyRpcResponse::decode(r.stub).result);
    auto a = f.connect(kDnA, kSidA);
    ox::EcRRegisterPushNotificationRequest p;
    p.cxh = a.cxh;
    p.rgbContext = Bytes{1, 2, 3};
    p.rgbCallbackAddress = Bytes(16, 0);
    r = f.server->call(Fixture::call(4, p.encode(), kSidA));
    LONGS_EQUAL(0, r.fault);
    auto prs = ox::EcRRegisterPushNotificationResponse::decode(r.stub);
    LONGS_EQUAL(ec::kNotSupported, prs.result);
    CHECK(prs.cxh == a.cxh);
    LONGS_EQUAL(ipc::fault::kOpRangeError, f.server->call(Fixture::call(0, {}, kSidA)).fault);
}

TEST_GROUP(EmsmdbRpcExt2){};

TEST(EmsmdbRpcExt2, CompressedObfuscatedChainIsProcessedPayloadByPayload) {
    Fixture f;
    auto a = f.connect(kDnA, kSidA);
    std::vector<Bytes> payloads{pattern(3000, 1), pattern(500, 9)};
    Bytes in = ox::build_ext_chain(payloads, {true, true});
    auto hdr = ox::parse_ext_chain(in);
    CHECK(hdr[0].header.flags & ox::kRhefCompressed);
    CHECK(hdr[0].header.flags & ox::kRhefXorMagic);

    auto rs = f.rpc_ok(a.cxh, in, 0);  // the client allows compression and obfuscation
    LONGS_EQUAL(0, rs.result);
    LONGS_EQUAL(0, rs.ulFlags);
    LONGS_EQUAL(0, rs.rgbAuxOut.size());
    auto out = ox::parse_ext_chain(rs.rgbOut);
    LONGS_EQUAL(2, out.size());
    CHECK(out[0].data == payloads[0]);
    CHECK(out[1].data == payloads[1]);
    CHECK(out[0].header.flags & ox::kRhefCompressed);
    CHECK(out[0].header.flags & ox::kRhefXorMagic);
    CHECK(out[1].header.flags & ox::kRhefLast);
    CHECK(rs.rgbOut.size() < 3500);
}

TEST(EmsmdbRpcExt2, OutputCompressedOnlyWhenAllowed) {
    Fixture f;
    auto a = f.connect(kDnA, kSidA);
    Bytes in = ox::build_ext_buffer(pattern(2000, 3), {false, false});
    auto rs = f.rpc_ok(a.cxh, in, ox::kRpcExt2NoCompression);
    auto out = ox::parse_ext_chain(rs.rgbOut);
    CHECK_FALSE(out[0].header.flags & ox::kRhefCompressed);
    CHECK(out[0].header.flags & ox::kRhefXorMagic);
    rs = f.rpc_ok(a.cxh, in, ox::kRpcExt2NoCompression | ox::kRpcExt2NoXorMagic);
    out = ox::parse_ext_chain(rs.rgbOut);
    LONGS_EQUAL(ox::kRhefLast, out[0].header.flags);
    LONGS_EQUAL(8 + 2000, rs.rgbOut.size());
    rs = f.rpc_ok(a.cxh, in, ox::kRpcExt2NoXorMagic);
    out = ox::parse_ext_chain(rs.rgbOut);
    LONGS_EQUAL(ox::kRhefLast | ox::kRhefCompressed, out[0].header.flags);
    CHECK(out[0].data == pattern(2000, 3));
}

TEST(EmsmdbRpcExt2, PcbOutIsHonoured) {
    Fixture f;
    auto a = f.connect(kDnA, kSidA);
    Bytes in = ox::build_ext_buffer(pattern(1000, 5), {false, false});
    const uint32_t none = ox::kRpcExt2NoCompression | ox::kRpcExt2NoXorMagic;
    // The ROP processor gets pcbOut minus the header, at most 32 KiB.
    auto rs = f.rpc_ok(a.cxh, in, none, 600);
    LONGS_EQUAL(0, rs.result);
    LONGS_EQUAL(600 - 8, f.budgets.back());
    CHECK(rs.rgbOut.size() <= 600);
    f.rpc_ok(a.cxh, in, none, 0x40000);
    LONGS_EQUAL(0x8000, f.budgets.back());
    // Below one RPC_HEADER_EXT: ecRpcFormat, nothing processed, nothing returned.
    size_t calls = f.budgets.size();
    rs = f.rpc_ok(a.cxh, in, none, 7);
    LONGS_EQUAL(ec::kRpcFormat, rs.result);
    LONGS_EQUAL(0, rs.rgbOut.size());
    LONGS_EQUAL(calls, f.budgets.size());
    // Above BIG_RANGE_ULONG: the stub itself is invalid (RPC_X_BAD_STUB_DATA in the dispatcher).
    {
        ox::EcDoRpcExt2Request rq;
        rq.cxh = a.cxh;
        rq.rgbIn = in;
        rq.cbOut = 0x40000;
        Bytes stub = rq.encode();
        // pcbOut follows pcxh (20), pulFlags (4), the conformant rgbIn (4 + 1008) and cbIn (4).
        size_t at = 20 + 4 + 4 + in.size() + 4;
        LONGS_EQUAL(0x40000, stub[at] | stub[at + 1] << 8 | stub[at + 2] << 16);
        stub[at] = 1;
        CHECK_THROWS(DecodeError, f.server->call(Fixture::call(11, stub, kSidA)));
    }
    // Two payloads share pcbOut.
    std::vector<Bytes> two{pattern(100, 1), pattern(100, 2)};
    rs = f.rpc_ok(a.cxh, ox::build_ext_chain(two, {false, false}), none, 8 + 100 + 8 + 50);
    LONGS_EQUAL(0, rs.result);
    LONGS_EQUAL(50, f.budgets.back());
    LONGS_EQUAL(8 + 100 + 8 + 50, rs.rgbOut.size());
}

// MS-OXCRPC 3.1.4.2.1.2: with the Chain flag, more payloads follow the
// first while the processor has more and pcbOut has room; Last on the final one.
TEST(EmsmdbRpcExt2, ChainFlagPacksFurtherPayloadsWithinPcbOut) {
    Fixture f;
    auto a = f.connect(kDnA, kSidA);
    const uint32_t none = ox::kRpcExt2NoCompression | ox::kRpcExt2NoXorMagic;
    Bytes in = ox::build_ext_buffer(Bytes{'M', 'O', 'R', 'E'}, {false, false});
    // Without Chain: one payload.
    auto rs = f.rpc_ok(a.cxh, in, none);
    LONGS_EQUAL(1, ox::parse_ext_chain(rs.rgbOut).size());
    // With Chain and room: the first payload and all five more.
    rs = f.rpc_ok(a.cxh, in, none | ox::kRpcExt2Chain, 0x40000);
    auto out = ox::parse_ext_chain(rs.rgbOut);
    LONGS_EQUAL(6, out.size());
    for (size_t i = 0; i < out.size(); ++i) {
        CHECK(out[i].data.size() <= ox::kMaxExtPayload);
        LONGS_EQUAL(i + 1 == out.size() ? ox::kRhefLast : 0, out[i].header.flags);
    }
    LONGS_EQUAL(20000, out[1].data.size());
    LONGS_EQUAL(0xC4, out[1].data[0]);
    // With Chain and little room: as many as fit pcbOut, never less than 1 KiB each.
    uint32_t cb = 8 + 4 + 8 + 20000 + 8 + 1500;
    rs = f.rpc_ok(a.cxh, in, none | ox::kRpcExt2Chain, cb);
    out = ox::parse_ext_chain(rs.rgbOut);
    LONGS_EQUAL(3, out.size());
    LONGS_EQUAL(1500, out[2].data.size());
    CHECK(rs.rgbOut.size() <= cb);
    rs = f.rpc_ok(a.cxh, in, none | ox::kRpcExt2Chain, 8 + 4 + 8 + 1000);
    LONGS_EQUAL(1, ox::parse_ext_chain(rs.rgbOut).size());
}

TEST(EmsmdbRpcExt2, MalformedInputIsRpcFormatNeverACrash) {
    Fixture f;
    auto a = f.connect(kDnA, kSidA);
    const Bytes bad[] = {
        {},                                      // empty
        {0, 0, 4, 0},                            // short header
        {0, 0, 4, 0, 10, 0, 10, 0, 1, 2},        // payload shorter than Size
        {0, 0, 0, 0, 2, 0, 2, 0, 2, 0},          // no Last flag
        {1, 0, 4, 0, 2, 0, 2, 0, 2, 0},          // Version != 0
        {0, 0, 5, 0, 4, 0, 200, 0, 1, 2, 3, 4},  // compressed garbage
    };
    for (const auto& b : bad) {
        auto rs = f.rpc_ok(a.cxh, b, 0);
        LONGS_EQUAL(ec::kRpcFormat, rs.result);
        LONGS_EQUAL(0, rs.rgbOut.size());
        CHECK(rs.cxh == a.cxh);
    }
    // The ROP layer's DecodeError is ecRpcFormat too; the session stays usable.
    Bytes evil = ox::build_ext_buffer(Bytes{'B', 'A', 'D', '!'}, {true, true});
    LONGS_EQUAL(ec::kRpcFormat, f.rpc_ok(a.cxh, evil, 0).result);
    LONGS_EQUAL(0, f.rpc_ok(a.cxh, ox::build_ext_buffer(Bytes{2, 0}, {false, false}), 0).result);
    // cbAuxIn of 1..7 bytes: ecRpcFailed.
    ox::EcDoRpcExt2Request rq;
    rq.cxh = a.cxh;
    rq.rgbIn = ox::build_ext_buffer(Bytes{2, 0}, {false, false});
    rq.cbOut = 0x8000;
    rq.rgbAuxIn = Bytes{1, 2, 3};
    auto r = f.server->call(Fixture::call(11, rq.encode(), kSidA));
    LONGS_EQUAL(ec::kRpcFailed, ox::EcDoRpcExt2Response::decode(r.stub).result);
}

TEST(EmsmdbRpcExt2, CallsOfOneSessionAreSerialized) {
    Fixture f;
    auto a = f.connect(kDnA, kSidA);
    Bytes in = ox::build_ext_buffer(Bytes{2, 0}, {false, false});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 5; ++i) f.rpc(a.cxh, in, 0, 0x8000, kSidA);
        });
    for (auto& t : threads) t.join();
    CHECK_FALSE(f.overlapped.load());
    LONGS_EQUAL(20, f.budgets.size());
}

TEST_GROUP(EmsmdbAsync){};

TEST(EmsmdbAsync, WaitIsBoundedAndRejectsASecondWait) {
    ServerOptions o;
    o.async_wait = std::chrono::milliseconds(300);
    Fixture f(o);
    auto a = f.connect(kDnA, kSidA);
    auto acxh = async_connect(f, a.cxh);
    CHECK(async_connect(f, a.cxh) == acxh);  // one ACXH per session

    auto t0 = std::chrono::steady_clock::now();
    std::thread waiter([&] {
        auto rs = wait_ex(f, acxh, kSidA);
        LONGS_EQUAL(0, rs.result);
        LONGS_EQUAL(0, rs.ulFlagsOut);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto second = wait_ex(f, acxh, kSidA);  // MS-OXCNOTIF 3.1.5.3
    LONGS_EQUAL(ec::kRejected, second.result);
    waiter.join();
    CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(250));
}

TEST(EmsmdbAsync, InvalidOrForeignAcxhCompletesAtOnceWithNotificationPending) {
    Fixture f;
    auto a = f.connect(kDnA, kSidA);
    auto acxh = async_connect(f, a.cxh);
    auto rs = wait_ex(f, acxh, kSidB);
    LONGS_EQUAL(0, rs.result);
    LONGS_EQUAL(ox::kNotificationPending, rs.ulFlagsOut);
    ndr::ContextHandle bogus;
    bogus.uuid[3] = 7;
    LONGS_EQUAL(ox::kNotificationPending, wait_ex(f, bogus, kSidA).ulFlagsOut);
    // The CXH is not an ACXH.
    LONGS_EQUAL(ox::kNotificationPending, wait_ex(f, a.cxh, kSidA).ulFlagsOut);
}

TEST(EmsmdbAsync, DisconnectWakesTheWait) {
    ServerOptions o;
    o.async_wait = std::chrono::seconds(20);
    Fixture f(o);
    auto a = f.connect(kDnA, kSidA);
    auto acxh = async_connect(f, a.cxh);
    auto t0 = std::chrono::steady_clock::now();
    std::thread waiter([&] { LONGS_EQUAL(ox::kNotificationPending, wait_ex(f, acxh, kSidA).ulFlagsOut); });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    f.server->connection_closed(1);
    waiter.join();
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
}

TEST(EmsmdbAsync, ParkedWaitsAreLimited) {
    ServerOptions o;
    o.async_wait = std::chrono::milliseconds(300);
    o.max_parked_waits = 1;
    Fixture f(o);
    auto a = f.connect(kDnA, kSidA);
    auto b = f.connect(kDnA, kSidA);
    auto acxh_a = async_connect(f, a.cxh);
    auto acxh_b = async_connect(f, b.cxh);
    std::thread waiter([&] { wait_ex(f, acxh_a, kSidA); });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    LONGS_EQUAL(ec::kRejected, wait_ex(f, acxh_b, kSidA).result);
    waiter.join();
}

TEST_GROUP(EmsmdbClientLoopback){};

namespace {
// The project's client talking to the server in-process.
struct Loopback : client::Transport {
    Fixture& f;
    const char* sid;
    Loopback(Fixture& fx, const char* s) : f(fx), sid(s) {}
    Bytes call(uint16_t opnum, ByteView stub) override {
        auto r = f.server->call(Fixture::call(opnum, Bytes(stub.begin(), stub.end()), sid));
        if (r.fault) throw client::RpcFault(r.fault, "fault");
        return r.stub;
    }
};
}  // namespace

TEST(EmsmdbClientLoopback, ConnectRpcDisconnect) {
    Fixture f;
    Loopback t(f, kSidA);
    client::EmsmdbClient c(t);
    LONGS_EQUAL(0, c.ping());
    try {
        c.connect(kDnB);
        FAIL("connect with another user's DN succeeded");
    } catch (const client::MapiError& e) {
        LONGS_EQUAL(ec::kAccessDenied, e.code());
    }
    CHECK_FALSE(c.connected());
    const auto& s = c.connect(kDnA, 1252, 0x409);
    CHECK(c.connected());
    STRCMP_EQUAL("15.0.1497.2", client::version_string(s.server_version).c_str());
    STRCMP_EQUAL("Alice Liddell", s.display_name.c_str());
    // The client compresses and obfuscates like Outlook; the server answers likewise.
    Bytes rop = pattern(5000, 4);
    CHECK(c.rpc(rop) == rop);
    auto cxh = c.session().cxh;
    CHECK(client::handle_from_string(client::handle_to_string(cxh)) == cxh);
    c.disconnect();
    CHECK_FALSE(c.connected());
    c.adopt(cxh);
    try {
        c.rpc(Bytes{2, 0});
        FAIL("a destroyed session answered");
    } catch (const client::RpcFault& e) {
        LONGS_EQUAL(ipc::fault::kContextMismatch, e.status());
    }
}
