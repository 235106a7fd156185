// Building blocks the profiles share: which client software a host runs, and the everyday
// conversations (name lookups, browsing popular sites, pixel fetches) every office produces.
#pragma once

#include <string>
#include <vector>

#include "tools/generator/flows.h"
#include "tools/generator/world.h"

namespace bw::gen {

MailClient mail_client_of(const Host& host, Rng& rng);
Browser browser_of(const Host& host, Rng& rng);
TlsClient tls_client_of(MailClient client);
TlsClient tls_client_of(Browser browser);

FlowEnds ends_to(World& world, Host& client, Host& server, int family = 4);
// Resolves `site` as the client's stub resolver would (A, plus AAAA on dual-stack hosts);
// returns when the answer is back.
TimestampNs resolve(World& world, Host& client, const Site& site, TimestampNs at,
                    const Labels& labels = {});

HttpExchange pixel_exchange(MailClient client, const std::string& host, const std::string& uri,
                            ByteSpan image, const char* type, std::uint16_t status, Rng& rng,
                            TimestampNs at, const Labels& labels);
ClientHelloSpec hello_for(TlsClient client, const std::string& sni, std::vector<std::string> alpn);

struct PopularSite {
  const char* name;
  std::vector<std::string> cnames;
};
const std::vector<PopularSite>& popular_sites();
// A recipient's mail client fetching a campaign's pixel over HTTPS, and over HTTP/3 the way
// WebView2-based clients (new Outlook) do.
void beacon_over_tls(World& world, Host& host, const Site& tracker, TimestampNs at,
                     const Labels& labels, MailClient mail, Rng& rng);
void beacon_over_quic(World& world, Host& host, const Site& tracker, TimestampNs at,
                      const Labels& labels, Rng& rng);
// One visit to a popular site over TLS (or QUIC for Chromium on Google properties).
void browse_https(World& world, Host& client, TimestampNs at, Rng& rng, std::size_t response);

}  // namespace bw::gen
