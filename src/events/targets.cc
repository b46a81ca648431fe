#include "events/targets.h"

#include <spdlog/spdlog.h>

#include "common/documents.h"
#include "common/text.h"
#include "common/time.h"
#include "kit/value.h"

namespace nuage::events {

using kit::Value;

namespace {

// JSONPath as EventBridge accepts it in InputPath / InputPathsMap: $, $.a.b, $.a[0].
const Value* json_path(const Value& root, const std::string& path) {
  if (path == "$") return &root;
  if (!text::starts_with(path, "$.")) return nullptr;
  const Value* node = &root;
  std::string rest = path.substr(2);
  for (const auto& raw : text::split(rest, '.')) {
    std::string part = raw;
    std::optional<size_t> index;
    if (auto b = part.find('['); b != std::string::npos && part.back() == ']') {
      index = std::stoul(part.substr(b + 1, part.size() - b - 2));
      part = part.substr(0, b);
    }
    if (!part.empty()) {
      if (!node->is_object() || !node->contains(part)) return nullptr;
      node = &(*node)[part];
    }
    if (index) {
      if (!node->is_array() || *index >= node->size()) return nullptr;
      node = &(*node)[*index];
    }
  }
  return node;
}

// Whether position `pos` of a JSON template lies inside a string literal.
bool inside_string(const std::string& text, size_t pos) {
  bool in = false;
  for (size_t i = 0; i < pos; ++i) {
    if (text[i] == '\\' && in) {
      ++i;
    } else if (text[i] == '"') {
      in = !in;
    }
  }
  return in;
}

}  // namespace

Result<std::string> transform_input(const Value& target, const Value& event) {
  if (target.contains("Input")) return target["Input"].get<std::string>();
  if (target.contains("InputPath")) {
    const Value* v = json_path(event, target["InputPath"]);
    return v ? v->dump() : std::string("null");
  }
  if (target.contains("InputTransformer")) {
    const Value& tr = target["InputTransformer"];
    std::string tmpl = tr.value("InputTemplate", "");
    const Value paths = tr.value("InputPathsMap", Value::object());
    for (const auto& [name, path] : paths.items()) {
      const Value* v = json_path(event, path.get<std::string>());
      std::string placeholder = "<" + name + ">";
      // Inside a JSON string literal a value is inserted as bare text;
      // elsewhere as JSON.
      for (size_t pos = tmpl.find(placeholder); pos != std::string::npos; pos = tmpl.find(placeholder, pos)) {
        bool quoted = inside_string(tmpl, pos);
        std::string text = !v ? (quoted ? "" : "null")
                           : v->is_string() ? (quoted ? v->get<std::string>() : v->dump())
                                            : v->dump();
        tmpl.replace(pos, placeholder.size(), text);
        pos += text.size();
      }
    }
    // <aws.events.event.json> and friends.
    for (const auto& [name, text] : {std::pair<std::string, std::string>{"<aws.events.event.json>", event.dump()},
                                     {"<aws.events.event>", event.dump()},
                                     {"<aws.events.rule-arn>", ""}}) {
      for (size_t pos = tmpl.find(name); pos != std::string::npos; pos = tmpl.find(name, pos)) {
        tmpl.replace(pos, name.size(), text);
        pos += text.size();
      }
    }
    return tmpl;
  }
  return event.dump();
}

std::string queue_url(const kit::Environment& env, const std::string& queue_arn) {
  auto parts = text::split(queue_arn, ':');
  if (parts.size() < 6) return "";
  return "http://localhost:" + std::to_string(env.port()) + "/" + parts[4] + "/" + parts[5];
}

RetryPolicy RetryPolicy::from(const Value& retry_policy) {
  RetryPolicy p;
  if (!retry_policy.is_object()) return p;
  p.max_attempts = 1 + static_cast<int>(retry_policy.value("MaximumRetryAttempts", int64_t{185}));
  p.max_age_seconds = retry_policy.value("MaximumEventAgeInSeconds", int64_t{86400});
  return p;
}

void Targets::deliver_with_retry(Clock& clock, Delivery d, RetryPolicy policy, DeliveryReport report,
                                 int attempt) const {
  Status s = deliver(d);
  bool final = s.ok() || attempt >= policy.max_attempts;
  // Exponential backoff on the clock: 1 s, 2 s, 4 s ... capped at 5 minutes.
  int64_t delay = std::min<int64_t>(300, int64_t{1} << std::min(attempt - 1, 8));
  auto when = clock.now() + std::chrono::seconds(delay);
  if (!final && timefmt::epoch_seconds(when) * 1000 > static_cast<double>(d.time_ms + 1000 * policy.max_age_seconds))
    final = true;
  if (!s.ok())
    spdlog::warn("delivery to {} failed (attempt {}): {} {}", d.target_arn, attempt, s.error().code, s.error().message);
  if (report) report(s, attempt, final);
  if (final) return;
  clock.schedule(when, [this, &clock, d = std::move(d), policy, report = std::move(report), attempt](auto) mutable {
    deliver_with_retry(clock, std::move(d), policy, std::move(report), attempt + 1);
  });
}

Status Targets::deliver(const Delivery& given) const {
  Delivery assumed;
  if (!given.role_arn.empty()) {
    auto cred = env_.assume_role(given.role_arn, given.role_service, given.account, given.region,
                            given.role_service.substr(0, given.role_service.find('.')));
    if (!cred) return cred.take_error();
    assumed = given;
    assumed.caller = *cred;
  }
  const Delivery& d = given.role_arn.empty() ? given : assumed;
  auto parts = text::split(d.target_arn, ':');
  if (parts.size() < 6 || parts[0] != "arn") return AwsError{"InvalidTarget", "Invalid target ARN " + d.target_arn, 400};
  const std::string& service = parts[2];
  std::string region = parts[3].empty() ? d.region : parts[3];
  if (service == "lambda") {
    auto out = env_.call("lambda", "Invoke",
                       Value{{"FunctionName", d.target_arn}, {"InvocationType", "Event"},
                             {"Payload", kit::make_blob(d.payload)}},
                       d.caller, region);
    if (!out) return out.error();
    return Status::Ok();
  }
  if (service == "events" && text::starts_with(parts[5], "event-bus/")) {
    Value event = documents::parse_json_or_discarded(d.payload);
    if (event.is_discarded() || !event.is_object()) return AwsError{"InvalidArgument", "event is not JSON", 400};
    Value entry = {{"Source", event.value("source", "")},
                   {"DetailType", event.value("detail-type", "")},
                   {"Detail", event.value("detail", Value::object()).dump()},
                   {"Resources", event.value("resources", Value::array())},
                   {"EventBusName", d.target_arn}};
    auto out = env_.call("events", "PutEvents", Value{{"Entries", {entry}}}, d.caller, region);
    if (!out) return out.error();
    if (out->value.value("FailedEntryCount", 0) > 0) return AwsError{"FailedEntry", out->value.dump(), 400};
    return Status::Ok();
  }
  if (service == "sqs") {
    // arn:aws:sqs:REGION:ACCOUNT:NAME is the queue at /ACCOUNT/NAME; the
    // sender needs sqs:SendMessage only, as on AWS (no GetQueueUrl).
    Value send = {{"QueueUrl", queue_url(env_, d.target_arn)}, {"MessageBody", d.payload}};
    if (!d.message_attributes.empty()) send["MessageAttributes"] = d.message_attributes;
    if (!d.message_group_id.empty()) send["MessageGroupId"] = d.message_group_id;
    if (!d.deduplication_id.empty()) send["MessageDeduplicationId"] = d.deduplication_id;
    auto out = env_.call("sqs", "SendMessage", send, d.caller, region);
    if (!out) return out.error();
    return Status::Ok();
  }
  if (service == "sns") {
    Value publish = {{"TopicArn", d.target_arn}, {"Message", d.payload}};
    if (!d.subject.empty()) publish["Subject"] = d.subject;
    if (!d.message_attributes.empty()) publish["MessageAttributes"] = d.message_attributes;
    if (!d.message_group_id.empty()) publish["MessageGroupId"] = d.message_group_id;
    if (!d.deduplication_id.empty()) publish["MessageDeduplicationId"] = d.deduplication_id;
    auto out = env_.call("sns", "Publish", publish, d.caller, region);
    if (!out) return out.error();
    return Status::Ok();
  }
  if (service == "logs") {
    if (!env_.logs) return AwsError{"ServiceUnavailable", "CloudWatch Logs is not available", 503};
    std::string group = parts.size() > 6 ? parts[6] : "";
    return env_.logs->write(d.account, region, group, "eventbridge", {{d.time_ms, d.payload}});
  }
  if (service == "scheduler" && parts.size() >= 8 && parts[5] == "aws-sdk") {
    // arn:aws:scheduler:::aws-sdk:ec2:startInstances -> ec2 StartInstances
    std::string target_service = parts[6];
    std::string action = parts[7];
    if (!action.empty()) action[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(action[0])));
    Value input = documents::parse_json_or_discarded(d.payload.empty() ? "{}" : d.payload);
    if (input.is_discarded() || !input.is_object()) return AwsError{"InvalidInput", "Input is not a JSON object", 400};
    auto out = env_.call(target_service, action, input, d.caller, region);
    if (!out) return out.error();
    return Status::Ok();
  }
  return AwsError{"UnsupportedTarget", "nuage cannot deliver to " + d.target_arn, 400};
}

}  // namespace nuage::events
