#include "providers/fallback/fallback.h"

#include "libmapi/proptags.h"
#include "mapistore/ids.h"
#include "providers/fallback/content.h"
#include "providers/fallback/sql.h"
#include "providers/fallback/summary.h"

#include <map>
#include <set>

namespace mg::store::fallback {

using namespace mapi;

namespace {

Bytes folder_entry_id(const MailboxContext& ctx, Id fid) {
    return encode_folder_entry_id({ctx.mailbox_guid, ctx.is_public ? EntryType::PublicFolder : EntryType::PrivateFolder,
                                   ctx.replica_guid, globcnt_of(fid)});
}

Bytes message_entry_id(const MailboxContext& ctx, Id fid, Id mid) {
    return encode_message_entry_id({ctx.mailbox_guid,
                                    ctx.is_public ? EntryType::PublicMessage : EntryType::PrivateMessage,
                                    ctx.replica_guid, globcnt_of(fid), ctx.replica_guid, globcnt_of(mid)});
}

// Properties of a message that come from its row, not from fallback_props.
// `size` is asked lazily (one query) only when PidTagMessageSize is wanted.
template <class SizeFn>
std::optional<PropValue> computed_message_prop(PropTag tag, const MailboxContext& ctx, Id fid, Id mid,
                                               bool associated, SizeFn&& size) {
    if (!is_computed(tag)) return std::nullopt;
    uint16_t id = prop_id(tag);
    auto typed = [&](PropValue v) { return as_requested(tag, std::move(v)); };
    if (id == prop_id(PidTagMid) || id == prop_id(PidTagInstID)) return typed({change_type(tag, PT_I8), int64_t(mid)});
    if (id == prop_id(PidTagFolderId) || id == prop_id(PidTagParentFolderId))
        return typed({change_type(tag, PT_I8), int64_t(fid)});
    if (id == prop_id(PidTagAssociated)) return typed({PidTagAssociated, associated});
    if (id == prop_id(PidTagInstanceNum)) return typed({PidTagInstanceNum, int32_t(0)});
    if (id == prop_id(PidTagEntryId) || id == prop_id(PidTagRecordKey))
        return typed({change_type(tag, PT_BINARY), message_entry_id(ctx, fid, mid)});
    if (id == prop_id(PidTagParentEntryId)) return typed({PidTagParentEntryId, folder_entry_id(ctx, fid)});
    if (id == prop_id(PidTagMessageSize)) return typed({PidTagMessageSize, int32_t(size())});
    return PropValue::error(tag, ec::NotFound);  // table-level values (row type, depth, instance key)
}

const PropTag kMessageComputed[] = {PidTagMid, PidTagFolderId, PidTagAssociated, PidTagEntryId,
                                    PidTagParentEntryId, PidTagMessageSize};

int64_t stored_size(Database& db, uint64_t mailbox, Id mid) {
    Id one[] = {mid};
    auto page = read_page(db, mailbox, one, {});
    auto it = page.sizes.find(mid);
    return it == page.sizes.end() ? 0 : it->second;
}

// ---------------------------------------------------------------- message

class FallbackMessage : public Message, public AttachmentSet {
public:
    FallbackMessage(Database& db, IdAllocator& ids, const MailboxContext& ctx, Id fid, Id mid, bool associated,
                    bool is_new, bool writable)
        : db_(db), ids_(ids), ctx_(ctx), store_(db, ctx.mailbox_id, ObjKind::Message), content_(db, ctx.mailbox_id),
          fid_(fid), mid_(mid), associated_(associated), is_new_(is_new), writable_(writable) {}

    Id mid() const override { return mid_; }
    Id fid() const override { return fid_; }
    bool associated() const override { return associated_; }

    PropList get_props(std::span<const PropTag> tags) override {
        std::vector<PropTag> stored_tags;
        for (PropTag t : tags)
            if (!is_computed(t) && !pending_.count(prop_id(t)) && !deleted_.count(prop_id(t))) stored_tags.push_back(t);
        PropList stored = is_new_ ? PropList{} : store_.get(mid_, stored_tags);
        std::map<PropTag, PropValue> by_tag;
        for (size_t i = 0; i < stored_tags.size() && i < stored.size(); ++i) by_tag.emplace(stored_tags[i], stored[i]);
        PropList out;
        for (PropTag t : tags) {
            if (auto c = computed(t)) out.push_back(std::move(*c));
            else if (auto p = pending_.find(prop_id(t)); p != pending_.end()) out.push_back(as_requested(t, p->second));
            else if (auto s = by_tag.find(t); s != by_tag.end()) out.push_back(s->second);
            else out.push_back(PropValue::error(t, ec::NotFound));
        }
        return out;
    }

    PropList get_all_props() override {
        auto tags = prop_tags();
        return get_props(tags);
    }

    std::vector<PropTag> prop_tags() override {
        std::map<uint16_t, PropTag> all;
        if (!is_new_)
            for (PropTag t : store_.tags(mid_)) all[prop_id(t)] = t;
        for (auto& [id, v] : pending_) all[id] = v.tag;
        for (uint16_t id : deleted_) all.erase(id);
        for (PropTag t : kMessageComputed) all[prop_id(t)] = t;
        std::vector<PropTag> out;
        for (auto& [id, t] : all) out.push_back(t);
        return out;
    }

    // Changes stay on this object until save() (MS-OXCMSG 3.2.5.3).
    Problems set_props(const PropList& values) override {
        require_writable();
        Problems problems;
        for (size_t i = 0; i < values.size(); ++i) {
            const PropValue& v = values[i];
            if (is_computed(v.tag)) {
                problems.push_back({uint16_t(i), v.tag, ec::Computed});
                continue;
            }
            try {
                encode_value(v);  // reject what cannot be stored now, not at save
            } catch (const StoreError& e) {
                problems.push_back({uint16_t(i), v.tag, e.ec()});
                continue;
            }
            deleted_.erase(prop_id(v.tag));
            pending_[prop_id(v.tag)] = v;
        }
        return problems;
    }

    Problems delete_props(std::span<const PropTag> tags) override {
        require_writable();
        Problems problems;
        for (size_t i = 0; i < tags.size(); ++i) {
            if (is_computed(tags[i])) {
                problems.push_back({uint16_t(i), tags[i], ec::Computed});
                continue;
            }
            pending_.erase(prop_id(tags[i]));
            deleted_.insert(prop_id(tags[i]));
        }
        return problems;
    }

    // MS-OXCFXICS 2.2.1.2: every save is a change: new change number,
    // ChangeKey, PredecessorChangeList and LastModificationTime; SourceKey and
    // CreationTime at creation.
    using Message::save;
    Id save(bool force) override {
        require_writable();
        return db_.transaction([&] {
            Bytes old_pcl;
            if (!is_new_) {
                auto row = db_.query_one("SELECT change_number FROM fallback_messages WHERE mailbox_id = ? AND "
                                         "mid = ? AND deleted = 0 FOR UPDATE",
                                         {ctx_.mailbox_id, mid_});
                if (!row) throw StoreError(ec::ObjectDeleted, "the message was deleted");
                // MS-OXCMSG 3.2.5.3: another save since this object read the
                // message is a conflict, unless ForceSave.
                if (!force && base_cn_ && row->u64(0) != base_cn_)
                    throw StoreError(ec::ObjectModified, "the message was changed since it was opened");
                PropTag pcl_tag[] = {PidTagPredecessorChangeList};
                PropList pcl = store_.get(mid_, pcl_tag);
                if (!pcl.empty() && !pcl[0].is_error()) old_pcl = std::get<Bytes>(pcl[0].value);
            }
            ChangeStamp st = make_change(ctx_.replica_guid, ids_.allocate(ctx_.mailbox_id), old_pcl);
            if (is_new_) {
                db_.exec("INSERT INTO fallback_messages (mailbox_id, mid, fid, associated, change_number, created_at, "
                         "modified_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         {ctx_.mailbox_id, mid_, fid_, associated_, st.cn, st.time, st.time});
            } else {
                db_.exec("UPDATE fallback_messages SET change_number = ?, modified_at = ? WHERE mailbox_id = ? "
                         "AND mid = ?",
                         {st.cn, st.time, ctx_.mailbox_id, mid_});
            }
            std::vector<PropTag> gone;
            for (uint16_t id : deleted_) gone.push_back(make_tag(id, PT_UNSPECIFIED));
            store_.remove(mid_, gone);
            PropList values;
            for (auto& [id, v] : pending_) values.push_back(v);
            values.push_back({PidTagChangeNumber, int64_t(st.cn)});
            values.push_back({PidTagChangeKey, st.change_key});
            values.push_back({PidTagPredecessorChangeList, st.pcl});
            values.push_back({PidTagLastModificationTime, st.time});
            if (is_new_) {
                values.push_back({PidTagSourceKey, source_key(ctx_.replica_guid, mid_)});
                if (!pending_.count(prop_id(PidTagCreationTime))) values.push_back({PidTagCreationTime, st.time});
            }
            Problems p = store_.set(mid_, values);
            if (!p.empty()) throw StoreError(p.front().error, "a property could not be saved");
            if (recipients_dirty_) content_.replace_recipients(mid_, 0, *recipients_);
            for (auto& [num, a] : changes_) content_.replace_attachment(mid_, 0, num, a.get());
            refresh_summary(db_, ctx_.mailbox_id, mid_);
            pending_.clear();
            deleted_.clear();
            changes_.clear();
            recipients_dirty_ = false;
            is_new_ = false;
            base_cn_ = st.cn;
            return st.cn;
        });
    }

    // ---- recipients and attachments (content.h)
    std::vector<Recipient> recipients() override {
        if (!recipients_) recipients_ = is_new_ ? std::vector<Recipient>{} : content_.load_recipients(mid_, 0);
        return *recipients_;
    }
    void set_recipients(std::vector<Recipient> r) override {
        require_writable();
        std::sort(r.begin(), r.end(), [](const Recipient& a, const Recipient& b) { return a.row_id < b.row_id; });
        recipients_ = std::move(r);
        recipients_dirty_ = true;
    }
    std::vector<uint32_t> attachment_numbers() override { return numbers(); }
    std::unique_ptr<Cursor> query_attachments(const TableQuery& q) override { return query(q); }
    std::unique_ptr<Attachment> open_attachment(uint32_t num, bool writable) override {
        return open(num, writable, writable_);
    }
    std::unique_ptr<Attachment> create_attachment() override {
        require_writable();
        return create();
    }
    void delete_attachment(uint32_t num) override {
        require_writable();
        remove(num);
    }
    std::vector<uint32_t> base_numbers() override {
        std::vector<uint32_t> out;
        if (!is_new_)
            for (auto& [num, id] : content_.attachment_ids(mid_, 0)) out.push_back(num);
        return out;
    }
    std::shared_ptr<AttachmentData> base_attachment(uint32_t num) override {
        if (is_new_) return nullptr;
        auto ids = content_.attachment_ids(mid_, 0);
        auto it = ids.find(num);
        return it == ids.end() ? nullptr : content_.load_attachment(mid_, it->second);
    }
    // Table rows of stored attachments: one query for the page, unless a
    // computed column (PidTagAttachSize) needs whole attachments.
    std::map<uint32_t, PropList> base_rows(std::span<const uint32_t> nums, std::span<const PropTag> tags) override {
        bool plain = std::none_of(tags.begin(), tags.end(), [](PropTag t) {
            return is_attachment_computed(t) && prop_id(t) != prop_id(PidTagAttachNumber);
        });
        if (!plain || is_new_) return AttachmentSet::base_rows(nums, tags);
        auto ids = content_.attachment_ids(mid_, 0);
        std::vector<Id> objs;
        std::vector<PropTag> stored;
        for (uint32_t n : nums)
            if (ids.count(n)) objs.push_back(ids[n]);
        for (PropTag t : tags)
            if (!is_attachment_computed(t)) stored.push_back(t);
        auto values = PropStore(db_, ctx_.mailbox_id, ObjKind(kKindAttachment)).get_many(objs, stored);
        std::map<uint32_t, PropList> out;
        for (uint32_t n : nums) {
            if (!ids.count(n)) continue;
            auto& sv = values[ids[n]];
            PropList row;
            size_t si = 0;
            for (PropTag t : tags)
                row.push_back(is_attachment_computed(t) ? PropValue::i32(PidTagAttachNumber, int32_t(n)) : sv[si++]);
            out[n] = std::move(row);
        }
        return out;
    }

private:
    void require_writable() const {
        if (!writable_) throw StoreError(ec::AccessDenied, "message opened read-only");
    }
    std::optional<PropValue> computed(PropTag t) {
        return computed_message_prop(t, ctx_, fid_, mid_, associated_, [&] {
            return is_new_ ? int64_t(0) : stored_size(db_, ctx_.mailbox_id, mid_);
        });
    }

    Database& db_;
    IdAllocator& ids_;
    MailboxContext ctx_;
    PropStore store_;
    ContentStore content_;
    Id fid_, mid_;
    bool associated_, is_new_, writable_;
    std::map<uint16_t, PropValue> pending_;
    std::set<uint16_t> deleted_;
    std::optional<std::vector<Recipient>> recipients_;
    bool recipients_dirty_ = false;

public:
    // The change number the message had when this object read it (conflict
    // detection on save); 0: not checked.
    Id base_cn_ = 0;
};

// ---------------------------------------------------------------- cursor

class FallbackCursor : public Cursor {
public:
    FallbackCursor(Database& db, const MailboxContext& ctx, Id fid, const TableQuery& q,
                   std::shared_ptr<uint64_t> counter)
        : db_(db), ctx_(ctx), fid_(fid), q_(q), counter_(std::move(counter)) {
        where_ = "m.mailbox_id = ? AND m.fid = ? AND m.associated = ? AND m.deleted = 0";
        where_params_ = {ctx.mailbox_id, fid, q.associated};
        if (q.restriction) {
            if (auto f = translate_restriction(*q.restriction)) {
                where_ += " AND (" + f->sql + ")";
                for (auto& p : f->params) where_params_.push_back(std::move(p));
                pushdown_.restriction = true;
            }
        }
        plan_sort();
    }

    Pushdown pushdown() const override { return pushdown_; }

    uint32_t count() override {
        if (!count_)
            count_ = uint32_t(db_.query_one("SELECT COUNT(*) FROM fallback_messages m WHERE " + where_, where_params_)
                                  ->u64(0));
        return *count_;
    }

    std::vector<Row> fetch(uint32_t pos, uint32_t n) override {
        if (n == 0) return {};
        // Ordered ids come in windows of kIdWindow: a sorted page costs MariaDB
        // a sort of the whole result, so consecutive pages share one (memory:
        // the window's ids, not the folder).
        uint64_t window_end = uint64_t(window_start_) + window_.size();
        bool hit = loaded_ && pos >= window_start_ &&
                   (uint64_t(pos) + n <= window_end || (window_done_ && pos <= window_end));
        if (!hit) {
            // A reader that runs past the end of the window is reading the
            // table through (Outlook scrolling, a sync, a bench): one sort
            // of the folder costs about the same whatever the LIMIT, so its
            // next window is the big one.
            // A read from the first row is the usual start of such a reader.
            bool sequential = pos == 0 || (loaded_ && !window_done_ && pos > window_start_ && pos <= window_end);
            load_window(pos, std::max<uint32_t>(n, sequential ? kIdWindowSequential : kIdWindow));
        }
        std::vector<Id> mids;
        if (pos >= window_start_) {
            size_t from = pos - window_start_;
            for (size_t i = from; i < window_.size() && mids.size() < n; ++i) mids.push_back(window_[i]);
        }
        *counter_ += mids.size();
        return build_rows(mids);
    }

    // The computed message columns, then every stored property of the
    // messages the query covers (DISTINCT over the index, not the rows).
    std::vector<PropTag> all_columns() override {
        std::vector<PropTag> out = computed_message_columns();
        Params p = where_params_;
        for (auto& r : db_.query("SELECT DISTINCT pr.prop_id, pr.prop_type FROM fallback_messages m "
                                 "JOIN fallback_props pr ON pr.mailbox_id = m.mailbox_id AND pr.obj_kind = 2 AND "
                                 "pr.obj_id = m.mid WHERE " + where_ + " ORDER BY pr.prop_id",
                                 p)) {
            PropTag t = make_tag(uint16_t(r.u64(0)), uint16_t(r.u64(1)));
            if (std::none_of(out.begin(), out.end(), [&](PropTag o) { return prop_id(o) == prop_id(t); }))
                out.push_back(t);
        }
        return out;
    }

    std::optional<uint32_t> position_of(Id id) override {
        // Streamed in id-only chunks: memory bounded by the chunk.
        const uint32_t chunk = 1000;
        Params base = join_params_;
        for (auto& w : where_params_) base.push_back(w);
        for (uint32_t pos = 0;; pos += chunk) {
            Params p = base;
            p.emplace_back(unsigned(chunk));
            p.emplace_back(unsigned(pos));
            auto rows = db_.query("SELECT m.mid FROM fallback_messages m" + joins_ + " WHERE " + where_ +
                                      " ORDER BY " + order_ + " LIMIT ? OFFSET ?",
                                  p);
            for (size_t i = 0; i < rows.size(); ++i)
                if (rows[i].u64(0) == id) return pos + uint32_t(i);
            if (rows.size() < chunk) return std::nullopt;
        }
    }

private:
    // Ordered ids held by a cursor: 8 KiB for a random page, at most 128 KiB
    // for a table read from its start or through (see fetch()).
    static constexpr uint32_t kIdWindow = 1024;
    static constexpr uint32_t kIdWindowSequential = 16384;

    void load_window(uint32_t pos, uint32_t size) {
        Params p = join_params_;
        for (auto& w : where_params_) p.push_back(w);
        p.emplace_back(unsigned(size));
        p.emplace_back(unsigned(pos));
        auto rows = db_.query("SELECT m.mid FROM fallback_messages m" + joins_ + " WHERE " + where_ + " ORDER BY " +
                                  order_ + " LIMIT ? OFFSET ?",
                              p);
        window_.clear();
        for (auto& r : rows) window_.push_back(r.u64(0));
        window_start_ = pos;
        window_done_ = window_.size() < size;  // the result ends inside this window
        loaded_ = true;
    }

    void plan_sort() {
        order_.clear();
        bool ok = q_.sort.categories == 0;
        for (const auto& s : q_.sort.sorts) {
            uint16_t t = prop_type(s.tag);
            if (is_computed(s.tag) || is_multi(t) || (t & PT_MV_INSTANCE) || t == PT_UNSPECIFIED) ok = false;
        }
        if (ok && !q_.sort.sorts.empty()) {
            // LEFT JOIN: a missing value sorts as NULL, first ascending and
            // last descending, as compare_values orders missing values.
            for (size_t i = 0; i < q_.sort.sorts.size(); ++i) {
                const auto& s = q_.sort.sorts[i];
                std::string a = "s" + std::to_string(i);
                join_params_.emplace_back(unsigned(prop_id(s.tag)));
                std::string tc = type_condition(a, s.tag, join_params_);
                joins_ += " LEFT JOIN fallback_props " + a + " ON " + a + ".mailbox_id = m.mailbox_id AND " + a +
                          ".obj_kind = 2 AND " + a + ".obj_id = m.mid AND " + a + ".prop_id = ? AND " + tc;
                order_ += a + ".sort_key" + (s.order == SortOrder::Descending ? " DESC, " : ", ");
            }
            pushdown_.sort = true;
        } else if (q_.sort.sorts.empty()) {
            pushdown_.sort = true;  // nothing to sort: the natural (MID) order is the order
        }
        order_ += "m.mid";
    }

    std::vector<Row> build_rows(const std::vector<Id>& mids) {
        std::vector<PropTag> stored;
        for (PropTag t : q_.columns)
            if (!is_computed(t)) stored.push_back(t);
        // One row per message: the summary images (summary.h).
        auto page = read_page(db_, ctx_.mailbox_id, mids, stored);
        auto size_of = [&](Id mid) {
            auto it = page.sizes.find(mid);
            return it == page.sizes.end() ? int64_t(0) : it->second;
        };
        std::vector<Row> out;
        out.reserve(mids.size());
        for (Id mid : mids) {
            Row r;
            r.id = mid;
            r.folder = fid_;
            auto& sv = page.values[mid];
            size_t si = 0;
            for (PropTag t : q_.columns) {
                if (is_computed(t))
                    r.values.push_back(*computed_message_prop(t, ctx_, fid_, mid, q_.associated,
                                                              [&] { return size_of(mid); }));
                else
                    r.values.push_back(sv[si++]);
            }
            out.push_back(std::move(r));
        }
        return out;
    }

    Database& db_;
    MailboxContext ctx_;
    Id fid_;
    TableQuery q_;
    std::shared_ptr<uint64_t> counter_;
    Pushdown pushdown_;
    std::string where_, joins_, order_;
    Params where_params_, join_params_;
    std::optional<uint32_t> count_;
    std::vector<Id> window_;
    uint32_t window_start_ = 0;
    bool window_done_ = false;
    bool loaded_ = false;
};

// ---------------------------------------------------------------- folder

class FallbackFolder : public Folder {
public:
    FallbackFolder(Database& db, IdAllocator& ids, const MailboxContext& ctx, Id fid, std::shared_ptr<uint64_t> counter)
        : db_(db), ids_(ids), ctx_(ctx), store_(db, ctx.mailbox_id, ObjKind::Folder), fid_(fid),
          counter_(std::move(counter)) {}

    Id fid() const override { return fid_; }
    PropList get_props(std::span<const PropTag> tags) override { return store_.get(fid_, tags); }
    PropList get_all_props() override { return store_.get_all(fid_); }
    std::vector<PropTag> prop_tags() override { return store_.tags(fid_); }
    Problems set_props(const PropList& values) override { return store_.set(fid_, values); }
    Problems delete_props(std::span<const PropTag> tags) override {
        store_.remove(fid_, tags);
        return {};
    }

    std::unique_ptr<Cursor> query_contents(const TableQuery& q) override {
        return std::make_unique<FallbackCursor>(db_, ctx_, fid_, q, counter_);
    }

    uint32_t content_count(bool associated) override {
        return uint32_t(db_.query_one("SELECT COUNT(*) FROM fallback_messages WHERE mailbox_id = ? AND fid = ? "
                                      "AND associated = ? AND deleted = 0",
                                      {ctx_.mailbox_id, fid_, associated})
                            ->u64(0));
    }

    std::unique_ptr<Message> open_message(Id mid, bool writable) override {
        auto r = db_.query_one("SELECT associated, change_number FROM fallback_messages WHERE mailbox_id = ? AND "
                               "mid = ? AND fid = ? AND deleted = 0",
                               {ctx_.mailbox_id, mid, fid_});
        if (!r) throw StoreError(ec::NotFound, "message not found");
        auto m = std::make_unique<FallbackMessage>(db_, ids_, ctx_, fid_, mid, r->i64(0) != 0, false, writable);
        m->base_cn_ = r->u64(1);
        return m;
    }

    std::unique_ptr<Message> create_message(Id new_mid, bool associated) override {
        return std::make_unique<FallbackMessage>(db_, ids_, ctx_, fid_, new_mid, associated, true, true);
    }

    std::vector<Id> delete_messages(std::span<const Id> mids, bool hard) override {
        std::vector<Id> failed;
        db_.transaction([&] {
            std::vector<Id> found;
            for (Id mid : mids) {
                auto r = db_.query_one("SELECT mid FROM fallback_messages WHERE mailbox_id = ? AND mid = ? AND fid = ? "
                                       "AND deleted = 0",
                                       {ctx_.mailbox_id, mid, fid_});
                (r ? found : failed).push_back(mid);
            }
            PropStore msgs(db_, ctx_.mailbox_id, ObjKind::Message);
            for (Id mid : found) {
                if (hard) {
                    db_.exec("DELETE FROM fallback_messages WHERE mailbox_id = ? AND mid = ?", {ctx_.mailbox_id, mid});
                } else {
                    // Soft deletion keeps the row for ICS deletions/recovery.
                    db_.exec("UPDATE fallback_messages SET deleted = 1 WHERE mailbox_id = ? AND mid = ?",
                             {ctx_.mailbox_id, mid});
                }
            }
            if (hard) {
                msgs.remove_all(found);
                ContentStore(db_, ctx_.mailbox_id).delete_all(found);
            }
        });
        return failed;
    }

    // Embedded messages of a copy are new objects: new ids.
    void renumber_embedded(MessageData& m) {
        for (auto& [num, a] : m.attachments) {
            if (!a || !a->embedded) continue;
            a->embedded->mid = ids_.allocate(ctx_.mailbox_id);
            renumber_embedded(*a->embedded);
        }
    }

    // One SELECT for the current values, one multi-row upsert for the
    // changed ones; fallback_messages (change number, modified_at) is not
    // touched: not a change (provider.h).
    std::vector<Id> update_message_bits(std::span<const Id> mids, PropTag tag, uint32_t set,
                                        uint32_t clear) override {
        std::vector<Id> failed;
        db_.transaction([&] {
            failed.clear();
            std::set<Id> live;
            std::map<Id, uint32_t> current;
            for (size_t i = 0; i < mids.size(); i += 500) {
                auto chunk = mids.subspan(i, std::min<size_t>(500, mids.size() - i));
                for (auto& r : db_.query("SELECT m.mid, p.v_int FROM fallback_messages m LEFT JOIN fallback_props p ON "
                                         "p.mailbox_id = m.mailbox_id AND p.obj_kind = 2 AND p.obj_id = m.mid AND "
                                         "p.prop_id = ? AND p.prop_type = 3 WHERE m.mailbox_id = ? AND m.fid = ? AND "
                                         "m.deleted = 0 AND m.mid IN (" + sql_placeholders(chunk.size()) + ") FOR UPDATE",
                                         id_list({unsigned(prop_id(tag)), ctx_.mailbox_id, fid_}, chunk))) {
                    live.insert(r.u64(0));
                    current[r.u64(0)] = uint32_t(r.opt_i64(1).value_or(0));
                }
            }
            std::vector<std::pair<Id, PropValue>> changed;
            for (Id mid : mids) {
                if (!live.count(mid)) {
                    failed.push_back(mid);
                    continue;
                }
                uint32_t after = (current[mid] & ~clear) | set;
                if (after != current[mid] || !current.count(mid))
                    changed.emplace_back(mid, PropValue::i32(change_type(tag, PT_LONG), int32_t(after)));
                current[mid] = after;  // a MID listed twice is changed once
            }
            PropStore(db_, ctx_.mailbox_id, ObjKind::Message).set_many(changed);
            std::vector<Id> touched;
            for (auto& [mid, v] : changed) touched.push_back(mid);
            std::sort(touched.begin(), touched.end());
            touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
            refresh_summaries(db_, ctx_.mailbox_id, touched);
        });
        return failed;
    }

    std::vector<Id> move_copy_messages(std::span<const Id> mids, const ObjectRef& dest, bool copy,
                                       std::span<const Id> new_mids) override {
        if (copy && new_mids.size() != mids.size()) throw StoreError(ec::InvalidParam, "one new id per copied message");
        std::vector<Id> failed;
        db_.transaction([&] {
            failed.clear();
            PropStore props(db_, ctx_.mailbox_id, ObjKind::Message);
            ContentStore content(db_, ctx_.mailbox_id);
            for (size_t i = 0; i < mids.size(); ++i) {
                Id mid = mids[i];
                auto r = db_.query_one("SELECT associated FROM fallback_messages WHERE mailbox_id = ? AND mid = ? AND "
                                       "fid = ? AND deleted = 0 FOR UPDATE",
                                       {ctx_.mailbox_id, mid, fid_});
                if (!r) {
                    failed.push_back(mid);
                    continue;
                }
                bool associated = r->i64(0) != 0;
                if (!copy) {
                    // A move is a change of the message (MS-OXCFXICS: it appears in the destination).
                    db_.exec("UPDATE fallback_messages SET fid = ? WHERE mailbox_id = ? AND mid = ?",
                             {dest.id, ctx_.mailbox_id, mid});
                    FallbackMessage moved(db_, ids_, ctx_, dest.id, mid, associated, false, true);
                    moved.save();
                    continue;
                }
                FallbackMessage dst(db_, ids_, ctx_, dest.id, new_mids[i], associated, true, true);
                PropList values;
                for (auto& v : props.get_all(mid)) {
                    uint16_t id = prop_id(v.tag);
                    if (id == prop_id(PidTagChangeKey) || id == prop_id(PidTagPredecessorChangeList) ||
                        id == prop_id(PidTagSourceKey) || id == prop_id(PidTagChangeNumber))
                        continue;  // a copy is a new object with its own ICS identity
                    values.push_back(std::move(v));
                }
                dst.set_props(values);
                dst.save();
                MessageData copied = content.load_content(mid);
                renumber_embedded(copied);
                content.insert_content(new_mids[i], copied);
                refresh_summary(db_, ctx_.mailbox_id, new_mids[i]);  // its size counts the content
            }
        });
        return failed;
    }

private:
    Database& db_;
    IdAllocator& ids_;
    MailboxContext ctx_;
    PropStore store_;
    Id fid_;
    std::shared_ptr<uint64_t> counter_;
};

}  // namespace

// ---------------------------------------------------------------- provider

FallbackProvider::FallbackProvider(Database& db, IdAllocator& ids, MailboxContext ctx)
    : db_(db), ids_(ids), ctx_(std::move(ctx)) {}

std::string FallbackProvider::create_folder(const ObjectRef&, Id fid, FolderRole, const std::string&,
                                            const PropList& props) {
    // The fallback addresses folders by FID: nothing to create but the
    // initial properties. Its URI is empty.
    PropStore store(db_, ctx_.mailbox_id, ObjKind::Folder);
    Problems p = store.set(fid, props);
    if (!p.empty()) throw StoreError(p.front().error, "folder property could not be stored");
    return "";
}

void FallbackProvider::delete_folder(const ObjectRef& folder) {
    // Set-based deletes: a big folder costs a few statements, not one per message.
    db_.transaction([&] {
        ContentStore(db_, ctx_.mailbox_id).delete_folder_content(folder.id);
        db_.exec("DELETE p FROM fallback_props p JOIN fallback_messages m ON m.mailbox_id = p.mailbox_id AND "
                 "m.mid = p.obj_id WHERE p.mailbox_id = ? AND p.obj_kind = 2 AND m.fid = ?",
                 {ctx_.mailbox_id, folder.id});
        db_.exec("DELETE FROM fallback_messages WHERE mailbox_id = ? AND fid = ?", {ctx_.mailbox_id, folder.id});
        PropStore(db_, ctx_.mailbox_id, ObjKind::Folder).remove_all(folder.id);
    });
}

std::string FallbackProvider::move_folder(const ObjectRef& folder, const ObjectRef&, const std::string&) {
    return folder.uri;  // content is keyed by FID, which a move keeps
}

std::unique_ptr<Folder> FallbackProvider::open_folder(const ObjectRef& folder) {
    return std::make_unique<FallbackFolder>(db_, ids_, ctx_, folder.id, rows_fetched_);
}

}  // namespace mg::store::fallback
