#include <gtest/gtest.h>

#include <chrono>

#include "services/dynamodb/throughput.h"

namespace nuage::services::dynamodb {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Clock::TimePoint t0 = Clock::TimePoint(seconds(1'800'000'000));

TEST(TokenBucket, StartsWithThreeHundredSecondsOfBurst) {
  TokenBucket bucket(5, t0);
  EXPECT_EQ(bucket.available(t0), 1500);
  EXPECT_TRUE(bucket.fits(1500, t0));
  bucket.take(0.5, t0);
  EXPECT_FALSE(bucket.fits(1500, t0));
  EXPECT_TRUE(bucket.fits(1499.5, t0));
}

TEST(TokenBucket, DrainedRefillsExactlyItsRatePerSecond) {
  TokenBucket bucket(2, t0);
  bucket.take(600, t0);
  EXPECT_FALSE(bucket.fits(1, t0));  // a frozen clock refills nothing
  EXPECT_TRUE(bucket.fits(1, t0 + milliseconds(500)));
  EXPECT_FALSE(bucket.fits(1.5, t0 + milliseconds(500)));
  EXPECT_EQ(bucket.available(t0 + seconds(1)), 2);
  bucket.take(2, t0 + seconds(1));
  EXPECT_EQ(bucket.available(t0 + seconds(4)), 6);
}

TEST(TokenBucket, KeepsAtMostThreeHundredSecondsUnused) {
  TokenBucket bucket(1, t0);
  bucket.take(300, t0);
  EXPECT_EQ(bucket.available(t0 + seconds(3600)), 300);
}

TEST(TokenBucket, ClockMovedBackAddsNothing) {
  TokenBucket bucket(1, t0);
  bucket.take(300, t0);
  EXPECT_EQ(bucket.available(t0 - seconds(60)), 0);
  EXPECT_EQ(bucket.available(t0 - seconds(59)), 1);
}

TEST(TokenBucket, RequestLargerThanTheBucketIsServedFromAFullOneIntoDebt) {
  TokenBucket bucket(1, t0);
  EXPECT_TRUE(bucket.fits(400, t0));
  bucket.take(400, t0);
  EXPECT_EQ(bucket.available(t0), -100);
  EXPECT_FALSE(bucket.fits(400, t0 + seconds(300)));  // 200: not full
  EXPECT_TRUE(bucket.fits(400, t0 + seconds(400)));
}

TEST(TokenBucket, NewRateKeepsTheBalanceUpToItsBurst) {
  TokenBucket bucket(10, t0);  // 3000
  bucket.set_rate(1, t0);
  EXPECT_EQ(bucket.available(t0), 300);
  bucket.take(300, t0);
  bucket.set_rate(50, t0);
  EXPECT_EQ(bucket.available(t0 + seconds(1)), 50);
}

TEST(OnDemandWindow, NewTableServesTwiceItsInitialPeakPerSecond) {
  OnDemandWindow window(2000, -1);
  EXPECT_EQ(window.limit(), 4000);
  window.take(3999, t0);
  EXPECT_EQ(window.check(1, t0), OnDemandLimit::kNone);
  window.take(1, t0);
  EXPECT_EQ(window.check(1, t0), OnDemandLimit::kPeak);
  EXPECT_EQ(window.check(1, t0 + seconds(1)), OnDemandLimit::kNone);
}

TEST(OnDemandWindow, PeakDoublesTheNextLimit) {
  OnDemandWindow window(2000, -1);
  window.take(4000, t0);
  window.take(7999, t0 + seconds(1));
  EXPECT_EQ(window.limit(), 8000);
  EXPECT_EQ(window.check(1, t0 + seconds(1)), OnDemandLimit::kNone);
  EXPECT_EQ(window.check(2, t0 + seconds(1)), OnDemandLimit::kPeak);
  window.take(8000, t0 + seconds(2));
  window.check(0, t0 + seconds(3));
  EXPECT_EQ(window.limit(), 16000);
}

TEST(OnDemandWindow, MaximumAndAccountQuota) {
  OnDemandWindow capped(2000, 100);
  capped.take(100, t0);
  EXPECT_EQ(capped.check(1, t0), OnDemandLimit::kMaximum);
  OnDemandWindow big(30000, -1);
  big.take(40000, t0);
  EXPECT_EQ(big.check(1, t0), OnDemandLimit::kAccount);
  EXPECT_EQ(big.limit(), 40000);
}

TEST(OnDemandWindow, IdleSecondServesOneLargeRequest) {
  OnDemandWindow window(2000, -1);
  EXPECT_EQ(window.check(5000, t0), OnDemandLimit::kNone);
}

}  // namespace
}  // namespace nuage::services::dynamodb
