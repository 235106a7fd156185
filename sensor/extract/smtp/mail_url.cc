#include "sensor/extract/smtp/mail_url.h"

#include "sensor/extract/smtp/mail_text.h"

namespace bw::extract::smtp {
namespace {

bool is_control_or_space(char c) {
  return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
}

std::string_view trim_controls(std::string_view text) {
  while (!text.empty() && is_control_or_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_control_or_space(text.back()))
    text.remove_suffix(1);
  return text;
}

std::size_t scheme_length(std::string_view url) {
  if (istarts_with(url, "http://")) return 7;
  if (istarts_with(url, "https://")) return 8;
  return 0;
}

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ull;
  }
  return hash;
}

}  // namespace

std::string_view url_kind_name(UrlKind kind) {
  switch (kind) {
    case UrlKind::kImage:
      return "img";
    case UrlKind::kLink:
      return "link";
    case UrlKind::kCss:
      return "css";
  }
  return "link";
}

std::string_view url_host(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  std::string_view authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#\\"));
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    return close == std::string_view::npos ? authority : authority.substr(0, close + 1);
  }
  return authority.substr(0, authority.find(':'));
}

UrlVerdict make_mail_url(std::string_view raw, UrlKind kind, MailUrl& url) {
  url.url.clear();
  url.host.clear();
  url.kind = kind;
  const std::string_view text = trim_controls(raw);
  if (scheme_length(text) == 0) return UrlVerdict::kNotHttp;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\t' || text[i] == '\r' || text[i] == '\n') {
      url.url.append(text.substr(start, i - start));
      start = i + 1;
    }
  }
  const std::string_view host = url_host(url.url.view());
  if (host.empty()) return UrlVerdict::kNotHttp;
  for (const char c : host)
    url.host.push_back(ascii_lower(c));
  return UrlVerdict::kOk;
}

void UrlSet::clear() {
  slots_.fill(0);
  size_ = 0;
}

UrlSet::Insert UrlSet::insert(std::string_view url) {
  std::uint64_t hash = fnv1a(url);
  if (hash == 0) hash = 1;
  std::size_t slot = hash % kSlots;
  while (slots_[slot] != 0) {
    if (slots_[slot] == hash) return Insert::kPresent;
    slot = (slot + 1) % kSlots;
  }
  if (size_ == kCapacity) return Insert::kFull;
  slots_[slot] = hash;
  ++size_;
  return Insert::kAdded;
}

}  // namespace bw::extract::smtp
