// Logon and store ROPs (MS-OXCSTOR).
#include "libmapi/propcodec.h"
#include "libmapi/proptags.h"
#include "libmapi/rops.h"
#include "mapiproxy/servers/emsmdb.h"
#include "mapiproxy/servers/rop_handlers.h"
#include "mapistore/ids.h"

#include <algorithm>
#include <cctype>
#include <ctime>

namespace mg::emsmdb {
namespace {

namespace ec = mapi::ec;
using store::FolderRole;

bool iequals(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

rop::LogonTime now_logon_time() {
    time_t t = time(nullptr);
    tm g;
    gmtime_r(&t, &g);
    rop::LogonTime lt;
    lt.seconds = uint8_t(g.tm_sec);
    lt.minutes = uint8_t(g.tm_min);
    lt.hour = uint8_t(g.tm_hour);
    lt.day_of_week = uint8_t(g.tm_wday);
    lt.day = uint8_t(g.tm_mday);
    lt.month = uint8_t(g.tm_mon + 1);
    lt.year = uint16_t(g.tm_year + 1900);
    return lt;
}

// MS-OXCSTOR 2.2.1.1.3: the 13 folder ids of a private-mailbox logon, in order.
constexpr FolderRole kPrivateLogonFolders[13] = {
    FolderRole::Root,        FolderRole::DeferredAction, FolderRole::SpoolerQueue, FolderRole::IpmSubtree,
    FolderRole::Inbox,       FolderRole::Outbox,         FolderRole::SentItems,    FolderRole::DeletedItems,
    FolderRole::CommonViews, FolderRole::Schedule,       FolderRole::Finder,       FolderRole::Views,
    FolderRole::Shortcuts,
};

// MS-OXCSTOR 2.2.1.1.3 (public folders variant): the folder ids of a
// public-folders logon: root, IPM_SUBTREE, NON_IPM_SUBTREE, EFORMS
// REGISTRY, SCHEDULE+ FREE BUSY, OFFLINE ADDRESS BOOK, then the localized
// EFORMS registry, the local site's free/busy and OAB folders, the NNTP
// article index (none), and three unused ids.
uint32_t logon_public(RopContext& ctx, const rop::RopLogon::Request& rq, rop::RopLogon::Response& rs) {
    const SessionInfo& who = ctx.session().info();
    SessionStore& st = session_store(ctx);
    store::OpenChangeDb odb(st.db(), st.backend().ids());
    store::MailboxInfo info = odb.ensure_public_store();
    auto providers = store::fallback_provider_factory(st.db(), st.backend().ids())(info.context(who.codepage));
    auto mb = std::make_shared<store::Mailbox>(st.db(), st.backend().ids(), info, std::move(providers));
    rop::RopLogon::PublicFolders body;
    store::Id non_ipm = mb->special_fid(FolderRole::NonIpmSubtree);
    auto oab = mb->odb().child_by_name(info, non_ipm, "OFFLINE ADDRESS BOOK");
    body.folder_ids = {mb->special_fid(FolderRole::PublicRoot),
                       mb->special_fid(FolderRole::IpmSubtree),
                       non_ipm,
                       mb->special_fid(FolderRole::EformsRegistry),
                       mb->special_fid(FolderRole::Freebusy),
                       oab ? oab->fid : 0,
                       mb->special_fid(FolderRole::EformsRegistry),
                       mb->special_fid(FolderRole::Freebusy),
                       oab ? oab->fid : 0,
                       0, 0, 0, 0};
    body.repl_id = info.replid;
    body.repl_guid = info.replica_guid;
    body.per_user_guid = info.mailbox_guid;
    auto obj = std::make_shared<LogonObject>();
    obj->is_private = false;
    obj->mailbox = mb;
    rs.logon_flags = rq.logon_flags & 0x06;  // not Private
    rs.body = body;
    ctx.session().slot("logon" + std::to_string(rq.logon_id)) = obj;
    ctx.set_output(rq.out_index, obj);
    return ec::Success;
}

uint32_t logon(RopContext& ctx, const rop::RopLogon::Request& rq, rop::RopLogon::Response& rs) {
    const SessionInfo& who = ctx.session().info();
    if (!(rq.logon_flags & rop::RopLogon::kPrivate)) return logon_public(ctx, rq, rs);
    // MS-OXCSTOR 3.2.5.1.1: the Essdn names the mailbox to open; only the
    // session's own mailbox can be opened (delegation comes with permissions).
    if (!iequals(rq.essdn, who.user_dn))
        throw RopError(ec::LoginFailed, "RopLogon for a mailbox that is not the caller's: " + rq.essdn);
    SessionStore& st = session_store(ctx);
    auto mb = std::shared_ptr<store::Mailbox>(
        store::Mailbox::logon(st.db(), st.backend().ids(), who.account, who.user_sid, who.locale_string,
                              st.backend().private_providers(st.db()), who.codepage));
    auto obj = std::make_shared<LogonObject>();
    obj->is_private = true;
    obj->mailbox = mb;
    rop::RopLogon::PrivateMailbox body;
    for (size_t i = 0; i < 13; ++i) body.folder_ids[i] = mb->special_fid(kPrivateLogonFolders[i]);
    body.response_flags = 0x01 | 0x02 | 0x04;  // Reserved | OwnerRight | SendAsRight (2.2.1.1.3)
    body.mailbox_guid = mb->info().mailbox_guid;
    body.repl_id = mb->info().replid;
    body.repl_guid = mb->info().replica_guid;
    body.logon_time = now_logon_time();
    body.gwart_time = 0;
    body.store_state = 0;
    rs.logon_flags = rq.logon_flags & (rop::RopLogon::kPrivate | 0x02 /* Undercover */ | 0x04 /* Ghosted */);
    rs.body = body;
    ctx.session().slot("logon" + std::to_string(rq.logon_id)) = obj;
    ctx.set_output(rq.out_index, obj);
    return ec::Success;
}

uint32_t get_receive_folder(RopContext& ctx, const rop::RopGetReceiveFolder::Request& rq,
                            rop::RopGetReceiveFolder::Response& rs) {
    auto l = ctx.input<LogonObject>(rq.in_index);
    auto rf = l->mailbox->get_receive_folder(rq.message_class);
    rs.folder_id = rf.fid;
    rs.explicit_message_class = rf.message_class;
    return ec::Success;
}

uint32_t set_receive_folder(RopContext& ctx, const rop::RopSetReceiveFolder::Request& rq,
                            rop::RopSetReceiveFolder::Response&) {
    auto l = ctx.input<LogonObject>(rq.in_index);
    // MS-OXCSTOR 3.2.5.2: "IPM" and "REPORT.IPM" cannot be cleared; an empty
    // class with FID 0 is refused too.
    if (rq.folder_id == 0 && (rq.message_class.empty() || iequals(rq.message_class, "IPM") ||
                              iequals(rq.message_class, "REPORT.IPM")))
        return ec::NoAccess;
    if (rq.message_class.size() > 255) return ec::InvalidParam;
    l->mailbox->set_receive_folder(rq.message_class, rq.folder_id);
    return ec::Success;
}

// MS-OXCSTOR 2.2.1.4: one row per receive-folder setting, columns
// PidTagFolderId, PidTagMessageClass (8-bit), PidTagLastModificationTime.
uint32_t get_receive_folder_table(RopContext& ctx, const rop::InputOnly& rq,
                                  rop::RopGetReceiveFolderTable::Response& rs) {
    auto l = ctx.input<LogonObject>(rq.in_index);
    if (!l->is_private) return ec::NotSupported;  // private mailboxes only (2.2.1.4)
    const std::vector<mapi::PropTag> cols = {mapi::PidTagFolderId,
                                             mapi::change_type(mapi::PidTagMessageClass, mapi::PT_STRING8),
                                             mapi::PidTagLastModificationTime};
    mapi::CodecOptions o;
    o.codepage = ctx.session().info().codepage;
    o.string8_replace = true;
    ByteWriter w;
    auto table = l->mailbox->odb().receive_folder_table(l->mailbox->info());
    for (const auto& rf : table) {
        mapi::PropList row = {mapi::PropValue::i64(cols[0], int64_t(rf.fid)),
                              mapi::PropValue::str(cols[1], rf.message_class),
                              mapi::PropValue::i64(cols[2], rf.modified)};
        mapi::write_property_row(w, cols, row, o);
    }
    rs.row_count = uint32_t(table.size());
    rs.rows = w.take();
    return ec::Success;
}

uint32_t get_store_state(RopContext& ctx, const rop::RopGetStoreState::Request& rq,
                         rop::RopGetStoreState::Response& rs) {
    ctx.input<LogonObject>(rq.in_index);
    rs.store_state = 0;  // no search folders with pending state (MS-OXCSTOR 2.2.1.5)
    return ec::Success;
}

uint32_t long_term_id_from_id(RopContext& ctx, const rop::RopLongTermIdFromId::Request& rq,
                              rop::RopLongTermIdFromId::Response& rs) {
    auto l = ctx.input<LogonObject>(rq.in_index);
    Bytes b = l->mailbox->long_term_id(rq.id);
    rop::Pull p(b);
    rop::LongTermId::fields(rs, p);
    return ec::Success;
}

uint32_t id_from_long_term_id(RopContext& ctx, const rop::RopIdFromLongTermId::Request& rq,
                              rop::RopIdFromLongTermId::Response& rs) {
    auto l = ctx.input<LogonObject>(rq.in_index);
    rop::Push p;
    rop::LongTermId::fields(rq.long_term_id, p);
    Bytes b = p.take();
    rs.object_id = l->mailbox->id_from_long_term(b);
    return ec::Success;
}

// Per-user information (MS-OXCSTOR 3.2.5.10-3.2.5.13): the read state a
// user keeps for public folders, stored in the user's private mailbox and
// keyed by the public folder's LongTermID.
std::pair<mapi::Guid, uint64_t> ltid_key(const rop::LongTermId& l) {
    uint64_t g = 0;
    for (uint8_t b : l.global_counter) g = (g << 8) | b;  // GLOBCNT is big-endian
    return {l.database_guid, g};
}

uint32_t get_per_user_long_term_ids(RopContext& ctx, const rop::RopGetPerUserLongTermIds::Request& rq,
                                    rop::RopGetPerUserLongTermIds::Response& rs) {
    auto l = ctx.input<LogonObject>(rq.in_index);
    if (!l->is_private) return ec::NotSupported;  // private mailbox logons only (3.2.5.10)
    for (uint64_t g : l->mailbox->odb().per_user_folders(l->mailbox->info(), rq.database_guid)) {
        rop::LongTermId id;
        id.database_guid = rq.database_guid;
        for (int i = 5; i >= 0; --i) id.global_counter[5 - i] = uint8_t(g >> (8 * i));
        rs.long_term_ids.push_back(id);
    }
    return ec::Success;
}

uint32_t get_per_user_guid(RopContext& ctx, const rop::RopGetPerUserGuid::Request& rq,
                           rop::RopGetPerUserGuid::Response& rs) {
    auto l = ctx.input<LogonObject>(rq.in_index);
    if (!l->is_private) return ec::NotSupported;
    auto [guid, g] = ltid_key(rq.long_term_id);
    auto info = l->mailbox->odb().per_user_info(l->mailbox->info(), guid, g);
    if (!info) return ec::NotFound;
    rs.database_guid = info->replica_guid;
    return ec::Success;
}

uint32_t read_per_user_information(RopContext& ctx, const rop::RopReadPerUserInformation::Request& rq,
                                   rop::RopReadPerUserInformation::Response& rs) {
    auto l = ctx.input<LogonObject>(rq.in_index);
    auto [guid, g] = ltid_key(rq.folder_id);
    auto info = l->mailbox->odb().per_user_info(l->mailbox->info(), guid, g);
    const Bytes empty;
    const Bytes& data = info ? info->data : empty;
    if (rq.data_offset > data.size()) return ec::InvalidParam;
    size_t room = ctx.budget() > 16 ? ctx.budget() - 16 : 0;
    size_t n = std::min<size_t>({data.size() - rq.data_offset, rq.max_data_size, room});
    rs.data.assign(data.begin() + rq.data_offset, data.begin() + rq.data_offset + n);
    rs.has_finished = rq.data_offset + n == data.size();
    return ec::Success;
}

uint32_t write_per_user_information(RopContext& ctx, const rop::RopWritePerUserInformation::Request& rq,
                                    rop::RopWritePerUserInformation::Response&) {
    auto l = ctx.input<LogonObject>(rq.in_index);
    if (!l->is_private) return ec::NotSupported;
    auto [guid, g] = ltid_key(rq.folder_id);
    std::optional<mapi::Guid> repl;
    if (rq.data_offset == 0) repl = rq.repl_guid;
    if (!l->mailbox->odb().write_per_user_info(l->mailbox->info(), guid, g, rq.data_offset, rq.data, repl))
        return ec::InvalidParam;  // a chunk that does not follow the data written so far
    return ec::Success;
}

uint32_t public_folder_is_ghosted(RopContext& ctx, const rop::RopPublicFolderIsGhosted::Request& rq,
                                  rop::RopPublicFolderIsGhosted::Response& rs) {
    ctx.input<LogonObject>(rq.in_index);
    rs = {};  // every folder's content is here: never ghosted
    return ec::Success;
}

// MS-OXCSTOR 3.2.5.6: every folder's content is on this server, so the
// replica set is this server alone (also "a correct answer" for a private
// mailbox); an unknown folder is ecNotFound.
uint32_t get_owning_servers(RopContext& ctx, const rop::IdRequest& rq, rop::RopGetOwningServers::Response& rs) {
    auto l = ctx.input<LogonObject>(rq.in_index);
    l->mailbox->odb().folder_or_throw(l->mailbox->info(), rq.id);
    rs.owning_servers = {server_legacy_dn(ctx.session().info().user_dn, session_store(ctx).backend().server_name)};
    rs.cheap_servers_count = 1;
    return ec::Success;
}

uint32_t release(RopContext& ctx, const rop::RopRelease::Request& rq, rop::RopRelease::Response&) {
    // MS-OXCROPS 2.2.15.3: no response. Releasing frees the object and its
    // handle; an invalid handle is ignored.
    ctx.release(rq.in_index);
    return ec::Success;
}

}  // namespace

void register_store_rops(RopTable& t) {
    add_rop<rop::RopLogon>(t, logon);
    add_rop<rop::RopGetReceiveFolder>(t, get_receive_folder);
    add_rop<rop::RopSetReceiveFolder>(t, set_receive_folder);
    add_rop<rop::RopGetReceiveFolderTable>(t, get_receive_folder_table);
    add_rop<rop::RopGetStoreState>(t, get_store_state);
    add_rop<rop::RopLongTermIdFromId>(t, long_term_id_from_id);
    add_rop<rop::RopIdFromLongTermId>(t, id_from_long_term_id);
    add_rop<rop::RopGetPerUserLongTermIds>(t, get_per_user_long_term_ids);
    add_rop<rop::RopGetPerUserGuid>(t, get_per_user_guid);
    add_rop<rop::RopReadPerUserInformation>(t, read_per_user_information);
    add_rop<rop::RopWritePerUserInformation>(t, write_per_user_information);
    add_rop<rop::RopGetOwningServers>(t, get_owning_servers);
    add_rop<rop::RopPublicFolderIsGhosted>(t, public_folder_is_ghosted);
    add_rop<rop::RopRelease>(t, release);
}

}  // namespace mg::emsmdb
