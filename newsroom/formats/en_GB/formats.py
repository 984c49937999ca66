"""The newsroom's times: 24-hour everywhere (a newsroom's clock), with British English's own
day-month-year dates; what is not set here is Django's en_GB."""

TIME_FORMAT = "H:i"  # '14:30'
DATETIME_FORMAT = "j M Y, H:i"  # '25 Oct 2006, 14:30'
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # '25/10/2006 14:30'
