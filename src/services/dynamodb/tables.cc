// Tables: CreateTable (key schema, attribute definitions, billing mode and
// throughput, local and global secondary indexes with projections, streams,
// SSE, table class, deletion protection, tags), DescribeTable, ListTables,
// UpdateTable (throughput, billing mode, GSI create/update/delete, stream,
// deletion protection) and DeleteTable, validated with AWS's messages.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <set>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "kit/tagging.h"
#include "services/dynamodb/provider.h"

namespace nuage::services::dynamodb {

using kit::Output;
using kit::Value;

namespace {

constexpr size_t kMaxLocalIndexes = 5;
constexpr size_t kMaxGlobalIndexes = 20;

std::string joined(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out + "]";
}

// The key schema's rules, the table's and each index's: a HASH first, an
// optional RANGE second, on two different attributes.
std::optional<AwsError> check_key_schema(const Value& schema) {
  if (schema.empty() || schema[0].at("KeyType") != "HASH")
    return validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  if (schema.size() > 1) {
    if (schema[1].at("KeyType") != "RANGE")
      return validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
    if (schema[0].at("AttributeName") == schema[1].at("AttributeName"))
      return validation("Invalid KeySchema: Both the Hash Key and the Range Key element in the KeySchema have the same name");
  }
  return std::nullopt;
}

std::optional<AwsError> check_projection(const Value& projection) {
  std::string type = projection.value("ProjectionType", "");
  bool has_non_key = projection.contains("NonKeyAttributes");
  if (type == "INCLUDE" && !has_non_key)
    return validation(std::string(kInvalid) + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified");
  if (type != "INCLUDE" && has_non_key)
    return validation(std::string(kInvalid) + "ProjectionType is " + (type.empty() ? "KEYS_ONLY" : type) +
                      ", but NonKeyAttributes is specified");
  return std::nullopt;
}

std::string key_attribute(const Value& schema, const char* type) {
  for (const auto& k : schema)
    if (k.at("KeyType") == type) return k.at("AttributeName");
  return "";
}

Value provisioned(const Value& throughput) {
  return {{"NumberOfDecreasesToday", 0},
          {"ReadCapacityUnits", throughput.value("ReadCapacityUnits", int64_t{0})},
          {"WriteCapacityUnits", throughput.value("WriteCapacityUnits", int64_t{0})}};
}

// Every attribute the key schemas use, table's first, each once.
std::vector<std::string> keys_used(const Value& in) {
  std::vector<std::string> used;
  auto add = [&](const Value& schema) {
    for (const auto& k : schema) {
      std::string name = k.at("AttributeName");
      if (std::find(used.begin(), used.end(), name) == used.end()) used.push_back(name);
    }
  };
  add(in.at("KeySchema"));
  for (const char* member : {"LocalSecondaryIndexes", "GlobalSecondaryIndexes"})
    for (const auto& index : in.value(member, Value::array())) add(index.at("KeySchema"));
  return used;
}

// AttributeDefinitions against the key schemas, as CreateTable checks them.
std::optional<AwsError> check_definitions(const Value& in) {
  std::vector<std::string> defined;
  for (const auto& d : in.at("AttributeDefinitions")) {
    std::string name = d.at("AttributeName");
    if (std::find(defined.begin(), defined.end(), name) != defined.end())
      return validation(std::string(kInvalid) + "Duplicate AttributeName: " + name + " in AttributeDefinitions");
    defined.push_back(name);
  }
  std::vector<std::string> used = keys_used(in);
  bool indexes = in.contains("LocalSecondaryIndexes") || in.contains("GlobalSecondaryIndexes");
  bool undefined = std::any_of(used.begin(), used.end(), [&](const std::string& name) {
    return std::find(defined.begin(), defined.end(), name) == defined.end();
  });
  if (undefined) {
    if (!indexes) return validation("Invalid KeySchema: Some index key attribute have no definition");
    return validation(std::string(kInvalid) + "Some index key attributes are not defined in AttributeDefinitions. Keys: " +
                      joined(used) + ", AttributeDefinitions: " + joined(defined));
  }
  if (defined.size() != used.size()) {
    if (!indexes)
      return validation(std::string(kInvalid) +
                        "Number of attributes in KeySchema does not exactly match number of attributes defined in "
                        "AttributeDefinitions");
    return validation(std::string(kInvalid) + "Some AttributeDefinitions are not used. AttributeDefinitions: " +
                      joined(defined) + ", keys used: " + joined(used));
  }
  return std::nullopt;
}

AwsError in_use(const std::string& status, const std::string& name) {
  std::string doing = status == "CREATING" ? "created" : status == "DELETING" ? "deleted" : "updated";
  return errors("ResourceInUseException",
                "Attempt to change a resource which is still in use: Table is being " + doing + ": " + name);
}

AwsError pay_per_request_throughput() {
  return validation(std::string(kInvalid) +
                    "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
}

AwsError provisioned_needs_throughput() {
  return validation(std::string(kInvalid) +
                    "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
}

// A GSI description from its definition; throughput as the billing mode has it.
Result<Value> global_index(const Value& def, const std::string& billing, const std::string& arn) {
  std::string name = def.at("IndexName");
  if (auto e = check_key_schema(def.at("KeySchema"))) return *e;
  if (auto e = check_projection(def.at("Projection"))) return *e;
  if (billing == "PROVISIONED" && !def.contains("ProvisionedThroughput"))
    return validation(std::string(kInvalid) + "ProvisionedThroughput is not specified for index: " + name);
  if (billing == "PAY_PER_REQUEST" && def.contains("ProvisionedThroughput"))
    return validation(std::string(kInvalid) + "ProvisionedThroughput should not be specified for index: " + name +
                      " when BillingMode is PAY_PER_REQUEST");
  Value index = {{"IndexName", name},
                 {"KeySchema", def.at("KeySchema")},
                 {"Projection", def.at("Projection")},
                 {"IndexStatus", "CREATING"},
                 {"ProvisionedThroughput", provisioned(def.value("ProvisionedThroughput", Value::object()))},
                 {"IndexArn", arn + "/index/" + name}};
  if (def.contains("OnDemandThroughput")) index["OnDemandThroughput"] = def["OnDemandThroughput"];
  return index;
}

}  // namespace

AwsError validation(const std::string& message) { return errors("ValidationException", message); }

std::string table_arn(const kit::RequestContext& ctx, const std::string& name) {
  return "arn:aws:dynamodb:" + ctx.region + ":" + ctx.account_id + ":table/" + name;
}

std::string table_name(const std::string& name_or_arn) {
  if (!text::starts_with(name_or_arn, "arn:")) return name_or_arn;
  auto slash = name_or_arn.find(":table/");
  if (slash == std::string::npos) return name_or_arn;
  std::string rest = name_or_arn.substr(slash + 7);
  return rest.substr(0, rest.find('/'));
}

Result<const Value*> Provider::table(const Context& ctx, const std::string& name_or_arn) const {
  const Value* doc = store_->get(scope_of(ctx), kTable, table_name(name_or_arn));
  if (!doc)
    return errors("ResourceNotFoundException", "Requested resource not found: Table: " + name_or_arn + " not found");
  return doc;
}

Value Provider::describe(const Value& doc, bool just_changed) const {
  Value out = Value::object();
  for (const auto& [k, v] : doc.items())
    if (k[0] != '_' && k != "Tags") out[k] = v;
  // A transition ends once the clock has moved past the call that began it.
  bool settled = !just_changed && timefmt::epoch_micros(env_.clock.now()) > doc.value("_changed_at", int64_t{0});
  if (settled) out["TableStatus"] = "ACTIVE";
  auto stats = items_->stats(doc.at("TableId"));
  out["ItemCount"] = stats ? stats->count : 0;
  out["TableSizeBytes"] = stats ? stats->bytes : 0;
  if (out.contains("GlobalSecondaryIndexes"))
    for (auto& index : out["GlobalSecondaryIndexes"]) {
      if (settled && index["IndexStatus"] != "DELETING") index["IndexStatus"] = "ACTIVE";
      // Index reads are not served yet, so no item is projected into one.
      index["ItemCount"] = 0;
      index["IndexSizeBytes"] = 0;
    }
  if (out.contains("LocalSecondaryIndexes"))
    for (auto& index : out["LocalSecondaryIndexes"]) {
      index["ItemCount"] = 0;
      index["IndexSizeBytes"] = 0;
    }
  return out;
}

Result<Output> Provider::create_table(Context& ctx, const Value& in) {
  std::string name = in.at("TableName");
  // TableName's shape admits ARNs, so the model does not carry a table
  // name's constraints: CreateTable checks them in the model's words.
  if (name.size() < 3 || name.size() > 255 ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != std::string::npos)
    return validation("1 validation error detected: Value '" + name + "' at 'tableName' failed to satisfy constraint: " +
                      (name.size() < 3 ? "Member must have length greater than or equal to 3"
                       : name.size() > 255 ? "Member must have length less than or equal to 255"
                                           : "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"));
  std::string billing = in.value("BillingMode", "PROVISIONED");
  bool has_throughput = in.contains("ProvisionedThroughput");
  if (billing == "PAY_PER_REQUEST" && has_throughput) return pay_per_request_throughput();
  if (billing == "PROVISIONED" && !has_throughput) {
    if (!in.contains("BillingMode")) return validation("No provisioned throughput specified for the table");
    return provisioned_needs_throughput();
  }
  const Value& schema = in.at("KeySchema");
  if (auto e = check_key_schema(schema)) return *e;
  if (auto e = check_definitions(in)) return *e;
  std::string hash = key_attribute(schema, "HASH"), range = key_attribute(schema, "RANGE");
  std::string arn = table_arn(ctx, name);
  std::set<std::string> index_names;
  Value locals = Value::array(), globals = Value::array();
  const Value& lsis = in.value("LocalSecondaryIndexes", Value::array());
  const Value& gsis = in.value("GlobalSecondaryIndexes", Value::array());
  if (lsis.size() > kMaxLocalIndexes)
    return validation(std::string(kInvalid) + "Number of LocalSecondaryIndexes exceeds per-table limit of " +
                      std::to_string(kMaxLocalIndexes));
  if (gsis.size() > kMaxGlobalIndexes)
    return validation(std::string(kInvalid) + "Number of GlobalSecondaryIndexes exceeds per-table limit of " +
                      std::to_string(kMaxGlobalIndexes));
  for (const auto& def : lsis) {
    std::string index = def.at("IndexName");
    if (range.empty())
      return validation(std::string(kInvalid) +
                        "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex");
    if (!index_names.insert(index).second) return validation(std::string(kInvalid) + "Duplicate index name: " + index);
    if (auto e = check_key_schema(def.at("KeySchema"))) return *e;
    std::string index_hash = key_attribute(def.at("KeySchema"), "HASH");
    if (index_hash != hash)
      return validation(std::string(kInvalid) +
                        "Index KeySchema does not have the same leading hash key as table KeySchema for index: " + index +
                        ". index hash key: " + index_hash + ", table hash key: " + hash);
    if (def.at("KeySchema").size() < 2)
      return validation(std::string(kInvalid) + "Index KeySchema does not have a range key for index: " + index);
    if (auto e = check_projection(def.at("Projection"))) return *e;
    locals.push_back({{"IndexName", index},
                      {"KeySchema", def.at("KeySchema")},
                      {"Projection", def.at("Projection")},
                      {"IndexArn", arn + "/index/" + index}});
  }
  for (const auto& def : gsis) {
    std::string index = def.at("IndexName");
    if (!index_names.insert(index).second) return validation(std::string(kInvalid) + "Duplicate index name: " + index);
    auto described = global_index(def, billing, arn);
    if (!described) return described.take_error();
    globals.push_back(std::move(*described));
  }
  storage::Tags tags = kit::tags_from(in.value("Tags", Value::array()));
  for (const auto& [key, value] : tags)
    if (text::starts_with(text::lower(key), "aws:"))
      return validation("One or more parameter values were invalid: Tag keys starting with 'aws:' are reserved");
  if (store_->get(scope_of(ctx), kTable, name))
    return errors("ResourceInUseException", "Table already exists: " + name);

  auto now = ctx.clock->now();
  Value doc = {{"TableName", name},
               {"TableArn", arn},
               {"TableId", crypto::random_uuid()},
               {"AttributeDefinitions", in.at("AttributeDefinitions")},
               {"KeySchema", schema},
               {"TableStatus", "CREATING"},
               {"CreationDateTime", timefmt::epoch_seconds(now)},
               {"ProvisionedThroughput", provisioned(in.value("ProvisionedThroughput", Value::object()))},
               {"DeletionProtectionEnabled", in.value("DeletionProtectionEnabled", false)},
               {"Tags", kit::tags_value(tags, false)},
               {"_changed_at", timefmt::epoch_micros(now)}};
  if (in.contains("BillingMode")) {
    doc["BillingModeSummary"] = {{"BillingMode", billing}};
    if (billing == "PAY_PER_REQUEST") doc["BillingModeSummary"]["LastUpdateToPayPerRequestDateTime"] = doc["CreationDateTime"];
  }
  if (!locals.empty()) doc["LocalSecondaryIndexes"] = locals;
  if (!globals.empty()) doc["GlobalSecondaryIndexes"] = globals;
  if (in.contains("SSESpecification") && in["SSESpecification"].value("Enabled", false)) {
    std::string key = in["SSESpecification"].value(
        "KMSMasterKeyId", "arn:aws:kms:" + ctx.region + ":" + ctx.account_id + ":key/" + crypto::random_uuid());
    doc["SSEDescription"] = {{"Status", "ENABLED"}, {"SSEType", "KMS"}, {"KMSMasterKeyArn", key}};
  }
  if (in.contains("TableClass")) doc["TableClassSummary"] = {{"TableClass", in["TableClass"]}};
  if (in.contains("OnDemandThroughput")) doc["OnDemandThroughput"] = in["OnDemandThroughput"];
  NUAGE_TRY(store_->transaction([&]() -> Status {
    if (in.contains("StreamSpecification"))
      NUAGE_TRY(apply_stream_specification(ctx, doc, in["StreamSpecification"], true));
    return store_->put(scope_of(ctx), kTable, name, doc);
  }));
  Output out;
  out.value["TableDescription"] = describe(doc, true);
  return out;
}

Result<Output> Provider::describe_table(Context& ctx, const Value& in) {
  auto doc = table(ctx, in.at("TableName"));
  if (!doc) return doc.take_error();
  Output out;
  out.value["Table"] = describe(**doc);
  return out;
}

Result<Output> Provider::list_tables(Context& ctx, const Value& in) {
  size_t limit = static_cast<size_t>(in.value("Limit", int64_t{100}));
  auto view = store_->all(scope_of(ctx), kTable);
  auto it = in.contains("ExclusiveStartTableName") ? view.after(in["ExclusiveStartTableName"]) : view.begin();
  Output out;
  out.value["TableNames"] = Value::array();
  for (; it != view.end(); ++it) {
    if (out.value["TableNames"].size() == limit) {
      out.value["LastEvaluatedTableName"] = out.value["TableNames"].back();
      break;
    }
    out.value["TableNames"].push_back((*it).first);
  }
  return out;
}

Result<Output> Provider::delete_table(Context& ctx, const Value& in) {
  auto found = table(ctx, in.at("TableName"));
  if (!found) return found.take_error();
  const Value& doc = **found;
  if (doc.value("DeletionProtectionEnabled", false))
    return validation("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.");
  Value described = describe(doc);
  if (described["TableStatus"] != "ACTIVE") return in_use(described["TableStatus"], doc["TableName"]);
  described["TableStatus"] = "DELETING";
  std::string name = doc["TableName"], id = doc["TableId"];
  NUAGE_TRY(store_->transaction([&]() -> Status {
    NUAGE_TRY(items_->drop(id));
    NUAGE_TRY(close_stream(doc));
    return store_->erase(scope_of(ctx), kTable, name);
  }));
  throttles_.forget(id);
  Output out;
  out.value["TableDescription"] = std::move(described);
  return out;
}

Result<Output> Provider::update_table(Context& ctx, const Value& in) {
  auto found = table(ctx, in.at("TableName"));
  if (!found) return found.take_error();
  Value doc = **found;
  std::string name = doc["TableName"];
  Value now_described = describe(doc);
  if (now_described["TableStatus"] != "ACTIVE") return in_use(now_described["TableStatus"], name);
  static const char* kChanges[] = {"ProvisionedThroughput", "BillingMode", "StreamSpecification", "GlobalSecondaryIndexUpdates",
                                   "SSESpecification", "ReplicaUpdates", "DeletionProtectionEnabled", "TableClass",
                                   "OnDemandThroughput", "AttributeDefinitions"};
  if (std::none_of(std::begin(kChanges), std::end(kChanges), [&](const char* m) { return in.contains(m); }))
    return validation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates "
                      "or SSESpecification or ReplicaUpdates is required");
  if (in.contains("ReplicaUpdates")) return not_implemented("dynamodb", "UpdateTable with ReplicaUpdates");
  auto now = ctx.clock->now();
  double now_seconds = timefmt::epoch_seconds(now);
  std::string current = doc.contains("BillingModeSummary") ? doc["BillingModeSummary"].value("BillingMode", "PROVISIONED")
                                                           : "PROVISIONED";
  std::string billing = in.value("BillingMode", current);
  bool changed = false;
  const Value* stream_change = nullptr;  // the StreamSpecification, applied last
  if (billing == "PAY_PER_REQUEST" && in.contains("ProvisionedThroughput")) return pay_per_request_throughput();
  if (billing == "PROVISIONED" && current == "PAY_PER_REQUEST" && !in.contains("ProvisionedThroughput"))
    return provisioned_needs_throughput();
  if (billing != current) {
    doc["BillingModeSummary"] = {{"BillingMode", billing}};
    if (billing == "PAY_PER_REQUEST") {
      doc["BillingModeSummary"]["LastUpdateToPayPerRequestDateTime"] = now_seconds;
      doc["ProvisionedThroughput"]["ReadCapacityUnits"] = 0;
      doc["ProvisionedThroughput"]["WriteCapacityUnits"] = 0;
      if (doc.contains("GlobalSecondaryIndexes"))
        for (auto& index : doc["GlobalSecondaryIndexes"]) index["ProvisionedThroughput"] = provisioned(Value::object());
    }
    changed = true;
  }
  if (in.contains("ProvisionedThroughput")) {
    Value& current_tp = doc["ProvisionedThroughput"];
    int64_t read = in["ProvisionedThroughput"].at("ReadCapacityUnits");
    int64_t write = in["ProvisionedThroughput"].at("WriteCapacityUnits");
    int64_t old_read = current_tp.value("ReadCapacityUnits", int64_t{0});
    int64_t old_write = current_tp.value("WriteCapacityUnits", int64_t{0});
    if (read == old_read && write == old_write && billing == current)
      return validation("The provisioned throughput for the table will not change. The requested value equals the current "
                        "value. Current ReadCapacityUnits provisioned for the table: " + std::to_string(old_read) +
                        ". Requested ReadCapacityUnits: " + std::to_string(read) +
                        ". Current WriteCapacityUnits provisioned for the table: " + std::to_string(old_write) +
                        ". Requested WriteCapacityUnits: " + std::to_string(write) +
                        ". Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.");
    if (billing == current && (read < old_read || write < old_write)) {
      current_tp["LastDecreaseDateTime"] = now_seconds;
      current_tp["NumberOfDecreasesToday"] = current_tp.value("NumberOfDecreasesToday", 0) + 1;
    }
    if (read > old_read || write > old_write) current_tp["LastIncreaseDateTime"] = now_seconds;
    current_tp["ReadCapacityUnits"] = read;
    current_tp["WriteCapacityUnits"] = write;
    changed = true;
  }
  if (in.contains("AttributeDefinitions")) {
    for (const auto& def : in["AttributeDefinitions"]) {
      auto& defs = doc["AttributeDefinitions"];
      auto same = std::find_if(defs.begin(), defs.end(), [&](const Value& d) { return d["AttributeName"] == def["AttributeName"]; });
      if (same == defs.end()) defs.push_back(def);
      else if ((*same)["AttributeType"] != def["AttributeType"])
        return validation(std::string(kInvalid) + "Cannot change the type of attribute " + def["AttributeName"].get<std::string>());
    }
  }
  for (const auto& update : in.value("GlobalSecondaryIndexUpdates", Value::array())) {
    Value& indexes = doc["GlobalSecondaryIndexes"];
    if (indexes.is_null()) indexes = Value::array();
    auto named = [&](const std::string& index) {
      return std::find_if(indexes.begin(), indexes.end(), [&](const Value& i) { return i["IndexName"] == index; });
    };
    if (update.contains("Create")) {
      const Value& def = update["Create"];
      std::string index = def.at("IndexName");
      bool local = false;
      for (const auto& l : doc.value("LocalSecondaryIndexes", Value::array())) local |= l["IndexName"] == index;
      if (named(index) != indexes.end() || local)
        return validation(std::string(kInvalid) + "Duplicate index name: " + index);
      for (const auto& k : def.at("KeySchema")) {
        bool defined = false;
        for (const auto& d : in.value("AttributeDefinitions", Value::array())) defined |= d["AttributeName"] == k["AttributeName"];
        if (!defined)
          return validation(std::string(kInvalid) + "Some index key attributes are not defined in AttributeDefinitions. Keys: [" +
                            k["AttributeName"].get<std::string>() + "]");
      }
      auto described = global_index(def, billing, doc["TableArn"]);
      if (!described) return described.take_error();
      (*described)["Backfilling"] = false;
      indexes.push_back(std::move(*described));
    } else if (update.contains("Update")) {
      std::string index = update["Update"].at("IndexName");
      auto it = named(index);
      if (it == indexes.end())
        return errors("ResourceNotFoundException", "Requested resource not found: Index: " + index + " not found");
      if (update["Update"].contains("ProvisionedThroughput")) {
        if (billing == "PAY_PER_REQUEST") return pay_per_request_throughput();
        (*it)["ProvisionedThroughput"]["ReadCapacityUnits"] = update["Update"]["ProvisionedThroughput"].at("ReadCapacityUnits");
        (*it)["ProvisionedThroughput"]["WriteCapacityUnits"] = update["Update"]["ProvisionedThroughput"].at("WriteCapacityUnits");
      }
      if (update["Update"].contains("OnDemandThroughput")) (*it)["OnDemandThroughput"] = update["Update"]["OnDemandThroughput"];
      (*it)["IndexStatus"] = "UPDATING";
    } else if (update.contains("Delete")) {
      std::string index = update["Delete"].at("IndexName");
      auto it = named(index);
      if (it == indexes.end())
        return errors("ResourceNotFoundException", "Requested resource not found: Index: " + index + " not found");
      indexes.erase(it);
    }
    if (indexes.empty()) doc.erase("GlobalSecondaryIndexes");
    changed = true;
  }
  if (in.contains("StreamSpecification")) {
    stream_change = &in["StreamSpecification"];
    changed = true;
  }
  if (in.contains("SSESpecification")) {
    bool enable = in["SSESpecification"].value("Enabled", false);
    if (enable)
      doc["SSEDescription"] = {{"Status", "ENABLED"},
                               {"SSEType", "KMS"},
                               {"KMSMasterKeyArn", in["SSESpecification"].value(
                                                       "KMSMasterKeyId", "arn:aws:kms:" + ctx.region + ":" + ctx.account_id +
                                                                             ":key/" + crypto::random_uuid())}};
    else doc.erase("SSEDescription");
    changed = true;
  }
  if (in.contains("TableClass")) {
    doc["TableClassSummary"] = {{"TableClass", in["TableClass"]}, {"LastUpdateDateTime", now_seconds}};
    changed = true;
  }
  if (in.contains("OnDemandThroughput")) {
    doc["OnDemandThroughput"] = in["OnDemandThroughput"];
    changed = true;
  }
  if (in.contains("DeletionProtectionEnabled")) doc["DeletionProtectionEnabled"] = in["DeletionProtectionEnabled"];
  if (changed) {
    doc["TableStatus"] = "UPDATING";
    doc["_changed_at"] = timefmt::epoch_micros(now);
  }
  // The stream opens (or closes) with the table's change, in one transaction,
  // after every other check passed.
  NUAGE_TRY(store_->transaction([&]() -> Status {
    if (stream_change) NUAGE_TRY(apply_stream_specification(ctx, doc, *stream_change, false));
    return store_->put(scope_of(ctx), kTable, name, doc);
  }));
  throttles_.follow(doc);
  Output out;
  out.value["TableDescription"] = describe(doc, changed);
  return out;
}

}  // namespace nuage::services::dynamodb
