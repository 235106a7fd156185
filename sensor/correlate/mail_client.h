// Recognises mail clients from what a fetch reveals: the user agent, and for webmail the origin
// in the Referer. Pure functions over header values.
#pragma once

#include <string_view>

namespace bw::correlate {

// "outlook", "apple-mail", "thunderbird", "windows-mail", "gmail-image-proxy",
// "yahoo-image-proxy", or "" when the user agent is not a mail client's.
std::string_view mail_client_from_user_agent(std::string_view user_agent);

// "webmail:gmail", "webmail:outlook", "webmail:yahoo", ... or "" for other referers.
std::string_view webmail_from_referer(std::string_view referer);

// Mail privacy proxies that fetch images on the reader's behalf: a fetch to or from one shows that
// a message was opened (or prefetched) even though the tracker's own host is hidden. Returns the
// proxy's name for a host such as "ci3.googleusercontent.com", or "".
std::string_view privacy_proxy_from_host(std::string_view host);

}  // namespace bw::correlate
