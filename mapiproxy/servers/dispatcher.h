// Routes the calls the Samba module forwards to the protocol servers
// (EMSMDB, NSPI, RFR, asyncemsmdb) running in the engine.
#pragma once

#include "mapiproxy/ipc/ipc_protocol.h"

#include <memory>

namespace mg {

// One protocol server per DCE/RPC interface. Implementations decode the NDR
// request stub themselves and return an NDR response stub or a fault.
class RpcServer {
public:
    virtual ~RpcServer() = default;
    virtual ipc::Reply call(const ipc::Call& c) = 0;
    // The client connection (Samba-side context) is gone: run down the
    // context handles it created.
    virtual void connection_closed(uint64_t /*conn_id*/) {}
};

class Dispatcher {
public:
    Dispatcher();
    void set_server(ipc::Iface iface, std::shared_ptr<RpcServer> server);
    // Never throws: decoder errors become DCE/RPC faults.
    ipc::Reply dispatch(const ipc::Call& c);
    void connection_closed(uint64_t conn_id);

private:
    std::shared_ptr<RpcServer> servers_[ipc::kIfaceCount];
};

// What every interface answers before its protocol is implemented: the
// documented DCE/RPC fault for an operation this server does not provide.
class UnimplementedServer : public RpcServer {
public:
    ipc::Reply call(const ipc::Call&) override;
};

}  // namespace mg
