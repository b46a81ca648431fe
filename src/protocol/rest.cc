// The REST protocols (rest-json, rest-xml): the operation is found by method
// and URI template; members are bound to the URI, query string, headers,
// status code and body as their `location` says. The two protocols share all
// of that and differ only in the body format and the error document.
#include <pugixml.hpp>

#include <map>
#include <mutex>

#include "common/documents.h"
#include "common/text.h"
#include "protocol/json_codec.h"
#include "protocol/protocol.h"
#include "protocol/validate.h"
#include "protocol/values.h"
#include "protocol/xml_codec.h"

namespace nuage::protocol {

namespace {

using model::Type;
using QueryParams = std::multimap<std::string, std::string, std::less<>>;

struct Route {
  const model::Operation* op = nullptr;
  std::vector<std::string> segments;  // template path segments
  std::vector<std::pair<std::string, std::optional<std::string>>> query;  // required literals
  int literals = 0;
  bool greedy = false;
  // Required input members bound to the query string or a header: among
  // routes that share a URI (S3's PutObject, CopyObject, UploadPart and
  // UploadPartCopy are all PUT /{Bucket}/{Key+}), the request that carries
  // them names the operation.
  std::vector<std::pair<bool, std::string>> located;  // (is_header, wire name)
};

std::vector<std::string> path_segments(std::string_view path) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return {};
  return text::split(path, '/');
}

Route make_route(const model::Operation& op) {
  Route r;
  r.op = &op;
  std::string_view uri = op.request_uri;
  auto q = uri.find('?');
  std::string_view path = uri.substr(0, q);
  r.segments = path_segments(path);
  if (!r.segments.empty() && r.segments.back().empty()) r.segments.pop_back();
  for (const auto& s : r.segments) {
    if (s.size() > 2 && s.front() == '{' && s.back() == '}') {
      if (s[s.size() - 2] == '+') r.greedy = true;
    } else {
      ++r.literals;
    }
  }
  if (q != std::string_view::npos) {
    for (const auto& part : text::split(uri.substr(q + 1), '&')) {
      auto eq = part.find('=');
      std::string key = part.substr(0, eq);
      if (key.empty() || key == "x-id") continue;  // x-id only names the operation
      if (eq == std::string::npos) r.query.emplace_back(key, std::nullopt);
      else r.query.emplace_back(key, part.substr(eq + 1));
    }
  }
  if (const model::Shape* in = op.input.shape) {
    for (const auto& m : in->members) {
      if (!in->required.count(m.name)) continue;
      if (m.location == "header") r.located.emplace_back(true, text::lower(wire_name(m)));
      else if (m.location == "querystring") r.located.emplace_back(false, wire_name(m));
    }
  }
  return r;
}

// How many of the route's required located members the request carries,
// and whether it carries all of them.
std::pair<bool, int> located_present(const Route& route, const http::Request& request,
                                     const QueryParams& query) {
  int present = 0;
  for (const auto& [is_header, name] : route.located)
    if (is_header ? request.headers.contains(name) : query.count(name) > 0) ++present;
  return {present == static_cast<int>(route.located.size()), present};
}

struct Match {
  const Route* route = nullptr;
  std::map<std::string, std::string> labels;  // decoded label values
};

// Matches `route` against the request path segments; fills labels.
bool match_route(const Route& route, std::vector<std::string> req, const QueryParams& query,
                 std::map<std::string, std::string>& labels) {
  if (!route.greedy && !req.empty() && req.back().empty()) req.pop_back();
  size_t i = 0;
  for (size_t t = 0; t < route.segments.size(); ++t) {
    const std::string& seg = route.segments[t];
    bool is_label = seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
    if (is_label && seg[seg.size() - 2] == '+') {
      if (i >= req.size()) return false;
      std::string rest;
      for (size_t k = i; k < req.size(); ++k) rest += (k > i ? "/" : "") + req[k];
      auto decoded = text::uri_decode(rest);
      if (!decoded || decoded->empty()) return false;
      labels[seg.substr(1, seg.size() - 3)] = *decoded;
      i = req.size();
      continue;
    }
    if (i >= req.size()) return false;
    if (is_label) {
      auto decoded = text::uri_decode(req[i]);
      if (!decoded || decoded->empty()) return false;
      labels[seg.substr(1, seg.size() - 2)] = *decoded;
    } else {
      auto decoded = text::uri_decode(req[i]);
      if (!decoded || *decoded != seg) return false;
    }
    ++i;
  }
  if (i != req.size()) return false;
  for (const auto& [key, value] : route.query) {
    auto range = query.equal_range(key);
    if (range.first == range.second) return false;
    if (value && range.first->second != *value) return false;
  }
  return true;
}

struct Router {
  std::map<std::string, std::vector<Route>> by_method;
};

const Router& router_for(const model::Service& service) {
  static std::mutex mu;
  static std::map<const model::Service*, Router> routers;
  std::lock_guard lock(mu);
  auto it = routers.find(&service);
  if (it != routers.end()) return it->second;
  Router r;
  for (const auto& [name, op] : service.operations) r.by_method[op.http_method].push_back(make_route(op));
  return routers.emplace(&service, std::move(r)).first->second;
}

Result<QueryParams> query_params(const http::Request& request) {
  auto pairs = text::parse_query(request.query(), false);
  if (!pairs) return AwsError{"InvalidArgument", "The query string is malformed", 400};
  QueryParams out;
  for (auto& [k, v] : *pairs) out.emplace(std::move(k), std::move(v));
  return out;
}

// Root element names of rest-xml output documents. The models give output
// structures no locationName, while the service names the root after the
// resource it returns; botocore ignores the root's name, but other clients
// and the exact wire form need it. These are wire facts from S3's API
// reference (each response's "Response Syntax"). Others: "<Operation>Result".
const std::map<std::string, std::string, std::less<>>& output_root_names() {
  static const std::map<std::string, std::string, std::less<>> names = {
      {"ListBucketsOutput", "ListAllMyBucketsResult"},
      {"ListObjectsOutput", "ListBucketResult"},
      {"ListObjectsV2Output", "ListBucketResult"},
      {"ListObjectVersionsOutput", "ListVersionsResult"},
      {"ListMultipartUploadsOutput", "ListMultipartUploadsResult"},
      {"ListPartsOutput", "ListPartsResult"},
      {"CreateMultipartUploadOutput", "InitiateMultipartUploadResult"},
      {"CompleteMultipartUploadOutput", "CompleteMultipartUploadResult"},
      {"GetBucketVersioningOutput", "VersioningConfiguration"},
      {"GetBucketLocationOutput", "LocationConstraint"},
      {"DeleteObjectsOutput", "DeleteResult"},
      {"GetObjectTaggingOutput", "Tagging"},
      {"GetBucketTaggingOutput", "Tagging"},
      {"GetBucketCorsOutput", "CORSConfiguration"},
      {"GetBucketLifecycleConfigurationOutput", "LifecycleConfiguration"},
      {"GetBucketLifecycleOutput", "LifecycleConfiguration"},
      {"GetBucketAclOutput", "AccessControlPolicy"},
      {"GetObjectAclOutput", "AccessControlPolicy"},
      {"GetBucketEncryptionOutput", "ServerSideEncryptionConfiguration"},
      {"GetBucketWebsiteOutput", "WebsiteConfiguration"},
      {"GetBucketLoggingOutput", "BucketLoggingStatus"},
      {"GetBucketNotificationConfigurationOutput", "NotificationConfiguration"},
      {"GetBucketRequestPaymentOutput", "RequestPaymentConfiguration"},
      {"GetBucketAccelerateConfigurationOutput", "AccelerateConfiguration"},
      {"GetObjectAttributesOutput", "GetObjectAttributesResponse"},
  };
  return names;
}

std::string output_root_name(const model::Shape& shape, const model::Operation& op) {
  auto it = output_root_names().find(shape.name);
  return it == output_root_names().end() ? op.name + "Result" : it->second;
}

class RestProtocol : public Protocol {
 public:
  Result<const model::Operation*> identify(const model::Service& service,
                                          const http::Request& request) const override {
    Match m;
    NUAGE_TRY(find(service, request, m));
    return m.route->op;
  }

  Result<Value> parse(const model::Service& service, const model::Operation& op,
                      const http::Request& request) const override {
    if (!op.input.shape) return Value::object();
    const model::Shape& shape = *op.input.shape;
    Match m;
    NUAGE_TRY(find(service, request, m));
    auto query = query_params(request);
    if (!query) return query.take_error();

    Value out = Value::object();
    // Body first: the located members below take precedence.
    const model::Member* payload = shape.payload.empty() ? nullptr : shape.find_member(shape.payload);
    if (payload) {
      const model::Shape& ps = *payload->shape;
      if (ps.type == Type::kBlob && !payload->is_streaming()) {
        out[payload->name] = make_blob(request.body.read_all());
      } else if (ps.type == Type::kString) {
        if (request.body.size() > 0) out[payload->name] = request.body.read_all();
      } else if (ps.type == Type::kStructure && request.body.size() > 0) {
        auto v = parse_body(request.body.read_all(), ps);
        if (!v) return v;
        out[payload->name] = std::move(*v);
      }
    } else if (request.body.size() > 0 && has_body_members(shape)) {
      auto v = parse_body(request.body.read_all(), shape);
      if (!v) return v;
      out.update(*v);
    }

    for (const auto& mem : shape.members) {
      if (mem.location == "uri") {
        auto it = m.labels.find(wire_name(mem));
        if (it == m.labels.end()) continue;
        auto v = scalar_from_text(*mem.shape, it->second, mem.name, client_error_code());
        if (!v) return v;
        out[mem.name] = std::move(*v);
      } else if (mem.location == "querystring") {
        auto v = bind_query(mem, *query, shape);
        if (!v) return v;
        if (!v->is_null()) out[mem.name] = std::move(*v);
      } else if (mem.location == "header") {
        const std::string* h = request.headers.find(wire_name(mem));
        if (!h) continue;
        auto v = bind_header(mem, *h);
        if (!v) return v;
        out[mem.name] = std::move(*v);
      } else if (mem.location == "headers") {
        std::string prefix = text::lower(wire_name(mem));
        Value map = Value::object();
        for (const auto& [k, v] : request.headers.items()) {
          if (!text::starts_with(k, prefix)) continue;
          if (!text::is_valid_utf8(k) || !text::is_valid_utf8(v))
            return AwsError{client_error_code(), "Header " + k + " is not valid UTF-8", 400};
          map[k.substr(prefix.size())] = v;
        }
        if (!map.empty()) out[mem.name] = std::move(map);
      }
    }
    NUAGE_TRY(validate_input(service, shape, out, style()));
    return out;
  }

  http::Response serialize(const model::Service& service, const model::Operation& op, const Output& output,
                           const std::string& request_id) const override {
    http::Response res;
    res.status = output.status.value_or(op.response_code);
    add_request_id(res, request_id);
    const model::Shape* shape = op.output.shape;
    if (!shape) {
      finish_empty(res);
      return res;
    }
    Value inlined;
    const Value& value = output.inlined_value(inlined);
    for (const auto& mem : shape->members) {
      auto it = value.find(mem.name);
      if (it == value.end() || it->is_null()) continue;
      if (mem.location == "header") {
        res.headers.set(wire_name(mem), header_text(mem, *it));
      } else if (mem.location == "headers" && it->is_object()) {
        for (const auto& [k, v] : it->items())
          res.headers.set(wire_name(mem) + k, v.is_string() ? v.get<std::string>() : v.dump());
      } else if (mem.location == "statusCode" && it->is_number_integer()) {
        res.status = it->get<int>();
      }
    }
    const model::Member* payload = shape->payload.empty() ? nullptr : shape->find_member(shape->payload);
    if (payload) {
      const model::Shape& ps = *payload->shape;
      auto it = value.find(payload->name);
      if (ps.type == Type::kBlob || ps.type == Type::kString) {
        if (output.stream_file) {
          res.file = output.stream_file;
        } else if (output.stream_bytes) {
          res.body = *output.stream_bytes;
        } else if (it != value.end() && !it->is_null()) {
          res.body = ps.type == Type::kBlob ? blob_bytes(*it) : it->get<std::string>();
        }
        if (!res.headers.contains("content-type")) res.headers.set("Content-Type", raw_content_type());
      } else if (it != value.end() && !it->is_null()) {
        write_body(res, service, *payload, *it);
      } else {
        finish_empty(res);
      }
    } else if (has_body_members(*shape)) {
      model::Member root;
      root.name = op.name + "Result";
      root.shape = shape;
      root.location_name = shape->location_name.empty() ? output_root_name(*shape, op) : shape->location_name;
      // An output whose only body member is a scalar named like the root
      // is that bare element (S3's <LocationConstraint>eu-west-1</...>).
      const model::Member* only = nullptr;
      int body_members = 0;
      for (const auto& m : shape->members)
        if (m.location.empty()) ++body_members, only = &m;
      if (body_members == 1 && only->shape->type != Type::kStructure && only->shape->type != Type::kList &&
          only->shape->type != Type::kMap && wire_name(*only) == root.location_name) {
        root.shape = only->shape;
        auto it = value.find(only->name);
        write_body(res, service, root, it == value.end() || it->is_null() ? Value("") : *it);
        return res;
      }
      write_body(res, service, root, value);
    } else {
      finish_empty(res);
    }
    return res;
  }

 protected:
  virtual Result<Value> parse_body(const std::string& body, const model::Shape& shape) const = 0;
  virtual void write_body(http::Response& res, const model::Service& service, const model::Member& root,
                          const Value& value) const = 0;
  virtual void finish_empty(http::Response& res) const = 0;
  virtual void add_request_id(http::Response& res, const std::string& request_id) const = 0;
  virtual std::string client_error_code() const = 0;
  virtual std::string_view style() const = 0;
  virtual std::string raw_content_type() const { return "application/octet-stream"; }
  virtual AwsError no_route(const http::Request& request) const = 0;

  static bool has_body_members(const model::Shape& shape) {
    for (const auto& m : shape.members)
      if (m.location.empty()) return true;
    return false;
  }

 private:
  Status find(const model::Service& service, const http::Request& request, Match& out) const {
    auto query = query_params(request);
    if (!query) return query.take_error();
    const Router& router = router_for(service);
    auto it = router.by_method.find(request.method);
    if (it == router.by_method.end()) return no_route(request);
    auto req = path_segments(request.path());
    const Route* best = nullptr;
    std::pair<bool, int> best_located;
    std::map<std::string, std::string> best_labels;
    for (const auto& route : it->second) {
      std::map<std::string, std::string> labels;
      if (!match_route(route, req, *query, labels)) continue;
      auto located = located_present(route, request, *query);
      if (!best || better(route, located, *best, best_located)) {
        best = &route;
        best_located = located;
        best_labels = std::move(labels);
      }
    }
    if (!best) return no_route(request);
    out.route = best;
    out.labels = std::move(best_labels);
    return Status::Ok();
  }

  static bool better(const Route& a, std::pair<bool, int> a_located, const Route& b,
                     std::pair<bool, int> b_located) {
    if (a.query.size() != b.query.size()) return a.query.size() > b.query.size();
    if (a_located != b_located) return a_located > b_located;
    if (a.op->deprecated != b.op->deprecated) return !a.op->deprecated;
    if (a.literals != b.literals) return a.literals > b.literals;
    if (a.greedy != b.greedy) return !a.greedy;
    return a.segments.size() > b.segments.size();
  }

  Result<Value> bind_query(const model::Member& mem, const QueryParams& query, const model::Shape& parent) const {
    const model::Shape& s = *mem.shape;
    if (s.type == Type::kMap) {
      // All query parameters not bound to another member.
      Value map = Value::object();
      for (const auto& [k, v] : query) {
        bool bound = false;
        for (const auto& other : parent.members)
          if (other.location == "querystring" && &other != &mem && wire_name(other) == k) bound = true;
        if (bound) continue;
        if (s.value.shape->type == Type::kList) map[k].push_back(v);
        else map[k] = v;
      }
      return map.empty() ? Value() : map;
    }
    auto range = query.equal_range(wire_name(mem));
    if (range.first == range.second) return Value();
    if (s.type == Type::kList) {
      Value list = Value::array();
      for (auto it = range.first; it != range.second; ++it) {
        auto v = scalar_from_text(*s.member.shape, it->second, mem.name, client_error_code());
        if (!v) return v;
        list.push_back(std::move(*v));
      }
      return list;
    }
    return scalar_from_text(s, range.first->second, mem.name, client_error_code());
  }

  Result<Value> bind_header(const model::Member& mem, const std::string& raw) const {
    const model::Shape& s = *mem.shape;
    if (mem.json_value) {
      auto decoded = text::base64_decode(raw);
      Value v = decoded ? documents::parse_json_or_discarded(*decoded) : Value(Value::value_t::discarded);
      if (v.is_discarded()) return AwsError{client_error_code(), "Invalid JSON in header " + wire_name(mem), 400};
      return v;
    }
    if (s.type == Type::kList) {
      Value list = Value::array();
      for (const auto& part : text::split(raw, ',')) {
        auto v = scalar_from_text(*s.member.shape, text::trim(part), mem.name, client_error_code());
        if (!v) return v;
        list.push_back(std::move(*v));
      }
      return list;
    }
    return scalar_from_text(s, raw, mem.name, client_error_code());
  }

  static std::string header_text(const model::Member& mem, const Value& v) {
    if (mem.json_value) return text::base64_encode(v.dump());
    if (mem.shape->type == Type::kList && v.is_array()) {
      std::string out;
      for (const auto& item : v) {
        if (!out.empty()) out += ",";
        out += scalar_to_text(*mem.shape->member.shape, item, "rfc822");
      }
      return out;
    }
    return scalar_to_text(*mem.shape, v, "rfc822");
  }
};

class RestJsonProtocol : public RestProtocol {
 public:
  std::string_view name() const override { return "rest-json"; }

  http::Response serialize_error(const model::Service&, const AwsError& error,
                                 const std::string& request_id) const override {
    http::Response res;
    res.status = error.status;
    add_request_id(res, request_id);
    res.headers.set("x-amzn-ErrorType", error.shape_name());
    res.headers.set("Content-Type", "application/json");
    Value body = error.fields.is_object() ? error.fields : Value::object();
    body["Type"] = error.sender_fault() ? "User" : "Service";
    body["message"] = error.message;
    res.body = body.dump(-1, ' ', false, Value::error_handler_t::replace);
    return res;
  }

 protected:
  Result<Value> parse_body(const std::string& body, const model::Shape& shape) const override {
    auto parsed = documents::parse_json(body);
    if (parsed.failure == documents::Failure::kTooDeep) return document_too_deep("SerializationException");
    if (!parsed.ok()) return AwsError{"SerializationException", "Unable to parse the request body as JSON", 400};
    const Value& wire = parsed.value;
    auto v = json::from_wire(wire, shape, "SerializationException");
    if (v && v->is_null()) return Value::object();
    return v;
  }
  void write_body(http::Response& res, const model::Service&, const model::Member& root,
                  const Value& value) const override {
    res.headers.set("Content-Type", "application/json");
    res.body = json::to_wire(value, *root.shape).dump(-1, ' ', false, Value::error_handler_t::replace);
  }
  void finish_empty(http::Response& res) const override {
    res.headers.set("Content-Type", "application/json");
    if (res.status != 204 && res.status != 304) res.body = "{}";
  }
  void add_request_id(http::Response& res, const std::string& request_id) const override {
    res.headers.set("x-amzn-RequestId", request_id);
  }
  std::string client_error_code() const override { return "SerializationException"; }
  std::string_view style() const override { return "rest-json"; }
  AwsError no_route(const http::Request& request) const override {
    return AwsError{"UnknownOperationException",
                    "No operation matches " + request.method + " " + std::string(request.path()), 404};
  }
};

class RestXmlProtocol : public RestProtocol {
 public:
  std::string_view name() const override { return "rest-xml"; }

  http::Response serialize_error(const model::Service&, const AwsError& error,
                                 const std::string& request_id) const override {
    xml::Writer out;
    out.open("Error");
    out.element("Code", error.code);
    out.element("Message", error.message);
    for (const auto& [k, v] : error.fields.items()) out.element(k, v.is_string() ? v.get<std::string>() : v.dump());
    out.element("RequestId", request_id);
    http::Response res;
    res.status = error.status;
    add_request_id(res, request_id);
    res.headers.set("Content-Type", "application/xml");
    res.body = out.finish();
    return res;
  }

 protected:
  Result<Value> parse_body(const std::string& body, const model::Shape& shape) const override {
    pugi::xml_document doc;
    NUAGE_TRY(xml::load(doc, body, "MalformedXML"));
    return xml::read(doc.document_element(), shape, "MalformedXML");
  }
  void write_body(http::Response& res, const model::Service& service, const model::Member& root,
                  const Value& value) const override {
    xml::Writer out;
    out.open(wire_name(root));
    std::string ns = root.xml_namespace.empty() ? service.xml_namespace : root.xml_namespace;
    if (ns.empty() && !service.name.empty() && service.name == "s3") ns = "http://s3.amazonaws.com/doc/2006-03-01/";
    if (!ns.empty()) out.attribute("xmlns", ns);
    if (root.shape->type == Type::kStructure) {
      xml::write_members(out, *root.shape, value);
    } else {
      out.text(scalar_to_text(*root.shape, value, "iso8601"));
    }
    res.headers.set("Content-Type", "application/xml");
    res.body = out.finish();
  }
  void finish_empty(http::Response&) const override {}
  void add_request_id(http::Response& res, const std::string& request_id) const override {
    res.headers.set("x-amz-request-id", request_id);
    res.headers.set("x-amz-id-2", text::base64_encode(request_id + request_id));
  }
  std::string client_error_code() const override { return "InvalidArgument"; }
  std::string_view style() const override { return "rest-xml"; }
  AwsError no_route(const http::Request& request) const override {
    return AwsError{"MethodNotAllowed", "The specified method is not allowed against this resource.", 405,
                    Value{{"Method", request.method}, {"ResourceType", "OBJECT"}}};
  }
};

}  // namespace

const Protocol& rest_json_protocol() {
  static const RestJsonProtocol p;
  return p;
}

const Protocol& rest_xml_protocol() {
  static const RestXmlProtocol p;
  return p;
}

}  // namespace nuage::protocol
