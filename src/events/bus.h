// The in-process event bus between services: EC2 publishes its instance
// state changes here, and EventBridge (rules) and Config (recorders) consume
// them, without any service touching another's tables.
//
// Events have EventBridge's envelope. Delivery is synchronous, in the
// publisher's thread, in subscription order: a subscriber that does slow work
// (invoking a Lambda) queues it and returns. Publishers publish after
// releasing their own locks, so a subscriber may call back into them.
// Thread-safety: all members are safe from any thread.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

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
};

class Bus {
 public:
  using Subscriber = std::function<void(const Event&)>;
  using SubscriptionId = uint64_t;

  SubscriptionId subscribe(Subscriber subscriber);
  void unsubscribe(SubscriptionId id);
  void publish(const Event& event);

 private:
  std::mutex mu_;
  std::map<SubscriptionId, Subscriber> subscribers_;
  SubscriptionId next_ = 1;
};

}  // namespace nuage::events
