// Mailbox names on the wire: modified UTF-7 (RFC 3501 5.1.3), the form IMAP
// servers without UTF8=ACCEPT (RFC 6855) use; MAPI folder names are Unicode
// (held as UTF-8 in memory).
#pragma once

#include "common/bytes.h"  // DecodeError

#include <string>
#include <string_view>

namespace mg::imap {

// UTF-8 -> modified UTF-7. Printable US-ASCII except '&' stays as is, '&'
// becomes "&-", everything else is UTF-16 in modified base64 between '&' and
// '-'. Throws DecodeError on invalid UTF-8 (overlong forms, surrogates,
// truncated sequences, code points above U+10FFFF).
std::string utf8_to_mutf7(std::string_view utf8);

// Modified UTF-7 -> UTF-8. Strict: throws DecodeError on characters outside
// printable US-ASCII, an unterminated or malformed base64 run, bits left
// over, unpaired surrogates, and base64 that encodes printable US-ASCII
// (RFC 3501 5.1.3: such characters MUST represent themselves).
std::string mutf7_to_utf8(std::string_view mutf7);

// True when `s` is valid UTF-8 (the same rules as utf8_to_mutf7).
bool valid_utf8(std::string_view s);

}  // namespace mg::imap
