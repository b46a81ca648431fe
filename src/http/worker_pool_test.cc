// WorkerPool: threads start as work overlaps, never beyond the maximum, and
// join() lets queued work finish.
#include "http/worker_pool.h"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>

namespace nuage::http {
namespace {

struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  int waiting = 0;
  void wait() {
    std::unique_lock lock(mu);
    ++waiting;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
  }
  void wait_for_waiters(int n) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return waiting >= n; });
  }
  void release() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
};

void post_blocking(WorkerPool& pool, Gate& gate, std::atomic<int>& done) {
  pool.enter();
  boost::asio::post(pool.executor(), [&] {
    gate.wait();
    ++done;
    pool.leave();
  });
}

TEST(WorkerPool, StartsThreadsAsWorkOverlapsUpToTheMaximum) {
  WorkerPool pool(2, 4);
  EXPECT_EQ(pool.threads(), 2);
  Gate gate;
  std::atomic<int> done{0};
  for (int i = 0; i < 3; ++i) post_blocking(pool, gate, done);
  gate.wait_for_waiters(3);  // three blocked at once: a third thread started
  EXPECT_EQ(pool.threads(), 3);
  for (int i = 0; i < 3; ++i) post_blocking(pool, gate, done);
  gate.wait_for_waiters(4);
  EXPECT_EQ(pool.threads(), 4);  // capped; the other two wait in the queue
  gate.release();
  pool.join();
  EXPECT_EQ(done.load(), 6);
}

TEST(WorkerPool, SequentialWorkNeverStartsMoreThreads) {
  WorkerPool pool(2, 16);
  for (int i = 0; i < 50; ++i) {
    std::promise<void> ran;
    pool.enter();
    boost::asio::post(pool.executor(), [&] {
      pool.leave();
      ran.set_value();
    });
    ran.get_future().wait();
  }
  EXPECT_EQ(pool.threads(), 2);
}

}  // namespace
}  // namespace nuage::http
