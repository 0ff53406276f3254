#include "providers/imap/imap_provider.h"

#include "common/log.h"
#include "libmapi/proptags.h"
#include "mapistore/ids.h"
#include "providers/fallback/fallback.h"
#include "providers/imap/imap_map.h"
#include "providers/imap/imap_summary.h"
#include "providers/imap/mime_to_mapi.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <set>

namespace mg::imap {

using namespace mapi;
using store::Cursor;
using store::Folder;
using store::FolderRole;
using store::Id;
using store::Message;
using store::MailboxContext;
using store::ObjectRef;
using store::Problems;
using store::Pushdown;
using store::Row;
using store::StoreError;
using store::TableQuery;

namespace {

constexpr uint32_t kMsgFlagRead = 0x01;
constexpr int32_t kFlagStatusFlagged = 2;
constexpr int32_t kVerbReply = 102, kVerbReplyAll = 103, kVerbForward = 104;
constexpr uint32_t kPageMax = 1024;  // UIDs per FETCH

bool is_mail_role(FolderRole r) {
    return r == FolderRole::Inbox || r == FolderRole::Outbox || r == FolderRole::SentItems ||
           r == FolderRole::DeletedItems || r == FolderRole::Drafts || r == FolderRole::Junk;
}

const std::vector<std::string>* role_names(const RoleNames& n, FolderRole r) {
    switch (r) {
    case FolderRole::SentItems: return &n.sent;
    case FolderRole::Drafts: return &n.drafts;
    case FolderRole::DeletedItems: return &n.trash;
    case FolderRole::Junk: return &n.junk;
    case FolderRole::Outbox: return &n.outbox;
    default: return nullptr;
    }
}

bool is_identity(PropTag t) {
    for (PropTag c : {PidTagMid, PidTagInstID, PidTagFolderId, PidTagParentFolderId, PidTagAssociated,
                      PidTagInstanceNum, PidTagEntryId, PidTagRecordKey, PidTagParentEntryId, PidTagSourceKey,
                      PidTagChangeNumber, PidTagChangeKey, PidTagPredecessorChangeList, PidTagInstanceKey,
                      PidTagRowType, PidTagDepth})
        if (prop_id(c) == prop_id(t)) return true;
    return false;
}

}  // namespace

// ---------------------------------------------------------------- provider state

// What the folders, cursors and messages of one provider share.
class ImapProvider : public store::Provider {
public:
    ImapProvider(std::shared_ptr<ImapSettings> s, store::Database& db, store::IdAllocator& ids, MailboxContext ctx)
        : s_(std::move(s)), db_(db), ids_(ids), ctx_(std::move(ctx)), fallback_(db, ids, ctx_),
          map_(db, ids, ctx_.mailbox_id) {}

    std::string name() const override { return "imap"; }
    bool holds_role(FolderRole role) const override {
        if (role == FolderRole::Generic) return true;  // mail folders of the user's own
        return is_mail_role(role) && (role != FolderRole::Outbox || s_->outbox);
    }
    bool syncs_hierarchy() const override { return true; }
    std::vector<ExternalFolder> list_external_folders() override;
    std::string create_folder(const ObjectRef& parent, Id fid, FolderRole role, const std::string& name,
                              const PropList& props) override;
    void delete_folder(const ObjectRef& folder) override;
    std::string move_folder(const ObjectRef& folder, const ObjectRef& new_parent, const std::string& new_name) override;
    std::unique_ptr<Folder> open_folder(const ObjectRef& folder) override;

    // Runs fn(Client&) on the user's pooled connection; IMAP failures become
    // StoreErrors the client understands.
    template <class F>
    auto imap(F&& fn, bool idempotent = true) -> decltype(fn(std::declval<Client&>())) {
        try {
            return s_->pool->with(ctx_.owner, std::forward<F>(fn), idempotent);
        } catch (const ImapConnectionError& e) {
            throw StoreError(ec::Backoff, "IMAP server " + s_->server + " unavailable: " + e.what());
        } catch (const ImapError& e) {
            uint32_t code = e.code() == "NONEXISTENT"     ? ec::NotFound
                            : e.code() == "ALREADYEXISTS" ? ec::Collision
                            : e.code() == "CANNOT"        ? ec::InvalidParam
                                                          : ec::RpcFailed;
            throw StoreError(code, std::string("IMAP: ") + e.what());
        }
    }

    // Selects `mailbox` on `c` unless it is; records its UIDVALIDITY for fid.
    uint32_t select(Client& c, Id fid, const std::string& mailbox) {
        if (c.selected() == mailbox) {
            if (auto v = map_.uidvalidity(fid)) return *v;
        }
        SelectResult r = c.select(mailbox);
        map_.check_uidvalidity(fid, mailbox, r.uidvalidity);
        return r.uidvalidity;
    }

    // The summaries of `uids` (any order) keyed by UID, with MIDs resolved.
    struct Fetched {
        Summary summary;
        ImapMap::Entry entry;
    };
    std::map<uint32_t, Fetched> fetch_summaries(Client& c, Id fid, uint32_t uidvalidity, std::vector<uint32_t> uids,
                                                const SummaryNeeds& needs) {
        std::map<uint32_t, Fetched> out;
        if (uids.empty()) return out;
        bool modseq = c.has("CONDSTORE") || c.has("QRESYNC");
        auto items = c.uid_fetch(format_set(uids), fetch_items(needs, modseq));
        std::vector<ImapMap::Seen> seen;
        for (auto& it : items) {
            if (!it.uid) continue;
            seen.push_back({it.uid, it.modseq.value_or(0)});
            out[it.uid].summary = make_summary(it);
        }
        auto ids = map_.resolve(fid, uidvalidity, seen);
        for (auto& [uid, f] : out) f.entry = ids[uid];
        return out;
    }

    PropValue identity(PropTag t, Id fid, Id mid, Id cn) const {
        auto typed = [&](PropValue v) { return store::fallback::as_requested(t, std::move(v)); };
        switch (prop_id(t)) {
        case prop_id(PidTagMid): case prop_id(PidTagInstID): return typed({change_type(t, PT_I8), int64_t(mid)});
        case prop_id(PidTagFolderId): case prop_id(PidTagParentFolderId):
            return typed({change_type(t, PT_I8), int64_t(fid)});
        case prop_id(PidTagAssociated): return typed({PidTagAssociated, false});
        case prop_id(PidTagInstanceNum): return typed({PidTagInstanceNum, int32_t(0)});
        case prop_id(PidTagEntryId): case prop_id(PidTagRecordKey):
            return typed({change_type(t, PT_BINARY),
                          store::encode_message_entry_id({ctx_.mailbox_guid, store::EntryType::PrivateMessage,
                                                          ctx_.replica_guid, store::globcnt_of(fid),
                                                          ctx_.replica_guid, store::globcnt_of(mid)})});
        case prop_id(PidTagParentEntryId):
            return typed({PidTagParentEntryId,
                          store::encode_folder_entry_id({ctx_.mailbox_guid, store::EntryType::PrivateFolder,
                                                         ctx_.replica_guid, store::globcnt_of(fid)})});
        case prop_id(PidTagSourceKey): return typed({PidTagSourceKey, store::source_key(ctx_.replica_guid, mid)});
        case prop_id(PidTagChangeNumber): return typed({PidTagChangeNumber, int64_t(cn)});
        case prop_id(PidTagChangeKey): return typed({PidTagChangeKey, store::change_key(ctx_.replica_guid, cn)});
        case prop_id(PidTagPredecessorChangeList):
            return typed({PidTagPredecessorChangeList,
                          store::encode_pcl({store::Xid{ctx_.replica_guid, store::globcnt_of(cn)}})});
        default: return PropValue::error(t, ec::NotFound);  // table-level columns
        }
    }

    PropList row_values(const std::vector<PropTag>& cols, Id fid, const Fetched& f) const {
        PropList out;
        out.reserve(cols.size());
        for (PropTag t : cols) {
            if (is_identity(t)) out.push_back(identity(t, fid, f.entry.mid, f.entry.cn));
            else if (auto v = summary_value(t, f.summary)) out.push_back(std::move(*v));
            else out.push_back(PropValue::error(t, ec::NotFound));
        }
        return out;
    }

    // LIST, kept for a moment (special folders are looked up one by one at
    // first logon).
    const std::vector<MailFolder>& folders(bool fresh = false) {
        auto now = std::chrono::steady_clock::now();
        if (fresh || !list_ || now - list_at_ > std::chrono::seconds(2)) {
            auto list = imap([](Client& c) { return c.list("", "*", true); });
            delimiter_ = '/';
            for (const auto& m : list)
                if (m.delimiter) delimiter_ = m.delimiter;
            list_ = map_folders(list, s_->names);
            list_at_ = now;
        }
        return *list_;
    }
    char delimiter() {
        folders();
        return delimiter_;
    }
    void changed() { list_.reset(); }
    std::optional<std::string> mailbox_of_role(FolderRole role) {
        for (const auto& f : folders())
            if (f.role == role) return f.mailbox;
        return std::nullopt;
    }
    std::string parent_mailbox(const ObjectRef& parent) const { return parent.provider == "imap" ? parent.uri : ""; }

    std::shared_ptr<ImapSettings> s_;
    store::Database& db_;
    store::IdAllocator& ids_;
    MailboxContext ctx_;
    store::fallback::FallbackProvider fallback_;
    ImapMap map_;

private:
    std::optional<std::vector<MailFolder>> list_;
    std::chrono::steady_clock::time_point list_at_;
    char delimiter_ = '/';
};

// ---------------------------------------------------------------- search / sort pushdown

namespace {

// A quoted IMAP string of printable ASCII (other text is not pushed down:
// SEARCH would need CHARSET UTF-8 and a literal).
std::optional<std::string> search_string(const std::string& s) {
    if (!std::all_of(s.begin(), s.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; })) return std::nullopt;
    std::string q = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') q += '\\';
        q += c;
    }
    return q + "\"";
}

// SEARCH keys answering `r` exactly as mapi::evaluate would, or nullopt.
std::optional<std::string> to_search(const Restriction& r) {
    auto id = prop_id(r.tag);
    switch (r.type) {
    case Restriction::And: case Restriction::Or: {
        if (r.children.empty()) return std::nullopt;
        std::vector<std::string> parts;
        for (const auto& c : r.children) {
            auto s = to_search(c);
            if (!s) return std::nullopt;
            parts.push_back(*s);
        }
        if (r.type == Restriction::And) {
            std::string s = "(";
            for (size_t i = 0; i < parts.size(); ++i) s += (i ? " " : "") + parts[i];
            return s + ")";
        }
        std::string s = parts.back();
        for (size_t i = parts.size() - 1; i-- > 0;) s = "OR " + parts[i] + " " + s;
        return s;
    }
    case Restriction::Not: {
        if (r.children.size() != 1) return std::nullopt;
        auto s = to_search(r.children[0]);
        return s ? std::optional<std::string>("NOT " + *s) : std::nullopt;
    }
    case Restriction::Bitmask:
        // MSGFLAG_READ of PidTagMessageFlags <-> \Seen.
        if (id == prop_id(PidTagMessageFlags) && r.mask == kMsgFlagRead)
            return std::string(r.bitmap_op == BMR_NEZ ? "SEEN" : "UNSEEN");
        return std::nullopt;
    case Restriction::Property:
        if (id == prop_id(PidTagRead) && r.value && std::holds_alternative<bool>(r.value->value) &&
            (r.relop == RELOP_EQ || r.relop == RELOP_NE)) {
            bool want = std::get<bool>(r.value->value) == (r.relop == RELOP_EQ);
            return std::string(want ? "SEEN" : "UNSEEN");
        }
        return std::nullopt;
    case Restriction::Content:
        // Case-insensitive substring of the subject: IMAP SUBJECT (RFC 3501
        // 6.4.4, substring, case-insensitive on the decoded header).
        if (id == prop_id(PidTagSubject) && r.value && std::holds_alternative<std::string>(r.value->value) &&
            (r.fuzzy & 0xFFFF) == FL_SUBSTRING && ((r.fuzzy >> 16) & FL_IGNORECASE)) {
            auto q = search_string(std::get<std::string>(r.value->value));
            return q ? std::optional<std::string>("SUBJECT " + *q) : std::nullopt;
        }
        return std::nullopt;
    default: return std::nullopt;
    }
}

// SORT criteria (RFC 5256, RFC 5957 DISPLAY) for a MAPI sort, or nullopt.
std::optional<std::string> to_sort(const SortOrderSet& s, bool display) {
    if (s.categories || s.sorts.empty()) return std::nullopt;
    std::string out;
    for (const auto& o : s.sorts) {
        std::string key;
        auto id = prop_id(o.tag);
        if (id == prop_id(PidTagMessageDeliveryTime)) key = "ARRIVAL";
        else if (id == prop_id(PidTagClientSubmitTime)) key = "DATE";
        else if (id == prop_id(PidTagMessageSize)) key = "SIZE";
        else if (id == prop_id(PidTagNormalizedSubject) || id == prop_id(PidTagConversationTopic)) key = "SUBJECT";
        else if (display && (id == prop_id(PidTagSenderName) || id == prop_id(PidTagSentRepresentingName)))
            key = "DISPLAYFROM";
        else if (display && id == prop_id(PidTagDisplayTo)) key = "DISPLAYTO";
        else return std::nullopt;
        if (o.order == SortOrder::MaxCategory) return std::nullopt;
        out += (out.empty() ? "" : " ") + std::string(o.order == SortOrder::Descending ? "REVERSE " : "") + key;
    }
    return out;
}

}  // namespace

// ---------------------------------------------------------------- cursor

class ImapCursor : public Cursor {
public:
    ImapCursor(ImapProvider& p, Id fid, std::string mailbox, const TableQuery& q)
        : p_(p), fid_(fid), mailbox_(std::move(mailbox)), q_(q), needs_(summary_needs(q.columns)) {
        if (q.restriction) {
            if (auto s = to_search(*q.restriction)) {
                search_ = *s;
                pushdown_.restriction = true;
            }
        }
        p_.imap([&](Client& c) {
            uidvalidity_ = p_.select(c, fid_, mailbox_);
            std::string criteria = search_.empty() ? "ALL" : search_;
            std::optional<std::string> sort;
            if (!q.sort.sorts.empty()) sort = to_sort(q.sort, c.has("SORT=DISPLAY"));
            if (sort && c.has("SORT")) {
                uids_ = c.uid_sort(*sort, criteria);
                pushdown_.sort = true;
            } else {
                uids_ = c.uid_search(criteria);
                if (q.sort.sorts.empty()) {
                    // No order asked: newest (highest UID) first.
                    std::sort(uids_.begin(), uids_.end(), std::greater<>());
                    pushdown_.sort = true;
                }
            }
        });
    }

    Pushdown pushdown() const override { return pushdown_; }
    uint32_t count() override { return uint32_t(uids_.size()); }

    // The rows of the last FETCH stay for the next call: the table layer
    // reads ahead in pages and asks again for the rows that did not fit in
    // its response, which would otherwise be fetched from IMAP twice.
    std::vector<Row> fetch(uint32_t pos, uint32_t n) override {
        std::vector<Row> out;
        if (pos >= uids_.size() || n == 0) return out;
        size_t end = std::min<size_t>(uids_.size(), size_t(pos) + n);
        while (pos < end && pos >= cache_pos_ && pos < cache_pos_ + cache_.size()) {
            if (auto& r = cache_[pos - cache_pos_]) out.push_back(*r);
            ++pos;
        }
        if (pos >= end) return out;
        cache_.assign(end - pos, std::nullopt);
        cache_pos_ = pos;
        for (size_t base = pos; base < end; base += kPageMax) {
            std::vector<uint32_t> page(uids_.begin() + long(base), uids_.begin() + long(std::min(end, base + kPageMax)));
            auto got = p_.imap([&](Client& c) {
                uint32_t v = p_.select(c, fid_, mailbox_);
                if (v != uidvalidity_) throw StoreError(ec::ObjectDeleted, "the folder's UIDVALIDITY changed; reopen the table");
                return p_.fetch_summaries(c, fid_, uidvalidity_, page, needs_);
            });
            for (size_t i = 0; i < page.size(); ++i) {
                auto it = got.find(page[i]);
                if (it == got.end()) continue;  // expunged meanwhile
                Row row{it->second.entry.mid, fid_, p_.row_values(q_.columns, fid_, it->second)};
                out.push_back(row);
                cache_[base + i - cache_pos_] = std::move(row);
            }
        }
        return out;
    }

    std::optional<uint32_t> position_of(Id id) override {
        auto w = p_.map_.find(fid_, id);
        if (!w || w->uidvalidity != uidvalidity_) return std::nullopt;
        auto it = std::find(uids_.begin(), uids_.end(), w->uid);
        if (it == uids_.end()) return std::nullopt;
        return uint32_t(it - uids_.begin());
    }

    std::vector<PropTag> all_columns() override {
        std::vector<PropTag> out = {PidTagMid, PidTagFolderId, PidTagInstID, PidTagEntryId, PidTagParentEntryId,
                                    PidTagSourceKey, PidTagChangeNumber, PidTagChangeKey, PidTagPredecessorChangeList};
        for (PropTag t : summary_columns()) out.push_back(t);
        return out;
    }

private:
    ImapProvider& p_;
    Id fid_;
    std::string mailbox_;
    TableQuery q_;
    SummaryNeeds needs_;
    Pushdown pushdown_;
    std::string search_;
    uint32_t uidvalidity_ = 0;
    std::vector<uint32_t> uids_;  // 4 bytes per message: the order IMAP gave
    std::vector<std::optional<Row>> cache_;  // the last fetch, from position cache_pos_
    size_t cache_pos_ = 0;
};

// ---------------------------------------------------------------- message

class ImapMessage : public Message {
public:
    ImapMessage(ImapProvider& p, Id fid, std::string mailbox, Id mid, ImapMap::Where where, bool writable)
        : p_(p), fid_(fid), mailbox_(std::move(mailbox)), mid_(mid), where_(where), writable_(writable) {}

    Id mid() const override { return mid_; }
    Id fid() const override { return fid_; }
    bool associated() const override { return false; }

    PropList get_props(std::span<const PropTag> tags) override {
        bool need_full = std::any_of(tags.begin(), tags.end(), [&](PropTag t) {
            return !is_identity(t) && !pending_.count(prop_id(t)) &&
                   std::none_of(summary_columns().begin(), summary_columns().end(),
                                [&](PropTag c) { return prop_id(c) == prop_id(t); });
        });
        std::vector<PropTag> cols(tags.begin(), tags.end());
        if (!need_full) {
            load_summary(cols);
            PropList out = p_.row_values(cols, fid_, *summary_);
            overlay(out, cols);
            return out;
        }
        load_full();
        PropList out;
        for (PropTag t : cols) out.push_back(full_value(t));
        overlay(out, cols);
        return out;
    }

    PropList get_all_props() override {
        auto tags = prop_tags();
        return get_props(tags);
    }

    std::vector<PropTag> prop_tags() override {
        load_full();
        std::vector<PropTag> out;
        auto add = [&](PropTag t) {
            if (std::none_of(out.begin(), out.end(), [&](PropTag o) { return prop_id(o) == prop_id(t); }))
                out.push_back(t);
        };
        for (PropTag t : {PidTagMid, PidTagFolderId, PidTagEntryId, PidTagParentEntryId, PidTagSourceKey,
                          PidTagChangeNumber, PidTagChangeKey, PidTagPredecessorChangeList})
            add(t);
        for (const auto& v : full_->props) add(v.tag);
        for (PropTag t : summary_columns())
            if (!summary_value(t, summary_->summary)->is_error()) add(t);
        return out;
    }

    // The properties IMAP can keep: the read state and the flags of a
    // message. Anything else would need the message rewritten (MAPI ->
    // MIME, not available yet) and is reported as a problem.
    Problems set_props(const PropList& values) override {
        require_writable();
        Problems problems;
        for (size_t i = 0; i < values.size(); ++i) {
            const auto& v = values[i];
            auto id = prop_id(v.tag);
            if (id == prop_id(PidTagMessageFlags) || id == prop_id(PidTagRead) || id == prop_id(PidTagFlagStatus) ||
                id == prop_id(PidTagLastVerbExecuted))
                pending_[id] = v;
            else
                problems.push_back({uint16_t(i), v.tag, is_identity(v.tag) ? ec::Computed : ec::NotSupported});
        }
        return problems;
    }

    Problems delete_props(std::span<const PropTag> tags) override {
        require_writable();
        Problems problems;
        for (size_t i = 0; i < tags.size(); ++i) {
            auto id = prop_id(tags[i]);
            if (id == prop_id(PidTagFlagStatus) || id == prop_id(PidTagLastVerbExecuted))
                pending_[id] = PropValue::i32(make_tag(id, PT_LONG), 0);
            else
                problems.push_back({uint16_t(i), tags[i], ec::NotSupported});
        }
        return problems;
    }

    // UID STORE of the flags that changed; the new MODSEQ gives the message
    // a new change number. Only flags are written, so there is nothing a
    // concurrent writer could lose: `force` changes nothing.
    Id save(bool /*force*/) override {
        require_writable();
        std::vector<PropTag> cols = {PidTagMessageFlags};
        load_summary(cols);
        std::set<std::string> now;
        for (const auto& f : summary_->summary.flags) now.insert(upper(f));
        std::vector<std::string> add, remove;
        auto want = [&](const char* flag, bool on) {
            bool has = now.count(upper(flag)) != 0;
            if (on && !has) add.push_back(flag);
            if (!on && has) remove.push_back(flag);
        };
        for (const auto& [id, v] : pending_) {
            if (id == prop_id(PidTagMessageFlags) && std::holds_alternative<int32_t>(v.value))
                want("\\Seen", (uint32_t(std::get<int32_t>(v.value)) & kMsgFlagRead) != 0);
            else if (id == prop_id(PidTagRead) && std::holds_alternative<bool>(v.value))
                want("\\Seen", std::get<bool>(v.value));
            else if (id == prop_id(PidTagFlagStatus) && std::holds_alternative<int32_t>(v.value))
                want("\\Flagged", std::get<int32_t>(v.value) == kFlagStatusFlagged);
            else if (id == prop_id(PidTagLastVerbExecuted) && std::holds_alternative<int32_t>(v.value)) {
                int32_t verb = std::get<int32_t>(v.value);
                if (verb == kVerbReply || verb == kVerbReplyAll) want("\\Answered", true);
                if (verb == kVerbForward) want("$Forwarded", true);
            }
        }
        pending_.clear();
        if (add.empty() && remove.empty()) return summary_->entry.cn;
        std::string uid = std::to_string(where_.uid);
        p_.imap([&](Client& c) {
            check_selected(c);
            if (!add.empty()) c.uid_store(uid, "+FLAGS.SILENT", add);
            if (!remove.empty()) c.uid_store(uid, "-FLAGS.SILENT", remove);
        });
        summary_.reset();
        full_.reset();
        load_summary(cols);  // new FLAGS and MODSEQ -> new change number
        return summary_->entry.cn;
    }

    // Recipients come from the MIME headers; attachments are not exposed
    // as attachment objects yet (the converted parts are, as properties, in
    // the message). Changing either needs MAPI -> MIME, not available yet.
    std::vector<store::Recipient> recipients() override {
        load_full();
        std::vector<store::Recipient> out;
        uint32_t row = 0;
        for (const auto& r : full_->recipients) out.push_back({row++, r.props});
        return out;
    }
    void set_recipients(std::vector<store::Recipient>) override { not_writable_to_imap("recipients"); }
    std::vector<uint32_t> attachment_numbers() override { return {}; }
    std::unique_ptr<Cursor> query_attachments(const TableQuery&) override {
        throw StoreError(ec::NotSupported, "attachment tables of IMAP messages are not available yet");
    }
    std::unique_ptr<store::Attachment> open_attachment(uint32_t, bool) override {
        throw StoreError(ec::NotFound, "attachment not found");
    }
    std::unique_ptr<store::Attachment> create_attachment() override { not_writable_to_imap("attachments"); }
    void delete_attachment(uint32_t) override { not_writable_to_imap("attachments"); }

private:
    [[noreturn]] static void not_writable_to_imap(const char* what) {
        throw StoreError(ec::NotSupported, std::string("the ") + what +
                                               " of an IMAP message cannot be changed yet (MAPI to MIME is not implemented)");
    }
    void require_writable() const {
        if (!writable_) throw StoreError(ec::AccessDenied, "message opened read-only");
    }
    void check_selected(Client& c) {
        if (p_.select(c, fid_, mailbox_) != where_.uidvalidity)
            throw StoreError(ec::ObjectDeleted, "the message's folder was recreated (UIDVALIDITY changed)");
    }
    void load_summary(const std::vector<PropTag>& cols) {
        SummaryNeeds n = summary_needs(cols);
        if (summary_ && (!n.envelope || have_.envelope) && (!n.bodystructure || have_.bodystructure) &&
            (!n.importance || have_.importance))
            return;
        n.envelope |= have_.envelope;
        n.bodystructure |= have_.bodystructure;
        n.importance |= have_.importance;
        auto got = p_.imap([&](Client& c) {
            check_selected(c);
            return p_.fetch_summaries(c, fid_, where_.uidvalidity, {where_.uid}, n);
        });
        auto it = got.find(where_.uid);
        if (it == got.end()) throw StoreError(ec::ObjectDeleted, "the message is no longer in the IMAP folder");
        summary_ = it->second;
        have_ = n;
    }
    void load_full() {
        if (full_) return;
        std::vector<PropTag> all(summary_columns().begin(), summary_columns().end());
        load_summary(all);
        auto body = p_.imap([&](Client& c) {
            check_selected(c);
            auto items = c.uid_fetch(std::to_string(where_.uid), "UID BODY.PEEK[]");
            for (auto& it : items)
                if (it.uid == where_.uid) {
                    auto s = it.sections.find("BODY[]");
                    if (s != it.sections.end()) return std::move(s->second);
                }
            throw StoreError(ec::ObjectDeleted, "the message is no longer in the IMAP folder");
        });
        MimeOptions mo;
        mo.delivery_time = summary_->summary.delivery_time;
        try {
            full_ = mime_to_mapi(body, mo);
        } catch (const MimeError& e) {
            LOG_WARN("IMAP message %s/%u: %s; shown with its summary only", mailbox_.c_str(), where_.uid, e.what());
            full_ = MapiMessage{};
        }
    }
    PropValue full_value(PropTag t) {
        if (is_identity(t)) return p_.identity(t, fid_, mid_, summary_->entry.cn);
        auto id = prop_id(t);
        // The IMAP side decides flags, size and times.
        if (id == prop_id(PidTagMessageFlags)) {
            uint32_t f = 0;
            if (auto* v = full_->find(PidTagMessageFlags)) f = uint32_t(v->as_i32()) & ~kMsgFlagRead;
            auto s = summary_value(t, summary_->summary);
            return PropValue::i32(PidTagMessageFlags, int32_t(f | uint32_t(s->as_i32())));
        }
        if (id == prop_id(PidTagRead) || id == prop_id(PidTagMessageSize) || id == prop_id(PidTagFlagStatus) ||
            id == prop_id(PidTagLastVerbExecuted) || id == prop_id(PidTagLastModificationTime) ||
            id == prop_id(PidTagCreationTime))
            return *summary_value(t, summary_->summary);
        for (const auto& v : full_->props)
            if (prop_id(v.tag) == id) return store::fallback::as_requested(t, v);
        if (auto s = summary_value(t, summary_->summary)) return *s;
        return PropValue::error(t, ec::NotFound);
    }
    void overlay(PropList& out, const std::vector<PropTag>& cols) {
        for (size_t i = 0; i < cols.size() && i < out.size(); ++i) {
            auto it = pending_.find(prop_id(cols[i]));
            if (it != pending_.end()) out[i] = store::fallback::as_requested(cols[i], it->second);
        }
    }

    ImapProvider& p_;
    Id fid_;
    std::string mailbox_;
    Id mid_;
    ImapMap::Where where_;
    bool writable_;
    std::optional<ImapProvider::Fetched> summary_;
    SummaryNeeds have_;
    std::optional<MapiMessage> full_;
    std::map<uint16_t, PropValue> pending_;
};

// ---------------------------------------------------------------- folder

class ImapFolder : public Folder {
public:
    ImapFolder(ImapProvider& p, const ObjectRef& ref) : p_(p), ref_(ref), props_(p.fallback_.open_folder(ref)) {}

    Id fid() const override { return ref_.id; }
    // Folder properties and FAI live in the fallback store, by FID.
    PropList get_props(std::span<const PropTag> tags) override { return props_->get_props(tags); }
    PropList get_all_props() override { return props_->get_all_props(); }
    std::vector<PropTag> prop_tags() override { return props_->prop_tags(); }
    Problems set_props(const PropList& values) override { return props_->set_props(values); }
    Problems delete_props(std::span<const PropTag> tags) override { return props_->delete_props(tags); }

    std::unique_ptr<Cursor> query_contents(const TableQuery& q) override {
        if (q.associated) return props_->query_contents(q);
        return std::make_unique<ImapCursor>(p_, ref_.id, ref_.uri, q);
    }

    uint32_t content_count(bool associated) override {
        if (associated) return props_->content_count(true);
        return p_.imap([&](Client& c) {
            StatusInfo s = c.status(ref_.uri, "MESSAGES");
            return s.messages.value_or(0);
        });
    }

    std::unique_ptr<Message> open_message(Id mid, bool writable) override {
        auto w = p_.map_.find(ref_.id, mid);
        if (!w) return props_->open_message(mid, writable);  // FAI
        auto known = p_.map_.uidvalidity(ref_.id);
        if (!known || *known != w->uidvalidity) throw StoreError(ec::NotFound, "message not found");
        return std::make_unique<ImapMessage>(p_, ref_.id, ref_.uri, mid, *w, writable);
    }

    std::unique_ptr<Message> create_message(Id new_mid, bool associated) override {
        if (associated) return props_->create_message(new_mid, true);
        throw StoreError(ec::NotSupported,
                         "new messages cannot be saved into an IMAP folder yet (MAPI to MIME is not implemented)");
    }

    // Soft: UID MOVE to the Trash mailbox (from any other folder); hard, or
    // in the Trash: \Deleted + UID EXPUNGE of just these UIDs.
    std::vector<Id> delete_messages(std::span<const Id> mids, bool hard) override {
        std::vector<Id> others, failed, gone;
        std::vector<uint32_t> uids;
        auto known = p_.map_.uidvalidity(ref_.id);
        for (Id mid : mids) {
            auto w = p_.map_.find(ref_.id, mid);
            if (!w) others.push_back(mid);
            else if (!known || w->uidvalidity != *known) failed.push_back(mid);
            else uids.push_back(w->uid), gone.push_back(mid);
        }
        if (!uids.empty()) {
            std::optional<std::string> trash = hard ? std::nullopt : p_.mailbox_of_role(FolderRole::DeletedItems);
            if (trash && *trash == ref_.uri) trash.reset();
            std::string set = format_set(uids);
            p_.imap(
                [&](Client& c) {
                    if (p_.select(c, ref_.id, ref_.uri) != *known)
                        throw StoreError(ec::ObjectDeleted, "the folder was recreated (UIDVALIDITY changed)");
                    if (trash) {
                        c.uid_move(set, *trash);
                    } else {
                        std::vector<std::string> del = {"\\Deleted"};
                        c.uid_store(set, "+FLAGS.SILENT", del);
                        c.uid_expunge(set);
                    }
                },
                false);
            p_.map_.forget(ref_.id, gone);
        }
        if (!others.empty())
            for (Id f : props_->delete_messages(others, hard)) failed.push_back(f);
        return failed;
    }

    // Read state of many messages at once (RopSetReadFlags): one UID STORE of
    // \Seen. IMAP keeps no other message bits: other tags on IMAP messages
    // are reported as not done; FAI messages live in the fallback store.
    std::vector<Id> update_message_bits(std::span<const Id> mids, PropTag tag, uint32_t set,
                                        uint32_t clear) override {
        std::vector<Id> others, failed, imap_mids;
        std::vector<uint32_t> uids;
        auto known = p_.map_.uidvalidity(ref_.id);
        for (Id mid : mids) {
            auto w = p_.map_.find(ref_.id, mid);
            if (!w) others.push_back(mid);
            else if (!known || w->uidvalidity != *known) failed.push_back(mid);
            else uids.push_back(w->uid), imap_mids.push_back(mid);
        }
        bool flags = prop_id(tag) == prop_id(PidTagMessageFlags);
        if (!uids.empty() && !flags) {
            failed.insert(failed.end(), imap_mids.begin(), imap_mids.end());
        } else if (!uids.empty() && ((set | clear) & kMsgFlagRead)) {
            std::string uid_set = format_set(uids);
            std::vector<std::string> seen = {"\\Seen"};
            p_.imap([&](Client& c) {
                if (p_.select(c, ref_.id, ref_.uri) != *known)
                    throw StoreError(ec::ObjectDeleted, "the folder was recreated (UIDVALIDITY changed)");
                c.uid_store(uid_set, (set & kMsgFlagRead) ? "+FLAGS.SILENT" : "-FLAGS.SILENT", seen);
            });
        }
        if (!others.empty())
            for (Id f : props_->update_message_bits(others, tag, set, clear)) failed.push_back(f);
        return failed;
    }

    // Only FAI messages (fallback store) move or copy for now; IMAP messages
    // need UID MOVE/COPY with the new UIDs mapped, not implemented yet.
    std::vector<Id> move_copy_messages(std::span<const Id> mids, const ObjectRef& dest, bool copy,
                                       std::span<const Id> new_mids) override {
        for (Id mid : mids)
            if (p_.map_.find(ref_.id, mid))
                throw StoreError(ec::NotSupported, "moving or copying IMAP messages is not implemented yet");
        return props_->move_copy_messages(mids, dest, copy, new_mids);
    }

    std::optional<std::vector<Row>> load_rows(std::span<const Id> mids, const std::vector<PropTag>& columns,
                                              bool associated) override {
        if (associated) return std::nullopt;
        auto known = p_.map_.uidvalidity(ref_.id);
        std::vector<uint32_t> uids;
        for (Id mid : mids) {
            auto w = p_.map_.find(ref_.id, mid);
            if (w && known && w->uidvalidity == *known) uids.push_back(w->uid);
        }
        std::vector<Row> out;
        if (uids.empty() || !known) return out;
        SummaryNeeds needs = summary_needs(columns);
        auto got = p_.imap([&](Client& c) {
            if (p_.select(c, ref_.id, ref_.uri) != *known) return std::map<uint32_t, ImapProvider::Fetched>{};
            return p_.fetch_summaries(c, ref_.id, *known, uids, needs);
        });
        std::map<Id, const ImapProvider::Fetched*> by_mid;
        for (auto& [uid, f] : got) by_mid[f.entry.mid] = &f;
        for (Id mid : mids) {
            auto it = by_mid.find(mid);
            if (it != by_mid.end()) out.push_back({mid, ref_.id, p_.row_values(columns, ref_.id, *it->second)});
        }
        return out;
    }

private:
    ImapProvider& p_;
    ObjectRef ref_;
    std::unique_ptr<Folder> props_;  // the fallback folder of the same FID
};

// ---------------------------------------------------------------- provider

std::vector<store::Provider::ExternalFolder> ImapProvider::list_external_folders() {
    std::vector<ExternalFolder> out;
    for (const auto& f : folders(true)) {
        ExternalFolder e;
        e.uri = f.mailbox;
        e.parent_uri = f.parent_mailbox;
        e.name = f.display_name;
        e.role = holds_role(f.role) ? f.role : FolderRole::Generic;
        e.container_class = "IPF.Note";
        out.push_back(std::move(e));
    }
    return out;
}

std::string ImapProvider::create_folder(const ObjectRef& parent, Id fid, FolderRole role, const std::string& name,
                                        const PropList& props) {
    std::string mailbox;
    if (role == FolderRole::Inbox) {
        mailbox = "INBOX";
    } else if (role != FolderRole::Generic) {
        if (auto m = mailbox_of_role(role)) {
            mailbox = *m;
        } else {
            const auto* names = role_names(s_->names, role);
            if (!names || names->empty()) throw StoreError(ec::InvalidParam, "no IMAP folder for this special folder");
            mailbox = child_mailbox_name("", names->front(), delimiter());
            std::string use = special_use_flag(role);
            imap([&](Client& c) {
                c.create(mailbox, c.has("CREATE-SPECIAL-USE") ? use : "");
                c.subscribe(mailbox);
            }, false);
            LOG_INFO("IMAP mailbox %s created for %s's special folder %s", mailbox.c_str(), ctx_.owner.c_str(),
                     name.c_str());
            changed();
        }
    } else {
        mailbox = child_mailbox_name(parent_mailbox(parent), name, delimiter());
        imap([&](Client& c) {
            c.create(mailbox);
            c.subscribe(mailbox);
        }, false);
        changed();
    }
    fallback_.create_folder(parent, fid, role, name, props);
    return mailbox;
}

void ImapProvider::delete_folder(const ObjectRef& folder) {
    try {
        imap([&](Client& c) {
            if (c.selected() == folder.uri) c.unselect();
            c.delete_mailbox(folder.uri);
        }, false);
    } catch (const StoreError& e) {
        if (e.ec() != ec::NotFound) throw;  // already gone on the IMAP side
    }
    changed();
    fallback_.delete_folder(folder);
    map_.forget_folder(folder.id);
}

std::string ImapProvider::move_folder(const ObjectRef& folder, const ObjectRef& new_parent, const std::string& new_name) {
    std::string to = child_mailbox_name(parent_mailbox(new_parent), new_name, delimiter());
    if (to == folder.uri) return to;
    imap([&](Client& c) {
        if (c.selected() == folder.uri) c.unselect();
        c.rename(folder.uri, to);
    }, false);
    changed();
    return to;
}

std::unique_ptr<Folder> ImapProvider::open_folder(const ObjectRef& folder) {
    return std::make_unique<ImapFolder>(*this, folder);
}

// ---------------------------------------------------------------- setup

std::shared_ptr<ImapSettings> make_settings(const ImapConfig& cfg, const std::string& master_password) {
    auto s = std::make_shared<ImapSettings>();
    ClientOptions o;
    o.host = cfg.host;
    o.port = uint16_t(cfg.port);
    o.tls = cfg.starttls ? ClientOptions::Tls::StartTls : ClientOptions::Tls::None;
    o.io_timeout = std::chrono::milliseconds(cfg.timeout_ms);
    o.connect_timeout = std::chrono::milliseconds(std::min(cfg.timeout_ms, 5000u));
    s->pool = std::make_shared<Pool>(master_user_connector(o, cfg.master_user, master_password));
    s->server = cfg.host + ":" + std::to_string(cfg.port);
    auto first = [](std::vector<std::string>& v, const std::string& name) {
        if (!name.empty()) v.insert(v.begin(), name);
    };
    first(s->names.sent, cfg.sent_folder);
    first(s->names.drafts, cfg.drafts_folder);
    first(s->names.trash, cfg.trash_folder);
    first(s->names.junk, cfg.junk_folder);
    s->outbox = !cfg.outbox_folder.empty();
    s->names.outbox.clear();
    if (s->outbox) s->names.outbox.push_back(cfg.outbox_folder);
    return s;
}

void add_imap_provider(const std::shared_ptr<ImapSettings>& settings, store::ProviderMap& providers,
                       store::Database& db, store::IdAllocator& ids, const MailboxContext& ctx) {
    if (ctx.is_public) return;
    providers["imap"] = std::make_unique<ImapProvider>(settings, db, ids, ctx);
}

}  // namespace mg::imap
