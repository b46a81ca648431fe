// WorkerPool: the threads request handlers run on, started on demand.
//
// Handlers may block (an fsync, a synchronous Lambda invoke waiting for its
// sandbox), so each request in flight gets a thread of its own, up to
// `max_threads`; beyond that requests wait for one. A thread is started when
// a request arrives and every existing thread is busy, and kept until
// join(): an idle server holds `min_threads` (starting sixteen threads that a
// CI script's health poll never uses cost ~1 ms of start-up and their stacks).
// Threads run with every signal blocked (the server's owner handles them).
//
// Thread-safety: enter(), leave() and executor() are safe from any thread;
// join() is called once, by the owner, when no new work will be posted.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace nuage::http {

class WorkerPool {
 public:
  WorkerPool(int min_threads, int max_threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  boost::asio::io_context::executor_type executor() { return ioc_.get_executor(); }
  // Around each piece of work posted to executor(): enter() before posting
  // (starts a thread when all are busy), leave() when it has run.
  void enter();
  void leave();
  // Lets queued work finish, then stops and joins every thread.
  void join();
  int threads() const;

 private:
  void start_thread();  // caller holds mu_

  boost::asio::io_context ioc_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
  int max_threads_;
  std::atomic<int> busy_{0};
  std::atomic<int> started_{0};  // threads_.size(), readable without mu_
  mutable std::mutex mu_;
  std::vector<std::thread> threads_;
};

}  // namespace nuage::http
