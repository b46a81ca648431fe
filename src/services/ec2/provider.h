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
// Thread-safety: handlers and clock timers are serialized by mutex_.
#pragma once

#include <mutex>
#include <set>
#include <vector>

#include "common/clock.h"
#include "events/bus.h"
#include "gateway/provider.h"
#include "services/ec2/filters.h"
#include "services/ec2/store.h"

namespace nuage::services::ec2 {

struct Options {
  // Clock seconds an instance spends pending, stopping or shutting-down.
  // 0: the transition completes at the next read (the action's own answer
  // still shows the transitional state, as AWS does).
  int transition_seconds = 0;
  // How long terminated instances stay visible (AWS: about an hour).
  int terminated_visible_seconds = 3600;
};

class Provider : public gateway::Provider {
 public:
  Provider(storage::Database& db, Clock& clock, events::Bus& bus, Options options = {});
  std::string_view service() const override { return "ec2"; }
  void register_operations(gateway::OperationTable& table) override;
  void reset() override;

  using Context = gateway::RequestContext;
  using Handler = Result<gateway::Output> (Provider::*)(Context&, const Value&);

 private:
  // --- instances.cc
  Result<gateway::Output> run_instances(Context& ctx, const Value& in);
  Result<gateway::Output> describe_instances(Context& ctx, const Value& in);
  Result<gateway::Output> describe_instance_status(Context& ctx, const Value& in);
  Result<gateway::Output> start_instances(Context& ctx, const Value& in);
  Result<gateway::Output> stop_instances(Context& ctx, const Value& in);
  Result<gateway::Output> reboot_instances(Context& ctx, const Value& in);
  Result<gateway::Output> terminate_instances(Context& ctx, const Value& in);
  Result<gateway::Output> modify_instance_attribute(Context& ctx, const Value& in);
  Result<gateway::Output> describe_instance_attribute(Context& ctx, const Value& in);
  // --- tags.cc, regions.cc
  Result<gateway::Output> create_tags(Context& ctx, const Value& in);
  Result<gateway::Output> delete_tags(Context& ctx, const Value& in);
  Result<gateway::Output> describe_tags(Context& ctx, const Value& in);
  Result<gateway::Output> describe_regions(Context& ctx, const Value& in);
  Result<gateway::Output> describe_availability_zones(Context& ctx, const Value& in);

  // --- shared machinery (provider.cc)
  friend struct Ops;
  Scope scope_of(const Context& ctx) const { return {ctx.account_id, ctx.region}; }
  void ensure_defaults(const Scope& scope);
  Value* default_subnet(const Scope& scope, const std::string& az = "");
  double now_seconds() const;
  // Instances: apply transitions that fell due; schedule the next one.
  void settle_instance(const Scope& scope, const std::string& id);
  void settle_scope(const Scope& scope);
  void flush_events();  // publishes pending_events_; call without mutex_
  void begin_transition(const Scope& scope, Value& instance, const std::string& to_state,
                        const std::string& final_state, const std::string& reason);
  void set_state(const Scope& scope, Value& instance, const std::string& state, const std::string& reason);
  // Finds instances by id (InvalidInstanceID.Malformed / .NotFound).
  Result<std::vector<Value*>> find_instances(const Scope& scope, const Value& ids);
  Result<Value> image(const Scope& scope, const std::string& image_id);
  std::string next_private_ip(const Scope& scope, Value& subnet);
  std::string next_public_ip(const Scope& scope);
  // Which kind of resource an id names ("instance", "vpc", ...), by prefix.
  static std::string kind_of_id(const std::string& id);

  storage::Database& db_;
  Clock& clock_;
  events::Bus& bus_;
  Options options_;
  Store store_;
  std::mutex mutex_;
  std::vector<events::Event> pending_events_;  // published once mutex_ is released
  std::map<Scope, std::set<std::string>> transitional_;  // instances with a transition pending
  uint64_t public_ip_counter_ = 0;
};

// Shared helpers for the handler files.
std::string new_id(const std::string& prefix);
AwsError invalid_id(const std::string& kind_code, const std::string& id, bool malformed);
bool valid_id(const std::string& id, const std::string& prefix);
// Pagination over an ordered list: MaxResults in [min, max], NextToken opaque.
struct Page {
  size_t begin = 0, end = 0;
  std::string next_token;
};
Result<Page> paginate(size_t total, const Value& in, int min_results, int max_results);
const Value& filters_of(const Value& in);
std::string state_name(const Value& instance);

}  // namespace nuage::services::ec2
