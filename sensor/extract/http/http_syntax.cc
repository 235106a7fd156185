#include "sensor/extract/http/http_syntax.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace bw::extract::http {
namespace {

// Longest method accepted; matches HttpRequest::method's capacity.
constexpr std::size_t kMaxMethodLength = 16;

constexpr std::array<std::string_view, 29> kKnownMethods = {
    "GET",         "HEAD",     "POST",  "PUT",      "DELETE",    "CONNECT",
    "OPTIONS",     "TRACE",    "PATCH", "PROPFIND", "PROPPATCH", "MKCOL",
    "COPY",        "MOVE",     "LOCK",  "UNLOCK",   "SEARCH",    "REPORT",
    "MKACTIVITY",  "CHECKOUT", "MERGE", "M-SEARCH", "NOTIFY",    "SUBSCRIBE",
    "UNSUBSCRIBE", "PURGE",    "LINK",  "UNLINK",   "ACL"};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// tchar of RFC 9110 5.6.2, as a table: it is consulted for every byte of every field name.
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c)
    table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c)
    table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c)
    table[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~"))
    table[static_cast<unsigned char>(c)] = true;
  return table;
}();

inline bool is_token_char(char c) {
  return kTokenChars[static_cast<unsigned char>(c)];
}

bool is_token(std::string_view text) {
  // A lambda rather than the function itself, so that the table lookup is inlined.
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return is_token_char(c); });
}

bool is_whitespace(char c) {
  return c == ' ' || c == '\t';
}

// "HTTP/" DIGIT "." DIGIT
bool is_http_version(std::string_view v) {
  return v.size() == 8 && v.substr(0, 5) == "HTTP/" && is_digit(v[5]) && v[6] == '.' &&
         is_digit(v[7]);
}

std::optional<std::uint64_t> parse_decimal(std::string_view digits) {
  // 18 digits cannot overflow 63 bits; longer is no plausible body length.
  if (digits.empty() || digits.size() > 18) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : digits) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  const char l = ascii_lower(c);
  if (l >= 'a' && l <= 'f') return l - 'a' + 10;
  return -1;
}

// Calls fn on each trimmed, non-empty element of a comma-separated field value; stops early when
// fn returns false. Returns false if it stopped early.
template <typename Fn>
bool for_each_list_element(std::string_view value, Fn&& fn) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    const std::string_view element = trim_whitespace(value.substr(0, comma));
    if (!element.empty() && !fn(element)) return false;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return true;
}

}  // namespace

std::string_view trim_whitespace(std::string_view text) {
  while (!text.empty() && is_whitespace(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_whitespace(text.back()))
    text.remove_suffix(1);
  return text;
}

StartMatch match_request_start(ByteSpan data, bool known_methods_only) {
  const std::string_view text = as_chars(data);
  std::size_t n = 0;
  while (n < text.size() && n <= kMaxMethodLength && is_token_char(text[n]))
    ++n;
  if (n == text.size() && n <= kMaxMethodLength) return StartMatch::kNeedMore;
  if (n == 0 || n > kMaxMethodLength || text[n] != ' ') return StartMatch::kNo;
  const std::string_view method = text.substr(0, n);
  if (known_methods_only &&
      std::find(kKnownMethods.begin(), kKnownMethods.end(), method) == kKnownMethods.end()) {
    return StartMatch::kNo;
  }
  return StartMatch::kYes;
}

StartMatch match_response_start(ByteSpan data) {
  constexpr std::string_view kPrefix = "HTTP/";
  const std::string_view text = as_chars(data);
  const std::size_t n = std::min(text.size(), kPrefix.size());
  if (text.substr(0, n) != kPrefix.substr(0, n)) return StartMatch::kNo;
  return n < kPrefix.size() ? StartMatch::kNeedMore : StartMatch::kYes;
}

std::optional<std::size_t> find_line_end(ByteSpan data, std::size_t& scanned) {
  const std::size_t from = std::min(scanned, data.size());
  const void* lf = std::memchr(data.data() + from, '\n', data.size() - from);
  if (lf == nullptr) {
    scanned = data.size();
    return std::nullopt;
  }
  scanned = 0;
  return static_cast<std::size_t>(static_cast<const std::uint8_t*>(lf) - data.data()) + 1;
}

std::string_view line_text(ByteSpan line_with_lf) {
  std::string_view text = as_chars(line_with_lf);
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  return text;
}

std::size_t empty_line_length(ByteSpan data) {
  if (!data.empty() && data[0] == '\n') return 1;
  if (data.size() >= 2 && data[0] == '\r' && data[1] == '\n') return 2;
  return 0;
}

bool parse_request_line(std::string_view line, RequestLine& out) {
  line = trim_whitespace(line);
  const std::size_t first_space = line.find(' ');
  const std::size_t last_space = line.rfind(' ');
  if (first_space == std::string_view::npos) return false;
  out.method = line.substr(0, first_space);
  if (first_space == last_space) {
    // HTTP/0.9 had only GET, and a target without spaces (RFC 1945 4.1).
    out.target = line.substr(first_space + 1);
    out.version = "HTTP/0.9";
    out.simple = true;
    return out.method == "GET" && !out.target.empty() &&
           out.target.find('\t') == std::string_view::npos;
  }
  out.simple = false;
  // Clients do send unencoded spaces in targets: the version is what follows the last space.
  out.target = trim_whitespace(line.substr(first_space + 1, last_space - first_space - 1));
  out.version = line.substr(last_space + 1);
  return is_token(out.method) && out.method.size() <= kMaxMethodLength && !out.target.empty() &&
         is_http_version(out.version);
}

bool parse_status_line(std::string_view line, StatusLine& out) {
  // HTTP-version SP 3DIGIT SP [reason-phrase]; the reason (and the SP before it) is optional in
  // practice.
  if (line.size() < 12 || !is_http_version(line.substr(0, 8)) || line[8] != ' ') return false;
  const std::string_view code = line.substr(9, 3);
  if (!std::all_of(code.begin(), code.end(), is_digit) || code[0] == '0') return false;
  if (line.size() > 12 && !is_whitespace(line[12])) return false;
  out.version = line.substr(0, 8);
  out.status =
      static_cast<std::uint16_t>((code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0'));
  return true;
}

bool split_header_field(std::string_view line, HeaderField& out) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  out.name = line.substr(0, colon);
  out.value = trim_whitespace(line.substr(colon + 1));
  // Whitespace before the colon is forbidden (RFC 9112 5.1): a smuggling vector, not a name.
  return is_token(out.name);
}

bool is_continuation_line(std::string_view line) {
  return !line.empty() && is_whitespace(line.front());
}

std::optional<std::uint64_t> parse_content_length(std::string_view value) {
  std::optional<std::uint64_t> length;
  const bool consistent = for_each_list_element(value, [&](std::string_view element) {
    const std::optional<std::uint64_t> parsed = parse_decimal(element);
    if (!parsed || (length && *length != *parsed)) return false;
    length = parsed;
    return true;
  });
  return consistent ? length : std::nullopt;
}

std::optional<std::uint64_t> parse_chunk_size(std::string_view line) {
  const std::string_view size = trim_whitespace(line.substr(0, line.find(';')));
  // 15 hex digits stay below 2^60; a larger chunk is no real body.
  if (size.empty() || size.size() > 15) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : size) {
    const int digit = hex_value(c);
    if (digit < 0) return std::nullopt;
    value = (value << 4) | static_cast<std::uint64_t>(digit);
  }
  return value;
}

bool final_coding_is_chunked(std::string_view value) {
  std::string_view last;
  for_each_list_element(value, [&](std::string_view element) {
    last = trim_whitespace(element.substr(0, element.find(';')));
    return true;
  });
  return iequals(last, "chunked");
}

bool has_content_coding(std::string_view value) {
  return !for_each_list_element(
      value, [](std::string_view element) { return iequals(element, "identity"); });
}

}  // namespace bw::extract::http
