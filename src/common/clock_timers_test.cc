#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "common/clock.h"

using namespace std::chrono;
using nuage::Clock;

TEST(ClockTimers, AdvanceFiresDueTimersInOrderAtTheirTime) {
  Clock clock;
  clock.freeze();
  auto t0 = clock.now();
  std::vector<std::pair<int, Clock::TimePoint>> fired;
  clock.schedule(t0 + hours(2), [&](auto) { fired.emplace_back(2, clock.now()); });
  clock.schedule(t0 + hours(1), [&](auto) { fired.emplace_back(1, clock.now()); });
  clock.schedule(t0 + hours(5), [&](auto) { fired.emplace_back(5, clock.now()); });
  clock.advance(hours(3));
  ASSERT_EQ(fired.size(), 2u);
  EXPECT_EQ(fired[0].first, 1);
  EXPECT_EQ(fired[0].second, t0 + hours(1));
  EXPECT_EQ(fired[1].first, 2);
  EXPECT_EQ(fired[1].second, t0 + hours(2));
  EXPECT_EQ(clock.now(), t0 + hours(3));
}

TEST(ClockTimers, TimersScheduledByTimersFireWithinTheSameAdvance) {
  Clock clock;
  clock.freeze();
  auto t0 = clock.now();
  int count = 0;
  std::function<void(Clock::TimePoint)> every_hour = [&](Clock::TimePoint due) {
    ++count;
    clock.schedule(due + hours(1), every_hour);
  };
  clock.schedule(t0 + hours(1), every_hour);
  clock.advance(hours(24) + minutes(30));
  EXPECT_EQ(count, 24);
}

TEST(ClockTimers, CancelAndSetBackwards) {
  Clock clock;
  clock.freeze();
  auto t0 = clock.now();
  int fired = 0;
  auto id = clock.schedule(t0 + minutes(10), [&](auto) { ++fired; });
  clock.schedule(t0 + minutes(20), [&](auto) { ++fired; });
  clock.cancel(id);
  clock.set(t0 - hours(1));  // backwards: nothing fires
  EXPECT_EQ(fired, 0);
  clock.set(t0 + minutes(30));
  EXPECT_EQ(fired, 1);
}

TEST(ClockTimers, AdvanceWaitsForStartedWork) {
  Clock clock;
  clock.freeze();
  std::atomic<bool> done{false};
  std::thread worker;
  clock.schedule(clock.now() + seconds(1), [&](auto) {
    auto work = std::make_shared<Clock::Work>(clock.begin_work());
    worker = std::thread([work, &done] {
      std::this_thread::sleep_for(milliseconds(50));
      done = true;
    });
  });
  clock.advance(seconds(2));
  EXPECT_TRUE(done.load());
  worker.join();
}

TEST(ClockTimers, AdvanceWaitsForWorkStartedBeforeIt) {
  // Work not started by a timer (a change announced, an invocation queued)
  // has settled too when an advance returns, even if no timer fired.
  Clock clock;
  clock.freeze();
  std::atomic<bool> done{false};
  auto work = std::make_shared<Clock::Work>(clock.begin_work());
  std::thread worker([work, &done]() mutable {
    std::this_thread::sleep_for(milliseconds(50));
    done = true;
    work.reset();
  });
  work.reset();
  clock.advance(seconds(1));
  EXPECT_TRUE(done.load());
  worker.join();
}

TEST(ClockTimers, RunningClockFiresInRealTime) {
  Clock clock;
  std::atomic<int> fired{0};
  clock.schedule(clock.now() + milliseconds(20), [&](auto) { ++fired; });
  for (int i = 0; i < 200 && fired == 0; ++i) std::this_thread::sleep_for(milliseconds(10));
  EXPECT_EQ(fired.load(), 1);
}
