#!/usr/bin/env python3
"""Plans the real-client corpus: who the hosts are, which servers answer which names, what every
server route serves and how it is labelled, which mails go to whom, and each host's ordered list
of things to do (mail opens, page visits, API sessions, OCSP, updates).

Everything random comes from one seeded random.Random, so two runs plan the same corpus (the
packets differ in ports and timing only). Output goes to WORK (a folder):

  hosts.json      client hosts: address, person, reader, user agents
  servers.json    server namespaces and their addresses
  zone.json       DNS names -> address (exact and wildcard)
  vhosts.json     per name: routes (regex on path+query -> response, cache policy, label)
  registry.json   per host+URI of every mail pixel: recipient, campaign, vendor (what a tracker
                  knows about the URLs it handed out); also DNS names of token hosts
  certnames.txt   every TLS name (SANs of the servers' certificate)
  mails/*.html    the mails, as a mail client renders them
  www/...         pages served by the web servers (news, SPAs, webmail)
  plans/PHASE/IP.json   one host's actions for a phase (warmup, corpus)

usage: world.py WORK --scale S --seed N
"""

import argparse
import json
import os
import random
import sys
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ next to the scripts in the source tree
from vendors import LINK_BRANDING_CNAME, SENDERS, VENDORS, Tok, md5

SITE = "parl.example"

FIRST = ["anna", "bruno", "clara", "david", "elena", "felix", "greta", "hugo", "irene", "jonas",
         "karin", "lukas", "maria", "nils", "olga", "paul", "rita", "simon", "tanja", "ulrich",
         "vera", "walter", "xenia", "yves", "zoe", "andrea", "boris", "celine", "dario", "eva",
         "fabio", "gisela", "henrik", "ines", "jan", "katja", "leon", "mira", "noah", "petra"]
LAST = ["schmidt", "rossi", "dubois", "novak", "kowalski", "jensen", "garcia", "meyer",
        "lindqvist", "horvath", "papadopoulos", "silva", "fischer", "moreau", "bianchi", "weber",
        "nowak", "svensson", "muller", "lambert", "ricci", "hansen", "costa", "wagner", "dupont",
        "ferrari", "larsen", "martin", "kovac", "vogel", "esposito", "berg", "leroy", "romano",
        "becker", "olsen", "marino", "schulz", "petit", "conti"]

UA = {
    "outlook_msoffice": "Mozilla/4.0 (compatible; ms-office; MSOffice 16)",
    "outlook_16": "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)",
    "apple_mail": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)",
    "ios_mail": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "thunderbird": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:115.0) Gecko/20100101 Thunderbird/115.8.1",
    "chrome_win": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
    "edge_win": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.80",
    "firefox_win": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "safari_mac": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3.1 Safari/605.1.15",
    "chrome_mac": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
}

# Readers: the mail client each person uses (index ranges over the 40 hosts).
READERS = (["outlook"] * 14 + ["apple_mail"] * 8 + ["thunderbird"] * 6 + ["webmail_owa"] * 8
           + ["webmail_o365"] * 4)


class Ips:
    """Hands out public-looking addresses, one small block per organisation."""

    def __init__(self):
        self.next = {"198.18": 1, "198.51.100": 10, "203.0.113": 10, "192.0.2": 10}
        self.by_org = {}

    def org(self, org, prefix=None):
        if org in self.by_org:
            return self.by_org[org]
        prefix = prefix or "198.18"
        n = self.next[prefix]
        self.next[prefix] = n + 1
        if prefix == "198.18":
            ip = f"198.{18 + n // 250 // 250}.{(n // 250) % 250 + 1}.{n % 250 + 2}"
        else:
            ip = f"{prefix}.{n}"
        self.by_org[org] = ip
        return ip


def org_of(host):
    """The registrable-ish part (last two labels, three for co.uk-like); good enough to group
    names of one organisation on one address."""
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in ("co", "com", "ac", "gov"):
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


class World:
    def __init__(self, work, scale, seed):
        self.work = work
        self.scale = scale
        self.rng = random.Random(seed)
        self.t = Tok(self.rng)
        self.ips = Ips()
        self.zone = {}            # name -> ip (names starting with "*." are wildcards)
        self.cnames = {}          # name -> alias target (link branding), answered before its A
        self.server_of_ip = {}    # ip -> server namespace name
        self.vhosts = {}          # name -> [route]
        self.registry = {}        # host+uri -> label
        self.dns_labels = {}      # dns name -> label (token host names)
        self.tls_names = set()
        self.hosts = []
        self.plans = {"warmup": {}, "corpus": {}}
        self.mails = []

    # ---- servers and names -------------------------------------------------------------
    def name(self, host, server, routes, ip=None, prefix=None, tls=True):
        """Declares a virtual host: where it lives and what it serves. Routes of a name declared
        twice are appended (one name can serve mail pixels and web pages)."""
        if host not in self.zone:
            if ip is None:
                ip = self.ips.org(org_of(host), prefix)
            self.zone[host] = ip
            self.server_of_ip[ip] = server
        self.vhosts.setdefault(host, [])
        self.vhosts[host].extend(routes)
        if tls:
            self.tls_names.add(host)
        return self.zone[host]

    # ---- hosts -----------------------------------------------------------------------------
    def make_hosts(self):
        for i in range(40):
            person = f"{FIRST[i]}.{LAST[i]}"
            reader = READERS[i]
            if reader == "outlook":
                mail_ua = UA["outlook_msoffice"] if i % 2 else UA["outlook_16"]
                browser = UA["edge_win"] if i % 3 else UA["chrome_win"]
            elif reader == "apple_mail":
                mail_ua = UA["ios_mail"] if i % 4 == 0 else UA["apple_mail"]
                browser = UA["safari_mac"] if i % 2 else UA["chrome_mac"]
            elif reader == "thunderbird":
                mail_ua = UA["thunderbird"]
                browser = UA["firefox_win"]
            else:
                browser = [UA["chrome_win"], UA["edge_win"], UA["firefox_win"], UA["safari_mac"]][i % 4]
                mail_ua = browser
            self.hosts.append({
                "index": i, "ip": f"10.20.1.{10 + i}", "person": person,
                "email": f"{person}@{SITE}", "reader": reader, "mail_ua": mail_ua,
                "browser_ua": browser,
                "os": "mac" if reader == "apple_mail" else "windows",
            })

    # ---- infrastructure: intranet, DNS, OCSP ------------------------------------------
    def make_site(self):
        ico = ["^/favicon\\.ico", "img:ico:16x16:1150", "static", "benign:favicon", None]
        api_json = "json"
        self.name("portal." + SITE, "int", [
            ["^/app/", "html:spa-portal", "private", "benign:intranet-spa", "portal_sid"],
            ["^/api/v2/users/[0-9a-f]{24}/avatar", "img:png:48x48:1900", "private", "benign:intranet-avatar", None],
            ["^/api/v2/", api_json, "private", "benign:intranet-api", None],
            ["^/static/", "js", "static", "benign:intranet-static", None],
            ico], ip="10.20.0.5")
        self.name("hr." + SITE, "int", [
            ["^/people/photo/[0-9a-f]{32}\\.jpg", "img:jpeg:32x32:900", "private", "benign:intranet-photo", None],
            ["^/api/", api_json, "private", "benign:intranet-api", None], ico], ip="10.20.0.6")
        self.name("wiki." + SITE, "int", [
            ["^/download/thumbnails/", "img:png:200x120:6400", "private", "benign:intranet-thumbnail", None],
            ["^/rest/api/", api_json, "private", "benign:intranet-api", None],
            ["^/display/", "html:spa-wiki", "private", "benign:intranet-page", "JSESSIONID"],
            ico], ip="10.20.0.6")
        self.name("mail." + SITE, "int", [
            ["^/owa/\\?ItemID=([A-Za-z0-9]+)", "mailpage:owa", "private", "benign:webmail-page", "X-OWA-CANARY"],
            ["^/owa/service\\.svc", api_json, "private", "benign:webmail-api", None],
            ["^/owa/attachment\\.ashx", "img:png:96x96:2400", "private", "benign:webmail-attachment-preview", None],
            ["^/owa/prem/", "js", "static", "benign:webmail-static", None],
            ["^/owa/ev\\.owa2", "204", "nocache", "benign:webmail-telemetry", None],
            ico], ip="10.20.0.7")
        self.name("chat." + SITE, "int", [
            ["^/api/v4/users/[a-z0-9]{26}/image", "img:png:64x64:2100", "private", "benign:chat-avatar", None],
            ["^/api/v4/poll", "longpoll", "nocache", "benign:chat-longpoll", None],
            ["^/api/v4/", api_json, "nocache", "benign:chat-api", None], ico], ip="10.20.0.8")
        self.name("stats." + SITE, "int", [
            ["^/matomo\\.php", "gif1", "nocache", "benign:intranet-analytics", None],
            ["^/matomo\\.js", "js", "static", "benign:intranet-analytics", None]], ip="10.20.0.8")
        self.name("apt." + SITE, "int", [["^/debian/", "apt", "", "benign:apt-mirror", None]],
                  ip="10.20.0.9", tls=False)
        self.name("pki." + SITE, "ocsp", [["^/ocsp", "ocsp", "", "benign:ocsp", None],
                                          ["^/crl/", "bin:900", "", "benign:crl", None]],
                  ip="10.20.0.10", tls=False)
        self.name("news." + SITE, "int", [
            ["^/newsletter/img/", "img:jpeg:600x240:38000", "static", "benign:newsletter-content", None],
            ["^/newsletter/spacer\\.gif", "gif1", "static", "benign:newsletter-spacer", None],
            ico], ip="10.20.0.11")

    def make_public(self):
        ico = ["^/favicon\\.ico", "img:ico:32x32:4286", "static", "benign:favicon", None]
        # Webmail in the cloud.
        self.name("outlook.office.com", "pubB", [
            ["^/mail/inbox/id/([A-Za-z0-9]+)", "mailpage:o365", "private", "benign:webmail-page", "OpenIdConnect.token.v1"],
            ["^/owa/service\\.svc", "json", "private", "benign:webmail-api", None],
            ["^/owa/startupdata\\.ashx", "json", "private", "benign:webmail-api", None], ico])
        self.name("res.cdn.office.net", "pubB", [["^/", "js", "static", "benign:cdn-static", None]])
        self.name("www.gravatar.com", "pubB", [
            ["^/avatar/[0-9a-f]{32}", "img:png:64x64:2600", "static", "benign:gravatar", None]])
        self.name("teams.microsoft.com", "pubB", [
            ["^/api/chatsvc/", "json", "nocache", "benign:saas-api", None], ico])
        self.name("emea.ng.msg.teams.microsoft.com", "pubB", [
            ["/poll", "longpoll", "nocache", "benign:chat-longpoll", None],
            ["^/", "json", "nocache", "benign:saas-api", None]])
        self.name("api.github.com", "pubB", [["^/", "json", "private", "benign:saas-api", None]])
        self.name("avatars.githubusercontent.com", "pubB", [
            ["^/u/", "img:png:40x40:1300", "static", "benign:saas-avatar", None]])
        for rare in ("api.timetrackr.io", "app.pollbeam.com", "api.docsign-cloud.eu"):
            self.name(rare, "pubB", [
                ["^/v1/.*/avatar", "img:png:32x32:900", "private", "benign:saas-avatar", None],
                ["^/", "json", "nocache", "benign:saas-api", None], ico])
        self.name("slack.com", "pubB", [["^/api/", "json", "nocache", "benign:saas-api", None]])
        self.name("ca.slack-edge.com", "pubB", [
            ["^/", "img:png:48x48:1700", "static", "benign:saas-avatar", None]])
        # Web analytics and ads, loaded by pages.
        self.name("www.google-analytics.com", "pubB", [
            ["^/g/collect", "204", "nocache", "benign:web-analytics", None],
            ["^/collect", "gif1", "nocache", "benign:web-analytics", None],
            ["^/analytics\\.js", "js", "static", "benign:web-analytics", None]])
        self.name("www.googletagmanager.com", "pubB", [["^/", "js", "private", "benign:web-analytics", None]])
        self.name("www.facebook.com", "pubA", [
            ["^/tr", "gif1", "nocache", "benign:ad-pixel", None]])
        self.name("connect.facebook.net", "pubB", [["^/", "js", "static", "benign:ad-script", None]])
        self.name("px.ads.linkedin.com", "pubB", [
            ["^/collect", "gif1", "nocache", "benign:ad-pixel", None]])
        self.name("bat.bing.com", "pubB", [
            ["^/action/", "204", "nocache", "benign:ad-pixel", None],
            ["^/bat\\.js", "js", "static", "benign:ad-script", None]])
        self.name("ad.doubleclick.net", "pubB", [
            ["^/ddm/activity/", "gif1", "nocache", "benign:ad-pixel", None]])
        self.name("googleads.g.doubleclick.net", "pubB", [
            ["^/pagead/viewthroughconversion/", "gif1", "nocache", "benign:ad-pixel", None],
            ["^/pagead/", "204", "nocache", "benign:app-ad-beacon", None]])
        self.name("cm.g.doubleclick.net", "pubB", [
            ["^/pixel", "redirect:https://dis.criteo.com/dis/usersync.aspx?r=11&p=3&cp=google&cu=1&url=x", "nocache", "benign:cookie-sync", None]])
        self.name("dis.criteo.com", "pubB", [["^/", "gif1", "nocache", "benign:cookie-sync", None]])
        self.name("track.hubspot.com", "pubB", [
            ["^/__ptq\\.gif", "gif1", "nocache", "benign:web-analytics", None]])
        self.name("js.hs-analytics.net", "pubB", [["^/", "js", "static", "benign:web-analytics", None]])
        self.name("in.hotjar.com", "pubB", [["^/", "json", "nocache", "benign:web-analytics", None]])
        self.name("eupress.sc.omtrdc.net", "pubB", [
            ["^/b/ss/", "gif1", "nocache", "benign:web-analytics", None]])
        self.name("api.segment.io", "pubB", [["^/v1/", "json", "nocache", "benign:web-analytics", None]])
        self.name("browser.events.data.msn.com", "pubB", [
            ["^/OneCollector/", "204", "nocache", "benign:app-telemetry", None]])
        self.name("v10.events.data.microsoft.com", "pubB", [
            ["^/OneCollector/", "json", "nocache", "benign:app-telemetry", None]])
        self.name("fonts.googleapis.com", "pubB", [["^/css", "css", "private", "benign:font", None]])
        self.name("fonts.gstatic.com", "pubB", [["^/s/", "font", "static", "benign:font", None]])
        self.name("www.google.com", "pubB", [
            ["^/s2/favicons", "img:png:32x32:700", "static", "benign:favicon", None],
            ["^/generate_204", "204", "nocache", "benign:connectivity-check", None]])
        self.name("connectivitycheck.gstatic.com", "pubB", [
            ["^/generate_204", "204", "nocache", "benign:connectivity-check", None]])
        self.name("www.msftconnecttest.com", "pubB", [
            ["^/connecttest\\.txt", "text", "nocache", "benign:connectivity-check", None]], tls=False)
        # CDNs with signed URLs, and presigned object storage.
        self.name("d2zihajmogu5jn.cloudfront.net", "pubB", [
            ["^/hls/.*\\.m3u8", "text", "private", "benign:cdn-signed-video", None],
            ["^/hls/", "ts", "private", "benign:cdn-signed-video", None]])
        self.name("vod-akamai.parlchannel.eu", "pubB", [
            ["^/i/", "ts", "private", "benign:cdn-signed-video", None]])
        self.name("parl-uploads.s3.eu-west-1.amazonaws.com", "pubB", [
            ["^/attachments/", "bin:48000", "private", "benign:cdn-presigned", None]])
        self.name("steamcdn-a.akamaihd.net", "pubB", [
            ["^/steamcommunity/public/images/apps/", "img:jpeg:32x32:1100", "static", "benign:game-launcher", None]])
        self.name("api.steampowered.com", "pubB", [["^/", "json", "nocache", "benign:game-launcher", None]])
        self.name("v7.stats.avast.com", "pubB", [["^/", "bin:120", "nocache", "benign:antivirus-stats", None]], tls=False)
        self.name("spclient.wg.spotify.com", "pubB", [["^/", "json", "nocache", "benign:app-api", None]])
        self.name("i.scdn.co", "pubB", [["^/image/[0-9a-f]{40}", "img:jpeg:64x64:2500", "static", "benign:app-image", None]])
        # Software updates.
        self.name("deb.debian.org", "pubB", [["^/debian/", "apt", "", "benign:apt-update", None]], tls=False)
        self.name("security.debian.org", "pubB", [["^/debian-security/", "apt", "", "benign:apt-update", None]], tls=False)
        self.name("update.googleapis.com", "pubB", [["^/service/update2/json", "json", "nocache", "benign:update-check", None]])
        self.name("aus5.mozilla.org", "pubB", [["^/update/", "xml", "nocache", "benign:update-check", None]])
        self.name("fe2.update.microsoft.com", "pubB", [["^/", "xml", "nocache", "benign:update-check", None]])
        self.name("ctldl.windowsupdate.com", "pubB", [["^/msdownload/", "bin:5200", "", "benign:update-check", None]], tls=False)
        self.name("download.windowsupdate.com", "pubB", [["^/", "bin:64000", "", "benign:update-download", None]], tls=False)
        self.name("armmf.adobe.com", "pubB", [["^/", "bin:3100", "", "benign:update-check", None]])
        self.name("zoom.us", "pubB", [["^/releasenotes", "json", "nocache", "benign:update-check", None]])
        # Certificate status.
        for name in ("ocsp.digicert.com", "r3.o.lencr.org", "ocsp.sectigo.com", "ocsp.pki.goog",
                     "ocsp.globalsign.com", "ocsp.usertrust.com", "status.geotrust.com"):
            self.name(name, "ocsp", [["^/", "ocsp", "", "benign:ocsp", None]], tls=False)
        self.name("crl3.digicert.com", "ocsp", [["^/", "bin:1100", "", "benign:crl", None]], tls=False)
        # News sites (visited by browsers; their pages embed analytics and ads).
        for site in ("www.politico.eu", "euobserver.com", "www.euractiv.com", "www.lemonde.fr",
                     "www.spiegel.de", "www.theguardian.com", "www.reuters.com", "apnews.com"):
            self.name(site, "pubA", [
                ["^/article/", "html:news", "private", "benign:news-page", "sess"],
                ["^/$", "html:news", "private", "benign:news-page", "sess"],
                ["^/img/", "img:jpeg:800x450:61000", "static", "benign:news-image", None],
                ["^/thumbs/", "img:jpeg:120x80:4200", "static", "benign:news-image", None],
                ["^/api/comments", "json", "nocache", "benign:news-api", None],
                ["^/assets/", "js", "static", "benign:news-static", None], ico])

    # ---- mail campaigns ----------------------------------------------------------------
    def vendor_context(self, sender):
        t = self.t
        return {
            "sender": sender, "s_short": sender.split(".")[0].replace("-", "")[:12],
            "u": t.hex(25), "id10": t.hex(10), "litmus": t.lower(6), "cm": t.alnum(7, "abcdefghijklmnopqrstuvwxyz"),
            "m32": t.hex(32), "siteid": t.digits(10), "uuid": t.uuid(), "mnum": t.digits(3),
            "sendy": t.alnum(22), "dataset": t.hex(32), "li": t.digits(5), "zeta": t.hex(12),
            "issue": t.digits(4), "sender_person": f"{t.rng.choice(FIRST)}@{sender}",
            "dc": str(t.rng.randint(1, 21)), "digits": t.digits(8), "hs": t.digits(2), "two": f"{t.rng.randint(1, 9):02d}",
            "hex8": t.hex(8), "b32": t.b32(6), "acct": t.lower(8), "one": str(t.rng.randint(1, 3)),
            "digits1": str(t.rng.randint(1, 9)),
        }

    def fill(self, template, c):
        out = template.replace("{s}", c["sender"])
        for key in ("s_short", "dc", "digits", "hs", "two", "litmus", "hex8", "b32", "siteid",
                    "acct", "one", "digits1"):
            out = out.replace("{" + key + "}", c[key])
        return out

    def pixel_route(self, host, response, vendor):
        """Tracker endpoints answer like the product: 1x1 GIF/PNG with no-cache, a 204, or a
        redirect to a static blank image. The label comes from the registry lookup."""
        spec = {"gif": "gif1", "png": "png1", "204": "204",
                "redirect": "redirect:https://imgssl.constantcontact.com/ui/images1/s.gif"}[response]
        # Content images may share the tracker's host (self-hosted tools): those paths are
        # left to the content routes.
        return ["^/(?!images/|assets/|nl/)", spec, "nocache", "benign:tracker-unknown-token", None]

    def make_campaigns(self):
        rng = self.rng
        people = list(self.hosts)
        vendors = list(VENDORS)
        if self.scale < 1:
            keep = max(6, int(len(vendors) * self.scale * 4))
            vendors = vendors[:: max(1, len(vendors) // keep)][:keep]
        self.name("imgssl.constantcontact.com", "pubA", [["^/", "gif1", "static", "benign:tracker-static", None]])
        sizes = [1, 2, 3, 3, 3, 4, 4, 5, 6, 8]
        for n, (vendor, host_t, p_https, response, builder, content_t) in enumerate(vendors):
            sender = SENDERS[n % len(SENDERS)]
            c = self.vendor_context(sender)
            host = self.fill(host_t, c)
            campaign = f"{vendor}/{sender}"
            self.name(host, "pubA", [self.pixel_route(host, response, vendor)])
            if vendor in LINK_BRANDING_CNAME:
                self.cnames[host] = LINK_BRANDING_CNAME[vendor]
            content = []
            if content_t:
                chost = self.fill(content_t, c)
                self.name(chost, "pubA", [
                    ["^/.*spacer", "gif1", "static", "benign:newsletter-spacer", None],
                    ["^/.*logo", "img:png:180x60:5200", "static", "benign:newsletter-content", None],
                    ["^/", "img:jpeg:600x300:45000", "static", "benign:newsletter-content", None]])
                # Content images: the same URL for every recipient (campaign-wide hashes/uuids).
                if chost == "mcusercontent.com":
                    content.append(f"https://{chost}/{c['u']}/images/{self.t.uuid()}.jpg")
                elif "hubspotusercontent" in chost:
                    content.append(f"https://{chost}/hubfs/{c['digits']}/Newsletter/{self.t.hex(8)}-header.jpg")
                elif "cloudfront" in chost:
                    content.append(f"https://{chost}/company/{self.t.alnum(6)}/images/{self.t.uuid()}.jpeg")
                else:
                    content.append(f"https://{chost}/images/{self.t.hex(32)}.jpg")
                content.append(f"https://{chost}/assets/logo.png")
                if rng.random() < 0.4:
                    content.append(f"https://{chost}/assets/spacer.gif")
            k = sizes[n % len(sizes)]
            rcpts = rng.sample(people, k)
            scheme = "https" if rng.random() < p_https else "http"
            self.mail_campaign(campaign, vendor, sender, rcpts, lambda r, h=host, s=scheme, b=builder, cc=c: (
                f"{s}://{h}{b(self.t, r, cc)}"), content, response)
        self.make_apt_campaign(people)
        self.make_clean_newsletters(people)

    def mail_campaign(self, campaign, vendor, sender, rcpts, pixel_url, content, response):
        for person in rcpts:
            url = pixel_url(person["email"])
            parts = urllib.parse.urlsplit(url)
            key = parts.netloc + parts.path + ("?" + parts.query if parts.query else "")
            self.registry[key] = {"is_beacon": 1, "recipient": person["email"],
                                  "campaign": campaign, "vendor": vendor}
            self.add_mail(person, sender, campaign, [url], content)
        if response == "redirect":
            target = "imgssl.constantcontact.com/ui/images1/s.gif"
            self.registry[target] = {"is_beacon": 0, "recipient": "", "campaign": campaign,
                                     "vendor": vendor + " (redirect target)"}

    def make_apt_campaign(self, people):
        """The APT31-style wave: a rare look-alike news domain, a per-recipient id in the path
        (HTTP and HTTPS) or in the host name (so the DNS lookup itself names the recipient)."""
        domain = "newsreview-daily.com"
        campaign = f"APT look-alike/{domain}"
        self.name("www." + domain, "pubA", [
            ["^/img/[0-9a-f]{32}/logo\\.png", "png1", "nocache", "benign:tracker-unknown-token", None],
            ["^/", "html:news", "private", "benign:news-page", None]])
        self.name("*.cdn." + domain, "pubA", [["^/p\\.gif", "gif1", "nocache", "benign:tracker-unknown-token", None]])
        n = 8 if self.scale >= 0.5 else 4
        rcpts = self.rng.sample(people, n)
        for i, person in enumerate(rcpts):
            if i % 3 == 2:
                label = self.t.hex(16)
                host = f"{label}.cdn.{domain}"
                url = f"http://{host}/p.gif"
                self.dns_labels[host] = {"is_beacon": 1, "recipient": person["email"], "campaign": campaign}
            else:
                scheme = "https" if i % 3 == 1 else "http"
                url = f"{scheme}://www.{domain}/img/{self.t.hex(32)}/logo.png"
            parts = urllib.parse.urlsplit(url)
            self.registry[parts.netloc + parts.path] = {"is_beacon": 1, "recipient": person["email"],
                                                       "campaign": campaign, "vendor": "APT look-alike"}
            self.add_mail(person, domain, campaign, [url], [])

    def make_clean_newsletters(self, people):
        """Newsletters without a tracker: content images (hashed names, spacers) whose URL is the
        same for every recipient. Many hosts, a mail client, no Referer: content, not beacons."""
        senders = [("news." + SITE, True), ("ecfr-bulletin.eu", False), ("brusselstimes-digest.com", False),
                   ("eurostat-releases.eu", False), ("library-alerts.eu", False)]
        if self.scale < 0.5:
            senders = senders[:2]
        for sender, internal in senders:
            if not internal:
                self.name("static." + sender, "pubA", [
                    ["^/.*spacer\\.gif", "gif1", "static", "benign:newsletter-spacer", None],
                    ["^/", "img:jpeg:600x300:52000", "static", "benign:newsletter-content", None]])
                base = f"https://static.{sender}"
                imgs = [f"{base}/nl/{self.t.hex(32)}.jpg", f"{base}/nl/{self.t.hex(32)}.jpg",
                        f"{base}/nl/spacer.gif"]
            else:
                base = f"https://{sender}/newsletter"
                imgs = [f"{base}/img/{self.t.uuid()}.jpg", f"{base}/spacer.gif"]
            k = max(3, int(len(people) * (0.6 if internal else 0.3) * min(1.0, self.scale)))
            for person in self.rng.sample(people, k):
                self.add_mail(person, sender, "", [], imgs)

    def add_mail(self, person, sender, campaign, pixels, content):
        mail_id = f"m{len(self.mails):04d}{self.t.alnum(12)}"
        body = [f"<h2>{sender} update</h2>"]
        for img in content:
            if "spacer" in img:
                body.append(f'<img src="{img}" width="1" height="10" alt="">')
            else:
                body.append(f'<p><img src="{img}" width="600" alt="newsletter"></p>')
        body.append("<p>Dear colleague, please find the latest briefing below.</p>")
        body.append(f'<p><a href="https://www.{sender}/read?id={self.t.hex(12)}">Read more</a></p>')
        for px in pixels:
            body.append(f'<img src="{px}" width="1" height="1" border="0" style="display:block" alt="">')
        html = "\n".join(body)
        os.makedirs(os.path.join(self.work, "mails"), exist_ok=True)
        with open(os.path.join(self.work, "mails", mail_id + ".html"), "w") as f:
            f.write(f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{sender}</title></head>"
                    f"<body>{html}</body></html>\n")
        self.mails.append({"id": mail_id, "to": person["email"], "ip": person["ip"],
                           "campaign": campaign, "beacons": len(pixels)})

    # ---- benign sessions -------------------------------------------------------------
    def ocsp_path(self):
        # A GET OCSP request is the base64 of a DER OCSPRequest; the real DER requests are made
        # on the client (openssl ocsp -reqout) from the corpus CA's leaf certificates.
        return "@ocsp"

    def sessions_for(self, host, phase, count):
        """Benign sessions of one host: weighted mix of the app catalog."""
        rng = self.rng
        t = self.t
        b_ua = host["browser_ua"]
        cookie = f"sid={t.hex(32)}"
        portal_ref = f"https://portal.{SITE}/app/"
        out = []

        def py(scheme, name, reqs, tool="py"):
            return {"tool": tool, "scheme": scheme, "host": name, "reqs": reqs}

        def browser_hdrs(referer=None, accept="*/*", ck=None, dest="empty"):
            h = {"User-Agent": b_ua, "Accept": accept, "Accept-Language": "en-GB,en;q=0.9",
                 "Accept-Encoding": "gzip, deflate, br", "Sec-Fetch-Dest": dest,
                 "Sec-Fetch-Mode": "cors" if dest == "empty" else "no-cors",
                 "Sec-Fetch-Site": "same-origin" if referer and "portal" in referer else "cross-site"}
            if referer:
                h["Referer"] = referer
            if ck:
                h["Cookie"] = ck
            return h

        img_accept = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
        news = ["www.politico.eu", "euobserver.com", "www.euractiv.com", "www.lemonde.fr",
                "www.spiegel.de", "www.theguardian.com", "www.reuters.com", "apnews.com"]
        steam = host["index"] % 7 == 3
        spotify = host["index"] % 5 == 1
        rare_saas = ["api.timetrackr.io", "app.pollbeam.com", "api.docsign-cloud.eu"][host["index"] % 3]

        def intranet_api():
            reqs = []
            for _ in range(rng.randint(2, 8)):
                kind = rng.random()
                if kind < 0.45:
                    p = f"/api/v2/documents/{t.uuid()}"
                elif kind < 0.65:
                    p = f"/api/v2/documents/{t.uuid()}/versions?limit=20&offset=0"
                elif kind < 0.85:
                    p = f"/api/v2/users/{t.hex(24)}/avatar?size=48"
                else:
                    p = f"/api/v2/search?q={rng.choice(['budget', 'agenda', 'minutes', 'ITRE'])}&page={rng.randint(1, 5)}"
                accept = img_accept if "avatar" in p else "application/json, text/plain, */*"
                reqs.append(["GET", p, browser_hdrs(portal_ref, accept, cookie), None])
            return py("https", "portal." + SITE, reqs)

        def hr_photos():
            reqs = [["GET", f"/people/photo/{t.hex(32)}.jpg?s=32",
                     browser_hdrs(f"https://hr.{SITE}/directory", img_accept, cookie, "image"), None]
                    for _ in range(rng.randint(3, 10))]
            return py("https", "hr." + SITE, reqs)

        def wiki():
            page = t.digits(8)
            reqs = [["GET", f"/rest/api/content/{page}?expand=body.storage,version",
                     browser_hdrs(f"https://wiki.{SITE}/display/PARL/Home", "application/json", "JSESSIONID=" + t.HEX(32)), None]]
            for _ in range(rng.randint(1, 4)):
                reqs.append(["GET", f"/download/thumbnails/{page}/image{rng.randint(1, 9)}.png?version=1&modificationDate={t.digits(13)}&api=v2",
                             browser_hdrs(f"https://wiki.{SITE}/display/PARL/Home", img_accept, "JSESSIONID=" + t.HEX(32), "image"), None])
            return py("https", "wiki." + SITE, reqs)

        def owa_session():
            canary = t.b64url(48)
            ck = f"X-OWA-CANARY={canary}; ClientId={t.HEX(32)}"
            ref = f"https://mail.{SITE}/owa/"
            reqs = [["POST", f"/owa/service.svc?action=FindItem&EP=1&ID=-{rng.randint(10, 99)}&AC=1",
                     dict(browser_hdrs(ref, "*/*", ck), **{"Content-Type": "application/json; charset=utf-8", "X-OWA-CANARY": canary, "Action": "FindItem"}),
                     json.dumps({"__type": "FindItemJsonRequest:#Exchange", "Body": {"Paging": {"MaxEntriesReturned": 50}}})]]
            if rng.random() < 0.5:
                reqs.append(["GET", f"/owa/attachment.ashx?id={t.b64url(96)}&X-OWA-CANARY={canary}&isImagePreview=True",
                             browser_hdrs(ref, img_accept, ck, "image"), None])
            reqs.append(["POST", "/owa/ev.owa2?ns=PendingRequest&ev=FinishNotificationRequest&UA=0",
                         browser_hdrs(ref, "*/*", ck), "{}"])
            return py("https", "mail." + SITE, reqs)

        def chat():
            session = t.uuid()
            uid = t.b32(26)
            reqs = [["GET", f"/api/v4/poll?session={session}&last={rng.randint(1000, 9999)}",
                     {"User-Agent": "Mattermost/5.7.0 Chrome/120.0.6099.291 Electron/28.2.1", "Authorization": "Bearer " + t.lower(26), "Accept": "application/json"}, None]]
            if rng.random() < 0.6:
                reqs.append(["GET", f"/api/v4/users/{uid}/image?_={t.digits(13)}",
                             {"User-Agent": "Mattermost/5.7.0 Chrome/120.0.6099.291 Electron/28.2.1", "Accept": img_accept, "Cookie": "MMAUTHTOKEN=" + t.lower(26)}, None])
            return py("https", "chat." + SITE, reqs)

        def matomo():
            page = urllib.parse.quote(f"https://portal.{SITE}/app/doc/{t.uuid()}", safe="")
            p = (f"/matomo.php?action_name=Document&idsite=3&rec=1&r={t.digits(6)}&h={rng.randint(8, 18)}&m={rng.randint(0, 59)}&s={rng.randint(0, 59)}"
                 f"&url={page}&_id={t.hex(16)}&_idn=0&send_image=1&pv_id={t.alnum(6)}&pf_net=0&pf_srv={rng.randint(20, 200)}")
            return py("https", "stats." + SITE, [["GET", p, browser_hdrs(portal_ref, img_accept, None, "image"), None]])

        def teams():
            ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Teams/1.6.00.4472 Chrome/91.0.4472.164 Electron/13.6.6 Safari/537.36"
            if rng.random() < 0.5:
                return py("https", "emea.ng.msg.teams.microsoft.com", [["GET", f"/v1/users/ME/endpoints/{t.uuid()}/subscriptions/0/poll?ackId={rng.randint(100, 900)}",
                          {"User-Agent": ua, "Authentication": "skypetoken=" + t.b64url(300), "Accept": "json"}, None]])
            conv = f"19:{t.hex(32)}@thread.v2"
            return py("https", "teams.microsoft.com", [["GET", f"/api/chatsvc/emea/v1/users/ME/conversations/{urllib.parse.quote(conv)}/messages?view=msnp24Equivalent|supportsMessageProperties&pageSize=200&startTime={t.digits(13)}",
                      {"User-Agent": ua, "Authorization": "Bearer " + t.b64url(600), "Accept": "json"}, None]])

        def saas():
            name = rare_saas
            ck = f"_session={t.hex(40)}"
            ref = f"https://{name.split('.', 1)[1]}/app"
            reqs = [["GET", f"/v1/entries/{t.uuid()}", browser_hdrs(ref, "application/json", ck), None]]
            if rng.random() < 0.4:
                reqs.append(["GET", f"/v1/users/{t.hex(24)}/avatar", browser_hdrs(ref, img_accept, ck, "image"), None])
            return py("https", name, reqs)

        def github():
            return py("https", "api.github.com", [["GET", f"/repos/parl-it/{rng.choice(['votes', 'amendments', 'infra'])}/commits/{t.hex(40)}",
                      {"User-Agent": "GitHubDesktop/3.3.12 (Windows)", "Accept": "application/vnd.github+json", "Authorization": "token gho_" + t.alnum(36)}, None]])

        def slack():
            return py("https", "slack.com", [["POST", f"/api/client.counts?_x_id={t.hex(8)}-{t.digits(10)}.{t.digits(3)}&slack_route={t.HEX(9)}",
                      {"User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Slack/4.36.140 Chrome/120.0.6099.56 Electron/28.0.0 Safari/537.36 Sonic Slack_SSB/4.36.140",
                       "Content-Type": "application/x-www-form-urlencoded", "Cookie": "d=" + t.b64url(120)}, "token=xoxc-" + t.digits(12)]])

        def analytics():
            site = rng.choice(news)
            page = f"https://{site}/article/{t.digits(7)}/{rng.choice(['eu-budget', 'ukraine-aid', 'energy-prices', 'ai-act'])}"
            ref = f"https://{site}/"
            pick = rng.random()
            if pick < 0.3:
                return py("https", "www.google-analytics.com", [["POST" if rng.random() < 0.5 else "GET",
                          f"/g/collect?v=2&tid=G-{t.alnum(10, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}&gtm=45je4340&_p={t.digits(10)}&cid={t.digits(9)}.{t.digits(10)}&ul=en-gb&sr=1920x1080&_s=1&sid={t.digits(10)}&sct={rng.randint(1, 40)}&seg=1&dl={urllib.parse.quote(page, safe='')}&dt=Article&en=page_view&_ee=1",
                          browser_hdrs(ref, "*/*"), ""]])
            if pick < 0.45:
                return py("https", "www.facebook.com", [["GET", f"/tr/?id={t.digits(15)}&ev=PageView&dl={urllib.parse.quote(page, safe='')}&rl=&if=false&ts={t.digits(13)}&sw=1920&sh=1080&v=2.9.150&r=stable&ec=0&o=4126&fbp=fb.1.{t.digits(13)}.{t.digits(9)}&it={t.digits(13)}&coo=false&rqm=GET",
                          browser_hdrs(ref, img_accept, None, "image"), None]])
            if pick < 0.55:
                return py("https", "px.ads.linkedin.com", [["GET", f"/collect/?pid={t.digits(7)}&fmt=gif&time={t.digits(13)}&url={urllib.parse.quote(page, safe='')}",
                          browser_hdrs(ref, img_accept, None, "image"), None]])
            if pick < 0.65:
                return py("https", "bat.bing.com", [["GET", f"/action/0?ti={t.digits(8)}&tm=gtm002&Ver=2&mid={t.uuid()}&sid={t.hex(8)}0&vid={t.hex(8)}0&vids=1&msclkid=N&pi=918639831&lg=en-GB&sw=1920&sh=1080&sc=24&tl=Article&p={urllib.parse.quote(page, safe='')}&r=&lt={t.digits(3)}&evt=pageLoad&sv=1&rn={t.digits(6)}",
                          browser_hdrs(ref, img_accept, None, "image"), None]])
            if pick < 0.72:
                return py("https", "ad.doubleclick.net", [["GET", f"/ddm/activity/src={t.digits(7)};type=invmedia;cat={t.lower(8)};dc_lat=;dc_rdid=;tag_for_child_directed_treatment=;tfua=;npa=;gdpr=1;ord={t.digits(16)}?",
                          browser_hdrs(ref, img_accept, None, "image"), None]])
            if pick < 0.78:
                return py("https", "cm.g.doubleclick.net", [["GET", f"/pixel?google_nid={t.lower(10)}&google_cm&google_sc&google_hm={t.b64url(16)}",
                          browser_hdrs(ref, img_accept, None, "image"), None]])
            if pick < 0.86:
                return py("https", "track.hubspot.com", [["GET", f"/__ptq.gif?k=1&sd=1920x1080&cd=24-bit&cs=UTF-8&ln=en-gb&bfp={t.digits(10)}&v=1.1&a={t.digits(7)}&rcu={urllib.parse.quote(ref, safe='')}&pu={urllib.parse.quote(page, safe='')}&t=Article&cts={t.digits(13)}&vi={t.hex(32)}&nc=false&u={t.digits(9)}.{t.hex(32)}.{t.digits(13)}.{t.digits(13)}.{t.digits(13)}.1&b={t.digits(9)}.1.{t.digits(13)}&cc=15",
                          browser_hdrs(ref, img_accept, None, "image"), None]])
            if pick < 0.93:
                return py("https", "eupress.sc.omtrdc.net", [["GET", f"/b/ss/eupressglobal/1/JS-2.22.4/s{t.digits(14)}?AQB=1&ndh=1&pf=1&t=12%2F2%2F2024%2010%3A{rng.randint(10, 59)}%3A1%202%20-60&mid={t.digits(38)}&aamlh=6&ce=UTF-8&pageName=article&g={urllib.parse.quote(page, safe='')}&cc=EUR&ch=news&s=1920x1080&c=24&j=1.6&v=N&k=Y&bw=1680&bh=920&AQE=1",
                          browser_hdrs(ref, img_accept, None, "image"), None]])
            return py("https", "in.hotjar.com", [["POST", f"/api/v2/client/sites/{t.digits(7)}/visit-data?sv=7",
                      dict(browser_hdrs(ref, "*/*"), **{"Content-Type": "application/json"}), json.dumps({"window_width": 1680, "user_id": t.uuid()})]])

        def news_reader():
            site = rng.choice(news)
            art = f"/article/{t.digits(7)}/{rng.choice(['eu-budget', 'ukraine-aid', 'energy-prices', 'ai-act'])}"
            ck = f"sess={t.hex(24)}" if rng.random() < 0.6 else None
            reqs = [["GET", art, browser_hdrs(f"https://{site}/", "text/html,application/xhtml+xml,*/*;q=0.8", ck, "document"), None]]
            for _ in range(rng.randint(1, 5)):
                reqs.append(["GET", f"/img/2024/03/{t.hex(16)}.jpg", browser_hdrs(f"https://{site}{art}", img_accept, ck, "image"), None])
            if rng.random() < 0.3:
                reqs.append(["GET", f"/api/comments/count?ids={t.digits(7)},{t.digits(7)}", browser_hdrs(f"https://{site}{art}", "application/json", ck), None])
            return py("https", site, reqs)

        def fonts():
            return py("https", "fonts.gstatic.com", [["GET", f"/s/{rng.choice(['roboto', 'opensans', 'lato', 'sourcesanspro'])}/v{rng.randint(18, 32)}/{t.alnum(22)}.woff2",
                      dict(browser_hdrs(f"https://{rng.choice(news)}/", "*/*", None, "font"), Origin=f"https://{rng.choice(news)}"), None]])

        def favicon():
            site = rng.choice(news + ["outlook.office.com", "teams.microsoft.com"])
            return py("https", site, [["GET", "/favicon.ico", browser_hdrs(f"https://{site}/", img_accept, None, "image"), None]])

        def gravatar():
            # Sender avatars in webmail: the MD5 of the sender's address (mostly external, now
            # and then a protected colleague).
            if rng.random() < 0.1:
                who = rng.choice(self.hosts)["email"]
            else:
                who = f"{rng.choice(FIRST)}.{rng.choice(LAST)}@{rng.choice(SENDERS)}"
            return py("https", "www.gravatar.com", [["GET", f"/avatar/{md5(who)}?s=64&d=mp",
                      browser_hdrs(f"https://mail.{SITE}/", img_accept, None, "image"), None]])

        def video():
            vid = t.uuid()
            reqs = []
            expires = t.digits(10)
            sig = t.b64url(256).replace("_", "~")
            kp = "K2" + t.alnum(12, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
            start = rng.randint(0, 200)
            for seg in range(start, start + rng.randint(4, 14)):
                reqs.append(["GET", f"/hls/{vid}/720p/segment_{seg:05d}.ts?Expires={expires}&Signature={sig}&Key-Pair-Id={kp}",
                             browser_hdrs("https://www.parlchannel.eu/", "*/*", None), None])
            if rng.random() < 0.5:
                return py("https", "d2zihajmogu5jn.cloudfront.net", reqs)
            reqs = [["GET", f"/i/live/{t.digits(6)}/segment{seg}_3_av.ts?hdnts=exp={expires}~acl=/*~hmac={t.hex(64)}",
                     browser_hdrs("https://www.parlchannel.eu/", "*/*", None), None] for seg in range(start, start + rng.randint(4, 12))]
            return py("https", "vod-akamai.parlchannel.eu", reqs)

        def presigned():
            return {"tool": "curl", "url": f"https://parl-uploads.s3.eu-west-1.amazonaws.com/attachments/{t.uuid()}/report.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA{t.alnum(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}%2F20240312%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=20240312T10{rng.randint(10, 59)}00Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature={t.hex(64)}",
                    "ua": b_ua}

        def ocsp():
            r = rng.random()
            responder = rng.choice(["ocsp.digicert.com", "r3.o.lencr.org", "ocsp.sectigo.com", "ocsp.pki.goog/gts1c3",
                                    "ocsp.globalsign.com/gsrsaovsslca2018", "ocsp.usertrust.com", "status.geotrust.com", f"pki.{SITE}/ocsp"])
            leaf = rng.randint(0, 29)
            if r < 0.55:
                ua = {"windows": "Microsoft-CryptoAPI/10.0", "mac": "com.apple.trustd/3.0"}[host["os"]]
                return {"tool": "ocsp-get", "responder": responder, "leaf": leaf, "ua": ua}
            if r < 0.8:
                return {"tool": "ocsp-post", "responder": responder, "leaf": leaf, "ua": UA["firefox_win"]}
            return {"tool": "openssl-ocsp", "responder": responder, "leaf": leaf}

        def updates():
            r = rng.random()
            if r < 0.25:
                return py("https", "update.googleapis.com", [["POST", f"/service/update2/json?cup2key=13:{t.digits(10)}&cup2hreq={t.hex(64)}",
                          {"User-Agent": "Google Update/1.3.36.372;winhttp", "X-Goog-Update-Interactivity": "bg", "X-Goog-Update-AppId": "{8A69D345-D564-463C-AFF1-A69D9E530F96}",
                           "X-Goog-Update-Updater": "Omaha-1.3.36.372", "Content-Type": "application/json"}, json.dumps({"request": {"@os": "win", "sessionid": "{" + t.uuid() + "}", "requestid": "{" + t.uuid() + "}"}})]])
            if r < 0.4:
                return py("https", "aus5.mozilla.org", [["GET", f"/update/6/Firefox/123.0.1/20240304104836/WINNT_x86_64-msvc-x64/en-GB/release/Windows_NT%2010.0.0.0.19045.4046%20(x64)/ISET:SSE4_2,MEM:16270/default/default/update.xml",
                          {"User-Agent": UA["firefox_win"], "Cache-Control": "no-cache"}, None]])
            if r < 0.55:
                return {"tool": "curl", "url": f"http://ctldl.windowsupdate.com/msdownload/update/v3/static/trustedr/en/{rng.choice(['disallowedcertstl', 'authrootstl', 'pinrulesstl'])}.cab?{t.hex(16)}",
                        "ua": "Microsoft-CryptoAPI/10.0"}
            if r < 0.7:
                return py("https", "fe2.update.microsoft.com", [["POST", "/v6/ClientWebService/client.asmx",
                          {"User-Agent": "Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.71", "Content-Type": "application/soap+xml; charset=utf-8",
                           "SOAPAction": "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/SyncUpdates"}, "<s:Envelope/>"]])
            if r < 0.8:
                return {"tool": "curl", "url": f"http://download.windowsupdate.com/c/msdownload/update/software/defu/2024/03/am_delta_patch_1.407.{rng.randint(100, 999)}.0_{t.hex(40)}.exe",
                        "ua": "Microsoft BITS/7.8", "range": "bytes=0-65535"}
            if r < 0.9:
                return py("https", "armmf.adobe.com", [["GET", "/arm-manifests/win/ReaderDCManifest3.msi",
                          {"User-Agent": "Adobe Reader Updater", "Accept": "*/*"}, None]])
            return py("https", "zoom.us", [["GET", f"/releasenotes?os=win&ver=5.17.{rng.randint(1, 11)}.{t.digits(5)}&cv=5.17.11.{t.digits(5)}&deviceid={t.b64url(24)}",
                      {"User-Agent": "Zoom", "Accept": "*/*"}, None]])

        def telemetry():
            r = rng.random()
            if r < 0.5:
                return py("https", "browser.events.data.msn.com", [["POST", f"/OneCollector/1.0/?cors=true&content-type=application/x-json-stream&client-id=NO_AUTH&client-version=1DS-Web-JS-3.2.13&apikey={t.hex(32)}-{t.uuid()}-7{t.digits(3)}&upload-time={t.digits(13)}&w=0&anoncknm=app_anon&NoResponseBody=true",
                          {"User-Agent": b_ua, "Content-Type": "text/plain;charset=UTF-8", "Origin": "https://www.msn.com"}, "{}"]])
            if r < 0.7:
                return {"tool": "curl", "url": "http://v7.stats.avast.com/cgi-bin/iavs4stats.cgi", "ua": "avast! Antivirus", "data": t.b64(90)}
            return py("https", "v10.events.data.microsoft.com", [["POST", "/OneCollector/1.0/",
                      {"User-Agent": "MSDW", "Content-Type": "application/bond-compact-binary", "Client-Id": "NO_AUTH", "APIKey": f"{t.hex(32)}-{t.uuid()}-7{t.digits(3)}", "Upload-Time": t.digits(13)}, t.b64(200)]])

        def steam_session():
            reqs = [["GET", f"/steamcommunity/public/images/apps/{t.digits(6)}/{t.hex(40)}.jpg",
                     {"User-Agent": "Valve/Steam HTTP Client 1.0 (tenfoot)", "Accept": "*/*"}, None] for _ in range(rng.randint(2, 8))]
            return py("https", "steamcdn-a.akamaihd.net", reqs)

        def spotify_session():
            if rng.random() < 0.5:
                return py("https", "i.scdn.co", [["GET", f"/image/{t.hex(40)}", {"User-Agent": "Spotify/1.2.31.1205 Win32_x86_64/0 (PC desktop)", "Accept": "*/*"}, None]
                                                for _ in range(rng.randint(2, 6))])
            return py("https", "spclient.wg.spotify.com", [["GET", f"/ads/v2/config?market=BE&client={t.hex(32)}", {"User-Agent": "Spotify/1.2.31.1205 Win32_x86_64/0 (PC desktop)", "Authorization": "Bearer " + t.b64url(120)}, None]])

        def connectivity():
            if host["os"] == "windows":
                return {"tool": "curl", "url": "http://www.msftconnecttest.com/connecttest.txt", "ua": "Microsoft NCSI"}
            return py("https", "www.google.com", [["GET", "/generate_204", {"User-Agent": b_ua}, None]])

        def tls_probe():
            # Monitoring / health checks: TLS handshakes with nothing that looks like a fetch.
            return {"tool": "s_client", "name": rng.choice(["portal." + SITE, "mail." + SITE, "api.github.com", "slack.com"])}

        def wget_download():
            return {"tool": "wget", "url": f"https://wiki.{SITE}/download/thumbnails/{t.digits(8)}/diagram.png?version=2&api=v2"}

        def urllib_api():
            return {"tool": "urllib", "url": f"https://portal.{SITE}/api/v2/documents/{t.uuid()}/metadata",
                    "ua": "Python-urllib/3.11"}

        catalog = [(intranet_api, 18), (hr_photos, 4), (wiki, 5), (owa_session, 7), (chat, 7),
                   (matomo, 5), (teams, 6), (saas, 3), (github, 1), (slack, 2), (analytics, 12),
                   (news_reader, 6), (fonts, 2), (favicon, 2), (gravatar, 1), (video, 2),
                   (presigned, 1), (ocsp, 8), (updates, 4), (telemetry, 3), (connectivity, 1),
                   (tls_probe, 1), (wget_download, 1), (urllib_api, 1)]
        if steam:
            catalog.append((steam_session, 3))
        if spotify:
            catalog.append((spotify_session, 3))
        funcs = [f for f, _ in catalog]
        weights = [w for _, w in catalog]
        for _ in range(count):
            out.append(rng.choices(funcs, weights)[0]())
        return out

    def page_visits(self, host, count):
        """Chromium page visits: news articles (analytics, ads, fonts) and the intranet SPA."""
        out = []
        news = ["www.politico.eu", "euobserver.com", "www.euractiv.com", "www.lemonde.fr",
                "www.spiegel.de", "www.theguardian.com", "www.reuters.com", "apnews.com"]
        for _ in range(count):
            if self.rng.random() < 0.6:
                site = self.rng.choice(news)
                url = f"https://{site}/article/{self.t.digits(7)}/story"
            elif self.rng.random() < 0.5:
                url = f"https://portal.{SITE}/app/documents"
            else:
                url = f"https://wiki.{SITE}/display/PARL/Home"
            out.append({"tool": "chromium", "url": url, "ua": host["browser_ua"]})
        return out

    def make_plans(self):
        rng = self.rng
        corpus_sessions = int(800 * self.scale)
        warm_sessions = int(200 * self.scale)
        visits = max(1, int(3 * self.scale))
        opens = {}
        for mail in self.mails:
            opens.setdefault(mail["ip"], []).append(mail)
        for host in self.hosts:
            for phase, count, nvisits in (("warmup", warm_sessions, max(1, visits // 3)),
                                          ("corpus", corpus_sessions, visits)):
                acts = self.sessions_for(host, phase, count) + self.page_visits(host, nvisits)
                if phase == "warmup":
                    acts.append({"tool": "apt", "mirror": "deb.debian.org"})
                else:
                    acts.append({"tool": "apt", "mirror": rng.choice(["deb.debian.org", f"apt.{SITE}"])})
                    for mail in opens.get(host["ip"], []):
                        acts.append(self.open_action(host, mail))
                        if mail["beacons"] and rng.random() < 0.2:
                            acts.append(self.open_action(host, mail))  # opened again later
                rng.shuffle(acts)
                self.plans[phase][host["ip"]] = acts

    def open_action(self, host, mail):
        reader = host["reader"]
        if reader == "webmail_owa":
            url = f"https://mail.{SITE}/owa/?ItemID={mail['id']}"
        elif reader == "webmail_o365":
            url = f"https://outlook.office.com/mail/inbox/id/{mail['id']}"
        else:
            url = "file://@MAILS@/" + mail["id"] + ".html"
        return {"tool": "chromium", "url": url, "ua": host["mail_ua"], "mail": mail["id"]}

    # ---- output ------------------------------------------------------------------------
    def write(self):
        w = self.work
        os.makedirs(w, exist_ok=True)
        servers = {}
        for ip, server in sorted(self.server_of_ip.items()):
            servers.setdefault(server, []).append(ip)
        servers.setdefault("dns", []).append("10.20.0.53")
        dump = {
            "hosts.json": self.hosts, "servers.json": servers, "zone.json": self.zone,
            "cnames.json": self.cnames,
            "vhosts.json": self.vhosts, "registry.json": {"urls": self.registry, "dns": self.dns_labels},
            "mails.json": self.mails,
        }
        for name, obj in dump.items():
            with open(os.path.join(w, name), "w") as f:
                json.dump(obj, f, indent=1, sort_keys=True)
        with open(os.path.join(w, "certnames.txt"), "w") as f:
            for name in sorted(self.tls_names):
                f.write(name + "\n")
        for phase, plans in self.plans.items():
            os.makedirs(os.path.join(w, "plans", phase), exist_ok=True)
            for ip, acts in plans.items():
                with open(os.path.join(w, "plans", phase, ip + ".json"), "w") as f:
                    json.dump(acts, f)
        with open(os.path.join(w, "recipients.txt"), "w") as f:
            for h in self.hosts:
                f.write(h["email"] + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("work")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=20240312)
    a = ap.parse_args()
    w = World(a.work, a.scale, a.seed)
    w.make_hosts()
    w.make_site()
    w.make_public()
    w.make_campaigns()
    w.make_plans()
    w.write()
    n_beacons = sum(m["beacons"] for m in w.mails)
    print(f"world: {len(w.hosts)} hosts, {len(w.vhosts)} names, {len(w.mails)} mails "
          f"({n_beacons} pixels), {len(set(v['vendor'] for v in w.registry.values()))} tracker shapes, "
          f"{sum(len(p) for p in w.plans['corpus'].values())} corpus actions")


if __name__ == "__main__":
    main()
