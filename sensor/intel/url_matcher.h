// URL patterns: every url-regex indicator of a feed set compiled into one RE2::Set, so a URL is
// scanned once however many patterns there are (RE2 is portable C++, unlike Hyperscan).
//
// RE2::Set reports which patterns matched only through a heap-allocated index set, so the data
// path asks the set just "did anything match" (no allocation once RE2's DFA cache is warm) and,
// for the rare URL that did, tries the patterns one by one, heaviest first, stopping at the first
// that matches: that one is the best hit by construction.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sensor/intel/intel_types.h"

namespace bw::intel {

// Setup time: checks that `pattern` compiles with the options the matcher uses and does not match
// the empty string (an unanchored pattern that does would flag every URL).
bool check_url_pattern(std::string_view pattern, std::string& reason);

class UrlMatcher {
 public:
  UrlMatcher();
  ~UrlMatcher();
  UrlMatcher(const UrlMatcher&) = delete;
  UrlMatcher& operator=(const UrlMatcher&) = delete;

  // Build phase; patterns must have passed check_url_pattern.
  void add(std::string pattern, const IndicatorMeta& meta);
  // Compiles the set. Returns false (and why) when RE2 cannot; `merged` counts duplicate patterns
  // folded into one (the heaviest wins).
  bool finish(std::size_t& merged, std::string& error);

  // The heaviest pattern matching `text`, or nullptr. `set_failed` is set when the set's DFA ran
  // out of memory and the patterns were tried one by one instead.
  const IndicatorMeta* find(std::string_view text, bool& set_failed) const;
  std::size_t size() const;
  bool empty() const { return size() == 0; }

 private:
  struct Compiled;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace bw::intel
