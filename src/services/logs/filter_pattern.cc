#include "services/logs/filter_pattern.h"
#include "services/logs/errors.h"

#include "services/logs/filter_regex.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdlib>
#include <optional>
#include <vector>

#include "common/documents.h"
#include "common/limits.h"
#include "common/text.h"

namespace nuage::services::logs {

namespace {

AwsError invalid(std::string_view pattern) {
  return errors("InvalidParameterException", "Invalid filter pattern: " + std::string(pattern));
}

// '*' matches any run of characters; everything else literally.
bool glob_match(std::string_view pat, std::string_view s) {
  size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
  while (i < s.size()) {
    if (p < pat.size() && pat[p] == '*') {
      star = p++;
      mark = i;
    } else if (p < pat.size() && pat[p] == s[i]) {
      ++p;
      ++i;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

std::optional<double> as_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string copy(s);
  char* end = nullptr;
  double d = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) return std::nullopt;
  return d;
}

}  // namespace

// The parts FilterPattern::Node holds: named (not anonymous) so that the
// node, declared in the header, may hold them in any build.
namespace pattern_parts {

struct Term {
  std::string text;
  std::shared_ptr<const FilterRegex> re;  // %regex% terms
  bool found_in(std::string_view message) const {
    if (re) return re->search(message);
    return message.find(text) != std::string_view::npos;
  }
};

// A condition of a JSON or space-delimited pattern.
struct Expr {
  enum Kind { kAnd, kOr, kCompare } kind = kCompare;
  std::shared_ptr<Expr> lhs, rhs;
  std::string selector;  // "$.a.b[0]" (JSON) or a field name (space-delimited)
  std::string op;        // = != < > <= >= "IS NULL" "NOT EXISTS" "IS TRUE" "IS FALSE"
  std::string value;
  bool quoted = false;
};

}  // namespace pattern_parts

namespace {

using pattern_parts::Expr;
using pattern_parts::Term;
using Json = nlohmann::json;

// Values the selector designates in `doc` ('*' steps fan out).
void select(const Json& doc, const std::vector<std::string>& steps, size_t i, std::vector<const Json*>& out) {
  if (i == steps.size()) {
    out.push_back(&doc);
    return;
  }
  const std::string& step = steps[i];
  if (step == "*") {
    if (doc.is_object() || doc.is_array())
      for (const auto& child : doc) select(child, steps, i + 1, out);
    return;
  }
  if (step[0] == '[') {
    if (!doc.is_array()) return;
    size_t index = std::strtoul(step.c_str() + 1, nullptr, 10);
    if (index < doc.size()) select(doc[index], steps, i + 1, out);
    return;
  }
  if (doc.is_object()) {
    auto it = doc.find(step);
    if (it != doc.end()) select(*it, steps, i + 1, out);
  }
}

std::vector<std::string> selector_steps(const std::string& selector) {
  std::vector<std::string> steps;
  size_t i = selector.rfind("$", 0) == 0 ? 1 : 0;
  while (i < selector.size()) {
    if (selector[i] == '.') {
      ++i;
      size_t j = i;
      while (j < selector.size() && selector[j] != '.' && selector[j] != '[') ++j;
      steps.push_back(selector.substr(i, j - i));
      i = j;
    } else if (selector[i] == '[') {
      size_t j = selector.find(']', i);
      if (j == std::string::npos) j = selector.size();
      std::string inner = selector.substr(i + 1, j - i - 1);
      steps.push_back(inner == "*" ? "*" : "[" + inner);
      i = j + 1;
    } else {
      size_t j = i;
      while (j < selector.size() && selector[j] != '.' && selector[j] != '[') ++j;
      steps.push_back(selector.substr(i, j - i));
      i = j;
    }
  }
  return steps;
}

bool compare_one(const Json& v, const Expr& e) {
  if (e.op == "IS NULL") return v.is_null();
  if (e.op == "IS TRUE") return v.is_boolean() && v.get<bool>();
  if (e.op == "IS FALSE") return v.is_boolean() && !v.get<bool>();
  auto number = e.quoted ? std::nullopt : as_number(e.value);
  if (number) {
    std::optional<double> actual;
    if (v.is_number()) actual = v.get<double>();
    else if (v.is_string()) actual = as_number(v.get<std::string>());
    if (!actual) return false;
    double a = *actual, b = *number;
    if (e.op == "=") return a == b;
    if (e.op == "!=") return a != b;
    if (e.op == "<") return a < b;
    if (e.op == ">") return a > b;
    if (e.op == "<=") return a <= b;
    if (e.op == ">=") return a >= b;
    return false;
  }
  std::string text;
  if (v.is_string()) text = v.get<std::string>();
  else if (v.is_boolean() || v.is_number()) text = v.dump();
  else return false;
  if (e.op == "=") return glob_match(e.value, text);
  if (e.op == "!=") return !glob_match(e.value, text);
  return false;
}

bool eval_json(const Expr& e, const Json& doc) {
  if (e.kind == Expr::kAnd) return eval_json(*e.lhs, doc) && eval_json(*e.rhs, doc);
  if (e.kind == Expr::kOr) return eval_json(*e.lhs, doc) || eval_json(*e.rhs, doc);
  std::vector<const Json*> found;
  select(doc, selector_steps(e.selector), 0, found);
  if (e.op == "NOT EXISTS") return found.empty();
  for (const Json* v : found)
    if (compare_one(*v, e)) return true;
  return false;
}

// Tokens of a condition expression.
Result<std::vector<std::string>> tokenize(std::string_view s, std::string_view pattern) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '(' || c == ')') {
      out.emplace_back(1, c);
      ++i;
    } else if (s.substr(i, 2) == "&&" || s.substr(i, 2) == "||" || s.substr(i, 2) == "!=" ||
               s.substr(i, 2) == "<=" || s.substr(i, 2) == ">=") {
      out.emplace_back(s.substr(i, 2));
      i += 2;
    } else if (c == '=' || c == '<' || c == '>') {
      out.emplace_back(1, c);
      ++i;
    } else if (c == '"') {
      size_t j = i + 1;
      std::string text = "\"";
      while (j < s.size() && s[j] != '"') {
        if (s[j] == '\\' && j + 1 < s.size()) ++j;
        text += s[j++];
      }
      if (j >= s.size()) return invalid(pattern);
      out.push_back(text + "\"");
      i = j + 1;
    } else {
      size_t j = i;
      while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])) && std::string_view("()=!<>&|\"").find(s[j]) == std::string_view::npos)
        ++j;
      if (j == i) return invalid(pattern);
      out.emplace_back(s.substr(i, j - i));
      i = j;
    }
  }
  return out;
}

class ExprParser {
 public:
  ExprParser(std::vector<std::string> tokens, std::string_view pattern)
      : t_(std::move(tokens)), pattern_(pattern) {}

  Result<std::shared_ptr<Expr>> parse_all() {
    auto e = parse_or();
    if (!e) return e;
    if (pos_ != t_.size()) return invalid(pattern_);
    return e;
  }

 private:
  bool at(std::string_view s) const { return pos_ < t_.size() && t_[pos_] == s; }

  Result<std::shared_ptr<Expr>> binary(Expr::Kind kind, std::string_view op,
                                       Result<std::shared_ptr<Expr>> (ExprParser::*next)()) {
    auto lhs = (this->*next)();
    if (!lhs) return lhs;
    std::shared_ptr<Expr> e = *lhs;
    while (at(op)) {
      // Chains nest too (evaluation recurses per operator).
      if (++operators_ > limits::kMaxExpressionDepth) return invalid(pattern_);
      ++pos_;
      auto rhs = (this->*next)();
      if (!rhs) return rhs;
      auto node = std::make_shared<Expr>();
      node->kind = kind;
      node->lhs = e;
      node->rhs = *rhs;
      e = node;
    }
    return e;
  }
  Result<std::shared_ptr<Expr>> parse_or() { return binary(Expr::kOr, "||", &ExprParser::parse_and); }
  Result<std::shared_ptr<Expr>> parse_and() { return binary(Expr::kAnd, "&&", &ExprParser::parse_primary); }

  Result<std::shared_ptr<Expr>> parse_primary() {
    if (at("(")) {
      // Each level is a few frames of this recursive descent.
      if (++depth_ > limits::kMaxExpressionDepth) return invalid(pattern_);
      ++pos_;
      auto e = parse_or();
      --depth_;
      if (!e) return e;
      if (!at(")")) return invalid(pattern_);
      ++pos_;
      return e;
    }
    if (pos_ >= t_.size() || t_[pos_][0] == '"') return invalid(pattern_);
    auto e = std::make_shared<Expr>();
    e->selector = t_[pos_++];
    if (at("IS") && pos_ + 1 < t_.size() &&
        (t_[pos_ + 1] == "NULL" || t_[pos_ + 1] == "TRUE" || t_[pos_ + 1] == "FALSE")) {
      e->op = "IS " + t_[pos_ + 1];
      pos_ += 2;
      return e;
    }
    if (at("NOT") && pos_ + 1 < t_.size() && t_[pos_ + 1] == "EXISTS") {
      e->op = "NOT EXISTS";
      pos_ += 2;
      return e;
    }
    static const char* kOps[] = {"=", "!=", "<", ">", "<=", ">="};
    bool is_op = false;
    for (const char* op : kOps) is_op = is_op || at(op);
    if (!is_op || pos_ + 1 >= t_.size()) return invalid(pattern_);
    e->op = t_[pos_++];
    std::string v = t_[pos_++];
    if (v == "(" || v == ")" || v == "&&" || v == "||") return invalid(pattern_);
    if (v.size() >= 2 && v.front() == '"') {
      e->quoted = true;
      v = v.substr(1, v.size() - 2);
    }
    e->value = v;
    return e;
  }

  std::vector<std::string> t_;
  size_t pos_ = 0;
  size_t depth_ = 0, operators_ = 0;
  std::string_view pattern_;
};

// Splits a space-delimited message into fields: "quoted" and [bracketed]
// runs are one field each, without their delimiters.
std::vector<std::string> split_fields(std::string_view m) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < m.size()) {
    if (m[i] == ' ' || m[i] == '\t') {
      ++i;
      continue;
    }
    char close = m[i] == '"' ? '"' : m[i] == '[' ? ']' : 0;
    if (close) {
      size_t j = m.find(close, i + 1);
      if (j == std::string_view::npos) j = m.size();
      out.emplace_back(m.substr(i + 1, j - i - 1));
      i = j + 1;
    } else {
      size_t j = i;
      while (j < m.size() && m[j] != ' ' && m[j] != '\t') ++j;
      out.emplace_back(m.substr(i, j - i));
      i = j;
    }
  }
  return out;
}

}  // namespace

struct FilterPattern::Node {
  using Term = pattern_parts::Term;
  using Expr = pattern_parts::Expr;
  enum Kind { kAll, kTerms, kJson, kSpace } kind = kAll;
  std::vector<Term> required, optional, excluded;
  std::shared_ptr<Expr> expr;                     // kJson, kSpace (may be null)
  std::vector<std::string> fields;                // kSpace: names, "..." for ellipsis
};

Result<FilterPattern> FilterPattern::parse(std::string_view pattern) {
  auto node = std::make_shared<Node>();
  std::string_view p = pattern;
  while (!p.empty() && std::isspace(static_cast<unsigned char>(p.front()))) p.remove_prefix(1);
  while (!p.empty() && std::isspace(static_cast<unsigned char>(p.back()))) p.remove_suffix(1);
  FilterPattern out;
  if (p.empty()) {
    out.root_ = node;
    return out;
  }
  if (p.front() == '{') {
    if (p.back() != '}') return invalid(pattern);
    auto tokens = tokenize(p.substr(1, p.size() - 2), pattern);
    if (!tokens) return tokens.take_error();
    for (const auto& t : *tokens)
      if (t[0] == '$' && t.size() < 2) return invalid(pattern);
    auto expr = ExprParser(std::move(*tokens), pattern).parse_all();
    if (!expr) return expr.take_error();
    node->kind = Node::kJson;
    node->expr = *expr;
  } else if (p.front() == '[') {
    if (p.back() != ']') return invalid(pattern);
    node->kind = Node::kSpace;
    std::string_view inner = p.substr(1, p.size() - 2);
    size_t start = 0;
    for (size_t i = 0; i <= inner.size(); ++i) {
      if (i < inner.size() && inner[i] != ',') continue;
      std::string_view item = inner.substr(start, i - start);
      start = i + 1;
      auto tokens = tokenize(item, pattern);
      if (!tokens) return tokens.take_error();
      if (tokens->empty()) return invalid(pattern);
      node->fields.push_back((*tokens)[0]);
      if (tokens->size() > 1) {
        auto expr = ExprParser(std::move(*tokens), pattern).parse_all();
        if (!expr) return expr.take_error();
        if (node->expr) {
          auto both = std::make_shared<Expr>();
          both->kind = Expr::kAnd;
          both->lhs = node->expr;
          both->rhs = *expr;
          node->expr = both;
        } else {
          node->expr = *expr;
        }
      }
    }
  } else {
    node->kind = Node::kTerms;
    size_t i = 0;
    while (i < p.size()) {
      if (std::isspace(static_cast<unsigned char>(p[i]))) {
        ++i;
        continue;
      }
      char sign = 0;
      if (p[i] == '?' || p[i] == '-') sign = p[i++];
      Term term;
      if (i < p.size() && p[i] == '"') {
        size_t j = p.find('"', i + 1);
        if (j == std::string_view::npos) return invalid(pattern);
        term.text = std::string(p.substr(i + 1, j - i - 1));
        i = j + 1;
      } else if (i < p.size() && p[i] == '%') {  // %regex%, spaces included
        size_t j = p.find('%', i + 1);
        if (j == std::string_view::npos || j == i + 1) return invalid(pattern);
        term.text = std::string(p.substr(i, j + 1 - i));
        i = j + 1;
        auto re = FilterRegex::compile(std::string_view(term.text).substr(1, term.text.size() - 2));
        if (!re) return invalid(pattern);
        term.re = std::make_shared<const FilterRegex>(std::move(*re));
      } else {
        size_t j = i;
        while (j < p.size() && !std::isspace(static_cast<unsigned char>(p[j]))) ++j;
        term.text = std::string(p.substr(i, j - i));
        i = j;
      }
      if (term.text.empty()) return invalid(pattern);
      (sign == '?' ? node->optional : sign == '-' ? node->excluded : node->required).push_back(std::move(term));
    }
  }
  out.root_ = node;
  return out;
}

bool FilterPattern::matches(std::string_view message) const {
  const Node& n = *root_;
  switch (n.kind) {
    case Node::kAll:
      return true;
    case Node::kTerms: {
      for (const auto& t : n.required)
        if (!t.found_in(message)) return false;
      for (const auto& t : n.excluded)
        if (t.found_in(message)) return false;
      if (n.optional.empty()) return true;
      for (const auto& t : n.optional)
        if (t.found_in(message)) return true;
      return false;
    }
    case Node::kJson: {
      auto doc = documents::parse_json_or_discarded(message);
      if (doc.is_discarded() || !(doc.is_object() || doc.is_array())) return false;
      return eval_json(*n.expr, doc);
    }
    case Node::kSpace: {
      auto values = split_fields(message);
      Json named = Json::object();
      size_t ellipsis = n.fields.size();
      for (size_t i = 0; i < n.fields.size(); ++i)
        if (n.fields[i] == "...") ellipsis = i;
      if (ellipsis == n.fields.size()) {
        if (values.size() != n.fields.size()) return false;
        for (size_t i = 0; i < n.fields.size(); ++i) named[n.fields[i]] = values[i];
      } else {
        size_t after = n.fields.size() - ellipsis - 1;
        if (values.size() < ellipsis + after) return false;
        for (size_t i = 0; i < ellipsis; ++i) named[n.fields[i]] = values[i];
        for (size_t k = 0; k < after; ++k)
          named[n.fields[ellipsis + 1 + k]] = values[values.size() - after + k];
      }
      return !n.expr || eval_json(*n.expr, named);
    }
  }
  return false;
}

}  // namespace nuage::services::logs
