#include "services/dynamodb/expression.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "common/limits.h"
#include "common/text.h"
#include "services/dynamodb/attribute_value.h"
#include "services/dynamodb/provider.h"

namespace nuage::services::dynamodb {

namespace {

constexpr size_t kMaxExpressionBytes = 4096;

enum class Tok { kName, kPlaceholderName, kPlaceholderValue, kNumber, kSymbol, kEnd };
struct Token {
  Tok kind;
  std::string text;
  size_t begin = 0, end = 0;  // in the expression
};

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

class Parser {
 public:
  Parser(const std::string& text, const char* expression, Placeholders& placeholders)
      : text_(text), expression_(expression), placeholders_(placeholders) {}

  Status tokenize() {
    if (text_.size() > kMaxExpressionBytes)
      return invalid("Expression size has exceeded the maximum allowed size; expression size: " +
                     std::to_string(text_.size()));
    size_t i = 0;
    while (i < text_.size()) {
      char c = text_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
        continue;
      }
      size_t start = i;
      Tok kind = Tok::kSymbol;
      if (c == '#' || c == ':') {
        ++i;
        while (i < text_.size() && name_char(text_[i])) ++i;
        kind = c == '#' ? Tok::kPlaceholderName : Tok::kPlaceholderValue;
        if (i == start + 1) return syntax_error_at(std::string(1, c), start, i);
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        while (i < text_.size() && std::isdigit(static_cast<unsigned char>(text_[i]))) ++i;
        kind = Tok::kNumber;
      } else if (name_char(c)) {
        while (i < text_.size() && name_char(text_[i])) ++i;
        kind = Tok::kName;
      } else if ((c == '<' || c == '>') && i + 1 < text_.size() && (text_[i + 1] == '=' || (c == '<' && text_[i + 1] == '>'))) {
        i += 2;
      } else if (std::string("=<>()[].,+-").find(c) != std::string::npos) {
        ++i;
      } else {
        // One UTF-8 character, whole, in the message.
        ++i;
        while (i < text_.size() && (static_cast<unsigned char>(text_[i]) & 0xC0) == 0x80) ++i;
        return syntax_error_at(text_.substr(start, i - start), start, i);
      }
      tokens_.push_back({kind, text_.substr(start, i - start), start, i});
    }
    tokens_.push_back({Tok::kEnd, "<EOF>", text_.size(), text_.size()});
    return Status::Ok();
  }

  AwsError invalid(const std::string& what) const {
    return validation("Invalid " + std::string(expression_) + ": " + what);
  }
  // A character no token starts with: near is the token before it and itself.
  AwsError syntax_error_at(const std::string& token, size_t begin, size_t end) const {
    size_t from = tokens_.empty() ? begin : tokens_.back().begin;
    return invalid("Syntax error; token: \"" + token + "\", near: \"" + text_.substr(from, end - from) + "\"");
  }
  // AWS shows the tokens around the one it stopped at.
  std::string near() const {
    if (tokens_.empty()) return text_.substr(0, 20);
    size_t from = pos_ > 0 ? tokens_[pos_ - 1].begin : tokens_[pos_].begin;
    size_t to = pos_ + 1 < tokens_.size() ? tokens_[pos_ + 1].end : tokens_[pos_].end;
    return text_.substr(from, to - from);
  }
  AwsError syntax_error() const { return invalid("Syntax error; token: \"" + peek().text + "\", near: \"" + near() + "\""); }

  const Token& peek(size_t ahead = 0) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
  bool at_symbol(const char* s) const { return peek().kind == Tok::kSymbol && peek().text == s; }
  bool at_keyword(const char* k) const { return peek().kind == Tok::kName && upper(peek().text) == k; }
  bool at_end() const { return peek().kind == Tok::kEnd; }
  Status expect(const char* symbol) {
    if (!at_symbol(symbol)) return syntax_error();
    ++pos_;
    return Status::Ok();
  }

  Result<Path> path() {
    Path out;
    NUAGE_TRY(step_name(out));
    while (at_symbol(".") || at_symbol("[")) {
      if (at_symbol(".")) {
        ++pos_;
        NUAGE_TRY(step_name(out));
      } else {
        ++pos_;
        if (peek().kind != Tok::kNumber) return syntax_error();
        const std::string& digits = peek().text;
        if (digits.size() > 9) return invalid("List index is out of the supported range");
        out.push_back({"", std::stol(digits)});
        ++pos_;
        NUAGE_TRY(expect("]"));
      }
    }
    return out;
  }

  Result<OperandPtr> operand() {
    auto op = std::make_shared<Operand>();
    if (peek().kind == Tok::kPlaceholderValue) {
      auto v = placeholders_.value(peek().text, expression_);
      if (!v) return v.take_error();
      ++pos_;
      op->kind = Operand::Kind::kValue;
      op->value = std::move(*v);
      return OperandPtr(op);
    }
    if (peek().kind == Tok::kName && peek(1).kind == Tok::kSymbol && peek(1).text == "(") {
      std::string fn = peek().text;
      if (fn != "size") return function_misuse(fn);
      pos_ += 2;
      auto p = path();
      if (!p) return p.take_error();
      NUAGE_TRY(expect(")"));
      op->kind = Operand::Kind::kSize;
      op->path = std::move(*p);
      return OperandPtr(op);
    }
    auto p = path();
    if (!p) return p.take_error();
    op->kind = Operand::Kind::kPath;
    op->path = std::move(*p);
    return OperandPtr(op);
  }

  // An operand on the right of SET: with if_not_exists, list_append, + and -.
  Result<OperandPtr> set_value() {
    auto left = set_term();
    if (!left) return left;
    if (at_symbol("+") || at_symbol("-")) {
      auto op = std::make_shared<Operand>();
      op->kind = at_symbol("+") ? Operand::Kind::kPlus : Operand::Kind::kMinus;
      ++pos_;
      auto right = set_term();
      if (!right) return right;
      op->a = *left;
      op->b = *right;
      return OperandPtr(op);
    }
    return left;
  }

  Result<OperandPtr> set_term() {
    if (peek().kind == Tok::kName && peek(1).kind == Tok::kSymbol && peek(1).text == "(") {
      std::string fn = peek().text;
      if (fn != "if_not_exists" && fn != "list_append") {
        if (known_function(fn)) return function_misuse(fn);
        return invalid("Invalid function name; function: " + fn);
      }
      if (++depth_ > limits::kMaxExpressionDepth) return too_deep();
      pos_ += 2;
      auto op = std::make_shared<Operand>();
      if (fn == "if_not_exists") {
        op->kind = Operand::Kind::kIfNotExists;
        auto p = path();
        if (!p) return p.take_error();
        op->path = std::move(*p);
      } else {
        op->kind = Operand::Kind::kListAppend;
        auto a = set_value();
        if (!a) return a;
        op->a = *a;
      }
      NUAGE_TRY(expect(","));
      auto b = set_value();
      if (!b) return b;
      op->b = *b;
      NUAGE_TRY(expect(")"));
      --depth_;
      return OperandPtr(op);
    }
    return operand();
  }

  Result<ConditionPtr> condition() {
    if (++depth_ > limits::kMaxExpressionDepth) return too_deep();
    auto left = conjunction();
    if (!left) return left;
    while (at_keyword("OR")) {
      ++pos_;
      auto right = conjunction();
      if (!right) return right;
      left = combined(Condition::Kind::kOr, *left, *right);
    }
    --depth_;
    return left;
  }

  Result<ConditionPtr> conjunction() {
    auto left = negation();
    if (!left) return left;
    while (at_keyword("AND")) {
      ++pos_;
      auto right = negation();
      if (!right) return right;
      left = combined(Condition::Kind::kAnd, *left, *right);
    }
    return left;
  }

  Result<ConditionPtr> negation() {
    if (at_keyword("NOT")) {
      if (++depth_ > limits::kMaxExpressionDepth) return too_deep();
      ++pos_;
      auto inner = negation();
      if (!inner) return inner;
      --depth_;
      auto c = std::make_shared<Condition>();
      c->kind = Condition::Kind::kNot;
      c->left = *inner;
      return ConditionPtr(c);
    }
    return primary();
  }

  Result<ConditionPtr> primary() {
    if (at_symbol("(")) {
      ++pos_;
      auto inner = condition();
      if (!inner) return inner;
      NUAGE_TRY(expect(")"));
      return inner;
    }
    if (peek().kind == Tok::kName && peek(1).kind == Tok::kSymbol && peek(1).text == "(" && peek().text != "size")
      return function_condition();
    auto left = operand();
    if (!left) return left.take_error();
    auto c = std::make_shared<Condition>();
    c->operands.push_back(*left);
    static const char* kComparators[] = {"=", "<>", "<", "<=", ">", ">="};
    for (const char* op : kComparators)
      if (at_symbol(op)) {
        ++pos_;
        auto right = operand();
        if (!right) return right.take_error();
        c->kind = Condition::Kind::kCompare;
        c->op = op;
        c->operands.push_back(*right);
        return ConditionPtr(c);
      }
    if (at_keyword("BETWEEN")) {
      ++pos_;
      auto low = operand();
      if (!low) return low.take_error();
      if (!at_keyword("AND")) return syntax_error();
      ++pos_;
      auto high = operand();
      if (!high) return high.take_error();
      c->kind = Condition::Kind::kBetween;
      c->operands.push_back(*low);
      c->operands.push_back(*high);
      return ConditionPtr(c);
    }
    if (at_keyword("IN")) {
      ++pos_;
      NUAGE_TRY(expect("("));
      c->kind = Condition::Kind::kIn;
      do {
        if (c->operands.size() > 100) return invalid("The IN operator is provided with too many operands; number of operands: " + std::to_string(c->operands.size()));
        auto e = operand();
        if (!e) return e.take_error();
        c->operands.push_back(*e);
      } while (at_symbol(",") && ++pos_);
      NUAGE_TRY(expect(")"));
      return ConditionPtr(c);
    }
    return syntax_error();
  }

  Result<ConditionPtr> function_condition() {
    std::string fn = peek().text;
    static const std::pair<const char*, Condition::Kind> kFunctions[] = {
        {"attribute_exists", Condition::Kind::kExists},   {"attribute_not_exists", Condition::Kind::kNotExists},
        {"attribute_type", Condition::Kind::kType},       {"begins_with", Condition::Kind::kBeginsWith},
        {"contains", Condition::Kind::kContains}};
    auto found = std::find_if(std::begin(kFunctions), std::end(kFunctions), [&](const auto& f) { return fn == f.first; });
    if (found == std::end(kFunctions)) {
      if (known_function(fn)) return function_misuse(fn);
      return invalid("Invalid function name; function: " + fn);
    }
    pos_ += 2;
    auto c = std::make_shared<Condition>();
    c->kind = found->second;
    if (!at_symbol(")")) do {
        auto e = operand();
        if (!e) return e.take_error();
        c->operands.push_back(*e);
      } while (at_symbol(",") && ++pos_);
    NUAGE_TRY(expect(")"));
    size_t wanted = c->kind == Condition::Kind::kExists || c->kind == Condition::Kind::kNotExists ? 1 : 2;
    if (c->operands.size() != wanted)
      return invalid("Incorrect number of operands for operator or function; operator or function: " + fn +
                     ", number of operands: " + std::to_string(c->operands.size()));
    if (c->operands[0]->kind != Operand::Kind::kPath && c->kind != Condition::Kind::kBeginsWith &&
        c->kind != Condition::Kind::kContains)
      return invalid("Operator or function requires a document path; operator or function: " + fn);
    if (c->kind == Condition::Kind::kType) {
      const Operand& t = *c->operands[1];
      static const std::set<std::string> kTypeNames = {"S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"};
      if (t.kind != Operand::Kind::kValue || type_of(t.value) != "S" || !kTypeNames.count(t.value["S"].get<std::string>()))
        return invalid("Invalid attribute type name found; type: " +
                       (t.kind == Operand::Kind::kValue && type_of(t.value) == "S" ? t.value["S"].get<std::string>() : "") +
                       ", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
    }
    return ConditionPtr(c);
  }

  Result<std::vector<UpdateAction>> update() {
    std::vector<UpdateAction> actions;
    std::set<std::string> clauses;
    if (at_end()) return syntax_error();
    while (!at_end()) {
      std::string clause = peek().kind == Tok::kName ? upper(peek().text) : "";
      if (clause != "SET" && clause != "REMOVE" && clause != "ADD" && clause != "DELETE") return syntax_error();
      if (!clauses.insert(clause).second)
        return invalid("The \"" + clause + "\" section can only be used once in an update expression;");
      ++pos_;
      do {
        UpdateAction action;
        auto p = path();
        if (!p) return p.take_error();
        action.path = std::move(*p);
        if (clause == "SET") {
          action.kind = UpdateAction::Kind::kSet;
          NUAGE_TRY(expect("="));
          auto v = set_value();
          if (!v) return v.take_error();
          action.value = *v;
        } else if (clause == "REMOVE") {
          action.kind = UpdateAction::Kind::kRemove;
        } else {
          action.kind = clause == "ADD" ? UpdateAction::Kind::kAdd : UpdateAction::Kind::kDelete;
          auto v = operand();
          if (!v) return v.take_error();
          if ((*v)->kind != Operand::Kind::kValue) return syntax_error();
          action.value = *v;
        }
        actions.push_back(std::move(action));
      } while (at_symbol(",") && ++pos_);
    }
    std::vector<Path> paths;
    for (const auto& a : actions) paths.push_back(a.path);
    NUAGE_TRY(check_overlaps(paths));
    return actions;
  }

  Result<std::vector<Path>> projection() {
    std::vector<Path> paths;
    do {
      auto p = path();
      if (!p) return p.take_error();
      paths.push_back(std::move(*p));
    } while (at_symbol(",") && ++pos_);
    if (!at_end()) return syntax_error();
    NUAGE_TRY(check_overlaps(paths));
    return paths;
  }

  Status check_overlaps(const std::vector<Path>& paths) const {
    auto same_step = [](const PathStep& a, const PathStep& b) { return a.name == b.name && a.index == b.index; };
    for (size_t i = 0; i < paths.size(); ++i)
      for (size_t j = i + 1; j < paths.size(); ++j) {
        const Path& a = paths[i];
        const Path& b = paths[j];
        size_t n = std::min(a.size(), b.size());
        if (std::equal(a.begin(), a.begin() + static_cast<long>(n), b.begin(), same_step))
          return invalid("Two document paths overlap with each other; must remove or rewrite one of these paths; "
                         "path one: " + path_text(a) + ", path two: " + path_text(b));
      }
    return Status::Ok();
  }

  size_t pos_ = 0;

 private:
  Status step_name(Path& out) {
    const Token& t = peek();
    if (t.kind == Tok::kPlaceholderName) {
      auto name = placeholders_.name(t.text, expression_);
      if (!name) return name.take_error();
      out.push_back({*name, -1});
    } else if (t.kind == Tok::kName && !is_keyword(t.text)) {
      out.push_back({t.text, -1});
    } else {
      return syntax_error();
    }
    ++pos_;
    return Status::Ok();
  }
  static bool is_keyword(const std::string& word) {
    static const std::set<std::string> kKeywords = {"AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE"};
    return kKeywords.count(upper(word)) > 0;
  }
  static bool known_function(const std::string& fn) {
    static const std::set<std::string> kFunctions = {"attribute_exists", "attribute_not_exists", "attribute_type",
                                                     "begins_with", "contains", "size", "if_not_exists", "list_append"};
    return kFunctions.count(fn) > 0;
  }
  AwsError function_misuse(const std::string& fn) const {
    if (!known_function(fn)) return invalid("Invalid function name; function: " + fn);
    return invalid("The function is not allowed to be used this way in an expression; function: " + fn);
  }
  AwsError too_deep() const { return invalid("The expression has too many levels of nesting"); }
  static ConditionPtr combined(Condition::Kind kind, ConditionPtr left, ConditionPtr right) {
    auto c = std::make_shared<Condition>();
    c->kind = kind;
    c->left = std::move(left);
    c->right = std::move(right);
    return c;
  }

  const std::string& text_;
  const char* expression_;
  Placeholders& placeholders_;
  std::vector<Token> tokens_;
  size_t depth_ = 0;
};

// --- evaluation helpers

std::optional<Value> operand_value(const Operand& op, const Value& item);

Result<Value> size_of(const Value& v) {
  std::string type = type_of(v);
  size_t n = 0;
  if (type == "S") n = v["S"].get_ref<const std::string&>().size();
  else if (type == "B") n = kit::blob_bytes(v["B"]).size();
  else if (type == "SS" || type == "NS" || type == "BS" || type == "L" || type == "M") n = v[type].size();
  else return validation("Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
                         "function: size, operand type: " + type);
  return Value{{"N", std::to_string(n)}};
}

std::optional<Value> operand_value(const Operand& op, const Value& item) {
  switch (op.kind) {
    case Operand::Kind::kValue: return op.value;
    case Operand::Kind::kPath: return resolve(item, op.path);
    case Operand::Kind::kSize: {
      auto v = resolve(item, op.path);
      if (!v) return std::nullopt;
      auto s = size_of(*v);
      if (!s) return std::nullopt;  // size of a BOOL/NULL/N: the condition is false
      return *s;
    }
    default: return std::nullopt;
  }
}

AwsError incorrect_type() { return validation("An operand in the update expression has an incorrect data type"); }

Result<Value> update_value(const Operand& op, const Value& item) {
  switch (op.kind) {
    case Operand::Kind::kValue: return op.value;
    case Operand::Kind::kPath: {
      auto v = resolve(item, op.path);
      if (!v)
        return validation("The provided expression refers to an attribute that does not exist in the item");
      return *v;
    }
    case Operand::Kind::kIfNotExists: {
      auto v = resolve(item, op.path);
      if (v) return *v;
      return update_value(*op.b, item);
    }
    case Operand::Kind::kListAppend: {
      auto a = update_value(*op.a, item);
      if (!a) return a;
      auto b = update_value(*op.b, item);
      if (!b) return b;
      if (type_of(*a) != "L" || type_of(*b) != "L") return incorrect_type();
      Value out = (*a)["L"];
      for (const auto& e : (*b)["L"]) out.push_back(e);
      return Value{{"L", out}};
    }
    case Operand::Kind::kPlus:
    case Operand::Kind::kMinus: {
      auto a = update_value(*op.a, item);
      if (!a) return a;
      auto b = update_value(*op.b, item);
      if (!b) return b;
      if (type_of(*a) != "N" || type_of(*b) != "N") return incorrect_type();
      auto na = parse_number((*a)["N"].get<std::string>());
      auto nb = parse_number((*b)["N"].get<std::string>());
      if (!na || !nb) return incorrect_type();
      auto sum = add_numbers(*na, op.kind == Operand::Kind::kPlus ? *nb : negated(*nb));
      if (!sum) return sum.take_error();
      return Value{{"N", number_text(*sum)}};
    }
    case Operand::Kind::kSize: return incorrect_type();
  }
  return incorrect_type();
}

AwsError invalid_path() { return validation("The document path provided in the update expression is invalid for update"); }

// The container that holds the path's last step, created for nothing: the
// parents must exist (as DynamoDB requires).
Result<Value*> parent_of(Value& item, const Path& path) {
  Value* node = &item;  // a map of attribute values (the item or an M's map)
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    const PathStep& step = path[i];
    Value* av = nullptr;
    if (step.index < 0) {
      if (!node->is_object() || !node->contains(step.name)) return invalid_path();
      av = &(*node)[step.name];
    } else {
      if (!node->is_array() || static_cast<size_t>(step.index) >= node->size()) return invalid_path();
      av = &(*node)[static_cast<size_t>(step.index)];
    }
    const PathStep& next = path[i + 1];
    std::string type = type_of(*av);
    if (next.index < 0 && type == "M") node = &(*av)["M"];
    else if (next.index >= 0 && type == "L") node = &(*av)["L"];
    else return invalid_path();
  }
  if (path.back().index < 0 && !node->is_object()) return invalid_path();
  if (path.back().index >= 0 && !node->is_array()) return invalid_path();
  return node;
}

Status set_at(Value& item, const Path& path, Value value) {
  auto parent = parent_of(item, path);
  if (!parent) return parent.take_error();
  Value& node = **parent;
  const PathStep& last = path.back();
  if (last.index < 0) node[last.name] = std::move(value);
  else if (static_cast<size_t>(last.index) < node.size()) node[static_cast<size_t>(last.index)] = std::move(value);
  else node.push_back(std::move(value));  // past the end: appended, as DynamoDB does
  return Status::Ok();
}

void remove_at(Value& item, const Path& path) {
  auto parent = parent_of(item, path);
  if (!parent) return;  // nothing there: nothing to remove
  Value& node = **parent;
  const PathStep& last = path.back();
  if (last.index < 0) node.erase(last.name);
  else if (static_cast<size_t>(last.index) < node.size()) node.erase(static_cast<size_t>(last.index));
}

std::string operand_type_name(const std::string& type) {
  static const std::map<std::string, std::string> kNames = {
      {"S", "STRING"}, {"N", "NUMBER"}, {"B", "BINARY"}, {"BOOL", "BOOLEAN"}, {"NULL", "NULL"}, {"L", "LIST"},
      {"M", "MAP"},    {"SS", "STRING SET"}, {"NS", "NUMBER SET"}, {"BS", "BINARY SET"}};
  auto it = kNames.find(type);
  return it == kNames.end() ? type : it->second;
}

std::string element_key(const std::string& set_type, const Value& e) {
  if (set_type == "BS") return kit::blob_bytes(e);
  if (set_type == "NS") {
    auto n = parse_number(e.get<std::string>());
    return n ? number_text(*n) : e.get<std::string>();
  }
  return e.get<std::string>();
}

// Lists under construction in a projection are kept as {"_L": {index: value}},
// maps as {"_M": {name: value}}.
Value finalize_projection(const Value& node) {
  if (node.is_object() && node.contains("_L")) {
    Value list = Value::array();
    std::vector<std::pair<long, Value>> elements;
    for (const auto& [k, v] : node["_L"].items()) elements.emplace_back(std::stol(k), finalize_projection(v));
    std::sort(elements.begin(), elements.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [i, v] : elements) list.push_back(std::move(v));
    return Value{{"L", list}};
  }
  if (node.is_object() && node.contains("_M")) {
    Value map = Value::object();
    for (const auto& [k, v] : node["_M"].items()) map[k] = finalize_projection(v);
    return Value{{"M", map}};
  }
  return node;
}

}  // namespace

std::string path_text(const Path& path) {
  std::string out = "[";
  for (size_t i = 0; i < path.size(); ++i) {
    if (i) out += ", ";
    out += path[i].index >= 0 ? "[" + std::to_string(path[i].index) + "]" : path[i].name;
  }
  return out + "]";
}

Result<std::string> Placeholders::name(const std::string& placeholder, const char* expression) {
  if (!names_.is_object() || !names_.contains(placeholder))
    return validation("Invalid " + std::string(expression) +
                      ": An expression attribute name used in the document path is not defined; attribute name: " +
                      placeholder);
  used_names_.insert(placeholder);
  return names_[placeholder].get<std::string>();
}

Result<Value> Placeholders::value(const std::string& placeholder, const char* expression) {
  if (!values_.is_object() || !values_.contains(placeholder))
    return validation("Invalid " + std::string(expression) +
                      ": An expression attribute value used in expression is not defined; attribute value: " + placeholder);
  used_values_.insert(placeholder);
  return validate(values_[placeholder]);
}

std::optional<AwsError> Placeholders::unused() const {
  auto list = [](const Value& given, const std::set<std::string>& used) {
    std::string out;
    if (given.is_object())
      for (const auto& [k, v] : given.items())
        if (!used.count(k)) out += (out.empty() ? "" : ", ") + k;
    return out;
  };
  std::string names = list(names_, used_names_);
  if (!names.empty())
    return validation("Value provided in ExpressionAttributeNames unused in expressions: keys: {" + names + "}");
  std::string values = list(values_, used_values_);
  if (!values.empty())
    return validation("Value provided in ExpressionAttributeValues unused in expressions: keys: {" + values + "}");
  return std::nullopt;
}

Result<ConditionPtr> parse_condition(const std::string& text, const char* expression, Placeholders& placeholders) {
  Parser parser(text, expression, placeholders);
  NUAGE_TRY(parser.tokenize());
  if (parser.at_end())
    return validation("Invalid " + std::string(expression) + ": The expression can not be empty;");
  auto c = parser.condition();
  if (!c) return c;
  if (!parser.at_end()) return parser.syntax_error();
  return c;
}

Result<std::vector<UpdateAction>> parse_update(const std::string& text, Placeholders& placeholders) {
  Parser parser(text, "UpdateExpression", placeholders);
  NUAGE_TRY(parser.tokenize());
  if (parser.at_end()) return validation("Invalid UpdateExpression: The expression can not be empty;");
  return parser.update();
}

Result<std::vector<Path>> parse_projection(const std::string& text, Placeholders& placeholders) {
  Parser parser(text, "ProjectionExpression", placeholders);
  NUAGE_TRY(parser.tokenize());
  if (parser.at_end()) return validation("Invalid ProjectionExpression: The expression can not be empty;");
  return parser.projection();
}

std::optional<Value> resolve(const Value& item, const Path& path) {
  const Value* av = nullptr;
  const Value* node = &item;
  for (const PathStep& step : path) {
    if (av) {
      std::string type = type_of(*av);
      if (step.index < 0 && type == "M") node = &(*av)["M"];
      else if (step.index >= 0 && type == "L") node = &(*av)["L"];
      else return std::nullopt;
    }
    if (step.index < 0) {
      if (!node->is_object()) return std::nullopt;
      auto it = node->find(step.name);
      if (it == node->end()) return std::nullopt;
      av = &*it;
    } else {
      if (!node->is_array() || static_cast<size_t>(step.index) >= node->size()) return std::nullopt;
      av = &(*node)[static_cast<size_t>(step.index)];
    }
  }
  if (!av) return std::nullopt;
  return *av;
}

Result<bool> evaluate(const Condition& c, const Value& item) {
  using K = Condition::Kind;
  switch (c.kind) {
    case K::kAnd: {
      auto l = evaluate(*c.left, item);
      if (!l || !*l) return l;
      return evaluate(*c.right, item);
    }
    case K::kOr: {
      auto l = evaluate(*c.left, item);
      if (!l || *l) return l;
      return evaluate(*c.right, item);
    }
    case K::kNot: {
      auto l = evaluate(*c.left, item);
      if (!l) return l;
      return !*l;
    }
    case K::kExists: return resolve(item, c.operands[0]->path).has_value();
    case K::kNotExists: return !resolve(item, c.operands[0]->path).has_value();
    default: break;
  }
  std::vector<std::optional<Value>> v;
  for (const auto& op : c.operands) v.push_back(operand_value(*op, item));
  switch (c.kind) {
    case K::kCompare: {
      if (c.op == "=") return v[0] && v[1] && values_equal(*v[0], *v[1]);
      if (c.op == "<>") return !(v[0] && v[1] && values_equal(*v[0], *v[1]));
      if (!v[0] || !v[1]) return false;
      auto cmp = compare_values(*v[0], *v[1]);
      if (!cmp) return false;
      if (c.op == "<") return *cmp < 0;
      if (c.op == "<=") return *cmp <= 0;
      if (c.op == ">") return *cmp > 0;
      return *cmp >= 0;
    }
    case K::kBetween: {
      if (!v[0] || !v[1] || !v[2]) return false;
      auto low = compare_values(*v[0], *v[1]), high = compare_values(*v[0], *v[2]);
      return low && high && *low >= 0 && *high <= 0;
    }
    case K::kIn: {
      if (!v[0]) return false;
      for (size_t i = 1; i < v.size(); ++i)
        if (v[i] && values_equal(*v[0], *v[i])) return true;
      return false;
    }
    case K::kType: return v[0] && type_of(*v[0]) == (*v[1])["S"].get<std::string>();
    case K::kBeginsWith: {
      if (!v[0] || !v[1]) return false;
      std::string t0 = type_of(*v[0]), t1 = type_of(*v[1]);
      if (t0 != t1 || (t0 != "S" && t0 != "B")) return false;
      std::string whole = t0 == "S" ? (*v[0])["S"].get<std::string>() : kit::blob_bytes((*v[0])["B"]);
      std::string prefix = t1 == "S" ? (*v[1])["S"].get<std::string>() : kit::blob_bytes((*v[1])["B"]);
      return text::starts_with(whole, prefix);
    }
    case K::kContains: {
      if (!v[0] || !v[1]) return false;
      std::string t0 = type_of(*v[0]), t1 = type_of(*v[1]);
      if (t0 == "S" && t1 == "S")
        return (*v[0])["S"].get<std::string>().find((*v[1])["S"].get<std::string>()) != std::string::npos;
      if (t0 == "B" && t1 == "B") return kit::blob_bytes((*v[0])["B"]).find(kit::blob_bytes((*v[1])["B"])) != std::string::npos;
      if ((t0 == "SS" && t1 == "S") || (t0 == "NS" && t1 == "N") || (t0 == "BS" && t1 == "B")) {
        for (const auto& e : (*v[0])[t0])
          if (values_equal(Value{{t1, e}}, *v[1])) return true;
        return false;
      }
      if (t0 == "L") {
        for (const auto& e : (*v[0])["L"])
          if (values_equal(e, *v[1])) return true;
      }
      return false;
    }
    default: return false;
  }
}

Status apply_update(const std::vector<UpdateAction>& given, Value& item) {
  // Every path and value refers to the item as it was before the update:
  // values are computed from a copy, and removals run last, later list
  // indexes first, so that REMOVE l[0], l[1] removes the first two elements.
  const Value before = item;
  std::vector<const UpdateAction*> actions;
  for (const auto& a : given)
    if (a.kind != UpdateAction::Kind::kRemove) actions.push_back(&a);
  std::vector<const UpdateAction*> removals;
  for (const auto& a : given)
    if (a.kind == UpdateAction::Kind::kRemove) removals.push_back(&a);
  std::stable_sort(removals.begin(), removals.end(), [](const UpdateAction* a, const UpdateAction* b) {
    return a->path.back().index > b->path.back().index;
  });
  actions.insert(actions.end(), removals.begin(), removals.end());
  for (const UpdateAction* step : actions) {
    const UpdateAction& action = *step;
    switch (action.kind) {
      case UpdateAction::Kind::kSet: {
        auto v = update_value(*action.value, before);
        if (!v) return v.take_error();
        NUAGE_TRY(set_at(item, action.path, std::move(*v)));
        break;
      }
      case UpdateAction::Kind::kRemove: remove_at(item, action.path); break;
      case UpdateAction::Kind::kAdd:
      case UpdateAction::Kind::kDelete: {
        bool add = action.kind == UpdateAction::Kind::kAdd;
        const Value& given = action.value->value;
        std::string type = type_of(given);
        bool set = type == "SS" || type == "NS" || type == "BS";
        if (!(set || (add && type == "N")))
          return validation(std::string("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ") +
                            (add ? "ADD" : "DELETE") + ", operand type: " + operand_type_name(type));
        auto current = resolve(item, action.path);
        if (!current) {
          if (add) NUAGE_TRY(set_at(item, action.path, given));
          break;
        }
        if (type_of(*current) != type) return incorrect_type();
        if (type == "N") {
          auto a = parse_number((*current)["N"].get<std::string>());
          auto b = parse_number(given["N"].get<std::string>());
          if (!a || !b) return incorrect_type();
          auto sum = add_numbers(*a, *b);
          if (!sum) return sum.take_error();
          NUAGE_TRY(set_at(item, action.path, Value{{"N", number_text(*sum)}}));
          break;
        }
        Value elements = Value::array();
        std::set<std::string> given_keys;
        for (const auto& e : given[type]) given_keys.insert(element_key(type, e));
        std::set<std::string> kept;
        for (const auto& e : (*current)[type]) {
          std::string k = element_key(type, e);
          if (add || !given_keys.count(k)) {
            elements.push_back(e);
            kept.insert(k);
          }
        }
        if (add)
          for (const auto& e : given[type])
            if (kept.insert(element_key(type, e)).second) elements.push_back(e);
        if (elements.empty()) remove_at(item, action.path);  // a set is never empty
        else NUAGE_TRY(set_at(item, action.path, Value{{type, elements}}));
        break;
      }
    }
  }
  return Status::Ok();
}

Value project(const Value& item, const std::vector<Path>& paths) {
  Value building = Value::object();  // names -> attribute values, lists as {"_L": ...}, maps as {"_M": ...}
  for (const Path& path : paths) {
    auto v = resolve(item, path);
    if (!v) continue;
    Value* node = &building;  // an object of name (or index) -> value under construction
    for (size_t i = 0; i < path.size(); ++i) {
      std::string key = path[i].index >= 0 ? std::to_string(path[i].index) : path[i].name;
      if (i + 1 == path.size()) {
        (*node)[key] = *v;
        break;
      }
      const char* container = path[i + 1].index >= 0 ? "_L" : "_M";
      Value& child = (*node)[key];
      if (!child.is_object() || !child.contains(container)) child = Value{{container, Value::object()}};
      node = &child[container];
    }
  }
  Value out = Value::object();
  for (const auto& [k, v] : building.items()) out[k] = finalize_projection(v);
  return out;
}

}  // namespace nuage::services::dynamodb
