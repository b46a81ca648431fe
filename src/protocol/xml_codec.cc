#include "protocol/xml_codec.h"

#include <algorithm>
#include <cstdio>

#include "common/limits.h"
#include "common/text.h"
#include "protocol/values.h"

namespace nuage::protocol::xml {

using model::Type;

// Element name of a member inside its structure (botocore's
// _member_key_name): a flattened list whose members are named uses that name.
static const std::string& element_name(const model::Member& member) {
  if (member.shape->type == Type::kList && is_flattened(member) &&
      !member.shape->member.location_name.empty())
    return member.shape->member.location_name;
  return wire_name(member);
}

Writer::Writer(const Output* output) : output_(output) { out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"; }

void Writer::end_start_tag() {
  if (!in_start_tag_) return;
  out_ += '>';
  in_start_tag_ = false;
}

void Writer::open(std::string_view name) {
  end_start_tag();
  out_ += '<';
  out_ += name;
  open_names_ += name;
  open_lengths_.push_back(name.size());
  in_start_tag_ = true;
}

// Escapes for text and attribute values. Control characters other than tab
// and newline become character references: a raw CR would reach the reader
// as LF (XML end-of-line normalization), and S3 keys may hold one.
static void append_escaped(std::string& out, std::string_view value, bool attribute) {
  size_t plain = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    const char* ref = nullptr;
    char numeric[8];
    switch (c) {
      case '&': ref = "&amp;"; break;
      case '<': ref = "&lt;"; break;
      case '>': ref = "&gt;"; break;
      case '"': ref = attribute ? "&quot;" : nullptr; break;
      default:
        if (c < 32 && c != '\t' && (c != '\n' || attribute)) {
          std::snprintf(numeric, sizeof numeric, "&#%d;", c);
          ref = numeric;
        }
    }
    if (!ref) continue;
    out.append(value.data() + plain, i - plain);
    out += ref;
    plain = i + 1;
  }
  out.append(value.data() + plain, value.size() - plain);
}

void Writer::attribute(std::string_view name, std::string_view value) {
  out_ += ' ';
  out_ += name;
  out_ += "=\"";
  append_escaped(out_, value, true);
  out_ += '"';
}

void Writer::text(std::string_view value) {
  end_start_tag();
  append_escaped(out_, value, false);
}

void Writer::close() {
  size_t length = open_lengths_.back();
  if (in_start_tag_) {
    out_ += "/>";
    in_start_tag_ = false;
  } else {
    out_ += "</";
    out_.append(open_names_, open_names_.size() - length, length);
    out_ += '>';
  }
  open_names_.resize(open_names_.size() - length);
  open_lengths_.pop_back();
}

void Writer::element(std::string_view name, std::string_view value) {
  open(name);
  text(value);
  close();
}

std::string Writer::finish() {
  while (!open_lengths_.empty()) close();
  return std::move(out_);
}

static void write_value(Writer& out, const model::Shape& shape, const Value& value);

static void write_list_items(Writer& out, const model::Member& item, const std::string& item_name,
                             const Value& value) {
  if (!value.is_array()) return;
  for (const auto& v : value) {
    out.open(item_name);
    write_value(out, *item.shape, v);
    out.close();
  }
}

static void write_map_entries(Writer& out, const model::Shape& shape, const std::string& entry_name,
                              const Value& value) {
  if (!value.is_object()) return;
  const std::string key_name = shape.key.location_name.empty() ? "key" : shape.key.location_name;
  const std::string value_name = shape.value.location_name.empty() ? "value" : shape.value.location_name;
  for (const auto& [k, v] : value.items()) {
    out.open(entry_name);
    out.element(key_name, k);
    out.open(value_name);
    write_value(out, *shape.value.shape, v);
    out.close();
    out.close();
  }
}

static void write_value(Writer& out, const model::Shape& shape, const Value& placed) {
  const Value& value = out.resolve(placed);
  switch (shape.type) {
    case Type::kStructure:
      write_members(out, shape, value);
      break;
    case Type::kList: {
      static const std::string kMember = "member";
      const std::string& name = shape.member.location_name.empty() ? kMember : shape.member.location_name;
      write_list_items(out, shape.member, name, value);
      break;
    }
    case Type::kMap:
      write_map_entries(out, shape, "entry", value);
      break;
    case Type::kString:
      // The common case, without a copy.
      if (value.is_string()) {
        out.text(value.get_ref<const std::string&>());
        break;
      }
      [[fallthrough]];
    default:
      out.text(scalar_to_text(shape, value, "iso8601"));
  }
}

void write_member(Writer& out, const model::Member& member, const Value& placed) {
  const Value& value = out.resolve(placed);
  if (value.is_null()) return;
  const model::Shape& shape = *member.shape;
  if (member.xml_attribute) {
    out.attribute(wire_name(member), scalar_to_text(shape, value, "iso8601"));
    return;
  }
  if (shape.type == Type::kList && is_flattened(member)) {
    write_list_items(out, shape.member, element_name(member), value);
    return;
  }
  if (shape.type == Type::kMap && is_flattened(member)) {
    write_map_entries(out, shape, wire_name(member), value);
    return;
  }
  out.open(wire_name(member));
  // The namespace is the reference's, else the shape's (S3's Grantee declares
  // xmlns:xsi for its xsi:type attribute: namespace-aware parsers such as
  // botocore's reject an undeclared prefix).
  bool from_member = !member.xml_namespace.empty();
  const std::string& ns = from_member ? member.xml_namespace : shape.xml_namespace;
  const std::string& prefix = from_member ? member.xml_namespace_prefix : shape.xml_namespace_prefix;
  if (!ns.empty()) out.attribute(prefix.empty() ? "xmlns" : "xmlns:" + prefix, ns);
  write_value(out, shape, value);
  out.close();
}

void write_members(Writer& out, const model::Shape& shape, const Value& placed) {
  const Value& value = out.resolve(placed);
  if (!value.is_object()) return;
  // Which members the object holds, by one merge of two name-ordered
  // sequences (the shape's members, the object's keys) rather than a lookup
  // per declared member: lookups dominated the cost of large answers.
  size_t n = shape.members.size();
  constexpr size_t kInline = 128;
  const Value* inline_slots[kInline];
  std::vector<const Value*> heap_slots;
  const Value** slots = inline_slots;
  if (n > kInline) {
    heap_slots.resize(n);
    slots = heap_slots.data();
  }
  std::fill(slots, slots + n, nullptr);
  const auto& object = value.get_ref<const Value::object_t&>();
  size_t m = 0;
  auto v = object.begin();
  while (m < n && v != object.end()) {
    int order = shape.members[m].name.compare(v->first);
    if (order == 0) slots[m] = &v->second;
    if (order <= 0) ++m;
    if (order >= 0) ++v;
  }
  // Attributes first: they belong in the start tag, before any child.
  for (size_t i = 0; i < n; ++i) {
    const model::Member& member = shape.members[i];
    if (slots[i] && member.xml_attribute && member.location.empty()) write_member(out, member, *slots[i]);
  }
  for (size_t i = 0; i < n; ++i) {
    const model::Member& member = shape.members[i];
    if (slots[i] && !member.xml_attribute && member.location.empty()) write_member(out, member, *slots[i]);
  }
}

// Whether the reference starting with '&' at `at` is one XML defines
// without a DTD (the five predefined entities, character references).
static bool predefined_reference(std::string_view x, size_t at) {
  size_t semi = x.find(';', at);
  if (semi == std::string_view::npos) return false;
  std::string_view ref = x.substr(at + 1, semi - at - 1);
  if (ref == "amp" || ref == "lt" || ref == "gt" || ref == "quot" || ref == "apos") return true;
  if (ref.size() < 2 || ref[0] != '#') return false;
  bool hex = ref[1] == 'x';
  std::string_view digits = ref.substr(hex ? 2 : 1);
  return !digits.empty() &&
         digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") == std::string_view::npos;
}

// What S3 accepts beyond well-formedness, checked on the raw text before
// pugixml sees it (pugixml skips DTDs and leaves unknown entities as text).
static bool acceptable_xml(std::string_view x) {
  if (!text::is_valid_utf8(x)) return false;
  size_t i = text::starts_with(x, "\xEF\xBB\xBF") ? 3 : 0;  // byte order mark
  size_t depth = 0;
  bool first_markup = true;
  auto skip_past = [&](std::string_view end) {
    size_t at = x.find(end, i);
    if (at == std::string_view::npos) return false;
    i = at + end.size();
    return true;
  };
  while (i < x.size()) {
    if (x[i] == '&') {
      if (!predefined_reference(x, i)) return false;
      ++i;
      continue;
    }
    if (x[i] != '<') {
      ++i;
      continue;
    }
    bool was_first = first_markup;
    first_markup = false;
    std::string_view rest = x.substr(i);
    if (text::starts_with(rest, "<!--")) {
      i += 4;
      if (!skip_past("-->")) return false;
    } else if (text::starts_with(rest, "<![CDATA[")) {
      i += 9;
      if (!skip_past("]]>")) return false;
    } else if (text::starts_with(rest, "<!")) {
      return false;  // <!DOCTYPE, <!ENTITY, <!ELEMENT ...
    } else if (text::starts_with(rest, "<?")) {
      // The XML declaration, first; no other processing instruction.
      bool declaration = was_first && rest.size() > 5 && text::starts_with(rest, "<?xml") &&
                         std::isspace(static_cast<unsigned char>(rest[5]));
      if (!declaration) return false;
      i += 2;
      if (!skip_past("?>")) return false;
    } else if (text::starts_with(rest, "</")) {
      if (depth == 0) return false;
      --depth;
      i += 2;
      if (!skip_past(">")) return false;
    } else {
      // A start tag, up to its '>' outside quoted attribute values.
      size_t j = i + 1;
      char quote = 0;
      for (; j < x.size() && (quote || x[j] != '>'); ++j) {
        if (quote && x[j] == quote) quote = 0;
        else if (!quote && (x[j] == '"' || x[j] == '\'')) quote = x[j];
        else if (x[j] == '&' && !predefined_reference(x, j)) return false;
      }
      if (j >= x.size()) return false;
      if (x[j - 1] != '/' && ++depth > limits::kMaxDocumentDepth) return false;
      i = j + 1;
    }
  }
  return true;
}

Status load(pugi::xml_document& doc, std::string_view body, const std::string& error_code) {
  static const char* kMalformed =
      "The XML you provided was not well-formed or did not validate against our published schema";
  if (!acceptable_xml(body)) return AwsError{error_code, kMalformed, 400};
  if (!doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8) ||
      !doc.document_element())
    return AwsError{error_code, kMalformed, 400};
  return Status::Ok();
}

static std::string_view local_name(const char* name) {
  std::string_view n(name);
  auto colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

static Result<Value> read_list_items(pugi::xml_node wrapper, const model::Shape& list_shape,
                                     const std::string& error_code);
static Result<Value> read_flattened_list(pugi::xml_node first, const model::Shape& list_shape,
                                         const std::string& error_code);

Result<Value> read(pugi::xml_node node, const model::Shape& shape, const std::string& error_code) {
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

static Result<Value> read_list_items(pugi::xml_node wrapper, const model::Shape& list_shape,
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

static Result<Value> read_flattened_list(pugi::xml_node first, const model::Shape& list_shape,
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


}  // namespace nuage::protocol::xml
