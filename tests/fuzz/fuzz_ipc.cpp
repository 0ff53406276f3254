// FUZZ_SOURCES:
// The module <-> engine frames (mapiproxy/ipc/ipc_protocol.h): header,
// Call, Reply, Hello and ConnClosed decoders; a decoded Call re-encodes to
// a Call that decodes to the same value.
#include "mapiproxy/ipc/ipc_protocol.h"

#include <cstdlib>

using namespace mg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    ByteView in(data, size);
    try {
        if (size >= ipc::kHeaderSize) ipc::FrameHeader::decode(in.first(ipc::kHeaderSize));
    } catch (const DecodeError&) {
    }
    try {
        ipc::Call c = ipc::Call::decode(in);
        ipc::Call d = ipc::Call::decode(c.encode());
        if (d.stub != c.stub || d.who.sids != c.who.sids || d.opnum != c.opnum || d.conn_id != c.conn_id) abort();
    } catch (const DecodeError&) {
    }
    try {
        ipc::Reply r = ipc::Reply::decode(in);
        if (ipc::Reply::decode(r.encode()).stub != r.stub) abort();
    } catch (const DecodeError&) {
    }
    try { ipc::Hello::decode(in); } catch (const DecodeError&) {}
    try { ipc::ConnClosed::decode(in); } catch (const DecodeError&) {}
    return 0;
}
