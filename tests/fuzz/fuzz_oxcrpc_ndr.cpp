// FUZZ_SOURCES: libmapi/ndr.cpp libmapi/oxcrpc.cpp
//
// Decodes the EMSMDB/AsyncEMSMDB stubs from untrusted bytes. The first byte
// picks the message (every request, and every response for the client
// side); the rest is the stub. A stub that decodes must re-encode, and its
// canonical encoding must decode to the same value and re-encode identically.
#include "libmapi/oxcrpc.h"
#include "tests/fuzz/ndr_roundtrip.h"

#include <cstdlib>

using namespace mg;
using namespace mg::oxcrpc;

using ndr_fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    ByteView stub(data + 1, size - 1);
    switch (data[0] % 14) {
    case 0: check<EcDoDisconnectRequest>(stub); break;
    case 1: check<EcRRegisterPushNotificationRequest>(stub); break;
    case 2: check<EcDummyRpcRequest>(stub); break;
    case 3: check<EcDoConnectExRequest>(stub); break;
    case 4: check<EcDoRpcExt2Request>(stub); break;
    case 5: check<EcDoAsyncConnectExRequest>(stub); break;
    case 6: check<EcDoAsyncWaitExRequest>(stub); break;
    case 7: check<EcDoDisconnectResponse>(stub); break;
    case 8: check<EcRRegisterPushNotificationResponse>(stub); break;
    case 9: check<EcDummyRpcResponse>(stub); break;
    case 10: check<EcDoConnectExResponse>(stub); break;
    case 11: check<EcDoRpcExt2Response>(stub); break;
    case 12: check<EcDoAsyncConnectExResponse>(stub); break;
    case 13: check<EcDoAsyncWaitExResponse>(stub); break;
    }
    return 0;
}
