#!/bin/bash
# zabbix alert script
SMTP=smtp.office365.com:587
sendEmail -f zabbix@contoso.com -t "$1" -u "$2" -m "$3" -s $SMTP -o tls=yes
