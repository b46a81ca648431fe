#include "services/ec2/provider.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "services/ec2/catalog.h"

namespace nuage::services::ec2 {

using kit::Output;

// The errors EC2 answers with a status other than 400 (errors.h).
const kit::Errors errors("ec2", {{"InternalError", 500}});

std::string new_id(const std::string& prefix) {
  return prefix + "-" + text::hex_encode(crypto::random_bytes(9)).substr(0, 17);
}

bool valid_id(const std::string& id, const std::string& prefix) {
  if (!text::starts_with(id, prefix + "-")) return false;
  std::string hex = id.substr(prefix.size() + 1);
  if (hex.size() != 8 && hex.size() != 17) return false;
  return hex.find_first_not_of("0123456789abcdef") == std::string::npos;
}

const Value& filters_of(const Value& in) {
  static const Value kNone = Value::array();
  auto it = in.find("Filters");
  return it == in.end() ? kNone : *it;
}

static std::string dashed(std::string ip) {
  std::replace(ip.begin(), ip.end(), '.', '-');
  return ip;
}

std::string private_dns_name(const std::string& region, const std::string& ip) {
  return "ip-" + dashed(ip) + (region == "us-east-1" ? ".ec2.internal" : "." + region + ".compute.internal");
}

std::string public_dns_name(const std::string& region, const std::string& ip) {
  return "ec2-" + dashed(ip) + (region == "us-east-1" ? ".compute-1.amazonaws.com" : "." + region + ".compute.amazonaws.com");
}

std::string new_mac_address() {
  // 0e: a locally administered unicast prefix, as EC2's own addresses use.
  std::string hex = text::hex_encode(crypto::random_bytes(5));
  std::string mac = "0e";
  for (size_t i = 0; i < hex.size(); i += 2) mac += ":" + hex.substr(i, 2);
  return mac;
}

std::string state_name(const Value& instance) { return instance["State"].value("Name", ""); }

Result<Page> paginate(size_t total, const Value& in, int min_results, int max_results) {
  Page page;
  if (auto t = in.find("NextToken"); t != in.end()) {
    auto decoded = text::base64_decode(t->get<std::string>());
    size_t pos = 0;
    try {
      pos = decoded ? std::stoul(*decoded) : std::string::npos;
    } catch (...) {
      pos = std::string::npos;
    }
    if (!decoded || pos > total)
      return errors("InvalidNextToken", "The token '" + t->get<std::string>() + "' is invalid.");
    page.begin = pos;
  }
  size_t limit = total;
  if (auto m = in.find("MaxResults"); m != in.end()) {
    int64_t n = m->get<int64_t>();
    if (n < min_results || n > max_results)
      return errors("InvalidParameterValue",
                    "Value ( " + std::to_string(n) + " ) for parameter maxResults is invalid. Parameter must be "
                    "between " + std::to_string(min_results) + " and " + std::to_string(max_results) + ".");
    limit = static_cast<size_t>(n);
  }
  page.end = std::min(total, page.begin + limit);
  if (page.end < total) page.next_token = text::base64_encode(std::to_string(page.end));
  return page;
}

Provider::Provider(kit::Environment& env, Options options)
    : db_(env.db), clock_(env.clock), bus_(env.bus), options_(options), os_(std::make_unique<InstanceOs>(env)) {}

static Options options_of(const kit::Settings& settings) {
  Options o;
  o.transition_seconds = settings.ec2_transition_seconds;
  return o;
}

Provider::Provider(kit::Environment& env) : Provider(env, options_of(env.settings)) {}

Status Provider::open() {
  storage::ResourceStore::Options store;
  store.service = "ec2";
  // Until the resource store, EC2 kept its documents in ec2_resources.
  store.legacy_migrations = {
      "CREATE TABLE ec2_resources (account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL, "
      "id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (account, region, kind, id))",
      "INSERT INTO resources(service, account, region, kind, id, doc) "
      "SELECT 'ec2', account, region, kind, id, doc FROM ec2_resources",
      "DROP TABLE ec2_resources",
  };
  store.kinds["network-interface"].tags_member = "TagSet";
  store.bus = &bus_;
  store.clock = &clock_;
  store.guard = &mutex_;  // AWS Config's discovery asks for what exists
  auto opened = storage::ResourceStore::open(db_, std::move(store));
  if (!opened) return opened.error();
  store_ = std::move(*opened);
  // Transitions interrupted by a restart resume on the clock.
  store_->for_each("instance", [&](const Scope& scope, const std::string& id, const Value& doc) {
    if (!doc.contains("_Due")) return;
    transitional_[scope].insert(id);
    clock_.schedule(timefmt::from_epoch_seconds(doc["_Due"].get<double>()), [this, scope, id](auto) {
      {
        std::lock_guard lock(mutex_);
        settle_instance(scope, id);
      }
      flush_events();
    });
  });
  return Status::Ok();
}

void Provider::flush_events() {
  std::vector<events::Event> events;
  {
    std::lock_guard lock(mutex_);
    events.swap(pending_events_);
  }
  for (const auto& e : events) bus_.publish(e);
}

void Provider::reset() {
  std::lock_guard lock(mutex_);
  if (store_) store_->clear();
  transitional_.clear();
  pending_events_.clear();
  os_->reset();
}

double Provider::now_seconds() const { return timefmt::epoch_seconds(clock_.now()); }

std::string Provider::kind_of_id(const std::string& id) {
  static const std::pair<const char*, const char*> kPrefixes[] = {
      {"i", "instance"}, {"vpc", "vpc"}, {"subnet", "subnet"}, {"sg", "security-group"},
      {"igw", "internet-gateway"}, {"rtb", "route-table"}, {"eni", "network-interface"},
      {"vol", "volume"}, {"snap", "snapshot"}, {"ami", "image"}, {"key", "key-pair"},
      {"r", "reservation"}, {"sgr", "security-group-rule"}, {"acl", "network-acl"}, {"dopt", "dhcp-options"},
  };
  auto dash = id.find('-');
  if (dash == std::string::npos) return "";
  std::string prefix = id.substr(0, dash);
  for (const auto& [p, kind] : kPrefixes)
    if (prefix == p) return kind;
  return "";
}

Status Provider::ensure_defaults(const Scope& scope) {
  if (store_->has_scope(scope) && !store_->all(scope, "vpc").empty()) return Status::Ok();
  return store_->transaction([&] { return create_default_vpc(scope); });
}

Status Provider::create_default_vpc(const Scope& scope) {
  // The default VPC of a region: 172.31.0.0/16, a /20 default subnet per zone,
  // an internet gateway, a main route table and the default security group.
  std::string vpc_id = new_id("vpc");
  Value vpc = {{"VpcId", vpc_id},
               {"CidrBlock", "172.31.0.0/16"},
               {"State", "available"},
               {"DhcpOptionsId", "default"},
               {"InstanceTenancy", "default"},
               {"IsDefault", true},
               {"OwnerId", scope.account},
               {"CidrBlockAssociationSet",
                {{{"AssociationId", new_id("vpc-cidr-assoc")}, {"CidrBlock", "172.31.0.0/16"},
                  {"CidrBlockState", {{"State", "associated"}}}}}},
               {"Tags", Value::array()},
               {"_EnableDnsSupport", true},
               {"_EnableDnsHostnames", true}};
  NUAGE_TRY(store_->put(scope, "vpc", vpc_id, vpc));
  int i = 0;
  for (const Zone& zone : availability_zones(scope.region)) {
    auto cidr = parse_cidr("172.31." + std::to_string(16 * i) + ".0/20");
    Value subnet = subnet_document(scope, vpc_id, *cidr, zone, true, Value::array());
    std::string subnet_id = subnet["SubnetId"];
    NUAGE_TRY(store_->put(scope, "subnet", subnet_id, subnet));
    ++i;
  }
  std::string sg_id = new_id("sg");
  Value sg = {{"GroupId", sg_id},
              {"GroupName", "default"},
              {"Description", "default VPC security group"},
              {"VpcId", vpc_id},
              {"OwnerId", scope.account},
              {"IpPermissions",
               {{{"IpProtocol", "-1"},
                 {"UserIdGroupPairs", {{{"GroupId", sg_id}, {"UserId", scope.account}}}},
                 {"IpRanges", Value::array()},
                 {"Ipv6Ranges", Value::array()},
                 {"PrefixListIds", Value::array()}}}},
              {"IpPermissionsEgress",
               {{{"IpProtocol", "-1"},
                 {"IpRanges", {{{"CidrIp", "0.0.0.0/0"}}}},
                 {"UserIdGroupPairs", Value::array()},
                 {"Ipv6Ranges", Value::array()},
                 {"PrefixListIds", Value::array()}}}},
              {"SecurityGroupArn", "arn:aws:ec2:" + scope.region + ":" + scope.account + ":security-group/" + sg_id},
              {"Tags", Value::array()}};
  NUAGE_TRY(store_->put(scope, "security-group", sg_id, sg));
  std::string igw_id = new_id("igw");
  NUAGE_TRY(store_->put(scope, "internet-gateway", igw_id,
                        {{"InternetGatewayId", igw_id},
                         {"OwnerId", scope.account},
                         {"Attachments", {{{"State", "available"}, {"VpcId", vpc_id}}}},
                         {"Tags", Value::array()}}));
  std::string rtb_id = new_id("rtb");
  return store_->put(scope, "route-table", rtb_id,
                     {{"RouteTableId", rtb_id},
                      {"VpcId", vpc_id},
                      {"OwnerId", scope.account},
                      {"Routes",
                       {{{"DestinationCidrBlock", "172.31.0.0/16"}, {"GatewayId", "local"},
                         {"Origin", "CreateRouteTable"}, {"State", "active"}},
                        {{"DestinationCidrBlock", "0.0.0.0/0"}, {"GatewayId", igw_id}, {"Origin", "CreateRoute"},
                         {"State", "active"}}}},
                      {"Associations",
                       {{{"Main", true}, {"RouteTableAssociationId", new_id("rtbassoc")}, {"RouteTableId", rtb_id},
                         {"AssociationState", {{"State", "associated"}}}}}},
                      {"PropagatingVgws", Value::array()},
                      {"Tags", Value::array()}});
}

const Value* Provider::default_subnet(const Scope& scope, const std::string& az) {
  for (const auto& [id, subnet] : store_->all(scope, "subnet")) {
    if (!subnet.value("DefaultForAz", false)) continue;
    if (az.empty() || subnet.value("AvailabilityZone", "") == az) return &subnet;
  }
  return nullptr;
}

Result<std::string> Provider::next_private_ip(const Scope& scope, const std::string& subnet_id) {
  const Value* stored = store_->get(scope, "subnet", subnet_id);
  if (!stored) return errors("InternalError", "subnet " + subnet_id + " is gone");
  Value subnet = *stored;
  std::string cidr = subnet.value("CidrBlock", "10.0.0.0/24");
  auto slash = cidr.find('/');
  auto octets = text::split(cidr.substr(0, slash), '.');
  uint32_t base = 0;
  for (const auto& o : octets) base = (base << 8) | static_cast<uint32_t>(std::stoul(o));
  int64_t host = subnet.value("_NextHost", int64_t{4});
  subnet["_NextHost"] = host + 1;
  subnet["AvailableIpAddressCount"] = std::max<int64_t>(0, subnet.value("AvailableIpAddressCount", int64_t{251}) - 1);
  NUAGE_TRY(store_->put(scope, "subnet", subnet_id, std::move(subnet)));
  uint32_t ip = base + static_cast<uint32_t>(host);
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 255) + "." + std::to_string((ip >> 8) & 255) +
         "." + std::to_string(ip & 255);
}

std::string Provider::next_public_ip(const Scope&) {
  // Addresses from a documentation-like pool, never reused within a run.
  uint64_t n = ++public_ip_counter_ + (crypto::random_bytes(1)[0] & 0x7f) * 65536ULL;
  return "54." + std::to_string(16 + (n >> 16) % 200) + "." + std::to_string((n >> 8) & 255) + "." +
         std::to_string(1 + n % 254);
}

// The resources IAM authorizes an EC2 call against: the instances, volumes,
// groups ... its input names ("*" for Describe* calls, as EC2 does).
static std::vector<std::string> iam_resources(const kit::RequestContext& ctx, const Value& in) {
  static const std::pair<const char*, const char*> kIds[] = {
      {"InstanceIds", "instance/"}, {"InstanceId", "instance/"}, {"VolumeId", "volume/"},
      {"VolumeIds", "volume/"},     {"SnapshotId", "snapshot/"}, {"ImageId", "image/"},
      {"GroupId", "security-group/"}, {"VpcId", "vpc/"},       {"SubnetId", "subnet/"},
      {"NetworkInterfaceId", "network-interface/"}, {"KeyName", "key-pair/"}};
  if (text::starts_with(ctx.operation, "Describe")) return {"*"};
  const std::string prefix = "arn:aws:ec2:" + ctx.region + ":" + ctx.account_id + ":";
  std::vector<std::string> out;
  for (const auto& [name, kind] : kIds) {
    auto it = in.find(name);
    if (it == in.end()) continue;
    if (it->is_array()) {
      for (const auto& id : *it)
        if (id.is_string()) out.push_back(prefix + kind + id.get<std::string>());
    } else if (it->is_string()) {
      out.push_back(prefix + kind + it->get<std::string>());
    }
    if (!out.empty()) return out;
  }
  return {"*"};
}

void Provider::register_operations(kit::OperationTable& table) {
  table.set_default_resources(iam_resources);
  table.set_condition_keys([](const kit::RequestContext&, const Value& in, policy::Context& keys) {
    if (auto it = in.find("InstanceType"); it != in.end() && it->is_string())
      keys.set("ec2:InstanceType", it->get<std::string>());
  });
  auto op = [&](const std::string& name, Handler method) {
    table.add(name, [this, method](Context& ctx, const Value& in) -> Result<Output> {
      std::vector<events::Event> events;
      Result<Output> result = [&]() -> Result<Output> {
        std::lock_guard lock(mutex_);
        Scope scope = scope_of(ctx);
        NUAGE_TRY(ensure_defaults(scope));
        settle_scope(scope);
        size_t settled = pending_events_.size();
        auto r = (this->*method)(ctx, in);
        // A failed operation changed nothing (its transaction rolled back),
        // so the state changes it began did not happen.
        if (!r.ok())
          pending_events_.erase(pending_events_.begin() + static_cast<ptrdiff_t>(settled), pending_events_.end());
        events.swap(pending_events_);
        return r;
      }();
      for (const auto& e : events) bus_.publish(e);
      return result;
    });
  };
  op("RunInstances", &Provider::run_instances);
  op("DescribeInstances", &Provider::describe_instances);
  op("DescribeInstanceStatus", &Provider::describe_instance_status);
  op("StartInstances", &Provider::start_instances);
  op("StopInstances", &Provider::stop_instances);
  op("RebootInstances", &Provider::reboot_instances);
  op("TerminateInstances", &Provider::terminate_instances);
  op("ModifyInstanceAttribute", &Provider::modify_instance_attribute);
  op("DescribeInstanceAttribute", &Provider::describe_instance_attribute);
  op("GetConsoleOutput", &Provider::get_console_output);
  op("CreateTags", &Provider::create_tags);
  op("DeleteTags", &Provider::delete_tags);
  op("DescribeTags", &Provider::describe_tags);
  op("DescribeRegions", &Provider::describe_regions);
  op("DescribeAvailabilityZones", &Provider::describe_availability_zones);
  op("CreateVpc", &Provider::create_vpc);
  op("DescribeVpcs", &Provider::describe_vpcs);
  op("DeleteVpc", &Provider::delete_vpc);
  op("ModifyVpcAttribute", &Provider::modify_vpc_attribute);
  op("DescribeVpcAttribute", &Provider::describe_vpc_attribute);
  op("CreateSubnet", &Provider::create_subnet);
  op("DescribeSubnets", &Provider::describe_subnets);
  op("DeleteSubnet", &Provider::delete_subnet);
  op("ModifySubnetAttribute", &Provider::modify_subnet_attribute);
  op("CreateSecurityGroup", &Provider::create_security_group);
  op("DescribeSecurityGroups", &Provider::describe_security_groups);
  op("DeleteSecurityGroup", &Provider::delete_security_group);
  op("AuthorizeSecurityGroupIngress", &Provider::authorize_ingress);
  op("AuthorizeSecurityGroupEgress", &Provider::authorize_egress);
  op("RevokeSecurityGroupIngress", &Provider::revoke_ingress);
  op("RevokeSecurityGroupEgress", &Provider::revoke_egress);
  op("DescribeSecurityGroupRules", &Provider::describe_security_group_rules);
  op("CreateInternetGateway", &Provider::create_internet_gateway);
  op("DescribeInternetGateways", &Provider::describe_internet_gateways);
  op("DeleteInternetGateway", &Provider::delete_internet_gateway);
  op("AttachInternetGateway", &Provider::attach_internet_gateway);
  op("DetachInternetGateway", &Provider::detach_internet_gateway);
  op("CreateRouteTable", &Provider::create_route_table);
  op("DescribeRouteTables", &Provider::describe_route_tables);
  op("DeleteRouteTable", &Provider::delete_route_table);
  op("CreateRoute", &Provider::create_route);
  op("ReplaceRoute", &Provider::replace_route);
  op("DeleteRoute", &Provider::delete_route);
  op("AssociateRouteTable", &Provider::associate_route_table);
  op("DisassociateRouteTable", &Provider::disassociate_route_table);
  op("CreateNetworkInterface", &Provider::create_network_interface);
  op("DescribeNetworkInterfaces", &Provider::describe_network_interfaces);
  op("DeleteNetworkInterface", &Provider::delete_network_interface);
  op("AttachNetworkInterface", &Provider::attach_network_interface);
  op("DetachNetworkInterface", &Provider::detach_network_interface);
  op("CreateKeyPair", &Provider::create_key_pair);
  op("ImportKeyPair", &Provider::import_key_pair);
  op("DescribeKeyPairs", &Provider::describe_key_pairs);
  op("DeleteKeyPair", &Provider::delete_key_pair);
  op("CreateVolume", &Provider::create_volume);
  op("DescribeVolumes", &Provider::describe_volumes);
  op("AttachVolume", &Provider::attach_volume);
  op("DetachVolume", &Provider::detach_volume);
  op("DeleteVolume", &Provider::delete_volume);
  op("ModifyVolume", &Provider::modify_volume);
  op("CreateSnapshot", &Provider::create_snapshot);
  op("DescribeSnapshots", &Provider::describe_snapshots);
  op("DeleteSnapshot", &Provider::delete_snapshot);
  op("CreateImage", &Provider::create_image);
  op("DescribeImages", &Provider::describe_images);
  op("DeregisterImage", &Provider::deregister_image);
  op("RegisterImage", &Provider::register_image);
  op("CopyImage", &Provider::copy_image);
  op("CopySnapshot", &Provider::copy_snapshot);
}

}  // namespace nuage::services::ec2
