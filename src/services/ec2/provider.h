// EC2 (ec2 protocol): instances with a clock-driven lifecycle, the default
// and custom networking around them (VPCs, subnets, security groups, internet
// gateways, route tables, network interfaces), key pairs, volumes, snapshots
// and images, tags and filters on all of them.
//
// Every handler runs under one provider mutex, after the region's defaults
// (default VPC, one default subnet per availability zone, default security
// group) exist. State changes of instances are published on the event bus as
// "EC2 Instance State-change Notification" after the mutex is released.
//
// State: one document per resource in a storage::ResourceStore (service
// "ec2", kinds "instance", "vpc", "subnet", "security-group", ...), shaped
// like its EC2 output structure (member names of the model) plus internal
// fields whose names start with '_' (the serializer ignores members the
// shape does not have). Handlers read documents with get(); a change is a
// changed copy stored with put() (or erase()), and a change of several
// resources one store transaction, so that a failure leaves memory and
// database as they were and AWS Config sees every committed change.
//
// Thread-safety: handlers and clock timers are serialized by mutex_.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "common/clock.h"
#include "events/bus.h"
#include "kit/environment.h"
#include "kit/provider.h"
#include "services/ec2/catalog.h"
#include "services/ec2/errors.h"
#include "services/ec2/filters.h"
#include "services/ec2/instance_os.h"
#include "storage/resource_store.h"

namespace nuage::services::ec2 {

using storage::Scope;

struct Options {
  // Clock seconds an instance spends pending, stopping or shutting-down.
  // 0: the transition completes at the next read (the action's own answer
  // still shows the transitional state, as AWS does).
  int transition_seconds = 0;
  // How long terminated instances stay visible (AWS: about an hour).
  int terminated_visible_seconds = 3600;
};

class Provider : public kit::Provider {
 public:
  Provider(kit::Environment& env, Options options);
  explicit Provider(kit::Environment& env);
  std::string_view service() const override { return "ec2"; }
  void register_operations(kit::OperationTable& table) override;
  Status open() override;
  void reset() override;

  using Context = kit::RequestContext;
  using Handler = Result<kit::Output> (Provider::*)(Context&, const Value&);

 private:
  // --- instances.cc
  Result<kit::Output> run_instances(Context& ctx, const Value& in);
  Result<kit::Output> describe_instances(Context& ctx, const Value& in);
  Result<kit::Output> describe_instance_status(Context& ctx, const Value& in);
  Result<kit::Output> start_instances(Context& ctx, const Value& in);
  Result<kit::Output> stop_instances(Context& ctx, const Value& in);
  Result<kit::Output> reboot_instances(Context& ctx, const Value& in);
  Result<kit::Output> terminate_instances(Context& ctx, const Value& in);
  Result<kit::Output> modify_instance_attribute(Context& ctx, const Value& in);
  Result<kit::Output> describe_instance_attribute(Context& ctx, const Value& in);
  // --- instance_os.cc
  Result<kit::Output> get_console_output(Context& ctx, const Value& in);
  // --- tags.cc
  Result<kit::Output> create_tags(Context& ctx, const Value& in);
  Result<kit::Output> delete_tags(Context& ctx, const Value& in);
  Result<kit::Output> describe_tags(Context& ctx, const Value& in);
  // --- regions.cc
  Result<kit::Output> describe_regions(Context& ctx, const Value& in);
  Result<kit::Output> describe_availability_zones(Context& ctx, const Value& in);
  // --- vpcs.cc
  Result<kit::Output> create_vpc(Context& ctx, const Value& in);
  Result<kit::Output> describe_vpcs(Context& ctx, const Value& in);
  Result<kit::Output> delete_vpc(Context& ctx, const Value& in);
  Result<kit::Output> modify_vpc_attribute(Context& ctx, const Value& in);
  Result<kit::Output> describe_vpc_attribute(Context& ctx, const Value& in);
  // --- subnets.cc
  Result<kit::Output> create_subnet(Context& ctx, const Value& in);
  Result<kit::Output> describe_subnets(Context& ctx, const Value& in);
  Result<kit::Output> delete_subnet(Context& ctx, const Value& in);
  Result<kit::Output> modify_subnet_attribute(Context& ctx, const Value& in);
  // --- security_groups.cc
  Result<kit::Output> create_security_group(Context& ctx, const Value& in);
  Result<kit::Output> describe_security_groups(Context& ctx, const Value& in);
  Result<kit::Output> delete_security_group(Context& ctx, const Value& in);
  Result<kit::Output> authorize_ingress(Context& ctx, const Value& in);
  Result<kit::Output> authorize_egress(Context& ctx, const Value& in);
  Result<kit::Output> revoke_ingress(Context& ctx, const Value& in);
  Result<kit::Output> revoke_egress(Context& ctx, const Value& in);
  Result<kit::Output> describe_security_group_rules(Context& ctx, const Value& in);
  // --- internet_gateways.cc
  Result<kit::Output> create_internet_gateway(Context& ctx, const Value& in);
  Result<kit::Output> describe_internet_gateways(Context& ctx, const Value& in);
  Result<kit::Output> delete_internet_gateway(Context& ctx, const Value& in);
  Result<kit::Output> attach_internet_gateway(Context& ctx, const Value& in);
  Result<kit::Output> detach_internet_gateway(Context& ctx, const Value& in);
  // --- route_tables.cc
  Result<kit::Output> create_route_table(Context& ctx, const Value& in);
  Result<kit::Output> describe_route_tables(Context& ctx, const Value& in);
  Result<kit::Output> delete_route_table(Context& ctx, const Value& in);
  Result<kit::Output> create_route(Context& ctx, const Value& in);
  Result<kit::Output> replace_route(Context& ctx, const Value& in);
  Result<kit::Output> delete_route(Context& ctx, const Value& in);
  Result<kit::Output> associate_route_table(Context& ctx, const Value& in);
  Result<kit::Output> disassociate_route_table(Context& ctx, const Value& in);
  // --- network_interfaces.cc
  Result<kit::Output> create_network_interface(Context& ctx, const Value& in);
  Result<kit::Output> describe_network_interfaces(Context& ctx, const Value& in);
  Result<kit::Output> delete_network_interface(Context& ctx, const Value& in);
  Result<kit::Output> attach_network_interface(Context& ctx, const Value& in);
  Result<kit::Output> detach_network_interface(Context& ctx, const Value& in);
  // --- keypairs.cc
  Result<kit::Output> create_key_pair(Context& ctx, const Value& in);
  Result<kit::Output> import_key_pair(Context& ctx, const Value& in);
  Result<kit::Output> describe_key_pairs(Context& ctx, const Value& in);
  Result<kit::Output> delete_key_pair(Context& ctx, const Value& in);
  // --- volumes.cc: volumes, snapshots, images
  Result<kit::Output> create_volume(Context& ctx, const Value& in);
  Result<kit::Output> describe_volumes(Context& ctx, const Value& in);
  Result<kit::Output> attach_volume(Context& ctx, const Value& in);
  Result<kit::Output> detach_volume(Context& ctx, const Value& in);
  Result<kit::Output> delete_volume(Context& ctx, const Value& in);
  Result<kit::Output> modify_volume(Context& ctx, const Value& in);
  Result<kit::Output> create_snapshot(Context& ctx, const Value& in);
  Result<kit::Output> describe_snapshots(Context& ctx, const Value& in);
  Result<kit::Output> delete_snapshot(Context& ctx, const Value& in);
  Result<kit::Output> create_image(Context& ctx, const Value& in);
  Result<kit::Output> describe_images(Context& ctx, const Value& in);
  Result<kit::Output> deregister_image(Context& ctx, const Value& in);
  Result<kit::Output> register_image(Context& ctx, const Value& in);
  Result<kit::Output> copy_image(Context& ctx, const Value& in);
  Result<kit::Output> copy_snapshot(Context& ctx, const Value& in);

  // --- shared machinery (provider.cc; resources.cc for the lookups and
  // describe_kind)
  friend struct Ops;
  Scope scope_of(const Context& ctx) const { return {ctx.account_id, ctx.region}; }
  Status ensure_defaults(const Scope& scope);
  Status create_default_vpc(const Scope& scope);  // ensure_defaults, in its transaction
  const Value* default_subnet(const Scope& scope, const std::string& az = "");
  double now_seconds() const;
  // Instances: apply transitions that fell due (one store transaction per
  // instance); schedule the next one.
  void settle_instance(const Scope& scope, const std::string& id);
  void settle_scope(const Scope& scope);
  void flush_events();  // publishes pending_events_; call without mutex_
  void begin_transition(const Scope& scope, Value& instance, const std::string& to_state,
                        const std::string& final_state, const std::string& reason);
  void set_state(const Scope& scope, Value& instance, const std::string& state, const std::string& reason);
  // Start/Stop/TerminateInstances: in one transaction, each instance
  // `change` applies to (it returns false to leave one as it is) is changed
  // and stored; the answer lists every instance's state change under `list`.
  Result<kit::Output> change_states(const Scope& scope, const std::vector<const Value*>& found, const char* list,
                                    const std::function<bool(Value& instance)>& change);
  // Finds instances by id (InvalidInstanceID.Malformed / .NotFound), for
  // reading: valid until the store changes.
  Result<std::vector<const Value*>> find_instances(const Scope& scope, const Value& ids);
  Result<Value> image(const Scope& scope, const std::string& image_id);
  // Takes the subnet's next private address and stores the subnet.
  Result<std::string> next_private_ip(const Scope& scope, const std::string& subnet_id);
  std::string next_public_ip(const Scope& scope);
  // A resource by id, with the Malformed / NotFound error EC2 gives for its
  // kind ("vpc", "subnet", "security-group", ...); for reading.
  Result<const Value*> find_resource(const Scope& scope, const std::string& kind, const std::string& id);
  // Describe over one kind: the ids asked for (each must exist), filters,
  // then MaxResults/NextToken when max_results > 0.
  Result<kit::Output> describe_kind(const Scope& scope, const Value& in, const std::string& kind,
                                        const char* ids_member, const char* list_member,
                                        const FilterFields& fields, int min_results, int max_results);
  // Instances that exist and are not terminated.
  bool live_instance(const Scope& scope, const std::string& id);
  // Detaches a network interface from the instance it is attached to
  // (both documents change; the caller stores them). network_interfaces.cc.
  static void detach_interface(Value& instance, Value& interface);
  // InvalidAMIName.Malformed / .Duplicate for a new image's name.
  Status check_new_image_name(const Scope& scope, const std::string& name);
  // Creates a VPC's default security group and main route table (vpcs.cc).
  Status create_vpc_companions(const Scope& scope, const std::string& vpc_id, const std::string& cidr);
  // Keeps an instance's BlockDeviceMappings in step with a volume attaching
  // (attachment non-null) or detaching (null). volumes.cc.
  Status sync_instance_devices(const Scope& scope, const std::string& instance_id, const std::string& volume_id,
                               const Value* attachment);
  // Which kind of resource an id names ("instance", "vpc", ...), by prefix.
  static std::string kind_of_id(const std::string& id);

  storage::Database& db_;
  Clock& clock_;
  events::Bus& bus_;
  Options options_;
  std::unique_ptr<storage::ResourceStore> store_;  // from open()
  std::mutex mutex_;
  std::vector<events::Event> pending_events_;  // published once mutex_ is released
  std::map<Scope, std::set<std::string>> transitional_;  // instances with a transition pending
  uint64_t public_ip_counter_ = 0;
  std::unique_ptr<InstanceOs> os_;  // first boots and consoles; settle_instance tells it
};

// Shared helpers for the handler files.
std::string new_id(const std::string& prefix);
bool valid_id(const std::string& id, const std::string& prefix);
// Pagination over an ordered list: MaxResults in [min, max], NextToken opaque.
struct Page {
  size_t begin = 0, end = 0;
  std::string next_token;
};
Result<Page> paginate(size_t total, const Value& in, int min_results, int max_results);
const Value& filters_of(const Value& in);
// The tags of TagSpecifications for `resource_type` (InvalidParameterValue
// for other types or reserved keys).
Result<Value> tags_from_specs(const Value& in, const std::string& resource_type);
// "DependencyViolation" for a resource that cannot be deleted yet (resources.cc).
AwsError dependency(const std::string& noun, const std::string& id);
// Rebuilds a security group's IpPermissions / IpPermissionsEgress from its
// "_Rules" (security_groups.cc).
void render_permissions(Value& sg);
// An IPv4 CIDR block (cidr.cc): base address (host bits cleared) and prefix length.
struct Cidr {
  uint32_t base = 0;
  int prefix = 0;
  std::string text() const;
  uint32_t size() const { return prefix == 0 ? 0xffffffffu : (1u << (32 - prefix)); }
  bool contains(const Cidr& o) const;
  bool overlaps(const Cidr& o) const;
};
std::optional<Cidr> parse_cidr(const std::string& text);
// A new subnet's document (DescribeSubnets' Subnet); default subnets map
// public addresses on launch.
Value subnet_document(const Scope& scope, const std::string& vpc_id, const Cidr& cidr, const Zone& zone,
                      bool default_for_az, Value tags);
std::string ipv4_text(uint32_t address);
std::optional<uint32_t> parse_ipv4(const std::string& text);
std::string state_name(const Value& instance);
// Names EC2 gives an address in a region (ip-10-0-0-4.ec2.internal,
// ec2-54-1-2-3.compute-1.amazonaws.com), and a new interface's MAC address.
std::string private_dns_name(const std::string& region, const std::string& ip);
std::string public_dns_name(const std::string& region, const std::string& ip);
std::string new_mac_address();

}  // namespace nuage::services::ec2
