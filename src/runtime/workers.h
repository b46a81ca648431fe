// Workers: a fixed set of threads that run queued jobs in order, for work
// that blocks on a sandboxed process (EC2 user data, SSM Run Command
// scripts) and must never run on an I/O or request thread. The queue is
// bounded: post() refuses a job beyond `max_queued`.
//
// Thread-safety: post() is safe from any thread; stop() lets running jobs
// finish, drops the queued ones and joins (the destructor calls it).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace nuage::runtime {

class Workers {
 public:
  Workers(int threads, size_t max_queued);
  ~Workers();
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  // false when the queue is full or the workers are stopped.
  bool post(std::function<void()> job);
  void stop();

 private:
  void loop();

  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  size_t max_queued_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace nuage::runtime
