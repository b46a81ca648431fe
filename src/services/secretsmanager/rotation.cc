// Rotation: RotateSecret configures it (the function, AutomaticallyAfterDays
// or a rate()/cron() ScheduleExpression) and, unless told otherwise, starts
// one now; the schedule starts the next ones on nuage's clock (provider.cc
// arms it). A rotation stages a new version id AWSPENDING, then invokes the
// function once per step, in order — createSecret, setSecret, testSecret,
// finishSecret — with AWS's event, as secretsmanager.amazonaws.com (the
// function's policy must allow it, as on AWS). The function does the work
// through the API (PutSecretValue AWSPENDING, UpdateSecretVersionStage
// AWSCURRENT); once finishSecret has moved AWSCURRENT, the rotation is
// recorded (LastRotatedDate) and AWSPENDING leaves the new version.
#include <spdlog/spdlog.h>

#include "common/crypto.h"
#include "common/time.h"
#include "events/schedule.h"
#include "services/secretsmanager/internal.h"
#include "services/secretsmanager/provider.h"

namespace nuage::services::secretsmanager {

using namespace detail;
using kit::Output;
using kit::Value;

namespace {

constexpr const char* kSteps[] = {"createSecret", "setSecret", "testSecret", "finishSecret"};
constexpr int64_t kMinimumRateSeconds = 4 * 3600;  // AWS rotates at most every four hours

Status check_rules(const Value& rules) {
  if (rules.contains("AutomaticallyAfterDays") && rules.contains("ScheduleExpression"))
    return invalid_parameter("You can't specify both AutomaticallyAfterDays and ScheduleExpression in RotationRules.");
  if (rules.contains("AutomaticallyAfterDays")) {
    int64_t days = rules["AutomaticallyAfterDays"];
    if (days < 1 || days > 1000)
      return invalid_parameter("The AutomaticallyAfterDays value must be between 1 and 1000 days (inclusive).");
  }
  if (rules.contains("ScheduleExpression")) {
    std::string expression = rules["ScheduleExpression"];
    auto schedule = events::parse_schedule(expression, false, "Invalid ScheduleExpression: " + expression);
    if (!schedule) return invalid_parameter(schedule.error().message);
    if (schedule->kind == events::Schedule::Kind::kRate && schedule->rate_seconds < kMinimumRateSeconds)
      return invalid_parameter("The schedule expression " + expression +
                               " rotates more often than every four hours, which Secrets Manager doesn't allow.");
  }
  return Status::Ok();
}

}  // namespace

std::optional<double> Provider::next_rotation(const Value& rules, double after) {
  if (rules.contains("AutomaticallyAfterDays")) return after + rules["AutomaticallyAfterDays"].get<double>() * 86400;
  if (!rules.contains("ScheduleExpression")) return std::nullopt;
  auto schedule = events::parse_schedule(rules["ScheduleExpression"].get<std::string>(), false, "");
  if (!schedule) return std::nullopt;
  auto next = schedule->next_after(static_cast<int64_t>(after), events::TimeZone{}, static_cast<int64_t>(after));
  if (!next) return std::nullopt;
  return static_cast<double>(*next);
}

Status Provider::stage_pending(const Found& where, const std::string& token) {
  double now = timefmt::epoch_seconds(env_.clock.now());
  return change(where, [&](Value& secret) {
    if (!secret["Versions"].contains(token))
      secret["Versions"][token] = {{"VersionStages", Value::array()}, {"CreatedDate", now}};
    move_stage(secret, kPending, token);
    return Status::Ok();
  });
}

Result<Output> Provider::rotate_secret(Context& ctx, const Value& in) {
  Value rules = in.value("RotationRules", Value::object());
  NUAGE_TRY(check_rules(rules));
  bool immediately = in.value("RotateImmediately", true);
  std::string function, arn;
  Found where;
  {
    std::lock_guard lock(mutex_);
    auto found = find_live(ctx, in["SecretId"]);
    if (!found) return found.error();
    where = *found;
    const Value& secret = doc(where);
    arn = secret["ARN"];
    function = in.value("RotationLambdaARN", secret.value("RotationLambdaARN", ""));
    if (function.empty())
      return errors("InvalidRequestException", "No Lambda rotation function ARN is associated with this secret.");
    if (rotating_.count(arn))
      return errors("InvalidRequestException", "A previous rotation isn't complete. That rotation will be reattempted.");
    if (rules.empty() && !secret.contains("RotationRules") && !immediately)
      return invalid_parameter("You must specify RotationRules to schedule rotation.");
  }
  // Secrets Manager must be allowed to invoke the function before anything changes.
  auto dry = env_.call("lambda", "Invoke", Value{{"FunctionName", function}, {"InvocationType", "DryRun"}},
                       kit::Environment::service_principal(kPrincipal, where.scope.account, arn), where.scope.region);
  if (!dry) {
    if (dry.error().status >= 500) return dry.error();
    return errors("AccessDeniedException",
                  "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants "
                  "access to the principal secretsmanager.amazonaws.com.");
  }
  std::string token = in.value("ClientRequestToken", crypto::random_uuid());
  {
    std::lock_guard lock(mutex_);
    const Value* d = store_->get(where.scope, kSecret, where.name);
    if (!d || (*d)["ARN"] != arn) return not_found();
    if (d->contains("DeletedDate")) return marked_for_deletion();
    if (rotating_.count(arn))
      return errors("InvalidRequestException", "A previous rotation isn't complete. That rotation will be reattempted.");
    if (immediately) {
      // A rotation left unfinished is taken up again with its own token.
      std::string pending = version_with(*d, kPending);
      if (!pending.empty() && pending != version_with(*d, kCurrent) && !in.contains("ClientRequestToken"))
        token = pending;
      if ((*d)["Versions"].contains(token) && sealed_value(arn, token) && !has_stage((*d)["Versions"][token], kPending))
        return errors("ResourceExistsException", "A version with this ClientRequestToken already exists.");
    }
    double now = timefmt::epoch_seconds(ctx.clock->now());
    NUAGE_TRY(change(where, [&](Value& secret) {
      secret["RotationEnabled"] = true;
      secret["RotationLambdaARN"] = function;
      if (!rules.empty()) secret["RotationRules"] = rules;
      auto next = next_rotation(secret.value("RotationRules", Value::object()), now);
      if (next) secret["NextRotationDate"] = *next;
      else secret.erase("NextRotationDate");
      secret["LastChangedDate"] = now;
      return Status::Ok();
    }));
    if (immediately) NUAGE_TRY(stage_pending(where, token));
    arm(where.scope, where.name);
  }
  Output out = answer(Value{{"ARN", arn}, {"Name", where.name}});
  if (!immediately) return out;
  start_rotation(where.scope, arn, function, token);
  out.value["VersionId"] = token;
  return out;
}

Result<Output> Provider::cancel_rotate_secret(Context& ctx, const Value& in) {
  auto found = find_live(ctx, in["SecretId"]);
  if (!found) return found.error();
  NUAGE_TRY(change(*found, [&](Value& secret) {
    secret["RotationEnabled"] = false;
    secret.erase("NextRotationDate");
    secret["LastChangedDate"] = timefmt::epoch_seconds(ctx.clock->now());
    return Status::Ok();
  }));
  arm(found->scope, found->name);
  const Value& secret = doc(*found);
  Output out = answer(Value{{"ARN", secret["ARN"]}, {"Name", found->name}});
  if (std::string pending = version_with(secret, kPending); !pending.empty()) out.value["VersionId"] = pending;
  return out;
}

void Provider::start_rotation(const storage::Scope& scope, const std::string& arn, const std::string& function,
                              const std::string& token) {
  std::lock_guard lock(mutex_);
  if (closing_ || rotating_.count(arn)) return;
  for (auto it = rotations_.begin(); it != rotations_.end();) {
    if (*it->done) {
      it->thread.join();
      it = rotations_.erase(it);
    } else {
      ++it;
    }
  }
  rotating_.insert(arn);
  auto done = std::make_shared<std::atomic<bool>>(false);
  // advance() waits for the rotation a schedule started.
  auto work = std::make_shared<Clock::Work>(env_.clock.begin_work());
  rotations_.push_back({std::thread([this, scope, arn, function, token, done, work] {
                          run_rotation(scope, arn, function, token);
                          *done = true;
                        }),
                        done});
}

void Provider::run_rotation(const storage::Scope& scope, const std::string& arn, const std::string& function,
                            const std::string& token) {
  auto principal = kit::Environment::service_principal(kPrincipal, scope.account, arn);
  bool completed = true;
  for (const char* step : kSteps) {
    {
      std::lock_guard lock(mutex_);
      if (closing_) return;
    }
    Value event = {{"Step", step}, {"SecretId", arn}, {"ClientRequestToken", token},
                   {"RotationToken", crypto::random_uuid()}};
    auto out = env_.call("lambda", "Invoke", Value{{"FunctionName", function}, {"Payload", kit::make_blob(event.dump())}},
                         principal, scope.region);
    if (!out || out->value.contains("FunctionError")) {
      spdlog::warn("secretsmanager: rotation of {} failed at {}: {}", arn, step,
                   out ? kit::blob_bytes(out->value.value("Payload", Value(""))) : out.error().code + ": " + out.error().message);
      completed = false;
      break;
    }
  }
  std::lock_guard lock(mutex_);
  rotating_.erase(arn);
  Context probe;
  auto found = find(probe, arn);
  if (!found || !completed) return;
  const Value& secret = doc(*found);
  if (!secret["Versions"].contains(token) || !has_stage(secret["Versions"][token], kCurrent)) {
    spdlog::warn("secretsmanager: rotation of {} ended without AWSCURRENT on version {}", arn, token);
    return;
  }
  double now = timefmt::epoch_seconds(env_.clock.now());
  (void)change(*found, [&](Value& d) {
    remove_stage(d["Versions"][token], kPending);
    d["LastRotatedDate"] = now;
    if (d.value("RotationEnabled", false))
      if (auto next = next_rotation(d.value("RotationRules", Value::object()), now)) d["NextRotationDate"] = *next;
    return Status::Ok();
  });
  arm(found->scope, found->name);
}

}  // namespace nuage::services::secretsmanager
