// openchangedb: mailboxes, ids, folder tree, receive folders, named
// properties, message index.
#include "mapistore/openchangedb.h"
#include "tests/store/store_test.h"

#include <CppUTest/TestHarness.h>

#include <set>

using namespace mg::store;
using mg::Bytes;
using mg::mapi::PropertyName;
namespace ec = mg::mapi::ec;

TEST_GROUP(Ids) {};

TEST(Ids, IdLayoutAndKeys) {
    // MS-OXCDATA 2.2.1.1: ReplicaId LE then GLOBCNT big-endian.
    Id id = make_id(1, 0x123456789ABCULL);
    uint8_t wire[8];
    for (int i = 0; i < 8; ++i) wire[i] = uint8_t(id >> (8 * i));
    const uint8_t expect[8] = {0x01, 0x00, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC};
    MEMCMP_EQUAL(expect, wire, 8);
    CHECK(globcnt_of(id) == 0x123456789ABCULL);
    LONGS_EQUAL(1, replid_of(id));

    Guid g = random_guid();
    Bytes sk = source_key(g, id);
    LONGS_EQUAL(22, sk.size());
    CHECK(decode_xid(sk) == (Xid{g, 0x123456789ABCULL}));
    Bytes lt = encode_long_term_id({g, 42});
    LONGS_EQUAL(24, lt.size());
    CHECK(decode_long_term_id(lt) == (LongTermId{g, 42}));

    Guid other = random_guid();
    Bytes pcl = pcl_add({}, {g, 5});
    pcl = pcl_add(pcl, {other, 9});
    pcl = pcl_add(pcl, {g, 7});
    auto xids = decode_pcl(pcl);
    LONGS_EQUAL(2, xids.size());
    CHECK(xids[0] == (Xid{g, 7}));
    CHECK(xids[1] == (Xid{other, 9}));
    LONGS_EQUAL(46, pcl.size());

    FolderEntryId fe{g, EntryType::PrivateFolder, other, 77};
    Bytes eid = encode_folder_entry_id(fe);
    LONGS_EQUAL(46, eid.size());
    auto back = decode_folder_entry_id(eid);
    CHECK(back.has_value());
    CHECK(back->globcnt == 77 && back->database_guid == other && back->provider_uid == g);
    CHECK(!decode_folder_entry_id(Bytes(45)).has_value());
}

TEST_GROUP(OpenChangeDb) {
    std::unique_ptr<Database> db;
    std::unique_ptr<IdAllocator> ids;
    std::unique_ptr<OpenChangeDb> odb;
    MailboxInfo mb;
    void setup() override {
        db = test::fresh_database();
        ids = std::make_unique<IdAllocator>(test::test_uri(), 16);
        odb = std::make_unique<OpenChangeDb>(*db, *ids);
        mb = odb->get_or_create_mailbox("alice", "S-1-5-21-1-2-3-1104", 0x409);
    }
    OpenChangeDb::NewFolder nf(Id parent, const std::string& name) {
        OpenChangeDb::NewFolder f;
        f.parent_fid = parent;
        f.display_name = name;
        return f;
    }
};

TEST(OpenChangeDb, MailboxGetOrCreateIsIdempotent) {
    auto again = odb->get_or_create_mailbox("ALICE", "ignored", 0x40c);  // sAMAccountName: case-insensitive
    CHECK(again.id == mb.id);
    CHECK(again.mailbox_guid == mb.mailbox_guid);
    CHECK(!(mb.mailbox_guid == mb.replica_guid));
    LONGS_EQUAL(0x409, again.locale);
    auto bob = odb->get_or_create_mailbox("bob", "S-1-5-21-1-2-3-1105", 0x407);
    CHECK(bob.id != mb.id);
    CHECK(odb->delete_mailbox("bob"));
    CHECK(!odb->find_mailbox("bob"));
    CHECK(!odb->delete_mailbox("bob"));
}

TEST(OpenChangeDb, IdsUniqueAcrossProcessesAndRestarts) {
    // Two engines = two allocators with their own connections.
    IdAllocator other(test::test_uri(), 16);
    std::set<Id> seen;
    for (int i = 0; i < 200; ++i) {
        CHECK(seen.insert(ids->allocate(mb.id)).second);
        CHECK(seen.insert(other.allocate(mb.id)).second);
    }
    uint64_t first = other.allocate_block(mb.id, 1000);
    for (uint64_t g = first; g < first + 1000; ++g) CHECK(seen.insert(make_id(1, g)).second);
    // A restarted engine (new allocator) continues after every reservation.
    IdAllocator restarted(test::test_uri(), 16);
    for (int i = 0; i < 50; ++i) CHECK(seen.insert(restarted.allocate(mb.id)).second);
    for (Id id : seen) LONGS_EQUAL(1, replid_of(id));
}

TEST(OpenChangeDb, FolderTreeCollisionsMovesAndDeletes) {
    auto root = odb->create_folder(mb, nf(0, "Root"));
    auto a = odb->create_folder(mb, nf(root.fid, "A"));
    auto b = odb->create_folder(mb, nf(root.fid, "B"));
    auto a1 = odb->create_folder(mb, nf(a.fid, "A1"));
    CHECK(a.source_key == source_key(mb.replica_guid, a.fid));
    CHECK(a.change_key == change_key(mb.replica_guid, a.change_number));
    try {
        odb->create_folder(mb, nf(root.fid, "a"));  // case-insensitive collision
        FAIL("duplicate name accepted");
    } catch (const StoreError& e) {
        LONGS_EQUAL(ec::Collision, e.ec());
    }
    // Rename: collision, then fine; the change number moves.
    try {
        odb->move_folder(mb, b.fid, root.fid, "A");
        FAIL("rename onto a sibling accepted");
    } catch (const StoreError& e) {
        LONGS_EQUAL(ec::Collision, e.ec());
    }
    odb->move_folder(mb, b.fid, root.fid, "b renamed");
    auto b2 = odb->folder_or_throw(mb, b.fid);
    STRCMP_EQUAL("b renamed", b2.display_name.c_str());
    CHECK(b2.change_number != b.change_number);
    CHECK(b2.change_key == change_key(mb.replica_guid, b2.change_number));
    auto pcl = decode_pcl(b2.pcl);
    LONGS_EQUAL(1, pcl.size());
    CHECK(pcl[0].globcnt == globcnt_of(b2.change_number));
    // Cycle.
    try {
        odb->move_folder(mb, a.fid, a1.fid, "A");
        FAIL("cycle accepted");
    } catch (const StoreError& e) {
        LONGS_EQUAL(kEcFolderCycle, e.ec());
    }
    odb->move_folder(mb, a1.fid, b.fid, "A1");
    auto tree = odb->subtree(mb, root.fid);
    LONGS_EQUAL(3, tree.size());
    CHECK(tree[0].fid == a.fid && tree[0].depth == 1);
    CHECK(tree[1].fid == b.fid && tree[2].fid == a1.fid && tree[2].depth == 2);
    // Soft delete frees the name; the row stays.
    odb->delete_folder_tree(mb, b.fid, false);
    CHECK(!odb->folder(mb, a1.fid));
    CHECK(odb->folder(mb, a1.fid, true).has_value());
    odb->create_folder(mb, nf(root.fid, "b renamed"));
    odb->delete_folder_tree(mb, a.fid, true);
    CHECK(!odb->folder(mb, a.fid, true));
}

TEST(OpenChangeDb, ReceiveFolders) {
    auto root = odb->create_folder(mb, nf(0, "Root"));
    auto inbox = odb->create_folder(mb, nf(root.fid, "Inbox"));
    auto special = odb->create_folder(mb, nf(root.fid, "Special"));
    odb->set_default_receive_folders(mb, inbox.fid, root.fid);
    CHECK(odb->get_receive_folder(mb, "").fid == inbox.fid);
    CHECK(odb->get_receive_folder(mb, "IPM").fid == inbox.fid);
    CHECK(odb->get_receive_folder(mb, "IPM.Note.Custom").fid == inbox.fid);
    STRCMP_EQUAL("IPM", odb->get_receive_folder(mb, "IPM.Note.Custom").message_class.c_str());
    CHECK(odb->get_receive_folder(mb, "IPC").fid == root.fid);
    CHECK(odb->get_receive_folder(mb, "ipc.foo").fid == root.fid);
    CHECK(odb->get_receive_folder(mb, "Other").fid == inbox.fid);  // the default
    odb->set_receive_folder(mb, "IPM.Note.Special", special.fid);
    CHECK(odb->get_receive_folder(mb, "ipm.note.special.x").fid == special.fid);
    CHECK(odb->get_receive_folder(mb, "IPM.Note").fid == inbox.fid);
    CHECK_THROWS(StoreError, odb->set_receive_folder(mb, "IPC", special.fid));
    CHECK_THROWS(StoreError, odb->set_receive_folder(mb, "", 0));
    CHECK_THROWS(StoreError, odb->set_receive_folder(mb, ".bad", special.fid));
    odb->set_receive_folder(mb, "IPM.Note.Special", 0);
    CHECK(odb->get_receive_folder(mb, "IPM.Note.Special").fid == inbox.fid);
    LONGS_EQUAL(4, odb->receive_folder_table(mb).size());
}

TEST(OpenChangeDb, NamedPropertiesStableAcrossReconnect) {
    PropertyName byid{random_guid(), PropertyName::Id, 0x8503, ""};
    PropertyName byname{random_guid(), PropertyName::Name, 0, "x-custom-Header"};
    CHECK(!odb->named_to_id(mb, byid, false));
    uint16_t a = *odb->named_to_id(mb, byid, true);
    uint16_t b = *odb->named_to_id(mb, byname, true);
    CHECK(a >= 0x8000 && b >= 0x8000 && a != b);
    LONGS_EQUAL(a, *odb->named_to_id(mb, byid, true));
    // A new connection and a new cache: the same ids.
    auto db2 = test::connect();
    OpenChangeDb odb2(*db2, *ids);
    LONGS_EQUAL(a, *odb2.named_to_id(mb, byid, false));
    LONGS_EQUAL(b, *odb2.named_to_id(mb, byname, false));
    auto n = odb2.id_to_named(mb, b);
    CHECK(n.has_value());
    STRCMP_EQUAL("x-custom-Header", n->name.c_str());
    CHECK(n->guid == byname.guid);
    PropertyName other_case = byname;
    other_case.name = "X-CUSTOM-HEADER";
    CHECK(*odb2.named_to_id(mb, other_case, true) != b);  // names are case-sensitive here
    // Per mailbox.
    auto bob = odb->get_or_create_mailbox("bob", "", 0x409);
    CHECK(!odb->named_to_id(bob, byid, false));
}

TEST(OpenChangeDb, MessageIndex) {
    odb->index_message(mb, make_id(1, 500), make_id(1, 7), "imap", "INBOX;42");
    auto r = odb->lookup_message(mb, make_id(1, 500));
    CHECK(r.has_value());
    CHECK(r->first == make_id(1, 7));
    STRCMP_EQUAL("INBOX;42", r->second.uri.c_str());
    CHECK(*odb->mid_by_uri(mb, "imap", "INBOX;42") == make_id(1, 500));
    odb->unindex_message(mb, make_id(1, 500));
    CHECK(!odb->lookup_message(mb, make_id(1, 500)));
}

TEST(OpenChangeDb, PublicStore) {
    auto pub = odb->ensure_public_store();
    CHECK(pub.is_public && pub.provisioned && pub.root_fid != 0);
    auto pub2 = odb->ensure_public_store();
    CHECK(pub2.id == pub.id && pub2.root_fid == pub.root_fid);
    auto top = odb->children(pub, pub.root_fid);
    LONGS_EQUAL(2, top.size());
    STRCMP_EQUAL("IPM_SUBTREE", top[0].display_name.c_str());
    STRCMP_EQUAL("NON_IPM_SUBTREE", top[1].display_name.c_str());
    auto non_ipm = odb->children(pub, top[1].fid);
    LONGS_EQUAL(3, non_ipm.size());
    CHECK(odb->folder_by_role(pub, FolderRole::EformsRegistry).has_value());
    // User cleanup of a user called "" or "public" never touches it.
    CHECK(!odb->delete_mailbox("public"));
    CHECK(odb->mailbox_by_id(pub.id).has_value());
}
