// Secret values and their versions: reading (by VersionId or staging label,
// one secret or a batch), putting a new version, listing versions, and
// moving staging labels as AWS moves them: a label is on at most one
// version; AWSCURRENT moving away leaves AWSPREVIOUS on the version it left.
#include <algorithm>
#include <cmath>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "services/secretsmanager/envelope.h"
#include "services/secretsmanager/internal.h"
#include "services/secretsmanager/provider.h"

namespace nuage::services::secretsmanager {

using namespace detail;
using kit::Output;
using kit::Value;

namespace detail {

void remove_stage(Value& version, const std::string& stage) {
  Value kept = Value::array();
  for (const auto& s : version["VersionStages"])
    if (s != stage) kept.push_back(s);
  version["VersionStages"] = std::move(kept);
}

void move_stage(Value& secret, const std::string& stage, const std::string& target) {
  Value& versions = secret["Versions"];
  std::string holder = version_with(secret, stage);
  if (holder == target) return;
  if (!holder.empty()) {
    remove_stage(versions[holder], stage);
    if (stage == kCurrent) {
      if (std::string previous = version_with(secret, kPrevious); !previous.empty())
        remove_stage(versions[previous], kPrevious);
      versions[holder]["VersionStages"].push_back(kPrevious);
    }
  }
  if (!target.empty()) versions[target]["VersionStages"].push_back(stage);
}

}  // namespace detail

namespace {

AwsError version_not_found(const std::string& what) {
  return errors("ResourceNotFoundException", "Secrets Manager can't find the specified secret value for " + what);
}

// Midnight (UTC) of the day of `now`: AWS keeps LastAccessedDate to the day.
double access_day(double now) { return std::floor(now / 86400) * 86400; }

}  // namespace

Result<std::string> Provider::add_version(const Context& ctx, const Found& where, const std::string& arn,
                                          const std::string& token, const NewValue& value,
                                          std::vector<std::string> stages) {
  if (stages.size() > kMaxStagesPerVersion)
    return invalid_parameter("You can't attach more than 20 staging labels to a version.");
  std::string key_id;
  std::shared_ptr<const std::string> existing;
  bool existing_binary = false;
  // Under the mutex: the secret is still the one the caller found.
  auto check = [&]() -> Result<const Value*> {
    const Value* d = store_->get(where.scope, kSecret, where.name);
    if (!d || (*d)["ARN"] != arn) return not_found();
    if (d->contains("DeletedDate")) return marked_for_deletion();
    return d;
  };
  {
    std::lock_guard lock(mutex_);
    auto d = check();
    if (!d) return d.error();
    key_id = (*d)->value("KmsKeyId", "");
    existing = sealed_value(arn, token);
    if (existing && (**d)["Versions"].contains(token)) existing_binary = (**d)["Versions"][token].value("Binary", false);
  }
  if (existing) {
    // A request repeated with its token: the same value is the same version.
    auto plain = envelope::open(env_, ctx, arn, token, *existing);
    if (!plain) return plain.error();
    if (*plain == value.plaintext && existing_binary == value.binary) return token;
    return errors("ResourceExistsException", "You can't modify an existing version, you can only create a new version.");
  }
  auto sealed = envelope::seal(env_, ctx, key_id, arn, token, value.plaintext);
  if (!sealed) return sealed.error();
  std::lock_guard lock(mutex_);
  auto d = check();
  if (!d) return d.error();
  if (sealed_value(arn, token))
    return errors("ResourceExistsException", "You can't modify an existing version, you can only create a new version.");
  double now = timefmt::epoch_seconds(ctx.clock->now());
  std::vector<std::string> dropped;
  NUAGE_TRY(store_->transaction([&]() -> Status {
    NUAGE_TRY(store_sealed(where.scope, arn, token, std::move(*sealed)));
    NUAGE_TRY(change(where, [&](Value& secret) {
      Value& versions = secret["Versions"];
      if (!versions.contains(token)) versions[token] = {{"VersionStages", Value::array()}, {"CreatedDate", now}};
      versions[token]["Binary"] = value.binary;
      versions[token]["KmsKeyId"] = key_id.empty() ? "DEFAULT" : key_id;
      for (const auto& stage : stages) move_stage(secret, stage, token);
      secret["LastChangedDate"] = now;
      // Beyond AWS's 100 versions, the oldest without a label go.
      std::vector<std::pair<double, std::string>> unlabeled;
      for (const auto& [id, version] : versions.items())
        if (version["VersionStages"].empty()) unlabeled.emplace_back(version["CreatedDate"].get<double>(), id);
      std::sort(unlabeled.begin(), unlabeled.end());
      for (size_t i = 0; versions.size() > kMaxVersions && i < unlabeled.size(); ++i) {
        versions.erase(unlabeled[i].second);
        dropped.push_back(unlabeled[i].second);
      }
      return Status::Ok();
    }));
    for (const auto& id : dropped)
      NUAGE_TRY(env_.db.exec("DELETE FROM secretsmanager_values WHERE arn = ? AND version_id = ?", {arn, id}));
    return Status::Ok();
  }));
  for (const auto& id : dropped) values_.erase(arn + " " + id);
  return token;
}

Result<Value> Provider::read_value(const Context& ctx, const std::string& secret_id, const std::string& version_id,
                                   const std::string& stage) {
  Value answer;
  std::shared_ptr<const std::string> sealed;
  std::string id = version_id;
  bool binary = false;
  {
    std::lock_guard lock(mutex_);
    auto found = find_live(ctx, secret_id);
    if (!found) return found.error();
    const Value& secret = doc(*found);
    const Value& versions = secret["Versions"];
    if (!id.empty()) {
      if (!versions.contains(id)) return version_not_found("VersionId: " + id);
      if (!stage.empty() && !has_stage(versions[id], stage))
        return errors("InvalidRequestException",
                      "You provided a VersionStage that is not associated to the provided VersionId.");
    } else {
      std::string wanted = stage.empty() ? std::string(kCurrent) : stage;
      id = version_with(secret, wanted);
      if (id.empty()) return version_not_found("staging label: " + wanted);
    }
    std::string arn = secret["ARN"];
    sealed = sealed_value(arn, id);
    if (!sealed) return version_not_found("VersionId: " + id);
    const Value& version = versions[id];
    binary = version.value("Binary", false);
    answer = {{"ARN", arn},
              {"Name", found->name},
              {"VersionId", id},
              {"VersionStages", version["VersionStages"]},
              {"CreatedDate", version["CreatedDate"]}};
    // Written once a day at most, as AWS keeps it.
    double today = access_day(timefmt::epoch_seconds(ctx.clock->now()));
    if (secret.value("LastAccessedDate", 0.0) != today || version.value("LastAccessedDate", 0.0) != today)
      (void)change(*found, [&](Value& d) {
        d["LastAccessedDate"] = today;
        d["Versions"][id]["LastAccessedDate"] = today;
        return Status::Ok();
      });
  }
  auto plain = envelope::open(env_, ctx, answer["ARN"], id, *sealed);
  if (!plain) return plain.error();
  if (binary) answer["SecretBinary"] = kit::make_blob(std::move(*plain));
  else answer["SecretString"] = std::move(*plain);
  return answer;
}

Result<Output> Provider::get_secret_value(Context& ctx, const Value& in) {
  auto value = read_value(ctx, in["SecretId"], in.value("VersionId", ""), in.value("VersionStage", ""));
  if (!value) return value.error();
  return answer(std::move(*value));
}

Result<Output> Provider::batch_get_secret_value(Context& ctx, const Value& in) {
  bool by_id = in.contains("SecretIdList"), by_filter = in.contains("Filters");
  if (by_id == by_filter)
    return invalid_parameter("Either SecretIdList or Filters must be specified, but not both.");
  std::vector<std::string> ids;
  Output out = answer(Value{{"SecretValues", Value::array()}, {"Errors", Value::array()}});
  if (by_id) {
    if (in.contains("MaxResults") || in.contains("NextToken"))
      return invalid_parameter("MaxResults and NextToken apply only to a request with Filters.");
    for (const auto& id : in["SecretIdList"]) ids.push_back(id.get<std::string>());
  } else {
    NUAGE_TRY(check_filters(in["Filters"]));
    auto offset = listing_offset(in);
    if (!offset) return offset.error();
    size_t limit = in.value("MaxResults", 20);
    std::vector<std::string> arns;
    {
      std::lock_guard lock(mutex_);
      for (auto [name, secret] : store_->all(scope_of(ctx), kSecret))
        if (!secret.contains("DeletedDate") && matches_filters(secret, in["Filters"])) arns.push_back(secret["ARN"].get<std::string>());
    }
    for (size_t i = *offset; i < arns.size() && i < *offset + limit; ++i) ids.push_back(arns[i]);
    if (*offset + limit < arns.size()) out.value["NextToken"] = listing_token(*offset + limit);
  }
  for (const auto& id : ids) {
    auto value = read_value(ctx, id, "", "");
    if (value) out.value["SecretValues"].push_back(std::move(*value));
    else
      out.value["Errors"].push_back(
          {{"SecretId", id}, {"ErrorCode", value.error().code}, {"Message", value.error().message}});
  }
  return out;
}

Result<Output> Provider::put_secret_value(Context& ctx, const Value& in) {
  auto value = value_of(in);
  if (!value) return value.error();
  if (!*value) return invalid_parameter("You must provide either SecretString or SecretBinary.");
  std::vector<std::string> stages;
  for (const auto& s : in.value("VersionStages", Value::array({kCurrent}))) stages.push_back(s.get<std::string>());
  Found where;
  std::string arn;
  {
    std::lock_guard lock(mutex_);
    auto found = find_live(ctx, in["SecretId"]);
    if (!found) return found.error();
    where = *found;
    arn = doc(where)["ARN"];
  }
  std::string token = in.value("ClientRequestToken", crypto::random_uuid());
  auto version = add_version(ctx, where, arn, token, **value, stages);
  if (!version) return version.error();
  std::lock_guard lock(mutex_);
  Value answered = Value::array();
  if (const Value* d = store_->get(where.scope, kSecret, where.name); d && (*d)["Versions"].contains(*version))
    answered = (*d)["Versions"][*version]["VersionStages"];
  return answer(Value{{"ARN", arn}, {"Name", where.name}, {"VersionId", *version}, {"VersionStages", answered}});
}

Result<Output> Provider::list_secret_version_ids(Context& ctx, const Value& in) {
  auto found = find(ctx, in["SecretId"]);
  if (!found) return found.error();
  auto offset = listing_offset(in);
  if (!offset) return offset.error();
  size_t limit = in.value("MaxResults", 100);
  bool deprecated = in.value("IncludeDeprecated", false);
  const Value& secret = doc(*found);
  std::vector<std::pair<double, std::string>> ordered;
  for (const auto& [id, version] : secret["Versions"].items())
    if (deprecated || !version["VersionStages"].empty()) ordered.emplace_back(version["CreatedDate"].get<double>(), id);
  std::sort(ordered.begin(), ordered.end());
  Output out = answer(Value{{"ARN", secret["ARN"]}, {"Name", found->name}, {"Versions", Value::array()}});
  for (size_t i = *offset; i < ordered.size() && i < *offset + limit; ++i) {
    const Value& version = secret["Versions"][ordered[i].second];
    Value entry = {{"VersionId", ordered[i].second},
                   {"VersionStages", version["VersionStages"]},
                   {"CreatedDate", version["CreatedDate"]}};
    if (version.contains("KmsKeyId")) entry["KmsKeyIds"] = Value::array({version["KmsKeyId"]});
    if (version.contains("LastAccessedDate")) entry["LastAccessedDate"] = version["LastAccessedDate"];
    out.value["Versions"].push_back(std::move(entry));
  }
  if (*offset + limit < ordered.size()) out.value["NextToken"] = listing_token(*offset + limit);
  return out;
}

Result<Output> Provider::update_secret_version_stage(Context& ctx, const Value& in) {
  auto found = find_live(ctx, in["SecretId"]);
  if (!found) return found.error();
  std::string stage = in["VersionStage"];
  std::string move_to = in.value("MoveToVersionId", ""), remove_from = in.value("RemoveFromVersionId", "");
  const Value& secret = doc(*found);
  const Value& versions = secret["Versions"];
  std::string holder = version_with(secret, stage);
  for (const auto& id : {move_to, remove_from})
    if (!id.empty() && !versions.contains(id)) return version_not_found("VersionId: " + id);
  if (!move_to.empty()) {
    if (!holder.empty() && holder != move_to) {
      if (remove_from.empty())
        return invalid_parameter("The parameter RemoveFromVersionId can't be empty. Staging label " + stage +
                                 " is currently attached to version " + holder +
                                 ", so you must explicitly reference that version in RemoveFromVersionId.");
      if (remove_from != holder)
        return invalid_parameter("The parameter RemoveFromVersionId must match the version that currently has the "
                                 "staging label " + stage + ": " + holder + ".");
    }
    if (versions[move_to]["VersionStages"].size() >= kMaxStagesPerVersion && !has_stage(versions[move_to], stage))
      return invalid_parameter("You can't attach more than 20 staging labels to a version.");
  } else {
    if (remove_from.empty()) return invalid_parameter("You must specify MoveToVersionId or RemoveFromVersionId.");
    if (holder != remove_from)
      return invalid_parameter("The staging label " + stage + " is not attached to version " + remove_from + ".");
    if (stage == kCurrent)
      return invalid_parameter("You can't remove the staging label AWSCURRENT from a version without moving it to "
                               "another version with MoveToVersionId.");
  }
  NUAGE_TRY(change(*found, [&](Value& d) {
    if (move_to.empty()) remove_stage(d["Versions"][remove_from], stage);
    else move_stage(d, stage, move_to);
    d["LastChangedDate"] = timefmt::epoch_seconds(ctx.clock->now());
    return Status::Ok();
  }));
  return answer(Value{{"ARN", doc(*found)["ARN"]}, {"Name", found->name}});
}

}  // namespace nuage::services::secretsmanager
