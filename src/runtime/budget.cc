#include "runtime/budget.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "common/text.h"

namespace nuage::runtime {

namespace {

constexpr uint64_t kMiB = 1024 * 1024;

std::optional<uint64_t> read_number(const std::string& path) {
  std::ifstream in(path);
  std::string word;
  if (!(in >> word) || word == "max") return std::nullopt;
  return std::strtoull(word.c_str(), nullptr, 10);
}

// `key value` lines (meminfo, memory.stat): the value of `key`.
std::optional<uint64_t> field(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string name;
    uint64_t value = 0;
    if (words >> name >> value && (name == key || name == key + ":")) return value;
  }
  return std::nullopt;
}

// The room (bytes) under nuage's cgroup memory limit, if it has one:
// limit - usage + reclaimable page cache.
std::optional<uint64_t> cgroup_room() {
  std::ifstream self("/proc/self/cgroup");
  std::string line;
  while (std::getline(self, line)) {
    auto parts = text::split(line, ':');
    if (parts.size() < 3) continue;
    std::string path = parts[2];
    std::vector<std::string> folders;
    if (parts[0] == "0" && parts[1].empty()) {
      folders = {"/sys/fs/cgroup" + path, "/sys/fs/cgroup"};
      for (const auto& f : folders) {
        auto limit = read_number(f + "/memory.max");
        auto used = read_number(f + "/memory.current");
        if (!limit || !used) continue;
        uint64_t cache = field(f + "/memory.stat", "inactive_file").value_or(0);
        return *limit + cache > *used ? *limit + cache - *used : 0;
      }
    } else if (parts[1] == "memory" || text::starts_with(parts[1], "memory,") ||
               parts[1].find(",memory") != std::string::npos) {
      folders = {"/sys/fs/cgroup/memory" + path, "/sys/fs/cgroup/memory"};
      for (const auto& f : folders) {
        auto limit = read_number(f + "/memory.limit_in_bytes");
        auto used = read_number(f + "/memory.usage_in_bytes");
        if (!limit || !used) continue;
        if (*limit >= (uint64_t{1} << 60)) return std::nullopt;  // "unlimited"
        uint64_t cache = field(f + "/memory.stat", "total_inactive_file").value_or(0);
        return *limit + cache > *used ? *limit + cache - *used : 0;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

uint64_t Budget::machine_capacity_mb() {
  uint64_t available = field("/proc/meminfo", "MemAvailable").value_or(1024 * 1024) * 1024;
  if (auto room = cgroup_room()) available = std::min(available, *room);
  return std::max<uint64_t>(available / 2 / kMiB, 1);
}

Budget::Budget(uint64_t capacity_mb) : capacity_mb_(std::max<uint64_t>(capacity_mb, 1)) {}

Budget::Reservation& Budget::Reservation::operator=(Reservation&& o) noexcept {
  if (this != &o) {
    release();
    budget_ = o.budget_;
    mb_ = o.mb_;
    o.budget_ = nullptr;
  }
  return *this;
}

void Budget::Reservation::grow_to(uint64_t mb) {
  if (!budget_ || mb <= mb_) return;
  std::lock_guard lock(budget_->mu_);
  budget_->reserved_mb_ += mb - mb_;
  mb_ = mb;
}

void Budget::Reservation::release() {
  if (!budget_) return;
  budget_->give_back(mb_);
  budget_ = nullptr;
  mb_ = 0;
}

void Budget::give_back(uint64_t mb) {
  {
    std::lock_guard lock(mu_);
    reserved_mb_ -= std::min(reserved_mb_, mb);
    ++changes_;
  }
  changed_.notify_all();
}

bool Budget::reclaim_one() {
  std::lock_guard lock(reclaim_mu_);
  for (auto& [id, reclaim] : reclaimers_)
    if (reclaim()) return true;
  return false;
}

Budget::Reservation Budget::try_reserve(uint64_t mb) {
  mb = std::clamp<uint64_t>(mb, 1, capacity_mb_);
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (reserved_mb_ + mb <= capacity_mb_) {
        reserved_mb_ += mb;
        return Reservation(this, mb);
      }
    }
    if (!reclaim_one()) return Reservation();
  }
}

uint64_t Budget::changes() const {
  std::lock_guard lock(mu_);
  return changes_;
}

void Budget::wait_change(uint64_t seen, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  changed_.wait_for(lock, timeout, [&] { return changes_ != seen; });
}

void Budget::notify() {
  {
    std::lock_guard lock(mu_);
    ++changes_;
  }
  changed_.notify_all();
}

uint64_t Budget::add_reclaimer(Reclaimer reclaimer) {
  std::lock_guard lock(reclaim_mu_);
  uint64_t id = next_reclaimer_++;
  reclaimers_.emplace(id, std::move(reclaimer));
  return id;
}

void Budget::remove_reclaimer(uint64_t id) {
  std::lock_guard lock(reclaim_mu_);
  reclaimers_.erase(id);
}

uint64_t Budget::reserved_mb() const {
  std::lock_guard lock(mu_);
  return reserved_mb_;
}

}  // namespace nuage::runtime
