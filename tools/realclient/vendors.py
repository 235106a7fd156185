"""Open-tracking URL shapes of real e-mail products, for the real-client corpus.

Each vendor builds, for one recipient of one campaign, the URL of the open pixel its mails carry,
and says what its server answers. Shapes follow what these products put in mails (public
documentation, mails seen in the wild); the ids are random but have the real lengths and
alphabets. Branded hosts (`email.<sender>`, `click.e.<sender>`) are how ESPs usually send, so
many pixels sit on the sender's own, rare domain and only the path tells the product.

A vendor entry: (name, host template, scheme, response, builder). The builder gets a Tok (seeded
token maker), the recipient address and the campaign context, and returns the path + query.
Response: gif, png, 204, redirect (302 to a static image, what several trackers do).
"""

import base64
import hashlib
import urllib.parse


class Tok:
    """Seeded token maker: every id in the corpus comes from one random.Random."""

    def __init__(self, rng):
        self.rng = rng

    def hex(self, n):
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def HEX(self, n):
        return "".join(self.rng.choice("0123456789ABCDEF") for _ in range(n))

    def digits(self, n):
        return str(self.rng.randint(1, 9)) + "".join(
            self.rng.choice("0123456789") for _ in range(n - 1))

    def alnum(self, n, alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"):
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def lower(self, n):
        return self.alnum(n, "abcdefghijklmnopqrstuvwxyz0123456789")

    def b32(self, n):
        return self.alnum(n, "abcdefghijklmnopqrstuvwxyz234567")

    def raw(self, n):
        return bytes(self.rng.getrandbits(8) for _ in range(n))

    def b64url(self, n_bytes):
        return base64.urlsafe_b64encode(self.raw(n_bytes)).decode().rstrip("=")

    def b64(self, n_bytes):
        return base64.b64encode(self.raw(n_bytes)).decode()

    def uuid(self):
        h = self.hex(32)
        h = h[:12] + "4" + h[13:16] + self.rng.choice("89ab") + h[17:]
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def b64url_of(self, text):
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def q(text):
    return urllib.parse.quote(text, safe="")


# Builders. c = campaign context dict: sender (domain), list ids fixed per campaign, etc.
def mailchimp(t, r, c):
    return f"/track/open.php?u={c['u']}&id={c['id10']}&e={t.hex(10)}"


def mandrill(t, r, c):
    return f"/track/open.php?u={t.digits(8)}&id={t.hex(32)}"


def sendgrid(t, r, c):
    return f"/wf/open?upn={t.b64url(180)}"


def hubspot(t, r, c):
    return f"/e3t/Cto/{t.alnum(2)}+113/{t.alnum(7)}/{t.b64url(96)}/{t.b64url(30)}"


def hubspot_sales(t, r, c):
    return f"/e1t/o/5/f18dQhb0S7ks8dDMPbW2n0x6l2B9gXrN7sKj6v4LCzVW{t.alnum(40)}?si={t.digits(16)}&pi={t.uuid()}"


def sfmc(t, r, c):
    parts = "-".join([f"ff{t.hex(4)}"] + [f"fe{t.hex(16)}" for _ in range(4)] + [f"ff{t.hex(8)}"])
    return f"/open.aspx?{parts}&d={t.digits(6)}&bmt=0"


def braze_sparkpost(t, r, c):
    return f"/q/{t.b64url(18)}~~/AAAAAQA~/RgRn{t.b64url(120)}"


def klaviyo(t, r, c):
    return f"/ls/open?upn={t.b64url(150)}"


def mailgun(t, r, c):
    return "/o/eJ" + t.b64url(150)


def postmark(t, r, c):
    return f"/open?m=v3_1.{t.b64url(18)}.{t.b64url(24)}.{t.b64url(60)}"


def ses(t, r, c):
    return f"/I0/0100018{t.hex(13)}-{t.hex(8)}-{t.hex(4)}-{t.hex(4)}-{t.hex(4)}-{t.hex(12)}-000000/{t.b64url(33)}=373"


def sparkpost(t, r, c):
    return f"/q/{t.b64url(21)}~~/AAAAAQA~/RgRo{t.b64url(100)}"


def yesware(t, r, c):
    return f"/t/{t.hex(40)}/{t.hex(32)}/spacer.gif"


def mixmax(t, r, c):
    return f"/api/track/v2/{t.alnum(16)}/{t.b64url(30)}/{t.b64url(40)}"


def mailtrack(t, r, c):
    return f"/trace/mail/{t.hex(40)}.png?u={t.digits(7)}"


def streak(t, r, c):
    sender = c["sender_person"]
    return f"/t?sender={t.b64url_of(sender)}&type=zerocontent&guid={t.uuid()}"


def litmus(t, r, c):
    return f"/{c['litmus']}?p&d={r}"


def outreach(t, r, c):
    return f"/api/mailings/opened/{t.digits(9)}.gif"


def salesloft(t, r, c):
    return f"/t/{t.digits(6)}/o/{t.b64url(36)}.gif"


def constant_contact(t, r, c):
    return (f"/on.jsp?a={t.digits(10)}&r=3&c={t.alnum(60)}&d={t.digits(10)}&ch={t.alnum(60)}"
            f"&ca={t.uuid()}&o=https://imgssl.constantcontact.com/ui/images1/s.gif")


def campaign_monitor(t, r, c):
    return f"/t/{c['cm']}-o-{t.alnum(6, 'abcdefghijklmnopqrstuvwxyz')}-{t.alnum(6, 'abcdefghijklmnopqrstuvwxyz')}/o.gif"


def iterable(t, r, c):
    return f"/e/eo?_t={t.hex(32)}&_m={c['m32']}&_e={t.b64url(60)}"


def customer_io(t, r, c):
    return "/e/o/" + t.b64url(110)


def brevo(t, r, c):
    return "/tr/op/" + t.b64url(120)


def marketo(t, r, c):
    return f"/trk?t=1&mid={t.b64url(60)}"


def pardot(t, r, c):
    return f"/e/{t.digits(6)}/2024-03-12/{t.alnum(6)}/{t.digits(9)}/h/{t.b64url(32)}/email.gif"


def eloqua(t, r, c):
    return f"/e/FooterImages/FooterImage1?elq={t.hex(32)}&siteid={c['siteid']}"


def acoustic(t, r, c):
    return f"/open/log/{t.digits(8)}/{t.b64url(24)}/1"


def responsys(t, r, c):
    return f"/pub/as?_ri_={t.alnum(80)}&_ei_={t.alnum(40)}"


def mailjet(t, r, c):
    return f"/oo/{t.alnum(70)}/{t.hex(8)}/e.gif"


def mailerlite(t, r, c):
    return f"/link/o/{t.b64url(90)}"


def activecampaign(t, r, c):
    return f"/lt.php?x={t.b64url(70)}&l=open"


def zoho(t, r, c):
    return f"/click.zc?m=1&mrd={t.hex(24)}&od={t.hex(60)}&repDgs={t.hex(12)}&linkDgs={t.hex(12)}&mode=open"


def convertkit(t, r, c):
    return "/" + t.b32(20) + "?" + "t=" + t.digits(10)


def substack(t, r, c):
    return "/o/eJ" + t.b64url(160)


def intercom(t, r, c):
    return f"/via/o?h={t.hex(40)}-{t.digits(11)}"


def superhuman(t, r, c):
    return f"/{t.alnum(22)}.png"


def mautic(t, r, c):
    return f"/email/{t.hex(23)}.gif"


def listmonk(t, r, c):
    return f"/campaign/{c['uuid']}/{t.uuid()}/px.png"


def phplist(t, r, c):
    return f"/lists/ut.php?u={t.hex(32)}&m={c['mnum']}"


def sendy(t, r, c):
    return f"/t/{t.alnum(24)}/{c['sendy']}"


def mailpoet(t, r, c):
    data = t.b64url(60)
    return f"/?mailpoet_router&endpoint=track&action=open&data={data}"


def linkedin(t, r, c):
    return f"/emimp/ip_{t.b64url(45)}:ZW1haWxfbWVzc2FnaW5nX2RpZ2VzdF8wMQ==.gif"


def facebook(t, r, c):
    return f"/email_open_log_pic.php?mid={t.hex(13)}G{t.hex(13)}G{t.hex(12)}G{t.digits(3)}"


def leadboxer(t, r, c):
    return f"/log?datasetId={c['dataset']}&campaign=Newsletter&email={q(r)}"


def liveintent(t, r, c):
    return f"/imp?s={t.digits(6)}&li={c['li']}&m={md5(r)}&p={t.digits(13)}"


def zeta(t, r, c):
    return f"/lit/o/{c['zeta']}/{sha256(r)}.gif"


def powerinbox(t, r, c):
    return f"/imp/{t.digits(7)}?e={t.b64url_of(r)}&cb={t.digits(10)}"


def custom_b64(t, r, c):
    return f"/nl/open/{c['issue']}/{t.b64url_of(r)}.png"


def custom_email_query(t, r, c):
    return f"/api/track/open?campaign={c['issue']}&email={q(r)}"


def apt_hex(t, r, c):
    return f"/img/{t.hex(32)}/logo.png"


def apt_tokenhost(t, r, c):
    return "/p.gif"


# Link branding: a sender's own tracking name is a DNS alias of its e-mail service, which is how
# SendGrid (CNAME to sendgrid.net, also used by Braze), SparkPost (spgo.io) and Mailgun
# (mailgun.org) set it up. Salesforce Marketing Cloud delegates the subdomain with NS records
# instead, so its branded names resolve without an alias.
LINK_BRANDING_CNAME = {
    "SendGrid branded": "sendgrid.net",
    "Braze": "sendgrid.net",
    "Braze (SparkPost)": "spgo.io",
    "Mailgun": "mailgun.org",
}

# name, host template ({s} = sender domain, {t} = per-recipient token host label), scheme mix
# (probability of https), response, builder, content-image host template or None.
VENDORS = [
    ("Mailchimp", "{s_short}.us{dc}.list-manage.com", 0.7, "gif", mailchimp, "mcusercontent.com"),
    ("Mandrill", "mandrillapp.com", 0.9, "gif", mandrill, None),
    ("SendGrid", "u{digits}.ct.sendgrid.net", 1.0, "gif", sendgrid, "cdn.{s}"),
    ("SendGrid branded", "email.{s}", 0.3, "gif", sendgrid, "cdn.{s}"),
    ("HubSpot", "d{hs}.na1.hubspotlinks.com", 1.0, "gif", hubspot, "{digits}.fs1.hubspotusercontent-na1.net"),
    ("HubSpot Sales", "t.sidekickopen{two}.com", 0.5, "gif", hubspot_sales, None),
    ("Salesforce Marketing Cloud", "click.e.{s}", 0.4, "gif", sfmc, "image.e.{s}"),
    ("Braze", "ablink.news.{s}", 1.0, "gif", sendgrid, "braze-images.com"),
    ("Braze (SparkPost)", "click.mail.{s}", 1.0, "gif", braze_sparkpost, "braze-images.com"),
    ("Klaviyo", "trk.klclick1.com", 1.0, "gif", klaviyo, "d3k81ch9hvuctc.cloudfront.net"),
    ("Mailgun", "email.{s}", 0.2, "gif", mailgun, "cdn.{s}"),
    ("Postmark", "ea.pstmrk.it", 1.0, "gif", postmark, None),
    ("Amazon SES", "{hex8}.r.eu-west-1.awstrack.me", 1.0, "gif", ses, "static.{s}"),
    ("SparkPost", "spgo.io", 1.0, "gif", sparkpost, None),
    ("Yesware", "t.yesware.com", 1.0, "gif", yesware, None),
    ("Mixmax", "email-opens.mixmax.com", 1.0, "gif", mixmax, None),
    ("Mailtrack", "mailtrack.io", 1.0, "png", mailtrack, None),
    ("Streak", "mailfoogae.appspot.com", 1.0, "gif", streak, None),
    ("Litmus", "{litmus}.emltrk.com", 1.0, "gif", litmus, None),
    ("Outreach", "app1b.outreach.io", 1.0, "gif", outreach, None),
    ("Salesloft", "t.salesloftlinks.com", 1.0, "gif", salesloft, None),
    ("Constant Contact", "r20.rs6.net", 0.3, "redirect", constant_contact, "files.constantcontact.com"),
    ("Campaign Monitor", "{s_short}.cmail20.com", 0.3, "gif", campaign_monitor, "i{one}.createsend1.com"),
    ("Iterable", "links.iterable.com", 1.0, "gif", iterable, "library.iterable.com"),
    ("Customer.io", "e.customeriomail.com", 1.0, "gif", customer_io, "userimg-assets.customeriomail.com"),
    ("Brevo", "{b32}.r.bh.d.sendibt3.com", 1.0, "gif", brevo, "img.mailinblue.com"),
    ("Marketo", "go.{s}", 0.4, "gif", marketo, "go.{s}"),
    ("Pardot", "go.pardot.com", 1.0, "gif", pardot, "go.{s}"),
    ("Eloqua", "s{siteid}.t.eloqua.com", 0.6, "gif", eloqua, "img04.en25.com"),
    ("Acoustic", "links.{s}", 0.3, "gif", acoustic, "contentz.mkt{digits1}.com"),
    ("Responsys", "news.{s}", 0.5, "gif", responsys, "static.cdn.responsys.net"),
    ("Mailjet", "{b32}.mjt.lu", 0.5, "gif", mailjet, None),
    ("MailerLite", "clicks.mlsend.com", 1.0, "gif", mailerlite, "storage.mlcdn.com"),
    ("ActiveCampaign", "{acct}.lt.acemlnb.com", 1.0, "gif", activecampaign, None),
    ("Zoho Campaigns", "zc1.maillist-manage.eu", 1.0, "gif", zoho, None),
    ("Kit (ConvertKit)", "open.convertkit-mail2.com", 1.0, "gif", convertkit, "embed.filekitcdn.com"),
    ("Substack", "email.mg1.substack.com", 0.5, "gif", substack, "substackcdn.com"),
    ("Intercom", "{acct}.intercom-mail.com", 1.0, "gif", intercom, None),
    ("Superhuman", "r.superhuman.com", 1.0, "png", superhuman, None),
    ("Mautic (self-hosted)", "marketing.{s}", 0.5, "gif", mautic, "marketing.{s}"),
    ("listmonk (self-hosted)", "lists.{s}", 0.7, "png", listmonk, "lists.{s}"),
    ("phpList (self-hosted)", "newsletter.{s}", 0.3, "gif", phplist, "newsletter.{s}"),
    ("Sendy (self-hosted)", "mail.{s}", 0.3, "gif", sendy, None),
    ("MailPoet (WordPress)", "www.{s}", 0.7, "gif", mailpoet, "www.{s}"),
    ("LinkedIn", "www.linkedin.com", 1.0, "gif", linkedin, "media.licdn.com"),
    ("Facebook", "www.facebook.com", 1.0, "gif", facebook, "static.xx.fbcdn.net"),
    ("LeadBoxer", "track.leadboxer.com", 1.0, "gif", leadboxer, None),
    ("LiveIntent (ad-tech in newsletter)", "i.liadm.com", 1.0, "gif", liveintent, None),
    ("Zeta (ad-tech in newsletter)", "lit.zetaglobal.net", 1.0, "gif", zeta, None),
    ("PowerInbox (ad-tech in newsletter)", "stripe.rs-1.powerinbox.com", 1.0, "gif", powerinbox, None),
    ("Home-made tracker (base64 e-mail)", "news.{s}", 0.5, "png", custom_b64, "news.{s}"),
    ("Home-made tracker (e-mail in query)", "api.{s}", 1.0, "gif", custom_email_query, "cdn.{s}"),
]

# Newsletter senders (brand domains); the home-made and branded vendors use them as hosts.
SENDERS = [
    "eupolicydigest.eu", "brusselsbrief.com", "politicalweekly.net", "thinktank-forum.org",
    "securityaffairs-review.com", "energytransition-news.eu", "defence-insider.com",
    "eu-parliament-watch.org", "tradepolicy-monitor.com", "climatebrief.org", "fintech-daily.io",
    "lobbyfacts-news.eu", "digitalagenda.news", "farmpolicy-report.eu", "civilsociety-hub.org",
    "transportpolicy.eu", "healthpolicy-insight.com", "migration-observer.eu",
    "legalnews-europe.com", "conference-events.eu", "airline-offers.com", "bookshop-weekly.com",
    "university-alumni.org", "charity-appeal.org", "ngo-network.eu", "govtech-summit.com",
    "cyberpolicy-journal.com", "data-protection-news.eu", "researchhub-europe.eu",
    "oceanpolicy-news.org", "spacepolicy-watch.eu", "foodsafety-bulletin.eu",
    "innovation-radar.eu", "parliament-press.eu", "eu-funding-alerts.eu", "humanrights-monitor.org",
    "balkan-insight.net", "nordic-affairs.org", "mediterranean-forum.eu", "baltic-review.eu",
    "atlantic-dialogue.org", "asia-europe-brief.com", "africa-eu-partnership.org",
    "latam-europe-news.com", "gulf-policy-review.com", "arctic-council-news.org",
    "danube-region.eu", "alpine-convention-news.eu", "euro-med-review.org", "visegrad-post.eu",
    "iberian-affairs.eu", "benelux-brief.eu",
]
