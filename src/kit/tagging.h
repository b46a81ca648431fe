// One implementation of the ARN-based tagging operations (TagResource,
// UntagResource, ListTagsForResource, and the spellings some services use:
// Lambda's ListTags, Logs' TagLogGroup ...), shared by every service.
// A service declares how its operations name things (TaggingSpec) and where
// tags live: documents of a storage::ResourceStore (found from an ARN by a
// Resolver), or anything implementing Taggable (Logs keeps log groups in
// tables of its own).
//
// Validation is AWS's: at most `max_tags` tags on a resource after the
// change (TooManyTags-style error from the spec), no "aws:" key prefix
// (reserved for AWS's own tags).
//
// Thread-safety: the handlers take the given mutex (store form) or rely on
// the Taggable's own locking.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kit/errors.h"
#include "kit/provider.h"
#include "storage/resource_store.h"

namespace nuage::kit {

struct TaggingSpec {
  std::string tag_operation = "TagResource";
  std::string untag_operation = "UntagResource";
  std::string list_operation = "ListTagsForResource";  // "": the service has none
  std::string arn_member = "ResourceARN";  // the input member naming the resource
  // The member holds the resource's ARN, which IAM authorizes the call
  // against; false (Logs' TagLogGroup names a group): the table's default
  // resources apply.
  bool names_arn = true;
  std::string tags_member = "Tags";        // Tag's input and List's output
  std::string list_tags_member;            // List's output when it differs (RDS's TagList)
  bool tags_as_map = false;                // {"k": "v"} instead of [{"Key", "Value"}]
  std::string keys_member = "TagKeys";     // Untag's input
  size_t max_tags = 50;
  // The error for too many tags, and for a reserved key (by code name of
  // the service's model, worded by AWS's message).
  std::string too_many_error = "ValidationException";
  std::string too_many_message = "Tags cannot exceed 50";
  std::string reserved_error = "ValidationException";
  std::string reserved_message = "aws: prefixed tag key names are not allowed for external use.";
};

struct TaggedResource {
  storage::Scope scope;
  std::string kind, id;
};
// An ARN of the service to the document it names, or the service's
// not-found error.
using Resolver = std::function<Result<TaggedResource>(const RequestContext& ctx, const std::string& arn)>;

class Taggable {
 public:
  virtual ~Taggable() = default;
  virtual Result<storage::Tags> tags(const RequestContext& ctx, const std::string& arn) = 0;
  // Applies `add` (overwriting keys present) then removes `remove`.
  virtual Status change_tags(const RequestContext& ctx, const std::string& arn, const storage::Tags& add,
                             const std::vector<std::string>& remove) = 0;
};

// Registers the spec's three operations over documents of `store`.
void add_tagging(OperationTable& table, const TaggingSpec& spec, const Errors& errors, storage::ResourceStore& store,
                 std::mutex& mutex, Resolver resolve);
// The same over the store a provider opens in open(), after its operations
// are registered: `store` is read at each call.
void add_tagging(OperationTable& table, const TaggingSpec& spec, const Errors& errors,
                 const std::unique_ptr<storage::ResourceStore>& store, std::mutex& mutex, Resolver resolve);
// Registers them over a Taggable.
void add_tagging(OperationTable& table, const TaggingSpec& spec, const Errors& errors, Taggable& target);

// The tags of an input member in either form.
storage::Tags tags_from(const Value& value);
// Tags in a spec's output form.
Value tags_value(const storage::Tags& tags, bool as_map);

}  // namespace nuage::kit
