#include "services/lambda/event_invoke_configs.h"

#include <nlohmann/json.hpp>

#include "common/documents.h"
#include "common/text.h"
#include "common/time.h"
#include "services/lambda/errors.h"

namespace nuage::services::lambda {

namespace {

constexpr size_t kDefaultConfigsListed = 50;

std::string key_of(const std::string& qualifier) { return qualifier.empty() ? "$LATEST" : qualifier; }


AwsError no_config(const Ref& ref) {
  return errors("ResourceNotFoundException", "The function " + function_arn(ref.region, ref.account, ref.name) +
                                                 ":" + key_of(ref.qualifier) + " doesn't have an EventInvokeConfig");
}

// The action a destination's kind needs, or "" when it is no destination.
std::string destination_action(const std::string& arn) {
  auto p = text::split(arn, ':');
  if (p.size() < 6 || p[0] != "arn") return "";
  if (p[2] == "sqs" && p.size() == 6) return "sqs:SendMessage";
  if (p[2] == "sns" && p.size() == 6) return "sns:Publish";
  if (p[2] == "lambda" && p.size() >= 7 && p[5] == "function") return "lambda:InvokeFunction";
  if (p[2] == "events" && text::starts_with(p[5], "event-bus/")) return "events:PutEvents";
  return "";
}

nlohmann::ordered_json json_or_text(const std::string& text) {
  if (text.empty()) return nullptr;
  auto parsed = nlohmann::ordered_json::parse(text, nullptr, false);
  if (parsed.is_discarded()) return text;
  return parsed;
}

}  // namespace

Value event_invoke_config(const Value& function_doc, const std::string& qualifier) {
  const Value configs = function_doc.value("event_invoke", Value::object());
  return configs.value(key_of(qualifier), Value::object());
}

std::string invocation_record(const InvocationOutcome& o, Clock::TimePoint now) {
  nlohmann::ordered_json r = nlohmann::ordered_json::object();
  r["version"] = "1.0";
  r["timestamp"] = timefmt::iso8601(now, true);
  r["requestContext"] = nlohmann::ordered_json::object();
  r["requestContext"]["requestId"] = o.request_id;
  r["requestContext"]["functionArn"] = o.function_arn;
  r["requestContext"]["condition"] = o.condition;
  r["requestContext"]["approximateInvokeCount"] = o.invoke_count;
  r["requestPayload"] = json_or_text(o.request_payload);
  if (o.ran) {
    r["responseContext"] = nlohmann::ordered_json::object();
    r["responseContext"]["statusCode"] = 200;
    r["responseContext"]["executedVersion"] = o.executed_version;
    if (!o.function_error.empty()) r["responseContext"]["functionError"] = o.function_error;
    r["responsePayload"] = json_or_text(o.response_payload);
  }
  return r.dump();
}

Result<Output> EventInvokeConfigs::store(Context& ctx, const Value& in, bool merge) {
  auto ref = parse_ref(ctx, in.at("FunctionName"), in);
  if (!ref) return ref.take_error();
  if (!in.contains("MaximumRetryAttempts") && !in.contains("MaximumEventAgeInSeconds") &&
      !in.contains("DestinationConfig"))
    return invalid("You must specify at least one of error handling or destination setting.");
  std::string role;
  {
    std::lock_guard lock(shared_.mutex);
    auto config = shared_.configuration(*ref);
    if (!config) return config.take_error();
    role = config->value("Role", "");
    if (merge && event_invoke_config(**shared_.function(*ref), ref->qualifier).empty()) return no_config(*ref);
  }
  const Value destinations = in.value("DestinationConfig", Value::object());
  for (const char* kind : {"OnSuccess", "OnFailure"}) {
    std::string arn = destinations.value(kind, Value::object()).value("Destination", "");
    if (arn.empty()) continue;
    std::string action = destination_action(arn);
    if (action.empty())
      return invalid("The destination ARN " + arn + " is invalid: it must be an SQS queue, an SNS topic, a Lambda "
                     "function or an EventBridge event bus.");
    auto denied = roles_.denied_actions(ref->account, ref->region, role, {action}, arn);
    if (!denied) return denied.take_error();
    if (!denied->empty())
      return invalid("The function's execution role does not have permissions to call " +
                     action.substr(action.find(':') + 1) + " on " + arn);
  }
  std::lock_guard lock(shared_.mutex);
  auto fn = shared_.function(*ref);
  if (!fn) return fn.take_error();
  Value doc = **fn;
  Value config = merge ? event_invoke_config(doc, ref->qualifier) : Value::object();
  config["FunctionArn"] = function_arn(ref->region, ref->account, ref->name) + ":" + key_of(ref->qualifier);
  config["LastModified"] = timefmt::epoch_seconds(ctx.clock->now());
  for (const char* member : {"MaximumRetryAttempts", "MaximumEventAgeInSeconds"})
    if (in.contains(member)) config[member] = in[member];
  Value merged = config.value("DestinationConfig", Value{{"OnSuccess", Value::object()}, {"OnFailure", Value::object()}});
  for (const char* kind : {"OnSuccess", "OnFailure"})
    if (!merge || destinations.contains(kind)) merged[kind] = destinations.value(kind, Value::object());
  config["DestinationConfig"] = std::move(merged);
  if (!doc.contains("event_invoke") || !doc["event_invoke"].is_object()) doc["event_invoke"] = Value::object();
  doc["event_invoke"][key_of(ref->qualifier)] = config;
  NUAGE_TRY(shared_.put_function(*ref, std::move(doc)));
  Output out;
  out.value = std::move(config);
  return out;
}

Result<Output> EventInvokeConfigs::put(Context& ctx, const Value& in) { return store(ctx, in, false); }

Result<Output> EventInvokeConfigs::update(Context& ctx, const Value& in) { return store(ctx, in, true); }

Result<Output> EventInvokeConfigs::get(Context& ctx, const Value& in) {
  auto found = shared_.named_function(ctx, in, true);
  if (!found) return found.take_error();
  NUAGE_TRY(resolve_entry(found->ref, *found->doc, found->ref.qualifier));
  Value config = event_invoke_config(*found->doc, found->ref.qualifier);
  if (config.empty()) return no_config(found->ref);
  Output out;
  out.value = std::move(config);
  return out;
}

Result<Output> EventInvokeConfigs::remove(Context& ctx, const Value& in) {
  auto found = shared_.named_function(ctx, in, true);
  if (!found) return found.take_error();
  if (event_invoke_config(*found->doc, found->ref.qualifier).empty()) return no_config(found->ref);
  Value doc = *found->doc;
  doc["event_invoke"].erase(key_of(found->ref.qualifier));
  NUAGE_TRY(shared_.put_function(found->ref, std::move(doc)));
  return Output{};
}

Result<Output> EventInvokeConfigs::list(Context& ctx, const Value& in) {
  auto found = shared_.named_function(ctx, in);
  if (!found) return found.take_error();
  auto pager = Pager::of(in, kDefaultConfigsListed);
  if (!pager) return pager.take_error();
  Output out;
  Value& page = out.value["FunctionEventInvokeConfigs"] = Value::array();
  // nlohmann's objects keep their keys sorted: qualifiers in order.
  const Value configs = found->doc->value("event_invoke", Value::object());
  for (const auto& [qualifier, config] : configs.items()) {
    if (!pager->after().empty() && qualifier <= pager->after()) continue;
    if (!pager->add(qualifier, config, page, out.value)) break;
  }
  return out;
}

void EventInvokeConfigs::register_operations(kit::OperationTable& table) {
  // These two lock themselves: they call IAM first.
  table.add("PutFunctionEventInvokeConfig", this, &EventInvokeConfigs::put);
  table.add("UpdateFunctionEventInvokeConfig", this, &EventInvokeConfigs::update);
  table.add_locked("GetFunctionEventInvokeConfig", this, shared_.mutex, &EventInvokeConfigs::get);
  table.add_locked("DeleteFunctionEventInvokeConfig", this, shared_.mutex, &EventInvokeConfigs::remove);
  table.add_locked("ListFunctionEventInvokeConfigs", this, shared_.mutex, &EventInvokeConfigs::list);
}

}  // namespace nuage::services::lambda
