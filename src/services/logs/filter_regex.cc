#include "services/logs/filter_regex.h"

#include <cctype>
#include <string>

namespace nuage::services::logs {

namespace {

using Bytes = std::bitset<256>;

Bytes byte_class(bool (*predicate)(int)) {
  Bytes out;
  for (int c = 0; c < 256; ++c)
    if (predicate(c)) out.set(static_cast<size_t>(c));
  return out;
}

bool is_digit(int c) { return c >= '0' && c <= '9'; }
bool is_word(int c) { return std::isalnum(c) != 0 || c == '_'; }
bool is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// The byte set of an escape (`\d`, `\.`), or nullopt if it is not one.
std::optional<Bytes> escape_class(char c) {
  switch (c) {
    case 'd': return byte_class(is_digit);
    case 'D': return ~byte_class(is_digit);
    case 'w': return byte_class(is_word);
    case 'W': return ~byte_class(is_word);
    case 's': return byte_class(is_space);
    case 'S': return ~byte_class(is_space);
    case 't': return Bytes().set('\t');
    case 'n': return Bytes().set('\n');
    case 'r': return Bytes().set('\r');
    default:
      if (std::isalnum(static_cast<unsigned char>(c))) return std::nullopt;  // \b, \1, ...: not in the subset
      return Bytes().set(static_cast<unsigned char>(c));
  }
}

// Parses `[...]` starting after the '['; `i` ends after the ']'.
std::optional<Bytes> bracket(std::string_view p, size_t& i) {
  bool negated = i < p.size() && p[i] == '^';
  if (negated) ++i;
  Bytes out;
  bool first = true;
  while (i < p.size() && (p[i] != ']' || first)) {
    first = false;
    int low = -1;
    if (p[i] == '\\') {
      if (i + 1 >= p.size()) return std::nullopt;
      auto e = escape_class(p[i + 1]);
      if (!e) return std::nullopt;
      i += 2;
      if (e->count() != 1) {  // \d inside a class
        out |= *e;
        continue;
      }
      for (int c = 0; c < 256; ++c)
        if (e->test(static_cast<size_t>(c))) low = c;
    } else {
      low = static_cast<unsigned char>(p[i++]);
    }
    if (i + 1 < p.size() && p[i] == '-' && p[i + 1] != ']') {
      int high = static_cast<unsigned char>(p[i + 1]);
      if (p[i + 1] == '\\') return std::nullopt;
      i += 2;
      if (high < low) return std::nullopt;
      for (int c = low; c <= high; ++c) out.set(static_cast<size_t>(c));
    } else {
      out.set(static_cast<size_t>(low));
    }
  }
  if (i >= p.size()) return std::nullopt;  // no closing ']'
  ++i;
  return negated ? ~out : out;
}

std::optional<size_t> number(std::string_view p, size_t& i) {
  size_t start = i, value = 0;
  while (i < p.size() && is_digit(static_cast<unsigned char>(p[i])) && i - start < 4) value = value * 10 + (p[i++] - '0');
  if (i == start || (i < p.size() && is_digit(static_cast<unsigned char>(p[i])))) return std::nullopt;
  return value;
}

}  // namespace

std::optional<FilterRegex> FilterRegex::compile(std::string_view p) {
  FilterRegex out;
  out.alternatives_.emplace_back();
  size_t total = 0;
  size_t i = 0;
  while (i < p.size()) {
    Alternative& alt = out.alternatives_.back();
    char c = p[i];
    if (c == '|') {
      out.alternatives_.emplace_back();
      ++i;
      continue;
    }
    if (c == '^') {
      if (!alt.nodes.empty() || alt.anchored_start) return std::nullopt;
      alt.anchored_start = true;
      ++i;
      continue;
    }
    if (c == '$') {
      if (i + 1 < p.size() && p[i + 1] != '|') return std::nullopt;
      alt.anchored_end = true;
      ++i;
      continue;
    }
    if (alt.anchored_end || c == '(' || c == ')' || c == '?' || c == '*' || c == '+' || c == '{' || c == '}' ||
        c == ']')
      return std::nullopt;  // groups, or a quantifier with nothing before it
    Bytes atom;
    if (c == '.') {
      atom.set();
      ++i;
    } else if (c == '[') {
      ++i;
      auto b = bracket(p, i);
      if (!b) return std::nullopt;
      atom = *b;
    } else if (c == '\\') {
      if (i + 1 >= p.size()) return std::nullopt;
      auto e = escape_class(p[i + 1]);
      if (!e) return std::nullopt;
      atom = *e;
      i += 2;
    } else {
      atom.set(static_cast<unsigned char>(c));
      ++i;
    }
    // Quantifier: expanded into required, optional and starred nodes.
    size_t min = 1, max = 1;
    bool unbounded = false;
    if (i < p.size() && (p[i] == '?' || p[i] == '*' || p[i] == '+')) {
      min = p[i] == '+' ? 1 : 0;
      unbounded = p[i] != '?';
      ++i;
    } else if (i < p.size() && p[i] == '{') {
      ++i;
      auto m = number(p, i);
      if (!m) return std::nullopt;
      min = max = *m;
      if (i < p.size() && p[i] == ',') {
        ++i;
        if (i < p.size() && p[i] == '}') {
          unbounded = true;
        } else {
          auto n = number(p, i);
          if (!n || *n < *m) return std::nullopt;
          max = *n;
        }
      }
      if (i >= p.size() || p[i] != '}' || (!unbounded && max == 0)) return std::nullopt;  // x{0}
      ++i;
    }
    if (i < p.size() && (p[i] == '?' || p[i] == '*' || p[i] == '+' || p[i] == '{'))
      return std::nullopt;  // stacked quantifiers
    total += unbounded ? min + 1 : max;
    if (total > kMaxNodes) return std::nullopt;
    for (size_t k = 0; k < min; ++k) alt.nodes.push_back({atom, Node::Repeat::kOne});
    if (unbounded) {
      alt.nodes.push_back({atom, Node::Repeat::kStar});
    } else {
      for (size_t k = min; k < max; ++k) alt.nodes.push_back({atom, Node::Repeat::kOptional});
    }
  }
  for (const auto& alt : out.alternatives_)
    if (alt.nodes.empty() && !alt.anchored_start && !alt.anchored_end && out.alternatives_.size() > 1)
      return std::nullopt;  // "a||b", "|a"
  return out;
}

bool FilterRegex::search(std::string_view text) const {
  for (const auto& alt : alternatives_)
    if (search(alt, text)) return true;
  return false;
}

// States are node indexes (the next node to match); nodes.size() accepts.
bool FilterRegex::search(const Alternative& alt, std::string_view text) const {
  const size_t n = alt.nodes.size();
  std::vector<char> current(n + 1, 0), next(n + 1, 0);
  // Adds `state` and everything reachable from it without consuming a byte.
  auto add = [&](std::vector<char>& set, size_t state) {
    while (!set[state]) {
      set[state] = 1;
      if (state == n || alt.nodes[state].repeat == Node::Repeat::kOne) return;
      ++state;  // optional and starred nodes may be skipped
    }
  };
  add(current, 0);
  for (size_t pos = 0;; ++pos) {
    if (current[n] && (!alt.anchored_end || pos == text.size())) return true;
    if (pos == text.size()) return false;
    std::fill(next.begin(), next.end(), 0);
    auto byte = static_cast<unsigned char>(text[pos]);
    bool any = false;
    for (size_t s = 0; s < n; ++s) {
      if (!current[s] || !alt.nodes[s].bytes.test(byte)) continue;
      any = true;
      if (alt.nodes[s].repeat == Node::Repeat::kStar) add(next, s);
      add(next, s + 1);
    }
    if (!alt.anchored_start) add(next, 0);  // a match may start at the next byte
    else if (!any) return false;
    current.swap(next);
  }
}

}  // namespace nuage::services::logs
