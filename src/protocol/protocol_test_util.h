// Helpers shared by the protocol unit tests: requests built by hand as a
// client would send them, and parse/serialize through the real protocol of
// a real embedded model. Test-only; not part of any library.
#pragma once

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <string>
#include <utility>
#include <vector>

#include "protocol/protocol.h"
#include "model/model.h"

namespace nuage::protocol::testing {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

inline http::Request make_request(std::string method, std::string target, std::string body = "",
                                  const HeaderList& headers = {}) {
  http::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  for (const auto& [k, v] : headers) r.headers.add(k, v);
  r.body = http::Body(std::move(body));
  return r;
}

inline const model::Service& service(const char* name) {
  const model::Service* svc = model::find_service(name);
  if (!svc) throw std::runtime_error(std::string("no model ") + name);
  return *svc;
}

inline const model::Operation& operation(const model::Service& svc, const char* name) {
  const model::Operation* op = svc.find_operation(name);
  if (!op) throw std::runtime_error(std::string("no operation ") + name);
  return *op;
}

inline const Protocol& protocol_of(const char* name) {
  const Protocol* p = find_protocol(name);
  if (!p) throw std::runtime_error(std::string("no protocol ") + name);
  return *p;
}

// The operation the protocol identifies, or "error:<code>".
inline std::string identified(const Protocol& proto, const model::Service& svc, const http::Request& r) {
  auto op = proto.identify(svc, r);
  return op ? (*op)->name : "error:" + op.error().code;
}

// Identifies then parses; fails the test if either step fails.
inline Value parse_ok(const Protocol& proto, const model::Service& svc, const http::Request& r) {
  auto op = proto.identify(svc, r);
  EXPECT_TRUE(op.ok()) << (op ? "" : op.error().code + ": " + op.error().message);
  if (!op) return Value();
  auto v = proto.parse(svc, **op, r);
  EXPECT_TRUE(v.ok()) << (v ? "" : v.error().code + ": " + v.error().message);
  return v ? *v : Value();
}

// Identifies then parses; the parse must fail. Returns its error.
inline AwsError parse_error(const Protocol& proto, const model::Service& svc, const http::Request& r) {
  auto op = proto.identify(svc, r);
  if (!op) return op.error();
  auto v = proto.parse(svc, **op, r);
  EXPECT_FALSE(v.ok()) << "parsed as " << (v ? v->dump() : "");
  return v ? AwsError{} : v.error();
}

inline Value blob(std::string_view bytes) { return Value::binary(std::vector<uint8_t>(bytes.begin(), bytes.end())); }

// Parses an XML body; the test fails if it is not well-formed.
inline pugi::xml_document parse_xml(const std::string& body) {
  pugi::xml_document doc;
  auto result = doc.load_buffer(body.data(), body.size());
  EXPECT_TRUE(result) << result.description() << "\n" << body;
  return doc;
}

// Text of the first node matching an XPath, "" if none.
inline std::string xpath_text(const pugi::xml_document& doc, const char* xpath) {
  auto node = doc.select_node(xpath);
  return node ? node.node().child_value() : "";
}

}  // namespace nuage::protocol::testing
