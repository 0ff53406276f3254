#include "client/samba_transport.h"

// credentials.h forward-declares two enums, which C allows and C++ does not
// without a prior declaration naming the underlying type. The credentials
// functions taking them are not used here.
enum smb_signing_setting : int;
enum smb_encryption_setting : int;

// tevent_loop_allow_nesting() is declared only with TEVENT_DEPRECATED; Samba's
// own client tools enable nesting the same way (Kerberos inside a bind).
#define TEVENT_DEPRECATED 1

extern "C" {
#include <stdbool.h>
#include <stdint.h>
#include <talloc.h>
#include <tevent.h>
#include <core/ntstatus.h>
#include <util/data_blob.h>
#include <util/time.h>
#include <ndr.h>
#include <param.h>
#include <credentials.h>
#include <rpc_common.h>
#include <dcerpc.h>
}

#include <cstdio>

namespace mg::client {

namespace {

struct IfaceInfo {
    const char* name;
    const char* uuid;
    uint16_t major, minor;
};

// MS-OXCRPC 1.9 / MS-OXNSPI 1.9 / MS-OXABREF 1.9.
IfaceInfo iface_info(Interface i) {
    switch (i) {
    case Interface::Emsmdb: return {"exchange_emsmdb", "a4f1db00-ca47-1067-b31f-00dd010662da", 0, 81};
    case Interface::AsyncEmsmdb: return {"asyncemsmdb", "5261574a-4572-206e-b268-6b199213b4e4", 0, 1};
    case Interface::Nspi: return {"exchange_nsp", "f5cc5a18-4264-101a-8c59-08002b2f8426", 56, 0};
    case Interface::Rfr: return {"exchange_ds_rfr", "1544f5e0-613c-11d1-93df-00c04fd7bd09", 1, 0};
    }
    return {"?", "", 0, 0};
}

std::string ntstatus_text(NTSTATUS s) {
    char buf[16];
    snprintf(buf, sizeof buf, "0x%08x", NT_STATUS_V(s));
    return std::string(nt_errstr(s)) + " (" + buf + ")";
}

}  // namespace

// All Samba state hangs off one talloc context freed in the destructor.
struct SambaTransport::Impl {
    TALLOC_CTX* mem = nullptr;
    struct dcerpc_pipe* pipe = nullptr;
    // The interface table the library needs to bind and to resolve the
    // endpoint; raw calls do not use its (empty) call list.
    struct ndr_interface_table table {};
    struct ndr_interface_string_array endpoints {};
    struct ndr_interface_string_array authservices {};
    const char* authservice_names[1] = {"host"};

    ~Impl() { talloc_free(mem); }
};

SambaTransport::SambaTransport(const SambaOptions& o, Interface iface) : impl_(std::make_unique<Impl>()) {
    Impl& m = *impl_;
    m.mem = talloc_new(nullptr);
    if (!m.mem) throw RpcFault(0, "out of memory");

    IfaceInfo info = iface_info(iface);
    m.table.name = info.name;
    if (!NT_STATUS_IS_OK(GUID_from_string(info.uuid, &m.table.syntax_id.uuid))) throw RpcFault(0, "bad interface UUID");
    m.table.syntax_id.if_version = uint32_t(info.minor) << 16 | info.major;  // NDR: minor in the high half
    m.table.num_calls = 0;
    m.table.calls = nullptr;
    m.endpoints.count = 0;
    m.endpoints.names = nullptr;
    m.table.endpoints = &m.endpoints;
    m.authservices.count = 1;
    m.authservices.names = m.authservice_names;  // Kerberos service class of the target principal
    m.table.authservices = &m.authservices;

    // Registers the GENSEC mechanisms (NTLMSSP, SPNEGO, Kerberos) the binds need.
    NTSTATUS init = dcerpc_init();
    if (!NT_STATUS_IS_OK(init)) throw RpcFault(NT_STATUS_V(init), "dcerpc_init: " + ntstatus_text(init));
    struct tevent_context* ev = tevent_context_init(m.mem);
    struct loadparm_context* lp = loadparm_init_global(false);
    if (!ev || !lp) throw RpcFault(0, "cannot initialise Samba's client library");
    // Kerberos (a KDC exchange inside the bind) runs a nested event loop.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    tevent_loop_allow_nesting(ev);
#pragma GCC diagnostic pop
    if (!o.smb_conf.empty() && !lpcfg_load(lp, o.smb_conf.c_str()))
        throw RpcFault(0, "cannot load " + o.smb_conf);
    std::string level = std::to_string(o.debug_level);
    lpcfg_set_cmdline(lp, "log level", level.c_str());

    struct cli_credentials* creds = cli_credentials_init(m.mem);
    if (!creds) throw RpcFault(0, "out of memory");
    cli_credentials_set_conf(creds, lp);
    if (!o.domain.empty()) cli_credentials_set_domain(creds, o.domain.c_str(), CRED_SPECIFIED);
    if (!o.user.empty()) cli_credentials_parse_string(creds, o.user.c_str(), CRED_SPECIFIED);  // DOMAIN\user, user@REALM
    if (!o.password.empty()) cli_credentials_set_password(creds, o.password.c_str(), CRED_SPECIFIED);
    std::string flags = "seal";  // RPC_C_AUTHN_LEVEL_PKT_PRIVACY
    if (o.kerberos) {
        std::string realm = o.realm.empty() ? o.domain : o.realm;
        if (!realm.empty()) {
            for (auto& ch : realm) ch = char(std::toupper(static_cast<unsigned char>(ch)));
            cli_credentials_set_realm(creds, realm.c_str(), CRED_SPECIFIED);
        }
        cli_credentials_set_kerberos_state(creds, CRED_USE_KERBEROS_REQUIRED, CRED_SPECIFIED);
        if (o.password.empty()) {
            // No password: an existing ticket (kinit, or a keytab-fed cache).
            const char* err = nullptr;
            if (cli_credentials_set_ccache(creds, lp, o.ccache.empty() ? nullptr : o.ccache.c_str(), CRED_SPECIFIED,
                                           &err) != 0)
                throw RpcFault(0, std::string("Kerberos credential cache: ") + (err ? err : "unusable"));
        }
        // With a password, the credentials API obtains the TGT itself (kinit into a memory cache).
        flags += ",spnego";
        if (!o.target_hostname.empty()) flags += ",target_hostname=" + o.target_hostname;
    } else {
        cli_credentials_set_kerberos_state(creds, CRED_USE_KERBEROS_DISABLED, CRED_SPECIFIED);
        flags += ",ntlm";
    }

    std::string binding;
    if (o.host.rfind("ncacn_", 0) == 0 || o.host.rfind("ncalrpc", 0) == 0) {
        binding = o.host;
    } else {
        binding = "ncacn_ip_tcp:" + o.host + "[" + (o.port ? std::to_string(o.port) + "," : std::string()) + flags + "]";
    }
    NTSTATUS st = dcerpc_pipe_connect(m.mem, &m.pipe, binding.c_str(), &m.table, creds, ev, lp);
    if (!NT_STATUS_IS_OK(st)) throw RpcFault(NT_STATUS_V(st), "cannot bind " + std::string(info.name) + " at " + binding + ": " + ntstatus_text(st));
    dcerpc_binding_handle_set_timeout(m.pipe->binding_handle, o.timeout_s);
}

SambaTransport::~SambaTransport() = default;

std::string SambaTransport::binding() const {
    if (!impl_->pipe || !impl_->pipe->binding) return {};
    char* s = dcerpc_binding_string(impl_->mem, impl_->pipe->binding);
    std::string out = s ? s : "";
    talloc_free(s);
    return out;
}

Bytes SambaTransport::call(uint16_t opnum, ByteView request) {
    Impl& m = *impl_;
    TALLOC_CTX* tmp = talloc_new(m.mem);
    uint8_t* out = nullptr;
    size_t out_len = 0;
    uint32_t out_flags = 0;
    m.pipe->last_fault_code = 0;
    NTSTATUS st = dcerpc_binding_handle_raw_call(m.pipe->binding_handle, nullptr, opnum, 0, request.data(),
                                                 request.size(), tmp, &out, &out_len, &out_flags);
    if (!NT_STATUS_IS_OK(st)) {
        uint32_t fault = m.pipe->last_fault_code;
        talloc_free(tmp);
        if (fault != 0) {
            char buf[16];
            snprintf(buf, sizeof buf, "0x%08x", fault);
            throw RpcFault(fault, std::string("DCE/RPC fault ") + buf + " (" + nt_errstr(st) + ")");
        }
        throw RpcFault(NT_STATUS_V(st), "call failed: " + ntstatus_text(st));
    }
    Bytes result(out, out + out_len);
    talloc_free(tmp);
    return result;
}

}  // namespace mg::client
