// Modified UTF-7 mailbox names (RFC 3501 5.1.3) and the mailbox -> MAPI
// folder mapping (INBOX, SPECIAL-USE, configured names, hierarchy).
#include "providers/imap/imap_folders.h"
#include "providers/imap/mutf7.h"

#include "testutil.h"

using namespace mg;
using namespace mg::imap;

TEST_GROUP(Mutf7){};

TEST(Mutf7, Rfc3501Examples) {
    // RFC 3501 5.1.3: "~peter/mail/台北/日本語"
    std::string utf8 = "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e";
    STRCMP_EQUAL("~peter/mail/&U,BTFw-/&ZeVnLIqe-", utf8_to_mutf7(utf8).c_str());
    STRCMP_EQUAL(utf8.c_str(), mutf7_to_utf8("~peter/mail/&U,BTFw-/&ZeVnLIqe-").c_str());
    // '&' is "&-".
    STRCMP_EQUAL("Tom &- Jerry", utf8_to_mutf7("Tom & Jerry").c_str());
    STRCMP_EQUAL("Tom & Jerry", mutf7_to_utf8("Tom &- Jerry").c_str());
}

TEST(Mutf7, RoundTrips) {
    const char* names[] = {"Entw\xc3\xbcrfe", "Gel\xc3\xb6schte Elemente", "\xc3\x89t\xc3\xa9",
                           "\xd0\x92\xd1\x85\xd0\xbe\xd0\xb4\xd1\x8f\xd1\x89\xd0\xb8\xd0\xb5",  // Входящие
                           "emoji \xf0\x9f\x93\xa7 mail",                                        // U+1F4E7 (surrogates)
                           "a&b&&c", "", "tab\there"};
    for (const char* n : names) {
        std::string w = utf8_to_mutf7(n);
        for (char c : w) CHECK(c >= 0x20 && c <= 0x7e);
        STRCMP_EQUAL(n, mutf7_to_utf8(w).c_str());
    }
    STRCMP_EQUAL("&AMk-t&AOk-", utf8_to_mutf7("\xc3\x89t\xc3\xa9").c_str());
    STRCMP_EQUAL("emoji &2D3c5w- mail", utf8_to_mutf7("emoji \xf0\x9f\x93\xa7 mail").c_str());
}

TEST(Mutf7, InvalidInputIsRefused) {
    auto bad7 = [](const char* s, const char* needle) { test::expect_decode_error([&] { mutf7_to_utf8(s); }, needle); };
    bad7("abc&AMk", "unterminated");
    bad7("&AM*-", "bad modified base64");
    bad7("&2D0-", "unpaired surrogate");       // a lone high surrogate
    bad7("&3sc-", "unpaired surrogate");       // a lone low surrogate
    bad7("&AGE-", "printable US-ASCII");       // 'a' encoded
    bad7("&AMl-", "bad padding");              // non-zero leftover bits
    bad7("caf\xc3\xa9", "outside printable");  // raw 8-bit
    auto bad8 = [](const char* s, const char* needle) { test::expect_decode_error([&] { utf8_to_mutf7(s); }, needle); };
    bad8("\xc0\xaf", "invalid UTF-8");
    bad8("\xed\xa0\x80", "invalid UTF-8");  // encoded surrogate
    bad8("ab\xe2\x82", "invalid UTF-8");
    bad8("\xff", "invalid UTF-8");
    CHECK(!valid_utf8("\x80"));
    CHECK(valid_utf8("\xe2\x82\xac"));
}

TEST_GROUP(ImapFolders){};

namespace {
MailboxInfo mbox(const std::string& name, std::vector<std::string> flags = {}, char delim = '/') {
    MailboxInfo m;
    m.name = name;
    m.delimiter = delim;
    m.flags = std::move(flags);
    return m;
}
const MailFolder& find(const std::vector<MailFolder>& fs, const std::string& name) {
    for (const MailFolder& f : fs)
        if (f.mailbox == name) return f;
    FAIL(("no folder " + name).c_str());
    return fs.front();
}
}  // namespace

TEST(ImapFolders, RolesFromInboxAndSpecialUse) {
    auto fs = map_folders({mbox("inbox"), mbox("Gesendet", {"\\Sent"}), mbox("Sent"), mbox("Drafts", {"\\Drafts"}),
                           mbox("Papierkorb", {"\\HasNoChildren", "\\Trash"}), mbox("Spam", {"\\Junk"}),
                           mbox("Archive", {"\\Archive"})});
    CHECK(find(fs, "INBOX").role == FolderRole::Inbox);
    STRCMP_EQUAL("Inbox", find(fs, "INBOX").display_name.c_str());
    CHECK(find(fs, "Gesendet").role == FolderRole::SentItems);
    CHECK(find(fs, "Sent").role == FolderRole::Generic);  // the flag wins over the name
    CHECK(find(fs, "Drafts").role == FolderRole::Drafts);
    CHECK(find(fs, "Papierkorb").role == FolderRole::DeletedItems);
    CHECK(find(fs, "Spam").role == FolderRole::Junk);
    CHECK(find(fs, "Archive").role == FolderRole::Generic);
}

TEST(ImapFolders, RolesFromConfiguredNames) {
    RoleNames names;
    names.sent = {"Gesendete Objekte"};
    auto fs = map_folders({mbox("INBOX"), mbox("Gesendete Objekte"), mbox("Deleted Items"), mbox("junk e-mail"),
                           mbox("Outbox"), mbox("Projects/Drafts")},
                          names);
    CHECK(find(fs, "Gesendete Objekte").role == FolderRole::SentItems);
    CHECK(find(fs, "Deleted Items").role == FolderRole::DeletedItems);
    CHECK(find(fs, "junk e-mail").role == FolderRole::Junk);
    CHECK(find(fs, "Outbox").role == FolderRole::Outbox);
    CHECK(find(fs, "Projects/Drafts").role == FolderRole::Generic);  // names only match at the top level
    LONGS_EQUAL(7, fs.size());  // "Projects" synthesized
}

TEST(ImapFolders, HierarchyAndUnicodeNames) {
    auto fs = map_folders({mbox("INBOX/Rechnungen/2024"), mbox("INBOX"), mbox("&AMk-t&AOk-", {"\\Noselect"}),
                           mbox("&AMk-t&AOk-/Juli"), mbox("broken&name"), mbox("a.b", {}, '.'), mbox("a", {}, '.')});
    // Parents first.
    size_t pos_inbox = 0, pos_r = 0, pos_2024 = 0;
    for (size_t i = 0; i < fs.size(); ++i) {
        if (fs[i].mailbox == "INBOX") pos_inbox = i;
        if (fs[i].mailbox == "INBOX/Rechnungen") pos_r = i;
        if (fs[i].mailbox == "INBOX/Rechnungen/2024") pos_2024 = i;
    }
    CHECK(pos_inbox < pos_r && pos_r < pos_2024);
    const MailFolder& r = find(fs, "INBOX/Rechnungen");
    CHECK(r.synthesized);
    CHECK(!r.selectable);
    STRCMP_EQUAL("INBOX", r.parent_mailbox.c_str());
    STRCMP_EQUAL("2024", find(fs, "INBOX/Rechnungen/2024").display_name.c_str());
    STRCMP_EQUAL("\xc3\x89t\xc3\xa9", find(fs, "&AMk-t&AOk-").display_name.c_str());
    CHECK(!find(fs, "&AMk-t&AOk-").selectable);
    STRCMP_EQUAL("&AMk-t&AOk-", find(fs, "&AMk-t&AOk-/Juli").parent_mailbox.c_str());
    STRCMP_EQUAL("broken&name", find(fs, "broken&name").display_name.c_str());
    STRCMP_EQUAL("a", find(fs, "a.b").parent_mailbox.c_str());
    STRCMP_EQUAL("b", find(fs, "a.b").display_name.c_str());
}

TEST(ImapFolders, NewFolderNames) {
    STRCMP_EQUAL("INBOX/&AMk-t&AOk-", child_mailbox_name("INBOX", "\xc3\x89t\xc3\xa9", '/').c_str());
    STRCMP_EQUAL("Projects", child_mailbox_name("", "Projects", '/').c_str());
    STRCMP_EQUAL("A &- B", child_mailbox_name("", "A & B", '.').c_str());
    auto refused = [](const std::string& parent, const std::string& name, char d, const char* needle) {
        test::expect_throw<store::StoreError>([&] { child_mailbox_name(parent, name, d); }, needle);
    };
    refused("", "a/b", '/', "hierarchy separator '/'");
    refused("", "a.b", '.', "hierarchy separator '.'");
    refused("", "", '/', "empty name");
    refused("", "x*", '/', "wildcard");
    refused("", "inbox", '/', "INBOX is reserved");
    refused("", "..", '/', "reserved");
    refused("", "a\x01", '/', "control character");
    refused("", "\xff", '/', "not valid Unicode");
    refused("X", "y", 0, "no folder hierarchy");
    try {
        child_mailbox_name("", "a/b", '/');
    } catch (const store::StoreError& e) {
        CHECK_EQUAL(mapi::ec::InvalidParam, e.ec());
    }
}
