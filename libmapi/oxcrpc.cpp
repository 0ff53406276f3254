#include "libmapi/oxcrpc.h"

namespace mg::oxcrpc {

const char* emsmdb_opnum_name(uint16_t opnum) {
    switch (EmsmdbOpnum(opnum)) {
    case EmsmdbOpnum::EcDoDisconnect: return "EcDoDisconnect";
    case EmsmdbOpnum::EcRRegisterPushNotification: return "EcRRegisterPushNotification";
    case EmsmdbOpnum::EcDummyRpc: return "EcDummyRpc";
    case EmsmdbOpnum::EcDoConnectEx: return "EcDoConnectEx";
    case EmsmdbOpnum::EcDoRpcExt2: return "EcDoRpcExt2";
    case EmsmdbOpnum::EcDoAsyncConnectEx: return "EcDoAsyncConnectEx";
    }
    return "reserved opnum";
}

}  // namespace mg::oxcrpc
