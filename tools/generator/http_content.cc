#include "tools/generator/http_content.h"

#include <cstdio>
#include <ctime>

namespace bw::gen {
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";

std::string hex(Rng& rng, std::size_t digits) {
  std::string out;
  for (std::size_t i = 0; i < digits; ++i)
    out.push_back(kHexDigits[rng.below(16)]);
  return out;
}

bool has_header(const HttpMessage& m, std::string_view name) {
  return m.header(name) != nullptr;
}

constexpr std::string_view kOutlookBuilds[] = {"16.0.17928", "16.0.18129", "16.0.17726",
                                               "16.0.18025", "16.0.5461"};
constexpr std::string_view kThunderbirdVersions[] = {"115.16.0", "128.5.2", "128.6.0"};

}  // namespace

const std::string* HttpMessage::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < key.size() && same; ++i) {
      same = (key[i] | 0x20) == (name[i] | 0x20);
    }
    if (same) return &value;
  }
  return nullptr;
}

Bytes serialize(const HttpMessage& message) {
  Bytes out;
  ByteWriter w(out);
  w.text(message.start_line).text("\r\n");
  for (const auto& [name, value] : message.headers)
    w.text(name).text(": ").text(value).text("\r\n");
  const bool is_request = message.start_line.rfind("HTTP/", 0) != 0;
  if (!message.chunk_sizes.empty()) {
    if (!has_header(message, "Transfer-Encoding")) w.text("Transfer-Encoding: chunked\r\n");
  } else if (!has_header(message, "Content-Length") && (!is_request || !message.body.empty()) &&
             message.start_line.find(" 204 ") == std::string::npos) {
    w.text("Content-Length: ").text(std::to_string(message.body.size())).text("\r\n");
  }
  w.text("\r\n");
  if (message.chunk_sizes.empty()) {
    w.bytes(message.body);
    return out;
  }
  std::size_t offset = 0;
  for (std::size_t i = 0; offset < message.body.size(); ++i) {
    const std::size_t want = message.chunk_sizes[std::min(i, message.chunk_sizes.size() - 1)];
    const std::size_t size = std::min(want, message.body.size() - offset);
    char length[16];
    std::snprintf(length, sizeof length, "%zx\r\n", size);
    w.text(length).bytes(ByteSpan(message.body.data() + offset, size)).text("\r\n");
    offset += size;
  }
  w.text("0\r\n\r\n");
  return out;
}

std::size_t header_block_length(const HttpMessage& message) {
  const Bytes wire = serialize(message);
  const std::string_view text(reinterpret_cast<const char*>(wire.data()), wire.size());
  const std::size_t end = text.find("\r\n\r\n");
  return end == std::string_view::npos ? wire.size() : end + 4;
}

std::string mail_client_user_agent(MailClient client, Rng& rng) {
  switch (client) {
    case MailClient::kOutlook:
      return "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook " +
             std::string(rng.pick(kOutlookBuilds)) + "; Pro)";
    case MailClient::kAppleMail:
      // Mail.app's WebKit view announces no Safari token, which is how it is told apart.
      return "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
             "Gecko)";
    case MailClient::kThunderbird: {
      const std::string version(rng.pick(kThunderbirdVersions));
      return "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:" + version.substr(0, 3) +
             ".0) Gecko/20100101 Thunderbird/" + version;
    }
  }
  return {};
}

std::string browser_user_agent(Browser browser) {
  switch (browser) {
    case Browser::kChrome:
      return "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/131.0.0.0 Safari/537.36";
    case Browser::kEdge:
      return "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
    case Browser::kFirefox:
      return "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
    case Browser::kSafari:
      return "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
             "Gecko) Version/18.1 Safari/605.1.15";
  }
  return {};
}

std::string base64url(ByteSpan data) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::uint8_t byte : data) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(buffer >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (6 - bits)) & 0x3f]);
  return out;
}

std::string make_token(TokenStyle style, Rng& rng, std::string_view email) {
  switch (style) {
    case TokenStyle::kHex32:
      return hex(rng, 32);
    case TokenStyle::kUuid: {
      // Version 4, variant 10xx.
      // Every draw in a statement of its own (here and in the rest of the generator): the order
      // in which C++ evaluates a call's arguments or a `+` chain's operands is unspecified, and
      // GCC goes right to left on x86-64 but left to right on aarch64, which gave the two
      // architectures different captures. The order below is the one the baselines were made with.
      const std::string group3 = hex(rng, 3);
      const std::string group2 = hex(rng, 4);
      const std::string group1 = hex(rng, 8);
      std::string u = group1 + "-" + group2 + "-4" + group3 + "-";
      u.push_back(kHexDigits[8 + rng.below(4)]);
      const std::string group5 = hex(rng, 12);
      const std::string group4 = hex(rng, 3);
      return u + group4 + "-" + group5;
    }
    case TokenStyle::kBase64UrlEmail:
      return base64url(ByteSpan(reinterpret_cast<const std::uint8_t*>(email.data()), email.size()));
    case TokenStyle::kNumericSigned:
      const std::string signature = hex(rng, 16);
      return std::to_string(rng.range(100000, 9999999)) + "." + signature;
  }
  return {};
}

std::string http_date(TimestampNs ts) {
  const std::time_t seconds = static_cast<std::time_t>(ts / kNsPerSecond);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[40];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return buffer;
}

HttpMessage pixel_request(MailClient client, std::string_view host, std::string_view uri,
                          Rng& rng) {
  HttpMessage m;
  m.start_line = "GET " + std::string(uri) + " HTTP/1.1";
  const std::string agent = mail_client_user_agent(client, rng);
  switch (client) {
    case MailClient::kOutlook:
      m.add("Accept", "image/*");
      m.add("Accept-Encoding", "gzip, deflate");
      m.add("User-Agent", agent);
      m.add("Host", std::string(host));
      m.add("Connection", "Keep-Alive");
      break;
    case MailClient::kAppleMail:
      m.add("Host", std::string(host));
      m.add("Accept",
            "image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,"
            "image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5");
      m.add("User-Agent", agent);
      m.add("Accept-Language", "en-GB,en;q=0.9");
      m.add("Accept-Encoding", "gzip, deflate");
      m.add("Connection", "keep-alive");
      break;
    case MailClient::kThunderbird:
      m.add("Host", std::string(host));
      m.add("User-Agent", agent);
      m.add("Accept", "image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5");
      m.add("Accept-Language", "en-US,en;q=0.5");
      m.add("Accept-Encoding", "gzip, deflate");
      m.add("Connection", "keep-alive");
      break;
  }
  return m;
}

HttpMessage pixel_response(std::uint16_t status, ByteSpan image, std::string_view content_type,
                           TimestampNs ts) {
  HttpMessage m;
  m.start_line = status == 204 ? "HTTP/1.1 204 No Content" : "HTTP/1.1 200 OK";
  m.add("Server", "nginx");
  m.add("Date", http_date(ts));
  if (status != 204) m.add("Content-Type", std::string(content_type));
  if (status != 204) m.add("Content-Length", std::to_string(image.size()));
  m.add("Connection", "keep-alive");
  m.add("Cache-Control", "no-cache, no-store, must-revalidate, max-age=0");
  m.add("Pragma", "no-cache");
  m.add("Expires", "Thu, 01 Jan 1970 00:00:00 GMT");
  if (status != 204) m.body.assign(image.begin(), image.end());
  return m;
}

HttpMessage redirect_response(std::string_view location, TimestampNs ts) {
  HttpMessage m;
  m.start_line = "HTTP/1.1 302 Found";
  m.add("Server", "nginx");
  m.add("Date", http_date(ts));
  m.add("Content-Type", "text/html");
  m.add("Content-Length", "0");
  m.add("Connection", "keep-alive");
  m.add("Location", std::string(location));
  m.add("Cache-Control", "no-cache, no-store");
  return m;
}

HttpMessage browser_request(Browser browser, std::string_view host, std::string_view uri,
                            std::string_view accept, std::string_view referer,
                            std::string_view cookie) {
  HttpMessage m;
  m.start_line = "GET " + std::string(uri) + " HTTP/1.1";
  m.add("Host", std::string(host));
  m.add("Connection", "keep-alive");
  const bool document = accept.rfind("text/html", 0) == 0;
  if (document) m.add("Upgrade-Insecure-Requests", "1");
  m.add("User-Agent", browser_user_agent(browser));
  m.add("Accept", std::string(accept));
  if (!referer.empty()) m.add("Referer", std::string(referer));
  m.add("Accept-Encoding", "gzip, deflate");
  m.add("Accept-Language", "en-GB,en;q=0.9,fr;q=0.8,de;q=0.7");
  if (!cookie.empty()) m.add("Cookie", std::string(cookie));
  return m;
}

HttpMessage content_response(std::string_view content_type, Bytes body, TimestampNs ts,
                             bool set_cookie, Rng& rng) {
  HttpMessage m;
  m.start_line = "HTTP/1.1 200 OK";
  m.add("Date", http_date(ts));
  m.add("Server", "Apache");
  m.add("Content-Type", std::string(content_type));
  m.add("Cache-Control", content_type.rfind("text/html", 0) == 0 ? "private, max-age=0"
                                                                 : "public, max-age=31536000");
  m.add("ETag", "\"" + hex(rng, 16) + "\"");
  if (set_cookie) m.add("Set-Cookie", "sid=" + hex(rng, 24) + "; Path=/; HttpOnly; SameSite=Lax");
  m.add("Keep-Alive", "timeout=5, max=100");
  m.add("Connection", "Keep-Alive");
  m.body = std::move(body);
  return m;
}

Bytes html_page(Rng& rng, std::string_view title, const std::vector<std::string>& assets) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>";
  html += title;
  html += "</title>\n";
  for (const std::string& asset : assets) {
    if (asset.ends_with(".css")) html += "<link rel=\"stylesheet\" href=\"" + asset + "\">\n";
    if (asset.ends_with(".js")) html += "<script src=\"" + asset + "\" defer></script>\n";
  }
  html += "</head>\n<body>\n<main>\n";
  const std::size_t paragraphs = rng.range(6, 20);
  for (std::size_t i = 0; i < paragraphs; ++i) {
    html += "<p>Committee members reviewed amendment " + std::to_string(rng.range(1, 400)) +
            " to the draft regulation on digital services and agreed to resume the debate at "
            "the next plenary session.</p>\n";
  }
  for (const std::string& asset : assets) {
    if (asset.ends_with(".jpg")) html += "<img src=\"" + asset + "\" alt=\"\">\n";
  }
  html += "</main>\n</body>\n</html>\n";
  return Bytes(html.begin(), html.end());
}

Bytes text_asset(Rng& rng, std::string_view kind, std::size_t size) {
  std::string text;
  std::size_t rule = 0;
  while (text.size() < size) {
    if (kind == "css") {
      const std::string color = hex(rng, 6);  // drawn first (see make_token)
      text += ".block-" + std::to_string(rule++) +
              "{margin:0 auto;padding:" + std::to_string(rng.range(0, 32)) + "px;color:#" + color +
              "}\n";
    } else {
      text += "function f" + std::to_string(rule++) + "(e){return e&&e.target?e.target.dataset." +
              "id:null}\n";
    }
  }
  return Bytes(text.begin(), text.end());
}

}  // namespace bw::gen
