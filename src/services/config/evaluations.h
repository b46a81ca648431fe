// Evaluation results of AWS Config rules: one per (rule, resource type,
// resource id) in each scope, in the table config_evaluations, with the
// aggregations the compliance operations answer. A result whose
// OrderingTimestamp is older than the stored one is ignored, as AWS does
// (a late Lambda answer never overwrites a newer verdict).
//
// Thread-safety: none of its own; the provider calls it under its mutex
// (a put reads then writes: callers batch puts in one transaction).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "kit/value.h"
#include "storage/database.h"

namespace nuage::services::config {

using kit::Value;

struct Evaluation {
  std::string account, region, rule;
  std::string resource_type, resource_id;
  std::string compliance;  // COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE
  std::string annotation;
  double ordering_time = 0, recorded_time = 0, invoked_time = 0;
};

// The EvaluationResult shape of the API.
Value evaluation_result(const Evaluation& e);

class Evaluations {
 public:
  explicit Evaluations(storage::Database& db) : db_(db) {}
  Status open();
  Status clear();

  // Stores `e`; returns what it replaced (nullopt: nothing). `stored` says
  // whether it was kept (false when an evaluation with a later ordering
  // timestamp is there already, or one as late from a later invocation).
  Result<std::optional<Evaluation>> put(const Evaluation& e, bool* stored = nullptr);
  // Removes a resource's result under a rule; returns it.
  Result<std::optional<Evaluation>> erase(const std::string& account, const std::string& region,
                                          const std::string& rule, const std::string& type, const std::string& id);
  Status erase_rule(const std::string& account, const std::string& region, const std::string& rule);

  // Results of a rule ("" for all rules) or of a resource ("" type / id for
  // all), in (rule, type, id) order, resuming after `after` (an opaque key
  // from the previous page), at most `limit` (0: all).
  struct Page {
    std::vector<Evaluation> results;
    std::string next;  // "" when done
  };
  Result<Page> list(const std::string& account, const std::string& region, const std::string& rule,
                    const std::string& type, const std::string& id, const std::vector<std::string>& compliance,
                    const std::string& after, int limit) const;
  Status for_each(const std::string& account, const std::string& region,
                  const std::function<void(const Evaluation&)>& fn) const;

 private:
  storage::Database& db_;
};

}  // namespace nuage::services::config
