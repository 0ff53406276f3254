// mapigate's own EMSMDB client (MS-OXCRPC 3.2): the client side of
// EcDoConnectEx / EcDoRpcExt2 / EcDoDisconnect over any transport that can
// carry a raw NDR stub (client/samba_transport.h: DCE/RPC through Samba's
// client library; tests: an in-process loop to the server).
//
// Like Outlook, the client compresses and obfuscates its ROP request
// payloads (RPC_HEADER_EXT, MS-OXCRPC 2.2.2.1, 3.1.4.1.1) and lets the server
// do the same, then undoes both on the response chain.
#pragma once

#include "common/bytes.h"
#include "libmapi/ndr.h"

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace mg::client {

// A call that did not produce a response stub: a DCE/RPC fault (status is
// the fault code, e.g. 0x1C00001A nca_s_fault_context_mismatch) or a
// transport failure (status is the transport's code, e.g. an NTSTATUS).
class RpcFault : public std::runtime_error {
public:
    RpcFault(uint32_t status, const std::string& what) : std::runtime_error(what), status_(status) {}
    uint32_t status() const { return status_; }

private:
    uint32_t status_;
};

// A method that answered with a non-zero return value (MS-OXCDATA 2.4 code).
class MapiError : public std::runtime_error {
public:
    MapiError(const char* method, uint32_t code);
    const char* method() const { return method_; }
    uint32_t code() const { return code_; }

private:
    const char* method_;
    uint32_t code_;
};

// Carries one interface's calls. Implementations throw RpcFault.
class Transport {
public:
    virtual ~Transport() = default;
    virtual Bytes call(uint16_t opnum, ByteView request_stub) = 0;
};

struct SessionDetails {
    ndr::ContextHandle cxh;
    uint32_t polls_max_ms = 0;
    uint32_t retry_count = 0;
    uint32_t retry_delay_ms = 0;
    uint16_t icxr = 0;
    std::string dn_prefix;
    std::string display_name;
    std::array<uint16_t, 3> server_version{};  // wire form (MS-OXCRPC 3.1.4.1.3)
    std::array<uint16_t, 3> best_version{};
    uint32_t timestamp = 0;
};

// "15.0.1497.2" from the three wire WORDs (MS-OXCRPC 3.1.4.1.3.1).
std::string version_string(const std::array<uint16_t, 3>& wire);

class EmsmdbClient {
public:
    struct Options {
        // What we tell the server we are (3.2.4.1.3): Outlook 2016's protocol
        // level, 16.0.4266.1001.
        std::array<uint16_t, 3> client_version{0x1000, 0x8000 | 4266, 1001};
        bool compress = true;    // compress request payloads, accept compressed responses
        bool obfuscate = true;   // XorMagic both ways
        uint32_t max_response = 0x40000;  // pcbOut: BIG_RANGE_ULONG's maximum
    };

    explicit EmsmdbClient(Transport& transport) : EmsmdbClient(transport, Options{}) {}
    EmsmdbClient(Transport& transport, Options options) : t_(transport), opt_(options) {}

    // EcDummyRpc (3.1.4.6): returns its result (0).
    uint32_t ping();

    // EcDoConnectEx (3.1.4.1) for the mailbox `user_dn`. Throws MapiError
    // with the server's return value on refusal.
    const SessionDetails& connect(const std::string& user_dn, uint32_t codepage = 1252, uint32_t locale = 0x409);

    // EcDoRpcExt2 (3.1.4.2): sends one ROP request buffer (MS-OXCROPS 2.2.1)
    // and returns the ROP response buffer(s), one per RPC_HEADER_EXT in rgbOut.
    // With `chain`, the Chain flag asks the server to pack further response
    // buffers (MS-OXCRPC 3.1.4.2.1.2) after a final RopQueryRows
    // (EnablePackedBuffers) or RopReadStream.
    std::vector<Bytes> rpc_all(ByteView rop_request, bool chain = false);
    // The first (normally only) response buffer.
    Bytes rpc(ByteView rop_request);

    // EcDoDisconnect (3.1.4.3). No-op when not connected.
    void disconnect();

    bool connected() const { return !session_.cxh.is_null(); }
    const SessionDetails& session() const { return session_; }
    // For tools and tests that resume (or forge) a session handle.
    void adopt(const ndr::ContextHandle& cxh) { session_.cxh = cxh; }

private:
    Transport& t_;
    Options opt_;
    SessionDetails session_;
};

// Context handle <-> text ("00000000-a1b2c3d4-...": attributes and GUID in
// hex), so a CLI can hand a session from one command to the next.
std::string handle_to_string(const ndr::ContextHandle& h);
ndr::ContextHandle handle_from_string(const std::string& s);  // throws std::invalid_argument

Bytes from_hex(const std::string& hex);  // ignores whitespace; throws std::invalid_argument
std::string to_hex(ByteView b);

}  // namespace mg::client
