// mapigate-client: the project's own EMSMDB client, over DCE/RPC through
// Samba's client library.
//
//   mapigate-client [-H host] [-U user%password] [-W domain] [--kerberos] COMMAND [ARGS]
//
// Commands are entries of one table (kCommands below): adding folders,
// properties or tables means adding an entry. `shell` reads commands from
// standard input, one per line, on one connection and one session, and ends
// each answer with a line "> ok" or "> error" (scripts and tests drive it);
// there, everything after the command word is its one argument.
#include "client/emsmdb_client.h"
#include "client/samba_transport.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <getopt.h>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

using mg::Bytes;
using namespace mg::client;

// Exit statuses.
constexpr int kExitOk = 0, kExitUsage = 1, kExitMapi = 2, kExitFault = 3, kExitTransport = 4;

struct Context {
    SambaOptions samba;
    EmsmdbClient::Options client_options;
    std::string dn;
    uint32_t codepage = 1252;
    uint32_t locale = 0x409;

    std::unique_ptr<SambaTransport> transport;
    std::unique_ptr<EmsmdbClient> client;

    Context() = default;
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;
    ~Context() {
        try {  // leave no session behind (the connection's rundown would also end it)
            if (client && client->connected()) client->disconnect();
        } catch (const std::exception&) {
        }
    }

    EmsmdbClient& emsmdb() {
        if (!client) {
            transport = std::make_unique<SambaTransport>(samba, Interface::Emsmdb);
            client = std::make_unique<EmsmdbClient>(*transport, client_options);
        }
        return *client;
    }
    // Commands that work inside a mailbox session open one on demand.
    EmsmdbClient& session() {
        EmsmdbClient& c = emsmdb();
        if (!c.connected()) connect();
        return c;
    }
    void connect() {
        if (dn.empty()) throw std::invalid_argument("no mailbox DN: give --dn (the user's legacyExchangeDN)");
        const SessionDetails& s = emsmdb().connect(dn, codepage, locale);
        printf("EcDoConnectEx: 0x00000000\n");
        printf("cxh: %s\n", handle_to_string(s.cxh).c_str());
        printf("server version: %s\n", version_string(s.server_version).c_str());
        printf("display name: %s\n", s.display_name.c_str());
        printf("dn prefix: %s\n", s.dn_prefix.c_str());
        printf("polls max: %u ms, retry: %u x %u ms, icxr: %u\n", s.polls_max_ms, s.retry_count, s.retry_delay_ms,
               s.icxr);
    }
};

struct Command {
    const char* name;
    const char* args;
    const char* help;
    size_t min_args, max_args;
    std::function<void(Context&, const std::vector<std::string>&)> run;
};

const std::vector<Command>& commands();

void print_usage(FILE* out) {
    fprintf(out,
            "Usage: mapigate-client [options] COMMAND [ARGS]\n"
            "Options:\n"
            "  -H, --host HOST          server name or address, or a Samba binding string (default 127.0.0.1)\n"
            "  -p, --port PORT          TCP port (default: ask the endpoint mapper)\n"
            "  -U, --user USER[%%PASS]   user name (DOMAIN\\user or user@REALM accepted); password after '%%'\n"
            "                           (else $PASSWD)\n"
            "  -W, --domain DOMAIN      NetBIOS domain\n"
            "  -k, --kerberos           authenticate with Kerberos (SPNEGO); without a password, use the ccache\n"
            "      --realm REALM        Kerberos realm\n"
            "      --ccache NAME        Kerberos credential cache (default: $KRB5CCNAME)\n"
            "      --target-hostname H  Kerberos service host when HOST is an address\n"
            "  -s, --configfile FILE    smb.conf for Samba's client settings\n"
            "      --dn DN              the mailbox's legacyExchangeDN (EcDoConnectEx szUserDN)\n"
            "      --codepage N         ulCpid (default 1252)\n"
            "      --locale N           ulLcidString/ulLcidSort (default 0x409)\n"
            "      --no-compression     do not compress (and ask the server not to)\n"
            "      --no-xor             do not obfuscate (and ask the server not to)\n"
            "  -d, --debuglevel N       Samba client library debug level\n"
            "  -h, --help               this help\n"
            "Commands:\n");
    for (const auto& c : commands()) fprintf(out, "  %-10s %-12s %s\n", c.name, c.args, c.help);
    fprintf(out,
            "Exit status: 0 success, 1 usage, 2 the server returned an error code, 3 DCE/RPC fault,\n"
            "4 connection or authentication failure.\n");
}

void print_buffers(const std::vector<Bytes>& buffers) {
    printf("EcDoRpcExt2: 0x00000000\n");
    for (const auto& b : buffers) printf("rop response: %s\n", to_hex(b).c_str());
}

int run_shell(Context& ctx);

const std::vector<Command>& commands() {
    static const std::vector<Command> table = {
        {"ping", "", "EcDummyRpc: proves the server answers", 0, 0,
         [](Context& ctx, const std::vector<std::string>&) {
             uint32_t rc = ctx.emsmdb().ping();
             printf("EcDummyRpc: 0x%08x\n", rc);
             if (rc) throw MapiError("EcDummyRpc", rc);
         }},
        {"connect", "[DN]", "EcDoConnectEx for DN (default --dn); prints the session", 0, 1,
         [](Context& ctx, const std::vector<std::string>& a) {
             if (!a.empty()) ctx.dn = a[0];
             ctx.connect();
         }},
        {"rop-hex", "HEX", "EcDoRpcExt2 with a raw ROP request buffer; prints the response(s)", 1, 1,
         [](Context& ctx, const std::vector<std::string>& a) {
             Bytes rop = from_hex(a[0]);
             print_buffers(ctx.session().rpc_all(rop));
         }},
        {"disconnect", "", "EcDoDisconnect", 0, 0,
         [](Context& ctx, const std::vector<std::string>&) {
             ctx.emsmdb().disconnect();
             printf("EcDoDisconnect: 0x00000000\n");
         }},
        {"cxh", "", "prints the current session context handle", 0, 0,
         [](Context& ctx, const std::vector<std::string>&) {
             printf("cxh: %s\n", handle_to_string(ctx.emsmdb().session().cxh).c_str());
         }},
        {"adopt", "CXH", "uses CXH (as printed by connect/cxh) as the session handle", 1, 1,
         [](Context& ctx, const std::vector<std::string>& a) {
             ctx.emsmdb().adopt(handle_from_string(a[0]));
             printf("cxh: %s\n", a[0].c_str());
         }},
        {"shell", "", "reads commands from standard input on one session", 0, 0,
         [](Context& ctx, const std::vector<std::string>&) {
             if (run_shell(ctx) != kExitOk) throw std::runtime_error("the last shell command failed");
         }},
    };
    return table;
}

// Runs one command; prints what went wrong; returns an exit status.
int run_command(Context& ctx, const std::vector<std::string>& words) {
    if (words.empty()) return kExitOk;
    const Command* cmd = nullptr;
    for (const auto& c : commands())
        if (words[0] == c.name) cmd = &c;
    if (!cmd) {
        fprintf(stderr, "mapigate-client: unknown command '%s' (try --help)\n", words[0].c_str());
        return kExitUsage;
    }
    std::vector<std::string> args(words.begin() + 1, words.end());
    if (args.size() < cmd->min_args || args.size() > cmd->max_args) {
        fprintf(stderr, "mapigate-client: usage: %s %s\n", cmd->name, cmd->args);
        return kExitUsage;
    }
    try {
        cmd->run(ctx, args);
        fflush(stdout);
        return kExitOk;
    } catch (const MapiError& e) {
        printf("%s: 0x%08x\n", e.method(), e.code());
        if (e.code() == 0x80040110 && ctx.client)  // ecVersionMismatch: the server's minimum
            printf("best version: %s\n", version_string(ctx.client->session().best_version).c_str());
        fflush(stdout);
        return kExitMapi;
    } catch (const RpcFault& e) {
        if (ctx.transport) {
            printf("fault: 0x%08x\n", e.status());
            fflush(stdout);
            fprintf(stderr, "mapigate-client: %s\n", e.what());
            return kExitFault;
        }
        fprintf(stderr, "mapigate-client: %s\n", e.what());  // could not connect or authenticate
        return kExitTransport;
    } catch (const std::invalid_argument& e) {
        fprintf(stderr, "mapigate-client: %s\n", e.what());
        return kExitUsage;
    } catch (const std::exception& e) {
        fprintf(stderr, "mapigate-client: %s\n", e.what());
        return kExitTransport;
    }
}

int run_shell(Context& ctx) {
    std::string line;
    int last = kExitOk;
    while (std::getline(std::cin, line)) {
        // COMMAND, then the rest of the line as one argument (DNs hold spaces).
        std::istringstream in(line);
        std::vector<std::string> words;
        std::string w, rest;
        if (in >> w) words.push_back(w);
        std::getline(in, rest);
        size_t b = rest.find_first_not_of(" \t"), e = rest.find_last_not_of(" \t\r");
        if (b != std::string::npos) words.push_back(rest.substr(b, e - b + 1));
        if (words.empty() || words[0][0] == '#') continue;
        if (words[0] == "quit" || words[0] == "exit") break;
        if (words[0] == "shell") {
            printf("> error\n");
            fflush(stdout);
            continue;
        }
        last = run_command(ctx, words);
        printf("> %s\n", last == kExitOk ? "ok" : "error");
        fflush(stdout);
    }
    return last;
}

unsigned long parse_number(const char* s, const char* what) {
    char* end = nullptr;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (errno || !end || *end || end == s) throw std::invalid_argument(std::string("bad ") + what + ": " + s);
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    Context ctx;
    enum { OPT_REALM = 1000, OPT_CCACHE, OPT_TARGET, OPT_DN, OPT_CP, OPT_LOCALE, OPT_NOCOMP, OPT_NOXOR };
    static const option opts[] = {
        {"host", required_argument, nullptr, 'H'},        {"port", required_argument, nullptr, 'p'},
        {"user", required_argument, nullptr, 'U'},        {"domain", required_argument, nullptr, 'W'},
        {"kerberos", no_argument, nullptr, 'k'},          {"realm", required_argument, nullptr, OPT_REALM},
        {"ccache", required_argument, nullptr, OPT_CCACHE}, {"target-hostname", required_argument, nullptr, OPT_TARGET},
        {"configfile", required_argument, nullptr, 's'},  {"dn", required_argument, nullptr, OPT_DN},
        {"codepage", required_argument, nullptr, OPT_CP}, {"locale", required_argument, nullptr, OPT_LOCALE},
        {"no-compression", no_argument, nullptr, OPT_NOCOMP}, {"no-xor", no_argument, nullptr, OPT_NOXOR},
        {"debuglevel", required_argument, nullptr, 'd'},  {"help", no_argument, nullptr, 'h'},
        {nullptr, 0, nullptr, 0}};
    bool have_password = false;
    try {
        int c;
        // '+': stop at the first non-option (the command and its arguments).
        while ((c = getopt_long(argc, argv, "+H:p:U:W:ks:d:h", opts, nullptr)) != -1) {
            switch (c) {
            case 'H': ctx.samba.host = optarg; break;
            case 'p': ctx.samba.port = unsigned(parse_number(optarg, "port")); break;
            case 'U': {
                std::string u = optarg;
                size_t pct = u.find('%');
                if (pct != std::string::npos) {
                    ctx.samba.password = u.substr(pct + 1);
                    have_password = true;
                    u.resize(pct);
                }
                ctx.samba.user = u;
                break;
            }
            case 'W': ctx.samba.domain = optarg; break;
            case 'k': ctx.samba.kerberos = true; break;
            case OPT_REALM: ctx.samba.realm = optarg; break;
            case OPT_CCACHE: ctx.samba.ccache = optarg; break;
            case OPT_TARGET: ctx.samba.target_hostname = optarg; break;
            case 's': ctx.samba.smb_conf = optarg; break;
            case OPT_DN: ctx.dn = optarg; break;
            case OPT_CP: ctx.codepage = uint32_t(parse_number(optarg, "code page")); break;
            case OPT_LOCALE: ctx.locale = uint32_t(parse_number(optarg, "locale")); break;
            case OPT_NOCOMP: ctx.client_options.compress = false; break;
            case OPT_NOXOR: ctx.client_options.obfuscate = false; break;
            case 'd': ctx.samba.debug_level = int(parse_number(optarg, "debug level")); break;
            case 'h': print_usage(stdout); return kExitOk;
            default: print_usage(stderr); return kExitUsage;
            }
        }
    } catch (const std::invalid_argument& e) {
        fprintf(stderr, "mapigate-client: %s\n", e.what());
        return kExitUsage;
    }
    if (!have_password && !ctx.samba.kerberos) {
        if (const char* p = getenv("PASSWD")) ctx.samba.password = p;
    }
    if (optind >= argc) {
        print_usage(stderr);
        return kExitUsage;
    }
    std::vector<std::string> words(argv + optind, argv + argc);
    return run_command(ctx, words);
}
