#include "tools/generator/scenario.h"

#include <algorithm>
#include <initializer_list>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tools/generator/images.h"
#include "tools/generator/profile_parts.h"

namespace bw::gen {
namespace {

// The office is the same in both profiles whatever the seed, so a sensor replaying `history`
// then `apt` knows every member host and every site they use.
constexpr std::uint64_t kParliamentSeed = 0x7061726c69616d65ULL;
constexpr std::size_t kMaxMembers = 250 * 200;
constexpr const char* kMailDomain = "nat-assembly.eu";
constexpr const char* kIntranetHost = "intranet.nat-assembly.eu";
constexpr const char* kStatsHost = "stats.nat-assembly.eu";
constexpr const char* kDocsApiHost = "docs-api.nat-assembly.eu";

// One letter away from a real Brussels news outlet; registered for the campaign, so never seen
// before the wave.
constexpr const char* kLookalikeDomain = "euobserver-news.com";
constexpr const char* kTrackerHost = "news.euobserver-news.com";
constexpr const char* kTokenDnsParent = ".t.euobserver-news.com";

constexpr const char* kFirstNames[] = {
    "anna",   "lukas",  "marie", "jan",    "sofia",  "pieter", "elena",  "marco", "ines",
    "tomas",  "katrin", "joao",  "agnes",  "mikkel", "claire", "stefan", "laura", "niels",
    "zuzana", "andrei", "maria", "viktor", "eva",    "paolo",  "helena", "ruth",  "oskar"};
constexpr const char* kLastNames[] = {
    "novak",   "schmidt", "dubois",  "rossi",  "janssen", "kowalski",     "silva",
    "nielsen", "garcia",  "weber",   "horvat", "murphy",  "lindqvist",    "papadopoulos",
    "varga",   "popescu", "berzins", "kask",   "moreau",  "van der berg", "costa"};

// How a member reads mail; decides the user agent, TLS stack and whether a Referer is sent.
enum class Reader : std::uint8_t { kOutlook, kAppleMail, kIosMail, kThunderbird, kWebmail };

struct Member {
  Host* host = nullptr;
  std::string address;
  Reader reader = Reader::kOutlook;
  Browser browser = Browser::kChrome;
};

struct Parliament {
  std::vector<Member> members;
};

std::size_t member_count(std::size_t scale) {
  return std::min(kScenarioMembersPerScale * scale, kMaxMembers);
}

std::string local_part(std::string_view name) {
  std::string out(name);
  std::replace(out.begin(), out.end(), ' ', '-');
  return out;
}

// Addresses and readers drawn from the fixed seed; the same draws build the hosts.
std::vector<Member> draw_members(std::size_t scale, Rng& rng) {
  std::vector<Member> members(member_count(scale));
  std::set<std::string> taken;
  for (Member& m : members) {
    const std::string last =
        local_part(rng.pick(kLastNames));  // drawn first (see make_token in http_content.cc)
    const std::string base = std::string(rng.pick(kFirstNames)) + "." + last;
    std::string local = base;
    for (int n = 2; !taken.insert(local).second; ++n)
      local = base + std::to_string(n);
    m.address = local + "@" + kMailDomain;
    const double draw = rng.unit();
    m.reader = draw < 0.45   ? Reader::kOutlook
               : draw < 0.6  ? Reader::kAppleMail
               : draw < 0.72 ? Reader::kIosMail
               : draw < 0.8  ? Reader::kThunderbird
                             : Reader::kWebmail;
  }
  return members;
}

HostOs os_of(Reader reader, Rng& rng) {
  switch (reader) {
    case Reader::kOutlook:
      return HostOs::kWindows;
    case Reader::kAppleMail:
    case Reader::kIosMail:
      return HostOs::kMacos;
    case Reader::kThunderbird:
      return rng.chance(0.5) ? HostOs::kWindows : HostOs::kLinux;
    case Reader::kWebmail:
      return rng.chance(0.7) ? HostOs::kWindows : HostOs::kMacos;
  }
  return HostOs::kLinux;
}

Parliament make_parliament(World& world) {
  Rng rng(kParliamentSeed);
  Parliament p;
  p.members = draw_members(world.options().scale, rng);
  for (std::size_t i = 0; i < p.members.size(); ++i) {
    Member& m = p.members[i];
    const HostOs os = os_of(m.reader, rng);
    const IpAddress v4 = ipv4_address(10, 60, static_cast<std::uint8_t>(1 + i / 250),
                                      static_cast<std::uint8_t>(2 + i % 250));
    m.host = &world.add_host(make_client(rng, os, v4, IpAddress{}));
    m.browser = browser_of(*m.host, rng);
  }
  return p;
}

std::string hex_token(Rng& rng, std::size_t length) {
  return make_token(TokenStyle::kHex32, rng, "").substr(0, length);
}

// ------------------------------------------------------------------------------------------
// Benign traffic that shares a beacon's features: tokens, tiny images, 204s, no Referer.

HttpConnection single(HttpExchange exchange, TcpClose close = TcpClose::kServerFin) {
  HttpConnection c;
  c.exchanges.push_back(std::move(exchange));
  c.close = close;
  return c;
}

HttpMessage app_request(std::string_view method, std::string_view host, std::string_view uri,
                        std::string_view agent, std::string_view accept) {
  HttpMessage m;
  m.start_line = std::string(method) + " " + std::string(uri) + " HTTP/1.1";
  m.add("Host", std::string(host));
  m.add("User-Agent", std::string(agent));
  m.add("Accept", std::string(accept));
  m.add("Connection", "Keep-Alive");
  return m;
}

HttpMessage typed_response(std::uint16_t status, std::string_view type, Bytes body,
                           std::string_view cache_control, TimestampNs ts) {
  HttpMessage m;
  m.start_line = status == 204 ? "HTTP/1.1 204 No Content" : "HTTP/1.1 200 OK";
  m.add("Date", http_date(ts));
  if (status != 204) m.add("Content-Type", std::string(type));
  m.add("Cache-Control", std::string(cache_control));
  m.add("Connection", "keep-alive");
  m.body = std::move(body);
  return m;
}

Bytes random_bytes(Rng& rng, std::size_t size) {
  Bytes out(size);
  rng.fill(std::span<std::uint8_t>(out.data(), out.size()));
  return out;
}

void put_le(Bytes& out, std::uint32_t value, int width) {
  for (int i = 0; i < width; ++i)
    out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

// A 16x16 32-bit icon: ICONDIR, one entry, BITMAPINFOHEADER, XOR pixels and AND mask.
Bytes favicon(Rng& rng) {
  constexpr std::uint32_t kImageBytes = 40 + 16 * 16 * 4 + 16 * 4;
  Bytes out;
  for (const auto& [value, width] : std::initializer_list<std::pair<std::uint32_t, int>>{
           {0, 2},           {1, 2},
           {1, 2},  // ICONDIR: reserved, icon, count
           {16, 1},          {16, 1},
           {0, 1},           {0, 1},
           {1, 2},           {32, 2},  // entry: size, planes, depth
           {kImageBytes, 4}, {22, 4},  // entry: length, offset
           {40, 4},          {16, 4},
           {32, 4},          {1, 2},
           {32, 2},  // header: XOR and AND stacked: 2x height
           {0, 4},           {16 * 16 * 4 + 16 * 4, 4},
           {0, 4},           {0, 4},
           {0, 4},           {0, 4}}) {
    put_le(out, value, width);
  }
  const Bytes pixels = random_bytes(rng, 16 * 16 * 4);
  out.insert(out.end(), pixels.begin(), pixels.end());
  out.resize(out.size() + 16 * 4, 0);
  return out;
}

// Windows checks certificates over OCSP (RFC 6960 A.1 GET form: base64 of the DER request).
void ocsp_check(World& world, Member& m, TimestampNs at, Rng& rng) {
  Site& site = world.site("ocsp.digicert.com", {"ocsp.edge.digicert.com"});
  const TimestampNs ready = resolve(world, *m.host, site, at);
  const Bytes der = random_bytes(rng, 57);
  HttpExchange e;
  e.request =
      app_request("GET", site.name, "/" + base64url(der), "Microsoft-CryptoAPI/10.0", "*/*");
  const std::string max_age =
      std::to_string(rng.range(80000, 170000));  // drawn first (see make_token in http_content.cc)
  e.response = typed_response(200, "application/ocsp-response", random_bytes(rng, 471),
                              "max-age=" + max_age, ready);
  http_connection(world, ends_to(world, *m.host, *site.ipv4), ready + us(200), single(e));
}

// Root-store and Office updates: cleartext, with hashes and GUIDs in their paths.
void update_check(World& world, Member& m, TimestampNs at, Rng& rng) {
  const bool office = m.host->os == HostOs::kWindows && rng.chance(0.5);
  Site& site =
      office ? world.site("officecdn.microsoft.com", {"officecdn.microsoft.com.edgesuite.net"})
             : world.site("ctldl.windowsupdate.com", {"wu-b-net.trafficmanager.net"});
  const TimestampNs ready = resolve(world, *m.host, site, at);
  HttpExchange e;
  if (office) {
    const std::string revision =
        std::to_string(rng.range(20000, 20300));  // drawn first (see make_token in http_content.cc)
    e.request = app_request("GET", site.name,
                            "/pr/492350f6-3a01-4f97-b9c0-c7c6ddf67d60/Office/Data/v64_16.0." +
                                std::to_string(rng.range(17000, 18500)) + "." + revision + ".cab",
                            "Microsoft Office/16.0", "*/*");
  } else {
    e.request = app_request(
        "GET", site.name,
        "/msdownload/update/v3/static/trustedr/en/authrootstl.cab?" + hex_token(rng, 16),
        "Microsoft-CryptoAPI/10.0", "*/*");
  }
  e.response =
      typed_response(200, "application/vnd.ms-cab-compressed",
                     random_bytes(rng, rng.range(2000, 6000)), "public, max-age=3600", ready);
  http_connection(world, ends_to(world, *m.host, *site.ipv4), ready + us(200), single(e));
}

// Captive-portal probes answer 204 or a one-line text to every client, many times a day.
void connectivity_probe(World& world, Member& m, TimestampNs at, Rng& rng) {
  const bool windows = m.host->os == HostOs::kWindows;
  Site& site = windows ? world.site("www.msftconnecttest.com", {"www.msftncsi.com.edgesuite.net"})
                       : world.site("connectivitycheck.gstatic.com");
  const TimestampNs ready = resolve(world, *m.host, site, at);
  HttpExchange e;
  if (windows) {
    e.request = app_request("GET", site.name, "/connecttest.txt", "Microsoft NCSI", "*/*");
    const std::string text = "Microsoft Connect Test";
    e.response = typed_response(200, "text/plain", Bytes(text.begin(), text.end()),
                                "max-age=30, must-revalidate", ready);
  } else {
    e.request =
        app_request("GET", site.name, "/generate_204", browser_user_agent(m.browser), "*/*");
    e.response = typed_response(204, "", {}, "no-cache, no-store, must-revalidate", ready);
  }
  e.think = jitter(rng, ms(1), ms(8));
  http_connection(world, ends_to(world, *m.host, *site.ipv4), ready + us(200), single(e));
}

// An intranet page: hashed assets from the intranet CDN path, the favicon, and the Matomo
// analytics pixel with a visitor id, all with Referer and cookie.
void intranet_page(World& world, Member& m, TimestampNs at, Rng& rng) {
  Site& intranet = world.site(kIntranetHost, {}, false, ipv4_address(10, 60, 250, 80));
  Site& stats = world.site(kStatsHost, {}, false, ipv4_address(10, 60, 250, 81));
  const TimestampNs ready = resolve(world, *m.host, intranet, at);
  const std::string page = "http://" + std::string(kIntranetHost) + "/plenary/agenda";
  const std::string cookie = "PHPSESSID=" + hex_token(rng, 26);
  const std::vector<std::string> assets = {"/build/app." + hex_token(rng, 20) + ".js",
                                           "/build/styles." + hex_token(rng, 20) + ".css",
                                           "/favicon.ico"};
  HttpConnection c;
  HttpExchange doc;
  doc.request = browser_request(m.browser, kIntranetHost, "/plenary/agenda",
                                "text/html,application/xhtml+xml,*/*;q=0.8", "", cookie);
  doc.response = content_response("text/html; charset=utf-8", html_page(rng, "Agenda", assets),
                                  ready, false, rng);
  c.exchanges.push_back(doc);
  for (const std::string& asset : assets) {
    HttpExchange e;
    const bool icon = asset == "/favicon.ico";
    e.request =
        browser_request(m.browser, kIntranetHost, asset, icon ? "image/*" : "*/*", page, cookie);
    e.response =
        icon ? content_response("image/x-icon", favicon(rng), ready, false, rng)
             : content_response(
                   asset.ends_with(".js") ? "application/javascript" : "text/css",
                   text_asset(rng, asset.ends_with(".js") ? "js" : "css", rng.range(3000, 9000)),
                   ready, false, rng);
    e.client_pause = jitter(rng, ms(2), ms(25));
    c.exchanges.push_back(e);
  }
  http_connection(world, ends_to(world, *m.host, *intranet.ipv4), ready + us(150), c);

  HttpExchange hit;
  // In this order (see make_token in http_content.cc).
  const std::string cookie_value = hex_token(rng, 16);
  const std::string cookie_name = "_pk_id.3." + hex_token(rng, 4);
  const std::string visitor = hex_token(rng, 16);
  const std::string request_id = std::to_string(rng.range(100000, 999999));
  hit.request = browser_request(
      m.browser, kStatsHost,
      "/matomo.php?idsite=3&rec=1&r=" + request_id + "&_id=" + visitor +
          "&url=" + "http%3A%2F%2Fintranet.nat-assembly.eu%2Fplenary%2Fagenda",
      "image/avif,image/webp,image/apng,image/*,*/*;q=0.8", page, cookie_name + "=" + cookie_value);
  hit.response = pixel_response(200, gif_pixel(), "image/gif", ready);
  http_connection(world, ends_to(world, *m.host, *stats.ipv4), ready + ms(180), single(hit));
}

// A document-management client calling its JSON API with long ids; no browser, no cookie.
void api_call(World& world, Member& m, TimestampNs at, Rng& rng) {
  Site& api = world.site(kDocsApiHost, {}, false, ipv4_address(10, 60, 250, 90));
  const TimestampNs ready = resolve(world, *m.host, api, at);
  HttpExchange e;
  const std::string version =
      hex_token(rng, 24);  // drawn first (see make_token in http_content.cc)
  e.request = app_request(
      "GET", kDocsApiHost,
      "/api/v2/documents/" + make_token(TokenStyle::kUuid, rng, "") + "/versions/" + version,
      "DocFlow-Desktop/5.2 (Windows NT 10.0)", "application/json");
  e.request.add("Authorization", "Bearer " + base64url(random_bytes(rng, 48)));
  const std::string size =
      std::to_string(rng.range(1000, 900000));  // drawn first (see make_token in http_content.cc)
  const std::string json =
      "{\"id\":\"" + hex_token(rng, 24) + "\",\"size\":" + size + ",\"locked\":false}";
  e.response =
      typed_response(200, "application/json", Bytes(json.begin(), json.end()), "no-store", ready);
  http_connection(world, ends_to(world, *m.host, *api.ipv4), ready + us(150), single(e));
}

// An audience-measurement beacon from a news app: a cache-busted 204 with ids and no Referer.
void app_ad_beacon(World& world, Member& m, TimestampNs at, Rng& rng) {
  Site& site = world.site("sb.scorecardresearch.com", {"sb.scorecardresearch.com.akamaized.net"});
  const TimestampNs ready = resolve(world, *m.host, site, at);
  HttpExchange e;
  const std::string app_key =
      hex_token(rng, 32);  // drawn first (see make_token in http_content.cc)
  e.request = app_request("GET", site.name,
                          "/p?c1=2&c2=" + std::to_string(rng.range(3000000, 3999999)) +
                              "&ns_ap_an=EUNewsApp&ns_ak=" + app_key +
                              "&ns__t=" + std::to_string(at / 1'000'000),
                          "EUNewsApp/7.4 CFNetwork/1496.0.7 Darwin/23.5.0", "*/*");
  e.response = pixel_response(204, {}, "", ready);
  http_connection(world, ends_to(world, *m.host, *site.ipv4), ready + us(150), single(e));
}

// Web analytics, fonts and CDNs loaded by HTTPS pages; SaaS the office uses every day.
void https_services(World& world, Member& m, TimestampNs at, Rng& rng) {
  static const char* const kNames[] = {"www.google-analytics.com", "region1.google-analytics.com",
                                       "fonts.gstatic.com",        "cdn.jsdelivr.net",
                                       "ajax.googleapis.com",      "nat-assembly.sharepoint.com",
                                       "graph.microsoft.com",      "app.slack.com"};
  Site& site = world.site(rng.pick(kNames), {}, false);
  const TimestampNs ready = resolve(world, *m.host, site, at);
  TlsSession s;
  s.hello = hello_for(tls_client_of(m.browser), site.name, {"h2", "http/1.1"});
  s.response_bytes = rng.range(400, 6000);
  tls_connection(world, ends_to(world, *m.host, *site.ipv4), ready + us(200), s);
}

using Activity = void (*)(World&, Member&, TimestampNs, Rng&);

// One member's ordinary activity spread over [start, start + span].
void workday(World& world, Member& m, std::size_t index, TimestampNs start, TimestampNs span,
             Rng& rng) {
  static const Activity kHttpActivities[] = {ocsp_check,    update_check, connectivity_probe,
                                             intranet_page, api_call,     https_services};
  const std::size_t visits = rng.range(2, 4);
  for (std::size_t v = 0; v < visits; ++v) {
    const std::size_t budget =
        rng.range(1500, 8000);  // drawn first (see make_token in http_content.cc)
    browse_https(world, *m.host, start + jitter(rng, 0, span), rng, budget);
  }
  for (std::size_t a = 0; a < 3; ++a) {
    rng.pick(kHttpActivities)(world, m, start + jitter(rng, 0, span), rng);
  }
  if (m.reader == Reader::kIosMail && index % 3 == 0) {
    app_ad_beacon(world, m, start + jitter(rng, 0, span), rng);
  }
}

// ------------------------------------------------------------------------------------------
// Newsletters the members subscribe to: mostly big ESPs, some self-hosted senders.

struct Newsletter {
  const char* vendor;
  const char* host;
  TokenStyle style;
};

constexpr Newsletter kNewsletters[] = {
    {"mailchimp", "nat-assembly.us14.list-manage.com", TokenStyle::kHex32},
    {"sendgrid", "u4821977.ct.sendgrid.net", TokenStyle::kNumericSigned},
    {"substack", "email.mg1.substack.com", TokenStyle::kBase64UrlEmail},
    {"mautic", "m.eupolicy-digest.eu", TokenStyle::kBase64UrlEmail},
    {"epc-inhouse", "news.epc-briefings.eu", TokenStyle::kHex32},
};

std::string newsletter_uri(const Newsletter& n, Rng& rng, const std::string& address) {
  const std::string vendor = n.vendor;
  if (vendor == "mailchimp") {
    // Last field first (see make_token in http_content.cc).
    const std::string email_id = hex_token(rng, 10);
    const std::string list_id = hex_token(rng, 10);
    return "/track/open.php?u=" + hex_token(rng, 25) + "&id=" + list_id + "&e=" + email_id;
  }
  if (vendor == "sendgrid") return "/wf/open?upn=" + base64url(random_bytes(rng, 120));
  if (vendor == "substack") return "/o/eJ" + base64url(random_bytes(rng, 90));
  if (vendor == "mautic") {
    const std::string json =
        "{\"email\":\"" + address + "\",\"stat\":\"" + hex_token(rng, 20) + "\"}";
    return "/mtracking.gif?d=" +
           base64url(ByteSpan(reinterpret_cast<const std::uint8_t*>(json.data()), json.size()));
  }
  return "/track/open/" + make_token(n.style, rng, address) + ".gif";
}

MailClient plain_mail_client(Reader reader) {
  switch (reader) {
    case Reader::kOutlook:
      return MailClient::kOutlook;
    case Reader::kThunderbird:
      return MailClient::kThunderbird;
    default:
      return MailClient::kAppleMail;
  }
}

constexpr const char* kIosMailAgent =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148";

// The pixel request as the member's reader sends it; webmail pages send their origin as Referer.
HttpMessage reader_pixel_request(const Member& m, const std::string& host, const std::string& uri,
                                 Rng& rng) {
  if (m.reader == Reader::kWebmail) {
    const char* origin =
        rng.chance(0.5) ? "https://mail.nat-assembly.eu/" : "https://outlook.office.com/";
    return browser_request(m.browser, host, uri,
                           "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
                           origin, "");
  }
  HttpMessage request = pixel_request(plain_mail_client(m.reader), host, uri, rng);
  if (m.reader == Reader::kIosMail) {
    for (auto& [name, value] : request.headers) {
      if (name == "User-Agent") value = kIosMailAgent;
    }
  }
  return request;
}

void newsletter_open(World& world, Member& m, const Newsletter& n, TimestampNs at, Rng& rng) {
  const Labels labels{true, m.address, std::string("newsletter:") + n.vendor};
  Site& site = world.site(n.host);
  const TimestampNs ready = resolve(world, *m.host, site, at);
  if (rng.chance(0.25)) {
    beacon_over_tls(world, *m.host, site, ready + us(200), labels, plain_mail_client(m.reader),
                    rng);
    return;
  }
  HttpExchange e;
  e.request = reader_pixel_request(m, n.host, newsletter_uri(n, rng, m.address), rng);
  e.response = pixel_response(200, gif_pixel(), "image/gif", ready);
  e.think = jitter(rng, ms(3), ms(40));
  e.labels = labels;
  http_connection(world, ends_to(world, *m.host, *site.ipv4), ready + us(200), single(e));
}

void newsletter_reading(World& world, Parliament& p, TimestampNs start, TimestampNs span,
                        double fraction, Rng& rng) {
  for (Member& m : p.members) {
    if (!rng.chance(fraction)) continue;
    const TimestampNs opened =
        start + jitter(rng, 0, span);  // drawn first (see make_token in http_content.cc)
    newsletter_open(world, m, rng.pick(kNewsletters), opened, rng);
  }
}

// ------------------------------------------------------------------------------------------
// The APT31-style wave.

struct Wave {
  const char* campaign;
  TokenStyle style;
  TimestampNs sent;  // after the scenario's epoch
};

constexpr Wave kWaves[] = {
    {"apt31-wave1", TokenStyle::kHex32, 10LL * 60 * kNsPerSecond},
    {"apt31-wave2", TokenStyle::kBase64UrlEmail, 35LL * 60 * kNsPerSecond},
    {"apt31-wave3", TokenStyle::kUuid, 60LL * 60 * kNsPerSecond},
    {"apt31-wave4", TokenStyle::kNumericSigned, 85LL * 60 * kNsPerSecond},
};

std::string wave_pixel_uri(TokenStyle style, const std::string& token) {
  switch (style) {
    case TokenStyle::kHex32:
      return "/img/" + token + ".gif";
    case TokenStyle::kBase64UrlEmail:
      return "/u/" + token + "/logo.png";
    case TokenStyle::kUuid:
      return "/view/" + token + "/header.gif";
    case TokenStyle::kNumericSigned: {
      const std::size_t dot = token.find('.');
      return "/o?id=" + token.substr(0, dot) + "&sig=" + token.substr(dot + 1);
    }
  }
  return "/";
}

// People open mail soon after it lands, then less and less often: most within the first half
// hour, the last ones about two hours later.
TimestampNs open_delay(Rng& rng) {
  const double u = rng.unit() * rng.unit();
  return sec(30) + static_cast<TimestampNs>(u * 7000.0 * kNsPerSecond);
}

void wave_http_pixel(World& world, Member& m, const Site& tracker, TimestampNs at, const Wave& wave,
                     const std::string& token, bool token_host, Rng& rng) {
  const Labels beacon{true, m.address, wave.campaign};
  std::string host = tracker.name;
  TimestampNs ready = at;
  if (token_host) {
    // The token rides in the host name, so the lookup itself reveals the recipient.
    host = token + kTokenDnsParent;
    DnsLookup lookup;
    lookup.name = host;
    DnsRecord answer;
    answer.name = host;
    answer.ttl = 60;
    answer.address = tracker.ipv4->ipv4;
    lookup.answers.push_back(answer);
    lookup.labels = beacon;
    ready = dns_udp(world, ends_to(world, *m.host, world.resolver()), at, lookup);
  } else {
    ready = resolve(world, *m.host, tracker, at, Labels{false, m.address, wave.campaign});
  }
  const bool png = wave.style == TokenStyle::kBase64UrlEmail;
  const bool no_content = wave.style == TokenStyle::kNumericSigned;
  HttpExchange e;
  e.request =
      reader_pixel_request(m, host, token_host ? "/p.gif" : wave_pixel_uri(wave.style, token), rng);
  e.response = no_content ? pixel_response(204, {}, "", ready)
                          : pixel_response(200, png ? png_pixel() : gif_pixel(),
                                           png ? "image/png" : "image/gif", ready);
  e.think = jitter(rng, ms(5), ms(60));
  e.labels = beacon;
  http_connection(
      world, ends_to(world, *m.host, *tracker.ipv4), ready + us(250),
      single(e, m.reader == Reader::kOutlook ? TcpClose::kClientReset : TcpClose::kServerFin));
}

// A reader that blocks images may still click the "read more" link: a browser visit through the
// tracker's redirect. It reveals the recipient but is no pixel fetch.
void wave_link_click(World& world, Member& m, const Site& tracker, TimestampNs at, const Wave& wave,
                     const std::string& token, Rng& rng) {
  const Labels related{false, m.address, wave.campaign};
  const TimestampNs ready = resolve(world, *m.host, tracker, at, related);
  HttpExchange e;
  e.request = browser_request(m.browser, tracker.name, "/r/" + token + "?l=2",
                              "text/html,application/xhtml+xml,*/*;q=0.8", "", "");
  e.response = redirect_response(
      "https://euobserver.com/digital/ar" + std::to_string(rng.range(100000, 199999)), ready);
  e.labels = related;
  http_connection(world, ends_to(world, *m.host, *tracker.ipv4), ready + us(250), single(e));
}

enum class Channel : std::uint8_t { kHttp, kTls, kQuic };

Channel channel_of(const Member& m, Rng& rng) {
  const double draw = rng.unit();
  if (m.reader == Reader::kWebmail) {
    return draw < 0.3 ? Channel::kHttp : draw < 0.7 ? Channel::kTls : Channel::kQuic;
  }
  if (m.reader == Reader::kOutlook && draw < 0.12) return Channel::kQuic;  // new Outlook
  return draw < 0.8 ? Channel::kHttp : Channel::kTls;
}

void wave_fetch(World& world, Member& m, const Site& tracker, TimestampNs at, const Wave& wave,
                const std::string& token, Channel channel, bool token_host, Rng& rng) {
  const Labels beacon{true, m.address, wave.campaign};
  if (channel == Channel::kHttp) {
    wave_http_pixel(world, m, tracker, at, wave, token, token_host, rng);
    return;
  }
  const TimestampNs ready =
      resolve(world, *m.host, tracker, at, Labels{false, m.address, wave.campaign}) + us(250);
  if (channel == Channel::kTls) {
    beacon_over_tls(world, *m.host, tracker, ready, beacon, plain_mail_client(m.reader), rng);
  } else {
    beacon_over_quic(world, *m.host, tracker, ready, beacon, rng);
  }
}

void apt_wave(World& world, Parliament& p, TimestampNs start, Rng& rng) {
  Site& tracker = world.site(kTrackerHost, {"euobserver-news.b-cdn.net"});
  for (std::size_t i = 0; i < p.members.size(); ++i) {
    Member& m = p.members[i];
    const Wave& wave = kWaves[i % std::size(kWaves)];
    const std::string token = make_token(wave.style, rng, m.address);
    const TimestampNs opened = start + wave.sent + open_delay(rng);
    if (rng.chance(0.12)) {
      // Images blocked: nothing at all, or a click on the link later.
      if (rng.chance(0.5))
        wave_link_click(world, m, tracker, opened + jitter(rng, sec(60), sec(1800)), wave, token,
                        rng);
      continue;
    }
    const Channel channel = channel_of(m, rng);
    const bool token_host = wave.style == TokenStyle::kHex32 && rng.chance(0.4);
    wave_fetch(world, m, tracker, opened, wave, token, channel, token_host, rng);
    if (rng.chance(0.3)) {
      // Opened again later: a new connection with the same token.
      wave_fetch(world, m, tracker, opened + jitter(rng, sec(300), sec(3600)), wave, token, channel,
                 token_host, rng);
    }
  }
}

// A new collaboration tool rolled out this morning: a name no member reached before, visited by
// a dozen hosts within the hour. Benign, yet as new and as shared as a campaign's domain.
void new_saas_rollout(World& world, Parliament& p, TimestampNs start, Rng& rng) {
  Site& site = world.site("app.votewise.io", {"votewise-prod.azurefd.net"});
  const std::size_t users = std::min<std::size_t>(12, p.members.size());
  for (std::size_t u = 0; u < users; ++u) {
    Member& m = p.members[rng.below(p.members.size())];
    const TimestampNs at = start + jitter(rng, sec(600), sec(3600));
    const TimestampNs ready = resolve(world, *m.host, site, at);
    TlsSession s;
    s.hello = hello_for(tls_client_of(m.browser), site.name, {"h2", "http/1.1"});
    s.response_bytes = rng.range(8000, 30000);
    s.rounds = 2;
    tls_connection(world, ends_to(world, *m.host, *site.ipv4), ready + us(200), s);
  }
}

void office_day(World& world, Parliament& p, TimestampNs start, TimestampNs span, Rng& rng) {
  for (std::size_t i = 0; i < p.members.size(); ++i) {
    workday(world, p.members[i], i, start, span, rng);
  }
}

}  // namespace

std::vector<std::string> scenario_recipients(std::size_t scale) {
  Rng rng(kParliamentSeed);
  std::vector<std::string> out;
  for (const Member& m : draw_members(scale, rng)) {
    out.push_back(m.address);
  }
  return out;
}

void build_history_profile(World& world) {
  Parliament p = make_parliament(world);
  Rng& rng = world.rng();
  // Two working days, three and two days before the wave.
  for (const std::int64_t days_before : {3, 2}) {
    const TimestampNs start = world.epoch() - days_before * 24 * 3600 * kNsPerSecond;
    office_day(world, p, start, sec(8 * 3600), rng);
    newsletter_reading(world, p, start, sec(8 * 3600), 0.3, rng);
  }
}

void build_apt_profile(World& world) {
  Parliament p = make_parliament(world);
  Rng& rng = world.rng();
  const TimestampNs start = world.epoch();
  const TimestampNs span = sec(3 * 3600);
  office_day(world, p, start, span, rng);
  newsletter_reading(world, p, start, span, 0.2, rng);
  new_saas_rollout(world, p, start, rng);
  apt_wave(world, p, start, rng);
}

}  // namespace bw::gen
