// The ROP handlers of the engine and the server objects they share. Each
// MS-OX* area registers its ROPs from its own file:
//   oxcstor.cpp (logon, store), oxcfold.cpp (folders), oxctabl.cpp (tables),
//   oxcprpt.cpp (properties).
#pragma once

#include "common/config.h"
#include "mapiproxy/servers/rop_engine.h"
#include "mapiproxy/servers/rop_processor.h"
#include "mapistore/mailbox.h"

#include <functional>
#include <memory>
#include <mutex>

namespace mg::emsmdb {

// Adds the providers of a private mailbox beyond the fallback one (the
// engine adds the IMAP provider when mapistore:imap_server is set).
using ExtraProviders = std::function<void(store::ProviderMap&, store::Database&, store::IdAllocator&,
                                          const store::MailboxContext&)>;

// Process-wide store configuration shared by every session.
class StoreBackend {
public:
    explicit StoreBackend(DbUri openchangedb);
    const DbUri& uri() const { return uri_; }
    store::IdAllocator& ids();
    // Applies pending schema migrations (engine start).
    void migrate();
    // This server's name (NetBIOS, upper case): the last component of its
    // legacy DN, "/o=<org>/ou=<group>/cn=Configuration/cn=Servers/cn=<NAME>".
    std::string server_name;
    void set_extra_providers(ExtraProviders extra) { extra_ = std::move(extra); }
    // The providers of a session's private mailbox: fallback + extras.
    store::ProviderFactory private_providers(store::Database& db);

private:
    DbUri uri_;
    ExtraProviders extra_;
    std::once_flag ids_once_;
    std::unique_ptr<store::IdAllocator> ids_;
};

// Per-session store access: a MariaDB connection of its own and the
// mailboxes opened by RopLogon.
class SessionStore {
public:
    SessionStore(StoreBackend& backend) : backend_(backend) {}
    store::Database& db();
    StoreBackend& backend() { return backend_; }

private:
    StoreBackend& backend_;
    std::unique_ptr<store::Database> db_;
};

SessionStore& session_store(RopContext& ctx);

// ---- server objects
class LogonObject : public ServerObject {
public:
    const char* kind() const override { return "logon"; }
    bool is_private = true;
    std::shared_ptr<store::Mailbox> mailbox;
};

class FolderObject : public ServerObject {
public:
    const char* kind() const override { return "folder"; }
    std::shared_ptr<LogonObject> logon;
    store::Id fid = 0;
    std::unique_ptr<store::Folder> folder;
};

// The logon a ROP runs under (LogonId), or ecNullObject.
std::shared_ptr<LogonObject> logon_of(RopContext& ctx);

// Registration, one function per area.
void register_store_rops(RopTable& t);
void register_folder_rops(RopTable& t);
void register_property_rops(RopTable& t);
void register_stream_rops(RopTable& t);  // oxcprpt_streams.cpp
void register_property_copy_rops(RopTable& t);  // oxcprpt_copy.cpp
void register_message_rops(RopTable& t);  // oxcmsg.cpp
void register_submission_rops(RopTable& t);  // oxomsg.cpp
// register_table_rops is declared in oxctabl.h.

// The complete table, and the factory the EMSMDB server uses.
const RopTable& default_rop_table();
RopProcessorFactory default_rop_factory(std::shared_ptr<StoreBackend> backend);

}  // namespace mg::emsmdb
