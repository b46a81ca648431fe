#include "services/dynamodb/throughput.h"

#include <algorithm>
#include <chrono>

#include "common/time.h"

namespace nuage::services::dynamodb {

TokenBucket::TokenBucket(double units_per_second, Clock::TimePoint now)
    : rate_(units_per_second), balance_(units_per_second * kBurstSeconds), last_(now) {}

void TokenBucket::refill(Clock::TimePoint now) {
  if (now > last_) {
    double seconds = static_cast<double>(timefmt::epoch_micros(now) - timefmt::epoch_micros(last_)) / 1e6;
    // Debt is repaid first; the burst stops at 300 s of units.
    balance_ = std::min(capacity(), balance_ + rate_ * seconds);
  }
  last_ = now;  // a clock moved back restarts from its new time, adding nothing
}

void TokenBucket::set_rate(double units_per_second, Clock::TimePoint now) {
  refill(now);
  rate_ = units_per_second;
  balance_ = std::min(balance_, capacity());
}

double TokenBucket::available(Clock::TimePoint now) {
  refill(now);
  return balance_;
}

bool TokenBucket::fits(double units, Clock::TimePoint now) {
  refill(now);
  if (units <= balance_) return true;
  return units > capacity() && balance_ >= capacity();
}

void TokenBucket::take(double units, Clock::TimePoint now) {
  refill(now);
  balance_ -= units;
}

OnDemandWindow::OnDemandWindow(double initial_peak, double maximum) : peak_(initial_peak), maximum_(maximum) {}

double OnDemandWindow::limit() const {
  double limit = std::min(2 * peak_, kAccountTableQuota);
  return maximum_ > 0 ? std::min(limit, maximum_) : limit;
}

void OnDemandWindow::roll(Clock::TimePoint now) {
  int64_t second = timefmt::epoch_micros(now) / 1000000;
  if (second == second_) return;
  // The second that ended becomes the previous peak if it was higher.
  peak_ = std::max(peak_, used_);
  second_ = second;
  used_ = 0;
}

OnDemandLimit OnDemandWindow::check(double units, Clock::TimePoint now) {
  roll(now);
  double after = used_ + units;
  // Like a full bucket, an idle second serves a request larger than it.
  if (used_ == 0) return OnDemandLimit::kNone;
  if (maximum_ > 0 && after > maximum_) return OnDemandLimit::kMaximum;
  if (after > kAccountTableQuota) return OnDemandLimit::kAccount;
  if (after > 2 * peak_) return OnDemandLimit::kPeak;
  return OnDemandLimit::kNone;
}

void OnDemandWindow::take(double units, Clock::TimePoint now) {
  roll(now);
  used_ += units;
}

}  // namespace nuage::services::dynamodb
