// The in-process event bus between services. Two channels:
//
// Events, with EventBridge's envelope: EC2 publishes its instance state
// changes here and EventBridge matches them against rules. Delivery is
// synchronous, in the publisher's thread, in subscription order: a
// subscriber that does slow work (invoking a Lambda) queues it and returns.
// Publishers publish after releasing their own locks, so a subscriber may
// call back into them.
//
// Resource changes: every create, change and delete of a document in a
// storage::ResourceStore, published once committed. AWS Config records its
// configuration items from them, never by polling. Delivery is asynchronous
// and ordered, on the bus's own thread (started by the first change
// subscriber), because changes are announced under the publisher's locks; each
// queued change holds a Clock::Work, so a clock advance returns once the
// changes it caused were delivered. Without change subscribers a change costs
// nothing. A batch subscriber receives the changes queued while the
// subscribers were busy, in order, in one call (up to kMaxChangeBatch), so it
// can record a burst in one transaction.
//
// Wake-ups: a data source that appended something (a DynamoDB stream
// record) names it (its ARN), so the consumers waiting on it (Lambda's
// stream pollers) read again instead of polling. Delivery is synchronous, in
// the caller's thread, which may hold its own locks: a wake-up subscriber
// only signals (a condition variable), never blocks nor calls a service.
//
// Inventory: what AWS Config discovers when a recorder starts. Stores (and
// services with state of their own) register an inventory source; a
// request asks each to announce every resource of a scope as a change,
// through the same ordered channel.
//
// Thread-safety: all members are safe from any thread.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"

namespace nuage::events {

struct Event {
  std::string id;           // uuid
  std::string source;       // "aws.ec2"
  std::string detail_type;  // "EC2 Instance State-change Notification"
  std::string account;
  std::string region;
  std::chrono::system_clock::time_point time;
  std::vector<std::string> resources;
  nlohmann::json detail = nlohmann::json::object();

  // The event as EventBridge delivers it ({"version": "0", "id": ..., ...}).
  nlohmann::json envelope() const;

  // An AWS service's event (source "aws.ssm", ...) about one resource, with
  // a fresh id.
  static Event about(std::string source, std::string detail_type, std::string account, std::string region,
                     std::chrono::system_clock::time_point time, std::string resource_arn, nlohmann::json detail);
};

struct ResourceChange {
  std::string service;  // model name: "ec2"
  std::string kind;     // the store's kind: "security-group"
  std::string account, region;
  std::string id;
  // The document as stored after the change (shared, never changed again);
  // null when the resource was deleted, and then `deleted` holds its last form.
  std::shared_ptr<const nlohmann::json> document;
  std::shared_ptr<const nlohmann::json> deleted;
  Clock::TimePoint time;  // nuage clock, when it was committed
};

class Bus {
 public:
  using Subscriber = std::function<void(const Event&)>;
  using ChangeSubscriber = std::function<void(const ResourceChange&)>;
  using ChangeBatchSubscriber = std::function<void(const std::vector<ResourceChange>&)>;
  static constexpr size_t kMaxChangeBatch = 64;
  using SubscriptionId = uint64_t;

  explicit Bus(Clock* clock = nullptr) : clock_(clock) {}
  ~Bus();
  Bus(const Bus&) = delete;
  Bus& operator=(const Bus&) = delete;

  SubscriptionId subscribe(Subscriber subscriber);
  void unsubscribe(SubscriptionId id);
  void publish(const Event& event);

  SubscriptionId subscribe_changes(ChangeSubscriber subscriber);
  SubscriptionId subscribe_change_batches(ChangeBatchSubscriber subscriber);
  void unsubscribe_changes(SubscriptionId id);
  // Queues the change for the change subscribers (none: dropped).
  void publish_change(ResourceChange change);
  bool has_change_subscribers() const;
  // Blocks until every change queued so far was delivered (tests, shutdown).
  void drain_changes();

  using WakeSubscriber = std::function<void(const std::string& source)>;
  SubscriptionId subscribe_wakeups(WakeSubscriber subscriber);
  void unsubscribe_wakeups(SubscriptionId id);
  void wake(const std::string& source);

  // `source(account, region)` announces (publish_change) every resource it
  // holds in that scope; region "" means every region. Sources are called
  // one request at a time; removing one waits for a request in progress.
  using InventorySource = std::function<void(const std::string& account, const std::string& region)>;
  SubscriptionId add_inventory_source(InventorySource source);
  void remove_inventory_source(SubscriptionId id);
  void request_inventory(const std::string& account, const std::string& region);

 private:
  // The change thread's nice value (Linux: per thread).
  static constexpr int kDeliveryNice = 10;
  void deliver_changes();

  Clock* clock_;
  mutable std::mutex mu_;
  std::map<SubscriptionId, Subscriber> subscribers_;
  std::map<SubscriptionId, ChangeBatchSubscriber> change_subscribers_;
  SubscriptionId next_ = 1;
  std::map<SubscriptionId, WakeSubscriber> wake_subscribers_;
  std::mutex inventory_mu_;  // held while a request calls the sources
  std::map<SubscriptionId, InventorySource> inventory_sources_;

  struct Queued {
    ResourceChange change;
    std::unique_ptr<Clock::Work> work;
  };
  std::condition_variable changes_cv_, drained_cv_;
  std::deque<Queued> changes_;
  bool delivering_ = false;
  bool stopping_ = false;
  std::thread changes_thread_;
};

}  // namespace nuage::events
