// Per-user pool of authenticated IMAP connections.
//
// Bounded: at most max_per_user connections of one user exist at a time
// (idle + in use) and at most max_total over all users; a caller that finds
// them all busy waits up to acquire_timeout, then gets a clear error. Idle
// connections are kept (max_idle_per_user), checked with NOOP when they have
// been idle for a while, and closed after max_idle. A connection that broke
// (ImapConnectionError) is never returned to the pool; with() reconnects once
// and retries the operation. After a failed connect the user's connects fail
// fast for retry_backoff, so a dead Dovecot is not hammered and MAPI calls
// get their error at once.
//
// IMAP down is always an error to the caller (ImapConnectionError), never an
// empty result: nothing on the MAPI side may be deleted because of it.
#pragma once

#include "providers/imap/imap_client.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace mg::imap {

struct PoolOptions {
    size_t max_per_user = 4;
    size_t max_idle_per_user = 2;
    size_t max_total = 256;
    std::chrono::milliseconds acquire_timeout{10000};
    std::chrono::milliseconds check_after_idle{30000};   // NOOP before reuse after this much idle time
    std::chrono::milliseconds max_idle{300000};          // close idle connections older than this
    std::chrono::milliseconds retry_backoff{2000};       // fail fast this long after a failed connect
};

// Opens a connection for `user`: connect, authenticate, enable what the
// provider needs. Throws ImapConnectionError / ImapError.
using Connector = std::function<std::unique_ptr<Client>(const std::string& user)>;

// The usual connector: connect with `options`, SASL PLAIN as the master
// user (authcid) for the user (authzid), require UIDPLUS + QRESYNC and
// ENABLE QRESYNC.
Connector master_user_connector(ClientOptions options, std::string master_user, std::string master_password);

class Pool {
public:
    explicit Pool(Connector connector, PoolOptions options = {});
    ~Pool();
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    // A connection on loan; goes back to the pool when destroyed (unless it
    // broke or was discarded).
    class Lease {
    public:
        Lease(Lease&& o) noexcept : pool_(o.pool_), user_(std::move(o.user_)), client_(std::move(o.client_)) {
            o.pool_ = nullptr;
        }
        Lease& operator=(Lease&&) = delete;
        ~Lease();
        Client& operator*() { return *client_; }
        Client* operator->() { return client_.get(); }
        void discard();  // do not reuse this connection

    private:
        friend class Pool;
        Lease(Pool* pool, std::string user, std::unique_ptr<Client> c)
            : pool_(pool), user_(std::move(user)), client_(std::move(c)) {}
        Pool* pool_;
        std::string user_;
        std::unique_ptr<Client> client_;
    };

    Lease acquire(const std::string& user);

    // Runs fn(Client&) on a pooled connection. When the connection turns out
    // to be broken (ImapConnectionError) and the operation is idempotent, it
    // is retried once on a fresh connection.
    template <class F>
    auto with(const std::string& user, F&& fn, bool idempotent = true) -> decltype(fn(std::declval<Client&>())) {
        for (int attempt = 0;; ++attempt) {
            Lease l = acquire(user);
            try {
                return fn(*l);
            } catch (const ImapConnectionError&) {
                l.discard();
                if (!idempotent || attempt > 0) throw;
            }
        }
    }

    // Closes idle connections older than max_idle (call now and then).
    void close_idle();
    size_t idle(const std::string& user);
    size_t in_use(const std::string& user);

private:
    struct Idle {
        std::unique_ptr<Client> client;
        std::chrono::steady_clock::time_point since;
    };
    struct User {
        std::vector<Idle> idle;  // most recently used last
        size_t in_use = 0;
        std::chrono::steady_clock::time_point failed_at{};
        std::string last_error;
    };
    void release(const std::string& user, std::unique_ptr<Client> c);
    size_t total_locked() const;

    Connector connector_;
    PoolOptions options_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::map<std::string, User> users_;
};

}  // namespace mg::imap
