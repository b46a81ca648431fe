// For unit tests: an Environment over an in-memory database, a frozen clock
// and a bus of its own, with service calls answered by a function the test
// gives. Not used by nuage itself.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "kit/environment.h"
#include "kit/provider.h"

namespace nuage::kit {

class TestEnvironment : public ServiceCalls {
 public:
  using Answer = std::function<Result<Output>(const std::string& service, const std::string& operation,
                                              const Value& input, const auth::Credential& caller,
                                              const std::string& region)>;
  explicit TestEnvironment(Answer answer = {})
      : db_(std::move(storage::Database::open({}).value())), bus_(&clock), env{*db_, clock, bus_},
        answer_(std::move(answer)) {
    clock.freeze();
    env.calls = this;
  }
  Result<Output> call(const std::string& service, const std::string& operation, const Value& input,
                      const auth::Credential& caller, const std::string& region) override {
    if (!answer_) return not_implemented(service, operation);
    return answer_(service, operation, input, caller, region);
  }
  // Runs `operation` of a provider's `table` as a request of the account
  // root, at this environment's clock.
  Result<Output> handle(const OperationTable& table, const std::string& operation, const Value& input,
                        const std::string& account = "000000000000", const std::string& region = "us-east-1") {
    const OperationTable::Entry* entry = table.find(operation);
    if (!entry) return not_implemented("test", operation);
    RequestContext ctx;
    ctx.operation = operation;
    ctx.account_id = account;
    ctx.region = region;
    ctx.clock = &clock;
    return entry->handler(ctx, input);
  }

 private:
  std::unique_ptr<storage::Database> db_;

 public:
  Clock clock;

 private:
  events::Bus bus_;

 public:
  Environment env;

 private:
  Answer answer_;
};

}  // namespace nuage::kit
