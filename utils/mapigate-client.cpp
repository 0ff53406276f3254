// mapigate-client: the project's own EMSMDB client, over DCE/RPC through
// Samba's client library.
//
//   mapigate-client [-H host] [-U user%password] [-W domain] [--kerberos] COMMAND [ARGS]
//
// Commands are entries of one table (commands() below). The store commands
// (folders, props, mkdir, rmdir, set-prop, del-prop, table, msg, read, rm, named) run on
// client/mapi_session.h: one EcDoConnectEx and one RopLogon per process (or
// per shell), server objects kept across commands. `shell` reads commands
// from standard input, one per line, on one connection and one session, and
// ends each answer with a line "> ok" or "> error" (scripts and tests drive
// it); there, the protocol commands (connect, rop-hex, adopt) take the rest
// of the line as their one argument, the store commands split it into words
// like a shell ('single' and "double" quotes, backslash escapes).
#include "client/emsmdb_client.h"
#include "client/mapi_session.h"
#include "client/samba_transport.h"
#include "libmapi/proptags.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <getopt.h>
#include <inttypes.h>
#include <limits>
#include <map>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

using mg::Bytes;
using mg::DecodeError;
using namespace mg::client;
namespace mapi = mg::mapi;

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
    std::unique_ptr<MapiSession> mapi;  // destroyed first: its objects refer to `client`

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
    EmsmdbClient& session(bool verbose = true) {
        EmsmdbClient& c = emsmdb();
        if (!c.connected()) connect(verbose);
        return c;
    }
    // The store commands: a session and a logon to the private mailbox.
    MapiSession& store() {
        EmsmdbClient& c = session(false);
        if (!mapi) mapi = std::make_unique<MapiSession>(c, codepage);
        if (!mapi->logged_on()) mapi->logon(dn);
        return *mapi;
    }
    void connect(bool verbose = true) {
        if (dn.empty()) throw std::invalid_argument("no mailbox DN: give --dn (the user's legacyExchangeDN)");
        mapi.reset();  // a new session has a new handle table
        const SessionDetails& s = emsmdb().connect(dn, codepage, locale);
        if (!verbose) return;
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
    bool split_args = false;  // shell: split the rest of the line into words
};

constexpr size_t kAnyArgs = std::numeric_limits<size_t>::max();

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
    for (const auto& c : commands()) fprintf(out, "  %s %s\n      %s\n", c.name, c.args, c.help);
    fprintf(out,
            "FOLDER: a path as `folders` prints it (\"/Top of Information Store/Inbox\", case-insensitive)\n"
            "  or a folder id (0x...). TAG: an MS-OXPROPS name (PidTagDisplayName) or a hex tag (0x3001001F);\n"
            "  values are read in the tag's type (numbers decimal or 0x hex, booleans true/false, times\n"
            "  2024-05-01T12:00:00Z, binaries hex, GUIDs xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).\n"
            "Restrictions (table --restrict EXPR):\n"
            "  TAG OP VALUE      OP: = != < <= > >= compare (strings ignore case)\n"
            "                        ~ contains, ^ starts with (ignoring case), == exact string\n"
            "  TAG & MASK        bits of MASK set;  TAG !& MASK: none of them set\n"
            "  exists(TAG)  not(E)  and(E, E, ...)  or(E, E, ...)\n"
            "  VALUE: \"double quoted\" (\\\" and \\\\ escapes) or a bare word; e.g.\n"
            "    --restrict 'and(PidTagDisplayName~\"inb\", PidTagContentCount>0)'\n"
            "Output: one \"key: value\" per line; `folders` prints aligned columns with the path last;\n"
            "  `table` prints \"row: N\" before each row's \"TAG: value\" lines and \"rows: N\" at the end.\n"
            "Exit status: 0 success, 1 usage, 2 the server returned an error code, 3 DCE/RPC fault,\n"
            "4 connection or authentication failure.\n");
}

void print_buffers(const std::vector<Bytes>& buffers) {
    printf("EcDoRpcExt2: 0x00000000\n");
    for (const auto& b : buffers) printf("rop response: %s\n", to_hex(b).c_str());
}

int run_shell(Context& ctx);

// ---------------------------------------------------------------------------
// Store commands

// A store command's words: --options (with or without a value) and the rest.
struct CmdArgs {
    std::vector<std::string> positional;
    std::map<std::string, std::string> options;  // "--limit" -> "10"; flags -> ""

    CmdArgs(const std::vector<std::string>& words, std::initializer_list<const char*> with_value,
            std::initializer_list<const char*> flags) {
        for (size_t i = 0; i < words.size(); ++i) {
            const std::string& w = words[i];
            if (w.size() < 3 || w.compare(0, 2, "--") != 0) {
                positional.push_back(w);
                continue;
            }
            auto named = [&](std::initializer_list<const char*> l) {
                return std::any_of(l.begin(), l.end(), [&](const char* n) { return w == n; });
            };
            if (named(flags)) {
                options[w] = "";
            } else if (named(with_value)) {
                if (i + 1 >= words.size()) throw std::invalid_argument(w + " needs a value");
                options[w] = words[++i];
            } else {
                throw std::invalid_argument("unknown option " + w);
            }
        }
    }
    bool has(const char* name) const { return options.count(name) > 0; }
    std::string get(const char* name, const std::string& fallback = {}) const {
        auto it = options.find(name);
        return it == options.end() ? fallback : it->second;
    }
    void need(size_t min, size_t max, const char* usage) const {
        if (positional.size() < min || positional.size() > max)
            throw std::invalid_argument(std::string("usage: ") + usage);
    }
};

unsigned long parse_number(const char* s, const char* what);

std::string hex_id(uint64_t id) {
    char buf[24];
    snprintf(buf, sizeof buf, "0x%016" PRIx64, id);
    return buf;
}

void print_props(const mapi::PropList& values) {
    for (const auto& v : values) printf("%s: %s\n", tag_label(v.tag).c_str(), format_value(v).c_str());
}

// Problems of RopSetProperties / RopDeleteProperties: printed, then the first
// one is the command's error.
void check_problems(const char* rop, const std::vector<mapi::PropertyProblem>& problems) {
    for (const auto& p : problems) printf("problem: %s 0x%08x\n", tag_label(p.tag).c_str(), p.error);
    if (!problems.empty()) throw MapiError(rop, problems.front().error);
}

void cmd_folders(Context& ctx, const std::vector<std::string>& words) {
    CmdArgs a(words, {"--depth"}, {});
    a.need(0, 0, "folders [--depth N]");
    uint32_t max_depth = a.has("--depth") ? uint32_t(parse_number(a.get("--depth").c_str(), "depth"))
                                          : std::numeric_limits<uint32_t>::max();
    auto tree = ctx.store().folder_tree();
    printf("%-18s  %-24s %8s %10s  %s\n", "fid", "class", "contents", "subfolders", "path");
    size_t shown = 0;
    for (const auto& e : tree) {
        if (e.depth > max_depth) continue;
        printf("%-18s  %-24s %8u %10u  %s\n", hex_id(e.fid).c_str(),
               e.container_class.empty() ? "-" : e.container_class.c_str(), e.content_count, e.child_count,
               e.path.c_str());
        ++shown;
    }
    printf("folders: %zu\n", shown);
}

void cmd_props(Context& ctx, const std::vector<std::string>& words) {
    CmdArgs a(words, {}, {});
    a.need(1, kAnyArgs, "props FOLDER [TAG...]");
    MapiSession& m = ctx.store();
    Folder f = m.open_folder(m.resolve_folder(a.positional[0]));
    mapi::PropList values;
    if (a.positional.size() == 1) {
        values = m.get_all_props(f);
        std::stable_sort(values.begin(), values.end(),
                         [](const mapi::PropValue& x, const mapi::PropValue& y) { return x.tag < y.tag; });
    } else {
        std::vector<mapi::PropTag> tags;
        for (size_t i = 1; i < a.positional.size(); ++i) {
            auto more = parse_tag_list(a.positional[i]);
            tags.insert(tags.end(), more.begin(), more.end());
        }
        values = m.get_props(f, tags);
    }
    printf("folder: %s\n", hex_id(f.fid).c_str());
    print_props(values);
}

void cmd_mkdir(Context& ctx, const std::vector<std::string>& words) {
    CmdArgs a(words, {"--comment"}, {"--open-existing"});
    a.need(2, 2, "mkdir PARENT NAME [--comment TEXT] [--open-existing]");
    MapiSession& m = ctx.store();
    Folder parent = m.open_folder(m.resolve_folder(a.positional[0]));
    bool existed = false;
    Folder f = m.create_folder(parent, a.positional[1], a.get("--comment"), a.has("--open-existing"), &existed);
    printf("fid: %s\n", hex_id(f.fid).c_str());
    printf("existed: %s\n", existed ? "true" : "false");
}

std::vector<uint64_t> message_ids(const std::vector<std::string>& words, size_t from) {
    std::vector<uint64_t> mids;
    for (size_t i = from; i < words.size(); ++i) mids.push_back(parse_number(words[i].c_str(), "message id"));
    return mids;
}

void cmd_read(Context& ctx, const std::vector<std::string>& words) {
    CmdArgs a(words, {}, {"--unread"});
    a.need(2, kAnyArgs, "read FOLDER MID... [--unread]");
    MapiSession& m = ctx.store();
    Folder f = m.open_folder(m.resolve_folder(a.positional[0]));
    uint8_t flags = a.has("--unread") ? mg::rop::rfClearReadFlag : mg::rop::rfDefault;
    bool partial = m.set_read_flags(f, message_ids(a.positional, 1), flags);
    printf("partial completion: %s\n", partial ? "true" : "false");
}

void cmd_msg(Context& ctx, const std::vector<std::string>& words) {
    CmdArgs a(words, {}, {});
    a.need(2, kAnyArgs, "msg FOLDER MID [TAG...]");
    using namespace mapi;
    MapiSession& m = ctx.store();
    uint64_t fid = m.resolve_folder(a.positional[0]);
    ServerObject msg = m.open_message(fid, parse_number(a.positional[1].c_str(), "message id"));
    std::vector<PropTag> tags;
    for (size_t i = 2; i < a.positional.size(); ++i) {
        auto more = parse_tag_list(a.positional[i]);
        tags.insert(tags.end(), more.begin(), more.end());
    }
    if (tags.empty())
        tags = {PidTagMid, PidTagSubject, PidTagSenderName, PidTagSenderEmailAddress, PidTagDisplayTo,
                PidTagMessageFlags, PidTagHasAttachments, PidTagInternetMessageId, PidTagBody};
    print_props(m.get_props(msg, tags));
}

void cmd_rm(Context& ctx, const std::vector<std::string>& words) {
    CmdArgs a(words, {}, {"--hard"});
    a.need(2, kAnyArgs, "rm FOLDER MID... [--hard]");
    MapiSession& m = ctx.store();
    Folder f = m.open_folder(m.resolve_folder(a.positional[0]));
    bool partial = m.delete_messages(f, message_ids(a.positional, 1), a.has("--hard"));
    printf("partial completion: %s\n", partial ? "true" : "false");
}

void cmd_rmdir(Context& ctx, const std::vector<std::string>& words) {
    CmdArgs a(words, {"--flags"}, {"--hard", "--only-if-empty"});
    a.need(1, 1, "rmdir FOLDER [--only-if-empty] [--hard] [--flags N]");
    uint8_t flags = a.has("--only-if-empty") ? 0 : (kDelMessages | kDelFolders);
    if (a.has("--flags")) flags = uint8_t(parse_number(a.get("--flags").c_str(), "flags"));
    if (a.has("--hard")) flags |= kDelHardDelete;
    MapiSession& m = ctx.store();
    uint64_t fid = m.resolve_folder(a.positional[0]);
    uint64_t parent_fid;
    {
        Folder f = m.open_folder(fid);
        auto v = m.get_props(f, {mapi::PidTagParentFolderId});
        if (v.empty() || v[0].is_missing()) throw MapiError("RopGetPropertiesSpecific", mapi::ec::NotFound);
        parent_fid = uint64_t(std::get<int64_t>(v[0].value));
    }
    Folder parent = m.open_folder(parent_fid);
    bool partial = m.delete_folder(parent, fid, flags);
    printf("deleted: %s\n", hex_id(fid).c_str());
    printf("flags: 0x%02x\n", flags);
    printf("partial completion: %s\n", partial ? "true" : "false");
}

void cmd_set_prop(Context& ctx, const std::vector<std::string>& words) {
    CmdArgs a(words, {}, {});
    a.need(3, 3, "set-prop FOLDER TAG VALUE");
    MapiSession& m = ctx.store();
    Folder f = m.open_folder(m.resolve_folder(a.positional[0]));
    mapi::PropValue v = parse_value(parse_tag(a.positional[1]), a.positional[2]);
    check_problems("RopSetProperties", m.set_props(f, {v}));
    print_props(m.get_props(f, {v.tag}));
}

void cmd_del_prop(Context& ctx, const std::vector<std::string>& words) {
    CmdArgs a(words, {}, {});
    a.need(2, kAnyArgs, "del-prop FOLDER TAG...");
    MapiSession& m = ctx.store();
    Folder f = m.open_folder(m.resolve_folder(a.positional[0]));
    std::vector<mapi::PropTag> tags;
    for (size_t i = 1; i < a.positional.size(); ++i) {
        auto more = parse_tag_list(a.positional[i]);
        tags.insert(tags.end(), more.begin(), more.end());
    }
    check_problems("RopDeleteProperties", m.delete_props(f, tags));
    print_props(m.get_props(f, tags));
}

void cmd_table(Context& ctx, const std::vector<std::string>& words) {
    CmdArgs a(words, {"--columns", "--sort", "--restrict", "--limit"},
              {"--hierarchy", "--contents", "--associated", "--depth"});
    a.need(1, 1,
           "table FOLDER [--hierarchy [--depth]|--contents|--associated] [--columns TAG,...] [--sort TAG[:desc],...] "
           "[--restrict EXPR] [--limit N]");
    int kinds = a.has("--hierarchy") + a.has("--contents") + a.has("--associated");
    if (kinds > 1) throw std::invalid_argument("give one of --hierarchy, --contents, --associated");
    bool hierarchy = a.has("--hierarchy") || kinds == 0;
    using namespace mapi;
    std::vector<PropTag> columns =
        a.has("--columns") ? parse_tag_list(a.get("--columns"))
        : hierarchy ? std::vector<PropTag>{PidTagFolderId, PidTagDisplayName, PidTagContainerClass, PidTagContentCount,
                                           PidTagFolderChildCount}
                    : std::vector<PropTag>{PidTagMid, PidTagSubject, PidTagMessageClass, PidTagMessageDeliveryTime};
    std::optional<Restriction> restriction;
    if (a.has("--restrict")) restriction = parse_restriction_text(a.get("--restrict"));
    std::optional<SortOrderSet> sort;
    if (a.has("--sort")) sort = parse_sort(a.get("--sort"));
    size_t limit = a.has("--limit") ? parse_number(a.get("--limit").c_str(), "limit") : std::numeric_limits<size_t>::max();

    MapiSession& m = ctx.store();
    Folder f = m.open_folder(m.resolve_folder(a.positional[0]));
    Table t = hierarchy ? m.hierarchy_table(f, a.has("--depth") ? kTableDepth : 0)
                        : m.contents_table(f, a.has("--associated") ? kTableAssociated : 0);
    m.set_columns(t, columns);
    if (restriction) m.restrict_table(t, restriction);
    if (sort) m.sort_table(t, *sort);
    auto rows = m.query_all(t, limit);
    for (size_t i = 0; i < rows.size(); ++i) {
        printf("row: %zu\n", i + 1);
        print_props(rows[i]);
    }
    printf("rows: %zu\n", rows.size());
}

void cmd_named(Context& ctx, const std::vector<std::string>& words) {
    CmdArgs a(words, {}, {"--no-create"});
    a.need(2, 2, "named GUID NAME|LID [--no-create]");
    mapi::PropertyName n;
    n.guid = mapi::Guid::parse(a.positional[0]);
    const std::string& key = a.positional[1];
    char* end = nullptr;
    errno = 0;
    unsigned long lid = strtoul(key.c_str(), &end, 0);
    if (!key.empty() && std::isdigit(static_cast<unsigned char>(key[0])) && !errno && *end == 0 && lid <= 0xFFFFFFFFul) {
        n.kind = mapi::PropertyName::Id;
        n.lid = uint32_t(lid);
    } else {
        n.kind = mapi::PropertyName::Name;
        n.name = key;
    }
    auto ids = ctx.store().ids_from_names({n}, !a.has("--no-create"));
    if (ids.empty() || ids[0] == 0) throw MapiError("RopGetPropertyIdsFromNames", mapi::ec::NotFound);
    printf("guid: %s\n", n.guid.str().c_str());
    if (n.kind == mapi::PropertyName::Id) printf("lid: 0x%08x\n", n.lid);
    else printf("name: %s\n", n.name.c_str());
    printf("id: 0x%04x\n", ids[0]);
}

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
             ctx.mapi.reset();
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
        {"folders", "[--depth N]",
         "the folder tree: id, container class, message and subfolder counts, path (N levels below the root)", 0,
         kAnyArgs, cmd_folders, true},
        {"props", "FOLDER [TAG...]", "properties of a folder (all of them when no TAG is given)", 1, kAnyArgs,
         cmd_props, true},
        {"mkdir", "PARENT NAME [--comment TEXT] [--open-existing]", "creates a folder; prints its id", 2, kAnyArgs,
         cmd_mkdir, true},
        {"rmdir", "FOLDER [--only-if-empty] [--hard] [--flags N]",
         "deletes a folder with its messages and subfolders (DeleteFolderFlags 0x05; --only-if-empty: 0x00)", 1,
         kAnyArgs, cmd_rmdir, true},
        {"set-prop", "FOLDER TAG VALUE", "sets one property (VALUE read in the tag's type); prints it back", 3, 3,
         cmd_set_prop, true},
        {"del-prop", "FOLDER TAG...", "deletes properties", 2, kAnyArgs, cmd_del_prop, true},
        {"table", "FOLDER [--hierarchy [--depth]|--contents|--associated] [--columns TAG,...] [--sort TAG[:desc],...] "
                  "[--restrict EXPR] [--limit N]",
         "rows of a folder's hierarchy (default) or contents table, 100 per QueryRows", 1, kAnyArgs, cmd_table, true},
        {"read", "FOLDER MID... [--unread]", "RopSetReadFlags: marks messages read (or unread)", 2, kAnyArgs, cmd_read,
         true},
        {"msg", "FOLDER MID [TAG...]", "RopOpenMessage (read-only) and properties of the message", 2, kAnyArgs,
         cmd_msg, true},
        {"rm", "FOLDER MID... [--hard]", "RopDeleteMessages (RopHardDeleteMessages with --hard)", 2, kAnyArgs, cmd_rm,
         true},
        {"named", "GUID NAME|LID [--no-create]", "id of a named property (created unless --no-create)", 2, kAnyArgs,
         cmd_named, true},
    };
    return table;
}

const Command* find_command(const std::string& name);

// Runs one command; prints what went wrong; returns an exit status.
int run_command(Context& ctx, const std::vector<std::string>& words) {
    if (words.empty()) return kExitOk;
    const Command* cmd = find_command(words[0]);
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
        if (e.code() == mapi::ec::Backoff)
            fprintf(stderr, "mapigate-client: the server is busy (its store is unavailable); try again later\n");
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
    } catch (const DecodeError& e) {
        fprintf(stderr, "mapigate-client: malformed response: %s\n", e.what());
        return kExitMapi;
    } catch (const std::exception& e) {
        fprintf(stderr, "mapigate-client: %s\n", e.what());
        return kExitTransport;
    }
}

// Words of a shell line: blanks separate, 'single' and "double" quotes group,
// a backslash escapes the next character (outside single quotes).
std::vector<std::string> split_words(const std::string& text) {
    std::vector<std::string> words;
    std::string cur;
    bool in_word = false;
    char quote = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (quote) {
            if (c == quote) quote = 0;
            else if (c == '\\' && quote == '"' && i + 1 < text.size()) cur.push_back(text[++i]);
            else cur.push_back(c);
        } else if (c == '\'' || c == '"') {
            quote = c;
            in_word = true;
        } else if (c == '\\' && i + 1 < text.size()) {
            cur.push_back(text[++i]);
            in_word = true;
        } else if (std::isspace(static_cast<unsigned char>(c))) {
            if (in_word) words.push_back(std::move(cur));
            cur.clear();
            in_word = false;
        } else {
            cur.push_back(c);
            in_word = true;
        }
    }
    if (quote) throw std::invalid_argument("unterminated quote");
    if (in_word) words.push_back(std::move(cur));
    return words;
}

const Command* find_command(const std::string& name) {
    for (const auto& c : commands())
        if (name == c.name) return &c;
    return nullptr;
}

int run_shell(Context& ctx) {
    std::string line;
    int last = kExitOk;
    while (std::getline(std::cin, line)) {
        // COMMAND, then the rest of the line: one argument (DNs hold spaces)
        // or, for the store commands, words.
        std::istringstream in(line);
        std::vector<std::string> words;
        std::string w, rest;
        if (in >> w) words.push_back(w);
        std::getline(in, rest);
        size_t b = rest.find_first_not_of(" \t"), e = rest.find_last_not_of(" \t\r");
        const Command* cmd = words.empty() ? nullptr : find_command(words[0]);
        if (cmd && cmd->split_args) {
            try {
                for (auto& x : split_words(rest)) words.push_back(std::move(x));
            } catch (const std::invalid_argument& ex) {
                fprintf(stderr, "mapigate-client: %s\n", ex.what());
                printf("> error\n");
                fflush(stdout);
                last = kExitUsage;
                continue;
            }
        } else if (b != std::string::npos) {
            words.push_back(rest.substr(b, e - b + 1));
        }
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
