// Unit tests of the event bus's change channel: batches of the changes
// queued while the subscribers were busy, in order, bounded.
#include "events/bus.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

namespace nuage::events {
namespace {

ResourceChange change(int n) {
  ResourceChange c;
  c.service = "test";
  c.kind = "thing";
  c.id = std::to_string(n);
  return c;
}

TEST(BusChanges, ABurstArrivesInOrderedBoundedBatches) {
  Bus bus;
  std::mutex mu;
  std::condition_variable cv;
  bool release = false, entered = false;
  std::vector<std::vector<std::string>> batches;
  bus.subscribe_change_batches([&](const std::vector<ResourceChange>& batch) {
    std::unique_lock lock(mu);
    std::vector<std::string> ids;
    for (const auto& c : batch) ids.push_back(c.id);
    batches.push_back(std::move(ids));
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });  // busy: the next changes queue up
  });
  bus.publish_change(change(0));
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return entered; });
  }
  const int burst = static_cast<int>(Bus::kMaxChangeBatch) + 3;
  for (int i = 1; i <= burst; ++i) bus.publish_change(change(i));
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  bus.drain_changes();
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0], std::vector<std::string>{"0"});
  ASSERT_EQ(batches[1].size(), Bus::kMaxChangeBatch);
  EXPECT_EQ(batches[1].front(), "1");
  EXPECT_EQ(batches[2], (std::vector<std::string>{std::to_string(burst - 2), std::to_string(burst - 1),
                                                  std::to_string(burst)}));
}

TEST(BusChanges, APerChangeSubscriberSeesEveryChangeOfABatch) {
  Bus bus;
  std::vector<std::string> seen;
  bus.subscribe_changes([&](const ResourceChange& c) { seen.push_back(c.id); });
  for (int i = 0; i < 5; ++i) bus.publish_change(change(i));
  bus.drain_changes();
  EXPECT_EQ(seen, (std::vector<std::string>{"0", "1", "2", "3", "4"}));
}

}  // namespace
}  // namespace nuage::events

TEST(BusWakeups, ASubscriberHearsEverySourceWokenUntilItLeaves) {
  nuage::events::Bus bus;
  std::vector<std::string> heard;
  auto id = bus.subscribe_wakeups([&](const std::string& source) { heard.push_back(source); });
  bus.wake("arn:a");
  bus.wake("arn:b");
  bus.unsubscribe_wakeups(id);
  bus.wake("arn:c");
  EXPECT_EQ(heard, (std::vector<std::string>{"arn:a", "arn:b"}));
}
