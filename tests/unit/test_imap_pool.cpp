// The per-user IMAP connection pool: bounds, reuse, stale connections,
// retry on a broken connection, fail-fast back-off after a failed connect.
#include "providers/imap/imap_pool.h"

#include "testutil.h"

#include <atomic>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace mg;
using namespace mg::imap;

namespace {

// A server that answers every command "OK" until killed.
class OkServer {
public:
    OkServer() {
        int sv[2];
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
        client_fd = sv[0];
        fd_ = sv[1];
        thread_ = std::thread([this] {
            std::string hello = "* OK [CAPABILITY IMAP4rev1 UIDPLUS QRESYNC ENABLE] hi\r\n";
            if (::write(fd_, hello.data(), hello.size()) < 0) return;
            std::string buf;
            for (;;) {
                pollfd p{fd_, POLLIN, 0};
                if (::poll(&p, 1, 100) == 0) {
                    if (killed_) return;
                    continue;
                }
                char tmp[512];
                ssize_t n = ::read(fd_, tmp, sizeof tmp);
                if (n <= 0 || killed_) return;
                buf.append(tmp, size_t(n));
                size_t eol;
                while ((eol = buf.find("\r\n")) != std::string::npos) {
                    std::string tag = buf.substr(0, buf.find(' '));
                    buf.erase(0, eol + 2);
                    ++commands;
                    std::string r = tag + " OK done\r\n";
                    if (::write(fd_, r.data(), r.size()) < 0) return;
                }
            }
        });
    }
    ~OkServer() {
        kill();
        if (thread_.joinable()) thread_.join();
        ::close(fd_);
    }
    // Breaks the connection as a server restart would.
    void kill() {
        killed_ = true;
        ::shutdown(fd_, SHUT_RDWR);
    }
    int client_fd = -1;
    std::atomic<int> commands{0};

private:
    int fd_ = -1;
    std::atomic<bool> killed_{false};
    std::thread thread_;
};

struct Fixture {
    std::vector<std::unique_ptr<OkServer>> servers;
    std::atomic<int> connects{0};
    std::atomic<bool> down{false};
    Connector connector() {
        return [this](const std::string&) -> std::unique_ptr<Client> {
            ++connects;
            if (down) throw ImapConnectionError("IMAP server 127.0.0.1:143: connect: Connection refused");
            servers.push_back(std::make_unique<OkServer>());
            ClientOptions o;
            o.io_timeout = std::chrono::milliseconds(1000);
            auto c = std::make_unique<Client>(o);
            c->attach(servers.back()->client_fd);
            return c;
        };
    }
};

}  // namespace

TEST_GROUP(ImapPool){};

TEST(ImapPool, ReusesIdleConnections) {
    Fixture fx;
    Pool pool(fx.connector());
    {
        auto a = pool.acquire("alice");
        a->noop();
        LONGS_EQUAL(1, pool.in_use("alice"));
    }
    LONGS_EQUAL(1, pool.idle("alice"));
    pool.with("alice", [](Client& c) { c.noop(); });
    LONGS_EQUAL(1, fx.connects.load());
    pool.with("bob", [](Client& c) { c.noop(); });  // users never share connections
    LONGS_EQUAL(2, fx.connects.load());
}

TEST(ImapPool, BoundedPerUser) {
    Fixture fx;
    PoolOptions o;
    o.max_per_user = 2;
    o.acquire_timeout = std::chrono::milliseconds(100);
    Pool pool(fx.connector(), o);
    auto a = pool.acquire("alice");
    auto b = pool.acquire("alice");
    test::expect_throw<ImapConnectionError>([&] { pool.acquire("alice"); }, "IMAP connections of alice stayed busy");
    // Released by another thread while waiting: the waiter gets it.
    PoolOptions slow = o;
    std::thread t([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        Pool::Lease gone = std::move(a);
    });
    auto c = pool.acquire("alice");
    t.join();
    LONGS_EQUAL(2, fx.connects.load());
    (void)slow;
}

TEST(ImapPool, BrokenConnectionIsReplacedAndRetried) {
    Fixture fx;
    Pool pool(fx.connector());
    pool.with("alice", [](Client& c) { c.noop(); });
    fx.servers.back()->kill();  // Dovecot restarted under the idle connection
    int calls = 0;
    pool.with("alice", [&](Client& c) {
        ++calls;
        c.noop();
    });
    LONGS_EQUAL(2, calls);
    LONGS_EQUAL(2, fx.connects.load());
    LONGS_EQUAL(1, pool.idle("alice"));
    // Not idempotent: the error reaches the caller and nothing is retried.
    fx.servers.back()->kill();
    calls = 0;
    test::expect_throw<ImapConnectionError>([&] { pool.with("alice", [&](Client& c) { ++calls; c.noop(); }, false); },
                                            "IMAP server");
    LONGS_EQUAL(1, calls);
    LONGS_EQUAL(0, pool.idle("alice"));
    LONGS_EQUAL(0, pool.in_use("alice"));
}

TEST(ImapPool, StaleIdleConnectionCheckedBeforeUse) {
    Fixture fx;
    PoolOptions o;
    o.check_after_idle = std::chrono::milliseconds(0);
    Pool pool(fx.connector(), o);
    pool.with("alice", [](Client& c) { c.noop(); });
    fx.servers.back()->kill();
    auto l = pool.acquire("alice");  // the NOOP check fails, a new connection is opened
    LONGS_EQUAL(2, fx.connects.load());
    CHECK(l->usable());
}

TEST(ImapPool, ServerDownFailsFastThenRecovers) {
    Fixture fx;
    PoolOptions o;
    o.retry_backoff = std::chrono::milliseconds(150);
    Pool pool(fx.connector(), o);
    fx.down = true;
    test::expect_throw<ImapConnectionError>([&] { pool.acquire("alice"); }, "Connection refused");
    // Within the back-off: refused without another connect attempt, with the reason.
    test::expect_throw<ImapConnectionError>([&] { pool.acquire("alice"); }, "unavailable for alice");
    LONGS_EQUAL(1, fx.connects.load());
    LONGS_EQUAL(0, pool.in_use("alice"));
    fx.down = false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    pool.with("alice", [](Client& c) { c.noop(); });
    LONGS_EQUAL(2, fx.connects.load());
}

TEST(ImapPool, IdleConnectionsExpire) {
    Fixture fx;
    PoolOptions o;
    o.max_idle = std::chrono::milliseconds(0);
    o.max_idle_per_user = 1;
    Pool pool(fx.connector(), o);
    {
        auto a = pool.acquire("alice");
        auto b = pool.acquire("alice");
    }
    LONGS_EQUAL(1, pool.idle("alice"));  // the second one was closed on release
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    pool.close_idle();
    LONGS_EQUAL(0, pool.idle("alice"));
}
