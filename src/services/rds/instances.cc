// DB instances: create (a real server where the engine is installed),
// describe, modify (a new master password really changes it), stop, start,
// reboot, delete (with a final snapshot or not), the automatic start seven
// days after a stop.
#include <algorithm>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "services/rds/provider.h"

namespace nuage::services::rds {

namespace {

const FilterFields& instance_filters() {
  static const FilterFields f = {{"db-instance-id", "DBInstanceIdentifier"},
                                 {"db-cluster-id", "DBClusterIdentifier"},
                                 {"dbi-resource-id", "DbiResourceId"},
                                 {"engine", "Engine"},
                                 {"db-instance-class", "DBInstanceClass"}};
  return f;
}

bool is_aurora(const std::string& engine) { return text::starts_with(engine, "aurora"); }

AwsError instance_not_found(const std::string& id) {
  return errors("DBInstanceNotFoundFault", "DBInstance " + id + " not found.");
}

AwsError not_available(const std::string& id) {
  return errors("InvalidDBInstanceStateFault", "Instance " + id + " is not in available state.");
}

// Aurora members are stopped and started with their cluster.
AwsError cluster_member(const Value& instance, const std::string& verb) {
  return errors("InvalidParameterCombination",
                "The " + instance.value("Engine", "") + " DB instance " + instance.value("DBInstanceIdentifier", "") +
                    " is a member of a DB cluster: " + verb + " the DB cluster instead.");
}

uint16_t default_port(const std::string& engine) {
  return engine == "postgres" || engine == "aurora-postgresql" ? 5432 : 3306;
}

std::string random_id(const std::string& prefix) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string bytes = crypto::random_bytes(26);
  std::string out = prefix;
  for (char b : bytes) out += kAlphabet[static_cast<unsigned char>(b) % 32];
  return out;
}

}  // namespace

std::string new_resource_id(const std::string& prefix) { return random_id(prefix); }

Status check_master(const Value& in, bool required) {
  std::string user = in.value("MasterUsername", "");
  std::string password = in.value("MasterUserPassword", "");
  if (required && user.empty())
    return errors("InvalidParameterValue", "The parameter MasterUsername must be provided and must not be blank.");
  if (!user.empty()) {
    bool ok = user.size() <= 63 && std::isalpha(static_cast<unsigned char>(user[0]));
    for (char c : user) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!ok)
      return errors("InvalidParameterValue", "MasterUsername " + user +
                                                 " must begin with a letter and contain only letters, digits and "
                                                 "underscores, at most 63 of them.");
  }
  if (required && password.empty())
    return errors("InvalidParameterValue", "The parameter MasterUserPassword must be provided and must not be blank.");
  if (in.contains("MasterUserPassword")) {
    if (password.size() < 8)
      return errors("InvalidParameterValue",
                    "The parameter MasterUserPassword is not a valid password because it is shorter than 8 "
                    "characters.");
    bool ok = password.size() <= 128;
    for (char c : password) ok = ok && c > ' ' && c < 127 && c != '/' && c != '"' && c != '@';
    if (!ok)
      return errors("InvalidParameterValue",
                    "The parameter MasterUserPassword is not a valid password. Only printable ASCII characters "
                    "besides '/', '@', '\"', ' ' may be used.");
  }
  if (in.contains("DBName")) {
    std::string name = in["DBName"];
    bool ok = !name.empty() && name.size() <= 63 && std::isalpha(static_cast<unsigned char>(name[0]));
    for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!ok)
      return errors("InvalidParameterValue",
                    "DBName must begin with a letter and contain only alphanumeric characters.");
  }
  return Status::Ok();
}


EngineSpec Provider::spec_of(const Scope& scope, const Value& instance) const {
  EngineSpec spec;
  spec.engine = instance.value("Engine", "");
  spec.master_user = instance.value("MasterUsername", "");
  spec.db_name = instance.value("DBName", "");
  spec.port = static_cast<uint16_t>(instance.value("_Port", 0));
  std::string rid = instance.value("DbiResourceId", "");
  if (instance.contains("DBClusterIdentifier")) {
    if (const Value* cluster = store_->get(scope, kCluster, instance["DBClusterIdentifier"].get<std::string>())) {
      rid = cluster->value("DbClusterResourceId", rid);
      spec.port = static_cast<uint16_t>(cluster->value("Port", 0));
      spec.master_user = cluster->value("MasterUsername", spec.master_user);
      spec.db_name = cluster->value("DatabaseName", "");
    }
  }
  if (!root_.empty()) spec.folder = folder_of(rid);
  spec.parameters = instance_parameters(scope, instance);
  return spec;
}

Result<Value*> Provider::instance_for_change(const Scope& scope, const std::string& id) {
  Value* doc = store_->find(scope, kInstance, id);
  if (!doc) return instance_not_found(id);
  return doc;
}

void Provider::arm_auto_start(const Scope& scope, const std::string& kind, const std::string& id, double at) {
  auto timer = env_.clock.schedule(timefmt::from_epoch_seconds(at), [this, scope, kind, id, at](auto) {
    {
      std::lock_guard lock(mutex_);
      const Value* stored = store_->get(scope, kind, id);
      std::string member = kind == kInstance ? "DBInstanceStatus" : "Status";
      if (!stored || stored->value(member, "") != "stopped" || stored->value("_AutoStartAt", 0.0) != at) return;
      Value doc = *stored;
      if (kind == kInstance) {
        record_event(scope, "db-instance", id, doc.value("DBInstanceArn", ""),
                     "DB instance is being started due to it exceeding the maximum allowed time being stopped.",
                     "RDS-EVENT-0154", "notification");
        start_instance(scope, doc, "DB instance started");
      } else {
        record_event(scope, "db-cluster", id, doc.value("DBClusterArn", ""),
                     "DB cluster is being started due to it exceeding the maximum allowed time being stopped.",
                     "RDS-EVENT-0153", "notification");
        start_cluster(scope, doc, "DB cluster started");
      }
      (void)store_->put(scope, kind, id, std::move(doc));
    }
    flush_events();
  });
  timers_.push_back(timer);
}

void Provider::start_instance(const Scope& scope, Value& doc, const std::string& event) {
  doc["DBInstanceStatus"] = "starting";
  doc.erase("_AutoStartAt");
  doc.erase("AutomaticRestartTime");
  post({scope, kInstance, doc["DBInstanceIdentifier"], "starting",
        [this](const EngineSpec& spec) { return engines_.start(spec); }, "available", event,
        event.empty() ? "" : "RDS-EVENT-0088"});
}

Result<Output> Provider::create_db_instance(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string id = text::lower(in.at("DBInstanceIdentifier").get<std::string>());
  NUAGE_TRY(check_identifier(id, "DBInstanceIdentifier"));
  std::string engine = in.at("Engine");
  static const std::vector<std::string> kEngines = {"postgres", "mysql", "mariadb", "aurora-postgresql",
                                                    "aurora-mysql"};
  if (std::find(kEngines.begin(), kEngines.end(), engine) == kEngines.end())
    return errors("InvalidParameterValue", "Invalid DB engine: " + engine);
  if (store_->get(scope, kInstance, id)) return errors("DBInstanceAlreadyExistsFault", "DB instance already exists");
  std::string cluster_id = text::lower(in.value("DBClusterIdentifier", ""));
  const Value* cluster = nullptr;
  if (!cluster_id.empty()) {
    cluster = store_->get(scope, kCluster, cluster_id);
    if (!cluster) return errors("DBClusterNotFoundFault", "DBCluster " + cluster_id + " not found.");
    if ((*cluster)["Engine"] != engine)
      return errors("InvalidParameterCombination", "The engine name requested for your DB instance (" + engine +
                                                       ") doesn't match the engine name of your DB cluster (" +
                                                       (*cluster)["Engine"].get<std::string>() + ").");
    if (in.contains("MasterUserPassword") || in.contains("MasterUsername"))
      return errors("InvalidParameterCombination",
                    "The requested DB Instance will be a member of a DB Cluster. Set master user password for the "
                    "DB Cluster.");
    std::string status = cluster->value("Status", "");
    if (status != "available")
      return errors("InvalidDBClusterStateFault", "DB Cluster " + cluster_id + " is not in available state.");
  } else if (is_aurora(engine)) {
    return errors("InvalidParameterCombination",
                  "A DB instance of engine " + engine + " must be a member of a DB cluster (DBClusterIdentifier).");
  } else {
    NUAGE_TRY(check_master(in, true));
  }
  std::string subnet_group_name = in.value("DBSubnetGroupName", "");
  Value subnet_group = {{"DBSubnetGroupName", "default"},
                        {"DBSubnetGroupDescription", "default"},
                        {"SubnetGroupStatus", "Complete"},
                        {"Subnets", Value::array()}};
  if (!subnet_group_name.empty()) {
    const Value* group = store_->get(scope, kSubnetGroup, text::lower(subnet_group_name));
    if (!group) return errors("DBSubnetGroupNotFoundFault", "DBSubnetGroup " + subnet_group_name + " not found.");
    subnet_group = *group;
    subnet_group.erase("TagList");
    subnet_group.erase("DBSubnetGroupArn");
  }
  bool installed = engines_.installed(engine);
  uint16_t port = 0;
  if (in.contains("Port")) {
    int64_t p = in["Port"].get<int64_t>();
    if (p < 1150 || p > 65535)
      return errors("InvalidParameterValue", "Invalid port " + std::to_string(p) + ": must be between 1150 and 65535.");
    port = static_cast<uint16_t>(p);
  }
  if (!cluster && installed) {
    if (port == 0) port = Engines::free_port();
    std::string taken;
    store_->for_each(kInstance, [&](const Scope&, const std::string& other, const Value& d) {
      if (d.value("_Port", 0) == port) taken = other;
    });
    if (!taken.empty() || (in.contains("Port") && Engines::accepting(port)))
      return errors("InvalidParameterValue", "Port " + std::to_string(port) + " is already in use on this machine" +
                                                 (taken.empty() ? "." : " by DB instance " + taken + "."));
  }
  if (cluster) port = static_cast<uint16_t>(cluster->value("Port", 0));
  if (port == 0) port = default_port(engine);
  std::string version = in.value("EngineVersion", engine_version(engine).version);
  std::string family = family_of(engine, version);
  std::string parameter_group = "default." + family;
  if (in.contains("DBParameterGroupName")) {
    auto checked = check_group(kInstanceGroups, scope, in["DBParameterGroupName"], family);
    if (!checked) return checked.take_error();
    parameter_group = *checked;
  }

  double now = timefmt::epoch_seconds(env_.clock.now());
  std::string rid = random_id("db-");
  Value doc = {
      {"DBInstanceIdentifier", id},
      {"DBInstanceArn", rds_arn(scope, "db", id)},
      {"DBInstanceClass", in.at("DBInstanceClass")},
      {"Engine", engine},
      {"EngineVersion", version},
      {"DBInstanceStatus", "creating"},
      {"AllocatedStorage", in.value("AllocatedStorage", cluster ? 1 : 20)},
      {"InstanceCreateTime", now},
      {"PreferredBackupWindow", in.value("PreferredBackupWindow", "03:00-03:30")},
      {"PreferredMaintenanceWindow", in.value("PreferredMaintenanceWindow", "sun:05:00-sun:05:30")},
      {"BackupRetentionPeriod", in.value("BackupRetentionPeriod", 1)},
      {"DBSecurityGroups", Value::array()},
      {"VpcSecurityGroups", Value::array()},
      {"DBParameterGroups",
       Value::array({{{"DBParameterGroupName", parameter_group}, {"ParameterApplyStatus", "in-sync"}}})},
      {"AvailabilityZone", in.value("AvailabilityZone", ctx.region + "a")},
      {"DBSubnetGroup", subnet_group},
      {"PendingModifiedValues", Value::object()},
      {"MultiAZ", in.value("MultiAZ", false)},
      {"AutoMinorVersionUpgrade", in.value("AutoMinorVersionUpgrade", true)},
      {"ReadReplicaDBInstanceIdentifiers", Value::array()},
      {"LicenseModel", engine == "mysql" || engine == "mariadb" ? "general-public-license" : "postgresql-license"},
      {"PubliclyAccessible", in.value("PubliclyAccessible", false)},
      {"StorageType", in.value("StorageType", cluster ? "aurora" : "gp2")},
      {"DbInstancePort", 0},
      {"StorageEncrypted", in.value("StorageEncrypted", cluster ? cluster->value("StorageEncrypted", false) : false)},
      {"DbiResourceId", rid},
      {"CopyTagsToSnapshot", in.value("CopyTagsToSnapshot", false)},
      {"DeletionProtection", in.value("DeletionProtection", false)},
      {"IAMDatabaseAuthenticationEnabled", false},
      {"PerformanceInsightsEnabled", false},
      {"TagList", in.value("Tags", Value::array())},
      {"_Port", port},
  };
  for (auto& v : in.value("VpcSecurityGroupIds", Value::array()))
    doc["VpcSecurityGroups"].push_back({{"VpcSecurityGroupId", v}, {"Status", "active"}});
  std::string password = in.value("MasterUserPassword", "");
  if (cluster) {
    doc["DBClusterIdentifier"] = cluster_id;
    doc["MasterUsername"] = cluster->value("MasterUsername", "");
    if (cluster->contains("DatabaseName")) doc["DBName"] = (*cluster)["DatabaseName"];
    password = cluster->value("_MasterUserPassword", "");
  } else {
    doc["MasterUsername"] = in.at("MasterUsername");
    if (in.contains("DBName")) doc["DBName"] = in["DBName"];
  }
  if (installed) doc["Endpoint"] = {{"Address", "127.0.0.1"}, {"Port", port}, {"HostedZoneId", "Z2R2ITUGPM61AM"}};

  NUAGE_TRY(store_->transaction([&]() -> Status {
    if (cluster) {
      Value c = *cluster;
      bool writer = true;
      for (const auto& m : c["DBClusterMembers"]) writer = writer && !m.value("IsClusterWriter", false);
      c["DBClusterMembers"].push_back({{"DBInstanceIdentifier", id},
                                       {"IsClusterWriter", writer},
                                       {"DBClusterParameterGroupStatus", "in-sync"},
                                       {"PromotionTier", in.value("PromotionTier", 1)}});
      NUAGE_TRY(store_->put(scope, kCluster, cluster_id, std::move(c)));
    }
    return store_->put(scope, kInstance, id, doc);
  }));
  Output out;
  out.value["DBInstance"] = out.share(store_->share(scope, kInstance, id));

  std::string restore = restoring_from_;
  post({scope, kInstance, id, "creating",
        [this, password, scope, cluster_id, restore](const EngineSpec& spec) -> Status {
          if (!restore.empty()) {
            NUAGE_TRY(engines_.copy_data(folder_of(restore), spec.folder));
            return engines_.start(spec);
          }
          if (cluster_id.empty()) {
            EngineSpec with_password = spec;
            with_password.master_password = password;
            return engines_.create(with_password);
          }
          // A cluster's volume is made once, by the first member's job (jobs
          // run in order); later members serve it.
          bool initialized;
          {
            std::lock_guard lock(mutex_);
            const Value* c = store_->get(scope, kCluster, cluster_id);
            if (!c) return errors("DBClusterNotFoundFault", "DBCluster " + cluster_id + " not found.");
            initialized = c->value("_Initialized", false);
          }
          if (initialized) return engines_.start(spec);
          EngineSpec with_password = spec;
          with_password.master_password = password;
          NUAGE_TRY(engines_.create(with_password));
          // The cluster's volume exists: its password is no longer kept.
          std::lock_guard lock(mutex_);
          if (const Value* c = store_->get(scope, kCluster, cluster_id)) {
            Value changed = *c;
            changed["_Initialized"] = true;
            changed.erase("_MasterUserPassword");
            NUAGE_TRY(store_->put(scope, kCluster, cluster_id, std::move(changed)));
          }
          return Status::Ok();
        },
        "backing-up", "DB instance created", "RDS-EVENT-0005"});
  post({scope, kInstance, id, "backing-up", nullptr, "available", "", ""});
  return out;
}

Result<Output> Provider::describe_db_instances(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  NUAGE_TRY(check_filters(in, instance_filters()));
  auto page = page_of(in);
  if (!page) return page.take_error();
  Output out;
  out.value["DBInstances"] = Value::array();
  if (in.contains("DBInstanceIdentifier")) {
    std::string id = text::lower(in["DBInstanceIdentifier"].get<std::string>());
    if (text::starts_with(id, "arn:")) id = id.substr(id.rfind(':') + 1);
    auto doc = store_->share(scope, kInstance, id);
    if (!doc) return instance_not_found(in["DBInstanceIdentifier"]);
    if (matches_filters(*doc, in, instance_filters())) out.value["DBInstances"].push_back(out.share(doc));
    return out;
  }
  page_into(
      *store_, scope, kInstance, *page, "DBInstances",
      [&](const Value& doc) { return matches_filters(doc, in, instance_filters()); }, out);
  return out;
}

Result<Output> Provider::modify_db_instance(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string id = text::lower(in.at("DBInstanceIdentifier").get<std::string>());
  const Value* stored = store_->get(scope, kInstance, id);
  if (!stored) return instance_not_found(id);
  if (stored->value("DBInstanceStatus", "") != "available") return not_available(id);
  Value doc = *stored;
  bool member = doc.contains("DBClusterIdentifier");
  if (member && in.contains("MasterUserPassword"))
    return errors("InvalidParameterCombination",
                  "The requested DB Instance will be a member of a DB Cluster. Set master user password for the DB "
                  "Cluster.");
  NUAGE_TRY(check_master(in, false));
  if (in.contains("NewDBInstanceIdentifier"))
    return errors("InvalidParameterCombination", "nuage does not rename DB instances (NewDBInstanceIdentifier).");
  bool immediately = in.value("ApplyImmediately", false);
  for (const char* key : {"DeletionProtection", "BackupRetentionPeriod", "CopyTagsToSnapshot", "PreferredBackupWindow",
                          "PreferredMaintenanceWindow", "AutoMinorVersionUpgrade", "PubliclyAccessible"})
    if (in.contains(key)) doc[key] = in[key];
  for (const char* key : {"DBInstanceClass", "AllocatedStorage", "MultiAZ", "EngineVersion", "StorageType"}) {
    if (!in.contains(key)) continue;
    if (immediately)
      doc[key] = in[key];
    else
      doc["PendingModifiedValues"][key] = in[key];
  }
  if (in.contains("DBParameterGroupName")) {
    // The server takes the group's values at its next reboot.
    auto checked = check_group(kInstanceGroups, scope, in["DBParameterGroupName"],
                                        family_of(doc.value("Engine", ""), doc.value("EngineVersion", "")));
    if (!checked) return checked.take_error();
    doc["DBParameterGroups"] = Value::array({{{"DBParameterGroupName", *checked}}});
    settle_parameter_status(scope, doc);
  }
  if (in.contains("VpcSecurityGroupIds")) {
    doc["VpcSecurityGroups"] = Value::array();
    for (auto& v : in["VpcSecurityGroupIds"])
      doc["VpcSecurityGroups"].push_back({{"VpcSecurityGroupId", v}, {"Status", "active"}});
  }
  std::string password = in.value("MasterUserPassword", "");
  uint16_t new_port = 0;
  if (in.contains("DBPortNumber") && !member) {
    int64_t p = in["DBPortNumber"].get<int64_t>();
    if (p < 1150 || p > 65535)
      return errors("InvalidParameterValue", "Invalid port " + std::to_string(p) + ": must be between 1150 and 65535.");
    if (p != doc.value("_Port", 0)) {
      if (Engines::accepting(static_cast<uint16_t>(p)))
        return errors("InvalidParameterValue", "Port " + std::to_string(p) + " is already in use on this machine.");
      new_port = static_cast<uint16_t>(p);
    }
  }
  if (!password.empty() || new_port) {
    doc["DBInstanceStatus"] = "modifying";
    if (!password.empty()) doc["PendingModifiedValues"]["MasterUserPassword"] = "****";
    if (new_port) doc["PendingModifiedValues"]["Port"] = new_port;
  }
  NUAGE_TRY(store_->put(scope, kInstance, id, doc));
  Output out;
  out.value["DBInstance"] = out.share(store_->share(scope, kInstance, id));
  if (!password.empty() || new_port) {
    // The server restarts: a new password is set in single-user mode, a new
    // port is the one it listens on next.
    post({scope, kInstance, id, "modifying",
          [this, password, new_port, scope, id](const EngineSpec& spec) -> Status {
            engines_.stop(spec.folder);
            EngineSpec next = spec;
            if (!password.empty()) {
              next.master_password = password;
              NUAGE_TRY(engines_.set_password(next));
            }
            if (new_port) next.port = new_port;
            NUAGE_TRY(engines_.start(next));
            std::lock_guard lock(mutex_);
            if (const Value* d = store_->get(scope, kInstance, id)) {
              Value changed = *d;
              changed["PendingModifiedValues"].erase("MasterUserPassword");
              changed["PendingModifiedValues"].erase("Port");
              if (new_port) {
                changed["_Port"] = new_port;
                changed["Endpoint"]["Port"] = new_port;
              }
              NUAGE_TRY(store_->put(scope, kInstance, id, std::move(changed)));
            }
            return Status::Ok();
          },
          "available", "", ""});
  }
  return out;
}

Result<Output> Provider::stop_db_instance(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string id = text::lower(in.at("DBInstanceIdentifier").get<std::string>());
  const Value* stored = store_->get(scope, kInstance, id);
  if (!stored) return instance_not_found(id);
  if (stored->contains("DBClusterIdentifier")) return cluster_member(*stored, "stop");
  if (stored->value("DBInstanceStatus", "") != "available") return not_available(id);
  if (in.contains("DBSnapshotIdentifier"))
    return errors("InvalidParameterCombination",
                  "nuage does not take a snapshot while stopping (DBSnapshotIdentifier): call CreateDBSnapshot "
                  "after the stop.");
  Value doc = *stored;
  doc["DBInstanceStatus"] = "stopping";
  NUAGE_TRY(store_->put(scope, kInstance, id, std::move(doc)));
  Output out;
  out.value["DBInstance"] = out.share(store_->share(scope, kInstance, id));
  post({scope, kInstance, id, "stopping",
        [this](const EngineSpec& spec) {
          engines_.stop(spec.folder);
          return Status::Ok();
        },
        "stopped", "DB instance stopped", "RDS-EVENT-0087"});
  return out;
}

Result<Output> Provider::start_db_instance(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string id = text::lower(in.at("DBInstanceIdentifier").get<std::string>());
  const Value* stored = store_->get(scope, kInstance, id);
  if (!stored) return instance_not_found(id);
  if (stored->contains("DBClusterIdentifier")) return cluster_member(*stored, "start");
  if (stored->value("DBInstanceStatus", "") != "stopped")
    return errors("InvalidDBInstanceStateFault",
                  "Instance " + id +
                      " cannot be started as it is not in one of the following statuses: 'stopped, "
                      "inaccessible-encryption-credentials-recoverable, incompatible-network (only for SQL Server)'.");
  Value doc = *stored;
  start_instance(scope, doc, "DB instance started");
  NUAGE_TRY(store_->put(scope, kInstance, id, std::move(doc)));
  Output out;
  out.value["DBInstance"] = out.share(store_->share(scope, kInstance, id));
  return out;
}

Result<Output> Provider::reboot_db_instance(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string id = text::lower(in.at("DBInstanceIdentifier").get<std::string>());
  const Value* stored = store_->get(scope, kInstance, id);
  if (!stored) return instance_not_found(id);
  if (stored->value("DBInstanceStatus", "") != "available") return not_available(id);
  Value doc = *stored;
  doc["DBInstanceStatus"] = "rebooting";
  NUAGE_TRY(store_->put(scope, kInstance, id, std::move(doc)));
  Output out;
  out.value["DBInstance"] = out.share(store_->share(scope, kInstance, id));
  post({scope, kInstance, id, "rebooting",
        [this](const EngineSpec& spec) {
          engines_.stop(spec.folder);
          return engines_.start(spec);
        },
        "available", "DB instance restarted", "RDS-EVENT-0006"});
  return out;
}

Result<Output> Provider::delete_db_instance(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string id = text::lower(in.at("DBInstanceIdentifier").get<std::string>());
  const Value* stored = store_->get(scope, kInstance, id);
  if (!stored) return instance_not_found(id);
  std::string status = stored->value("DBInstanceStatus", "");
  if (status == "deleting")
    return errors("InvalidDBInstanceStateFault", "Instance " + id + " is already being deleted.");
  if (status != "available" && status != "stopped" && status != "failed") return not_available(id);
  if (stored->value("DeletionProtection", false))
    return errors("InvalidParameterCombination",
                  "Cannot delete protected DB Instance, please disable deletion protection and try again.");
  bool member = stored->contains("DBClusterIdentifier");
  bool skip = in.value("SkipFinalSnapshot", false);
  std::string final_id = text::lower(in.value("FinalDBSnapshotIdentifier", ""));
  if (!member) {
    if (!skip && final_id.empty())
      return errors("InvalidParameterCombination",
                    "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.");
    if (skip && !final_id.empty())
      return errors("InvalidParameterCombination",
                    "FinalDBSnapshotIdentifier can not be specified when deleting a DB instance with "
                    "SkipFinalSnapshot enabled.");
  }
  Value doc = *stored;
  doc["DBInstanceStatus"] = "deleting";
  std::optional<Value> snapshot;
  if (!member && !final_id.empty()) {
    NUAGE_TRY(check_identifier(final_id, "FinalDBSnapshotIdentifier"));
    if (store_->get(scope, kSnapshot, final_id))
      return errors(
          "DBSnapshotAlreadyExistsFault",
          "Cannot create the snapshot because a snapshot with the identifier " + final_id + " already exists.");
    auto made = new_snapshot(scope, doc, final_id, "manual", timefmt::epoch_seconds(env_.clock.now()));
    if (!made) return made.take_error();
    snapshot = std::move(*made);
  }
  bool last_member = true;
  NUAGE_TRY(store_->transaction([&]() -> Status {
    if (snapshot) NUAGE_TRY(store_->put(scope, kSnapshot, final_id, *snapshot));
    if (member) {
      std::string cluster_id = doc["DBClusterIdentifier"];
      if (const Value* c = store_->get(scope, kCluster, cluster_id)) {
        Value cluster = *c;
        Value members = Value::array();
        bool had_writer = false;
        for (const auto& m : cluster["DBClusterMembers"])
          if (m.value("DBInstanceIdentifier", "") != id)
            members.push_back(m);
          else
            had_writer = m.value("IsClusterWriter", false);
        if (had_writer && !members.empty()) members[0]["IsClusterWriter"] = true;
        last_member = members.empty();
        cluster["DBClusterMembers"] = members;
        NUAGE_TRY(store_->put(scope, kCluster, cluster_id, std::move(cluster)));
      }
    }
    return store_->put(scope, kInstance, id, doc);
  }));
  Output out;
  out.value["DBInstance"] = out.share(store_->share(scope, kInstance, id));
  std::string snapshot_folder = snapshot ? snapshot->value("_Folder", "") : "";
  post({scope, kInstance, id, "deleting",
        [this, member, last_member, snapshot_folder, final_id, scope](const EngineSpec& spec) -> Status {
          // A cluster's volume outlives its instances: only the last one
          // stops the server, and the volume goes with the cluster.
          if (member) {
            if (last_member) engines_.stop(spec.folder);
            return Status::Ok();
          }
          engines_.stop(spec.folder);
          if (!snapshot_folder.empty())
            NUAGE_TRY(settle_snapshot(scope, kSnapshot, final_id,
                                      copy_for_snapshot(spec, snapshot_folder, false).copied));
          engines_.remove(spec.folder);
          return Status::Ok();
        },
        "", "DB instance deleted", "RDS-EVENT-0003"});
  return out;
}

}  // namespace nuage::services::rds
