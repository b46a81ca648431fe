// What a service provider is: the business logic behind one service model,
// written with the provider kit (this folder). A provider
//   - registers a handler per operation it implements, with the IAM action
//     and resources each operation is authorized against (OperationTable);
//     the gateway answers every other operation of the model with 501
//     NotImplemented, so the supported operations are read from these tables;
//   - opens its state in open() (migrations, reload), never in its
//     constructor, so a failure is a Status, not an exception;
//   - sees parsed Values (kit/value.h) and the request's payload
//     (kit/payload.h), never HTTP or wire formats;
//   - gets everything else from its Environment (kit/environment.h).
//
// Thread-safety: handlers are called concurrently from worker threads; a
// provider guards its own state. Tables are filled before serving starts
// and read-only afterwards.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/credentials.h"
#include "common/clock.h"
#include "common/error.h"
#include "http/message.h"
#include "kit/payload.h"
#include "kit/value.h"
#include "policy/conditions.h"
#include "policy/resource_access.h"

namespace nuage::kit {

struct RequestContext {
  std::string request_id;
  std::string service;    // model name: "ec2", "s3", ...
  std::string operation;  // "RunInstances"
  std::string region;     // from the credential scope; the default region otherwise
  std::string account_id;
  auth::Credential caller;
  bool anonymous = false;
  std::string source_ip;
  bool secure_transport = false;  // the request came over TLS (never, today)
  // A call from inside nuage (ServiceCalls: a poller, a delivery), on its
  // caller's thread rather than one of the HTTP handler threads.
  bool internal = false;
  // The raw payload, for operations whose input is a streaming blob.
  Payload payload;
  const Clock* clock = nullptr;
};

using Handler = std::function<Result<Output>(RequestContext&, const Value& input)>;

// What IAM authorizes an operation against: one or more (action, resource)
// pairs, all of which must be allowed.
struct ActionTarget {
  std::string action;    // "s3:ListBucket"
  std::string resource;  // "arn:aws:s3:::bucket" or "*"
};
struct Authorization {
  std::vector<ActionTarget> targets;
  // The provider decides itself (sts:AssumeRole needs the trust policy and
  // the caller's policies together), or AWS requires no permission
  // (sts:GetCallerIdentity).
  bool decided_elsewhere = false;
};
// The resource ARNs of one call ("*" where AWS authorizes against "*").
using Resources = std::function<std::vector<std::string>(const RequestContext&, const Value& input)>;
using Targets = std::function<std::vector<ActionTarget>(const RequestContext&, const Value& input)>;
// Condition keys of one call that come from its input (s3:prefix, ...).
using ConditionKeys = std::function<void(const RequestContext&, const Value& input, policy::Context& keys)>;
// The stored resource-based policy (bucket policy, function policy, ...)
// that governs one (action, resource) of a call, and the resource's owner;
// nullopt when there is no such resource or the action is not governed by
// one (the handler then answers as it would). Called before the handler,
// without any of the provider's locks held.
using ResourcePolicies =
    std::function<std::optional<policy::ResourcePolicy>(const RequestContext&, const ActionTarget& target)>;

class OperationTable {
 public:
  struct Entry {
    Handler handler;
    std::string action;   // IAM action without prefix; "" = the operation's name
    Resources resources;  // unset: the table's default
    bool decided_elsewhere = false;
    // Full control, for actions that depend on the input (S3's GetObject
    // becomes GetObjectVersion with a VersionId; CopyObject also reads its
    // source): the call's (action, resource) pairs, prefix included.
    Targets targets;

    Entry& iam_action(std::string name) {
      action = std::move(name);
      return *this;
    }
    Entry& iam_resources(Resources fn) {
      resources = std::move(fn);
      return *this;
    }
    Entry& iam_targets(Targets fn) {
      targets = std::move(fn);
      return *this;
    }
    Entry& iam_decided_by_provider() {
      decided_elsewhere = true;
      return *this;
    }
  };

  // The IAM action prefix of the service ("cloudwatch" for the model
  // "cloudwatch", "events" for EventBridge); the model name by default.
  void set_iam_prefix(std::string prefix) { iam_prefix_ = std::move(prefix); }
  // Resources of the operations that declare none ("*" when unset).
  void set_default_resources(Resources fn) { default_resources_ = std::move(fn); }
  void set_condition_keys(ConditionKeys fn) { condition_keys_ = std::move(fn); }
  // Targets of the operations that declare neither resources nor targets
  // (S3 derives every action from the operation and its input).
  void set_default_targets(Targets fn) { default_targets_ = std::move(fn); }
  // The service's resource policies: calls are then judged by
  // policy::evaluate_access — anonymous callers and service principals by the
  // resource policy alone, other accounts by both sides.
  void set_resource_policies(ResourcePolicies fn) { resource_policies_ = std::move(fn); }

  Entry& add(const std::string& operation, Handler handler) {
    Entry& e = entries_[operation];
    e.handler = std::move(handler);
    return e;
  }
  // A member function of `provider` as the handler of `operation`.
  template <class P>
  Entry& add(const std::string& operation, P* provider, Result<Output> (P::*method)(RequestContext&, const Value&)) {
    return add(operation, [provider, method](RequestContext& ctx, const Value& in) { return (provider->*method)(ctx, in); });
  }
  // The same, called with `mutex` held (exclusively, for a shared_mutex):
  // the usual way a provider serializes access to its state.
  template <class P, class Mutex>
  Entry& add_locked(const std::string& operation, P* provider, Mutex& mutex,
                    Result<Output> (P::*method)(RequestContext&, const Value&)) {
    return add(operation, [provider, &mutex, method](RequestContext& ctx, const Value& in) {
      std::lock_guard<Mutex> lock(mutex);
      return (provider->*method)(ctx, in);
    });
  }
  // The same, called with `mutex` shared: operations that only read, beside
  // writers registered with add_locked on the same mutex (IAM, whose state
  // every authorized request reads).
  template <class P>
  Entry& add_shared(const std::string& operation, P* provider, std::shared_mutex& mutex,
                    Result<Output> (P::*method)(RequestContext&, const Value&)) {
    return add(operation, [provider, &mutex, method](RequestContext& ctx, const Value& in) {
      std::shared_lock lock(mutex);
      return (provider->*method)(ctx, in);
    });
  }

  const Entry* find(std::string_view operation) const {
    auto it = entries_.find(operation);
    return it == entries_.end() ? nullptr : &it->second;
  }
  const std::map<std::string, Entry, std::less<>>& all() const { return entries_; }

  // What IAM authorizes `operation` against for this call, from the
  // declarations above.
  Authorization authorization(const std::string& operation, const RequestContext& ctx, const Value& input) const;
  // The call's service-specific condition keys.
  void add_condition_keys(const RequestContext& ctx, const Value& input, policy::Context& keys) const {
    if (condition_keys_) condition_keys_(ctx, input, keys);
  }
  const std::string& iam_prefix() const { return iam_prefix_; }
  bool has_resource_policies() const { return static_cast<bool>(resource_policies_); }
  std::optional<policy::ResourcePolicy> resource_policy(const RequestContext& ctx, const ActionTarget& target) const {
    return resource_policies_ ? resource_policies_(ctx, target) : std::nullopt;
  }

 private:
  std::map<std::string, Entry, std::less<>> entries_;
  std::string iam_prefix_;
  Resources default_resources_;
  Targets default_targets_;
  ConditionKeys condition_keys_;
  ResourcePolicies resource_policies_;
};

// GET endpoints a provider serves under /_nuage/ (Lambda's code downloads).
using Routes = std::vector<std::pair<std::string, http::Handler>>;

class Provider {
 public:
  virtual ~Provider() = default;
  virtual std::string_view service() const = 0;  // model name
  virtual void register_operations(OperationTable& table) = 0;
  // Opens the provider's state (migrations, reload, re-armed timers), once,
  // before serving. A failure stops nuage with its message.
  virtual Status open() { return Status::Ok(); }
  // Stops what the provider runs outside nuage's process (RDS's database
  // servers) when nuage stops, before the database and the work folder go.
  virtual void close() {}
  // Forgets all state (POST /_nuage/reset).
  virtual void reset() = 0;
  // Admin GET routes whose paths start with the given prefixes.
  virtual void register_routes(Routes& routes) { (void)routes; }
  // Members this provider adds to GET /_nuage/health.
  virtual void add_health(Value& health) const { (void)health; }
};

}  // namespace nuage::kit
