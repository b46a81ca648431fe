#include "services/s3/notifications.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <set>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "events/targets.h"
#include "services/s3/internal.h"

namespace nuage::services::s3 {

using Value = kit::Value;
using Output = kit::Output;
using detail::invalid_argument;

namespace {

// The event types S3 accepts in a configuration.
const std::set<std::string>& known_events() {
  static const std::set<std::string> kAll = {
      "s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectCreated:Post", "s3:ObjectCreated:Copy",
      "s3:ObjectCreated:CompleteMultipartUpload", "s3:ObjectRemoved:*", "s3:ObjectRemoved:Delete",
      "s3:ObjectRemoved:DeleteMarkerCreated", "s3:ObjectRestore:*", "s3:ObjectRestore:Post",
      "s3:ObjectRestore:Completed", "s3:ObjectRestore:Delete", "s3:ReducedRedundancyLostObject",
      "s3:Replication:*", "s3:Replication:OperationFailedReplication",
      "s3:Replication:OperationNotTracked", "s3:Replication:OperationMissedThreshold",
      "s3:Replication:OperationReplicatedAfterThreshold", "s3:LifecycleExpiration:*",
      "s3:LifecycleExpiration:Delete", "s3:LifecycleExpiration:DeleteMarkerCreated", "s3:LifecycleTransition",
      "s3:IntelligentTiering", "s3:ObjectTagging:*", "s3:ObjectTagging:Put", "s3:ObjectTagging:Delete",
      "s3:ObjectAcl:Put"};
  return kAll;
}

// Whether two configured event types can name the same event.
bool events_overlap(const std::string& a, const std::string& b) {
  auto family = [](const std::string& e) {
    auto star = e.find(":*");
    return star == std::string::npos ? e : e.substr(0, star);
  };
  if (a == b) return true;
  bool a_star = a.ends_with(":*"), b_star = b.ends_with(":*");
  if (a_star && b.starts_with(family(a) + ":")) return true;
  if (b_star && a.starts_with(family(b) + ":")) return true;
  return false;
}

std::string rule_value(const Value& filter, const std::string& name) {
  for (const auto& r : filter.value("Key", Value::object()).value("FilterRules", Value::array()))
    if (r.value("Name", "") == name) return r.value("Value", "");
  return "";
}

// Two filters overlap when some key could pass both.
bool filters_overlap(const Value& a, const Value& b) {
  std::string pa = rule_value(a, "Prefix"), pb = rule_value(b, "Prefix");
  std::string sa = rule_value(a, "Suffix"), sb = rule_value(b, "Suffix");
  bool prefixes = pa.starts_with(pb) || pb.starts_with(pa);
  bool suffixes = sa.ends_with(sb) || sb.ends_with(sa);
  return prefixes && suffixes;
}

}  // namespace

Result<Value> normalize_notification_configuration(const Value& configuration) {
  Value out = Value::object();
  for (const auto& kind : kDestinationKinds) {
    const Value list = configuration.value(kind.list, Value::array());
    if (!list.is_array()) return detail::malformed_xml();
    if (list.empty()) continue;
    Value normalized = Value::array();
    for (const auto& c : list) {
      if (!c.is_object() || c.value(kind.arn, "").empty()) return detail::malformed_xml();
      Value n = c;
      if (n.value("Id", "").empty()) n["Id"] = crypto::random_uuid();
      const Value events = c.value("Events", Value::array());
      if (!events.is_array() || events.empty()) return detail::malformed_xml();
      for (const auto& e : events) {
        if (!e.is_string() || !known_events().count(e.get<std::string>()))
          return invalid_argument("The event is not supported for notifications", "Event",
                                  e.is_string() ? e.get<std::string>() : e.dump());
      }
      if (auto f = c.find("Filter"); f != c.end()) {
        Value rules = Value::array();
        bool prefix = false, suffix = false;
        for (const auto& r : f->value("Key", Value::object()).value("FilterRules", Value::array())) {
          std::string name = text::lower(r.value("Name", ""));
          if (name != "prefix" && name != "suffix")
            return invalid_argument("filter rule name must be either prefix or suffix", "FilterRule",
                                    r.value("Name", ""));
          bool& seen = name == "prefix" ? prefix : suffix;
          if (seen)
            return invalid_argument("Cannot specify more than one " + name + " rule in a filter.", "FilterRule",
                                    r.value("Name", ""));
          seen = true;
          std::string value = r.value("Value", "");
          if (value.size() > 1024)
            return invalid_argument("The filter rule value is longer than 1024 characters.", "FilterRule", name);
          rules.push_back({{"Name", name == "prefix" ? "Prefix" : "Suffix"}, {"Value", value}});
        }
        n["Filter"] = {{"Key", {{"FilterRules", rules}}}};
      }
      normalized.push_back(std::move(n));
    }
    out[kind.list] = std::move(normalized);
  }
  if (auto eb = configuration.find("EventBridgeConfiguration"); eb != configuration.end() && !eb->is_null())
    out["EventBridgeConfiguration"] = Value::object();
  // Configurations sharing an event type must not both match a key.
  std::vector<const Value*> flat;
  std::set<std::string> ids;
  for (const auto& kind : kDestinationKinds)
    if (auto it = out.find(kind.list); it != out.end())
      for (const auto& c : *it) flat.push_back(&c);
  if (flat.size() > 100) return invalid_argument("Too many notification configurations.", "NotificationConfiguration", "");
  for (size_t i = 0; i < flat.size(); ++i) {
    if (!ids.insert((*flat[i])["Id"].get<std::string>()).second)
      return invalid_argument("The ID of each configuration must be unique.", "Id", (*flat[i])["Id"]);
    for (size_t j = 0; j < i; ++j) {
      bool shared = false;
      for (const auto& a : (*flat[i])["Events"])
        for (const auto& b : (*flat[j])["Events"]) shared = shared || events_overlap(a, b);
      if (shared && filters_overlap(flat[i]->value("Filter", Value::object()), flat[j]->value("Filter", Value::object())))
        return invalid_argument("Configurations overlap. Configurations on the same bucket cannot share a common "
                                "event type.",
                                "Event", "");
    }
  }
  return out;
}

bool event_matches(const std::string& configured, const std::string& event) {
  if (!configured.starts_with("s3:")) return false;
  std::string_view c = std::string_view(configured).substr(3);
  if (c == event) return true;
  if (c.ends_with(":*")) return event.starts_with(c.substr(0, c.size() - 1));
  return false;
}

bool key_matches(const Value& filter, const std::string& key) {
  return key.starts_with(rule_value(filter, "Prefix")) && key.ends_with(rule_value(filter, "Suffix"));
}

std::string event_key(const std::string& key) {
  std::string out;
  for (unsigned char c : key) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '*' || c == '/') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string next_sequencer() {
  static std::atomic<uint64_t> last{0};
  uint64_t now = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  uint64_t prev = last.load();
  uint64_t next;
  do {
    next = std::max(now, prev + 1);
  } while (!last.compare_exchange_weak(prev, next));
  char buf[24];
  std::snprintf(buf, sizeof buf, "00%016llX", static_cast<unsigned long long>(next));
  return buf;
}

// ---------------------------------------------------------------- provider

namespace {

// "arn:aws:sqs:REGION:ACCOUNT:NAME" → {region, account, name}.
struct ArnParts {
  std::string region, account, resource;
};
std::optional<ArnParts> arn_parts(const std::string& arn) {
  auto parts = text::split(arn, ':');
  if (parts.size() < 6 || parts[0] != "arn") return std::nullopt;
  std::string resource = parts[5];
  for (size_t i = 6; i < parts.size(); ++i) resource += ":" + parts[i];
  return ArnParts{parts[3], parts[4], resource};
}

// S3 as the caller of a bucket's destinations: the service principal with
// the bucket as its source (aws:SourceArn, aws:SourceAccount).
auth::Credential s3_principal(const std::string& account, const std::string& bucket) {
  return kit::Environment::service_principal("s3.amazonaws.com", account, "arn:aws:s3:::" + bucket);
}

}  // namespace

Status Provider::deliver_notification(const Bucket& bucket, const std::string& list, const std::string& arn,
                                      const std::string& message) {
  auto parts = arn_parts(arn);
  if (!parts) return invalid_argument("Invalid destination ARN", "Destination", arn);
  events::Delivery d;
  d.target_arn = arn;
  d.payload = message;
  d.account = bucket.account;
  d.region = parts->region;
  d.caller = s3_principal(bucket.account, bucket.name);
  if (list == "TopicConfigurations") d.subject = "Amazon S3 Notification";
  return events::Targets(env_).deliver(d);
}

Status Provider::validate_destinations(const Context& ctx, const Bucket& bucket, const Value& configuration) {
  Value test = {{"Service", "Amazon S3"},
                {"Event", "s3:TestEvent"},
                {"Time", timefmt::iso8601(ctx.clock->now(), true)},
                {"Bucket", bucket.name},
                {"RequestId", ctx.request_id},
                {"HostId", text::base64_encode(ctx.request_id + ctx.request_id)}};
  Value failures = Value::object();
  int n = 0;
  for (const auto& kind : kDestinationKinds) {
    for (const auto& c : configuration.value(kind.list, Value::array())) {
      std::string arn = c[kind.arn];
      std::string list = kind.list;
      Status s = Status::Ok();
      std::string why;
      if (list == "LambdaFunctionConfigurations") {
        auto parts = arn_parts(arn);
        auto dry = parts ? env_.call("lambda", "Invoke", Value{{"FunctionName", arn}, {"InvocationType", "DryRun"}},
                                     s3_principal(bucket.account, bucket.name), parts->region)
                         : Result<Output>(invalid_argument("Invalid ARN", "LambdaFunctionArn", arn));
        if (!dry) s = dry.error();
        why = "Not authorized to invoke function [" + arn + "]";
      } else {
        s = deliver_notification(bucket, list, arn, test.dump());
        why = std::string("Permissions on the destination ") +
              (list == "QueueConfigurations" ? "queue" : "topic") +
              " do not allow S3 to publish notifications from this bucket";
      }
      if (s.ok()) continue;
      // A destination service nuage does not serve yet: say so, not "denied".
      if (s.error().status == 501) return s.error();
      ++n;
      failures["ArgumentName" + std::to_string(n)] = arn;
      failures["ArgumentValue" + std::to_string(n)] = why;
    }
  }
  if (n == 0) return Status::Ok();
  return errors("InvalidArgument", "Unable to validate the following destination configurations", failures);
}

Result<Output> Provider::put_bucket_notification(Context& ctx, const Value& in) {
  std::string name = in.at("Bucket");
  auto normalized = normalize_notification_configuration(in.value("NotificationConfiguration", Value::object()));
  if (!normalized) return normalized.error();
  auto b = find_bucket(ctx, name);
  if (!b) return b.error();
  if (!in.value("SkipDestinationValidation", false)) NUAGE_TRY(validate_destinations(ctx, *b, *normalized));
  Status s = db_.transaction([&]() -> Status {
    auto bb = find_bucket(ctx, name);
    if (!bb) return bb.error();
    if (normalized->empty()) bb->config.erase("notification");
    else bb->config["notification"] = *normalized;
    return db_.exec("UPDATE s3_buckets SET config = ? WHERE name = ?", {bb->config.dump(), name});
  });
  if (!s.ok()) return s.error();
  announce_bucket(name);
  return Output{};
}

Result<Output> Provider::get_bucket_notification(Context& ctx, const Value& in) {
  auto b = find_bucket(ctx, in.at("Bucket"));
  if (!b) return b.error();
  Output out;
  out.value = b->config.value("notification", Value::object());
  return out;
}

void Provider::notify(const Context& ctx, const Bucket& bucket, const std::vector<ObjectEvent>& events) {
  auto it = bucket.config.find("notification");
  if (it == bucket.config.end() || events.empty()) return;
  const Value& configuration = *it;
  std::string time = timefmt::iso8601(ctx.clock->now(), true);
  std::string bucket_arn = "arn:aws:s3:::" + bucket.name;
  for (const auto& e : events) {
    Value object = {{"key", event_key(e.key)}};
    if (e.size) object["size"] = *e.size;
    if (!e.etag.empty()) object["eTag"] = e.etag;
    if (!e.version_id.empty()) object["versionId"] = e.version_id;
    object["sequencer"] = e.sequencer;
    bool tagging = e.name.starts_with("ObjectTagging:") || e.name.starts_with("ObjectAcl:");
    for (const auto& kind : kDestinationKinds) {
      for (const auto& c : configuration.value(kind.list, Value::array())) {
        bool wanted = false;
        for (const auto& configured : c["Events"]) wanted = wanted || event_matches(configured, e.name);
        if (!wanted || !key_matches(c.value("Filter", Value::object()), e.key)) continue;
        Value record = {
            {"eventVersion", tagging ? "2.3" : "2.1"},
            {"eventSource", "aws:s3"},
            {"awsRegion", bucket.region},
            {"eventTime", time},
            {"eventName", e.name},
            {"userIdentity", {{"principalId", "AWS:" + ctx.caller.user_id}}},
            {"requestParameters", {{"sourceIPAddress", ctx.source_ip}}},
            {"responseElements",
             {{"x-amz-request-id", ctx.request_id}, {"x-amz-id-2", text::base64_encode(ctx.request_id + ctx.request_id)}}},
            {"s3",
             {{"s3SchemaVersion", "1.0"},
              {"configurationId", c["Id"]},
              {"bucket", {{"name", bucket.name}, {"ownerIdentity", {{"principalId", detail::owner()["ID"]}}},
                          {"arn", bucket_arn}}},
              {"object", object}}}};
        Value message = {{"Records", Value::array({record})}};
        Status s = deliver_notification(bucket, kind.list, c[kind.arn], message.dump());
        if (!s.ok())
          spdlog::warn("s3: cannot notify {} of {} on s3://{}/{}: {} {}", c[kind.arn].get<std::string>(), e.name,
                       bucket.name, e.key, s.error().code, s.error().message);
      }
    }
  }
  if (configuration.contains("EventBridgeConfiguration")) publish_to_eventbridge(ctx, bucket, events);
}

void Provider::publish_to_eventbridge(const Context& ctx, const Bucket& bucket, const std::vector<ObjectEvent>& events) {
  for (const auto& e : events) {
    std::string detail_type, reason, deletion;
    if (e.name.starts_with("ObjectCreated:")) {
      detail_type = "Object Created";
      reason = e.name == "ObjectCreated:Copy" ? "CopyObject"
               : e.name == "ObjectCreated:CompleteMultipartUpload" ? "CompleteMultipartUpload"
                                                                    : "PutObject";
    } else if (e.name.starts_with("ObjectRemoved:")) {
      detail_type = "Object Deleted";
      reason = "DeleteObject";
      deletion = e.name == "ObjectRemoved:DeleteMarkerCreated" ? "Delete Marker Created" : "Permanently Deleted";
    } else if (e.name == "ObjectTagging:Put") {
      detail_type = "Object Tags Added";
    } else if (e.name == "ObjectTagging:Delete") {
      detail_type = "Object Tags Deleted";
    } else {
      continue;
    }
    Value object = {{"key", e.key}};
    if (e.size) object["size"] = *e.size;
    if (!e.etag.empty()) object["etag"] = e.etag;
    if (!e.version_id.empty()) object["version-id"] = e.version_id;
    object["sequencer"] = e.sequencer;
    auto ev = events::Event::about(
        "aws.s3", detail_type, bucket.account, bucket.region, ctx.clock->now(), "arn:aws:s3:::" + bucket.name,
        {{"version", "0"},
         {"bucket", {{"name", bucket.name}}},
         {"object", object},
         {"request-id", ctx.request_id},
         {"requester", ctx.caller.account_id.empty() ? ctx.account_id : ctx.caller.account_id},
         {"source-ip-address", ctx.source_ip}});
    if (!reason.empty()) ev.detail["reason"] = reason;
    if (!deletion.empty()) ev.detail["deletion-type"] = deletion;
    bus_.publish(ev);
  }
}

}  // namespace nuage::services::s3
