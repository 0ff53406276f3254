// The IMAP client against a scripted server on a socketpair: the exact bytes
// the client sends for each command, how it reads the answers (RFC examples),
// and its failure behaviour (timeouts, closed connections, refusals).
#include "providers/imap/imap_client.h"

#include "testutil.h"

#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace mg;
using namespace mg::imap;

namespace {

// One exchange: the bytes the client must send, and the server's answer.
struct Step {
    std::string expect;
    std::string reply;
};

const char* kCaps = "IMAP4rev1 SASL-IR LITERAL+ ENABLE UIDPLUS QRESYNC CONDSTORE MOVE SORT SPECIAL-USE LIST-STATUS "
                    "UNSELECT AUTH=PLAIN";

class ScriptedServer {
public:
    // hold_open: keep the connection open after the script until the client
    // closes it (to test read timeouts); otherwise close it.
    ScriptedServer(std::string greeting, std::vector<Step> steps, bool hold_open = false) {
        int sv[2];
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
        client_fd = sv[0];
        fd_ = sv[1];
        thread_ = std::thread([this, greeting = std::move(greeting), steps = std::move(steps), hold_open] {
            write_all(greeting);
            for (const Step& s : steps) {
                std::string got = read_n(s.expect.size());
                if (got != s.expect) {
                    errors.push_back("expected [" + s.expect + "] got [" + got + "]");
                    break;
                }
                write_all(s.reply);
            }
            if (!hold_open) {
                ::shutdown(fd_, SHUT_RDWR);
            } else {
                // Wait for the client to go away (or the test's timeout).
                pollfd p{fd_, POLLIN, 0};
                char c;
                while (::poll(&p, 1, 3000) > 0 && ::read(fd_, &c, 1) > 0) {
                }
            }
        });
    }
    ~ScriptedServer() { join(); }
    void join() {
        if (thread_.joinable()) thread_.join();
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    void check() {
        join();
        for (const std::string& e : errors) FAIL(e.c_str());
    }

    int client_fd = -1;
    std::vector<std::string> errors;

private:
    void write_all(const std::string& s) {
        size_t off = 0;
        while (off < s.size()) {
            ssize_t n = ::write(fd_, s.data() + off, s.size() - off);
            if (n <= 0) return;
            off += size_t(n);
        }
    }
    std::string read_n(size_t n) {
        std::string out;
        while (out.size() < n) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 3000) <= 0) break;
            char buf[4096];
            ssize_t r = ::read(fd_, buf, std::min(sizeof buf, n - out.size()));
            if (r <= 0) break;
            out.append(buf, size_t(r));
        }
        return out;
    }

    int fd_ = -1;
    std::thread thread_;
};

ClientOptions fast() {
    ClientOptions o;
    o.io_timeout = std::chrono::milliseconds(1500);
    return o;
}

std::string greeting_with_caps() { return std::string("* OK [CAPABILITY ") + kCaps + "] ready\r\n"; }

}  // namespace

TEST_GROUP(ImapClient){};

TEST(ImapClient, MasterUserLoginAndEnable) {
    // SASL PLAIN: authzid \0 authcid \0 password, base64 (RFC 4616 2), as the
    // initial response (RFC 4959).
    std::string b64 = base64_encode(std::string("alice\0mapigate-master\0s3cret", 28));
    ScriptedServer srv(greeting_with_caps(),
                       {{"A1 AUTHENTICATE PLAIN " + b64 + "\r\n",
                         "A1 OK [CAPABILITY " + std::string(kCaps) + " NAMESPACE] Logged in\r\n"},
                        {"A2 ENABLE QRESYNC\r\n", "* ENABLED QRESYNC\r\nA2 OK Enabled\r\n"}});
    Client c(fast());
    c.attach(srv.client_fd);
    c.authenticate_plain({"alice", "mapigate-master", "s3cret"});
    CHECK(c.has("namespace"));  // capabilities re-read from the login answer
    c.enable_required();
    srv.check();
}

TEST(ImapClient, PlainWithoutSaslIrUsesContinuation) {
    std::string b64 = base64_encode(std::string("\0bob\0pw", 7));
    ScriptedServer srv("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n",
                       {{"A1 AUTHENTICATE PLAIN\r\n", "+ \r\n"}, {b64 + "\r\n", "A1 NO [AUTHENTICATIONFAILED] Nope\r\n"}});
    Client c(fast());
    c.attach(srv.client_fd);
    try {
        c.authenticate_plain({"", "bob", "pw"});
        FAIL("no exception");
    } catch (const ImapError& e) {
        std::string m = e.what();
        CHECK(m.find("authentication as bob failed") != std::string::npos);
        CHECK(m.find("AUTHENTICATIONFAILED") != std::string::npos);
        CHECK(m.find("pw") == std::string::npos || m.find(b64) == std::string::npos);
        STRCMP_EQUAL("AUTHENTICATIONFAILED", e.code().c_str());
    }
    CHECK(c.usable());  // a refusal leaves the connection usable
    srv.check();
}

TEST(ImapClient, MissingRequiredCapabilitiesAreNamed) {
    ScriptedServer srv("* OK [CAPABILITY IMAP4rev1 ENABLE CONDSTORE] hi\r\n", {});
    Client c(fast());
    c.attach(srv.client_fd);
    test::expect_throw<ImapError>([&] { c.enable_required(); }, "lacks required capabilities: UIDPLUS QRESYNC");
    srv.check();
}

TEST(ImapClient, SelectWithQresync) {
    // RFC 7162 3.2.5.1 example, shortened.
    ScriptedServer srv(greeting_with_caps(),
                       {{"A1 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))\r\n",
                         "* 314 EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Answered \\Seen $Forwarded)\r\n"
                         "* OK [PERMANENTFLAGS (\\Answered \\Seen $Forwarded \\*)] Ok\r\n"
                         "* OK [UIDVALIDITY 67890007] Ok\r\n* OK [UIDNEXT 567] Ok\r\n"
                         "* OK [HIGHESTMODSEQ 90060115205545359] Ok\r\n"
                         "* VANISHED (EARLIER) 41,43:116,118,120:211,214:540\r\n"
                         "* 49 FETCH (UID 117 FLAGS (\\Seen \\Answered) MODSEQ (90060115194045001))\r\n"
                         "A1 OK [READ-WRITE] mailbox selected\r\n"}});
    Client c(fast());
    c.attach(srv.client_fd);
    SelectResult s = c.select("INBOX", false, QresyncParams{67890007, 20050715194045000ull, "41,43:211,214:541"});
    LONGS_EQUAL(314, s.exists);
    CHECK_EQUAL(67890007u, s.uidvalidity);
    LONGS_EQUAL(567, s.uidnext);
    CHECK_EQUAL(90060115205545359ull, s.highestmodseq);
    CHECK(!s.read_only);
    LONGS_EQUAL(5, s.vanished.size());
    LONGS_EQUAL(1, s.changed.size());
    LONGS_EQUAL(117, s.changed[0].uid);
    LONGS_EQUAL(4, s.permanent_flags.size());
    STRCMP_EQUAL("INBOX", c.selected().c_str());
    srv.check();
}

TEST(ImapClient, ListWithSpecialUseAndStatus) {
    ScriptedServer srv(greeting_with_caps(),
                       {{"A1 LIST \"\" \"*\" RETURN (SPECIAL-USE STATUS (MESSAGES UIDVALIDITY))\r\n",
                         "* LIST (\\HasNoChildren) \"/\" INBOX\r\n* STATUS INBOX (MESSAGES 3 UIDVALIDITY 7)\r\n"
                         "* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n* STATUS Sent (MESSAGES 0 UIDVALIDITY 8)\r\n"
                         "* LIST (\\HasNoChildren) \"/\" \"&AMk-t&AOk-\"\r\n"
                         "A1 OK List completed\r\n"}});
    Client c(fast());
    c.attach(srv.client_fd);
    auto l = c.list("", "*", true, "MESSAGES UIDVALIDITY");
    LONGS_EQUAL(3, l.size());
    CHECK(l[1].has_flag("\\Sent"));
    LONGS_EQUAL(3, *l[0].status->messages);
    LONGS_EQUAL(8, *l[1].status->uidvalidity);
    CHECK(!l[2].status);
    STRCMP_EQUAL("&AMk-t&AOk-", l[2].name.c_str());
    srv.check();
}

TEST(ImapClient, AppendSynchronizingLiteralAndFetch) {
    std::string msg = "Subject: x\r\n\r\nbody\r\n";
    ScriptedServer srv("* OK [CAPABILITY IMAP4rev1 UIDPLUS] hi\r\n",
                       {{"A1 APPEND Drafts (\\Seen \\Draft) \"17-Jul-1996 02:44:25 -0700\" {20}\r\n", "+ Ready\r\n"},
                        {msg + "\r\n", "A1 OK [APPENDUID 38505 3955] APPEND completed\r\n"},
                        {"A2 UID FETCH 3955 (UID FLAGS BODY.PEEK[])\r\n",
                         "* 1 EXISTS\r\n* 1 FETCH (UID 3955 FLAGS (\\Seen \\Draft) BODY[] {20}\r\n" + msg +
                             ")\r\nA2 OK done\r\n"}});
    Client c(fast());
    c.attach(srv.client_fd);
    std::vector<std::string> flags = {"\\Seen", "\\Draft"};
    AppendResult a = c.append("Drafts", msg, flags, "17-Jul-1996 02:44:25 -0700");
    CHECK_EQUAL(38505u, a.uidvalidity);
    LONGS_EQUAL(3955, a.uid);
    auto f = c.uid_fetch("3955", "UID FLAGS BODY.PEEK[]");
    LONGS_EQUAL(1, f.size());
    STRCMP_EQUAL(msg.c_str(), f[0].sections.at("BODY[]").c_str());
    auto u = c.take_unsolicited();
    LONGS_EQUAL(1, u.size());  // the EXISTS
    STRCMP_EQUAL("EXISTS", u[0].name.c_str());
    srv.check();
}

TEST(ImapClient, StoreMoveSearchSort) {
    ScriptedServer srv(greeting_with_caps(),
                       {{"A1 UID STORE 1:3 (UNCHANGEDSINCE 12) +FLAGS.SILENT (\\Seen $Forwarded)\r\n",
                         "* 1 FETCH (UID 1 MODSEQ (13))\r\nA1 OK [MODIFIED 2] Some failed\r\n"},
                        {"A2 UID MOVE 5,7 \"Deleted Items\"\r\n",
                         "* OK [COPYUID 432 5,7 100:101] Moved\r\n* 3 EXPUNGE\r\n* 4 EXPUNGE\r\nA2 OK Done\r\n"},
                        {"A3 UID SEARCH CHARSET UTF-8 UNSEEN\r\n", "* SEARCH 2 84 882 (MODSEQ 5)\r\nA3 OK\r\n"},
                        {"A4 UID SORT (REVERSE ARRIVAL) UTF-8 ALL\r\n", "* SORT 882 84 2\r\nA4 OK\r\n"},
                        {"A5 CREATE \"Sent Items/Old\"\r\n", "A5 NO [ALREADYEXISTS] Mailbox exists\r\n"}});
    Client c(fast());
    c.attach(srv.client_fd);
    std::vector<std::string> flags = {"\\Seen", "$Forwarded"};
    StoreResult s = c.uid_store("1:3", "+FLAGS.SILENT", flags, 12);
    LONGS_EQUAL(1, s.updated.size());
    LONGS_EQUAL(1, s.not_modified.size());
    CopyResult m = c.uid_move("5,7", "Deleted Items");
    CHECK_EQUAL(432u, m.uidvalidity);
    LONGS_EQUAL(101, m.dest.at(1));
    LONGS_EQUAL(2, c.take_unsolicited().size());
    auto found = c.uid_search("UNSEEN", true);
    LONGS_EQUAL(3, found.size());
    LONGS_EQUAL(882, found[2]);
    auto sorted = c.uid_sort("REVERSE ARRIVAL");
    LONGS_EQUAL(882, sorted.at(0));
    try {
        c.create("Sent Items/Old");
        FAIL("no exception");
    } catch (const ImapError& e) {
        STRCMP_EQUAL("ALREADYEXISTS", e.code().c_str());
        STRCMP_EQUAL("NO", e.status().c_str());
    }
    srv.check();
}

TEST(ImapClient, TimeoutMakesConnectionUnusable) {
    ScriptedServer srv(greeting_with_caps(), {{"A1 NOOP\r\n", ""}}, true);
    ClientOptions o;
    o.io_timeout = std::chrono::milliseconds(200);
    Client c(o);
    c.attach(srv.client_fd);
    test::expect_throw<ImapConnectionError>([&] { c.noop(); }, "no answer within 200 ms");
    CHECK(!c.usable());
    test::expect_throw<ImapConnectionError>([&] { c.noop(); }, "not usable");
    srv.check();
}

TEST(ImapClient, ServerClosingIsAConnectionError) {
    ScriptedServer srv(greeting_with_caps(), {{"A1 NOOP\r\n", "* BYE shutting down\r\n"}});
    Client c(fast());
    c.attach(srv.client_fd);
    test::expect_throw<ImapConnectionError>([&] { c.noop(); }, "server closed the connection: shutting down");
    CHECK(!c.usable());
    srv.check();
}

TEST(ImapClient, ByeGreetingAndGarbage) {
    {
        ScriptedServer srv("* BYE too many connections\r\n", {});
        Client c(fast());
        test::expect_throw<ImapConnectionError>([&] { c.attach(srv.client_fd); }, "refused the connection");
    }
    {
        ScriptedServer srv(greeting_with_caps(), {{"A1 NOOP\r\n", "A1 FOO\r\n"}});
        Client c(fast());
        c.attach(srv.client_fd);
        test::expect_throw<ImapConnectionError>([&] { c.noop(); }, "protocol error");
        CHECK(!c.usable());
    }
}

TEST(ImapClient, ConnectRefusedNamesTheServer) {
    ClientOptions o;
    o.host = "127.0.0.1";
    o.port = 1;  // nothing listens there
    Client c(o);
    test::expect_throw<ImapConnectionError>([&] { c.connect(); }, "IMAP server 127.0.0.1:1");
}
