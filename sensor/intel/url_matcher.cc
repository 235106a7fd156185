#include "sensor/intel/url_matcher.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <tuple>

#include "sensor/intel/sorted_entries.h"

namespace bw::intel {
namespace {

// One DFA for hundreds of patterns needs more than RE2's 8 MiB default; memory is only taken as
// the DFA cache fills.
constexpr std::int64_t kSetMemoryBudget = std::int64_t{64} << 20;

re2::StringPiece piece(std::string_view text) {
  return {text.data(), text.size()};
}

// Latin-1 so that every byte of a URL is one character: request targets carry raw bytes, and in
// UTF-8 mode an invalid sequence would silently stop a pattern from matching across it.
RE2::Options pattern_options() {
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingLatin1);
  options.set_log_errors(false);
  return options;
}

}  // namespace

bool check_url_pattern(std::string_view pattern, std::string& reason) {
  if (pattern.empty()) {
    reason = "empty pattern";
    return false;
  }
  const RE2 re(piece(pattern), pattern_options());
  if (!re.ok()) {
    reason = "invalid RE2 pattern: " + re.error();
    return false;
  }
  if (RE2::PartialMatch(re2::StringPiece(), re)) {
    reason = "pattern matches the empty string, so it would match every URL";
    return false;
  }
  return true;
}

struct UrlMatcher::Compiled {
  struct Pattern {
    std::string text;
    IndicatorMeta meta;
    std::size_t order = 0;  // position in load order, for deterministic ties
    std::unique_ptr<RE2> re;
  };
  std::vector<Pattern> patterns;  // after finish(): heaviest first
  std::unique_ptr<RE2::Set> set;
};

UrlMatcher::UrlMatcher() : compiled_(std::make_unique<Compiled>()) {}
UrlMatcher::~UrlMatcher() = default;

void UrlMatcher::add(std::string pattern, const IndicatorMeta& meta) {
  auto& patterns = compiled_->patterns;
  patterns.push_back({std::move(pattern), meta, patterns.size(), nullptr});
}

bool UrlMatcher::finish(std::size_t& merged, std::string& error) {
  auto& patterns = compiled_->patterns;
  merged = keep_heaviest_per_key(
      patterns, [](const Compiled::Pattern& p) -> std::string_view { return p.text; });
  std::sort(patterns.begin(), patterns.end(), [](const auto& a, const auto& b) {
    return std::tuple(b.meta.weight, a.order) < std::tuple(a.meta.weight, b.order);
  });
  if (patterns.empty()) return true;
  RE2::Options set_options = pattern_options();
  set_options.set_max_mem(kSetMemoryBudget);
  auto set = std::make_unique<RE2::Set>(set_options, RE2::UNANCHORED);
  for (auto& pattern : patterns) {
    pattern.re = std::make_unique<RE2>(pattern.text, pattern_options());
    std::string add_error;
    if (!pattern.re->ok() || set->Add(pattern.text, &add_error) < 0) {
      error = "pattern '" + pattern.text + "' does not compile: " + pattern.re->error() + add_error;
      return false;
    }
  }
  if (!set->Compile()) {
    error = "URL patterns exceed RE2's memory budget once combined";
    return false;
  }
  compiled_->set = std::move(set);
  return true;
}

const IndicatorMeta* UrlMatcher::find(std::string_view text, bool& set_failed) const {
  const auto& patterns = compiled_->patterns;
  if (!compiled_->set) return nullptr;
  RE2::Set::ErrorInfo info{RE2::Set::kNoError};
  if (!compiled_->set->Match(piece(text), nullptr, &info)) {
    if (info.kind == RE2::Set::kNoError) return nullptr;
    set_failed = true;
  }
  for (const auto& pattern : patterns) {
    if (RE2::PartialMatch(piece(text), *pattern.re)) return &pattern.meta;
  }
  return nullptr;
}

std::size_t UrlMatcher::size() const {
  return compiled_->patterns.size();
}

}  // namespace bw::intel
