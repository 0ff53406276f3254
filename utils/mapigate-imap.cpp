// mapigate-imap: checks and exercises the gateway's IMAP access the way the
// IMAP provider does it — as the master user acting for a mailbox owner —
// and shows how messages convert to MAPI. For admins (is Dovecot set up
// right?) and for the integration tests. Output is JSON, one document.
//
//   mapigate-imap [options] --user USER COMMAND [ARGS]
//     check                          capabilities, required ones, ENABLE QRESYNC
//     folders                        mailboxes as MAPI folders (role, names, status)
//     append MAILBOX FILE [FLAG...]  APPEND a message file, prints APPENDUID
//     fetch MAILBOX UID              the message converted to MAPI properties
//     store MAILBOX UID OP FLAG...   UID STORE (OP: +FLAGS, -FLAGS, FLAGS)
//     search MAILBOX CRITERIA...     UID SEARCH
//     sort MAILBOX CRITERIA          UID SORT (e.g. "REVERSE ARRIVAL")
//     move MAILBOX UID DEST          UID MOVE, prints COPYUID
//     create NAME [PARENT]           new folder NAME (Unicode) under PARENT (wire name)
//     rename FROM TO | delete NAME   by wire name
//   options: --host H (127.0.0.1) --port P (143) --master NAME (mapigate-master)
//            --master-password-file F  --starttls  --ca FILE  --timeout MS
//            --log-level error|warn|info|debug|trace
// The master password is read from a file, never from the command line.
#include "common/log.h"
#include "libmapi/proptags.h"
#include "providers/imap/imap_client.h"
#include "providers/imap/imap_folders.h"
#include "providers/imap/mime_to_mapi.h"

#include <cstdio>
#include <fstream>
#include <sstream>

using namespace mg;
using namespace mg::imap;

namespace {

std::string json(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') out += '\\', out += char(c);
        else if (c < 0x20) {
            char b[8];
            snprintf(b, sizeof b, "\\u%04x", c);
            out += b;
        } else out += char(c);
    }
    return out + "\"";
}

std::string hex(const Bytes& b) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (uint8_t x : b) s += d[x >> 4], s += d[x & 15];
    return s;
}

std::string value_json(const mapi::PropValue& v) {
    using namespace mapi;
    switch (prop_type(v.tag)) {
    case PT_UNICODE: case PT_STRING8: return json(v.as_str());
    case PT_LONG: return std::to_string(v.as_i32());
    case PT_I8: case PT_SYSTIME: return std::to_string(v.as_i64());
    case PT_BOOLEAN: return v.as_bool() ? "true" : "false";
    case PT_BINARY: return json(hex(v.as_bin()));
    default: return "null";
    }
}

std::string props_json(const mapi::PropList& props) {
    std::string out = "{";
    for (size_t i = 0; i < props.size(); ++i) {
        if (i) out += ", ";
        out += json(mapi::tag_name(props[i].tag)) + ": " + value_json(props[i]);
    }
    return out + "}";
}

std::string message_json(const MapiMessage& m) {
    std::string out = "{\"props\": " + props_json(m.props) + ", \"recipients\": [";
    for (size_t i = 0; i < m.recipients.size(); ++i) out += (i ? ", " : "") + props_json(m.recipients[i].props);
    out += "], \"attachments\": [";
    for (size_t i = 0; i < m.attachments.size(); ++i) {
        const MimeAttachment& a = m.attachments[i];
        out += std::string(i ? ", " : "") + "{\"props\": " + props_json(a.props) +
               ", \"size\": " + std::to_string(a.data.size());
        if (a.embedded) out += ", \"embedded\": " + message_json(*a.embedded);
        out += "}";
    }
    return out + "]}";
}

const char* role_name(FolderRole r) {
    switch (r) {
    case FolderRole::Inbox: return "Inbox";
    case FolderRole::SentItems: return "SentItems";
    case FolderRole::Drafts: return "Drafts";
    case FolderRole::DeletedItems: return "DeletedItems";
    case FolderRole::Junk: return "Junk";
    case FolderRole::Outbox: return "Outbox";
    default: return "Generic";
    }
}

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot read " + path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

std::string strings_json(const std::vector<std::string>& v) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + json(v[i]);
    return out + "]";
}

std::string numbers_json(const std::vector<uint32_t>& v) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
    return out + "]";
}

int usage() {
    fprintf(stderr, "usage: mapigate-imap [--host H] [--port P] [--master NAME] --master-password-file F "
                    "[--starttls] [--ca FILE] [--timeout MS] [--log-level L] --user USER COMMAND [ARGS]\n"
                    "commands: check, folders, append, fetch, store, search, sort, move, create, rename, delete\n");
    return 2;
}

int run(int argc, char** argv) {
    ClientOptions o;
    std::string master = "mapigate-master", password_file, user;
    std::vector<std::string> args;
    log::Level level = log::Level::Warn;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
            return argv[++i];
        };
        if (a == "--host") o.host = next();
        else if (a == "--port") o.port = uint16_t(std::stoi(next()));
        else if (a == "--master") master = next();
        else if (a == "--master-password-file") password_file = next();
        else if (a == "--user") user = next();
        else if (a == "--starttls") o.tls = ClientOptions::Tls::StartTls;
        else if (a == "--ca") o.tls_ca_file = next();
        else if (a == "--timeout") o.io_timeout = o.connect_timeout = std::chrono::milliseconds(std::stoi(next()));
        else if (a == "--log-level") level = log::parse_level(next(), log::Level::Warn);
        else if (a.rfind("--", 0) == 0) return usage();
        else args.push_back(a);
    }
    if (user.empty() || password_file.empty() || args.empty()) return usage();
    log::init("mapigate-imap", false, level);
    o.log_name = user;

    Client c(o);
    c.connect();
    c.authenticate_plain({user, master, trim(read_file(password_file))});
    const std::string& cmd = args[0];
    if (cmd == "check") {
        std::vector<std::string> caps(c.capabilities().begin(), c.capabilities().end());
        c.enable_required();
        printf("{\"capabilities\": %s, \"qresync\": true}\n", strings_json(caps).c_str());
        return 0;
    }
    c.enable_required();
    auto need = [&](size_t n) {
        if (args.size() < n) throw std::runtime_error(cmd + ": missing arguments");
    };
    if (cmd == "folders") {
        auto list = c.list("", "*", true, c.has("LIST-STATUS") ? "MESSAGES UNSEEN UIDVALIDITY UIDNEXT HIGHESTMODSEQ" : "");
        std::string out = "[";
        bool first = true;
        for (const MailFolder& f : map_folders(list)) {
            const MailboxInfo* info = nullptr;
            for (const MailboxInfo& m : list)
                if (m.name == f.mailbox || (f.mailbox == "INBOX" && upper(m.name) == "INBOX")) info = &m;
            out += std::string(first ? "" : ",\n ") + "{\"mailbox\": " + json(f.mailbox) + ", \"parent\": " +
                   json(f.parent_mailbox) + ", \"name\": " + json(f.display_name) + ", \"role\": " +
                   json(role_name(f.role)) + ", \"selectable\": " + (f.selectable ? "true" : "false");
            if (info && info->status) {
                const StatusInfo& s = *info->status;
                out += ", \"messages\": " + std::to_string(s.messages.value_or(0)) +
                       ", \"uidvalidity\": " + std::to_string(s.uidvalidity.value_or(0)) +
                       ", \"highestmodseq\": " + std::to_string(s.highestmodseq.value_or(0));
            }
            out += "}";
            first = false;
        }
        printf("%s]\n", out.c_str());
    } else if (cmd == "append") {
        need(3);
        std::vector<std::string> flags(args.begin() + 3, args.end());
        AppendResult a = c.append(args[1], read_file(args[2]), flags);
        printf("{\"uidvalidity\": %u, \"uid\": %u}\n", a.uidvalidity, a.uid);
    } else if (cmd == "fetch") {
        need(3);
        SelectResult s = c.select(args[1], true);
        auto items = c.uid_fetch(args[2], "UID FLAGS RFC822.SIZE INTERNALDATE BODY.PEEK[]");
        if (items.empty()) throw std::runtime_error("no message with UID " + args[2] + " in " + args[1]);
        const FetchItem& f = items[0];
        MimeOptions mo;
        if (f.internaldate)
            if (auto t = parse_internaldate(*f.internaldate)) mo.delivery_time = unix_to_filetime(*t);
        MapiMessage m = mime_to_mapi(f.sections.at("BODY[]"), mo);
        FlagProps fl = imap_flags_to_mapi(f.flags.value_or(std::vector<std::string>{}));
        printf("{\"uid\": %u, \"uidvalidity\": %u, \"size\": %llu, \"flags\": %s, \"flag_props\": %s, "
               "\"categories\": %s, \"message\": %s}\n",
               f.uid, s.uidvalidity, (unsigned long long)f.size.value_or(0),
               strings_json(f.flags.value_or(std::vector<std::string>{})).c_str(), props_json(fl.props).c_str(),
               strings_json(fl.categories).c_str(), message_json(m).c_str());
    } else if (cmd == "store") {
        need(5);
        c.select(args[1]);
        std::vector<std::string> flags(args.begin() + 4, args.end());
        StoreResult r = c.uid_store(args[2], args[3], flags);
        printf("{\"updated\": %zu}\n", r.updated.size());
    } else if (cmd == "search" || cmd == "sort") {
        need(3);
        c.select(args[1], true);
        std::string criteria;
        for (size_t i = 2; i < args.size(); ++i) criteria += (i > 2 ? " " : "") + args[i];
        auto uids = cmd == "search" ? c.uid_search(criteria) : c.uid_sort(criteria);
        printf("{\"uids\": %s}\n", numbers_json(uids).c_str());
    } else if (cmd == "move") {
        need(4);
        c.select(args[1]);
        CopyResult r = c.uid_move(args[2], args[3]);
        printf("{\"uidvalidity\": %u, \"source\": %s, \"dest\": %s}\n", r.uidvalidity, numbers_json(r.source).c_str(),
               numbers_json(r.dest).c_str());
    } else if (cmd == "create") {
        need(2);
        auto list = c.list("", "%", false);
        char delim = list.empty() ? '/' : list[0].delimiter;
        std::string wire = child_mailbox_name(args.size() > 2 ? args[2] : "", args[1], delim);
        c.create(wire);
        printf("{\"mailbox\": %s}\n", json(wire).c_str());
    } else if (cmd == "rename") {
        need(3);
        c.rename(args[1], args[2]);
        printf("{}\n");
    } else if (cmd == "delete") {
        need(2);
        c.delete_mailbox(args[1]);
        printf("{}\n");
    } else {
        return usage();
    }
    c.logout();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        printf("{\"error\": %s}\n", json(e.what()).c_str());
        fprintf(stderr, "mapigate-imap: %s\n", e.what());
        return 1;
    }
}
