// RDS (query protocol): DB instances and Aurora DB clusters that are real
// database servers where the engine is installed (engine.h: a PostgreSQL
// server per instance on 127.0.0.1, its own data folder under
// <data>/rds/<DbiResourceId>), DB snapshots that are copies of the data
// folder, DB cluster snapshots that are copies of a cluster's volume, DB
// subnet groups, engine versions, events, and tags on ARNs.
//
// States are AWS's: creating -> backing-up -> available; stopping ->
// stopped; starting -> available; rebooting; modifying; deleting. A
// transitional state lasts as long as the real work it stands for (initdb
// and the server accepting connections, a clean shutdown, ...), done in
// order by one engine worker thread; `available` means the server accepts
// connections. A stopped instance or cluster is started again seven days
// later on the nuage clock (RDS-EVENT-0154 / RDS-EVENT-0153), as AWS does.
// Instances that were available when nuage stopped are started again when
// it opens. An engine that is not installed serves its instances as
// metadata only, without an Endpoint, and `nuage health` says so.
//
// State: documents in a storage::ResourceStore (service "rds"; kinds
// "db-instance", "db-cluster", "db-snapshot", "db-cluster-snapshot",
// "db-subnet-group", "db-parameter-group"), shaped
// like the model's output structures plus '_'-prefixed internal members;
// events in the table rds_events.
//
// Thread-safety: handlers, timers and the engine worker's state changes are
// serialized by mutex_; engine work runs outside it, and bus events are
// published after it is released.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "events/bus.h"
#include "kit/environment.h"
#include "kit/errors.h"
#include "kit/provider.h"
#include "services/rds/engine.h"
#include "storage/resource_store.h"

namespace nuage::services::rds {

using kit::Output;
using kit::Value;
using storage::Scope;
using Context = kit::RequestContext;

extern const kit::Errors errors;
extern const char* const kInstance;
extern const char* const kCluster;
extern const char* const kSnapshot;
extern const char* const kClusterSnapshot;
extern const char* const kSubnetGroup;
extern const char* const kParameterGroup;
extern const char* const kClusterParameterGroup;

// A kind of parameter group: its store kind, its noun (the members
// <noun>Name and <noun>Arn, the list <noun>s), its ARN type.
struct GroupKind {
  const char* kind;
  const char* noun;
  const char* arn_type;
  bool cluster;
};
extern const GroupKind kInstanceGroups, kClusterGroups;

// An engine nuage knows: the version it reports, its parameter group
// family, and AWS's description.
struct EngineVersion {
  std::string engine, version, family, description;
};
// A parameter group family of an engine version: postgres15, mysql8.0, ...
std::string family_of(const std::string& engine, const std::string& version);

class Provider : public kit::Provider {
 public:
  explicit Provider(kit::Environment& env) : env_(env) {}
  ~Provider() override;
  std::string_view service() const override { return "rds"; }
  void register_operations(kit::OperationTable& table) override;
  Status open() override;
  void reset() override;
  void close() override;
  void add_health(Value& health) const override;

 private:
  // What the engine worker does for a resource, outside the mutex, and
  // the state it leaves behind.
  struct Job {
    Scope scope;
    std::string kind, id;
    std::string during;  // the job is dropped if the resource left this state
    std::function<Status(const EngineSpec& spec)> work;
    std::string after;  // "" : the resource is deleted
    std::string event;  // the event message recorded once done ("": none)
    std::string event_id;
  };
  void post(Job job);
  void finish(const Job& job, const Status& result, const EngineSpec& spec);

  // --- instances.cc
  Result<Output> create_db_instance(Context& ctx, const Value& in);
  Result<Output> describe_db_instances(Context& ctx, const Value& in);
  Result<Output> modify_db_instance(Context& ctx, const Value& in);
  Result<Output> stop_db_instance(Context& ctx, const Value& in);
  Result<Output> start_db_instance(Context& ctx, const Value& in);
  Result<Output> reboot_db_instance(Context& ctx, const Value& in);
  Result<Output> delete_db_instance(Context& ctx, const Value& in);
  Result<Value*> instance_for_change(const Scope& scope, const std::string& id);
  // Starts the instance (or cluster) server again after a stop, now or at nuage's start.
  void start_instance(const Scope& scope, Value& doc, const std::string& event);
  void arm_auto_start(const Scope& scope, const std::string& kind, const std::string& id, double at);
  EngineSpec spec_of(const Scope& scope, const Value& instance) const;
  std::filesystem::path folder_of(const std::string& resource_id) const { return root_ / resource_id; }

  // --- clusters.cc
  Result<Output> create_db_cluster(Context& ctx, const Value& in);
  Result<Output> describe_db_clusters(Context& ctx, const Value& in);
  Result<Output> modify_db_cluster(Context& ctx, const Value& in);
  Result<Output> stop_db_cluster(Context& ctx, const Value& in);
  Result<Output> start_db_cluster(Context& ctx, const Value& in);
  Result<Output> delete_db_cluster(Context& ctx, const Value& in);
  void start_cluster(const Scope& scope, Value& cluster, const std::string& event);
  // The server of a cluster's volume: its writer's spec (the writer's
  // parameter group), or the cluster's own when it has no member.
  EngineSpec cluster_spec(const Scope& scope, const Value& cluster) const;
  // The cluster's members with their state set to `state`.
  Status set_members(const Scope& scope, const Value& cluster, const std::string& state);

  // --- snapshots.cc
  Result<Output> create_db_snapshot(Context& ctx, const Value& in);
  Result<Output> describe_db_snapshots(Context& ctx, const Value& in);
  Result<Output> delete_db_snapshot(Context& ctx, const Value& in);
  Result<Output> restore_db_instance_from_db_snapshot(Context& ctx, const Value& in);
  // A snapshot document of `instance` (status "creating") for its data
  // copied into the snapshot's folder by the engine worker.
  Result<Value> new_snapshot(const Scope& scope, const Value& instance, const std::string& snapshot_id,
                             const std::string& type, double now);
  // Copies a server's data into a snapshot's folder consistently: a running
  // server is stopped for the copy, then started again (`restarted`).
  struct SnapshotCopy {
    Status copied, restarted;
  };
  SnapshotCopy copy_for_snapshot(const EngineSpec& spec, const std::string& into, bool was_running);
  // A snapshot (of `kind`) whose copy is done: available, or failed.
  Status settle_snapshot(const Scope& scope, const std::string& kind, const std::string& id, const Status& copied);

  // --- cluster_snapshots.cc
  Result<Output> create_db_cluster_snapshot(Context& ctx, const Value& in);
  Result<Output> describe_db_cluster_snapshots(Context& ctx, const Value& in);
  Result<Output> delete_db_cluster_snapshot(Context& ctx, const Value& in);
  Result<Output> restore_db_cluster_from_snapshot(Context& ctx, const Value& in);
  // A cluster snapshot document of `cluster` ("creating" when its volume
  // is to be copied into the snapshot's folder by the engine worker).
  Value new_cluster_snapshot(const Scope& scope, const Value& cluster, const std::string& snapshot_id,
                             const std::string& type, double now) const;
  // Whether a cluster's volume holds data to copy (its writer was made).
  bool has_volume(const Value& cluster) const;
  // Copies a restored cluster's data from its snapshot's folder (_RestoreFrom).
  void post_restore(const Scope& scope, const std::string& cluster_id);

  // --- parameter_groups.cc: DB parameter groups and DB cluster parameter
  // groups, one implementation for the two kinds.
  Result<Output> create_parameter_group(const GroupKind& kind, Context& ctx, const Value& in);
  Result<Output> describe_parameter_groups(const GroupKind& kind, Context& ctx, const Value& in);
  Result<Output> describe_parameters(const GroupKind& kind, Context& ctx, const Value& in);
  Result<Output> modify_parameters(const GroupKind& kind, Context& ctx, const Value& in);
  Result<Output> reset_parameters(const GroupKind& kind, Context& ctx, const Value& in);
  Result<Output> change_parameters(const GroupKind& kind, Context& ctx, const Value& in, bool reset);
  Result<Output> delete_parameter_group(const GroupKind& kind, Context& ctx, const Value& in);
  // The families a kind of group is made for (cluster groups: Aurora's).
  std::vector<std::string> group_families(const GroupKind& kind) const;
  // A stored group or one of AWS's defaults (default.<family>).
  std::optional<Value> parameter_group(const GroupKind& kind, const Scope& scope, const std::string& name) const;
  // The values a group sets (name -> value).
  std::map<std::string, std::string> group_values(const GroupKind& kind, const Scope& scope,
                                                  const std::string& name) const;
  // The values an instance's server runs with: its cluster's group's, then
  // its own group's over them.
  std::map<std::string, std::string> instance_parameters(const Scope& scope, const Value& instance) const;
  // The instances whose servers take a group's values.
  std::vector<std::string> group_users(const GroupKind& kind, const Scope& scope, const std::string& name) const;
  // ParameterApplyStatus from what the instance's server runs (_AppliedParameters).
  void settle_parameter_status(const Scope& scope, Value& instance) const;
  // Dynamic parameters changed with ApplyMethod immediate, applied to a running server.
  void apply_immediately(const Scope& scope, const std::string& id, const std::map<std::string, std::string>& changes);
  // A group named by Create/ModifyDBInstance or CreateDBCluster: it exists
  // and is of `family`; its stored name.
  Result<std::string> check_group(const GroupKind& kind, const Scope& scope, const std::string& name,
                                  const std::string& family) const;

  // --- catalog.cc: subnet groups, engine versions, orderable options, events
  Result<Output> create_db_subnet_group(Context& ctx, const Value& in);
  Result<Output> describe_db_subnet_groups(Context& ctx, const Value& in);
  Result<Output> delete_db_subnet_group(Context& ctx, const Value& in);
  Result<Output> describe_db_engine_versions(Context& ctx, const Value& in);
  Result<Output> describe_orderable_db_instance_options(Context& ctx, const Value& in);
  // The engines nuage knows, one version each (PostgreSQL's is the installed major).
  std::vector<EngineVersion> engine_versions() const;
  EngineVersion engine_version(const std::string& engine) const;
  Result<Output> describe_events(Context& ctx, const Value& in);
  // Records an event (DescribeEvents) and queues it for EventBridge.
  void record_event(const Scope& scope, const std::string& source_type, const std::string& source_id,
                    const std::string& arn, const std::string& message, const std::string& event_id,
                    const std::string& category);
  void flush_events();

  kit::Environment& env_;
  std::filesystem::path root_;  // <work>/rds
  mutable std::mutex mutex_;
  std::unique_ptr<storage::ResourceStore> store_;
  std::vector<events::Event> pending_events_;
  std::vector<Clock::TimerId> timers_;
  Engines engines_;
  EngineWorker worker_;
  bool closed_ = false;
  // Set while RestoreDBInstanceFromDBSnapshot makes its instance: the
  // snapshot folder the new instance's data is copied from.
  std::string restoring_from_;
};

// Shared helpers of the feature files.
// A random resource id ("db-" + 26 base32 characters, as DbiResourceId).
std::string new_resource_id(const std::string& prefix);
std::string rds_arn(const Scope& scope, const std::string& type, const std::string& id);
Status check_identifier(const std::string& id, const std::string& what);
// AWS's rules for MasterUsername, MasterUserPassword and DBName (required:
// the first two must be given).
Status check_master(const Value& in, bool required);
AwsError cluster_not_found(const std::string& id);
// InvalidDBClusterStateFault of a cluster not available.
AwsError cluster_not_in(const std::string& id, const std::string& state);
// MaxRecords/Marker pagination over a kind's documents in id order.
struct Page {
  size_t max = 100;
  std::string after;
};
Result<Page> page_of(const Value& in);
// One page of `kind`'s documents that `keep` accepts, shared into
// out.value[member], with the Marker of the next page when there is one.
void page_into(const storage::ResourceStore& store, const Scope& scope, const std::string& kind, const Page& page,
               const std::string& member, const std::function<bool(const Value&)>& keep, Output& out);
// Exact-value filters (Filters: [{Name, Values}]) over named document members.
using FilterFields = std::map<std::string, std::string, std::less<>>;
Status check_filters(const Value& in, const FilterFields& fields);
bool matches_filters(const Value& doc, const Value& in, const FilterFields& fields);

}  // namespace nuage::services::rds
