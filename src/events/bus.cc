#include "events/bus.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/crypto.h"
#include "common/time.h"

namespace nuage::events {

Event Event::about(std::string source, std::string detail_type, std::string account, std::string region,
                   std::chrono::system_clock::time_point time, std::string resource_arn, nlohmann::json detail) {
  Event e;
  e.id = crypto::random_uuid();
  e.source = std::move(source);
  e.detail_type = std::move(detail_type);
  e.account = std::move(account);
  e.region = std::move(region);
  e.time = time;
  e.resources = {std::move(resource_arn)};
  e.detail = std::move(detail);
  return e;
}

nlohmann::json Event::envelope() const {
  return {{"version", "0"},     {"id", id},         {"detail-type", detail_type}, {"source", source},
          {"account", account}, {"time", timefmt::iso8601(time)}, {"region", region},
          {"resources", resources}, {"detail", detail}};
}

Bus::~Bus() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changes_cv_.notify_all();
  if (changes_thread_.joinable()) changes_thread_.join();
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

Bus::SubscriptionId Bus::subscribe_wakeups(WakeSubscriber subscriber) {
  std::lock_guard lock(mu_);
  SubscriptionId id = next_++;
  wake_subscribers_.emplace(id, std::move(subscriber));
  return id;
}

void Bus::unsubscribe_wakeups(SubscriptionId id) {
  std::lock_guard lock(mu_);
  wake_subscribers_.erase(id);
}

void Bus::wake(const std::string& source) {
  // Under mu_: subscribers only signal, and unsubscribing then waits for a
  // wake-up in progress, so none reaches a subscriber being destroyed.
  std::lock_guard lock(mu_);
  for (const auto& [id, subscriber] : wake_subscribers_) subscriber(source);
}

void Bus::publish(const Event& event) {
  std::vector<Subscriber> targets;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, s] : subscribers_) targets.push_back(s);
  }
  for (const auto& s : targets) s(event);
}

Bus::SubscriptionId Bus::subscribe_changes(ChangeSubscriber subscriber) {
  return subscribe_change_batches([subscriber = std::move(subscriber)](const std::vector<ResourceChange>& batch) {
    for (const auto& change : batch) subscriber(change);
  });
}

Bus::SubscriptionId Bus::subscribe_change_batches(ChangeBatchSubscriber subscriber) {
  std::lock_guard lock(mu_);
  SubscriptionId id = next_++;
  change_subscribers_.emplace(id, std::move(subscriber));
  if (!changes_thread_.joinable()) changes_thread_ = std::thread([this] {
      // What subscribers do with a change (AWS Config recording it) yields
      // the CPU to request handling: the change that caused it is already
      // acknowledged, and recording must not slow the service down.
      (void)setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), kDeliveryNice);
      deliver_changes();
    });
  return id;
}

void Bus::unsubscribe_changes(SubscriptionId id) {
  std::unique_lock lock(mu_);
  change_subscribers_.erase(id);
  // A delivery in progress may still hold the subscriber: wait it out, unless
  // this is the delivery thread itself.
  if (std::this_thread::get_id() != changes_thread_.get_id())
    drained_cv_.wait(lock, [&] { return !delivering_ || stopping_; });
}

bool Bus::has_change_subscribers() const {
  std::lock_guard lock(mu_);
  return !change_subscribers_.empty();
}

void Bus::publish_change(ResourceChange change) {
  if (!has_change_subscribers()) return;
  std::unique_ptr<Clock::Work> work = clock_ ? std::make_unique<Clock::Work>(clock_->begin_work()) : nullptr;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    changes_.push_back({std::move(change), std::move(work)});
  }
  changes_cv_.notify_one();
}

void Bus::drain_changes() {
  std::unique_lock lock(mu_);
  drained_cv_.wait(lock, [&] { return (changes_.empty() && !delivering_) || stopping_; });
}

Bus::SubscriptionId Bus::add_inventory_source(InventorySource source) {
  std::lock_guard inventory(inventory_mu_);
  std::lock_guard lock(mu_);
  SubscriptionId id = next_++;
  inventory_sources_.emplace(id, std::move(source));
  return id;
}

void Bus::remove_inventory_source(SubscriptionId id) {
  std::lock_guard inventory(inventory_mu_);
  inventory_sources_.erase(id);
}

void Bus::request_inventory(const std::string& account, const std::string& region) {
  std::lock_guard inventory(inventory_mu_);
  for (const auto& [id, source] : inventory_sources_) source(account, region);
}

void Bus::deliver_changes() {
  std::unique_lock lock(mu_);
  while (true) {
    changes_cv_.wait(lock, [&] { return stopping_ || !changes_.empty(); });
    if (stopping_) return;
    std::vector<ResourceChange> batch;
    std::vector<std::unique_ptr<Clock::Work>> works;
    while (!changes_.empty() && batch.size() < kMaxChangeBatch) {
      batch.push_back(std::move(changes_.front().change));
      works.push_back(std::move(changes_.front().work));
      changes_.pop_front();
    }
    std::vector<ChangeBatchSubscriber> targets;
    for (const auto& [id, s] : change_subscribers_) targets.push_back(s);
    delivering_ = true;
    lock.unlock();
    for (const auto& s : targets) s(batch);
    works.clear();  // settled: a clock advance may return
    lock.lock();
    delivering_ = false;
    drained_cv_.notify_all();
  }
}

}  // namespace nuage::events
