// AWS Config (model "config", json protocol): configuration recorders and
// delivery channels, configuration items recorded from the resource
// stores' change announcements, rules (AWS managed rules evaluated
// natively, custom Lambda rules invoked as config.amazonaws.com),
// evaluation results and compliance, and remediation through SSM
// Automation.
//
// Recording: every committed change of a resource store arrives on the
// event bus's change thread (events::ResourceChange, in order, a burst in
// one batch whose items are written in one transaction); while the
// scope's recorder records the resource's type, it becomes a configuration
// item (items.h) and the scope's rules in whose scope it falls are
// evaluated. Starting a recorder asks the stores for an inventory of what
// exists already (events::Bus::request_inventory), which arrives the same
// way. Nothing polls.
//
// Files: resource_types (what an item holds, per type), items (the item
// history), managed_rules, evaluations (results), recorders.cc (recorders,
// delivery channels), delivery.cc (files in the channel's bucket),
// resources.cc (history and inventory operations), rules.cc (rules, their
// triggers and invocations), compliance.cc (PutEvaluations and the
// compliance operations), remediation.cc.
//
// Effects that call other services (a rule's Lambda function, EventBridge,
// S3, SSM) are collected while the provider's mutex is held and run after
// it is released (Effects); remediation runs on a worker thread of its own,
// each job holding a Clock::Work so that a clock advance waits for it.
//
// State: recorders, channels, rules, remediation configurations and
// executions in a ResourceStore (service "config"); items and evaluation
// results in tables of their own. Timers (periodic rules, deliveries,
// remediation retries) are re-armed at start and when the clock moves back.
//
// Thread-safety: mutex_ guards all state; handlers, the change subscriber,
// timers and the remediation worker take it.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "events/bus.h"
#include "kit/environment.h"
#include "kit/provider.h"
#include "services/config/errors.h"
#include "services/config/evaluations.h"
#include "services/config/items.h"
#include "storage/resource_store.h"

namespace nuage::services::config {

class Provider : public kit::Provider {
 public:
  explicit Provider(kit::Environment& env) : env_(env), items_(env.db), evaluations_(env.db) {}
  ~Provider() override;
  std::string_view service() const override { return "config"; }
  void register_operations(kit::OperationTable& table) override;
  Status open() override;
  void reset() override;

  using Context = kit::RequestContext;
  using Output = kit::Output;
  using Scope = storage::Scope;

  // What a handler or an evaluation asks of other services, done once the
  // mutex is released.
  struct Invocation {
    Scope scope;
    std::string rule, function_arn, rule_arn, payload;
  };
  struct RemediationStart {
    Scope scope;
    std::string rule, resource_type, resource_id;
    bool automatic = false;
  };
  struct Upload {
    Scope scope;
    std::string role;               // the recorder's role, which writes the file
    std::string bucket, key, body;  // body already gzipped
    std::string kind;               // "history", "snapshot", "oversized"
    int64_t seq = 0;                // history: the last item the file holds
    std::string snapshot_id;        // snapshot: its id
  };
  // A managed rule's evaluation of every resource in its scope: the items
  // are taken under the mutex, judged outside it and the results written
  // back in chunks, each under the mutex in one transaction (so that a
  // rule over thousands of resources never holds Config for long).
  struct ManagedRun {
    Scope scope;
    std::string rule;
    Value definition;  // what the verdicts depend on (evaluated_form)
    bool periodic = false;
    double now = 0;
    std::vector<ItemPtr> items;
  };
  struct Effects {
    std::vector<ManagedRun> managed_runs;
    std::vector<Invocation> invocations;
    std::vector<events::Event> events;
    std::vector<RemediationStart> remediations;
    std::vector<Upload> uploads;
    std::vector<Scope> inventories;  // recorders that started: discover what exists
  };

 private:
  using Handler = Result<Output> (Provider::*)(Context&, const Value&, Effects&);
  void add(kit::OperationTable& table, const std::string& operation, Handler handler);
  void run(Effects effects);

  // --- recording (provider.cc)
  // A batch of changes, in order (events::Bus::subscribe_change_batches).
  void on_changes(const std::vector<events::ResourceChange>& changes);
  // Recorded items of one change: the regions whose recorder records it.
  std::vector<std::string> recording_regions(const std::string& account, const std::string& region,
                                             const std::string& type) const;
  // The recorder has recorded something (lastStatus Success).
  void mark_recorded(const Scope& scope);
  // Everything that follows a new item: EventBridge, rules.
  void after_item(const Item& item, const Item* previous, Effects& fx);

  // --- recorders.cc
  Result<Output> put_configuration_recorder(Context& ctx, const Value& in, Effects& fx);
  Result<Output> describe_configuration_recorders(Context& ctx, const Value& in, Effects& fx);
  Result<Output> describe_configuration_recorder_status(Context& ctx, const Value& in, Effects& fx);
  Result<Output> start_configuration_recorder(Context& ctx, const Value& in, Effects& fx);
  Result<Output> stop_configuration_recorder(Context& ctx, const Value& in, Effects& fx);
  Result<Output> delete_configuration_recorder(Context& ctx, const Value& in, Effects& fx);
  Result<Output> put_delivery_channel(Context& ctx, const Value& in, Effects& fx);
  Result<Output> describe_delivery_channels(Context& ctx, const Value& in, Effects& fx);
  Result<Output> describe_delivery_channel_status(Context& ctx, const Value& in, Effects& fx);
  Result<Output> delete_delivery_channel(Context& ctx, const Value& in, Effects& fx);
  // The scope's recorder document (nullptr: none).
  const Value* recorder(const Scope& scope) const;
  bool recording(const Scope& scope) const;
  bool records_type(const Scope& scope, const std::string& type) const;
  const Value* channel(const Scope& scope) const;
  std::string role_of(const Scope& scope) const;  // the recorder's roleARN

  // --- delivery.cc
  Result<Output> deliver_config_snapshot(Context& ctx, const Value& in, Effects& fx);
  // Key of a delivered file under the channel's prefix.
  std::string file_key(const Value& channel, const Scope& scope, Clock::TimePoint when, const std::string& folder,
                       const std::string& name) const;
  void arm_delivery(const Scope& scope);
  void disarm_delivery(const Scope& scope);
  void deliver_history(const Scope& scope, Effects& fx);
  Status deliver_snapshot(const Scope& scope, const std::string& snapshot_id, Effects& fx);
  // Writes an oversized item for rules' events; its bucket/key ("" when no channel).
  std::string deliver_oversized(const Item& item, Effects& fx);
  void uploaded(const Upload& upload, const Status& status);
  // Writes a file to the channel's bucket as the recorder's role (assumed
  // as config.amazonaws.com), so the role's policies decide, as on AWS.
  Status put_file(const Scope& scope, const std::string& role, const std::string& bucket, const std::string& key,
                  const std::string& body) const;

  // --- resources.cc
  Result<Output> get_resource_config_history(Context& ctx, const Value& in, Effects& fx);
  Result<Output> list_discovered_resources(Context& ctx, const Value& in, Effects& fx);
  Result<Output> batch_get_resource_config(Context& ctx, const Value& in, Effects& fx);
  Result<Output> get_discovered_resource_counts(Context& ctx, const Value& in, Effects& fx);

  // --- rules.cc
  Result<Output> put_config_rule(Context& ctx, const Value& in, Effects& fx);
  Result<Output> describe_config_rules(Context& ctx, const Value& in, Effects& fx);
  Result<Output> describe_config_rule_evaluation_status(Context& ctx, const Value& in, Effects& fx);
  Result<Output> delete_config_rule(Context& ctx, const Value& in, Effects& fx);
  Result<Output> start_config_rules_evaluation(Context& ctx, const Value& in, Effects& fx);
  Result<const Value*> find_rule(const Scope& scope, const std::string& name) const;
  // Whether a rule judges an item (scope by types, id, tag).
  bool in_scope(const Value& rule, const Item& item) const;
  // An item as change-triggered rules receive it, built once for all of
  // them (the notification form copies the whole configuration).
  struct ItemNotification {
    Value item;        // notification_item()
    Value diff;        // null for an item without a previous one
    std::string text;  // the invoking event, built on first use
    std::optional<std::string> oversized_at;  // where a too-large item was delivered, once
  };
  // Evaluates one new item under every rule of its scope.
  void evaluate_item(const Item& item, const Item* previous, ItemNotification& notification, Effects& fx);
  // A whole evaluation of a rule: creation, StartConfigRulesEvaluation, or
  // a periodic run.
  void evaluate_rule(const Scope& scope, const std::string& name, bool periodic, Effects& fx);
  void run_managed(const ManagedRun& job);
  void invoke_for_item(const Scope& scope, const Value& rule, const Item& item, ItemNotification& notification,
                       bool left_scope, Effects& fx);
  void invoke_scheduled(const Scope& scope, const Value& rule, Effects& fx);
  Invocation invocation(const Scope& scope, const Value& rule, const std::string& invoking_event, bool left_scope,
                        double ordering_time);
  void invoked(const Invocation& invocation, const Status& status);
  void arm_rule(const Scope& scope, const std::string& name);
  void disarm_rule(const Scope& scope, const std::string& name);
  void update_rule_status(const Scope& scope, const std::string& name, const Value& fields);

  // --- compliance.cc
  Result<Output> put_evaluations(Context& ctx, const Value& in, Effects& fx);
  Result<Output> delete_evaluation_results(Context& ctx, const Value& in, Effects& fx);
  Result<Output> describe_compliance_by_config_rule(Context& ctx, const Value& in, Effects& fx);
  Result<Output> describe_compliance_by_resource(Context& ctx, const Value& in, Effects& fx);
  Result<Output> get_compliance_details_by_config_rule(Context& ctx, const Value& in, Effects& fx);
  Result<Output> get_compliance_details_by_resource(Context& ctx, const Value& in, Effects& fx);
  Result<Output> get_compliance_summary_by_config_rule(Context& ctx, const Value& in, Effects& fx);
  Result<Output> get_compliance_summary_by_resource_type(Context& ctx, const Value& in, Effects& fx);
  // Result tokens name the rule (and its id) an invocation was for; signed
  // with a secret of the database, so they survive restarts.
  std::string result_token(const Scope& scope, const Value& rule, double ordering_time) const;
  struct TokenClaims {
    Scope scope;
    std::string rule, rule_id;
    double invoked_time = 0;
  };
  std::optional<TokenClaims> read_token(const std::string& token) const;
  // Stores a result; a changed compliance is announced (EventBridge, the
  // ResourceCompliance item) and may start a remediation.
  Status record_evaluation(const Evaluation& e, Effects& fx);
  Status forget_evaluation(const Scope& scope, const std::string& rule, const std::string& type,
                           const std::string& id, Effects& fx);
  void compliance_changed(const Evaluation& now, const std::optional<Evaluation>& before, Effects& fx);

  // --- remediation.cc
  Result<Output> put_remediation_configurations(Context& ctx, const Value& in, Effects& fx);
  Result<Output> describe_remediation_configurations(Context& ctx, const Value& in, Effects& fx);
  Result<Output> delete_remediation_configuration(Context& ctx, const Value& in, Effects& fx);
  Result<Output> start_remediation_execution(Context& ctx, const Value& in, Effects& fx);
  Result<Output> describe_remediation_execution_status(Context& ctx, const Value& in, Effects& fx);
  // A non-compliant result under a rule with automatic remediation.
  void maybe_remediate(const Evaluation& e, Effects& fx);
  void queue_remediation(RemediationStart start);
  void remediation_worker();
  void remediate(const RemediationStart& start);
  void arm_remediation_retry(const Scope& scope, const std::string& execution_id, double at);

  kit::Environment& env_;
  std::mutex mutex_;
  std::unique_ptr<storage::ResourceStore> store_;
  ItemLog items_;
  Evaluations evaluations_;
  std::string token_secret_;
  events::Bus::SubscriptionId changes_ = 0;
  uint64_t rewind_listener_ = 0;
  // Timers by "<account>/<region>/<name>" (rules), "<account>/<region>"
  // (deliveries), execution ids (remediation retries).
  std::map<std::string, Clock::TimerId> rule_timers_, delivery_timers_, retry_timers_;

  // Remediation jobs, in order, on one worker thread.
  struct Job {
    RemediationStart start;
    std::unique_ptr<Clock::Work> work;
  };
  std::mutex jobs_mu_;
  std::condition_variable jobs_cv_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace nuage::services::config
