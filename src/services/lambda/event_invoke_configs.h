// Asynchronous invocation settings: Put/Get/Update/Delete/
// ListFunctionEventInvokeConfigs — MaximumRetryAttempts (0-2),
// MaximumEventAgeInSeconds (60-21600) and DestinationConfig OnSuccess /
// OnFailure (an SQS queue, an SNS topic, a Lambda function or an EventBridge
// bus) per function and qualifier ($LATEST, a version or an alias).
// Invoker (invoke.h) honors them for InvocationType Event, and sends the
// invocation record (invocation_record below) to the destinations with the
// function's role.
//
// Stored in the function's document: "event_invoke" {qualifier:
// FunctionEventInvokeConfig as answered}. Setting a destination checks, as
// AWS does, that the function's role may send to it (IAM's simulator).
//
// Thread-safety: handlers take Shared::mutex, never while calling IAM.
#pragma once

#include <string>

#include "common/clock.h"
#include "kit/provider.h"
#include "services/lambda/resources.h"
#include "services/lambda/roles.h"

namespace nuage::services::lambda {

// The asynchronous invocation settings a function's document holds for
// `qualifier` ("" is $LATEST): {MaximumRetryAttempts, MaximumEventAgeInSeconds,
// DestinationConfig}, or an empty object.
Value event_invoke_config(const Value& function_doc, const std::string& qualifier);

// AWS's invocation record for a destination: {version "1.0", timestamp,
// requestContext {requestId, functionArn, condition, approximateInvokeCount},
// requestPayload, responseContext {statusCode, executedVersion,
// functionError}, responsePayload}; no response members when the event
// never ran (throttled until too old).
struct InvocationOutcome {
  std::string request_id;
  std::string function_arn;  // qualified ($LATEST when invoked unqualified)
  std::string condition;     // Success, RetriesExhausted, EventAgeExceeded
  int invoke_count = 0;
  std::string request_payload;
  bool ran = false;
  std::string executed_version, function_error, response_payload;
};
std::string invocation_record(const InvocationOutcome& outcome, Clock::TimePoint now);

class EventInvokeConfigs {
 public:
  EventInvokeConfigs(Shared& shared, Roles& roles) : shared_(shared), roles_(roles) {}
  void register_operations(kit::OperationTable& table);

 private:
  Result<Output> put(Context& ctx, const Value& in);
  Result<Output> update(Context& ctx, const Value& in);
  Result<Output> get(Context& ctx, const Value& in);
  Result<Output> remove(Context& ctx, const Value& in);
  Result<Output> list(Context& ctx, const Value& in);
  // Put (replace) or Update (merge into an existing one).
  Result<Output> store(Context& ctx, const Value& in, bool merge);

  Shared& shared_;
  Roles& roles_;
};

}  // namespace nuage::services::lambda
