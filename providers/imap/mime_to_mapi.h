// Internet mail (RFC 5322 / MIME) -> MAPI message properties, recipient rows
// and attachments, following MS-OXCMAIL 2.2 (Internet message to Message
// object) and MS-OXOSMIME 2.1.3 (S/MIME), with GMime 3 doing the MIME work.
//
// The input is untrusted bytes from the IMAP server. Whatever they are, the
// result is a message (GMime is lenient; what cannot be read becomes an
// attachment or is left out), work is bounded (nesting depth, number of
// parts), and nothing throws but MimeError for input that is not a message
// at all. tests/fuzz/fuzz_mime_to_mapi.cpp.
#pragma once

#include "common/bytes.h"
#include "libmapi/property.h"

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mg::imap {

class MimeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// PidTagRecipientType values (MS-OXOMSG 2.2.3.1).
enum RecipientType : uint32_t { MapiTo = 1, MapiCc = 2, MapiBcc = 3 };

struct MimeRecipient {
    RecipientType type = MapiTo;
    std::string name;   // display name, UTF-8 ("" when the header has none)
    std::string email;  // addr-spec
    mapi::PropList props;  // the recipient row (MS-OXCMSG 2.2.1.x recipient properties)
};

struct MapiMessage;

struct MimeAttachment {
    mapi::PropList props;  // PidTagAttachMethod, names, MIME tag, Content-ID, flags, size ...
    Bytes data;            // ATTACH_BY_VALUE content (transfer encoding removed)
    std::shared_ptr<MapiMessage> embedded;  // ATTACH_EMBEDDED_MSG (message/rfc822)
};

struct MapiMessage {
    mapi::PropList props;
    std::vector<MimeRecipient> recipients;
    std::vector<MimeAttachment> attachments;

    // The value of `tag`, or nullptr.
    const mapi::PropValue* find(mapi::PropTag tag) const;
};

struct MimeOptions {
    // PidTagMessageDeliveryTime (FILETIME), e.g. from IMAP INTERNALDATE;
    // without it the Date header is used.
    std::optional<int64_t> delivery_time;
    size_t max_depth = 8;      // nested message/rfc822 levels converted
    size_t max_parts = 1000;   // MIME parts looked at per message
};

// Converts one message. Throws MimeError only when the bytes do not parse
// as a message at all.
MapiMessage mime_to_mapi(std::string_view raw, const MimeOptions& options = {});

// IMAP flags and keywords -> MAPI (MS-OXCMAIL 2.2.3.2.x / MS-OXOFLAG):
// \Seen -> MSGFLAG_READ / PidTagRead, \Draft -> MSGFLAG_UNSENT, \Flagged ->
// follow-up flag (PidTagFlagStatus, PidTagFollowupIcon), \Answered and
// $Forwarded -> PidTagLastVerbExecuted (reply / forward), other keywords ->
// categories (returned separately: PidNameKeywords is a named property the
// caller maps for its mailbox).
struct FlagProps {
    mapi::PropList props;
    uint32_t message_flags = 0;  // bits to OR into PidTagMessageFlags
    std::vector<std::string> categories;
};
FlagProps imap_flags_to_mapi(const std::vector<std::string>& flags);

// "RE: hello" -> {"RE: ", "hello"} (MS-OXCMAIL 2.2.3.2.6.1).
std::pair<std::string, std::string> split_subject(const std::string& subject);

// The Windows code page of a MIME charset name (case-insensitive), or 0.
uint32_t codepage_of_charset(std::string_view charset);

// PidTagImportance (0 low, 1 normal, 2 high; MS-OXCMAIL 2.2.3.2.7) from the
// Importance and X-Priority header values (nullptr when absent).
int32_t importance_from_headers(const char* importance, const char* x_priority);

// A header value with its RFC 2047 encoded-words decoded, as UTF-8 (stray
// 8-bit bytes read as ISO-8859-1).
std::string decode_header_text(std::string_view raw);

// An RFC 5322 date-time -> FILETIME; nullopt when unreadable.
std::optional<int64_t> parse_header_date(std::string_view raw);

// Unix seconds (+ microseconds) -> FILETIME (100 ns since 1601-01-01).
int64_t unix_to_filetime(int64_t seconds, int32_t micros = 0);

}  // namespace mg::imap
