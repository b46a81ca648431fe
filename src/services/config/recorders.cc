// Configuration recorders and delivery channels: one of each per account
// and region, as AWS allows. Starting a recorder discovers what exists
// already (the stores' inventory); a delivery channel names the bucket the
// history and snapshot files go to (delivery.cc), checked with AWS's
// writability test file when the channel is put.
#include <regex>

#include "services/config/internal.h"

namespace nuage::services::config {

namespace {

const std::vector<std::string> kStrategies = {"ALL_SUPPORTED_RESOURCE_TYPES", "INCLUSION_BY_RESOURCE_TYPES",
                                              "EXCLUSION_BY_RESOURCE_TYPES"};

AwsError invalid_group() { return errors("InvalidRecordingGroupException", "The recording group provided is not valid"); }

AwsError no_recorder(const std::string& name) {
  return errors("NoSuchConfigurationRecorderException",
                "Cannot find configuration recorder with the specified name '" + name + "'.");
}

AwsError no_channel(const std::string& name) {
  return errors("NoSuchDeliveryChannelException", "Cannot find delivery channel with specified name '" + name + "'.");
}

Status check_types(const Value& types, const std::string& path) {
  std::vector<std::string> bad;
  for (const auto& t : types)
    if (!t.is_string() || !is_known_type(t.get<std::string>())) bad.push_back(t.is_string() ? t.get<std::string>() : t.dump());
  if (bad.empty()) return Status::Ok();
  return errors("ValidationException", std::to_string(bad.size()) + " validation error detected: Value '[" +
                                           joined(bad) + "]' at '" + path +
                                           "' failed to satisfy constraint: Member must satisfy constraint: [Member "
                                           "must satisfy enum value set: [" + joined(recorded_types()) + ", ...]]");
}

// The recording group as AWS stores it (every member present), or AWS's
// InvalidRecordingGroupException for a contradictory one.
Result<Value> recording_group(const Value& given) {
  Value none = Value::array();
  if (given.is_null())
    return Value{{"allSupported", true},
                 {"includeGlobalResourceTypes", false},
                 {"resourceTypes", none},
                 {"exclusionByResourceTypes", {{"resourceTypes", none}}},
                 {"recordingStrategy", {{"useOnly", "ALL_SUPPORTED_RESOURCE_TYPES"}}}};
  if (given.empty()) return invalid_group();
  const Value strategy_in = given.value("recordingStrategy", Value::object());
  NUAGE_TRY(check_enum(strategy_in, "useOnly", "configurationRecorder.recordingGroup.recordingStrategy.useOnly",
                       kStrategies));
  std::string strategy = strategy_in.value("useOnly", "");
  Value types = given.value("resourceTypes", none);
  Value excluded = given.value("exclusionByResourceTypes", Value::object()).value("resourceTypes", none);
  bool global = given.value("includeGlobalResourceTypes", false);
  if (given.value("allSupported", false)) {
    if (!types.empty() || !excluded.empty() || (!strategy.empty() && strategy != kStrategies[0])) return invalid_group();
    strategy = kStrategies[0];
  } else if (!types.empty()) {
    if (global || !excluded.empty() || (!strategy.empty() && strategy != kStrategies[1])) return invalid_group();
    NUAGE_TRY(check_types(types, "configurationRecorder.recordingGroup.resourceTypes"));
    strategy = kStrategies[1];
  } else if (!excluded.empty()) {
    if (global || strategy != kStrategies[2]) return invalid_group();
    NUAGE_TRY(check_types(excluded, "configurationRecorder.recordingGroup.exclusionByResourceTypes.resourceTypes"));
  } else {
    return invalid_group();
  }
  return Value{{"allSupported", strategy == kStrategies[0]},
               {"includeGlobalResourceTypes", global},
               {"resourceTypes", types},
               {"exclusionByResourceTypes", {{"resourceTypes", excluded}}},
               {"recordingStrategy", {{"useOnly", strategy}}}};
}

Result<Value> recording_mode(const Value& given) {
  if (given.is_null()) return Value{{"recordingFrequency", "CONTINUOUS"}, {"recordingModeOverrides", Value::array()}};
  NUAGE_TRY(check_enum(given, "recordingFrequency", "configurationRecorder.recordingMode.recordingFrequency",
                       {"CONTINUOUS", "DAILY"}));
  Value mode = given;
  if (!mode.contains("recordingModeOverrides")) mode["recordingModeOverrides"] = Value::array();
  for (const auto& o : mode["recordingModeOverrides"]) {
    NUAGE_TRY(check_enum(o, "recordingFrequency",
                         "configurationRecorder.recordingMode.recordingModeOverrides.member.recordingFrequency",
                         {"CONTINUOUS", "DAILY"}));
    NUAGE_TRY(check_types(o.value("resourceTypes", Value::array()),
                          "configurationRecorder.recordingMode.recordingModeOverrides.member.resourceTypes"));
  }
  return mode;
}

bool contains(const Value& list, const std::string& s) {
  for (const auto& v : list)
    if (v == s) return true;
  return false;
}

std::string blank_or(const std::string& name) { return name.empty() ? "" : name; }

}  // namespace

// ------------------------------------------------------------ lookups

const Value* Provider::recorder(const Scope& scope) const {
  for (const auto& [name, doc] : store_->all(scope, kRecorder)) return &doc;
  return nullptr;
}

bool Provider::recording(const Scope& scope) const {
  const Value* r = recorder(scope);
  return r && r->value("_recording", false);
}

bool Provider::records_type(const Scope& scope, const std::string& type) const {
  const Value* r = recorder(scope);
  if (!r || !r->value("_recording", false) || !is_recorded_type(type)) return false;
  const Value& group = (*r)["recordingGroup"];
  std::string strategy = group["recordingStrategy"].value("useOnly", "");
  if (strategy == "INCLUSION_BY_RESOURCE_TYPES") return contains(group["resourceTypes"], type);
  if (strategy == "EXCLUSION_BY_RESOURCE_TYPES")
    return !contains(group["exclusionByResourceTypes"]["resourceTypes"], type) && !is_global_type(type);
  return !is_global_type(type) || group.value("includeGlobalResourceTypes", false);
}

std::string Provider::role_of(const Scope& scope) const {
  const Value* r = recorder(scope);
  return r ? r->value("roleARN", "") : "";
}

const Value* Provider::channel(const Scope& scope) const {
  for (const auto& [name, doc] : store_->all(scope, kChannel)) return &doc;
  return nullptr;
}

// ------------------------------------------------------------ recorders

Result<Output> Provider::put_configuration_recorder(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  const Value& given = in.at("ConfigurationRecorder");
  std::string name = given.value("name", "default");
  if (text::trim(name).empty())
    return errors("InvalidConfigurationRecorderNameException",
                  "The configuration recorder name '" + blank_or(name) + "' is not valid, blank string.");
  if (name.size() > 256) return too_long("configurationRecorder.name", 256);
  const Value* existing = recorder(scope);
  if (existing && (*existing)["name"] != name)
    return errors("MaxNumberOfConfigurationRecordersExceededException",
                  "Failed to put configuration recorder '" + name +
                      "' because the maximum number of configuration recorders: 1 is reached.");
  std::string role = given.value("roleARN", "");
  static const std::regex kRoleArn(R"(arn:aws[a-z-]*:iam::\d{12}:role/.+)");
  if (role.empty()) return errors("InvalidRoleException", "The roleARN of the configuration recorder is null or empty.");
  if (!std::regex_match(role, kRoleArn)) return errors("InvalidRoleException", "Role ARN " + role + " is not valid.");
  auto group = recording_group(given.value("recordingGroup", Value()));
  if (!group) return group.take_error();
  auto mode = recording_mode(given.value("recordingMode", Value()));
  if (!mode) return mode.take_error();
  Value doc = existing ? *existing : Value{{"_recording", false}, {"_lastStatus", "Pending"}};
  doc["name"] = name;
  doc["roleARN"] = role;
  doc["recordingGroup"] = *group;
  doc["recordingMode"] = *mode;
  if (!doc.contains("arn"))
    doc["arn"] = "arn:aws:config:" + ctx.region + ":" + ctx.account_id + ":configuration-recorder/" + name + "/" +
                 text::lower(crypto::random_uuid().substr(0, 8));
  if (in.contains("Tags")) doc["Tags"] = in["Tags"];
  NUAGE_TRY(store_->put(scope, kRecorder, name, std::move(doc)));
  return Output{};
}

Result<Output> Provider::describe_configuration_recorders(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  Output out;
  out.value["ConfigurationRecorders"] = Value::array();
  const Value* r = recorder(scope);
  for (const auto& name : in.value("ConfigurationRecorderNames", Value::array()))
    if (!r || (*r)["name"] != name) return no_recorder(name.get<std::string>());
  if (r) {
    Value shown = public_doc(*r);
    shown.erase("Tags");
    out.value["ConfigurationRecorders"].push_back(std::move(shown));
  }
  return out;
}

Result<Output> Provider::describe_configuration_recorder_status(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  Output out;
  out.value["ConfigurationRecordersStatus"] = Value::array();
  const Value* r = recorder(scope);
  for (const auto& name : in.value("ConfigurationRecorderNames", Value::array()))
    if (!r || (*r)["name"] != name) return no_recorder(name.get<std::string>());
  if (!r) return out;
  Value status = {{"name", (*r)["name"]},
                  {"arn", (*r)["arn"]},
                  {"recording", r->value("_recording", false)},
                  {"lastStatus", r->value("_lastStatus", "Pending")}};
  for (const char* m : {"lastStartTime", "lastStopTime", "lastStatusChangeTime"})
    if (r->contains(std::string("_") + m)) status[m] = (*r)[std::string("_") + m];
  out.value["ConfigurationRecordersStatus"].push_back(std::move(status));
  return out;
}

Result<Output> Provider::start_configuration_recorder(Context& ctx, const Value& in, Effects& fx) {
  Scope scope{ctx.account_id, ctx.region};
  std::string name = in.at("ConfigurationRecorderName");
  Value* r = store_->find(scope, kRecorder, name);
  if (!r) return no_recorder(name);
  if (!channel(scope))
    return errors("NoAvailableDeliveryChannelException", "Delivery channel is not available to start configuration recorder.");
  if (r->value("_recording", false)) return Output{};
  double now = epoch(env_.clock.now());
  (*r)["_recording"] = true;
  (*r)["_lastStartTime"] = now;
  (*r)["_lastStatusChangeTime"] = now;
  NUAGE_TRY(store_->put(scope, kRecorder, name, *r));
  fx.inventories.push_back(scope);
  return Output{};
}

Result<Output> Provider::stop_configuration_recorder(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  std::string name = in.at("ConfigurationRecorderName");
  Value* r = store_->find(scope, kRecorder, name);
  if (!r) return no_recorder(name);
  if (!r->value("_recording", false)) return Output{};
  double now = epoch(env_.clock.now());
  (*r)["_recording"] = false;
  (*r)["_lastStopTime"] = now;
  (*r)["_lastStatusChangeTime"] = now;
  NUAGE_TRY(store_->put(scope, kRecorder, name, *r));
  return Output{};
}

Result<Output> Provider::delete_configuration_recorder(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  std::string name = in.at("ConfigurationRecorderName");
  if (!store_->get(scope, kRecorder, name)) return no_recorder(name);
  NUAGE_TRY(store_->erase(scope, kRecorder, name));
  return Output{};
}

// ------------------------------------------------------------ delivery channels

Result<Output> Provider::put_delivery_channel(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  const Value& given = in.at("DeliveryChannel");
  std::string name = given.value("name", "default");
  if (text::trim(name).empty())
    return errors("InvalidDeliveryChannelNameException",
                  "The delivery channel name '" + blank_or(name) + "' is not valid, blank string.");
  if (name.size() > 256) return too_long("deliveryChannel.name", 256);
  if (!recorder(scope))
    return errors("NoAvailableConfigurationRecorderException",
                  "Configuration recorder is not available to put delivery channel.");
  std::string bucket = given.value("s3BucketName", "");
  if (bucket.empty()) return errors("NoSuchBucketException", "Cannot find a S3 bucket with an empty bucket name.");
  if (given.contains("s3KeyPrefix") && given["s3KeyPrefix"] == "")
    return errors("InvalidS3KeyPrefixException", "The s3 key prefix '' is not valid, empty s3 key prefix.");
  if (given.contains("snsTopicARN") && given["snsTopicARN"] == "")
    return errors("InvalidSNSTopicARNException", "The sns topic arn '' is not valid.");
  if (given.contains("s3KmsKeyArn") && given["s3KmsKeyArn"] == "")
    return errors("InvalidS3KmsKeyArnException", "The arn '' is not a valid kms key or alias arn.");
  if (given.contains("configSnapshotDeliveryProperties"))
    NUAGE_TRY(check_enum(given["configSnapshotDeliveryProperties"], "deliveryFrequency",
                         "deliveryChannel.configSnapshotDeliveryProperties.deliveryFrequency", frequencies()));
  const Value* existing = channel(scope);
  if (existing && (*existing)["name"] != name)
    return errors("MaxNumberOfDeliveryChannelsExceededException",
                  "Failed to put delivery channel '" + name + "' because the maximum number of delivery channels: 1 is reached.");
  // AWS writes a test file to make sure it can deliver.
  Value doc = existing ? *existing : Value::object();
  for (const char* m : {"s3BucketName", "s3KeyPrefix", "s3KmsKeyArn", "snsTopicARN", "configSnapshotDeliveryProperties"}) {
    doc.erase(m);
    if (given.contains(m)) doc[m] = given[m];
  }
  doc["name"] = name;
  std::string key = logs_prefix(doc, ctx.account_id) + "ConfigWritabilityCheckFile";
  Status wrote = put_file(scope, role_of(scope), bucket, key, "");
  if (!wrote.ok()) {
    if (wrote.error().code == "NoSuchBucket")
      return errors("NoSuchBucketException", "Cannot find a S3 bucket with name '" + bucket + "'.");
    return errors("InsufficientDeliveryPolicyException",
                  "Insufficient delivery policy to s3 bucket: " + bucket +
                      ", unable to write to bucket, provided s3 key prefix is '" +
                      given.value("s3KeyPrefix", "null") + "'.");
  }
  NUAGE_TRY(store_->put(scope, kChannel, name, std::move(doc)));
  arm_delivery(scope);
  return Output{};
}

Result<Output> Provider::describe_delivery_channels(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  const Value* c = channel(scope);
  for (const auto& name : in.value("DeliveryChannelNames", Value::array()))
    if (!c || (*c)["name"] != name) return no_channel(name.get<std::string>());
  Output out;
  out.value["DeliveryChannels"] = Value::array();
  if (c) out.value["DeliveryChannels"].push_back(public_doc(*c));
  return out;
}

Result<Output> Provider::describe_delivery_channel_status(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  const Value* c = channel(scope);
  for (const auto& name : in.value("DeliveryChannelNames", Value::array()))
    if (!c || (*c)["name"] != name) return no_channel(name.get<std::string>());
  Output out;
  out.value["DeliveryChannelsStatus"] = Value::array();
  if (!c) return out;
  auto info = [&](const char* kind) {
    Value i = c->value(std::string("_") + kind, Value::object());
    if (!i.contains("lastStatus")) i["lastStatus"] = "Not_Applicable";
    return i;
  };
  out.value["DeliveryChannelsStatus"].push_back({{"name", (*c)["name"]},
                                                 {"configHistoryDeliveryInfo", info("history")},
                                                 {"configSnapshotDeliveryInfo", info("snapshot")},
                                                 {"configStreamDeliveryInfo", {{"lastStatus", "Not_Applicable"}}}});
  return out;
}

Result<Output> Provider::delete_delivery_channel(Context& ctx, const Value& in, Effects&) {
  Scope scope{ctx.account_id, ctx.region};
  std::string name = in.at("DeliveryChannelName");
  if (!store_->get(scope, kChannel, name)) return no_channel(name);
  if (recording(scope))
    return errors("LastDeliveryChannelDeleteFailedException",
                  "Failed to delete last specified delivery channel with name '" + name +
                      "', because there is a running configuration recorder.");
  NUAGE_TRY(store_->erase(scope, kChannel, name));
  disarm_delivery(scope);
  return Output{};
}

}  // namespace nuage::services::config
