#include "providers/fallback/content.h"

#include "libmapi/proptags.h"
#include "mapistore/tables.h"
#include "providers/fallback/sql.h"

#include <algorithm>
#include <set>

namespace mg::store::fallback {

using namespace mapi;

// ---------------------------------------------------------------- copies and sizes

std::shared_ptr<AttachmentData> clone(const AttachmentData& a) {
    auto c = std::make_shared<AttachmentData>();
    c->props = a.props;
    if (a.embedded) c->embedded = clone(*a.embedded);
    return c;
}

std::shared_ptr<MessageData> clone(const MessageData& m) {
    auto c = std::make_shared<MessageData>();
    c->mid = m.mid;
    c->props = m.props;
    c->recipients = m.recipients;
    for (auto& [num, a] : m.attachments)
        if (a) c->attachments[num] = clone(*a);
    return c;
}

int64_t value_size(const PropValue& v) {
    try {
        StoredValue s = encode_value(v);
        return 8 + int64_t(s.v_text ? s.v_text->size() : 0) + int64_t(s.v_blob ? s.v_blob->size() : 0);
    } catch (const StoreError&) {
        return 0;
    }
}

int64_t attachment_size(const AttachmentData& a) {
    int64_t n = 0;
    for (auto& [id, v] : a.props) n += value_size(v);
    if (a.embedded) n += message_size(*a.embedded);
    return n;
}

int64_t message_size(const MessageData& m) {
    int64_t n = 0;
    for (auto& [id, v] : m.props) n += value_size(v);
    for (auto& r : m.recipients)
        for (auto& v : r.props) n += value_size(v);
    for (auto& [num, a] : m.attachments)
        if (a) n += attachment_size(*a);
    return n;
}

// ---------------------------------------------------------------- ContentStore

namespace {

PropMap to_map(const PropList& l) {
    PropMap m;
    for (auto& v : l)
        if (!v.is_missing()) m.insert_or_assign(prop_id(v.tag), v);
    return m;
}

PropList to_list(const PropMap& m) {
    PropList l;
    for (auto& [id, v] : m) l.push_back(v);
    return l;
}

void store_props(Database& db, uint64_t mailbox, uint8_t kind, uint64_t id, const PropList& values) {
    Problems p = PropStore(db, mailbox, ObjKind(kind)).set(id, values);
    if (!p.empty()) throw StoreError(p.front().error, "a property of a recipient or attachment could not be saved");
}

}  // namespace

uint64_t ContentStore::insert_row(Id root, uint64_t parent, uint8_t kind, uint64_t num) {
    db_.exec("INSERT INTO fallback_subobjects (mailbox_id, root_mid, parent_id, kind, num) VALUES (?, ?, ?, ?, ?)",
             {mailbox_, root, parent, unsigned(kind), num});
    return db_.last_insert_id();
}

std::vector<Recipient> ContentStore::load_recipients(Id root, uint64_t parent) {
    std::vector<Recipient> out;
    std::vector<Id> ids;
    for (auto& r : db_.query("SELECT id, num FROM fallback_subobjects WHERE mailbox_id = ? AND root_mid = ? AND "
                             "parent_id = ? AND kind = 3 ORDER BY num",
                             {mailbox_, root, parent})) {
        ids.push_back(r.u64(0));
        out.push_back({uint32_t(r.u64(1)), {}});
    }
    PropStore props(db_, mailbox_, ObjKind(kKindRecipient));
    for (size_t i = 0; i < ids.size(); ++i) out[i].props = props.get_all(ids[i]);
    return out;
}

void ContentStore::replace_recipients(Id root, uint64_t parent, const std::vector<Recipient>& recipients) {
    db_.exec("DELETE p FROM fallback_props p JOIN fallback_subobjects s ON s.mailbox_id = p.mailbox_id AND "
             "s.id = p.obj_id AND p.obj_kind = 3 WHERE s.mailbox_id = ? AND s.root_mid = ? AND s.parent_id = ? AND "
             "s.kind = 3",
             {mailbox_, root, parent});
    db_.exec("DELETE FROM fallback_subobjects WHERE mailbox_id = ? AND root_mid = ? AND parent_id = ? AND kind = 3",
             {mailbox_, root, parent});
    // One row each, then every property in multi-row statements.
    std::vector<std::pair<Id, PropValue>> values;
    for (const auto& r : recipients) {
        uint64_t id = insert_row(root, parent, kKindRecipient, r.row_id);
        for (const auto& v : r.props)
            if (!v.is_missing()) values.emplace_back(id, v);
    }
    PropStore(db_, mailbox_, ObjKind(kKindRecipient)).set_many(values);
}

std::map<uint32_t, uint64_t> ContentStore::attachment_ids(Id root, uint64_t parent) {
    std::map<uint32_t, uint64_t> out;
    for (auto& r : db_.query("SELECT num, id FROM fallback_subobjects WHERE mailbox_id = ? AND root_mid = ? AND "
                             "parent_id = ? AND kind = 4",
                             {mailbox_, root, parent}))
        out[uint32_t(r.u64(0))] = r.u64(1);
    return out;
}

std::shared_ptr<MessageData> ContentStore::load_embedded(Id root, uint64_t attachment_id) {
    auto r = db_.query_one("SELECT id, num FROM fallback_subobjects WHERE mailbox_id = ? AND root_mid = ? AND "
                           "parent_id = ? AND kind = 5",
                           {mailbox_, root, attachment_id});
    if (!r) return nullptr;
    auto m = std::make_shared<MessageData>();
    uint64_t id = r->u64(0);
    m->mid = r->u64(1);
    m->props = to_map(PropStore(db_, mailbox_, ObjKind(kKindEmbedded)).get_all(id));
    m->recipients = load_recipients(root, id);
    for (auto& [num, aid] : attachment_ids(root, id)) m->attachments[num] = load_attachment(root, aid);
    return m;
}

std::shared_ptr<AttachmentData> ContentStore::load_attachment(Id root, uint64_t id) {
    auto a = std::make_shared<AttachmentData>();
    a->props = to_map(PropStore(db_, mailbox_, ObjKind(kKindAttachment)).get_all(id));
    a->embedded = load_embedded(root, id);
    return a;
}

void ContentStore::delete_subtree(Id root, uint64_t id) {
    // Children first (recipients, attachments, embedded messages), then the row.
    std::vector<std::pair<uint64_t, unsigned>> children;
    for (auto& r : db_.query("SELECT id, kind FROM fallback_subobjects WHERE mailbox_id = ? AND root_mid = ? AND "
                             "parent_id = ?",
                             {mailbox_, root, id}))
        children.emplace_back(r.u64(0), unsigned(r.u64(1)));
    for (auto& [child, kind] : children) delete_subtree(root, child);
    db_.exec("DELETE FROM fallback_props WHERE mailbox_id = ? AND obj_kind IN (3, 4, 5) AND obj_id = ?",
             {mailbox_, id});
    db_.exec("DELETE FROM fallback_subobjects WHERE mailbox_id = ? AND id = ?", {mailbox_, id});
}

void ContentStore::insert_attachment(Id root, uint64_t parent, uint32_t num, const AttachmentData& a) {
    uint64_t id = insert_row(root, parent, kKindAttachment, num);
    store_props(db_, mailbox_, kKindAttachment, id, to_list(a.props));
    if (a.embedded) insert_message(root, id, *a.embedded);
}

void ContentStore::insert_message(Id root, uint64_t parent, const MessageData& m) {
    uint64_t id = insert_row(root, parent, kKindEmbedded, m.mid);
    store_props(db_, mailbox_, kKindEmbedded, id, to_list(m.props));
    replace_recipients(root, id, m.recipients);
    for (auto& [num, a] : m.attachments)
        if (a) insert_attachment(root, id, num, *a);
}

void ContentStore::replace_attachment(Id root, uint64_t parent, uint32_t num, const AttachmentData* a) {
    auto ids = attachment_ids(root, parent);
    if (auto it = ids.find(num); it != ids.end()) delete_subtree(root, it->second);
    if (a) insert_attachment(root, parent, num, *a);
}

MessageData ContentStore::load_content(Id root) {
    MessageData m;
    m.mid = root;
    m.recipients = load_recipients(root, 0);
    for (auto& [num, id] : attachment_ids(root, 0)) m.attachments[num] = load_attachment(root, id);
    return m;
}

void ContentStore::insert_content(Id root, const MessageData& content) {
    replace_recipients(root, 0, content.recipients);
    for (auto& [num, a] : content.attachments)
        if (a) insert_attachment(root, 0, num, *a);
}

void ContentStore::delete_all(std::span<const Id> roots) {
    for (size_t i = 0; i < roots.size(); i += 500) {
        auto chunk = roots.subspan(i, std::min<size_t>(500, roots.size() - i));
        std::string in = "(" + sql_placeholders(chunk.size()) + ")";
        db_.exec("DELETE p FROM fallback_props p JOIN fallback_subobjects s ON s.mailbox_id = p.mailbox_id AND "
                 "s.id = p.obj_id AND s.kind = p.obj_kind WHERE s.mailbox_id = ? AND s.root_mid IN " + in,
                 id_list({mailbox_}, chunk));
        db_.exec("DELETE FROM fallback_subobjects WHERE mailbox_id = ? AND root_mid IN " + in,
                 id_list({mailbox_}, chunk));
    }
}

void ContentStore::delete_folder_content(Id fid) {
    db_.exec("DELETE p FROM fallback_props p JOIN fallback_subobjects s ON s.mailbox_id = p.mailbox_id AND "
             "s.id = p.obj_id AND s.kind = p.obj_kind JOIN fallback_messages m ON m.mailbox_id = s.mailbox_id AND "
             "m.mid = s.root_mid WHERE s.mailbox_id = ? AND m.fid = ?",
             {mailbox_, fid});
    db_.exec("DELETE s FROM fallback_subobjects s JOIN fallback_messages m ON m.mailbox_id = s.mailbox_id AND "
             "m.mid = s.root_mid WHERE s.mailbox_id = ? AND m.fid = ?",
             {mailbox_, fid});
}

std::map<Id, int64_t> ContentStore::content_sizes(std::span<const Id> roots) {
    std::map<Id, int64_t> out;
    if (roots.empty()) return out;
    for (auto& r : db_.query("SELECT s.root_mid, COALESCE(SUM(8 + COALESCE(LENGTH(p.v_text), 0) + "
                             "COALESCE(LENGTH(p.v_blob), 0)), 0) FROM fallback_subobjects s JOIN fallback_props p ON "
                             "p.mailbox_id = s.mailbox_id AND p.obj_kind = s.kind AND p.obj_id = s.id WHERE "
                             "s.mailbox_id = ? AND s.root_mid IN (" + sql_placeholders(roots.size()) +
                                 ") GROUP BY s.root_mid",
                             id_list({mailbox_}, roots)))
        out[r.u64(0)] = r.i64(1);
    return out;
}

// ---------------------------------------------------------------- in-memory property objects

namespace {

// Properties held in a PropMap, with computed ones supplied by `computed`.
template <class Computed, class IsComputed>
PropList map_get(const PropMap& m, std::span<const PropTag> tags, Computed&& computed, IsComputed&& is_comp) {
    PropList out;
    for (PropTag t : tags) {
        if (is_comp(t)) {
            auto c = computed(t);
            out.push_back(c ? as_requested(t, std::move(*c)) : PropValue::error(t, ec::NotFound));
        } else if (auto it = m.find(prop_id(t)); it != m.end()) {
            out.push_back(as_requested(t, it->second));
        } else {
            out.push_back(PropValue::error(t, ec::NotFound));
        }
    }
    return out;
}

template <class IsComputed>
Problems map_set(PropMap& m, const PropList& values, IsComputed&& is_comp) {
    Problems problems;
    for (size_t i = 0; i < values.size(); ++i) {
        const PropValue& v = values[i];
        if (is_comp(v.tag)) {
            problems.push_back({uint16_t(i), v.tag, ec::Computed});
            continue;
        }
        try {
            encode_value(v);
        } catch (const StoreError& e) {
            problems.push_back({uint16_t(i), v.tag, e.ec()});
            continue;
        }
        m.insert_or_assign(prop_id(v.tag), v);
    }
    return problems;
}

template <class IsComputed>
Problems map_delete(PropMap& m, std::span<const PropTag> tags, IsComputed&& is_comp) {
    Problems problems;
    for (size_t i = 0; i < tags.size(); ++i) {
        if (is_comp(tags[i])) problems.push_back({uint16_t(i), tags[i], ec::Computed});
        else m.erase(prop_id(tags[i]));
    }
    return problems;
}

void require(bool writable, const char* what) {
    if (!writable) throw StoreError(ec::AccessDenied, std::string(what) + " opened read-only");
}

// Rows of a list of attachments, all in memory.
class MemoryCursor : public Cursor {
public:
    explicit MemoryCursor(std::vector<Row> rows) : rows_(std::move(rows)) {}
    Pushdown pushdown() const override { return {}; }
    uint32_t count() override { return uint32_t(rows_.size()); }
    std::vector<Row> fetch(uint32_t pos, uint32_t n) override {
        std::vector<Row> out;
        for (uint32_t i = pos; i < rows_.size() && out.size() < n; ++i) out.push_back(rows_[i]);
        return out;
    }
    std::optional<uint32_t> position_of(Id id) override {
        for (uint32_t i = 0; i < rows_.size(); ++i)
            if (rows_[i].id == id) return i;
        return std::nullopt;
    }

private:
    std::vector<Row> rows_;
};

class EmbeddedMessage;

class FallbackAttachment : public Attachment {
public:
    FallbackAttachment(AttachmentSink& sink, uint32_t num, std::shared_ptr<AttachmentData> data, bool writable)
        : sink_(sink), num_(num), data_(std::move(data)), writable_(writable) {}

    uint32_t attach_num() const override { return num_; }
    PropList get_props(std::span<const PropTag> tags) override {
        return map_get(data_->props, tags, [&](PropTag t) { return attachment_computed(t, num_, *data_); },
                       is_attachment_computed);
    }
    PropList get_all_props() override { return get_props(prop_tags()); }
    std::vector<PropTag> prop_tags() override {
        std::vector<PropTag> out;
        for (auto& [id, v] : data_->props) out.push_back(v.tag);
        out.push_back(PidTagAttachNumber);
        out.push_back(PidTagAttachSize);
        std::sort(out.begin(), out.end());
        return out;
    }
    Problems set_props(const PropList& values) override {
        require(writable_, "attachment");
        return map_set(data_->props, values, is_attachment_computed);
    }
    Problems delete_props(std::span<const PropTag> tags) override {
        require(writable_, "attachment");
        return map_delete(data_->props, tags, is_attachment_computed);
    }
    void save() override {
        require(writable_, "attachment");
        sink_.commit_attachment(num_, clone(*data_));
    }
    std::unique_ptr<Message> open_embedded(bool writable, bool create, Id new_mid) override;

    void commit_embedded(const MessageData& m) { data_->embedded = clone(m); }

private:
    AttachmentSink& sink_;
    uint32_t num_;
    std::shared_ptr<AttachmentData> data_;
    bool writable_;
};

// A message inside an attachment: a full in-memory copy, handed back to
// the attachment by save().
class EmbeddedMessage : public Message, public AttachmentSet {
public:
    EmbeddedMessage(FallbackAttachment& parent, std::shared_ptr<MessageData> data, bool writable)
        : parent_(parent), data_(std::move(data)), writable_(writable) {
        changes_ = data_->attachments;
    }

    Id mid() const override { return data_->mid; }
    Id fid() const override { return 0; }
    bool associated() const override { return false; }

    PropList get_props(std::span<const PropTag> tags) override {
        return map_get(data_->props, tags, [&](PropTag t) { return computed(t); }, is_computed);
    }
    PropList get_all_props() override { return get_props(prop_tags()); }
    std::vector<PropTag> prop_tags() override {
        std::vector<PropTag> out;
        for (auto& [id, v] : data_->props) out.push_back(v.tag);
        out.push_back(PidTagMid);
        out.push_back(PidTagMessageSize);
        std::sort(out.begin(), out.end());
        return out;
    }
    Problems set_props(const PropList& values) override {
        require(writable_, "embedded message");
        return map_set(data_->props, values, is_computed);
    }
    Problems delete_props(std::span<const PropTag> tags) override {
        require(writable_, "embedded message");
        return map_delete(data_->props, tags, is_computed);
    }
    using Message::save;
    Id save(bool) override {
        require(writable_, "embedded message");
        sync();
        parent_.commit_embedded(*data_);
        return 0;
    }

    std::vector<Recipient> recipients() override { return data_->recipients; }
    void set_recipients(std::vector<Recipient> r) override {
        require(writable_, "embedded message");
        data_->recipients = std::move(r);
    }

    std::vector<uint32_t> attachment_numbers() override { return numbers(); }
    std::unique_ptr<Cursor> query_attachments(const TableQuery& q) override { return query(q); }
    std::unique_ptr<Attachment> open_attachment(uint32_t num, bool writable) override {
        return open(num, writable, writable_);
    }
    std::unique_ptr<Attachment> create_attachment() override {
        require(writable_, "embedded message");
        return create();
    }
    void delete_attachment(uint32_t num) override {
        require(writable_, "embedded message");
        remove(num);
    }

    // AttachmentSet: everything is in changes_.
    std::vector<uint32_t> base_numbers() override { return {}; }
    std::shared_ptr<AttachmentData> base_attachment(uint32_t) override { return nullptr; }

private:
    void sync() {
        data_->attachments.clear();
        for (auto& [num, a] : changes_)
            if (a) data_->attachments[num] = a;
    }
    std::optional<PropValue> computed(PropTag t) {
        if (prop_id(t) == prop_id(PidTagMid)) return PropValue{PidTagMid, int64_t(data_->mid)};
        if (prop_id(t) == prop_id(PidTagMessageSize)) {
            sync();
            return PropValue::i32(PidTagMessageSize, int32_t(std::min<int64_t>(message_size(*data_), INT32_MAX)));
        }
        if (prop_id(t) == prop_id(PidTagAssociated)) return PropValue::boolean(PidTagAssociated, false);
        return std::nullopt;
    }

    FallbackAttachment& parent_;
    std::shared_ptr<MessageData> data_;
    bool writable_;
};

std::unique_ptr<Message> FallbackAttachment::open_embedded(bool writable, bool create, Id new_mid) {
    if (writable) require(writable_, "attachment");
    if (data_->embedded) return std::make_unique<EmbeddedMessage>(*this, clone(*data_->embedded), writable);
    if (!create) return nullptr;
    require(writable_, "attachment");
    auto m = std::make_shared<MessageData>();
    m->mid = new_mid;
    // MS-OXCMSG 2.2.2.9: afEmbeddedMessage.
    data_->props.try_emplace(prop_id(PidTagAttachMethod), PropValue::i32(PidTagAttachMethod, 5));
    return std::make_unique<EmbeddedMessage>(*this, m, true);
}

}  // namespace

// ---------------------------------------------------------------- AttachmentSet

bool is_attachment_computed(PropTag tag) {
    return prop_id(tag) == prop_id(PidTagAttachNumber) || prop_id(tag) == prop_id(PidTagAttachSize);
}

std::optional<PropValue> attachment_computed(PropTag tag, uint32_t num, const AttachmentData& a) {
    if (prop_id(tag) == prop_id(PidTagAttachNumber)) return PropValue::i32(PidTagAttachNumber, int32_t(num));
    if (prop_id(tag) == prop_id(PidTagAttachSize))
        return PropValue::i32(PidTagAttachSize, int32_t(std::min<int64_t>(attachment_size(a), INT32_MAX)));
    return std::nullopt;
}

std::map<uint32_t, PropList> AttachmentSet::base_rows(std::span<const uint32_t> nums, std::span<const PropTag> tags) {
    std::map<uint32_t, PropList> out;
    for (uint32_t n : nums)
        if (auto a = base_attachment(n))
            out[n] = map_get(a->props, tags, [&](PropTag t) { return attachment_computed(t, n, *a); },
                             is_attachment_computed);
    return out;
}

std::vector<uint32_t> AttachmentSet::numbers() {
    std::set<uint32_t> all;
    for (uint32_t n : base_numbers()) all.insert(n);
    for (auto& [n, a] : changes_) {
        if (a) all.insert(n);
        else all.erase(n);
    }
    return {all.begin(), all.end()};
}

std::shared_ptr<AttachmentData> AttachmentSet::current(uint32_t num) {
    if (auto it = changes_.find(num); it != changes_.end()) return it->second;
    return base_attachment(num);
}

uint32_t AttachmentSet::reserve_number() {
    if (!next_) {
        uint32_t n = 0;
        for (uint32_t b : base_numbers()) n = std::max(n, b + 1);
        for (auto& [b, a] : changes_) n = std::max(n, b + 1);
        next_ = n;
    }
    return (*next_)++;
}

void AttachmentSet::remove(uint32_t num) {
    if (!current(num)) throw StoreError(ec::NotFound, "no such attachment");
    changes_[num] = nullptr;
}

std::unique_ptr<Cursor> AttachmentSet::query(const TableQuery& q) {
    auto rows_for = [this](std::span<const uint32_t> nums, const std::vector<PropTag>& cols) {
        std::vector<uint32_t> base;
        for (uint32_t n : nums)
            if (!changes_.count(n)) base.push_back(n);
        auto stored = base_rows(base, cols);
        std::vector<Row> rows;
        for (uint32_t n : nums) {
            Row r;
            r.id = n;
            if (auto it = changes_.find(n); it != changes_.end()) {
                if (!it->second) continue;
                auto& a = *it->second;
                r.values = map_get(a.props, cols, [&](PropTag t) { return attachment_computed(t, n, a); },
                                   is_attachment_computed);
            } else if (auto s = stored.find(n); s != stored.end()) {
                r.values = std::move(s->second);
            } else {
                continue;
            }
            rows.push_back(std::move(r));
        }
        return rows;
    };
    auto nums = numbers();
    CursorFactory open = [&, nums](const TableQuery& q1) {
        return std::make_unique<MemoryCursor>(rows_for(nums, q1.columns));
    };
    RowLoader load = [rows_for](std::span<const Id> ids, const std::vector<PropTag>& cols) {
        std::vector<uint32_t> n(ids.begin(), ids.end());
        return rows_for(n, cols);
    };
    // The table is a snapshot taken now (MS-OXCMSG 3.2.5.13: later changes
    // are not seen): run the whole query once.
    auto cur = run_query(q, open, load);
    std::vector<Row> all = cur->fetch(0, cur->count());
    return std::make_unique<MemoryCursor>(std::move(all));
}

std::unique_ptr<Attachment> AttachmentSet::open(uint32_t num, bool writable, bool message_writable) {
    if (writable && !message_writable) throw StoreError(ec::AccessDenied, "message opened read-only");
    auto a = current(num);
    if (!a) throw StoreError(ec::NotFound, "no such attachment");
    return std::make_unique<FallbackAttachment>(*this, num, clone(*a), writable);
}

std::unique_ptr<Attachment> AttachmentSet::create() {
    return std::make_unique<FallbackAttachment>(*this, reserve_number(), std::make_shared<AttachmentData>(), true);
}

}  // namespace mg::store::fallback
