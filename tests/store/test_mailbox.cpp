// The mailbox layer and the fallback provider, end to end on MariaDB.
#include "libmapi/proptags.h"
#include "mapistore/mailbox.h"
#include "providers/fallback/fallback.h"
#include "tests/common/sample_values.h"
#include "tests/store/store_test.h"

#include <CppUTest/TestHarness.h>

#include <algorithm>
#include <cmath>
#include <set>

using namespace mg::store;
using namespace mg::mapi;
using mg::Bytes;

namespace {

struct Env {
    std::unique_ptr<Database> db = test::fresh_database();
    std::unique_ptr<IdAllocator> ids = std::make_unique<IdAllocator>(test::test_uri());
    std::unique_ptr<Mailbox> logon(const std::string& user, uint32_t locale = 0x409) {
        return Mailbox::logon(*db, *ids, user, "S-1-5-21-1", locale);
    }
};

fallback::FallbackProvider& fb(Mailbox& mb) { return static_cast<fallback::FallbackProvider&>(mb.provider("fallback")); }

uint32_t folder_count(Database& db, uint64_t mailbox) {
    return uint32_t(db.query_one("SELECT COUNT(*) FROM folders WHERE mailbox_id = ?", {mailbox})->u64(0));
}

std::string name_of(Mailbox& mb, FolderRole role) { return mb.odb().folder_or_throw(mb.info(), mb.special_fid(role)).display_name; }

const PropTag kSubject = PidTagSubject, kImportance = PidTagImportance, kDelivery = PidTagMessageDeliveryTime;
const PropTag kFlag = make_tag(0x6700, PT_BOOLEAN), kBin = make_tag(0x6701, PT_BINARY),
              kDbl = make_tag(0x6702, PT_DOUBLE), kI8 = make_tag(0x6703, PT_I8);

Restriction R(Restriction::Type t, PropTag tag = 0, std::optional<PropValue> v = {}, RelOp op = RELOP_EQ,
              uint32_t fuzzy = 0, PropTag tag2 = 0) {
    Restriction r;
    r.type = t;
    r.tag = tag;
    r.value = std::move(v);
    r.relop = op;
    r.fuzzy = fuzzy;
    r.tag2 = tag2;
    return r;
}

}  // namespace

TEST_GROUP(Mailbox) {
    Env env;
};

TEST(Mailbox, ProvisioningIsIdempotentAndComplete) {
    auto mb = env.logon("alice");
    CHECK(mb->info().provisioned);
    uint32_t n = folder_count(*env.db, mb->info().id);
    LONGS_EQUAL(29, n);
    mb->ensure_special_folders();  // again: nothing new
    auto again = env.logon("alice");
    LONGS_EQUAL(n, folder_count(*env.db, mb->info().id));
    // Layout (MS-OXOSFLD): Inbox under the IPM subtree, Finder under the root.
    auto& odb = mb->odb();
    Id root = mb->special_fid(FolderRole::Root);
    Id ipm = mb->special_fid(FolderRole::IpmSubtree);
    CHECK(mb->info().root_fid == root);
    CHECK(odb.folder_or_throw(mb->info(), mb->special_fid(FolderRole::Inbox)).parent_fid == ipm);
    CHECK(odb.folder_or_throw(mb->info(), mb->special_fid(FolderRole::Finder)).parent_fid == root);
    CHECK(odb.folder_or_throw(mb->info(), mb->special_fid(FolderRole::Conflicts)).parent_fid ==
          mb->special_fid(FolderRole::SyncIssues));
    STRCMP_EQUAL("IPF.Appointment", odb.folder_or_throw(mb->info(), mb->special_fid(FolderRole::Calendar)).container_class.c_str());
    STRCMP_EQUAL("IPF.StickyNote", odb.folder_or_throw(mb->info(), mb->special_fid(FolderRole::Notes)).container_class.c_str());
    // Receive folders.
    CHECK(mb->get_receive_folder("IPM.Note").fid == mb->special_fid(FolderRole::Inbox));
    CHECK(mb->get_receive_folder("IPC").fid == root);
}

TEST(Mailbox, LocalizedNames) {
    auto en = env.logon("en", 0x409), fr = env.logon("fr", 0x40c), de = env.logon("de", 0x407);
    STRCMP_EQUAL("Inbox", name_of(*en, FolderRole::Inbox).c_str());
    STRCMP_EQUAL("Boîte de réception", name_of(*fr, FolderRole::Inbox).c_str());
    STRCMP_EQUAL("Posteingang", name_of(*de, FolderRole::Inbox).c_str());
    STRCMP_EQUAL("Top of Information Store", name_of(*en, FolderRole::IpmSubtree).c_str());
    STRCMP_EQUAL("Éléments supprimés", name_of(*fr, FolderRole::DeletedItems).c_str());
    STRCMP_EQUAL("Gesendete Elemente", name_of(*de, FolderRole::SentItems).c_str());
    STRCMP_EQUAL("Junk E-mail", name_of(*en, FolderRole::Junk).c_str());
}

TEST(Mailbox, EntryIdsResolveToTheRightFolders) {
    auto mb = env.logon("alice");
    const std::pair<PropTag, FolderRole> expect[] = {
        {PidTagIpmAppointmentEntryId, FolderRole::Calendar}, {PidTagIpmContactEntryId, FolderRole::Contacts},
        {PidTagIpmJournalEntryId, FolderRole::Journal},      {PidTagIpmNoteEntryId, FolderRole::Notes},
        {PidTagIpmTaskEntryId, FolderRole::Tasks},           {PidTagIpmDraftsEntryId, FolderRole::Drafts},
        {PidTagRemindersOnlineEntryId, FolderRole::Reminders}};
    for (FolderRole where : {FolderRole::Root, FolderRole::Inbox}) {
        auto f = mb->open_folder(mb->special_fid(where));
        for (auto& [tag, role] : expect) {
            PropTag t[] = {tag};
            auto v = f->get_props(t);
            CHECK(!v[0].is_error());
            auto fid = mb->fid_from_entry_id(v[0].as_bin());
            CHECK(fid.has_value());
            CHECK(*fid == mb->special_fid(role));
        }
        PropTag ren[] = {PidTagAdditionalRenEntryIds, PidTagFreeBusyEntryIds, PidTagAdditionalRenEntryIdsEx};
        auto v = f->get_props(ren);
        auto& ids = std::get<std::vector<Bytes>>(v[0].value);
        LONGS_EQUAL(5, ids.size());
        const FolderRole order[] = {FolderRole::Conflicts, FolderRole::SyncIssues, FolderRole::LocalFailures,
                                    FolderRole::ServerFailures, FolderRole::Junk};
        for (size_t i = 0; i < 5; ++i) CHECK(*mb->fid_from_entry_id(ids[i]) == mb->special_fid(order[i]));
        auto& fb_ids = std::get<std::vector<Bytes>>(v[1].value);
        LONGS_EQUAL(4, fb_ids.size());
        CHECK(*mb->fid_from_entry_id(fb_ids[3]) == mb->special_fid(FolderRole::Freebusy));
        const Bytes& ex = v[2].as_bin();
        CHECK(ex.size() > 8);
        LONGS_EQUAL(0x8001, ex[0] | (ex[1] << 8));  // RSF_PID_RSS_SUBSCRIPTION first
    }
    PropTag store[] = {PidTagIpmSubtreeEntryId, PidTagIpmOutboxEntryId, PidTagIpmSentMailEntryId,
                       PidTagIpmWastebasketEntryId, PidTagFinderEntryId, PidTagCommonViewsEntryId, PidTagViewsEntryId};
    const FolderRole roles[] = {FolderRole::IpmSubtree, FolderRole::Outbox, FolderRole::SentItems,
                                FolderRole::DeletedItems, FolderRole::Finder, FolderRole::CommonViews,
                                FolderRole::Views};
    auto sv = mb->store_props(store);
    for (size_t i = 0; i < 7; ++i) CHECK(*mb->fid_from_entry_id(sv[i].as_bin()) == mb->special_fid(roles[i]));
    // LongTermID round trip.
    Id inbox = mb->special_fid(FolderRole::Inbox);
    CHECK(mb->id_from_long_term(mb->long_term_id(inbox)) == inbox);
}

TEST(Mailbox, FolderOperations) {
    auto mb = env.logon("alice");
    Id ipm = mb->special_fid(FolderRole::IpmSubtree);
    auto a = mb->create_folder(ipm, "Projects", "my projects");
    CHECK(!a.existed);
    try {
        mb->create_folder(ipm, "PROJECTS");
        FAIL("collision accepted");
    } catch (const StoreError& e) {
        LONGS_EQUAL(ec::Collision, e.ec());
    }
    auto again = mb->create_folder(ipm, "projects", {}, kFolderGeneric, true);
    CHECK(again.existed && again.fid == a.fid);
    CHECK_THROWS(StoreError, mb->create_folder(ipm, "Inbox"));  // special names collide too
    auto sub = mb->create_folder(a.fid, "Sub");
    // Rename through SetProps: a change (new CN, ChangeKey, PCL).
    auto f = mb->open_folder(a.fid);
    PropTag keys[] = {PidTagChangeNumber, PidTagChangeKey, PidTagPredecessorChangeList, PidTagDisplayName,
                      PidTagComment, PidTagSubfolders, PidTagSourceKey};
    auto before = f->get_props(keys);
    STRCMP_EQUAL("my projects", before[4].as_str().c_str());
    CHECK(before[5].as_bool());
    auto probs = f->set_props({{PidTagDisplayName, std::string("Work")}});
    CHECK(probs.empty());
    auto after = f->get_props(keys);
    STRCMP_EQUAL("Work", after[3].as_str().c_str());
    CHECK(after[0].as_i64() != before[0].as_i64());
    CHECK(after[1].as_bin() == change_key(mb->info().replica_guid, Id(after[0].as_i64())));
    CHECK(after[6].as_bin() == source_key(mb->info().replica_guid, a.fid));
    CHECK(decode_pcl(after[2].as_bin())[0].globcnt == globcnt_of(Id(after[0].as_i64())));
    // Rename onto a sibling's name is a problem, not a silent overwrite.
    mb->create_folder(ipm, "Other");
    auto p2 = f->set_props({{PidTagDisplayName, std::string("other")}});
    LONGS_EQUAL(1, p2.size());
    LONGS_EQUAL(ec::Collision, p2[0].error);
    // Move, with collision and cycle checks.
    Id deleted_items = mb->special_fid(FolderRole::DeletedItems);
    mb->move_folder(a.fid, deleted_items, "Work");
    CHECK(mb->odb().folder_or_throw(mb->info(), a.fid).parent_fid == deleted_items);
    CHECK_THROWS(StoreError, mb->move_folder(a.fid, sub.fid, "Work"));
    CHECK_THROWS(StoreError, mb->move_folder(mb->special_fid(FolderRole::Inbox), a.fid, "x"));
    // Messages, then delete with and without flags.
    auto m = mb->create_message(sub.fid, false);
    m->set_props({{kSubject, std::string("hello")}});
    m->save();
    CHECK(mb->delete_folder(a.fid, DEL_MESSAGES));                // subfolder: partial
    CHECK(mb->delete_folder(a.fid, DEL_FOLDERS));                 // messages below: partial
    CHECK(mb->odb().folder(mb->info(), a.fid).has_value());
    // Copy (recursive) keeps messages; empty removes messages and subfolders.
    Id copy = mb->copy_folder(a.fid, ipm, "Work copy", true);
    auto copied_sub = mb->odb().child_by_name(mb->info(), copy, "Sub");
    CHECK(copied_sub.has_value());
    LONGS_EQUAL(1, mb->open_folder(copied_sub->fid)->content_count(false));
    mb->empty_folder(copy, true, true);
    LONGS_EQUAL(0u, mb->odb().child_count(mb->info(), copy));
    CHECK(!mb->delete_folder(a.fid, DEL_MESSAGES | DEL_FOLDERS | DELETE_HARD_DELETE));
    CHECK(!mb->odb().folder(mb->info(), a.fid).has_value());
    CHECK(!mb->odb().folder(mb->info(), sub.fid, true).has_value());
    CHECK_THROWS(StoreError, mb->delete_folder(mb->special_fid(FolderRole::Inbox), 0x15));
    // Hierarchy tables.
    TableQuery q;
    q.columns = {PidTagDisplayName, PidTagFolderId, PidTagDepth};
    auto deep = mb->hierarchy_table(mb->info().root_fid, true, q);
    CHECK(deep->count() > 25);
    q.restriction = R(Restriction::Content, PidTagDisplayName, PropValue{PidTagDisplayName, std::string("work")},
                      RELOP_EQ, FL_PREFIX | (FL_IGNORECASE << 16));
    q.sort.sorts = {{PidTagDisplayName, SortOrder::Descending}};
    auto found = mb->hierarchy_table(ipm, false, q);
    LONGS_EQUAL(1, found->count());
    STRCMP_EQUAL("Work copy", found->fetch(0, 10)[0].values[0].as_str().c_str());
    LONGS_EQUAL(3, found->fetch(0, 10)[0].values.size());
}

TEST(Mailbox, FaiAndNormalContents) {
    auto mb = env.logon("alice");
    Id cal = mb->special_fid(FolderRole::Calendar);
    for (int i = 0; i < 3; ++i) {
        auto m = mb->create_message(cal, i == 0);
        m->set_props({{PidTagMessageClass, std::string(i == 0 ? "IPM.Microsoft.FolderDesign.NamedView" : "IPM.Appointment")}});
        m->save();
    }
    auto f = mb->open_folder(cal);
    LONGS_EQUAL(2, f->content_count(false));
    LONGS_EQUAL(1, f->content_count(true));
    TableQuery q;
    q.columns = {PidTagMessageClass, PidTagAssociated};
    q.associated = true;
    auto rows = mb->contents_table(cal, q)->fetch(0, 10);
    LONGS_EQUAL(1, rows.size());
    STRCMP_EQUAL("IPM.Microsoft.FolderDesign.NamedView", rows[0].values[0].as_str().c_str());
    CHECK(rows[0].values[1].as_bool());
}

TEST(Mailbox, EveryTypeRoundTrips) {
    auto mb = env.logon("alice");
    Id notes = mb->special_fid(FolderRole::Notes);
    PropList values = mg::test::values_of_every_type();
    values.push_back({make_tag(0x681B, PT_BINARY), Bytes(70000, 0x5A)});  // bigger than a ROP buffer
    auto m = mb->create_message(notes, false);
    CHECK(m->set_props(values).empty());
    Id mid = m->mid();
    m->save();
    // Reconnect: a fresh connection and provider see the same values.
    auto db2 = test::connect();
    auto mb2 = Mailbox::logon(*db2, *env.ids, "alice", "", 0x409);
    auto back = mb2->open_message(notes, mid, false);
    std::vector<PropTag> tags;
    for (auto& v : values) tags.push_back(v.tag);
    auto got = back->get_props(tags);
    for (size_t i = 0; i < values.size(); ++i) {
        if (!(got[i] == values[i])) FAIL(("round trip failed for " + tag_str(values[i].tag)).c_str());
    }
    // PT_STRING8 and PT_UNICODE are the same value; another type is not found.
    PropTag other_types[] = {make_tag(0x6808, PT_UNICODE), make_tag(0x6801, PT_I8), make_tag(0x6801, PT_UNSPECIFIED)};
    auto conv = back->get_props(other_types);
    STRCMP_EQUAL("caf\xC3\xA9", conv[0].as_str().c_str());
    CHECK(conv[1].is_error());
    LONGS_EQUAL(-123456, conv[2].as_i32());
    // Unstorable values are problems, not failures.
    auto w = mb2->open_message(notes, mid, true);
    auto probs = w->set_props({{make_tag(0x6820, PT_DOUBLE), std::nan("")}, {PidTagMid, int64_t(1)}});
    LONGS_EQUAL(2, probs.size());
    auto ro = mb2->open_message(notes, mid, false);
    CHECK_THROWS(StoreError, ro->set_props({{kSubject, std::string("x")}}));
}

// Table rows come from the summary images (small values) and from
// fallback_props (large ones); they must equal what the message returns,
// before and after a change.
TEST(Mailbox, TableRowsEqualMessageProperties) {
    auto mb = env.logon("alice");
    Id notes = mb->special_fid(FolderRole::Notes);
    PropList values = {
        {kSubject, std::string("Summary \xC3\xA9")},
        {make_tag(0x6801, PT_LONG), int32_t(-7)},
        {make_tag(0x6803, PT_DOUBLE), 0.125},
        {make_tag(0x680B, PT_CLSID), random_guid()},
        {make_tag(0x6810, PT_MV_LONG), std::vector<int32_t>{7, 8, 9}},
        {make_tag(0x681B, PT_BINARY), Bytes(5000, 0x5A)},  // too big for the image
        {PidTagBody, std::string(3000, 'b')},              // too big for the image
    };
    auto m = mb->create_message(notes, false);
    CHECK(m->set_props(values).empty());
    m->save();
    auto check_table = [&](const PropList& expect) {
        TableQuery q;
        for (auto& v : expect) q.columns.push_back(v.tag);
        q.columns.push_back(PidTagMessageSize);
        q.columns.push_back(make_tag(0x6830, PT_LONG));  // never set
        auto rows = mb->contents_table(notes, q)->fetch(0, 10);
        LONGS_EQUAL(1, rows.size());
        auto direct = mb->open_message(notes, m->mid(), false)->get_props(q.columns);
        for (size_t i = 0; i < expect.size(); ++i)
            if (!(rows[0].values[i] == expect[i])) FAIL(("table value differs for " + tag_str(expect[i].tag)).c_str());
        for (size_t i = 0; i < q.columns.size(); ++i)
            if (!(rows[0].values[i] == direct[i])) FAIL(("table and message differ for " + tag_str(q.columns[i])).c_str());
        CHECK(rows[0].values[expect.size()].as_i32() > 5000);
        CHECK(rows[0].values[expect.size() + 1].is_error());
    };
    check_table(values);
    auto w = mb->open_message(notes, m->mid(), true);
    values[0] = {kSubject, std::string("Changed")};
    values[6] = {PidTagBody, std::string("short now")};
    PropTag gone[] = {make_tag(0x6801, PT_LONG)};
    w->set_props({values[0], values[6]});
    w->delete_props(gone);
    w->save();
    values.erase(values.begin() + 1);
    check_table(values);
    TableQuery q;
    q.columns = {make_tag(0x6801, PT_LONG)};
    CHECK(mb->contents_table(notes, q)->fetch(0, 1)[0].values[0].is_error());
}

TEST(Mailbox, ChangeTrackingOnSave) {
    auto mb = env.logon("alice");
    Id drafts = mb->special_fid(FolderRole::Drafts);
    auto m = mb->create_message(drafts, false);
    m->set_props({{kSubject, std::string("v1")}});
    Id cn1 = m->save();
    PropTag keys[] = {PidTagChangeNumber, PidTagChangeKey, PidTagPredecessorChangeList, PidTagSourceKey,
                      PidTagLastModificationTime, PidTagCreationTime};
    auto v1 = mb->open_message(drafts, m->mid(), false)->get_props(keys);
    CHECK(Id(v1[0].as_i64()) == cn1);
    CHECK(v1[1].as_bin() == change_key(mb->info().replica_guid, cn1));
    CHECK(v1[3].as_bin() == source_key(mb->info().replica_guid, m->mid()));
    auto w = mb->open_message(drafts, m->mid(), true);
    w->set_props({{kSubject, std::string("v2")}});
    Id cn2 = w->save();
    CHECK(globcnt_of(cn2) > globcnt_of(cn1));
    auto v2 = mb->open_message(drafts, m->mid(), false)->get_props(keys);
    CHECK(v2[1].as_bin() == change_key(mb->info().replica_guid, cn2));
    auto pcl = decode_pcl(v2[2].as_bin());
    LONGS_EQUAL(1, pcl.size());  // one namespace: the newest change replaces the older one
    CHECK(pcl[0].globcnt == globcnt_of(cn2));
    CHECK(v2[4].as_i64() >= v1[4].as_i64());
    CHECK(v2[5].as_i64() == v1[5].as_i64());
    CHECK(v2[3].as_bin() == v1[3].as_bin());
}

// Pushdown vs the generic evaluator on the same data.
TEST(Mailbox, PushdownEqualsGenericEvaluator) {
    auto mb = env.logon("alice");
    Id fid = mb->create_folder(mb->special_fid(FolderRole::IpmSubtree), "Data").fid;
    const char* subjects[] = {"apple", "Apple", "banana", "Éclair", "éclair", "zebra", "Zoo", "apple pie", "", "ÄPFEL"};
    std::vector<Id> mids;
    for (int i = 0; i < 60; ++i) {
        auto m = mb->create_message(fid, false);
        PropList v;
        if (i % 7 != 3) v.push_back({kSubject, std::string(subjects[i % 10])});
        if (i % 5 != 0) v.push_back({kImportance, int32_t(i % 3)});
        v.push_back({kDelivery, int64_t(130000000000000000LL + (i * 7919 % 61) * 10000000LL)});
        if (i % 2) v.push_back({kFlag, i % 4 == 1});
        v.push_back({kBin, Bytes{uint8_t(i % 4), uint8_t(i % 3)}});
        if (i % 3) v.push_back({kDbl, (i % 11) * 0.5 - 2});
        v.push_back({kI8, int64_t(i % 9) - 4});
        m->set_props(v);
        m->save();
        mids.push_back(m->mid());
    }
    std::vector<PropTag> cols = {kSubject, kImportance, kDelivery, kFlag, kBin, kDbl, kI8};
    auto folder = mb->provider("fallback").open_folder(mb->odb().folder_or_throw(mb->info(), fid).ref());
    auto prop = [](RelOp op, PropValue v) {
        return R(Restriction::Property, v.tag, v, op);
    };
    auto content = [](uint32_t fuzzy, std::string s) {
        return R(Restriction::Content, kSubject, PropValue{kSubject, std::move(s)}, RELOP_EQ, fuzzy);
    };
    auto exist = [](PropTag t) { return R(Restriction::Exist, t); };
    auto combo = [](Restriction::Type t, std::vector<Restriction> c) {
        Restriction r = R(t);
        r.children = std::move(c);
        return r;
    };
    std::vector<Restriction> restrictions = {
        prop(RELOP_EQ, {kSubject, std::string("APPLE")}),
        prop(RELOP_LT, {kSubject, std::string("b")}),
        prop(RELOP_NE, {kImportance, int32_t(1)}),
        prop(RELOP_GE, {kDelivery, int64_t(130000000000000000LL + 300000000LL)}),
        prop(RELOP_EQ, {kFlag, true}),
        prop(RELOP_GT, {kBin, Bytes{1}}),
        prop(RELOP_LE, {kDbl, 0.5}),
        prop(RELOP_GT, {kI8, int64_t(0)}),
        content(FL_SUBSTRING | (FL_IGNORECASE << 16), "PPL"),
        content(FL_PREFIX, "apple"),
        content(FL_FULLSTRING | (FL_IGNORECASE << 16), "ÉCLAIR"),
        exist(kFlag),
        combo(Restriction::Not, {exist(kSubject)}),
        combo(Restriction::Or, {prop(RELOP_EQ, {kImportance, int32_t(2)}), combo(Restriction::And, {exist(kDbl), prop(RELOP_LT, {kI8, int64_t(-1)})})}),
        combo(Restriction::Not, {prop(RELOP_EQ, {kImportance, int32_t(0)})}),
    };
    std::vector<SortOrderSet> sorts(6);
    sorts[1].sorts = {{kSubject, SortOrder::Ascending}};
    sorts[2].sorts = {{kImportance, SortOrder::Descending}, {kDelivery, SortOrder::Ascending}};
    sorts[3].sorts = {{kDbl, SortOrder::Ascending}, {kSubject, SortOrder::Descending}};
    sorts[4].sorts = {{kBin, SortOrder::Descending}, {kFlag, SortOrder::Ascending}};
    sorts[5].sorts = {{kI8, SortOrder::Ascending}};
    // The generic answer: every message, evaluate + compare_rows, ties by MID.
    TableQuery all;
    all.columns = cols;
    auto everything = folder->query_contents(all)->fetch(0, 1000);
    LONGS_EQUAL(60, everything.size());
    auto getter = [&](const Row& r) {
        return [&cols, &r](PropTag t) -> std::optional<PropValue> {
            for (size_t i = 0; i < cols.size(); ++i)
                if (cols[i] == t) return r.values[i];
            return std::nullopt;
        };
    };
    int pushed = 0;
    for (size_t ri = 0; ri <= restrictions.size(); ++ri) {
        for (const auto& sort : sorts) {
            TableQuery q;
            q.columns = cols;
            if (ri < restrictions.size()) q.restriction = restrictions[ri];
            q.sort = sort;
            std::vector<Row> expect;
            for (auto& r : everything)
                if (!q.restriction || evaluate(*q.restriction, getter(r))) expect.push_back(r);
            std::stable_sort(expect.begin(), expect.end(), [&](const Row& a, const Row& b) {
                return compare_rows(sort, getter(a), getter(b)) < 0;
            });
            auto cur = folder->query_contents(q);
            CHECK(cur->pushdown().restriction || !q.restriction);
            CHECK(cur->pushdown().sort);
            pushed++;
            auto got = cur->fetch(0, 1000);
            LONGS_EQUAL_TEXT(expect.size(), cur->count(), ("restriction " + std::to_string(ri)).c_str());
            LONGS_EQUAL(expect.size(), got.size());
            for (size_t i = 0; i < got.size(); ++i) {
                if (got[i].id != expect[i].id)
                    FAIL(("order differs at row " + std::to_string(i) + " restriction " + std::to_string(ri)).c_str());
            }
            // The mailbox layer returns the same rows in the same order.
            auto via_mb = mb->contents_table(fid, q)->fetch(0, 1000);
            LONGS_EQUAL(expect.size(), via_mb.size());
        }
    }
    CHECK(pushed > 90);
    // Not pushed down (CompareProps, sort by a computed tag): finished generically.
    TableQuery q;
    q.columns = {kSubject};
    q.restriction = R(Restriction::CompareProps, kI8, std::nullopt, RELOP_LT, 0, kDbl);
    q.sort.sorts = {{PidTagMid, SortOrder::Descending}};
    auto raw = folder->query_contents(q);
    CHECK(!raw->pushdown().restriction && !raw->pushdown().sort);
    auto fin = mb->contents_table(fid, q);
    std::vector<Id> expect;
    for (auto& r : everything)
        if (evaluate(*q.restriction, getter(r))) expect.push_back(r.id);
    std::sort(expect.begin(), expect.end(), [](Id a, Id b) { return int64_t(a) > int64_t(b); });  // PidTagMid is PT_I8
    LONGS_EQUAL(expect.size(), fin->count());
    auto rows = fin->fetch(0, 1000);
    for (size_t i = 0; i < rows.size(); ++i) CHECK(rows[i].id == expect[i]);
    LONGS_EQUAL(1, rows.empty() ? 1 : rows[0].values.size());
    // Restriction not pushed, sort pushed: streamed filter.
    q.sort.sorts = {{kDelivery, SortOrder::Ascending}};
    auto streamed = mb->contents_table(fid, q);
    LONGS_EQUAL(expect.size(), streamed->count());
    auto page = streamed->fetch(2, 3);
    LONGS_EQUAL(std::min<size_t>(3, expect.size() - 2), page.size());
}

TEST(Mailbox, PagingTenThousandMessagesReadsOnlyThePage) {
    auto mb = env.logon("alice");
    Id fid = mb->create_folder(mb->special_fid(FolderRole::IpmSubtree), "Big").fid;
    // Bulk load through SQL (the paging is under test, not the save path).
    const uint64_t n = 10000;
    uint64_t first = env.ids->allocate_block(mb->info().id, n);
    for (uint64_t base = 0; base < n; base += 1000) {
        std::string msgs = "INSERT INTO fallback_messages (mailbox_id, mid, fid, associated, change_number, "
                           "created_at, modified_at) VALUES ";
        std::string props = "INSERT INTO fallback_props (mailbox_id, obj_kind, obj_id, prop_id, prop_type, v_int, "
                            "sort_key) VALUES ";
        Params mp, pp;
        for (uint64_t i = base; i < base + 1000; ++i) {
            Id mid = make_id(1, first + i);
            msgs += std::string(i == base ? "" : ",") + "(?, ?, ?, 0, ?, 0, 0)";
            for (auto p : {Param(mb->info().id), Param(mid), Param(fid), Param(mid)}) mp.push_back(p);
            PropValue v{kI8, int64_t((i * 7907) % n)};
            props += std::string(i == base ? "" : ",") + "(?, 2, ?, ?, ?, ?, ?)";
            for (auto p : {Param(mb->info().id), Param(mid), Param(unsigned(prop_id(kI8))), Param(unsigned(PT_I8)),
                           Param(std::get<int64_t>(v.value)), Param(*fallback::sort_key_of(v))})
                pp.push_back(p);
        }
        env.db->exec(msgs, mp);
        env.db->exec(props, pp);
    }
    TableQuery q;
    q.columns = {kI8, PidTagMid};
    q.sort.sorts = {{kI8, SortOrder::Descending}};
    auto cur = mb->contents_table(fid, q);
    LONGS_EQUAL(n, cur->count());
    uint64_t before = fb(*mb).rows_fetched();
    uint64_t db_rows_before = env.db->rows_fetched();
    auto page = cur->fetch(5000, 50);
    LONGS_EQUAL(50, page.size());
    LONGS_EQUAL(50, fb(*mb).rows_fetched() - before);
    // One window of ordered ids (1024: a constant, not the folder size), then
    // per message its summary row; rows loaded by SQL have no summary yet,
    // so their property rows (one each here) are read once to build it.
    CHECK(env.db->rows_fetched() - db_rows_before <= 1024 + 50 + 50);
    // The next page comes from the same window: only its own rows are read.
    db_rows_before = env.db->rows_fetched();
    LONGS_EQUAL(50, cur->fetch(5050, 50).size());
    CHECK(env.db->rows_fetched() - db_rows_before <= 50 + 50);
    // The first page again: summaries exist now, one row per message.
    db_rows_before = env.db->rows_fetched();
    auto again = cur->fetch(5000, 50);
    CHECK(env.db->rows_fetched() - db_rows_before <= 50);
    for (size_t i = 0; i < again.size(); ++i) LONGS_EQUAL(page[i].values[0].as_i64(), again[i].values[0].as_i64());
    for (size_t i = 0; i < page.size(); ++i) LONGS_EQUAL(int64_t(n - 1 - 5000 - i), page[i].values[0].as_i64());
    // A restricted page too.
    q.restriction = R(Restriction::Property, kI8, PropValue{kI8, int64_t(100)}, RELOP_LT);
    auto small = mb->contents_table(fid, q);
    LONGS_EQUAL(100, small->count());
    LONGS_EQUAL(10, small->fetch(90, 50).size());
}
