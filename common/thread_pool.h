// A fixed-size worker pool with a bounded queue.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mg {

class ThreadPool {
public:
    explicit ThreadPool(size_t workers, size_t max_queue = 100000) : max_queue_(max_queue) {
        for (size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { run(); });
    }
    ~ThreadPool() { stop(); }
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    // Returns false when the queue is full or the pool is stopping.
    bool submit(std::function<void()> job) {
        std::lock_guard<std::mutex> lk(mu_);
        if (stopping_ || jobs_.size() >= max_queue_) return false;
        jobs_.push_back(std::move(job));
        cv_.notify_one();
        return true;
    }

    void stop() {
        {
            std::lock_guard<std::mutex> lk(mu_);
            if (stopping_ && threads_.empty()) return;
            stopping_ = true;
        }
        cv_.notify_all();
        for (auto& t : threads_)
            if (t.joinable()) t.join();
        threads_.clear();
    }

private:
    void run() {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock<std::mutex> lk(mu_);
                cv_.wait(lk, [this] { return stopping_ || !jobs_.empty(); });
                if (jobs_.empty()) return;  // stopping and drained
                job = std::move(jobs_.front());
                jobs_.pop_front();
            }
            job();
        }
    }

    size_t max_queue_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> jobs_;
    std::vector<std::thread> threads_;
    bool stopping_ = false;
};

}  // namespace mg
