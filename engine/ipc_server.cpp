#include "engine/ipc_server.h"

#include "common/log.h"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace mg {
namespace {

bool read_full(int fd, uint8_t* p, size_t n) {
    while (n > 0) {
        ssize_t r = ::read(fd, p, n);
        if (r == 0) return false;
        if (r < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += r;
        n -= size_t(r);
    }
    return true;
}

void make_parent_dir(const std::string& path) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos || slash == 0) return;
    std::string dir = path.substr(0, slash);
    for (size_t i = 1; i <= dir.size(); ++i) {
        if (i == dir.size() || dir[i] == '/') {
            std::string part = dir.substr(0, i);
            if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST)
                throw std::runtime_error("cannot create " + part + ": " + strerror(errno));
        }
    }
}

}  // namespace

bool IpcServer::Peer::send(const Bytes& frame) {
    std::lock_guard<std::mutex> lk(write_mu);
    size_t off = 0;
    while (off < frame.size()) {
        ssize_t n = ::send(fd, frame.data() + off, frame.size() - off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            alive = false;
            return false;
        }
        off += size_t(n);
    }
    return true;
}

IpcServer::IpcServer(std::string socket_path, Dispatcher& dispatcher)
    : path_(std::move(socket_path)), dispatcher_(dispatcher) {}

IpcServer::~IpcServer() {
    if (listen_fd_ >= 0) {
        close(listen_fd_);
        unlink(path_.c_str());
    }
}

void IpcServer::listen() {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path_.size() >= sizeof(sa.sun_path)) throw std::runtime_error("socket path too long: " + path_);
    memcpy(sa.sun_path, path_.c_str(), path_.size() + 1);
    make_parent_dir(path_);

    // A stale socket file from a crashed engine is removed; a live one means
    // another engine is running and we refuse to steal its socket.
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe >= 0) {
        if (connect(probe, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0) {
            close(probe);
            throw std::runtime_error("another engine is already listening on " + path_);
        }
        close(probe);
    }
    unlink(path_.c_str());

    listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw std::runtime_error(std::string("socket: ") + strerror(errno));
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0)
        throw std::runtime_error("cannot bind " + path_ + ": " + strerror(errno));
    chmod(path_.c_str(), 0600);  // only the samba process (root) may call us
    if (::listen(listen_fd_, 64) != 0) throw std::runtime_error(std::string("listen: ") + strerror(errno));
}

void IpcServer::run(int stop_fd) {
    LOG_INFO("engine listening on %s", path_.c_str());
    for (;;) {
        pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd, POLLIN, 0}};
        int n = poll(fds, 2, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            LOG_ERROR("poll: %s", strerror(errno));
            break;
        }
        if (fds[1].revents) break;
        if (fds[0].revents & POLLIN) {
            int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            auto peer = std::make_shared<Peer>();
            peer->fd = fd;
            std::lock_guard<std::mutex> lk(peers_mu_);
            peers_.push_back(peer);
            readers_.emplace_back([this, peer] { serve(peer); });
        }
    }
    LOG_INFO("engine shutting down");
    {
        std::lock_guard<std::mutex> lk(peers_mu_);
        for (auto& p : peers_) shutdown(p->fd, SHUT_RDWR);
    }
    for (auto& t : readers_)
        if (t.joinable()) t.join();
    std::lock_guard<std::mutex> lk(peers_mu_);
    for (auto& p : peers_) close(p->fd);
    peers_.clear();
}

void IpcServer::serve(std::shared_ptr<Peer> peer) {
    uint8_t hdr[ipc::kHeaderSize];
    for (;;) {
        if (!read_full(peer->fd, hdr, sizeof(hdr))) break;
        ipc::FrameHeader h;
        Bytes payload;
        try {
            h = ipc::FrameHeader::decode(ByteView(hdr, sizeof(hdr)));
            payload.resize(h.length);
            if (!read_full(peer->fd, payload.data(), payload.size())) break;
        } catch (const std::exception& e) {
            LOG_ERROR("module sent a bad frame (%s); closing that link", e.what());
            break;
        }
        try {
            switch (h.type) {
            case ipc::FrameType::Hello: {
                auto hello = ipc::Hello::decode(payload);
                LOG_DEBUG("samba module link from pid %u (protocol %u)", hello.pid, hello.version);
                if (hello.version != ipc::kProtocolVersion)
                    LOG_WARN("module speaks protocol %u, engine %u", hello.version, ipc::kProtocolVersion);
                break;
            }
            case ipc::FrameType::Call: {
                // Answered here, on this link's thread: the module sends each
                // call on a link with nothing else in flight, so calls run
                // concurrently across links without a hand-off to a worker.
                ipc::Call call = ipc::Call::decode(payload);
                ipc::Reply r = dispatcher_.dispatch(call);
                if (!peer->send(ipc::encode_frame(ipc::FrameType::Reply, h.id, r.encode()))) goto done;
                break;
            }
            case ipc::FrameType::ConnClosed: {
                auto cc = ipc::ConnClosed::decode(payload);
                dispatcher_.connection_closed(cc.conn_id);
                break;
            }
            default:
                LOG_WARN("ignoring unknown frame type %u", unsigned(h.type));
            }
        } catch (const DecodeError& e) {
            LOG_ERROR("undecodable frame from module: %s", e.what());
            if (h.type == ipc::FrameType::Call) {
                ipc::Reply r{ipc::fault::kBadStubData, {}};
                peer->send(ipc::encode_frame(ipc::FrameType::Reply, h.id, r.encode()));
            }
        }
    }
done:
    peer->alive = false;
    LOG_DEBUG("samba module link closed");
}

}  // namespace mg
