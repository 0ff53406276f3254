// mapigate-engine: the gateway daemon. Samba's mapiproxy module forwards the
// Exchange RPC calls here; the engine runs the protocol servers, the sessions
// and the mailbox store, outside the domain controller's process.
#include "common/config.h"
#include "common/log.h"
#include "engine/directory.h"
#include "engine/ipc_server.h"
#include "mapiproxy/servers/dispatcher.h"
#include "mapiproxy/servers/emsmdb.h"
#include "mapiproxy/servers/oxnspi.h"
#if __has_include("mapiproxy/servers/rop_handlers.h")
#include "mapiproxy/servers/rop_handlers.h"
#define MG_HAVE_ROP_HANDLERS 1
#else
#include "mapiproxy/servers/rop_engine.h"
#endif
#include "providers/imap/imap_provider.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <getopt.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace {

int g_stop_pipe[2] = {-1, -1};

// A secret from a file: its first line, without the line end.
bool read_secret(const std::string& path, std::string& out) {
    FILE* f = fopen(path.c_str(), "r");
    if (!f) return false;
    char buf[1024];
    bool ok = fgets(buf, sizeof buf, f) != nullptr;
    int err = errno;
    fclose(f);
    if (!ok) {
        errno = err ? err : EINVAL;
        return false;
    }
    out = buf;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return !out.empty() || (errno = EINVAL, false);
}

void on_signal(int) {
    char c = 1;
    ssize_t r = write(g_stop_pipe[1], &c, 1);
    (void)r;
}

void usage(FILE* out) {
    fprintf(out,
            "Usage: mapigate-engine [options]\n"
            "  -s, --configfile FILE   smb.conf to read (default /etc/samba/smb.conf)\n"
            "      --socket PATH       engine socket (default: smb.conf 'mapiproxy:engine_socket',\n"
            "                          else /run/mapigate/engine.sock)\n"
            "  -F, --foreground        do not detach; log to stderr\n"
            "  -d, --debuglevel LEVEL  error|warn|info|debug|trace or 0-4 (default info)\n"
            "      --syslog            log to syslog (default when detached)\n"
            "      --pidfile FILE      write the process id to FILE\n"
            "      --workers N         concurrent calls to plan for (default 8; the Samba\n"
            "                          module opens up to 16 links, one call each)\n"
            "      --check-config      parse the configuration, report, and exit\n"
            "  -V, --version           print the version and exit\n"
            "  -h, --help              this help\n");
}

}  // namespace

int main(int argc, char** argv) {
    std::string conf_path = "/etc/samba/smb.conf";
    std::string socket_override, pidfile, level = "info";
    bool foreground = false, use_syslog = false, check_only = false;
    long workers = 8;

    enum { OPT_SOCKET = 1000, OPT_SYSLOG, OPT_PIDFILE, OPT_WORKERS, OPT_CHECK };
    static const option opts[] = {
        {"configfile", required_argument, nullptr, 's'}, {"socket", required_argument, nullptr, OPT_SOCKET},
        {"foreground", no_argument, nullptr, 'F'},        {"debuglevel", required_argument, nullptr, 'd'},
        {"syslog", no_argument, nullptr, OPT_SYSLOG},     {"pidfile", required_argument, nullptr, OPT_PIDFILE},
        {"workers", required_argument, nullptr, OPT_WORKERS}, {"check-config", no_argument, nullptr, OPT_CHECK},
        {"version", no_argument, nullptr, 'V'},           {"help", no_argument, nullptr, 'h'},
        {nullptr, 0, nullptr, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "s:Fd:Vh", opts, nullptr)) != -1) {
        switch (c) {
        case 's': conf_path = optarg; break;
        case OPT_SOCKET: socket_override = optarg; break;
        case 'F': foreground = true; break;
        case 'd': level = optarg; break;
        case OPT_SYSLOG: use_syslog = true; break;
        case OPT_PIDFILE: pidfile = optarg; break;
        case OPT_WORKERS:
            workers = strtol(optarg, nullptr, 10);
            if (workers < 1 || workers > 256) {
                fprintf(stderr, "mapigate-engine: --workers must be between 1 and 256\n");
                return 2;
            }
            break;
        case OPT_CHECK: check_only = true; break;
        case 'V': printf("mapigate-engine %s\n", PACKAGE_VERSION); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }

    auto lvl = mg::log::parse_level(level, mg::log::Level::Info);
    mg::log::init("mapigate-engine", use_syslog || !foreground, lvl);

    mg::GatewayConfig cfg;
    mg::SmbConf smbconf;
    try {
        smbconf = mg::SmbConf::load(conf_path);
        cfg = mg::GatewayConfig::from(smbconf);
    } catch (const std::exception& e) {
        fprintf(stderr, "mapigate-engine: %s\n", e.what());
        LOG_ERROR("configuration error: %s", e.what());
        return 1;
    }
    for (const auto& w : cfg.warnings) LOG_WARN("%s", w.c_str());
    if (!socket_override.empty()) cfg.engine_socket = socket_override;
    if (check_only) {
        printf("configuration %s: OK\n", conf_path.c_str());
        printf("engine socket: %s\n", cfg.engine_socket.c_str());
        printf("openchangedb: %s\n", cfg.openchangedb ? cfg.openchangedb->redacted().c_str() : "(not set)");
        printf("indexing: %s\n", cfg.indexing ? cfg.indexing->redacted().c_str() : "(not set)");
        printf("named properties: %s\n", cfg.namedprops ? cfg.namedprops->redacted().c_str() : "(not set)");
        printf("directory: %s\n", mg::LdapDirectory::uri_from(smbconf).c_str());
        return 0;
    }
    if (!cfg.openchangedb) LOG_WARN("'mapiproxy:openchangedb' is not set in %s", conf_path.c_str());

    if (!foreground) {
        if (daemon(0, 0) != 0) {
            LOG_ERROR("cannot detach: %s", strerror(errno));
            return 1;
        }
    }
    if (pipe2(g_stop_pipe, O_CLOEXEC) != 0) return 1;
    struct sigaction sa{};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);

    // EMSMDB and AsyncEMSMDB share one session table; callers are looked up
    // in Samba's directory (engine/directory.h).
    mg::LdapDirectory::Options dir_opts;
    dir_opts.uri = mg::LdapDirectory::uri_from(smbconf);
    LOG_INFO("directory: %s", dir_opts.uri.c_str());
    mg::emsmdb::ServerOptions emsmdb_opts;
    // Bounded EcDoAsyncWaitEx (see emsmdb.h): a parked wait holds one of the
    // module's links; never park more than a quarter of the planned concurrency.
    emsmdb_opts.max_parked_waits = std::max<size_t>(1, size_t(workers) / 4);
#ifdef MG_HAVE_ROP_HANDLERS
    // The mailbox store behind the ROP handlers (openchangedb in MariaDB).
    std::shared_ptr<mg::emsmdb::StoreBackend> store;
    if (cfg.openchangedb) {
        store = std::make_shared<mg::emsmdb::StoreBackend>(*cfg.openchangedb);
        store->server_name = cfg.netbios_name;
        std::transform(store->server_name.begin(), store->server_name.end(), store->server_name.begin(),
                       [](unsigned char c) { return char(std::toupper(c)); });
        try {
            store->migrate();
        } catch (const std::exception& e) {
            // Keep serving: EMSMDB sessions still open, store ROPs fail until the database is back.
            LOG_ERROR("openchangedb %s: schema migration failed: %s", cfg.openchangedb->redacted().c_str(), e.what());
        }
    }
    if (store && cfg.imap) {
        // Mail lives on IMAP: the gateway logs in as the master user for
        // each mailbox owner. The password is read once, here.
        std::string password;
        if (!read_secret(cfg.imap->master_password_file, password)) {
            LOG_ERROR("mapistore:imap_master_password_file %s: cannot read it: %s",
                      cfg.imap->master_password_file.c_str(), strerror(errno));
            if (foreground) fprintf(stderr, "mapigate-engine: cannot read %s\n", cfg.imap->master_password_file.c_str());
            return 1;
        }
        auto settings = mg::imap::make_settings(*cfg.imap, password);
        store->set_extra_providers([settings](mg::store::ProviderMap& m, mg::store::Database& db,
                                              mg::store::IdAllocator& ids, const mg::store::MailboxContext& ctx) {
            mg::imap::add_imap_provider(settings, m, db, ids, ctx);
        });
        LOG_INFO("mail folders on IMAP server %s (master user %s)", settings->server.c_str(),
                 cfg.imap->master_user.c_str());
    }
    mg::emsmdb::RopProcessorFactory rop_factory = mg::emsmdb::default_rop_factory(store);
#else
    // Until the ROP handlers exist: the generic ROP engine with no ROPs
    // registered (every ROP answers ecNotSupported).
    static const mg::emsmdb::RopTable no_rops;
    mg::emsmdb::RopProcessorFactory rop_factory = [](const mg::emsmdb::SessionInfo& info) {
        return std::unique_ptr<mg::emsmdb::RopProcessor>(std::make_unique<mg::emsmdb::Session>(info, no_rops));
    };
#endif
    auto directory = std::make_shared<mg::LdapDirectory>(dir_opts);
    auto emsmdb = std::make_shared<mg::emsmdb::EmsmdbServer>(directory, std::move(rop_factory), emsmdb_opts);
    // The address book (NSPI) and its referral service (RFR) over the same
    // directory. smb.conf `mapiproxy:nspi_server` names the server RFR
    // refers clients to (default: this DC's dnsHostName).
    mg::nspi::Options nspi_opts;
    nspi_opts.server_guid = mg::mapi::Guid::random();
    nspi_opts.rfr_server = smbconf.global("mapiproxy:nspi_server").value_or("");
    mg::Dispatcher dispatcher;
    dispatcher.set_server(mg::ipc::Iface::Emsmdb, emsmdb);
    dispatcher.set_server(mg::ipc::Iface::AsyncEmsmdb, std::make_shared<mg::emsmdb::AsyncEmsmdbServer>(emsmdb->table()));
    dispatcher.set_server(mg::ipc::Iface::Nsp, std::make_shared<mg::nspi::NspiServer>(directory, directory, nspi_opts));
    dispatcher.set_server(mg::ipc::Iface::DsRfr, std::make_shared<mg::nspi::RfrServer>(directory, nspi_opts.rfr_server));

    mg::IpcServer server(cfg.engine_socket, dispatcher);
    try {
        server.listen();
    } catch (const std::exception& e) {
        LOG_ERROR("%s", e.what());
        if (foreground) fprintf(stderr, "mapigate-engine: %s\n", e.what());
        return 1;
    }
    if (!pidfile.empty()) {
        FILE* f = fopen(pidfile.c_str(), "w");
        if (f) {
            fprintf(f, "%d\n", int(getpid()));
            fclose(f);
        }
    }
    LOG_INFO("mapigate-engine %s started (config %s)", PACKAGE_VERSION, conf_path.c_str());
    server.run(g_stop_pipe[0]);
    if (!pidfile.empty()) unlink(pidfile.c_str());
    LOG_INFO("mapigate-engine stopped");
    return 0;
}
