// AWS Lambda (rest-json): functions, versions, aliases, tags, concurrency,
// resource policies, layers, and invocation through real execution
// environments (src/runtime) speaking the Lambda Runtime API.
//
// State: one JSON document per function (configuration of $LATEST, its
// code, published versions, aliases, tags, policy, reserved concurrency) in
// table lambda_functions, one per layer version in lambda_layers; zips in
// the blob store under <data>/lambda/blobs, extracted once per package hash
// under <data>/lambda/cache. Execution roles are assumed through STS
// (Gateway::call) as lambda.amazonaws.com; what functions print goes to
// CloudWatch Logs through kit::LogsSink.
//
// Thread-safety: handlers run concurrently; every read-modify-write of a
// document runs in one database transaction; the credential cache, the
// event queue and the pool have their own locks. Invoke blocks its worker
// thread for the invocation.
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "kit/environment.h"
#include "kit/provider.h"
#include "runtime/pool.h"
#include "kit/logs_sink.h"
#include "storage/blob_store.h"
#include "storage/database.h"

namespace nuage::services::lambda {

// Blobs, extracted packages and the runtime clients go under the
// environment's work folder; functions never see its hidden folders;
// AWS_ENDPOINT_URL and code download URLs use its port.
struct Options {
  std::chrono::seconds idle_timeout{300};
  int event_workers = 2;
};

class Provider : public kit::Provider {
 public:
  explicit Provider(kit::Environment& env, Options options = {});
  ~Provider() override;
  std::string_view service() const override { return "lambda"; }
  void register_operations(kit::OperationTable& table) override;
  Status open() override;
  void reset() override;
  // GET /_nuage/lambda/code/<blob>?token=<t>: the code download location
  // GetFunction and GetLayerVersion answer.
  void register_routes(kit::Routes& routes) override;
  // lambda_sandbox: "bubblewrap" or "process".
  void add_health(kit::Value& health) const override;

 private:
  using Context = kit::RequestContext;
  using Value = kit::Value;
  using Output = kit::Output;
  using Handler = Result<Output> (Provider::*)(Context&, const Value&);

  // A function name as given (name, partial or full ARN, with a qualifier).
  struct Ref {
    std::string account, region, name, qualifier;
  };
  struct Job;  // an Event invocation waiting in the queue

  Result<Ref> parse_ref(const Context& ctx, const std::string& given, const Value& in) const;
  // The answer to an update of code or configuration, after it is stored.
  Output updated(const Ref& ref, Output out);
  Result<Value> load(const Ref& ref) const;                    // null if missing
  Status save(const Ref& ref, const Value& doc);
  Result<Value> must_load(const Ref& ref) const;               // ResourceNotFoundException if missing
  // AccessDeniedException unless the function's resource policy lets the
  // calling service invoke it.
  Status check_service_invoke(const Context& ctx, const Ref& ref, const Value& doc) const;
  // The version entry ({config, code, layers}) a qualifier names.
  Result<Value> resolve(const Ref& ref, const Value& doc, std::string qualifier) const;

  Result<Value> store_code(const Context& ctx, const Value& code, const std::string& operation);
  Result<Value> resolve_layers(const Context& ctx, const Value& arns) const;
  Status check_role(const Context& ctx, const std::string& role, const std::string& function);
  Status check_config(const Value& in) const;
  Result<auth::Credential> role_credentials(const std::string& account, const std::string& region,
                                            const std::string& role, const std::string& function);
  std::string code_url(const std::string& blob) const;
  Value public_config(const Value& entry) const;

  Result<std::filesystem::path> extracted(const std::string& blob, const std::string& sha_hex);
  Result<std::filesystem::path> merged_layers(const Value& layers);

  struct RunResult {
    std::string payload;
    std::string function_error;
    std::string log_text;
    std::string executed_version;
  };
  Result<RunResult> run(const Ref& ref, const std::string& request_id, const std::string& payload,
                        const std::string& client_context);
  void write_logs(const Ref& ref, const std::string& stream, const std::string& text);
  void enqueue(Job job);
  void event_worker();

  // Operations.
  Result<Output> create_function(Context& ctx, const Value& in);
  Result<Output> get_function(Context& ctx, const Value& in);
  Result<Output> get_function_configuration(Context& ctx, const Value& in);
  Result<Output> list_functions(Context& ctx, const Value& in);
  Result<Output> update_function_code(Context& ctx, const Value& in);
  Result<Output> update_function_configuration(Context& ctx, const Value& in);
  Result<Output> delete_function(Context& ctx, const Value& in);
  Result<Output> publish_version(Context& ctx, const Value& in);
  Result<Output> list_versions(Context& ctx, const Value& in);
  Result<Output> create_alias(Context& ctx, const Value& in);
  Result<Output> get_alias(Context& ctx, const Value& in);
  Result<Output> update_alias(Context& ctx, const Value& in);
  Result<Output> delete_alias(Context& ctx, const Value& in);
  Result<Output> list_aliases(Context& ctx, const Value& in);
  Result<Output> tag_resource(Context& ctx, const Value& in);
  Result<Output> untag_resource(Context& ctx, const Value& in);
  Result<Output> list_tags(Context& ctx, const Value& in);
  Result<Output> put_concurrency(Context& ctx, const Value& in);
  Result<Output> get_concurrency(Context& ctx, const Value& in);
  Result<Output> delete_concurrency(Context& ctx, const Value& in);
  Result<Output> add_permission(Context& ctx, const Value& in);
  Result<Output> remove_permission(Context& ctx, const Value& in);
  Result<Output> get_policy(Context& ctx, const Value& in);
  Result<Output> get_account_settings(Context& ctx, const Value& in);
  Result<Output> invoke(Context& ctx, const Value& in);
  Result<Output> invoke_async(Context& ctx, const Value& in);
  Result<Output> publish_layer_version(Context& ctx, const Value& in);
  Result<Output> get_layer_version(Context& ctx, const Value& in);
  Result<Output> get_layer_version_by_arn(Context& ctx, const Value& in);
  Result<Output> list_layers(Context& ctx, const Value& in);
  Result<Output> list_layer_versions(Context& ctx, const Value& in);
  Result<Output> delete_layer_version(Context& ctx, const Value& in);
  Result<Output> add_layer_permission(Context& ctx, const Value& in);
  Result<Output> remove_layer_permission(Context& ctx, const Value& in);
  Result<Output> get_layer_policy(Context& ctx, const Value& in);

  Result<Value> load_layer(const std::string& account, const std::string& region, const std::string& name,
                           int64_t version) const;
  Status save_layer(const std::string& account, const std::string& region, const std::string& name,
                    int64_t version, const Value& doc);

  http::Response serve_code(const http::Request& request) const;
  const char* sandbox() const;

  kit::Environment& env_;
  storage::Database& db_;
  Clock& clock_;
  Options options_;
  std::unique_ptr<storage::BlobStore> blobs_;
  std::filesystem::path cache_dir_, opt_dir_, runtime_dir_;
  runtime::SandboxMode sandbox_;
  void resolve_interpreters();
  std::once_flag interpreters_once_;
  std::string python_, node_;  // set by resolve_interpreters()
  std::string url_secret_;
  std::unique_ptr<runtime::Pool> pool_;

  std::mutex extract_mu_;  // one extraction at a time (they are cached)

  struct CachedCredential {
    auth::Credential credential;
    Clock::TimePoint refresh_at;
  };
  std::mutex cred_mu_;
  std::map<std::string, CachedCredential> credentials_;  // by account/region/function/role

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::unique_ptr<Job>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::vector<Clock::TimerId> timers_;
};

}  // namespace nuage::services::lambda
