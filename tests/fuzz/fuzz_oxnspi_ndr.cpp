// FUZZ_SOURCES: libmapi/ndr.cpp libmapi/oxnspi.cpp libmapi/property.cpp libmapi/restriction.cpp libmapi/propcodec.cpp
//
// Decodes the NSPI and RFR stubs (STAT, PropertyTagArray_r, PropertyValue_r,
// PropertyRow(Set)_r, Restriction_r, PropertyName_r, string arrays) from
// untrusted bytes. The first byte picks the message; the rest is the stub. A
// stub that decodes must re-encode, and its canonical encoding must decode to
// the same value and re-encode identically.
#include "libmapi/oxnspi.h"
#include "tests/fuzz/ndr_roundtrip.h"

#include <cstdlib>

using namespace mg;
using namespace mg::oxnspi;

using ndr_fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    ByteView stub(data + 1, size - 1);
    switch (data[0] % 32) {
    case 0: check<BindRequest>(stub); break;
    case 1: check<UnbindRequest>(stub); break;
    case 2: check<UpdateStatRequest>(stub); break;
    case 3: check<QueryRowsRequest>(stub); break;
    case 4: check<SeekEntriesRequest>(stub); break;
    case 5: check<GetMatchesRequest>(stub); break;
    case 6: check<ResortRestrictionRequest>(stub); break;
    case 7: check<DNToMIdRequest>(stub); break;
    case 8: check<GetPropListRequest>(stub); break;
    case 9: check<GetPropsRequest>(stub); break;
    case 10: check<CompareMIdsRequest>(stub); break;
    case 11: check<ModPropsRequest>(stub); break;
    case 12: check<GetSpecialTableRequest>(stub); break;
    case 13: check<GetTemplateInfoRequest>(stub); break;
    case 14: check<ModLinkAttRequest>(stub); break;
    case 15: check<DeleteEntriesRequest>(stub); break;
    case 16: check<QueryColumnsRequest>(stub); break;
    case 17: check<GetNamesFromIDsRequest>(stub); break;
    case 18: check<GetIDsFromNamesRequest>(stub); break;
    case 19: check<ResolveNamesRequest>(stub); break;
    case 20: check<ResolveNamesWRequest>(stub); break;
    case 21: check<oxabref::GetNewDSARequest>(stub); break;
    case 22: check<oxabref::GetFQDNFromServerDNRequest>(stub); break;
    // Responses (the client side decodes them).
    case 23: check<QueryRowsResponse>(stub); break;
    case 24: check<GetMatchesResponse>(stub); break;
    case 25: check<RowResponse>(stub); break;
    case 26: check<ResolveNamesResponse>(stub); break;
    case 27: check<GetNamesFromIDsResponse>(stub); break;
    case 28: check<TagArrayResponse>(stub); break;
    case 29: check<BindResponse>(stub); break;
    case 30: check<oxabref::GetNewDSAResponse>(stub); break;
    case 31: check<GetSpecialTableResponse>(stub); break;
    }
    return 0;
}
