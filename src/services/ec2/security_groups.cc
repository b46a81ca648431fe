// Security groups and their rules.
//
// Security group rules: the group document keeps its rules in "_Rules"
// (SecurityGroupRule shapes, one per peer, each with its sgr- id); the
// IpPermissions/IpPermissionsEgress lists EC2 shows are rebuilt from them
// after every change. Groups that have no "_Rules" yet (the default VPC's,
// created by ensure_defaults) get them derived from their IpPermissions.
#include <algorithm>

#include "common/text.h"
#include "services/ec2/provider.h"

namespace nuage::services::ec2 {

using kit::Output;

namespace {

std::string normalize_protocol(std::string p) {
  p = text::lower(p);
  if (p == "6") return "tcp";
  if (p == "17") return "udp";
  if (p == "1") return "icmp";
  if (p == "all") return "-1";
  return p;
}

// The rules of a group, derived from its IpPermissions the first time.
Value& rules_of(Value& sg) {
  if (sg.contains("_Rules")) return sg["_Rules"];
  Value rules = Value::array();
  for (bool egress : {false, true}) {
    for (const auto& perm : sg.value(egress ? "IpPermissionsEgress" : "IpPermissions", Value::array())) {
      Value base = {{"GroupId", sg["GroupId"]},
                    {"GroupOwnerId", sg["OwnerId"]},
                    {"IsEgress", egress},
                    {"IpProtocol", perm.value("IpProtocol", "-1")},
                    {"FromPort", perm.value("FromPort", -1)},
                    {"ToPort", perm.value("ToPort", -1)},
                    {"Tags", Value::array()}};
      auto add = [&](const char* member, const char* field, const char* rule_field) {
        for (const auto& r : perm.value(member, Value::array())) {
          Value rule = base;
          rule["SecurityGroupRuleId"] = new_id("sgr");
          if (std::string(member) == "UserIdGroupPairs")
            rule["ReferencedGroupInfo"] = {{"GroupId", r.value("GroupId", "")}, {"UserId", r.value("UserId", "")}};
          else
            rule[rule_field] = r.value(field, "");
          if (r.contains("Description")) rule["Description"] = r["Description"];
          rules.push_back(std::move(rule));
        }
      };
      add("IpRanges", "CidrIp", "CidrIpv4");
      add("Ipv6Ranges", "CidrIpv6", "CidrIpv6");
      add("PrefixListIds", "PrefixListId", "PrefixListId");
      add("UserIdGroupPairs", "GroupId", "");
    }
  }
  sg["_Rules"] = std::move(rules);
  return sg["_Rules"];
}

}  // namespace

// Rebuilds IpPermissions / IpPermissionsEgress from the rules, grouping
// rules of the same protocol and port range as EC2 shows them.
void render_permissions(Value& sg) {
  for (bool egress : {false, true}) {
    Value perms = Value::array();
    for (const auto& rule : sg["_Rules"]) {
      if (rule.value("IsEgress", false) != egress) continue;
      std::string proto = rule.value("IpProtocol", "-1");
      int64_t from = rule.value("FromPort", int64_t{-1}), to = rule.value("ToPort", int64_t{-1});
      Value* perm = nullptr;
      for (auto& p : perms)
        if (p["IpProtocol"] == proto && p.value("FromPort", int64_t{-1}) == from && p.value("ToPort", int64_t{-1}) == to)
          perm = &p;
      if (!perm) {
        Value p = {{"IpProtocol", proto}, {"IpRanges", Value::array()}, {"Ipv6Ranges", Value::array()},
                   {"PrefixListIds", Value::array()}, {"UserIdGroupPairs", Value::array()}};
        if (proto != "-1") {
          p["FromPort"] = from;
          p["ToPort"] = to;
        }
        perms.push_back(std::move(p));
        perm = &perms.back();
      }
      Value entry;
      if (rule.contains("CidrIpv4")) {
        entry = {{"CidrIp", rule["CidrIpv4"]}};
        if (rule.contains("Description")) entry["Description"] = rule["Description"];
        (*perm)["IpRanges"].push_back(entry);
      } else if (rule.contains("CidrIpv6")) {
        entry = {{"CidrIpv6", rule["CidrIpv6"]}};
        if (rule.contains("Description")) entry["Description"] = rule["Description"];
        (*perm)["Ipv6Ranges"].push_back(entry);
      } else if (rule.contains("PrefixListId")) {
        entry = {{"PrefixListId", rule["PrefixListId"]}};
        if (rule.contains("Description")) entry["Description"] = rule["Description"];
        (*perm)["PrefixListIds"].push_back(entry);
      } else if (rule.contains("ReferencedGroupInfo")) {
        entry = rule["ReferencedGroupInfo"];
        if (rule.contains("Description")) entry["Description"] = rule["Description"];
        (*perm)["UserIdGroupPairs"].push_back(entry);
      }
    }
    sg[egress ? "IpPermissionsEgress" : "IpPermissions"] = std::move(perms);
  }
}

namespace {

// What makes two rules the same rule (descriptions and ids aside).
std::string rule_key(const Value& r) {
  std::string peer = r.contains("CidrIpv4")    ? "4:" + r["CidrIpv4"].get<std::string>()
                     : r.contains("CidrIpv6")  ? "6:" + r["CidrIpv6"].get<std::string>()
                     : r.contains("PrefixListId") ? "p:" + r["PrefixListId"].get<std::string>()
                     : "g:" + r["ReferencedGroupInfo"].value("GroupId", "");
  return std::string(r.value("IsEgress", false) ? "e|" : "i|") + r.value("IpProtocol", "-1") + "|" +
         std::to_string(r.value("FromPort", int64_t{-1})) + "|" + std::to_string(r.value("ToPort", int64_t{-1})) +
         "|" + peer;
}

// EC2's wording of a rule in InvalidPermission.Duplicate.
std::string rule_text(const Value& r) {
  std::string peer = r.contains("CidrIpv4")       ? r["CidrIpv4"].get<std::string>()
                     : r.contains("CidrIpv6")     ? r["CidrIpv6"].get<std::string>()
                     : r.contains("PrefixListId") ? r["PrefixListId"].get<std::string>()
                     : r["ReferencedGroupInfo"].value("GroupId", "");
  std::string proto = r.value("IpProtocol", "-1");
  std::string out = "peer: " + peer + ", ";
  if (proto == "-1") return out + "ALL, ALLOW";
  std::string from = std::to_string(r.value("FromPort", int64_t{-1}));
  std::string to = std::to_string(r.value("ToPort", int64_t{-1}));
  if (proto == "icmp") return out + "ICMP, type: " + from + ", code: " + to + ", ALLOW";
  std::string upper = proto;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  return out + upper + ", from port: " + from + ", to port: " + to + ", ALLOW";
}

}  // namespace

namespace {

const FilterFields& sg_filters() {
  static const FilterFields f = {
      {"group-id", {"GroupId"}},
      {"group-name", {"GroupName"}},
      {"vpc-id", {"VpcId"}},
      {"description", {"Description"}},
      {"owner-id", {"OwnerId"}},
      {"ip-permission.cidr", {"IpPermissions.IpRanges.CidrIp"}},
      {"ip-permission.ipv6-cidr", {"IpPermissions.Ipv6Ranges.CidrIpv6"}},
      {"ip-permission.from-port", {"IpPermissions.FromPort"}},
      {"ip-permission.to-port", {"IpPermissions.ToPort"}},
      {"ip-permission.protocol", {"IpPermissions.IpProtocol"}},
      {"ip-permission.group-id", {"IpPermissions.UserIdGroupPairs.GroupId"}},
      {"ip-permission.group-name", {"IpPermissions.UserIdGroupPairs.GroupName"}},
      {"ip-permission.user-id", {"IpPermissions.UserIdGroupPairs.UserId"}},
      {"ip-permission.prefix-list-id", {"IpPermissions.PrefixListIds.PrefixListId"}},
      {"egress.ip-permission.cidr", {"IpPermissionsEgress.IpRanges.CidrIp"}},
      {"egress.ip-permission.ipv6-cidr", {"IpPermissionsEgress.Ipv6Ranges.CidrIpv6"}},
      {"egress.ip-permission.from-port", {"IpPermissionsEgress.FromPort"}},
      {"egress.ip-permission.to-port", {"IpPermissionsEgress.ToPort"}},
      {"egress.ip-permission.protocol", {"IpPermissionsEgress.IpProtocol"}},
      {"egress.ip-permission.group-id", {"IpPermissionsEgress.UserIdGroupPairs.GroupId"}},
      {"egress.ip-permission.user-id", {"IpPermissionsEgress.UserIdGroupPairs.UserId"}},
      {"egress.ip-permission.prefix-list-id", {"IpPermissionsEgress.PrefixListIds.PrefixListId"}},
  };
  return f;
}

}  // namespace

Result<Output> Provider::create_security_group(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  if (!in.contains("GroupName"))
    return errors("MissingParameter", "The request must contain the parameter groupName");
  if (!in.contains("Description"))
    return errors("MissingParameter", "The request must contain the parameter groupDescription");
  std::string name = in["GroupName"], description = in["Description"];
  if (name.empty() || name.size() > 255)
    return errors("InvalidParameterValue", "Value (" + name + ") for parameter groupName is invalid. Group names "
                  "may be between 1 and 255 characters in length.");
  if (text::starts_with(text::lower(name), "sg-"))
    return errors("InvalidParameterValue", "Value (" + name + ") for parameter GroupName is invalid. Group names "
                  "may not be in the format sg-*.");
  if (description.size() > 255)
    return errors("InvalidParameterValue", "Value for parameter groupDescription is invalid: it may be at most 255 "
                  "characters long.");
  std::string vpc_id;
  if (in.contains("VpcId")) {
    auto vpc = find_resource(scope, "vpc", in["VpcId"]);
    if (!vpc) return vpc.take_error();
    vpc_id = (**vpc)["VpcId"];
  } else {
    for (const auto& [id, v] : store_->all(scope, "vpc"))
      if (v.value("IsDefault", false)) vpc_id = id;
    if (vpc_id.empty()) return errors("VPCIdNotSpecified", "No default VPC for this user");
  }
  if (name == "default")
    return errors("InvalidGroup.Reserved", "The security group 'default' is reserved");
  for (const auto& [id, sg] : store_->all(scope, "security-group"))
    if (sg["GroupName"] == name && sg["VpcId"] == vpc_id)
      return errors("InvalidGroup.Duplicate",
                    "The security group '" + name + "' already exists for VPC '" + vpc_id + "'");
  auto tags = tags_from_specs(in, "security-group");
  if (!tags) return tags.take_error();
  std::string id = new_id("sg");
  std::string arn = "arn:aws:ec2:" + scope.region + ":" + scope.account + ":security-group/" + id;
  Value sg = {{"GroupId", id},
              {"GroupName", name},
              {"Description", description},
              {"VpcId", vpc_id},
              {"OwnerId", scope.account},
              {"SecurityGroupArn", arn},
              {"Tags", *tags},
              {"_Rules", Value::array()}};
  sg["_Rules"].push_back({{"SecurityGroupRuleId", new_id("sgr")}, {"GroupId", id}, {"GroupOwnerId", scope.account},
                          {"IsEgress", true}, {"IpProtocol", "-1"}, {"FromPort", -1}, {"ToPort", -1},
                          {"CidrIpv4", "0.0.0.0/0"}, {"Tags", Value::array()}});
  render_permissions(sg);
  NUAGE_TRY(store_->put(scope, "security-group", id, sg));
  Output out;
  out.value = {{"GroupId", id}, {"SecurityGroupArn", arn}};
  if (!tags->empty()) out.value["Tags"] = *tags;
  return out;
}

Result<Output> Provider::describe_security_groups(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  // GroupNames name groups of the default VPC.
  if (in.contains("GroupNames") && !in["GroupNames"].empty()) {
    std::string default_vpc;
    for (const auto& [id, v] : store_->all(scope, "vpc"))
      if (v.value("IsDefault", false)) default_vpc = id;
    Value ids = in.value("GroupIds", Value::array());
    for (const auto& name : in["GroupNames"]) {
      std::string found;
      for (const auto& [id, sg] : store_->all(scope, "security-group"))
        if (sg["GroupName"] == name && sg["VpcId"] == default_vpc) found = id;
      if (found.empty())
        return errors("InvalidGroup.NotFound", "The security group '" + name.get<std::string>() +
                                                   "' does not exist in default VPC '" + default_vpc + "'");
      ids.push_back(found);
    }
    Value request = in;
    request["GroupIds"] = ids;
    request.erase("GroupNames");
    return describe_kind(scope, request, "security-group", "GroupIds", "SecurityGroups", sg_filters(), 5, 1000);
  }
  return describe_kind(scope, in, "security-group", "GroupIds", "SecurityGroups", sg_filters(), 5, 1000);
}

struct Ops {
  // The group a security-group request names: GroupId, or GroupName in the
  // default VPC.
  static Result<const Value*> group_of_request(Provider& p, const Scope& scope, const Value& in) {
    if (in.contains("GroupId")) return p.find_resource(scope, "security-group", in["GroupId"]);
    if (!in.contains("GroupName"))
      return errors("MissingParameter", "The request must contain the parameter groupName or groupId");
    std::string default_vpc;
    for (const auto& [id, v] : p.store_->all(scope, "vpc"))
      if (v.value("IsDefault", false)) default_vpc = id;
    for (const auto& [id, sg] : p.store_->all(scope, "security-group"))
      if (sg["GroupName"] == in["GroupName"] && sg["VpcId"] == default_vpc) return &sg;
    return errors("InvalidGroup.NotFound", "The security group '" + in["GroupName"].get<std::string>() +
                                               "' does not exist in default VPC '" + default_vpc + "'");
  }

  // A group with its "_Rules": derived from its IpPermissions and stored the
  // first time, so that derived rules keep their ids.
  static Result<const Value*> with_rules(Provider& p, const Scope& scope, const std::string& id) {
    const Value* sg = p.store_->get(scope, "security-group", id);
    if (sg->contains("_Rules")) return sg;
    Value derived = *sg;
    rules_of(derived);
    NUAGE_TRY(p.store_->put(scope, "security-group", id, std::move(derived)));
    return p.store_->get(scope, "security-group", id);
  }

  // Rules a request describes (IpPermissions, or the flat form), validated.
  static Result<std::vector<Value>> requested_rules(Provider& p, const Scope& scope, const Value& in,
                                                    const Value& group, bool egress) {
    Value perms = in.value("IpPermissions", Value::array());
    if (perms.empty()) {
      // The flat form: IpProtocol/FromPort/ToPort with CidrIp or a source group.
      Value perm = Value::object();
      if (in.contains("IpProtocol")) perm["IpProtocol"] = in["IpProtocol"];
      if (in.contains("FromPort")) perm["FromPort"] = in["FromPort"];
      if (in.contains("ToPort")) perm["ToPort"] = in["ToPort"];
      if (in.contains("CidrIp")) perm["IpRanges"] = {{{"CidrIp", in["CidrIp"]}}};
      if (in.contains("SourceSecurityGroupName") || in.contains("SourceSecurityGroupOwnerId")) {
        Value pair = Value::object();
        if (in.contains("SourceSecurityGroupName")) pair["GroupName"] = in["SourceSecurityGroupName"];
        if (in.contains("SourceSecurityGroupOwnerId")) pair["UserId"] = in["SourceSecurityGroupOwnerId"];
        perm["UserIdGroupPairs"] = Value::array({pair});
        // A source group alone means every protocol and port.
        if (!perm.contains("IpProtocol")) perm["IpProtocol"] = "-1";
      }
      if (perm.empty())
        return errors("MissingParameter", "The request must contain the parameter ipPermissions");
      if (!perm.contains("IpProtocol"))
        return errors("MissingParameter", "The request must contain the parameter ipProtocol");
      perms.push_back(perm);
    }
    std::vector<Value> rules;
    for (const auto& perm : perms) {
      std::string proto = normalize_protocol(perm.value("IpProtocol", ""));
      if (proto.empty()) return errors("MissingParameter", "The request must contain the parameter ipProtocol");
      bool known = proto == "tcp" || proto == "udp" || proto == "icmp" || proto == "icmpv6" || proto == "-1";
      if (!known) {
        bool numeric = proto.find_first_not_of("0123456789") == std::string::npos && proto.size() <= 3;
        if (!numeric || std::stoi(proto) > 255)
          return errors("InvalidParameterValue",
                        "Invalid value '" + perm.value("IpProtocol", "") + "' for IP protocol. Unknown protocol.");
      }
      int64_t from = -1, to = -1;
      if (proto == "tcp" || proto == "udp") {
        if (!perm.contains("FromPort") || !perm.contains("ToPort"))
          return errors("InvalidParameterValue",
                        "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.");
        from = perm["FromPort"].get<int64_t>();
        to = perm["ToPort"].get<int64_t>();
        if (from < 0 || to > 65535 || from > to)
          return errors("InvalidParameterValue", "Invalid value '" + std::to_string(from) + "-" + std::to_string(to) +
                                                     "' for portRange. From port must not exceed to port.");
      } else if (proto == "icmp" || proto == "icmpv6") {
        from = perm.value("FromPort", int64_t{-1});
        to = perm.value("ToPort", int64_t{-1});
      }
      Value base = {{"GroupId", group["GroupId"]}, {"GroupOwnerId", group["OwnerId"]}, {"IsEgress", egress},
                    {"IpProtocol", proto}, {"FromPort", from}, {"ToPort", to}};
      size_t before = rules.size();
      auto with_description = [](Value rule, const Value& entry) {
        if (entry.contains("Description")) rule["Description"] = entry["Description"];
        return rule;
      };
      for (const auto& r : perm.value("IpRanges", Value::array())) {
        std::string text = r.value("CidrIp", "");
        auto cidr = parse_cidr(text);
        if (!cidr)
          return errors("InvalidParameterValue", "CIDR block " + text + " is malformed");
        Value rule = with_description(base, r);
        rule["CidrIpv4"] = text;
        rules.push_back(rule);
      }
      for (const auto& r : perm.value("Ipv6Ranges", Value::array())) {
        std::string text = r.value("CidrIpv6", "");
        if (text.find(':') == std::string::npos || text.find('/') == std::string::npos)
          return errors("InvalidParameterValue", "CIDR block " + text + " is malformed");
        Value rule = with_description(base, r);
        rule["CidrIpv6"] = text;
        rules.push_back(rule);
      }
      for (const auto& r : perm.value("PrefixListIds", Value::array())) {
        Value rule = with_description(base, r);
        rule["PrefixListId"] = r.value("PrefixListId", "");
        rules.push_back(rule);
      }
      for (const auto& r : perm.value("UserIdGroupPairs", Value::array())) {
        const Value* peer = nullptr;
        if (r.contains("GroupId")) {
          auto found = p.find_resource(scope, "security-group", r["GroupId"]);
          if (!found) return found.take_error();
          peer = *found;
        } else if (r.contains("GroupName")) {
          for (const auto& [id, sg] : p.store_->all(scope, "security-group"))
            if (sg["GroupName"] == r["GroupName"] && sg["VpcId"] == group["VpcId"]) peer = &sg;
          if (!peer)
            return errors("InvalidGroup.NotFound",
                          "The security group '" + r["GroupName"].get<std::string>() + "' does not exist");
        } else {
          return errors("MissingParameter", "The request must contain the parameter groupId");
        }
        Value rule = with_description(base, r);
        rule["ReferencedGroupInfo"] = {{"GroupId", (*peer)["GroupId"]}, {"UserId", (*peer)["OwnerId"]}};
        rules.push_back(rule);
      }
      if (rules.size() == before)
        return errors("InvalidParameterValue",
                      "The request must contain at least one of ipRanges, ipv6Ranges, prefixListIds or groups");
    }
    return rules;
  }

  static Result<Output> authorize(Provider& p, Provider::Context& ctx, const Value& in, bool egress) {
    Scope scope = p.scope_of(ctx);
    auto group = group_of_request(p, scope, in);
    if (!group) return group.take_error();
    Value sg = **group;
    auto wanted = requested_rules(p, scope, in, sg, egress);
    if (!wanted) return wanted.take_error();
    auto tags = tags_from_specs(in, "security-group-rule");
    if (!tags) return tags.take_error();
    Value& rules = rules_of(sg);
    std::set<std::string> keys;
    for (const auto& r : rules) keys.insert(rule_key(r));
    Output out;
    out.value = {{"Return", true}, {"SecurityGroupRules", Value::array()}};
    for (auto& rule : *wanted) {
      if (!keys.insert(rule_key(rule)).second)
        return errors("InvalidPermission.Duplicate",
                      "the specified rule \"" + rule_text(rule) + "\" already exists");
      rule["SecurityGroupRuleId"] = new_id("sgr");
      rule["Tags"] = *tags;
      rule["SecurityGroupRuleArn"] = "arn:aws:ec2:" + scope.region + ":" + scope.account + ":security-group-rule/" +
                                     rule["SecurityGroupRuleId"].get<std::string>();
      rules.push_back(rule);
      out.value["SecurityGroupRules"].push_back(rule);
    }
    render_permissions(sg);
    NUAGE_TRY(p.store_->put(scope, "security-group", sg["GroupId"], sg));
    return out;
  }

  static Result<Output> revoke(Provider& p, Provider::Context& ctx, const Value& in, bool egress) {
    Scope scope = p.scope_of(ctx);
    auto group = group_of_request(p, scope, in);
    if (!group) return group.take_error();
    Value sg = **group;
    Value& rules = rules_of(sg);
    std::set<std::string> doomed_ids;
    if (in.contains("SecurityGroupRuleIds") && !in["SecurityGroupRuleIds"].empty()) {
      for (const auto& id : in["SecurityGroupRuleIds"]) {
        bool found = false;
        for (const auto& r : rules)
          if (r["SecurityGroupRuleId"] == id && r.value("IsEgress", false) == egress) found = true;
        if (!found)
          return errors("InvalidSecurityGroupRuleId.NotFound",
                        "The security group rule ID '" + id.get<std::string>() + "' does not exist");
        doomed_ids.insert(id.get<std::string>());
      }
    } else {
      auto wanted = requested_rules(p, scope, in, sg, egress);
      if (!wanted) return wanted.take_error();
      for (const auto& w : *wanted) {
        std::string key = rule_key(w);
        bool found = false;
        for (const auto& r : rules)
          if (rule_key(r) == key) {
            doomed_ids.insert(r["SecurityGroupRuleId"].get<std::string>());
            found = true;
          }
        if (!found)
          return errors("InvalidPermission.NotFound", "The specified rule does not exist in this security group.");
      }
    }
    Value kept = Value::array(), revoked = Value::array();
    for (const auto& r : rules) {
      if (!doomed_ids.count(r["SecurityGroupRuleId"].get<std::string>())) {
        kept.push_back(r);
        continue;
      }
      Value gone = {{"SecurityGroupRuleId", r["SecurityGroupRuleId"]}, {"GroupId", r["GroupId"]},
                    {"IsEgress", r["IsEgress"]}, {"IpProtocol", r["IpProtocol"]}, {"FromPort", r["FromPort"]},
                    {"ToPort", r["ToPort"]}};
      for (const char* m : {"CidrIpv4", "CidrIpv6", "PrefixListId", "Description"})
        if (r.contains(m)) gone[m] = r[m];
      if (r.contains("ReferencedGroupInfo")) gone["ReferencedGroupId"] = r["ReferencedGroupInfo"].value("GroupId", "");
      revoked.push_back(gone);
    }
    sg["_Rules"] = kept;
    render_permissions(sg);
    NUAGE_TRY(p.store_->put(scope, "security-group", sg["GroupId"], sg));
    Output out;
    out.value = {{"Return", true}, {"RevokedSecurityGroupRules", revoked}};
    return out;
  }
};

Result<Output> Provider::authorize_ingress(Context& ctx, const Value& in) { return Ops::authorize(*this, ctx, in, false); }
Result<Output> Provider::authorize_egress(Context& ctx, const Value& in) { return Ops::authorize(*this, ctx, in, true); }
Result<Output> Provider::revoke_ingress(Context& ctx, const Value& in) { return Ops::revoke(*this, ctx, in, false); }
Result<Output> Provider::revoke_egress(Context& ctx, const Value& in) { return Ops::revoke(*this, ctx, in, true); }

Result<Output> Provider::delete_security_group(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto group = Ops::group_of_request(*this, scope, in);
  if (!group) return group.take_error();
  std::string id = (**group)["GroupId"];
  if ((**group)["GroupName"] == "default")
    return errors("CannotDelete", "the specified group: \"" + id + "\" name: \"default\" cannot be deleted by a user");
  auto uses = [&](const Value& groups) {
    for (const auto& g : groups)
      if (g.value("GroupId", "") == id) return true;
    return false;
  };
  for (const auto& [iid, inst] : store_->all(scope, "instance"))
    if (state_name(inst) != "terminated" && uses(inst.value("SecurityGroups", Value::array())))
      return errors("DependencyViolation", "resource " + id + " has a dependent object");
  for (const auto& [eid, eni] : store_->all(scope, "network-interface")) {
    std::string owner = eni.contains("Attachment") ? eni["Attachment"].value("InstanceId", "") : "";
    if ((owner.empty() || live_instance(scope, owner)) && uses(eni.value("Groups", Value::array())))
      return errors("DependencyViolation", "resource " + id + " has a dependent object");
  }
  for (const auto& [gid, stored] : store_->all(scope, "security-group")) {
    if (gid == id) continue;
    auto sg = Ops::with_rules(*this, scope, gid);
    if (!sg) return sg.take_error();
    for (const auto& r : (**sg)["_Rules"])
      if (r.contains("ReferencedGroupInfo") && r["ReferencedGroupInfo"].value("GroupId", "") == id)
        return errors("DependencyViolation", "resource " + id + " has a dependent object");
  }
  NUAGE_TRY(store_->erase(scope, "security-group", id));
  Output out;
  out.value = {{"Return", true}, {"GroupId", id}};
  return out;
}

Result<Output> Provider::describe_security_group_rules(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  static const FilterFields fields = {{"group-id", {"GroupId"}},
                                      {"security-group-rule-id", {"SecurityGroupRuleId"}},
                                      {"is-egress", {"IsEgress"}}};
  const Value& filters = filters_of(in);
  NUAGE_TRY(check_filters(filters, fields));
  std::set<std::string> wanted;
  for (const auto& id : in.value("SecurityGroupRuleIds", Value::array())) wanted.insert(id.get<std::string>());
  std::vector<Value> rows;
  std::set<std::string> seen;
  for (const auto& [gid, stored] : store_->all(scope, "security-group")) {
    auto sg = Ops::with_rules(*this, scope, gid);
    if (!sg) return sg.take_error();
    for (const auto& r : (**sg)["_Rules"]) {
      std::string rid = r["SecurityGroupRuleId"];
      if (!wanted.empty() && !wanted.count(rid)) continue;
      seen.insert(rid);
      if (matches(r, filters, fields)) rows.push_back(r);
    }
  }
  for (const auto& w : wanted)
    if (!seen.count(w))
      return errors("InvalidSecurityGroupRuleId.NotFound", "The security group rule ID '" + w + "' does not exist");
  auto page = paginate(rows.size(), in, 5, 1000);
  if (!page) return page.take_error();
  Output out;
  out.value["SecurityGroupRules"] = Value::array();
  for (size_t i = page->begin; i < page->end; ++i) out.value["SecurityGroupRules"].push_back(rows[i]);
  if (!page->next_token.empty()) out.value["NextToken"] = page->next_token;
  return out;
}

}  // namespace nuage::services::ec2
