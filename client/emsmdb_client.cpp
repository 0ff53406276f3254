#include "client/emsmdb_client.h"

#include "libmapi/oxcrpc.h"
#include "libmapi/oxcrpc_compress.h"

#include <cctype>
#include <cstdio>

namespace mg::client {

namespace ox = mg::oxcrpc;

namespace {

std::string hex32(uint32_t v) {
    char buf[16];
    snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

int hex_digit(char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

}  // namespace

MapiError::MapiError(const char* method, uint32_t code)
    : std::runtime_error(std::string(method) + " returned " + hex32(code)), method_(method), code_(code) {}

std::string version_string(const std::array<uint16_t, 3>& w) {
    // MS-OXCRPC 3.1.4.1.3.1 normalization.
    unsigned a, b, c, d;
    if (w[1] & 0x8000) {
        a = w[0] >> 8, b = w[0] & 0xFF, c = w[1] & 0x7FFF, d = w[2];
    } else {
        a = w[0], b = 0, c = w[1], d = w[2];
    }
    char buf[32];
    snprintf(buf, sizeof buf, "%u.%u.%u.%u", a, b, c, d);
    return buf;
}

uint32_t EmsmdbClient::ping() {
    Bytes out = t_.call(uint16_t(ox::EmsmdbOpnum::EcDummyRpc), ox::EcDummyRpcRequest{}.encode());
    return ox::EcDummyRpcResponse::decode(out).result;
}

const SessionDetails& EmsmdbClient::connect(const std::string& user_dn, uint32_t codepage, uint32_t locale) {
    ox::EcDoConnectExRequest rq;
    rq.szUserDN = user_dn;
    rq.ulFlags = 0;  // regular user access
    rq.ulConMod = 0;
    for (unsigned char ch : user_dn) rq.ulConMod = rq.ulConMod * 31 + unsigned(std::tolower(ch));  // 3.2.4.1: any stable hash
    rq.cbLimit = 0;
    rq.ulCpid = codepage;
    rq.ulLcidString = locale;
    rq.ulLcidSort = locale;
    rq.ulIcxrLink = 0xFFFFFFFF;  // no session linking
    rq.usFCanConvertCodePages = 1;
    rq.rgwClientVersion = opt_.client_version;
    rq.ulTimeStamp = 0;
    rq.cbAuxOut = ox::kSmallRange;
    Bytes out = t_.call(uint16_t(ox::EmsmdbOpnum::EcDoConnectEx), rq.encode());
    auto rs = ox::EcDoConnectExResponse::decode(out);
    if (rs.result != 0) {
        SessionDetails failed;
        failed.server_version = rs.rgwServerVersion;
        failed.best_version = rs.rgwBestVersion;
        session_ = failed;
        throw MapiError("EcDoConnectEx", rs.result);
    }
    session_.cxh = rs.cxh;
    session_.polls_max_ms = rs.cmsPollsMax;
    session_.retry_count = rs.cRetry;
    session_.retry_delay_ms = rs.cmsRetryDelay;
    session_.icxr = rs.icxr;
    session_.dn_prefix = rs.szDNPrefix.value_or("");
    session_.display_name = rs.szDisplayName.value_or("");
    session_.server_version = rs.rgwServerVersion;
    session_.best_version = rs.rgwBestVersion;
    session_.timestamp = rs.ulTimeStamp;
    return session_;
}

std::vector<Bytes> EmsmdbClient::rpc_all(ByteView rop_request, bool chain) {
    ox::EcDoRpcExt2Request rq;
    rq.cxh = session_.cxh;
    rq.ulFlags = (opt_.compress ? 0 : ox::kRpcExt2NoCompression) | (opt_.obfuscate ? 0 : ox::kRpcExt2NoXorMagic) |
                 (chain ? ox::kRpcExt2Chain : 0);
    rq.rgbIn = ox::build_ext_buffer(Bytes(rop_request.begin(), rop_request.end()), {opt_.compress, opt_.obfuscate});
    rq.cbOut = opt_.max_response;
    rq.cbAuxOut = ox::kSmallRange;
    Bytes out = t_.call(uint16_t(ox::EmsmdbOpnum::EcDoRpcExt2), rq.encode());
    auto rs = ox::EcDoRpcExt2Response::decode(out);
    if (rs.cxh.is_null()) session_.cxh = rs.cxh;  // the server destroyed the session (3.1.4.2)
    if (rs.result != 0) throw MapiError("EcDoRpcExt2", rs.result);
    std::vector<Bytes> buffers;
    for (auto& p : ox::parse_ext_chain(rs.rgbOut)) buffers.push_back(std::move(p.data));
    return buffers;
}

Bytes EmsmdbClient::rpc(ByteView rop_request) {
    auto all = rpc_all(rop_request);
    if (all.empty()) throw DecodeError("EcDoRpcExt2: empty rgbOut");
    return std::move(all.front());
}

void EmsmdbClient::disconnect() {
    if (!connected()) return;
    ox::EcDoDisconnectRequest rq;
    rq.cxh = session_.cxh;
    Bytes out = t_.call(uint16_t(ox::EmsmdbOpnum::EcDoDisconnect), rq.encode());
    auto rs = ox::EcDoDisconnectResponse::decode(out);
    session_.cxh = rs.cxh;
    if (rs.result != 0) throw MapiError("EcDoDisconnect", rs.result);
}

std::string to_hex(ByteView b) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    s.reserve(b.size() * 2);
    for (uint8_t v : b) {
        s.push_back(digits[v >> 4]);
        s.push_back(digits[v & 15]);
    }
    return s;
}

Bytes from_hex(const std::string& hex) {
    Bytes out;
    int hi = -1;
    for (char ch : hex) {
        if (std::isspace(static_cast<unsigned char>(ch))) continue;
        int v = hex_digit(ch);
        if (v < 0) throw std::invalid_argument(std::string("not a hex digit: '") + ch + "'");
        if (hi < 0) {
            hi = v;
        } else {
            out.push_back(uint8_t(hi << 4 | v));
            hi = -1;
        }
    }
    if (hi >= 0) throw std::invalid_argument("odd number of hex digits");
    return out;
}

std::string handle_to_string(const ndr::ContextHandle& h) {
    char attr[16];
    snprintf(attr, sizeof attr, "%08x-", h.attributes);
    return attr + to_hex(h.uuid);
}

ndr::ContextHandle handle_from_string(const std::string& s) {
    if (s.size() != 8 + 1 + 32 || s[8] != '-') throw std::invalid_argument("context handle: expected 8-1-32 hex digits");
    ndr::ContextHandle h;
    Bytes a = from_hex(s.substr(0, 8));
    h.attributes = uint32_t(a[0]) << 24 | uint32_t(a[1]) << 16 | uint32_t(a[2]) << 8 | a[3];
    Bytes u = from_hex(s.substr(9));
    std::copy(u.begin(), u.end(), h.uuid.begin());
    return h;
}

}  // namespace mg::client
