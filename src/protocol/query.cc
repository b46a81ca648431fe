// The query and ec2 protocols: form-encoded parameters in, XML out.
// They differ only in how input names are formed (ec2: queryName or the
// capitalized locationName, lists always `Name.N`), in the response
// envelope, and in the error document.

#include <map>

#include "common/text.h"
#include "protocol/protocol.h"
#include "protocol/validate.h"
#include "protocol/values.h"
#include "protocol/xml_codec.h"

namespace nuage::protocol {

namespace {

using model::Type;
using Params = std::map<std::string, std::string, std::less<>>;

Result<Params> collect_params(const http::Request& request) {
  Params params;
  auto add = [&](std::string_view encoded) -> Status {
    auto pairs = text::parse_query(encoded, true);
    if (!pairs) return AwsError{"MalformedQueryString", "The query string is malformed", 400};
    for (auto& [k, v] : *pairs) {
      if (!text::is_valid_utf8(k) || !text::is_valid_utf8(v))
        return AwsError{"MalformedQueryString", "The query string contains a parameter that is not valid UTF-8", 400};
      params.emplace(std::move(k), std::move(v));
    }
    return Status::Ok();
  };
  NUAGE_TRY(add(request.query()));
  std::string content_type = text::lower(request.headers.get("content-type"));
  if (request.body.size() > 0 &&
      (content_type.empty() || content_type.find("x-www-form-urlencoded") != std::string::npos)) {
    NUAGE_TRY(add(request.body.read_all()));
  }
  return params;
}

bool has_prefix(const Params& params, const std::string& prefix) {
  auto it = params.lower_bound(prefix);
  if (it == params.end()) return false;
  if (it->first == prefix) return true;
  return text::starts_with(it->first, prefix) && it->first.size() > prefix.size() &&
         it->first[prefix.size()] == '.';
}

class QueryProtocol : public Protocol {
 public:
  explicit QueryProtocol(bool ec2) : ec2_(ec2) {}

  std::string_view name() const override { return ec2_ ? "ec2" : "query"; }

  Result<const model::Operation*> identify(const model::Service& service,
                                          const http::Request& request) const override {
    auto params = collect_params(request);
    if (!params) return params.take_error();
    auto it = params->find("Action");
    if (it == params->end() || it->second.empty())
      return AwsError{"MissingAction", "Missing Action", 400};
    const model::Operation* op = service.find_operation(it->second);
    if (!op)
      return AwsError{"InvalidAction", "The action " + it->second + " is not valid for this web service.", 400};
    return op;
  }

  Result<Value> parse(const model::Service& service, const model::Operation& op,
                      const http::Request& request) const override {
    auto params = collect_params(request);
    if (!params) return params.take_error();
    if (!op.input.shape) return Value::object();
    auto value = read_structure(*params, *op.input.shape, "");
    if (!value) return value;
    NUAGE_TRY(validate_input(service, *op.input.shape, *value, ec2_ ? "ec2" : "query"));
    return value;
  }

  http::Response serialize(const model::Service& service, const model::Operation& op, const Output& output,
                           const std::string& request_id) const override {
    xml::Writer out(&output);
    out.open(op.name + "Response");
    out.attribute("xmlns", service.xml_namespace);
    if (ec2_) {
      out.element("requestId", request_id);
      if (op.output.shape) xml::write_members(out, *op.output.shape, output.value);
    } else {
      if (op.output.shape) {
        if (!op.result_wrapper.empty()) out.open(op.result_wrapper);
        xml::write_members(out, *op.output.shape, output.value);
        if (!op.result_wrapper.empty()) out.close();
      }
      out.open("ResponseMetadata");
      out.element("RequestId", request_id);
      out.close();
    }
    http::Response res;
    res.status = 200;
    res.headers.set("Content-Type", "text/xml");
    res.headers.set("x-amzn-RequestId", request_id);
    res.body = out.finish();
    return res;
  }

  http::Response serialize_error(const model::Service& service, const AwsError& error,
                                 const std::string& request_id) const override {
    xml::Writer out;
    if (ec2_) {
      out.open("Response");
      out.open("Errors");
      out.open("Error");
      out.element("Code", error.code);
      out.element("Message", error.message);
      out.close();
      out.close();
      out.element("RequestID", request_id);
    } else {
      out.open("ErrorResponse");
      out.attribute("xmlns", service.xml_namespace);
      out.open("Error");
      out.element("Type", error.sender_fault() ? "Sender" : "Receiver");
      out.element("Code", error.code);
      out.element("Message", error.message);
      for (const auto& [k, v] : error.fields.items()) out.element(k, v.is_string() ? v.get<std::string>() : v.dump());
      out.close();
      out.element("RequestId", request_id);
    }
    http::Response res;
    res.status = error.status;
    res.headers.set("Content-Type", "text/xml");
    res.headers.set("x-amzn-RequestId", request_id);
    res.body = out.finish();
    return res;
  }

 private:
  std::string input_name(const model::Member& m, const std::string& fallback) const {
    if (ec2_) {
      if (!m.query_name.empty()) return m.query_name;
      const std::string& loc = m.location_name.empty() && m.shape ? m.shape->location_name : m.location_name;
      if (!loc.empty()) {
        std::string out = loc;
        out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
        return out;
      }
      return fallback;
    }
    const std::string& loc = m.location_name.empty() && m.shape ? m.shape->location_name : m.location_name;
    return loc.empty() ? fallback : loc;
  }

  Result<Value> read_structure(const Params& params, const model::Shape& shape, const std::string& prefix) const {
    Value out = Value::object();
    for (const auto& m : shape.members) {
      std::string key = input_name(m, m.name);
      if (!prefix.empty()) key = prefix + "." + key;
      auto v = read_value(params, m, key);
      if (!v) return v;
      if (!v->is_null()) out[m.name] = std::move(*v);
    }
    return out;
  }

  // Reads the member `m` whose parameters start at `key`; null if absent.
  Result<Value> read_value(const Params& params, const model::Member& m, const std::string& key) const {
    const model::Shape& shape = *m.shape;
    switch (shape.type) {
      case Type::kStructure:
        if (!has_prefix(params, key)) return Value();
        return read_structure(params, shape, key);
      case Type::kList: {
        std::string list_prefix;
        if (ec2_) {
          list_prefix = key;
        } else if (is_flattened(m)) {
          list_prefix = key;
          if (!shape.member.location_name.empty()) {
            auto dot = key.rfind('.');
            list_prefix = (dot == std::string::npos ? "" : key.substr(0, dot + 1)) + shape.member.location_name;
          }
        } else {
          list_prefix = key + "." + (shape.member.location_name.empty() ? "member" : shape.member.location_name);
        }
        Value out = Value::array();
        for (size_t i = 1;; ++i) {
          std::string item_key = list_prefix + "." + std::to_string(i);
          if (!has_prefix(params, item_key)) break;
          auto v = read_value(params, shape.member, item_key);
          if (!v) return v;
          out.push_back(std::move(*v));
        }
        if (out.empty()) {
          // An empty list is sent as "Name=" (query); absent otherwise.
          auto it = params.find(key);
          if (it == params.end() || !it->second.empty()) return Value();
        }
        return out;
      }
      case Type::kMap: {
        std::string base = is_flattened(m) ? key : key + ".entry";
        std::string key_name = shape.key.location_name.empty() ? "key" : shape.key.location_name;
        std::string value_name = shape.value.location_name.empty() ? "value" : shape.value.location_name;
        Value out = Value::object();
        for (size_t i = 1;; ++i) {
          std::string entry = base + "." + std::to_string(i);
          if (!has_prefix(params, entry)) break;
          auto k = params.find(entry + "." + key_name);
          if (k == params.end()) continue;
          auto v = read_value(params, shape.value, entry + "." + value_name);
          if (!v) return v;
          out[k->second] = std::move(*v);
        }
        if (out.empty()) return Value();
        return out;
      }
      default: {
        auto it = params.find(key);
        if (it == params.end()) return Value();
        return scalar_from_text(shape, it->second, key, ec2_ ? "InvalidParameterValue" : "ValidationError");
      }
    }
  }

  bool ec2_;
};

}  // namespace

const Protocol& query_protocol() {
  static const QueryProtocol p(false);
  return p;
}

const Protocol& ec2_protocol() {
  static const QueryProtocol p(true);
  return p;
}

}  // namespace nuage::protocol
