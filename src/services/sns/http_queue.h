// The thread SNS posts to HTTP endpoints from, so a slow or dead endpoint
// never holds a Publish: jobs run in order, one at a time; at most kLimit
// wait (more are dropped, and said so in the log).
//
// Thread-safety: push() from any thread; the destructor finishes the job
// under way and drops the rest.
#pragma once

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace nuage::services::sns {

class HttpQueue {
 public:
  static constexpr size_t kLimit = 10000;
  ~HttpQueue() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      jobs_.clear();
    }
    ready_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  void push(std::function<void()> job) {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (jobs_.size() >= kLimit) {
      spdlog::warn("sns: {} HTTP deliveries waiting; one more dropped", jobs_.size());
      return;
    }
    jobs_.push_back(std::move(job));
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    ready_.notify_one();
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    while (true) {
      ready_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace nuage::services::sns
