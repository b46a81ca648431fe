// DB parameter groups: the parameters nuage's engines honor, per engine
// family, with AWS's apply types. A group's values reach the servers of the
// instances that use it: at every (re)start (PostgreSQL reads them from
// nuage-parameters.conf in its data folder, MariaDB from its command line),
// and at once for a dynamic parameter modified with ApplyMethod
// `immediate` (PostgreSQL reloads its configuration, MariaDB runs SET
// GLOBAL). An instance whose server runs other values than its group's says
// `pending-reboot` in DBParameterGroups[].ParameterApplyStatus until a
// reboot. The default groups (`default.<family>`) are AWS's: listed, read
// only.
//
// DB cluster parameter groups (Aurora families only) are the same thing
// for a cluster: their values reach the server of the cluster's volume
// (its writer), under the values of the writer's own DB parameter group,
// as Aurora's instance-level parameters override cluster-level ones.
#include <algorithm>

#include "common/text.h"
#include "services/rds/provider.h"

namespace nuage::services::rds {

namespace {

constexpr size_t kMaxGroups = 50;            // AWS's default quota per region
constexpr size_t kMaxModifiedParameters = 20;  // per ModifyDBParameterGroup call
constexpr size_t kMaxValueLength = 1024;

struct ParameterSpec {
  const char* name;
  const char* default_value;
  const char* data_type;  // integer, string, boolean
  const char* allowed;    // "min-max", "a,b,c", or "" (any)
  const char* apply_type;  // static, dynamic
  const char* description;
};

// PostgreSQL's settings, in PostgreSQL's own units (kB, 8kB pages, ms).
const std::vector<ParameterSpec>& postgres_parameters() {
  static const std::vector<ParameterSpec> p = {
      {"idle_in_transaction_session_timeout", "0", "integer", "0-2147483647", "dynamic",
       "Sets the maximum allowed duration of any idling transaction."},
      {"log_min_duration_statement", "-1", "integer", "-1-2147483647", "dynamic",
       "Sets the minimum execution time above which statements will be logged."},
      {"log_statement", "none", "string", "none,ddl,mod,all", "dynamic", "Sets the type of statements logged."},
      {"maintenance_work_mem", "65536", "integer", "1024-2147483647", "dynamic",
       "Sets the maximum memory to be used for maintenance operations."},
      {"max_connections", "100", "integer", "6-8388607", "static",
       "Sets the maximum number of concurrent connections."},
      {"shared_buffers", "16384", "integer", "16-1073741823", "static",
       "Sets the number of shared memory buffers used by the server."},
      {"statement_timeout", "0", "integer", "0-2147483647", "dynamic",
       "Sets the maximum allowed duration of any statement."},
      {"timezone", "UTC", "string", "", "dynamic", "Sets the time zone for displaying and interpreting time stamps."},
      {"work_mem", "4096", "integer", "64-2147483647", "dynamic",
       "Sets the maximum memory to be used for query workspaces."},
  };
  return p;
}

// MariaDB's system variables (served for mysql, mariadb and aurora-mysql).
const std::vector<ParameterSpec>& mariadb_parameters() {
  static const std::vector<ParameterSpec> p = {
      {"character_set_server", "utf8mb4", "string", "latin1,utf8mb3,utf8mb4", "dynamic",
       "The server's default character set."},
      {"innodb_buffer_pool_size", "33554432", "integer", "5242880-68719476736", "static",
       "The size in bytes of the memory buffer InnoDB uses to cache data and indexes of its tables."},
      {"max_allowed_packet", "16777216", "integer", "1024-1073741824", "dynamic",
       "This value by default is small, to catch large (possibly incorrect) packets."},
      {"max_connections", "151", "integer", "1-100000", "dynamic",
       "The number of simultaneous client connections allowed."},
      {"slow_query_log", "0", "boolean", "0,1", "dynamic", "Enable or disable the slow query log."},
      {"sql_mode", "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION", "string",
       "", "dynamic", "Current SQL Server Mode."},
      {"wait_timeout", "28800", "integer", "1-31536000", "dynamic",
       "The number of seconds the server waits for activity on a connection before closing it."},
  };
  return p;
}

bool postgres_family(const std::string& family) {
  return text::starts_with(family, "postgres") || text::starts_with(family, "aurora-postgresql");
}

const std::vector<ParameterSpec>& parameters_of(const std::string& family) {
  return postgres_family(family) ? postgres_parameters() : mariadb_parameters();
}

const ParameterSpec* find_parameter(const std::string& family, const std::string& name) {
  for (const auto& p : parameters_of(family))
    if (name == p.name) return &p;
  return nullptr;
}

// AWS answers the faults of DB parameter groups for both kinds.
AwsError group_not_found(const GroupKind& kind, const std::string& name) {
  return errors("DBParameterGroupNotFoundFault", std::string(kind.noun) + " not found: " + name);
}

std::string member(const GroupKind& kind, const char* suffix) { return std::string(kind.noun) + suffix; }

bool is_default(const std::string& name) { return text::starts_with(name, "default."); }

// AWS's rule for group names: a letter first, then letters, digits and
// hyphens, at most 255; no two consecutive hyphens, no hyphen last.
Status check_group_name(const GroupKind& kind, const std::string& name) {
  bool ok = !name.empty() && name.size() <= 255 && std::isalpha(static_cast<unsigned char>(name[0])) &&
            name.back() != '-' && name.find("--") == std::string::npos;
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-');
  if (ok) return Status::Ok();
  return errors("InvalidParameterValue",
                "The parameter " + member(kind, "Name") +
                    " is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII "
                    "letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive "
                    "hyphens.");
}

Status check_value(const ParameterSpec& spec, const std::string& value) {
  auto invalid = [&] {
    return errors("InvalidParameterValue", "Invalid parameter value: " + value + " for: " + spec.name +
                                               (*spec.allowed ? std::string(" allowed values are: ") + spec.allowed
                                                              : std::string()));
  };
  if (value.empty() || value.size() > kMaxValueLength) return invalid();
  for (char c : value)
    if (static_cast<unsigned char>(c) < ' ') return invalid();
  std::string allowed = spec.allowed;
  if (std::string(spec.data_type) == "integer") {
    // "min-max"; min may be negative.
    auto dash = allowed.find('-', 1);
    int64_t min = std::stoll(allowed.substr(0, dash)), max = std::stoll(allowed.substr(dash + 1));
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(value.c_str(), &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max) return invalid();
    return Status::Ok();
  }
  if (allowed.empty()) return Status::Ok();
  for (const auto& a : text::split(allowed, ','))
    if (a == value) return Status::Ok();
  return invalid();
}

// What a server runs once `changes` (applied at once) reach it: a
// parameter reset (no longer in the group's `values`) leaves the set.
void merge_applied(Value& instance, const std::map<std::string, std::string>& changes,
                   const std::map<std::string, std::string>& values) {
  Value applied = instance.value("_AppliedParameters", Value::object());
  for (const auto& [key, value] : changes) {
    if (values.count(key))
      applied[key] = value;
    else
      applied.erase(key);
  }
  instance["_AppliedParameters"] = applied;
}

}  // namespace

const GroupKind kInstanceGroups = {kParameterGroup, "DBParameterGroup", "pg", false};
const GroupKind kClusterGroups = {kClusterParameterGroup, "DBClusterParameterGroup", "cluster-pg", true};

std::string family_of(const std::string& engine, const std::string& version) {
  auto parts = text::split(version, '.');
  if (engine == "postgres" || engine == "aurora-postgresql") return engine + (parts.empty() ? "" : parts[0]);
  return engine + (parts.size() < 2 ? version : parts[0] + "." + parts[1]);
}

std::vector<std::string> Provider::group_families(const GroupKind& kind) const {
  std::vector<std::string> families;
  for (const auto& v : engine_versions())
    if (!kind.cluster || text::starts_with(v.engine, "aurora")) families.push_back(v.family);
  return families;
}

std::optional<Value> Provider::parameter_group(const GroupKind& kind, const Scope& scope,
                                               const std::string& name) const {
  if (const Value* stored = store_->get(scope, kind.kind, name)) return *stored;
  for (const auto& family : group_families(kind)) {
    if (name != "default." + family) continue;
    return Value{{member(kind, "Name"), name},
                 {"DBParameterGroupFamily", family},
                 {"Description", "Default " + std::string(kind.cluster ? "cluster " : "") + "parameter group for " +
                                     family},
                 {member(kind, "Arn"), rds_arn(scope, kind.arn_type, name)},
                 {"_Parameters", Value::object()}};
  }
  return std::nullopt;
}

std::map<std::string, std::string> Provider::group_values(const GroupKind& kind, const Scope& scope,
                                                          const std::string& name) const {
  std::map<std::string, std::string> values;
  auto group = parameter_group(kind, scope, name);
  if (!group) return values;
  for (const auto& [key, p] : (*group)["_Parameters"].items()) values[key] = p.value("value", "");
  return values;
}

std::map<std::string, std::string> Provider::instance_parameters(const Scope& scope, const Value& instance) const {
  std::map<std::string, std::string> values;
  if (instance.contains("DBClusterIdentifier"))
    if (const Value* cluster = store_->get(scope, kCluster, instance["DBClusterIdentifier"].get<std::string>()))
      values = group_values(kClusterGroups, scope, cluster->value("DBClusterParameterGroup", ""));
  const Value& groups = instance.value("DBParameterGroups", Value::array());
  if (!groups.empty())
    for (auto& [key, value] : group_values(kInstanceGroups, scope, groups[0].value("DBParameterGroupName", "")))
      values[key] = value;
  return values;
}

void Provider::settle_parameter_status(const Scope& scope, Value& instance) const {
  auto& groups = instance["DBParameterGroups"];
  if (!groups.is_array() || groups.empty()) return;
  std::map<std::string, std::string> applied;
  const Value running = instance.value("_AppliedParameters", Value::object());
  for (const auto& [key, v] : running.items()) applied[key] = v;
  bool same = instance_parameters(scope, instance) == applied;
  groups[0]["ParameterApplyStatus"] = same ? "in-sync" : "pending-reboot";
}

Result<Output> Provider::create_parameter_group(const GroupKind& kind, Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string name = text::lower(in.at(member(kind, "Name")).get<std::string>());
  NUAGE_TRY(check_group_name(kind, name));
  std::string family = in.at("DBParameterGroupFamily");
  bool known = false;
  for (const auto& f : group_families(kind)) known = known || f == family;
  if (!known)
    return errors("InvalidParameterValue", "The parameter DBParameterGroupFamily " + family +
                                               " is not a valid parameter group family.");
  if (parameter_group(kind, scope, name))
    return errors("DBParameterGroupAlreadyExistsFault", "Parameter group " + name + " already exists");
  size_t count = 0;
  store_->for_each(kind.kind, [&](const Scope& s, const std::string&, const Value&) { count += s == scope; });
  if (count >= kMaxGroups)
    return errors("DBParameterGroupQuotaExceededFault", "The request cannot be processed because it would exceed "
                                                        "the maximum number of " +
                                                            member(kind, "s") + " for this account.");
  Value doc = {{member(kind, "Name"), name},
               {"DBParameterGroupFamily", family},
               {"Description", in.at("Description")},
               {member(kind, "Arn"), rds_arn(scope, kind.arn_type, name)},
               {"TagList", in.value("Tags", Value::array())},
               {"_Parameters", Value::object()}};
  NUAGE_TRY(store_->put(scope, kind.kind, name, doc));
  Output out;
  out.value[kind.noun] = out.share(store_->share(scope, kind.kind, name));
  return out;
}

Result<Output> Provider::describe_parameter_groups(const GroupKind& kind, Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  auto page = page_of(in);
  if (!page) return page.take_error();
  Output out;
  std::string list = member(kind, "s");
  out.value[list] = Value::array();
  if (in.contains(member(kind, "Name"))) {
    std::string name = text::lower(in[member(kind, "Name")].get<std::string>());
    auto group = parameter_group(kind, scope, name);
    if (!group) return group_not_found(kind, name);
    out.value[list].push_back(std::move(*group));
    return out;
  }
  // The defaults and the account's groups, in name order.
  std::vector<std::string> names;
  for (const auto& family : group_families(kind)) names.push_back("default." + family);
  store_->for_each(kind.kind, [&](const Scope& s, const std::string& id, const Value&) {
    if (s == scope) names.push_back(id);
  });
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string last;
  for (const auto& name : names) {
    if (!page->after.empty() && name <= page->after) continue;
    if (out.value[list].size() == page->max) {
      out.value["Marker"] = storage::ResourceStore::page_token(last);
      break;
    }
    out.value[list].push_back(*parameter_group(kind, scope, name));
    last = name;
  }
  return out;
}

Result<Output> Provider::describe_parameters(const GroupKind& kind, Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string name = text::lower(in.at(member(kind, "Name")).get<std::string>());
  auto group = parameter_group(kind, scope, name);
  if (!group) return group_not_found(kind, name);
  auto page = page_of(in);
  if (!page) return page.take_error();
  std::string source = in.value("Source", "");
  if (!source.empty() && source != "user" && source != "engine-default" && source != "system")
    return errors("InvalidParameterValue", "Invalid source: " + source + ". Valid values: user, engine-default, system");
  const Value& set = (*group)["_Parameters"];
  Output out;
  out.value["Parameters"] = Value::array();
  std::string last;
  for (const auto& p : parameters_of((*group)["DBParameterGroupFamily"])) {
    bool user = set.contains(p.name);
    if (!source.empty() && source != (user ? "user" : "engine-default")) continue;
    if (!page->after.empty() && std::string(p.name) <= page->after) continue;
    if (out.value["Parameters"].size() == page->max) {
      out.value["Marker"] = storage::ResourceStore::page_token(last);
      break;
    }
    Value param = {{"ParameterName", p.name},
                   {"ParameterValue", user ? set[p.name].value("value", "") : std::string(p.default_value)},
                   {"Description", p.description},
                   {"Source", user ? "user" : "engine-default"},
                   {"ApplyType", p.apply_type},
                   {"DataType", p.data_type},
                   {"IsModifiable", true},
                   {"ApplyMethod", user ? set[p.name].value("method", "pending-reboot") : "pending-reboot"}};
    if (*p.allowed) param["AllowedValues"] = p.allowed;
    out.value["Parameters"].push_back(std::move(param));
    last = p.name;
  }
  return out;
}

Result<Output> Provider::modify_parameters(const GroupKind& kind, Context& ctx, const Value& in) {
  return change_parameters(kind, ctx, in, false);
}

Result<Output> Provider::reset_parameters(const GroupKind& kind, Context& ctx, const Value& in) {
  return change_parameters(kind, ctx, in, true);
}

Result<Output> Provider::change_parameters(const GroupKind& kind, Context& ctx, const Value& in, bool reset) {
  Scope scope{ctx.account_id, ctx.region};
  std::string name = text::lower(in.at(member(kind, "Name")).get<std::string>());
  auto group = parameter_group(kind, scope, name);
  if (!group) return group_not_found(kind, name);
  if (is_default(name))
    return errors("InvalidDBParameterGroupStateFault", "Default " + std::string(kind.noun) + " cannot be modified");
  std::string family = (*group)["DBParameterGroupFamily"];
  const Value& params = in.contains("Parameters") ? in["Parameters"] : Value::array();
  bool all = reset && in.value("ResetAllParameters", false);
  if (!all && params.empty())
    return errors("MissingParameter", reset ? "Either ResetAllParameters or Parameters must be specified."
                                            : "The request must contain the parameter Parameters.");
  if (all && !params.empty())
    return errors("InvalidParameterCombination", "Cannot specify both ResetAllParameters and Parameters.");
  if (params.size() > kMaxModifiedParameters)
    return errors("InvalidParameterValue", "A maximum of 20 parameters can be modified in a single request.");
  Value& set = (*group)["_Parameters"];
  // What changes at once in the running servers: dynamic parameters with
  // ApplyMethod immediate (a reset one goes back to the engine's default).
  std::map<std::string, std::string> immediate;
  if (all) {
    set = Value::object();
  }
  for (const auto& p : params) {
    std::string pname = p.value("ParameterName", "");
    const ParameterSpec* spec = find_parameter(family, pname);
    if (!spec) return errors("InvalidParameterValue", "Could not find parameter with name: " + pname);
    std::string method = p.value("ApplyMethod", reset ? "pending-reboot" : "");
    if (method != "immediate" && method != "pending-reboot")
      return errors("InvalidParameterValue", "Invalid apply method " + method + " for parameter " + pname +
                                                 ": immediate or pending-reboot.");
    if (method == "immediate" && std::string(spec->apply_type) == "static")
      return errors("InvalidParameterCombination", "cannot use immediate apply method for static parameter");
    if (reset) {
      set.erase(pname);
      if (method == "immediate") immediate[pname] = spec->default_value;
      continue;
    }
    if (!p.contains("ParameterValue"))
      return errors("InvalidParameterValue", "The parameter ParameterValue must be provided for " + pname + ".");
    std::string value = p["ParameterValue"];
    NUAGE_TRY(check_value(*spec, value));
    set[pname] = {{"value", value}, {"method", method}};
    if (method == "immediate") immediate[pname] = value;
  }
  Value doc = std::move(*group);
  NUAGE_TRY(store_->put(scope, kind.kind, name, doc));
  // The instances of the group: applied at once where they run, else
  // pending their next reboot.
  std::vector<std::string> users = group_users(kind, scope, name);
  for (const auto& id : users) {
    Value instance = *store_->get(scope, kInstance, id);
    bool running = instance.value("DBInstanceStatus", "") == "available";
    if (!immediate.empty() && running && engines_.installed(instance.value("Engine", ""))) {
      instance["DBParameterGroups"][0]["ParameterApplyStatus"] = "applying";
      apply_immediately(scope, id, immediate);
    } else {
      // No server runs it now: what it would run changes with the group.
      if (!immediate.empty() && running) merge_applied(instance, immediate, instance_parameters(scope, instance));
      settle_parameter_status(scope, instance);
    }
    NUAGE_TRY(store_->put(scope, kInstance, id, std::move(instance)));
  }
  Output out;
  out.value[member(kind, "Name")] = name;
  return out;
}

void Provider::apply_immediately(const Scope& scope, const std::string& id,
                                 const std::map<std::string, std::string>& changes) {
  post({scope, kInstance, id, "available",
        [this, scope, id, changes](const EngineSpec& spec) -> Status {
          Value doc;
          {
            std::lock_guard lock(mutex_);
            const Value* d = store_->get(scope, kInstance, id);
            if (!d) return Status::Ok();
            doc = *d;
          }
          merge_applied(doc, changes, spec.parameters);
          EngineSpec live = spec;
          live.parameters.clear();
          for (const auto& [key, v] : doc["_AppliedParameters"].items()) live.parameters[key] = v;
          NUAGE_TRY(engines_.apply_live(live, changes));
          std::lock_guard lock(mutex_);
          if (const Value* d = store_->get(scope, kInstance, id)) {
            Value changed = *d;
            changed["_AppliedParameters"] = doc["_AppliedParameters"];
            settle_parameter_status(scope, changed);
            NUAGE_TRY(store_->put(scope, kInstance, id, std::move(changed)));
          }
          return Status::Ok();
        },
        "available", "", ""});
}

std::vector<std::string> Provider::group_users(const GroupKind& kind, const Scope& scope,
                                               const std::string& name) const {
  std::vector<std::string> users;
  store_->for_each(kInstance, [&](const Scope& s, const std::string& id, const Value& d) {
    if (s != scope) return;
    std::string group;
    if (!kind.cluster) {
      const Value& g = d.value("DBParameterGroups", Value::array());
      if (!g.empty()) group = g[0].value("DBParameterGroupName", "");
    } else if (d.contains("DBClusterIdentifier")) {
      if (const Value* c = store_->get(scope, kCluster, d["DBClusterIdentifier"].get<std::string>()))
        group = c->value("DBClusterParameterGroup", "");
    }
    if (group == name) users.push_back(id);
  });
  return users;
}

Result<Output> Provider::delete_parameter_group(const GroupKind& kind, Context& ctx, const Value& in) {
  Scope scope{ctx.account_id, ctx.region};
  std::string name = text::lower(in.at(member(kind, "Name")).get<std::string>());
  if (!parameter_group(kind, scope, name)) return group_not_found(kind, name);
  if (is_default(name))
    return errors("InvalidDBParameterGroupStateFault", "Default " + std::string(kind.noun) + " cannot be deleted");
  bool used = !group_users(kind, scope, name).empty();
  if (kind.cluster)
    store_->for_each(kCluster, [&](const Scope& s, const std::string&, const Value& c) {
      used = used || (s == scope && c.value("DBClusterParameterGroup", "") == name);
    });
  if (used)
    return errors("InvalidDBParameterGroupStateFault",
                  std::string(kind.cluster ? "One or more DB clusters" : "One or more database instances") +
                      " are still members of this parameter group " + name + ", so the group cannot be deleted");
  NUAGE_TRY(store_->erase(scope, kind.kind, name));
  return Output{};
}

Result<std::string> Provider::check_group(const GroupKind& kind, const Scope& scope, const std::string& name,
                                          const std::string& family) const {
  std::string lowered = text::lower(name);
  auto group = parameter_group(kind, scope, lowered);
  if (!group) return group_not_found(kind, name);
  std::string have = (*group)["DBParameterGroupFamily"];
  if (have != family)
    return errors("InvalidParameterCombination",
                  "The parameter group " + lowered + " with DBParameterGroupFamily " + have +
                      " cannot be used for this " + (kind.cluster ? "DB cluster" : "instance") +
                      ". Please use a Parameter Group with DBParameterGroupFamily " + family);
  return lowered;
}

}  // namespace nuage::services::rds
