// Lambda's resources and how callers name them. The documents live in the
// resource store (service "lambda"), scoped by account and region:
//
//   "function" / <name>   {latest, versions {"1": ...}, aliases {name: alias},
//                          next_version, published_revision, tags {k: v},
//                          policy [statements], policy_revision, concurrency}
//       latest and each version are an entry {config (the
//       FunctionConfiguration answered), code {blob, sha_hex, CodeSha256,
//       size, unzipped}, layers [{Arn, CodeSize, blob, sha_hex, unzipped}]}
//   "layer" / <name>      {LayerName, LayerArn, next_version}: numbers are
//                          never reused, even after every version is deleted
//   "layer-version" / <name>:<version>
//                         the LayerVersion answered (without Content), its
//                          code and policy [statements]
//
// Shared is what the provider's feature groups (functions, versions,
// layers, permissions, code, invoke) have in common.
//
// Thread-safety: the store is guarded by Shared::mutex; the free functions
// are pure.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "common/error.h"
#include "kit/environment.h"
#include "kit/provider.h"
#include "kit/value.h"
#include "storage/resource_store.h"

namespace nuage::services::lambda {

using kit::Output;
using kit::Value;
using Context = kit::RequestContext;

inline constexpr const char* kFunction = "function";
inline constexpr const char* kLayer = "layer";
inline constexpr const char* kLayerVersion = "layer-version";

// A function as a caller names it: a name, a partial or full ARN, with or
// without a qualifier (version or alias).
struct Ref {
  std::string account, region, name, qualifier;
};

// `given` (FunctionName, Resource ...) in the caller's account and region;
// `in`'s Qualifier must agree with a qualifier in the name.
Result<Ref> parse_ref(const Context& ctx, const std::string& given, const Value& in);
storage::Scope scope_of(const Ref& ref);

// A layer as a caller names it (LayerName): a name or a layer ARN without version.
struct LayerRef {
  std::string account, region, name;
  storage::Scope scope() const { return {account, region}; }
};
LayerRef layer_ref(const Context& ctx, const std::string& given);
// AWS's ResourceNotFoundException for a missing layer version or policy.
AwsError layer_not_found();

std::string function_arn(const std::string& region, const std::string& account, const std::string& name);
std::string function_arn(const Ref& ref);  // qualified when the reference is
std::string layer_arn(const std::string& region, const std::string& account, const std::string& name);
std::string layer_version_id(const std::string& name, int64_t version);
// The IAM resources of calls naming a layer (LayerName, with VersionNumber)
// or a layer version (Arn): the layer or layer version ARN.
std::vector<std::string> layer_version_arns(const Context& ctx, const Value& in);

// ResourceNotFoundException "Function not found: <arn>[:<qualifier>]".
AwsError function_not_found(const Ref& ref, const std::string& qualifier);
AwsError function_not_found(const Ref& ref);
// The entry ({config, code, layers}) a qualifier names: $LATEST (or none),
// a version, or an alias's version.
Result<Value> resolve_entry(const Ref& ref, const Value& doc, std::string qualifier);

// Lambda's timestamps: "2024-01-31T12:00:00.000+0000".
std::string lambda_time(Clock::TimePoint t);
std::string new_revision_id();
bool is_number(const std::string& s);

// A page of a listing (Marker / MaxItems) over ids in order: the listing
// skips ids up to after(), then add()s items until the page is full, when
// add() sets NextMarker and answers false.
class Pager {
 public:
  // InvalidParameterValueException for a Marker nuage did not answer.
  static Result<Pager> of(const Value& in, size_t default_max);
  const std::string& after() const { return after_; }
  bool add(const std::string& id, Value item, Value& items, Value& out);

 private:
  std::string after_, last_;
  size_t max_ = 0;
};

struct Shared {
  explicit Shared(kit::Environment& environment) : env(environment) {}
  kit::Environment& env;
  std::mutex mutex;  // guards store
  std::unique_ptr<storage::ResourceStore> store;

  // Under mutex: the document of the function `ref` names, or
  // ResourceNotFoundException.
  Result<const Value*> function(const Ref& ref) const;
  // Under mutex: the function a call's FunctionName names (with the call's
  // Qualifier when `qualified`), and its document.
  struct Found {
    Ref ref;
    const Value* doc;
  };
  Result<Found> named_function(const Context& ctx, const Value& in, bool qualified = false) const;
  // Under mutex: the configuration (FunctionConfiguration) of the version
  // `ref`'s qualifier names.
  Result<Value> configuration(const Ref& ref) const;
  // Under mutex: stores the function's document.
  Status put_function(const Ref& ref, Value doc);
};

}  // namespace nuage::services::lambda
