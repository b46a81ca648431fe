// DB cluster snapshots: copies of an Aurora cluster's volume (its data
// folder), taken as DB snapshots are (snapshots.cc: the server stopped for
// a consistent copy, the cluster `backing-up` meanwhile, then serving
// again), and RestoreDBClusterFromSnapshot, a new cluster whose volume is a
// copy of the snapshot's: `creating` while the data is copied, then
// `available`, its first instance (CreateDBInstance DBClusterIdentifier)
// serving that data.
#include "common/text.h"
#include "common/time.h"
#include "services/rds/provider.h"

namespace nuage::services::rds {

namespace {

const FilterFields& cluster_snapshot_filters() {
  static const FilterFields f = {{"db-cluster-id", "DBClusterIdentifier"},
                                 {"db-cluster-snapshot-id", "DBClusterSnapshotIdentifier"},
                                 {"db-cluster-resource-id", "DbClusterResourceId"},
                                 {"snapshot-type", "SnapshotType"},
                                 {"engine", "Engine"}};
  return f;
}

AwsError cluster_snapshot_not_found(const std::string& id) {
  return errors("DBClusterSnapshotNotFoundFault", "DBClusterSnapshot " + id + " not found.");
}

AwsError cluster_snapshot_exists(const std::string& id) {
  return errors("DBClusterSnapshotAlreadyExistsFault",
                "Cannot create the cluster snapshot because one with the identifier " + id + " already exists.");
}

// A snapshot named by its identifier or its ARN.
std::string snapshot_name(const std::string& given) {
  std::string id = text::lower(given);
  return text::starts_with(id, "arn:") ? id.substr(id.rfind(':') + 1) : id;
}

}  // namespace

bool Provider::has_volume(const Value& cluster) const {
  return cluster.value("_Initialized", false) && engines_.installed(cluster.value("Engine", "")) && !root_.empty();
}

Value Provider::new_cluster_snapshot(const Scope& scope, const Value& cluster, const std::string& snapshot_id,
                                     const std::string& type, double now) const {
  bool real = has_volume(cluster);
  Value snap = {
      {"DBClusterSnapshotIdentifier", snapshot_id},
      {"DBClusterSnapshotArn", rds_arn(scope, "cluster-snapshot", snapshot_id)},
      {"DBClusterIdentifier", cluster["DBClusterIdentifier"]},
      {"DbClusterResourceId", cluster.value("DbClusterResourceId", "")},
      {"SnapshotCreateTime", now},
      {"ClusterCreateTime", cluster.value("ClusterCreateTime", now)},
      {"Engine", cluster["Engine"]},
      {"EngineMode", cluster.value("EngineMode", "provisioned")},
      {"EngineVersion", cluster["EngineVersion"]},
      {"AllocatedStorage", cluster.value("AllocatedStorage", 1)},
      {"AvailabilityZones", cluster.value("AvailabilityZones", Value::array())},
      {"Status", real ? "creating" : "available"},
      {"Port", cluster.value("Port", 0)},
      {"MasterUsername", cluster["MasterUsername"]},
      {"LicenseModel", cluster["Engine"] == "aurora-postgresql" ? "postgresql-license" : "aurora-mysql"},
      {"SnapshotType", type},
      {"PercentProgress", real ? 0 : 100},
      {"StorageEncrypted", cluster.value("StorageEncrypted", false)},
      {"IAMDatabaseAuthenticationEnabled", false},
      {"TagList", cluster.value("CopyTagsToSnapshot", false) ? cluster.value("TagList", Value::array())
                                                             : Value::array()},
      {"_Folder", new_resource_id("csnap-")},
      {"_HasData", real},
  };
  if (cluster.contains("DatabaseName")) snap["_DatabaseName"] = cluster["DatabaseName"];
  // A cluster whose writer was never made still holds its master password:
  // a cluster restored from the snapshot makes its volume with it.
  if (cluster.contains("_MasterUserPassword")) snap["_MasterUserPassword"] = cluster["_MasterUserPassword"];
  return snap;
}

Result<Output> Provider::create_db_cluster_snapshot(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string snapshot_id = text::lower(in.at("DBClusterSnapshotIdentifier").get<std::string>());
  NUAGE_TRY(check_identifier(snapshot_id, "DBClusterSnapshotIdentifier"));
  std::string id = text::lower(in.at("DBClusterIdentifier").get<std::string>());
  const Value* stored = store_->get(scope, kCluster, id);
  if (!stored) return cluster_not_found(id);
  if (store_->get(scope, kClusterSnapshot, snapshot_id)) return cluster_snapshot_exists(snapshot_id);
  std::string status = stored->value("Status", "");
  if (status != "available") return cluster_not_in(id, status);
  Value snap = new_cluster_snapshot(scope, *stored, snapshot_id, "manual", timefmt::epoch_seconds(env_.clock.now()));
  for (const auto& t : in.value("Tags", Value::array())) snap["TagList"].push_back(t);
  Value cluster = *stored;
  EngineSpec spec = cluster_spec(scope, cluster);
  // The volume's server runs while the cluster has members.
  bool was_running = snap["Status"] == "creating" && !cluster.value("DBClusterMembers", Value::array()).empty();
  if (was_running) cluster["Status"] = "backing-up";
  NUAGE_TRY(store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->put(scope, kClusterSnapshot, snapshot_id, snap));
    if (was_running) NUAGE_TRY(set_members(scope, cluster, "backing-up"));
    return store_->put(scope, kCluster, id, cluster);
  }));
  Output out;
  out.value["DBClusterSnapshot"] = out.share(store_->share(scope, kClusterSnapshot, snapshot_id));
  if (snap["Status"] == "available") return out;
  std::string into = snap["_Folder"];
  post({scope, kClusterSnapshot, snapshot_id, "creating",
        [this, spec, into, was_running, scope, id](const EngineSpec&) -> Status {
          auto [copied, restarted] = copy_for_snapshot(spec, into, was_running);
          if (was_running) {
            std::lock_guard lock(mutex_);
            if (const Value* c = store_->get(scope, kCluster, id); c && c->value("Status", "") == "backing-up") {
              Value doc = *c;
              std::string state = restarted.ok() ? "available" : "failed";
              doc["Status"] = state;
              if (!restarted.ok()) doc["_EngineError"] = restarted.error().message;
              NUAGE_TRY(set_members(scope, doc, state));
              NUAGE_TRY(store_->put(scope, kCluster, id, std::move(doc)));
            }
          }
          return copied;
        },
        "available", "Manual cluster snapshot created", "RDS-EVENT-0075"});
  return out;
}

Result<Output> Provider::describe_db_cluster_snapshots(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  NUAGE_TRY(check_filters(in, cluster_snapshot_filters()));
  auto page = page_of(in);
  if (!page) return page.take_error();
  Output out;
  out.value["DBClusterSnapshots"] = Value::array();
  if (in.contains("DBClusterSnapshotIdentifier")) {
    std::string id = snapshot_name(in["DBClusterSnapshotIdentifier"]);
    auto doc = store_->share(scope, kClusterSnapshot, id);
    if (!doc) return cluster_snapshot_not_found(id);
    if (matches_filters(*doc, in, cluster_snapshot_filters())) out.value["DBClusterSnapshots"].push_back(out.share(doc));
    return out;
  }
  std::string cluster = text::lower(in.value("DBClusterIdentifier", ""));
  page_into(
      *store_, scope, kClusterSnapshot, *page, "DBClusterSnapshots",
      [&](const Value& doc) {
        return (cluster.empty() || doc.value("DBClusterIdentifier", "") == cluster) &&
               (!in.contains("SnapshotType") || doc.value("SnapshotType", "") == in["SnapshotType"]) &&
               matches_filters(doc, in, cluster_snapshot_filters());
      },
      out);
  return out;
}

Result<Output> Provider::delete_db_cluster_snapshot(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string id = snapshot_name(in.at("DBClusterSnapshotIdentifier"));
  const Value* stored = store_->get(scope, kClusterSnapshot, id);
  if (!stored) return cluster_snapshot_not_found(id);
  std::string status = stored->value("Status", "");
  if (status != "available" && status != "failed")
    return errors("InvalidDBClusterSnapshotStateFault",
                  "Cannot delete the cluster snapshot " + id + " because it is in " + status + " state.");
  Output out;
  out.value["DBClusterSnapshot"] = *stored;
  std::string folder = stored->value("_Folder", "");
  NUAGE_TRY(store_->erase(scope, kClusterSnapshot, id));
  // After any restore still copying from it (the worker's jobs run in order).
  if (!root_.empty()) worker_.post([this, folder] { engines_.remove(folder_of(folder)); });
  return out;
}

Result<Output> Provider::restore_db_cluster_from_snapshot(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string snapshot_id = snapshot_name(in.at("SnapshotIdentifier"));
  const Value* snap = store_->get(scope, kClusterSnapshot, snapshot_id);
  if (!snap) return cluster_snapshot_not_found(snapshot_id);
  if (snap->value("Status", "") != "available")
    return errors("InvalidDBClusterSnapshotStateFault",
                  "DBClusterSnapshot " + snapshot_id + " is not in available state.");
  std::string engine = in.at("Engine");
  if (engine != (*snap)["Engine"])
    return errors("InvalidParameterCombination", "The engine " + engine + " does not match the engine " +
                                                     (*snap)["Engine"].get<std::string>() +
                                                     " of DB cluster snapshot " + snapshot_id + ".");
  // The new cluster is made as CreateDBCluster makes one, on the
  // snapshot's master user and database; its volume is the snapshot's copy.
  Value create = in;
  create.erase("SnapshotIdentifier");
  create["EngineVersion"] = in.value("EngineVersion", (*snap)["EngineVersion"].get<std::string>());
  create["MasterUsername"] = (*snap)["MasterUsername"];
  // Validation only: a restored volume keeps the snapshot's password.
  create["MasterUserPassword"] = snap->value("_MasterUserPassword", std::string("restored-from-snapshot"));
  if (snap->contains("_DatabaseName") && !in.contains("DatabaseName")) create["DatabaseName"] = (*snap)["_DatabaseName"];
  bool has_data = snap->value("_HasData", false) && !root_.empty();
  std::string from = (*snap)["_Folder"];
  bool had_password = snap->contains("_MasterUserPassword");
  auto made = create_db_cluster(ctx, create);
  if (!made) return made.take_error();
  std::string id = text::lower(in.at("DBClusterIdentifier").get<std::string>());
  Value doc = *store_->get(scope, kCluster, id);
  if (has_data || !had_password) doc.erase("_MasterUserPassword");
  if (has_data) {
    doc["Status"] = "creating";
    doc["_RestoreFrom"] = from;
  }
  NUAGE_TRY(store_->put(scope, kCluster, id, std::move(doc)));
  if (has_data) post_restore(scope, id);
  Output out;
  out.value["DBCluster"] = out.share(store_->share(scope, kCluster, id));
  return out;
}

void Provider::post_restore(const Scope& scope, const std::string& cluster_id) {
  std::string from = store_->get(scope, kCluster, cluster_id)->value("_RestoreFrom", "");
  post({scope, kCluster, cluster_id, "creating",
        [this, scope, cluster_id, from](const EngineSpec& spec) -> Status {
          // A copy cut short by a stop of nuage starts over.
          engines_.remove(spec.folder);
          NUAGE_TRY(engines_.copy_data(folder_of(from), spec.folder));
          std::lock_guard lock(mutex_);
          if (const Value* c = store_->get(scope, kCluster, cluster_id)) {
            Value doc = *c;
            doc["_Initialized"] = true;
            doc.erase("_RestoreFrom");
            NUAGE_TRY(store_->put(scope, kCluster, cluster_id, std::move(doc)));
          }
          return Status::Ok();
        },
        "available", "", ""});
}

}  // namespace nuage::services::rds
