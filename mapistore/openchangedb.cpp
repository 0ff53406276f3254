#include "mapistore/openchangedb.h"

#include "common/log.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <set>

namespace mg::store {

namespace ec = mapi::ec;

static Bytes guid_bytes(const Guid& g) { return Bytes(g.b.begin(), g.b.end()); }
static Guid guid_from(const Bytes& b) {
    Guid g;
    if (b.size() == 16) std::copy(b.begin(), b.end(), g.b.begin());
    return g;
}

MailboxContext MailboxInfo::context(uint32_t codepage) const {
    MailboxContext c;
    c.mailbox_id = id;
    c.owner = owner;
    c.owner_sid = owner_sid;
    c.codepage = codepage;
    c.locale = locale;
    c.mailbox_guid = mailbox_guid;
    c.replica_guid = replica_guid;
    c.is_public = is_public;
    return c;
}

// ---- IdAllocator

IdAllocator::IdAllocator(const DbUri& uri, uint64_t range) : db_(uri), range_(range ? range : 1) {}

uint64_t IdAllocator::reserve(uint64_t mailbox_id, uint64_t n) {
    // Committed at once on our own connection: a reservation is never undone,
    // so two processes can never hand out the same GLOBCNT (unused ids of a
    // range are simply skipped after a restart; GLOBCNTs need not be dense).
    // A connection lost since the last reservation (MariaDB restarted) costs
    // one retry on a fresh one: nothing else runs in this transaction.
    for (int attempt = 0;; ++attempt) {
        try {
            return reserve_once(mailbox_id, n);
        } catch (const DbError& e) {
            if (!e.connection_lost() || attempt > 0) throw;
        }
    }
}

uint64_t IdAllocator::reserve_once(uint64_t mailbox_id, uint64_t n) {
    return db_.transaction([&] {
        auto row = db_.query_one("SELECT next_globcnt FROM globcnt_counters WHERE mailbox_id = ? FOR UPDATE",
                                 {mailbox_id});
        if (!row) throw StoreError(ec::NotFound, "no GLOBCNT counter for mailbox " + std::to_string(mailbox_id));
        uint64_t first = row->u64(0);
        if (first + n - 1 > kGlobcntMax)
            throw StoreError(ec::RpcFailed, "GLOBCNT space of mailbox " + std::to_string(mailbox_id) + " exhausted");
        db_.exec("UPDATE globcnt_counters SET next_globcnt = ? WHERE mailbox_id = ?", {first + n, mailbox_id});
        return first;
    });
}

Id IdAllocator::allocate(uint64_t mailbox_id, uint16_t replid) {
    std::lock_guard g(mu_);
    Range& r = ranges_[mailbox_id];
    if (r.next == r.end) {
        r.next = reserve(mailbox_id, range_);
        r.end = r.next + range_;
    }
    return make_id(replid, r.next++);
}

uint64_t IdAllocator::allocate_block(uint64_t mailbox_id, uint64_t n) {
    std::lock_guard g(mu_);
    return reserve(mailbox_id, n);
}

void IdAllocator::forget(uint64_t mailbox_id) {
    std::lock_guard g(mu_);
    ranges_.erase(mailbox_id);
}

// ---- mailboxes

static const char* const kMailboxCols =
    "id, kind, owner_username, owner_sid, mailbox_guid, replica_guid, replid, locale, root_fid, provisioned";

MailboxInfo OpenChangeDb::mailbox_from(const DbRow& r) {
    MailboxInfo m;
    m.id = r.u64(0);
    m.is_public = r.str(1) == "public";
    m.owner = r.str(2);
    m.owner_sid = r.str(3);
    m.mailbox_guid = guid_from(r.blob(4));
    m.replica_guid = guid_from(r.blob(5));
    m.replid = uint16_t(r.u64(6));
    m.locale = uint32_t(r.u64(7));
    m.root_fid = r.u64(8);
    m.provisioned = r.i64(9) != 0;
    return m;
}

std::optional<MailboxInfo> OpenChangeDb::find_mailbox(const std::string& owner) {
    auto r = db_.query_one(std::string("SELECT ") + kMailboxCols +
                               " FROM mailboxes WHERE kind = 'private' AND owner_username = ?",
                           {owner});
    if (!r) return std::nullopt;
    return mailbox_from(*r);
}

std::optional<MailboxInfo> OpenChangeDb::mailbox_by_id(uint64_t id) {
    auto r = db_.query_one(std::string("SELECT ") + kMailboxCols + " FROM mailboxes WHERE id = ?", {id});
    if (!r) return std::nullopt;
    return mailbox_from(*r);
}

// Inserts a mailboxes row and its counter in one transaction; losing a race
// with a concurrent logon (duplicate key) is fine: the caller re-reads.
static void insert_mailbox(Database& db, bool is_public, const std::string& owner, const std::string& sid,
                           uint32_t locale) {
    try {
        db.transaction([&] {
            db.exec("INSERT INTO mailboxes (kind, owner_username, owner_sid, mailbox_guid, replica_guid, replid, "
                    "locale, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP())",
                    {is_public ? "public" : "private", owner, sid, guid_bytes(random_guid()),
                     guid_bytes(random_guid()), unsigned(kLocalReplId), locale});
            uint64_t id = db.last_insert_id();
            db.exec("INSERT INTO globcnt_counters (mailbox_id, next_globcnt) VALUES (?, ?)", {id, kFirstGlobcnt});
        });
    } catch (const DbError& e) {
        if (!e.duplicate_key()) throw;
    }
}

MailboxInfo OpenChangeDb::get_or_create_mailbox(const std::string& owner, const std::string& sid, uint32_t locale) {
    if (owner.empty()) throw StoreError(ec::InvalidParam, "empty mailbox owner");
    if (auto m = find_mailbox(owner)) return *m;
    insert_mailbox(db_, false, owner, sid, locale);
    auto m = find_mailbox(owner);
    if (!m) throw StoreError(ec::RpcFailed, "mailbox of " + owner + " vanished while being created");
    return *m;
}

void OpenChangeDb::set_root_fid(uint64_t mailbox_id, Id root) {
    db_.exec("UPDATE mailboxes SET root_fid = ? WHERE id = ?", {root, mailbox_id});
}

void OpenChangeDb::mark_provisioned(uint64_t mailbox_id) {
    db_.exec("UPDATE mailboxes SET provisioned = 1 WHERE id = ?", {mailbox_id});
}

bool OpenChangeDb::delete_mailbox(const std::string& owner) {
    auto m = find_mailbox(owner);
    if (!m) return false;
    db_.exec("DELETE FROM mailboxes WHERE id = ?", {m->id});
    ids_.forget(m->id);
    for (auto it = named_by_id_.begin(); it != named_by_id_.end();)
        it = it->first.first == m->id ? named_by_id_.erase(it) : std::next(it);
    for (auto it = named_by_name_.begin(); it != named_by_name_.end();)
        it = it->first.first == m->id ? named_by_name_.erase(it) : std::next(it);
    return true;
}

MailboxInfo OpenChangeDb::ensure_public_store() {
    auto load = [&]() -> std::optional<MailboxInfo> {
        auto r = db_.query_one(std::string("SELECT ") + kMailboxCols +
                               " FROM mailboxes WHERE kind = 'public' AND owner_username = ''");
        if (!r) return std::nullopt;
        return mailbox_from(*r);
    };
    auto mb = load();
    if (!mb) {
        insert_mailbox(db_, true, "", "", 0x409);
        mb = load();
        if (!mb) throw StoreError(ec::RpcFailed, "public store row vanished while being created");
    }
    if (mb->provisioned) return *mb;
    db_.transaction([&] {
        auto ensure = [&](Id parent, FolderRole role, const char* name, uint8_t type) {
            if (parent == 0) {
                if (auto f = folder_by_role(*mb, role)) return f->fid;
            } else if (auto f = child_by_name(*mb, parent, name)) {
                return f->fid;
            }
            NewFolder nf;
            nf.parent_fid = parent;
            nf.role = role;
            nf.display_name = name;
            nf.folder_type = type;
            return create_folder(*mb, nf).fid;
        };
        Id root = ensure(0, FolderRole::PublicRoot, "Public Folders Root", kFolderRoot);
        ensure(root, FolderRole::IpmSubtree, "IPM_SUBTREE", kFolderGeneric);
        Id non_ipm = ensure(root, FolderRole::NonIpmSubtree, "NON_IPM_SUBTREE", kFolderGeneric);
        ensure(non_ipm, FolderRole::EformsRegistry, "EFORMS REGISTRY", kFolderGeneric);
        ensure(non_ipm, FolderRole::Freebusy, "SCHEDULE+ FREE BUSY", kFolderGeneric);
        ensure(non_ipm, FolderRole::Generic, "OFFLINE ADDRESS BOOK", kFolderGeneric);
        set_root_fid(mb->id, root);
        mark_provisioned(mb->id);
    });
    return *mailbox_by_id(mb->id);
}

ChangeStamp OpenChangeDb::new_change(const MailboxInfo& mb, ByteView old_pcl) {
    return make_change(mb.replica_guid, allocate_id(mb), old_pcl);
}

// ---- folders

static const char* const kFolderCols =
    "fid, parent_fid, role, provider, uri, display_name, container_class, folder_type, change_number, "
    "source_key, change_key, pcl, created_at, modified_at, deleted";

FolderRecord OpenChangeDb::folder_from(const DbRow& r) {
    FolderRecord f;
    f.fid = r.u64(0);
    f.parent_fid = r.u64(1);
    f.role = FolderRole(r.u64(2));
    f.provider = r.str(3);
    f.uri = r.str(4);
    f.display_name = r.str(5);
    f.container_class = r.str(6);
    f.folder_type = uint8_t(r.u64(7));
    f.change_number = r.u64(8);
    f.source_key = r.blob(9);
    f.change_key = r.blob(10);
    f.pcl = r.blob(11);
    f.created = r.i64(12);
    f.modified = r.i64(13);
    f.deleted = r.i64(14) != 0;
    return f;
}

static StoreError collision(const std::string& name) {
    return StoreError(ec::Collision, "a folder named \"" + name + "\" already exists there");
}

FolderRecord OpenChangeDb::create_folder(const MailboxInfo& mb, const NewFolder& f) {
    if (f.display_name.empty()) throw StoreError(ec::InvalidParam, "empty folder name");
    if (f.parent_fid) {
        if (!folder(mb, f.parent_fid)) throw StoreError(ec::NotFound, "parent folder not found");
        if (child_by_name(mb, f.parent_fid, f.display_name)) throw collision(f.display_name);
    }
    Id fid = f.fid ? f.fid : allocate_id(mb);
    ChangeStamp st = new_change(mb, {});
    try {
        db_.exec("INSERT INTO folders (mailbox_id, fid, parent_fid, role, provider, uri, display_name, "
                 "container_class, folder_type, change_number, source_key, change_key, pcl, created_at, "
                 "modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 {mb.id, fid, f.parent_fid ? Param(f.parent_fid) : Param(nullptr), unsigned(f.role), f.provider,
                  f.uri, f.display_name, f.container_class, unsigned(f.folder_type), st.cn,
                  source_key(mb.replica_guid, fid), st.change_key, st.pcl, st.time, st.time});
    } catch (const DbError& e) {
        if (e.duplicate_key()) throw collision(f.display_name);
        throw;
    }
    return folder_or_throw(mb, fid);
}

std::optional<FolderRecord> OpenChangeDb::folder(const MailboxInfo& mb, Id fid, bool include_deleted) {
    auto r = db_.query_one(std::string("SELECT ") + kFolderCols + " FROM folders WHERE mailbox_id = ? AND fid = ?" +
                               (include_deleted ? "" : " AND deleted = 0"),
                           {mb.id, fid});
    if (!r) return std::nullopt;
    return folder_from(*r);
}

FolderRecord OpenChangeDb::folder_or_throw(const MailboxInfo& mb, Id fid) {
    auto f = folder(mb, fid);
    if (!f) throw StoreError(ec::NotFound, "folder not found");
    return *f;
}

std::optional<FolderRecord> OpenChangeDb::folder_by_role(const MailboxInfo& mb, FolderRole role) {
    auto r = db_.query_one(std::string("SELECT ") + kFolderCols +
                               " FROM folders WHERE mailbox_id = ? AND role = ? AND deleted = 0 ORDER BY fid LIMIT 1",
                           {mb.id, unsigned(role)});
    if (!r) return std::nullopt;
    return folder_from(*r);
}

std::optional<FolderRecord> OpenChangeDb::child_by_name(const MailboxInfo& mb, Id parent, const std::string& name) {
    // Same folding as the unique key (live_name_key = LOWER(display_name)).
    auto r = db_.query_one(std::string("SELECT ") + kFolderCols +
                               " FROM folders WHERE mailbox_id = ? AND parent_fid = ? AND live_name_key = LOWER(?)",
                           {mb.id, parent, name});
    if (!r) return std::nullopt;
    return folder_from(*r);
}

std::vector<FolderRecord> OpenChangeDb::children(const MailboxInfo& mb, Id parent) {
    std::vector<FolderRecord> out;
    for (auto& r : db_.query(std::string("SELECT ") + kFolderCols +
                                 " FROM folders WHERE mailbox_id = ? AND parent_fid = ? AND deleted = 0 ORDER BY fid",
                             {mb.id, parent}))
        out.push_back(folder_from(r));
    return out;
}

uint32_t OpenChangeDb::child_count(const MailboxInfo& mb, Id parent) {
    return uint32_t(db_.query_one("SELECT COUNT(*) FROM folders WHERE mailbox_id = ? AND parent_fid = ? AND deleted = 0",
                                  {mb.id, parent})
                        ->u64(0));
}

std::vector<FolderRecord> OpenChangeDb::subtree(const MailboxInfo& mb, Id fid) {
    // Folder trees are small next to contents: one query, the tree in memory.
    std::map<Id, std::vector<FolderRecord>> by_parent;
    for (auto& r : db_.query(std::string("SELECT ") + kFolderCols +
                                 " FROM folders WHERE mailbox_id = ? AND deleted = 0 ORDER BY fid",
                             {mb.id})) {
        FolderRecord f = folder_from(r);
        by_parent[f.parent_fid].push_back(std::move(f));
    }
    std::vector<FolderRecord> out;
    std::function<void(Id, uint32_t)> walk = [&](Id parent, uint32_t depth) {
        auto it = by_parent.find(parent);
        if (it == by_parent.end()) return;
        for (auto& f : it->second) {
            f.depth = depth;
            Id child = f.fid;
            out.push_back(f);
            walk(child, depth + 1);
        }
    };
    walk(fid, 1);
    return out;
}

bool OpenChangeDb::is_ancestor_or_self(const MailboxInfo& mb, Id ancestor, Id fid) {
    std::set<Id> seen;
    for (Id cur = fid; cur != 0 && seen.insert(cur).second;) {
        if (cur == ancestor) return true;
        auto r = db_.query_one("SELECT parent_fid FROM folders WHERE mailbox_id = ? AND fid = ?", {mb.id, cur});
        if (!r) return false;
        cur = r->u64(0);
    }
    return false;
}

ChangeStamp OpenChangeDb::touch_folder(const MailboxInfo& mb, Id fid) {
    FolderRecord f = folder_or_throw(mb, fid);
    ChangeStamp st = new_change(mb, f.pcl);
    db_.exec("UPDATE folders SET change_number = ?, change_key = ?, pcl = ?, modified_at = ? "
             "WHERE mailbox_id = ? AND fid = ?",
             {st.cn, st.change_key, st.pcl, st.time, mb.id, fid});
    return st;
}

void OpenChangeDb::set_folder_uri(const MailboxInfo& mb, Id fid, const std::string& uri) {
    db_.exec("UPDATE folders SET uri = ? WHERE mailbox_id = ? AND fid = ?", {uri, mb.id, fid});
}

void OpenChangeDb::set_folder_provider(const MailboxInfo& mb, Id fid, const std::string& provider,
                                       const std::string& uri) {
    db_.exec("UPDATE folders SET provider = ?, uri = ? WHERE mailbox_id = ? AND fid = ?", {provider, uri, mb.id, fid});
}

std::vector<FolderRecord> OpenChangeDb::folders_of_provider(const MailboxInfo& mb, const std::string& provider) {
    std::vector<FolderRecord> out;
    for (auto& r : db_.query(std::string("SELECT ") + kFolderCols +
                                 " FROM folders WHERE mailbox_id = ? AND provider = ? AND deleted = 0 ORDER BY fid",
                             {mb.id, provider}))
        out.push_back(folder_from(r));
    return out;
}

void OpenChangeDb::set_container_class(const MailboxInfo& mb, Id fid, const std::string& cls) {
    db_.exec("UPDATE folders SET container_class = ? WHERE mailbox_id = ? AND fid = ?", {cls, mb.id, fid});
}

void OpenChangeDb::move_folder(const MailboxInfo& mb, Id fid, Id new_parent, const std::string& new_name) {
    if (new_name.empty()) throw StoreError(ec::InvalidParam, "empty folder name");
    FolderRecord f = folder_or_throw(mb, fid);
    if (new_parent != f.parent_fid) {
        folder_or_throw(mb, new_parent);
        // MS-OXCFOLD 3.2.5.6: a folder cannot move under itself.
        if (is_ancestor_or_self(mb, fid, new_parent))
            throw StoreError(kEcFolderCycle, "cannot move a folder into its own subtree");
    }
    if (auto other = child_by_name(mb, new_parent, new_name); other && other->fid != fid) throw collision(new_name);
    ChangeStamp st = new_change(mb, f.pcl);
    try {
        db_.exec("UPDATE folders SET parent_fid = ?, display_name = ?, change_number = ?, change_key = ?, pcl = ?, "
                 "modified_at = ? WHERE mailbox_id = ? AND fid = ?",
                 {new_parent, new_name, st.cn, st.change_key, st.pcl, st.time, mb.id, fid});
    } catch (const DbError& e) {
        if (e.duplicate_key()) throw collision(new_name);
        throw;
    }
}

void OpenChangeDb::delete_folder_tree(const MailboxInfo& mb, Id fid, bool hard) {
    std::vector<Id> ids{fid};
    for (auto& f : subtree(mb, fid)) ids.push_back(f.fid);
    db_.transaction([&] {
        for (size_t i = 0; i < ids.size(); i += 500) {
            size_t n = std::min<size_t>(500, ids.size() - i);
            Params p;
            p.reserve(n + 1);
            p.emplace_back(mb.id);
            for (size_t k = 0; k < n; ++k) p.emplace_back(ids[i + k]);
            std::string in = "(" + sql_placeholders(n) + ")";
            if (hard) db_.exec("DELETE FROM folders WHERE mailbox_id = ? AND fid IN " + in, p);
            else db_.exec("UPDATE folders SET deleted = 1 WHERE mailbox_id = ? AND fid IN " + in, p);
            db_.exec("DELETE FROM receive_folders WHERE mailbox_id = ? AND fid IN " + in, p);
        }
    });
}

// ---- receive folders

bool valid_message_class(const std::string& cls) {
    if (cls.size() > 255) return false;
    if (cls.empty()) return true;
    if (cls.front() == '.' || cls.back() == '.' || cls.find("..") != std::string::npos) return false;
    return std::all_of(cls.begin(), cls.end(), [](char c) { return c >= 32 && c <= 126; });
}

static bool iequals(const std::string& a, const char* b) {
    size_t n = std::char_traits<char>::length(b);
    if (a.size() != n) return false;
    for (size_t i = 0; i < n; ++i)
        if (std::tolower(uint8_t(a[i])) != std::tolower(uint8_t(b[i]))) return false;
    return true;
}

ReceiveFolder OpenChangeDb::get_receive_folder(const MailboxInfo& mb, const std::string& message_class) {
    if (!valid_message_class(message_class)) throw StoreError(ec::InvalidParam, "invalid message class");
    // Candidates: the class and each prefix ending before a '.', then "".
    std::vector<std::string> cands{message_class};
    for (size_t p = message_class.rfind('.'); p != std::string::npos && p > 0;
         p = p ? message_class.rfind('.', p - 1) : std::string::npos)
        cands.push_back(message_class.substr(0, p));
    if (!message_class.empty()) cands.push_back("");
    Params params;
    params.emplace_back(mb.id);
    for (auto& c : cands) params.emplace_back(c);
    auto rows = db_.query("SELECT message_class, fid, modified_at FROM receive_folders WHERE mailbox_id = ? AND "
                          "message_class IN (" + sql_placeholders(cands.size()) + ") "
                          "ORDER BY CHAR_LENGTH(message_class) DESC LIMIT 1",
                          params);
    if (rows.empty()) throw StoreError(ec::NotFound, "no receive folder configured");
    return {rows[0].str(0), rows[0].u64(1), rows[0].i64(2)};
}

void OpenChangeDb::set_receive_folder(const MailboxInfo& mb, const std::string& message_class, Id fid) {
    if (!valid_message_class(message_class)) throw StoreError(ec::InvalidParam, "invalid message class");
    // MS-OXCSTOR 3.2.5.3: the IPC class keeps the root folder, and the
    // default ("") cannot be removed.
    if (iequals(message_class, "IPC") || (message_class.size() > 4 && iequals(message_class.substr(0, 4), "IPC.")))
        throw StoreError(ec::InvalidParam, "the receive folder of IPC classes cannot be changed");
    if (fid == 0) {
        if (message_class.empty()) throw StoreError(ec::InvalidParam, "the default receive folder cannot be removed");
        db_.exec("DELETE FROM receive_folders WHERE mailbox_id = ? AND message_class = ?", {mb.id, message_class});
        return;
    }
    folder_or_throw(mb, fid);
    db_.exec("INSERT INTO receive_folders (mailbox_id, message_class, fid, modified_at) VALUES (?, ?, ?, ?) "
             "ON DUPLICATE KEY UPDATE fid = VALUES(fid), modified_at = VALUES(modified_at)",
             {mb.id, message_class, fid, filetime_now()});
}

std::vector<ReceiveFolder> OpenChangeDb::receive_folder_table(const MailboxInfo& mb) {
    std::vector<ReceiveFolder> out;
    for (auto& r : db_.query("SELECT message_class, fid, modified_at FROM receive_folders WHERE mailbox_id = ? "
                             "ORDER BY message_class",
                             {mb.id}))
        out.push_back({r.str(0), r.u64(1), r.i64(2)});
    return out;
}

std::optional<OpenChangeDb::PerUserInfo> OpenChangeDb::per_user_info(const MailboxInfo& mb,
                                                                     const Guid& folder_guid, uint64_t globcnt) {
    auto r = db_.query_one("SELECT replica_guid, data FROM per_user_information "
                           "WHERE mailbox_id = ? AND folder_guid = ? AND folder_globcnt = ?",
                           {mb.id, ByteView(folder_guid.b.data(), 16), globcnt});
    if (!r) return std::nullopt;
    PerUserInfo info;
    Bytes g = r->blob(0);
    if (g.size() == 16) std::copy(g.begin(), g.end(), info.replica_guid.b.begin());
    info.data = r->blob(1);
    return info;
}

bool OpenChangeDb::write_per_user_info(const MailboxInfo& mb, const Guid& folder_guid, uint64_t globcnt,
                                       uint32_t offset, ByteView chunk, const std::optional<Guid>& replica_guid) {
    return db_.transaction([&] {
        auto cur = per_user_info(mb, folder_guid, globcnt);
        Bytes data;
        Guid repl = replica_guid ? *replica_guid : (cur ? cur->replica_guid : Guid{});
        if (offset != 0) {
            if (!cur || cur->data.size() != offset) return false;
            data = std::move(cur->data);
        }
        data.insert(data.end(), chunk.begin(), chunk.end());
        db_.exec("REPLACE INTO per_user_information (mailbox_id, folder_guid, folder_globcnt, replica_guid, data, "
                 "modified_at) VALUES (?, ?, ?, ?, ?, ?)",
                 {mb.id, ByteView(folder_guid.b.data(), 16), globcnt, ByteView(repl.b.data(), 16), Bytes(data),
                  filetime_now()});
        return true;
    });
}

std::vector<uint64_t> OpenChangeDb::per_user_folders(const MailboxInfo& mb, const Guid& database_guid) {
    std::vector<uint64_t> out;
    for (auto& r : db_.query("SELECT folder_globcnt FROM per_user_information WHERE mailbox_id = ? AND folder_guid = ? "
                             "ORDER BY folder_globcnt",
                             {mb.id, ByteView(database_guid.b.data(), 16)}))
        out.push_back(r.u64(0));
    return out;
}

void OpenChangeDb::set_default_receive_folders(const MailboxInfo& mb, Id inbox, Id root) {
    // MS-OXCSTOR 2.2.1.2 / MAPI receive folders: Inbox for "", "IPM" and
    // "REPORT.IPM"; the root for "IPC".
    int64_t now = filetime_now();
    const std::pair<const char*, Id> defaults[] = {{"", inbox}, {"IPM", inbox}, {"REPORT.IPM", inbox}, {"IPC", root}};
    for (auto& [cls, fid] : defaults)
        db_.exec("INSERT IGNORE INTO receive_folders (mailbox_id, message_class, fid, modified_at) VALUES (?, ?, ?, ?)",
                 {mb.id, cls, fid, now});
}

// ---- named properties

static Params name_key(const MailboxInfo& mb, const PropertyName& n) {
    return {mb.id, guid_bytes(n.guid), unsigned(n.kind), n.kind == PropertyName::Id ? n.lid : 0u,
            n.kind == PropertyName::Name ? n.name : std::string()};
}

std::optional<uint16_t> OpenChangeDb::named_to_id(const MailboxInfo& mb, const PropertyName& name, bool create) {
    if (auto it = named_by_name_.find({mb.id, name}); it != named_by_name_.end()) return it->second;
    if (name.kind == PropertyName::Name && (name.name.empty() || name.name.size() > 512))
        throw StoreError(ec::InvalidParam, "named property name must be 1 to 512 characters");
    auto r = db_.query_one("SELECT prop_id FROM named_properties WHERE mailbox_id = ? AND guid = ? AND kind = ? "
                           "AND lid = ? AND name = ?",
                           name_key(mb, name));
    uint16_t id;
    if (r) id = uint16_t(r->u64(0));
    else if (create) id = allocate_named(mb, name);
    else return std::nullopt;
    named_by_name_[{mb.id, name}] = id;
    named_by_id_[{mb.id, id}] = name;
    return id;
}

uint16_t OpenChangeDb::allocate_named(const MailboxInfo& mb, const PropertyName& name) {
    for (int attempt = 0; attempt < 8; ++attempt) {
        try {
            return db_.transaction([&]() -> uint16_t {
                // Lock the mailbox row: allocations of one mailbox are serial.
                db_.query("SELECT id FROM mailboxes WHERE id = ? FOR UPDATE", {mb.id});
                if (auto r = db_.query_one("SELECT prop_id FROM named_properties WHERE mailbox_id = ? AND guid = ? "
                                           "AND kind = ? AND lid = ? AND name = ?",
                                           name_key(mb, name)))
                    return uint16_t(r->u64(0));
                uint64_t next = db_.query_one("SELECT COALESCE(MAX(prop_id) + 1, 32768) FROM named_properties "
                                              "WHERE mailbox_id = ?",
                                              {mb.id})->u64(0);
                if (next > 0xFFFE) throw StoreError(ec::NotEnoughMemory, "named property ids exhausted");
                Params p = name_key(mb, name);
                p.insert(p.begin() + 1, Param(next));
                db_.exec("INSERT INTO named_properties (mailbox_id, prop_id, guid, kind, lid, name) "
                         "VALUES (?, ?, ?, ?, ?, ?)",
                         p);
                return uint16_t(next);
            });
        } catch (const DbError& e) {
            if (!e.duplicate_key()) throw;  // a concurrent allocation won: look again
        }
    }
    throw StoreError(ec::RpcFailed, "could not allocate a named property id");
}

std::optional<PropertyName> OpenChangeDb::id_to_named(const MailboxInfo& mb, uint16_t prop_id) {
    if (auto it = named_by_id_.find({mb.id, prop_id}); it != named_by_id_.end()) return it->second;
    auto r = db_.query_one("SELECT guid, kind, lid, name FROM named_properties WHERE mailbox_id = ? AND prop_id = ?",
                           {mb.id, unsigned(prop_id)});
    if (!r) return std::nullopt;
    PropertyName n;
    n.guid = guid_from(r->blob(0));
    n.kind = r->u64(1) ? PropertyName::Name : PropertyName::Id;
    if (n.kind == PropertyName::Id) n.lid = uint32_t(r->u64(2));
    else n.name = r->str(3);
    named_by_id_[{mb.id, prop_id}] = n;
    named_by_name_[{mb.id, n}] = prop_id;
    return n;
}

std::vector<std::pair<uint16_t, PropertyName>> OpenChangeDb::all_named(const MailboxInfo& mb) {
    std::vector<std::pair<uint16_t, PropertyName>> out;
    for (auto& r : db_.query("SELECT prop_id, guid, kind, lid, name FROM named_properties WHERE mailbox_id = ? "
                             "ORDER BY prop_id",
                             {mb.id})) {
        PropertyName n;
        n.guid = guid_from(r.blob(1));
        n.kind = r.u64(2) ? PropertyName::Name : PropertyName::Id;
        if (n.kind == PropertyName::Id) n.lid = uint32_t(r.u64(3));
        else n.name = r.str(4);
        out.emplace_back(uint16_t(r.u64(0)), std::move(n));
    }
    return out;
}

// ---- message index

void OpenChangeDb::index_message(const MailboxInfo& mb, Id mid, Id fid, const std::string& provider,
                                 const std::string& uri) {
    db_.exec("INSERT INTO message_index (mailbox_id, mid, fid, provider, uri) VALUES (?, ?, ?, ?, ?) "
             "ON DUPLICATE KEY UPDATE fid = VALUES(fid), provider = VALUES(provider), uri = VALUES(uri)",
             {mb.id, mid, fid, provider, uri});
}

std::optional<std::pair<Id, ObjectRef>> OpenChangeDb::lookup_message(const MailboxInfo& mb, Id mid) {
    auto r = db_.query_one("SELECT fid, provider, uri FROM message_index WHERE mailbox_id = ? AND mid = ?",
                           {mb.id, mid});
    if (!r) return std::nullopt;
    return std::make_pair(Id(r->u64(0)), ObjectRef{mid, r->str(1), r->str(2)});
}

std::optional<Id> OpenChangeDb::mid_by_uri(const MailboxInfo& mb, const std::string& provider,
                                           const std::string& uri) {
    auto r = db_.query_one("SELECT mid FROM message_index WHERE mailbox_id = ? AND provider = ? AND uri = ?",
                           {mb.id, provider, uri});
    if (!r) return std::nullopt;
    return r->u64(0);
}

void OpenChangeDb::unindex_message(const MailboxInfo& mb, Id mid) {
    db_.exec("DELETE FROM message_index WHERE mailbox_id = ? AND mid = ?", {mb.id, mid});
}

}  // namespace mg::store
