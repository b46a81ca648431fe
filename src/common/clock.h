// Clock: the one time source of nuage for everything a user can observe
// (instance transitions, schedules, STS expiry, retention, metrics, alarms).
// It is real by default, and can be frozen, set or advanced through
// `/_nuage/clock` and `nuage clock`, so a day of schedules runs in a second.
// Request signatures are checked against real time, never this clock.
//
// Timers: schedule(at, fn) runs fn once the clock reaches `at`. Moving the
// clock forward (advance, or set to a later time) fires every timer that
// falls due, in time order, each seeing now() == its due time, and returns
// once the work they started has settled (see Work) or a bound passes. While
// the clock runs, a background thread fires timers as real time reaches them.
//
// Thread-safety: all members are safe to call from any thread. Timer
// callbacks run one at a time (never concurrently with each other) and may
// schedule or cancel timers; they must not move the clock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace nuage {

class Clock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  using Duration = std::chrono::system_clock::duration;
  using TimerId = uint64_t;
  using Callback = std::function<void(TimePoint due)>;

  Clock();
  ~Clock();
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;

  TimePoint now() const;
  bool frozen() const;

  // Jumps to t. Moving forward fires the timers due on the way; moving back
  // fires nothing: timers keep their due times, and the rewind listeners
  // (schedules) re-arm from the new time.
  void set(TimePoint t);
  void advance(Duration d);   // forward by d, firing what falls due
  void freeze();              // stop at the current instant
  void resume();              // run on from the current instant

  TimerId schedule(TimePoint at, Callback fn);
  void cancel(TimerId id);

  // Called with the new time after set() moved the clock back, one at a
  // time and never with a timer: a schedule computes its next firing again
  // (a cron rule due tomorrow 05:00 is due today 05:00 after going back a
  // day). Removing waits for a call in progress.
  using RewindListener = std::function<void(TimePoint now)>;
  uint64_t on_rewind(RewindListener fn);
  void remove_rewind_listener(uint64_t id);

  // Work a timer started that finishes later (e.g. an asynchronous Lambda
  // invocation): advance() waits until every Work has been destroyed.
  class Work {
   public:
    explicit Work(Clock* clock) : clock_(clock) {}
    Work(Work&& o) noexcept : clock_(o.clock_) { o.clock_ = nullptr; }
    Work(const Work&) = delete;
    Work& operator=(const Work&) = delete;
    ~Work();

   private:
    Clock* clock_;
  };
  Work begin_work();

  // How long advance()/set() wait for started work to settle, per firing.
  void set_settle_bound(Duration bound);

 private:
  struct Timer {
    TimerId id;
    Callback fn;
  };
  TimePoint now_locked() const;
  void set_now_locked(TimePoint t);
  // Fires due timers up to target, then sets target (exact: even if earlier).
  void move_to(TimePoint target, bool exact);
  void run_background();
  void wait_settled();

  mutable std::mutex mu_;
  std::condition_variable changed_;   // timers or time changed: wakes the background thread
  std::condition_variable settled_;   // work count dropped
  // now() = frozen_ ? base_ : real_now() + offset_
  Duration offset_{0};
  bool frozen_ = false;
  TimePoint base_{};
  std::multimap<TimePoint, Timer> timers_;
  std::map<TimerId, TimePoint> due_of_;
  TimerId next_id_ = 1;
  int pending_work_ = 0;
  Duration settle_bound_ = std::chrono::seconds(60);
  std::mutex firing_;  // one firer at a time: advance/set or the background thread
  std::map<uint64_t, RewindListener> rewind_listeners_;  // under firing_
  uint64_t next_listener_id_ = 1;
  bool stopping_ = false;
  std::thread background_;
};

}  // namespace nuage
