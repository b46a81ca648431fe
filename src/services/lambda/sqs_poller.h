// The pollers of Lambda's SQS event source mappings: each enabled mapping
// has one thread that long-polls its queue (SQS's ReceiveMessage with
// WaitTimeSeconds 20, called in-process through the environment's service
// calls with the function's execution role, so the role's policies and the
// queue's policy decide), gathers a batch (BatchSize within
// MaximumBatchingWindowInSeconds of nuage's clock), drops and deletes the
// messages FilterCriteria rejects, runs the function synchronously, and
// deletes the batch once it succeeded — all of it, or, with
// ReportBatchItemFailures, all but the batchItemFailures. A batch that fails
// stays in the queue: its messages become visible again after the queue's
// visibility timeout and the queue's redrive policy moves them to its
// dead-letter queue after maxReceiveCount receives, all in SQS.
//
// No polling loop: a poller sleeps inside SQS's long poll, which wakes when
// a message arrives or becomes visible (nuage's clock) or nuage stops. A
// poller that gets a full batch starts another (up to kMaxPollersPerMapping,
// ScalingConfig.MaximumConcurrency and the function's reserved
// concurrency); the extra ones end when they find the queue empty. FIFO
// order holds because SQS hands out no message of a group while another of
// the group is in flight.
//
// A mapping disabled or deleted stops its pollers; one waiting in a long
// poll ends when the poll returns, handing back (visibility 0) what it got.
// Pollers start when the provider opens (mappings persist), each waiting
// until nuage serves (every provider open), and are joined at close().
//
// Thread-safety: all members are safe from any thread; never called with
// Shared::mutex held.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "services/lambda/invoke.h"
#include "services/lambda/resources.h"
#include "services/lambda/roles.h"

namespace nuage::services::lambda {

inline constexpr const char* kEventSourceMapping = "event-source-mapping";
inline constexpr int kMaxPollersPerMapping = 5;

class SqsPollers {
 public:
  SqsPollers(Shared& shared, Roles& roles, Invoker& invoker) : shared_(shared), roles_(roles), invoker_(invoker) {}
  ~SqsPollers() { close(); }
  // Starts the pollers of every enabled mapping in the store.
  void start_all();
  // After a mapping of `scope` was created, changed or deleted: starts or
  // stops its pollers to match.
  void refresh(const storage::Scope& scope, const std::string& uuid);
  // nuage stops (kit::Stoppable): pollers end as soon as they can.
  void stopping();
  // Every poller stops (POST /_nuage/reset), without waiting for them.
  void clear();
  // Stops and joins every poller.
  void close();

 private:
  struct Poller {
    storage::Scope scope;
    std::string uuid;
    bool primary = false;
    std::atomic<bool> stop{false};
    std::atomic<bool> done{false};
    std::thread thread;
  };
  using PollerPtr = std::shared_ptr<Poller>;

  void spawn(const storage::Scope& scope, const std::string& uuid, bool primary);  // under mu_
  void poll(const PollerPtr& p);
  // Whether the poller must end (its mapping, or nuage, stops).
  bool ending(const Poller& p) const { return p.stop || stopping_; }
  // Sleeps up to `delay` of real time, or until the poller must end.
  void idle(const Poller& p, std::chrono::milliseconds delay);
  // Another poller for the mapping, when it holds fewer than `limit`.
  void scale_up(const Poller& p, int limit);
  static void join_ended(std::vector<PollerPtr>& pollers);  // under mu_: joins and drops those that ended

  Shared& shared_;
  Roles& roles_;
  Invoker& invoker_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::vector<PollerPtr>> active_;  // by account/region/uuid
  std::vector<PollerPtr> retired_;
  std::atomic<bool> stopping_{false};
};

}  // namespace nuage::services::lambda
