// Internet mail -> MAPI with GMime 3. Section references are to MS-OXCMAIL
// unless noted.
#include "providers/imap/mime_to_mapi.h"

#include "libmapi/propcodec.h"
#include "libmapi/proptags.h"

#include <gmime/gmime.h>

#include <algorithm>
#include <cstring>
#include <mutex>

namespace mg::imap {

using namespace mapi;

namespace {

// Values of properties set here (MS-OXCMSG 2.2.1.6, 2.2.2.9, MS-OXOMSG 2.2.1.x).
constexpr int32_t kMsgFlagRead = 0x01, kMsgFlagUnsent = 0x08, kMsgFlagHasAttach = 0x10;
constexpr int32_t kAttachByValue = 1, kAttachEmbeddedMsg = 5;
constexpr int32_t kAttMhtmlRef = 0x04;
constexpr int32_t kNativeBodyPlain = 1, kNativeBodyHtml = 3;
constexpr int32_t kDisplayTypeMailUser = 0, kObjectTypeMailUser = 6;
constexpr size_t kMaxNesting = 50;  // multipart levels walked

void gmime_init_once() {
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

template <class T>
struct GUnref {
    void operator()(T* p) const {
        if (p) g_object_unref(p);
    }
};
template <class T>
using GPtr = std::unique_ptr<T, GUnref<T>>;

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = char(c + 32);
    return s;
}

bool iequals(std::string_view a, std::string_view b) { return lower(std::string(a)) == lower(std::string(b)); }

// Text from the wire as valid UTF-8: valid sequences stay, any other byte is
// read as ISO-8859-1, so nothing is lost or refused.
std::string utf8_lossless(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        size_t at = i;
        char32_t cp;
        if (utf8_next(s, i, cp)) {
            out.append(s.substr(at, i - at));
        } else {
            utf8_append(out, static_cast<unsigned char>(s[at]));
            i = at + 1;
        }
    }
    return out;
}

std::string cstr(const char* s) { return s ? utf8_lossless(s) : std::string(); }

std::string mime_type_of(GMimeObject* o) {
    GMimeContentType* ct = g_mime_object_get_content_type(o);
    if (!ct) return "application/octet-stream";
    return lower(cstr(g_mime_content_type_get_media_type(ct)) + "/" + cstr(g_mime_content_type_get_media_subtype(ct)));
}

std::string param_of(GMimeObject* o, const char* name) {
    GMimeContentType* ct = g_mime_object_get_content_type(o);
    return ct ? cstr(g_mime_content_type_get_parameter(ct, name)) : std::string();
}

bool is_attachment_disposition(GMimeObject* o) {
    GMimeContentDisposition* d = g_mime_object_get_content_disposition(o);
    return d && g_mime_content_disposition_is_attachment(d);
}

Bytes content_bytes(GMimePart* part) {
    GMimeDataWrapper* w = g_mime_part_get_content(part);
    if (!w) return {};
    GPtr<GMimeStream> mem(g_mime_stream_mem_new());
    g_mime_data_wrapper_write_to_stream(w, mem.get());  // removes the transfer encoding
    GByteArray* a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
    return Bytes(a->data, a->data + a->len);
}

Bytes object_bytes(GMimeObject* o) {
    GPtr<GMimeStream> mem(g_mime_stream_mem_new());
    g_mime_object_write_to_stream(o, nullptr, mem.get());
    GByteArray* a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
    return Bytes(a->data, a->data + a->len);
}

// The header block of a raw message (up to the empty line) and where the
// body starts.
std::pair<std::string_view, size_t> split_header(std::string_view raw) {
    for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '\n') continue;
        if (i + 1 < raw.size() && raw[i + 1] == '\n') return {raw.substr(0, i + 1), i + 2};
        if (i + 2 < raw.size() && raw[i + 1] == '\r' && raw[i + 2] == '\n') return {raw.substr(0, i + 1), i + 3};
    }
    return {raw, raw.size()};
}

// A header field with its continuation lines, verbatim ("" when absent).
std::string raw_field(std::string_view header, std::string_view name) {
    size_t pos = 0;
    while (pos < header.size()) {
        size_t eol = header.find('\n', pos);
        size_t end = eol == std::string_view::npos ? header.size() : eol + 1;
        std::string_view line = header.substr(pos, end - pos);
        if (line.size() > name.size() && line[name.size()] == ':' && iequals(line.substr(0, name.size()), name)) {
            while (end < header.size() && (header[end] == ' ' || header[end] == '\t')) {
                size_t next = header.find('\n', end);
                end = next == std::string_view::npos ? header.size() : next + 1;
            }
            return std::string(header.substr(pos, end - pos));
        }
        pos = end;
    }
    return {};
}

struct Address {
    std::string name, email;
};

void flatten(InternetAddressList* list, std::vector<Address>& out, int depth = 0) {
    if (!list || depth > 4) return;
    int n = internet_address_list_length(list);
    for (int i = 0; i < n && out.size() < 10000; ++i) {
        InternetAddress* a = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_GROUP(a)) {
            flatten(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), out, depth + 1);
        } else if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
            out.push_back({cstr(internet_address_get_name(a)),
                           cstr(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)))});
        }
    }
}

std::string display_of(const Address& a) { return a.name.empty() ? a.email : a.name; }

std::string join_display(const std::vector<Address>& v) {
    std::string out;
    for (const Address& a : v) {
        if (!out.empty()) out += "; ";
        out += display_of(a);
    }
    return out;
}

void put_str(PropList& p, PropTag t, const std::string& v) { p.push_back(PropValue::str(t, v)); }
void put_i32(PropList& p, PropTag t, int32_t v) { p.push_back(PropValue::i32(t, v)); }

std::string extension_of(const std::string& filename) {
    size_t dot = filename.rfind('.');
    return dot == std::string::npos || dot == 0 ? std::string() : filename.substr(dot);
}

class Converter {
public:
    Converter(const MimeOptions& o, size_t depth) : opt_(o), depth_(depth) {}

    MapiMessage convert(GMimeMessage* m, std::string_view raw_header, std::string_view raw_body, size_t raw_size);

private:
    void content(GMimeObject* o, size_t nest);
    void attach(GMimeObject* o, bool inline_part);
    void attach_tree(GMimeObject* o, bool inline_part, size_t nest);
    void set_text(GMimePart* part);
    void set_html(GMimePart* part);
    bool counted() { return ++parts_ <= opt_.max_parts; }

    const MimeOptions& opt_;
    size_t depth_;
    size_t parts_ = 0;
    bool collect_ = true;  // attachments are collected (not inside a clear-signed entity)
    MapiMessage msg_;
    std::optional<std::string> plain_;
    std::optional<Bytes> html_;
    uint32_t html_codepage_ = 65001;
};

void Converter::set_text(GMimePart* part) {
    char* t = g_mime_text_part_get_text(GMIME_TEXT_PART(part));  // converted from its charset to UTF-8
    plain_ = t ? utf8_lossless(t) : std::string();
    g_free(t);
}

void Converter::set_html(GMimePart* part) {
    // PidTagHtml keeps the HTML's own bytes with its code page in
    // PidTagInternetCodepage (2.1.3.3.1); charsets Windows has no code page
    // for are converted to UTF-8.
    std::string cs = param_of(GMIME_OBJECT(part), "charset");
    uint32_t cp = cs.empty() ? 20127 : codepage_of_charset(cs);
    if (cp) {
        html_ = content_bytes(part);
        html_codepage_ = cp;
    } else {
        char* t = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
        std::string u = t ? utf8_lossless(t) : std::string();
        g_free(t);
        html_ = Bytes(u.begin(), u.end());
        html_codepage_ = 65001;
    }
}

// A part that can be (part of) the message body.
bool bodyish(GMimeObject* o) {
    if (is_attachment_disposition(o)) return false;
    std::string t = mime_type_of(o);
    return t == "text/plain" || t == "text/html" || t == "multipart/alternative" || t == "multipart/related" ||
           t == "multipart/signed" || t == "multipart/mixed";
}

// 2.1.3.2: the body is found in the first body-like part; the rest becomes
// attachments.
void Converter::content(GMimeObject* o, size_t nest) {
    if (!counted()) return;
    if (nest > kMaxNesting) return;
    std::string type = mime_type_of(o);
    bool attached = is_attachment_disposition(o);
    if (GMIME_IS_MULTIPART(o)) {
        GMimeMultipart* mp = GMIME_MULTIPART(o);
        int n = g_mime_multipart_get_count(mp);
        if (type == "multipart/alternative") {
            for (int i = 0; i < n; ++i) {
                GMimeObject* c = g_mime_multipart_get_part(mp, i);
                std::string ct = mime_type_of(c);
                if (ct == "text/plain" && !is_attachment_disposition(c) && GMIME_IS_TEXT_PART(c)) {
                    if (counted()) set_text(GMIME_PART(c));
                } else if (ct == "text/html" && !is_attachment_disposition(c) && GMIME_IS_TEXT_PART(c)) {
                    if (counted()) set_html(GMIME_PART(c));
                } else if (ct == "multipart/related" && !html_) {
                    content(c, nest + 1);
                } else {
                    attach_tree(c, false, nest + 1);  // e.g. text/calendar: kept as an attachment
                }
            }
        } else if (type == "multipart/related") {
            // RFC 2387: the root is named by "start", else the first part.
            std::string start = param_of(o, "start");
            int root = 0;
            for (int i = 0; i < n && !start.empty(); ++i) {
                const char* id = g_mime_object_get_content_id(g_mime_multipart_get_part(mp, i));
                if (id && ("<" + std::string(id) + ">" == start || id == start)) root = i;
            }
            for (int i = 0; i < n; ++i) {
                GMimeObject* c = g_mime_multipart_get_part(mp, i);
                if (i == root) content(c, nest + 1);
                else attach_tree(c, true, nest + 1);
            }
        } else if (type == "multipart/signed" && n >= 1) {
            content(g_mime_multipart_get_part(mp, 0), nest + 1);  // the signature stays in the S/MIME entity
        } else {
            for (int i = 0; i < n; ++i) {
                GMimeObject* c = g_mime_multipart_get_part(mp, i);
                if (!plain_ && !html_ && bodyish(c)) content(c, nest + 1);
                else attach_tree(c, false, nest + 1);
            }
        }
    } else if (!attached && type == "text/plain" && GMIME_IS_TEXT_PART(o) && !plain_ && !html_) {
        set_text(GMIME_PART(o));
    } else if (!attached && type == "text/html" && GMIME_IS_TEXT_PART(o) && !plain_ && !html_) {
        set_html(GMIME_PART(o));
    } else {
        attach(o, false);
    }
}

void Converter::attach_tree(GMimeObject* o, bool inline_part, size_t nest) {
    if (nest > kMaxNesting || !counted()) return;
    if (GMIME_IS_MULTIPART(o) && !GMIME_IS_MULTIPART_SIGNED(o) && !GMIME_IS_MULTIPART_ENCRYPTED(o)) {
        GMimeMultipart* mp = GMIME_MULTIPART(o);
        for (int i = 0, n = g_mime_multipart_get_count(mp); i < n; ++i)
            attach_tree(g_mime_multipart_get_part(mp, i), inline_part, nest + 1);
        return;
    }
    attach(o, inline_part);
}

void Converter::attach(GMimeObject* o, bool inline_part) {
    if (!collect_) return;
    MimeAttachment a;
    PropList& p = a.props;
    std::string type = mime_type_of(o);
    std::string filename;
    if (GMIME_IS_MESSAGE_PART(o)) {
        GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
        if (inner && depth_ + 1 < opt_.max_depth) {
            Converter sub(opt_, depth_ + 1);
            Bytes raw = object_bytes(GMIME_OBJECT(inner));
            std::string_view rv(reinterpret_cast<const char*>(raw.data()), raw.size());
            auto [hdr, body_at] = split_header(rv);
            a.embedded = std::make_shared<MapiMessage>(sub.convert(inner, hdr, rv.substr(body_at), raw.size()));
            put_i32(p, PidTagAttachMethod, kAttachEmbeddedMsg);
            const PropValue* subj = a.embedded->find(PidTagSubject);
            put_str(p, PidTagDisplayName, subj ? subj->as_str() : std::string());
            put_i32(p, PidTagAttachSize, int32_t(std::min<size_t>(raw.size(), INT32_MAX)));
        } else {
            a.data = inner ? object_bytes(GMIME_OBJECT(inner)) : Bytes();
            put_i32(p, PidTagAttachMethod, kAttachByValue);
            filename = "message.eml";
        }
    } else {
        if (GMIME_IS_PART(o)) {
            a.data = content_bytes(GMIME_PART(o));
            filename = cstr(g_mime_part_get_filename(GMIME_PART(o)));  // RFC 2231 / 2047 decoded
            if (const char* loc = g_mime_part_get_content_location(GMIME_PART(o)))
                put_str(p, PidTagAttachContentLocation, cstr(loc));
        } else {
            a.data = object_bytes(o);  // a multipart kept whole (signed/encrypted inside a message)
        }
        if (filename.empty() && type == "text/calendar") filename = "invite.ics";
        put_i32(p, PidTagAttachMethod, kAttachByValue);
        if (type.rfind("text/", 0) == 0) {
            std::string cs = param_of(o, "charset");
            if (!cs.empty()) put_str(p, PidTagTextAttachmentCharset, cs);
        }
        put_i32(p, PidTagAttachSize, int32_t(std::min<size_t>(a.data.size(), INT32_MAX)));
    }
    put_str(p, PidTagAttachMimeTag, type);
    if (!filename.empty()) {
        put_str(p, PidTagAttachLongFilename, filename);
        put_str(p, PidTagAttachFilename, filename);
        put_str(p, PidTagDisplayName, filename);
        std::string ext = extension_of(filename);
        if (!ext.empty()) put_str(p, PidTagAttachExtension, ext);
    }
    const char* cid = g_mime_object_get_content_id(o);
    if (cid) put_str(p, PidTagAttachContentId, cstr(cid));
    // 2.2.3.2.x: parts of multipart/related referenced from the HTML are
    // inline and hidden from the attachment list.
    bool hidden = inline_part && (cid || g_mime_object_get_header(o, "Content-Location"));
    if (hidden) put_i32(p, PidTagAttachFlags, kAttMhtmlRef);
    p.push_back(PropValue::boolean(PidTagAttachmentHidden, hidden));
    put_i32(p, PidTagRenderingPosition, -1);
    put_i32(p, PidTagAttachNumber, int32_t(msg_.attachments.size()));
    msg_.attachments.push_back(std::move(a));
}

MapiMessage Converter::convert(GMimeMessage* m, std::string_view raw_header, std::string_view raw_body,
                               size_t raw_size) {
    PropList& p = msg_.props;
    std::string message_class = "IPM.Note";

    // Subject (RFC 2047 decoded by GMime), prefix and normalized subject.
    if (const char* s = g_mime_message_get_subject(m)) {
        std::string subject = cstr(s);
        auto [prefix, normalized] = split_subject(subject);
        put_str(p, PidTagSubject, subject);
        put_str(p, PidTagSubjectPrefix, prefix);
        put_str(p, PidTagNormalizedSubject, normalized);
        put_str(p, PidTagConversationTopic, normalized);
    }
    put_str(p, PidTagTransportMessageHeaders, utf8_lossless(raw_header));
    if (GDateTime* d = g_mime_message_get_date(m)) {
        int64_t ft = unix_to_filetime(g_date_time_to_unix(d), g_date_time_get_microsecond(d));
        p.push_back(PropValue::i64(PidTagClientSubmitTime, ft));
        if (!opt_.delivery_time) p.push_back(PropValue::i64(PidTagMessageDeliveryTime, ft));
    }
    if (opt_.delivery_time) p.push_back(PropValue::i64(PidTagMessageDeliveryTime, *opt_.delivery_time));
    if (const char* id = g_mime_message_get_message_id(m)) put_str(p, PidTagInternetMessageId, "<" + cstr(id) + ">");
    if (const char* v = g_mime_object_get_header(GMIME_OBJECT(m), "In-Reply-To")) put_str(p, PidTagInReplyToId, cstr(v));
    if (const char* v = g_mime_object_get_header(GMIME_OBJECT(m), "References"))
        put_str(p, PidTagInternetReferences, cstr(v));

    // Originator (2.2.3.2.2-3): From is the represented sender, Sender the
    // actual one when present.
    std::vector<Address> from, sender, reply_to;
    flatten(g_mime_message_get_from(m), from);
    flatten(g_mime_message_get_sender(m), sender);
    flatten(g_mime_message_get_reply_to(m), reply_to);
    if (sender.empty()) sender = from;
    auto originator = [&](const std::vector<Address>& v, PropTag name, PropTag type, PropTag email, PropTag smtp) {
        if (v.empty()) return;
        put_str(p, name, display_of(v[0]));
        put_str(p, type, "SMTP");
        put_str(p, email, v[0].email);
        put_str(p, smtp, v[0].email);
    };
    originator(from, PidTagSentRepresentingName, PidTagSentRepresentingAddressType, PidTagSentRepresentingEmailAddress,
               PidTagSentRepresentingSmtpAddress);
    originator(sender, PidTagSenderName, PidTagSenderAddressType, PidTagSenderEmailAddress, PidTagSenderSmtpAddress);
    if (!reply_to.empty()) put_str(p, PidTagReplyRecipientNames, join_display(reply_to));

    // Recipients (2.2.3.2.5): one row per mailbox, groups flattened.
    const std::pair<RecipientType, InternetAddressList*> kinds[] = {
        {MapiTo, g_mime_message_get_to(m)}, {MapiCc, g_mime_message_get_cc(m)}, {MapiBcc, g_mime_message_get_bcc(m)}};
    for (const auto& [type, list] : kinds) {
        std::vector<Address> v;
        flatten(list, v);
        put_str(p, type == MapiTo ? PidTagDisplayTo : type == MapiCc ? PidTagDisplayCc : PidTagDisplayBcc, join_display(v));
        for (const Address& a : v) {
            MimeRecipient r;
            r.type = type;
            r.name = a.name;
            r.email = a.email;
            PropList& rp = r.props;
            put_i32(rp, PidTagRecipientType, int32_t(type));
            put_str(rp, PidTagDisplayName, display_of(a));
            put_str(rp, PidTagRecipientDisplayName, display_of(a));
            put_str(rp, PidTagTransmittableDisplayName, display_of(a));
            put_str(rp, PidTagAddressType, "SMTP");
            put_str(rp, PidTagEmailAddress, a.email);
            put_str(rp, PidTagSmtpAddress, a.email);
            put_i32(rp, PidTagDisplayType, kDisplayTypeMailUser);
            put_i32(rp, PidTagObjectType, kObjectTypeMailUser);
            put_i32(rp, PidTagRowid, int32_t(msg_.recipients.size()));
            msg_.recipients.push_back(std::move(r));
        }
    }

    // Importance / priority / sensitivity (2.2.3.2.7-9), receipts.
    put_i32(p, PidTagImportance, importance_from_headers(g_mime_object_get_header(GMIME_OBJECT(m), "Importance"),
                                                         g_mime_object_get_header(GMIME_OBJECT(m), "X-Priority")));
    if (const char* v = g_mime_object_get_header(GMIME_OBJECT(m), "Priority")) {
        std::string s = lower(cstr(v));
        put_i32(p, PidTagPriority, s.find("non-urgent") != std::string::npos ? -1 : s.find("urgent") != std::string::npos ? 1 : 0);
    }
    if (const char* v = g_mime_object_get_header(GMIME_OBJECT(m), "Sensitivity")) {
        std::string s = lower(cstr(v));
        int32_t sens = s.find("company") != std::string::npos ? 3 : s.find("private") != std::string::npos ? 2
                       : s.find("personal") != std::string::npos ? 1 : 0;
        put_i32(p, PidTagSensitivity, sens);
    }
    if (g_mime_object_get_header(GMIME_OBJECT(m), "Disposition-Notification-To"))
        p.push_back(PropValue::boolean(PidTagReadReceiptRequested, true));
    put_i32(p, PidTagMessageSize, int32_t(std::min<size_t>(raw_size, INT32_MAX)));

    // Body and attachments; S/MIME per MS-OXOSMIME 2.1.3.
    GMimeObject* top = g_mime_message_get_mime_part(m);
    if (top) {
        std::string type = mime_type_of(top);
        std::string fname = GMIME_IS_PART(top) ? lower(cstr(g_mime_part_get_filename(GMIME_PART(top)))) : std::string();
        bool opaque = type == "application/pkcs7-mime" || type == "application/x-pkcs7-mime" ||
                      (type == "application/octet-stream" && fname.size() > 4 && fname.ends_with(".p7m"));
        if (type == "multipart/signed") {
            // 2.1.3.1: body from the signed content; one attachment holding
            // the whole multipart/signed entity, byte for byte.
            message_class = "IPM.Note.SMIME.MultipartSigned";
            collect_ = false;
            content(top, 0);
            collect_ = true;
            MimeAttachment a;
            std::string entity = raw_field(raw_header, "Content-Type");
            entity += "\r\n";
            entity.append(raw_body);
            a.data.assign(entity.begin(), entity.end());
            put_i32(a.props, PidTagAttachMethod, kAttachByValue);
            put_str(a.props, PidTagAttachMimeTag, "multipart/signed");
            put_str(a.props, PidTagAttachLongFilename, "smime.p7m");
            put_str(a.props, PidTagAttachFilename, "smime.p7m");
            put_str(a.props, PidTagDisplayName, "smime.p7m");
            put_i32(a.props, PidTagAttachSize, int32_t(std::min<size_t>(a.data.size(), INT32_MAX)));
            put_i32(a.props, PidTagRenderingPosition, -1);
            put_i32(a.props, PidTagAttachNumber, 0);
            msg_.attachments.push_back(std::move(a));
        } else if (opaque) {
            // 2.1.3.2: no body; the CMS content as the only attachment.
            message_class = "IPM.Note.SMIME";
            attach(top, false);
            std::string want = "smime.p7m";
            PropList& ap = msg_.attachments.back().props;
            ap.erase(std::remove_if(ap.begin(), ap.end(),
                                    [](const PropValue& v) {
                                        return v.tag == PidTagAttachLongFilename || v.tag == PidTagAttachFilename ||
                                               v.tag == PidTagDisplayName || v.tag == PidTagAttachExtension;
                                    }),
                     ap.end());
            put_str(ap, PidTagAttachLongFilename, want);
            put_str(ap, PidTagAttachFilename, want);
            put_str(ap, PidTagDisplayName, want);
            put_str(ap, PidTagAttachExtension, ".p7m");
        } else {
            content(top, 0);
        }
    }
    put_str(p, PidTagMessageClass, message_class);
    if (plain_) put_str(p, PidTagBody, *plain_);
    if (html_) {
        p.push_back(PropValue::bin(PidTagHtml, *html_));
        put_i32(p, PidTagInternetCodepage, int32_t(html_codepage_));
    } else if (plain_) {
        put_i32(p, PidTagInternetCodepage, 65001);
    }
    if (html_ || plain_) put_i32(p, PidTagNativeBody, html_ ? kNativeBodyHtml : kNativeBodyPlain);
    bool visible = std::any_of(msg_.attachments.begin(), msg_.attachments.end(), [](const MimeAttachment& a) {
        for (const PropValue& v : a.props)
            if (v.tag == PidTagAttachmentHidden) return !v.as_bool();
        return true;
    });
    p.push_back(PropValue::boolean(PidTagHasAttachments, visible));
    put_i32(p, PidTagMessageFlags, visible ? kMsgFlagHasAttach : 0);
    return std::move(msg_);
}

}  // namespace

const PropValue* MapiMessage::find(PropTag tag) const {
    for (const PropValue& v : props)
        if (v.tag == tag) return &v;
    return nullptr;
}

int32_t importance_from_headers(const char* importance, const char* x_priority) {
    if (importance) {
        std::string s = lower(importance);
        if (s.find("high") != std::string::npos) return 2;
        if (s.find("low") != std::string::npos) return 0;
        return 1;
    }
    if (x_priority) {
        std::string s = x_priority;
        size_t i = s.find_first_not_of(" \t");
        if (i != std::string::npos && (s[i] == '1' || s[i] == '2')) return 2;
        if (i != std::string::npos && (s[i] == '4' || s[i] == '5')) return 0;
    }
    return 1;
}

std::string decode_header_text(std::string_view raw) {
    std::string in = utf8_lossless(raw);
    if (in.find("=?") == std::string::npos) return in;  // no encoded-word: nothing to decode
    gmime_init_once();
    char* d = g_mime_utils_header_decode_text(nullptr, in.c_str());
    if (!d) return in;
    std::string out = utf8_lossless(d);
    g_free(d);
    return out;
}

std::optional<int64_t> parse_header_date(std::string_view raw) {
    gmime_init_once();
    std::string in(raw);
    GDateTime* d = g_mime_utils_header_decode_date(in.c_str());
    if (!d) return std::nullopt;
    int64_t ft = unix_to_filetime(g_date_time_to_unix(d), g_date_time_get_microsecond(d));
    g_date_time_unref(d);
    return ft;
}

int64_t unix_to_filetime(int64_t seconds, int32_t micros) {
    return (seconds + 11644473600LL) * 10000000LL + int64_t(micros) * 10;
}

std::pair<std::string, std::string> split_subject(const std::string& s) {
    // One to three characters other than ':', ' ' and digits, then ':' and
    // any number of blanks. Characters, not bytes: count UTF-8 sequences.
    size_t i = 0, chars = 0;
    while (i < s.size() && chars < 4) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == ':') break;
        if (c == ' ' || (c >= '0' && c <= '9')) return {"", s};
        size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        i += len;
        ++chars;
    }
    if (chars < 1 || chars > 3 || i >= s.size() || s[i] != ':') return {"", s};
    std::string prefix = s.substr(0, i) + ": ";
    size_t rest = i + 1;
    while (rest < s.size() && s[rest] == ' ') ++rest;
    return {prefix, s.substr(rest)};
}

uint32_t codepage_of_charset(std::string_view charset) {
    static const std::pair<const char*, uint32_t> kTable[] = {
        {"utf-8", 65001},       {"utf8", 65001},         {"us-ascii", 20127},     {"ascii", 20127},
        {"iso-8859-1", 28591},  {"latin1", 28591},       {"iso-8859-2", 28592},   {"iso-8859-3", 28593},
        {"iso-8859-4", 28594},  {"iso-8859-5", 28595},   {"iso-8859-6", 28596},   {"iso-8859-7", 28597},
        {"iso-8859-8", 28598},  {"iso-8859-9", 28599},   {"iso-8859-13", 28603},  {"iso-8859-15", 28605},
        {"windows-1250", 1250}, {"windows-1251", 1251},  {"windows-1252", 1252},  {"windows-1253", 1253},
        {"windows-1254", 1254}, {"windows-1255", 1255},  {"windows-1256", 1256},  {"windows-1257", 1257},
        {"windows-1258", 1258}, {"koi8-r", 20866},       {"koi8-u", 21866},       {"shift_jis", 932},
        {"shift-jis", 932},     {"sjis", 932},           {"iso-2022-jp", 50220},  {"euc-jp", 51932},
        {"gb2312", 936},        {"gbk", 936},            {"gb18030", 54936},      {"big5", 950},
        {"euc-kr", 51949},      {"ks_c_5601-1987", 949}, {"utf-16", 1200},        {"utf-7", 65000},
    };
    std::string c = lower(std::string(charset));
    for (const auto& [name, cp] : kTable)
        if (c == name) return cp;
    return 0;
}

MapiMessage mime_to_mapi(std::string_view raw, const MimeOptions& options) {
    gmime_init_once();
    GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
    GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    GPtr<GMimeMessage> m(g_mime_parser_construct_message(parser.get(), nullptr));
    if (!m) throw MimeError("not an Internet message (no header could be parsed)");
    auto [header, body_at] = split_header(raw);
    Converter c(options, 0);
    return c.convert(m.get(), header, raw.substr(body_at), raw.size());
}

FlagProps imap_flags_to_mapi(const std::vector<std::string>& flags) {
    FlagProps f;
    bool seen = false, flagged = false, answered = false, forwarded = false;
    for (const std::string& fl : flags) {
        std::string l = lower(fl);
        if (l == "\\seen") seen = true;
        else if (l == "\\flagged") flagged = true;
        else if (l == "\\answered") answered = true;
        else if (l == "$forwarded") forwarded = true;
        else if (l == "\\draft") f.message_flags |= kMsgFlagUnsent;
        else if (!l.empty() && l[0] != '\\' && l != "$mdnsent" && l != "$junk" && l != "$notjunk" && l != "nonjunk" &&
                 l != "junk")
            f.categories.push_back(fl);
    }
    if (seen) f.message_flags |= kMsgFlagRead;
    f.props.push_back(PropValue::boolean(PidTagRead, seen));
    // MS-OXOFLAG 2.2.1.1 / 2.2.1.2: followupFlagged (2), red flag icon (6).
    if (flagged) {
        f.props.push_back(PropValue::i32(PidTagFlagStatus, 2));
        f.props.push_back(PropValue::i32(PidTagFollowupIcon, 6));
    }
    // MS-OXOMSG 2.2.1.22: NOTEIVERB_REPLYTOSENDER 102, NOTEIVERB_FORWARD 104.
    if (forwarded) f.props.push_back(PropValue::i32(PidTagLastVerbExecuted, 104));
    else if (answered) f.props.push_back(PropValue::i32(PidTagLastVerbExecuted, 102));
    return f;
}

}  // namespace mg::imap
