// OperationTable's locked registrations: add_locked holds the mutex
// exclusively (std::mutex or std::shared_mutex), add_shared holds it shared.
#include "kit/provider.h"

#include <gtest/gtest.h>

#include <shared_mutex>

namespace nuage::kit {
namespace {

struct Probe {
  std::mutex plain;
  std::shared_mutex shared;
  // What the handlers saw of the locks while they ran.
  bool plain_free = true, exclusive_free = true, shared_free = true;

  Result<Output> look(RequestContext&, const Value&) {
    plain_free = plain.try_lock();
    if (plain_free) plain.unlock();
    exclusive_free = shared.try_lock();
    if (exclusive_free) shared.unlock();
    shared_free = shared.try_lock_shared();
    if (shared_free) shared.unlock_shared();
    return Output{};
  }
};

Result<Output> call(const OperationTable& table, const std::string& op) {
  RequestContext ctx;
  return table.find(op)->handler(ctx, Value::object());
}

TEST(OperationTable, AddLockedHoldsAMutexExclusively) {
  Probe p;
  OperationTable table;
  table.add_locked("Plain", &p, p.plain, &Probe::look);
  table.add_locked("Write", &p, p.shared, &Probe::look);
  ASSERT_TRUE(call(table, "Plain").ok());
  EXPECT_FALSE(p.plain_free);
  EXPECT_TRUE(p.exclusive_free);
  ASSERT_TRUE(call(table, "Write").ok());
  EXPECT_TRUE(p.plain_free);
  EXPECT_FALSE(p.exclusive_free);
  EXPECT_FALSE(p.shared_free);
}

TEST(OperationTable, AddSharedLetsOtherReadersIn) {
  Probe p;
  OperationTable table;
  table.add_shared("Read", &p, p.shared, &Probe::look);
  ASSERT_TRUE(call(table, "Read").ok());
  EXPECT_FALSE(p.exclusive_free);  // a writer waits
  EXPECT_TRUE(p.shared_free);      // another reader does not
  // Released afterwards.
  EXPECT_TRUE(p.shared.try_lock());
  p.shared.unlock();
}

}  // namespace
}  // namespace nuage::kit
