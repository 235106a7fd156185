// ASCII case-insensitive comparisons for protocol text (header names, user agents, host names):
// locale-free, allocation-free, shared by every parser and the detector.
#pragma once

#include <cstddef>
#include <string_view>

namespace bw {

inline char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

inline bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

// Whether `text` contains `lower_needle`, which must already be lower case.
inline bool contains_ci(std::string_view text, std::string_view lower_needle) {
  if (lower_needle.size() > text.size()) return false;
  for (std::size_t i = 0; i + lower_needle.size() <= text.size(); ++i) {
    std::size_t k = 0;
    while (k < lower_needle.size() && ascii_lower(text[i + k]) == lower_needle[k])
      ++k;
    if (k == lower_needle.size()) return true;
  }
  return false;
}

}  // namespace bw
