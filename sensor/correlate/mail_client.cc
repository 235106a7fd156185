#include "sensor/correlate/mail_client.h"

#include <array>
#include <utility>

#include "sensor/common/ascii.h"

namespace bw::correlate {
namespace {

bool ends_with_label(std::string_view host, std::string_view suffix) {
  if (host.size() < suffix.size()) return false;
  if (host.substr(host.size() - suffix.size()) != suffix) return false;
  return host.size() == suffix.size() || host[host.size() - suffix.size() - 1] == '.';
}

}  // namespace

std::string_view mail_client_from_user_agent(std::string_view ua) {
  // Needles are lower case; matching is case-insensitive.
  // "Microsoft Office/16.0" alone is also the Office updater and other Office apps; Outlook's
  // image fetches name Outlook or carry the ms-office compatibility token.
  if (contains_ci(ua, "microsoft outlook") || contains_ci(ua, "ms-office") ||
      contains_ci(ua, "msoffice")) {
    return "outlook";
  }
  if (contains_ci(ua, "thunderbird")) return "thunderbird";
  if (contains_ci(ua, "windows-mail") || contains_ci(ua, "windows live mail")) {
    return "windows-mail";
  }
  if (contains_ci(ua, "googleimageproxy")) return "gmail-image-proxy";
  if (contains_ci(ua, "yahoomailproxy")) return "yahoo-image-proxy";
  // Apple Mail and iOS Mail load remote content with WebKit but, unlike Safari, without a
  // "Safari/" or "Version/" token; browsers embedding WebKit (Chrome, Firefox on iOS) add theirs.
  if (contains_ci(ua, "applewebkit") && !contains_ci(ua, "safari") &&
      !contains_ci(ua, "version/") && !contains_ci(ua, "chrome") && !contains_ci(ua, "crios") &&
      !contains_ci(ua, "fxios") && !contains_ci(ua, "edg")) {
    return "apple-mail";
  }
  return {};
}

std::string_view webmail_from_referer(std::string_view referer) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kWebmail = {{
      {"mail.google.com", "webmail:gmail"},
      {"outlook.live.com", "webmail:outlook"},
      {"outlook.office.com", "webmail:outlook"},
      {"outlook.office365.com", "webmail:outlook"},
      {"mail.yahoo.com", "webmail:yahoo"},
      {"mail.proton.me", "webmail:proton"},
      {"webmail.", "webmail:generic"},
      {"/owa/", "webmail:owa"},
      {"://mail.", "webmail:generic"},
  }};
  for (const auto& [needle, name] : kWebmail) {
    if (contains_ci(referer, needle)) return name;
  }
  return {};
}

std::string_view privacy_proxy_from_host(std::string_view host) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kProxies = {{
      {"googleusercontent.com", "gmail-image-proxy"},
      {"ggpht.com", "gmail-image-proxy"},
      {"yusercontent.com", "yahoo-image-proxy"},
      {"mail-privacy.apple.com", "apple-mail-privacy-protection"},
      {"mask.icloud.com", "apple-mail-privacy-protection"},
  }};
  for (const auto& [suffix, name] : kProxies) {
    if (ends_with_label(host, suffix)) return name;
  }
  return {};
}

}  // namespace bw::correlate
