// The capacity one DynamoDB resource (a table or a global secondary index)
// has in one direction (reads or writes), on nuage's clock:
//
//   TokenBucket     PROVISIONED capacity: filled at the provisioned units per
//                   second, holding at most 300 s of them (AWS's burst
//                   capacity). A new bucket starts full: AWS does not document
//                   the burst of a new table, and a full bucket is what a
//                   table unused for five minutes has (docs/design.md).
//   OnDemandWindow  PAY_PER_REQUEST capacity: units per clock second, up to
//                   twice the previous peak second (a new table's "previous
//                   peak" is half of 4,000 write / 12,000 read units), under
//                   an optional MaxRead/WriteRequestUnits and the account's
//                   per-table quota of 40,000.
//
// A request is served when the whole of its units fits; it then takes them.
// A request larger than a full bucket (a 1 MB Query on a 1-unit table) is
// served from a full bucket and leaves it in debt, so no request can be
// refused forever. Times are the clock's: a frozen clock refills nothing,
// advancing it by one second adds exactly one second of units, and moving
// it back adds none.
//
// Thread-safety: none; the provider holds its lock.
#pragma once

#include <cstdint>

#include "common/clock.h"

namespace nuage::services::dynamodb {

class TokenBucket {
 public:
  static constexpr double kBurstSeconds = 300;

  TokenBucket(double units_per_second, Clock::TimePoint now);
  double rate() const { return rate_; }
  // A new provisioned rate (UpdateTable): what the bucket holds stays, up
  // to the new rate's 300 s.
  void set_rate(double units_per_second, Clock::TimePoint now);
  double available(Clock::TimePoint now);
  bool fits(double units, Clock::TimePoint now);
  void take(double units, Clock::TimePoint now);

 private:
  void refill(Clock::TimePoint now);
  double capacity() const { return rate_ * kBurstSeconds; }

  double rate_;
  double balance_;
  Clock::TimePoint last_;
};

// Why an on-demand request is refused: the limit type of a ThrottlingReason.
enum class OnDemandLimit { kNone, kPeak, kMaximum, kAccount };

class OnDemandWindow {
 public:
  static constexpr double kAccountTableQuota = 40000;

  // initial_peak: the "previous peak" a new table starts from (half its
  // initial throughput); maximum: MaxRead/WriteRequestUnits, <= 0 for none.
  OnDemandWindow(double initial_peak, double maximum);
  void set_maximum(double maximum) { maximum_ = maximum; }
  double limit() const;
  OnDemandLimit check(double units, Clock::TimePoint now);
  void take(double units, Clock::TimePoint now);

 private:
  void roll(Clock::TimePoint now);

  double peak_;
  double maximum_;
  int64_t second_ = 0;  // the clock second `used_` counts
  double used_ = 0;
};

}  // namespace nuage::services::dynamodb
