// Around the instances: DB subnet groups, the engine versions nuage serves,
// and events (DescribeEvents, and the same on EventBridge as "RDS DB
// Instance Event" / "RDS DB Cluster Event").
#include <spdlog/spdlog.h>

#include "common/text.h"
#include "common/time.h"
#include "services/rds/provider.h"

namespace nuage::services::rds {

namespace {

constexpr double kEventRetentionSeconds = 14 * 24 * 3600;  // AWS keeps events 14 days

AwsError subnet_group_not_found(const std::string& name) {
  return errors("DBSubnetGroupNotFoundFault", "DBSubnetGroup " + name + " not found.");
}

}  // namespace

Result<Output> Provider::create_db_subnet_group(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string name = text::lower(in.at("DBSubnetGroupName").get<std::string>());
  if (name == "default")
    return errors("InvalidParameterValue", "The parameter DBSubnetGroupName must not be 'default'.");
  if (store_->get(scope, kSubnetGroup, name))
    return errors("DBSubnetGroupAlreadyExistsFault", "The DB subnet group '" + name + "' already exists.");
  const Value& ids = in.at("SubnetIds");
  if (ids.empty()) return errors("InvalidParameterValue", "Some input subnets are invalid.");
  // The subnets are EC2's: their zones and VPC come from EC2.
  auto answer = env_.call("ec2", "DescribeSubnets", {{"SubnetIds", ids}}, ctx.caller, ctx.region);
  if (!answer) return errors("InvalidSubnet", "Some input subnets are invalid: " + answer.error().message);
  Value subnets = Value::array();
  std::string vpc;
  for (const auto& s : answer->materialized().value("Subnets", Value::array())) {
    vpc = s.value("VpcId", vpc);
    subnets.push_back({{"SubnetIdentifier", s.value("SubnetId", "")},
                       {"SubnetAvailabilityZone", {{"Name", s.value("AvailabilityZone", "")}}},
                       {"SubnetStatus", "Active"}});
  }
  Value doc = {{"DBSubnetGroupName", name},
               {"DBSubnetGroupDescription", in.at("DBSubnetGroupDescription")},
               {"DBSubnetGroupArn", rds_arn(scope, "subgrp", name)},
               {"VpcId", vpc},
               {"SubnetGroupStatus", "Complete"},
               {"Subnets", subnets},
               {"SupportedNetworkTypes", Value::array({"IPV4"})},
               {"TagList", in.value("Tags", Value::array())}};
  NUAGE_TRY(store_->put(scope, kSubnetGroup, name, doc));
  Output out;
  out.value["DBSubnetGroup"] = out.share(store_->share(scope, kSubnetGroup, name));
  return out;
}

Result<Output> Provider::describe_db_subnet_groups(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  auto page = page_of(in);
  if (!page) return page.take_error();
  Output out;
  out.value["DBSubnetGroups"] = Value::array();
  if (in.contains("DBSubnetGroupName")) {
    std::string name = text::lower(in["DBSubnetGroupName"].get<std::string>());
    auto doc = store_->share(scope, kSubnetGroup, name);
    if (!doc) return subnet_group_not_found(name);
    out.value["DBSubnetGroups"].push_back(out.share(doc));
    return out;
  }
  page_into(
      *store_, scope, kSubnetGroup, *page, "DBSubnetGroups", [&](const Value& doc) { return !doc.is_null(); }, out);
  return out;
}

Result<Output> Provider::delete_db_subnet_group(Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string name = text::lower(in.at("DBSubnetGroupName").get<std::string>());
  if (!store_->get(scope, kSubnetGroup, name)) return subnet_group_not_found(name);
  bool used = false;
  store_->for_each(kInstance, [&](const Scope& s, const std::string&, const Value& doc) {
    used = used || (s == scope && doc["DBSubnetGroup"].value("DBSubnetGroupName", "") == name);
  });
  if (used)
    return errors("InvalidDBSubnetGroupStateFault", "Cannot delete the subnet group '" + name +
                                                        "' because at least one database instance: is still using it.");
  NUAGE_TRY(store_->erase(scope, kSubnetGroup, name));
  return Output{};
}

std::vector<EngineVersion> Provider::engine_versions() const {
  std::string pg = engines_.postgres_version();
  std::string pg_version = pg.empty() ? "16.4" : pg + ".0";
  std::vector<EngineVersion> known = {
      {"postgres", pg_version, "", "PostgreSQL"},
      {"aurora-postgresql", pg_version, "", "Aurora (PostgreSQL)"},
      {"mysql", "8.0.39", "", "MySQL Community Edition"},
      {"mariadb", "10.11.9", "", "MariaDB Community Edition"},
      {"aurora-mysql", "8.0.mysql_aurora.3.07.1", "", "Aurora MySQL"},
  };
  for (auto& k : known) k.family = family_of(k.engine, k.version);
  return known;
}

EngineVersion Provider::engine_version(const std::string& engine) const {
  for (auto& k : engine_versions())
    if (k.engine == engine) return k;
  return {engine, "", engine, engine};
}

Result<Output> Provider::describe_db_engine_versions(Context&, const Value& in) {
  // The engines nuage knows, with whether a real server runs for them.
  std::vector<EngineVersion> known = engine_versions();
  std::string engine = in.value("Engine", "");
  std::string version = in.value("EngineVersion", "");
  std::string family = in.value("DBParameterGroupFamily", "");
  Output out;
  out.value["DBEngineVersions"] = Value::array();
  for (const auto& k : known) {
    if (!engine.empty() && k.engine != engine) continue;
    if (!version.empty() && !text::starts_with(k.version, version)) continue;
    if (!family.empty() && k.family != family) continue;
    out.value["DBEngineVersions"].push_back({{"Engine", k.engine},
                                             {"EngineVersion", k.version},
                                             {"DBParameterGroupFamily", k.family},
                                             {"DBEngineDescription", k.description},
                                             {"DBEngineVersionDescription", k.description + " " + k.version},
                                             {"MajorEngineVersion", k.version.substr(0, k.version.find('.'))},
                                             {"Status", "available"},
                                             {"SupportsReadReplica", false},
                                             {"ValidUpgradeTarget", Value::array()}});
  }
  return out;
}

Result<Output> Provider::describe_orderable_db_instance_options(Context& ctx, const Value& in) {
  std::string engine = in.at("Engine");
  std::string version = in.value("EngineVersion", "");
  std::string wanted_class = in.value("DBInstanceClass", "");
  EngineVersion known = engine_version(engine);
  if (known.version.empty()) return errors("InvalidParameterValue", "Unrecognized engine name: " + engine);
  auto page = page_of(in);
  if (!page) return page.take_error();
  bool aurora = text::starts_with(engine, "aurora");
  // Every class runs the same server here; AWS's usual ones are offered.
  static const std::vector<std::string> kInstanceClasses = {"db.m5.large", "db.m6g.large", "db.r5.large",
                                                            "db.r6g.large", "db.t3.medium", "db.t3.micro",
                                                            "db.t3.small", "db.t4g.micro"};
  static const std::vector<std::string> kAuroraClasses = {"db.r5.large", "db.r6g.large", "db.serverless",
                                                          "db.t3.medium", "db.t4g.medium"};
  Output out;
  out.value["OrderableDBInstanceOptions"] = Value::array();
  if (!version.empty() && !text::starts_with(known.version, version)) return out;
  if (in.contains("LicenseModel") &&
      in["LicenseModel"] != (engine == "mysql" || engine == "mariadb" ? "general-public-license" : "postgresql-license"))
    return out;
  Value zones = Value::array();
  for (const char* z : {"a", "b", "c"}) zones.push_back({{"Name", ctx.region + z}});
  std::string last;
  for (const auto& c : aurora ? kAuroraClasses : kInstanceClasses) {
    if (!wanted_class.empty() && c != wanted_class) continue;
    if (!page->after.empty() && c <= page->after) continue;
    if (out.value["OrderableDBInstanceOptions"].size() == page->max) {
      out.value["Marker"] = storage::ResourceStore::page_token(last);
      break;
    }
    Value option = {{"Engine", engine},
                    {"EngineVersion", known.version},
                    {"DBInstanceClass", c},
                    {"LicenseModel", engine == "mysql" || engine == "mariadb"
                                         ? "general-public-license"
                                         : aurora ? "amazon-license" : "postgresql-license"},
                    {"AvailabilityZones", zones},
                    {"MultiAZCapable", true},
                    {"ReadReplicaCapable", false},
                    {"Vpc", true},
                    {"SupportsStorageEncryption", true},
                    {"StorageType", aurora ? "aurora" : "gp2"},
                    {"SupportsIops", false},
                    {"SupportsIAMDatabaseAuthentication", false},
                    {"SupportsPerformanceInsights", false},
                    {"SupportsClusters", aurora},
                    {"SupportedEngineModes", Value::array({"provisioned"})},
                    {"SupportedNetworkTypes", Value::array({"IPV4"})}};
    if (!aurora) {
      option["MinStorageSize"] = 20;
      option["MaxStorageSize"] = 65536;
    }
    out.value["OrderableDBInstanceOptions"].push_back(std::move(option));
    last = c;
  }
  return out;
}

void Provider::record_event(const Scope& scope, const std::string& source_type, const std::string& source_id,
                            const std::string& arn, const std::string& message, const std::string& event_id,
                            const std::string& category) {
  auto now = env_.clock.now();
  double t = timefmt::epoch_seconds(now);
  Status st = env_.db.exec(
      "INSERT INTO rds_events(account, region, time, source_type, source_id, arn, message, category) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {scope.account, scope.region, t, source_type, source_id, arn, message, category});
  if (st.ok())
    st = env_.db.exec("DELETE FROM rds_events WHERE account = ? AND region = ? AND time < ?",
                      {scope.account, scope.region, t - kEventRetentionSeconds});
  if (!st.ok()) spdlog::warn("rds: recording an event: {}", st.error().message);
  auto e = events::Event::about("aws.rds",
                                source_type == "db-cluster"    ? "RDS DB Cluster Event"
                                : source_type == "db-snapshot" ? "RDS DB Snapshot Event"
                                                               : "RDS DB Instance Event",
                                scope.account, scope.region, now, arn,
                                {{"EventCategories", Value::array({category})},
                                 {"SourceType", source_type == "db-cluster"    ? "CLUSTER"
                                                : source_type == "db-snapshot" ? "SNAPSHOT"
                                                                               : "DB_INSTANCE"},
                                 {"SourceArn", arn},
                                 {"Date", timefmt::iso8601(now, true)},
                                 {"Message", message},
                                 {"SourceIdentifier", source_id}});
  if (!event_id.empty()) e.detail["EventID"] = event_id;
  pending_events_.push_back(std::move(e));
}

void Provider::flush_events() {
  std::vector<events::Event> events;
  {
    std::lock_guard lock(mutex_);
    events.swap(pending_events_);
  }
  for (const auto& e : events) env_.bus.publish(e);
}

Result<Output> Provider::describe_events(Context& ctx, const Value& in) {
  double now = timefmt::epoch_seconds(env_.clock.now());
  double end = in.contains("EndTime") ? kit::timestamp_seconds(in["EndTime"]).value_or(now) : now;
  double start = in.contains("StartTime") ? kit::timestamp_seconds(in["StartTime"]).value_or(0)
                                          : end - 60.0 * in.value("Duration", 60);
  auto page = page_of(in);
  if (!page) return page.take_error();
  std::string source_id = in.value("SourceIdentifier", "");
  std::string source_type = in.value("SourceType", "");
  if (!source_id.empty() && source_type.empty())
    return errors("InvalidParameterCombination", "Cannot specify source identifier without source type");
  Output out;
  out.value["Events"] = Value::array();
  size_t skip = page->after.empty() ? 0 : std::strtoul(page->after.c_str(), nullptr, 10);
  size_t index = 0;
  Status st = env_.db.exec(
      "SELECT time, source_type, source_id, arn, message, category FROM rds_events WHERE account = ? AND region = ? "
      "AND time >= ? AND time <= ? ORDER BY time, rowid",
      {ctx.account_id, ctx.region, start, end}, [&](const storage::Row& row) {
        if (!source_type.empty() && row.text(1) != source_type) return;
        if (!source_id.empty() && row.text(2) != source_id) return;
        if (index++ < skip) return;
        if (out.value["Events"].size() == page->max) {
          out.value["Marker"] = storage::ResourceStore::page_token(std::to_string(skip + page->max));
          return;
        }
        out.value["Events"].push_back({{"Date", row.real(0)},
                                       {"SourceType", row.text(1)},
                                       {"SourceIdentifier", row.text(2)},
                                       {"SourceArn", row.text(3)},
                                       {"Message", row.text(4)},
                                       {"EventCategories", Value::array({row.text(5)})}});
      });
  NUAGE_TRY(st);
  return out;
}

}  // namespace nuage::services::rds
