// IMAP response framing and parsing with the example exchanges of RFC 3501
// (section 6/7 examples), RFC 9051, RFC 4315 (UIDPLUS), RFC 7162
// (CONDSTORE/QRESYNC), RFC 6154 (SPECIAL-USE) and RFC 5256 (SORT); the
// command builder; sets.
#include "providers/imap/imap_client.h"
#include "providers/imap/imap_protocol.h"

#include "testutil.h"

using namespace mg;
using namespace mg::imap;

namespace {

Response parse(const std::string& s) { return parse_response(s); }

std::vector<std::string> frame_all(const std::string& stream, size_t chunk) {
    Framer f;
    std::vector<std::string> out;
    for (size_t i = 0; i < stream.size(); i += chunk) {
        f.feed(std::string_view(stream).substr(i, chunk));
        while (auto r = f.next()) out.push_back(*r);
    }
    return out;
}

}  // namespace

TEST_GROUP(ImapParser){};

TEST(ImapParser, GreetingAndCapability) {
    Response g = parse("* OK IMAP4rev1 Service Ready\r\n");
    CHECK_EQUAL(Response::Untagged, g.type);
    STRCMP_EQUAL("OK", g.name.c_str());
    STRCMP_EQUAL("IMAP4rev1 Service Ready", g.text.c_str());
    CHECK(g.code.empty());

    Response c = parse("* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI LOGINDISABLED\r\n");
    STRCMP_EQUAL("CAPABILITY", c.name.c_str());
    LONGS_EQUAL(4, c.args.size());
    CHECK(c.args[2].is_atom("auth=gssapi"));

    // Capabilities in a response code (RFC 9051 7.1 / Dovecot's greeting).
    Response d = parse("* OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE AUTH=PLAIN] Dovecot ready.\r\n");
    STRCMP_EQUAL("CAPABILITY", d.code.c_str());
    LONGS_EQUAL(7, d.code_args.size());
    STRCMP_EQUAL("Dovecot ready.", d.text.c_str());
}

TEST(ImapParser, SelectResponses) {
    // RFC 3501 6.3.1 example.
    Response e = parse("* 172 EXISTS\r\n");
    CHECK(e.number.has_value());
    LONGS_EQUAL(172, *e.number);
    STRCMP_EQUAL("EXISTS", e.name.c_str());

    Response u = parse("* OK [UIDVALIDITY 3857529045] UIDs valid\r\n");
    STRCMP_EQUAL("UIDVALIDITY", u.code.c_str());
    CHECK_EQUAL(3857529045u, u.code_args.at(0).number32());
    STRCMP_EQUAL("UIDs valid", u.text.c_str());

    Response f = parse("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n");
    LONGS_EQUAL(5, f.args.at(0).list_items().size());
    STRCMP_EQUAL("\\Draft", f.args[0].items[4].str().c_str());

    Response p = parse("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n");
    STRCMP_EQUAL("PERMANENTFLAGS", p.code.c_str());
    LONGS_EQUAL(3, p.code_args.at(0).list_items().size());
    STRCMP_EQUAL("\\*", p.code_args[0].items[2].str().c_str());

    Response t = parse("A142 OK [READ-WRITE] SELECT completed\r\n");
    CHECK_EQUAL(Response::Tagged, t.type);
    STRCMP_EQUAL("A142", t.tag.c_str());
    STRCMP_EQUAL("READ-WRITE", t.code.c_str());
    CHECK(t.code_args.empty());
    STRCMP_EQUAL("SELECT completed", t.text.c_str());
}

TEST(ImapParser, ListAndStatus) {
    MailboxInfo m = Client::parse_list(parse("* LIST (\\Noselect) \"/\" ~/Mail/foo\r\n"));
    STRCMP_EQUAL("~/Mail/foo", m.name.c_str());
    CHECK_EQUAL('/', m.delimiter);
    CHECK(m.has_flag("\\noselect"));

    // RFC 6154 2 example.
    MailboxInfo s = Client::parse_list(parse("* LIST (\\Sent \\HasNoChildren) \"/\" \"Sent Mail\"\r\n"));
    STRCMP_EQUAL("Sent Mail", s.name.c_str());
    CHECK(s.has_flag("\\Sent"));

    // A flat namespace (NIL delimiter) and an escaped quote in a name.
    MailboxInfo n = Client::parse_list(parse("* LIST () NIL \"a \\\"b\\\"\"\r\n"));
    CHECK_EQUAL(0, n.delimiter);
    STRCMP_EQUAL("a \"b\"", n.name.c_str());

    // A name sent as a literal (non-ASCII in UTF8=ACCEPT mode).
    MailboxInfo l = Client::parse_list(parse("* LIST () \"/\" {5}\r\nab\"cd\r\n"));
    STRCMP_EQUAL("ab\"cd", l.name.c_str());

    Response st = parse("* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n");
    StatusInfo si = Client::parse_status_items(st.args.at(1).list_items());
    LONGS_EQUAL(231, *si.messages);
    LONGS_EQUAL(44292, *si.uidnext);
    CHECK(!si.unseen);
}

TEST(ImapParser, FetchWithEnvelopeAndBody) {
    // RFC 3501 7.4.2 example (as one line).
    Response r = parse(
        "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 4286 "
        "ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" "
        "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
        "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) "
        "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
        "\"<B27397-0100000@cac.washington.edu>\") "
        "BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))\r\n");
    FetchItem f = Client::parse_fetch(r);
    LONGS_EQUAL(12, f.seq);
    LONGS_EQUAL(1, f.flags->size());
    STRCMP_EQUAL("17-Jul-1996 02:44:25 -0700", f.internaldate->c_str());
    LONGS_EQUAL(4286, *f.size);
    const auto& env = f.envelope->list_items();
    LONGS_EQUAL(10, env.size());
    STRCMP_EQUAL("IMAP4rev1 WG mtg summary and minutes", env[1].str().c_str());
    CHECK(env[7].is_nil());
    LONGS_EQUAL(2, env[6].list_items().size());
    STRCMP_EQUAL("KLENSIN", env[6].items[1].items[2].str().c_str());
    STRCMP_EQUAL("7BIT", f.bodystructure->items.at(5).str().c_str());
}

TEST(ImapParser, FetchLiteralSectionsAndModseq) {
    std::string hdr = "Subject: hi\r\n{3}\r\n(\r\n\r\n";  // literal bytes that look like syntax
    Response r = parse("* 3 FETCH (UID 42 MODSEQ (90060115194045001) BODY[HEADER.FIELDS (SUBJECT FROM)] {" +
                       std::to_string(hdr.size()) + "}\r\n" + hdr + " BODY[]<0> NIL)\r\n");
    FetchItem f = Client::parse_fetch(r);
    LONGS_EQUAL(42, f.uid);
    CHECK_EQUAL(90060115194045001ull, *f.modseq);
    STRCMP_EQUAL(hdr.c_str(), f.sections.at("BODY[HEADER.FIELDS (SUBJECT FROM)]").c_str());
    CHECK(f.sections.count("BODY[]<0>"));

    // RFC 7162 3.1.4.1 example.
    FetchItem g = Client::parse_fetch(parse("* 49 FETCH (UID 117 FLAGS (\\Seen \\Answered) MODSEQ (90060115194045001))\r\n"));
    LONGS_EQUAL(117, g.uid);
    LONGS_EQUAL(2, g.flags->size());
}

TEST(ImapParser, UidplusCondstoreCodes) {
    Response a = parse("A003 OK [APPENDUID 38505 3955] APPEND completed\r\n");
    STRCMP_EQUAL("APPENDUID", a.code.c_str());
    LONGS_EQUAL(3955, a.code_args.at(1).number32());

    Response c = parse("A004 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n");
    STRCMP_EQUAL("304,319:320", c.code_args.at(1).str().c_str());
    auto src = expand_set(parse_set(c.code_args[1].str()));
    LONGS_EQUAL(3, src.size());
    LONGS_EQUAL(320, src[2]);

    Response v = parse("* VANISHED (EARLIER) 41,43:116,118,120:211,214:540\r\n");
    STRCMP_EQUAL("VANISHED", v.name.c_str());
    CHECK(v.args.at(0).items.at(0).is_atom("EARLIER"));
    LONGS_EQUAL(5, parse_set(v.args.at(1).str()).size());

    Response h = parse("* OK [HIGHESTMODSEQ 715194045007] Highest\r\n");
    CHECK_EQUAL(715194045007ull, h.code_args.at(0).number());

    Response m = parse("A003 OK [MODIFIED 7,9] Conditional STORE failed\r\n");
    STRCMP_EQUAL("MODIFIED", m.code.c_str());

    Response s = parse("* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)\r\n");
    LONGS_EQUAL(11, s.args.size());
    Response so = parse("* SORT 2 84 882\r\n");
    LONGS_EQUAL(3, so.args.size());

    // A response code this client does not know, with non-IMAP text.
    Response x = parse("* NO [ALERT-X some \"unbalanced text] oops\r\n");
    STRCMP_EQUAL("ALERT-X", x.code.c_str());
    STRCMP_EQUAL("oops", x.text.c_str());
}

TEST(ImapParser, ContinuationAndBye) {
    Response c = parse("+ Ready for additional command text\r\n");
    CHECK_EQUAL(Response::Continuation, c.type);
    STRCMP_EQUAL("Ready for additional command text", c.text.c_str());
    Response e = parse("+ \r\n");
    CHECK_EQUAL(Response::Continuation, e.type);
    Response b = parse("* BYE IMAP4rev1 Server logging out\r\n");
    STRCMP_EQUAL("BYE", b.name.c_str());
    STRCMP_EQUAL("IMAP4rev1 Server logging out", b.text.c_str());
}

TEST(ImapParser, MalformedResponsesAreErrors) {
    auto bad = [](const std::string& s, const char* needle) {
        test::expect_throw<ImapProtocolError>([&] { parse_response(s); }, needle);
    };
    bad("* OK no crlf", "CRLF");
    bad("* LIST (\\Noselect \"/\" foo\r\n", "missing ')'");
    bad("* LIST () \"/\" \"unterminated\r\n", "unterminated quoted");
    bad("* 1 FETCH (BODY[] {10}\r\nabc)\r\n", "literal longer");
    bad("A1 FOO bar\r\n", "tagged response must be");
    bad("* 1 FETCH (a))\r\n", "unexpected character");
    bad("*\r\n", "SP after");
    bad("* OK [\r\n", "empty response code");
    bad("* X \x01\r\n", "control character");
    std::string deep = "* X " + std::string(200, '(') + std::string(200, ')') + "\r\n";
    bad(deep, "nested too deeply");
    // Data of the wrong shape for the command is an error too.
    test::expect_throw<ImapProtocolError>([] { Client::parse_fetch(parse("* 1 FETCH (UID)\r\n")); }, "odd number");
    test::expect_throw<ImapProtocolError>([] { Client::parse_fetch(parse("* 1 FETCH (UID x)\r\n")); }, "expected a number");
    test::expect_throw<ImapProtocolError>([] { Client::parse_list(parse("* LIST () \"//\" a\r\n")); }, "one character");
}

TEST_GROUP(ImapFramer){};

TEST(ImapFramer, SplitsAtLinesAndLiterals) {
    std::string body = "line1\r\n{7}\r\n* BYE\r\n";  // contains what looks like responses
    std::string stream = "* OK hi\r\n* 1 FETCH (BODY[] {" + std::to_string(body.size()) + "}\r\n" + body +
                         " UID 5)\r\n+ go\r\nA1 OK done\r\n";
    for (size_t chunk : {size_t(1), size_t(2), size_t(7), stream.size()}) {
        auto rs = frame_all(stream, chunk);
        LONGS_EQUAL(4, rs.size());
        FetchItem f = Client::parse_fetch(parse_response(rs[1]));
        STRCMP_EQUAL(body.c_str(), f.sections.at("BODY[]").c_str());
        LONGS_EQUAL(5, f.uid);
        CHECK_EQUAL(Response::Continuation, parse_response(rs[2]).type);
    }
    // Two literals in one response, one empty, one non-synchronizing form.
    auto two = frame_all("* 2 FETCH (BODY[1] {0}\r\n BODY[2] {3+}\r\nxyz)\r\n", 3);
    LONGS_EQUAL(1, two.size());
}

TEST(ImapFramer, Limits) {
    Framer f(100, 50);
    f.feed("* 1 FETCH (BODY[] {101}\r\n");
    test::expect_throw<ImapProtocolError>([&] { f.next(); }, "exceeds the limit");
    Framer g(100, 50);
    g.feed(std::string(60, 'a'));
    test::expect_throw<ImapProtocolError>([&] { g.next(); }, "too long");
    Framer h;
    h.feed("* 1 FETCH (BODY[] {99999999999999999999}\r\n");
    test::expect_throw<ImapProtocolError>([&] { h.next(); }, "too large");
}

TEST_GROUP(ImapCommand){};

TEST(ImapCommand, QuotingAndLiterals) {
    Command a;
    a.raw("SELECT ").astring("INBOX").sp().astring("Sent Items").sp().astring("a\"b\\c").sp().astring("").sp().astring("NIL");
    LONGS_EQUAL(1, a.segments().size());
    STRCMP_EQUAL("SELECT INBOX \"Sent Items\" \"a\\\"b\\\\c\" \"\" \"NIL\"", a.segments()[0].c_str());

    // 8-bit or CR/LF data becomes a literal: synchronizing without LITERAL+.
    Command s(false);
    s.raw("APPEND INBOX ").literal("Subject: x\r\n\r\nbody");
    LONGS_EQUAL(2, s.segments().size());
    STRCMP_EQUAL("APPEND INBOX {18}\r\n", s.segments()[0].c_str());
    STRCMP_EQUAL("Subject: x\r\n\r\nbody", s.segments()[1].c_str());
    STRCMP_EQUAL("APPEND INBOX {18}<18 bytes>", s.redacted().c_str());

    Command p(true);
    p.raw("CREATE ").astring("caf\xc3\xa9");
    LONGS_EQUAL(1, p.segments().size());
    STRCMP_EQUAL("CREATE {5+}\r\ncaf\xc3\xa9", p.segments()[0].c_str());
}

TEST(ImapCommand, SecretsNeverLogged) {
    Command c;
    c.raw("LOGIN ").astring("user").sp().secret("pa ss\"word");
    STRCMP_EQUAL("LOGIN user <secret>", c.redacted().c_str());
    CHECK(c.segments()[0].find("pa ss") != std::string::npos);
    Command d;
    d.raw("AUTHENTICATE PLAIN").continuation_secret("AGZvbwBiYXI=");
    LONGS_EQUAL(2, d.segments().size());
    CHECK(d.redacted().find("AGZv") == std::string::npos);
}

TEST(ImapCommand, Sets) {
    auto r = parse_set("1:3,5,9:7,*", 100);
    LONGS_EQUAL(4, r.size());
    LONGS_EQUAL(7, r[2].first);
    LONGS_EQUAL(9, r[2].last);
    LONGS_EQUAL(100, r[3].first);
    STRCMP_EQUAL("1:3,5,7:9", format_set({9, 1, 2, 3, 5, 8, 7, 2}).c_str());
    STRCMP_EQUAL("", format_set({}).c_str());
    test::expect_throw<ImapProtocolError>([] { parse_set("1,,2"); }, "bad number");
    test::expect_throw<ImapProtocolError>([] { parse_set("0"); }, "out of range");
    test::expect_throw<ImapProtocolError>([] { expand_set(parse_set("1:4294967295"), 1000); }, "too large");
    STRCMP_EQUAL("AGZvbwBiYXI=", base64_encode(std::string("\0foo\0bar", 8)).c_str());
    STRCMP_EQUAL("YQ==", base64_encode("a").c_str());
}

TEST(ImapCommand, InternalDate) {
    // RFC 3501 example date; 1996-07-17 09:44:25 UTC.
    CHECK_EQUAL(837596665, *parse_internaldate("17-Jul-1996 02:44:25 -0700"));
    CHECK_EQUAL(1704067200, *parse_internaldate(" 1-Jan-2024 00:00:00 +0000"));
    CHECK_EQUAL(1709164800, *parse_internaldate("29-Feb-2024 01:00:00 +0100"));
    CHECK(!parse_internaldate("17-Foo-1996 02:44:25 -0700"));
    CHECK(!parse_internaldate("17-Jul-1996 25:44:25 -0700"));
    CHECK(!parse_internaldate("17-Jul-1996"));
    CHECK(!parse_internaldate(""));
}
