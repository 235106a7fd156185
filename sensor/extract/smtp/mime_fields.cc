#include "sensor/extract/smtp/mime_fields.h"

#include "sensor/extract/smtp/mail_text.h"

namespace bw::extract::smtp {
namespace {

MediaKind media_kind(std::string_view type, std::string_view subtype) {
  if (iequals(type, "text")) {
    if (iequals(subtype, "html")) return MediaKind::kTextHtml;
    if (iequals(subtype, "plain")) return MediaKind::kTextPlain;
    return MediaKind::kOther;
  }
  if (iequals(type, "multipart")) return MediaKind::kMultipart;
  if (iequals(type, "message") && (iequals(subtype, "rfc822") || iequals(subtype, "global"))) {
    return MediaKind::kMessage;
  }
  return MediaKind::kOther;
}

// Reads one parameter value (token or quoted-string) from the front of text into out.
template <std::size_t N>
void read_parameter_value(std::string_view& text, FixedString<N>& out) {
  out.clear();
  if (text.empty() || text.front() != '"') {
    const std::size_t end = text.find(';');
    out.assign(trim(text.substr(0, end)));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end);
    return;
  }
  std::size_t i = 1;
  for (; i < text.size() && text[i] != '"'; ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) ++i;
    out.push_back(text[i]);
  }
  text.remove_prefix(i < text.size() ? i + 1 : i);
}

}  // namespace

ContentType parse_content_type(std::string_view value) {
  ContentType result;
  std::string_view rest = value;
  const std::size_t media_end = rest.find(';');
  const std::string_view media = trim(rest.substr(0, media_end));
  rest.remove_prefix(media_end == std::string_view::npos ? rest.size() : media_end);
  const std::size_t slash = media.find('/');
  if (slash == std::string_view::npos) return result;  // unusable: treated as the default
  result.kind = media_kind(trim(media.substr(0, slash)), trim(media.substr(slash + 1)));
  while (!rest.empty()) {
    rest.remove_prefix(1);  // the ';'
    const std::size_t equals = rest.find('=');
    const std::size_t next = rest.find(';');
    if (equals == std::string_view::npos || (next != std::string_view::npos && next < equals)) {
      if (next == std::string_view::npos) break;
      rest.remove_prefix(next);
      continue;
    }
    const std::string_view name = trim(rest.substr(0, equals));
    rest.remove_prefix(equals + 1);
    while (!rest.empty() && is_space(rest.front()))
      rest.remove_prefix(1);
    FixedString<kMaxBoundary + 1> parameter;
    read_parameter_value(rest, parameter);
    if (iequals(name, "boundary")) result.boundary = parameter;
    const std::size_t after = rest.find(';');
    rest.remove_prefix(after == std::string_view::npos ? rest.size() : after);
  }
  return result;
}

std::string_view next_address_entry(std::string_view& list) {
  bool quoted = false;
  int angle = 0;
  int paren = 0;
  std::size_t i = 0;
  for (; i < list.size(); ++i) {
    const char c = list[i];
    if (quoted) {
      if (c == '\\' && i + 1 < list.size()) {
        ++i;  // the escaped character
      } else if (c == '"') {
        quoted = false;
      }
      continue;
    }
    if (c == '"') quoted = true;
    if (c == '<') ++angle;
    if (c == '>' && angle > 0) --angle;
    if (c == '(') ++paren;
    if (c == ')' && paren > 0) --paren;
    if (angle == 0 && paren == 0 && (c == ',' || c == ';' || c == ':')) break;
  }
  std::string_view entry = list.substr(0, i);
  // A group name ("team:") is an entry of its own; it has no "@" and is skipped.
  list.remove_prefix(i < list.size() ? i + 1 : i);
  return entry;
}

std::string_view address_of_entry(std::string_view entry) {
  const std::size_t open = entry.rfind('<');
  if (open != std::string_view::npos) {
    const std::size_t close = entry.find('>', open);
    entry = entry.substr(
        open + 1, close == std::string_view::npos ? std::string_view::npos : close - open - 1);
  } else if (const std::size_t comment = entry.find('('); comment != std::string_view::npos) {
    entry = entry.substr(0, comment);
  }
  entry = trim(entry);
  // A source route ("<@relay:a@x>") is obsolete syntax; the mailbox follows its last colon.
  if (const std::size_t colon = entry.rfind(':'); colon != std::string_view::npos) {
    entry.remove_prefix(colon + 1);
  }
  return entry.find('@') == std::string_view::npos ? std::string_view{} : entry;
}

AddResult add_address(FixedVector<Address, kMaxRecipients>& list, std::string_view address) {
  for (const Address& known : list) {
    if (iequals(known.view(), address)) return AddResult::kDuplicate;
  }
  return list.push_back(Address(address)) ? AddResult::kAdded : AddResult::kFull;
}

}  // namespace bw::extract::smtp
