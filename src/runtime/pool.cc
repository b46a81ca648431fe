#include "runtime/pool.h"

#include <algorithm>

namespace nuage::runtime {

Pool::Pool(Budget& budget, PoolOptions options) : budget_(budget), options_(options) {
  reclaimer_id_ = budget_.add_reclaimer([this] { return reclaim_one(); });
  reaper_ = std::thread([this] { reap(); });
}

Pool::~Pool() {
  budget_.remove_reclaimer(reclaimer_id_);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  reaper_.join();
  clear();
}

void Pool::drop(Slot& slot) {
  slot.env.reset();  // the process is gone before its memory is given back
  slot.reservation.release();
}

void Pool::reap() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::seconds(5));
    auto now = std::chrono::steady_clock::now();
    std::vector<Slot> expired;
    for (auto it = idle_.begin(); it != idle_.end();) {
      if (now - it->last_used >= options_.idle_timeout || !it->env->alive()) {
        expired.push_back(std::move(*it));
        it = idle_.erase(it);
      } else {
        ++it;
      }
    }
    lock.unlock();
    for (auto& slot : expired) drop(slot);  // outside the lock
    lock.lock();
  }
}

bool Pool::reclaim_one() {
  Slot victim;
  {
    std::lock_guard lock(mu_);
    if (idle_.empty()) return false;
    auto oldest = std::min_element(idle_.begin(), idle_.end(),
                                   [](const Slot& a, const Slot& b) { return a.last_used < b.last_used; });
    victim = std::move(*oldest);
    idle_.erase(oldest);
  }
  drop(victim);
  return true;
}

PoolResult Pool::invoke(const Launch& launch, const Invocation& invocation) {
  PoolResult result;
  Slot slot;
  int cap = launch.limit >= 0 ? launch.limit : options_.max_per_group;
  auto throttled = [&](bool over_capacity) {
    result.status = PoolResult::kThrottled;
    result.over_capacity = over_capacity;
    return result;
  };
  for (;;) {
    uint64_t seen = budget_.changes();
    uint64_t expected_mb = launch.memory_mb;
    {
      std::lock_guard lock(mu_);
      if (stopping_) {
        result.status = PoolResult::kCancelled;
        return result;
      }
      int& busy = busy_[launch.group];
      if (busy >= cap) return throttled(false);
      // The most recently used environment first: it is the warmest.
      for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
        if (it->key != launch.key || !it->env->alive()) continue;
        slot = std::move(*it);
        idle_.erase(std::next(it).base());
        result.concurrency = ++busy;
        slot.generation = generation_[launch.group];
        break;
      }
      expected_mb = std::max(expected_mb, seen_mb_[launch.group]);
    }
    if (slot.env) {
      if (!launch.prepare_warm || launch.prepare_warm(slot.variables)) break;
      drop(slot);  // it cannot be renewed: a new one instead
      std::lock_guard lock(mu_);
      --busy_[launch.group];
      continue;
    }
    Budget::Reservation reservation = budget_.try_reserve(expected_mb);
    if (reservation) {
      std::lock_guard lock(mu_);
      int& busy = busy_[launch.group];
      if (busy >= cap) return throttled(false);
      result.concurrency = ++busy;
      slot.generation = generation_[launch.group];
      slot.reservation = std::move(reservation);
      break;
    }
    if (!launch.wait_for_room) return throttled(true);
    budget_.wait_change(seen, std::chrono::seconds(1));
    if (launch.cancelled && launch.cancelled()) {
      result.status = PoolResult::kCancelled;
      return result;
    }
  }
  auto release_busy = [&] {
    std::lock_guard lock(mu_);
    --busy_[launch.group];
  };
  if (!slot.env) {
    result.cold = true;
    EnvironmentSpec spec;
    std::string error;
    if (!launch.make_spec(spec, &error)) {
      release_busy();
      result.status = PoolResult::kStartFailed;
      result.error = error;
      return result;
    }
    slot.log_stream = spec.env["AWS_LAMBDA_LOG_STREAM_NAME"];
    slot.variables = spec.env;
    slot.env = Environment::start(std::move(spec), &error);
    if (!slot.env) {
      release_busy();
      result.status = PoolResult::kStartFailed;
      result.error = error;
      return result;
    }
    slot.key = launch.key;
    slot.group = launch.group;
  }
  result.outcome = slot.env->invoke(invocation);
  result.log_stream = slot.log_stream;
  // What the environment really holds now: the next ones of its function
  // reserve as much, and this one's reservation grows to it.
  uint64_t used_mb = (slot.env->resident_kb() + 1023) / 1024;
  slot.reservation.grow_to(used_mb);
  bool keep = (result.outcome.kind == Outcome::kResponse || result.outcome.kind == Outcome::kError) &&
              slot.env->alive();
  Slot dropped;
  {
    std::lock_guard lock(mu_);
    --busy_[launch.group];
    uint64_t& seen_mb = seen_mb_[launch.group];
    seen_mb = std::max(seen_mb, used_mb);
    if (keep && !stopping_ && generation_[launch.group] == slot.generation) {
      slot.last_used = std::chrono::steady_clock::now();
      idle_.push_back(std::move(slot));
    } else {
      dropped = std::move(slot);
    }
  }
  drop(dropped);
  budget_.notify();  // an idle environment can be reclaimed, or room was given back
  return result;
}

void Pool::evict(const std::string& group) {
  std::vector<Slot> dropped;
  {
    std::lock_guard lock(mu_);
    ++generation_[group];
    seen_mb_.erase(group);
    for (auto it = idle_.begin(); it != idle_.end();) {
      if (it->group == group) {
        dropped.push_back(std::move(*it));
        it = idle_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& slot : dropped) drop(slot);
}

void Pool::clear() {
  std::vector<Slot> dropped;
  {
    std::lock_guard lock(mu_);
    for (auto& [group, gen] : generation_) ++gen;
    seen_mb_.clear();
    dropped.swap(idle_);
  }
  for (auto& slot : dropped) drop(slot);
}

size_t Pool::idle_count() const {
  std::lock_guard lock(mu_);
  return idle_.size();
}

size_t Pool::live_count() const {
  std::lock_guard lock(mu_);
  size_t busy = 0;
  for (const auto& [group, n] : busy_) busy += static_cast<size_t>(std::max(n, 0));
  return busy + idle_.size();
}

}  // namespace nuage::runtime
