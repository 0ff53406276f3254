// The engine's side of the module <-> engine socket.
#pragma once

#include "mapiproxy/servers/dispatcher.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace mg {

class IpcServer {
public:
    // One reader thread per module link answers that link's calls in
    // order; the module spreads concurrent calls over links.
    IpcServer(std::string socket_path, Dispatcher& dispatcher);
    ~IpcServer();

    // Creates the listening socket; throws std::runtime_error with the reason
    // (e.g. another engine already listening).
    void listen();
    // Serves until stop_fd becomes readable.
    void run(int stop_fd);

private:
    struct Peer {
        int fd = -1;
        std::mutex write_mu;
        std::atomic<bool> alive{true};
        bool send(const Bytes& frame);
    };
    void serve(std::shared_ptr<Peer> peer);

    std::string path_;
    Dispatcher& dispatcher_;
    int listen_fd_ = -1;
    std::mutex peers_mu_;
    std::vector<std::shared_ptr<Peer>> peers_;
    std::vector<std::thread> readers_;
};

}  // namespace mg
