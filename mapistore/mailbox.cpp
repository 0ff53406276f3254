#include "mapistore/mailbox.h"

#include "common/log.h"
#include "libmapi/proptags.h"
#include "providers/fallback/fallback.h"

#include <algorithm>
#include <set>

namespace mg::store {

using namespace mapi;

// ---------------------------------------------------------------- special folders
namespace {

struct SpecialFolder {
    FolderRole role;
    FolderRole parent;  // Generic = none (the root)
    const char* container_class;
    uint8_t type;
    const char* en;
    const char* fr;
    const char* de;
};

// MS-OXOSFLD 2.2.2 / 3.1.4.1: the folders of the root (not shown to users)
// and of the IPM subtree; container classes per MS-OXOSFLD 2.2.
constexpr SpecialFolder kSpecial[] = {
    {FolderRole::Root, FolderRole::Generic, "", kFolderRoot, "Root", "Root", "Root"},
    {FolderRole::IpmSubtree, FolderRole::Root, "", kFolderGeneric, "Top of Information Store",
     "Haut de la banque d'informations", "Oberste Ebene des Informationsspeichers"},
    {FolderRole::CommonViews, FolderRole::Root, "", kFolderGeneric, "Common Views", "Common Views", "Common Views"},
    {FolderRole::Views, FolderRole::Root, "", kFolderGeneric, "Views", "Views", "Views"},
    {FolderRole::Finder, FolderRole::Root, "", kFolderGeneric, "Finder", "Finder", "Finder"},
    {FolderRole::Schedule, FolderRole::Root, "", kFolderGeneric, "Schedule", "Schedule", "Schedule"},
    {FolderRole::Shortcuts, FolderRole::Root, "", kFolderGeneric, "Shortcuts", "Shortcuts", "Shortcuts"},
    {FolderRole::DeferredAction, FolderRole::Root, "", kFolderGeneric, "Deferred Action", "Deferred Action",
     "Deferred Action"},
    {FolderRole::SpoolerQueue, FolderRole::Root, "", kFolderGeneric, "Spooler Queue", "Spooler Queue",
     "Spooler Queue"},
    {FolderRole::Reminders, FolderRole::Root, "Outlook.Reminder", kFolderGeneric, "Reminders", "Rappels",
     "Erinnerungen"},
    {FolderRole::Freebusy, FolderRole::Root, "", kFolderGeneric, "Freebusy Data", "Freebusy Data", "Freebusy Data"},
    {FolderRole::Inbox, FolderRole::IpmSubtree, "IPF.Note", kFolderGeneric, "Inbox", "Boîte de réception",
     "Posteingang"},
    {FolderRole::Outbox, FolderRole::IpmSubtree, "IPF.Note", kFolderGeneric, "Outbox", "Boîte d'envoi",
     "Postausgang"},
    {FolderRole::SentItems, FolderRole::IpmSubtree, "IPF.Note", kFolderGeneric, "Sent Items", "Éléments envoyés",
     "Gesendete Elemente"},
    {FolderRole::DeletedItems, FolderRole::IpmSubtree, "IPF.Note", kFolderGeneric, "Deleted Items",
     "Éléments supprimés", "Gelöschte Elemente"},
    {FolderRole::Drafts, FolderRole::IpmSubtree, "IPF.Note", kFolderGeneric, "Drafts", "Brouillons", "Entwürfe"},
    {FolderRole::Calendar, FolderRole::IpmSubtree, "IPF.Appointment", kFolderGeneric, "Calendar", "Calendrier",
     "Kalender"},
    {FolderRole::Contacts, FolderRole::IpmSubtree, "IPF.Contact", kFolderGeneric, "Contacts", "Contacts", "Kontakte"},
    {FolderRole::Journal, FolderRole::IpmSubtree, "IPF.Journal", kFolderGeneric, "Journal", "Journal", "Journal"},
    {FolderRole::Notes, FolderRole::IpmSubtree, "IPF.StickyNote", kFolderGeneric, "Notes", "Notes", "Notizen"},
    {FolderRole::Tasks, FolderRole::IpmSubtree, "IPF.Task", kFolderGeneric, "Tasks", "Tâches", "Aufgaben"},
    {FolderRole::Junk, FolderRole::IpmSubtree, "IPF.Note", kFolderGeneric, "Junk E-mail", "Courrier indésirable",
     "Junk-E-Mail"},
    {FolderRole::SyncIssues, FolderRole::IpmSubtree, "IPF.Note", kFolderGeneric, "Sync Issues",
     "Problèmes de synchronisation", "Synchronisierungsprobleme"},
    {FolderRole::Conflicts, FolderRole::SyncIssues, "IPF.Note", kFolderGeneric, "Conflicts", "Conflits", "Konflikte"},
    {FolderRole::LocalFailures, FolderRole::SyncIssues, "IPF.Note", kFolderGeneric, "Local Failures",
     "Échecs locaux", "Lokale Fehler"},
    {FolderRole::ServerFailures, FolderRole::SyncIssues, "IPF.Note", kFolderGeneric, "Server Failures",
     "Échecs du serveur", "Serverfehler"},
    {FolderRole::RssFeeds, FolderRole::IpmSubtree, "IPF.Note.OutlookHomepage", kFolderGeneric, "RSS Feeds",
     "Flux RSS", "RSS-Feeds"},
    {FolderRole::ConversationActionSettings, FolderRole::IpmSubtree, "IPF.Configuration", kFolderGeneric,
     "Conversation Action Settings", "Paramètres des actions de conversation",
     "Einstellungen für Unterhaltungsaktionen"},
    {FolderRole::QuickStepSettings, FolderRole::IpmSubtree, "IPF.Configuration", kFolderGeneric,
     "Quick Step Settings", "Paramètres des étapes rapides", "Einstellungen für QuickSteps"},
};

const SpecialFolder* special(FolderRole role) {
    for (const auto& s : kSpecial)
        if (s.role == role) return &s;
    return nullptr;
}

bool is_mail_role(FolderRole r) {
    return r == FolderRole::Inbox || r == FolderRole::Outbox || r == FolderRole::SentItems ||
           r == FolderRole::DeletedItems || r == FolderRole::Drafts || r == FolderRole::Junk;
}
bool is_groupware_role(FolderRole r) {
    return r == FolderRole::Calendar || r == FolderRole::Contacts || r == FolderRole::Tasks;
}

}  // namespace

std::string special_folder_name(FolderRole role, uint32_t locale) {
    const SpecialFolder* s = special(role);
    if (!s) return {};
    switch (locale & 0x3FF) {  // primary language id
    case 0x0C: return s->fr;
    case 0x07: return s->de;
    default: return s->en;
    }
}

std::string default_route(FolderRole role, const std::string& parent_provider, const ProviderMap& providers,
                          FolderRole parent_role, const std::string& container_class) {
    auto holds = [&](const char* n) {
        auto it = providers.find(n);
        return it != providers.end() && it->second->holds_role(role);
    };
    if (is_mail_role(role) && holds("imap")) return "imap";
    if (is_groupware_role(role) && holds("sql")) return "sql";
    if (role == FolderRole::Generic) {
        // A folder of another kind than mail (calendar, contacts ...) never
        // goes to IMAP; a new folder directly under the IPM subtree is a mail
        // folder unless its class says otherwise (Outlook sets the class after
        // RopCreateFolder).
        bool mail = container_class.empty() || container_class.rfind("IPF.Note", 0) == 0;
        if (parent_provider == "imap" && !mail) return "fallback";
        if (parent_role == FolderRole::IpmSubtree && mail && holds("imap")) return "imap";
        if (!parent_provider.empty() && providers.count(parent_provider)) return parent_provider;
    }
    return "fallback";
}

ProviderFactory fallback_provider_factory(Database& db, IdAllocator& ids) {
    return [&db, &ids](const MailboxContext& ctx) {
        ProviderMap m;
        m["fallback"] = std::make_unique<fallback::FallbackProvider>(db, ids, ctx);
        return m;
    };
}

// ---------------------------------------------------------------- Mailbox

std::unique_ptr<Mailbox> Mailbox::logon(Database& db, IdAllocator& ids, const std::string& owner,
                                        const std::string& sid, uint32_t locale, ProviderFactory providers,
                                        uint32_t codepage) {
    OpenChangeDb odb(db, ids);
    MailboxInfo info = odb.get_or_create_mailbox(owner, sid, locale);
    if (!providers) providers = fallback_provider_factory(db, ids);
    auto mb = std::make_unique<Mailbox>(db, ids, info, providers(info.context(codepage)));
    if (!info.provisioned) mb->ensure_special_folders();
    mb->try_sync_folders();
    return mb;
}

Mailbox::Mailbox(Database& db, IdAllocator& ids, MailboxInfo info, ProviderMap providers)
    : db_(db), ids_(ids), odb_(db, ids), info_(std::move(info)), providers_(std::move(providers)) {
    if (!providers_.count("fallback")) throw StoreError(ec::InvalidParam, "the fallback provider is required");
}

Provider& Mailbox::provider(const std::string& name) {
    auto it = providers_.find(name);
    if (it == providers_.end()) throw StoreError(ec::NotFound, "provider " + name + " is not available");
    return *it->second;
}

FolderRecord Mailbox::create_folder_record(Id parent, FolderRole role, const std::string& name,
                                           const std::string& cls, uint8_t type, const PropList& props) {
    std::string parent_provider;
    FolderRole parent_role = FolderRole::Generic;
    ObjectRef parent_ref;
    if (parent) {
        FolderRecord p = odb_.folder_or_throw(info_, parent);
        parent_provider = p.provider;
        parent_role = p.role;
        parent_ref = p.ref();
    }
    OpenChangeDb::NewFolder nf;
    nf.fid = odb_.allocate_id(info_);
    nf.parent_fid = parent;
    nf.role = role;
    nf.provider = default_route(role, parent_provider, providers_, parent_role, cls);
    nf.display_name = name;
    nf.container_class = cls;
    nf.folder_type = type;
    if (parent && odb_.child_by_name(info_, parent, name))
        throw StoreError(ec::Collision, "a folder named \"" + name + "\" already exists there");
    // The provider first: openchangedb never points at an object that does
    // not exist in its backend.
    nf.uri = provider(nf.provider).create_folder(parent_ref, nf.fid, role, name, props);
    return odb_.create_folder(info_, nf);
}

void Mailbox::ensure_special_folders() {
    db_.transaction([&] {
        // Serialise concurrent first logons of the same mailbox.
        db_.query("SELECT id FROM mailboxes WHERE id = ? FOR UPDATE", {info_.id});
        std::map<FolderRole, FolderRecord> have;
        for (const auto& s : kSpecial) {
            if (auto f = odb_.folder_by_role(info_, s.role)) {
                have[s.role] = *f;
                continue;
            }
            Id parent = s.parent == FolderRole::Generic ? 0 : have.at(s.parent).fid;
            have[s.role] = create_folder_record(parent, s.role, special_folder_name(s.role, info_.locale),
                                                s.container_class, s.type, {});
        }
        Id root = have.at(FolderRole::Root).fid;
        Id inbox = have.at(FolderRole::Inbox).fid;
        auto eid = [&](FolderRole r) { return folder_entry_id(have.at(r).fid); };

        // MS-OXOSFLD 2.2.3-2.2.6: on the root folder and the Inbox.
        PropList props = {
            {PidTagIpmAppointmentEntryId, eid(FolderRole::Calendar)},
            {PidTagIpmContactEntryId, eid(FolderRole::Contacts)},
            {PidTagIpmJournalEntryId, eid(FolderRole::Journal)},
            {PidTagIpmNoteEntryId, eid(FolderRole::Notes)},
            {PidTagIpmTaskEntryId, eid(FolderRole::Tasks)},
            {PidTagIpmDraftsEntryId, eid(FolderRole::Drafts)},
            {PidTagRemindersOnlineEntryId, eid(FolderRole::Reminders)},
            // 2.2.4: Conflicts, Sync Issues, Local Failures, Server Failures, Junk E-mail.
            {PidTagAdditionalRenEntryIds,
             std::vector<Bytes>{eid(FolderRole::Conflicts), eid(FolderRole::SyncIssues),
                                eid(FolderRole::LocalFailures), eid(FolderRole::ServerFailures),
                                eid(FolderRole::Junk)}},
            // 2.2.6: null, Delegate Information object (none yet), the user's
            // free/busy message (none yet), the Freebusy Data folder.
            {PidTagFreeBusyEntryIds, std::vector<Bytes>{Bytes{}, Bytes{}, Bytes{}, eid(FolderRole::Freebusy)}},
        };
        // 2.2.5 PidTagAdditionalRenEntryIdsEx: PersistData blocks
        // (PersistID, DataElementsSize, PersistElement{ElementID
        // RSF_ELID_ENTRYID, size, EntryID}) ended by PERSIST_SENTINEL.
        ByteWriter ex;
        auto block = [&](uint16_t persist_id, const Bytes& entry_id) {
            ex.u16(persist_id);
            ex.u16(uint16_t(4 + entry_id.size()));
            ex.u16(0x0001);  // RSF_ELID_ENTRYID
            ex.u16(uint16_t(entry_id.size()));
            ex.raw(entry_id);
        };
        block(0x8001, eid(FolderRole::RssFeeds));                    // RSF_PID_RSS_SUBSCRIPTION
        block(0x8006, eid(FolderRole::ConversationActionSettings));  // RSF_PID_CONV_ACTIONS
        ex.u16(0x0000);                                              // PERSIST_SENTINEL
        ex.u16(0);
        props.push_back({PidTagAdditionalRenEntryIdsEx, ex.take()});
        for (Id fid : {root, inbox}) {
            auto f = provider_folder(have.at(fid == root ? FolderRole::Root : FolderRole::Inbox));
            Problems p = f->set_props(props);
            if (!p.empty()) throw StoreError(p.front().error, "cannot set the special folder entry ids");
        }
        odb_.set_default_receive_folders(info_, inbox, root);
        odb_.set_root_fid(info_.id, root);
        odb_.mark_provisioned(info_.id);
    });
    info_ = *odb_.mailbox_by_id(info_.id);
}

Id Mailbox::special_fid(FolderRole role) {
    auto f = odb_.folder_by_role(info_, role);
    if (!f) throw StoreError(ec::NotFound, "special folder missing");
    return f->fid;
}

PropList Mailbox::store_props(std::span<const PropTag> tags) {
    PropList out;
    for (PropTag t : tags) {
        FolderRole role = FolderRole::Generic;
        switch (t) {
        case PidTagIpmSubtreeEntryId: role = FolderRole::IpmSubtree; break;
        case PidTagIpmOutboxEntryId: role = FolderRole::Outbox; break;
        case PidTagIpmSentMailEntryId: role = FolderRole::SentItems; break;
        case PidTagIpmWastebasketEntryId: role = FolderRole::DeletedItems; break;
        case PidTagFinderEntryId: role = FolderRole::Finder; break;
        case PidTagCommonViewsEntryId: role = FolderRole::CommonViews; break;
        case PidTagViewsEntryId: role = FolderRole::Views; break;
        default: break;
        }
        auto f = role == FolderRole::Generic ? std::nullopt : odb_.folder_by_role(info_, role);
        if (f) out.push_back({t, folder_entry_id(f->fid)});
        else if (t == PidTagValidFolderMask) out.push_back({t, int32_t(0xFF)});  // every folder above is valid
        else out.push_back(PropValue::error(t, ec::NotFound));
    }
    return out;
}

// ---------------------------------------------------------------- ids

Bytes Mailbox::long_term_id(Id id) const { return encode_long_term_id({info_.replica_guid, globcnt_of(id)}); }

Id Mailbox::id_from_long_term(ByteView ltid) const {
    LongTermId l = decode_long_term_id(ltid);
    if (!(l.guid == info_.replica_guid)) throw StoreError(ec::NotFound, "LongTermID of another replica");
    return make_id(info_.replid, l.globcnt);
}

Bytes Mailbox::folder_entry_id(Id fid) const {
    return encode_folder_entry_id({info_.mailbox_guid,
                                   info_.is_public ? EntryType::PublicFolder : EntryType::PrivateFolder,
                                   info_.replica_guid, globcnt_of(fid)});
}

Bytes Mailbox::message_entry_id(Id fid, Id mid) const {
    return encode_message_entry_id({info_.mailbox_guid,
                                    info_.is_public ? EntryType::PublicMessage : EntryType::PrivateMessage,
                                    info_.replica_guid, globcnt_of(fid), info_.replica_guid, globcnt_of(mid)});
}

std::optional<Id> Mailbox::fid_from_entry_id(ByteView eid) const {
    auto e = decode_folder_entry_id(eid);
    if (!e || !(e->provider_uid == info_.mailbox_guid) || !(e->database_guid == info_.replica_guid))
        return std::nullopt;
    return make_id(info_.replid, e->globcnt);
}

// ---------------------------------------------------------------- folder objects

std::unique_ptr<Folder> Mailbox::provider_folder(const FolderRecord& f) { return provider(f.provider).open_folder(f.ref()); }

// Properties openchangedb holds or the mailbox computes (MS-OXCFOLD
// 2.2.2.2); nullopt for the provider's own.
// Folder columns computed from openchangedb rather than read from the provider.
static const std::vector<PropTag>& folder_computed_columns() {
    static const std::vector<PropTag> cols = {
        PidTagFolderId, PidTagParentFolderId, PidTagDisplayName, PidTagFolderType, PidTagChangeNumber,
        PidTagChangeKey, PidTagPredecessorChangeList, PidTagSourceKey, PidTagParentSourceKey, PidTagEntryId,
        PidTagParentEntryId, PidTagRecordKey, PidTagCreationTime, PidTagLastModificationTime, PidTagContentCount,
        PidTagAssociatedContentCount, PidTagSubfolders, PidTagFolderChildCount, PidTagContainerClass, PidTagDepth};
    return cols;
}

static bool folder_computed(PropTag t) {
    for (PropTag c : folder_computed_columns())
        if (prop_id(c) == prop_id(t)) return true;
    return false;
}

PropList Mailbox::folder_row(const FolderRecord& f, const std::vector<PropTag>& cols) {
    std::vector<PropTag> provider_tags;
    for (PropTag t : cols)
        if (!folder_computed(t)) provider_tags.push_back(t);
    std::unique_ptr<Folder> pf;
    auto open = [&]() -> Folder& {
        if (!pf) pf = provider_folder(f);
        return *pf;
    };
    PropList from_provider = provider_tags.empty() ? PropList{} : open().get_props(provider_tags);
    PropList out;
    size_t pi = 0;
    for (PropTag t : cols) {
        if (!folder_computed(t)) {
            out.push_back(pi < from_provider.size() ? from_provider[pi++] : PropValue::error(t, ec::NotFound));
            continue;
        }
        PropValue v = PropValue::error(t, ec::NotFound);
        switch (prop_id(t)) {
        case prop_id(PidTagFolderId): v = {PidTagFolderId, int64_t(f.fid)}; break;
        case prop_id(PidTagParentFolderId): v = {PidTagParentFolderId, int64_t(f.parent_fid)}; break;
        case prop_id(PidTagDisplayName): v = {change_type(t, prop_type(t) == PT_STRING8 ? PT_STRING8 : PT_UNICODE), f.display_name}; break;
        case prop_id(PidTagContainerClass):
            if (!f.container_class.empty())
                v = {change_type(t, prop_type(t) == PT_STRING8 ? PT_STRING8 : PT_UNICODE), f.container_class};
            break;
        case prop_id(PidTagFolderType): v = {PidTagFolderType, int32_t(f.folder_type)}; break;
        case prop_id(PidTagChangeNumber): v = {PidTagChangeNumber, int64_t(f.change_number)}; break;
        case prop_id(PidTagChangeKey): v = {PidTagChangeKey, f.change_key}; break;
        case prop_id(PidTagPredecessorChangeList): v = {PidTagPredecessorChangeList, f.pcl}; break;
        case prop_id(PidTagSourceKey): v = {PidTagSourceKey, f.source_key}; break;
        case prop_id(PidTagParentSourceKey):
            v = {PidTagParentSourceKey, f.parent_fid ? source_key(info_.replica_guid, f.parent_fid) : Bytes{}};
            break;
        case prop_id(PidTagEntryId): case prop_id(PidTagRecordKey):
            v = {change_type(t, PT_BINARY), folder_entry_id(f.fid)};
            break;
        case prop_id(PidTagParentEntryId):
            if (f.parent_fid) v = {PidTagParentEntryId, folder_entry_id(f.parent_fid)};
            break;
        case prop_id(PidTagCreationTime): v = {PidTagCreationTime, f.created}; break;
        case prop_id(PidTagLastModificationTime): v = {PidTagLastModificationTime, f.modified}; break;
        case prop_id(PidTagContentCount): v = {PidTagContentCount, int32_t(open().content_count(false))}; break;
        case prop_id(PidTagAssociatedContentCount):
            v = {PidTagAssociatedContentCount, int32_t(open().content_count(true))};
            break;
        case prop_id(PidTagSubfolders): v = {PidTagSubfolders, odb_.child_count(info_, f.fid) > 0}; break;
        case prop_id(PidTagFolderChildCount):
            v = {PidTagFolderChildCount, int32_t(odb_.child_count(info_, f.fid))};
            break;
        case prop_id(PidTagDepth): v = {PidTagDepth, int32_t(f.depth)}; break;
        default: break;
        }
        out.push_back(std::move(v));
    }
    return out;
}

// The Folder the ROP layer sees: identity and bookkeeping from openchangedb,
// everything else from the provider; every property change is a change of
// the folder (new change number, ChangeKey, PCL: MS-OXCFXICS 2.2.1.2).
class MailboxFolder : public Folder {
public:
    MailboxFolder(Mailbox& mb, FolderRecord rec) : mb_(mb), rec_(std::move(rec)), inner_(mb.provider_folder(rec_)) {}
    Id fid() const override { return rec_.fid; }
    PropList get_props(std::span<const PropTag> tags) override {
        return mb_.folder_row(rec_, std::vector<PropTag>(tags.begin(), tags.end()));
    }
    PropList get_all_props() override { return get_props(prop_tags()); }
    std::vector<PropTag> prop_tags() override {
        std::vector<PropTag> t = inner_->prop_tags();
        for (PropTag c : {PidTagFolderId, PidTagParentFolderId, PidTagDisplayName, PidTagFolderType,
                          PidTagChangeNumber, PidTagChangeKey, PidTagPredecessorChangeList, PidTagSourceKey,
                          PidTagEntryId, PidTagCreationTime, PidTagLastModificationTime, PidTagContentCount,
                          PidTagAssociatedContentCount, PidTagSubfolders, PidTagFolderChildCount})
            t.push_back(c);
        if (!rec_.container_class.empty()) t.push_back(PidTagContainerClass);
        return t;
    }
    Problems set_props(const PropList& values) override {
        Problems problems;
        PropList rest;
        std::vector<uint16_t> rest_index;
        for (size_t i = 0; i < values.size(); ++i) {
            const PropValue& v = values[i];
            uint16_t id = prop_id(v.tag);
            if (id == prop_id(PidTagDisplayName) && std::holds_alternative<std::string>(v.value)) {
                try {
                    // A generic folder's backend follows (IMAP RENAME); a
                    // special folder keeps its backend name.
                    if (rec_.role == FolderRole::Generic)
                        mb_.move_folder(rec_.fid, rec_.parent_fid, std::get<std::string>(v.value));
                    else
                        mb_.odb_.move_folder(mb_.info_, rec_.fid, rec_.parent_fid, std::get<std::string>(v.value));
                } catch (const StoreError& e) {
                    problems.push_back({uint16_t(i), v.tag, e.ec()});
                }
            } else if (id == prop_id(PidTagContainerClass) && std::holds_alternative<std::string>(v.value)) {
                mb_.odb_.set_container_class(mb_.info_, rec_.fid, std::get<std::string>(v.value));
            } else if (folder_computed(v.tag)) {
                problems.push_back({uint16_t(i), v.tag, ec::Computed});
            } else {
                rest.push_back(v);
                rest_index.push_back(uint16_t(i));
            }
        }
        for (auto p : inner_->set_props(rest)) {
            p.index = p.index < rest_index.size() ? rest_index[p.index] : p.index;
            problems.push_back(p);
        }
        changed();
        return problems;
    }
    Problems delete_props(std::span<const PropTag> tags) override {
        Problems problems = inner_->delete_props(tags);
        changed();
        return problems;
    }
    std::unique_ptr<Cursor> query_contents(const TableQuery& q) override { return mb_.contents_table(rec_.fid, q); }
    uint32_t content_count(bool associated) override { return inner_->content_count(associated); }
    std::unique_ptr<Message> open_message(Id mid, bool writable) override { return inner_->open_message(mid, writable); }
    std::unique_ptr<Message> create_message(Id new_mid, bool associated) override {
        return inner_->create_message(new_mid, associated);
    }
    std::vector<Id> delete_messages(std::span<const Id> mids, bool hard) override {
        return inner_->delete_messages(mids, hard);
    }
    std::vector<Id> update_message_bits(std::span<const Id> mids, PropTag tag, uint32_t set,
                                        uint32_t clear) override {
        return inner_->update_message_bits(mids, tag, set, clear);
    }
    std::vector<Id> move_copy_messages(std::span<const Id> mids, const ObjectRef& dest, bool copy,
                                       std::span<const Id> new_mids) override {
        return inner_->move_copy_messages(mids, dest, copy, new_mids);
    }

private:
    void changed() {
        mb_.odb_.touch_folder(mb_.info_, rec_.fid);
        rec_ = mb_.odb_.folder_or_throw(mb_.info_, rec_.fid);
    }
    Mailbox& mb_;
    FolderRecord rec_;
    std::unique_ptr<Folder> inner_;
};

std::unique_ptr<Folder> Mailbox::open_folder(Id fid) {
    return std::make_unique<MailboxFolder>(*this, odb_.folder_or_throw(info_, fid));
}

Mailbox::Created Mailbox::create_folder(Id parent, const std::string& name, const std::string& comment,
                                        uint8_t folder_type, bool open_existing, const std::string& container_class) {
    if (folder_type != kFolderGeneric && folder_type != kFolderSearch)
        throw StoreError(ec::InvalidParam, "invalid folder type");
    if (auto existing = odb_.child_by_name(info_, parent, name)) {
        // MS-OXCFOLD 3.2.5.2: OpenExisting returns the folder; otherwise
        // ecDuplicateName.
        if (open_existing) return {existing->fid, true};
        throw StoreError(ec::Collision, "a folder named \"" + name + "\" already exists there");
    }
    PropList props;
    if (!comment.empty()) props.push_back({PidTagComment, comment});
    return db_.transaction(
        [&] { return Created{create_folder_record(parent, FolderRole::Generic, name, container_class, folder_type, props).fid, false}; });
}

bool Mailbox::delete_folder(Id fid, uint8_t flags) {
    FolderRecord f = odb_.folder_or_throw(info_, fid);
    if (f.role != FolderRole::Generic) throw StoreError(ec::AccessDenied, "special folders cannot be deleted");
    auto tree = odb_.subtree(info_, fid);
    bool hard = flags & DELETE_HARD_DELETE;
    if (!tree.empty() && !(flags & DEL_FOLDERS)) return true;
    if (!(flags & DEL_MESSAGES)) {
        for (const auto* r : {&f}) {
            auto pf = provider_folder(*r);
            if (pf->content_count(false) || pf->content_count(true)) return true;
        }
        for (const auto& r : tree) {
            auto pf = provider_folder(r);
            if (pf->content_count(false) || pf->content_count(true)) return true;
        }
    }
    // A backend with folders of its own (IMAP) has no soft deletion: its
    // folder goes now, or the next hierarchy sync would bring it back.
    auto backend_delete = [&](const FolderRecord& r) {
        Provider& p = provider(r.provider);
        if (hard || p.syncs_hierarchy()) p.delete_folder(r.ref());
    };
    db_.transaction([&] {
        // Children first; a provider failure aborts before openchangedb
        // forgets anything (a backend failure is an error, never a loss).
        for (auto it = tree.rbegin(); it != tree.rend(); ++it) backend_delete(*it);
        backend_delete(f);
        odb_.delete_folder_tree(info_, fid, hard);
        odb_.touch_folder(info_, f.parent_fid);
    });
    return false;
}

void Mailbox::move_folder(Id fid, Id new_parent, const std::string& new_name) {
    FolderRecord f = odb_.folder_or_throw(info_, fid);
    if (f.role != FolderRole::Generic) throw StoreError(ec::AccessDenied, "special folders cannot be moved");
    FolderRecord np = odb_.folder_or_throw(info_, new_parent);
    Provider& p = provider(f.provider);
    if (p.syncs_hierarchy() && np.provider != f.provider && np.role != FolderRole::IpmSubtree)
        throw StoreError(ec::NotSupported, "a " + f.provider + " folder can only move under the IPM subtree or "
                                           "another " + f.provider + " folder");
    db_.transaction([&] {
        odb_.move_folder(info_, fid, new_parent, new_name);
        std::string uri = p.move_folder(f.ref(), np.ref(), new_name);
        if (uri != f.uri) {
            odb_.set_folder_uri(info_, fid, uri);
            // The backend names of the subfolders follow their parent's
            // (IMAP: "a/b" -> "c/b" when "a" becomes "c").
            if (!f.uri.empty())
                for (const auto& d : odb_.subtree(info_, fid))
                    if (d.provider == f.provider && d.uri.size() > f.uri.size() && d.uri.rfind(f.uri, 0) == 0)
                        odb_.set_folder_uri(info_, d.fid, uri + d.uri.substr(f.uri.size()));
        }
    });
}

std::vector<Id> Mailbox::copy_messages(Folder& from, Folder& to, bool associated) {
    std::vector<Id> copied;
    TableQuery q;
    q.associated = associated;
    q.columns = {PidTagMid};
    auto cur = from.query_contents(q);
    const uint32_t page = 100;
    for (uint32_t pos = 0;; pos += page) {
        auto rows = cur->fetch(pos, page);
        for (const auto& r : rows) {
            auto src = from.open_message(r.id, false);
            auto dst = to.create_message(odb_.allocate_id(info_), associated);
            PropList values;
            for (auto& v : src->get_all_props()) {
                if (v.is_error() || prop_id(v.tag) == prop_id(PidTagChangeKey) ||
                    prop_id(v.tag) == prop_id(PidTagPredecessorChangeList) ||
                    prop_id(v.tag) == prop_id(PidTagSourceKey) || prop_id(v.tag) == prop_id(PidTagChangeNumber))
                    continue;  // a copy is a new object with its own ICS identity
                values.push_back(std::move(v));
            }
            dst->set_props(values);  // computed properties come back as problems: expected
            copy_message_content(*src, *dst, [this] { return odb_.allocate_id(info_); });
            dst->save();
            copied.push_back(r.id);
        }
        if (rows.size() < page) break;
    }
    return copied;
}

Id Mailbox::copy_folder(Id fid, Id new_parent, const std::string& new_name, bool recursive) {
    FolderRecord src = odb_.folder_or_throw(info_, fid);
    if (odb_.is_ancestor_or_self(info_, fid, new_parent))
        throw StoreError(kEcFolderCycle, "cannot copy a folder into its own subtree");
    return db_.transaction([&] {
        auto from = provider_folder(src);
        PropList props;
        for (auto& v : from->get_all_props())
            if (!v.is_error() && !folder_computed(v.tag)) props.push_back(std::move(v));
        FolderRecord dst = create_folder_record(new_parent, FolderRole::Generic, new_name, src.container_class,
                                                src.folder_type, props);
        auto to = provider_folder(dst);
        copy_messages(*from, *to, false);
        copy_messages(*from, *to, true);
        if (recursive)
            for (const auto& child : odb_.children(info_, fid)) copy_folder(child.fid, dst.fid, child.display_name, true);
        return dst.fid;
    });
}

void Mailbox::empty_folder(Id fid, bool associated, bool hard) {
    FolderRecord f = odb_.folder_or_throw(info_, fid);
    db_.transaction([&] {
        for (const auto& child : odb_.children(info_, fid)) {
            if (child.role != FolderRole::Generic) continue;  // special folders stay (zentyal#199)
            delete_folder(child.fid, DEL_MESSAGES | DEL_FOLDERS | (hard ? DELETE_HARD_DELETE : 0));
        }
        auto pf = provider_folder(f);
        for (bool assoc : {false, true}) {
            if (assoc && !associated) continue;
            TableQuery q;
            q.associated = assoc;
            q.columns = {PidTagMid};
            for (;;) {  // delete page by page: the cursor restarts on the remaining rows
                auto rows = pf->query_contents(q)->fetch(0, 500);
                if (rows.empty()) break;
                std::vector<Id> mids;
                for (auto& r : rows) mids.push_back(r.id);
                if (!pf->delete_messages(mids, hard).empty())
                    throw StoreError(ec::RpcFailed, "messages could not be deleted");
            }
        }
        odb_.touch_folder(info_, fid);
    });
}

// ---------------------------------------------------------------- hierarchy sync

void Mailbox::try_sync_folders() {
    try {
        sync_folders();
    } catch (const StoreError& e) {
        // The folders stay as they are: an unreachable backend is an error
        // for its folders' contents, never a deletion (lessons-from-anchors).
        LOG_WARN("mailbox %s: folder sync skipped: %s", info_.owner.c_str(), e.what());
    }
}

void Mailbox::sync_folders() {
    if (info_.is_public) return;
    for (auto& [name, p] : providers_) {
        if (!p->syncs_hierarchy()) continue;
        auto ext = p->list_external_folders();  // throws when the backend is down: nothing changes
        db_.transaction([&] { apply_sync(*p, ext); });
    }
}

// A name for a folder coming from the backend that no live sibling has
// (case-insensitively): "Calendar" next to the special Calendar folder
// becomes "Calendar (2)".
std::string Mailbox::free_name(Id parent, const std::string& name, Id self) {
    std::string n = name;
    for (int i = 2;; ++i) {
        auto other = odb_.child_by_name(info_, parent, n);
        if (!other || other->fid == self) return n;
        n = name + " (" + std::to_string(i) + ")";
    }
}

void Mailbox::apply_sync(Provider& p, const std::vector<Provider::ExternalFolder>& ext) {
    const std::string pn = p.name();
    std::map<std::string, FolderRecord> by_uri;
    for (auto& f : odb_.folders_of_provider(info_, pn)) by_uri[f.uri] = f;
    const Id ipm = special_fid(FolderRole::IpmSubtree);
    std::set<std::string> listed;
    for (const auto& e : ext) {
        listed.insert(e.uri);
        if (e.role != FolderRole::Generic) {
            auto rec = odb_.folder_by_role(info_, e.role);
            if (!rec) continue;  // ensure_special_folders creates it
            if (rec->provider == pn) {
                if (rec->uri == e.uri) continue;
                LOG_INFO("mailbox %s: special folder %s now shows %s mailbox %s (was %s)", info_.owner.c_str(),
                         rec->display_name.c_str(), pn.c_str(), e.uri.c_str(), rec->uri.c_str());
                by_uri.erase(rec->uri);
                odb_.set_folder_uri(info_, rec->fid, e.uri);
            } else if (p.holds_role(e.role)) {
                // Bound deliberately, and only when its current backend holds
                // no normal message in it (they would be hidden).
                if (provider_folder(*rec)->content_count(false) != 0) {
                    LOG_WARN("mailbox %s: special folder %s keeps its %s messages; %s mailbox %s is not shown",
                             info_.owner.c_str(), rec->display_name.c_str(), rec->provider.c_str(), pn.c_str(),
                             e.uri.c_str());
                    continue;
                }
                LOG_INFO("mailbox %s: special folder %s bound to %s mailbox %s", info_.owner.c_str(),
                         rec->display_name.c_str(), pn.c_str(), e.uri.c_str());
                odb_.set_folder_provider(info_, rec->fid, pn, e.uri);
            } else {
                continue;
            }
            rec->provider = pn;
            rec->uri = e.uri;
            by_uri[e.uri] = *rec;
            continue;
        }
        Id parent = ipm;
        if (!e.parent_uri.empty()) {
            auto it = by_uri.find(e.parent_uri);
            if (it == by_uri.end()) {
                LOG_WARN("mailbox %s: %s folder %s has no known parent %s; not shown", info_.owner.c_str(), pn.c_str(),
                         e.uri.c_str(), e.parent_uri.c_str());
                continue;
            }
            parent = it->second.fid;
        }
        auto it = by_uri.find(e.uri);
        if (it != by_uri.end()) {
            FolderRecord& r = it->second;
            if (r.role != FolderRole::Generic) continue;
            if (r.parent_fid != parent || r.display_name != e.name) {
                std::string name = free_name(parent, e.name, r.fid);
                if (r.parent_fid != parent || name != r.display_name) {
                    odb_.move_folder(info_, r.fid, parent, name);
                    r.parent_fid = parent;
                    r.display_name = name;
                }
            }
            continue;
        }
        OpenChangeDb::NewFolder nf;
        nf.fid = odb_.allocate_id(info_);
        nf.parent_fid = parent;
        nf.provider = pn;
        nf.uri = e.uri;
        nf.display_name = free_name(parent, e.name, 0);
        nf.container_class = e.container_class;
        LOG_INFO("mailbox %s: %s folder %s appeared", info_.owner.c_str(), pn.c_str(), e.uri.c_str());
        by_uri[e.uri] = odb_.create_folder(info_, nf);
        odb_.touch_folder(info_, parent);
    }
    // Folders the backend no longer lists (a successful, complete list: a
    // failure never gets here) are removed, special folders never.
    for (auto& [uri, r] : by_uri) {
        if (listed.count(uri) || r.role != FolderRole::Generic) continue;
        if (!odb_.folder(info_, r.fid)) continue;  // went with its parent
        LOG_INFO("mailbox %s: %s folder %s is gone from the backend; removed", info_.owner.c_str(), pn.c_str(),
                 uri.c_str());
        odb_.delete_folder_tree(info_, r.fid, false);
        odb_.touch_folder(info_, r.parent_fid);
    }
}

// ---------------------------------------------------------------- tables

namespace {

class HierarchyCursor : public Cursor {
public:
    HierarchyCursor(std::vector<FolderRecord> folders, std::vector<PropTag> cols,
                    std::function<PropList(const FolderRecord&, const std::vector<PropTag>&)> row)
        : folders_(std::move(folders)), cols_(std::move(cols)), row_(std::move(row)) {}
    Pushdown pushdown() const override { return {}; }
    uint32_t count() override { return uint32_t(folders_.size()); }
    std::vector<Row> fetch(uint32_t pos, uint32_t n) override {
        std::vector<Row> out;
        for (size_t i = pos; i < folders_.size() && i < size_t(pos) + n; ++i)
            out.push_back({folders_[i].fid, folders_[i].parent_fid, row_(folders_[i], cols_)});
        return out;
    }
    std::optional<uint32_t> position_of(Id id) override {
        for (size_t i = 0; i < folders_.size(); ++i)
            if (folders_[i].fid == id) return uint32_t(i);
        return std::nullopt;
    }
    // The computed folder columns, then every property the providers hold
    // for these folders (a hierarchy is small: each folder is asked once).
    std::vector<PropTag> all_columns() override {
        std::vector<PropTag> out = folder_computed_columns();
        for (const auto& f : folders_)
            for (PropTag t : tags_(f))
                if (std::none_of(out.begin(), out.end(), [&](PropTag o) { return prop_id(o) == prop_id(t); }))
                    out.push_back(t);
        return out;
    }
    std::function<std::vector<PropTag>(const FolderRecord&)> tags_;

private:
    std::vector<FolderRecord> folders_;
    std::vector<PropTag> cols_;
    std::function<PropList(const FolderRecord&, const std::vector<PropTag>&)> row_;
};

}  // namespace

std::unique_ptr<Cursor> Mailbox::hierarchy_table(Id fid, bool deep, const TableQuery& q) {
    odb_.folder_or_throw(info_, fid);
    auto list = [&] {
        if (deep) return odb_.subtree(info_, fid);
        auto c = odb_.children(info_, fid);
        for (auto& f : c) f.depth = 1;
        return c;
    };
    auto rowfn = [this](const FolderRecord& f, const std::vector<PropTag>& cols) { return folder_row(f, cols); };
    CursorFactory open = [this, list, rowfn](const TableQuery& tq) -> std::unique_ptr<Cursor> {
        auto c = std::make_unique<HierarchyCursor>(list(), tq.columns, rowfn);
        c->tags_ = [this](const FolderRecord& f) { return provider_folder(f)->prop_tags(); };
        return c;
    };
    RowLoader load = [this](std::span<const Id> ids, const std::vector<PropTag>& cols) {
        std::vector<Row> out;
        for (Id id : ids) {
            auto f = odb_.folder(info_, id);
            if (f) out.push_back({id, f->parent_fid, folder_row(*f, cols)});
        }
        return out;
    };
    return run_query(q, open, load);
}

std::unique_ptr<Cursor> Mailbox::contents_table(Id fid, const TableQuery& q) {
    FolderRecord f = odb_.folder_or_throw(info_, fid);
    std::shared_ptr<Folder> pf = provider_folder(f);
    CursorFactory open = [pf](const TableQuery& tq) { return pf->query_contents(tq); };
    RowLoader load = [pf, fid, associated = q.associated](std::span<const Id> ids, const std::vector<PropTag>& cols) {
        if (auto rows = pf->load_rows(ids, cols, associated)) return std::move(*rows);
        std::vector<Row> out;
        for (Id mid : ids) {
            try {
                auto m = pf->open_message(mid, false);
                out.push_back({mid, fid, m->get_props(cols)});
            } catch (const StoreError& e) {
                if (e.ec() != ec::NotFound) throw;  // deleted meanwhile: skip
            }
        }
        return out;
    };
    return run_query(q, open, load);
}

std::vector<Id> Mailbox::move_copy_messages(Id src_fid, std::span<const Id> mids, Id dst_fid, bool copy) {
    FolderRecord src = odb_.folder_or_throw(info_, src_fid);
    FolderRecord dst = odb_.folder_or_throw(info_, dst_fid);
    if (src.provider != dst.provider)
        throw StoreError(ec::NotSupported, "messages cannot move between providers yet");
    std::vector<Id> new_mids;
    if (copy)
        for (size_t i = 0; i < mids.size(); ++i) new_mids.push_back(odb_.allocate_id(info_));
    return db_.transaction([&] {
        auto failed = provider_folder(src)->move_copy_messages(mids, {dst.fid, dst.provider, dst.uri}, copy, new_mids);
        odb_.touch_folder(info_, dst_fid);
        if (!copy) odb_.touch_folder(info_, src_fid);
        return failed;
    });
}

namespace {
bool is_ics_identity(PropTag t) {
    uint16_t id = prop_id(t);
    return id == prop_id(PidTagChangeKey) || id == prop_id(PidTagPredecessorChangeList) ||
           id == prop_id(PidTagSourceKey) || id == prop_id(PidTagChangeNumber);
}
}  // namespace

void copy_message_content(Message& src, Message& dst, const std::function<Id()>& new_mid) {
    dst.set_recipients(src.recipients());
    for (uint32_t num : src.attachment_numbers()) {
        auto sa = src.open_attachment(num, false);
        auto da = dst.create_attachment();
        PropList values;
        for (auto& v : sa->get_all_props())
            if (!v.is_error()) values.push_back(std::move(v));
        da->set_props(values);  // computed ones (AttachNumber, AttachSize) come back as problems
        if (auto se = sa->open_embedded(false, false, 0)) {
            auto de = da->open_embedded(true, true, new_mid());
            PropList ev;
            for (auto& v : se->get_all_props())
                if (!v.is_error() && !is_ics_identity(v.tag)) ev.push_back(std::move(v));
            de->set_props(ev);
            copy_message_content(*se, *de, new_mid);
            de->save();
        }
        da->save();
    }
}

std::unique_ptr<Message> Mailbox::create_message(Id fid, bool associated) {
    return provider_folder(odb_.folder_or_throw(info_, fid))->create_message(odb_.allocate_id(info_), associated);
}

std::unique_ptr<Message> Mailbox::open_message(Id fid, Id mid, bool writable) {
    return provider_folder(odb_.folder_or_throw(info_, fid))->open_message(mid, writable);
}

}  // namespace mg::store
