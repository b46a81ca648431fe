#include "protocol/xml_codec.h"

#include <sstream>

#include "protocol/values.h"

namespace nuage::protocol::xml {

using spec::Type;

// Element name of a member inside its structure (botocore's
// _member_key_name): a flattened list whose members are named uses that name.
static const std::string& element_name(const spec::Member& member) {
  if (member.shape->type == Type::kList && is_flattened(member) &&
      !member.shape->member.location_name.empty())
    return member.shape->member.location_name;
  return wire_name(member);
}

static void write_value(pugi::xml_node node, const spec::Shape& shape, const Value& value);

static void write_list_items(pugi::xml_node parent, const spec::Member& item, const std::string& item_name,
                             const Value& value) {
  if (!value.is_array()) return;
  for (const auto& v : value) {
    pugi::xml_node child = parent.append_child(item_name.c_str());
    write_value(child, *item.shape, v);
  }
}

static void write_map_entries(pugi::xml_node parent, const spec::Shape& shape, const std::string& entry_name,
                              const Value& value) {
  if (!value.is_object()) return;
  const std::string key_name = shape.key.location_name.empty() ? "key" : shape.key.location_name;
  const std::string value_name = shape.value.location_name.empty() ? "value" : shape.value.location_name;
  for (const auto& [k, v] : value.items()) {
    pugi::xml_node entry = parent.append_child(entry_name.c_str());
    entry.append_child(key_name.c_str()).text().set(k.c_str());
    write_value(entry.append_child(value_name.c_str()), *shape.value.shape, v);
  }
}

static void write_value(pugi::xml_node node, const spec::Shape& shape, const Value& value) {
  switch (shape.type) {
    case Type::kStructure:
      write_members(node, shape, value);
      break;
    case Type::kList: {
      const std::string& name = shape.member.location_name.empty() ? std::string("member")
                                                                  : shape.member.location_name;
      write_list_items(node, shape.member, name, value);
      break;
    }
    case Type::kMap:
      write_map_entries(node, shape, "entry", value);
      break;
    default:
      node.text().set(scalar_to_text(shape, value, "iso8601").c_str());
  }
}

void write_member(pugi::xml_node parent, const spec::Member& member, const Value& value) {
  if (value.is_null()) return;
  const spec::Shape& shape = *member.shape;
  if (member.xml_attribute) {
    parent.append_attribute(wire_name(member).c_str()) = scalar_to_text(shape, value, "iso8601").c_str();
    return;
  }
  if (shape.type == Type::kList && is_flattened(member)) {
    write_list_items(parent, shape.member, element_name(member), value);
    return;
  }
  if (shape.type == Type::kMap && is_flattened(member)) {
    write_map_entries(parent, shape, wire_name(member), value);
    return;
  }
  pugi::xml_node child = parent.append_child(wire_name(member).c_str());
  // The namespace is the reference's, else the shape's (S3's Grantee declares
  // xmlns:xsi for its xsi:type attribute: namespace-aware parsers such as
  // botocore's reject an undeclared prefix).
  bool from_member = !member.xml_namespace.empty();
  const std::string& ns = from_member ? member.xml_namespace : shape.xml_namespace;
  const std::string& prefix = from_member ? member.xml_namespace_prefix : shape.xml_namespace_prefix;
  if (!ns.empty()) {
    std::string attr = prefix.empty() ? "xmlns" : "xmlns:" + prefix;
    child.append_attribute(attr.c_str()) = ns.c_str();
  }
  write_value(child, shape, value);
}

void write_members(pugi::xml_node node, const spec::Shape& shape, const Value& value) {
  if (!value.is_object()) return;
  for (const auto& m : shape.members) {
    if (!m.location.empty()) continue;
    auto it = value.find(m.name);
    if (it == value.end()) continue;
    write_member(node, m, *it);
  }
}

static std::string_view local_name(const char* name) {
  std::string_view n(name);
  auto colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

static Result<Value> read_list_items(pugi::xml_node wrapper, const spec::Shape& list_shape,
                                     const std::string& error_code);
static Result<Value> read_flattened_list(pugi::xml_node first, const spec::Shape& list_shape,
                                         const std::string& error_code);

Result<Value> read(pugi::xml_node node, const spec::Shape& shape, const std::string& error_code) {
  switch (shape.type) {
    case Type::kStructure: {
      Value out = Value::object();
      for (const auto& m : shape.members) {
        if (!m.location.empty()) continue;
        if (m.xml_attribute) {
          for (auto attr : node.attributes()) {
            if (local_name(attr.name()) == local_name(wire_name(m).c_str())) {
              auto v = scalar_from_text(*m.shape, attr.value(), m.name, error_code);
              if (!v) return v.take_error();
              out[m.name] = std::move(*v);
            }
          }
          continue;
        }
        const std::string& name = element_name(m);
        pugi::xml_node child;
        for (auto c : node.children())
          if (c.type() == pugi::node_element && local_name(c.name()) == name) {
            child = c;
            break;
          }
        if (!child) continue;
        if (m.shape->type == Type::kList) {
          auto v = is_flattened(m) ? read_flattened_list(child, *m.shape, error_code)
                                   : read_list_items(child, *m.shape, error_code);
          if (!v) return v;
          out[m.name] = std::move(*v);
        } else if (m.shape->type == Type::kMap && is_flattened(m)) {
          Value map = Value::object();
          for (auto c = child; c; c = c.next_sibling()) {
            if (c.type() != pugi::node_element || local_name(c.name()) != name) continue;
            auto v = read(c, *m.shape, error_code);  // an entry
            if (!v) return v;
            map.update(*v);
          }
          out[m.name] = std::move(map);
        } else {
          auto v = read(child, *m.shape, error_code);
          if (!v) return v;
          out[m.name] = std::move(*v);
        }
      }
      return out;
    }
    case Type::kList:
      return read_list_items(node, shape, error_code);
    case Type::kMap: {
      Value out = Value::object();
      const std::string key_name = shape.key.location_name.empty() ? "key" : shape.key.location_name;
      const std::string value_name = shape.value.location_name.empty() ? "value" : shape.value.location_name;
      auto read_entry = [&](pugi::xml_node entry) -> Status {
        std::string key;
        pugi::xml_node val;
        for (auto c : entry.children()) {
          if (local_name(c.name()) == key_name) key = c.child_value();
          if (local_name(c.name()) == value_name) val = c;
        }
        if (!val) return Status::Ok();
        auto v = read(val, *shape.value.shape, error_code);
        if (!v) return v.take_error();
        out[key] = std::move(*v);
        return Status::Ok();
      };
      // A flattened map arrives as the entry itself; a wrapped one holds entries.
      if (node.child(key_name.c_str())) {
        NUAGE_TRY(read_entry(node));
      } else {
        for (auto entry : node.children())
          if (entry.type() == pugi::node_element) NUAGE_TRY(read_entry(entry));
      }
      return out;
    }
    default:
      return scalar_from_text(shape, node.child_value(), node.name(), error_code);
  }
}

static Result<Value> read_list_items(pugi::xml_node wrapper, const spec::Shape& list_shape,
                                     const std::string& error_code) {
  Value out = Value::array();
  for (auto c : wrapper.children()) {
    if (c.type() != pugi::node_element) continue;
    auto v = read(c, *list_shape.member.shape, error_code);
    if (!v) return v;
    out.push_back(std::move(*v));
  }
  return out;
}

static Result<Value> read_flattened_list(pugi::xml_node first, const spec::Shape& list_shape,
                                         const std::string& error_code) {
  Value out = Value::array();
  std::string_view name = first.name();
  for (auto c = first; c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element || c.name() != name) continue;
    auto v = read(c, *list_shape.member.shape, error_code);
    if (!v) return v;
    out.push_back(std::move(*v));
  }
  return out;
}

std::string to_string(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw | pugi::format_no_declaration);
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + out.str();
}

}  // namespace nuage::protocol::xml
