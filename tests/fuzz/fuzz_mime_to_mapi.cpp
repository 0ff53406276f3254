// FUZZ_SOURCES: providers/imap/mime_to_mapi.cpp libmapi/propcodec.cpp libmapi/property.cpp libmapi/restriction.cpp libmapi/proptags.cpp
// FUZZ_PKGS: gmime-3.0
//
// Internet messages from untrusted bytes (what an IMAP server returns for
// BODY[]) converted to MAPI properties, recipient rows and attachments. The
// conversion must never crash or hang, and everything it produces must be
// a well-formed typed value whose strings are valid UTF-8 (the property
// codec then encodes every value without error).
#include "libmapi/propcodec.h"
#include "providers/imap/mime_to_mapi.h"

#include <cstdlib>

using namespace mg;
using namespace mg::imap;
using namespace mg::mapi;

namespace {

void check_props(const PropList& props) {
    for (const PropValue& v : props) {
        if (!v.well_formed()) abort();
        if (const auto* s = std::get_if<std::string>(&v.value)) {
            for (size_t i = 0; i < s->size();) {
                char32_t cp;
                if (!utf8_next(*s, i, cp)) abort();
            }
        }
    }
}

void check(const MapiMessage& m, int depth) {
    if (depth > 16) abort();
    check_props(m.props);
    for (const MimeRecipient& r : m.recipients) check_props(r.props);
    for (const MimeAttachment& a : m.attachments) {
        check_props(a.props);
        if (a.embedded) check(*a.embedded, depth + 1);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    MimeOptions o;
    o.max_parts = 200;
    try {
        MapiMessage m = mime_to_mapi(std::string_view(reinterpret_cast<const char*>(data), size), o);
        check(m, 0);
    } catch (const MimeError&) {
    }
    return 0;
}
