// The regular expressions of CloudWatch Logs filter patterns (`%regex%`
// terms): the subset CloudWatch documents — literals, `.`, character classes
// `[a-z]` / `[^...]`, the escapes `\d \D \w \W \s \S` and escaped operators,
// the quantifiers `? * + {m} {m,} {m,n}`, `|` between alternatives, `^` and
// `$` anchors; no groups (CloudWatch refuses `(` `)`).
//
// Matching is a set-of-states simulation, linear in the message for a given
// expression: a filter a client sends can never make matching backtrack
// exponentially or recurse per character (std::regex did both).
//
// Thread-safety: a compiled expression is immutable; search() is safe from any thread.
#pragma once

#include <bitset>
#include <optional>
#include <string_view>
#include <vector>

namespace nuage::services::logs {

class FilterRegex {
 public:
  // nullopt for an expression outside the subset, or too large once its
  // counted repetitions are expanded (kMaxNodes).
  static std::optional<FilterRegex> compile(std::string_view expression);
  // Whether the expression matches somewhere in `text`.
  bool search(std::string_view text) const;

  static constexpr size_t kMaxNodes = 512;

 private:
  struct Node {
    std::bitset<256> bytes;  // the byte set the node consumes
    enum class Repeat { kOne, kOptional, kStar } repeat = Repeat::kOne;
  };
  struct Alternative {
    std::vector<Node> nodes;
    bool anchored_start = false;
    bool anchored_end = false;
  };
  bool search(const Alternative& alternative, std::string_view text) const;
  std::vector<Alternative> alternatives_;
};

}  // namespace nuage::services::logs
