// Clock: the one time source of nuage for everything a user can observe
// (instance transitions, schedules, STS expiry, retention, metrics).
// It is real by default, and can be frozen, set or advanced through
// `/_nuage/clock` and `nuage clock`, so a day of schedules runs in a second.
// Request signatures are checked against real time, never this clock.
//
// Thread-safety: all members are safe to call from any thread.
#pragma once

#include <chrono>
#include <mutex>

namespace nuage {

class Clock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  using Duration = std::chrono::system_clock::duration;

  TimePoint now() const;
  bool frozen() const;

  void set(TimePoint t);      // jump to t; keeps running unless frozen
  void advance(Duration d);   // move forward by d
  void freeze();              // stop at the current instant
  void resume();              // run on from the current instant

 private:
  mutable std::mutex mu_;
  // now() = frozen_ ? base_ : real_now() + offset_
  Duration offset_{0};
  bool frozen_ = false;
  TimePoint base_{};
};

}  // namespace nuage
