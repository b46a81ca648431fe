// Reading what AWS Config recorded: a resource's configuration history,
// the discovered resources, their latest items, and counts per type.
#include "services/config/internal.h"

namespace nuage::services::config {

namespace {

AwsError no_recorder() {
  return errors("NoAvailableConfigurationRecorderException",
                "There are no configuration recorders available to provide the configuration needed.");
}

Status check_type(const std::string& type, const std::string& path) {
  if (is_known_type(type)) return Status::Ok();
  return errors("ValidationException", "1 validation error detected: Value '" + type + "' at '" + path +
                                           "' failed to satisfy constraint: Member must satisfy enum value set: [" +
                                           joined(recorded_types()) + ", ...]");
}

}  // namespace

Result<Output> Provider::get_resource_config_history(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  std::string type = in.at("resourceType"), id = in.at("resourceId");
  NUAGE_TRY(check_type(type, "resourceType"));
  if (!recorder(scope)) return no_recorder();
  auto limit = limit_of(in, "limit", 100, 10);
  if (!limit) return limit.take_error();
  std::optional<double> earlier = kit::timestamp_seconds(in.value("earlierTime", Value()));
  std::optional<double> later = kit::timestamp_seconds(in.value("laterTime", Value()));
  if (earlier && later && *earlier > *later)
    return errors("InvalidTimeRangeException", "The specified time range is invalid: the earlier time is later than the later time.");
  auto key = page_key(in, "nextToken");
  if (!key) return key.take_error();
  int64_t after = 0;
  if (!key->empty()) {
    if (key->find_first_not_of("0123456789") != std::string::npos) return invalid_next_token();
    after = std::stoll(*key);
  }
  auto latest = items_.latest(scope.account, scope.region, type, id);
  if (!latest) return latest.take_error();
  if (!*latest)
    return errors("ResourceNotDiscoveredException",
                  "Resource " + id + " of resourceType:" + type + " is unknown or has not been discovered");
  bool forward = in.value("chronologicalOrder", "Reverse") == "Forward";
  auto page = items_.history(scope.account, scope.region, type, id, earlier, later, forward, *limit, after);
  if (!page) return page.take_error();
  Output out;
  out.value["configurationItems"] = Value::array();
  for (const auto& item : page->first) out.value["configurationItems"].push_back(api_item(item));
  if (page->second) out.value["nextToken"] = page_token(std::to_string(page->second));
  return out;
}

Result<Output> Provider::list_discovered_resources(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  std::string type = in.at("resourceType");
  NUAGE_TRY(check_type(type, "resourceType"));
  if (!recorder(scope)) return no_recorder();
  auto limit = limit_of(in, "limit", 100, 100);
  if (!limit) return limit.take_error();
  const Value ids = in.value("resourceIds", Value::array());
  std::string name = in.value("resourceName", "");
  if (!ids.empty() && !name.empty())
    return errors("ValidationException", "Both Resource ID and Resource Name cannot be specified in the request");
  if (ids.size() > 20)
    return errors("ValidationException", "The specified list had more than 20 resource ID's. It must have '20' or less items");
  bool include_deleted = in.value("includeDeletedResources", false);
  auto identifier = [](const DiscoveredResource& d) {
    Value v = {{"resourceType", d.type}, {"resourceId", d.id}};
    if (!d.name.empty()) v["resourceName"] = d.name;
    if (d.deleted_time) v["resourceDeletionTime"] = *d.deleted_time;
    return v;
  };
  Output out;
  out.value["resourceIdentifiers"] = Value::array();
  if (!ids.empty()) {
    for (const auto& id : ids) {
      auto item = items_.latest(scope.account, scope.region, type, id.get<std::string>());
      if (!item) return item.take_error();
      if (!*item || ((*item)->deleted() && !include_deleted)) continue;
      const Item& i = **item;
      DiscoveredResource d{type, i.resource.id, i.resource.name, std::nullopt};
      if (i.deleted()) d.deleted_time = i.capture_time;
      out.value["resourceIdentifiers"].push_back(identifier(d));
    }
    return out;
  }
  auto after = page_key(in, "nextToken");
  if (!after) return after.take_error();
  auto found = items_.discovered(scope.account, scope.region, type, name, include_deleted, *after, *limit + 1);
  if (!found) return found.take_error();
  bool more = static_cast<int>(found->size()) > *limit;
  if (more) found->pop_back();
  for (const auto& d : *found) out.value["resourceIdentifiers"].push_back(identifier(d));
  if (more) out.value["nextToken"] = page_token(found->back().id);
  return out;
}

Result<Output> Provider::batch_get_resource_config(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  const Value& keys = in.at("resourceKeys");
  if (keys.size() > 100)
    return errors("ValidationException", "1 validation error detected: Value at 'resourceKeys' failed to satisfy "
                                         "constraint: Member must have length less than or equal to 100");
  for (const auto& k : keys) NUAGE_TRY(check_type(k.value("resourceType", ""), "resourceKeys.member.resourceType"));
  if (!recorder(scope)) return no_recorder();
  Output out;
  out.value["baseConfigurationItems"] = Value::array();
  out.value["unprocessedResourceKeys"] = Value::array();
  for (const auto& k : keys) {
    auto item = items_.latest(scope.account, scope.region, k.value("resourceType", ""), k.value("resourceId", ""));
    if (!item) return item.take_error();
    if (*item && !(*item)->deleted()) out.value["baseConfigurationItems"].push_back(base_item(**item));
  }
  return out;
}

Result<Output> Provider::get_discovered_resource_counts(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  const Value types = in.value("resourceTypes", Value::array());
  if (types.size() > 20)
    return errors("ValidationException", "The specified list had more than 20 resource types. It must have '20' or less items");
  for (const auto& t : types) NUAGE_TRY(check_type(t.get<std::string>(), "resourceTypes.member"));
  auto limit = limit_of(in, "limit", 100, 100);
  if (!limit) return limit.take_error();
  auto after = page_key(in, "nextToken");
  if (!after) return after.take_error();
  auto counts = items_.counts(scope.account, scope.region);
  if (!counts) return counts.take_error();
  int64_t total = 0;
  std::vector<std::pair<std::string, int64_t>> shown;
  for (const auto& [type, n] : *counts) {
    total += n;
    if (types.empty()) shown.emplace_back(type, n);
  }
  for (const auto& t : types) {
    int64_t n = 0;
    for (const auto& [type, count] : *counts)
      if (type == t) n = count;
    shown.emplace_back(t.get<std::string>(), n);
  }
  // Pages continue after the type named by the token.
  size_t begin = 0;
  if (!after->empty()) {
    while (begin < shown.size() && shown[begin].first != *after) ++begin;
    if (begin == shown.size()) return invalid_next_token();
    ++begin;
  }
  Output out;
  out.value["totalDiscoveredResources"] = total;
  out.value["resourceCounts"] = Value::array();
  size_t end = std::min(shown.size(), begin + static_cast<size_t>(*limit));
  for (size_t i = begin; i < end; ++i)
    out.value["resourceCounts"].push_back({{"resourceType", shown[i].first}, {"count", shown[i].second}});
  if (end < shown.size()) out.value["nextToken"] = page_token(shown[end - 1].first);
  return out;
}

}  // namespace nuage::services::config
