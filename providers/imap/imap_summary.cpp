#include "providers/imap/imap_summary.h"

#include "libmapi/proptags.h"
#include "providers/imap/mime_to_mapi.h"

#include <algorithm>

namespace mg::imap {

using namespace mapi;

namespace {

constexpr int32_t kMsgFlagHasAttach = 0x10;

bool same_id(PropTag a, PropTag b) { return prop_id(a) == prop_id(b); }

bool in(PropTag t, std::initializer_list<PropTag> list) {
    return std::any_of(list.begin(), list.end(), [&](PropTag o) { return same_id(o, t); });
}

const Value* item(const Value& v, size_t i) {
    if (!v.is_list() || i >= v.items.size()) return nullptr;
    return &v.items[i];
}

std::optional<std::string> text_of(const Value* v) {
    if (!v || !v->is_text()) return std::nullopt;
    return v->text;
}

// RFC 3501 address lists; groups (mailbox without host) are flattened.
std::vector<Address> addresses(const Value* v) {
    std::vector<Address> out;
    if (!v || !v->is_list()) return out;
    for (const Value& a : v->items) {
        if (!a.is_list() || a.items.size() < 4) continue;
        auto name = text_of(&a.items[0]);
        auto mailbox = text_of(&a.items[2]);
        auto host = text_of(&a.items[3]);
        if (!mailbox || !host) continue;  // group start/end markers
        Address ad;
        if (name) ad.name = decode_header_text(*name);
        ad.email = decode_header_text(*mailbox + "@" + *host);
        out.push_back(std::move(ad));
    }
    return out;
}

std::string display_list(const std::vector<Address>& list) {
    std::string out;
    for (const auto& a : list) out += (out.empty() ? "" : "; ") + a.display();
    return out;
}

std::string upper_text(const Value* v) {
    auto t = text_of(v);
    return t ? upper(*t) : std::string();
}

// body-fld-param: ("NAME" "x" ...): whether it names a file.
bool names_file(const Value* params) {
    if (!params || !params->is_list()) return false;
    for (size_t i = 0; i + 1 < params->items.size(); i += 2) {
        std::string k = upper_text(&params->items[i]);
        if (k == "NAME" || k == "FILENAME" || k.rfind("NAME*", 0) == 0 || k.rfind("FILENAME*", 0) == 0) return true;
    }
    return false;
}

bool part_has_attachments(const Value& bs, bool in_related, int depth) {
    if (!bs.is_list() || bs.items.empty() || depth > 50) return false;
    if (bs.items[0].is_list()) {  // multipart: (part)(part)... "subtype" ext
        size_t n = 0;
        while (n < bs.items.size() && bs.items[n].is_list()) ++n;
        bool related = upper_text(item(bs, n)) == "RELATED";
        for (size_t i = 0; i < n; ++i)
            if (part_has_attachments(bs.items[i], related && i > 0, depth + 1)) return true;
        return false;
    }
    std::string type = upper_text(item(bs, 0)), subtype = upper_text(item(bs, 1));
    if (type.empty()) return false;
    if (type == "MESSAGE" && (subtype == "RFC822" || subtype == "GLOBAL")) return true;
    // Extension data: after 7 basic fields, + lines for text, + envelope,
    // body, lines for message/rfc822; then md5, disposition.
    size_t ext = type == "TEXT" ? 8 : 7;
    const Value* disp = item(bs, ext + 1);
    std::string disposition = disp ? upper_text(item(*disp, 0)) : std::string();
    if (disposition == "ATTACHMENT") return true;
    if (names_file(item(bs, 2)) || (disp && names_file(item(*disp, 1)))) return true;
    if (type == "TEXT" || type == "MULTIPART") return false;
    if (in_related && item(bs, 3) && !item(bs, 3)->is_nil()) return false;  // inline with Content-ID
    return disposition != "INLINE" || type != "IMAGE" || !in_related;
}

std::optional<std::string> header_field(const std::string& block, const std::string& name) {
    size_t pos = 0;
    while (pos < block.size()) {
        size_t eol = block.find('\n', pos);
        if (eol == std::string::npos) eol = block.size();
        std::string line = block.substr(pos, eol - pos);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        size_t colon = line.find(':');
        if (colon != std::string::npos && upper(line.substr(0, colon)) == upper(name)) {
            std::string v = line.substr(colon + 1);
            v.erase(0, v.find_first_not_of(" \t"));
            return v;
        }
        pos = eol + 1;
    }
    return std::nullopt;
}

// A value in the type asked: PT_UNSPECIFIED or the same type as is;
// PT_STRING8 and PT_UNICODE are the same (UTF-8) text; another type is
// ecNotFound (as a stored value of another type would be).
PropValue typed_as(PropTag asked, PropValue v) {
    uint16_t want = prop_type(asked), have = prop_type(v.tag);
    auto is_string = [](uint16_t t) { return t == PT_STRING8 || t == PT_UNICODE; };
    if (want == PT_UNSPECIFIED || want == have) return v;
    if (is_string(want) && is_string(have)) {
        v.tag = change_type(v.tag, want);
        return v;
    }
    return PropValue::error(asked, ec::NotFound);
}

PropValue string_value(PropTag asked, PropTag canonical, std::string v) {
    return typed_as(asked, PropValue::str(canonical, std::move(v)));
}

}  // namespace

SummaryNeeds summary_needs(std::span<const PropTag> columns) {
    SummaryNeeds n;
    for (PropTag t : columns) {
        if (in(t, {PidTagSubject, PidTagSubjectPrefix, PidTagNormalizedSubject, PidTagConversationTopic,
                   PidTagSenderName, PidTagSenderEmailAddress, PidTagSenderAddressType, PidTagSentRepresentingName,
                   PidTagSentRepresentingEmailAddress, PidTagSentRepresentingAddressType, PidTagDisplayTo,
                   PidTagDisplayCc, PidTagDisplayBcc, PidTagClientSubmitTime, PidTagInternetMessageId,
                   PidTagInReplyToId}))
            n.envelope = true;
        if (in(t, {PidTagHasAttachments, PidTagMessageFlags})) n.bodystructure = true;
        if (in(t, {PidTagImportance})) n.importance = true;
    }
    return n;
}

std::string fetch_items(const SummaryNeeds& n, bool modseq) {
    std::string s = "UID FLAGS RFC822.SIZE INTERNALDATE";
    if (modseq) s += " MODSEQ";
    if (n.envelope) s += " ENVELOPE";
    if (n.bodystructure) s += " BODYSTRUCTURE";
    if (n.importance) s += " BODY.PEEK[HEADER.FIELDS (IMPORTANCE X-PRIORITY)]";
    return s;
}

bool has_attachments(const Value& bodystructure) { return part_has_attachments(bodystructure, false, 0); }

Summary make_summary(const FetchItem& f) {
    Summary s;
    s.uid = f.uid;
    s.modseq = f.modseq.value_or(0);
    if (f.flags) s.flags = *f.flags;
    s.size = f.size.value_or(0);
    if (f.internaldate)
        if (auto t = parse_internaldate(*f.internaldate)) s.delivery_time = unix_to_filetime(*t);
    if (f.envelope && f.envelope->is_list()) {
        const Value& e = *f.envelope;
        s.date = text_of(item(e, 0));
        if (auto subj = text_of(item(e, 1))) s.subject = decode_header_text(*subj);
        s.from = addresses(item(e, 2));
        s.sender = addresses(item(e, 3));
        s.to = addresses(item(e, 5));
        s.cc = addresses(item(e, 6));
        s.bcc = addresses(item(e, 7));
        s.in_reply_to = text_of(item(e, 8));
        s.message_id = text_of(item(e, 9));
    }
    if (f.bodystructure) s.has_attachments = has_attachments(*f.bodystructure);
    for (const auto& [name, data] : f.sections)
        if (name.rfind("BODY[HEADER.FIELDS", 0) == 0) {
            auto imp = header_field(data, "Importance");
            auto pri = header_field(data, "X-Priority");
            s.importance = importance_from_headers(imp ? imp->c_str() : nullptr, pri ? pri->c_str() : nullptr);
        }
    return s;
}

namespace {
constexpr PropTag kSummaryColumns[] = {
    PidTagSubject, PidTagSubjectPrefix, PidTagNormalizedSubject, PidTagConversationTopic, PidTagSenderName,
    PidTagSenderEmailAddress, PidTagSenderAddressType, PidTagSentRepresentingName,
    PidTagSentRepresentingEmailAddress, PidTagSentRepresentingAddressType, PidTagDisplayTo, PidTagDisplayCc,
    PidTagDisplayBcc, PidTagMessageClass, PidTagMessageDeliveryTime, PidTagClientSubmitTime, PidTagCreationTime,
    PidTagLastModificationTime, PidTagMessageFlags, PidTagRead, PidTagMessageSize, PidTagImportance,
    PidTagHasAttachments, PidTagInternetMessageId, PidTagInReplyToId, PidTagFlagStatus, PidTagLastVerbExecuted,
    PidTagSensitivity, PidTagMessageStatus};
}  // namespace

std::span<const PropTag> summary_columns() { return kSummaryColumns; }

std::optional<PropValue> summary_value(PropTag tag, const Summary& s) {
    auto known = std::find_if(summary_columns().begin(), summary_columns().end(),
                              [&](PropTag c) { return same_id(c, tag); });
    if (known == summary_columns().end()) return std::nullopt;
    PropTag canon = *known;
    auto typed = [&](PropValue v) { return typed_as(tag, std::move(v)); };
    auto str = [&](std::string v) { return string_value(tag, canon, std::move(v)); };
    auto missing = [&] { return PropValue::error(tag, ec::NotFound); };
    const Address* from = !s.from.empty() ? &s.from[0] : nullptr;
    const Address* sender = !s.sender.empty() ? &s.sender[0] : from;
    // Only the flag columns need the flag conversion.
    auto flags = [&] { return imap_flags_to_mapi(s.flags); };
    auto flag_prop = [&](PropTag t) -> std::optional<PropValue> {
        FlagProps f = flags();
        for (const auto& v : f.props)
            if (same_id(v.tag, t)) return typed(v);
        return std::nullopt;
    };
    switch (prop_id(canon)) {
    case prop_id(PidTagSubject): return s.subject ? str(*s.subject) : missing();
    case prop_id(PidTagSubjectPrefix): return s.subject ? str(split_subject(*s.subject).first) : missing();
    case prop_id(PidTagNormalizedSubject):
    case prop_id(PidTagConversationTopic): return s.subject ? str(split_subject(*s.subject).second) : missing();
    case prop_id(PidTagSenderName): return sender ? str(sender->display()) : missing();
    case prop_id(PidTagSenderEmailAddress): return sender ? str(sender->email) : missing();
    case prop_id(PidTagSentRepresentingName): return from ? str(from->display()) : missing();
    case prop_id(PidTagSentRepresentingEmailAddress): return from ? str(from->email) : missing();
    case prop_id(PidTagSenderAddressType): return sender ? str("SMTP") : missing();
    case prop_id(PidTagSentRepresentingAddressType): return from ? str("SMTP") : missing();
    case prop_id(PidTagDisplayTo): return str(display_list(s.to));
    case prop_id(PidTagDisplayCc): return str(display_list(s.cc));
    case prop_id(PidTagDisplayBcc): return str(display_list(s.bcc));
    case prop_id(PidTagMessageClass): return str("IPM.Note");
    case prop_id(PidTagMessageDeliveryTime):
    case prop_id(PidTagCreationTime):
    case prop_id(PidTagLastModificationTime):
        return s.delivery_time ? typed(PropValue::i64(canon, *s.delivery_time)) : missing();
    case prop_id(PidTagClientSubmitTime):
    {
        auto t = s.date ? parse_header_date(*s.date) : std::nullopt;
        return t ? typed(PropValue::i64(canon, *t)) : missing();
    }
    case prop_id(PidTagMessageFlags): {
        uint32_t bits = flags().message_flags;
        if (s.has_attachments.value_or(false)) bits |= kMsgFlagHasAttach;
        return typed(PropValue::i32(canon, int32_t(bits)));
    }
    case prop_id(PidTagRead): return typed(PropValue::boolean(canon, (flags().message_flags & 0x01) != 0));
    case prop_id(PidTagMessageSize): return typed(PropValue::i32(canon, int32_t(std::min<uint64_t>(s.size, INT32_MAX))));
    case prop_id(PidTagImportance): return typed(PropValue::i32(canon, s.importance.value_or(1)));
    case prop_id(PidTagHasAttachments):
        return s.has_attachments ? typed(PropValue::boolean(canon, *s.has_attachments)) : missing();
    case prop_id(PidTagInternetMessageId): return s.message_id ? str(*s.message_id) : missing();
    case prop_id(PidTagInReplyToId): return s.in_reply_to ? str(*s.in_reply_to) : missing();
    case prop_id(PidTagFlagStatus):
    case prop_id(PidTagLastVerbExecuted): {
        auto v = flag_prop(canon);
        return v ? *v : missing();
    }
    case prop_id(PidTagSensitivity): return typed(PropValue::i32(canon, 0));
    case prop_id(PidTagMessageStatus): return typed(PropValue::i32(canon, 0));
    default: return missing();
    }
}

}  // namespace mg::imap
