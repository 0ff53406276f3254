#include "libmapi/oxcrpc.h"

#include "tests/unit/testutil.h"

#include <CppUTest/TestHarness.h>

#include <string>

using namespace mg;
using namespace mg::oxcrpc;

namespace {

using mg::test::hex;

using mg::test::expect_decode_error;

using mg::test::check_bytes;

ContextHandle handle(uint8_t first) {
    ContextHandle h;
    for (size_t i = 0; i < h.uuid.size(); ++i) h.uuid[i] = uint8_t(first + i);
    return h;
}

// Every proper prefix of a valid encoding must be rejected, never crash.
template <class T>
void every_prefix_rejected(const Bytes& full) {
    for (size_t n = 0; n < full.size(); ++n) {
        Bytes cut(full.begin(), full.begin() + long(n));
        try {
            T::decode(cut);
        } catch (const DecodeError&) {
            continue;
        }
        // A prefix that ends exactly where trailing padding would be is not a
        // prefix of any parameter; there is none in these messages.
        FAIL(("prefix of " + std::to_string(n) + " bytes accepted for " + T::kName).c_str());
    }
}

const char* const kHandleHex = "00000000 101112131415161718191a1b1c1d1e1f";

EcDoConnectExRequest connect_request() {
    EcDoConnectExRequest r;
    r.szUserDN = "/o=Org/cn=u";
    r.ulConMod = 0x1234;
    r.ulCpid = 1252;
    r.ulLcidString = 1033;
    r.ulLcidSort = 1033;
    r.ulIcxrLink = 0xFFFFFFFF;
    r.usFCanConvertCodePages = 1;
    r.rgwClientVersion = {0x000c, 0x183e, 0x03e8};
    r.cbAuxOut = 0x1008;
    return r;
}

const char* const kConnectRequestHex =
    "0c000000 00000000 0c000000 2f6f3d4f72672f636e3d7500"  // szUserDN ([ref]: no referent id)
    "00000000 34120000 00000000"                           // ulFlags, ulConMod, cbLimit
    "e4040000 09040000 09040000 ffffffff"                  // ulCpid, ulLcidString, ulLcidSort, ulIcxrLink
    "0100 0c00 3e18 e803"                                  // usFCanConvertCodePages, rgwClientVersion
    "00000000"                                             // pulTimeStamp
    "00000000 00000000"                                    // rgbAuxIn (conformance 0), cbAuxIn
    "08100000";                                            // pcbAuxOut

EcDoConnectExResponse connect_response() {
    EcDoConnectExResponse r;
    r.cxh = handle(0x10);
    r.cmsPollsMax = 60000;
    r.cRetry = 6;
    r.cmsRetryDelay = 10000;
    r.icxr = 1;
    r.szDNPrefix = "/o=Org/";
    r.szDisplayName = "U";
    r.rgwServerVersion = {0x000f, 0x0000, 0x8000};
    r.rgwBestVersion = {0x000c, 0x183e, 0x03e8};
    r.ulTimeStamp = 0;
    return r;
}

const char* const kConnectResponseHex =
    "00000000 101112131415161718191a1b1c1d1e1f"               // pcxh
    "60ea0000 06000000 10270000 0100 0000"                    // polls, retry, delay, icxr, pad
    "00000200 08000000 00000000 08000000 2f6f3d4f72672f00"    // szDNPrefix: referent, string
    "04000200 02000000 00000000 02000000 5500"                // szDisplayName
    "0f00 0000 0080 0c00 3e18 e803 0000"                      // versions, pad
    "00000000"                                                // pulTimeStamp
    "00000000 00000000 00000000 00000000"                     // rgbAuxOut (empty), pcbAuxOut
    "00000000";                                               // return value

EcDoRpcExt2Request rpc_request() {
    EcDoRpcExt2Request r;
    r.cxh = handle(0x10);
    r.ulFlags = kRpcExt2NoCompression | kRpcExt2NoXorMagic;
    r.rgbIn = hex("0000 0400 0200 0200 aabb");  // RPC_HEADER_EXT (Last) + 2 bytes
    r.cbOut = 0x00018008;                        // values of MS-OXCRPC 4.2
    r.cbAuxOut = 0x1008;
    return r;
}

const char* const kRpcRequestHex =
    "00000000 101112131415161718191a1b1c1d1e1f"  // pcxh
    "03000000"                                   // pulFlags
    "0a000000 00000400020002 00aabb 0000"        // rgbIn: conformance 10, bytes, pad
    "0a000000"                                   // cbIn
    "08800100"                                   // pcbOut
    "00000000 00000000"                          // rgbAuxIn, cbAuxIn
    "08100000";                                  // pcbAuxOut

EcDoRpcExt2Response rpc_response() {
    EcDoRpcExt2Response r;
    r.cxh = handle(0x10);
    r.rgbOut = {1, 2, 3};
    r.ulTransTime = 5;
    return r;
}

const char* const kRpcResponseHex =
    "00000000 101112131415161718191a1b1c1d1e1f"  // pcxh
    "00000000"                                   // pulFlags
    "03000000 00000000 03000000 010203 00"       // rgbOut: max, offset, actual, bytes, pad
    "03000000"                                   // pcbOut
    "00000000 00000000 00000000 00000000"        // rgbAuxOut (empty), pcbAuxOut
    "05000000 00000000";                         // pulTransTime, return value

}  // namespace

TEST_GROUP(OxcrpcStubs) {};

TEST(OxcrpcStubs, ConnectExRequestExactBytes) {
    check_bytes(hex(kConnectRequestHex), connect_request().encode());
    CHECK(EcDoConnectExRequest::decode(hex(kConnectRequestHex)) == connect_request());
}

TEST(OxcrpcStubs, ConnectExResponseExactBytes) {
    check_bytes(hex(kConnectResponseHex), connect_response().encode());
    CHECK(EcDoConnectExResponse::decode(hex(kConnectResponseHex)) == connect_response());
}

TEST(OxcrpcStubs, ConnectExResponseNullStringsAndAux) {
    EcDoConnectExResponse r = connect_response();
    r.szDNPrefix.reset();
    r.szDisplayName.reset();
    r.rgbAuxOut = Bytes(kSmallRange, 0x5a);
    r.result = 0x80040111;  // ecLoginFailure
    EcDoConnectExResponse d = EcDoConnectExResponse::decode(r.encode());
    CHECK(d == r);
    CHECK(!d.szDNPrefix);
    r.rgbAuxOut.push_back(0);
    CHECK_THROWS(ndr::EncodeError, r.encode());
}

TEST(OxcrpcStubs, RpcExt2RequestExactBytes) {
    check_bytes(hex(kRpcRequestHex), rpc_request().encode());
    CHECK(EcDoRpcExt2Request::decode(hex(kRpcRequestHex)) == rpc_request());
}

TEST(OxcrpcStubs, RpcExt2ResponseExactBytes) {
    check_bytes(hex(kRpcResponseHex), rpc_response().encode());
    CHECK(EcDoRpcExt2Response::decode(hex(kRpcResponseHex)) == rpc_response());
}

TEST(OxcrpcStubs, RpcExt2BigBuffersRoundTrip) {
    EcDoRpcExt2Request q = rpc_request();
    q.rgbIn.assign(kBigRange, 0x11);
    q.rgbAuxIn.assign(kSmallRange, 0x22);
    q.cbOut = kBigRange;
    CHECK(EcDoRpcExt2Request::decode(q.encode()) == q);
    EcDoRpcExt2Response r = rpc_response();
    r.rgbOut.assign(kBigRange, 0x33);
    r.rgbAuxOut.assign(kSmallRange, 0x44);
    CHECK(EcDoRpcExt2Response::decode(r.encode()) == r);
}

TEST(OxcrpcStubs, RpcExt2RequestLimits) {
    // rgbIn conformance one past BIG_RANGE_ULONG: rejected before reading the bytes.
    Bytes b = hex(kRpcRequestHex);
    b[24] = 0x01; b[25] = 0x00; b[26] = 0x04; b[27] = 0x00;  // 0x00040001
    expect_decode_error([&] { EcDoRpcExt2Request::decode(b); },
                        "EcDoRpcExt2 request: rgbIn: conformance 262145 exceeds maximum 262144");
    // cbIn disagreeing with the conformance of rgbIn.
    b = hex(kRpcRequestHex);
    b[40] = 0x09;
    expect_decode_error([&] { EcDoRpcExt2Request::decode(b); }, "cbIn: size 9 does not match");
    // *pcbOut outside BIG_RANGE_ULONG.
    b = hex(kRpcRequestHex);
    b[44] = 0x01; b[45] = 0x00; b[46] = 0x04; b[47] = 0x00;  // 0x00040001
    expect_decode_error([&] { EcDoRpcExt2Request::decode(b); }, "pcbOut: value 262145 outside range(0, 262144)");
    // *pcbAuxOut outside SMALL_RANGE_ULONG.
    b = hex(kRpcRequestHex);
    b[56] = 0x09;  // 0x1009
    expect_decode_error([&] { EcDoRpcExt2Request::decode(b); }, "pcbAuxOut: value 4105 outside range(0, 4104)");
    // rgbAuxIn bigger than SMALL_RANGE_ULONG.
    EcDoRpcExt2Request q = rpc_request();
    q.rgbAuxIn.assign(kSmallRange + 1, 0);
    CHECK_THROWS(ndr::EncodeError, q.encode());
}

TEST(OxcrpcStubs, RpcExt2ResponseLengthMustMatch) {
    Bytes b = hex(kRpcResponseHex);
    b[40] = 0x02;  // *pcbOut = 2 but 3 bytes were sent
    expect_decode_error([&] { EcDoRpcExt2Response::decode(b); }, "pcbOut: length 2 does not match");
    b = hex(kRpcResponseHex);
    b[32] = 0x04;  // actual_count 4 > max_count 3
    expect_decode_error([&] { EcDoRpcExt2Response::decode(b); }, "rgbOut: actual_count 4 exceeds max_count 3");
}

TEST(OxcrpcStubs, SmallMethodsExactBytes) {
    EcDummyRpcRequest dq;
    LONGS_EQUAL(0, dq.encode().size());
    EcDummyRpcRequest::decode({});
    EcDummyRpcResponse dr;
    dr.result = 0x000004b6;
    check_bytes(hex("b6040000"), dr.encode());

    EcDoDisconnectRequest xq;
    xq.cxh = handle(0x10);
    check_bytes(hex(kHandleHex), xq.encode());
    EcDoDisconnectResponse xr;  // the destroyed handle comes back zeroed
    check_bytes(hex("00000000 00000000000000000000000000000000 00000000"), xr.encode());

    EcDoAsyncConnectExRequest aq;
    aq.cxh = handle(0x10);
    check_bytes(hex(kHandleHex), aq.encode());
    EcDoAsyncConnectExResponse ar;
    ar.acxh = handle(0x20);
    check_bytes(hex("00000000 202122232425262728292a2b2c2d2e2f 00000000"), ar.encode());

    EcDoAsyncWaitExRequest wq;
    wq.acxh = handle(0x20);
    check_bytes(hex("00000000 202122232425262728292a2b2c2d2e2f 00000000"), wq.encode());
    EcDoAsyncWaitExResponse wr;
    wr.ulFlagsOut = kNotificationPending;
    check_bytes(hex("01000000 00000000"), wr.encode());
    CHECK(EcDoAsyncWaitExResponse::decode(wr.encode()) == wr);
}

TEST(OxcrpcStubs, RegisterPushNotification) {
    EcRRegisterPushNotificationRequest q;
    q.cxh = handle(0x10);
    q.iRpc = 0;
    q.rgbContext = {0xc1, 0xc2, 0xc3};
    q.grbitAdviseBits = 0xFFFFFFFF;
    q.rgbCallbackAddress = hex("0200 0d05 7f000001 0000000000000000");  // sockaddr_in 127.0.0.1:3333
    Bytes want = hex(std::string(kHandleHex)
                         .append("00000000"                 // iRpc
                                 "03000000 c1c2c3 00"        // rgbContext, pad
                                 "0300 0000"                // cbContext, pad
                                 "ffffffff"                 // grbitAdviseBits
                                 "10000000 02000d057f000001 0000000000000000"  // rgbCallbackAddress
                                 "1000")                    // cbCallbackAddress
                         .c_str());
    check_bytes(want, q.encode());
    CHECK(EcRRegisterPushNotificationRequest::decode(want) == q);
    want[32] = 2;  // cbContext 2, conformance 3
    expect_decode_error([&] { EcRRegisterPushNotificationRequest::decode(want); }, "cbContext");

    EcRRegisterPushNotificationResponse r;
    r.cxh = handle(0x10);
    r.hNotification = 7;
    CHECK(EcRRegisterPushNotificationResponse::decode(r.encode()) == r);
}

TEST(OxcrpcStubs, EveryPrefixRejected) {
    every_prefix_rejected<EcDoConnectExRequest>(hex(kConnectRequestHex));
    every_prefix_rejected<EcDoConnectExResponse>(hex(kConnectResponseHex));
    every_prefix_rejected<EcDoRpcExt2Request>(hex(kRpcRequestHex));
    every_prefix_rejected<EcDoRpcExt2Response>(hex(kRpcResponseHex));
    EcRRegisterPushNotificationRequest q;
    q.rgbContext = {1};
    q.rgbCallbackAddress = {2, 3};
    every_prefix_rejected<EcRRegisterPushNotificationRequest>(q.encode());
    every_prefix_rejected<EcDoAsyncWaitExRequest>(EcDoAsyncWaitExRequest().encode());
    every_prefix_rejected<EcDoDisconnectResponse>(EcDoDisconnectResponse().encode());
}

TEST(OxcrpcStubs, RandomBytesNeverCrash) {
    uint64_t x = 0x9e3779b97f4a7c15ull;
    auto next = [&] { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x; };
    Bytes seed = hex(kRpcRequestHex);
    for (int round = 0; round < 3000; ++round) {
        Bytes b = seed;
        for (int k = int(next() % 4); k >= 0; --k) b[next() % b.size()] = uint8_t(next());
        b.resize(next() % (b.size() + 8), 0);
        try { EcDoRpcExt2Request::decode(b); } catch (const DecodeError&) {}
        try { EcDoConnectExRequest::decode(b); } catch (const DecodeError&) {}
        try { EcDoConnectExResponse::decode(b); } catch (const DecodeError&) {}
        try { EcDoRpcExt2Response::decode(b); } catch (const DecodeError&) {}
    }
}

TEST(OxcrpcStubs, OpnumNames) {
    STRCMP_EQUAL("EcDoConnectEx", emsmdb_opnum_name(10));
    STRCMP_EQUAL("EcDoRpcExt2", emsmdb_opnum_name(11));
    STRCMP_EQUAL("reserved opnum", emsmdb_opnum_name(3));
}
