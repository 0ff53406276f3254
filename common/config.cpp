#include "common/config.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace mg {
namespace {

std::string trim(const std::string& s) {
    size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    size_t e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

std::string lower(std::string s) {
    for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string percent_decode(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += char(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace

std::string SmbConf::normalize_key(const std::string& k) {
    std::string out;
    for (char c : k)
        if (c != ' ' && c != '\t') out += char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

SmbConf SmbConf::load(const std::string& path) {
    std::ifstream f(path);
    if (!f) throw ConfigError("cannot read configuration file " + path);
    std::stringstream ss;
    ss << f.rdbuf();
    SmbConf c;
    c.parse_into(ss.str(), path, 0);
    return c;
}

SmbConf SmbConf::parse(const std::string& text, const std::string& origin) {
    SmbConf c;
    c.parse_into(text, origin, 0);
    return c;
}

void SmbConf::parse_into(const std::string& text, const std::string& origin, int depth) {
    if (depth > 8) throw ConfigError(origin + ": include nesting too deep");
    std::istringstream in(text);
    std::string line, section = "global";
    int lineno = 0;
    while (std::getline(in, line)) {
        ++lineno;
        int start = lineno;
        while (!line.empty() && (line.back() == '\r')) line.pop_back();
        while (!line.empty() && line.back() == '\\') {
            line.pop_back();
            std::string next;
            if (!std::getline(in, next)) break;
            ++lineno;
            line += next;
        }
        std::string t = trim(line);
        if (t.empty() || t[0] == '#' || t[0] == ';') continue;
        if (t[0] == '[') {
            size_t e = t.find(']');
            if (e == std::string::npos)
                throw ConfigError(origin + ":" + std::to_string(start) + ": unterminated section header");
            section = lower(trim(t.substr(1, e - 1)));
            if (section == "globals") section = "global";
            continue;
        }
        size_t eq = t.find('=');
        if (eq == std::string::npos)
            throw ConfigError(origin + ":" + std::to_string(start) + ": expected 'name = value', got '" + t + "'");
        std::string key = normalize_key(trim(t.substr(0, eq)));
        std::string value = trim(t.substr(eq + 1));
        if (key.empty()) throw ConfigError(origin + ":" + std::to_string(start) + ": empty parameter name");
        if (key == "include") {
            std::ifstream f(value);
            if (!f) continue;  // Samba ignores missing includes too
            std::stringstream ss;
            ss << f.rdbuf();
            parse_into(ss.str(), value, depth + 1);
            continue;
        }
        sections_[section][key] = value;
    }
}

std::optional<std::string> SmbConf::get(const std::string& section, const std::string& key) const {
    auto s = sections_.find(lower(section));
    if (s == sections_.end()) return std::nullopt;
    auto k = s->second.find(normalize_key(key));
    if (k == s->second.end()) return std::nullopt;
    return k->second;
}

std::string SmbConf::get_or(const std::string& section, const std::string& key, const std::string& dflt) const {
    auto v = get(section, key);
    return v ? *v : dflt;
}

bool SmbConf::get_bool(const std::string& section, const std::string& key, bool dflt) const {
    auto v = get(section, key);
    if (!v) return dflt;
    std::string l = lower(*v);
    if (l == "yes" || l == "true" || l == "1" || l == "on") return true;
    if (l == "no" || l == "false" || l == "0" || l == "off") return false;
    throw ConfigError("invalid boolean '" + *v + "' for '" + key + "'");
}

DbUri DbUri::parse(const std::string& uri) {
    DbUri u;
    std::string rest;
    for (const char* scheme : {"mysql://", "mariadb://"}) {
        if (uri.rfind(scheme, 0) == 0) rest = uri.substr(std::string(scheme).size());
    }
    if (rest.empty())
        throw ConfigError("database URI must look like mysql://user:password@host/database (got a value "
                          "without the mysql:// scheme)");
    // Query string (unix_socket) after the database name.
    std::string query;
    size_t at = rest.rfind('@');
    size_t hoststart = at == std::string::npos ? 0 : at + 1;
    size_t q = rest.find('?', hoststart);
    if (q != std::string::npos) {
        query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    if (at != std::string::npos) {
        std::string cred = rest.substr(0, at);
        size_t colon = cred.find(':');
        if (colon == std::string::npos) {
            u.user = percent_decode(cred);
        } else {
            u.user = percent_decode(cred.substr(0, colon));
            u.password = percent_decode(cred.substr(colon + 1));
        }
    }
    std::string hp = rest.substr(hoststart);
    size_t slash = hp.find('/');
    if (slash == std::string::npos) throw ConfigError("database URI has no database name: " + u.redacted());
    u.database = percent_decode(hp.substr(slash + 1));
    std::string host = hp.substr(0, slash);
    if (!host.empty() && host[0] == '[') {
        size_t e = host.find(']');
        if (e == std::string::npos) throw ConfigError("database URI has an unterminated [IPv6] host");
        u.host = host.substr(1, e - 1);
        host = host.substr(e + 1);
        if (!host.empty() && host[0] == ':') host = host.substr(1); else host.clear();
        if (!host.empty()) u.port = unsigned(std::stoul(host));
    } else {
        size_t colon = host.rfind(':');
        if (colon != std::string::npos) {
            std::string p = host.substr(colon + 1);
            if (p.empty() || !std::all_of(p.begin(), p.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
                throw ConfigError("database URI has an invalid port '" + p + "'");
            u.port = unsigned(std::stoul(p));
            if (u.port == 0 || u.port > 65535) throw ConfigError("database URI port out of range");
            host = host.substr(0, colon);
        }
        if (!host.empty()) u.host = host;
    }
    if (u.database.empty()) throw ConfigError("database URI has an empty database name");
    std::istringstream qs(query);
    std::string kv;
    while (std::getline(qs, kv, '&')) {
        size_t eq = kv.find('=');
        std::string k = kv.substr(0, eq);
        std::string v = eq == std::string::npos ? "" : percent_decode(kv.substr(eq + 1));
        if (k == "unix_socket" || k == "socket") u.unix_socket = v;
    }
    return u;
}

std::string DbUri::redacted() const {
    std::string s = "mysql://";
    if (!user.empty()) s += user + (password.empty() ? "" : ":***") + "@";
    s += host;
    if (port != 3306) s += ":" + std::to_string(port);
    s += "/" + database;
    if (!unix_socket.empty()) s += "?unix_socket=" + unix_socket;
    return s;
}

namespace {

unsigned parse_unsigned(const std::string& key, const std::string& v, unsigned max) {
    if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 9 || std::stoul(v) > max)
        throw ConfigError("'" + key + " = " + v + "': expected a number up to " + std::to_string(max));
    return unsigned(std::stoul(v));
}

ImapConfig parse_imap(const SmbConf& conf, const std::string& server) {
    ImapConfig c;
    std::string s = server;
    while (!s.empty() && s.back() == ' ') s.pop_back();
    if (s.empty()) throw ConfigError("'mapistore:imap_server' is empty (expected host[:port])");
    // host, host:port, [v6]:port
    std::string host = s, port;
    if (s[0] == '[') {
        size_t close = s.find(']');
        if (close == std::string::npos) throw ConfigError("'mapistore:imap_server = " + s + "': unclosed '['");
        host = s.substr(1, close - 1);
        if (close + 1 < s.size()) {
            if (s[close + 1] != ':') throw ConfigError("'mapistore:imap_server = " + s + "': expected ':' after ']'");
            port = s.substr(close + 2);
        }
    } else if (size_t colon = s.rfind(':'); colon != std::string::npos && s.find(':') == colon) {
        host = s.substr(0, colon);
        port = s.substr(colon + 1);
    }
    if (host.empty()) throw ConfigError("'mapistore:imap_server = " + s + "': no host");
    c.host = host;
    if (!port.empty()) c.port = parse_unsigned("mapistore:imap_server port", port, 65535);
    if (c.port == 0) throw ConfigError("'mapistore:imap_server = " + s + "': port 0");
    c.master_user = conf.get_or("global", "mapistore:imap_master_user", "");
    c.master_password_file = conf.get_or("global", "mapistore:imap_master_password_file", "");
    if (c.master_user.empty() || c.master_password_file.empty())
        throw ConfigError("'mapistore:imap_server' needs 'mapistore:imap_master_user' and "
                          "'mapistore:imap_master_password_file' (the gateway logs in as a master user)");
    c.starttls = conf.get_bool("global", "mapistore:imap_starttls", false);
    if (auto t = conf.global("mapistore:imap_timeout")) c.timeout_ms = parse_unsigned("mapistore:imap_timeout", *t, 3600000);
    c.sent_folder = conf.get_or("global", "mapistore:imap_sent_folder", "");
    c.drafts_folder = conf.get_or("global", "mapistore:imap_drafts_folder", "");
    c.trash_folder = conf.get_or("global", "mapistore:imap_trash_folder", "");
    c.junk_folder = conf.get_or("global", "mapistore:imap_junk_folder", "");
    c.outbox_folder = conf.get_or("global", "mapistore:imap_outbox_folder", "");
    return c;
}

}  // namespace

GatewayConfig GatewayConfig::from(const SmbConf& conf) {
    GatewayConfig g;
    g.engine_socket = conf.get_or("global", "mapiproxy:engine_socket", g.engine_socket);
    if (auto v = conf.global("mapiproxy:openchangedb")) g.openchangedb = DbUri::parse(*v);
    if (auto v = conf.global("mapistore:indexing_backend")) g.indexing = DbUri::parse(*v);
    if (auto v = conf.global("mapistore:namedproperties")) {
        std::string l = lower(*v);
        if (l == "mysql") {
            DbUri u;
            u.user = conf.get_or("global", "namedproperties:mysql_user", "");
            u.password = conf.get_or("global", "namedproperties:mysql_pass", "");
            u.host = conf.get_or("global", "namedproperties:mysql_host", "localhost");
            u.database = conf.get_or("global", "namedproperties:mysql_db", "");
            if (auto p = conf.global("namedproperties:mysql_port")) u.port = unsigned(std::stoul(*p));
            if (auto s = conf.global("namedproperties:mysql_sock")) u.unix_socket = *s;
            if (u.database.empty()) throw ConfigError("'mapistore:namedproperties = mysql' needs 'namedproperties:mysql_db'");
            g.namedprops = u;
        } else if (l.rfind("mysql://", 0) == 0) {
            g.namedprops = DbUri::parse(*v);
        } else {
            g.warnings.push_back("'mapistore:namedproperties = " + *v +
                                 "': only 'mysql' is supported; using the openchangedb database");
        }
    }
    // Without separate settings, everything lives in the openchangedb database.
    if (g.openchangedb) {
        if (!g.indexing) g.indexing = g.openchangedb;
        if (!g.namedprops) g.namedprops = g.openchangedb;
    }
    if (auto v = conf.global("dcerpc_mapiproxy:interfaces")) {
        std::string cur;
        for (char c : *v + ",") {
            if (c == ',' || c == ' ' || c == '\t') {
                if (!cur.empty()) g.interfaces.push_back(lower(cur));
                cur.clear();
            } else {
                cur += c;
            }
        }
    }
    if (auto v = conf.global("mapistore:imap_server")) g.imap = parse_imap(conf, *v);
    g.realm = conf.get_or("global", "realm", "");
    g.workgroup = conf.get_or("global", "workgroup", "");
    g.netbios_name = conf.get_or("global", "netbios name", "");
    return g;
}

}  // namespace mg
