// FUZZ_SOURCES: providers/imap/imap_summary.cpp providers/imap/imap_protocol.cpp providers/imap/imap_client.cpp providers/imap/mutf7.cpp providers/imap/mime_to_mapi.cpp common/log.cpp libmapi/propcodec.cpp libmapi/property.cpp libmapi/restriction.cpp libmapi/proptags.cpp
// FUZZ_PKGS: gmime-3.0 openssl
//
// Contents-table rows from untrusted FETCH data: one server response (a
// FETCH with ENVELOPE, BODYSTRUCTURE, header sections ... of any shape) is
// parsed and turned into a summary, every summary column is read from it,
// and every list in it is taken as a BODYSTRUCTURE. Nothing may crash or
// throw anything but the parser's ImapProtocolError.
#include "providers/imap/imap_summary.h"

using namespace mg;
using namespace mg::imap;

namespace {

void walk(const Value& v, int depth) {
    if (!v.is_list() || depth > 8) return;
    has_attachments(v);
    for (const Value& c : v.items) walk(c, depth + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string in(reinterpret_cast<const char*>(data), size);
    if (in.size() < 2 || in.substr(in.size() - 2) != "\r\n") in += "\r\n";
    try {
        Response r = parse_response(in);
        if (r.name != "FETCH") return 0;
        FetchItem f = Client::parse_fetch(r);
        Summary s = make_summary(f);
        for (mapi::PropTag t : summary_columns()) {
            summary_value(t, s);
            summary_value(mapi::change_type(t, mapi::PT_STRING8), s);
        }
        for (const Value& v : r.args) walk(v, 0);
    } catch (const ImapProtocolError&) {
    }
    return 0;
}
