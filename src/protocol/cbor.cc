// The smithy-rpc-v2-cbor protocol (CloudWatch with botocore >= 1.37): the
// operation is named by the path /service/<TargetPrefix>/operation/<Op>
// (with the header smithy-protocol: rpc-v2-cbor), input and output are CBOR
// maps keyed by member name, timestamps are CBOR tag 1 (epoch seconds),
// blobs are byte strings. Errors are a CBOR map {"__type", "message"}; for
// awsQueryCompatible services the query error code rides in
// x-amzn-query-error, as with the json protocol.
#include <cmath>
#include <cstring>

#include "common/documents.h"
#include "common/text.h"
#include "protocol/protocol.h"
#include "protocol/validate.h"
#include "protocol/values.h"

namespace nuage::protocol {

namespace {

using model::Type;

AwsError type_error(const std::string& path, const char* expected) {
  return AwsError{"SerializationException", "Value at '" + path + "' is not a valid " + expected, 400};
}

// Wire value (decoded CBOR, tags stripped) -> internal Value of `shape`.
Result<Value> from_wire(const Value& wire, const model::Shape& shape, const std::string& path) {
  if (wire.is_null()) return Value();
  if (shape.document) return wire;
  switch (shape.type) {
    case Type::kStructure: {
      if (!wire.is_object()) return type_error(path, "structure");
      Value out = Value::object();
      for (const auto& m : shape.members) {
        auto it = wire.find(wire_name(m));
        if (it == wire.end()) continue;
        auto v = from_wire(*it, *m.shape, path.empty() ? m.name : path + "." + m.name);
        if (!v) return v;
        if (!v->is_null()) out[m.name] = std::move(*v);
      }
      return out;
    }
    case Type::kList: {
      if (!wire.is_array()) return type_error(path, "list");
      Value out = Value::array();
      for (const auto& item : wire) {
        auto v = from_wire(item, *shape.member.shape, path + ".member");
        if (!v) return v;
        out.push_back(std::move(*v));
      }
      return out;
    }
    case Type::kMap: {
      if (!wire.is_object()) return type_error(path, "map");
      Value out = Value::object();
      for (const auto& [k, item] : wire.items()) {
        auto v = from_wire(item, *shape.value.shape, path + "." + k);
        if (!v) return v;
        out[k] = std::move(*v);
      }
      return out;
    }
    case Type::kString:
      if (!wire.is_string()) return type_error(path, "string");
      return wire;
    case Type::kBoolean:
      if (!wire.is_boolean()) return type_error(path, "boolean");
      return wire;
    case Type::kInteger:
    case Type::kLong:
      if (!wire.is_number_integer()) return type_error(path, "integer");
      return wire;
    case Type::kFloat:
    case Type::kDouble:
      if (!wire.is_number()) return type_error(path, "number");
      return Value(wire.get<double>());
    case Type::kTimestamp:
      if (!wire.is_number()) return type_error(path, "timestamp");
      return Value(wire.get<double>());
    case Type::kBlob:
      if (wire.is_binary()) return wire;
      if (wire.is_string()) return make_blob(wire.get<std::string>());
      return type_error(path, "blob");
  }
  return wire;
}

// --- CBOR writer (RFC 8949), definite lengths only.
void head(std::string& out, uint8_t major, uint64_t n) {
  uint8_t m = static_cast<uint8_t>(major << 5);
  if (n < 24) {
    out.push_back(static_cast<char>(m | n));
    return;
  }
  int bytes = n <= 0xff ? 1 : n <= 0xffff ? 2 : n <= 0xffffffffULL ? 4 : 8;
  out.push_back(static_cast<char>(m | (bytes == 1 ? 24 : bytes == 2 ? 25 : bytes == 4 ? 26 : 27)));
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
}

void write_text(std::string& out, std::string_view s) {
  head(out, 3, s.size());
  out.append(s);
}

void write_int(std::string& out, int64_t v) {
  if (v >= 0) head(out, 0, static_cast<uint64_t>(v));
  else head(out, 1, static_cast<uint64_t>(-1 - v));
}

void write_double(std::string& out, double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  out.push_back(static_cast<char>(0xfb));
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

void write_number(std::string& out, const Value& v) {
  if (v.is_number_integer()) write_int(out, v.get<int64_t>());
  else if (v.is_number()) write_double(out, v.get<double>());
  else out.push_back(static_cast<char>(0xf6));  // null
}

// Any JSON value without a shape (documents).
void write_plain(std::string& out, const Value& v) {
  if (v.is_object()) {
    head(out, 5, v.size());
    for (const auto& [k, item] : v.items()) {
      write_text(out, k);
      write_plain(out, item);
    }
  } else if (v.is_array()) {
    head(out, 4, v.size());
    for (const auto& item : v) write_plain(out, item);
  } else if (v.is_string()) {
    write_text(out, v.get_ref<const std::string&>());
  } else if (v.is_boolean()) {
    out.push_back(static_cast<char>(v.get<bool>() ? 0xf5 : 0xf4));
  } else if (v.is_binary()) {
    head(out, 2, v.get_binary().size());
    out.append(v.get_binary().begin(), v.get_binary().end());
  } else {
    write_number(out, v);
  }
}

void write_value(std::string& out, const Value& value, const model::Shape& shape) {
  if (shape.document) return write_plain(out, value);
  switch (shape.type) {
    case Type::kStructure: {
      std::vector<const model::Member*> present;
      for (const auto& m : shape.members) {
        auto it = value.is_object() ? value.find(m.name) : value.end();
        if (value.is_object() && it != value.end() && !it->is_null()) present.push_back(&m);
      }
      head(out, 5, present.size());
      for (const auto* m : present) {
        write_text(out, wire_name(*m));
        write_value(out, value.at(m->name), *m->shape);
      }
      return;
    }
    case Type::kList:
      head(out, 4, value.is_array() ? value.size() : 0);
      if (value.is_array())
        for (const auto& item : value) write_value(out, item, *shape.member.shape);
      return;
    case Type::kMap:
      head(out, 5, value.is_object() ? value.size() : 0);
      if (value.is_object())
        for (const auto& [k, item] : value.items()) {
          write_text(out, k);
          write_value(out, item, *shape.value.shape);
        }
      return;
    case Type::kTimestamp: {
      head(out, 6, 1);  // tag 1: epoch-based date/time
      double secs = timestamp_seconds(value).value_or(0);
      if (secs == std::floor(secs) && std::fabs(secs) < 9e15) write_int(out, static_cast<int64_t>(secs));
      else write_double(out, secs);
      return;
    }
    case Type::kBlob: {
      std::string bytes = blob_bytes(value);
      head(out, 2, bytes.size());
      out.append(bytes);
      return;
    }
    case Type::kString:
      write_text(out, value.is_string() ? value.get_ref<const std::string&>() : value.dump());
      return;
    case Type::kBoolean:
      out.push_back(static_cast<char>(value.is_boolean() && value.get<bool>() ? 0xf5 : 0xf4));
      return;
    case Type::kInteger:
    case Type::kLong:
      write_int(out, value.is_number() ? value.get<int64_t>() : 0);
      return;
    case Type::kFloat:
    case Type::kDouble:
      write_double(out, value.is_number() ? value.get<double>() : 0.0);
      return;
  }
}

class CborProtocol : public Protocol {
 public:
  std::string_view name() const override { return "smithy-rpc-v2-cbor"; }

  Result<const model::Operation*> identify(const model::Service& service,
                                          const http::Request& request) const override {
    std::string_view path = request.path();
    std::string prefix = "/service/" + service.target_prefix + "/operation/";
    if (!text::starts_with(path, prefix))
      return AwsError{"UnknownOperationException", "Unknown operation path " + std::string(path), 404};
    const model::Operation* op = service.find_operation(path.substr(prefix.size()));
    if (!op) return AwsError{"UnknownOperationException", "Unknown operation " + std::string(path), 404};
    return op;
  }

  Result<Value> parse(const model::Service& service, const model::Operation& op,
                      const http::Request& request) const override {
    std::string body = request.body.read_all();
    if (!op.input.shape) return Value::object();
    Value wire = Value::object();
    if (!body.empty()) {
      auto parsed = documents::parse_cbor(body);
      if (parsed.failure == documents::Failure::kTooDeep) return document_too_deep("SerializationException");
      if (parsed.failure == documents::Failure::kInvalidUtf8)
        return AwsError{"SerializationException", "A CBOR text string in the request body is not valid UTF-8", 400};
      if (!parsed.ok() || !parsed.value.is_object())
        return AwsError{"SerializationException", "Unable to parse the request body as a CBOR map", 400};
      wire = std::move(parsed.value);
    }
    auto value = from_wire(wire, *op.input.shape, "");
    if (!value) return value;
    if (value->is_null()) *value = Value::object();
    NUAGE_TRY(validate_input(service, *op.input.shape, *value, "smithy-rpc-v2-cbor"));
    return value;
  }

  http::Response serialize(const model::Service&, const model::Operation& op, const Output& output,
                           const std::string& request_id) const override {
    http::Response res;
    set_headers(res, request_id);
    std::string body;
    Value inlined;
    const Value& value = output.inlined_value(inlined);
    if (op.output.shape) write_value(body, value, *op.output.shape);
    else head(body, 5, 0);
    res.body = std::move(body);
    return res;
  }

  http::Response serialize_error(const model::Service& service, const AwsError& error,
                                 const std::string& request_id) const override {
    http::Response res;
    res.status = error.status;
    set_headers(res, request_id);
    if (service.aws_query_compatible)
      res.headers.set("x-amzn-query-error", error.code + ";" + (error.sender_fault() ? "Sender" : "Receiver"));
    Value body = error.fields.is_object() ? error.fields : Value::object();
    body["__type"] = error.shape_name();
    body["message"] = error.message;
    std::string out;
    write_plain(out, body);
    res.body = std::move(out);
    return res;
  }

 private:
  static void set_headers(http::Response& res, const std::string& request_id) {
    res.headers.set("Content-Type", "application/cbor");
    res.headers.set("smithy-protocol", "rpc-v2-cbor");
    res.headers.set("x-amzn-RequestId", request_id);
  }
};

}  // namespace

const Protocol& cbor_protocol() {
  static const CborProtocol p;
  return p;
}

}  // namespace nuage::protocol
