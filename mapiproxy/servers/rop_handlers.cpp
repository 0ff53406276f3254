#include "mapiproxy/servers/rop_handlers.h"

#include "common/log.h"
#include "mapiproxy/servers/oxctabl.h"
#include "mapistore/migrations.h"

namespace mg::emsmdb {

StoreBackend::StoreBackend(DbUri openchangedb) : uri_(std::move(openchangedb)) {}

store::IdAllocator& StoreBackend::ids() {
    std::call_once(ids_once_, [this] { ids_ = std::make_unique<store::IdAllocator>(uri_); });
    return *ids_;
}

store::ProviderFactory StoreBackend::private_providers(store::Database& db) {
    auto fallback = store::fallback_provider_factory(db, ids());
    if (!extra_) return fallback;
    return [this, fallback, &db](const store::MailboxContext& ctx) {
        store::ProviderMap m = fallback(ctx);
        extra_(m, db, ids(), ctx);
        return m;
    };
}

void StoreBackend::migrate() {
    store::Database db(uri_);
    int n = store::Migrations::apply(db);
    if (n > 0) LOG_INFO("openchangedb: applied %d schema migration(s) on %s", n, uri_.redacted().c_str());
}

store::Database& SessionStore::db() {
    if (!db_) db_ = std::make_unique<store::Database>(backend_.uri());
    return *db_;
}

SessionStore& session_store(RopContext& ctx) {
    auto& slot = ctx.session().slot("store");
    if (!slot) throw RopError(mapi::ec::NotInitialized, "no store configured for this session");
    return *static_cast<SessionStore*>(slot.get());
}

std::shared_ptr<LogonObject> logon_of(RopContext& ctx) {
    auto& slot = ctx.session().slot("logon" + std::to_string(ctx.logon_id));
    if (!slot) throw RopError(mapi::ec::NullObject, "no logon with this LogonId");
    return std::static_pointer_cast<LogonObject>(slot);
}

const RopTable& default_rop_table() {
    static const RopTable table = [] {
        RopTable t;
        register_store_rops(t);
        register_folder_rops(t);
        register_table_rops(t);
        register_property_rops(t);
        register_stream_rops(t);
        register_property_copy_rops(t);
        register_message_rops(t);
        register_submission_rops(t);
        return t;
    }();
    return table;
}

RopProcessorFactory default_rop_factory(std::shared_ptr<StoreBackend> backend) {
    return [backend](const SessionInfo& info) -> std::unique_ptr<RopProcessor> {
        auto s = std::make_unique<Session>(info, default_rop_table());
        if (backend) s->slot("store") = std::make_shared<SessionStore>(*backend);
        return s;
    };
}

}  // namespace mg::emsmdb
