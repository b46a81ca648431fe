#include "common/clock.h"

namespace nuage {

using std::chrono::system_clock;

Clock::TimePoint Clock::now() const {
  std::lock_guard lock(mu_);
  return frozen_ ? base_ : system_clock::now() + offset_;
}

bool Clock::frozen() const {
  std::lock_guard lock(mu_);
  return frozen_;
}

void Clock::set(TimePoint t) {
  std::lock_guard lock(mu_);
  if (frozen_) {
    base_ = t;
  } else {
    offset_ = t - system_clock::now();
  }
}

void Clock::advance(Duration d) {
  std::lock_guard lock(mu_);
  if (frozen_) {
    base_ += d;
  } else {
    offset_ += d;
  }
}

void Clock::freeze() {
  std::lock_guard lock(mu_);
  if (frozen_) return;
  base_ = system_clock::now() + offset_;
  frozen_ = true;
}

void Clock::resume() {
  std::lock_guard lock(mu_);
  if (!frozen_) return;
  offset_ = base_ - system_clock::now();
  frozen_ = false;
}

}  // namespace nuage
