#include "tools/generator/profiles.h"

#include <string>
#include <vector>

#include "tools/generator/flows.h"
#include "tools/generator/images.h"
#include "tools/generator/profile_parts.h"
#include "tools/generator/quic_content.h"

namespace bw::gen {
namespace {

constexpr const char* kFirstNames[] = {"anna",  "lukas",  "marie",  "jan",    "sofia",  "pieter",
                                       "elena", "marco",  "ines",   "tomas",  "katrin", "joao",
                                       "agnes", "mikkel", "claire", "stefan", "laura",  "niels"};
constexpr const char* kLastNames[] = {"novak",    "schmidt", "dubois",    "rossi",       "janssen",
                                      "kowalski", "silva",   "nielsen",   "garcia",      "weber",
                                      "horvat",   "murphy",  "lindqvist", "papadopoulos"};

// The newsletter's sender registered a name one letter away from a real news outlet.
constexpr const char* kTrackerHost = "newsletter.euractiv-news.com";
constexpr const char* kCampaign = "eu-digital-briefing-2025-03";
constexpr const char* kIntranetHost = "intranet.assembly.lan";

Site& intranet_site(World& world) {
  return world.site(kIntranetHost, {}, false, ipv4_address(10, 40, 1, 80));
}

struct Office {
  std::vector<Host*> hosts;
  std::vector<std::string> recipients;
};

IpAddress office_ipv6(std::size_t index) {
  IpAddress a = parse_address("2a0d:5600:40:12::");
  a.bytes[14] = static_cast<std::uint8_t>(index >> 8);
  a.bytes[15] = static_cast<std::uint8_t>(index);
  return a;
}

Office make_office(World& world, std::size_t count, std::uint8_t subnet) {
  Office office;
  Rng& rng = world.rng();
  for (std::size_t i = 0; i < count; ++i) {
    const double draw = rng.unit();
    const HostOs os = draw < 0.6 ? HostOs::kWindows : draw < 0.85 ? HostOs::kMacos : HostOs::kLinux;
    const bool dual_stack = rng.chance(0.25);
    const IpAddress v4 = ipv4_address(10, 40, subnet, static_cast<std::uint8_t>(10 + i % 240));
    office.hosts.push_back(
        &world.add_client(os, v4, dual_stack ? office_ipv6(10 + i) : IpAddress{}));
    const std::string_view last_name = rng.pick(kLastNames);  // drawn first (see make_token)
    office.recipients.push_back(std::string(rng.pick(kFirstNames)) + "." + std::string(last_name) +
                                "@nat-assembly.eu");
  }
  return office;
}

}  // namespace

MailClient mail_client_of(const Host& host, Rng& rng) {
  switch (host.os) {
    case HostOs::kWindows:
      return rng.chance(0.85) ? MailClient::kOutlook : MailClient::kThunderbird;
    case HostOs::kMacos:
      return MailClient::kAppleMail;
    default:
      return MailClient::kThunderbird;
  }
}

Browser browser_of(const Host& host, Rng& rng) {
  switch (host.os) {
    case HostOs::kWindows:
      return rng.chance(0.5)   ? Browser::kChrome
             : rng.chance(0.6) ? Browser::kEdge
                               : Browser::kFirefox;
    case HostOs::kMacos:
      return rng.chance(0.6) ? Browser::kSafari : Browser::kChrome;
    default:
      return Browser::kFirefox;
  }
}

TlsClient tls_client_of(MailClient client) {
  switch (client) {
    case MailClient::kOutlook:
      return TlsClient::kSchannel;
    case MailClient::kAppleMail:
      return TlsClient::kApple;
    case MailClient::kThunderbird:
      return TlsClient::kFirefox;
  }
  return TlsClient::kChrome;
}

TlsClient tls_client_of(Browser browser) {
  switch (browser) {
    case Browser::kChrome:
    case Browser::kEdge:
      return TlsClient::kChrome;
    case Browser::kFirefox:
      return TlsClient::kFirefox;
    case Browser::kSafari:
      return TlsClient::kApple;
  }
  return TlsClient::kChrome;
}

FlowEnds ends_to(World& world, Host& client, Host& server, int family) {
  FlowEnds ends;
  ends.client = &client;
  ends.server = &server;
  ends.family = family;
  ends.path = world.plain_path();
  return ends;
}

TimestampNs resolve(World& world, Host& client, const Site& site, TimestampNs at,
                    const Labels& labels) {
  DnsLookup lookup = lookup_for(site, kDnsTypeA);
  lookup.labels = labels;
  TimestampNs done = dns_udp(world, ends_to(world, client, world.resolver()), at, lookup);
  if (client.ipv6.family == 6) {
    DnsLookup aaaa = lookup_for(site, kDnsTypeAaaa);
    aaaa.labels = labels;
    done =
        std::max(done, dns_udp(world, ends_to(world, client, world.resolver()), at + us(40), aaaa));
  }
  return done;
}

namespace {

std::string pixel_uri(TokenStyle style, const std::string& token) {
  switch (style) {
    case TokenStyle::kHex32:
      return "/open/" + token + ".gif";
    case TokenStyle::kUuid:
      return "/o/" + token + "/pixel.png?c=" + std::string(kCampaign);
    case TokenStyle::kBase64UrlEmail:
      return "/t/" + token + "/b.gif";
    case TokenStyle::kNumericSigned:
      return "/wf/open?upn=" + token;
  }
  return "/";
}

}  // namespace

HttpExchange pixel_exchange(MailClient client, const std::string& host, const std::string& uri,
                            ByteSpan image, const char* type, std::uint16_t status, Rng& rng,
                            TimestampNs at, const Labels& labels) {
  HttpExchange e;
  e.request = pixel_request(client, host, uri, rng);
  e.response = pixel_response(status, image, type, at);
  e.think = jitter(rng, ms(2), ms(35));
  e.labels = labels;
  return e;
}

// A recipient's mail client fetching the campaign pixel over plain HTTP (optionally through a
// 302 click-style redirect) and the newsletter's banner image.
namespace {

TimestampNs beacon_over_http(World& world, Host& client, const Site& site, TimestampNs at,
                             const std::string& recipient, TokenStyle style, bool redirect,
                             bool banner, Rng& rng) {
  const MailClient mail = mail_client_of(client, rng);
  const Labels beacon{true, recipient, kCampaign};
  const std::string token = make_token(style, rng, recipient);
  const bool png = style == TokenStyle::kUuid;
  const Bytes image = png ? png_pixel() : gif_pixel();
  const char* type = png ? "image/png" : "image/gif";
  HttpConnection connection;
  connection.close = mail == MailClient::kOutlook ? TcpClose::kClientReset : TcpClose::kServerFin;
  connection.idle_before_close = mail == MailClient::kOutlook ? sec(2) : sec(5);
  if (redirect) {
    HttpExchange hop;
    hop.request = pixel_request(mail, site.name, "/r/" + token, rng);
    hop.response = redirect_response("http://" + site.name + pixel_uri(style, token), at);
    hop.labels = beacon;
    connection.exchanges.push_back(hop);
  }
  connection.exchanges.push_back(
      pixel_exchange(mail, site.name, pixel_uri(style, token), image, type, 200, rng, at, beacon));
  if (banner) {
    HttpExchange e;
    e.request = pixel_request(mail, site.name, "/assets/2025/03/briefing-header.jpg", rng);
    HttpMessage response =
        content_response("image/jpeg", jpeg_image(rng, 600, 200, 9000), at, false, rng);
    e.response = response;
    e.labels = Labels{false, recipient, kCampaign};
    e.client_pause = us(150);
    connection.exchanges.push_back(e);
  }
  return http_connection(world, ends_to(world, client, *site.ipv4), at, connection);
}

}  // namespace

ClientHelloSpec hello_for(TlsClient client, const std::string& sni, std::vector<std::string> alpn) {
  ClientHelloSpec spec;
  spec.client = client;
  spec.sni = sni;
  spec.alpn = std::move(alpn);
  return spec;
}

const std::vector<PopularSite>& popular_sites() {
  static const std::vector<PopularSite> sites = {
      {"www.google.com", {}},
      {"outlook.office365.com", {"outlook.ha.office365.com", "outlook.ms-acdc.office.com"}},
      {"teams.microsoft.com", {"teams.office.com", "s-0005.s-msedge.net"}},
      {"www.lemonde.fr", {"www.lemonde.fr.cdn.cloudflare.net"}},
      {"github.com", {}},
      {"www.bbc.co.uk", {"www.bbc.co.uk.pri.bbc.co.uk"}},
      {"login.microsoftonline.com", {"login.mso.msidentity.com", "ak.privatelink.msidentity.com"}},
      {"www.linkedin.com", {"www-linkedin-com.l-0005.l-msedge.net"}},
      {"www.youtube.com", {"youtube-ui.l.google.com"}},
      {"www.politico.eu", {}},
  };
  return sites;
}

void browse_https(World& world, Host& client, TimestampNs at, Rng& rng, std::size_t response) {
  const PopularSite& pick = popular_sites()[rng.below(popular_sites().size())];
  Site& site = world.site(pick.name, pick.cnames, true);
  const TimestampNs ready = resolve(world, client, site, at);
  const Browser browser = browser_of(client, rng);
  const bool v6 = client.ipv6.family == 6 && site.ipv6 != nullptr;
  FlowEnds ends = ends_to(world, client, v6 ? *site.ipv6 : *site.ipv4, v6 ? 6 : 4);
  const bool quic =
      (browser == Browser::kChrome || browser == Browser::kEdge) &&
      (pick.name == std::string("www.google.com") || pick.name == std::string("www.youtube.com"));
  if (quic) {
    QuicSession session;
    session.hello = hello_for(TlsClient::kChrome, site.name, {"h3"});
    session.scramble = true;
    session.response_bytes = response;
    quic_connection(world, ends, ready + us(200), session);
    return;
  }
  TlsSession session;
  session.hello = hello_for(tls_client_of(browser), site.name, {"h2", "http/1.1"});
  session.cipher = session.hello.client == TlsClient::kFirefox ? 0x1301 : 0x1302;
  session.response_bytes = response;
  session.rounds = rng.range(1, 2);
  session.close = rng.chance(0.3) ? TcpClose::kClientReset : TcpClose::kClientFin;
  tls_connection(world, ends, ready + us(200), session);
}

// A page from the intranet over plain HTTP: document, stylesheet, script and a photo on one
// keep-alive connection, with the session cookie and Referer a browser sends.
namespace {

void browse_intranet(World& world, Host& client, TimestampNs at, Rng& rng, bool chunked) {
  Site& site = intranet_site(world);
  const TimestampNs ready = resolve(world, client, site, at);
  const Browser browser = browser_of(client, rng);
  const std::string referer = "http://" + std::string(kIntranetHost) + "/news/";
  const std::string cookie = "sid=" + make_token(TokenStyle::kHex32, rng, "") + "; lang=en";
  const std::vector<std::string> assets = {
      "/static/site.css", "/static/app.js",
      "/media/plenary-" + std::to_string(rng.range(1, 90)) + ".jpg"};
  HttpConnection connection;
  connection.close = TcpClose::kServerFin;
  HttpExchange page;
  page.request = browser_request(browser, kIntranetHost, "/news/",
                                 "text/html,application/xhtml+xml,application/xml;q=0.9,image/"
                                 "avif,image/webp,*/*;q=0.8",
                                 "", cookie);
  page.response = content_response("text/html; charset=utf-8", html_page(rng, "Newsroom", assets),
                                   at, false, rng);
  if (chunked) page.response.chunk_sizes = {1024, 700};
  connection.exchanges.push_back(page);
  for (const std::string& asset : assets) {
    HttpExchange e;
    const bool css = asset.ends_with(".css");
    const bool js = asset.ends_with(".js");
    e.request = browser_request(browser, kIntranetHost, asset,
                                css  ? "text/css,*/*;q=0.1"
                                : js ? "*/*"
                                     : "image/avif,image/webp,image/apng,image/*,*/*;q=0.8",
                                referer, cookie);
    Bytes body = css  ? text_asset(rng, "css", rng.range(1500, 4000))
                 : js ? text_asset(rng, "js", rng.range(2000, 6000))
                      : jpeg_image(rng, 1280, 720, rng.range(6000, 12000));
    e.response = content_response(css  ? "text/css"
                                  : js ? "application/javascript"
                                       : "image/jpeg",
                                  std::move(body), at, false, rng);
    e.client_pause = jitter(rng, ms(3), ms(30));
    e.think = jitter(rng, us(300), ms(4));
    connection.exchanges.push_back(e);
  }
  http_connection(world, ends_to(world, client, *site.ipv4), ready + us(150), connection);
}

}  // namespace

void beacon_over_tls(World& world, Host& host, const Site& tracker, TimestampNs at,
                     const Labels& labels, MailClient mail, Rng& rng) {
  TlsSession session;
  session.hello = hello_for(tls_client_of(mail), tracker.name, {"http/1.1"});
  if (session.hello.client != TlsClient::kSchannel) session.hello.alpn = {"h2", "http/1.1"};
  session.cipher = session.hello.client == TlsClient::kSchannel ? 0xc030 : 0x1301;
  session.server_alpn = "http/1.1";
  session.response_bytes = rng.range(600, 1200);
  session.labels = labels;
  tls_connection(world, ends_to(world, host, *tracker.ipv4), at, session);
}

// New Outlook and other WebView2-based clients speak HTTP/3 from Chromium's stack.
void beacon_over_quic(World& world, Host& host, const Site& tracker, TimestampNs at,
                      const Labels& labels, Rng& rng) {
  QuicSession session;
  session.hello = hello_for(TlsClient::kChrome, tracker.name, {"h3"});
  session.scramble = true;
  session.response_bytes = rng.range(900, 1500);
  session.labels = labels;
  quic_connection(world, ends_to(world, host, *tracker.ipv4), at, session);
}

namespace {

// A 204 pixel from an older promotional mail still open in the client.
void promotional_pixel(World& world, Host& host, const Site& marketer, TimestampNs at,
                       const std::string& recipient, Rng& rng) {
  const Labels promo{true, recipient, "spring-sale"};
  const TimestampNs ready = resolve(world, host, marketer, at, promo);
  HttpConnection connection;
  const std::string token =
      make_token(TokenStyle::kNumericSigned, rng,
                 recipient);  // drawn first (see make_token in http_content.cc)
  connection.exchanges.push_back(pixel_exchange(mail_client_of(host, rng), marketer.name,
                                                "/o/" + token, {}, "", 204, rng, ready, promo));
  http_connection(world, ends_to(world, host, *marketer.ipv4), ready + us(200), connection);
}

// Everyone appears with an ARP for the gateway and, on some Windows hosts, a time sync.
void demo_startup(World& world, const Office& office, TimestampNs start) {
  Rng& rng = world.rng();
  for (std::size_t i = 0; i < office.hosts.size(); ++i) {
    Host& host = *office.hosts[i];
    const TimestampNs t = start + jitter(rng, 0, sec(20));
    if (i % 4 == 0) arp_exchange(world, host, t);
    if (host.os == HostOs::kWindows && i % 3 == 0) {
      Site& time = world.site("time.windows.com");
      ntp_exchange(world, ends_to(world, host, *time.ipv4), t + ms(40));
    }
  }
}

// The newsletter lands at 08:31 and recipients open it over the following twelve minutes:
// mostly plain HTTP pixels, some over HTTPS and HTTP/3.
void demo_campaign(World& world, const Office& office, TimestampNs start) {
  Rng& rng = world.rng();
  Site& tracker = world.site(kTrackerHost, {"eu-news-mailer.b-cdn.net"});
  Site& marketer = world.site("email.shop-mailer.com", {"mailgun.org"});
  for (std::size_t i = 0; i < office.hosts.size(); ++i) {
    Host& host = *office.hosts[i];
    const std::string& recipient = office.recipients[i];
    const TimestampNs open_at = start + sec(60) + jitter(rng, 0, sec(720));
    const TimestampNs ready =
        resolve(world, host, tracker, open_at, Labels{false, recipient, kCampaign}) + us(300);
    const double channel = rng.unit();
    const TokenStyle style = static_cast<TokenStyle>(rng.below(4));
    const MailClient mail = mail_client_of(host, rng);
    if (channel < 0.7) {
      const bool second_choice = rng.chance(0.5);  // drawn first (see make_token)
      beacon_over_http(world, host, tracker, ready, recipient, style, rng.chance(0.12),
                       second_choice, rng);
    } else if (channel < 0.9) {
      beacon_over_tls(world, host, tracker, ready, Labels{true, recipient, kCampaign}, mail, rng);
    } else {
      beacon_over_quic(world, host, tracker, ready, Labels{true, recipient, kCampaign}, rng);
    }
    if (i % 9 == 4) promotional_pixel(world, host, marketer, open_at + sec(40), recipient, rng);
  }
}

void name_service_noise(World& world, const Office& office, std::size_t i, TimestampNs start) {
  Rng& rng = world.rng();
  Host& host = *office.hosts[i];
  if (host.os == HostOs::kWindows && i % 7 == 0) {
    // Windows proxy auto-discovery asks for a name that does not exist, then falls back to
    // LLMNR for a short name.
    DnsLookup wpad;
    wpad.name = "wpad.assembly.lan";
    wpad.nxdomain = true;
    wpad.soa_zone = "assembly.lan";
    const TimestampNs asked = start + jitter(rng, 0, sec(600));  // drawn before the path
    dns_udp(world, ends_to(world, host, world.resolver()), asked, wpad);
    llmnr_exchange(world, host, *office.hosts[(i + 1) % office.hosts.size()],
                   start + jitter(rng, 0, sec(600)), "printsrv02");
  }
  if (host.os == HostOs::kMacos && i % 4 == 1) {
    mdns_exchange(world, host, *office.hosts[(i + 2) % office.hosts.size()],
                  start + jitter(rng, 0, sec(600)), "Brother-HL-L2350DW.local");
  }
}

// Ordinary work in between: intranet pages, HTTPS and QUIC to popular sites, name services.
void demo_workday(World& world, const Office& office, TimestampNs start) {
  Rng& rng = world.rng();
  for (std::size_t i = 0; i < office.hosts.size(); ++i) {
    Host& host = *office.hosts[i];
    const std::size_t visits = rng.range(1, 3);
    for (std::size_t v = 0; v < visits; ++v) {
      const std::size_t budget = rng.range(1000, 3000);  // drawn first (see make_token)
      browse_https(world, host, start + jitter(rng, sec(5), sec(840)), rng, budget);
    }
    if (i % 5 == 0) {
      browse_intranet(world, host, start + jitter(rng, sec(5), sec(840)), rng, i % 10 == 0);
    }
    name_service_noise(world, office, i, start);
  }
}

// A Windows update download, a long TLS download, pings.
void demo_background(World& world, const Office& office, TimestampNs start) {
  Site& updates = world.site("7.tlu.dl.delivery.mp.microsoft.com", {"wu-b-net.trafficmanager.net"});
  bulk_http_download(world, ends_to(world, *office.hosts[0], *updates.ipv4), start + sec(200),
                     updates.name, 120000);
  Site& cdn = world.site("download.docker.com", {"d2h67oheeuigaw.cloudfront.net"});
  bulk_tls_download(world, ends_to(world, *office.hosts[1], *cdn.ipv4), start + sec(320), cdn.name,
                    100000);
  Site& dns_google = world.site("dns.google");
  icmp_echo(world, ends_to(world, *office.hosts[2], *dns_google.ipv4), start + sec(90), 4);
  icmp_echo(world, ends_to(world, *office.hosts[3], world.gateway()), start + sec(400), 3);
}

}  // namespace

void build_demo_profile(World& world) {
  const TimestampNs start = world.epoch();
  const Office office = make_office(world, 40, 12);
  demo_startup(world, office, start);
  demo_campaign(world, office, start);
  demo_workday(world, office, start);
  demo_background(world, office, start);
}

namespace {

struct EncapCase {
  Encapsulation encapsulation;
  int family;
  bool extension_headers;
};

// Tunnel endpoints are routers or switches: their own MACs and a TTL of 255 or 64.
Host& tunnel_endpoint(World& world, const IpAddress& address) {
  Rng& rng = world.rng();
  Host endpoint = make_server(rng, address, 0);
  endpoint.ttl = 255;
  return world.add_host(endpoint);
}

// The Teredo address of a client behind a NAT (RFC 4380 4): server, flags, and the mapped port
// and address obscured by inversion.
IpAddress teredo_address(const IpAddress& server, const IpAddress& mapped, std::uint16_t port) {
  std::uint8_t bytes[16] = {0x20, 0x01, 0x00, 0x00};
  for (int i = 0; i < 4; ++i)
    bytes[4 + i] = server.bytes[i];
  bytes[8] = 0x80;
  bytes[9] = 0x00;
  bytes[10] = static_cast<std::uint8_t>(~port >> 8);
  bytes[11] = static_cast<std::uint8_t>(~port);
  for (int i = 0; i < 4; ++i)
    bytes[12 + i] = static_cast<std::uint8_t>(~mapped.bytes[i]);
  return IpAddress::v6(bytes);
}

void configure_encapsulation(World& world, PathConfig& config, Encapsulation encapsulation,
                             std::size_t index) {
  Rng& rng = world.rng();
  config.encapsulation = encapsulation;
  config.vlan_id = static_cast<std::uint16_t>(100 + 10 * index);
  config.inner_vlan_id = static_cast<std::uint16_t>(2000 + index);
  config.mpls_labels[0] = static_cast<std::uint32_t>(rng.range(16, 1048575));
  config.mpls_labels[1] = static_cast<std::uint32_t>(rng.range(16, 1048575));
  config.pppoe_session = static_cast<std::uint16_t>(rng.range(1, 0xfffe));
  config.tunnel_id = static_cast<std::uint32_t>(rng.range(1, 1000) * 10 + index);
  const std::uint8_t site = static_cast<std::uint8_t>(index);
  switch (encapsulation) {
    case Encapsulation::kGre:
    case Encapsulation::kIpInIp:
    case Encapsulation::kSixInFour:
    case Encapsulation::kVxlan:
    case Encapsulation::kGeneve:
    case Encapsulation::kGtpU:  // a 5G radio node and the core's user plane function
      config.tunnel_near = &tunnel_endpoint(world, ipv4_address(10, 255, site, 1));
      config.tunnel_far = &tunnel_endpoint(world, ipv4_address(10, 255, site, 2));
      if (encapsulation == Encapsulation::kSixInFour) {
        // A tunnel broker's public endpoint.
        config.tunnel_far = &tunnel_endpoint(world, ipv4_address(216, 66, 84, 46));
      }
      break;
    case Encapsulation::kErspanII:
    case Encapsulation::kErspanIII:
      config.tunnel_near = &tunnel_endpoint(world, ipv4_address(10, 254, site, 2));   // switch
      config.tunnel_far = &tunnel_endpoint(world, ipv4_address(10, 254, site, 250));  // collector
      break;
    default:
      break;
  }
}

// The same handful of conversations, run by `client` over `config`.
void encap_conversations(World& world, Host& client, const PathConfig& config, int family,
                         TimestampNs at, std::size_t index) {
  Rng& rng = world.rng();
  const std::string tracker = "px" + std::to_string(index) + ".mailtrack-eu.com";
  Site& site = world.site(tracker, {}, true);
  Host& server = family == 6 ? *site.ipv6 : *site.ipv4;
  FlowEnds ends{&client, &world.resolver(), family, config};
  DnsLookup lookup = lookup_for(site, family == 6 ? kDnsTypeAaaa : kDnsTypeA);
  const TimestampNs ready = dns_udp(world, ends, at, lookup);

  ends.server = &server;
  const std::string recipient = std::string(rng.pick(kFirstNames)) + "@nat-assembly.eu";
  const Labels beacon{true, recipient, "encap-test"};
  HttpConnection connection;
  connection.exchanges.push_back(
      pixel_exchange(MailClient::kOutlook, tracker,
                     "/open/" + make_token(TokenStyle::kHex32, rng, recipient) + ".gif",
                     gif_pixel(), "image/gif", 200, rng, ready, beacon));
  const TimestampNs after_http = http_connection(world, ends, ready + us(300), connection);

  TlsSession session;
  session.hello = hello_for(TlsClient::kChrome, tracker, {"h2", "http/1.1"});
  session.response_bytes = 3000;
  session.labels = beacon;
  tls_connection(world, ends, after_http + ms(50), session);
}

}  // namespace

void build_encap_profile(World& world) {
  Rng& rng = world.rng();
  const EncapCase cases[] = {
      {Encapsulation::kVlan, 4, false},      {Encapsulation::kQinQ, 4, false},
      {Encapsulation::kMpls, 4, false},      {Encapsulation::kPppoe, 4, false},
      {Encapsulation::kGre, 4, false},       {Encapsulation::kErspanII, 4, false},
      {Encapsulation::kErspanIII, 4, false}, {Encapsulation::kVxlan, 4, false},
      {Encapsulation::kGeneve, 4, false},    {Encapsulation::kIpInIp, 4, false},
      {Encapsulation::kSixInFour, 6, false}, {Encapsulation::kTeredo, 6, false},
      {Encapsulation::kNone, 6, true},       {Encapsulation::kVlan, 6, false},
      {Encapsulation::kGtpU, 4, false},      {Encapsulation::kAyiya, 6, false},
  };
  TimestampNs at = world.epoch();
  std::size_t index = 0;
  for (const EncapCase& c : cases) {
    ++index;
    const IpAddress v4 = ipv4_address(10, 41, static_cast<std::uint8_t>(index), 20);
    IpAddress v6 = office_ipv6(0x100 + index);
    Host& client = world.add_client(rng.chance(0.5) ? HostOs::kWindows : HostOs::kLinux, v4, v6);
    PathConfig config = world.plain_path();
    configure_encapsulation(world, config, c.encapsulation, index);
    config.ipv6_extension_headers = c.extension_headers;
    if (c.encapsulation == Encapsulation::kTeredo) {
      // The client tunnels from its NAT's public address to a Teredo relay.
      Host& nat = tunnel_endpoint(world, ipv4_address(81, 169, 145, 20));
      Host& relay = tunnel_endpoint(world, ipv4_address(83, 170, 6, 76));
      nat.mac = client.mac;
      config.tunnel_near = &nat;
      config.tunnel_far = &relay;
      client.ipv6 = teredo_address(ipv4_address(83, 170, 6, 76), nat.ipv4, 51413);
    }
    if (c.encapsulation == Encapsulation::kAyiya) {
      // A tunnel broker's client behind a NAT, tunnelling to the broker's point of presence.
      Host& nat = tunnel_endpoint(world, ipv4_address(81, 169, 145, 21));
      nat.mac = client.mac;
      config.tunnel_near = &nat;
      config.tunnel_far = &tunnel_endpoint(world, ipv4_address(212, 224, 0, 188));
    }
    encap_conversations(world, client, config, c.family, at, index);
    at += sec(2) + jitter(rng, 0, ms(500));
  }

  // IP fragments: large DNS answers over IPv4 (in order and reversed) and over IPv6.
  Host& client = world.add_client(HostOs::kLinux, ipv4_address(10, 41, 99, 20), office_ipv6(0x199));
  Site& big = world.site("cdn-pool.mailtrack-eu.com", {}, true);
  for (int variant = 0; variant < 3; ++variant) {
    const int family = variant == 2 ? 6 : 4;
    DnsLookup lookup;
    lookup.name = big.name;
    lookup.type = family == 6 ? kDnsTypeAaaa : kDnsTypeA;
    for (int n = 0; n < 40; ++n) {
      DnsRecord record;
      record.name = big.name;
      record.type = lookup.type;
      record.ttl = 60;
      std::uint8_t bytes[16] = {0x2a, 0x05, 0xd0, 0x14};
      rng.fill(std::span<std::uint8_t>(bytes + 4, 12));
      record.address = family == 6
                           ? IpAddress::v6(bytes)
                           : ipv4_address(185, 199, static_cast<std::uint8_t>(108 + n / 250),
                                          static_cast<std::uint8_t>(1 + n));
      lookup.answers.push_back(record);
    }
    PathConfig config = world.plain_path();
    config.fragment_payload = variant == 0 ? 512 : 256;
    config.fragments_reversed = variant == 1;
    dns_udp(world, FlowEnds{&client, &world.resolver(), family, config}, at, lookup);
    at += sec(1);
  }
}

namespace {

// Three clients of the protocols profile and the clock that spaces their conversations.
struct Lab {
  World& world;
  Host& windows;
  Host& mac;
  Host& linux_host;
  Site& tracker;
  TimestampNs t;

  // Both draw from the world's generator: call next() in a statement of its own, before to(),
  // which is the order the baselines were made with (as two arguments of one call the order was
  // the compiler's, and differed between x86-64 and aarch64).
  TimestampNs next() { return t += ms(700) + jitter(world.rng(), 0, ms(300)); }
  FlowEnds to(Host& client, Host& server, int family = 4) {
    return ends_to(world, client, server, family);
  }
};

// CNAME chain (A), AAAA, NXDOMAIN, TCP with batching and a split answer, mDNS, LLMNR.
void protocols_dns(Lab& lab) {
  World& world = lab.world;
  {
    const TimestampNs slot_time = lab.next();
    dns_udp(world, lab.to(lab.windows, world.resolver()), slot_time,
            lookup_for(lab.tracker, kDnsTypeA));
  }
  {
    const TimestampNs slot_time = lab.next();
    dns_udp(world, lab.to(lab.mac, world.resolver()), slot_time,
            lookup_for(lab.tracker, kDnsTypeAaaa));
  }
  DnsLookup missing;
  missing.name = "wpad.assembly.lan";
  missing.nxdomain = true;
  missing.soa_zone = "assembly.lan";
  {
    const TimestampNs slot_time = lab.next();
    dns_udp(world, lab.to(lab.windows, world.resolver()), slot_time, missing);
  }
  Site& github = world.site("github.com");
  Site& lemonde = world.site("www.lemonde.fr", {"www.lemonde.fr.cdn.cloudflare.net"});
  {
    const TimestampNs slot_time = lab.next();
    dns_tcp(world, lab.to(lab.linux_host, world.resolver()), slot_time,
            {lookup_for(github, kDnsTypeA), lookup_for(lemonde, kDnsTypeA),
             lookup_for(lab.tracker, kDnsTypeA)});
  }
  mdns_exchange(world, lab.mac, lab.linux_host, lab.next(), "Brother-HL-L2350DW.local");
  llmnr_exchange(world, lab.windows, lab.linux_host, lab.next(), "printsrv02");
}

// Outlook GIF, Apple Mail PNG, Thunderbird 204, and a 302 hop to the pixel.
void protocols_pixels(Lab& lab) {
  World& world = lab.world;
  Rng& rng = world.rng();
  const Labels beacon{true, "anna.novak@nat-assembly.eu", kCampaign};
  auto single = [&](Host& host, HttpExchange e) {
    HttpConnection c;
    c.exchanges.push_back(std::move(e));
    {
      const TimestampNs slot_time = lab.next();
      http_connection(world, lab.to(host, *lab.tracker.ipv4), slot_time, c);
    }
  };
  const std::string& host = lab.tracker.name;
  const std::string token = make_token(TokenStyle::kHex32, rng, beacon.recipient);
  single(lab.windows, pixel_exchange(MailClient::kOutlook, host, "/open/" + token + ".gif",
                                     gif_pixel(), "image/gif", 200, rng, lab.t, beacon));
  const std::string uuid = make_token(TokenStyle::kUuid, rng, "");
  single(lab.mac, pixel_exchange(MailClient::kAppleMail, host, pixel_uri(TokenStyle::kUuid, uuid),
                                 png_pixel(), "image/png", 200, rng, lab.t, beacon));
  const std::string email = make_token(TokenStyle::kBase64UrlEmail, rng, beacon.recipient);
  single(lab.linux_host, pixel_exchange(MailClient::kThunderbird, host,
                                        pixel_uri(TokenStyle::kBase64UrlEmail, email), {}, "", 204,
                                        rng, lab.t, beacon));
  beacon_over_http(world, lab.windows, lab.tracker, lab.next(), beacon.recipient,
                   TokenStyle::kNumericSigned, true, false, rng);
}

// Keep-alive page load with a chunked document, pipelining, and headers split over segments.
void protocols_browsing(Lab& lab) {
  World& world = lab.world;
  Rng& rng = world.rng();
  browse_intranet(world, lab.windows, lab.next(), rng, true);
  Site& intranet = intranet_site(world);
  HttpConnection pipelined;
  pipelined.pipelined = true;
  for (const char* path : {"/api/agenda?day=1", "/api/agenda?day=2", "/api/agenda?day=3"}) {
    HttpExchange e;
    e.request = browser_request(Browser::kFirefox, kIntranetHost, path, "application/json", "", "");
    const std::string json = "{\"items\":[{\"id\":" + std::to_string(rng.range(1, 999)) + "}]}";
    e.response =
        content_response("application/json", Bytes(json.begin(), json.end()), lab.t, false, rng);
    e.think = us(400);
    pipelined.exchanges.push_back(e);
  }
  {
    const TimestampNs slot_time = lab.next();
    http_connection(world, lab.to(lab.linux_host, *intranet.ipv4), slot_time, pipelined);
  }
  HttpConnection split;
  HttpExchange search;
  search.request =
      browser_request(Browser::kChrome, kIntranetHost, "/search?q=committee+agenda",
                      "text/html,application/xhtml+xml,*/*;q=0.8", "http://intranet.assembly.lan/",
                      "sid=" + make_token(TokenStyle::kHex32, rng, ""));
  search.split_request_headers = true;
  search.response = content_response("text/html", html_page(rng, "Search", {}), lab.t, true, rng);
  split.exchanges.push_back(search);
  split.close = TcpClose::kClientFin;
  {
    const TimestampNs slot_time = lab.next();
    http_connection(world, lab.to(lab.windows, *intranet.ipv4), slot_time, split);
  }
}

void protocols_tls_one(Lab& lab, Host& host, TlsClient client, const std::string& sni,
                       std::uint16_t cipher, bool ech, bool answers, int family = 4) {
  Site& site = lab.world.site(sni, {}, true);
  TlsSession s;
  s.hello = hello_for(client, sni, {"h2", "http/1.1"});
  s.hello.ech = ech;
  s.cipher = cipher;
  s.server_alpn = "h2";
  s.server_answers = answers;
  s.response_bytes = 5000;
  {
    const TimestampNs slot_time = lab.next();
    tls_connection(lab.world, lab.to(host, family == 6 ? *site.ipv6 : *site.ipv4, family),
                   slot_time, s);
  }
}

// Chrome (PQ, split ClientHello), Firefox, Outlook/schannel 1.2, Apple over IPv6, real ECH, and
// a ClientHello the server refuses.
void protocols_tls(Lab& lab) {
  protocols_tls_one(lab, lab.windows, TlsClient::kChrome, "www.google.com", 0x1301, false, true);
  protocols_tls_one(lab, lab.linux_host, TlsClient::kFirefox, "www.mozilla.org", 0x1301, false,
                    true);
  protocols_tls_one(lab, lab.windows, TlsClient::kSchannel, "outlook.office365.com", 0xc030, false,
                    true);
  protocols_tls_one(lab, lab.mac, TlsClient::kApple, "www.apple.com", 0x1301, false, true, 6);
  protocols_tls_one(lab, lab.windows, TlsClient::kChrome, "cloudflare-ech.com", 0x1301, true, true);
  protocols_tls_one(lab, lab.linux_host, TlsClient::kFirefox, "blocked.example-proxy.net", 0x1301,
                    false, false);
}

void protocols_quic_one(Lab& lab, Host& host, std::uint32_t version, TlsClient client,
                        bool post_quantum, bool scramble, const std::string& sni) {
  Site& site = lab.world.site(sni);
  QuicSession s;
  s.version = version;
  s.hello = hello_for(client, sni, {"h3"});
  s.hello.post_quantum = post_quantum;
  s.scramble = scramble;
  s.response_bytes = 6000;
  {
    const TimestampNs slot_time = lab.next();
    quic_connection(lab.world, lab.to(host, *site.ipv4), slot_time, s);
  }
}

// v1 split over two Initials, v1 scrambled, v2 plain, v2 split and scrambled, Firefox.
void protocols_quic(Lab& lab) {
  protocols_quic_one(lab, lab.windows, kQuicVersion1, TlsClient::kChrome, true, false,
                     "www.youtube.com");
  protocols_quic_one(lab, lab.windows, kQuicVersion1, TlsClient::kChrome, false, true,
                     "www.google.com");
  protocols_quic_one(lab, lab.mac, kQuicVersion2, TlsClient::kChrome, false, false,
                     "cloudflare-quic.com");
  protocols_quic_one(lab, lab.windows, kQuicVersion2, TlsClient::kChrome, true, true, kTrackerHost);
  protocols_quic_one(lab, lab.linux_host, kQuicVersion1, TlsClient::kFirefox, false, false,
                     "www.mozilla.org");
}

void protocols_background(Lab& lab) {
  Site& time = lab.world.site("time.windows.com");
  {
    const TimestampNs slot_time = lab.next();
    ntp_exchange(lab.world, lab.to(lab.windows, *time.ipv4), slot_time);
  }
  {
    const TimestampNs slot_time = lab.next();
    icmp_echo(lab.world, lab.to(lab.linux_host, lab.world.gateway()), slot_time, 2);
  }
  arp_exchange(lab.world, lab.mac, lab.next());
}

}  // namespace

void build_protocols_profile(World& world) {
  Host& windows = world.add_client(HostOs::kWindows, ipv4_address(10, 40, 12, 21));
  Host& mac = world.add_client(HostOs::kMacos, ipv4_address(10, 40, 12, 22),
                               parse_address("2a0d:5600:40:12::22"));
  Host& linux_host = world.add_client(HostOs::kLinux, ipv4_address(10, 40, 12, 23));
  Site& tracker = world.site(kTrackerHost, {"eu-news-mailer.b-cdn.net"}, true);
  Lab lab{world, windows, mac, linux_host, tracker, world.epoch()};
  protocols_dns(lab);
  protocols_pixels(lab);
  protocols_browsing(lab);
  protocols_tls(lab);
  protocols_quic(lab);
  protocols_background(lab);
}

namespace {

// One short flow of the dense profile.
void dense_flow(World& world, Host& client, Site& site, TimestampNs at, std::size_t n) {
  Rng& rng = world.rng();
  const double kind = rng.unit();
  const Labels beacon{true, "user" + std::to_string(n % 5000) + "@nat-assembly.eu", "dense"};
  if (kind < 0.3) {
    DnsLookup lookup = lookup_for(site, kDnsTypeA);
    lookup.labels = beacon;
    dns_udp(world, ends_to(world, client, world.resolver()), at, lookup);
  } else if (kind < 0.65) {
    HttpConnection c;
    c.idle_before_close = ms(static_cast<std::int64_t>(rng.range(20, 400)));
    const std::string token =
        make_token(TokenStyle::kHex32, rng, "");  // drawn first (see make_token in http_content.cc)
    c.exchanges.push_back(pixel_exchange(mail_client_of(client, rng), site.name,
                                         "/open/" + token + ".gif", gif_pixel(), "image/gif", 200,
                                         rng, at, beacon));
    http_connection(world, ends_to(world, client, *site.ipv4), at, c);
  } else if (kind < 0.85) {
    TlsSession s;
    s.hello = hello_for(rng.chance(0.5) ? TlsClient::kChrome : TlsClient::kSchannel, site.name,
                        {"h2", "http/1.1"});
    s.cipher = s.hello.client == TlsClient::kSchannel ? 0xc030 : 0x1301;
    s.response_bytes = rng.range(500, 3000);
    s.labels = beacon;
    tls_connection(world, ends_to(world, client, *site.ipv4), at, s);
  } else {
    QuicSession s;
    s.version = rng.chance(0.8) ? kQuicVersion1 : kQuicVersion2;
    s.hello = hello_for(TlsClient::kChrome, site.name, {"h3"});
    s.hello.post_quantum = rng.chance(0.5);
    s.scramble = rng.chance(0.5);
    s.response_bytes = rng.range(800, 3000);
    s.labels = beacon;
    quic_connection(world, ends_to(world, client, *site.ipv4), at, s);
  }
}

}  // namespace

void build_dense_profile(World& world) {
  Rng& rng = world.rng();
  const std::size_t flows = 1000 * world.options().scale;
  Office office = make_office(world, 200, 20);
  std::vector<Site*> sites;
  for (int i = 0; i < 50; ++i) {
    sites.push_back(&world.site("px" + std::to_string(i) + ".mail-metrics.net", {}));
  }
  TimestampNs t = world.epoch();
  for (std::size_t n = 0; n < flows; ++n) {
    t += jitter(rng, us(100), ms(3));                  // about 650 new flows per second
    const std::size_t site = rng.below(sites.size());  // drawn first (see make_token)
    dense_flow(world, *office.hosts[rng.below(office.hosts.size())], *sites[site], t, n);
  }
}

void build_mixed_profile(World& world) {
  Rng& rng = world.rng();
  const std::size_t scale = world.options().scale;
  Office office = make_office(world, 60, 30);
  Site& tracker = world.site(kTrackerHost, {"eu-news-mailer.b-cdn.net"});
  const TimestampNs start = world.epoch();
  for (std::size_t unit = 0; unit < scale; ++unit) {
    for (int bulk = 0; bulk < 10; ++bulk) {
      Host& host = *office.hosts[rng.below(office.hosts.size())];
      const TimestampNs at = start + jitter(rng, 0, sec(60));
      const std::size_t bytes = rng.range(1'000'000, 4'000'000);
      if (bulk % 2 == 0) {
        Site& site = world.site("dl" + std::to_string(bulk) + ".delivery.mp.microsoft.com");
        bulk_http_download(world, ends_to(world, host, *site.ipv4), at, site.name, bytes);
      } else {
        Site& site = world.site("media" + std::to_string(bulk) + ".cdn-video.net");
        bulk_tls_download(world, ends_to(world, host, *site.ipv4), at, site.name, bytes);
      }
    }
    for (int web = 0; web < 30; ++web) {
      Host& host = *office.hosts[rng.below(office.hosts.size())];
      const std::size_t budget = rng.range(20000, 200000);  // drawn first (see make_token)
      browse_https(world, host, start + jitter(rng, 0, sec(60)), rng, budget);
    }
    for (int b = 0; b < 2; ++b) {
      const std::size_t who = rng.below(office.hosts.size());
      Host& host = *office.hosts[who];
      const TimestampNs at = start + jitter(rng, 0, sec(60));
      const TimestampNs ready = resolve(world, host, tracker, at);
      beacon_over_http(world, host, tracker, ready + us(300), office.recipients[who],
                       TokenStyle::kHex32, false, false, rng);
    }
  }
}

}  // namespace bw::gen

namespace bw::gen {

IpAddress wave_client_address(std::size_t index) {
  // 10.64.0.0/10 holds 4M clients; skipping the .0 and .255 of every /24 keeps addresses
  // ordinary-looking.
  const std::size_t n = (index / 254) * 256 + index % 254 + 1;
  return ipv4_address(10, static_cast<std::uint8_t>(64 + (n >> 16)),
                      static_cast<std::uint8_t>((n >> 8) & 0xff),
                      static_cast<std::uint8_t>(n & 0xff));
}

void build_wave_profile(World& world) {
  Rng& rng = world.rng();
  const std::size_t opens = kWaveOpensPerScale * world.options().scale;
  Site& tracker = world.site("mail.briefing-eu-news.com", {});
  TimestampNs t = world.epoch();
  for (std::size_t n = 0; n < opens; ++n) {
    // About 650 opens per second, like dense: a 200k wave spans five minutes of packet time.
    t += jitter(rng, us(100), ms(3));
    const double draw = rng.unit();
    const HostOs os = draw < 0.6 ? HostOs::kWindows : draw < 0.85 ? HostOs::kMacos : HostOs::kLinux;
    Host& client = world.add_client(os, wave_client_address(n));
    const std::string recipient = "member" + std::to_string(n) + "@nat-assembly.eu";
    const Labels beacon{true, recipient, "wave"};
    const MailClient mail = mail_client_of(client, rng);
    HttpConnection c;
    c.close = mail == MailClient::kOutlook ? TcpClose::kClientReset : TcpClose::kServerFin;
    c.idle_before_close = ms(static_cast<std::int64_t>(rng.range(20, 400)));
    c.exchanges.push_back(pixel_exchange(
        mail, tracker.name, "/open/" + make_token(TokenStyle::kHex32, rng, recipient) + ".gif",
        gif_pixel(), "image/gif", 200, rng, t, beacon));
    http_connection(world, ends_to(world, client, *tracker.ipv4), t, c);
    // Some clients also load the mail's HTTPS content from the same sender.
    if (rng.chance(kWaveTlsShare)) {
      TlsSession s;
      s.hello = hello_for(tls_client_of(mail), tracker.name, {"h2", "http/1.1"});
      s.cipher = s.hello.client == TlsClient::kSchannel ? 0xc030 : 0x1301;
      s.response_bytes = rng.range(2000, 12000);
      s.labels = beacon;
      tls_connection(world, ends_to(world, client, *tracker.ipv4), t + ms(40), s);
    }
  }
}

}  // namespace bw::gen
