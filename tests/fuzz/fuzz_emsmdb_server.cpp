// FUZZ_SOURCES: mapiproxy/servers/emsmdb.cpp mapiproxy/servers/dispatcher.cpp libmapi/ndr.cpp libmapi/oxcrpc.cpp libmapi/oxcrpc_compress.cpp common/log.cpp
//
// The EMSMDB server (mapiproxy/servers/emsmdb.cpp) behind the dispatcher,
// with a fake directory and a fake ROP processor. The first byte picks:
//   0: a raw EcDoConnectEx stub (caller: the directory's mailbox user)
//   1: EcDoRpcExt2 on a live session: byte 1 = pulFlags, bytes 2-3 = pcbOut,
//      the rest = rgbIn (an untrusted RPC_HEADER_EXT chain)
//   2: a raw stub for any EMSMDB opnum (byte 1)
//   3: a raw stub for EcDoAsyncWaitEx
// Invariants: nothing crashes; a successful EcDoRpcExt2 never returns more
// than pcbOut and its rgbOut parses back as an extended buffer.
#include "common/log.h"
#include "libmapi/oxcrpc.h"
#include "libmapi/oxcrpc_compress.h"
#include "mapiproxy/servers/dispatcher.h"
#include "mapiproxy/servers/emsmdb.h"

#include <cstdlib>

using namespace mg;
using namespace mg::emsmdb;
namespace ox = mg::oxcrpc;

namespace {

const char* kSid = "S-1-5-21-1-2-3-1104";
const char* kDn = "/o=Org/ou=Group/cn=Recipients/cn=fuzz";

struct Directory : UserDirectory {
    std::optional<DirectoryUser> find_by_sid(const std::string& sid) override {
        if (sid != kSid) return std::nullopt;
        return DirectoryUser{"fuzz", kDn, "Fuzz \xc3\xa9t\xc3\xa9", "fuzz@example.test", false};
    }
};

// Answers a ROP buffer with as many bytes as its first two ask for (cut to
// max_size); a buffer starting with 0xFF is "malformed".
struct Processor : RopProcessor {
    Bytes process(ByteView request, size_t max_size) override {
        if (!request.empty() && request[0] == 0xFF) throw DecodeError("fuzz: malformed ROP buffer");
        size_t want = request.size() >= 2 ? size_t(request[0] | request[1] << 8) : request.size();
        Bytes out(std::min(want, max_size));
        for (size_t i = 0; i < out.size(); ++i) out[i] = request.empty() ? 0 : request[i % request.size()];
        return out;
    }
};

struct World {
    std::shared_ptr<EmsmdbServer> emsmdb;
    Dispatcher dispatcher;
    ndr::ContextHandle cxh;

    World() {
        log::init("fuzz", false, log::Level::Error);
        ServerOptions o;
        o.async_wait = std::chrono::milliseconds(1);
        emsmdb = std::make_shared<EmsmdbServer>(
            std::make_shared<Directory>(),
            [](const SessionInfo&) { return std::unique_ptr<RopProcessor>(std::make_unique<Processor>()); }, o);
        dispatcher.set_server(ipc::Iface::Emsmdb, emsmdb);
        dispatcher.set_server(ipc::Iface::AsyncEmsmdb, std::make_shared<AsyncEmsmdbServer>(emsmdb->table()));
        ox::EcDoConnectExRequest rq;
        rq.szUserDN = kDn;
        rq.ulCpid = 1252;
        rq.rgwClientVersion = {0x0F00, 0x8000, 0};
        auto r = dispatcher.dispatch(call(ipc::Iface::Emsmdb, 10, rq.encode()));
        auto rs = ox::EcDoConnectExResponse::decode(r.stub);
        if (rs.result != 0) abort();
        cxh = rs.cxh;
    }

    static ipc::Call call(ipc::Iface iface, uint16_t opnum, Bytes stub) {
        ipc::Call c;
        c.conn_id = 1;
        c.iface = iface;
        c.opnum = opnum;
        c.who.account = "fuzz";
        c.who.sids = {kSid};
        c.who.auth_level = 6;
        c.stub = std::move(stub);
        return c;
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static World w;
    if (size < 1) return 0;
    ByteView in(data + 1, size - 1);
    switch (data[0] % 4) {
    case 0:
        w.dispatcher.dispatch(World::call(ipc::Iface::Emsmdb, 10, Bytes(in.begin(), in.end())));
        break;
    case 1: {
        if (in.size() < 3) return 0;
        ox::EcDoRpcExt2Request rq;
        rq.cxh = w.cxh;
        rq.ulFlags = in[0];
        rq.cbOut = uint32_t(in[1] | in[2] << 8) * 8;  // 0 .. 0x7FFF8, clamped to BIG_RANGE_ULONG
        if (rq.cbOut > ox::kBigRange) rq.cbOut = ox::kBigRange;
        rq.rgbIn.assign(in.begin() + 3, in.end());
        auto r = w.dispatcher.dispatch(World::call(ipc::Iface::Emsmdb, 11, rq.encode()));
        if (r.fault != 0) abort();  // a live session and a well-formed stub: never a fault
        auto rs = ox::EcDoRpcExt2Response::decode(r.stub);
        if (rs.rgbOut.size() > rq.cbOut) abort();
        if (rs.result == 0) ox::parse_ext_chain(rs.rgbOut);  // throws (= crash report) if we built garbage
        else if (!rs.rgbOut.empty()) abort();
        break;
    }
    case 2:
        if (in.empty()) return 0;
        if (in[0] == 1) return 0;  // EcDoDisconnect: keep the session (a forged CXH would not match anyway)
        w.dispatcher.dispatch(World::call(ipc::Iface::Emsmdb, in[0], Bytes(in.begin() + 1, in.end())));
        break;
    case 3:
        w.dispatcher.dispatch(World::call(ipc::Iface::AsyncEmsmdb, 0, Bytes(in.begin(), in.end())));
        break;
    }
    return 0;
}
