// What belongs to the protected site itself: its own domain suffixes and address ranges.
//
// A tracking beacon leaves the site for someone else's server. The site's intranet applications,
// single sign-on, file shares and internal APIs are fetched by many internal hosts with long ids
// in their URLs, which is exactly the shape of a mail-merge wave; they are never "rare" and never
// campaigns (unless the operator says otherwise, `detect.score_internal`), whatever their URLs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sensor/common/ip_address.h"
#include "sensor/intel/prefix_table.h"

namespace bw::correlate {

class SiteScope {
 public:
  // Private, shared, link-local and loopback ranges (RFC 1918, RFC 6598, RFC 4193, RFC 3927,
  // RFC 4291): nobody outside the site can host a tracker there.
  static std::vector<std::string> default_networks();

  // `suffixes` are domain names ("parl.example", ".corp"): a host equal to one or below it is
  // internal. `networks` are CIDR prefixes. Returns false, naming the entry, on a malformed one.
  bool configure(const std::vector<std::string>& suffixes, const std::vector<std::string>& networks,
                 std::string& error);

  // `host` is lower case without a trailing dot (normalise_host). A proxied request names a
  // server other than the one it was sent to, so callers pass `server` only when it is the
  // origin. Does not allocate.
  bool internal_host(std::string_view host) const;
  bool internal_address(const IpAddress& server) const;

  bool empty() const { return suffixes_.empty() && networks_.empty(); }

 private:
  std::vector<std::string> suffixes_;  // lower case, no leading or trailing dot
  std::vector<intel::IpPrefix> networks_;
};

}  // namespace bw::correlate
