"""Evidence from relays that are not Exchange: Postfix / sendmail / Exim mail logs, Postfix
``main.cf`` / ``postconf -n``, and IIS 6 SMTP's metabase or settings export."""
