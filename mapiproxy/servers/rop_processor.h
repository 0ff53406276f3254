// The boundary between the EMSMDB RPC layer (MS-OXCRPC: sessions, context
// handles, extended buffers, compression) and the ROP engine (MS-OXCROPS).
// The RPC layer owns one RopProcessor per session (CXH) and hands it each
// decompressed ROP request buffer; transports (ncacn_ip_tcp via Samba, MAPI
// over HTTP later) share this code.
#pragma once

#include "common/bytes.h"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace mg::emsmdb {

// Who a session belongs to, as established by EcDoConnectEx.
struct SessionInfo {
    std::string account;       // sAMAccountName of the authenticated caller
    std::string domain;        // NetBIOS domain
    std::string user_sid;      // the caller's SID (string form)
    std::string user_dn;       // the caller's legacyExchangeDN (szUserDN, verified)
    std::string display_name;
    std::string mail;          // primary SMTP address
    uint32_t codepage = 1252;  // ulCpid: code page for PT_STRING8
    uint32_t locale_string = 0x409;
    uint32_t locale_sort = 0x409;
    std::array<uint16_t, 3> client_version{};
};

class RopProcessor {
public:
    virtual ~RopProcessor() = default;
    // `request` is one plain ROP request buffer (MS-OXCROPS 2.2.1: RopSize,
    // RopsList, ServerObjectHandleTable). Returns the ROP response buffer,
    // at most `max_size` bytes (RopBufferTooSmall is produced here when a
    // response does not fit). Never throws for client input: a malformed
    // buffer yields a DecodeError the RPC layer maps to ecRpcFormat.
    virtual Bytes process(ByteView request, size_t max_size) = 0;
    // Extended buffer packing (MS-OXCRPC 3.1.4.2.1.2), asked for with the
    // Chain flag: when the last ROP of the buffer just processed was
    // RopQueryRows (EnablePackedBuffers) or RopReadStream and more output is
    // waiting, runs it again and returns one more ROP response buffer (that
    // ROP alone plus the handle table), at most `max_size` bytes; nullopt
    // when there is nothing more to add.
    virtual std::optional<Bytes> next_chained(size_t /*max_size*/) { return std::nullopt; }
};

using RopProcessorFactory = std::function<std::unique_ptr<RopProcessor>(const SessionInfo&)>;

}  // namespace mg::emsmdb
