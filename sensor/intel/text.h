// Small ASCII text helpers shared by the feed parser, the converter and the matchers. Locale-free
// on purpose: <cctype> follows the process locale, and host names are ASCII by definition.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace bw::intel {

constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

constexpr bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

constexpr std::string_view trim(std::string_view text) {
  while (!text.empty() && is_blank(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back()))
    text.remove_suffix(1);
  return text;
}

constexpr bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (ascii_lower(text[i]) != ascii_lower(prefix[i])) return false;
  }
  return true;
}

// Splits on runs of blanks. Setup-time helper: allocates the result.
inline std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> out;
  text = trim(text);
  while (!text.empty()) {
    std::size_t end = 0;
    while (end < text.size() && !is_blank(text[end]))
      ++end;
    out.push_back(text.substr(0, end));
    text = trim(text.substr(end));
  }
  return out;
}

// Calls visit(line, line_number) for each line of text (1-based), without the line terminator;
// "\r\n" and "\n" both end a line.
template <typename Visitor>
void for_each_line(std::string_view text, Visitor&& visit) {
  std::size_t number = 0;
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    visit(line, ++number);
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
}

}  // namespace bw::intel
