#include "common/clock.h"

namespace nuage {

using std::chrono::system_clock;

Clock::Clock() : background_([this] { run_background(); }) {}

Clock::~Clock() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  background_.join();
}

Clock::TimePoint Clock::now_locked() const { return frozen_ ? base_ : system_clock::now() + offset_; }

void Clock::set_now_locked(TimePoint t) {
  if (frozen_) base_ = t;
  else offset_ = t - system_clock::now();
}

Clock::TimePoint Clock::now() const {
  std::lock_guard lock(mu_);
  return now_locked();
}

bool Clock::frozen() const {
  std::lock_guard lock(mu_);
  return frozen_;
}

void Clock::freeze() {
  std::lock_guard lock(mu_);
  if (frozen_) return;
  base_ = system_clock::now() + offset_;
  frozen_ = true;
  changed_.notify_all();
}

void Clock::resume() {
  std::lock_guard lock(mu_);
  if (!frozen_) return;
  offset_ = base_ - system_clock::now();
  frozen_ = false;
  changed_.notify_all();
}

void Clock::set(TimePoint t) {
  std::lock_guard firing(firing_);
  move_to(t, true);
}

void Clock::advance(Duration d) {
  std::lock_guard firing(firing_);
  TimePoint target;
  {
    std::lock_guard lock(mu_);
    target = now_locked() + d;
  }
  move_to(target, false);
}

// Caller holds firing_.
void Clock::move_to(TimePoint target, bool exact) {
  std::unique_lock lock(mu_);
  while (!timers_.empty() && timers_.begin()->first <= target) {
    auto it = timers_.begin();
    TimePoint due = it->first;
    Timer timer = std::move(it->second);
    timers_.erase(it);
    due_of_.erase(timer.id);
    // The callback sees the clock at its own due time (never moving back).
    if (due > now_locked()) set_now_locked(due);
    lock.unlock();
    timer.fn(due);
    wait_settled();
    lock.lock();
  }
  // Firing took some real time: never step back behind it, except when the
  // caller asked for an earlier instant on purpose (set()).
  bool rewound = exact && target < now_locked();
  if (exact || target > now_locked()) set_now_locked(target);
  changed_.notify_all();
  if (!rewound) {
    // Work started before the move (a change announced, an invocation
    // queued) has settled when the move returns, even if no timer fired.
    lock.unlock();
    wait_settled();
    return;
  }
  lock.unlock();
  for (auto& [id, listener] : rewind_listeners_) listener(target);
}

uint64_t Clock::on_rewind(RewindListener fn) {
  std::lock_guard firing(firing_);
  uint64_t id = next_listener_id_++;
  rewind_listeners_.emplace(id, std::move(fn));
  return id;
}

void Clock::remove_rewind_listener(uint64_t id) {
  std::lock_guard firing(firing_);
  rewind_listeners_.erase(id);
}

Clock::TimerId Clock::schedule(TimePoint at, Callback fn) {
  std::lock_guard lock(mu_);
  TimerId id = next_id_++;
  timers_.emplace(at, Timer{id, std::move(fn)});
  due_of_[id] = at;
  changed_.notify_all();
  return id;
}

void Clock::cancel(TimerId id) {
  std::lock_guard lock(mu_);
  auto due = due_of_.find(id);
  if (due == due_of_.end()) return;
  auto range = timers_.equal_range(due->second);
  for (auto it = range.first; it != range.second; ++it)
    if (it->second.id == id) {
      timers_.erase(it);
      break;
    }
  due_of_.erase(due);
}

Clock::Work Clock::begin_work() {
  std::lock_guard lock(mu_);
  ++pending_work_;
  return Work(this);
}

Clock::Work::~Work() {
  if (!clock_) return;
  std::lock_guard lock(clock_->mu_);
  --clock_->pending_work_;
  clock_->settled_.notify_all();
}

void Clock::set_settle_bound(Duration bound) {
  std::lock_guard lock(mu_);
  settle_bound_ = bound;
}

void Clock::wait_settled() {
  std::unique_lock lock(mu_);
  settled_.wait_for(lock, settle_bound_, [this] { return pending_work_ == 0; });
}

void Clock::run_background() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (timers_.empty() || frozen_) {
      changed_.wait(lock);
      continue;
    }
    TimePoint due = timers_.begin()->first;
    TimePoint current = now_locked();
    if (due > current) {
      // Real time runs at the same rate as the clock while it is not frozen.
      changed_.wait_for(lock, due - current);
      continue;
    }
    lock.unlock();
    {
      // Fire what real time has reached, unless someone is moving the clock
      // (they will fire it themselves).
      std::unique_lock firing(firing_, std::try_to_lock);
      if (firing.owns_lock()) {
        std::unique_lock inner(mu_);
        TimePoint target = now_locked();
        inner.unlock();
        move_to(target, false);
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
    lock.lock();
  }
}

}  // namespace nuage
