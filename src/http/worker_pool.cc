#include "http/worker_pool.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>

namespace nuage::http {

WorkerPool::WorkerPool(int min_threads, int max_threads)
    : guard_(boost::asio::make_work_guard(ioc_)), max_threads_(std::max(1, max_threads)) {
  std::lock_guard lock(mu_);
  for (int i = 0; i < std::clamp(min_threads, 1, max_threads_); ++i) start_thread();
}

WorkerPool::~WorkerPool() { join(); }

void WorkerPool::start_thread() {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);  // inherited by the new thread
  threads_.emplace_back([this] { ioc_.run(); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  started_.store(static_cast<int>(threads_.size()));
}

void WorkerPool::enter() {
  int busy = busy_.fetch_add(1) + 1;
  // The request hot path: only take the lock when a thread may be needed.
  if (busy <= started_.load()) return;
  std::lock_guard lock(mu_);
  if (guard_ && busy > static_cast<int>(threads_.size()) && static_cast<int>(threads_.size()) < max_threads_)
    start_thread();
}

void WorkerPool::leave() { busy_.fetch_sub(1); }

void WorkerPool::join() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    guard_.reset();  // run() returns once the queue is empty
    threads.swap(threads_);
  }
  for (auto& t : threads)
    if (t.joinable()) t.join();
}

int WorkerPool::threads() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(threads_.size());
}

}  // namespace nuage::http
