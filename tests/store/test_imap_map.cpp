// IMAP provider, the parts that need MariaDB but no IMAP server: the id
// mapping tables (providers/imap/imap_map.h) and the generic hierarchy sync
// of the mailbox layer with a backend that has folders of its own
// (Mailbox::sync_folders), driven by a scripted provider.
#include "libmapi/proptags.h"
#include "mapistore/mailbox.h"
#include "providers/fallback/fallback.h"
#include "providers/imap/imap_map.h"
#include "tests/store/store_test.h"

#include <CppUTest/TestHarness.h>

using namespace mg::store;
using mg::imap::ImapMap;

namespace {

struct MapEnv {
    std::unique_ptr<Database> db = test::fresh_database();
    std::unique_ptr<IdAllocator> ids = std::make_unique<IdAllocator>(test::test_uri());
    uint64_t mailbox = [this] {
        OpenChangeDb odb(*db, *ids);
        return odb.get_or_create_mailbox("alice", "S-1-5-21-1", 0x409).id;
    }();
};

std::vector<ImapMap::Seen> seen(std::initializer_list<std::pair<uint32_t, uint64_t>> l) {
    std::vector<ImapMap::Seen> v;
    for (auto [uid, modseq] : l) v.push_back({uid, modseq});
    return v;
}

}  // namespace

TEST_GROUP(ImapMap) {};

TEST(ImapMap, MidsAreStableAcrossRestartsAndChangeNumbersFollowModseq) {
    MapEnv env;
    const Id fid = make_id(kLocalReplId, 900);
    std::map<uint32_t, ImapMap::Entry> first;
    {
        ImapMap m(*env.db, *env.ids, env.mailbox);
        CHECK_TRUE(m.check_uidvalidity(fid, "INBOX", 1700000000));  // first time: recorded, not a change
        auto s = seen({{1, 10}, {2, 11}, {5, 12}});
        first = m.resolve(fid, 1700000000, s);
        LONGS_EQUAL(3, first.size());
        CHECK(first[1].mid != first[2].mid && first[2].mid != first[5].mid);
    }
    // A new engine process: same ids from the table.
    IdAllocator ids2(test::test_uri());
    auto db2 = test::connect();
    ImapMap m(*db2, ids2, env.mailbox);
    CHECK_TRUE(m.check_uidvalidity(fid, "INBOX", 1700000000));
    auto s = seen({{5, 12}, {1, 10}, {2, 99}});
    auto again = m.resolve(fid, 1700000000, s);
    CHECK_EQUAL(first[1].mid, again[1].mid);
    CHECK_EQUAL(first[5].mid, again[5].mid);
    CHECK_EQUAL(first[1].cn, again[1].cn);    // MODSEQ unchanged: same change number
    CHECK(first[2].cn != again[2].cn);        // MODSEQ moved: a new change number
    CHECK(again[2].cn > first[5].cn);
    auto w = m.find(fid, first[5].mid);
    CHECK_TRUE(w.has_value());
    LONGS_EQUAL(5, w->uid);
    LONGS_EQUAL(1700000000u, w->uidvalidity);
}

TEST(ImapMap, UidValidityChangeRemapsMessagesDeliberately) {
    MapEnv env;
    const Id fid = make_id(kLocalReplId, 901);
    ImapMap m(*env.db, *env.ids, env.mailbox);
    m.check_uidvalidity(fid, "Work", 1);
    auto s = seen({{1, 0}, {2, 0}});
    auto old = m.resolve(fid, 1, s);
    CHECK_FALSE(m.check_uidvalidity(fid, "Work", 2));  // logged, old ids dropped
    CHECK_FALSE(m.find(fid, old[1].mid).has_value());
    auto fresh = m.resolve(fid, 2, s);
    CHECK(fresh[1].mid != old[1].mid);
    LONGS_EQUAL(2u, *m.uidvalidity(fid));
}

TEST(ImapMap, ManyNewMessagesAndARacingSessionAgree) {
    MapEnv env;
    const Id fid = make_id(kLocalReplId, 902);
    std::vector<ImapMap::Seen> many;
    for (uint32_t uid = 1; uid <= 700; ++uid) many.push_back({uid, uid});
    ImapMap a(*env.db, *env.ids, env.mailbox);
    auto db2 = test::connect();
    ImapMap b(*db2, *env.ids, env.mailbox);
    auto ra = a.resolve(fid, 7, many);
    auto rb = b.resolve(fid, 7, many);
    LONGS_EQUAL(700, ra.size());
    for (uint32_t uid = 1; uid <= 700; ++uid) CHECK_EQUAL(ra[uid].mid, rb[uid].mid);
    std::set<Id> distinct;
    for (auto& [uid, e] : ra) distinct.insert(e.mid);
    LONGS_EQUAL(700, distinct.size());
    Id gone[] = {ra[3].mid};
    a.forget(fid, gone);
    CHECK_FALSE(a.find(fid, ra[3].mid).has_value());
}

// ---------------------------------------------------------------- hierarchy sync

namespace {

// A backend with folders of its own: its list is scripted; folder content
// and properties are the fallback's (by FID).
class ScriptedProvider : public Provider {
public:
    ScriptedProvider(Database& db, IdAllocator& ids, const MailboxContext& ctx) : fb_(db, ids, ctx) {}
    std::string name() const override { return "imap"; }
    bool holds_role(FolderRole r) const override { return r != FolderRole::Outbox; }
    bool syncs_hierarchy() const override { return true; }
    std::vector<ExternalFolder> list_external_folders() override {
        if (down) throw StoreError(mg::mapi::ec::Backoff, "backend unavailable");
        return list;
    }
    std::string create_folder(const ObjectRef& parent, Id fid, FolderRole role, const std::string& name,
                              const PropList& props) override {
        fb_.create_folder(parent, fid, role, name, props);
        std::string uri = role == FolderRole::Inbox ? "INBOX"
                          : parent.provider == "imap" ? parent.uri + "/" + name
                                                      : name;
        created.push_back(uri);
        return uri;
    }
    void delete_folder(const ObjectRef& f) override {
        deleted.push_back(f.uri);
        fb_.delete_folder(f);
    }
    std::string move_folder(const ObjectRef& f, const ObjectRef& np, const std::string& n) override {
        (void)f;
        return np.provider == "imap" ? np.uri + "/" + n : n;
    }
    std::unique_ptr<Folder> open_folder(const ObjectRef& f) override { return fb_.open_folder(f); }

    std::vector<ExternalFolder> list;
    bool down = false;
    std::vector<std::string> created, deleted;

private:
    fallback::FallbackProvider fb_;
};

struct SyncEnv {
    std::unique_ptr<Database> db = test::fresh_database();
    std::unique_ptr<IdAllocator> ids = std::make_unique<IdAllocator>(test::test_uri());
    ScriptedProvider* backend = nullptr;
    std::unique_ptr<Mailbox> logon() {
        ProviderFactory f = [this](const MailboxContext& ctx) {
            ProviderMap m = fallback_provider_factory(*db, *ids)(ctx);
            auto p = std::make_unique<ScriptedProvider>(*db, *ids, ctx);
            p->list = list;
            p->down = down;
            backend = p.get();
            m["imap"] = std::move(p);
            return m;
        };
        return Mailbox::logon(*db, *ids, "bob", "S-1-5-21-2", 0x409, f);
    }
    std::vector<Provider::ExternalFolder> list = {
        {"INBOX", "", "INBOX", FolderRole::Inbox, "IPF.Note"},
        {"Sent", "", "Sent", FolderRole::SentItems, "IPF.Note"},
        {"Projects", "", "Projects", FolderRole::Generic, "IPF.Note"},
        {"Projects/2026", "Projects", "2026", FolderRole::Generic, "IPF.Note"},
        {"INBOX/Lists", "INBOX", "Lists", FolderRole::Generic, "IPF.Note"},
        {"Calendar", "", "Calendar", FolderRole::Generic, "IPF.Note"},
    };
    bool down = false;
};

std::optional<FolderRecord> by_uri(Mailbox& mb, const std::string& uri) {
    for (auto& f : mb.odb().folders_of_provider(mb.info(), "imap"))
        if (f.uri == uri) return f;
    return std::nullopt;
}

}  // namespace

TEST_GROUP(HierarchySync) {};

TEST(HierarchySync, MailRolesGoToTheBackendAndItsFoldersAppearUnderTheIpmSubtree) {
    SyncEnv env;
    auto mb = env.logon();
    auto inbox = mb->odb().folder_or_throw(mb->info(), mb->special_fid(FolderRole::Inbox));
    STRCMP_EQUAL("imap", inbox.provider.c_str());
    STRCMP_EQUAL("INBOX", inbox.uri.c_str());
    // Outbox is not held by this backend; Calendar never is.
    STRCMP_EQUAL("fallback", mb->odb().folder_or_throw(mb->info(), mb->special_fid(FolderRole::Outbox)).provider.c_str());
    STRCMP_EQUAL("fallback", mb->odb().folder_or_throw(mb->info(), mb->special_fid(FolderRole::Calendar)).provider.c_str());
    auto projects = by_uri(*mb, "Projects");
    CHECK_TRUE(projects.has_value());
    CHECK_EQUAL(mb->special_fid(FolderRole::IpmSubtree), projects->parent_fid);
    STRCMP_EQUAL("IPF.Note", projects->container_class.c_str());
    auto y = by_uri(*mb, "Projects/2026");
    CHECK_EQUAL(projects->fid, y->parent_fid);
    STRCMP_EQUAL("2026", y->display_name.c_str());
    CHECK_EQUAL(inbox.fid, by_uri(*mb, "INBOX/Lists")->parent_fid);
    // A backend folder named like a special folder gets a free name.
    STRCMP_EQUAL("Calendar (2)", by_uri(*mb, "Calendar")->display_name.c_str());
}

TEST(HierarchySync, StableIdsNewAndRemovedFoldersAndBackendDownChangesNothing) {
    SyncEnv env;
    Id projects, lists;
    {
        auto mb = env.logon();
        projects = by_uri(*mb, "Projects")->fid;
        lists = by_uri(*mb, "INBOX/Lists")->fid;
    }
    // Next logon: the same folders keep their ids; one is gone, one is new.
    env.list.erase(env.list.begin() + 4);  // INBOX/Lists
    env.list.push_back({"Archive", "", "Archive", FolderRole::Generic, "IPF.Note"});
    auto mb = env.logon();
    CHECK_EQUAL(projects, by_uri(*mb, "Projects")->fid);
    CHECK_FALSE(mb->odb().folder(mb->info(), lists).has_value());
    CHECK_TRUE(by_uri(*mb, "Archive").has_value());
    uint32_t before = uint32_t(mb->odb().subtree(mb->info(), mb->info().root_fid).size());
    // Backend unreachable: an error, and nothing is deleted or recreated.
    env.down = true;
    env.list.clear();
    auto mb2 = env.logon();  // logon still works: the folders stay as they are
    CHECK_THROWS(StoreError, mb2->sync_folders());
    LONGS_EQUAL(before, mb2->odb().subtree(mb2->info(), mb2->info().root_fid).size());
    CHECK_TRUE(mb2->odb().folder(mb2->info(), projects).has_value());
    CHECK_TRUE(mb2->odb().folder(mb2->info(), mb2->special_fid(FolderRole::Inbox)).has_value());
}

TEST(HierarchySync, MapiFoldersUnderTheIpmSubtreeGoToTheBackendAndDeleteThere) {
    SyncEnv env;
    auto mb = env.logon();
    Id ipm = mb->special_fid(FolderRole::IpmSubtree);
    auto mail = mb->create_folder(ipm, "Receipts");
    auto rec = mb->odb().folder_or_throw(mb->info(), mail.fid);
    STRCMP_EQUAL("imap", rec.provider.c_str());
    STRCMP_EQUAL("Receipts", rec.uri.c_str());
    // A calendar folder stays in the fallback.
    auto cal = mb->create_folder(ipm, "Team calendar", "", kFolderGeneric, false, "IPF.Appointment");
    STRCMP_EQUAL("fallback", mb->odb().folder_or_throw(mb->info(), cal.fid).provider.c_str());
    // A subfolder follows its parent; a rename of the parent renames the child's backend name.
    auto sub = mb->create_folder(mail.fid, "2026");
    STRCMP_EQUAL("Receipts/2026", mb->odb().folder_or_throw(mb->info(), sub.fid).uri.c_str());
    mb->move_folder(mail.fid, ipm, "Bills");
    STRCMP_EQUAL("Bills", mb->odb().folder_or_throw(mb->info(), mail.fid).uri.c_str());
    STRCMP_EQUAL("Bills/2026", mb->odb().folder_or_throw(mb->info(), sub.fid).uri.c_str());
    // A soft delete removes the backend folders too (children first).
    CHECK_FALSE(mb->delete_folder(mail.fid, DEL_MESSAGES | DEL_FOLDERS));
    LONGS_EQUAL(2, env.backend->deleted.size());
    STRCMP_EQUAL("Bills/2026", env.backend->deleted[0].c_str());
    STRCMP_EQUAL("Bills", env.backend->deleted[1].c_str());
    // Moving a backend folder under a fallback folder other than the IPM subtree is refused.
    auto other = mb->create_folder(ipm, "Other");
    CHECK_THROWS(StoreError, mb->move_folder(other.fid, cal.fid, "Other"));
}
