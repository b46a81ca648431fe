// The pool of execution environments. An invocation takes a warm idle
// environment of the same configuration (same `key`: function version, code,
// settings, credentials) or starts a new one; concurrent invocations get
// separate environments, up to the function's reserved concurrency (then
// they are throttled). Environments that time out, crash or fail to
// initialize are dropped; idle ones are shut down after `idle_timeout`.
// Thread-safety: all members are safe from any thread; invoke() blocks the
// calling thread for the invocation.
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

#include "runtime/environment.h"

namespace nuage::runtime {

struct PoolOptions {
  std::chrono::seconds idle_timeout{300};
  int max_per_group = 64;  // environments of one function without reserved concurrency
};

struct PoolResult {
  enum Status { kDone, kThrottled, kStartFailed } status = kDone;
  Outcome outcome;
  std::string log_stream;  // AWS_LAMBDA_LOG_STREAM_NAME of the environment that ran it
  std::string error;       // kStartFailed: why
  int concurrency = 0;     // invocations of the group running as it started, itself included
};

class Pool {
 public:
  explicit Pool(PoolOptions options = {});
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Builds the spec of a new environment (called only on a cold start,
  // outside the pool's lock). Returns false with `error` set when it cannot.
  using SpecMaker = std::function<bool(EnvironmentSpec& spec, std::string* error)>;

  // `group` is the concurrency group (the function), `limit` its reserved
  // concurrency (-1: none).
  PoolResult invoke(const std::string& group, const std::string& key, int limit, const SpecMaker& make_spec,
                    const Invocation& invocation);

  // Drops the idle environments of `group`; busy ones are dropped when they
  // finish (the function's code or configuration changed, or it was deleted).
  void evict(const std::string& group);
  void clear();
  size_t idle_count() const;

 private:
  struct Idle {
    std::unique_ptr<Environment> env;
    std::string key, group, log_stream;
    uint64_t generation = 0;
    std::chrono::steady_clock::time_point last_used;
  };
  void reap();

  PoolOptions options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::map<std::string, int> busy_;              // by group
  std::map<std::string, uint64_t> generation_;   // by group, bumped by evict()
  std::vector<Idle> idle_;
  bool stopping_ = false;
  std::thread reaper_;
};

}  // namespace nuage::runtime
