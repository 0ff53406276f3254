// FUZZ_SOURCES: providers/imap/imap_protocol.cpp providers/imap/imap_client.cpp providers/imap/mutf7.cpp common/log.cpp libmapi/propcodec.cpp libmapi/property.cpp libmapi/restriction.cpp libmapi/proptags.cpp
// FUZZ_PKGS: openssl
//
// IMAP server responses from untrusted bytes: the framer (fed in chunks whose
// size the first byte picks), the response parser, and the interpretation of
// FETCH / LIST / STATUS / SELECT data and sets. Anything malformed must be an
// ImapProtocolError; nothing may crash, hang or allocate without bound.
// Mailbox names are also run through the modified UTF-7 decoder, and what
// decodes must round-trip.
#include "providers/imap/imap_client.h"
#include "providers/imap/mutf7.h"

#include <cstdlib>

using namespace mg;
using namespace mg::imap;

namespace {

void interpret(const Response& r) {
    try {
        if (r.name == "FETCH") {
            FetchItem f = Client::parse_fetch(r);
            if (f.internaldate) parse_internaldate(*f.internaldate);
        }
        else if (r.name == "LIST" || r.name == "LSUB") {
            MailboxInfo m = Client::parse_list(r);
            try {
                std::string u = mutf7_to_utf8(m.name);
                if (mutf7_to_utf8(utf8_to_mutf7(u)) != u) abort();
            } catch (const DecodeError&) {
            }
        } else if (r.name == "STATUS" && r.args.size() == 2) Client::parse_status_items(r.args[1].list_items());
        else if (r.name == "VANISHED" || r.name == "SEARCH" || r.name == "SORT") {
            for (const Value& v : r.args)
                if (v.kind == Value::Atom) expand_set(parse_set(v.str()), 10000);
        }
        if (!r.code_args.empty() && r.code_args[0].kind == Value::Atom) parse_set(r.code_args[0].str());
    } catch (const ImapProtocolError&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    size_t chunk = size_t(data[0] % 16) + 1;
    std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
    Framer f(1 << 16, 1 << 16);
    try {
        for (size_t i = 0; i < in.size(); i += chunk) {
            f.feed(in.substr(i, chunk));
            while (auto raw = f.next()) {
                try {
                    interpret(parse_response(*raw));
                } catch (const ImapProtocolError&) {
                }
            }
        }
    } catch (const ImapProtocolError&) {
    }
    return 0;
}
