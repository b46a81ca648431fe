#include "services/secretsmanager/provider.h"

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "kit/tagging.h"
#include "services/secretsmanager/internal.h"

namespace nuage::services::secretsmanager {

using namespace detail;
using kit::Output;
using kit::Value;

namespace {

// arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-SUFFIX -> parts (names
// never hold a colon); empty if not a Secrets Manager ARN.
std::vector<std::string> secret_arn_parts(const std::string& arn) {
  auto parts = text::split(arn, ':');
  if (parts.size() != 7 || parts[0] != "arn" || parts[2] != "secretsmanager" || parts[5] != "secret") return {};
  return parts;
}

std::string value_key(const std::string& arn, const std::string& version_id) { return arn + " " + version_id; }

}  // namespace

Provider::~Provider() { close(); }

void Provider::close() {
  std::list<Rotation> running;
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
    for (auto& [arn, id] : timers_) env_.clock.cancel(id);
    timers_.clear();
    running.swap(rotations_);
  }
  for (auto& r : running)
    if (r.thread.joinable()) r.thread.join();
}

Status Provider::open() {
  NUAGE_TRY(env_.db.migrate("secretsmanager",
                            {"CREATE TABLE secretsmanager_values (account TEXT NOT NULL, region TEXT NOT NULL, "
                             "arn TEXT NOT NULL, version_id TEXT NOT NULL, sealed TEXT NOT NULL, "
                             "PRIMARY KEY (arn, version_id))"}));
  storage::ResourceStore::Options options;
  options.service = "secretsmanager";
  options.kinds[kSecret] = {"Tags", false};
  options.bus = &env_.bus;
  options.clock = &env_.clock;
  options.guard = &mutex_;
  auto store = storage::ResourceStore::open(env_.db, std::move(options));
  if (!store) return store.error();
  std::lock_guard lock(mutex_);
  store_ = std::move(*store);
  bool corrupt = false;
  NUAGE_TRY(env_.db.exec("SELECT arn, version_id, sealed FROM secretsmanager_values", {}, [&](const storage::Row& row) {
    auto bytes = text::base64_decode(row.text(2));
    if (!bytes) corrupt = true;
    values_[value_key(row.text(0), row.text(1))] = std::make_shared<const std::string>(bytes.value_or(""));
  }));
  if (corrupt) return AwsError{"InternalError", "secretsmanager: unreadable secret value in the database", 500};
  std::vector<std::pair<storage::Scope, std::string>> secrets;
  store_->for_each(kSecret, [&](const storage::Scope& scope, const std::string& id, const Value&) {
    secrets.emplace_back(scope, id);
  });
  for (const auto& [scope, name] : secrets) arm(scope, name);
  return Status::Ok();
}

void Provider::reset() {
  std::lock_guard lock(mutex_);
  for (auto& [arn, id] : timers_) env_.clock.cancel(id);
  timers_.clear();
  store_->clear();
  values_.clear();
  (void)env_.db.exec("DELETE FROM secretsmanager_values");
}

Result<Provider::Found> Provider::find(const Context& ctx, const std::string& secret_id) const {
  if (auto parts = secret_arn_parts(secret_id); !parts.empty()) {
    storage::Scope scope{parts[4], parts[3]};
    const std::string& tail = parts[6];
    // A full ARN names its secret with the random suffix; a partial one by name.
    if (tail.size() > 7 && tail[tail.size() - 7] == '-') {
      std::string name = tail.substr(0, tail.size() - 7);
      if (const Value* d = store_->get(scope, kSecret, name); d && (*d)["ARN"] == secret_id) return Found{scope, name};
    }
    if (store_->get(scope, kSecret, tail)) return Found{scope, tail};
    return not_found();
  }
  if (store_->get(scope_of(ctx), kSecret, secret_id)) return Found{scope_of(ctx), secret_id};
  return not_found();
}

const Value& Provider::doc(const Found& f) const { return *store_->get(f.scope, kSecret, f.name); }

Result<Provider::Found> Provider::find_live(const Context& ctx, const std::string& secret_id) const {
  auto found = find(ctx, secret_id);
  if (!found) return found.error();
  if (doc(*found).contains("DeletedDate")) return marked_for_deletion();
  return found;
}

Status Provider::change(const Found& where, const std::function<Status(Value& doc)>& fn) {
  Value* d = store_->find(where.scope, kSecret, where.name);
  if (!d) return not_found();
  Value changed = *d;
  NUAGE_TRY(fn(changed));
  return store_->put(where.scope, kSecret, where.name, std::move(changed));
}

std::shared_ptr<const std::string> Provider::sealed_value(const std::string& arn, const std::string& version_id) const {
  auto it = values_.find(value_key(arn, version_id));
  return it == values_.end() ? nullptr : it->second;
}

Status Provider::store_sealed(const storage::Scope& scope, const std::string& arn, const std::string& version_id,
                              std::string sealed) {
  NUAGE_TRY(env_.db.exec("INSERT OR REPLACE INTO secretsmanager_values (account, region, arn, version_id, sealed) "
                         "VALUES (?, ?, ?, ?, ?)",
                         {scope.account, scope.region, arn, version_id, text::base64_encode(sealed)}));
  values_[value_key(arn, version_id)] = std::make_shared<const std::string>(std::move(sealed));
  return Status::Ok();
}

Status Provider::erase_now(const storage::Scope& scope, const std::string& name) {
  const Value* d = store_->get(scope, kSecret, name);
  if (!d) return Status::Ok();
  std::string arn = (*d)["ARN"];
  NUAGE_TRY(store_->transaction([&]() -> Status {
    NUAGE_TRY(store_->erase(scope, kSecret, name));
    return env_.db.exec("DELETE FROM secretsmanager_values WHERE arn = ?", {arn});
  }));
  for (auto it = values_.lower_bound(arn + " "); it != values_.end() && text::starts_with(it->first, arn + " ");)
    it = values_.erase(it);
  if (auto it = timers_.find(arn); it != timers_.end()) {
    env_.clock.cancel(it->second);
    timers_.erase(it);
  }
  return Status::Ok();
}

void Provider::arm(const storage::Scope& scope, const std::string& name) {
  const Value* d = store_->get(scope, kSecret, name);
  if (!d || closing_) return;
  std::string arn = (*d)["ARN"];
  if (auto it = timers_.find(arn); it != timers_.end()) {
    env_.clock.cancel(it->second);
    timers_.erase(it);
  }
  std::optional<double> due;
  if (d->contains("DeletedDate")) due = (*d)["DeletedDate"].get<double>();
  else if (d->value("RotationEnabled", false) && d->contains("NextRotationDate"))
    due = (*d)["NextRotationDate"].get<double>();
  if (!due) return;
  timers_[arn] = env_.clock.schedule(timefmt::from_epoch_seconds(*due),
                                     [this, scope, name](Clock::TimePoint) { on_due(scope, name); });
}

void Provider::on_due(const storage::Scope& scope, const std::string& name) {
  std::string arn, function, token;
  {
    std::lock_guard lock(mutex_);
    const Value* d = store_->get(scope, kSecret, name);
    if (!d) return;
    timers_.erase((*d)["ARN"].get<std::string>());
    double now = timefmt::epoch_seconds(env_.clock.now());
    if (d->contains("DeletedDate")) {
      if ((*d)["DeletedDate"].get<double>() <= now) {
        if (!erase_now(scope, name).ok()) arm(scope, name);
      } else {
        arm(scope, name);
      }
      return;
    }
    if (!d->value("RotationEnabled", false) || !d->contains("NextRotationDate") ||
        (*d)["NextRotationDate"].get<double>() > now)
      return arm(scope, name);
    arn = (*d)["ARN"];
    function = d->value("RotationLambdaARN", "");
    Found where{scope, name};
    auto next = next_rotation(d->value("RotationRules", Value::object()), now);
    Status s = change(where, [&](Value& secret) {
      if (next) secret["NextRotationDate"] = *next;
      else secret.erase("NextRotationDate");
      return Status::Ok();
    });
    // A rotation still running keeps its pending version; the next falls due later.
    if (!s.ok() || rotating_.count(arn) || function.empty()) return arm(scope, name);
    const Value& current = doc(where);
    // A rotation that did not finish is tried again with its own token, as AWS does.
    std::string pending = version_with(current, kPending);
    token = !pending.empty() && pending != version_with(current, kCurrent) ? pending : crypto::random_uuid();
    s = stage_pending(where, token);
    arm(scope, name);
    if (!s.ok()) return;
  }
  start_rotation(scope, arn, function, token);
}

std::optional<policy::ResourcePolicy> Provider::secret_policy(const kit::ActionTarget& target) {
  auto parts = secret_arn_parts(target.resource);
  if (parts.empty()) return std::nullopt;
  std::string document;
  {
    std::lock_guard lock(mutex_);
    if (!store_) return std::nullopt;
    Context probe;
    auto found = find(probe, target.resource);
    if (!found) return std::nullopt;
    document = doc(*found).value("ResourcePolicy", "");
  }
  policy::ResourcePolicy out{parts[4], target.resource, nullptr, false};
  if (!document.empty())
    if (auto compiled = policies_.compile(document)) out.policy = *compiled;
  return out;
}

void Provider::register_operations(kit::OperationTable& table) {
  // The secret a call names: its ARN when it exists, else the ARN it would have.
  auto secret_resources = [this](const Context& ctx, const Value& in) -> std::vector<std::string> {
    auto it = in.find("SecretId");
    if (it == in.end() || !it->is_string()) return {"*"};
    std::string id = *it;
    std::lock_guard lock(mutex_);
    if (store_)
      if (auto found = find(ctx, id)) return {doc(*found)["ARN"].get<std::string>()};
    if (text::starts_with(id, "arn:")) return {id};
    return {"arn:aws:secretsmanager:" + ctx.region + ":" + ctx.account_id + ":secret:" + id};
  };
  table.set_default_resources(secret_resources);
  table.set_resource_policies(
      [this](const Context&, const kit::ActionTarget& target) { return secret_policy(target); });
  table.set_condition_keys([](const Context&, const Value& in, policy::Context& keys) {
    for (const char* member : {"VersionId", "VersionStage", "Name", "Description", "KmsKeyId", "RotationLambdaARN"})
      if (auto it = in.find(member); it != in.end() && it->is_string())
        keys.set(std::string("secretsmanager:") + member, it->get<std::string>());
    if (auto it = in.find("SecretId"); it != in.end() && it->is_string())
      keys.set("secretsmanager:SecretId", it->get<std::string>());
  });
  auto everything = [](const Context&, const Value&) { return std::vector<std::string>{"*"}; };

  // secrets.cc
  table.add("CreateSecret", this, &Provider::create_secret).iam_resources(everything);
  table.add_locked("DescribeSecret", this, mutex_, &Provider::describe_secret);
  table.add("UpdateSecret", this, &Provider::update_secret);
  table.add_locked("DeleteSecret", this, mutex_, &Provider::delete_secret);
  table.add_locked("RestoreSecret", this, mutex_, &Provider::restore_secret);
  table.add_locked("ListSecrets", this, mutex_, &Provider::list_secrets).iam_resources(everything);
  // values.cc: the ones that call KMS take the mutex themselves.
  table.add("GetSecretValue", this, &Provider::get_secret_value);
  table.add("BatchGetSecretValue", this, &Provider::batch_get_secret_value).iam_resources(everything);
  table.add("PutSecretValue", this, &Provider::put_secret_value);
  table.add_locked("ListSecretVersionIds", this, mutex_, &Provider::list_secret_version_ids);
  table.add_locked("UpdateSecretVersionStage", this, mutex_, &Provider::update_secret_version_stage);
  // rotation.cc: RotateSecret calls Lambda, outside the mutex.
  table.add("RotateSecret", this, &Provider::rotate_secret);
  table.add_locked("CancelRotateSecret", this, mutex_, &Provider::cancel_rotate_secret);
  // policies.cc
  table.add_locked("GetResourcePolicy", this, mutex_, &Provider::get_resource_policy);
  table.add_locked("PutResourcePolicy", this, mutex_, &Provider::put_resource_policy);
  table.add_locked("DeleteResourcePolicy", this, mutex_, &Provider::delete_resource_policy);
  table.add_locked("ValidateResourcePolicy", this, mutex_, &Provider::validate_resource_policy);
  // replication.cc
  table.add_locked("ReplicateSecretToRegions", this, mutex_, &Provider::replicate_secret_to_regions);
  table.add_locked("RemoveRegionsFromReplication", this, mutex_, &Provider::remove_regions_from_replication);
  // random_password.cc
  table.add("GetRandomPassword", this, &Provider::get_random_password).iam_resources(everything);
  // Tags live in the secret's document; DescribeSecret lists them.
  kit::TaggingSpec tagging;
  tagging.list_operation = "";
  tagging.arn_member = "SecretId";
  tagging.names_arn = false;
  tagging.too_many_error = "InvalidParameterException";
  tagging.too_many_message = "You have exceeded the number of tags (50) allowed for a secret.";
  tagging.reserved_error = "InvalidParameterException";
  tagging.reserved_message = "Invalid tag key. Tag keys can't start with aws:.";
  kit::add_tagging(table, tagging, errors, store_, mutex_,
                   [this](const Context& ctx, const std::string& id) -> Result<kit::TaggedResource> {
                     auto found = find_live(ctx, id);
                     if (!found) return found.error();
                     return kit::TaggedResource{found->scope, kSecret, found->name};
                   });
}

}  // namespace nuage::services::secretsmanager
