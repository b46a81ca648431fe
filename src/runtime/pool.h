// The pool of Lambda execution environments. An invocation takes a warm
// idle environment of the same configuration (same `key`: function version,
// code, settings) or starts a new one; concurrent invocations get separate
// environments, up to the function's reserved concurrency (then they are
// throttled). Every live environment, busy or idle, holds a reservation in
// the machine's Budget (runtime/budget.h) of its function's expected size;
// when a new one does not fit, the least recently used idle environments
// (of any function) are shut down first, and when the busy ones leave no
// room the invocation is throttled — or, asked to wait, waits for room.
// Environments that time out, crash or fail to initialize are dropped;
// idle ones are shut down after `idle_timeout`.
//
// Thread-safety: all members are safe from any thread; invoke() blocks the
// calling thread for the invocation (and, when waiting, for room).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/budget.h"
#include "runtime/environment.h"

namespace nuage::runtime {

struct PoolOptions {
  std::chrono::seconds idle_timeout{300};
  int max_per_group = 64;  // environments of one function without reserved concurrency
};

struct PoolResult {
  enum Status { kDone, kThrottled, kStartFailed, kCancelled } status = kDone;
  // kThrottled: by the machine's budget (AWS's account concurrency), not by
  // the group's reserved concurrency.
  bool over_capacity = false;
  Outcome outcome;
  std::string log_stream;  // AWS_LAMBDA_LOG_STREAM_NAME of the environment that ran it
  std::string error;       // kStartFailed: why
  int concurrency = 0;     // invocations of the group running as it started, itself included
  bool cold = false;       // a new environment was started for it
};

// One invocation's request to the pool.
struct Launch {
  std::string group;   // the concurrency group (the function)
  std::string key;     // environments of the same key are interchangeable
  int limit = -1;      // the group's reserved concurrency (-1: none)
  uint64_t memory_mb = 128;  // what an environment may use (MemorySize)
  // Builds the spec of a new environment (called only on a cold start,
  // outside the pool's lock). Returns false with `error` set when it cannot.
  std::function<bool(EnvironmentSpec& spec, std::string* error)> make_spec;
  // Called before a warm environment runs the invocation, with the
  // variables it was started with (to renew what they grant); false drops
  // it and starts a new one.
  std::function<bool(const std::map<std::string, std::string>& env)> prepare_warm;
  // Wait for room in the budget instead of being throttled, until
  // `cancelled` says to give up (kCancelled).
  bool wait_for_room = false;
  std::function<bool()> cancelled;
};

class Pool {
 public:
  Pool(Budget& budget, PoolOptions options = {});
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  PoolResult invoke(const Launch& launch, const Invocation& invocation);

  // Drops the idle environments of `group`; busy ones are dropped when they
  // finish (the function's code or configuration changed, or it was deleted).
  void evict(const std::string& group);
  void clear();
  size_t idle_count() const;
  size_t live_count() const;  // busy and idle

 private:
  struct Slot {
    Budget::Reservation reservation;  // released after the environment is gone
    std::unique_ptr<Environment> env;
    std::map<std::string, std::string> variables;
    std::string key, group, log_stream;
    uint64_t generation = 0;
    std::chrono::steady_clock::time_point last_used;
  };
  void reap();
  // Shuts down the least recently used idle environment; false if none.
  bool reclaim_one();
  static void drop(Slot& slot);

  Budget& budget_;
  PoolOptions options_;
  uint64_t reclaimer_id_ = 0;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::map<std::string, int> busy_;              // by group
  std::map<std::string, uint64_t> generation_;   // by group, bumped by evict()
  std::map<std::string, uint64_t> seen_mb_;      // by group: the most an environment was seen using
  std::vector<Slot> idle_;
  bool stopping_ = false;
  std::thread reaper_;
};

}  // namespace nuage::runtime
