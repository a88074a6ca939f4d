"""Application and device logs that talk SMTP: the replies they got and the smart host they used."""
