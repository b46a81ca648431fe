// DB snapshots: copies of an instance's data folder, taken with the server
// stopped for the copy (the instance is `backing-up` meanwhile, then serves
// again), and RestoreDBInstanceFromDBSnapshot, a new instance on a copy.
#include "common/text.h"
#include "common/time.h"
#include "services/rds/provider.h"

namespace nuage::services::rds {

namespace {

const FilterFields& snapshot_filters() {
  static const FilterFields f = {{"db-instance-id", "DBInstanceIdentifier"},
                                 {"db-snapshot-id", "DBSnapshotIdentifier"},
                                 {"dbi-resource-id", "DbiResourceId"},
                                 {"snapshot-type", "SnapshotType"},
                                 {"engine", "Engine"}};
  return f;
}

AwsError snapshot_not_found(const std::string& id) {
  return errors("DBSnapshotNotFoundFault", "DBSnapshot " + id + " not found.");
}

}  // namespace

Provider::SnapshotCopy Provider::copy_for_snapshot(const EngineSpec& spec, const std::string& into,
                                                   bool was_running) {
  if (was_running) engines_.stop(spec.folder);
  SnapshotCopy result;
  result.copied = engines_.copy_data(spec.folder, folder_of(into));
  if (was_running) result.restarted = engines_.start(spec);
  return result;
}

Status Provider::settle_snapshot(const Scope& scope, const std::string& kind, const std::string& id,
                                 const Status& copied) {
  std::lock_guard lock(mutex_);
  const Value* s = store_->get(scope, kind, id);
  if (!s) return Status::Ok();
  Value snap = *s;
  snap["Status"] = copied.ok() ? "available" : "failed";
  snap["PercentProgress"] = copied.ok() ? 100 : 0;
  return store_->put(scope, kind, id, std::move(snap));
}

Result<Value> Provider::new_snapshot(const Scope& scope, const Value& instance, const std::string& snapshot_id,
                                     const std::string& type, double now) {
  if (instance.contains("DBClusterIdentifier"))
    return errors("InvalidParameterCombination",
                  "The specified DB instance is a member of a cluster. Use CreateDBClusterSnapshot instead.");
  bool real = engines_.installed(instance.value("Engine", "")) && !root_.empty();
  Value snap = {
      {"DBSnapshotIdentifier", snapshot_id},
      {"DBSnapshotArn", rds_arn(scope, "snapshot", snapshot_id)},
      {"DBInstanceIdentifier", instance["DBInstanceIdentifier"]},
      {"DbiResourceId", instance["DbiResourceId"]},
      {"SnapshotCreateTime", now},
      {"OriginalSnapshotCreateTime", now},
      {"Engine", instance["Engine"]},
      {"EngineVersion", instance["EngineVersion"]},
      {"AllocatedStorage", instance["AllocatedStorage"]},
      {"Status", real ? "creating" : "available"},
      {"Port", instance.value("_Port", 0)},
      {"AvailabilityZone", instance.value("AvailabilityZone", "")},
      {"InstanceCreateTime", instance.value("InstanceCreateTime", now)},
      {"MasterUsername", instance["MasterUsername"]},
      {"LicenseModel", instance.value("LicenseModel", "")},
      {"SnapshotType", type},
      {"PercentProgress", real ? 0 : 100},
      {"StorageType", instance.value("StorageType", "gp2")},
      {"Encrypted", instance.value("StorageEncrypted", false)},
      {"IAMDatabaseAuthenticationEnabled", false},
      {"TagList",
       instance.value("CopyTagsToSnapshot", false) ? instance.value("TagList", Value::array()) : Value::array()},
      {"_Folder", new_resource_id("snap-")},
      {"_DBName", instance.value("DBName", "")},
  };
  return snap;
}

Result<Output> Provider::create_db_snapshot(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string snapshot_id = text::lower(in.at("DBSnapshotIdentifier").get<std::string>());
  NUAGE_TRY(check_identifier(snapshot_id, "DBSnapshotIdentifier"));
  std::string id = text::lower(in.at("DBInstanceIdentifier").get<std::string>());
  const Value* stored = store_->get(scope, kInstance, id);
  if (!stored) return errors("DBInstanceNotFoundFault", "DBInstance " + id + " not found.");
  if (store_->get(scope, kSnapshot, snapshot_id))
    return errors("DBSnapshotAlreadyExistsFault", "Cannot create the snapshot because a snapshot with the identifier " +
                                                      snapshot_id + " already exists.");
  std::string status = stored->value("DBInstanceStatus", "");
  if (status != "available" && status != "stopped")
    return errors("InvalidDBInstanceStateFault", "Instance " + id + " is not in available state.");
  auto made = new_snapshot(scope, *stored, snapshot_id, "manual", timefmt::epoch_seconds(env_.clock.now()));
  if (!made) return made.take_error();
  Value snap = std::move(*made);
  for (const auto& t : in.value("Tags", Value::array())) snap["TagList"].push_back(t);
  Value instance = *stored;
  EngineSpec spec = spec_of(scope, instance);  // before the put below replaces *stored
  bool was_running = status == "available";
  if (was_running) instance["DBInstanceStatus"] = "backing-up";
  NUAGE_TRY(store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->put(scope, kSnapshot, snapshot_id, snap));
    return store_->put(scope, kInstance, id, instance);
  }));
  Output out;
  out.value["DBSnapshot"] = out.share(store_->share(scope, kSnapshot, snapshot_id));
  if (snap["Status"] == "available") {
    if (was_running) post({scope, kInstance, id, "backing-up", nullptr, "available", "", ""});
    return out;
  }
  std::string into = snap["_Folder"];
  post({scope, kSnapshot, snapshot_id, "creating",
        [this, spec, into, was_running, scope, id](const EngineSpec&) -> Status {
          auto [copied, restarted] = copy_for_snapshot(spec, into, was_running);
          if (was_running) {
            std::lock_guard lock(mutex_);
            if (const Value* d = store_->get(scope, kInstance, id);
                d && d->value("DBInstanceStatus", "") == "backing-up") {
              Value doc = *d;
              doc["DBInstanceStatus"] = restarted.ok() ? "available" : "failed";
              if (!restarted.ok()) doc["_EngineError"] = restarted.error().message;
              NUAGE_TRY(store_->put(scope, kInstance, id, std::move(doc)));
            }
          }
          return copied;
        },
        "available", "Manual snapshot created", "RDS-EVENT-0042"});
  return out;
}

Result<Output> Provider::describe_db_snapshots(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  NUAGE_TRY(check_filters(in, snapshot_filters()));
  auto page = page_of(in);
  if (!page) return page.take_error();
  Output out;
  out.value["DBSnapshots"] = Value::array();
  if (in.contains("DBSnapshotIdentifier")) {
    std::string id = text::lower(in["DBSnapshotIdentifier"].get<std::string>());
    auto doc = store_->share(scope, kSnapshot, id);
    if (!doc) return snapshot_not_found(id);
    out.value["DBSnapshots"].push_back(out.share(doc));
    return out;
  }
  std::string instance = text::lower(in.value("DBInstanceIdentifier", ""));
  page_into(
      *store_, scope, kSnapshot, *page, "DBSnapshots",
      [&](const Value& doc) {
        return (instance.empty() || doc.value("DBInstanceIdentifier", "") == instance) &&
               (!in.contains("SnapshotType") || doc.value("SnapshotType", "") == in["SnapshotType"]) &&
               matches_filters(doc, in, snapshot_filters());
      },
      out);
  return out;
}

Result<Output> Provider::delete_db_snapshot(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string id = text::lower(in.at("DBSnapshotIdentifier").get<std::string>());
  const Value* stored = store_->get(scope, kSnapshot, id);
  if (!stored) return snapshot_not_found(id);
  if (stored->value("Status", "") != "available" && stored->value("Status", "") != "failed")
    return errors("InvalidDBSnapshotStateFault", "Cannot delete the snapshot because it is not in available state.");
  Value doc = *stored;
  doc["Status"] = "deleted";
  Output out;
  out.value["DBSnapshot"] = doc;
  std::string folder = doc.value("_Folder", "");
  NUAGE_TRY(store_->erase(scope, kSnapshot, id));
  if (!root_.empty()) worker_.post([this, folder] { engines_.remove(folder_of(folder)); });
  return out;
}

Result<Output> Provider::restore_db_instance_from_db_snapshot(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string snapshot_id = text::lower(in.at("DBSnapshotIdentifier").get<std::string>());
  const Value* snap = store_->get(scope, kSnapshot, snapshot_id);
  if (!snap) return snapshot_not_found(snapshot_id);
  if (snap->value("Status", "") != "available")
    return errors("InvalidDBSnapshotStateFault", "Snapshot " + snapshot_id + " is not in available state.");
  // The new instance is made as CreateDBInstance makes one, then its folder
  // is the snapshot's copy instead of a fresh initdb.
  Value create = in;
  create["Engine"] = in.value("Engine", (*snap)["Engine"].get<std::string>());
  create["DBInstanceClass"] = in.value("DBInstanceClass", "db.t3.micro");
  create["MasterUsername"] = (*snap)["MasterUsername"];
  create["MasterUserPassword"] = "restored-from-snapshot";  // placeholder for validation only; never used
  if (!(*snap).value("_DBName", "").empty()) create["DBName"] = (*snap)["_DBName"];
  create.erase("DBSnapshotIdentifier");
  std::string id = text::lower(in.at("DBInstanceIdentifier").get<std::string>());
  if (store_->get(scope, kInstance, id)) return errors("DBInstanceAlreadyExistsFault", "DB instance already exists");
  std::string from = (*snap)["_Folder"];
  restoring_from_ = from;
  auto made = create_db_instance(ctx, create);
  restoring_from_.clear();
  return made;
}

}  // namespace nuage::services::rds
