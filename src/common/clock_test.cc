#include "common/clock.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace nuage {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::system_clock;

// The real clock moves while a test runs; comparisons with it allow this slack.
constexpr auto kSlack = seconds(30);

TEST(Clock, RealByDefault) {
  Clock c;
  EXPECT_FALSE(c.frozen());
  auto d = c.now() - system_clock::now();
  EXPECT_LT(d, kSlack);
  EXPECT_GT(d, -kSlack);
}

TEST(Clock, FreezeStopsTime) {
  Clock c;
  c.freeze();
  EXPECT_TRUE(c.frozen());
  auto t = c.now();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(c.now(), t);
  c.freeze();  // idempotent
  EXPECT_EQ(c.now(), t);
}

TEST(Clock, AdvanceWhileFrozenIsExact) {
  Clock c;
  c.freeze();
  auto t = c.now();
  c.advance(hours(24));
  EXPECT_EQ(c.now(), t + hours(24));
  c.advance(seconds(1));
  EXPECT_EQ(c.now(), t + hours(24) + seconds(1));
}

TEST(Clock, SetWhileFrozenIsExact) {
  Clock c;
  c.freeze();
  auto target = system_clock::from_time_t(4102444800);  // 2100-01-01
  c.set(target);
  EXPECT_EQ(c.now(), target);
  EXPECT_TRUE(c.frozen());
  // Back in time is allowed too.
  c.set(system_clock::from_time_t(0));
  EXPECT_EQ(c.now(), system_clock::from_time_t(0));
}

TEST(Clock, RewindListenersHearOnlyMovesBack) {
  Clock c;
  c.freeze();
  auto t = system_clock::from_time_t(1800000000);
  c.set(t);
  std::vector<Clock::TimePoint> heard;
  uint64_t id = c.on_rewind([&](Clock::TimePoint now) {
    heard.push_back(now);
    // A listener re-arms: scheduling from inside is allowed.
    c.schedule(now + hours(1), [](Clock::TimePoint) {});
  });
  c.advance(hours(2));
  c.set(t + hours(5));
  EXPECT_TRUE(heard.empty());
  c.set(t - hours(24));
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_EQ(heard[0], t - hours(24));
  c.remove_rewind_listener(id);
  c.set(t - hours(48));
  EXPECT_EQ(heard.size(), 1u);
}

TEST(Clock, SetWhileRunningKeepsRunning) {
  Clock c;
  auto target = system_clock::from_time_t(4102444800);
  c.set(target);
  EXPECT_FALSE(c.frozen());
  auto d = c.now() - target;
  EXPECT_GE(d, system_clock::duration::zero());
  EXPECT_LT(d, kSlack);
}

TEST(Clock, AdvanceWhileRunning) {
  Clock c;
  c.advance(hours(48));
  auto d = c.now() - (system_clock::now() + hours(48));
  EXPECT_LT(d, kSlack);
  EXPECT_GT(d, -kSlack);
}

TEST(Clock, ResumeRunsOnFromFrozenInstant) {
  Clock c;
  c.freeze();
  auto target = system_clock::from_time_t(4102444800);
  c.set(target);
  c.resume();
  EXPECT_FALSE(c.frozen());
  auto d = c.now() - target;
  EXPECT_GE(d, system_clock::duration::zero());
  EXPECT_LT(d, kSlack);
  c.resume();  // idempotent
  EXPECT_LT(c.now() - target, kSlack);
  // Freezing again stops near where it ran to, not back at the real time.
  c.freeze();
  EXPECT_GE(c.now(), target);
  EXPECT_LT(c.now() - target, kSlack);
}

TEST(Clock, ConcurrentUse) {
  Clock c;
  c.freeze();
  auto start = c.now();
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      for (int k = 0; k < 1000; ++k) {
        c.advance(seconds(1));
        (void)c.now();
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.now(), start + seconds(4000));
}

}  // namespace
}  // namespace nuage
