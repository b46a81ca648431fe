#include "runtime/workers.h"

#include <pthread.h>
#include <signal.h>

namespace nuage::runtime {

Workers::Workers(int threads, size_t max_queued) : max_queued_(max_queued) {
  // Threads are started with every signal blocked: the server's owner handles them.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { loop(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

Workers::~Workers() { stop(); }

bool Workers::post(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(job));
  }
  ready_.notify_one();
  return true;
}

void Workers::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    queue_.clear();
  }
  ready_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void Workers::loop() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

}  // namespace nuage::runtime
