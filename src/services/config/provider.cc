#include "services/config/provider.h"

#include <spdlog/spdlog.h>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "services/config/internal.h"

namespace nuage::services::config {

// Errors AWS Config returns that its model does not declare.
const kit::Errors errors("config", {{"NotImplemented", 501}});

Status Provider::open() {
  storage::ResourceStore::Options options;
  options.service = "config";
  options.bus = &env_.bus;
  options.clock = &env_.clock;
  auto store = storage::ResourceStore::open(env_.db, std::move(options));
  if (!store) return store.error();
  store_ = std::move(*store);
  NUAGE_TRY(items_.open());
  NUAGE_TRY(evaluations_.open());
  std::lock_guard lock(mutex_);
  // The secret that signs result tokens, kept with the state so that
  // tokens handed to functions before a restart stay valid.
  const Scope kNoScope{"", ""};
  if (const Value* secret = store_->get(kNoScope, kSecret, "result-tokens")) {
    token_secret_ = secret->value("secret", "");
  } else {
    token_secret_ = text::hex_encode(crypto::random_bytes(32));
    NUAGE_TRY(store_->put(kNoScope, kSecret, "result-tokens", Value{{"secret", token_secret_}}));
  }
  store_->for_each(kRule, [&](const Scope& scope, const std::string& name, const Value&) { arm_rule(scope, name); });
  store_->for_each(kChannel, [&](const Scope& scope, const std::string&, const Value&) { arm_delivery(scope); });
  store_->for_each(kExecution, [&](const Scope& scope, const std::string& id, const Value& doc) {
    if (doc.contains("_NextAttempt")) arm_remediation_retry(scope, id, doc["_NextAttempt"].get<double>());
  });
  changes_ = env_.bus.subscribe_change_batches(
      [this](const std::vector<events::ResourceChange>& changes) { on_changes(changes); });
  // Periodic rules and deliveries run at fixed steps from their start: a
  // clock set back re-arms them from the new time.
  rewind_listener_ = env_.clock.on_rewind([this](Clock::TimePoint) {
    std::lock_guard lock(mutex_);
    store_->for_each(kRule, [&](const Scope& scope, const std::string& name, const Value&) { arm_rule(scope, name); });
    store_->for_each(kChannel, [&](const Scope& scope, const std::string&, const Value&) { arm_delivery(scope); });
  });
  return Status::Ok();
}

Provider::~Provider() {
  if (changes_) env_.bus.unsubscribe_changes(changes_);
  if (rewind_listener_) env_.clock.remove_rewind_listener(rewind_listener_);
  {
    std::lock_guard lock(jobs_mu_);
    stopping_ = true;
  }
  jobs_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  std::lock_guard lock(mutex_);
  for (auto* timers : {&rule_timers_, &delivery_timers_, &retry_timers_})
    for (const auto& [key, id] : *timers) env_.clock.cancel(id);
}

void Provider::reset() {
  std::lock_guard lock(mutex_);
  for (auto* timers : {&rule_timers_, &delivery_timers_, &retry_timers_}) {
    for (const auto& [key, id] : *timers) env_.clock.cancel(id);
    timers->clear();
  }
  store_->clear();
  (void)items_.clear();
  (void)evaluations_.clear();
  token_secret_ = text::hex_encode(crypto::random_bytes(32));
  (void)store_->put({"", ""}, kSecret, "result-tokens", Value{{"secret", token_secret_}});
}

void Provider::add(kit::OperationTable& table, const std::string& operation, Handler handler) {
  table.add(operation, [this, handler](Context& ctx, const Value& in) -> Result<Output> {
    Effects fx;
    Result<Output> out = Output{};
    {
      std::lock_guard lock(mutex_);
      out = (this->*handler)(ctx, in, fx);
    }
    run(std::move(fx));
    return out;
  });
}

void Provider::run(Effects fx) {
  for (const auto& job : fx.managed_runs) run_managed(job);
  for (const auto& upload : fx.uploads)
    uploaded(upload, put_file(upload.scope, upload.role, upload.bucket, upload.key, upload.body));
  for (const auto& event : fx.events) env_.bus.publish(event);
  for (const auto& invocation : fx.invocations) {
    Value in = {{"FunctionName", invocation.function_arn},
                {"InvocationType", "Event"},
                {"Payload", kit::make_blob(invocation.payload)}};
    auto out = env_.call("lambda", "Invoke", in,
                         kit::Environment::service_principal(kConfigPrincipal, invocation.scope.account,
                                                             invocation.rule_arn),
                         invocation.scope.region);
    invoked(invocation, out ? Status::Ok() : Status(out.error()));
  }
  for (const auto& scope : fx.inventories) {
    env_.bus.request_inventory(scope.account, scope.region);
    env_.bus.request_inventory(scope.account, "");  // IAM: global
  }
  for (auto& start : fx.remediations) queue_remediation(std::move(start));
}

// --------------------------------------------------------------- recording

std::vector<std::string> Provider::recording_regions(const std::string& account, const std::string& region,
                                                     const std::string& type) const {
  std::vector<std::string> out;
  if (!is_global_type(type)) {
    if (records_type({account, region}, type)) out.push_back(region);
    return out;
  }
  // Global resources go to every region of the account whose recorder
  // includes them.
  store_->for_each(kRecorder, [&](const Scope& scope, const std::string&, const Value&) {
    if (scope.account == account && records_type(scope, type)) out.push_back(scope.region);
  });
  return out;
}

void Provider::on_changes(const std::vector<events::ResourceChange>& changes) {
  // What each change shows, built before taking the mutex: a pure function
  // of the document.
  struct Pending {
    const events::ResourceChange* change;
    std::string type;
    std::optional<Described> described;
  };
  std::vector<Pending> pending;
  for (const auto& change : changes) {
    if (change.service == "config") continue;
    std::string type = resource_type_of(change.service, change.kind);
    if (type.empty()) continue;
    std::optional<Described> described;
    if (change.document) {
      described = describe(change.service, change.kind, change.account, change.region, *change.document);
      if (!described) continue;
    }
    pending.push_back({&change, std::move(type), std::move(described)});
  }
  if (pending.empty()) return;
  Effects fx;
  {
    std::lock_guard lock(mutex_);
    // The burst's items are written in one transaction, after they are all
    // recorded (the effects run once it committed).
    items_.defer_writes();
    for (auto& [change, type, described] : pending) {
      // A terminated instance is gone for AWS Config.
      bool deleted = !described || (type == "AWS::EC2::Instance" &&
                                    described->configuration.value("state", Value::object()).value("name", "") ==
                                        "terminated");
      double now = timefmt::epoch_seconds(change->time);
      std::string source = change->service + "/" + change->kind + "/" + change->id;
      std::vector<std::string> regions = recording_regions(change->account, change->region, type);
      for (size_t i = 0; i < regions.size(); ++i) {
        ItemPtr previous;
        // The last region may have the description itself.
        auto item = deleted ? items_.record_deletion(change->account, regions[i], source, now, &previous)
                            : items_.record(change->account, regions[i], source,
                                            i + 1 == regions.size() ? std::move(*described) : *described, now,
                                            &previous);
        if (!item) {
          spdlog::warn("config: cannot record {} {}: {}", type, change->id, item.error().message);
          continue;
        }
        if (!*item) continue;
        mark_recorded({change->account, regions[i]});
        after_item(**item, previous.get(), fx);
      }
    }
    Status written = items_.flush();
    if (!written.ok()) {
      spdlog::warn("config: cannot record {} changes: {}", pending.size(), written.error().message);
      return;
    }
  }
  run(std::move(fx));
}

void Provider::mark_recorded(const Scope& scope) {
  Value* rec = nullptr;
  for (const auto& [name, doc] : store_->all(scope, kRecorder)) rec = store_->find(scope, kRecorder, name);
  if (!rec || rec->value("_lastStatus", "") == "Success") return;
  (*rec)["_lastStatus"] = "Success";
  (*rec)["_lastStatusChangeTime"] = timefmt::epoch_seconds(env_.clock.now());
  std::string name = (*rec)["name"];
  (void)store_->put(scope, kRecorder, name, *rec);
}

void Provider::after_item(const Item& item, const Item* previous, Effects& fx) {
  ItemNotification notification;
  notification.item = notification_item(item);
  Value diff = item_diff(previous ? notification_item(*previous) : Value(), notification.item);
  if (previous) notification.diff = diff;
  Value detail = {{"recordVersion", "1.3"},
                  {"messageType", "ConfigurationItemChangeNotification"},
                  {"configurationItemDiff", std::move(diff)},
                  {"notificationCreationTime", iso_millis(env_.clock.now())},
                  {"configurationItem", notification.item}};
  fx.events.push_back(config_event(item.account, item.region, "Configuration Item Change Notification",
                                   item.resource.arn.empty() ? Value::array() : Value::array({item.resource.arn}),
                                   std::move(detail), env_.clock.now()));
  evaluate_item(item, previous, notification, fx);
}

// --------------------------------------------------------------- operations

void Provider::register_operations(kit::OperationTable& table) {
  // AWS Config authorizes most operations against "*"; rules have ARNs
  // but callers name them, so IAM sees the rule by name only.
  add(table, "PutConfigurationRecorder", &Provider::put_configuration_recorder);
  add(table, "DescribeConfigurationRecorders", &Provider::describe_configuration_recorders);
  add(table, "DescribeConfigurationRecorderStatus", &Provider::describe_configuration_recorder_status);
  add(table, "StartConfigurationRecorder", &Provider::start_configuration_recorder);
  add(table, "StopConfigurationRecorder", &Provider::stop_configuration_recorder);
  add(table, "DeleteConfigurationRecorder", &Provider::delete_configuration_recorder);
  add(table, "PutDeliveryChannel", &Provider::put_delivery_channel);
  add(table, "DescribeDeliveryChannels", &Provider::describe_delivery_channels);
  add(table, "DescribeDeliveryChannelStatus", &Provider::describe_delivery_channel_status);
  add(table, "DeleteDeliveryChannel", &Provider::delete_delivery_channel);
  add(table, "DeliverConfigSnapshot", &Provider::deliver_config_snapshot);
  add(table, "GetResourceConfigHistory", &Provider::get_resource_config_history);
  add(table, "ListDiscoveredResources", &Provider::list_discovered_resources);
  add(table, "BatchGetResourceConfig", &Provider::batch_get_resource_config);
  add(table, "GetDiscoveredResourceCounts", &Provider::get_discovered_resource_counts);
  add(table, "PutConfigRule", &Provider::put_config_rule);
  add(table, "DescribeConfigRules", &Provider::describe_config_rules);
  add(table, "DescribeConfigRuleEvaluationStatus", &Provider::describe_config_rule_evaluation_status);
  add(table, "DeleteConfigRule", &Provider::delete_config_rule);
  add(table, "StartConfigRulesEvaluation", &Provider::start_config_rules_evaluation);
  add(table, "PutEvaluations", &Provider::put_evaluations);
  add(table, "DeleteEvaluationResults", &Provider::delete_evaluation_results);
  add(table, "DescribeComplianceByConfigRule", &Provider::describe_compliance_by_config_rule);
  add(table, "DescribeComplianceByResource", &Provider::describe_compliance_by_resource);
  add(table, "GetComplianceDetailsByConfigRule", &Provider::get_compliance_details_by_config_rule);
  add(table, "GetComplianceDetailsByResource", &Provider::get_compliance_details_by_resource);
  add(table, "GetComplianceSummaryByConfigRule", &Provider::get_compliance_summary_by_config_rule);
  add(table, "GetComplianceSummaryByResourceType", &Provider::get_compliance_summary_by_resource_type);
  add(table, "PutRemediationConfigurations", &Provider::put_remediation_configurations);
  add(table, "DescribeRemediationConfigurations", &Provider::describe_remediation_configurations);
  add(table, "DeleteRemediationConfiguration", &Provider::delete_remediation_configuration);
  add(table, "StartRemediationExecution", &Provider::start_remediation_execution);
  add(table, "DescribeRemediationExecutionStatus", &Provider::describe_remediation_execution_status);
}

}  // namespace nuage::services::config
