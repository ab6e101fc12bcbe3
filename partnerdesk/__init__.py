"""partnerdesk — a regional IT partnership desk for neighbouring governments."""

__version__ = "0.1.0"
APP_NAME = "partnerdesk"
APP_DISPLAY_NAME = "PartnerDesk"
APP_ID = "gov.partnerdesk.PartnerDesk"
ORG_NAME = "partnerdesk"
