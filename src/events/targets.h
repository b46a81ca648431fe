// Delivery of an event or a scheduled invocation to a target ARN, shared by
// the services that invoke targets (EventBridge rules, EventBridge Scheduler):
//   arn:aws:lambda:...:function:NAME[:QUALIFIER]  Invoke (InvocationType Event)
//   arn:aws:events:...:event-bus/NAME            PutEvents on that bus
//   arn:aws:logs:...:log-group:NAME              a log event in that group
//   arn:aws:sqs:REGION:ACCOUNT:NAME             SendMessage to that queue
//   arn:aws:sns:REGION:ACCOUNT:NAME             Publish to that topic
//   arn:aws:scheduler:::aws-sdk:SERVICE:apiAction   any nuage operation (universal target)
// Calls go through the environment's service calls, so the callee's own
// authorization applies: Lambda's resource policy for rules,
// the target role's identity policies for Scheduler.
// Thread-safety: stateless; safe from any thread.
#pragma once

#include <functional>
#include <string>

#include "auth/credentials.h"
#include "common/clock.h"
#include "common/error.h"
#include "kit/environment.h"
#include "kit/value.h"

namespace nuage::events {

struct Delivery {
  std::string target_arn;
  std::string payload;      // the JSON text the target receives
  std::string account;
  std::string region;
  auth::Credential caller;  // a service principal, or a role session
  int64_t time_ms = 0;      // for log targets
  // When set, each attempt first assumes this role as the service principal
  // `role_service` (Scheduler's target RoleArn) and delivers with the session.
  std::string role_arn;
  std::string role_service;
  // Queues and topics: the message's attributes (SQS/SNS MessageAttributes
  // shape), FIFO group and deduplication ids, and SNS's Subject.
  kit::Value message_attributes = kit::Value::object();
  std::string message_group_id, deduplication_id, subject;
};

// How long a failing delivery is retried (EventBridge and Scheduler share
// AWS's defaults: 185 retries within 24 hours).
struct RetryPolicy {
  int max_attempts = 186;  // first attempt + MaximumRetryAttempts
  int64_t max_age_seconds = 86400;
  static RetryPolicy from(const kit::Value& retry_policy);  // a target's RetryPolicy member
};

// Called after every attempt; `final` when no further attempt follows.
using DeliveryReport = std::function<void(const Status& status, int attempt, bool final)>;

class Targets {
 public:
  explicit Targets(const kit::Environment& env) : env_(env) {}
  // Delivers once; the error says why it failed (for retries and counts).
  Status deliver(const Delivery& d) const;
  // Delivers now and, on failure, again on `clock` with exponential backoff
  // (1 s, 2 s, 4 s ... capped at 5 minutes) within `policy`, counted from
  // d.time_ms. `this` must outlive the clock's timers.
  void deliver_with_retry(Clock& clock, Delivery d, RetryPolicy policy, DeliveryReport report,
                          int attempt = 1) const;
 private:
  const kit::Environment& env_;
};

// The URL of the queue arn:aws:sqs:REGION:ACCOUNT:NAME names (/ACCOUNT/NAME
// on nuage's port), for calls to SQS.
std::string queue_url(const kit::Environment& env, const std::string& queue_arn);

// Applies a target's Input / InputPath / InputTransformer to an event.
Result<std::string> transform_input(const kit::Value& target, const kit::Value& event);

}  // namespace nuage::events
