#include "common/config.h"

#include <CppUTest/TestHarness.h>

using mg::ConfigError;
using mg::DbUri;
using mg::GatewayConfig;
using mg::SmbConf;

TEST_GROUP(DbUri) {};

TEST(DbUri, GuidePasswordWithDollar) {
    auto u = DbUri::parse("mysql://openchange:openchange$123@localhost/openchange");
    STRCMP_EQUAL("openchange", u.user.c_str());
    STRCMP_EQUAL("openchange$123", u.password.c_str());
    STRCMP_EQUAL("localhost", u.host.c_str());
    LONGS_EQUAL(3306, u.port);
    STRCMP_EQUAL("openchange", u.database.c_str());
}

TEST(DbUri, PunctuationAtSignsColonsAndPort) {
    auto u = DbUri::parse("mysql://sogo:p@ss:w/rd!#@db.example.org:3307/sogo");
    STRCMP_EQUAL("sogo", u.user.c_str());
    STRCMP_EQUAL("p@ss:w/rd!#", u.password.c_str());
    STRCMP_EQUAL("db.example.org", u.host.c_str());
    LONGS_EQUAL(3307, u.port);
    STRCMP_EQUAL("sogo", u.database.c_str());
}

TEST(DbUri, PercentEscapesAndSocket) {
    auto u = DbUri::parse("mysql://u%40x:a%25b@localhost/ocdb?unix_socket=/run/my%20sql.sock");
    STRCMP_EQUAL("u@x", u.user.c_str());
    STRCMP_EQUAL("a%b", u.password.c_str());
    STRCMP_EQUAL("/run/my sql.sock", u.unix_socket.c_str());
    STRCMP_EQUAL("ocdb", u.database.c_str());
}

TEST(DbUri, RedactedNeverShowsPassword) {
    auto u = DbUri::parse("mysql://a:secret@h/d");
    CHECK(u.redacted().find("secret") == std::string::npos);
}

TEST(DbUri, Rejects) {
    CHECK_THROWS(ConfigError, DbUri::parse("postgres://a:b@h/d"));
    CHECK_THROWS(ConfigError, DbUri::parse("mysql://a:b@host"));
    CHECK_THROWS(ConfigError, DbUri::parse("mysql://a:b@host/"));
    CHECK_THROWS(ConfigError, DbUri::parse("mysql://a:b@host:99999/db"));
    CHECK_THROWS(ConfigError, DbUri::parse("mysql://a:b@host:x1/db"));
}

TEST_GROUP(SmbConf) {};

TEST(SmbConf, SeedGuideLinesVerbatim) {
    const char* text =
        "[global]\n"
        "\tworkgroup = EXAMPLE\n"
        "\trealm = EXAMPLE.LOCAL\n"
        "\tdcerpc endpoint servers = +epmapper, +mapiproxy\n"
        "\tdcerpc_mapiproxy:server = true\n"
        "\tdcerpc_mapiproxy:interfaces = exchange_emsmdb, exchange_nsp, exchange_ds_rfr\n"
        "\tmapistore:namedproperties = mysql\n"
        "\tnamedproperties:mysql_user = openchange\n"
        "\tnamedproperties:mysql_pass = openchange$123\n"
        "\tnamedproperties:mysql_host = localhost\n"
        "\tnamedproperties:mysql_db = openchange\n"
        "\tmapistore:indexing_backend = mysql://openchange:openchange$123@localhost/openchange\n"
        "\tmapiproxy:openchangedb = mysql://openchange:openchange$123@localhost/openchange\n"
        "; comment\n# comment\n"
        "[netlogon]\n\tpath = /var/lib/samba/sysvol\n";
    auto conf = SmbConf::parse(text);
    STRCMP_EQUAL("+epmapper, +mapiproxy", conf.global("dcerpcendpointservers")->c_str());
    STRCMP_EQUAL("true", conf.global("DCERPC_MAPIPROXY:Server")->c_str());
    auto g = GatewayConfig::from(conf);
    CHECK(g.openchangedb.has_value());
    STRCMP_EQUAL("openchange$123", g.openchangedb->password.c_str());
    STRCMP_EQUAL("openchange$123", g.namedprops->password.c_str());
    STRCMP_EQUAL("openchange", g.namedprops->database.c_str());
    LONGS_EQUAL(3, g.interfaces.size());
    STRCMP_EQUAL("exchange_ds_rfr", g.interfaces[2].c_str());
    STRCMP_EQUAL("EXAMPLE.LOCAL", g.realm.c_str());
    CHECK(!SmbConf::parse(text).get("netlogon", "realm").has_value());
}

TEST(SmbConf, ContinuationAndErrors) {
    auto conf = SmbConf::parse("[global]\n a = one \\\n two\n");
    STRCMP_EQUAL("one  two", conf.global("a")->c_str());
    CHECK_THROWS(ConfigError, SmbConf::parse("[global\n"));
    CHECK_THROWS(ConfigError, SmbConf::parse("[global]\njust words\n"));
    CHECK_THROWS(ConfigError, SmbConf::parse("[global]\nflag = maybe\n").get_bool("global", "flag", true));
}

TEST(SmbConf, NamedPropertiesMysqlNeedsDb) {
    auto conf = SmbConf::parse("[global]\nmapistore:namedproperties = mysql\n");
    CHECK_THROWS(ConfigError, GatewayConfig::from(conf));
}

TEST_GROUP(ImapConfig) {};

TEST(ImapConfig, AbsentMeansFallbackOnly) {
    auto g = GatewayConfig::from(SmbConf::parse("[global]\n\tmapiproxy:openchangedb = mysql://u:p@h/db\n"));
    CHECK_FALSE(g.imap.has_value());
}

TEST(ImapConfig, ServerMasterUserFolderNames) {
    auto g = GatewayConfig::from(SmbConf::parse(
        "[global]\n"
        "\tmapistore:imap_server = 127.0.0.1:1143\n"
        "\tmapistore:imap_master_user = mapigate-master\n"
        "\tmapistore:imap_master_password_file = /etc/mapigate/master-password\n"
        "\tmapistore:imap_starttls = yes\n"
        "\tmapistore:imap_timeout = 5000\n"
        "\tmapistore:imap_sent_folder = Gesendet\n"
        "\tmapistore:imap_outbox_folder = Outbox\n"));
    CHECK_TRUE(g.imap.has_value());
    STRCMP_EQUAL("127.0.0.1", g.imap->host.c_str());
    LONGS_EQUAL(1143, g.imap->port);
    STRCMP_EQUAL("mapigate-master", g.imap->master_user.c_str());
    STRCMP_EQUAL("/etc/mapigate/master-password", g.imap->master_password_file.c_str());
    CHECK_TRUE(g.imap->starttls);
    LONGS_EQUAL(5000, g.imap->timeout_ms);
    STRCMP_EQUAL("Gesendet", g.imap->sent_folder.c_str());
    STRCMP_EQUAL("Outbox", g.imap->outbox_folder.c_str());
    STRCMP_EQUAL("", g.imap->drafts_folder.c_str());
}

TEST(ImapConfig, DefaultPortAndIpv6) {
    const char* base = "\tmapistore:imap_master_user = m\n\tmapistore:imap_master_password_file = /f\n";
    auto g = GatewayConfig::from(SmbConf::parse(std::string("[global]\n\tmapistore:imap_server = mail.example.org\n") + base));
    STRCMP_EQUAL("mail.example.org", g.imap->host.c_str());
    LONGS_EQUAL(143, g.imap->port);
    g = GatewayConfig::from(SmbConf::parse(std::string("[global]\n\tmapistore:imap_server = [::1]:10143\n") + base));
    STRCMP_EQUAL("::1", g.imap->host.c_str());
    LONGS_EQUAL(10143, g.imap->port);
}

TEST(ImapConfig, BadValuesAreClearErrors) {
    const char* base = "\tmapistore:imap_master_user = m\n\tmapistore:imap_master_password_file = /f\n";
    for (const char* server : {"127.0.0.1:http", "127.0.0.1:70000", ":143", "[::1", "127.0.0.1:0"}) {
        try {
            GatewayConfig::from(SmbConf::parse(std::string("[global]\n\tmapistore:imap_server = ") + server + "\n" + base));
            FAIL(server);
        } catch (const ConfigError& e) {
            CHECK(std::string(e.what()).find("imap_server") != std::string::npos);
        }
    }
    // No master user: the gateway never uses user passwords, so it cannot log in.
    try {
        GatewayConfig::from(SmbConf::parse("[global]\n\tmapistore:imap_server = 127.0.0.1\n"));
        FAIL("accepted without a master user");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()).find("imap_master_user") != std::string::npos);
    }
}
