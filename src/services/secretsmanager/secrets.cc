// Secrets themselves: creation (with its first version), description,
// updates, deletion with a recovery window on the clock, and restore.
#include <algorithm>
#include <cctype>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "kit/tagging.h"
#include "services/secretsmanager/internal.h"
#include "services/secretsmanager/provider.h"

namespace nuage::services::secretsmanager {

using namespace detail;
using kit::Output;
using kit::Value;

namespace {

constexpr int kDefaultRecoveryDays = 30;

Status check_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 512;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string_view("/_+=.@!-").find(c) != std::string_view::npos))
      ok = false;
  if (!ok)
    return invalid_parameter(
        "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!");
  return Status::Ok();
}

// AWS's six random characters after the name.
std::string arn_suffix() {
  static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string bytes = crypto::random_bytes(6), out;
  for (char b : bytes) out.push_back(kAlphabet[static_cast<unsigned char>(b) % kAlphabet.size()]);
  return out;
}

}  // namespace

Result<std::optional<Provider::NewValue>> Provider::value_of(const Value& in) {
  bool has_string = in.contains("SecretString"), has_binary = in.contains("SecretBinary");
  if (has_string && has_binary)
    return invalid_parameter("You can't specify both a binary secret value and a string secret value in the same secret.");
  if (has_string) return std::optional<NewValue>(NewValue{in["SecretString"].get<std::string>(), false});
  if (has_binary) {
    std::string bytes = kit::blob_bytes(in["SecretBinary"]);
    if (bytes.size() > kMaxValueBytes)
      return errors("ValidationException", "1 validation error detected: Value at 'secretBinary' failed to satisfy "
                                           "constraint: Member must have length less than or equal to 65536");
    return std::optional<NewValue>(NewValue{std::move(bytes), true});
  }
  return std::optional<NewValue>();
}

Result<Output> Provider::create_secret(Context& ctx, const Value& in) {
  std::string name = in["Name"];
  NUAGE_TRY(check_name(name));
  auto value = value_of(in);
  if (!value) return value.error();
  std::string token = in.value("ClientRequestToken", crypto::random_uuid());
  storage::Tags tags = kit::tags_from(in.value("Tags", Value::array()));
  if (tags.size() > 50) return invalid_parameter("You have exceeded the number of tags (50) allowed for a secret.");
  for (const auto& [k, v] : tags)
    if (text::starts_with(text::lower(k), "aws:")) return invalid_parameter("Invalid tag key. Tag keys can't start with aws:.");
  Value replication = Value::array();
  if (in.contains("AddReplicaRegions")) {
    auto r = replicas(ctx, in["AddReplicaRegions"], Value::array());
    if (!r) return r.error();
    replication = std::move(*r);
  }
  Found where{scope_of(ctx), name};
  std::string arn;
  {
    std::lock_guard lock(mutex_);
    if (const Value* existing = store_->get(where.scope, kSecret, name)) {
      if (existing->contains("DeletedDate"))
        return errors("InvalidRequestException",
                      "You can't create this secret because a secret with this name is already scheduled for deletion.");
      // The same request again (same token) answers what the first did.
      if (in.contains("ClientRequestToken") && (*existing)["Versions"].contains(token))
        return answer(Value{{"ARN", (*existing)["ARN"]}, {"Name", name}, {"VersionId", token}});
      return errors("ResourceExistsException", "The operation failed because the secret " + name + " already exists.");
    }
    if (store_->all(where.scope, kSecret).size() >= kMaxSecrets)
      return errors("LimitExceededException", "You have exceeded the maximum number of secrets in this account.");
    double now = timefmt::epoch_seconds(ctx.clock->now());
    arn = "arn:aws:secretsmanager:" + ctx.region + ":" + ctx.account_id + ":secret:" + name + "-" + arn_suffix();
    Value secret = {{"ARN", arn}, {"Name", name}, {"CreatedDate", now}, {"LastChangedDate", now},
                    {"Versions", Value::object()}, {"Tags", kit::tags_value(tags, false)}};
    for (const char* member : {"Description", "KmsKeyId"})
      if (in.contains(member)) secret[member] = in[member];
    if (!replication.empty()) {
      secret["ReplicationStatus"] = replication;
      secret["PrimaryRegion"] = ctx.region;
    }
    NUAGE_TRY(store_->put(where.scope, kSecret, name, std::move(secret)));
  }
  Output out = answer(Value{{"ARN", arn}, {"Name", name}});
  if (!replication.empty()) out.value["ReplicationStatus"] = replication;
  if (!*value) return out;
  auto version = add_version(ctx, where, arn, token, **value, {kCurrent});
  if (!version) {
    // The secret is not kept without the value it was asked to hold.
    std::lock_guard lock(mutex_);
    if (const Value* d = store_->get(where.scope, kSecret, name); d && (*d)["ARN"] == arn) (void)erase_now(where.scope, name);
    return version.error();
  }
  out.value["VersionId"] = *version;
  return out;
}

Value Provider::describe(const Value& secret, bool listing) const {
  Value out = Value::object();
  for (const char* member : {"ARN", "Name", "Description", "KmsKeyId", "RotationEnabled", "RotationLambdaARN",
                             "RotationRules", "LastRotatedDate", "LastChangedDate", "LastAccessedDate", "DeletedDate",
                             "NextRotationDate", "CreatedDate", "PrimaryRegion", "ReplicationStatus"})
    if (secret.contains(member)) out[member] = secret[member];
  if (auto tags = secret.find("Tags"); tags != secret.end() && !tags->empty()) out["Tags"] = *tags;
  Value stages = Value::object();
  for (const auto& [id, version] : secret["Versions"].items())
    if (!version["VersionStages"].empty()) stages[id] = version["VersionStages"];
  out[listing ? "SecretVersionsToStages" : "VersionIdsToStages"] = stages;
  return out;
}

Result<Output> Provider::describe_secret(Context& ctx, const Value& in) {
  auto found = find(ctx, in["SecretId"]);
  if (!found) return found.error();
  return answer(describe(doc(*found), false));
}

Result<Output> Provider::update_secret(Context& ctx, const Value& in) {
  auto value = value_of(in);
  if (!value) return value.error();
  Found where;
  std::string arn;
  {
    std::lock_guard lock(mutex_);
    auto found = find_live(ctx, in["SecretId"]);
    if (!found) return found.error();
    where = *found;
    arn = doc(where)["ARN"];
    if (in.contains("Description") || in.contains("KmsKeyId"))
      NUAGE_TRY(change(where, [&](Value& d) {
        for (const char* member : {"Description", "KmsKeyId"})
          if (in.contains(member)) d[member] = in[member];
        d["LastChangedDate"] = timefmt::epoch_seconds(ctx.clock->now());
        return Status::Ok();
      }));
  }
  Output out = answer(Value{{"ARN", arn}, {"Name", where.name}});
  if (!*value) return out;
  auto version = add_version(ctx, where, arn, in.value("ClientRequestToken", crypto::random_uuid()), **value, {kCurrent});
  if (!version) return version.error();
  out.value["VersionId"] = *version;
  return out;
}

Result<Output> Provider::delete_secret(Context& ctx, const Value& in) {
  bool force = in.value("ForceDeleteWithoutRecovery", false);
  if (force && in.contains("RecoveryWindowInDays"))
    return invalid_parameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
  int64_t days = in.value("RecoveryWindowInDays", int64_t{kDefaultRecoveryDays});
  if (days < 7 || days > 30)
    return invalid_parameter("The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
  auto found = find(ctx, in["SecretId"]);
  if (!found) return found.error();
  const Value& secret = doc(*found);
  if (!secret.value("ReplicationStatus", Value::array()).empty())
    return errors("InvalidRequestException", "You can't delete secret " + found->name +
                                                 " that still has replica regions. Remove the replicas first with "
                                                 "RemoveRegionsFromReplication.");
  double now = timefmt::epoch_seconds(ctx.clock->now());
  Value out = {{"ARN", secret["ARN"]}, {"Name", found->name}};
  if (force) {
    out["DeletionDate"] = now;
    NUAGE_TRY(erase_now(found->scope, found->name));
    return answer(out);
  }
  if (secret.contains("DeletedDate")) return marked_for_deletion();
  double due = now + static_cast<double>(days) * 86400;
  NUAGE_TRY(change(*found, [&](Value& d) {
    d["DeletedDate"] = due;
    return Status::Ok();
  }));
  arm(found->scope, found->name);
  out["DeletionDate"] = due;
  return answer(out);
}

Result<Output> Provider::restore_secret(Context& ctx, const Value& in) {
  auto found = find(ctx, in["SecretId"]);
  if (!found) return found.error();
  NUAGE_TRY(change(*found, [&](Value& d) {
    d.erase("DeletedDate");
    return Status::Ok();
  }));
  arm(found->scope, found->name);
  return answer(Value{{"ARN", doc(*found)["ARN"]}, {"Name", found->name}});
}

}  // namespace nuage::services::secretsmanager
