// DCE/RPC transport over Samba's public client library (libdcerpc,
// libsamba-credentials): ncacn_ip_tcp with NTLM or Kerberos at packet
// privacy, raw NDR stubs through dcerpc_binding_handle_raw_call(). The
// endpoint is resolved through the endpoint mapper unless a port is given.
//
// Only this file pair includes Samba headers or uses talloc; the rest of the
// client is plain C++ (client/emsmdb_client.h).
#pragma once

#include "client/emsmdb_client.h"

#include <memory>
#include <string>

namespace mg::client {

// The Exchange interfaces the transport can bind (MS-OXCRPC 1.9, MS-OXNSPI).
enum class Interface { Emsmdb, AsyncEmsmdb, Nspi, Rfr };

struct SambaOptions {
    std::string host = "127.0.0.1";  // name or address; or a whole Samba binding string "ncacn_ip_tcp:..."
    unsigned port = 0;               // 0: ask the endpoint mapper
    std::string user;                // "user", "DOMAIN\\user" or "user@REALM"
    std::string password;            // empty with kerberos: use the credential cache
    std::string domain;              // NetBIOS domain (NTLM)
    std::string realm;               // Kerberos realm (default: from the user, else the domain)
    bool kerberos = false;           // SPNEGO/Kerberos instead of NTLM
    std::string ccache;              // credential cache name (kerberos without a password); "" = default
    std::string target_hostname;     // Kerberos service host (when `host` is an address)
    std::string smb_conf;            // optional smb.conf for Samba's client settings
    unsigned timeout_s = 60;         // per request
    int debug_level = 0;             // Samba's debug level for the client library
};

class SambaTransport : public Transport {
public:
    // Connects, binds `iface` and authenticates; throws RpcFault on failure.
    SambaTransport(const SambaOptions& options, Interface iface = Interface::Emsmdb);
    ~SambaTransport() override;
    SambaTransport(const SambaTransport&) = delete;
    SambaTransport& operator=(const SambaTransport&) = delete;

    Bytes call(uint16_t opnum, ByteView request_stub) override;
    // The binding actually used (endpoint resolved), for messages.
    std::string binding() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mg::client
