// FUZZ_SOURCES: libmapi/rops.cpp libmapi/rop_io.cpp libmapi/propcodec.cpp libmapi/restriction.cpp libmapi/property.cpp libmapi/recipient_row.cpp libmapi/proptags.cpp
//
// The message and submission ROPs (libmapi/rops_message.h,
// libmapi/rops_submission.h) and the RecipientRow
// (libmapi/recipient_row.h) from untrusted bytes. First byte 0x00: the rest
// is a RecipientRow over a fixed column set (one column of each common
// type), decoded, mapped to properties and back; otherwise the first byte
// is a RopId of MessageRops and the rest its request / response. Whatever
// decodes must re-encode, and the canonical form must be stable.
#include "libmapi/proptags.h"
#include "libmapi/recipient_row.h"
#include "libmapi/rops_message.h"
#include "libmapi/rops_submission.h"
#include "tests/fuzz/rop_roundtrip.h"

#include <cstdlib>

using namespace mg;
using namespace mg::rop;

namespace {

const std::vector<mapi::PropTag> kColumns = {mapi::PidTagRecipientOrder, mapi::PidTagSmtpAddress,
                                             mapi::PidTagRecipientEntryId, mapi::PidTagRecipientTrackStatusTime,
                                             mapi::make_tag(0x8001, mapi::PT_MV_UNICODE)};

void check_recipient_row(ByteView body) {
    mapi::RecipientRow row;
    try {
        ByteReader r(body);
        row = mapi::read_recipient_row(r, kColumns);
    } catch (const DecodeError&) {
        return;
    }
    ByteWriter w;
    mapi::write_recipient_row(w, kColumns, row);
    ByteReader again_r(w.bytes());
    auto again = mapi::read_recipient_row(again_r, kColumns);
    if (!(again == row) || again_r.remaining()) abort();
    // The property mapping never crashes; a row made from properties encodes.
    try {
        auto props = mapi::recipient_properties(row, kColumns, "/o=org/ou=x");
        auto back = mapi::recipient_row_of(props, kColumns);
        ByteWriter w2;
        mapi::write_recipient_row(w2, kColumns, back);
    } catch (const DecodeError&) {
    } catch (const mapi::EncodeError&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    ByteView body(data + 1, size - 1);
    if (data[0] == 0x00) {
        check_recipient_row(body);
        return 0;
    }
    auto run = [&](auto... r) { ((decltype(r)::kId == data[0] ? (fuzz::check_request<decltype(r)>(body), fuzz::check_response<decltype(r)>(body)) : void()), ...); };
    std::apply(run, MessageRops{});
    std::apply(run, SubmissionRops{});
    return 0;
}
