// The machine's budget for sandboxed processes: every live Lambda execution
// environment — and, as they land, EC2 instances' commands and ECS
// containers — holds a reservation of the memory it may use, and nothing is
// started without one, so nuage never starts work that can get the machine
// (or nuage) killed for lack of memory.
//
// The capacity is derived at start from what the machine can give: half of
// the smaller of MemAvailable (/proc/meminfo) and the room left under
// nuage's cgroup memory limit (v2 memory.max, v1 memory.limit_in_bytes,
// counting reclaimable page cache as room); the other half is for nuage
// itself, its clients and the page cache. `nuage serve --sandbox-memory MB`
// sets it instead.
//
// A reservation asks for what its process may use (a Lambda function's
// MemorySize, or more once it was seen using more), at most the whole
// capacity, so any one environment can run alone. Holders of idle processes
// (warm environments) register a reclaimer: when a reservation does not fit,
// idle holders are asked to shut one down before the request is refused.
//
// Thread-safety: all members are safe from any thread. Reclaimers are
// called without the budget's lock held.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

namespace nuage::runtime {

class Budget {
 public:
  explicit Budget(uint64_t capacity_mb);
  Budget(const Budget&) = delete;
  Budget& operator=(const Budget&) = delete;

  // Half of what this machine (and nuage's cgroup) can give now, in MiB.
  static uint64_t machine_capacity_mb();

  class Reservation {
   public:
    Reservation() = default;
    Reservation(Reservation&& o) noexcept : budget_(o.budget_), mb_(o.mb_) { o.budget_ = nullptr; }
    Reservation& operator=(Reservation&& o) noexcept;
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;
    ~Reservation() { release(); }

    uint64_t mb() const { return mb_; }
    explicit operator bool() const { return budget_ != nullptr; }
    // Grows to what the process turned out to use (even past the capacity:
    // it already runs; nothing new starts until there is room again).
    void grow_to(uint64_t mb);
    void release();

   private:
    friend class Budget;
    Reservation(Budget* budget, uint64_t mb) : budget_(budget), mb_(mb) {}
    Budget* budget_ = nullptr;
    uint64_t mb_ = 0;
  };

  // A reservation of `mb` (at most the capacity), reclaiming idle holders if
  // needed; an empty Reservation when the busy ones leave no room.
  Reservation try_reserve(uint64_t mb);

  // A count that changes whenever room may have appeared (a release, a
  // process turned idle and reclaimable); wait_change() waits until it
  // differs from `seen`, or `timeout` passes.
  uint64_t changes() const;
  void wait_change(uint64_t seen, std::chrono::milliseconds timeout) const;
  // Something became reclaimable: wake the waiters.
  void notify();

  // Frees one idle process and returns true, or false when it has none.
  using Reclaimer = std::function<bool()>;
  uint64_t add_reclaimer(Reclaimer reclaimer);
  void remove_reclaimer(uint64_t id);

  uint64_t capacity_mb() const { return capacity_mb_; }
  uint64_t reserved_mb() const;

 private:
  void give_back(uint64_t mb);
  bool reclaim_one();

  const uint64_t capacity_mb_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  uint64_t reserved_mb_ = 0;
  uint64_t changes_ = 0;
  std::map<uint64_t, Reclaimer> reclaimers_;
  uint64_t next_reclaimer_ = 1;
  std::mutex reclaim_mu_;  // held while reclaimers run (add/remove wait for it)
};

}  // namespace nuage::runtime
