// A service model (botocore service-2.json, pinned in spec/): its shapes and
// operations, loaded once per service on first use and immutable afterwards.
// The protocol layer walks these shapes to parse requests and serialize
// responses; nothing in nuage hand-writes a wire format.
//
// Thread-safety: find_service() is safe from any thread; returned models are
// immutable and live for the whole process.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace nuage::model {

enum class Type { kStructure, kList, kMap, kString, kInteger, kLong, kFloat, kDouble, kBoolean,
                  kTimestamp, kBlob };

struct Shape;

// A reference to a shape from a structure member, list member or map key/value,
// with the serialization traits that belong to the reference.
struct Member {
  std::string name;           // member name in the structure ("" for list/map refs)
  const Shape* shape = nullptr;
  std::string location;       // "", "uri", "querystring", "header", "headers", "statusCode"
  std::string location_name;  // wire name: XML element, query key, header, uri label
  std::string query_name;     // ec2 protocol input name override
  bool flattened = false;
  bool xml_attribute = false;
  std::string xml_namespace;  // xmlNamespace.uri
  std::string xml_namespace_prefix;
  bool host_label = false;
  bool idempotency_token = false;
  bool json_value = false;    // header carrying base64 JSON
  bool event_payload = false;
  bool streaming = false;     // S3 puts the trait on the reference, not the blob shape

  // A streaming blob: read from / written to the raw HTTP body, never in a Value.
  bool is_streaming() const;

  // Name used on the wire when none of the protocol-specific rules apply.
  const std::string& wire_name() const { return location_name.empty() ? name : location_name; }
};

struct ErrorTraits {
  std::string code;  // error.code override (query protocol codes like "EntityAlreadyExists")
  int http_status = 0;
  bool sender_fault = true;
};

struct Shape {
  std::string name;
  Type type = Type::kString;
  std::vector<Member> members;            // structure members, in name order
  std::map<std::string, size_t, std::less<>> member_index;
  std::set<std::string, std::less<>> required;
  std::string payload;                    // structure: member bound to the HTTP body
  Member member;                          // list element
  Member key, value;                      // map entry
  bool flattened = false;                 // list/map serialized without wrapper
  std::string location_name;              // shape-level locationName
  std::string timestamp_format;           // "iso8601", "rfc822", "unixTimestamp" or ""
  bool streaming = false;
  bool exception = false;
  bool is_union = false;
  bool document = false;
  bool sensitive = false;
  ErrorTraits error;
  std::vector<std::string> enum_values;   // in the model's order (AWS's messages list them so)
  std::vector<uint32_t> enum_order;       // indices of enum_values in sorted order (lookups)
  bool has_enum_value(std::string_view v) const;
  double min = -1, max = -1;              // -1: unset
  std::string pattern;
  // This shape, or one it holds, constrains input (required members, min,
  // max, pattern, enum): the validator walks only into constrained shapes.
  bool constrained = false;
  // Set once by the input validator (protocol/validate.cc): its compiled
  // form of `pattern`, so a request costs no lookup. Not copied with the shape.
  struct CacheSlot {
    mutable std::atomic<const void*> value{nullptr};
    CacheSlot() = default;
    CacheSlot(const CacheSlot&) {}
    CacheSlot& operator=(const CacheSlot&) { return *this; }
    const void* load(std::memory_order order) const { return value.load(order); }
    void store(const void* v, std::memory_order order) const { value.store(v, order); }
  } validator_cache;
  std::string xml_namespace;
  std::string xml_namespace_prefix;       // S3's Grantee: "xsi"

  const Member* find_member(std::string_view member_name) const;
};

struct Operation {
  std::string name;
  std::string http_method = "POST";
  std::string request_uri = "/";
  int response_code = 200;
  Member input;    // input.shape may be null
  Member output;   // output.shape may be null; location_name holds resultWrapper
  std::string result_wrapper;
  std::vector<const Shape*> errors;
  bool unsigned_allowed = false;  // authtype "none"/ "v4-unsigned-body"
  bool deprecated = false;        // superseded by an operation on the same route
  std::string host_prefix;
};

struct Service {
  std::string name;            // spec file name: "ec2", "cloudwatch", ...
  std::string api_version;
  std::string protocol;        // primary: "query", "ec2", "json", "rest-json", "rest-xml", ...
  std::vector<std::string> protocols;
  std::string target_prefix;   // json: X-Amz-Target prefix
  std::string json_version;
  std::string xml_namespace;
  std::string signing_name;    // SigV4 scope service name
  std::string endpoint_prefix;
  std::string service_id;
  bool global = false;         // IAM: one endpoint, us-east-1 scope
  bool aws_query_compatible = false;
  // The query-era model of a service whose current model left the query
  // protocol (SQS): requests in query form (older clients) are parsed and
  // answered with its shapes; null for every other service.
  const Service* query_dialect = nullptr;

  std::map<std::string, Shape, std::less<>> shapes;
  std::map<std::string, Operation, std::less<>> operations;

  const Operation* find_operation(std::string_view op) const;
  const Shape* find_shape(std::string_view shape) const;
  bool speaks(std::string_view protocol_name) const;
};

// The model named `name` ("sts", "ec2", ...), parsed on first use from the
// embedded spec. nullptr if nuage has no such model.
//
// Query dialects: a model pinned as "<name>_query" (tools/pin_models.py) is
// the query-era model of `name`. It is no service of its own (service_names
// leaves it out); it becomes `query_dialect` of `name`, whose exception
// shapes take the dialect's error codes and statuses where they declare none
// (json answers carry them in x-amzn-query-error, as AWS's do).
const Service* find_service(std::string_view name);
// Names of all embedded models (query dialects excepted).
std::vector<std::string> service_names();
// How many operations the model `name` defines, without parsing it (0 if
// nuage has no such model).
size_t operation_count(std::string_view name);
// Parses a model from its JSON text (used by find_service and by tests).
std::unique_ptr<Service> parse_service(std::string_view name, std::string_view json_text);

}  // namespace nuage::model
