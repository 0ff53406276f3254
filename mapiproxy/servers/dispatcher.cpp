#include "mapiproxy/servers/dispatcher.h"

#include "common/log.h"

namespace mg {

Dispatcher::Dispatcher() {
    for (auto& s : servers_) s = std::make_shared<UnimplementedServer>();
}

void Dispatcher::set_server(ipc::Iface iface, std::shared_ptr<RpcServer> server) {
    servers_[int(iface)] = std::move(server);
}

ipc::Reply Dispatcher::dispatch(const ipc::Call& c) {
    LOG_DEBUG("call %s opnum %u from %s\\%s (%s) conn %llx, %zu bytes", ipc::iface_name(c.iface), c.opnum,
              c.who.domain.c_str(), c.who.account.c_str(), c.who.user_sid().c_str(),
              static_cast<unsigned long long>(c.conn_id), c.stub.size());
    try {
        return servers_[int(c.iface)]->call(c);
    } catch (const DecodeError& e) {
        LOG_WARN("%s opnum %u from %s: malformed request: %s", ipc::iface_name(c.iface), c.opnum,
                 c.who.account.c_str(), e.what());
        return ipc::Reply{ipc::fault::kBadStubData, {}};
    } catch (const std::exception& e) {
        LOG_ERROR("%s opnum %u from %s: internal error: %s", ipc::iface_name(c.iface), c.opnum,
                  c.who.account.c_str(), e.what());
        return ipc::Reply{ipc::fault::kOutOfResources, {}};
    }
}

void Dispatcher::connection_closed(uint64_t conn_id) {
    for (auto& s : servers_) {
        try {
            s->connection_closed(conn_id);
        } catch (const std::exception& e) {
            LOG_ERROR("rundown of connection %llx failed: %s", static_cast<unsigned long long>(conn_id), e.what());
        }
    }
}

ipc::Reply UnimplementedServer::call(const ipc::Call& c) {
    LOG_INFO("%s opnum %u is not implemented: answering nca_s_op_rng_error", ipc::iface_name(c.iface), c.opnum);
    return ipc::Reply{ipc::fault::kOpRangeError, {}};
}

}  // namespace mg
