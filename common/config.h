// smb.conf reading for the engine and tools, and the seed guides' options.
//
// The engine reads the same smb.conf as Samba (admins keep one file). The
// parser follows Samba's rules where they matter: case-insensitive sections
// and parameter names in which white space is not significant, '#' and ';'
// comments, '\' line continuation, and 'include ='.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mg {

class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class SmbConf {
public:
    // Throws ConfigError naming the file and line on unreadable files or
    // malformed lines.
    static SmbConf load(const std::string& path);
    static SmbConf parse(const std::string& text, const std::string& origin = "<string>");

    std::optional<std::string> get(const std::string& section, const std::string& key) const;
    std::string get_or(const std::string& section, const std::string& key, const std::string& dflt) const;
    // Accepts yes/no/true/false/1/0/on/off; throws ConfigError otherwise.
    bool get_bool(const std::string& section, const std::string& key, bool dflt) const;
    std::optional<std::string> global(const std::string& key) const { return get("global", key); }

    static std::string normalize_key(const std::string& k);

private:
    void parse_into(const std::string& text, const std::string& origin, int depth);
    std::map<std::string, std::map<std::string, std::string>> sections_;
};

// mysql://user:pass@host[:port]/db[?unix_socket=/path]
// The password may hold any punctuation ($, @, :, /, ...): the LAST '@' ends
// the credentials. %XX escapes are decoded in user and password.
struct DbUri {
    std::string user;
    std::string password;
    std::string host = "localhost";
    unsigned port = 3306;
    std::string database;
    std::string unix_socket;

    static DbUri parse(const std::string& uri);  // throws ConfigError
    std::string redacted() const;                // for logs: no password
};

// The IMAP mail provider (mapistore:imap_*). Without mapistore:imap_server
// the engine keeps every folder in the fallback provider.
struct ImapConfig {
    std::string host = "127.0.0.1";        // mapistore:imap_server = host[:port]
    unsigned port = 143;
    std::string master_user;               // mapistore:imap_master_user
    std::string master_password_file;      // mapistore:imap_master_password_file (read by the engine)
    bool starttls = false;                 // mapistore:imap_starttls
    unsigned timeout_ms = 30000;           // mapistore:imap_timeout (per read/write)
    // mapistore:imap_{sent,drafts,trash,junk,outbox}_folder: the mailbox
    // names of the special folders when the server has no SPECIAL-USE flag
    // for them. The Outbox is an IMAP folder only when its name is given.
    std::string sent_folder, drafts_folder, trash_folder, junk_folder, outbox_folder;
};

// Everything mapigate takes from smb.conf, with the seed guides' names.
struct GatewayConfig {
    std::string engine_socket = "/run/mapigate/engine.sock";  // mapiproxy:engine_socket
    std::optional<DbUri> openchangedb;      // mapiproxy:openchangedb
    std::optional<DbUri> indexing;          // mapistore:indexing_backend
    std::optional<DbUri> namedprops;        // mapistore:namedproperties = mysql + namedproperties:mysql_*
    std::vector<std::string> interfaces;    // dcerpc_mapiproxy:interfaces
    std::optional<ImapConfig> imap;         // mapistore:imap_server and friends
    std::string realm;
    std::string workgroup;
    std::string netbios_name;
    std::vector<std::string> warnings;      // non-fatal problems, for the log

    static GatewayConfig from(const SmbConf& conf);  // throws ConfigError on a bad required value
};

}  // namespace mg
