#include "runtime/pool.h"

namespace nuage::runtime {

Pool::Pool(PoolOptions options) : options_(options) {
  reaper_ = std::thread([this] { reap(); });
}

Pool::~Pool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  reaper_.join();
  clear();
}

void Pool::reap() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::seconds(5));
    auto now = std::chrono::steady_clock::now();
    std::vector<Idle> expired;
    for (auto it = idle_.begin(); it != idle_.end();) {
      if (now - it->last_used >= options_.idle_timeout || !it->env->alive()) {
        expired.push_back(std::move(*it));
        it = idle_.erase(it);
      } else {
        ++it;
      }
    }
    lock.unlock();
    expired.clear();  // shuts them down outside the lock
    lock.lock();
  }
}

PoolResult Pool::invoke(const std::string& group, const std::string& key, int limit, const SpecMaker& make_spec,
                        const Invocation& invocation) {
  PoolResult result;
  Idle slot;
  {
    std::lock_guard lock(mu_);
    int& busy = busy_[group];
    int cap = limit >= 0 ? limit : options_.max_per_group;
    if (busy >= cap) {
      result.status = PoolResult::kThrottled;
      return result;
    }
    result.concurrency = ++busy;
    slot.generation = generation_[group];
    // The most recently used environment first: it is the warmest.
    for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
      if (it->key != key || !it->env->alive()) continue;
      slot = std::move(*it);
      idle_.erase(std::next(it).base());
      break;
    }
  }
  auto release_busy = [&] {
    std::lock_guard lock(mu_);
    --busy_[group];
  };
  if (!slot.env) {
    EnvironmentSpec spec;
    std::string error;
    if (!make_spec(spec, &error)) {
      release_busy();
      result.status = PoolResult::kStartFailed;
      result.error = error;
      return result;
    }
    slot.log_stream = spec.env["AWS_LAMBDA_LOG_STREAM_NAME"];
    slot.env = Environment::start(std::move(spec), &error);
    if (!slot.env) {
      release_busy();
      result.status = PoolResult::kStartFailed;
      result.error = error;
      return result;
    }
    slot.key = key;
    slot.group = group;
  }
  result.outcome = slot.env->invoke(invocation);
  result.log_stream = slot.log_stream;
  bool keep = (result.outcome.kind == Outcome::kResponse || result.outcome.kind == Outcome::kError) &&
              slot.env->alive();
  std::unique_ptr<Environment> drop;
  {
    std::lock_guard lock(mu_);
    --busy_[group];
    if (keep && !stopping_ && generation_[group] == slot.generation) {
      slot.last_used = std::chrono::steady_clock::now();
      idle_.push_back(std::move(slot));
    } else {
      drop = std::move(slot.env);
    }
  }
  return result;
}

void Pool::evict(const std::string& group) {
  std::vector<Idle> dropped;
  {
    std::lock_guard lock(mu_);
    ++generation_[group];
    for (auto it = idle_.begin(); it != idle_.end();) {
      if (it->group == group) {
        dropped.push_back(std::move(*it));
        it = idle_.erase(it);
      } else {
        ++it;
      }
    }
  }
}

void Pool::clear() {
  std::vector<Idle> dropped;
  std::lock_guard lock(mu_);
  for (auto& [group, gen] : generation_) ++gen;
  dropped.swap(idle_);
}

size_t Pool::idle_count() const {
  std::lock_guard lock(mu_);
  return idle_.size();
}

}  // namespace nuage::runtime
