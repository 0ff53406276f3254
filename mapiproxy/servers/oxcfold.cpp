// Folder ROPs (MS-OXCFOLD).
#include "libmapi/rops.h"
#include "mapiproxy/servers/oxctabl.h"
#include "mapiproxy/servers/rop_handlers.h"

namespace mg::emsmdb {
namespace {

namespace ec = mapi::ec;

// Hierarchy table flags (MS-OXCFOLD 2.2.1.13.1) and contents table flags (2.2.1.14.1).
constexpr uint8_t kTableDepth = 0x04, kTableAssociated = 0x02, kTableSoftDeletes = 0x20;

// The logon behind a folder ROP's input object (a Logon or a Folder).
std::shared_ptr<LogonObject> logon_behind(RopContext& ctx, uint8_t index) {
    auto obj = ctx.object_at(index);
    if (auto l = std::dynamic_pointer_cast<LogonObject>(obj)) return l;
    if (auto f = std::dynamic_pointer_cast<FolderObject>(obj)) return f->logon;
    throw RopError(ec::NullObject, "the input object is neither a logon nor a folder");
}

std::shared_ptr<FolderObject> open_folder_object(const std::shared_ptr<LogonObject>& l, store::Id fid) {
    auto f = std::make_shared<FolderObject>();
    f->logon = l;
    f->fid = fid;
    f->folder = l->mailbox->open_folder(fid);
    return f;
}

uint32_t open_folder(RopContext& ctx, const rop::RopOpenFolder::Request& rq, rop::RopOpenFolder::Response& rs) {
    auto l = logon_behind(ctx, rq.in_index);
    // OpenModeFlags 0x04 (OpenSoftDeleted) would open a soft-deleted folder:
    // soft-deleted folders are not kept yet, so it opens live folders only.
    ctx.set_output(rq.out_index, open_folder_object(l, rq.folder_id));
    rs.has_rules = false;
    rs.ghost = {};
    return ec::Success;
}

uint32_t create_folder(RopContext& ctx, const rop::RopCreateFolder::Request& rq,
                       rop::RopCreateFolder::Response& rs) {
    auto parent = ctx.input<FolderObject>(rq.in_index);
    // FolderType (MS-OXCFOLD 2.2.1.2.1): 1 generic, 2 search.
    if (rq.folder_type != 1 && rq.folder_type != 2) return ec::InvalidParam;
    if (rq.display_name.empty()) return ec::InvalidParam;
    auto created = parent->logon->mailbox->create_folder(parent->fid, rq.display_name, rq.comment, rq.folder_type,
                                                         rq.open_existing);
    ctx.set_output(rq.out_index, open_folder_object(parent->logon, created.fid));
    rs.folder_id = created.fid;
    if (created.existed) rs.existing = rop::RopCreateFolder::ExistingFolder{};
    return ec::Success;
}

uint32_t delete_folder(RopContext& ctx, const rop::RopDeleteFolder::Request& rq,
                       rop::RopDeleteFolder::Response& rs) {
    auto parent = ctx.input<FolderObject>(rq.in_index);
    auto f = parent->logon->mailbox->odb().folder(parent->logon->mailbox->info(), rq.folder_id);
    if (!f || f->parent_fid != parent->fid) return ec::NotFound;
    rs.partial_completion = parent->logon->mailbox->delete_folder(rq.folder_id, rq.delete_folder_flags);
    return ec::Success;
}

// The destination folder of a move/copy (MS-OXCFOLD 3.2.5.6-3.2.5.8): not
// a folder -> ecDstNullObject with DestHandleIndex; another store ->
// ecNotSupported (later).
struct Destination {
    std::shared_ptr<FolderObject> folder;
    uint32_t ec = ec::Success;
};
Destination destination_folder(RopContext& ctx, const FolderObject& src, uint8_t dst_index, rop::MoveCopyBody& rs) {
    auto dst = std::dynamic_pointer_cast<FolderObject>(ctx.object_at(dst_index));
    if (!dst) {
        rs.dest_index = dst_index;
        return {nullptr, rop::kDstNullObject};
    }
    if (dst->logon->mailbox != src.logon->mailbox) return {nullptr, ec::NotSupported};
    return {dst, ec::Success};
}

template <class R>
uint32_t move_or_copy_folder(RopContext& ctx, const typename R::Request& rq, typename R::Response& rs,
                             bool copy) {
    auto src = ctx.input<FolderObject>(rq.src_index);
    auto dst = destination_folder(ctx, *src, rq.dst_index, rs);
    if (!dst.folder) return dst.ec;
    auto f = src->logon->mailbox->odb().folder(src->logon->mailbox->info(), rq.folder_id);
    if (!f || f->parent_fid != src->fid) return ec::NotFound;
    if (copy)
        src->logon->mailbox->copy_folder(rq.folder_id, dst.folder->fid, rq.new_folder_name, rq.want_recursive);
    else
        src->logon->mailbox->move_folder(rq.folder_id, dst.folder->fid, rq.new_folder_name);
    rs.partial_completion = false;
    return ec::Success;
}

uint32_t empty_folder(RopContext& ctx, const rop::EmptyFolderRequest& rq, rop::PartialCompletionBody& rs,
                      bool hard) {
    auto f = ctx.input<FolderObject>(rq.in_index);
    f->logon->mailbox->empty_folder(f->fid, rq.want_delete_associated, hard);
    rs.partial_completion = false;
    return ec::Success;
}

uint32_t delete_messages(RopContext& ctx, const rop::DeleteMessagesRequest& rq, rop::PartialCompletionBody& rs,
                         bool hard) {
    auto f = ctx.input<FolderObject>(rq.in_index);
    auto failed = f->folder->delete_messages(rq.message_ids, hard);
    rs.partial_completion = !failed.empty();
    return ec::Success;
}

// MS-OXCFOLD 3.2.5.6: messages of the source folder into the destination
// folder (DestHandleIndex not a folder: ecDstNullObject); ids not found make
// PartialCompletion true, the others are moved or copied.
uint32_t move_copy_messages(RopContext& ctx, const rop::RopMoveCopyMessages::Request& rq, rop::MoveCopyBody& rs) {
    auto src = ctx.input<FolderObject>(rq.src_index);
    auto dst = destination_folder(ctx, *src, rq.dst_index, rs);
    if (!dst.folder) return dst.ec;
    auto failed = src->logon->mailbox->move_copy_messages(src->fid, rq.message_ids, dst.folder->fid, rq.want_copy);
    rs.partial_completion = !failed.empty();
    return ec::Success;
}

uint32_t hierarchy_table(RopContext& ctx, const rop::GetTableRequest& rq, rop::RowCountBody& rs) {
    auto f = ctx.input<FolderObject>(rq.in_index);
    if (rq.table_flags & kTableSoftDeletes) return ec::NotSupported;  // no soft-deleted folders kept yet
    auto mb = f->logon->mailbox;
    store::Id fid = f->fid;
    bool deep = rq.table_flags & kTableDepth;
    auto table = std::make_shared<TableObject>(
        TableObject::Kind::Hierarchy,
        [mb, fid, deep](const store::TableQuery& q) { return mb->hierarchy_table(fid, deep, q); });
    rs.row_count = table->row_count();
    ctx.set_output(rq.out_index, table);
    return ec::Success;
}

uint32_t contents_table(RopContext& ctx, const rop::GetTableRequest& rq, rop::RowCountBody& rs) {
    auto f = ctx.input<FolderObject>(rq.in_index);
    if (rq.table_flags & kTableSoftDeletes) return ec::NotSupported;
    auto mb = f->logon->mailbox;
    store::Id fid = f->fid;
    bool associated = rq.table_flags & kTableAssociated;
    auto table = std::make_shared<TableObject>(
        TableObject::Kind::Contents, [mb, fid](const store::TableQuery& q) { return mb->contents_table(fid, q); },
        associated);
    rs.row_count = table->row_count();
    ctx.set_output(rq.out_index, table);
    return ec::Success;
}

}  // namespace

void register_folder_rops(RopTable& t) {
    add_rop<rop::RopOpenFolder>(t, open_folder);
    add_rop<rop::RopCreateFolder>(t, create_folder);
    add_rop<rop::RopDeleteFolder>(t, delete_folder);
    add_rop<rop::RopMoveFolder>(t, [](RopContext& c, const rop::RopMoveFolder::Request& rq,
                                      rop::RopMoveFolder::Response& rs) {
        return move_or_copy_folder<rop::RopMoveFolder>(c, rq, rs, false);
    });
    add_rop<rop::RopCopyFolder>(t, [](RopContext& c, const rop::RopCopyFolder::Request& rq,
                                      rop::RopCopyFolder::Response& rs) {
        return move_or_copy_folder<rop::RopCopyFolder>(c, rq, rs, true);
    });
    add_rop<rop::RopEmptyFolder>(t, [](RopContext& c, const rop::EmptyFolderRequest& rq,
                                       rop::PartialCompletionBody& rs) { return empty_folder(c, rq, rs, false); });
    add_rop<rop::RopHardDeleteMessagesAndSubfolders>(
        t, [](RopContext& c, const rop::EmptyFolderRequest& rq, rop::PartialCompletionBody& rs) {
            return empty_folder(c, rq, rs, true);
        });
    add_rop<rop::RopDeleteMessages>(t, [](RopContext& c, const rop::DeleteMessagesRequest& rq,
                                          rop::PartialCompletionBody& rs) { return delete_messages(c, rq, rs, false); });
    add_rop<rop::RopHardDeleteMessages>(
        t, [](RopContext& c, const rop::DeleteMessagesRequest& rq, rop::PartialCompletionBody& rs) {
            return delete_messages(c, rq, rs, true);
        });
    add_rop<rop::RopGetHierarchyTable>(t, hierarchy_table);
    add_rop<rop::RopGetContentsTable>(t, contents_table);
    // Search folders come later (MS-OXCFOLD 2.2.1.4/2.2.1.5 allow ecNotSupported).
    add_unsupported_rop<rop::RopSetSearchCriteria>(t);
    add_unsupported_rop<rop::RopGetSearchCriteria>(t);
    add_rop<rop::RopMoveCopyMessages>(t, move_copy_messages);
}

}  // namespace mg::emsmdb
