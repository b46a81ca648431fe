// Values to and from XML by shape, with the rules shared by the query, ec2
// and rest-xml protocols: element names from locationName, wrapped or
// flattened lists and maps, XML attributes and namespaces.
// Thread-safety: pure functions.
#pragma once

#include <pugixml.hpp>

#include <string>

#include "common/error.h"
#include "protocol/protocol.h"

namespace nuage::protocol::xml {

// Appends the members of structure `shape` held in `value` to `node`
// (members bound to HTTP locations are skipped).
void write_members(pugi::xml_node node, const spec::Shape& shape, const Value& value);
// Appends one element for `member` with `value` to `parent`.
void write_member(pugi::xml_node parent, const spec::Member& member, const Value& value);

// Reads `node` as a value of `shape`. Bad text for a scalar fails with
// `error_code`.
Result<Value> read(pugi::xml_node node, const spec::Shape& shape, const std::string& error_code);

// The serialized document, with the XML declaration.
std::string to_string(const pugi::xml_document& doc);

}  // namespace nuage::protocol::xml
