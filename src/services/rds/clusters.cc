// Aurora DB clusters: one volume (a data folder) per cluster, served by a
// real server of the matching engine once the first member instance (the
// writer) is created; the cluster endpoint, the reader endpoint and every
// member's endpoint are that server (readers read the shared volume, as
// Aurora's replicas do). Stop/Start take the members along.
#include "common/text.h"
#include "common/time.h"
#include "services/rds/provider.h"

namespace nuage::services::rds {

namespace {

const FilterFields& cluster_filters() {
  static const FilterFields f = {{"db-cluster-id", "DBClusterIdentifier"},
                                 {"db-cluster-resource-id", "DbClusterResourceId"},
                                 {"engine", "Engine"}};
  return f;
}

}  // namespace

AwsError cluster_not_found(const std::string& id) {
  return errors("DBClusterNotFoundFault", "DBCluster " + id + " not found.");
}

AwsError cluster_not_in(const std::string& id, const std::string& state) {
  return errors("InvalidDBClusterStateFault",
                "DbCluster " + id + " is in " + state + " state but expected it to be one of available.");
}

EngineSpec Provider::cluster_spec(const Scope& scope, const Value& cluster) const {
  for (const auto& m : cluster.value("DBClusterMembers", Value::array())) {
    if (!m.value("IsClusterWriter", false)) continue;
    if (const Value* writer = store_->get(scope, kInstance, m.value("DBInstanceIdentifier", "")))
      return spec_of(scope, *writer);
  }
  EngineSpec spec;
  spec.engine = cluster.value("Engine", "");
  spec.port = static_cast<uint16_t>(cluster.value("Port", 0));
  spec.master_user = cluster.value("MasterUsername", "");
  spec.db_name = cluster.value("DatabaseName", "");
  if (!root_.empty()) spec.folder = folder_of(cluster.value("DbClusterResourceId", ""));
  return spec;
}

Status Provider::set_members(const Scope& scope, const Value& cluster, const std::string& state) {
  for (const auto& m : cluster.value("DBClusterMembers", Value::array())) {
    std::string id = m.value("DBInstanceIdentifier", "");
    if (const Value* d = store_->get(scope, kInstance, id)) {
      Value doc = *d;
      doc["DBInstanceStatus"] = state;
      NUAGE_TRY(store_->put(scope, kInstance, id, std::move(doc)));
    }
  }
  return Status::Ok();
}

Result<Output> Provider::create_db_cluster(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string id = text::lower(in.at("DBClusterIdentifier").get<std::string>());
  NUAGE_TRY(check_identifier(id, "DBClusterIdentifier"));
  std::string engine = in.at("Engine");
  if (engine != "aurora-postgresql" && engine != "aurora-mysql")
    return errors("InvalidParameterValue", "Invalid DB engine: " + engine);
  if (store_->get(scope, kCluster, id)) return errors("DBClusterAlreadyExistsFault", "DB Cluster already exists");
  std::string user = in.value("MasterUsername", "");
  std::string password = in.value("MasterUserPassword", "");
  if (user.empty())
    return errors("InvalidParameterValue", "The parameter MasterUsername must be provided and must not be blank.");
  if (password.size() < 8)
    return errors("InvalidParameterValue",
                  "The parameter MasterUserPassword is not a valid password because it is shorter than 8 characters.");
  bool installed = engines_.installed(engine);
  uint16_t port = 0;
  if (in.contains("Port"))
    port = static_cast<uint16_t>(in["Port"].get<int64_t>());
  else if (installed)
    port = Engines::free_port();
  else
    port = engine == "aurora-postgresql" ? 5432 : 3306;
  double now = timefmt::epoch_seconds(env_.clock.now());
  std::string version = in.value("EngineVersion", engine_version(engine).version);
  std::string group = "default." + family_of(engine, version);
  if (in.contains("DBClusterParameterGroupName")) {
    auto checked = check_group(kClusterGroups, scope, in["DBClusterParameterGroupName"], family_of(engine, version));
    if (!checked) return checked.take_error();
    group = *checked;
  }
  Value doc = {
      {"DBClusterIdentifier", id},
      {"DBClusterArn", rds_arn(scope, "cluster", id)},
      {"Engine", engine},
      {"EngineVersion", version},
      {"EngineMode", in.value("EngineMode", "provisioned")},
      {"Status", "available"},
      {"MasterUsername", user},
      {"Port", port},
      {"AllocatedStorage", 1},
      {"AvailabilityZones", Value::array({ctx.region + "a", ctx.region + "b", ctx.region + "c"})},
      {"BackupRetentionPeriod", in.value("BackupRetentionPeriod", 1)},
      {"PreferredBackupWindow", in.value("PreferredBackupWindow", "03:00-03:30")},
      {"PreferredMaintenanceWindow", in.value("PreferredMaintenanceWindow", "sun:05:00-sun:05:30")},
      {"DBClusterMembers", Value::array()},
      {"VpcSecurityGroups", Value::array()},
      {"DBClusterParameterGroup", group},
      {"DBSubnetGroup", in.value("DBSubnetGroupName", "default")},
      {"MultiAZ", false},
      {"StorageEncrypted", in.value("StorageEncrypted", false)},
      {"DbClusterResourceId", new_resource_id("cluster-")},
      {"ClusterCreateTime", now},
      {"DeletionProtection", in.value("DeletionProtection", false)},
      {"CopyTagsToSnapshot", in.value("CopyTagsToSnapshot", false)},
      {"HostedZoneId", "Z2R2ITUGPM61AM"},
      {"TagList", in.value("Tags", Value::array())},
      // Kept until the writer's server is made with it, then forgotten.
      {"_MasterUserPassword", password},
  };
  if (in.contains("DatabaseName")) doc["DatabaseName"] = in["DatabaseName"];
  if (installed) {
    doc["Endpoint"] = "127.0.0.1";
    doc["ReaderEndpoint"] = "127.0.0.1";
  }
  NUAGE_TRY(store_->put(scope, kCluster, id, doc));
  record_event(scope, "db-cluster", id, doc["DBClusterArn"], "DB cluster created", "RDS-EVENT-0170", "creation");
  Output out;
  out.value["DBCluster"] = out.share(store_->share(scope, kCluster, id));
  return out;
}

Result<Output> Provider::describe_db_clusters(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  NUAGE_TRY(check_filters(in, cluster_filters()));
  auto page = page_of(in);
  if (!page) return page.take_error();
  Output out;
  out.value["DBClusters"] = Value::array();
  if (in.contains("DBClusterIdentifier")) {
    std::string id = text::lower(in["DBClusterIdentifier"].get<std::string>());
    if (text::starts_with(id, "arn:")) id = id.substr(id.rfind(':') + 1);
    auto doc = store_->share(scope, kCluster, id);
    if (!doc) return cluster_not_found(in["DBClusterIdentifier"]);
    if (matches_filters(*doc, in, cluster_filters())) out.value["DBClusters"].push_back(out.share(doc));
    return out;
  }
  page_into(
      *store_, scope, kCluster, *page, "DBClusters",
      [&](const Value& doc) { return matches_filters(doc, in, cluster_filters()); }, out);
  return out;
}

Result<Output> Provider::modify_db_cluster(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string id = text::lower(in.at("DBClusterIdentifier").get<std::string>());
  const Value* stored = store_->get(scope, kCluster, id);
  if (!stored) return cluster_not_found(id);
  if (stored->value("Status", "") != "available") return cluster_not_in(id, stored->value("Status", ""));
  if (in.contains("Port") || in.contains("NewDBClusterIdentifier"))
    return errors("InvalidParameterCombination", "nuage does not change a DB cluster's port or identifier yet.");
  NUAGE_TRY(check_master(in, false));
  Value doc = *stored;
  for (const char* key : {"DeletionProtection", "BackupRetentionPeriod", "CopyTagsToSnapshot", "PreferredBackupWindow",
                          "PreferredMaintenanceWindow", "EngineVersion"})
    if (in.contains(key)) doc[key] = in[key];
  std::string password = in.value("MasterUserPassword", "");
  // A volume not made yet takes the new password when its writer makes it;
  // a made one has it set on its server (stopped for it, then served again).
  bool change_volume = !password.empty() && has_volume(doc);
  bool running = !doc.value("DBClusterMembers", Value::array()).empty();  // its server runs
  if (!password.empty() && !change_volume && doc.contains("_MasterUserPassword")) doc["_MasterUserPassword"] = password;
  if (change_volume) {
    doc["Status"] = "resetting-master-credentials";
    doc["PendingModifiedValues"]["MasterUserPassword"] = "****";
  }
  if (in.contains("DBClusterParameterGroupName")) {
    auto checked = check_group(kClusterGroups, scope, in["DBClusterParameterGroupName"],
                               family_of(doc.value("Engine", ""), doc.value("EngineVersion", "")));
    if (!checked) return checked.take_error();
    doc["DBClusterParameterGroup"] = *checked;
  }
  NUAGE_TRY(store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->put(scope, kCluster, id, doc));
    // The writer's server takes a new group's values at its next restart.
    for (const auto& m : doc.value("DBClusterMembers", Value::array()))
      if (const Value* d = store_->get(scope, kInstance, m.value("DBInstanceIdentifier", ""))) {
        Value member = *d;
        settle_parameter_status(scope, member);
        NUAGE_TRY(store_->put(scope, kInstance, m.value("DBInstanceIdentifier", ""), std::move(member)));
      }
    return Status::Ok();
  }));
  Output out;
  out.value["DBCluster"] = out.share(store_->share(scope, kCluster, id));
  if (change_volume) {
    post({scope, kCluster, id, "resetting-master-credentials",
          [this, scope, id, password, running](const EngineSpec& spec) -> Status {
            if (running) engines_.stop(spec.folder);
            EngineSpec next = spec;
            next.master_password = password;
            NUAGE_TRY(engines_.set_password(next));
            if (running) NUAGE_TRY(engines_.start(next));
            std::lock_guard lock(mutex_);
            if (const Value* c = store_->get(scope, kCluster, id)) {
              Value changed = *c;
              changed["PendingModifiedValues"].erase("MasterUserPassword");
              if (changed["PendingModifiedValues"].empty()) changed.erase("PendingModifiedValues");
              NUAGE_TRY(store_->put(scope, kCluster, id, std::move(changed)));
            }
            return Status::Ok();
          },
          "available", "", ""});
  }
  return out;
}

Result<Output> Provider::stop_db_cluster(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string id = text::lower(in.at("DBClusterIdentifier").get<std::string>());
  const Value* stored = store_->get(scope, kCluster, id);
  if (!stored) return cluster_not_found(id);
  std::string status = stored->value("Status", "");
  if (status != "available") return cluster_not_in(id, status);
  Value doc = *stored;
  doc["Status"] = "stopping";
  NUAGE_TRY(store_->transaction([&]() -> Status {
    NUAGE_TRY(set_members(scope, doc, "stopping"));
    return store_->put(scope, kCluster, id, doc);
  }));
  Output out;
  out.value["DBCluster"] = out.share(store_->share(scope, kCluster, id));
  post({scope, kCluster, id, "stopping",
        [this, scope, id](const EngineSpec& spec) -> Status {
          if (!spec.folder.empty()) engines_.stop(spec.folder);
          std::lock_guard lock(mutex_);
          if (const Value* c = store_->get(scope, kCluster, id)) NUAGE_TRY(set_members(scope, *c, "stopped"));
          return Status::Ok();
        },
        "stopped", "DB cluster stopped", "RDS-EVENT-0150"});
  return out;
}

void Provider::start_cluster(const Scope& scope, Value& cluster, const std::string& event) {
  cluster["Status"] = "starting";
  cluster.erase("_AutoStartAt");
  cluster.erase("AutomaticRestartTime");
  (void)set_members(scope, cluster, "starting");
  std::string id = cluster["DBClusterIdentifier"];
  bool has_members = !cluster.value("DBClusterMembers", Value::array()).empty();
  bool initialized = cluster.value("_Initialized", false);
  // The writer's server comes back as its instance path starts it: with
  // the writer's parameter group (the spec post() gives, cluster_spec).
  post({scope, kCluster, id, "starting",
        [this, scope, id, has_members, initialized](const EngineSpec& spec) -> Status {
          if (has_members && initialized && !spec.folder.empty() && engines_.installed(spec.engine))
            NUAGE_TRY(engines_.start(spec));
          std::lock_guard lock(mutex_);
          const Value* c = store_->get(scope, kCluster, id);
          if (!c) return Status::Ok();
          for (const auto& m : c->value("DBClusterMembers", Value::array())) {
            std::string member = m.value("DBInstanceIdentifier", "");
            const Value* d = store_->get(scope, kInstance, member);
            if (!d) continue;
            Value doc = *d;
            doc["DBInstanceStatus"] = "available";
            doc["_AppliedParameters"] = spec.parameters;
            settle_parameter_status(scope, doc);
            NUAGE_TRY(store_->put(scope, kInstance, member, std::move(doc)));
          }
          return Status::Ok();
        },
        "available", event, event.empty() ? "" : "RDS-EVENT-0151"});
}

Result<Output> Provider::start_db_cluster(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string id = text::lower(in.at("DBClusterIdentifier").get<std::string>());
  const Value* stored = store_->get(scope, kCluster, id);
  if (!stored) return cluster_not_found(id);
  std::string status = stored->value("Status", "");
  if (status != "stopped")
    return errors("InvalidDBClusterStateFault",
                  "DbCluster " + id + " is in " + status +
                      " state but expected it to be one of stopped, inaccessible-encryption-credentials-recoverable.");
  Value doc = *stored;
  NUAGE_TRY(store_->transaction([&]() -> Status {
    start_cluster(scope, doc, "DB cluster started");
    return store_->put(scope, kCluster, id, doc);
  }));
  Output out;
  out.value["DBCluster"] = out.share(store_->share(scope, kCluster, id));
  return out;
}

Result<Output> Provider::delete_db_cluster(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string id = text::lower(in.at("DBClusterIdentifier").get<std::string>());
  const Value* stored = store_->get(scope, kCluster, id);
  if (!stored) return cluster_not_found(id);
  std::string status = stored->value("Status", "");
  if (status != "available" && status != "stopped") return cluster_not_in(id, status);
  if (stored->value("DeletionProtection", false))
    return errors("InvalidParameterCombination",
                  "Cannot delete protected Cluster, please disable deletion protection and try again.");
  if (!(*stored)["DBClusterMembers"].empty())
    return errors("InvalidDBClusterStateFault",
                  "Cluster cannot be deleted, it still contains DB instances in non-deleting state.");
  bool skip = in.value("SkipFinalSnapshot", false);
  std::string final_id = text::lower(in.value("FinalDBSnapshotIdentifier", ""));
  if (!skip && final_id.empty())
    return errors("InvalidParameterCombination",
                  "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.");
  if (skip && !final_id.empty())
    return errors("InvalidParameterCombination",
                  "FinalDBSnapshotIdentifier can not be specified when deleting a DB cluster with SkipFinalSnapshot "
                  "enabled.");
  std::optional<Value> snapshot;
  if (!final_id.empty()) {
    NUAGE_TRY(check_identifier(final_id, "FinalDBSnapshotIdentifier"));
    if (store_->get(scope, kClusterSnapshot, final_id))
      return errors("DBClusterSnapshotAlreadyExistsFault",
                    "Cannot create the cluster snapshot because one with the identifier " + final_id +
                        " already exists.");
    snapshot = new_cluster_snapshot(scope, *stored, final_id, "manual", timefmt::epoch_seconds(env_.clock.now()));
  }
  Value doc = *stored;
  doc["Status"] = "deleting";
  NUAGE_TRY(store_->transaction([&]() -> Status {
    if (snapshot) NUAGE_TRY(store_->put(scope, kClusterSnapshot, final_id, *snapshot));
    return store_->put(scope, kCluster, id, doc);
  }));
  Output out;
  out.value["DBCluster"] = out.share(store_->share(scope, kCluster, id));
  // The volume's server is stopped (the cluster has no member left): the
  // final snapshot copies it as it is, then the volume goes.
  std::string snapshot_folder = snapshot && snapshot->value("Status", "") == "creating" ? (*snapshot)["_Folder"] : "";
  post({scope, kCluster, id, "deleting",
        [this, snapshot_folder, final_id, scope](const EngineSpec& spec) -> Status {
          if (spec.folder.empty()) return Status::Ok();
          if (!snapshot_folder.empty())
            NUAGE_TRY(settle_snapshot(scope, kClusterSnapshot, final_id,
                                      copy_for_snapshot(spec, snapshot_folder, false).copied));
          engines_.remove(spec.folder);
          return Status::Ok();
        },
        "", "DB cluster deleted", "RDS-EVENT-0171"});
  return out;
}

}  // namespace nuage::services::rds
