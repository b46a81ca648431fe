// Values to and from XML by shape, with the rules shared by the query, ec2
// and rest-xml protocols: element names from locationName, wrapped or
// flattened lists and maps, XML attributes and namespaces.
// Thread-safety: pure functions.
#pragma once

#include <pugixml.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "protocol/protocol.h"

namespace nuage::protocol::xml {

// Streams an XML document into a string: responses are written straight
// from Values, without building a DOM first (a DescribeInstances page is
// megabytes; a DOM costs an allocation per node and a copy of every text).
class Writer {
 public:
  // Starts with the XML declaration. Placeholders in written values are
  // resolved against `output` (see Output::share).
  explicit Writer(const Output* output = nullptr);
  const Value& resolve(const Value& v) const { return output_ ? output_->resolve(v) : v; }
  // Starts an element; attributes may follow until its content starts.
  void open(std::string_view name);
  void attribute(std::string_view name, std::string_view value);
  void text(std::string_view value);
  void close();  // the innermost open element
  // Opens, writes the text of, and closes an element.
  void element(std::string_view name, std::string_view value);
  // The document so far, with every open element closed.
  std::string finish();

 private:
  void end_start_tag();
  const Output* output_;
  std::string out_;
  // Names of the open elements, end to end (no allocation per element).
  std::string open_names_;
  std::vector<size_t> open_lengths_;
  bool in_start_tag_ = false;
};

// Writes the members of structure `shape` held in `value` into the element
// open in `out` (members bound to HTTP locations are skipped).
void write_members(Writer& out, const model::Shape& shape, const Value& value);
// Writes one element for `member` with `value` into the open element.
void write_member(Writer& out, const model::Member& member, const Value& value);

// Parses a client's XML document into `doc`. Refused with `error_code`
// (S3's MalformedXML wording) unless it is well-formed UTF-8 with no DTD,
// no entity other than the five predefined ones and character references,
// no processing instruction (the XML declaration aside), and elements
// nested at most limits::kMaxDocumentDepth deep — what S3 accepts.
Status load(pugi::xml_document& doc, std::string_view body, const std::string& error_code);

// Reads `node` as a value of `shape`. Bad text for a scalar fails with
// `error_code`.
Result<Value> read(pugi::xml_node node, const model::Shape& shape, const std::string& error_code);


}  // namespace nuage::protocol::xml
