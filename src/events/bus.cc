#include "events/bus.h"

#include "common/time.h"

namespace nuage::events {

nlohmann::json Event::envelope() const {
  return {{"version", "0"},     {"id", id},         {"detail-type", detail_type}, {"source", source},
          {"account", account}, {"time", timefmt::iso8601(time)}, {"region", region},
          {"resources", resources}, {"detail", detail}};
}

Bus::SubscriptionId Bus::subscribe(Subscriber subscriber) {
  std::lock_guard lock(mu_);
  SubscriptionId id = next_++;
  subscribers_.emplace(id, std::move(subscriber));
  return id;
}

void Bus::unsubscribe(SubscriptionId id) {
  std::lock_guard lock(mu_);
  subscribers_.erase(id);
}

void Bus::publish(const Event& event) {
  std::vector<Subscriber> targets;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, s] : subscribers_) targets.push_back(s);
  }
  for (const auto& s : targets) s(event);
}

}  // namespace nuage::events
