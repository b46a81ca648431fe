#include "services/rds/provider.h"

#include <spdlog/spdlog.h>

#include "common/text.h"
#include "common/time.h"
#include "kit/tagging.h"

namespace nuage::services::rds {

// RDS answers these common errors, which its model does not declare.
const kit::Errors errors("rds", {{"InvalidParameterValue", 400},
                                 {"InvalidParameterCombination", 400},
                                 {"MissingParameter", 400}});
const char* const kInstance = "db-instance";
const char* const kCluster = "db-cluster";
const char* const kSnapshot = "db-snapshot";
const char* const kClusterSnapshot = "db-cluster-snapshot";
const char* const kSubnetGroup = "db-subnet-group";
const char* const kParameterGroup = "db-parameter-group";
const char* const kClusterParameterGroup = "db-cluster-parameter-group";

std::string rds_arn(const Scope& scope, const std::string& type, const std::string& id) {
  return "arn:aws:rds:" + scope.region + ":" + scope.account + ":" + type + ":" + id;
}

// AWS's identifier rule: 1 to 63 letters, digits or hyphens; a letter
// first; no two consecutive hyphens, no hyphen last.
Status check_identifier(const std::string& id, const std::string& what) {
  bool ok = !id.empty() && id.size() <= 63 && std::isalpha(static_cast<unsigned char>(id[0])) && id.back() != '-' &&
            id.find("--") == std::string::npos;
  for (char c : id) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-');
  if (ok) return Status::Ok();
  return errors("InvalidParameterValue", "The parameter " + what +
                                             " is not a valid identifier. Identifiers must begin with a letter; "
                                             "must contain only ASCII letters, digits, and hyphens; and must not "
                                             "end with a hyphen or contain two consecutive hyphens.");
}

Result<Page> page_of(const Value& in) {
  Page page;
  if (in.contains("MaxRecords")) {
    int64_t max = in["MaxRecords"].get<int64_t>();
    if (max < 20 || max > 100)
      return errors("InvalidParameterValue",
                    "Invalid value " + std::to_string(max) + " for MaxRecords. Must be between 20 and 100");
    page.max = static_cast<size_t>(max);
  }
  if (in.contains("Marker")) {
    auto after = storage::ResourceStore::from_page_token(in["Marker"].get<std::string>());
    if (!after) return errors("InvalidParameterValue", "The marker is not valid.");
    page.after = *after;
  }
  return page;
}

void page_into(const storage::ResourceStore& store, const Scope& scope, const std::string& kind, const Page& page,
               const std::string& member, const std::function<bool(const Value&)>& keep, Output& out) {
  out.value[member] = Value::array();
  auto view = store.all(scope, kind);
  std::string last;
  for (auto it = page.after.empty() ? view.begin() : view.after(page.after); it != view.end(); ++it) {
    auto [id, doc] = *it;
    if (!keep(doc)) continue;
    if (out.value[member].size() == page.max) {
      out.value["Marker"] = storage::ResourceStore::page_token(last);
      break;
    }
    out.value[member].push_back(out.share(store.share(scope, kind, id)));
    last = id;
  }
}

Status check_filters(const Value& in, const FilterFields& fields) {
  for (const auto& f : in.value("Filters", Value::array())) {
    std::string name = f.value("Name", "");
    if (!fields.count(name)) return errors("InvalidParameterValue", "Unrecognized filter name: " + name);
  }
  return Status::Ok();
}

bool matches_filters(const Value& doc, const Value& in, const FilterFields& fields) {
  for (const auto& f : in.value("Filters", Value::array())) {
    auto field = fields.find(f.value("Name", ""));
    if (field == fields.end()) return false;
    auto member = doc.find(field->second);
    std::string have = member == doc.end() ? "" : member->is_string() ? member->get<std::string>() : member->dump();
    bool any = false;
    for (const auto& v : f.value("Values", Value::array()))
      any = any || (v.is_string() && v.get<std::string>() == have);
    if (!any) return false;
  }
  return true;
}

Provider::~Provider() { close(); }

Status Provider::open() {
  storage::ResourceStore::Options options;
  options.service = "rds";
  for (const char* kind :
       {kInstance, kCluster, kSnapshot, kClusterSnapshot, kSubnetGroup, kParameterGroup, kClusterParameterGroup})
    options.kinds[kind] = {"TagList", false};
  options.bus = &env_.bus;
  options.clock = &env_.clock;
  options.guard = &mutex_;  // AWS Config's inventory of DB instances and clusters
  auto store = storage::ResourceStore::open(env_.db, std::move(options));
  if (!store) return store.error();
  store_ = std::move(*store);
  NUAGE_TRY(env_.db.migrate(
      "rds", {"CREATE TABLE rds_events (account TEXT NOT NULL, region TEXT NOT NULL, time REAL NOT NULL, "
              "source_type TEXT NOT NULL, source_id TEXT NOT NULL, arn TEXT NOT NULL, message TEXT NOT NULL, "
              "category TEXT NOT NULL)",
              "CREATE INDEX rds_events_time ON rds_events(account, region, time)"}));
  // Nothing runs without a work folder (`nuage operations`, unit tests).
  NUAGE_TRY(engines_.enable(env_.work_dir.empty() ? "none" : env_.settings.rds_engines));
  if (env_.work_dir.empty()) return Status::Ok();
  root_ = env_.work_dir / "rds";
  std::error_code ec;
  std::filesystem::create_directories(root_, ec);
  if (ec) return internal_error("cannot create " + root_.string() + ": " + ec.message());
  // Resources caught in a transition when nuage stopped finish it now;
  // servers that were running start again.
  std::lock_guard lock(mutex_);
  std::vector<std::pair<Scope, std::string>> clusters, instances;
  store_->for_each(kCluster,
                   [&](const Scope& s, const std::string& id, const Value&) { clusters.emplace_back(s, id); });
  store_->for_each(kInstance,
                   [&](const Scope& s, const std::string& id, const Value&) { instances.emplace_back(s, id); });
  for (const auto& [scope, id] : clusters) {
    Value cluster = *store_->get(scope, kCluster, id);
    std::string status = cluster.value("Status", "");
    if (status == "stopped" || status == "stopping") {
      if (status == "stopping") cluster["Status"] = "stopped";
      if (cluster.contains("_AutoStartAt")) arm_auto_start(scope, kCluster, id, cluster["_AutoStartAt"].get<double>());
    } else if (status == "creating" && cluster.contains("_RestoreFrom")) {
      // The copy of its snapshot's data starts over.
      post_restore(scope, id);
    } else if (status != "deleting") {
      cluster["Status"] = "available";
    }
    NUAGE_TRY(store_->put(scope, kCluster, id, std::move(cluster)));
  }
  for (const auto& [scope, id] : instances) {
    Value doc = *store_->get(scope, kInstance, id);
    std::string status = doc.value("DBInstanceStatus", "");
    if (status == "stopped" || status == "stopping") {
      if (status == "stopping") doc["DBInstanceStatus"] = "stopped";
      if (doc.contains("_AutoStartAt")) arm_auto_start(scope, kInstance, id, doc["_AutoStartAt"].get<double>());
      NUAGE_TRY(store_->put(scope, kInstance, id, std::move(doc)));
    } else if (status == "deleting") {
      Job job{scope,
              kInstance,
              id,
              "deleting",
              [this](const EngineSpec& spec) {
                engines_.remove(spec.folder);
                return Status::Ok();
              },
              "",
              "",
              ""};
      post(std::move(job));
    } else if (status == "failed") {
      continue;
    } else if (status == "creating" && !doc.value("_Initialized", false)) {
      // Its master password was never kept: the creation cannot be resumed.
      doc["DBInstanceStatus"] = "failed";
      doc["_EngineError"] = "nuage stopped while the instance was being created";
      NUAGE_TRY(store_->put(scope, kInstance, id, std::move(doc)));
    } else {
      start_instance(scope, doc, "");
      NUAGE_TRY(store_->put(scope, kInstance, id, std::move(doc)));
    }
  }
  return Status::Ok();
}

void Provider::close() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    for (auto id : timers_) env_.clock.cancel(id);
    timers_.clear();
  }
  // The servers are stopped by the worker that started them, then the
  // worker ends (servers it would start later die with it).
  worker_.run_and_wait([this] { engines_.stop_all(); });
  worker_.stop();
}

void Provider::reset() {
  std::vector<std::filesystem::path> folders;
  {
    std::lock_guard lock(mutex_);
    if (!store_) return;
    for (const char* kind : {kInstance, kCluster, kSnapshot, kClusterSnapshot})
      store_->for_each(kind, [&](const Scope&, const std::string&, const Value& doc) {
        std::string rid = doc.value(kind == std::string(kCluster) ? "DbClusterResourceId" : "DbiResourceId", "");
        if (kind == std::string(kSnapshot) || kind == std::string(kClusterSnapshot)) rid = doc.value("_Folder", "");
        if (!rid.empty() && !root_.empty()) folders.push_back(folder_of(rid));
      });
    store_->clear();
    for (auto id : timers_) env_.clock.cancel(id);
    timers_.clear();
    pending_events_.clear();
  }
  (void)env_.db.exec("DELETE FROM rds_events");
  worker_.run_and_wait([this, folders] {
    for (const auto& f : folders) engines_.remove(f);
  });
}

void Provider::add_health(Value& health) const {
  Value rds = Value::object();
  std::string note;
  rds["postgres"] = engines_.installed("postgres", &note) ? "PostgreSQL " + engines_.postgres_version() : note;
  rds["mariadb"] = engines_.installed("mariadb", &note) ? std::string("MariaDB (engines mysql, mariadb, aurora-mysql)")
                                                        : note;
  Value not_running = Value::array();
  std::lock_guard lock(mutex_);
  if (store_)
    store_->for_each(kInstance, [&](const Scope&, const std::string& id, const Value& doc) {
      std::string why;
      if (!engines_.installed(doc.value("Engine", ""), &why))
        not_running.push_back(id + ": no server runs for it (" + why + ")");
      else if (doc.contains("_EngineError"))
        not_running.push_back(id + ": " + doc["_EngineError"].get<std::string>());
    });
  if (!not_running.empty()) rds["engine_not_running"] = not_running;
  health["rds"] = rds;
}

void Provider::post(Job job) {
  auto work = std::make_shared<Clock::Work>(env_.clock.begin_work());
  worker_.post([this, job = std::move(job), work]() {
    EngineSpec spec;
    bool installed = false;
    {
      std::lock_guard lock(mutex_);
      const Value* doc = store_->get(job.scope, job.kind, job.id);
      std::string member = job.kind == kInstance ? "DBInstanceStatus" : "Status";
      if (!doc || doc->value(member, "") != job.during) return;
      if (job.kind == kInstance) spec = spec_of(job.scope, *doc);
      if (job.kind == kCluster) spec = cluster_spec(job.scope, *doc);
      // Cluster and snapshot work decides itself what runs.
      installed = job.kind != kInstance || engines_.installed(doc->value("Engine", ""));
    }
    Status result = installed && job.work ? job.work(spec) : Status::Ok();
    finish(job, result, spec);
    flush_events();
  });
}

void Provider::finish(const Job& job, const Status& result, const EngineSpec& spec) {
  std::lock_guard lock(mutex_);
  const Value* stored = store_->get(job.scope, job.kind, job.id);
  std::string member = job.kind == kInstance ? "DBInstanceStatus" : "Status";
  if (!stored || stored->value(member, "") != job.during) return;
  Value doc = *stored;
  std::string arn = doc.value(job.kind == kInstance           ? "DBInstanceArn"
                              : job.kind == kCluster          ? "DBClusterArn"
                              : job.kind == kClusterSnapshot ? "DBClusterSnapshotArn"
                                                              : "DBSnapshotArn",
                              "");
  std::string source_type = job.kind == kInstance           ? "db-instance"
                            : job.kind == kCluster          ? "db-cluster"
                            : job.kind == kClusterSnapshot ? "db-cluster-snapshot"
                                                            : "db-snapshot";
  Status st;
  if (!result.ok()) {
    spdlog::warn("rds: {} {}: {}", job.kind, job.id, result.error().message);
    doc[member] = "failed";
    doc["_EngineError"] = result.error().message;
    st = store_->put(job.scope, job.kind, job.id, std::move(doc));
  } else if (job.after.empty()) {
    st = store_->erase(job.scope, job.kind, job.id);
  } else {
    doc[member] = job.after;
    doc.erase("_EngineError");
    if (job.kind == kInstance && job.during == "creating") doc["_Initialized"] = true;
    // The server (re)started with its group's values.
    bool started = job.during == "creating" ||
                   (job.after == "available" && job.during != "available" && job.during != "backing-up");
    if (job.kind == kInstance && started) {
      doc["_AppliedParameters"] = spec.parameters;
      settle_parameter_status(job.scope, doc);
    }
    if (job.kind == kSnapshot || job.kind == kClusterSnapshot) doc["PercentProgress"] = 100;
    if (job.after == "stopped") {
      double at = timefmt::epoch_seconds(env_.clock.now()) + 7 * 24 * 3600;
      doc["_AutoStartAt"] = at;
      doc["AutomaticRestartTime"] = at;
      arm_auto_start(job.scope, job.kind, job.id, at);
    }
    st = store_->put(job.scope, job.kind, job.id, std::move(doc));
  }
  if (!st.ok()) {
    spdlog::warn("rds: storing {} {}: {}", job.kind, job.id, st.error().message);
    return;
  }
  if (!job.event.empty()) record_event(job.scope, source_type, job.id, arn, job.event, job.event_id, "notification");
}

void Provider::register_operations(kit::OperationTable& table) {
  table.set_default_resources([](const Context& ctx, const Value& in) -> std::vector<std::string> {
    Scope scope{ctx.account_id, ctx.region};
    if (in.contains("DBInstanceIdentifier") && in["DBInstanceIdentifier"].is_string())
      return {rds_arn(scope, "db", in["DBInstanceIdentifier"])};
    if (in.contains("DBClusterIdentifier") && in["DBClusterIdentifier"].is_string())
      return {rds_arn(scope, "cluster", in["DBClusterIdentifier"])};
    if (in.contains("DBSnapshotIdentifier") && in["DBSnapshotIdentifier"].is_string())
      return {rds_arn(scope, "snapshot", in["DBSnapshotIdentifier"])};
    if (in.contains("DBClusterSnapshotIdentifier") && in["DBClusterSnapshotIdentifier"].is_string())
      return {rds_arn(scope, "cluster-snapshot", in["DBClusterSnapshotIdentifier"])};
    return {"*"};
  });
  table.add_locked("CreateDBInstance", this, mutex_, &Provider::create_db_instance);
  table.add_locked("DescribeDBInstances", this, mutex_, &Provider::describe_db_instances);
  table.add_locked("ModifyDBInstance", this, mutex_, &Provider::modify_db_instance);
  table.add_locked("StopDBInstance", this, mutex_, &Provider::stop_db_instance);
  table.add_locked("StartDBInstance", this, mutex_, &Provider::start_db_instance);
  table.add_locked("RebootDBInstance", this, mutex_, &Provider::reboot_db_instance);
  table.add_locked("DeleteDBInstance", this, mutex_, &Provider::delete_db_instance);
  table.add_locked("CreateDBCluster", this, mutex_, &Provider::create_db_cluster);
  table.add_locked("DescribeDBClusters", this, mutex_, &Provider::describe_db_clusters);
  table.add_locked("ModifyDBCluster", this, mutex_, &Provider::modify_db_cluster);
  table.add_locked("StopDBCluster", this, mutex_, &Provider::stop_db_cluster);
  table.add_locked("StartDBCluster", this, mutex_, &Provider::start_db_cluster);
  table.add_locked("DeleteDBCluster", this, mutex_, &Provider::delete_db_cluster);
  table.add_locked("CreateDBSnapshot", this, mutex_, &Provider::create_db_snapshot);
  table.add_locked("CreateDBClusterSnapshot", this, mutex_, &Provider::create_db_cluster_snapshot);
  table.add_locked("DescribeDBClusterSnapshots", this, mutex_, &Provider::describe_db_cluster_snapshots);
  table.add_locked("DeleteDBClusterSnapshot", this, mutex_, &Provider::delete_db_cluster_snapshot);
  table.add_locked("RestoreDBClusterFromSnapshot", this, mutex_, &Provider::restore_db_cluster_from_snapshot);
  table.add_locked("DescribeDBSnapshots", this, mutex_, &Provider::describe_db_snapshots);
  table.add_locked("DeleteDBSnapshot", this, mutex_, &Provider::delete_db_snapshot);
  table.add_locked("RestoreDBInstanceFromDBSnapshot", this, mutex_, &Provider::restore_db_instance_from_db_snapshot);
  table.add_locked("CreateDBSubnetGroup", this, mutex_, &Provider::create_db_subnet_group);
  table.add_locked("DescribeDBSubnetGroups", this, mutex_, &Provider::describe_db_subnet_groups);
  table.add_locked("DeleteDBSubnetGroup", this, mutex_, &Provider::delete_db_subnet_group);
  table.add_locked("DescribeDBEngineVersions", this, mutex_, &Provider::describe_db_engine_versions);
  table.add_locked("DescribeOrderableDBInstanceOptions", this, mutex_,
                   &Provider::describe_orderable_db_instance_options);
  // The operations of both kinds of parameter groups.
  for (const GroupKind* kind : {&kInstanceGroups, &kClusterGroups}) {
    std::string noun = kind->noun;
    std::string params = kind->cluster ? "DBClusterParameters" : "DBParameters";
    auto bind = [this, kind](Result<Output> (Provider::*fn)(const GroupKind&, Context&, const Value&)) {
      return [this, kind, fn](Context& ctx, const Value& in) -> Result<Output> {
        std::lock_guard lock(mutex_);
        return (this->*fn)(*kind, ctx, in);
      };
    };
    table.add("Create" + noun, bind(&Provider::create_parameter_group));
    table.add("Describe" + noun + "s", bind(&Provider::describe_parameter_groups));
    table.add("Describe" + params, bind(&Provider::describe_parameters));
    table.add("Delete" + noun, bind(&Provider::delete_parameter_group));
    table.add("Modify" + noun, bind(&Provider::modify_parameters));
    table.add("Reset" + noun, bind(&Provider::reset_parameters));
  }
  table.add_locked("DescribeEvents", this, mutex_, &Provider::describe_events);

  kit::TaggingSpec spec;
  spec.tag_operation = "AddTagsToResource";
  spec.untag_operation = "RemoveTagsFromResource";
  spec.arn_member = "ResourceName";
  spec.list_tags_member = "TagList";
  spec.too_many_error = "InvalidParameterValue";
  spec.too_many_message = "Cannot add more than 50 tags to a resource.";
  spec.reserved_error = "InvalidParameterValue";
  spec.reserved_message = "Tag keys cannot start with 'aws:'.";
  kit::add_tagging(table, spec, errors, store_, mutex_,
                   [this](const Context&, const std::string& arn) -> Result<kit::TaggedResource> {
                     // arn:aws:rds:region:account:type:id
                     auto parts = text::split(arn, ':');
                     if (parts.size() != 7 || parts[0] != "arn" || parts[2] != "rds")
                       return errors("InvalidParameterValue", "Invalid resource name: " + arn);
                     Scope scope{parts[4], parts[3]};
                     const std::string& type = parts[5];
                     const std::string& id = parts[6];
                     struct Kind {
                       const char* type;
                       const char* kind;
                       const char* error;
                       const char* noun;
                     };
                     static const Kind kinds[] = {
                         {"db", kInstance, "DBInstanceNotFoundFault", "DBInstance"},
                         {"cluster", kCluster, "DBClusterNotFoundFault", "DBCluster"},
                         {"snapshot", kSnapshot, "DBSnapshotNotFoundFault", "DBSnapshot"},
                         {"cluster-snapshot", kClusterSnapshot, "DBClusterSnapshotNotFoundFault", "DBClusterSnapshot"},
                         {"subgrp", kSubnetGroup, "DBSubnetGroupNotFoundFault", "DBSubnetGroup"},
                         {"pg", kParameterGroup, "DBParameterGroupNotFoundFault", "DBParameterGroup"},
                         {"cluster-pg", kClusterParameterGroup, "DBParameterGroupNotFoundFault",
                          "DBClusterParameterGroup"}};
                     for (const auto& k : kinds) {
                       if (type != k.type) continue;
                       if (!store_->get(scope, k.kind, id))
                         return errors(k.error, std::string(k.noun) + " " + id + " not found.");
                       return kit::TaggedResource{scope, k.kind, id};
                     }
                     return errors("InvalidParameterValue", "Invalid resource name: " + arn);
                   });
}

}  // namespace nuage::services::rds
