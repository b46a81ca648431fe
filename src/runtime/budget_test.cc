// The sandbox budget: reservations within the capacity, idle holders
// reclaimed before a request is refused, growth past the capacity stopping
// new starts, and waiters woken when room appears.
#include "runtime/budget.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace nuage::runtime {
namespace {

TEST(Budget, ReservesWithinTheCapacity) {
  Budget budget(256);
  auto a = budget.try_reserve(128);
  auto b = budget.try_reserve(128);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(budget.reserved_mb(), 256u);
  EXPECT_FALSE(budget.try_reserve(1));
  a.release();
  EXPECT_EQ(budget.reserved_mb(), 128u);
  EXPECT_TRUE(budget.try_reserve(128));
}

TEST(Budget, AReservationLargerThanTheCapacityRunsAlone) {
  Budget budget(256);
  auto big = budget.try_reserve(10240);
  ASSERT_TRUE(big);
  EXPECT_EQ(big.mb(), 256u);
  EXPECT_FALSE(budget.try_reserve(128));
}

TEST(Budget, IdleHoldersAreReclaimedFirst) {
  Budget budget(256);
  std::vector<Budget::Reservation> idle;
  idle.push_back(budget.try_reserve(128));
  idle.push_back(budget.try_reserve(128));
  int reclaimed = 0;
  uint64_t id = budget.add_reclaimer([&] {
    if (idle.empty()) return false;
    idle.pop_back();
    ++reclaimed;
    return true;
  });
  auto fresh = budget.try_reserve(200);
  ASSERT_TRUE(fresh);
  EXPECT_EQ(reclaimed, 2);
  EXPECT_FALSE(budget.try_reserve(100));  // nothing idle is left to reclaim
  budget.remove_reclaimer(id);
}

TEST(Budget, GrowingPastTheCapacityStopsNewStarts) {
  Budget budget(256);
  auto a = budget.try_reserve(128);
  a.grow_to(300);
  EXPECT_EQ(budget.reserved_mb(), 300u);
  EXPECT_FALSE(budget.try_reserve(1));
  a.release();
  EXPECT_EQ(budget.reserved_mb(), 0u);
}

TEST(Budget, WaitersWakeWhenRoomAppears) {
  Budget budget(128);
  auto held = budget.try_reserve(128);
  uint64_t seen = budget.changes();
  std::thread releaser([&] { held.release(); });
  budget.wait_change(seen, std::chrono::seconds(30));
  releaser.join();
  EXPECT_NE(budget.changes(), seen);
  EXPECT_TRUE(budget.try_reserve(128));
}

TEST(Budget, TheMachineGivesSomething) { EXPECT_GE(Budget::machine_capacity_mb(), 1u); }

}  // namespace
}  // namespace nuage::runtime
