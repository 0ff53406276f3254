// Contents-table rows of IMAP messages from FETCH data (providers/imap/imap_summary.h),
// with FETCH responses as RFC 3501 7.4.2 shows them.
#include "libmapi/proptags.h"
#include "providers/imap/imap_summary.h"

#include <CppUTest/TestHarness.h>

using namespace mg::imap;
using namespace mg::mapi;

namespace {

FetchItem fetch(const std::string& untagged) { return Client::parse_fetch(parse_response(untagged + "\r\n")); }

Value bodystructure(const std::string& text) { return parse_values(text).at(0); }

std::string str(const Summary& s, PropTag t) { return summary_value(t, s)->as_str(); }

const char* kFetch =
    "* 12 FETCH (UID 4827 FLAGS (\\Seen $Forwarded) RFC822.SIZE 4286 MODSEQ (917162500) "
    "INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
    "ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"=?utf-8?q?Re:_caf=C3=A9?=\" "
    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) "
    "((NIL NIL \"minutes\" CNRI.Reston.VA.US) (\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
    "\"<B27397-0100000@cac.washington.edu>\"))";

}  // namespace

TEST_GROUP(ImapSummary) {};

TEST(ImapSummary, EnvelopeFlagsSizeAndTimes) {
    Summary s = make_summary(fetch(kFetch));
    LONGS_EQUAL(4827, s.uid);
    CHECK_EQUAL(917162500u, s.modseq);
    STRCMP_EQUAL("Re: café", str(s, PidTagSubject).c_str());
    STRCMP_EQUAL("Re: ", str(s, PidTagSubjectPrefix).c_str());
    STRCMP_EQUAL("café", str(s, PidTagNormalizedSubject).c_str());
    STRCMP_EQUAL("Terry Gray", str(s, PidTagSenderName).c_str());
    STRCMP_EQUAL("gray@cac.washington.edu", str(s, PidTagSenderEmailAddress).c_str());
    STRCMP_EQUAL("imap@cac.washington.edu", str(s, PidTagDisplayTo).c_str());
    STRCMP_EQUAL("minutes@CNRI.Reston.VA.US; John Klensin", str(s, PidTagDisplayCc).c_str());
    STRCMP_EQUAL("IPM.Note", str(s, PidTagMessageClass).c_str());
    STRCMP_EQUAL("<B27397-0100000@cac.washington.edu>", str(s, PidTagInternetMessageId).c_str());
    LONGS_EQUAL(4286, summary_value(PidTagMessageSize, s)->as_i32());
    // \Seen -> MSGFLAG_READ; no BODYSTRUCTURE fetched: no HASATTACH bit, HasAttachments unknown.
    LONGS_EQUAL(0x01, summary_value(PidTagMessageFlags, s)->as_i32());
    CHECK_TRUE(summary_value(PidTagRead, s)->as_bool());
    CHECK_TRUE(summary_value(PidTagHasAttachments, s)->is_error());
    LONGS_EQUAL(104, summary_value(PidTagLastVerbExecuted, s)->as_i32());  // $Forwarded
    // INTERNALDATE 1996-07-17 09:44:25 UTC, Date 09:23:25 UTC (FILETIME).
    CHECK_EQUAL(124820702650000000LL, summary_value(PidTagMessageDeliveryTime, s)->as_i64());
    CHECK_EQUAL(124820690050000000LL, summary_value(PidTagClientSubmitTime, s)->as_i64());
    LONGS_EQUAL(1, summary_value(PidTagImportance, s)->as_i32());
    // PT_STRING8 asked: the same text in the asked type.
    auto s8 = summary_value(change_type(PidTagSubject, PT_STRING8), s);
    LONGS_EQUAL(PT_STRING8, prop_type(s8->tag));
    CHECK_FALSE(summary_value(PidTagBody, s).has_value());  // not a summary column: the body is never fetched
}

TEST(ImapSummary, MissingAndOddDataLeaveValuesOut) {
    Summary s = make_summary(fetch("* 1 FETCH (UID 9 ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL))"));
    CHECK_TRUE(summary_value(PidTagSubject, s)->is_error());
    CHECK_TRUE(summary_value(PidTagSenderName, s)->is_error());
    STRCMP_EQUAL("", str(s, PidTagDisplayTo).c_str());
    CHECK_TRUE(summary_value(PidTagMessageDeliveryTime, s)->is_error());
    LONGS_EQUAL(0, summary_value(PidTagMessageFlags, s)->as_i32());
    // An envelope of the wrong shape, group syntax, numbers for strings: no crash, nothing invented.
    s = make_summary(fetch("* 1 FETCH (UID 9 ENVELOPE (\"x\" (\"a\") 7 ((\"g\" NIL \"grp\" NIL) "
                           "(NIL NIL \"a\" \"b.c\") (NIL NIL NIL NIL))))"));
    CHECK_TRUE(summary_value(PidTagSubject, s)->is_error());
    STRCMP_EQUAL("a@b.c", str(s, PidTagSenderEmailAddress).c_str());
}

TEST(ImapSummary, AttachmentsFromBodystructure) {
    // RFC 3501 example: text/plain only.
    CHECK_FALSE(has_attachments(bodystructure(
        "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92)")));
    // multipart/alternative text + html: none.
    CHECK_FALSE(has_attachments(bodystructure(
        "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 10 1 NIL NIL NIL NIL)"
        "(\"TEXT\" \"HTML\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 20 1 NIL NIL NIL NIL) \"ALTERNATIVE\" "
        "(\"BOUNDARY\" \"b\") NIL NIL NIL)")));
    // multipart/mixed with a PDF attachment.
    CHECK_TRUE(has_attachments(bodystructure(
        "((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 10 1 NIL NIL NIL NIL)"
        "(\"APPLICATION\" \"PDF\" (\"NAME\" \"a.pdf\") NIL NIL \"BASE64\" 12 NIL (\"ATTACHMENT\" (\"FILENAME\" "
        "\"a.pdf\")) NIL NIL) \"MIXED\" (\"BOUNDARY\" \"b1\") NIL NIL NIL)")));
    // multipart/related: an inline image with a Content-ID is part of the HTML, not an attachment.
    CHECK_FALSE(has_attachments(bodystructure(
        "((\"TEXT\" \"HTML\" NIL NIL NIL \"7BIT\" 10 1 NIL NIL NIL NIL)"
        "(\"IMAGE\" \"PNG\" NIL \"<logo@x>\" NIL \"BASE64\" 12 NIL (\"INLINE\" NIL) NIL NIL) \"RELATED\" NIL NIL "
        "NIL NIL)")));
    // A text part with a file name is an attachment too.
    CHECK_TRUE(has_attachments(bodystructure(
        "((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 10 1 NIL NIL NIL NIL)"
        "(\"TEXT\" \"PLAIN\" (\"NAME\" \"notes.txt\") NIL NIL \"7BIT\" 10 1 NIL NIL NIL NIL) \"MIXED\" NIL NIL NIL "
        "NIL)")));
    // Garbage shapes do not crash.
    CHECK_FALSE(has_attachments(bodystructure("(NIL)")));
    CHECK_FALSE(has_attachments(bodystructure("(((((\"TEXT\")))))")));
}

TEST(ImapSummary, FetchItemsOnlyWhatTheColumnsNeed) {
    PropTag mid_only[] = {PidTagMid, PidTagMessageSize, PidTagMessageDeliveryTime};
    SummaryNeeds n = summary_needs(mid_only);
    STRCMP_EQUAL("UID FLAGS RFC822.SIZE INTERNALDATE MODSEQ", fetch_items(n, true).c_str());
    PropTag outlook[] = {PidTagSubject, PidTagMessageFlags, PidTagImportance};
    n = summary_needs(outlook);
    STRCMP_EQUAL("UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE "
                 "BODY.PEEK[HEADER.FIELDS (IMPORTANCE X-PRIORITY)]",
                 fetch_items(n, false).c_str());
    Summary s = make_summary(fetch("* 3 FETCH (UID 5 BODY[HEADER.FIELDS (IMPORTANCE X-PRIORITY)] {17}\r\n"
                                   "X-Priority: 1\r\n\r\n)"));
    LONGS_EQUAL(2, summary_value(PidTagImportance, s)->as_i32());
}
