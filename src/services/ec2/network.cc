// Networking: VPCs (each with its default security group and main route
// table), subnets with CIDR validation, security groups and their rules,
// internet gateways, route tables and network interfaces. Also the shared
// lookup/describe helpers the other resource files use.
//
// Security group rules: the group document keeps its rules in "_Rules"
// (SecurityGroupRule shapes, one per peer, each with its sgr- id); the
// IpPermissions/IpPermissionsEgress lists EC2 shows are rebuilt from them
// after every change. Groups that have no "_Rules" yet (the default VPC's,
// created by ensure_defaults) get them derived from their IpPermissions.
#include <algorithm>

#include "common/crypto.h"
#include "common/text.h"
#include "services/ec2/catalog.h"
#include "services/ec2/provider.h"

namespace nuage::services::ec2 {

using kit::Output;

// ---------------------------------------------------------------- helpers

std::optional<uint32_t> parse_ipv4(const std::string& text) {
  auto parts = text::split(text, '.');
  if (parts.size() != 4) return std::nullopt;
  uint32_t out = 0;
  for (const auto& p : parts) {
    if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    unsigned long v = std::stoul(p);
    if (v > 255) return std::nullopt;
    out = (out << 8) | static_cast<uint32_t>(v);
  }
  return out;
}

std::string ipv4_text(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) +
         "." + std::to_string(a & 255);
}

std::optional<Cidr> parse_cidr(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto ip = parse_ipv4(text.substr(0, slash));
  std::string len = text.substr(slash + 1);
  if (!ip || len.empty() || len.size() > 2 || len.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  int prefix = std::stoi(len);
  if (prefix > 32) return std::nullopt;
  // Host bits are cleared, as EC2 does (10.0.1.7/24 is 10.0.1.0/24).
  uint32_t mask = prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
  return Cidr{*ip & mask, prefix};
}

std::string Cidr::text() const { return ipv4_text(base) + "/" + std::to_string(prefix); }

bool Cidr::contains(const Cidr& o) const {
  if (o.prefix < prefix) return false;
  uint32_t mask = prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
  return (o.base & mask) == base;
}

bool Cidr::overlaps(const Cidr& o) const { return contains(o) || o.contains(*this); }

Result<Value> tags_from_specs(const Value& in, const std::string& resource_type) {
  Value tags = Value::array();
  for (const auto& spec : in.value("TagSpecifications", Value::array())) {
    std::string rt = spec.value("ResourceType", "");
    if (rt != resource_type)
      return AwsError{"InvalidParameterValue",
                      "'" + rt + "' is not a valid taggable resource type for this operation.", 400};
    for (const auto& t : spec.value("Tags", Value::array())) {
      std::string key = t.value("Key", "");
      if (text::starts_with(key, "aws:"))
        return AwsError{"InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use", 400};
      tags.push_back({{"Key", key}, {"Value", t.value("Value", "")}});
    }
  }
  return tags;
}

namespace {

struct KindInfo {
  const char* kind;
  const char* prefix;
  const char* malformed;  // error code for a malformed id
  const char* not_found;  // error code for a missing one
  const char* noun;       // in "The <noun> ID 'x' does not exist"
};

const KindInfo kKinds[] = {
    {"vpc", "vpc", "InvalidVpcID.Malformed", "InvalidVpcID.NotFound", "vpc ID"},
    {"subnet", "subnet", "InvalidSubnetID.Malformed", "InvalidSubnetID.NotFound", "subnet ID"},
    {"security-group", "sg", "InvalidGroupId.Malformed", "InvalidGroup.NotFound", "security group"},
    {"internet-gateway", "igw", "InvalidInternetGatewayID.Malformed", "InvalidInternetGatewayID.NotFound",
     "internetGateway ID"},
    {"route-table", "rtb", "InvalidRouteTableID.Malformed", "InvalidRouteTableID.NotFound", "routeTable ID"},
    {"network-interface", "eni", "InvalidNetworkInterfaceID.Malformed", "InvalidNetworkInterfaceID.NotFound",
     "networkInterface ID"},
    {"volume", "vol", "InvalidVolumeID.Malformed", "InvalidVolume.NotFound", "volume"},
    {"snapshot", "snap", "InvalidSnapshotID.Malformed", "InvalidSnapshot.NotFound", "snapshot"},
    {"image", "ami", "InvalidAMIID.Malformed", "InvalidAMIID.NotFound", "image id"},
    {"key-pair", "key", "InvalidKeyPairId.Malformed", "InvalidKeyPair.NotFound", "key pair"},
    {"instance", "i", "InvalidInstanceID.Malformed", "InvalidInstanceID.NotFound", "instance ID"},
};

const KindInfo* kind_info(const std::string& kind) {
  for (const auto& k : kKinds)
    if (kind == k.kind) return &k;
  return nullptr;
}

AwsError missing(const std::string& code, const std::string& message) { return AwsError{code, message, 400}; }

AwsError dependency(const std::string& noun, const std::string& id) {
  return AwsError{"DependencyViolation", "The " + noun + " '" + id + "' has dependencies and cannot be deleted.", 400};
}


Value group_ident(const Value& sg) { return {{"GroupId", sg["GroupId"]}, {"GroupName", sg["GroupName"]}}; }

// ----------------------------------------------------- security group rules

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

// ------------------------------------------------------ shared machinery

Result<Value*> Provider::find_resource(const Scope& scope, const std::string& kind, const std::string& id) {
  const KindInfo* info = kind_info(kind);
  if (!info) return AwsError{"InternalError", "unknown resource kind " + kind, 500};
  if (Value* doc = store_.find(scope, kind, id)) return doc;
  if (!valid_id(id, info->prefix))
    return missing(info->malformed, "Invalid id: \"" + id + "\" (expecting \"" + info->prefix + "-...\")");
  std::string noun = info->noun;
  if (kind == "volume" || kind == "snapshot" || kind == "key-pair")
    return missing(info->not_found, "The " + noun + " '" + id + "' does not exist.");
  if (kind == "image") return missing(info->not_found, "The image id '[" + id + "]' does not exist");
  return missing(info->not_found, "The " + noun + " '" + id + "' does not exist");
}

Result<Output> Provider::describe_kind(const Scope& scope, const Value& in, const std::string& kind,
                                       const char* ids_member, const char* list_member, const FilterFields& fields,
                                       int min_results, int max_results) {
  const Value& filters = filters_of(in);
  NUAGE_TRY(check_filters(filters, fields));
  std::vector<std::string> matched;  // ids
  if (ids_member && in.contains(ids_member) && !in[ids_member].empty()) {
    for (const auto& item : in[ids_member]) {
      const std::string& id = item.get_ref<const std::string&>();
      auto doc = find_resource(scope, kind, id);
      if (!doc) return doc.take_error();
      if (matches(**doc, filters, fields) && std::find(matched.begin(), matched.end(), id) == matched.end())
        matched.push_back(id);
    }
  } else {
    for (const auto& [id, doc] : store_.all(scope, kind))
      if (matches(doc, filters, fields)) matched.push_back(id);
  }
  Output out;
  out.value[list_member] = Value::array();
  size_t begin = 0, end = matched.size();
  if (max_results > 0) {
    auto page = paginate(matched.size(), in, min_results, max_results);
    if (!page) return page.take_error();
    begin = page->begin;
    end = page->end;
    if (!page->next_token.empty()) out.value["NextToken"] = page->next_token;
  }
  for (size_t i = begin; i < end; ++i) out.value[list_member].push_back(out.share(store_.share(scope, kind, matched[i])));
  return out;
}

bool Provider::live_instance(const Scope& scope, const std::string& id) {
  const Value* inst = store_.find(scope, "instance", id);
  return inst && state_name(*inst) != "terminated";
}

Status Provider::create_vpc_companions(const Scope& scope, const std::string& vpc_id, const std::string& cidr) {
  std::string sg_id = new_id("sg");
  Value sg = {{"GroupId", sg_id},
              {"GroupName", "default"},
              {"Description", "default VPC security group"},
              {"VpcId", vpc_id},
              {"OwnerId", scope.account},
              {"SecurityGroupArn", "arn:aws:ec2:" + scope.region + ":" + scope.account + ":security-group/" + sg_id},
              {"Tags", Value::array()},
              {"_Rules", Value::array()}};
  // Like AWS: members of the group reach each other; all traffic goes out.
  sg["_Rules"].push_back({{"SecurityGroupRuleId", new_id("sgr")}, {"GroupId", sg_id}, {"GroupOwnerId", scope.account},
                          {"IsEgress", false}, {"IpProtocol", "-1"}, {"FromPort", -1}, {"ToPort", -1},
                          {"ReferencedGroupInfo", {{"GroupId", sg_id}, {"UserId", scope.account}}},
                          {"Tags", Value::array()}});
  sg["_Rules"].push_back({{"SecurityGroupRuleId", new_id("sgr")}, {"GroupId", sg_id}, {"GroupOwnerId", scope.account},
                          {"IsEgress", true}, {"IpProtocol", "-1"}, {"FromPort", -1}, {"ToPort", -1},
                          {"CidrIpv4", "0.0.0.0/0"}, {"Tags", Value::array()}});
  render_permissions(sg);
  NUAGE_TRY(store_.put(scope, "security-group", sg_id, sg));
  std::string rtb_id = new_id("rtb");
  return store_.put(scope, "route-table", rtb_id,
                    {{"RouteTableId", rtb_id},
                     {"VpcId", vpc_id},
                     {"OwnerId", scope.account},
                     {"Routes", {{{"DestinationCidrBlock", cidr}, {"GatewayId", "local"},
                                  {"Origin", "CreateRouteTable"}, {"State", "active"}}}},
                     {"Associations",
                      {{{"Main", true}, {"RouteTableAssociationId", new_id("rtbassoc")}, {"RouteTableId", rtb_id},
                        {"AssociationState", {{"State", "associated"}}}}}},
                     {"PropagatingVgws", Value::array()},
                     {"Tags", Value::array()}});
}

// ------------------------------------------------------------------- VPCs

namespace {

const FilterFields& vpc_filters() {
  static const FilterFields f = {
      {"vpc-id", {"VpcId"}},
      {"cidr", {"CidrBlock"}},
      {"cidr-block", {"CidrBlock"}},
      {"cidrBlock", {"CidrBlock"}},
      {"cidr-block-association.cidr-block", {"CidrBlockAssociationSet.CidrBlock"}},
      {"cidr-block-association.association-id", {"CidrBlockAssociationSet.AssociationId"}},
      {"cidr-block-association.state", {"CidrBlockAssociationSet.CidrBlockState.State"}},
      {"dhcp-options-id", {"DhcpOptionsId"}},
      {"is-default", {"IsDefault"}},
      {"isDefault", {"IsDefault"}},
      {"owner-id", {"OwnerId"}},
      {"state", {"State"}},
      {"instance-tenancy", {"InstanceTenancy"}},
  };
  return f;
}

}  // namespace

Result<Output> Provider::create_vpc(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  if (!in.contains("CidrBlock"))
    return missing("MissingParameter", "The request must contain the parameter cidrBlock");
  std::string text = in["CidrBlock"];
  auto cidr = parse_cidr(text);
  if (!cidr)
    return missing("InvalidParameterValue",
                   "Value (" + text + ") for parameter cidrBlock is invalid. This is not a valid CIDR block.");
  if (cidr->prefix < 16 || cidr->prefix > 28) return missing("InvalidVpc.Range", "The CIDR '" + text + "' is invalid.");
  auto tags = tags_from_specs(in, "vpc");
  if (!tags) return tags.take_error();
  std::string tenancy = in.value("InstanceTenancy", "default");
  std::string id = new_id("vpc");
  Value vpc = {{"VpcId", id},
               {"CidrBlock", cidr->text()},
               {"State", "available"},
               {"DhcpOptionsId", "default"},
               {"InstanceTenancy", tenancy},
               {"IsDefault", false},
               {"OwnerId", scope.account},
               {"CidrBlockAssociationSet",
                {{{"AssociationId", new_id("vpc-cidr-assoc")}, {"CidrBlock", cidr->text()},
                  {"CidrBlockState", {{"State", "associated"}}}}}},
               {"Ipv6CidrBlockAssociationSet", Value::array()},
               {"Tags", *tags},
               {"_EnableDnsSupport", true},
               {"_EnableDnsHostnames", false}};
  Status st = store_.transaction([&]() -> Status {
    NUAGE_TRY(store_.put(scope, "vpc", id, vpc));
    return create_vpc_companions(scope, id, cidr->text());
  });
  if (!st.ok()) return st.error();
  Output out;
  out.value["Vpc"] = vpc;
  return out;
}

Result<Output> Provider::describe_vpcs(Context& ctx, const Value& in) {
  return describe_kind(scope_of(ctx), in, "vpc", "VpcIds", "Vpcs", vpc_filters(), 5, 1000);
}

Result<Output> Provider::delete_vpc(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string id = in.value("VpcId", "");
  auto vpc = find_resource(scope, "vpc", id);
  if (!vpc) return vpc.take_error();
  auto in_vpc = [&](const Value& doc) { return doc.value("VpcId", "") == id; };
  bool busy = false;
  for (const auto& [sid, s] : store_.all(scope, "subnet")) busy |= in_vpc(s);
  for (const auto& [gid, g] : store_.all(scope, "security-group")) busy |= in_vpc(g) && g["GroupName"] != "default";
  for (const auto& [rid, r] : store_.all(scope, "route-table")) {
    bool main = false;
    for (const auto& a : r["Associations"]) main |= a.value("Main", false);
    busy |= in_vpc(r) && !main;
  }
  for (const auto& [iid, igw] : store_.all(scope, "internet-gateway"))
    for (const auto& a : igw["Attachments"]) busy |= a.value("VpcId", "") == id;
  for (const auto& [eid, eni] : store_.all(scope, "network-interface")) busy |= in_vpc(eni);
  for (const auto& [iid, inst] : store_.all(scope, "instance")) busy |= in_vpc(inst) && state_name(inst) != "terminated";
  if (busy) return AwsError{"DependencyViolation", "The vpc '" + id + "' has dependencies and cannot be deleted.", 400};
  Status st = store_.transaction([&]() -> Status {
    std::vector<std::pair<std::string, std::string>> doomed;
    for (const char* kind : {"security-group", "route-table"})
      for (const auto& [rid, r] : store_.all(scope, kind))
        if (in_vpc(r)) doomed.emplace_back(kind, rid);
    for (const auto& [kind, rid] : doomed) NUAGE_TRY(store_.erase(scope, kind, rid));
    return store_.erase(scope, "vpc", id);
  });
  if (!st.ok()) return st.error();
  return Output{};
}

Result<Output> Provider::modify_vpc_attribute(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto vpc = find_resource(scope, "vpc", in.value("VpcId", ""));
  if (!vpc) return vpc.take_error();
  Value doc = **vpc;
  int given = 0;
  for (const char* attr : {"EnableDnsSupport", "EnableDnsHostnames", "EnableNetworkAddressUsageMetrics"}) {
    if (!in.contains(attr)) continue;
    ++given;
    doc[std::string("_") + attr] = in[attr].value("Value", false);
  }
  if (given != 1)
    return missing("InvalidParameterCombination", "Fields for multiple attribute types specified: "
                   "enableDnsHostnames, enableDnsSupport, enableNetworkAddressUsageMetrics");
  if (doc.value("_EnableDnsHostnames", false) && !doc.value("_EnableDnsSupport", true))
    return missing("InvalidParameterValue", "Invalid value 'true' for enableDnsHostnames: DNS support must be "
                   "enabled for a VPC to support DNS hostnames.");
  NUAGE_TRY(store_.put(scope, "vpc", doc["VpcId"], doc));
  return Output{};
}

Result<Output> Provider::describe_vpc_attribute(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto vpc = find_resource(scope, "vpc", in.value("VpcId", ""));
  if (!vpc) return vpc.take_error();
  std::string attr = in.value("Attribute", "");
  static const std::map<std::string, std::pair<std::string, bool>> kAttrs = {
      {"enableDnsSupport", {"EnableDnsSupport", true}},
      {"enableDnsHostnames", {"EnableDnsHostnames", false}},
      {"enableNetworkAddressUsageMetrics", {"EnableNetworkAddressUsageMetrics", false}}};
  auto it = kAttrs.find(attr);
  if (it == kAttrs.end())
    return missing("InvalidParameterValue", "Value (" + attr + ") for parameter attribute is invalid. Unknown attribute.");
  Output out;
  out.value["VpcId"] = (**vpc)["VpcId"];
  out.value[it->second.first] = {{"Value", (**vpc).value("_" + it->second.first, it->second.second)}};
  return out;
}

// ---------------------------------------------------------------- subnets

namespace {

const FilterFields& subnet_filters() {
  static const FilterFields f = {
      {"subnet-id", {"SubnetId"}},
      {"vpc-id", {"VpcId"}},
      {"vpcId", {"VpcId"}},
      {"cidr", {"CidrBlock"}},
      {"cidr-block", {"CidrBlock"}},
      {"cidrBlock", {"CidrBlock"}},
      {"availability-zone", {"AvailabilityZone"}},
      {"availabilityZone", {"AvailabilityZone"}},
      {"availability-zone-id", {"AvailabilityZoneId"}},
      {"default-for-az", {"DefaultForAz"}},
      {"defaultForAz", {"DefaultForAz"}},
      {"state", {"State"}},
      {"owner-id", {"OwnerId"}},
      {"map-public-ip-on-launch", {"MapPublicIpOnLaunch"}},
      {"subnet-arn", {"SubnetArn"}},
      {"available-ip-address-count", {"AvailableIpAddressCount"}},
      {"ipv6-native", {"Ipv6Native"}},
  };
  return f;
}

}  // namespace

Result<Output> Provider::create_subnet(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto vpc = find_resource(scope, "vpc", in.value("VpcId", ""));
  if (!vpc) return vpc.take_error();
  if (!in.contains("CidrBlock"))
    return missing("MissingParameter", "The request must contain the parameter cidrBlock");
  std::string text = in["CidrBlock"];
  auto cidr = parse_cidr(text);
  if (!cidr)
    return missing("InvalidParameterValue",
                   "Value (" + text + ") for parameter cidrBlock is invalid. This is not a valid CIDR block.");
  if (cidr->prefix < 16 || cidr->prefix > 28) return missing("InvalidSubnet.Range", "The CIDR '" + text + "' is invalid.");
  bool inside = false;
  for (const auto& assoc : (**vpc)["CidrBlockAssociationSet"])
    if (auto vc = parse_cidr(assoc.value("CidrBlock", "")); vc && vc->contains(*cidr)) inside = true;
  if (!inside) return missing("InvalidSubnet.Range", "The CIDR '" + text + "' is invalid.");
  std::string vpc_id = (**vpc)["VpcId"];
  for (const auto& [sid, s] : store_.all(scope, "subnet")) {
    if (s["VpcId"] != vpc_id) continue;
    if (auto other = parse_cidr(s["CidrBlock"]); other && other->overlaps(*cidr))
      return missing("InvalidSubnet.Conflict", "The CIDR '" + text + "' conflicts with another subnet");
  }
  std::vector<Zone> zones = availability_zones(scope.region);
  std::optional<Zone> zone;
  if (in.contains("AvailabilityZoneId")) {
    std::string zid = in["AvailabilityZoneId"];
    zone = find_zone(scope.region, zid);
    if (!zone || zone->id != zid)
      return missing("InvalidParameterValue", "Value (" + zid + ") for parameter availabilityZoneId is invalid.");
  } else if (in.contains("AvailabilityZone")) {
    std::string az = in["AvailabilityZone"];
    zone = find_zone(scope.region, az);
    if (!zone || zone->name != az)
      return missing("InvalidParameterValue", "Value (" + az + ") for parameter availabilityZone is invalid. Subnets "
                     "can currently only be created in the following availability zones: " + zones[0].name + ", " +
                     zones[1].name + ", " + zones[2].name + ".");
  } else {
    zone = zones[store_.all(scope, "subnet").size() % zones.size()];
  }
  auto tags = tags_from_specs(in, "subnet");
  if (!tags) return tags.take_error();
  Value subnet = subnet_document(scope, vpc_id, *cidr, *zone, false, *tags);
  std::string id = subnet["SubnetId"];
  NUAGE_TRY(store_.put(scope, "subnet", id, subnet));
  Output out;
  out.value["Subnet"] = subnet;
  return out;
}

Value subnet_document(const Scope& scope, const std::string& vpc_id, const Cidr& cidr, const Zone& zone,
                      bool default_for_az, Value tags) {
  std::string id = new_id("subnet");
  return {{"SubnetId", id},
          {"VpcId", vpc_id},
          {"CidrBlock", cidr.text()},
          {"AvailabilityZone", zone.name},
          {"AvailabilityZoneId", zone.id},
          // AWS reserves five addresses of every subnet.
          {"AvailableIpAddressCount", static_cast<int64_t>(cidr.size()) - 5},
          {"DefaultForAz", default_for_az},
          {"MapPublicIpOnLaunch", default_for_az},
          {"MapCustomerOwnedIpOnLaunch", false},
          {"State", "available"},
          {"OwnerId", scope.account},
          {"SubnetArn", "arn:aws:ec2:" + scope.region + ":" + scope.account + ":subnet/" + id},
          {"AssignIpv6AddressOnCreation", false},
          {"Ipv6CidrBlockAssociationSet", Value::array()},
          {"EnableDns64", false},
          {"Ipv6Native", false},
          {"PrivateDnsNameOptionsOnLaunch",
           {{"HostnameType", "ip-name"}, {"EnableResourceNameDnsARecord", false},
            {"EnableResourceNameDnsAAAARecord", false}}},
          {"Tags", std::move(tags)},
          {"_NextHost", 4}};
}

Result<Output> Provider::describe_subnets(Context& ctx, const Value& in) {
  return describe_kind(scope_of(ctx), in, "subnet", "SubnetIds", "Subnets", subnet_filters(), 5, 1000);
}

Result<Output> Provider::delete_subnet(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string id = in.value("SubnetId", "");
  auto subnet = find_resource(scope, "subnet", id);
  if (!subnet) return subnet.take_error();
  for (const auto& [iid, inst] : store_.all(scope, "instance"))
    if (inst.value("SubnetId", "") == id && state_name(inst) != "terminated") return dependency("subnet", id);
  for (const auto& [eid, eni] : store_.all(scope, "network-interface")) {
    if (eni.value("SubnetId", "") != id) continue;
    std::string owner = eni.contains("Attachment") ? eni["Attachment"].value("InstanceId", "") : "";
    if (owner.empty() || live_instance(scope, owner)) return dependency("subnet", id);
  }
  Status st = store_.transaction([&]() -> Status {
    // The subnet's route table association goes with it.
    for (const auto& [rid, rtb] : store_.all(scope, "route-table")) {
      Value kept = Value::array();
      for (const auto& a : rtb["Associations"])
        if (a.value("SubnetId", "") != id) kept.push_back(a);
      if (kept.size() != rtb["Associations"].size()) {
        Value doc = rtb;
        doc["Associations"] = kept;
        NUAGE_TRY(store_.put(scope, "route-table", rid, doc));
      }
    }
    return store_.erase(scope, "subnet", id);
  });
  if (!st.ok()) return st.error();
  return Output{};
}

Result<Output> Provider::modify_subnet_attribute(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto subnet = find_resource(scope, "subnet", in.value("SubnetId", ""));
  if (!subnet) return subnet.take_error();
  Value doc = **subnet;
  for (const char* attr : {"MapPublicIpOnLaunch", "AssignIpv6AddressOnCreation", "MapCustomerOwnedIpOnLaunch",
                           "EnableDns64"})
    if (in.contains(attr)) doc[attr] = in[attr].value("Value", false);
  if (in.contains("PrivateDnsHostnameTypeOnLaunch"))
    doc["PrivateDnsNameOptionsOnLaunch"]["HostnameType"] = in["PrivateDnsHostnameTypeOnLaunch"];
  for (const auto& [member, field] : std::map<std::string, std::string>{
           {"EnableResourceNameDnsARecordOnLaunch", "EnableResourceNameDnsARecord"},
           {"EnableResourceNameDnsAAAARecordOnLaunch", "EnableResourceNameDnsAAAARecord"}})
    if (in.contains(member)) doc["PrivateDnsNameOptionsOnLaunch"][field] = in[member].value("Value", false);
  NUAGE_TRY(store_.put(scope, "subnet", doc["SubnetId"], doc));
  return Output{};
}

// -------------------------------------------------------- security groups

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
    return missing("MissingParameter", "The request must contain the parameter groupName");
  if (!in.contains("Description"))
    return missing("MissingParameter", "The request must contain the parameter groupDescription");
  std::string name = in["GroupName"], description = in["Description"];
  if (name.empty() || name.size() > 255)
    return missing("InvalidParameterValue", "Value (" + name + ") for parameter groupName is invalid. Group names "
                   "may be between 1 and 255 characters in length.");
  if (text::starts_with(text::lower(name), "sg-"))
    return missing("InvalidParameterValue", "Value (" + name + ") for parameter GroupName is invalid. Group names "
                   "may not be in the format sg-*.");
  if (description.size() > 255)
    return missing("InvalidParameterValue", "Value for parameter groupDescription is invalid: it may be at most 255 "
                   "characters long.");
  std::string vpc_id;
  if (in.contains("VpcId")) {
    auto vpc = find_resource(scope, "vpc", in["VpcId"]);
    if (!vpc) return vpc.take_error();
    vpc_id = (**vpc)["VpcId"];
  } else {
    for (const auto& [id, v] : store_.all(scope, "vpc"))
      if (v.value("IsDefault", false)) vpc_id = id;
    if (vpc_id.empty()) return missing("VPCIdNotSpecified", "No default VPC for this user");
  }
  if (name == "default")
    return missing("InvalidGroup.Reserved", "The security group 'default' is reserved");
  for (const auto& [id, sg] : store_.all(scope, "security-group"))
    if (sg["GroupName"] == name && sg["VpcId"] == vpc_id)
      return missing("InvalidGroup.Duplicate",
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
  NUAGE_TRY(store_.put(scope, "security-group", id, sg));
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
    for (const auto& [id, v] : store_.all(scope, "vpc"))
      if (v.value("IsDefault", false)) default_vpc = id;
    Value ids = in.value("GroupIds", Value::array());
    for (const auto& name : in["GroupNames"]) {
      std::string found;
      for (const auto& [id, sg] : store_.all(scope, "security-group"))
        if (sg["GroupName"] == name && sg["VpcId"] == default_vpc) found = id;
      if (found.empty())
        return missing("InvalidGroup.NotFound", "The security group '" + name.get<std::string>() +
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
  static Result<Value*> group_of_request(Provider& p, const Scope& scope, const Value& in) {
    if (in.contains("GroupId")) return p.find_resource(scope, "security-group", in["GroupId"]);
    if (!in.contains("GroupName"))
      return AwsError{"MissingParameter", "The request must contain the parameter groupName or groupId", 400};
    std::string default_vpc;
    for (const auto& [id, v] : p.store_.all(scope, "vpc"))
      if (v.value("IsDefault", false)) default_vpc = id;
    for (const auto& [id, sg] : p.store_.all(scope, "security-group"))
      if (sg["GroupName"] == in["GroupName"] && sg["VpcId"] == default_vpc)
        return p.store_.find(scope, "security-group", id);
    return AwsError{"InvalidGroup.NotFound", "The security group '" + in["GroupName"].get<std::string>() +
                                                 "' does not exist in default VPC '" + default_vpc + "'", 400};
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
        return AwsError{"MissingParameter", "The request must contain the parameter ipPermissions", 400};
      if (!perm.contains("IpProtocol"))
        return AwsError{"MissingParameter", "The request must contain the parameter ipProtocol", 400};
      perms.push_back(perm);
    }
    std::vector<Value> rules;
    for (const auto& perm : perms) {
      std::string proto = normalize_protocol(perm.value("IpProtocol", ""));
      if (proto.empty()) return AwsError{"MissingParameter", "The request must contain the parameter ipProtocol", 400};
      bool known = proto == "tcp" || proto == "udp" || proto == "icmp" || proto == "icmpv6" || proto == "-1";
      if (!known) {
        bool numeric = proto.find_first_not_of("0123456789") == std::string::npos && proto.size() <= 3;
        if (!numeric || std::stoi(proto) > 255)
          return AwsError{"InvalidParameterValue",
                          "Invalid value '" + perm.value("IpProtocol", "") + "' for IP protocol. Unknown protocol.",
                          400};
      }
      int64_t from = -1, to = -1;
      if (proto == "tcp" || proto == "udp") {
        if (!perm.contains("FromPort") || !perm.contains("ToPort"))
          return AwsError{"InvalidParameterValue",
                          "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.", 400};
        from = perm["FromPort"].get<int64_t>();
        to = perm["ToPort"].get<int64_t>();
        if (from < 0 || to > 65535 || from > to)
          return AwsError{"InvalidParameterValue", "Invalid value '" + std::to_string(from) + "-" + std::to_string(to) +
                                                       "' for portRange. From port must not exceed to port.", 400};
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
          return AwsError{"InvalidParameterValue", "CIDR block " + text + " is malformed", 400};
        Value rule = with_description(base, r);
        rule["CidrIpv4"] = text;
        rules.push_back(rule);
      }
      for (const auto& r : perm.value("Ipv6Ranges", Value::array())) {
        std::string text = r.value("CidrIpv6", "");
        if (text.find(':') == std::string::npos || text.find('/') == std::string::npos)
          return AwsError{"InvalidParameterValue", "CIDR block " + text + " is malformed", 400};
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
          for (const auto& [id, sg] : p.store_.all(scope, "security-group"))
            if (sg["GroupName"] == r["GroupName"] && sg["VpcId"] == group["VpcId"]) peer = &sg;
          if (!peer)
            return AwsError{"InvalidGroup.NotFound",
                            "The security group '" + r["GroupName"].get<std::string>() + "' does not exist", 400};
        } else {
          return AwsError{"MissingParameter", "The request must contain the parameter groupId", 400};
        }
        Value rule = with_description(base, r);
        rule["ReferencedGroupInfo"] = {{"GroupId", (*peer)["GroupId"]}, {"UserId", (*peer)["OwnerId"]}};
        rules.push_back(rule);
      }
      if (rules.size() == before)
        return AwsError{"InvalidParameterValue",
                        "The request must contain at least one of ipRanges, ipv6Ranges, prefixListIds or groups", 400};
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
        return AwsError{"InvalidPermission.Duplicate",
                        "the specified rule \"" + rule_text(rule) + "\" already exists", 400};
      rule["SecurityGroupRuleId"] = new_id("sgr");
      rule["Tags"] = *tags;
      rule["SecurityGroupRuleArn"] = "arn:aws:ec2:" + scope.region + ":" + scope.account + ":security-group-rule/" +
                                     rule["SecurityGroupRuleId"].get<std::string>();
      rules.push_back(rule);
      out.value["SecurityGroupRules"].push_back(rule);
    }
    render_permissions(sg);
    NUAGE_TRY(p.store_.put(scope, "security-group", sg["GroupId"], sg));
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
          return AwsError{"InvalidSecurityGroupRuleId.NotFound",
                          "The security group rule ID '" + id.get<std::string>() + "' does not exist", 400};
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
          return AwsError{"InvalidPermission.NotFound", "The specified rule does not exist in this security group.",
                          400};
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
    NUAGE_TRY(p.store_.put(scope, "security-group", sg["GroupId"], sg));
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
    return missing("CannotDelete", "the specified group: \"" + id + "\" name: \"default\" cannot be deleted by a user");
  auto uses = [&](const Value& groups) {
    for (const auto& g : groups)
      if (g.value("GroupId", "") == id) return true;
    return false;
  };
  for (const auto& [iid, inst] : store_.all(scope, "instance"))
    if (state_name(inst) != "terminated" && uses(inst.value("SecurityGroups", Value::array())))
      return missing("DependencyViolation", "resource " + id + " has a dependent object");
  for (const auto& [eid, eni] : store_.all(scope, "network-interface")) {
    std::string owner = eni.contains("Attachment") ? eni["Attachment"].value("InstanceId", "") : "";
    if ((owner.empty() || live_instance(scope, owner)) && uses(eni.value("Groups", Value::array())))
      return missing("DependencyViolation", "resource " + id + " has a dependent object");
  }
  for (const auto& [gid, stored] : store_.all(scope, "security-group")) {
    if (gid == id) continue;
    Value& sg = *store_.find(scope, "security-group", gid);
    if (!sg.contains("_Rules")) {
      rules_of(sg);
      NUAGE_TRY(store_.put(scope, "security-group", gid, sg));
    }
    for (const auto& r : rules_of(sg))
      if (r.contains("ReferencedGroupInfo") && r["ReferencedGroupInfo"].value("GroupId", "") == id)
        return missing("DependencyViolation", "resource " + id + " has a dependent object");
  }
  NUAGE_TRY(store_.erase(scope, "security-group", id));
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
  for (const auto& [gid, stored] : store_.all(scope, "security-group")) {
    Value& sg = *store_.find(scope, "security-group", gid);
    // Rules derived now get their ids for good.
    if (!sg.contains("_Rules")) {
      rules_of(sg);
      NUAGE_TRY(store_.put(scope, "security-group", gid, sg));
    }
    for (const auto& r : rules_of(sg)) {
      std::string rid = r["SecurityGroupRuleId"];
      if (!wanted.empty() && !wanted.count(rid)) continue;
      seen.insert(rid);
      if (matches(r, filters, fields)) rows.push_back(r);
    }
  }
  for (const auto& w : wanted)
    if (!seen.count(w))
      return missing("InvalidSecurityGroupRuleId.NotFound", "The security group rule ID '" + w + "' does not exist");
  auto page = paginate(rows.size(), in, 5, 1000);
  if (!page) return page.take_error();
  Output out;
  out.value["SecurityGroupRules"] = Value::array();
  for (size_t i = page->begin; i < page->end; ++i) out.value["SecurityGroupRules"].push_back(rows[i]);
  if (!page->next_token.empty()) out.value["NextToken"] = page->next_token;
  return out;
}

// ------------------------------------------------------ internet gateways

Result<Output> Provider::create_internet_gateway(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto tags = tags_from_specs(in, "internet-gateway");
  if (!tags) return tags.take_error();
  std::string id = new_id("igw");
  Value igw = {{"InternetGatewayId", id}, {"OwnerId", scope.account}, {"Attachments", Value::array()}, {"Tags", *tags}};
  NUAGE_TRY(store_.put(scope, "internet-gateway", id, igw));
  Output out;
  out.value["InternetGateway"] = igw;
  return out;
}

Result<Output> Provider::describe_internet_gateways(Context& ctx, const Value& in) {
  static const FilterFields fields = {{"internet-gateway-id", {"InternetGatewayId"}},
                                      {"attachment.vpc-id", {"Attachments.VpcId"}},
                                      {"attachment.state", {"Attachments.State"}},
                                      {"owner-id", {"OwnerId"}}};
  return describe_kind(scope_of(ctx), in, "internet-gateway", "InternetGatewayIds", "InternetGateways", fields, 5,
                       1000);
}

Result<Output> Provider::delete_internet_gateway(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string id = in.value("InternetGatewayId", "");
  auto igw = find_resource(scope, "internet-gateway", id);
  if (!igw) return igw.take_error();
  if (!(**igw)["Attachments"].empty()) return dependency("internetGateway", id);
  NUAGE_TRY(store_.erase(scope, "internet-gateway", id));
  return Output{};
}

Result<Output> Provider::attach_internet_gateway(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string id = in.value("InternetGatewayId", "");
  auto igw = find_resource(scope, "internet-gateway", id);
  if (!igw) return igw.take_error();
  auto vpc = find_resource(scope, "vpc", in.value("VpcId", ""));
  if (!vpc) return vpc.take_error();
  std::string vpc_id = (**vpc)["VpcId"];
  if (!(**igw)["Attachments"].empty())
    return missing("Resource.AlreadyAssociated", "resource " + id + " is already attached to network " +
                                                     (**igw)["Attachments"][0].value("VpcId", ""));
  for (const auto& [gid, other] : store_.all(scope, "internet-gateway"))
    for (const auto& a : other["Attachments"])
      if (a.value("VpcId", "") == vpc_id)
        return missing("Resource.AlreadyAssociated", "Network " + vpc_id + " already has an internet gateway attached");
  Value doc = **igw;
  doc["Attachments"] = {{{"State", "available"}, {"VpcId", vpc_id}}};
  NUAGE_TRY(store_.put(scope, "internet-gateway", id, doc));
  return Output{};
}

Result<Output> Provider::detach_internet_gateway(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string id = in.value("InternetGatewayId", "");
  auto igw = find_resource(scope, "internet-gateway", id);
  if (!igw) return igw.take_error();
  auto vpc = find_resource(scope, "vpc", in.value("VpcId", ""));
  if (!vpc) return vpc.take_error();
  std::string vpc_id = (**vpc)["VpcId"];
  bool attached = false;
  for (const auto& a : (**igw)["Attachments"]) attached |= a.value("VpcId", "") == vpc_id;
  if (!attached) return missing("Gateway.NotAttached", "resource " + id + " is not attached to network " + vpc_id);
  for (const auto& [iid, inst] : store_.all(scope, "instance"))
    if (inst.value("VpcId", "") == vpc_id && inst.contains("PublicIpAddress") && state_name(inst) != "terminated")
      return missing("DependencyViolation", "Network " + vpc_id + " has some mapped public address(es). Please unmap "
                     "those public address(es) before detaching the gateway.");
  Value doc = **igw;
  doc["Attachments"] = Value::array();
  NUAGE_TRY(store_.put(scope, "internet-gateway", id, doc));
  return Output{};
}

// ------------------------------------------------------------ route tables

Result<Output> Provider::create_route_table(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto vpc = find_resource(scope, "vpc", in.value("VpcId", ""));
  if (!vpc) return vpc.take_error();
  auto tags = tags_from_specs(in, "route-table");
  if (!tags) return tags.take_error();
  std::string id = new_id("rtb");
  Value routes = Value::array();
  for (const auto& assoc : (**vpc)["CidrBlockAssociationSet"])
    routes.push_back({{"DestinationCidrBlock", assoc["CidrBlock"]}, {"GatewayId", "local"},
                      {"Origin", "CreateRouteTable"}, {"State", "active"}});
  Value rtb = {{"RouteTableId", id},         {"VpcId", (**vpc)["VpcId"]},          {"OwnerId", scope.account},
               {"Routes", routes},           {"Associations", Value::array()},      {"PropagatingVgws", Value::array()},
               {"Tags", *tags}};
  NUAGE_TRY(store_.put(scope, "route-table", id, rtb));
  Output out;
  out.value["RouteTable"] = rtb;
  if (in.contains("ClientToken")) out.value["ClientToken"] = in["ClientToken"];
  return out;
}

Result<Output> Provider::describe_route_tables(Context& ctx, const Value& in) {
  static const FilterFields fields = {
      {"route-table-id", {"RouteTableId"}},
      {"vpc-id", {"VpcId"}},
      {"owner-id", {"OwnerId"}},
      {"association.main", {"Associations.Main"}},
      {"association.subnet-id", {"Associations.SubnetId"}},
      {"association.gateway-id", {"Associations.GatewayId"}},
      {"association.route-table-id", {"Associations.RouteTableId"}},
      {"association.route-table-association-id", {"Associations.RouteTableAssociationId"}},
      {"route.destination-cidr-block", {"Routes.DestinationCidrBlock"}},
      {"route.gateway-id", {"Routes.GatewayId"}},
      {"route.instance-id", {"Routes.InstanceId"}},
      {"route.nat-gateway-id", {"Routes.NatGatewayId"}},
      {"route.origin", {"Routes.Origin"}},
      {"route.state", {"Routes.State"}},
  };
  return describe_kind(scope_of(ctx), in, "route-table", "RouteTableIds", "RouteTables", fields, 5, 100);
}

Result<Output> Provider::delete_route_table(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string id = in.value("RouteTableId", "");
  auto rtb = find_resource(scope, "route-table", id);
  if (!rtb) return rtb.take_error();
  if (!(**rtb)["Associations"].empty()) return dependency("routeTable", id);
  NUAGE_TRY(store_.erase(scope, "route-table", id));
  return Output{};
}

namespace {

// The target of a CreateRoute/ReplaceRoute, validated against the table's VPC.
Result<Value> route_target(Provider::Context&, Store& store, const Scope& scope, const Value& rtb, const Value& in) {
  Value route = Value::object();
  int targets = 0;
  if (in.contains("GatewayId")) {
    ++targets;
    std::string gw = in["GatewayId"];
    if (text::starts_with(gw, "igw-")) {
      const Value* igw = store.find(scope, "internet-gateway", gw);
      if (!igw)
        return AwsError{"InvalidInternetGatewayID.NotFound", "The internetGateway ID '" + gw + "' does not exist", 400};
      bool attached = false;
      for (const auto& a : (*igw)["Attachments"]) attached |= a["VpcId"] == rtb["VpcId"];
      if (!attached)
        return AwsError{"InvalidParameterValue", "route table " + rtb["RouteTableId"].get<std::string>() +
                                                     " and network gateway " + gw + " belong to different networks",
                        400};
    }
    route["GatewayId"] = gw;
  }
  if (in.contains("NatGatewayId")) {
    ++targets;
    route["NatGatewayId"] = in["NatGatewayId"];
  }
  if (in.contains("InstanceId")) {
    ++targets;
    std::string iid = in["InstanceId"];
    const Value* inst = store.find(scope, "instance", iid);
    if (!inst) return AwsError{"InvalidInstanceID.NotFound", "The instance ID '" + iid + "' does not exist", 400};
    route["InstanceId"] = iid;
    route["InstanceOwnerId"] = scope.account;
    if (!(*inst)["NetworkInterfaces"].empty())
      route["NetworkInterfaceId"] = (*inst)["NetworkInterfaces"][0]["NetworkInterfaceId"];
  }
  if (in.contains("NetworkInterfaceId")) {
    ++targets;
    std::string eid = in["NetworkInterfaceId"];
    if (!store.find(scope, "network-interface", eid))
      return AwsError{"InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '" + eid + "' does not exist",
                      400};
    route["NetworkInterfaceId"] = eid;
  }
  for (const char* other : {"VpcPeeringConnectionId", "TransitGatewayId", "EgressOnlyInternetGatewayId",
                            "LocalGatewayId", "CarrierGatewayId", "VpcEndpointId", "CoreNetworkArn"})
    if (in.contains(other)) {
      ++targets;
      route[other] = in[other];
    }
  if (targets == 0)
    return AwsError{"InvalidParameterCombination", "No route target specified (gatewayId, natGatewayId, instanceId, "
                    "networkInterfaceId, ...)", 400};
  if (targets > 1)
    return AwsError{"InvalidParameterCombination", "More than one route target specified", 400};
  route["Origin"] = "CreateRoute";
  route["State"] = "active";
  return route;
}

}  // namespace

Result<Output> Provider::create_route(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto rtb = find_resource(scope, "route-table", in.value("RouteTableId", ""));
  if (!rtb) return rtb.take_error();
  if (!in.contains("DestinationCidrBlock"))
    return missing("MissingParameter", "The request must contain the parameter destinationCidrBlock");
  std::string dest = in["DestinationCidrBlock"];
  auto cidr = parse_cidr(dest);
  if (!cidr)
    return missing("InvalidParameterValue", "Value (" + dest + ") for parameter destinationCidrBlock is invalid. "
                   "This is not a valid CIDR block.");
  for (const auto& r : (**rtb)["Routes"])
    if (r.value("DestinationCidrBlock", "") == cidr->text())
      return missing("RouteAlreadyExists", "The route identified by " + dest + " already exists.");
  auto route = route_target(ctx, store_, scope, **rtb, in);
  if (!route) return route.take_error();
  (*route)["DestinationCidrBlock"] = cidr->text();
  Value doc = **rtb;
  doc["Routes"].push_back(*route);
  NUAGE_TRY(store_.put(scope, "route-table", doc["RouteTableId"], doc));
  Output out;
  out.value["Return"] = true;
  return out;
}

Result<Output> Provider::replace_route(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto rtb = find_resource(scope, "route-table", in.value("RouteTableId", ""));
  if (!rtb) return rtb.take_error();
  std::string dest = in.value("DestinationCidrBlock", "");
  auto cidr = parse_cidr(dest);
  Value doc = **rtb;
  for (auto& r : doc["Routes"]) {
    if (!cidr || r.value("DestinationCidrBlock", "") != cidr->text()) continue;
    if (r.value("GatewayId", "") == "local")
      return missing("InvalidParameterValue", "cannot replace local route " + dest + " in route table " +
                                                  doc["RouteTableId"].get<std::string>());
    auto route = route_target(ctx, store_, scope, doc, in);
    if (!route) return route.take_error();
    (*route)["DestinationCidrBlock"] = cidr->text();
    (*route)["Origin"] = "ReplaceRoute";
    r = *route;
    NUAGE_TRY(store_.put(scope, "route-table", doc["RouteTableId"], doc));
    return Output{};
  }
  return missing("InvalidRoute.NotFound", "no route with destination-cidr-block " + dest + " in route table " +
                                              doc["RouteTableId"].get<std::string>());
}

Result<Output> Provider::delete_route(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto rtb = find_resource(scope, "route-table", in.value("RouteTableId", ""));
  if (!rtb) return rtb.take_error();
  std::string dest = in.value("DestinationCidrBlock", "");
  auto cidr = parse_cidr(dest);
  Value doc = **rtb;
  Value kept = Value::array();
  bool found = false;
  for (const auto& r : doc["Routes"]) {
    if (cidr && r.value("DestinationCidrBlock", "") == cidr->text()) {
      if (r.value("GatewayId", "") == "local")
        return missing("InvalidParameterValue", "cannot remove local route " + dest + " in route table " +
                                                    doc["RouteTableId"].get<std::string>());
      found = true;
      continue;
    }
    kept.push_back(r);
  }
  if (!found)
    return missing("InvalidRoute.NotFound", "no route with destination-cidr-block " + dest + " in route table " +
                                                doc["RouteTableId"].get<std::string>());
  doc["Routes"] = kept;
  NUAGE_TRY(store_.put(scope, "route-table", doc["RouteTableId"], doc));
  return Output{};
}

Result<Output> Provider::associate_route_table(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto rtb = find_resource(scope, "route-table", in.value("RouteTableId", ""));
  if (!rtb) return rtb.take_error();
  std::string rtb_id = (**rtb)["RouteTableId"];
  Value assoc = {{"Main", false}, {"RouteTableAssociationId", new_id("rtbassoc")}, {"RouteTableId", rtb_id},
                 {"AssociationState", {{"State", "associated"}}}};
  if (in.contains("SubnetId")) {
    auto subnet = find_resource(scope, "subnet", in["SubnetId"]);
    if (!subnet) return subnet.take_error();
    std::string subnet_id = (**subnet)["SubnetId"];
    if ((**subnet)["VpcId"] != (**rtb)["VpcId"])
      return missing("InvalidParameterValue",
                     "Route table " + rtb_id + " and subnet " + subnet_id + " belong to different networks");
    for (const auto& [rid, other] : store_.all(scope, "route-table"))
      for (const auto& a : other["Associations"])
        if (a.value("SubnetId", "") == subnet_id)
          return missing("Resource.AlreadyAssociated", "the specified association for route table " + rtb_id +
                                                           " conflicts with an existing association");
    assoc["SubnetId"] = subnet_id;
  } else if (in.contains("GatewayId")) {
    auto igw = find_resource(scope, "internet-gateway", in["GatewayId"]);
    if (!igw) return igw.take_error();
    assoc["GatewayId"] = (**igw)["InternetGatewayId"];
  } else {
    return missing("MissingParameter", "The request must contain the parameter subnetId or gatewayId");
  }
  Value doc = **rtb;
  doc["Associations"].push_back(assoc);
  NUAGE_TRY(store_.put(scope, "route-table", rtb_id, doc));
  Output out;
  out.value = {{"AssociationId", assoc["RouteTableAssociationId"]}, {"AssociationState", assoc["AssociationState"]}};
  return out;
}

Result<Output> Provider::disassociate_route_table(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string id = in.value("AssociationId", "");
  for (const auto& [rid, rtb] : store_.all(scope, "route-table")) {
    Value kept = Value::array();
    bool found = false;
    for (const auto& a : rtb["Associations"]) {
      if (a.value("RouteTableAssociationId", "") != id) {
        kept.push_back(a);
        continue;
      }
      if (a.value("Main", false))
        return missing("InvalidParameterValue", "cannot disassociate the main route table association " + id);
      found = true;
    }
    if (!found) continue;
    Value doc = rtb;
    doc["Associations"] = kept;
    NUAGE_TRY(store_.put(scope, "route-table", rid, doc));
    return Output{};
  }
  return missing("InvalidAssociationID.NotFound", "The association ID '" + id + "' does not exist");
}

// ------------------------------------------------------ network interfaces

namespace {

const FilterFields& eni_filters() {
  static const FilterFields f = {
      {"network-interface-id", {"NetworkInterfaceId"}},
      {"subnet-id", {"SubnetId"}},
      {"vpc-id", {"VpcId"}},
      {"status", {"Status"}},
      {"availability-zone", {"AvailabilityZone"}},
      {"description", {"Description"}},
      {"interface-type", {"InterfaceType"}},
      {"mac-address", {"MacAddress"}},
      {"owner-id", {"OwnerId"}},
      {"private-ip-address", {"PrivateIpAddress"}},
      {"addresses.private-ip-address", {"PrivateIpAddresses.PrivateIpAddress"}},
      {"private-dns-name", {"PrivateDnsName"}},
      {"group-id", {"Groups.GroupId"}},
      {"group-name", {"Groups.GroupName"}},
      {"attachment.instance-id", {"Attachment.InstanceId"}},
      {"attachment.attachment-id", {"Attachment.AttachmentId"}},
      {"attachment.status", {"Attachment.Status"}},
      {"attachment.device-index", {"Attachment.DeviceIndex"}},
      {"association.public-ip", {"Association.PublicIp"}},
      {"requester-managed", {"RequesterManaged"}},
      {"source-dest-check", {"SourceDestCheck"}},
  };
  return f;
}

}  // namespace

Result<Output> Provider::create_network_interface(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto found = find_resource(scope, "subnet", in.value("SubnetId", ""));
  if (!found) return found.take_error();
  Value& subnet = **found;
  std::string vpc_id = subnet["VpcId"];
  Value groups = Value::array();
  for (const auto& gid : in.value("Groups", Value::array())) {
    auto sg = find_resource(scope, "security-group", gid);
    if (!sg) return sg.take_error();
    if ((**sg)["VpcId"] != vpc_id)
      return missing("InvalidParameter", "Security group " + gid.get<std::string>() + " and subnet " +
                                             subnet["SubnetId"].get<std::string>() + " belong to different networks.");
    groups.push_back(group_ident(**sg));
  }
  if (groups.empty())
    for (const auto& [gid, sg] : store_.all(scope, "security-group"))
      if (sg["VpcId"] == vpc_id && sg["GroupName"] == "default") groups.push_back(group_ident(sg));
  auto tags = tags_from_specs(in, "network-interface");
  if (!tags) return tags.take_error();
  std::string ip;
  if (in.contains("PrivateIpAddress")) {
    ip = in["PrivateIpAddress"];
    auto addr = parse_ipv4(ip);
    auto range = parse_cidr(subnet["CidrBlock"]);
    if (!addr || !range || !range->contains(Cidr{*addr, 32}))
      return missing("InvalidParameterValue", "Address " + ip + " does not fall within the subnet's address range");
    for (const auto& [eid, eni] : store_.all(scope, "network-interface"))
      if (eni.value("PrivateIpAddress", "") == ip && eni["SubnetId"] == subnet["SubnetId"])
        return missing("InvalidIPAddress.InUse", "The specified address is already in use.");
  } else {
    ip = next_private_ip(scope, subnet);
  }
  std::string id = new_id("eni");
  std::string dns = private_dns_name(scope.region, ip);
  std::string mac = new_mac_address();
  Value eni = {{"NetworkInterfaceId", id},
               {"SubnetId", subnet["SubnetId"]},
               {"VpcId", vpc_id},
               {"AvailabilityZone", subnet["AvailabilityZone"]},
               {"Description", in.value("Description", "")},
               {"OwnerId", scope.account},
               {"RequesterId", ""},
               {"RequesterManaged", false},
               {"Status", "available"},
               {"MacAddress", mac},
               {"PrivateIpAddress", ip},
               {"PrivateDnsName", dns},
               {"SourceDestCheck", true},
               {"InterfaceType", in.value("InterfaceType", "interface")},
               {"Groups", groups},
               {"PrivateIpAddresses", {{{"Primary", true}, {"PrivateIpAddress", ip}, {"PrivateDnsName", dns}}}},
               {"Ipv6Addresses", Value::array()},
               {"TagSet", *tags}};
  NUAGE_TRY(store_.put(scope, "network-interface", id, eni));
  Output out;
  out.value["NetworkInterface"] = eni;
  if (in.contains("ClientToken")) out.value["ClientToken"] = in["ClientToken"];
  return out;
}

Result<Output> Provider::describe_network_interfaces(Context& ctx, const Value& in) {
  return describe_kind(scope_of(ctx), in, "network-interface", "NetworkInterfaceIds", "NetworkInterfaces",
                       eni_filters(), 5, 1000);
}

Result<Output> Provider::attach_network_interface(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  auto eni = find_resource(scope, "network-interface", in.value("NetworkInterfaceId", ""));
  if (!eni) return eni.take_error();
  auto found = find_instances(scope, Value::array({in.value("InstanceId", "")}));
  if (!found) return found.take_error();
  Value& inst = *found->front();
  Value& nic = **eni;
  std::string inst_id = inst["InstanceId"], eni_id = nic["NetworkInterfaceId"];
  std::string state = state_name(inst);
  if (state != "running" && state != "stopped")
    return missing("IncorrectInstanceState", "The instance '" + inst_id + "' is not in a valid state for this operation.");
  if (nic.value("Status", "") != "available")
    return missing("InvalidNetworkInterface.InUse", "Interface: [" + eni_id + "] in use.");
  if (nic["AvailabilityZone"] != inst["Placement"]["AvailabilityZone"])
    return missing("InvalidParameterCombination", "You may not attach a network interface to an instance if they are "
                   "not in the same availability zone");
  int64_t index = in.value("DeviceIndex", int64_t{-1});
  if (index < 0) return missing("InvalidParameterValue", "Invalid value for device index: " + std::to_string(index));
  for (const auto& attached : inst.value("NetworkInterfaces", Value::array()))
    if (attached["Attachment"].value("DeviceIndex", int64_t{-1}) == index)
      return missing("InvalidParameterValue", "Instance '" + inst_id +
                     "' already has an interface attached at device index '" + std::to_string(index) + "'.");
  std::string attachment_id = new_id("eni-attach");
  int64_t card = in.value("NetworkCardIndex", int64_t{0});
  double now = now_seconds();
  nic["Status"] = "in-use";
  nic["Attachment"] = {{"AttachmentId", attachment_id}, {"InstanceId", inst_id}, {"InstanceOwnerId", scope.account},
                       {"DeviceIndex", index}, {"NetworkCardIndex", card}, {"Status", "attached"},
                       {"AttachTime", now}, {"DeleteOnTermination", false}};
  // The instance lists its interfaces with the attachment seen from its side.
  Value entry = Value::object();
  for (const char* key : {"NetworkInterfaceId", "SubnetId", "VpcId", "Description", "OwnerId", "MacAddress",
                          "PrivateIpAddress", "PrivateDnsName", "SourceDestCheck", "Groups", "InterfaceType",
                          "PrivateIpAddresses", "Association"})
    if (nic.contains(key)) entry[key] = nic[key];
  entry["Status"] = "in-use";
  entry["Attachment"] = {{"AttachmentId", attachment_id}, {"DeviceIndex", index}, {"NetworkCardIndex", card},
                         {"Status", "attached"}, {"AttachTime", now}, {"DeleteOnTermination", false}};
  inst["NetworkInterfaces"].push_back(std::move(entry));
  Status st = store_.transaction([&]() -> Status {
    NUAGE_TRY(store_.put(scope, "network-interface", eni_id, nic));
    return store_.put(scope, "instance", inst_id, inst);
  });
  if (!st.ok()) return st.error();
  Output out;
  out.value = {{"AttachmentId", attachment_id}, {"NetworkCardIndex", card}};
  return out;
}

void Provider::detach_interface(Value& instance, Value& interface) {
  Value kept = Value::array();
  for (const auto& entry : instance.value("NetworkInterfaces", Value::array()))
    if (entry["NetworkInterfaceId"] != interface["NetworkInterfaceId"]) kept.push_back(entry);
  instance["NetworkInterfaces"] = std::move(kept);
  interface["Status"] = "available";
  interface.erase("Attachment");
}

Result<Output> Provider::detach_network_interface(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string attachment_id = in.value("AttachmentId", "");
  std::string eni_id;
  for (const auto& [id, eni] : store_.all(scope, "network-interface"))
    if (eni.contains("Attachment") && eni["Attachment"].value("AttachmentId", "") == attachment_id) eni_id = id;
  if (eni_id.empty())
    return missing("InvalidAttachmentID.NotFound", "The attachment ID '" + attachment_id + "' does not exist");
  Value& nic = *store_.find(scope, "network-interface", eni_id);
  if (nic["Attachment"].value("DeviceIndex", int64_t{0}) == 0)
    return missing("OperationNotPermitted", "The network interface at device index 0 cannot be detached.");
  std::string inst_id = nic["Attachment"].value("InstanceId", "");
  Value* inst = store_.find(scope, "instance", inst_id);
  Value none = Value::object();
  detach_interface(inst ? *inst : none, nic);
  Status st = store_.transaction([&]() -> Status {
    NUAGE_TRY(store_.put(scope, "network-interface", eni_id, nic));
    return inst ? store_.put(scope, "instance", inst_id, *inst) : Status::Ok();
  });
  if (!st.ok()) return st.error();
  return Output{};
}

Result<Output> Provider::delete_network_interface(Context& ctx, const Value& in) {
  Scope scope = scope_of(ctx);
  std::string id = in.value("NetworkInterfaceId", "");
  auto eni = find_resource(scope, "network-interface", id);
  if (!eni) return eni.take_error();
  std::string owner = (**eni).contains("Attachment") ? (**eni)["Attachment"].value("InstanceId", "") : "";
  if (!owner.empty() && live_instance(scope, owner))
    return missing("InvalidNetworkInterface.InUse", "The network interface '" + id + "' is currently in use.");
  NUAGE_TRY(store_.erase(scope, "network-interface", id));
  return Output{};
}

}  // namespace nuage::services::ec2
