#include "sensor/detect/url_tokens.h"

#include <algorithm>
#include <array>
#include <optional>

#include "sensor/detect/text_codec.h"
#include "sensor/detect/text_stats.h"

namespace bw::detect {
namespace {

// No kind has a shorter minimum, so shorter pieces are skipped before any decoding.
constexpr std::size_t kShortestToken =
    std::min({kMinHexLength, kMinDnsHexLength, kMinQueryHexLength, kMinBase64Length,
              kMinEncodedTextLength, kMinBase32Length, kMinDecimalLength, kMinMixedLength});
constexpr std::size_t kUuidLength = 36;
// "gif", "jpeg", "webp", "html", "woff2": longer suffixes after a dot are not file types.
constexpr std::size_t kMaxExtensionLength = 5;
// Enough of a base64 value to see whether it starts with a JSON object or holds an address.
constexpr std::size_t kTextProbeChars = 192;
// A DNS label is at most 63 octets; judged labels are folded into a buffer of this size.
constexpr std::size_t kMaxFoldedLabel = 256;

bool is_uuid(std::string_view s) {
  if (s.size() != kUuidLength) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? s[i] != '-' : hex_digit_value(s[i]) < 0) return false;
  }
  return true;
}

bool is_printable_ascii(std::uint8_t b) {
  return b >= 0x20 && b < 0x7f;
}

// Whether the piece is base64 of something a tracker packs into a URL: a JSON object or text
// holding an e-mail address. Random bytes decode to printable text with negligible probability.
bool decodes_to_marked_text(std::string_view piece) {
  const std::string_view probe =
      piece.size() <= kTextProbeChars ? piece : piece.substr(0, kTextProbeChars);
  std::array<std::uint8_t, kTextProbeChars * 3 / 4> bytes{};
  std::size_t written = 0;
  if (!base64_decode(probe, bytes.data(), bytes.size(), written) || written == 0) return false;
  bool has_at = false;
  for (std::size_t i = 0; i < written; ++i) {
    if (!is_printable_ascii(bytes[i])) return false;
    has_at = has_at || bytes[i] == '@';
  }
  return bytes[0] == '{' || has_at;
}

bool judge_hex(std::string_view piece, const CharProfile& p, PieceContext context, float entropy) {
  if (entropy < kMinHexEntropy) return false;
  if (piece.size() >= kMinHexLength) return context != PieceContext::kDnsLabel || p.digits > 0;
  // Below the general floor only where short ids live, and only with digits among the letters.
  const std::size_t floor =
      context == PieceContext::kDnsLabel
          ? kMinDnsHexLength
          : (context == PieceContext::kQueryValue ? kMinQueryHexLength : kMinHexLength);
  return piece.size() >= floor && p.digits > 0;
}

bool judge_base32(std::string_view piece, const CharProfile& p, PieceContext context,
                  float entropy) {
  // RFC 4648 prints base32 in upper case; DNS labels arrive folded to lower case.
  const bool one_case = context == PieceContext::kDnsLabel ? p.upper == 0 : p.lower == 0;
  return piece.size() >= kMinBase32Length && one_case && p.digits == p.base32_digits &&
         p.base32_digits > 0 && p.letters() > 0 &&
         p.letters() + p.digits + p.padding == piece.size() && entropy >= kMinBase32Entropy &&
         !looks_like_words(piece);
}

std::optional<TokenKind> judge_base64(std::string_view piece, const CharProfile& p, float entropy) {
  if (p.other > 0 || p.dot_tilde > 0) return std::nullopt;
  if (p.plus_slash > 0 && p.dash_underscore > 0) return std::nullopt;  // no alphabet has both
  const bool url_safe = p.dash_underscore > 0;
  const bool standard = p.plus_slash > 0 || p.padding > 0;
  if (piece.size() >= kMinEncodedTextLength && decodes_to_marked_text(piece)) {
    return url_safe ? TokenKind::kBase64Url : TokenKind::kBase64;
  }
  // Random bytes in base64 use both letter cases; a single-case string is something else.
  if (piece.size() < kMinBase64Length || p.upper == 0 || p.lower == 0) return std::nullopt;
  if (entropy < kMinBase64Entropy || looks_like_words(piece)) return std::nullopt;
  if (url_safe) return TokenKind::kBase64Url;
  // Without a telling character the alphabet is unknown; random ids in URLs are generated in the
  // URL-safe one (standard base64 needs escaping there), so that is the better guess and keeps a
  // campaign's ids, some of which hold '-' or '_' and some not, under one placeholder.
  return standard ? TokenKind::kBase64 : TokenKind::kBase64Url;
}

bool has_letter_digit_run(std::string_view piece) {
  std::size_t run = 0;
  bool letter = false;
  bool digit = false;
  for (const char c : piece) {
    if (!is_ascii_alnum(c)) {
      run = 0;
      letter = digit = false;
      continue;
    }
    ++run;
    const bool is_digit = c >= '0' && c <= '9';
    digit = digit || is_digit;
    letter = letter || !is_digit;
    if (run >= kMinMixedRun && letter && digit) return true;
  }
  return false;
}

bool judge_mixed(std::string_view piece, const CharProfile& p, float entropy) {
  return piece.size() >= kMinMixedLength && p.other == 0 && entropy >= kMinMixedEntropy &&
         has_letter_digit_run(piece) && !looks_like_words(piece);
}

TokenJudgement judge_folded(std::string_view piece, PieceContext context) {
  TokenJudgement j;
  if (piece.size() < kShortestToken) return j;
  j.entropy_bits_per_char = shannon_entropy(piece);
  const auto accept = [&j](TokenKind kind) {
    j.is_token = true;
    j.kind = kind;
    return j;
  };
  if (is_uuid(piece)) return accept(TokenKind::kUuid);
  const CharProfile p = profile_chars(piece);
  const float entropy = j.entropy_bits_per_char;
  if (p.all_digits()) {
    const bool id = context == PieceContext::kQueryValue && piece.size() >= kMinDecimalLength;
    return id ? accept(TokenKind::kDecimal) : j;
  }
  if (p.all_hex()) return judge_hex(piece, p, context, entropy) ? accept(TokenKind::kHex) : j;
  if (judge_base32(piece, p, context, entropy)) return accept(TokenKind::kBase32);
  if (context != PieceContext::kDnsLabel) {
    if (const auto kind = judge_base64(piece, p, entropy)) return accept(*kind);
  }
  if (judge_mixed(piece, p, entropy)) return accept(TokenKind::kMixed);
  return j;
}

// Assembles the template while pieces are judged left to right: literal text up to each token,
// then the token's placeholder.
class TemplateBuilder {
 public:
  TemplateBuilder(std::string_view input, UrlAnalysis& out, UrlTokenCounters& counters)
      : input_(input), out_(out), counters_(counters) {}

  std::string_view input() const { return input_; }
  UrlTokenCounters& counters() { return counters_; }
  // Literal text before this offset is lower-cased (scheme and host, DNS names).
  void fold_literals_until(std::size_t offset) { fold_until_ = offset; }

  void add_token(std::size_t raw_offset, std::size_t raw_length, const TokenJudgement& judgement,
                 std::size_t decoded_length) {
    append_literal(raw_offset);
    append_placeholder(judgement.kind, decoded_length);
    literal_from_ = raw_offset + raw_length;
    ++counters_.tokens_found;
    const Token token{static_cast<std::uint16_t>(raw_offset),
                      static_cast<std::uint16_t>(raw_length), judgement.kind,
                      judgement.entropy_bits_per_char};
    if (!out_.tokens.push_back(token)) ++counters_.tokens_over_capacity;
  }

  void finish() {
    append_literal(input_.size());
    if (out_.url_template.truncated()) out_.template_truncated = true;
    if (out_.template_truncated) ++counters_.template_truncated;
  }

 private:
  void append_literal(std::size_t end) {
    const std::size_t folded_end = std::clamp(fold_until_, literal_from_, end);
    for (std::size_t i = literal_from_; i < folded_end; ++i) {
      out_.url_template.push_back(ascii_fold(input_[i]));
    }
    out_.url_template.append(input_.substr(folded_end, end - folded_end));
    literal_from_ = end;
  }

  void append_placeholder(TokenKind kind, std::size_t decoded_length) {
    out_.url_template.push_back('{');
    out_.url_template.append(token_kind_name(kind));
    if (kind == TokenKind::kHex) append_decimal(decoded_length);
    out_.url_template.push_back('}');
  }

  void append_decimal(std::size_t value) {
    std::array<char, 20> digits{};
    std::size_t n = 0;
    do {
      digits[n++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value > 0);
    while (n > 0)
      out_.url_template.push_back(digits[--n]);
  }

  std::string_view input_;
  UrlAnalysis& out_;
  UrlTokenCounters& counters_;
  std::size_t literal_from_ = 0;
  std::size_t fold_until_ = 0;
};

// Per-thread decode buffer: a request target is decoded piece by piece, never all at once.
thread_local DecodedText t_decoded;

void add_decoded_token(TemplateBuilder& builder, std::size_t piece_begin, const DecodedText& text,
                       std::size_t begin, std::size_t end, const TokenJudgement& judgement) {
  builder.add_token(piece_begin + text.raw_begin(begin), text.raw_length(begin, end), judgement,
                    end - begin);
}

struct SubToken {
  std::size_t begin = 0;  // in the decoded piece
  std::size_t end = 0;
  TokenJudgement judgement;
};
using SubTokens = FixedVector<SubToken, 16>;

// A run left between sub-tokens that is a word or a short tag ("pixel", "v2"), not a fragment of
// an identifier the split cut apart.
bool is_plain_leftover(std::string_view run) {
  constexpr std::size_t kMaxTagLength = 4;
  return run.size() <= kMaxTagLength ||
         std::none_of(run.begin(), run.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Looks for tokens between the punctuation of a piece: UUIDs, and runs of alphanumerics.
// Returns whether every run that is not a token is plain (see is_plain_leftover).
bool find_sub_tokens(std::string_view decoded, PieceContext context, SubTokens& found) {
  bool leftovers_plain = true;
  std::size_t i = 0;
  while (i < decoded.size()) {
    if (!is_ascii_alnum(decoded[i])) {
      ++i;
      continue;
    }
    const std::string_view uuid_candidate = decoded.substr(i, kUuidLength);
    const std::size_t after_uuid = i + kUuidLength;
    if (is_uuid(uuid_candidate) &&
        (after_uuid == decoded.size() || !is_ascii_alnum(decoded[after_uuid]))) {
      found.push_back(SubToken{i, after_uuid, judge_folded(uuid_candidate, context)});
      i = after_uuid;
      continue;
    }
    std::size_t end = i;
    while (end < decoded.size() && is_ascii_alnum(decoded[end]))
      ++end;
    const std::string_view run = decoded.substr(i, end - i);
    const TokenJudgement judgement = judge_piece(run, context);
    if (judgement.is_token) {
      found.push_back(SubToken{i, end, judgement});
    } else {
      leftovers_plain = leftovers_plain && is_plain_leftover(run);
    }
    i = end;
  }
  return leftovers_plain;
}

// A piece is judged whole first. When it is no token as a whole, tokens between its punctuation
// are masked ("index.jsp;jsessionid=<hex32>"). When it is only a kMixed token as a whole, the
// finer split wins if what it leaves literal is plain ("pixel_<hex32>" -> "pixel_{hex32}"),
// so a campaign's template keeps its words but never keeps pieces of an identifier.
void analyse_piece(TemplateBuilder& builder, std::size_t begin, std::size_t end,
                   PieceContext context) {
  if (end <= begin || end - begin < kShortestToken) return;
  DecodedText& text = t_decoded;
  percent_decode(builder.input().substr(begin, end - begin), text);
  const TokenJudgement whole = judge_piece(text.view(), context);
  if (whole.is_token && whole.kind != TokenKind::kMixed) {
    add_decoded_token(builder, begin, text, 0, text.size, whole);
    return;
  }
  SubTokens parts;
  const bool leftovers_plain = find_sub_tokens(text.view(), context, parts);
  const bool split_is_finer =
      parts.size() > 1 || (parts.size() == 1 && (parts[0].begin > 0 || parts[0].end < text.size));
  if (whole.is_token && !(split_is_finer && leftovers_plain && !parts.truncated())) {
    add_decoded_token(builder, begin, text, 0, text.size, whole);
    return;
  }
  for (const SubToken& part : parts) {
    add_decoded_token(builder, begin, text, part.begin, part.end, part.judgement);
  }
}

std::size_t find_in(std::string_view input, char c, std::size_t begin, std::size_t end) {
  const std::size_t found = input.substr(0, end).find(c, begin);
  return found == std::string_view::npos ? end : found;
}

bool is_extension(std::string_view suffix) {
  if (suffix.empty() || suffix.size() > kMaxExtensionLength) return false;
  bool has_letter = false;
  for (const char c : suffix) {
    if (!is_ascii_alnum(c)) return false;
    has_letter = has_letter || !(c >= '0' && c <= '9');
  }
  return has_letter;
}

void analyse_path_segment(TemplateBuilder& builder, std::size_t begin, std::size_t end) {
  const std::string_view segment = builder.input().substr(begin, end - begin);
  const std::size_t dot = segment.rfind('.');
  if (dot != std::string_view::npos && dot > 0 && is_extension(segment.substr(dot + 1))) {
    end = begin + dot;
  }
  analyse_piece(builder, begin, end, PieceContext::kPathSegment);
}

void analyse_path(TemplateBuilder& builder, std::size_t begin, std::size_t end) {
  std::size_t segment = begin;
  while (segment < end) {
    const std::size_t slash = find_in(builder.input(), '/', segment, end);
    analyse_path_segment(builder, segment, slash);
    segment = slash + 1;
  }
}

// Query and fragment: key=value pairs separated by '&'; a bare item is judged as a value.
void analyse_parameters(TemplateBuilder& builder, std::size_t begin, std::size_t end) {
  std::size_t item = begin;
  while (item < end) {
    const std::size_t amp = find_in(builder.input(), '&', item, end);
    const std::size_t equals = find_in(builder.input(), '=', item, amp);
    analyse_piece(builder, equals < amp ? equals + 1 : item, amp, PieceContext::kQueryValue);
    item = amp + 1;
  }
}

bool is_ccTld_second_level(std::string_view second, std::string_view top) {
  // co.uk, com.au, ac.jp, gov.br...: registrable names sit one label further left.
  return top.size() == 2 && !second.empty() && second.size() <= 3;
}

bool is_ipv4_literal(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(),
                                      [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

// Judges the labels of host[begin, end) left of the registrable domain.
void analyse_host_labels(TemplateBuilder& builder, std::size_t begin, std::size_t end) {
  const std::string_view input = builder.input();
  if (end > begin && input[end - 1] == '.') --end;  // fully qualified form
  const std::string_view host = input.substr(begin, end - begin);
  if (host.empty() || is_ipv4_literal(host) || host.front() == '[') return;
  const std::size_t labels =
      1 + static_cast<std::size_t>(std::count(host.begin(), host.end(), '.'));
  const std::size_t last_dot = host.rfind('.');
  std::size_t kept = 2;
  if (last_dot != std::string_view::npos) {
    const std::size_t second_dot = host.substr(0, last_dot).rfind('.');
    const std::size_t second_begin = second_dot == std::string_view::npos ? 0 : second_dot + 1;
    if (is_ccTld_second_level(host.substr(second_begin, last_dot - second_begin),
                              host.substr(last_dot + 1))) {
      kept = 3;
    }
  }
  std::size_t label = begin;
  for (std::size_t index = 0; index + kept < labels; ++index) {
    const std::size_t dot = find_in(input, '.', label, end);
    const std::string_view text = input.substr(label, dot - label);
    if (text.empty()) ++builder.counters().dns_empty_label;
    // Punycode (RFC 3492) encodes a name someone chose, not an identifier.
    const bool punycode = text.size() >= 4 && ascii_fold(text[0]) == 'x' &&
                          ascii_fold(text[1]) == 'n' && text[2] == '-' && text[3] == '-';
    if (!punycode) analyse_piece(builder, label, dot, PieceContext::kDnsLabel);
    label = dot + 1;
  }
}

std::size_t count_malformed_escapes(std::string_view input) {
  std::size_t malformed = 0;
  for (std::size_t i = input.find('%'); i != std::string_view::npos; i = input.find('%', i + 1)) {
    const bool valid = i + 2 < input.size() && hex_digit_value(input[i + 1]) >= 0 &&
                       hex_digit_value(input[i + 2]) >= 0;
    if (!valid) ++malformed;
  }
  return malformed;
}

std::string_view bounded_input(std::string_view input, UrlAnalysis& out,
                               UrlTokenCounters& counters) {
  counters.percent_escape_malformed += count_malformed_escapes(input.substr(0, kMaxDecodedText));
  if (input.size() <= kMaxDecodedText) return input;
  ++counters.input_truncated;
  out.template_truncated = true;
  return input.substr(0, kMaxDecodedText);
}

// Length of "scheme://" at the start of an absolute-form target, or 0.
std::size_t scheme_prefix_length(std::string_view input) {
  const std::size_t colon = input.find("://");
  if (colon == std::string_view::npos || colon == 0) return 0;
  const auto scheme_char = [](char c) {
    return is_ascii_alnum(c) || c == '+' || c == '-' || c == '.';
  };
  const std::string_view scheme = input.substr(0, colon);
  const bool valid = !(scheme[0] >= '0' && scheme[0] <= '9') && scheme[0] != '+' &&
                     scheme[0] != '-' && scheme[0] != '.' &&
                     std::all_of(scheme.begin(), scheme.end(), scheme_char);
  return valid ? colon + 3 : 0;
}

// Parses the authority of an absolute-form target and judges its host; returns where the path
// starts.
std::size_t analyse_authority(TemplateBuilder& builder, std::size_t authority_begin) {
  const std::string_view input = builder.input();
  std::size_t authority_end = input.find_first_of("/?#", authority_begin);
  if (authority_end == std::string_view::npos) authority_end = input.size();
  builder.fold_literals_until(authority_end);
  const std::string_view authority = input.substr(authority_begin, authority_end - authority_begin);
  const std::size_t at = authority.rfind('@');
  const std::size_t host_begin = at == std::string_view::npos ? 0 : at + 1;
  std::size_t host_end = authority.rfind(':');
  if (host_end == std::string_view::npos || host_end < host_begin ||
      authority.find(']', host_begin) != std::string_view::npos) {
    host_end = authority.size();
  }
  analyse_host_labels(builder, authority_begin + host_begin, authority_begin + host_end);
  return authority_end;
}

}  // namespace

TokenJudgement judge_piece(std::string_view piece, PieceContext context) {
  if (context != PieceContext::kDnsLabel) return judge_folded(piece, context);
  if (piece.size() > kMaxFoldedLabel) return {};
  std::array<char, kMaxFoldedLabel> folded{};
  std::transform(piece.begin(), piece.end(), folded.begin(), ascii_fold);
  return judge_folded(std::string_view(folded.data(), piece.size()), context);
}

UrlAnalysis analyse_url(std::string_view target, UrlTokenCounters& counters) {
  UrlAnalysis out;
  ++counters.urls_analysed;
  const std::string_view input = bounded_input(target, out, counters);
  TemplateBuilder builder(input, out, counters);
  const std::size_t scheme_length = scheme_prefix_length(input);
  const std::size_t path_begin = scheme_length > 0 ? analyse_authority(builder, scheme_length) : 0;
  const std::size_t hash = find_in(input, '#', path_begin, input.size());
  const std::size_t question = find_in(input, '?', path_begin, hash);
  analyse_path(builder, path_begin, question);
  if (question < hash) analyse_parameters(builder, question + 1, hash);
  if (hash < input.size()) analyse_parameters(builder, hash + 1, input.size());
  builder.finish();
  return out;
}

UrlAnalysis analyse_url(std::string_view target) {
  UrlTokenCounters ignored;
  return analyse_url(target, ignored);
}

UrlAnalysis analyse_dns_name(std::string_view name, UrlTokenCounters& counters) {
  UrlAnalysis out;
  ++counters.dns_names_analysed;
  const std::string_view input = bounded_input(name, out, counters);
  TemplateBuilder builder(input, out, counters);
  builder.fold_literals_until(input.size());
  analyse_host_labels(builder, 0, input.size());
  builder.finish();
  return out;
}

UrlAnalysis analyse_dns_name(std::string_view name) {
  UrlTokenCounters ignored;
  return analyse_dns_name(name, ignored);
}

std::string_view token_kind_name(TokenKind kind) {
  switch (kind) {
    case TokenKind::kHex:
      return "hex";
    case TokenKind::kUuid:
      return "uuid";
    case TokenKind::kBase64:
      return "b64";
    case TokenKind::kBase64Url:
      return "b64url";
    case TokenKind::kBase32:
      return "b32";
    case TokenKind::kDecimal:
      return "num";
    case TokenKind::kMixed:
      return "tok";
  }
  return "tok";
}

}  // namespace bw::detect
