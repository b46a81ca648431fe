// Limits on the shape of what a client sends, in one place. Everything that
// turns client bytes into a tree (JSON, CBOR, XML bodies; JSON documents
// inside members: policies, event patterns and details; filter patterns)
// refuses input nested deeper than these, before any recursive code walks
// it: recursion over 100,000 levels overflows a worker thread's stack.
// docs/design.md ("Hostile input") says where each limit comes from.
#pragma once

#include <cstddef>

namespace nuage::limits {

// Nesting of arrays/objects (JSON, CBOR; CBOR tags count as levels) and of
// XML elements in a request body or in a JSON document held by a member.
// 1,000 is Jackson's default maximum nesting depth (StreamReadConstraints),
// the JSON reader of AWS's Java services; no AWS document format documents
// a deeper structure.
inline constexpr size_t kMaxDocumentDepth = 1000;

// Nesting of parentheses and operators in an expression language (Logs
// filter patterns, and those added later). Expressions are parsed by
// recursive descent, each level a few stack frames.
inline constexpr size_t kMaxExpressionDepth = 100;

}  // namespace nuage::limits
