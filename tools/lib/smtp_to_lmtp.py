#!/usr/bin/python3
"""SMTP entry point of the sandbox: accepts mail for the sandbox domain and
delivers it to Dovecot over LMTP. Production sites use their own MTA."""
import argparse
import signal
import smtplib
import sys
import threading

from aiosmtpd.controller import Controller


def hostport(s):
    host, _, port = s.rpartition(":")
    return host, int(port)


class Deliver:
    def __init__(self, lmtp, domain):
        self.lmtp = lmtp
        self.domain = domain.lower()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not address.lower().endswith("@" + self.domain):
            return "550 5.1.1 not a local recipient (relaying is not offered)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        try:
            with smtplib.LMTP(self.lmtp[0], self.lmtp[1], timeout=30) as lmtp:
                refused = lmtp.sendmail(envelope.mail_from, envelope.rcpt_tos, envelope.original_content)
        except smtplib.SMTPException as e:
            print(f"delivery failed: {e}", file=sys.stderr, flush=True)
            return "451 4.3.0 delivery to the mail store failed, try again later"
        except OSError as e:
            print(f"LMTP unreachable: {e}", file=sys.stderr, flush=True)
            return "451 4.3.0 mail store unreachable, try again later"
        if refused:
            return "550 5.1.1 some recipients were refused: " + ", ".join(refused)
        print(f"delivered from {envelope.mail_from} to {', '.join(envelope.rcpt_tos)}", flush=True)
        return "250 2.0.0 delivered"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--listen", default="127.0.0.1:25")
    ap.add_argument("--lmtp", default="127.0.0.1:24")
    ap.add_argument("--domain", required=True)
    a = ap.parse_args()
    host, port = hostport(a.listen)
    ctl = Controller(Deliver(hostport(a.lmtp), a.domain), hostname=host, port=port)
    ctl.start()
    print(f"SMTP listening on {host}:{port}, delivering to LMTP {a.lmtp}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    ctl.stop()


if __name__ == "__main__":
    main()
