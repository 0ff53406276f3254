// Property copy ROPs (MS-OXCPRPT 2.2.10-2.2.11, server processing 3.2.5.7-
// 3.2.5.8) and RopQueryNamedProperties (2.2.9, 3.2.5.6).
//
// Both copy ROPs work on property hosts (oxcprpt_streams.h): Folder objects
// today, Message and Attachment objects when they implement PropertyHost.
#include "libmapi/proptags.h"
#include "libmapi/rops.h"
#include "mapiproxy/servers/oxcmsg.h"
#include "mapiproxy/servers/oxcprpt_streams.h"

#include <algorithm>
#include <set>

namespace mg::emsmdb {
namespace {

namespace ec = mapi::ec;
using mapi::PropTag;
using mapi::PropValue;
using mapi::PidTagMid, mapi::PidTagChangeKey, mapi::PidTagPredecessorChangeList, mapi::PidTagSourceKey,
    mapi::PidTagChangeNumber;

// CopyFlags (2.2.10.1, 2.2.11.1).
constexpr uint8_t kMove = 0x01, kNoOverwrite = 0x02;
// QueryFlags (2.2.9.1).
constexpr uint8_t kNoStrings = 0x01, kNoIds = 0x02;

struct CopyPair {
    HostRef src, dst;
};

// The source and destination of a copy ROP, or the ReturnValue refusing it.
uint32_t resolve_pair(RopContext& ctx, uint8_t src_index, uint8_t dst_index, uint8_t flags, CopyPair& pair,
                      rop::CopyPropertiesBody& rs) {
    auto src_obj = ctx.object_at(src_index);
    auto src = property_host(src_obj);
    if (!src) return src_obj ? ec::NotSupported : ec::NullObject;
    auto dst_obj = ctx.object_at(dst_index);
    if (!dst_obj) {
        rs.dest_index = dst_index;  // MS-OXCROPS 2.2.8.11.3 / 2.2.8.12.3
        return rop::kDstNullObject;
    }
    // 3.2.5.7 / 3.2.5.8: any bit other than Move and NoOverwrite SHOULD be
    // InvalidParameter.
    if (flags & ~(kMove | kNoOverwrite)) return ec::InvalidParam;
    auto dst = property_host(dst_obj);
    // 2.2.10: source and destination are objects of the same type.
    if (!dst || dst->kind != src->kind) return ec::NotSupported;
    // Named property ids are per mailbox: copies across stores come with
    // the id translation, later.
    if (!src->logon || !dst->logon || src->logon->mailbox != dst->logon->mailbox) return ec::NotSupported;
    if (!dst->writable || ((flags & kMove) && !src->writable)) return ec::AccessDenied;
    pair = {*src, *dst};
    return ec::Success;
}

// Both handles name the same object: copying its properties onto itself
// changes nothing (and a Move must not delete them).
bool same_object(const CopyPair& p) {
    auto a = std::dynamic_pointer_cast<FolderObject>(p.src.keep);
    auto b = std::dynamic_pointer_cast<FolderObject>(p.dst.keep);
    if (a && b) return a->fid == b->fid;
    return p.src.props == p.dst.props;
}

// A value to copy and where its problems are reported.
struct Item {
    uint16_t index = 0;  // PropertyProblem Index
    PropTag tag = 0;     // PropertyProblem PropertyTag
    PropValue value;
};

// Writes `items` to the destination (skipping, with NoOverwrite, the
// properties it already has) and, with Move, deletes what was copied from
// the source. Problems go to `out`; with `writable_only` (RopCopyTo, which
// copies only writable properties, 3.2.5.8) the ones the destination refuses
// as computed are not copied and not reported.
void copy_items(const CopyPair& p, std::vector<Item> items, uint8_t flags, bool writable_only,
                std::vector<mapi::PropertyProblem>& out) {
    if (same_object(p)) return;
    if ((flags & kNoOverwrite) && !items.empty()) {
        std::vector<PropTag> ask;
        for (const auto& it : items) ask.push_back(mapi::change_type(it.tag, mapi::PT_UNSPECIFIED));
        auto existing = p.dst.props->get_props(ask);
        std::vector<Item> keep;
        for (size_t i = 0; i < items.size(); ++i)
            if (i >= existing.size() || existing[i].is_missing()) keep.push_back(std::move(items[i]));
        items = std::move(keep);
    }
    if (items.empty()) return;
    mapi::PropList values;
    for (const auto& it : items) values.push_back(it.value);
    std::vector<bool> copied(items.size(), true);
    for (const auto& problem : p.dst.props->set_props(values)) {
        if (problem.index >= items.size()) continue;
        copied[problem.index] = false;
        if (writable_only && problem.error == ec::Computed) continue;
        out.push_back({items[problem.index].index, items[problem.index].tag, problem.error});
    }
    if (!(flags & kMove)) return;
    std::vector<PropTag> moved;
    std::vector<uint16_t> moved_index;
    for (size_t i = 0; i < items.size(); ++i) {
        if (!copied[i]) continue;
        moved.push_back(items[i].value.tag);
        moved_index.push_back(uint16_t(i));
    }
    for (const auto& problem : p.src.props->delete_props(moved))
        if (problem.index < moved_index.size()) {
            const Item& it = items[moved_index[problem.index]];
            out.push_back({it.index, it.tag, problem.error});
        }
}


// The messages (normal or FAI) of `from`, copied into folder `to_fid`, and
// removed from `from` when moving.
void copy_messages(store::Mailbox& mb, store::Folder& from, store::Id to_fid, bool associated, bool move) {
    auto to = mb.open_folder(to_fid);
    std::vector<store::Id> done = mb.copy_messages(from, *to, associated);
    if (move && !done.empty() && !from.delete_messages(done, true).empty())
        throw RopError(ec::RpcFailed, "moved messages could not be removed from the source folder");
}

// RopCopyTo with WantSubObjects on folders: a folder's subobjects are its
// messages (normal and FAI) and its subfolders (with their own contents).
void copy_folder_subobjects(FolderObject& src, FolderObject& dst, bool move) {
    store::Mailbox& mb = *src.logon->mailbox;
    if (mb.odb().is_ancestor_or_self(mb.info(), src.fid, dst.fid))
        throw RopError(store::kEcFolderCycle, "cannot copy a folder's contents into itself or its subtree");
    copy_messages(mb, *src.folder, dst.fid, false, move);
    copy_messages(mb, *src.folder, dst.fid, true, move);
    for (const auto& child : mb.odb().children(mb.info(), src.fid)) {
        if (move)
            mb.move_folder(child.fid, dst.fid, child.display_name);
        else
            mb.copy_folder(child.fid, dst.fid, child.display_name, true);
    }
}

// The changes of a copy ROP happen in one transaction: on a folder they are
// persisted at once (3.2.5.7, 3.2.5.8), and a failure halfway leaves nothing.
template <class F>
void in_transaction(const CopyPair& p, F&& f) {
    p.src.logon->mailbox->odb().db().transaction(std::forward<F>(f));
}

// 3.2.5.7: the listed properties; a property that cannot be copied (also
// one the source lacks) is a PropertyProblem.
uint32_t copy_properties(RopContext& ctx, const rop::RopCopyProperties::Request& rq, rop::CopyPropertiesBody& rs) {
    CopyPair p;
    if (uint32_t rv = resolve_pair(ctx, rq.src_index, rq.dst_index, rq.copy_flags, p, rs)) return rv;
    // 3.2.5.7: Move between Folder objects SHOULD be NotSupported.
    if ((rq.copy_flags & kMove) && p.src.kind == HostKind::Folder) return ec::NotSupported;
    auto values = p.src.props->get_props(rq.tags);
    if (values.size() != rq.tags.size()) throw RopError(0x80004005, "provider returned a wrong value count");
    in_transaction(p, [&] {
        rs.problems.clear();
        std::vector<Item> items;
        for (size_t i = 0; i < values.size(); ++i) {
            uint16_t index = uint16_t(i);
            if (values[i].is_missing()) {
                uint32_t why = values[i].is_error() ? std::get<uint32_t>(values[i].value) : ec::NotFound;
                rs.problems.push_back({index, rq.tags[i], why});
                continue;
            }
            items.push_back({index, rq.tags[i], values[i]});
        }
        copy_items(p, std::move(items), rq.copy_flags, false, rs.problems);
    });
    return ec::Success;
}

// 3.2.5.8: every writable property but the excluded ones, and with
// WantSubObjects the subobjects. Move is implemented for folders too
// (the spec lets a server refuse it with NotSupported).
uint32_t copy_to(RopContext& ctx, const rop::RopCopyTo::Request& rq, rop::CopyPropertiesBody& rs) {
    CopyPair p;
    if (uint32_t rv = resolve_pair(ctx, rq.src_index, rq.dst_index, rq.copy_flags, p, rs)) return rv;
    // 3.2.5.8: public folders SHOULD be refused with NotSupported.
    if (!p.src.logon->is_private || !p.dst.logon->is_private) return ec::NotSupported;
    std::set<uint16_t> excluded;
    for (PropTag t : rq.excluded_tags) excluded.insert(mapi::prop_id(t));
    auto all = p.src.props->get_all_props();
    in_transaction(p, [&] {
        rs.problems.clear();
        std::vector<Item> items;
        for (size_t i = 0; i < all.size(); ++i)
            if (!all[i].is_missing() && !excluded.count(mapi::prop_id(all[i].tag)))
                items.push_back({uint16_t(i), all[i].tag, all[i]});
        copy_items(p, std::move(items), rq.copy_flags, true, rs.problems);
        if (!rq.want_sub_objects) return;
        auto src_message = std::dynamic_pointer_cast<MessageObject>(p.src.keep);
        auto dst_message = std::dynamic_pointer_cast<MessageObject>(p.dst.keep);
        if (src_message && dst_message) {
            // A message's subobjects: its recipients (replacing the
            // destination's) and attachments (added), pending until the
            // destination is saved.
            auto& mb = *dst_message->logon->mailbox;
            store::copy_message_content(*src_message->message, *dst_message->message,
                                        [&mb] { return mb.odb().allocate_id(mb.info()); });
            return;
        }
        auto src = std::dynamic_pointer_cast<FolderObject>(p.src.keep);
        auto dst = std::dynamic_pointer_cast<FolderObject>(p.dst.keep);
        if (!src || !dst) throw RopError(ec::NotSupported, "subobjects of this object kind cannot be copied yet");
        copy_folder_subobjects(*src, *dst, rq.copy_flags & kMove);
    });
    return ec::Success;
}

// 3.2.5.6: every named property of the mailbox, filtered by QueryFlags and
// PropertyGuid (invalid QueryFlags bits are ignored). Valid on logons,
// folders, messages and attachments (2.2.9).
uint32_t query_named_properties(RopContext& ctx, const rop::RopQueryNamedProperties::Request& rq,
                                rop::RopQueryNamedProperties::Response& rs) {
    auto obj = ctx.object_at(rq.in_index);
    auto logon = std::dynamic_pointer_cast<LogonObject>(obj);
    if (!logon)
        if (auto host = property_host(obj)) logon = host->logon;
    if (!logon) return ec::NullObject;
    auto all = logon->mailbox->odb().all_named(logon->mailbox->info());
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [id, name] : all) {
        if ((rq.query_flags & kNoStrings) && name.kind == mapi::PropertyName::Name) continue;
        if ((rq.query_flags & kNoIds) && name.kind == mapi::PropertyName::Id) continue;
        if (rq.property_guid && name.guid != *rq.property_guid) continue;
        rs.property_ids.push_back(id);
        rs.names.push_back(name);
    }
    return ec::Success;
}

}  // namespace

void register_property_copy_rops(RopTable& t) {
    add_rop<rop::RopCopyProperties>(t, copy_properties);
    add_rop<rop::RopCopyTo>(t, copy_to);
    add_rop<rop::RopQueryNamedProperties>(t, query_named_properties);
}

}  // namespace mg::emsmdb
