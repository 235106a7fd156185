#include "sensor/extract/smtp/smtp_syntax.h"

#include <array>
#include <cstring>
#include <utility>

#include "sensor/extract/smtp/mail_text.h"

namespace bw::extract::smtp {
namespace {

constexpr std::array<std::pair<std::string_view, Verb>, 18> kVerbs = {{
    {"HELO", Verb::kHelo},
    {"EHLO", Verb::kEhlo},
    {"LHLO", Verb::kLhlo},
    {"MAIL", Verb::kMail},
    {"RCPT", Verb::kRcpt},
    {"DATA", Verb::kData},
    {"BDAT", Verb::kBdat},
    {"RSET", Verb::kRset},
    {"QUIT", Verb::kQuit},
    {"NOOP", Verb::kNoop},
    {"STARTTLS", Verb::kStartTls},
    {"AUTH", Verb::kAuth},
    {"VRFY", Verb::kVrfy},
    {"EXPN", Verb::kExpn},
    {"HELP", Verb::kHelp},
    {"ETRN", Verb::kEtrn},
    {"XCLIENT", Verb::kXclient},
    {"XFORWARD", Verb::kXforward},
}};

std::string_view skip_blanks(std::string_view text) {
  while (!text.empty() && is_blank(text.front()))
    text.remove_prefix(1);
  return text;
}

std::optional<std::uint64_t> parse_decimal(std::string_view digits) {
  if (digits.empty() || digits.size() > 18) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : digits) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

}  // namespace

Verb parse_verb(std::string_view line) {
  const std::string_view word = line.substr(0, line.find(' '));
  for (const auto& [name, verb] : kVerbs) {
    if (iequals(word, name)) return verb;
  }
  return Verb::kUnknown;
}

std::optional<std::string_view> parse_path_argument(std::string_view line,
                                                    std::string_view keyword) {
  std::string_view rest = skip_blanks(line.substr(std::min(line.size(), std::size_t{4})));
  if (!istarts_with(rest, keyword)) return std::nullopt;
  rest = skip_blanks(rest.substr(keyword.size()));
  std::string_view path;
  if (!rest.empty() && rest.front() == '<') {
    const std::size_t close = rest.find('>');
    if (close == std::string_view::npos) return std::nullopt;
    path = rest.substr(1, close - 1);
  } else {
    path = rest.substr(0, rest.find(' '));  // lenient: some clients leave out the brackets
  }
  if (const std::size_t colon = path.rfind(':');
      !path.empty() && path.front() == '@' && colon != std::string_view::npos) {
    path.remove_prefix(colon + 1);
  }
  return path;
}

std::optional<BdatArguments> parse_bdat_arguments(std::string_view line) {
  std::string_view rest = skip_blanks(line.substr(std::min(line.size(), std::size_t{4})));
  const std::size_t size_end = rest.find(' ');
  const std::optional<std::uint64_t> size = parse_decimal(rest.substr(0, size_end));
  if (!size) return std::nullopt;
  rest = skip_blanks(rest.substr(size_end == std::string_view::npos ? rest.size() : size_end));
  while (!rest.empty() && is_blank(rest.back()))
    rest.remove_suffix(1);
  if (!rest.empty() && !iequals(rest, "LAST")) return std::nullopt;
  return BdatArguments{*size, !rest.empty()};
}

std::optional<ReplyLine> parse_reply_line(std::string_view line) {
  if (line.size() < 3 || line[0] < '2' || line[0] > '5' || !is_digit(line[1]) ||
      !is_digit(line[2])) {
    return std::nullopt;
  }
  if (line.size() > 3 && line[3] != ' ' && line[3] != '-') return std::nullopt;
  const auto code =
      static_cast<std::uint16_t>((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
  return ReplyLine{code, line.size() == 3 || line[3] == ' '};
}

std::size_t through_line_end(ByteSpan data) {
  const void* lf = std::memchr(data.data(), '\n', data.size());
  if (lf == nullptr) return data.size();
  return static_cast<std::size_t>(static_cast<const std::uint8_t*>(lf) - data.data()) + 1;
}

LineRead read_line(ByteSpan data, std::size_t max_bytes, std::size_t& scanned) {
  const std::size_t from = std::min(scanned, data.size());
  const void* lf = std::memchr(data.data() + from, '\n', data.size() - from);
  if (lf == nullptr) {
    if (data.size() >= max_bytes) {
      scanned = 0;  // the caller consumes all of it
      return {LineRead::Status::kTooLong, data.size(), {}};
    }
    scanned = data.size();
    return {};
  }
  scanned = 0;
  const std::size_t bytes =
      static_cast<std::size_t>(static_cast<const std::uint8_t*>(lf) - data.data()) + 1;
  if (bytes > max_bytes) return {LineRead::Status::kTooLong, bytes, {}};
  std::string_view text = as_chars(data.first(bytes - 1));
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  return {LineRead::Status::kLine, bytes, text};
}

}  // namespace bw::extract::smtp
