#include "services/ssm/managed_instances.h"

#include <map>

#include "common/text.h"
#include "common/time.h"
#include "services/ssm/errors.h"

namespace nuage::services::ssm {

using kit::Output;
using kit::Value;

namespace {

// What the SSM agent must be allowed to do for its instance to be managed.
const char* kAgentActions[] = {"ssm:UpdateInstanceInformation", "ec2messages:GetMessages"};
const char* kAgentVersion = "3.3.1957.0";

}  // namespace

auth::Credential account_root(const std::string& account) {
  auth::Credential root;
  root.account_id = account;
  root.arn = "arn:aws:iam::" + account + ":root";
  root.user_id = account;
  return root;
}

bool ManagedInstances::role_allows_ssm(const std::string& account, const std::string& region,
                                       const std::string& role_arn) const {
  Value in = {{"PolicySourceArn", role_arn}, {"ActionNames", Value::array()}};
  for (const char* action : kAgentActions) in["ActionNames"].push_back(action);
  auto out = env_.call("iam", "SimulatePrincipalPolicy", in, account_root(account), region);
  if (!out) return false;
  const Value& results = out->value.value("EvaluationResults", Value::array());
  if (results.empty()) return false;
  for (const auto& r : results)
    if (r.value("EvalDecision", "") != "allowed") return false;
  return true;
}

Result<std::vector<ManagedInstance>> ManagedInstances::list(const std::string& account, const std::string& region,
                                                            const std::vector<std::string>& ids) const {
  Value in = Value::object();
  if (!ids.empty()) in["InstanceIds"] = ids;
  auto described = env_.call("ec2", "DescribeInstances", in, account_root(account), region);
  if (!described) {
    if (!text::starts_with(described.error().code, "InvalidInstanceID")) return described.take_error();
    // An unknown or malformed id among them: the others may still be instances.
    auto all = list(account, region, {});
    if (!all) return all.take_error();
    std::erase_if(*all, [&](const ManagedInstance& m) {
      return std::find(ids.begin(), ids.end(), m.instance_id) == ids.end();
    });
    return all;
  }
  std::vector<ManagedInstance> out;
  std::map<std::string, std::string> profile_roles;  // profile ARN -> role ARN ("" when none)
  std::map<std::string, bool> role_allowed;
  Value answer = described->materialized();
  for (const auto& reservation : answer.value("Reservations", Value::array()))
    for (const auto& inst : reservation.value("Instances", Value::array())) {
      ManagedInstance m;
      m.instance_id = inst.value("InstanceId", "");
      m.state = inst.contains("State") ? inst["State"].value("Name", "") : "";
      if (m.state == "terminated") continue;
      m.hostname = inst.value("PrivateDnsName", "");
      m.private_ip = inst.value("PrivateIpAddress", "");
      m.tags = inst.value("Tags", Value::array());
      std::string profile = inst.contains("IamInstanceProfile") ? inst["IamInstanceProfile"].value("Arn", "") : "";
      if (!profile.empty()) {
        auto known = profile_roles.find(profile);
        if (known == profile_roles.end()) {
          std::string role;
          auto got = env_.call("iam", "GetInstanceProfile", {{"InstanceProfileName", profile.substr(profile.rfind('/') + 1)}},
                               account_root(account), region);
          if (got) {
            const Value& roles = got->value["InstanceProfile"].value("Roles", Value::array());
            if (!roles.empty()) role = roles[0].value("Arn", "");
          }
          known = profile_roles.emplace(profile, role).first;
        }
        m.role_arn = known->second;
      }
      if (m.state == "running" && !m.role_arn.empty()) {
        auto allowed = role_allowed.find(m.role_arn);
        if (allowed == role_allowed.end())
          allowed = role_allowed.emplace(m.role_arn, role_allows_ssm(account, region, m.role_arn)).first;
        m.managed = allowed->second;
      }
      out.push_back(std::move(m));
    }
  return out;
}

namespace {

// One filter of either list: its key and values.
struct InformationFilter {
  std::string key;
  std::vector<std::string> values;
};

Result<std::vector<InformationFilter>> information_filters(const Value& in) {
  std::vector<InformationFilter> filters;
  static const std::vector<std::string> kKeys = {"InstanceIds", "PingStatus", "PlatformTypes", "ResourceType",
                                                 "AgentVersion", "IamRole", "AssociationStatus"};
  auto add = [&](const Value& list, const char* key_member, const char* values_member, bool tags) -> Status {
    for (const auto& f : list) {
      InformationFilter filter{f.value(key_member, ""), {}};
      for (const auto& v : f.value(values_member, Value::array())) filter.values.push_back(v.get<std::string>());
      bool known = std::find(kKeys.begin(), kKeys.end(), filter.key) != kKeys.end() ||
                   (tags && (text::starts_with(filter.key, "tag:") || filter.key == "tag-key"));
      if (!known) return errors("InvalidFilterKey", "");
      if (filter.values.empty())
        return errors("InvalidInstanceInformationFilterValue", "The filter value for " + filter.key + " is empty.");
      filters.push_back(std::move(filter));
    }
    return Status::Ok();
  };
  NUAGE_TRY(add(in.value("InstanceInformationFilterList", Value::array()), "key", "valueSet", false));
  NUAGE_TRY(add(in.value("Filters", Value::array()), "Key", "Values", true));
  return filters;
}

bool information_matches(const Value& info, const ManagedInstance& m, const InformationFilter& f) {
  auto any = [&](const std::string& actual) {
    return std::find(f.values.begin(), f.values.end(), actual) != f.values.end();
  };
  if (f.key == "InstanceIds") return any(m.instance_id);
  if (f.key == "PingStatus") return any(info.value("PingStatus", ""));
  if (f.key == "PlatformTypes") return any(info.value("PlatformType", ""));
  if (f.key == "ResourceType") return any(info.value("ResourceType", ""));
  if (f.key == "AgentVersion") return any(info.value("AgentVersion", ""));
  if (f.key == "IamRole") return any(info.value("IamRole", ""));
  if (f.key == "AssociationStatus") return false;  // no associations
  if (f.key == "tag-key") {
    for (const auto& t : m.tags)
      if (any(t.value("Key", ""))) return true;
    return false;
  }
  std::string tag = f.key.substr(4);
  for (const auto& t : m.tags)
    if (t.value("Key", "") == tag && any(t.value("Value", ""))) return true;
  return false;
}

}  // namespace

Result<Output> ManagedInstances::describe_instance_information(kit::RequestContext& ctx, const Value& in) {
  auto filters = information_filters(in);
  if (!filters) return filters.take_error();
  int64_t max_results = in.value("MaxResults", int64_t{50});
  if (max_results < 5 || max_results > 50)
    return errors("ValidationException", "1 validation error detected: Value '" + std::to_string(max_results) +
                                             "' at 'maxResults' failed to satisfy constraint: Member must have "
                                             "value less than or equal to 50");
  auto instances = list(ctx.account_id, ctx.region, {});
  if (!instances) return instances.take_error();
  double now = timefmt::epoch_seconds(ctx.clock->now());
  std::vector<Value> matched;
  for (const auto& m : *instances) {
    if (!m.managed) continue;
    std::string short_name = m.hostname.substr(0, m.hostname.find('.'));
    Value info = {{"InstanceId", m.instance_id},
                  {"PingStatus", "Online"},
                  {"LastPingDateTime", now},
                  {"AgentVersion", kAgentVersion},
                  {"IsLatestVersion", true},
                  {"PlatformType", "Linux"},
                  {"PlatformName", "Amazon Linux"},
                  {"PlatformVersion", "2023"},
                  {"ResourceType", "EC2Instance"},
                  {"IPAddress", m.private_ip},
                  {"ComputerName", m.hostname},
                  {"IamRole", m.role_arn.substr(m.role_arn.rfind('/') + 1)},
                  {"SourceId", m.instance_id},
                  {"SourceType", "AWS::EC2::Instance"}};
    bool keep = true;
    for (const auto& f : *filters) keep = keep && information_matches(info, m, f);
    if (keep) matched.push_back(std::move(info));
  }
  std::sort(matched.begin(), matched.end(),
            [](const Value& a, const Value& b) { return a["InstanceId"] < b["InstanceId"]; });
  size_t begin = 0;
  if (in.contains("NextToken")) {
    std::string token = in["NextToken"];
    if (!text::starts_with(token, "i-")) return errors("InvalidNextToken", "The specified token is not valid.");
    auto after = std::find_if(matched.begin(), matched.end(), [&](const Value& v) { return v["InstanceId"] > token; });
    begin = static_cast<size_t>(after - matched.begin());
  }
  Output out;
  out.value["InstanceInformationList"] = Value::array();
  size_t end = std::min(matched.size(), begin + static_cast<size_t>(max_results));
  for (size_t i = begin; i < end; ++i) out.value["InstanceInformationList"].push_back(matched[i]);
  if (end < matched.size()) out.value["NextToken"] = matched[end - 1]["InstanceId"];
  return out;
}

void ManagedInstances::register_operations(kit::OperationTable& table) {
  table.add("DescribeInstanceInformation", this, &ManagedInstances::describe_instance_information)
      .iam_resources([](const kit::RequestContext&, const Value&) { return std::vector<std::string>{"*"}; });
}

}  // namespace nuage::services::ssm
