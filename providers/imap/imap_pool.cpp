// Per-user IMAP connection pool.
#include "providers/imap/imap_pool.h"

#include "common/log.h"

namespace mg::imap {

using Clock = std::chrono::steady_clock;

Connector master_user_connector(ClientOptions options, std::string master_user, std::string master_password) {
    return [options = std::move(options), master_user = std::move(master_user),
            master_password = std::move(master_password)](const std::string& user) {
        ClientOptions o = options;
        o.log_name = user;
        auto c = std::make_unique<Client>(o);
        c->connect();
        c->authenticate_plain({user, master_user, master_password});
        c->enable_required();
        return c;
    };
}

Pool::Pool(Connector connector, PoolOptions options) : connector_(std::move(connector)), options_(options) {}

Pool::~Pool() {
    std::map<std::string, User> users;
    {
        std::lock_guard<std::mutex> g(mu_);
        users.swap(users_);
    }
    for (auto& [name, u] : users)
        for (Idle& i : u.idle) i.client->logout();
}

size_t Pool::total_locked() const {
    size_t n = 0;
    for (const auto& [name, u] : users_) n += u.in_use + u.idle.size();
    return n;
}

Pool::Lease Pool::acquire(const std::string& user) {
    auto deadline = Clock::now() + options_.acquire_timeout;
    for (;;) {
        std::unique_ptr<Client> reuse;
        Clock::time_point idle_since;
        {
            std::unique_lock<std::mutex> lk(mu_);
            for (;;) {
                User& u = users_[user];
                if (!u.idle.empty()) {
                    reuse = std::move(u.idle.back().client);
                    idle_since = u.idle.back().since;
                    u.idle.pop_back();
                    ++u.in_use;
                    break;
                }
                if (u.in_use < options_.max_per_user && total_locked() < options_.max_total) {
                    if (u.failed_at != Clock::time_point{} && Clock::now() - u.failed_at < options_.retry_backoff)
                        throw ImapConnectionError("IMAP server unavailable for " + user + " (" + u.last_error +
                                                  "); not retrying for a moment");
                    ++u.in_use;
                    break;
                }
                if (cv_.wait_until(lk, deadline) == std::cv_status::timeout)
                    throw ImapConnectionError("all " + std::to_string(u.in_use) + " IMAP connections of " + user +
                                              " stayed busy for " + std::to_string(options_.acquire_timeout.count()) +
                                              " ms");
            }
        }
        if (reuse) {
            if (Clock::now() - idle_since < options_.check_after_idle && reuse->usable())
                return Lease(this, user, std::move(reuse));
            try {
                reuse->noop();
                return Lease(this, user, std::move(reuse));
            } catch (const std::exception& e) {
                LOG_INFO("IMAP connection of %s was stale (%s); reconnecting", user.c_str(), e.what());
                std::lock_guard<std::mutex> g(mu_);
                --users_[user].in_use;
                continue;  // take the next idle one or open a new one
            }
        }
        try {
            std::unique_ptr<Client> c = connector_(user);
            std::lock_guard<std::mutex> g(mu_);
            users_[user].failed_at = {};
            return Lease(this, user, std::move(c));
        } catch (const std::exception& e) {
            std::lock_guard<std::mutex> g(mu_);
            User& u = users_[user];
            --u.in_use;
            // Only an unreachable server triggers the back-off; a refused
            // login is reported as is every time.
            if (dynamic_cast<const ImapConnectionError*>(&e)) {
                u.failed_at = Clock::now();
                u.last_error = e.what();
            }
            cv_.notify_one();
            throw;
        }
    }
}

void Pool::release(const std::string& user, std::unique_ptr<Client> c) {
    std::unique_ptr<Client> drop;
    {
        std::lock_guard<std::mutex> g(mu_);
        User& u = users_[user];
        --u.in_use;
        if (c && c->usable() && u.idle.size() < options_.max_idle_per_user)
            u.idle.push_back({std::move(c), Clock::now()});
        else
            drop = std::move(c);
    }
    cv_.notify_one();
    if (drop) drop->logout();  // outside the lock: it talks to the server
}

Pool::Lease::~Lease() {
    if (pool_) pool_->release(user_, std::move(client_));
}

void Pool::Lease::discard() {
    if (client_) client_->logout();
    client_.reset();
}

void Pool::close_idle() {
    std::vector<std::unique_ptr<Client>> drop;
    {
        std::lock_guard<std::mutex> g(mu_);
        auto now = Clock::now();
        for (auto& [name, u] : users_) {
            std::vector<Idle> keep;
            for (Idle& i : u.idle) {
                if (now - i.since > options_.max_idle) drop.push_back(std::move(i.client));
                else keep.push_back(std::move(i));
            }
            u.idle.swap(keep);
        }
    }
    for (auto& c : drop) c->logout();
}

size_t Pool::idle(const std::string& user) {
    std::lock_guard<std::mutex> g(mu_);
    auto it = users_.find(user);
    return it == users_.end() ? 0 : it->second.idle.size();
}

size_t Pool::in_use(const std::string& user) {
    std::lock_guard<std::mutex> g(mu_);
    auto it = users_.find(user);
    return it == users_.end() ? 0 : it->second.in_use;
}

}  // namespace mg::imap
