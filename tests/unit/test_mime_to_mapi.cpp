// Internet mail -> MAPI over the MIME corpus in tests/data/mime/: body
// selection, code pages, RFC 2047/2231 decoding, recipients, attachments
// (inline images, embedded messages, calendar invitations), S/MIME kept
// intact, malformed input, and IMAP flags.
#include "providers/imap/mime_to_mapi.h"

#include "libmapi/proptags.h"

#include "testutil.h"

#include <fstream>
#include <sstream>

using namespace mg;
using namespace mg::imap;
using namespace mg::mapi;

namespace {

std::string corpus(const std::string& name) {
    std::string here = __FILE__;
    std::string dir = here.substr(0, here.rfind('/'));   // tests/unit
    dir = dir.substr(0, dir.rfind('/')) + "/data/mime/";  // tests/data/mime/
    std::ifstream f(dir + name, std::ios::binary);
    if (!f) FAIL(("cannot read " + dir + name).c_str());
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string str(const MapiMessage& m, PropTag t) {
    const PropValue* v = m.find(t);
    return v ? v->as_str() : std::string("<missing>");
}
std::string str(const PropList& p, PropTag t) {
    for (const PropValue& v : p)
        if (v.tag == t) return v.as_str();
    return "<missing>";
}
int32_t i32(const PropList& p, PropTag t) {
    for (const PropValue& v : p)
        if (v.tag == t) return v.as_i32();
    return -12345;
}
bool has(const PropList& p, PropTag t) {
    for (const PropValue& v : p)
        if (v.tag == t) return true;
    return false;
}
std::string as_text(const Bytes& b) { return std::string(b.begin(), b.end()); }

}  // namespace

TEST_GROUP(MimeToMapi){};

TEST(MimeToMapi, AlternativeBodiesHeadersRecipients) {
    MapiMessage m = mime_to_mapi(corpus("alternative.eml"));
    STRCMP_EQUAL("IPM.Note", str(m, PidTagMessageClass).c_str());
    STRCMP_EQUAL("RE:  Quarterly r\xc3\xa9sum\xc3\xa9", str(m, PidTagSubject).c_str());
    STRCMP_EQUAL("RE: ", str(m, PidTagSubjectPrefix).c_str());
    STRCMP_EQUAL("Quarterly r\xc3\xa9sum\xc3\xa9", str(m, PidTagNormalizedSubject).c_str());
    STRCMP_EQUAL("Hello Bob,\r\n\r\nthe r\xc3\xa9sum\xc3\xa9 is attached.", str(m, PidTagBody).c_str());
    const PropValue* html = m.find(PidTagHtml);
    CHECK(html);
    CHECK(as_text(html->as_bin()).find("r\xc3\xa9sum\xc3\xa9") != std::string::npos);
    LONGS_EQUAL(65001, i32(m.props, PidTagInternetCodepage));
    LONGS_EQUAL(3, i32(m.props, PidTagNativeBody));
    STRCMP_EQUAL("Alice M\xc3\xbcller", str(m, PidTagSentRepresentingName).c_str());
    STRCMP_EQUAL("alice@example.org", str(m, PidTagSenderSmtpAddress).c_str());
    STRCMP_EQUAL("Alice Replies", str(m, PidTagReplyRecipientNames).c_str());
    STRCMP_EQUAL("<alt-1@example.org>", str(m, PidTagInternetMessageId).c_str());
    STRCMP_EQUAL("<orig-1@example.com>", str(m, PidTagInReplyToId).c_str());
    CHECK(str(m, PidTagInternetReferences).find("<orig-0@example.com>") != std::string::npos);
    LONGS_EQUAL(2, i32(m.props, PidTagImportance));  // X-Priority: 1
    CHECK(m.find(PidTagReadReceiptRequested)->as_bool());
    // Transport headers are the raw header block.
    std::string th = str(m, PidTagTransportMessageHeaders);
    CHECK(th.rfind("Return-Path: <alice@example.org>\r\n", 0) == 0);
    CHECK(th.find("Content-Type: multipart/alternative") != std::string::npos);
    // 2024-01-02 09:00:00 UTC as FILETIME.
    CHECK_EQUAL(unix_to_filetime(1704186000), m.find(PidTagClientSubmitTime)->as_i64());
    // Recipients: To x2, Cc x1, with display strings.
    LONGS_EQUAL(3, m.recipients.size());
    STRCMP_EQUAL("Bob Smith", m.recipients[0].name.c_str());
    STRCMP_EQUAL("carol@example.com", str(m.recipients[1].props, PidTagDisplayName).c_str());
    LONGS_EQUAL(MapiCc, i32(m.recipients[2].props, PidTagRecipientType));
    STRCMP_EQUAL("Dave, Jr.", m.recipients[2].name.c_str());
    STRCMP_EQUAL("SMTP", str(m.recipients[2].props, PidTagAddressType).c_str());
    STRCMP_EQUAL("Bob Smith; carol@example.com", str(m, PidTagDisplayTo).c_str());
    STRCMP_EQUAL("Dave, Jr.", str(m, PidTagDisplayCc).c_str());
    CHECK(m.attachments.empty());
    CHECK(!m.find(PidTagHasAttachments)->as_bool());
    // Every value is well formed for its tag.
    for (const PropValue& v : m.props) CHECK(v.well_formed());
}

TEST(MimeToMapi, AttachmentsRfc2231AndEmbeddedMessage) {
    MapiMessage m = mime_to_mapi(corpus("attachments.eml"));
    STRCMP_EQUAL("Fwd: ", str(m, PidTagSubjectPrefix).c_str());
    STRCMP_EQUAL("See the two files and the forwarded mail.", str(m, PidTagBody).c_str());
    LONGS_EQUAL(3, m.attachments.size());
    const MimeAttachment& pdf = m.attachments[0];
    STRCMP_EQUAL("\xc3\x9c" "bersicht Q1.pdf", str(pdf.props, PidTagAttachLongFilename).c_str());
    STRCMP_EQUAL(".pdf", str(pdf.props, PidTagAttachExtension).c_str());
    STRCMP_EQUAL("application/pdf", str(pdf.props, PidTagAttachMimeTag).c_str());
    LONGS_EQUAL(1, i32(pdf.props, PidTagAttachMethod));
    CHECK(as_text(pdf.data).rfind("%PDF-1.4\n%\xe2\xe3\xcf\xd3", 0) == 0);  // base64 removed, binary intact
    LONGS_EQUAL(pdf.data.size(), i32(pdf.props, PidTagAttachSize));
    const MimeAttachment& txt = m.attachments[1];
    STRCMP_EQUAL("caf\xe9", as_text(txt.data).substr(0, 4).c_str());  // bytes as sent (ISO-8859-1)
    STRCMP_EQUAL("ISO-8859-1", str(txt.props, PidTagTextAttachmentCharset).c_str());
    const MimeAttachment& eml = m.attachments[2];
    LONGS_EQUAL(5, i32(eml.props, PidTagAttachMethod));
    CHECK(eml.embedded != nullptr);
    STRCMP_EQUAL("the original", str(*eml.embedded, PidTagSubject).c_str());
    STRCMP_EQUAL("the original", str(eml.props, PidTagDisplayName).c_str());
    STRCMP_EQUAL("Inner body.", str(*eml.embedded, PidTagBody).c_str());
    LONGS_EQUAL(1, eml.embedded->recipients.size());
    CHECK(m.find(PidTagHasAttachments)->as_bool());
    LONGS_EQUAL(0x10, i32(m.props, PidTagMessageFlags));
}

TEST(MimeToMapi, NonAsciiHeadersGroupsImportance) {
    MapiMessage m = mime_to_mapi(corpus("nonascii_headers.eml"));
    STRCMP_EQUAL("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe4\xbb\xb6\xe5\x90\x8d and caf\xc3\xa9",
                 str(m, PidTagSubject).c_str());
    STRCMP_EQUAL("", str(m, PidTagSubjectPrefix).c_str());
    STRCMP_EQUAL("Fran\xc3\xa7ois D\xc3\xa9sir\xc3\xa9", str(m, PidTagSenderName).c_str());
    // To: Ivan, the group "Team" (flattened), and a raw UTF-8 name.
    LONGS_EQUAL(3, m.recipients.size());
    STRCMP_EQUAL("\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd \xd0\x9f\xd0\xb5\xd1\x82\xd1\x80\xd0\xbe\xd0\xb2",
                 m.recipients[0].name.c_str());
    STRCMP_EQUAL("anna@example.com", m.recipients[1].email.c_str());
    STRCMP_EQUAL("Bj\xc3\xb6rn", m.recipients[2].name.c_str());
    LONGS_EQUAL(0, i32(m.props, PidTagImportance));
    LONGS_EQUAL(2, i32(m.props, PidTagSensitivity));
    CHECK(str(m, PidTagBody).find("\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82") != std::string::npos);
}

TEST(MimeToMapi, CharsetsAndCodepages) {
    MapiMessage k = mime_to_mapi(corpus("koi8r.eml"));
    STRCMP_EQUAL("\xd0\xa2\xd0\xb5\xd1\x81\xd1\x82", str(k, PidTagSubject).c_str());  // "Тест"
    STRCMP_EQUAL("\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\xbc\xd0\xb8\xd1\x80",
                 str(k, PidTagBody).substr(0, 20).c_str());  // "Привет, мир"
    // HTML keeps its own bytes and code page; headers with raw 8-bit bytes
    // are read as ISO-8859-1 rather than refused.
    MapiMessage l = mime_to_mapi(corpus("latin1_html.eml"));
    LONGS_EQUAL(1252, i32(l.props, PidTagInternetCodepage));
    std::string html = as_text(l.find(PidTagHtml)->as_bin());
    CHECK(html.find("Se\xf1or, the price is 5 \x80.") != std::string::npos);
    CHECK(!has(l.props, PidTagBody));
    LONGS_EQUAL(3, i32(l.props, PidTagNativeBody));
    CHECK(str(l, PidTagTransportMessageHeaders).find("Jos\xc3\xa9") != std::string::npos);
    LONGS_EQUAL(28591, codepage_of_charset("ISO-8859-1"));
    LONGS_EQUAL(0, codepage_of_charset("x-unknown"));
}

TEST(MimeToMapi, HtmlWithInlineImage) {
    MapiMessage m = mime_to_mapi(corpus("html_inline.eml"));
    STRCMP_EQUAL("Logo below.", str(m, PidTagBody).c_str());
    CHECK(as_text(m.find(PidTagHtml)->as_bin()).find("cid:logo@example.com") != std::string::npos);
    LONGS_EQUAL(1, m.attachments.size());
    const MimeAttachment& a = m.attachments[0];
    STRCMP_EQUAL("logo@example.com", str(a.props, PidTagAttachContentId).c_str());
    LONGS_EQUAL(4, i32(a.props, PidTagAttachFlags));  // ATT_MHTML_REF
    for (const PropValue& v : a.props)
        if (v.tag == PidTagAttachmentHidden) CHECK(v.as_bool());
    CHECK(as_text(a.data).rfind("\x89PNG", 0) == 0);
    // Only hidden attachments: the message shows no paperclip.
    CHECK(!m.find(PidTagHasAttachments)->as_bool());
}

TEST(MimeToMapi, SmimeSignedKeptByteForByte) {
    std::string raw = corpus("smime_signed.eml");
    MapiMessage m = mime_to_mapi(raw);
    STRCMP_EQUAL("IPM.Note.SMIME.MultipartSigned", str(m, PidTagMessageClass).c_str());
    STRCMP_EQUAL("Signed text, do not change a byte.  ", str(m, PidTagBody).c_str());
    LONGS_EQUAL(1, m.attachments.size());  // the entity only; its inner parts are not duplicated
    const MimeAttachment& a = m.attachments[0];
    STRCMP_EQUAL("multipart/signed", str(a.props, PidTagAttachMimeTag).c_str());
    STRCMP_EQUAL("smime.p7m", str(a.props, PidTagAttachLongFilename).c_str());
    std::string entity = as_text(a.data);
    CHECK(entity.rfind("Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";\r\n micalg", 0) == 0);
    size_t body_at = raw.find("\r\n\r\n") + 4;
    std::string body = raw.substr(body_at);
    CHECK(entity.size() > body.size());
    STRCMP_EQUAL(body.c_str(), entity.substr(entity.size() - body.size()).c_str());
}

TEST(MimeToMapi, SmimeEncrypted) {
    MapiMessage m = mime_to_mapi(corpus("smime_encrypted.eml"));
    STRCMP_EQUAL("IPM.Note.SMIME", str(m, PidTagMessageClass).c_str());
    CHECK(!m.find(PidTagBody));
    CHECK(!m.find(PidTagHtml));
    LONGS_EQUAL(1, m.attachments.size());
    const MimeAttachment& a = m.attachments[0];
    STRCMP_EQUAL("application/pkcs7-mime", str(a.props, PidTagAttachMimeTag).c_str());
    STRCMP_EQUAL("smime.p7m", str(a.props, PidTagAttachLongFilename).c_str());
    LONGS_EQUAL(300, a.data.size());  // the CMS bytes, base64 removed
    LONGS_EQUAL(7, a.data[1]);
}

TEST(MimeToMapi, CalendarInvitationKeptAsAttachment) {
    MapiMessage m = mime_to_mapi(corpus("calendar.eml"));
    STRCMP_EQUAL("IPM.Note", str(m, PidTagMessageClass).c_str());
    STRCMP_EQUAL("You are invited to Planning.", str(m, PidTagBody).c_str());
    CHECK(m.find(PidTagHtml));
    LONGS_EQUAL(2, m.attachments.size());
    STRCMP_EQUAL("text/calendar", str(m.attachments[0].props, PidTagAttachMimeTag).c_str());
    STRCMP_EQUAL("invite.ics", str(m.attachments[0].props, PidTagAttachLongFilename).c_str());
    CHECK(as_text(m.attachments[0].data).find("METHOD:REQUEST") != std::string::npos);
    STRCMP_EQUAL("application/ics", str(m.attachments[1].props, PidTagAttachMimeTag).c_str());
}

TEST(MimeToMapi, MalformedInputStillConverts) {
    MapiMessage m = mime_to_mapi(corpus("malformed.eml"));
    STRCMP_EQUAL("IPM.Note", str(m, PidTagMessageClass).c_str());
    // Raw 8-bit header bytes come out as valid UTF-8.
    CHECK(str(m, PidTagSubject).find("\xc3\xa9t\xc3\xa9") != std::string::npos);
    CHECK(!m.find(PidTagClientSubmitTime));  // an unparsable date is left out
    for (const PropValue& v : m.props) CHECK(v.well_formed());
    // Garbage, empty input and a bare body do not crash.
    for (const char* s : {"", "\r\n\r\n", "no header at all", "Subject: x", "\xff\xfe\x00\x01"}) {
        try {
            MapiMessage g = mime_to_mapi(std::string_view(s));
            STRCMP_EQUAL("IPM.Note", str(g, PidTagMessageClass).c_str());
        } catch (const MimeError&) {
        }
    }
}

TEST(MimeToMapi, DeepNestingIsBounded) {
    std::string raw = "Subject: deep\r\nContent-Type: message/rfc822\r\n\r\n";
    for (int i = 0; i < 20; ++i) raw += "Subject: level " + std::to_string(i) + "\r\nContent-Type: message/rfc822\r\n\r\n";
    raw += "Subject: last\r\n\r\nbody\r\n";
    MimeOptions o;
    o.max_depth = 4;
    MapiMessage m = mime_to_mapi(raw, o);
    int depth = 0;
    const MapiMessage* cur = &m;
    while (!cur->attachments.empty() && cur->attachments[0].embedded) {
        cur = cur->attachments[0].embedded.get();
        ++depth;
    }
    CHECK(depth <= 4);
    CHECK(!cur->attachments.empty());  // the rest is kept as a plain .eml attachment, not lost
}

TEST(MimeToMapi, SubjectPrefix) {
    auto check = [](const char* s, const char* prefix, const char* norm) {
        auto [p, n] = split_subject(s);
        STRCMP_EQUAL(prefix, p.c_str());
        STRCMP_EQUAL(norm, n.c_str());
    };
    check("RE: hi", "RE: ", "hi");
    check("Fwd:hi", "Fwd: ", "hi");
    check("AW:   x", "AW: ", "x");
    check("\xd0\x9e\xd0\xa2: x", "\xd0\x9e\xd0\xa2: ", "x");  // two Cyrillic characters
    check("Re4: x", "", "Re4: x");
    check("Note: x", "", "Note: x");  // four characters
    check("A B: x", "", "A B: x");
    check(": x", "", ": x");
    check("hello", "", "hello");
}

TEST(MimeToMapi, ImapFlags) {
    FlagProps f = imap_flags_to_mapi({"\\Seen", "\\Flagged", "\\Answered", "$Forwarded", "Work", "$label1", "\\Draft",
                                      "$MDNSent"});
    LONGS_EQUAL(0x01 | 0x08, f.message_flags);
    LONGS_EQUAL(2, i32(f.props, PidTagFlagStatus));
    LONGS_EQUAL(104, i32(f.props, PidTagLastVerbExecuted));  // forward wins over reply
    LONGS_EQUAL(2, f.categories.size());
    STRCMP_EQUAL("Work", f.categories[0].c_str());
    FlagProps g = imap_flags_to_mapi({"\\Answered"});
    LONGS_EQUAL(102, i32(g.props, PidTagLastVerbExecuted));
    LONGS_EQUAL(0, g.message_flags);
    CHECK(!has(g.props, PidTagFlagStatus));
}
