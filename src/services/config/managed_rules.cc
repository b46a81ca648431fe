#include "services/config/managed_rules.h"

#include <algorithm>
#include <set>

#include "common/text.h"
#include "services/config/errors.h"

namespace nuage::services::config {

namespace {


// A parameter's value as text (AWS passes strings; numbers are accepted).
std::optional<std::string> param(const Value& params, const std::string& name) {
  auto it = params.find(name);
  if (it == params.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

Status only_known(const std::string& rule_name, const Value& params, const std::vector<std::string>& known) {
  std::vector<std::string> unknown;
  for (const auto& [k, v] : params.items())
    if (std::find(known.begin(), known.end(), k) == known.end()) unknown.push_back(k);
  if (unknown.empty()) return Status::Ok();
  std::string list;
  for (const auto& u : unknown) list += (list.empty() ? "" : ", ") + u;
  return invalid("Unknown parameters provided in the input parameters for the rule " + rule_name + ": " + list + ".");
}

std::optional<int> port_number(std::string_view text) {
  text = text::trim(text);
  if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  int port = std::stoi(std::string(text));
  if (port > 65535) return std::nullopt;
  return port;
}

// --- security groups ---------------------------------------------------------

bool open_to_world(const Value& permission) {
  for (const auto& r : permission.value("ipv4Ranges", Value::array()))
    if (r.value("cidrIp", "") == "0.0.0.0/0") return true;
  for (const auto& r : permission.value("ipRanges", Value::array()))
    if ((r.is_string() && r.get<std::string>() == "0.0.0.0/0") || (r.is_object() && r.value("cidrIp", "") == "0.0.0.0/0"))
      return true;
  for (const auto& r : permission.value("ipv6Ranges", Value::array()))
    if (r.value("cidrIpv6", "") == "::/0") return true;
  return false;
}

// The protocol of a permission, with EC2's numbers spelled out.
std::string protocol_of(const Value& permission) {
  std::string p = text::lower(permission.value("ipProtocol", "-1"));
  if (p == "6") return "tcp";
  if (p == "17") return "udp";
  if (p == "all") return "-1";
  return p;
}

// The ports a permission opens for `protocol` ("tcp", "udp"); nullopt when
// it opens none of that protocol.
std::optional<std::pair<int, int>> ports_for(const Value& permission, const std::string& protocol) {
  std::string p = protocol_of(permission);
  if (p == "-1") return std::make_pair(0, 65535);
  if (p != protocol) return std::nullopt;
  int from = permission.value("fromPort", 0), to = permission.value("toPort", 65535);
  if (from < 0) from = 0;
  if (to < 0 || to > 65535) to = 65535;
  return std::make_pair(from, to);
}

const Value& ingress(const Item& item) {
  static const Value kNone = Value::array();
  const Value& c = item.resource.configuration;
  auto it = c.find("ipPermissions");
  return it != c.end() && it->is_array() ? *it : kNone;
}

Verdict compliant_if(bool ok) { return {ok ? "COMPLIANT" : "NON_COMPLIANT", ""}; }

Status no_parameters(const std::string& rule_name, const Value& params) { return only_known(rule_name, params, {}); }

Verdict incoming_ssh_disabled(const Item& item, const Value&) {
  for (const auto& p : ingress(item)) {
    auto ports = ports_for(p, "tcp");
    if (ports && ports->first <= 22 && 22 <= ports->second && open_to_world(p)) return compliant_if(false);
  }
  return compliant_if(true);
}

// restricted-common-ports: blockedPort1..5 (defaults 20, 21, 3389, 3306,
// 4333) and blockedPorts (CSV).
const std::vector<std::string> kBlockedParams = {"blockedPort1", "blockedPort2", "blockedPort3", "blockedPort4",
                                                 "blockedPort5", "blockedPorts"};

std::set<int> blocked_ports(const Value& params) {
  static const int kDefaults[] = {20, 21, 3389, 3306, 4333};
  std::set<int> out;
  for (int i = 0; i < 5; ++i) {
    auto given = param(params, kBlockedParams[i]);
    auto port = given ? port_number(*given) : std::optional<int>(kDefaults[i]);
    if (port) out.insert(*port);
  }
  if (auto csv = param(params, "blockedPorts"))
    for (const auto& part : text::split(*csv, ','))
      if (auto port = port_number(part)) out.insert(*port);
  return out;
}

Status check_restricted_incoming(const std::string& rule_name, const Value& params) {
  NUAGE_TRY(only_known(rule_name, params, kBlockedParams));
  for (int i = 0; i < 5; ++i)
    if (auto given = param(params, kBlockedParams[i]); given && !port_number(*given))
      return invalid("The parameter " + kBlockedParams[i] + " of the rule " + rule_name + " must be a port number (0 to 65535), not '" + *given + "'.");
  if (auto csv = param(params, "blockedPorts"))
    for (const auto& part : text::split(*csv, ','))
      if (!port_number(part))
        return invalid("The parameter blockedPorts of the rule " + rule_name +
                       " must be a comma-separated list of port numbers, not '" + *csv + "'.");
  return Status::Ok();
}

Verdict restricted_incoming(const Item& item, const Value& params) {
  std::set<int> blocked = blocked_ports(params);
  for (const auto& p : ingress(item)) {
    if (!open_to_world(p)) continue;
    auto ports = ports_for(p, "tcp");
    if (!ports) continue;
    auto hit = blocked.lower_bound(ports->first);
    if (hit != blocked.end() && *hit <= ports->second) return compliant_if(false);
  }
  return compliant_if(true);
}

bool covered(const std::pair<int, int>& ports, const std::vector<std::pair<int, int>>& allowed) {
  // Walk the open range through the allowed ranges (which may overlap).
  int next = ports.first;
  bool progress = true;
  while (next <= ports.second && progress) {
    progress = false;
    for (const auto& [from, to] : allowed)
      if (from <= next && next <= to) {
        next = to + 1;
        progress = true;
      }
  }
  return next > ports.second;
}

Status check_authorized_ports(const std::string& rule_name, const Value& params) {
  NUAGE_TRY(only_known(rule_name, params, {"authorizedTcpPorts", "authorizedUdpPorts"}));
  for (const char* name : {"authorizedTcpPorts", "authorizedUdpPorts"})
    if (auto given = param(params, name); given && !parse_port_ranges(*given))
      return invalid("The parameter " + std::string(name) + " of the rule " + rule_name +
                     " must be a comma-separated list of ports or port ranges (\"443,1020-1025\"), not '" + *given + "'.");
  return Status::Ok();
}

Verdict open_only_to_authorized_ports(const Item& item, const Value& params) {
  auto tcp = parse_port_ranges(param(params, "authorizedTcpPorts").value_or("")).value_or(std::vector<std::pair<int, int>>{});
  auto udp = parse_port_ranges(param(params, "authorizedUdpPorts").value_or("")).value_or(std::vector<std::pair<int, int>>{});
  bool any_open = false;
  for (const auto& p : ingress(item)) {
    if (!open_to_world(p)) continue;
    any_open = true;
    for (const auto& [protocol, allowed] : {std::make_pair("tcp", &tcp), std::make_pair("udp", &udp)}) {
      auto ports = ports_for(p, protocol);
      if (ports && !covered(*ports, *allowed)) return compliant_if(false);
    }
  }
  if (!any_open) return {"NOT_APPLICABLE", ""};
  return compliant_if(true);
}

Verdict default_security_group_closed(const Item& item, const Value&) {
  const Value& c = item.resource.configuration;
  if (c.value("groupName", "") != "default") return {"NOT_APPLICABLE", ""};
  return compliant_if(c.value("ipPermissions", Value::array()).empty() &&
                      c.value("ipPermissionsEgress", Value::array()).empty());
}

// --- S3 ----------------------------------------------------------------------

Status check_versioning(const std::string& rule_name, const Value& params) {
  NUAGE_TRY(only_known(rule_name, params, {"isMfaDeleteEnabled"}));
  if (auto v = param(params, "isMfaDeleteEnabled"); v && text::lower(*v) != "true" && text::lower(*v) != "false")
    return invalid("The parameter isMfaDeleteEnabled of the rule " + rule_name + " must be true or false, not '" + *v + "'.");
  return Status::Ok();
}

Verdict bucket_versioning_enabled(const Item& item, const Value& params) {
  const Value& s = item.resource.supplementary;
  Value versioning = s.contains("BucketVersioningConfiguration") ? s["BucketVersioningConfiguration"] : Value::object();
  if (versioning.is_string()) versioning = Value::parse(versioning.get<std::string>(), nullptr, false);
  if (!versioning.is_object() || versioning.value("status", "") != "Enabled") return compliant_if(false);
  if (text::lower(param(params, "isMfaDeleteEnabled").value_or("false")) == "true")
    return compliant_if(versioning.value("isMfaDeleteEnabled", Value()) == Value(true));
  return compliant_if(true);
}

// --- tags and instances -----------------------------------------------------

std::string tag_key_param(int i) { return "tag" + std::to_string(i) + "Key"; }
std::string tag_value_param(int i) { return "tag" + std::to_string(i) + "Value"; }

Status check_required_tags(const std::string& rule_name, const Value& params) {
  std::vector<std::string> known;
  for (int i = 1; i <= 6; ++i) {
    known.push_back(tag_key_param(i));
    known.push_back(tag_value_param(i));
  }
  NUAGE_TRY(only_known(rule_name, params, known));
  if (!param(params, "tag1Key") || param(params, "tag1Key")->empty())
    return invalid("The required parameter tag1Key of the rule " + rule_name + " is missing.");
  for (int i = 2; i <= 6; ++i)
    if (param(params, tag_value_param(i)) && !param(params, tag_key_param(i)))
      return invalid("The parameter " + tag_value_param(i) + " of the rule " + rule_name + " needs " + tag_key_param(i) + ".");
  return Status::Ok();
}

Verdict required_tags(const Item& item, const Value& params) {
  const Value& tags = item.resource.tags;
  for (int i = 1; i <= 6; ++i) {
    auto key = param(params, tag_key_param(i));
    if (!key || key->empty()) continue;
    auto it = tags.find(*key);
    if (it == tags.end()) return compliant_if(false);
    if (auto values = param(params, tag_value_param(i)); values && !values->empty()) {
      std::string actual = it->is_string() ? it->get<std::string>() : it->dump();
      bool allowed = false;
      for (const auto& v : text::split(*values, ','))
        if (std::string(text::trim(v)) == actual) allowed = true;
      if (!allowed) return compliant_if(false);
    }
  }
  return compliant_if(true);
}

Verdict instance_no_public_ip(const Item& item, const Value&) {
  const Value& c = item.resource.configuration;
  if (c.contains("state") && c["state"].value("name", "") == "terminated") return {"NOT_APPLICABLE", ""};
  return compliant_if(c.value("publicIpAddress", "").empty());
}

const std::vector<ManagedRule>& catalog() {
  static const std::vector<ManagedRule> rules = {
      {"INCOMING_SSH_DISABLED", {"AWS::EC2::SecurityGroup"}, true, no_parameters, incoming_ssh_disabled},
      {"RESTRICTED_INCOMING_TRAFFIC", {"AWS::EC2::SecurityGroup"}, true, check_restricted_incoming, restricted_incoming},
      {"VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS", {"AWS::EC2::SecurityGroup"}, true, check_authorized_ports,
       open_only_to_authorized_ports},
      {"VPC_DEFAULT_SECURITY_GROUP_CLOSED", {"AWS::EC2::SecurityGroup"}, false, no_parameters,
       default_security_group_closed},
      {"S3_BUCKET_VERSIONING_ENABLED", {"AWS::S3::Bucket"}, false, check_versioning, bucket_versioning_enabled},
      {"REQUIRED_TAGS",
       {"AWS::EC2::Instance", "AWS::EC2::InternetGateway", "AWS::EC2::NetworkInterface", "AWS::EC2::RouteTable",
        "AWS::EC2::SecurityGroup", "AWS::EC2::Subnet", "AWS::EC2::Volume", "AWS::EC2::VPC", "AWS::S3::Bucket"},
       false, check_required_tags, required_tags},
      {"EC2_INSTANCE_NO_PUBLIC_IP", {"AWS::EC2::Instance"}, false, no_parameters, instance_no_public_ip},
  };
  return rules;
}

}  // namespace

const ManagedRule* find_managed_rule(const std::string& identifier) {
  for (const auto& r : catalog())
    if (r.identifier == identifier) return &r;
  return nullptr;
}

std::optional<std::vector<std::pair<int, int>>> parse_port_ranges(const std::string& text) {
  std::vector<std::pair<int, int>> out;
  if (text::trim(text).empty()) return out;
  for (const auto& part : text::split(text, ',')) {
    auto dash = part.find('-');
    auto from = port_number(std::string_view(part).substr(0, dash));
    auto to = dash == std::string::npos ? from : port_number(std::string_view(part).substr(dash + 1));
    if (!from || !to || *from > *to) return std::nullopt;
    out.emplace_back(*from, *to);
  }
  return out;
}

}  // namespace nuage::services::config
